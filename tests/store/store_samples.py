"""Scripts the store tests save (a module of their own: conftest is not importable)."""

from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SMA_CROSS = EXAMPLES / "sma_cross_strategy.pine"

INVALID_PINE = """//@version=6
strategy("Broken")
x = ta.sma(close, 14
plot(x)
"""

PYTHON_STRATEGY = '''"""Edited by hand after pineopt convert."""
from pineopt.runtime import NA, ta_vector
DECLARATION = {'kind': 'strategy', 'version': 6, 'title': 'Hand made', 'overlay': True}

def script(ctx):
    length = ctx.input('int', 10, 'Length', name='length')
    ctx.inputs.check()
'''
