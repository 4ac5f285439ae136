"""The syntax tree: identity, structural comparison, walking, visitors and the JSON form."""

import json

import pytest

from pineopt.lang import NodeTransformer, NodeVisitor, parse, same_tree, to_dict
from pineopt.lang import nodes as n
from pineopt.lang.nodes import NO_SPAN, Span, depth, iter_child_nodes, walk


def script(body: str) -> n.Script:
    result = parse('//@version=6\nindicator("t")\n' + body)
    assert result.ok, result.format_diagnostics()
    return result.script


def test_nodes_are_frozen_and_compare_by_identity():
    a, b = n.Name("x"), n.Name("x")
    assert a != b and a == a and len({a, b}) == 2
    with pytest.raises(AttributeError):
        a.id = "y"


def test_same_tree_ignores_spans_only():
    spanned = n.Binary("+", n.Name("a", span=Span(1, 1, 1, 2)), n.Int(1), span=Span(1, 1, 1, 6))
    assert same_tree(spanned, n.Binary("+", n.Name("a"), n.Int(1)))
    assert not same_tree(spanned, n.Binary("-", n.Name("a"), n.Int(1)))
    assert not same_tree(n.Int(1), n.Float(1.0))
    assert not same_tree(n.Tuple((n.Int(1),)), n.Tuple((n.Int(1), n.Int(2))))


def test_built_nodes_have_no_span():
    assert n.Name("x").span is NO_SPAN


def test_children_walk_and_depth():
    tree = script("f(a, b = 2) => a + b\n").body[1]
    assert [type(c).__name__ for c in iter_child_nodes(tree)] == ["Param", "Param", "ExprStmt"]
    kinds = [type(node).__name__ for node in walk(tree)]
    assert kinds == ["FunctionDef", "Param", "Param", "Int", "ExprStmt", "Binary", "Name", "Name"]
    assert depth(tree) == 4


def test_visitor_dispatches_on_class_names():
    class Names(NodeVisitor):
        def __init__(self):
            self.seen = []

        def visit_Name(self, node):
            self.seen.append(node.id)

    visitor = Names()
    visitor.visit(script("x = ta.sma(close, n)\nplot(x)\n"))
    assert visitor.seen == ["indicator", "ta", "close", "n", "plot", "x"]


def test_transformer_rebuilds_only_what_changes():
    class Rename(NodeTransformer):
        def visit_Name(self, node):
            return n.Name(node.id.upper(), span=node.span) if node.id == "a" else node

    class DropBreaks(NodeTransformer):
        def visit_Break(self, node):
            return None

    tree = script("x = a + b\nwhile true\n    break\n    y = 1\n")
    renamed = Rename().visit(tree)
    assert renamed is not tree and renamed.body[0] is tree.body[0]
    assert same_tree(renamed.body[1].value, n.Binary("+", n.Name("A"), n.Name("b")))
    loop = DropBreaks().visit(tree).body[2].expr
    assert [type(s).__name__ for s in loop.body] == ["VarDecl"]
    assert Rename().visit(n.Int(1)).value == 1


def test_to_dict_is_json():
    data = to_dict(script("float x = close[1]\n").body[1])
    assert json.loads(json.dumps(data)) == {
        "node": "VarDecl",
        "span": [3, 1, 3, 19],
        "mode": None,
        "qualifier": None,
        "type": {
            "node": "TypeRef",
            "span": [3, 1, 3, 6],
            "name": "float",
            "args": [],
            "legacy_array": False,
        },
        "name": "x",
        "value": {
            "node": "Index",
            "span": [3, 11, 3, 19],
            "value": {"node": "Name", "span": [3, 11, 3, 16], "id": "close"},
            "index": {"node": "Int", "span": [3, 17, 3, 18], "value": 1},
        },
        "is_export": False,
    }


def test_declaration_of_a_script():
    assert script("").declaration.func.id == "indicator"
    assert n.Script(6, (), ()).declaration is None
