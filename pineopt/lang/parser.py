"""``parse``: Pine source → syntax tree and diagnostics. Never raises on bad input.

The work, in order:

1. refuse what is not a script: more than :data:`MAX_SOURCE_CHARS`, NUL characters (binary
   content), bytes that are not UTF-8;
2. lex (:mod:`pineopt.lang.lexer`), which also collects the ``//@`` annotations;
3. check ``//@version``: 5 and 6 are read, 4 and older are refused with advice to convert;
4. parse each global statement on its own with the LALR parser of ``pine.lark``. A statement
   with a syntax error is reported and skipped, so one mistake costs one statement and several
   errors are reported per file. (A statement whose lines already have a lexical error is not
   reported twice.) Statements nested deeper than :data:`MAX_DEPTH` are refused;
5. check that the script has exactly one declaration statement (``indicator``, ``strategy``,
   ``library``).

The result holds a :class:`~pineopt.lang.nodes.Script` only when there is no error; warnings
(deprecated syntax) come with a tree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from lark import Token
from lark.exceptions import UnexpectedInput, UnexpectedToken

from pineopt.lang import grammar
from pineopt.lang import nodes as n
from pineopt.lang.builder import BuildError
from pineopt.lang.diagnostics import Diagnostic, error, format_diagnostics
from pineopt.lang.lexer import tokenize
from pineopt.lang.limits import MAX_DEPTH, MAX_ERRORS, MAX_SOURCE_CHARS, SUPPORTED_VERSIONS
from pineopt.lang.nodes import Span

V4_MESSAGE = (
    "Pine Script v4 and older are not supported: convert the script to v5 first "
    "(TradingView's editor offers 'Convert code to v5')"
)

_START = Span(1, 1, 1, 1)


@dataclass(frozen=True)
class ParseResult:
    """What :func:`parse` found: the tree (None when there is any error), every diagnostic in
    source order, and the source text (to show the lines the diagnostics point at)."""

    script: n.Script | None
    diagnostics: tuple[Diagnostic, ...]
    source: str = ""

    @property
    def ok(self) -> bool:
        """No errors (there may be warnings)."""
        return not any(d.is_error for d in self.diagnostics)

    def format_diagnostics(self) -> str:
        """Every diagnostic with its source line and carets, ready for stderr (no source line
        for a refused file, whose text is empty)."""
        return format_diagnostics(self.diagnostics, self.source or None)


def parse(source: str | bytes, filename: str = "<input>") -> ParseResult:
    """Parse a Pine script. Bytes are decoded as UTF-8 (a byte-order mark is allowed)."""
    text, refusal = _as_text(source, filename)
    if refusal is not None:
        return ParseResult(None, (refusal,), text)
    lexed = tokenize(text, filename)
    diagnostics = list(lexed.diagnostics)
    first_token = _first_position(lexed.tokens)
    version = _check_version(lexed.annotations, first_token, diagnostics, filename)
    if version is None or not lexed.complete:
        return _result(None, diagnostics, text)
    body, unparsed_heads = _parse_statements(lexed.tokens, diagnostics, filename)
    _check_declaration(body, unparsed_heads, first_token, diagnostics, filename)
    script = n.Script(
        version, tuple(lexed.annotations), tuple(body), span=Span(1, 1, *_end(lexed.tokens))
    )
    return _result(script, diagnostics, text)


def _result(script: n.Script | None, diagnostics: list[Diagnostic], text: str) -> ParseResult:
    ordered = tuple(sorted(diagnostics, key=lambda d: (d.span.line, d.span.column)))
    has_error = any(d.is_error for d in ordered)
    return ParseResult(None if has_error else script, ordered, text)


# ---- 1. text ----------------------------------------------------------------------------------


def _as_text(source: str | bytes, filename: str) -> tuple[str, Diagnostic | None]:
    """The source as text, or the reason it is not a script."""
    if len(source) > MAX_SOURCE_CHARS:
        unit = "bytes" if isinstance(source, bytes) else "characters"
        return "", error(
            f"the file is too large (more than {MAX_SOURCE_CHARS:,} {unit}): Pine scripts are "
            "far smaller",
            _START,
            filename,
        )
    if isinstance(source, bytes):
        if b"\0" in source:
            return "", _not_text(filename)
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = source.count(b"\n", 0, exc.start) + 1
            column = exc.start - (source.rfind(b"\n", 0, exc.start) + 1) + 1
            return "", error(
                f"the file is not UTF-8 text (byte 0x{source[exc.start]:02x} at offset "
                f"{exc.start}); save it as UTF-8",
                Span(line, column, line, column + 1),
                filename,
            )
    if "\0" in source:
        return "", _not_text(filename)
    return source.removeprefix("\ufeff"), None


def _not_text(filename: str) -> Diagnostic:
    return error("not a text file (it contains NUL bytes)", _START, filename)


# ---- 3. version -------------------------------------------------------------------------------


def _check_version(
    annotations: list[n.Annotation],
    first_token: Span,
    diagnostics: list[Diagnostic],
    filename: str,
) -> int | None:
    """The script's version (6 when it is missing, after an error), or None when the script is
    of a version this front end does not read."""
    versions = [a for a in annotations if a.name == "version"]
    if not versions:
        diagnostics.append(
            error(
                "missing '//@version=6' annotation (without it TradingView reads the script as "
                "Pine Script v1)",
                first_token,
                filename,
            )
        )
        return 6
    first = versions[0]
    for duplicate in versions[1:]:
        diagnostics.append(
            error(
                f"duplicate //@version annotation (the first is on line {first.span.line})",
                duplicate.span,
                filename,
            )
        )
    number = first.text.split(maxsplit=1)[0] if first.text else ""  # a comment may follow
    if not number.isdigit():
        diagnostics.append(
            error(f"invalid version '{first.text}': write //@version=6", first.span, filename)
        )
        return None
    version = int(number)
    if version < SUPPORTED_VERSIONS[0]:
        diagnostics.append(error(V4_MESSAGE, first.span, filename))
        return None
    if version not in SUPPORTED_VERSIONS:
        diagnostics.append(
            error(
                f"Pine Script v{version} is not supported (PineOpt reads v5 and v6)",
                first.span,
                filename,
            )
        )
        return None
    return version


# ---- 4. statements ----------------------------------------------------------------------------


def _global_statements(tokens: list[Token]) -> Iterator[list[Token]]:
    """Split the tokens into global statements: each ends with an ``_NL`` outside any block
    that does not open a block itself."""
    depth = 0
    start = 0
    last = len(tokens) - 1
    for i, token in enumerate(tokens):
        type_ = token.type
        if type_ == "_INDENT":
            depth += 1
        elif type_ == "_DEDENT":
            depth -= 1
        elif type_ == "_NL" and depth == 0 and (i == last or tokens[i + 1].type != "_INDENT"):
            yield tokens[start : i + 1]
            start = i + 1


def _parse_statements(
    tokens: list[Token], diagnostics: list[Diagnostic], filename: str
) -> tuple[list[n.Stmt], list[Token]]:
    """The statements that parse, and the first token of each global statement that does not.
    Its syntax error is added to ``diagnostics`` unless the lexer already reported an error on
    one of its lines."""
    lexical_error_lines = {d.span.line for d in diagnostics if d.is_error}
    errors = sum(d.is_error for d in diagnostics)
    body: list[n.Stmt] = []
    unparsed_heads: list[Token] = []
    for statement in _global_statements(tokens):
        if errors >= MAX_ERRORS:
            message = f"too many errors; stopped after {MAX_ERRORS}"
            diagnostics.append(error(message, _span(statement[0]), filename))
            break
        parsed = _parse_statement(statement, filename)
        if isinstance(parsed, Diagnostic):
            unparsed_heads.append(statement[0])
            lines = range(statement[0].line, statement[-1].end_line + 1)
            if not any(line in lexical_error_lines for line in lines):
                diagnostics.append(parsed)
                errors += 1
        else:
            body.extend(parsed)
    return body, unparsed_heads


def _parse_statement(tokens: list[Token], filename: str) -> list[n.Stmt] | Diagnostic:
    """The statements of one global line (several when joined by commas), or the error."""
    try:
        statements = grammar.pine_parser().parse(tokens)
    except UnexpectedInput as exc:
        return _syntax_error(exc, tokens, filename)
    except BuildError as exc:
        return error(exc.message, exc.span, filename)
    if len(tokens) >= MAX_DEPTH // 2:  # a tree deeper than MAX_DEPTH needs that many tokens
        for statement in statements:
            if n.depth(statement) > MAX_DEPTH:
                return error(
                    f"statement nested more than {MAX_DEPTH} levels deep; split it into "
                    "smaller statements",
                    statement.span,
                    filename,
                )
    return statements


def _syntax_error(exc: UnexpectedInput, tokens: list[Token], filename: str) -> Diagnostic:
    token = exc.token if isinstance(exc, UnexpectedToken) else tokens[-1]
    expected = set(getattr(exc, "expected", ()))
    if token.type == "$END" or token.line is None:
        # The statement's last _NL was read as the start of a block that does not follow.
        line, column = _end(tokens)
        message = "expected an indented block" if "_INDENT" in expected else "unexpected end"
        return error(message, Span(line, column, line, column), filename)
    return_keyword = _return_statement(tokens)
    if return_keyword is not None:
        message = "Pine has no 'return': a function returns the value of its last line"
        return error(message, _span(return_keyword), filename)
    return error(_message(token, expected, tokens), _span(token), filename)


def _message(token: Token, expected: set[str], tokens: list[Token]) -> str:
    names = grammar.terminal_names()
    kind = token.type
    if kind == "_INDENT":
        return (
            "unexpected indentation: only the lines after if, else, for, while, switch, =>, "
            "type and enum start a block; a line that continues a statement is indented by a "
            "number of spaces that is not a multiple of 4"
        )
    if expected == {"_INDENT"}:
        return "expected an indented block"
    if kind == names["else"]:
        return "'else' without an 'if' at the same indentation"
    if kind in ("FUNC_NAME", names["method"], names["export"], names["type"], names["enum"]):
        return "functions, methods, types and enums can only be defined in the global scope"
    if kind == names["["] and _previous(token, tokens) == "]":
        return "history of a history needs parentheses: write (x[1])[2], not x[1][2]"
    if kind == names[">"] and _previous(token, tokens) == "<":
        return "empty type argument list '<>': name the type, as in array.new<float>()"
    if kind == names[":="] and expected == {names["="]}:
        return "':=' reassigns an existing variable: a declaration (with a type or 'var') uses '='"
    if kind == names["["] and _previous(token, tokens) in ("var", "varip"):
        return f"a tuple declaration cannot use '{_previous(token, tokens)}'"
    message = f"unexpected {_describe(token)}"
    hint = _missing_keyword(token, tokens, names) if kind in _VALUE_TOKENS else None
    if hint is not None:
        return f"{message}; {hint}"
    wanted = sorted({_EXPECTED.get(name, "") or _quoted(name, names) for name in expected})
    if "NAME" in expected and "INT" in expected:
        return f"{message}; expected an expression"
    if 0 < len(wanted) <= 4:
        return f"{message}; expected {_or(wanted)}"
    return message


_VALUE_TOKENS = frozenset({"NAME", "INT", "FLOAT", "STRING", "COLOR"})
_LINE_BREAKS = frozenset({"_NL", "_INDENT", "_DEDENT"})


def _missing_keyword(token: Token, tokens: list[Token], names: dict[str, str]) -> str | None:
    """A hint when a value follows a complete expression where a keyword belongs: the 'to' of
    a 'for' header, the '=>' of a switch case or after a function's parameters."""
    index = next((i for i, t in enumerate(tokens) if t is token), None)
    if index is None:
        return None
    start = index
    while start > 0 and tokens[start - 1].type not in _LINE_BREAKS:
        start -= 1
    line = tokens[start:index]
    kinds = [t.type for t in line]
    if not line or names["=>"] in kinds:
        return None
    if kinds[0] == names["for"] and names["to"] not in kinds:
        return "expected 'to' in the 'for' header (for i = start to end)"
    if kinds[0] == "NAME" and len(kinds) > 2 and kinds[1] == names["("]:
        depth = 0
        for i, kind in enumerate(kinds[1:], 1):
            depth += {names["("]: 1, names[")"]: -1}.get(kind, 0)
            if depth == 0:
                if i == len(kinds) - 1:
                    return "a function definition needs '=>' after its parameters"
                break
    if _block_opener(tokens, start) == names["switch"]:
        return "expected '=>' between a switch case and its result"
    return None


