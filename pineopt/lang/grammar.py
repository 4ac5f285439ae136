"""``pine.lark`` compiled, once, into lark's LALR(1) parser.

The parser is fed tokens made by :mod:`pineopt.lang.lexer` and builds the syntax tree as it
reduces rules (:class:`~pineopt.lang.builder.Builder` is its inline transformer).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

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
    return Lark(
        GRAMMAR_FILE.read_text(encoding="utf-8"),
        parser="lalr",
        lexer=_TokenFeed,
        transformer=Builder(),
        maybe_placeholders=True,
    )


@cache
def terminal_names() -> dict[str, str]:
    """The terminal name lark gave each keyword and punctuation mark of the grammar: ``{"if":
    "IF", "(": "LPAR", ":=": "__ANON_0", ...}``. The lexer names its tokens with these."""
    return {
        terminal.pattern.value: terminal.name
        for terminal in pine_parser().terminals
        if terminal.pattern.type == "str"
    }
