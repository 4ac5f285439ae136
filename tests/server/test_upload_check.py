"""The static check of uploaded Python: converted modules pass, every escape route is refused
at its line and column, and the declaration and inputs are read without running anything."""

import importlib
import re
from pathlib import Path
from types import ModuleType

import pytest

import pineopt
from pineopt.server.upload_check import (
    ALLOWED_BUILTINS,
    UploadRejected,
    check_python_strategy,
    runtime_policy,
)

EXAMPLES = Path(__file__).parents[2] / "examples"
HEAD = (
    "from pineopt.runtime import ops, pine_math, ta_vector\n"
    "DECLARATION = {'kind': 'strategy', 'title': 'x'}\n"
)
"""Two lines every case below starts with: its own code begins on line 3."""


def rejected(body: str, head: str = HEAD) -> UploadRejected:
    with pytest.raises(UploadRejected) as caught:
        check_python_strategy(head + body)
    return caught.value


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.pine")))
def test_converted_examples_pass_with_their_declaration(name):
    conversion = pineopt.convert(EXAMPLES / name)
    info = check_python_strategy(conversion.code, name.replace(".pine", ".py"))
    assert info.declaration["title"]
    assert info.declaration["kind"] in ("strategy", "indicator")


def test_inputs_are_read_from_the_literal_calls():
    code = pineopt.convert(EXAMPLES / "sma_cross_strategy.pine").code
    info = check_python_strategy(code)
    assert info.declaration["default_qty_value"] == 90
    assert info.inputs[0] == {
        "name": "fastLength",
        "title": "Fast length",
        "kind": "int",
        "default": 50,
        "options": None,
        "minval": 1,
        "maxval": None,
        "step": None,
        "group": None,
    }
    assert [(i["name"], i["kind"], i["default"]) for i in info.inputs[1:]] == [
        ("slowLength", "int", 200),
        ("useStop", "bool", True),
        ("atrMult", "float", 3.0),
    ]


def test_inputs_read_module_constants_colours_and_enums():
    body = (
        "COLOR_089981 = pine_color.Color.from_hex('#089981')\n"
        "GROUP = 'Looks'\n"
        "Side = ops.make_enum('Side', {'up': 'Up', 'down': 'Down'})\n"
        "def script(ctx):\n"
        "    c = ctx.input('color', COLOR_089981, 'Colour', group=GROUP, name='c')\n"
        "    s = ctx.input('enum', Side.up, 'Side', options=list(Side), name='s')\n"
    )
    info = check_python_strategy(HEAD.replace("ops,", "ops, pine_color,") + body)
    assert info.inputs[0]["default"] == "#089981"
    assert info.inputs[0]["group"] == "Looks"
    assert info.inputs[1]["default"] == "up"
    assert info.inputs[1]["options"] == ["up", "down"]


def test_a_function_binding_makes_a_builtin_name_its_own():
    """Converted scripts call their bar series ``open`` and Pine variables ``input``."""
    body = (
        "def script(ctx):\n"
        "    open = ctx.series('open')\n"
        "    input = 3\n"
        "    def inner():\n"
        "        return open, input, [type(i) for i in range(3)]\n"
        "    return inner()\n"
    )
    check_python_strategy(HEAD + body)


