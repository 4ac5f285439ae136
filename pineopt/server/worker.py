"""One backtest, run away from the server: in a worker process or on a Dask worker.

:func:`run_backtest` takes a :class:`BacktestJob` (plain, picklable data: the strategy's
source, the data request, the settings) and returns an :class:`Outcome`: the
:class:`~pineopt.runtime.engine.Result` or a one-line error. It never touches the store - the
server records what comes back (one writer). Pine strategies run through :func:`pineopt.run`
(the generated code is PineOpt's own); uploaded Python runs only inside the bubblewrap sandbox
(:func:`pineopt.server.sandbox.run_python_strategy`).

Importing this module imports PineOpt's compiler, runtime and broker and builds the parser, so
that the forkserver which forks every worker process (see :mod:`pineopt.server.jobs`) has done
that work once: a backtest process starts warm.
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass, field
from typing import Any

import pineopt
from pineopt.data.resolver import fetches_range
from pineopt.errors import DataError, PineOptError

log = logging.getLogger("pineopt.server.worker")

ENV_PREFIXES = ("PINEOPT_", "TARDIS_", "XDG_CACHE_HOME", "HOME")
"""Environment a worker process takes from the server at submission time (the data cache
directory, provider keys): the forkserver's own environment dates from its start."""


@dataclass(frozen=True)
class BacktestJob:
    """Everything a worker needs for one backtest (no store, no open files)."""

    backtest_id: int
    language: str
    source: str
    name: str
    symbol: str
    timeframe: str
    provider: str | None = None
    exchange: str | None = None
    start: str | None = None
    end: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    strategy: dict[str, Any] = field(default_factory=dict)
    """``strategy()`` overrides: ``initial_capital``, ``commission_value``, ``slippage`` ..."""
    timeout: float = 600.0
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None

    @classmethod
    def environment(cls) -> dict[str, str]:
        """The server's environment a worker process should see."""
        return {k: v for k, v in os.environ.items() if k.startswith(ENV_PREFIXES)}


@dataclass
class Outcome:
    """What came back: a ``result`` (and the ``provider`` the bars came from) or an ``error``."""

    result: Any = None
    error: str | None = None
    provider: str | None = None


# ------------------------------------------------------------------ data


def load_data(job: BacktestJob) -> tuple[Any, str]:
    """The bars of the job and the provider that gave them.

    ``symbol`` and ``timeframe`` name the bars as everywhere else
    (:func:`pineopt.data.resolver.resolve_data`): without a provider the bundled sample, else
    what the Parquet cache holds; never a file. Local bars are loaded whole and the run is cut
    to ``start``..``end`` (so that higher timeframes see the bars before ``start``); a remote
    provider fetches only that range.
    """
    from pineopt.data.resolver import resolve_data

    remote = fetches_range(job.provider)
    dataset = resolve_data(
        symbol=job.symbol,
        timeframe=job.timeframe,
        provider=job.provider,
        exchange=job.exchange,
        start=job.start if remote else None,
        end=job.end if remote else None,
        files=False,
    )
    return dataset, job.provider if remote else dataset.provenance["provider"]


# ------------------------------------------------------------------ the run


def run_backtest(job: BacktestJob) -> Outcome:
    """Load the data, run the strategy, return the Result (or the reason it failed)."""
    try:
        data, provider = load_data(job)
        result = _run_python(job, data) if job.language == "python" else _run_pine(job, data)
        kind = result.declaration.get("kind") or "script"
        if kind != "strategy":
            article = "an" if kind[:1] in "aeiou" else "a"
            return Outcome(
                error=f"{job.name!r} is {article} {kind}, not a strategy: it has no trades"
            )
        return Outcome(result=_portable(result), provider=provider)
    except PineOptError as exc:
        return Outcome(error=str(exc) or type(exc).__name__)
    except MemoryError:
        return Outcome(error="the backtest ran out of memory")
    except Exception:  # a bug of PineOpt: logged here in full, reported in one line
        log.exception("backtest %s failed", job.backtest_id)
        return Outcome(
            error="internal error of PineOpt while running the backtest (see the server's log)"
        )


def _run_pine(job: BacktestJob, data: Any) -> Any:
    from pineopt.api import ConversionError
    from pineopt.compiler import convert

    # the text is converted here, never handed to pineopt.run as a str: a one-line source
    # naming a file would be read as that file's path
    conversion = convert(job.source, f"{job.name}.pine")
    if not conversion.ok:
        raise ConversionError(conversion)
    local = not fetches_range(job.provider)
    return pineopt.run(
        conversion,
        data,
        inputs=job.inputs or None,
        start=job.start if local else None,
        end=job.end if local else None,
        strategy=job.strategy or None,
    )


def _run_python(job: BacktestJob, data: Any) -> Any:
    from pineopt.server import sandbox

    sandbox.require()
    local = not fetches_range(job.provider)
    if local and (job.start or job.end):
        data = data.between(job.start, job.end)
        if not len(data):
            raise DataError(
                f"no bars between {job.start or 'the start'} and {job.end or 'the end'}"
            )
    limits = sandbox.Limits(wall_seconds=max(1.0, job.timeout - 1.0))
    return sandbox.run_python_strategy(
        job.source,
        data.frame,
        symbol=data.symbol,
        timeframe=str(data.timeframe),
        inputs=job.inputs or None,
        strategy=job.strategy or None,
        limits=limits,
    )


def _portable(result: Any) -> Any:
    """The Result without the live objects of the run (plot handles, the broker), which
    neither pickle well nor belong in the store."""
    result.outputs = None
    result.strategy = None
    return result


# ------------------------------------------------------------------ worker process


def run_job(job: BacktestJob) -> Outcome:
    """Entry point of a backtest's worker process: take the server's environment and working
    directory of the submission (the forkserver's date from its start), then run."""
    os.environ.update(job.env)
    if job.cwd:
        with contextlib.suppress(OSError):
            os.chdir(job.cwd)
    return run_backtest(job)


def _warm_up() -> None:
    """Build the parser and import the runtime, once, in the forkserver."""
    from pineopt.compiler import convert

    try:
        convert('//@version=6\nstrategy("warm")\nplot(ta.sma(close, 2))\n', "warm.pine")
        import pineopt.strategy.engine  # noqa: F401
    except Exception:  # never let warming up stop a server
        log.debug("warm-up failed", exc_info=True)


_warm_up()
