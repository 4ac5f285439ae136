"""``make demo``: the main job on bundled data.

Until the converter and the report pipeline exist, the demo loads the bundled Binance BTCUSDT
hourly bars, validates them, aggregates them to 4-hour and daily bars the way TradingView does,
checks those against Binance's own 4-hour and daily bars, and writes a summary report.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from pineopt.data import drop_incomplete, load, resample
from pineopt.errors import PineOptError
from pineopt.fileio import atomic_write_text


def compare(ours: pd.DataFrame, native: pd.DataFrame) -> tuple[int, list[str]]:
    """Bars in both frames, and the open times where any field differs (beyond float noise)."""
    common = ours.index.intersection(native.index)
    a, b = ours.loc[common], native.loc[common]
    prices = (
        (a[["open", "high", "low", "close"]] - b[["open", "high", "low", "close"]])
        .abs()
        .max(axis=1)
    )
    volume = (a["volume"] - b["volume"]).abs() > 1e-6 * b["volume"].abs().clip(lower=1)
    differs = (prices > 0) | volume
    return len(common), [t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in common[differs.to_numpy()]]


def run(out_dir: Path) -> Path:
    started = time.perf_counter()
    hourly = load("BTCUSDT", "1h")
    report = hourly.validate()
    sections = {"dataset": hourly.describe(), "validation": report.to_dict()}
    lines = [
        "# PineOpt demo: bundled BTCUSDT data",
        "",
        f"Hourly: {hourly.describe()}",
        "",
        "## Validation",
        "",
        "```",
        report.summary(),
        "```",
        "",
    ]
    for target, native_tf in (("240", "240"), ("1D", "1D")):
        source = hourly if target == "240" else load("BTCUSDT", "240")
        ours = drop_incomplete(resample(source.frame, target, source.symbol))
        native = load("BTCUSDT", native_tf).frame
        compared, differing = compare(ours, native)
        sections[f"resample_{target}"] = {
            "from": str(source.timeframe),
            "bars_compared": compared,
            "differing": differing,
        }
        lines += [
            f"## {source.timeframe} → {target} against Binance's native {native_tf} bars",
            "",
            f"{compared} bars compared, {compared - len(differing)} identical; differing: "
            f"{', '.join(differing) or 'none'}",
            "",
        ]
    daily = load("BTCUSDT", "1D").frame
    returns = np.log(daily["close"]).diff().dropna()
    lines += [
        "## Daily returns",
        "",
        f"{len(returns)} days, mean {returns.mean():.5f}, "
        f"volatility {returns.std() * np.sqrt(365):.2%} "
        "annualised",
        "",
    ]
    summary = out_dir / "summary.md"
    atomic_write_text(summary, "\n".join(lines))
    atomic_write_text(out_dir / "summary.json", json.dumps(sections, indent=2))
    print("\n".join(lines[2:]))
    print(f"finished in {time.perf_counter() - started:.1f} s")
    return summary


def main() -> int:
    try:
        path = run(Path("outputs") / "demo")
    except PineOptError as exc:
        print(f"pineopt demo: error: {exc}", file=sys.stderr)
        return 1
    print(f"\nReport: {path.resolve()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