ESCAPES = {
    # imports
    "import os": ("import os\n", 3, 1, "import of 'os' is not allowed"),
    "import subprocess": ("import subprocess\n", 3, 1, "import of 'subprocess' is not allowed"),
    "from ctypes": ("from ctypes import CDLL\n", 3, 1, "import from 'ctypes' is not allowed"),
    "importlib": ("import importlib\n", 3, 1, "import of 'importlib' is not allowed"),
    "builtins module": ("import builtins\n", 3, 1, "import of 'builtins' is not allowed"),
    "pickle": ("import pickle\n", 3, 1, "import of 'pickle' is not allowed"),
    "typing": ("import typing\n", 3, 1, "import of 'typing' is not allowed"),
    "numpy": ("import numpy as np\n", 3, 1, "import of 'numpy' is not allowed"),
    "relative": ("from . import x\n", 3, 1, "relative imports are not allowed"),
    "star": ("from math import *\n", 3, 1, "'from math import *' is not allowed"),
    "bare dotted": ("import pineopt.runtime.ops\n", 3, 1, "write 'import pineopt.runtime.ops as"),
    "engine": (
        "from pineopt.runtime import engine\n",
        3,
        1,
        "pineopt.runtime.engine is the module 'pineopt.runtime.engine'",
    ),
    "standalone": (
        "from pineopt.runtime.standalone import write_output\n",
        3,
        1,
        "import from 'pineopt.runtime.standalone' is not allowed",
    ),
    "re-exported numpy": (
        "from pineopt.runtime.pine_math import np\n",
        3,
        1,
        "pineopt.runtime.pine_math.np is the module 'numpy'",
    ),
    "re-exported numpy attribute": (
        "x = pine_math.np\n",
        3,
        5,
        "pineopt.runtime.pine_math.np is the module 'numpy'",
    ),
    "re-exported sys": ("from statistics import sys\n", 3, 1, "statistics.sys is the module 'sys'"),
    "re-exported builtins": (
        "import dataclasses\nx = dataclasses.builtins\n",
        4,
        5,
        "dataclasses.builtins is the module 'builtins'",
    ),
    "foreign object": (
        "from statistics import Fraction\n",
        3,
        1,
        "statistics.Fraction comes from 'fractions'",
    ),
    "update_wrapper": (
        "from functools import update_wrapper\n",
        3,
        1,
        "functools.update_wrapper is not allowed",
    ),
    "private module name": ("x = pine_math._random\n", 3, 5, "'_random' is not allowed"),
    # built-ins
    "open": ("def script(ctx):\n    open('/etc/passwd')\n", 4, 5, "built-in 'open' is not allowed"),
    "__import__": ("x = __import__('os')\n", 3, 5, "special name '__import__' is not allowed"),
    "exec": ("exec('import os')\n", 3, 1, "built-in 'exec' is not allowed"),
    "eval": ("x = eval('1')\n", 3, 5, "built-in 'eval' is not allowed"),
    "compile": ("x = compile('1', 'f', 'eval')\n", 3, 5, "built-in 'compile' is not allowed"),
    "globals": ("x = globals()['__builtins__']\n", 3, 5, "built-in 'globals' is not allowed"),
    "vars": ("x = vars(ops)\n", 3, 5, "built-in 'vars' is not allowed"),
    "getattr literal": ("x = getattr(ops, 'nz')\n", 3, 5, "built-in 'getattr' is not allowed"),
    "getattr built": (
        "x = getattr(ops, '__cl' + 'ass__')\n",
        3,
        5,
        "built-in 'getattr' is not allowed",
    ),
    "setattr": ("setattr(ops, 'nz', None)\n", 3, 1, "built-in 'setattr' is not allowed"),
    "breakpoint": ("breakpoint()\n", 3, 1, "built-in 'breakpoint' is not allowed"),
    "input": ("x = input()\n", 3, 5, "built-in 'input' is not allowed"),
    "help": ("help(ops)\n", 3, 1, "built-in 'help' is not allowed"),
    "exit": ("exit()\n", 3, 1, "built-in 'exit' is not allowed"),
    "__builtins__": ("x = __builtins__\n", 3, 5, "special name '__builtins__' is not allowed"),
    # scoping tricks
    "binding that did not run": (
        "if 0:\n    open = None\ndef f():\n    return open('/etc/passwd')\n",
        6,
        12,
        "built-in 'open' is not allowed",
    ),
    "global declaration": (
        "def f():\n    global open\n    return open('/x')\n",
        5,
        12,
        "built-in 'open' is not allowed",
    ),
    "default argument": (
        "def f(open=open('/etc/passwd')):\n    return open\n",
        3,
        12,
        "built-in 'open' is not allowed",
    ),
    "decorator": ("@exec\ndef f(exec):\n    pass\n", 3, 2, "built-in 'exec' is not allowed"),
    "lambda": ("f = lambda: eval('1')\n", 3, 13, "built-in 'eval' is not allowed"),
    "class body": (
        "class A:\n    if 0:\n        input = 1\n    x = input()\n",
        6,
        9,
        "built-in 'input' is not allowed",
    ),
    "walrus in a comprehension": (
        "x = [(open := 1) for i in range(1) if 0]\ndef f():\n    return open('/x')\n",
        5,
        12,
        "built-in 'open' is not allowed",
    ),
    # introspection
    "subclasses": (
        "x = ().__class__.__base__.__subclasses__()\n",
        3,
        5,
        "special attribute '__subclasses__' is not allowed",
    ),
    "function globals": (
        "x = ta_vector.sma.__globals__\n",
        3,
        5,
        "special attribute '__globals__' is not allowed",
    ),
    "generator frame": (
        "g = (i for i in [1])\nx = g.gi_frame.f_back\n",
        4,
        5,
        "introspection attribute 'gi_frame' is not allowed",
    ),
    "frame globals": (
        "def f(frame):\n    return frame.f_globals\n",
        4,
        12,
        "introspection attribute 'f_globals' is not allowed",
    ),
    "match class attribute": (
        "def f(ctx):\n    match ctx:\n        case object(__class__=c):\n            return c\n",
        5,
        14,
        "special attribute '__class__' is not allowed",
    ),
    "format fields": (
        "def f(ctx, t):\n    return t.format(ctx)\n",
        4,
        12,
        "the method 'format' is not allowed",
    ),
    "format text": (
        "x = '{0.__class__}'\n",
        3,
        5,
        "text naming the special attribute '__class__' is not allowed",
    ),
    "pandas eval": (
        "def f(ctx):\n    return ctx.frame.eval('a + b')\n",
        4,
        12,
        "the method 'eval' is not allowed",
    ),
    "enum sunder": (
        "E = ops.make_enum('E', {'a': 'A'})\nx = E._convert_('X', 'os', None)\n",
        4,
        5,
        "reserved attribute '_convert_' is not allowed",
    ),
    "private attribute": (
        "def f(ctx):\n    return ctx._series\n",
        4,
        12,
        "private attribute '_series' is not allowed",
    ),
    "dunder alias": (
        "from math import pi as __builtins__\n",
        3,
        1,
        "special name '__builtins__' is not allowed",
    ),
    "dunder key": ("x = {}['__builtins__']\n", 3, 8, "special attribute '__builtins__'"),
}


