"""The benchmarks of `scripts/bench.py`, one module per command, and what they share.

Commands (each has `add_arguments(parser)`, `run(args) -> dict` and `format_table(result)`):
room.py, scale.py, latency.py, gui.py, startup.py, files.py.

Shared parts:
- load.py     the load generator: clients in worker processes, our frames or ncat's lines
- servers.py  the servers under test (ours, ncat, the floor relay), their CPU and memory
- floor.py    the floor relay itself (`python -m bench.floor`)
- runs.py     one run: a fresh server, the load, the figures
- stats.py    percentiles and medians; tables.py the report rows and the printed table
- profile.py  py-spy on our server (`room --profile`)
- display.py  an X display (Xvfb) for `gui` and `startup`
- window.py   the window of `gui`, built with messagerie.ui.build(), with probe.py attached
- hello.py    the reference program of `startup`
"""
