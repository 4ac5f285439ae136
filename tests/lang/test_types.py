"""The Pine type model: qualifier order, type parsing/printing, assignability, unification."""

from __future__ import annotations

import pytest

from pineopt.lang.types import (
    Bindings,
    PineType,
    Qualifier,
    TypeSyntaxError,
    is_assignable,
    parse_type,
    unify,
)

CONST, INPUT, SIMPLE, SERIES = Qualifier.CONST, Qualifier.INPUT, Qualifier.SIMPLE, Qualifier.SERIES


# ---------------------------------------------------------------------------- qualifiers
def test_qualifiers_are_ordered_const_input_simple_series():
    assert CONST < INPUT < SIMPLE < SERIES
    assert sorted([SERIES, CONST, SIMPLE, INPUT]) == [CONST, INPUT, SIMPLE, SERIES]


def test_qualifier_parse_and_str():
    for text in ("const", "input", "simple", "series"):
        assert str(Qualifier.parse(text)) == text
    with pytest.raises(ValueError):
        Qualifier.parse("Series")
    with pytest.raises(ValueError):
        Qualifier.parse("q")


def test_parameter_accepts_its_qualifier_or_weaker():
    assert SIMPLE.accepts(CONST) and SIMPLE.accepts(INPUT) and SIMPLE.accepts(SIMPLE)
    assert not SIMPLE.accepts(SERIES)  # "a series where a simple argument is required"
    assert SERIES.accepts(CONST)
    assert not CONST.accepts(INPUT)


def test_strongest_qualifier():
    assert Qualifier.strongest([CONST, SERIES, INPUT]) is SERIES
    assert Qualifier.strongest([CONST, INPUT]) is INPUT
    assert Qualifier.strongest([]) is CONST


# ---------------------------------------------------------------------------- parsing
@pytest.mark.parametrize(
    "text",
    [
        "series int/float",
        "simple int",
        "const string",
        "input plot_style",
        "array<float>",
        "array<int/float>",
        "matrix<T>",
        "map<string, float>",
        "map<K, V>",
        "array<chart.point>",
        "chart.point",
        "series T",
        "q float",
        "q int/float",
        "[series float, series float, series float]",
        "[const int, ...]",
        "void",
        "label",
        "const enum",
        "series any",
        "array<MyType>",
    ],
)
def test_parse_and_print_round_trip(text):
    parsed = parse_type(text)
    assert str(parsed) == text
    assert parse_type(str(parsed)) == parsed


def test_parsed_structure():
    t = parse_type("series int/float")
    assert t.is_union and t.qualifier is SERIES
    assert [m.name for m in t.members] == ["int", "float"]
    assert all(m.qualifier is None for m in t.members)

    m = parse_type("map<string, array<float>>")
    assert m.name == "map" and m.kind == "collection"
    assert str(m.args[1]) == "array<float>"
    assert m.effective_qualifier is SERIES  # collections are always series

    g = parse_type("array<T>")
    assert g.args[0].is_var and g.type_vars() == {"T"}

    q = parse_type("q int")
    assert q.poly and q.qualifier is None and q.effective_qualifier is None

    tup = parse_type("[series float, series int]")
    assert tup.is_tuple and [str(e) for e in tup.args] == ["series float", "series int"]

    assert parse_type("const color").kind == "value"
    assert parse_type("simple plot_style").kind == "unique"
    assert parse_type("box").kind == "object"
    assert parse_type("box").effective_qualifier is SERIES
    assert parse_type("MyUdt").kind == "udt"
    assert parse_type("void").is_void


def test_explicit_type_variables():
    assert parse_type("Elem", type_vars=["Elem"]).is_var
    assert not parse_type("T", type_vars=[]).is_var  # then it is a user-defined type name


@pytest.mark.parametrize(
    "text",
    [
        "array<int, float>",
        "map<int>",
        "int<float>",
        "series",
        "series int/",
        "[...]",
        "[series int, series float, ...]",
        "array<float",
        "simple int extra",
        "q",
        "int $",
    ],
)
def test_parse_errors(text):
    with pytest.raises(TypeSyntaxError):
        parse_type(text)


def test_substitute_keeps_the_variables_qualifier():
    bindings = {"T": parse_type("float")}
    assert str(parse_type("series T").substitute(bindings)) == "series float"
    assert str(parse_type("array<T>").substitute(bindings)) == "array<float>"
    assert str(parse_type("q T").substitute(bindings)) == "q float"
    assert str(parse_type("series K").substitute(bindings)) == "series K"  # unbound stays


