"""The lexer: tokens, Pine's layout rules, annotations and lexical errors."""

import pytest

from pineopt.lang.lexer import MAX_NESTING, indent_width, tokenize

LAYOUT = {"_NL": "NL", "_INDENT": "INDENT", "_DEDENT": "DEDENT"}


def render(source: str) -> str:
    """The tokens as one line of text: layout tokens by name, the others as written."""
    result = tokenize(source)
    assert not [d for d in result.diagnostics if d.is_error], result.diagnostics
    return " ".join(LAYOUT.get(t.type, str(t)) for t in result.tokens)


def kinds(source: str) -> list[tuple[str, str]]:
    return [(t.type, str(t)) for t in tokenize(source).tokens if t.type not in LAYOUT]


def errors(source: str) -> list[str]:
    return [str(d) for d in tokenize(source).diagnostics]


# ---- layout ----------------------------------------------------------------------------------


def test_each_statement_ends_with_nl():
    assert render("a = 1\nb = 2\n") == "a = 1 NL b = 2 NL"


def test_a_block_is_indented_and_closed_with_dedent_nl():
    assert render("if c\n    x\ny\n") == "if c NL INDENT x NL DEDENT NL y NL"


def test_no_nl_between_dedent_and_else():
    assert (
        render("if c\n    x\nelse\n    y\n")
        == "if c NL INDENT x NL DEDENT else NL INDENT y NL DEDENT NL"
    )


def test_leaving_two_blocks_closes_both_statements():
    source = "if a\n    if b\n        x\ny\n"
    assert render(source) == "if a NL INDENT if b NL INDENT x NL DEDENT NL DEDENT NL y NL"


def test_else_pairs_with_the_if_at_its_indentation():
    source = "if a\n    if b\n        x\nelse\n    y\n"
    assert render(source) == (
        "if a NL INDENT if b NL INDENT x NL DEDENT NL DEDENT else NL INDENT y NL DEDENT NL"
    )


def test_blocks_still_open_at_the_end_are_closed():
    assert (
        render("f() =>\n    if c\n        x")
        == "f ( ) => NL INDENT if c NL INDENT x NL DEDENT NL DEDENT NL"
    )


@pytest.mark.parametrize("spaces", [1, 2, 3, 5, 6, 7, 9, 10])
def test_a_line_indented_by_a_non_multiple_of_4_continues_the_previous_one(spaces):
    assert render("x = a +\n" + " " * spaces + "b\n") == "x = a + b NL"


def test_continuation_lines_inside_a_block():
    source = "f() =>\n    n = a ?\n           b :\n           c\n    n\n"
    assert render(source) == "f ( ) => NL INDENT n = a ? b : c NL n NL DEDENT NL"


def test_a_line_indented_by_a_multiple_of_4_is_a_block_even_when_it_continues():
    assert render("x = a +\n    b\n") == "x = a + NL INDENT b NL DEDENT NL"


def test_inside_brackets_line_breaks_and_indentation_mean_nothing():
    source = "plot(a,\n    b,\nc\n        )\nx = [1,\n 2]\n"
    assert render(source) == "plot ( a , b , c ) NL x = [ 1 , 2 ] NL"


def test_blank_and_comment_lines_are_invisible_anywhere():
    source = (
        "if c\n"
        "    // first line of the block is a comment\n"
        "\n"
        "    x = 1   // trailing comment\n"
        "  // a comment at an odd indentation\n"
        "\n"
        "    y = 2\n"
        "// between the block and else\n"
        "else\n"
        "    z = 3\n"
    )
    assert render(source) == (
        "if c NL INDENT x = 1 NL y = 2 NL DEDENT else NL INDENT z = 3 NL DEDENT NL"
    )


def test_tabs_indent_one_level_each():
    assert render("if c\n\tif d\n\t\tx\n\ty\n") == (
        "if c NL INDENT if d NL INDENT x NL DEDENT NL y NL DEDENT NL"
    )


def test_a_tab_then_spaces_is_a_continuation():
    assert render("if c\n\tx = a +\n\t  b\n") == "if c NL INDENT x = a + b NL DEDENT NL"


@pytest.mark.parametrize(
    ("whitespace", "width"),
    [("", 0), ("    ", 4), ("\t", 4), ("  \t", 4), ("\t  ", 6), ("\t\t", 8)],
)
def test_indent_width(whitespace, width):
    assert indent_width(whitespace) == width


def test_line_ends_crlf_and_cr():
    assert render("a = 1\r\nb = 2\rc = 3") == "a = 1 NL b = 2 NL c = 3 NL"


def test_comma_joined_statements_are_one_logical_line():
    assert render("a = 1, b = 2\n") == "a = 1 , b = 2 NL"


