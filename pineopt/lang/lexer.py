"""The lexer: Pine source text → the tokens the LALR parser reads, layout resolved.

Pine's layout is an offside rule with a twist (LANGUAGE-NOTES §1):

1. A block is the run of lines indented one level deeper than the line that opens it (after
   ``if``, ``for``, ``while``, ``switch``, ``=>``, ``type``, ``enum``). A level is 4 columns; a
   tab advances to the next multiple of 4.
2. A line whose indentation is *not* a multiple of 4 continues the previous line.
3. Inside ``(...)`` and ``[...]`` line breaks and indentation mean nothing.
4. Blank lines and comment lines are invisible.

So at the first token of each line (outside brackets) the lexer compares the line's indentation
with a stack of open block levels:

* not a multiple of 4: a continuation line, nothing is emitted;
* otherwise the previous statement ends: ``_NL``; then ``_INDENT`` when the line is deeper, or,
  when it is shallower, ``_DEDENT _NL`` for each block it leaves (the ``_NL`` ends the statement
  that owned the block) except that the last ``_NL`` is left out before ``else``, which continues
  an ``if``.

Three tokens are decided here because the parser would need more than one token of lookahead:
``<``/``>`` around type arguments (``array<float>``, ``map.new<string, int>()``) become
``TYPE_OPEN``/``TYPE_CLOSE``; ``float[]`` has its ``[]`` as one token; and the name in a global
``name(...) =>`` becomes ``FUNC_NAME``. Keywords are names after a dot (``syminfo.type``) and as
named arguments (``plot(series = x)``); the keywords of :data:`CONTEXTUAL_KEYWORDS` are keywords
only where a name follows them, and names anywhere else (``ma(type, src, len) =>``).

Comments are dropped, except ``//@name text`` annotations, which are collected. Errors do not
stop the lexer: a bad character is reported and skipped, an unterminated string runs to the end
of its line (of the file for a triple-quoted one); only too deep a nesting of brackets ends the
work (see :data:`MAX_NESTING`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from lark import Token

from pineopt.lang import grammar
from pineopt.lang.diagnostics import Diagnostic, error, warning
from pineopt.lang.nodes import Annotation, Span

MAX_NESTING = 100
"""Brackets nested deeper than this are refused. Real scripts rarely nest ten deep; the limit
keeps every later pass (which walks the tree recursively) far from Python's recursion limit."""

_LEXEMES = [
    ("ws", r"[ \t\f]+"),
    ("nl", r"\n"),
    ("name", r"[A-Za-z_][A-Za-z0-9_]*"),
    ("float", r"(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+"),
    ("int", r"[0-9]+"),
    ("comment", r"//[^\n]*"),
    ("string3", r'"""(?:\\[\s\S]|[^\\])*?"""' + r"|'''(?:\\[\s\S]|[^\\])*?'''"),
    ("open_string3", r'"""[\s\S]*' + r"|'''[\s\S]*"),  # unterminated: up to the end of file
    ("string", r'"(?:\\.|[^"\\\n])*"' + r"|'(?:\\.|[^'\\\n])*'"),
    ("open_string", r'"[^\n]*' + r"|'[^\n]*"),  # unterminated: up to the end of the line
    ("color", r"#[0-9A-Fa-f]{6}(?:[0-9A-Fa-f]{2})?(?![0-9A-Za-z_])"),
    ("bad_color", r"#[0-9A-Za-z_]*"),
    ("op", r":=|\+=|-=|\*=|/=|%=|==|!=|<=|>=|=>|\[[ \t]*\]|[-+*/%<>=?:,.()\[\]]"),
    ("bad_char", r"."),
]
_LEXEME = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _LEXEMES))

CONTEXTUAL_KEYWORDS = frozenset(
    {"const", "enum", "export", "import", "method", "series", "simple", "type"}
)
"""Keywords that scripts also use as names, which TradingView compiles: the qualifiers
(``f(series, length) =>``) and the words that open a definition (``ma(type, src, len) =>``,
``if type == "SMA"``, ``type = input.string("EMA")``). Each is a keyword only when a name
follows it (``series float x``, ``type Point``, ``export method f(...)``,
``import user/lib/1``), and a name otherwise. The other keywords are reserved everywhere."""
# A name after a contextual keyword; the operator words cannot start what a keyword introduces.
_NAME_AFTER = re.compile(r"[ \t]*(?!(?:and|or|to|by|in)\b)[A-Za-z_]")

_ANNOTATION = re.compile(r"//@([A-Za-z_]\w*)(?:=|[ \t]+|$)(.*)")
_NAMED_ARGUMENT = re.compile(r"[ \t]*=(?![=>])")

