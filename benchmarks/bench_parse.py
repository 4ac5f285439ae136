"""Front-end speed: PineOpt's parser against CPython's own, and parse + analysis scaling.

A 5,000-line Pine script is made by repeating a block of typical code (a function, a UDT, an
if/else chain, a switch, a loop, calls with named arguments); the baseline parses the same logic
written in Python with ``ast.parse`` (CPython's parser is written in C, so expect a large ratio:
the number to watch is PineOpt's own time, which should stay well under a second).

The second table times ``check`` (parse + semantic analysis, what ``pineopt check`` does) on
scripts of 250 to 4,000 lines: time per line should stay flat (linear scaling), and the
1,000-line script should take well under 0.3 s.
"""

from __future__ import annotations

import ast
import statistics
import time

from pineopt.lang import check, parse
from pineopt.lang.lexer import tokenize

PINE_BLOCK = """\
//@function Band around a moving average.
band{i}(series float src, simple int len = 20, float mult = 2.0) =>
    float basis = ta.sma(src, len)
    float dev = mult * ta.stdev(src, len)
    [basis + dev, basis - dev]
type Level{i}
    float price = 0.0
    int hits = 0
var Level{i} level{i} = Level{i}.new(close)
[up{i}, dn{i}] = band{i}(close, 14, mult = 1.5)
float mid{i} = (up{i} + dn{i}) / 2
if close > up{i} and volume > ta.sma(volume, 20)
    level{i}.hits += 1
    level{i}.price := high
else if close < dn{i}
    level{i}.hits := 0
else
    level{i}.price := nz((level{i}[1]).price, close)
string mode{i} = switch
    close > mid{i} => "up"
    close < mid{i} => "down"
    => "flat"
float acc{i} = 0.0
for j = 0 to 9
    acc{i} += close[j] * (j % 2 == 0 ? 1 : -1)
plot(mid{i}, "Mid {i}", color = color.new(color.blue, 50), linewidth = 2)
"""

PYTHON_BLOCK = """\
def band{i}(src, len=20, mult=2.0):
    basis = ta.sma(src, len)
    dev = mult * ta.stdev(src, len)
    return (basis + dev, basis - dev)
class Level{i}:
    price = 0.0
    hits = 0
level{i} = Level{i}.new(close)
up{i}, dn{i} = band{i}(close, 14, mult=1.5)
mid{i} = (up{i} + dn{i}) / 2
if close > up{i} and volume > ta.sma(volume, 20):
    level{i}.hits += 1
    level{i}.price = high
elif close < dn{i}:
    level{i}.hits = 0
else:
    level{i}.price = nz(level{i}.price[1], close)
mode{i} = "up" if close > mid{i} else "down" if close < mid{i} else "flat"
acc{i} = 0.0
for j in range(10):
    acc{i} += close[j] * (1 if j % 2 == 0 else -1)
plot(mid{i}, "Mid {i}", color=color.new(color.blue, 50), linewidth=2)
"""

LINES = 5000


def script(block: str, header: str, lines: int = LINES) -> str:
    """``block`` repeated with fresh names until the script has at least ``lines`` lines."""
    copies = lines // block.count("\n") + 1
    return header + "".join(block.format(i=i) for i in range(copies))


def timed(function, *args) -> float:
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


def main() -> None:
    pine = script(PINE_BLOCK, '//@version=6\nindicator("Benchmark")\n')
    python = script(PYTHON_BLOCK, "")
    result = parse(pine)
    assert result.ok, result.format_diagnostics()
    runs: dict[str, list[float]] = {"tokenize": [], "parse": [], "ast.parse": []}
    for _ in range(7):
        runs["tokenize"].append(timed(tokenize, pine))
        runs["parse"].append(timed(parse, pine))
        runs["ast.parse"].append(timed(ast.parse, python))
    medians = {name: statistics.median(times) for name, times in runs.items()}
    lines = pine.count("\n")
    print(f"Pine: {lines} lines, {len(pine):,} characters, {len(tokenize(pine).tokens):,} tokens")
    for name, seconds in medians.items():
        print(f"  {name:10} {seconds:7.3f} s")
    print(f"  parse / ast.parse = {medians['parse'] / medians['ast.parse']:.0f}x")
    print(f"  {lines / medians['parse']:,.0f} lines per second")
    scaling()


def scaling() -> None:
    print("parse + analysis (check):")
    print(f"  {'lines':>6} {'median ms':>10} {'us/line':>8}")
    for size in (250, 500, 1000, 2000, 4000):
        pine = script(PINE_BLOCK, '//@version=6\nindicator("Benchmark")\n', size)
        analysis = check(pine)
        assert analysis.ok, analysis.format_diagnostics()
        seconds = statistics.median(timed(check, pine) for _ in range(5))
        lines = pine.count("\n")
        print(f"  {lines:>6} {seconds * 1e3:>10.1f} {seconds / lines * 1e6:>8.1f}")


if __name__ == "__main__":
    main()
