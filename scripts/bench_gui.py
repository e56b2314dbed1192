"""GUI flood benchmark (placeholder until written)."""


def add_arguments(parser):
    pass


def run(args):
    return {"bench": "gui", "machine": {}, "rows": [], "notes": []}
