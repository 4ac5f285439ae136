"""The broker emulator and runtime against 116 strategies TradingView ran (``data/tv_strategies``).

Each probe (a Pine v6 strategy, TradingView's List of trades for it, its run settings) is run
in-process through the same path as ``pineopt run`` and scored as the corpus defines
(:mod:`pineopt.strategy.scoring`): every probe must be **exact**, except the ones below, whose
cause is written in ``KNOWN-DIFFERENCES.md``. A listed probe that gets better fails too, so the
list stays true.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pineopt.conformance import default_feed, find_probes, run_probe

CORPUS = Path(__file__).parent / "data" / "tv_strategies"
PROBES = find_probes(CORPUS)

#: probes that are not exact, with the verdict they reach (see KNOWN-DIFFERENCES.md)
NOT_EXACT: dict[str, str] = {}


def test_the_corpus_is_complete():
    assert len(PROBES) == 116
    assert set(NOT_EXACT) <= {p.name for p in PROBES}


@pytest.mark.parametrize("probe", PROBES, ids=[p.name for p in PROBES])
def test_probe(probe):
    result = run_probe(probe, default_feed(CORPUS))
    assert result.error is None, result.error
    expected = NOT_EXACT.get(probe.name, "exact")
    score = result.score
    detail = f"{result.verdict}: {score.ratios}; first divergence: " + (
        score.divergence.text() if score.divergence else "none"
    )
    assert result.verdict == expected, detail