# ---- tokens ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("42", "INT"),
        ("0", "INT"),
        ("1.", "FLOAT"),
        (".5", "FLOAT"),
        ("1e-3", "FLOAT"),
        ("1.5E+10", "FLOAT"),
        ("6E3", "FLOAT"),
        ("3.14159", "FLOAT"),
        ("#E53935", "COLOR"),
        ("#1E88E580", "COLOR"),
        ('"a \\" b"', "STRING"),
        ("'single'", "STRING"),
        ("x_1", "NAME"),
        ("na", "NAME"),
    ],
)
def test_literal_tokens(text, kind):
    assert kinds(f"x = {text}")[-1][0] == kind


def test_a_string_may_contain_what_looks_like_a_comment_or_a_color():
    assert kinds('s = "// not a comment #fff"') == [
        ("NAME", "s"),
        ("EQUAL", "="),
        ("STRING", '"// not a comment #fff"'),
    ]


def test_multiline_strings_span_lines_and_keep_the_count():
    result = tokenize('s = """one\n  two\n"""\nt = 1\n')
    string = next(t for t in result.tokens if t.type == "STRING")
    assert (string.line, string.column, string.end_line, string.end_column) == (1, 5, 3, 4)
    t = next(tok for tok in result.tokens if tok == "t")
    assert (t.line, t.column) == (4, 1)


def test_single_quoted_multiline_string():
    assert kinds("s = '''a\n'b' \"c\"'''")[-1] == ("STRING", "'''a\n'b' \"c\"'''")


def test_operators_are_matched_longest_first():
    ops = [text for _, text in kinds("a := b += c -= d *= e /= f %= g == h != i <= j >= k => l")]
    assert ops[1::2] == [":=", "+=", "-=", "*=", "/=", "%=", "==", "!=", "<=", ">=", "=>"]


def test_keywords():
    assert kinds("var x = not a and b or c") == [
        ("VAR", "var"),
        ("NAME", "x"),
        ("EQUAL", "="),
        ("NOT", "not"),
        ("NAME", "a"),
        ("AND", "and"),
        ("NAME", "b"),
        ("OR", "or"),
        ("NAME", "c"),
    ]


def test_a_keyword_after_a_dot_is_a_name():
    assert kinds("t = syminfo.type")[-1] == ("NAME", "type")


def test_a_keyword_as_a_named_argument_is_a_name():
    assert ("NAME", "series") in kinds("plot(series = x, title = 't')")
    assert ("SERIES", "series") in kinds("f(series float x) => x")


@pytest.mark.parametrize(
    ("source", "keyword"),
    [
        ("ma(type, src, len) => type", "type"),
        ("if type == 'SMA' and method", "type"),
        ("f(series, length) => series * 2", "series"),
        ("x = const + simple", "const"),
        ("import = 1, export = enum", "import"),
        ("for i = series to method by enum", "series"),
        ("[a, method] = f(type)", "method"),
    ],
)
def test_contextual_keywords_are_names_where_no_name_follows(source, keyword):
    assert ("NAME", keyword) in kinds(source)
    assert not [k for k, text in kinds(source) if text == keyword and k != "NAME"]


@pytest.mark.parametrize(
    ("source", "keywords"),
    [
        ("type Point", ["TYPE"]),
        ("export type Point", ["EXPORT", "TYPE"]),
        ("export method area(Point p) => p.x", ["EXPORT", "METHOD"]),
        ("enum Side", ["ENUM"]),
        ("import user/lib/1 as lib", ["IMPORT"]),
        ("f(simple int length, series float src) => src", ["SIMPLE", "SERIES"]),
        ("const string TITLE = 'x'", ["CONST"]),
    ],
)
def test_contextual_keywords_are_keywords_before_a_name(source, keywords):
    contextual = {"CONST", "ENUM", "EXPORT", "IMPORT", "METHOD", "SERIES", "SIMPLE", "TYPE"}
    assert [k for k, _ in kinds(source) if k in contextual] == keywords


def test_type_arguments_are_told_apart_from_comparisons():
    generic = kinds("map<string, array<float>> m = map.new<string, int>()")
    type_tokens = [k.removeprefix("TYPE_") for k, _ in generic if k.startswith("TYPE_")]
    assert type_tokens == ["OPEN", "OPEN", "CLOSE", "CLOSE", "OPEN", "CLOSE"]
    for comparison in ("b = a < b and c > d", "b = array < 5", "b = new < old", "b = a<b>=c"):
        assert not [k for k, _ in kinds(comparison) if k.startswith("TYPE_")], comparison


def test_legacy_array_brackets_are_one_token_with_a_warning():
    result = tokenize("float[] a = na\nint [ ] b = na\n")
    assert [t for t in result.tokens if t.startswith("[")] == ["[]", "[ ]"]
    assert [str(d) for d in result.diagnostics] == [
        "<input>:1:1: warning: 'float[]' is the deprecated array type syntax: write 'array<float>'",
        "<input>:2:1: warning: 'int[]' is the deprecated array type syntax: write 'array<int>'",
    ]


# ---- function names --------------------------------------------------------------------------


