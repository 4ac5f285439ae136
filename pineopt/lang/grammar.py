"""``pine.lark`` compiled, once, into lark's LALR(1) parser.

The parser is fed tokens made by :mod:`pineopt.lang.lexer` and builds the syntax tree as it
reduces rules (:class:`~pineopt.lang.builder.Builder` is its inline transformer). Building the
tables takes a quarter of a second, so lark keeps them in the user's cache directory
(``$XDG_CACHE_HOME/pineopt``, else ``~/.cache/pineopt``) in a file named after a hash of the
grammar and lark's version, published atomically; a directory that cannot be written only
costs the time.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import lark
from lark import Lark, Token
from lark.lexer import Lexer

from pineopt.lang.builder import Builder

GRAMMAR_FILE = Path(__file__).with_name("pine.lark")


class _TokenFeed(Lexer):
    """The "lexer" lark runs: it hands over the tokens that lexer.py already made."""

    def __init__(self, lexer_conf: Any) -> None:
        pass

    def lex(self, tokens: list[Token]) -> Iterator[Token]:  # type: ignore[override]
        return iter(tokens)


@cache
def pine_parser() -> Lark:
    """The LALR(1) parser of ``pine.lark``: ``pine_parser().parse(tokens)`` returns the
    statements of one global statement."""
    grammar = GRAMMAR_FILE.read_text(encoding="utf-8")
    cached = _cache_file(grammar)
    if cached is None:
        return _build(grammar, False)
    if cached.exists():
        return _build(grammar, str(cached))
    # first use: build into a private file, then publish it in one step
    private = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
    parser = _build(grammar, str(private))
    try:
        os.replace(private, cached)
    except OSError:
        private.unlink(missing_ok=True)
    return parser


def _build(grammar: str, cache_file: str | bool) -> Lark:
    return Lark(
        grammar,
        parser="lalr",
        lexer=_TokenFeed,
        transformer=Builder(),
        maybe_placeholders=True,
        cache=cache_file,
    )


def _cache_file(grammar: str) -> Path | None:
    """The file of parser tables for this grammar and lark version (None when the cache
    directory cannot be written)."""
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(root) / "pineopt"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    if not os.access(folder, os.W_OK):
        return None
    digest = hashlib.sha256(f"{lark.__version__}\n{grammar}".encode()).hexdigest()[:16]
    return folder / f"pine-lalr-{digest}.cache"


@cache
def terminal_names() -> dict[str, str]:
    """The terminal name lark gave each keyword and punctuation mark of the grammar: ``{"if":
    "IF", "(": "LPAR", ":=": "__ANON_0", ...}``. The lexer names its tokens with these."""
    return {
        terminal.pattern.value: terminal.name
        for terminal in pine_parser().terminals
        if terminal.pattern.type == "str"
    }