@pytest.mark.parametrize("case", sorted(ESCAPES))
def test_escape_routes_are_refused_where_they_are(case):
    body, line, column, message = ESCAPES[case]
    error = rejected(body + "def script(ctx):\n    pass\n")
    located = [(d.span.line, d.span.column, d.message) for d in error.diagnostics]
    assert any(
        (found_line, found_column) == (line, column) and message in text
        for found_line, found_column, text in located
    ), located
    first = str(error).splitlines()[0]
    assert first.startswith("strategy.py:") and ": error: " in first


def exposed_modules() -> list[tuple[str, str]]:
    """``(module, name)`` for every module an allowed module holds that uploads may not use
    (``pine_math.np``, ``statistics.sys``, ``pineopt.runtime.engine`` ...)."""
    import pineopt.runtime.engine
    import pineopt.runtime.standalone  # noqa: F401 - loaded, as in a server

    allowed = runtime_policy()["modules"]
    return sorted(
        (name, attribute)
        for name in allowed
        if name != "__future__"
        for attribute, value in vars(importlib.import_module(name)).items()
        if isinstance(value, ModuleType) and value.__name__ not in allowed
    )


@pytest.mark.parametrize(("module", "name"), exposed_modules())
def test_modules_reachable_from_allowed_ones_are_refused(module, name):
    """What the runtime modules expose (numpy, sys, random and its os, the engine) stays out."""
    as_attribute = rejected(f"import {module} as m\nx = m.{name}\n")
    as_import = rejected(f"from {module} import {name}\n")
    for error in (as_attribute, as_import):
        assert f"{module}.{name} is " in str(error) or f"'{name}' is not allowed" in str(error)