# ---------------------------------------------------------------------------- assignability
@pytest.mark.parametrize(
    ("argument", "parameter", "ok"),
    [
        ("const int", "series float", True),  # int -> float, const -> series
        ("series int", "simple int", False),  # qualifier too strong
        ("input int", "simple int", True),
        ("simple float", "simple int", False),  # no implicit float -> int
        ("series int", "series int/float", True),
        ("series string", "series int/float", False),
        ("series bool", "series int/float/bool", True),
        ("const int", "q int", True),
        ("series float", "q int/float", True),
        ("array<int>", "array<float>", True),  # int elements fit float ones ...
        ("array<float>", "array<int>", False),  # ... never the reverse
        ("matrix<int>", "matrix<float>", True),
        ("map<string, int>", "map<string, float>", True),
        ("array<bool>", "array<float>", False),
        ("array<int>", "array<int/float>", True),
        ("array<string>", "array<int/float>", False),
        ("matrix<float>", "array<float>", False),
        ("label", "label", True),
        ("label", "line", False),
        ("const plot_simple_display", "input plot_display", True),
        ("const plot_display", "input plot_simple_display", False),
        ("const plot_style", "input string", False),  # unique types are not strings
        ("const na", "series float", True),
        ("const na", "label", True),
        ("series float", "series any", True),
        ("void", "series any", False),
        ("const MyEnum", "const enum", True),
        ("const int", "const enum", False),
        ("[series float, series float]", "[series float, series float]", True),
        ("[series float, series float]", "[series float]", False),
        ("[const int, const int]", "[const int/float, ...]", True),
        ("[series int]", "[const int, ...]", False),
    ],
)
def test_is_assignable(argument, parameter, ok):
    assert is_assignable(parse_type(argument), parse_type(parameter)) is ok


# ---------------------------------------------------------------------------- unification
def test_unify_binds_element_type():
    b = unify(parse_type("array<T>"), parse_type("array<float>"))
    assert b is not None and b["T"] == parse_type("float")
    assert str(parse_type("series T").substitute(b.types)) == "series float"


def test_unify_widens_scalar_int_to_float():
    b = unify(parse_type("q T"), parse_type("const int"))
    b = unify(parse_type("q T"), parse_type("series float"), b)
    assert b is not None and b["T"].name == "float"
    b = unify(parse_type("q T"), parse_type("const int"), b)  # float stays float
    assert b is not None and b["T"].name == "float"


def test_unify_same_type_with_different_qualifiers():
    b = unify(parse_type("q T"), parse_type("const int"))
    b = unify(parse_type("q T"), parse_type("const int"), b)
    b = unify(parse_type("q T"), parse_type("series int"), b)
    assert b is not None and b["T"] == parse_type("int")  # bindings are unqualified
    assert parse_type("const int").unqualified() == parse_type("int")


def test_unify_collections_are_rigid():
    b = unify(parse_type("array<T>"), parse_type("array<int>"))
    assert unify(parse_type("series T"), parse_type("series float"), b) is None  # push 1.5
    assert unify(parse_type("array<T>"), parse_type("array<float>"), b) is None  # concat
    b = unify(parse_type("array<T>"), parse_type("array<float>"))
    assert unify(parse_type("series T"), parse_type("const int"), b) is not None  # push 1
    b = unify(parse_type("matrix<T>"), parse_type("matrix<float>"))
    b = unify(parse_type("array<T>"), parse_type("array<int>"), b)  # add_row(m, 0, ints)
    assert b is not None and b["T"] == parse_type("float")


def test_unify_checks_constraints_and_qualifiers():
    constraints = {"T": parse_type("int/float")}
    assert unify(parse_type("series T"), parse_type("series string"), None, constraints) is None
    assert unify(parse_type("series T"), parse_type("series int"), None, constraints) is not None
    assert unify(parse_type("simple T"), parse_type("series int")) is None


def test_unify_na_binds_nothing_and_tuples_bind_whole():
    b = unify(parse_type("series T"), parse_type("const na"))
    assert b is not None and "T" not in b
    tup = parse_type("[series float, series float]")
    b = unify(parse_type("series T"), tup)
    assert b is not None and b["T"] == tup
    assert parse_type("series T").substitute(b.types) == tup


def test_unify_mismatch_and_fresh_bindings():
    start = Bindings()
    assert unify(parse_type("array<T>"), parse_type("matrix<int>"), start) is None
    assert unify(parse_type("map<K, V>"), parse_type("map<string, float>"), start) is not None
    assert not start.types  # the input bindings are never modified


def test_union_constructor_flattens():
    u = PineType.union([parse_type("int/float"), parse_type("float"), parse_type("bool")])
    assert str(u) == "int/float/bool"
    assert PineType.union([parse_type("int")], SERIES) == parse_type("series int")
