"""Words for people: the one door from codes and events to sentences (faces only).

`sentence()` turns an error or warning code into words in the reader's language, `explain()`
tells bugs from user errors, `neutralise()` makes network text safe to print, and
`describe()` turns a network event into the lines both faces draw. The network core and the
protocol never import this package: they hand over codes and details.
"""

from messagerie.wording.lines import (
    ChatLine,
    Delivered,
    Reached,
    Refused,
    SystemLine,
    Viewpoint,
    describe,
)
from messagerie.wording.sentences import explain, neutralise, sentence

__all__ = [
    "ChatLine",
    "Delivered",
    "Reached",
    "Refused",
    "SystemLine",
    "Viewpoint",
    "describe",
    "explain",
    "neutralise",
    "sentence",
]