def _block_opener(tokens: list[Token], start: int) -> str | None:
    """The type of the keyword that opens the block whose line begins at ``tokens[start]``
    (the first keyword of the line before the block's ``_INDENT``), if it is the block's first
    line or a later one at the same depth."""
    depth = 0
    for i in range(start - 1, -1, -1):
        kind = tokens[i].type
        if kind == "_DEDENT":
            depth += 1
        elif kind == "_INDENT":
            if depth == 0:
                j = i - 1
                while j > 0 and tokens[j - 1].type not in _LINE_BREAKS:
                    j -= 1
                line = [t.type for t in tokens[j:i]]
                return "SWITCH" if "SWITCH" in line else (line[0] if line else None)
            depth -= 1
    return None


_EXPECTED = {
    "NAME": "a name",
    "FUNC_NAME": "a function name",
    "INT": "an integer",
    "FLOAT": "a number",
    "STRING": "a string",
    "COLOR": "a color",
    "TYPE_OPEN": "'<'",
    "TYPE_CLOSE": "'>'",
    "_NL": "the end of the line",
    "_INDENT": "an indented block",
    "_DEDENT": "the end of the block",
}


def _quoted(terminal: str, names: dict[str, str]) -> str:
    texts = {name: text for text, name in names.items()}
    return f"'{texts.get(terminal, terminal)}'"


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _describe(token: Token) -> str:
    kind = token.type
    if kind == "_NL":
        return "end of line"
    if kind == "_DEDENT":
        return "end of block"
    if kind in ("NAME", "FUNC_NAME"):
        return f"name '{token}'"
    if kind in ("INT", "FLOAT"):
        return f"number {token}"
    if kind == "STRING":
        return "string " + (token if len(token) <= 20 else token[:17] + "...")
    if kind == "COLOR":
        return f"color {token}"
    return f"'{token}'"


