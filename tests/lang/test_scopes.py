"""Symbol tables: scopes, lookups, declarations, user definitions, and TypeInfo."""

from pineopt.lang import nodes as n
from pineopt.lang.builtins import Signature
from pineopt.lang.scopes import (
    RESERVED_WORDS,
    UNKNOWN,
    GlobalScope,
    Scope,
    ScopeKind,
    Symbol,
    SymbolKind,
    TypeInfo,
    UserFunction,
    qualifier_of,
)
from pineopt.lang.types import PineType, Qualifier, parse_type


def variable(name: str, type_name: str = "float") -> Symbol:
    return Symbol(name, SymbolKind.VARIABLE, TypeInfo.of(type_name, Qualifier.SERIES))


def test_a_block_sees_outer_scopes_and_its_own_names_stay_inside():
    outer = GlobalScope()
    block = Scope(ScopeKind.IF, outer)
    x, y = variable("x"), variable("y")
    outer.declare(x)
    block.declare(y)
    assert block.lookup("x") is x and block.lookup("y") is y
    assert outer.lookup("y") is None


def test_declaring_a_name_twice_in_one_scope_returns_the_first():
    scope = GlobalScope()
    first = variable("x")
    assert scope.declare(first) is None
    assert scope.declare(variable("x")) is first
    assert first.scope is scope


def test_an_inner_declaration_shadows_an_outer_one():
    outer = GlobalScope()
    inner = Scope(ScopeKind.FOR, outer)
    outer.declare(variable("x"))
    shadow = variable("x", "int")
    assert inner.declare(shadow) is None and inner.lookup("x") is shadow


def test_underscore_is_never_stored():
    scope = GlobalScope()
    assert scope.declare(variable("_")) is None and scope.declare(variable("_")) is None
    assert scope.lookup("_") is None


def test_the_enclosing_function_of_a_block():
    outer = GlobalScope()
    body = Scope(ScopeKind.FUNCTION, outer)
    loop = Scope(ScopeKind.WHILE, body)
    assert loop.enclosing_function() is body
    assert Scope(ScopeKind.IF, outer).enclosing_function() is None
    assert outer.is_global and not loop.is_global


def method(name: str, receiver: str) -> UserFunction:
    node = n.FunctionDef(name, (), (), is_method=True)
    return UserFunction(node, Signature(name, (), PineType("any")), PineType(receiver))


def test_methods_dispatch_on_the_type_of_their_first_parameter():
    scope = GlobalScope()
    on_float, on_label = method("size", "float"), method("size", "label")
    scope.add_function(on_float)
    scope.add_function(on_label)
    assert scope.methods_for("size", PineType("label")) == [on_label]
    assert scope.methods_for("size", PineType("int")) == [on_float]  # int widens to float
    assert scope.methods_for("size", PineType("box")) == []
    assert scope.functions["size"] == [on_float, on_label]  # a method is a function too


def test_type_info_prints_as_pine_does():
    assert str(TypeInfo.of("float", Qualifier.SERIES)) == "series float"
    assert str(TypeInfo(parse_type("array<int>"), Qualifier.SERIES)) == "array<int>"
    pair = TypeInfo.tuple_of([TypeInfo.of("float", Qualifier.SERIES), TypeInfo.of("int")])
    assert str(pair) == "[series float, const int]"
    assert pair.qualifier is Qualifier.SERIES
    assert [str(e) for e in pair.elements()] == ["series float", "const int"]
    assert str(UNKNOWN) == "unknown" and UNKNOWN.is_unknown


def test_qualifier_of_a_written_type():
    assert qualifier_of(parse_type("simple int")) is Qualifier.SIMPLE
    assert qualifier_of(parse_type("const int")) is Qualifier.CONST
    assert qualifier_of(parse_type("label")) is Qualifier.SERIES


def test_reserved_words():
    assert {"range", "return", "text"} <= RESERVED_WORDS and "close" not in RESERVED_WORDS