# Type arguments: `<` type {`,` type} `>`, a type being a dotted name, with arguments of its own
# one level deep: collections cannot hold collections, but map<string, array<float>> should reach
# the analyzer, which says so, rather than confuse the lexer.
_TYPE = r"[A-Za-z_][A-Za-z0-9_]*(?:[ \t]*\.[ \t]*[A-Za-z_][A-Za-z0-9_]*)*"
_TYPE_ARG = rf"{_TYPE}(?:[ \t]*<[ \t]*{_TYPE}(?:[ \t]*,[ \t]*{_TYPE})*[ \t]*>)?"
_TYPE_ARGS = re.compile(rf"<[ \t]*{_TYPE_ARG}(?:[ \t]*,[ \t]*{_TYPE_ARG})*[ \t]*>(?!=)")
GENERIC_NAMES = frozenset({"array", "matrix", "map", "new"})
"""The names a ``<`` of type arguments can follow: the three collection types and their
constructors ``array.new<T>()``, ``matrix.new<T>()``, ``map.new<K, V>()``."""

_OPENING = {"(": ")", "[": "]"}


@dataclass
class LexResult:
    """The tokens of a source (each logical line ends with ``_NL``), its annotations and the
    problems found. ``complete`` is False when the lexer gave up and the tokens stop early."""

    tokens: list[Token]
    annotations: list[Annotation] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    complete: bool = True


class NestingTooDeep(Exception):
    """Raised inside the lexer when brackets nest deeper than :data:`MAX_NESTING`."""