def _return_statement(tokens: list[Token]) -> Token | None:
    """A name ``return`` starting a line: a habit from other languages."""
    for i, token in enumerate(tokens):
        at_line_start = i == 0 or tokens[i - 1].type in ("_NL", "_INDENT")
        if token == "return" and token.type == "NAME" and at_line_start:
            return token
    return None


def _previous(token: Token, tokens: list[Token]) -> str | None:
    for i, candidate in enumerate(tokens):
        if candidate is token:
            return str(tokens[i - 1]) if i else None
    return None


def _span(token: Token) -> Span:
    return Span(token.line, token.column, token.end_line, token.end_column)


def _first_position(tokens: list[Token]) -> Span:
    """Where the first token starts, as an empty span (1:1 for an empty script)."""
    if not tokens:
        return _START
    return Span(tokens[0].line, tokens[0].column, tokens[0].line, tokens[0].column)


def _end(tokens: list[Token]) -> tuple[int, int]:
    """Line and column just past the last token (1, 1 when there is none)."""
    for token in reversed(tokens):
        if token.line is not None:
            return token.end_line, token.end_column
    return 1, 1


# ---- 5. declaration ---------------------------------------------------------------------------


def _check_declaration(
    body: list[n.Stmt],
    unparsed_heads: list[Token],
    first_token: Span,
    diagnostics: list[Diagnostic],
    filename: str,
) -> None:
    declarations = [
        stmt for stmt in body if isinstance(stmt, n.ExprStmt) and n.is_declaration_call(stmt.expr)
    ]
    if not declarations:
        # A declaration call inside a block is reported by the analyser (global scope only).
        nested = any(n.is_declaration_call(node) for stmt in body for node in n.walk(stmt))
        if not nested and not any(head in n.DECLARATION_FUNCTIONS for head in unparsed_heads):
            diagnostics.append(
                error(
                    "the script has no declaration statement: it needs indicator(), "
                    "strategy() or library()",
                    first_token,
                    filename,
                )
            )
        return
    first = declarations[0]
    for extra in declarations[1:]:
        diagnostics.append(
            error(
                "a script has exactly one declaration statement (indicator, strategy or "
                f"library); the first is on line {first.span.line}",
                extra.span,
                filename,
            )
        )