def names_of_kind(source: str, kind: str) -> list[str]:
    return [text for k, text in kinds(source) if k == kind]


def test_a_global_line_name_parens_arrow_defines_a_function():
    source = "f(x) => x\ng(a, b = (1)) =>\n    a\nplot(f(1))\n"
    assert names_of_kind(source, "FUNC_NAME") == ["f", "g"]


def test_method_and_export_names_are_function_names():
    source = "method m(T this) => 1\nexport e() => 2\nexport method n(T t) => 3\n"
    assert names_of_kind(source, "FUNC_NAME") == ["m", "e", "n"]


def test_switch_branches_that_look_like_definitions_are_not():
    source = "x = switch\n    f(a) => 1\n    => 2\n"
    assert names_of_kind(source, "FUNC_NAME") == []


def test_definitions_inside_other_blocks_are_marked_for_the_parser_to_refuse():
    source = "f() =>\n    g(y) => y\n    1\n"
    assert names_of_kind(source, "FUNC_NAME") == ["f", "g"]


# ---- annotations and positions ----------------------------------------------------------------


def test_annotations_are_collected_with_their_text_and_place():
    source = "//@version=6\n//@description Tools.\nx = 1 //@variable the x\n//@function\n"
    found = [(a.name, a.text, a.span.line, a.span.column) for a in tokenize(source).annotations]
    assert found == [
        ("version", "6", 1, 1),
        ("description", "Tools.", 2, 1),
        ("variable", "the x", 3, 7),
        ("function", "", 4, 1),
    ]


def test_ordinary_comments_are_not_annotations():
    assert tokenize("// @version=5\n//#region\n").annotations == []


def test_token_positions_are_one_based_with_exclusive_ends():
    token = tokenize("x = 1\n  + foo\n").tokens[4]
    assert (str(token), token.line, token.column, token.end_line, token.end_column) == (
        "foo",
        2,
        5,
        2,
        8,
    )


# ---- errors ----------------------------------------------------------------------------------


def test_an_unknown_character_is_reported_and_skipped():
    result = tokenize("x = 1 @ 2\n")
    assert [str(d) for d in result.diagnostics] == ["<input>:1:7: error: unexpected character '@'"]
    assert render_tokens(result) == "x = 1 2 NL"


def render_tokens(result) -> str:
    return " ".join(LAYOUT.get(t.type, str(t)) for t in result.tokens)


def test_a_run_of_bad_characters_is_one_error():
    [diagnostic] = tokenize("x = ¤¤¤\x07 + 1").diagnostics
    assert (diagnostic.message, diagnostic.span) == ("unexpected character '¤'", (1, 5, 1, 9))


def test_control_characters_are_named_by_code_point():
    assert errors("x = \x01") == ["<input>:1:5: error: unexpected character U+0001"]


def test_unterminated_strings():
    assert errors('s = "abc\nt = 1\n') == ["<input>:1:5: error: unterminated string literal"]
    assert errors('s = """abc\nt = 1\n') == ["<input>:1:5: error: unterminated string literal"]


def test_invalid_colors():
    assert errors("c = #12345") == [
        "<input>:1:5: error: invalid color literal '#12345': write #RRGGBB or #RRGGBBAA "
        "(hexadecimal digits)"
    ]
    assert errors("c = #GGGGGG")[0].startswith("<input>:1:5: error: invalid color literal")


def test_an_unterminated_string_that_swallows_the_closing_bracket_is_the_only_error():
    assert errors('plot(close, title = "Close)\n') == [
        "<input>:1:21: error: unterminated string literal"
    ]


def test_an_unclosed_bracket_is_reported_where_it_opens():
    assert errors("x = f(a,\n  b\ny = 2\n") == ["<input>:1:6: error: '(' is never closed"]


def test_a_mismatched_closing_bracket():
    assert errors("plot(close[1)\n") == [
        "<input>:1:13: error: ')' does not match '[' (line 1, column 11); expected ']'"
    ]


def test_the_first_statement_must_not_be_indented():
    assert errors("  x = 1\n") == [
        "<input>:1:1: error: unexpected indentation: the first statement must start at column 1"
    ]


def test_a_dedent_to_no_open_level_is_an_error():
    assert errors("if a\n        x\n    y\n") == [
        "<input>:3:1: error: this line's indentation matches no enclosing block"
    ]


def test_nesting_deeper_than_the_limit_stops_the_lexer():
    result = tokenize("x = " + "(" * 1000 + "1" + ")" * 1000)
    assert not result.complete and result.tokens == []
    assert [str(d) for d in result.diagnostics] == [
        f"<input>:1:{5 + MAX_NESTING}: error: brackets nested more than {MAX_NESTING} deep; "
        "simplify the expression"
    ]


def test_nesting_at_the_limit_is_fine():
    result = tokenize("x = " + "(" * MAX_NESTING + "1" + ")" * MAX_NESTING)
    assert result.complete and not result.diagnostics