def test_allowed_modules_stay_allowed_through_others():
    check_python_strategy(HEAD + "x = ops.math.floor(2.5)\ndef script(ctx):\n    pass\n")


def test_every_problem_is_reported_at_once_with_a_caret():
    error = rejected("import os\ndef script(ctx):\n    eval('1')\n    x = ctx.__dict__\n")
    assert [(d.span.line, d.span.column) for d in error.diagnostics] == [(3, 1), (5, 5), (6, 9)]
    assert str(error).splitlines()[:3] == [
        "strategy.py:3:1: error: import of 'os' is not allowed (allowed: pineopt.runtime and "
        "bisect, collections, collections.abc, dataclasses, functools, heapq, itertools, math, "
        "statistics)",
        "import os",
        "^^^^^^^^^",
    ]


def test_columns_count_characters_not_bytes():
    error = rejected("label = 'état'; x = eval('1')\ndef script(ctx):\n    pass\n")
    assert (error.diagnostics[0].span.line, error.diagnostics[0].span.column) == (3, 21)


def test_the_main_block_may_import_the_standalone_runner_only():
    main = 'if __name__ == "__main__":\n    from pineopt.runtime.standalone import main\n'
    check_python_strategy(HEAD + "def script(ctx):\n    pass\n" + main)
    error = rejected("def script(ctx):\n    pass\n" + main.replace("import main", "import prepare"))
    assert "only 'main' may be imported" in str(error)


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        ("def script(ctx)\n    pass\n", "invalid syntax: expected ':'", 1, 16),
        ("return 1\n", "invalid syntax: 'return' outside function", 1, 1),
        ("x = 1\n\0\n", "the module contains a NUL character", 2, 1),
    ],
)
def test_syntax_errors_are_located(text, message, line, column):
    with pytest.raises(UploadRejected) as caught:
        check_python_strategy(text, "mine.py")
    (diagnostic,) = caught.value.diagnostics
    assert (diagnostic.message, diagnostic.span.line, diagnostic.span.column) == (
        message,
        line,
        column,
    )
    assert str(caught.value).startswith(f"mine.py:{line}:{column}: error: ")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x = 1\n", "the module must assign DECLARATION = {...}"),
        (HEAD, "the module must define def script(ctx): ..."),
        (HEAD + "DECLARATION = {}\ndef script(ctx): pass\n", "DECLARATION is assigned more"),
        ("DECLARATION = dict(kind='strategy')\ndef script(ctx): pass\n", "must be a dict literal"),
        ("DECLARATION = {'kind': 'library'}\ndef script(ctx): pass\n", "kind must be 'strategy'"),
        ("DECLARATION = {'kind': ops.x}\ndef script(ctx): pass\n", "literal values only"),
        (HEAD + "def script(ctx, more): pass\n", "exactly one argument"),
        (HEAD + "def script(ctx): pass\nscript = None\n", "script is defined more than once"),
        (HEAD + "@ops.nz\ndef script(ctx): pass\n", "script may not be decorated"),
        (HEAD + "script = lambda ctx: None\n", "script must be a function"),
    ],
)
def test_the_layout_is_required(text, message):
    with pytest.raises(UploadRejected, match=re.escape(message)):
        check_python_strategy(text)


def test_runtime_policy_lists_what_the_check_allows():
    policy = runtime_policy()
    assert "pineopt.runtime.ta_vector" in policy["modules"]
    assert "pineopt.runtime.standalone" not in policy["modules"]
    assert "os" not in policy["modules"]
    assert set(policy["builtins"]) == ALLOWED_BUILTINS
    assert not {"open", "exec", "eval", "getattr", "__import__"} & ALLOWED_BUILTINS