def indent_width(whitespace: str) -> int:
    """The column width of leading whitespace: a tab advances to the next multiple of 4."""
    width = 0
    for char in whitespace:
        width = (width // 4 + 1) * 4 if char == "\t" else width + 1
    return width


def tokenize(source: str, filename: str = "<input>") -> LexResult:
    """Tokens of ``source`` for the Pine grammar (see :class:`LexResult`)."""
    return _default_lexer().tokenize(source, filename)


@cache
def _default_lexer() -> Lexer:
    return Lexer(grammar.terminal_names())


class Lexer:
    """A tokenizer for a grammar whose keywords and punctuation have the given terminal names
    (``{"if": "IF", "(": "LPAR", ...}``, see :func:`pineopt.lang.grammar.terminal_names`)."""

    def __init__(self, terminals: Mapping[str, str]) -> None:
        self.terminals = dict(terminals)
        self.keywords = {text: name for text, name in terminals.items() if text.isidentifier()}

    def tokenize(self, source: str, filename: str = "<input>") -> LexResult:
        """Tokens of ``source``; line ends may be LF, CR LF or CR."""
        source = source.replace("\r\n", "\n").replace("\r", "\n")
        scan = _Scan(self, source, filename)
        try:
            scan.run()
        except NestingTooDeep:
            return LexResult([], scan.annotations, scan.diagnostics, complete=False)
        _mark_function_names(scan.tokens, self.terminals)
        return LexResult(scan.tokens, scan.annotations, scan.diagnostics)


class _Scan:
    """The state of one run of the lexer over one source."""

    def __init__(self, lexer: Lexer, source: str, filename: str) -> None:
        self.terminals = lexer.terminals
        self.keywords = lexer.keywords
        self.source = source
        self.filename = filename
        self.tokens: list[Token] = []
        self.annotations: list[Annotation] = []
        self.diagnostics: list[Diagnostic] = []
        self.line = 1
        self.line_start = 0  # offset of the current line's first character
        self.at_line_start = True
        self.indent = ""  # the whitespace before the current line's first token
        self.levels = [0]  # indentation of the open blocks, innermost last
        self.brackets: list[Token] = []  # the open ( and [, innermost last
        self.last: Token | None = None  # the last token that is not a layout token
        self.type_closers: set[int] = set()  # offsets of the > that close type arguments
        self.bad_run_end = -1  # offset just past the last reported bad character

    # ---- the main loop

    def run(self) -> None:
        terminals = self.terminals
        dot = terminals["."]
        for match in _LEXEME.finditer(self.source):
            kind = match.lastgroup
            if kind == "ws":
                if match.start() == self.line_start:
                    self.indent = match.group()
                continue
            if kind == "nl":
                self.line += 1
                self.line_start = match.end()
                self.at_line_start = True
                self.indent = ""
                continue
            if kind == "comment":
                self._comment(match)
                continue
            if kind == "bad_char":
                self._bad_char(match)
                continue

            text = match.group()
            if self.at_line_start:
                self.at_line_start = False
                if not self.brackets:
                    self._line_layout(text, match.start() - self.line_start + 1)

            if kind == "name":
                keyword = self.keywords.get(text)
                if keyword and self.last is not None and self.last.type == dot:
                    keyword = None  # syminfo.type
                if keyword and self._is_argument_name(match.end()):
                    keyword = None  # plot(series = x)
                if (
                    keyword
                    and text in CONTEXTUAL_KEYWORDS
                    and not _NAME_AFTER.match(self.source, match.end())
                ):
                    keyword = None  # ma(type, src, len) =>
                self._emit(keyword or "NAME", text, match.start())
            elif kind == "op":
                self._operator(text, match.start())
            elif kind == "int":
                self._emit("INT", text, match.start())
            elif kind == "float":
                self._emit("FLOAT", text, match.start())
            elif kind in ("string", "string3"):
                self._emit("STRING", text, match.start())
            elif kind == "color":
                self._emit("COLOR", text, match.start())
            elif kind in ("open_string", "open_string3"):
                token = self._emit("STRING", text, match.start())
                self._error("unterminated string literal", _token_span(token))
            else:  # bad_color
                token = self._emit("COLOR", text, match.start())
                self._error(
                    f"invalid color literal '{text}': write #RRGGBB or #RRGGBBAA "
                    "(hexadecimal digits)",
                    _token_span(token),
                )
        self._end_of_source()

    # ---- tokens

    def _emit(self, type_: str, text: str, start: int) -> Token:
        """Append a token starting at offset ``start``; multi-line tokens advance the line."""
        line, column = self.line, start - self.line_start + 1
        newlines = text.count("\n") if type_ == "STRING" else 0
        if newlines:
            self.line += newlines
            self.line_start = start + text.rindex("\n") + 1
            end_column = start + len(text) - self.line_start + 1
        else:
            end_column = column + len(text)
        token = Token(type_, text, start, line, column, self.line, end_column, start + len(text))
        self.tokens.append(token)
        self.last = token
        return token

    def _operator(self, text: str, start: int) -> None:
        terminals = self.terminals
        last = self.last
        if text[0] == "[" and len(text) > 1:  # float[]: the legacy array type
            token = self._emit(terminals["[]"], text, start)
            first = last if last is not None and last.type == "NAME" else token
            element = first if first is last else "T"
            self.diagnostics.append(
                warning(
                    f"'{element}[]' is the deprecated array type syntax: write 'array<{element}>'",
                    Span(first.line, first.column, token.end_line, token.end_column),
                    self.filename,
                )
            )
        elif text == "<" and last is not None and last in GENERIC_NAMES and last.type == "NAME":
            type_args = _TYPE_ARGS.match(self.source, start)
            if type_args:
                self.type_closers.add(type_args.end() - 1)
                self._emit("TYPE_OPEN", text, start)
            else:
                self._emit(terminals[text], text, start)
        elif text == ">" and start in self.type_closers:
            self.type_closers.discard(start)
            self._emit("TYPE_CLOSE", text, start)
        elif text in _OPENING:
            token = self._emit(terminals[text], text, start)
            self.brackets.append(token)
            if len(self.brackets) > MAX_NESTING:
                self._error(
                    f"brackets nested more than {MAX_NESTING} deep; simplify the expression",
                    _token_span(token),
                )
                raise NestingTooDeep
        elif text in (")", "]"):
            token = self._emit(terminals[text], text, start)
            if self.brackets:
                self._close_bracket(token)
        else:
            self._emit(terminals[text], text, start)

    def _close_bracket(self, closer: Token) -> None:
        """Pop the bracket ``closer`` closes. A closer of the other kind is reported; it then
        also closes the bracket below when that one matches: ``f(x[1)`` closes both."""
        opener = self.brackets.pop()
        if _OPENING[opener] == closer:
            return
        self._error(
            f"'{closer}' does not match '{opener}' (line {opener.line}, column "
            f"{opener.column}); expected '{_OPENING[opener]}'",
            _token_span(closer),
        )
        if self.brackets and _OPENING[self.brackets[-1]] == closer:
            self.brackets.pop()

    def _is_argument_name(self, end: int) -> bool:
        """Whether the name ending at ``end`` is followed by ``=`` right after ``(`` or ``,``."""
        return (
            bool(self.brackets)
            and self.brackets[-1] == "("
            and self.last is not None
            and self.last.type in (self.terminals["("], self.terminals[","])
            and _NAMED_ARGUMENT.match(self.source, end) is not None
        )

    # ---- layout

    def _layout(self, type_: str, line: int, column: int) -> None:
        """Append a layout token: empty, at the given position."""
        self.tokens.append(Token(type_, "", None, line, column, line, column))

    def _line_layout(self, first: str, column: int) -> None:
        """Layout tokens before the first token (text ``first``) of a line outside brackets."""
        width = indent_width(self.indent)
        last = self.last
        if last is None:  # the first statement of the script
            if width:
                self._error(
                    "unexpected indentation: the first statement must start at column 1",
                    Span(self.line, 1, self.line, column),
                )
            return
        if width % 4:
            return  # a continuation line
        self._layout("_NL", last.end_line, last.end_column)
        levels = self.levels
        if width > levels[-1]:
            levels.append(width)
            self._layout("_INDENT", self.line, column)
            return
        closed = 0
        while levels[-1] > width:
            levels.pop()
            closed += 1
        for i in range(closed):
            self._layout("_DEDENT", self.line, column)
            if i < closed - 1 or first != "else":
                self._layout("_NL", self.line, column)
        if levels[-1] != width:
            self._error(
                "this line's indentation matches no enclosing block",
                Span(self.line, 1, self.line, column),
            )
            levels.append(width)
            self._layout("_INDENT", self.line, column)

    def _end_of_source(self) -> None:
        if self.brackets:
            bracket = self.brackets[0]
            # An unterminated string after the bracket has swallowed its closing bracket:
            # that string is the error to fix.
            swallowed = any(
                d.message == "unterminated string literal" and d.span.line >= bracket.line
                for d in self.diagnostics
            )
            if not swallowed:
                self._error(f"'{bracket}' is never closed", _token_span(bracket))
        last = self.last
        if last is None:
            return
        self._layout("_NL", last.end_line, last.end_column)
        for _ in self.levels[1:]:
            self._layout("_DEDENT", last.end_line, last.end_column)
            self._layout("_NL", last.end_line, last.end_column)

    # ---- comments and errors

    def _comment(self, match: re.Match[str]) -> None:
        annotation = _ANNOTATION.match(match.group())
        if annotation:
            column = match.start() - self.line_start + 1
            span = Span(self.line, column, self.line, column + len(match.group()))
            name, text = annotation.groups()
            self.annotations.append(Annotation(name, text.strip(), span=span))

    def _bad_char(self, match: re.Match[str]) -> None:
        """Report a character that starts no token; a run of them is reported once."""
        column = match.start() - self.line_start + 1
        if match.start() == self.bad_run_end and self.diagnostics:
            previous = self.diagnostics.pop()
            span = Span(*previous.span[:2], self.line, column + 1)
            message = previous.message
        else:
            char = match.group()
            shown = f"'{char}'" if char.isprintable() else f"U+{ord(char):04X}"
            span = Span(self.line, column, self.line, column + 1)
            message = f"unexpected character {shown}"
        self.diagnostics.append(error(message, span, self.filename))
        self.bad_run_end = match.end()

    def _error(self, message: str, span: Span) -> None:
        self.diagnostics.append(error(message, span, self.filename))


def _token_span(token: Token) -> Span:
    return Span(token.line, token.column, token.end_line, token.end_column)


def _mark_function_names(tokens: list[Token], terminals: Mapping[str, str]) -> None:
    """Retype as FUNC_NAME the name of each function definition: a name followed by ``(`` that
    comes after ``method`` or ``export``, or that starts a line whose parentheses are followed by
    ``=>`` (outside switch blocks, where that line is a branch ``f(x) => ...``).

    Definitions inside blocks are marked too, so that the parser reports them as misplaced."""
    lpar, rpar, arrow = terminals["("], terminals[")"], terminals["=>"]
    after = {terminals["method"], terminals["export"]}
    switch = terminals["switch"]
    in_switch = [False]  # per open block: is it the block of a switch?
    line_has_switch = ended_line_had_switch = False
    previous = "_NL"
    for i, token in enumerate(tokens):
        type_ = token.type
        if type_ == "_INDENT":
            in_switch.append(ended_line_had_switch)
        elif type_ == "_DEDENT":
            in_switch.pop()
        elif type_ == switch:
            line_has_switch = True
        elif (
            type_ == "NAME"
            and i + 1 < len(tokens)
            and tokens[i + 1].type == lpar
            and (
                previous in after
                or (
                    previous in ("_NL", "_INDENT")
                    and not in_switch[-1]
                    and _arrow_follows(tokens, i + 1, lpar, rpar, arrow)
                )
            )
        ):
            tokens[i] = Token.new_borrow_pos("FUNC_NAME", token, token)
        if type_ == "_NL":
            ended_line_had_switch, line_has_switch = line_has_switch, False
        previous = type_


def _arrow_follows(tokens: list[Token], open_at: int, lpar: str, rpar: str, arrow: str) -> bool:
    """Whether the parenthesis at ``open_at`` is closed on its line and followed by ``=>``."""
    nesting = 0
    for i in range(open_at, len(tokens)):
        type_ = tokens[i].type
        if type_ == lpar:
            nesting += 1
        elif type_ == rpar:
            nesting -= 1
            if nesting == 0:
                return i + 1 < len(tokens) and tokens[i + 1].type == arrow
        elif type_ == "_NL":
            return False
    return False
