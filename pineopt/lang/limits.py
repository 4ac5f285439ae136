"""What the front end refuses before and while parsing: sizes, depths and versions.

Kept apart from the parser so that a command which only reads a script file (``pineopt run``
with a cached conversion) can bound its read without importing the parser.
"""

MAX_SOURCE_CHARS = 1_000_000
"""Longer sources are refused before lexing. Real scripts are far smaller (TradingView's editor
and compiler have much lower limits of their own); a megabyte still parses in a few seconds, so
a generated or hostile input is refused at once instead of being worked through."""

MAX_DEPTH = 150
"""Deepest syntax tree of one statement: a sum of 150 terms, calls nested 150 deep, or ifs
nested 75 deep (each level is an If in an ExprStmt). Passes walk trees recursively, a few Python
frames per level; this keeps them inside Python's default limit of 1,000 frames."""

MAX_ERRORS = 50
"""Parsing stops after this many errors in one file."""

SUPPORTED_VERSIONS = (5, 6)
"""The Pine versions the front end reads (``//@version=5`` and ``6``)."""
