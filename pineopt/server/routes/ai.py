"""``/api/ai/*``: the assistant endpoints, answered by static analysis - no language model.

What a client would ask an assistant ("what does this script use, will it run, which inputs
does it have, how should a form show them, what can PineOpt do at all?") is answered from
PineOpt's own tables: the converter's diagnostics and feature report, the inputs in the
generated code, and the catalogue of built-ins the runtime runs (see
:mod:`pineopt.server.analysis`). Nothing is guessed and nothing is run.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from pineopt.server import analysis
from pineopt.server.routes import BODY_ERRORS, PoolDep, SettingsDep, StoreDep, errors
from pineopt.server.routes.market import providers
from pineopt.server.schemas import (
    MAX_ID,
    AiValidateOut,
    AnalyzeIn,
    AnalyzeOut,
    CapabilitiesOut,
    ProviderOut,
    SourceIn,
    UiConfigOut,
)

router = APIRouter(tags=["ai"])


def _source(body: AnalyzeIn, store: Any) -> tuple[str, str, str]:
    """``(text, language, name)`` of the script the request names (its text or a strategy)."""
    if isinstance(body, SourceIn):
        return body.source, "pine", "<input>"
    row = store.strategy(body.strategy_id)
    return row["source"], row["language"], row["name"]


@router.post(
    "/api/ai/analyze",
    response_model=AnalyzeOut,
    responses=errors(*BODY_ERRORS, 404),
    summary="Static analysis of a script",
)
def analyze(body: AnalyzeIn, store: StoreDep, pool: PoolDep) -> AnalyzeOut:
    """Declaration, whether PineOpt runs the script (and why not), diagnostics, features,
    inputs and their widgets, and the complexity profile - for Pine ``source`` or a saved
    strategy (``strategy_id``)."""
    text, language, name = _source(body, store)
    return AnalyzeOut.model_validate(pool.run(analysis.analyze, text, language, name))


@router.post(
    "/api/ai/validate",
    response_model=AiValidateOut,
    responses=errors(*BODY_ERRORS, 404),
    summary="Would this script run?",
)
def validate(body: AnalyzeIn, store: StoreDep, pool: PoolDep) -> AiValidateOut:
    """Converts the script and reports: ``valid``, error and warning counts, the located
    diagnostics and every unsupported name. Always 200 for a readable request: the verdict
    is the answer (``POST /api/convert-pine`` is the call that refuses invalid Pine)."""
    text, language, name = _source(body, store)
    return AiValidateOut.model_validate(pool.run(analysis.verdict, text, language, name))


@router.get(
    "/api/ai/ui-config",
    response_model=UiConfigOut,
    responses=errors(404),
    summary="Form widgets for a strategy's inputs",
)
def ui_config(
    store: StoreDep,
    pool: PoolDep,
    strategy_id: Annotated[int, Query(ge=1, le=MAX_ID, description="a saved strategy")],
) -> UiConfigOut:
    """One widget per input of the strategy, as TradingView's settings dialog shows them:
    sliders for bounded numbers, selects for options, sources and timeframes, checkboxes,
    colour pickers, text boxes. Send the values back as ``inputs`` of a backtest, keyed by
    ``key``."""
    row = store.strategy(strategy_id)
    parameters = row.get("parameters") or pool.run(
        analysis.script_inputs, row["source"], row["language"], row["name"]
    )
    return UiConfigOut(
        strategy_id=strategy_id, title=row["name"], widgets=analysis.widgets(parameters)
    )


@router.get(
    "/api/ai/capabilities",
    response_model=CapabilitiesOut,
    responses=errors(),
    summary="What PineOpt runs and refuses",
)
def capabilities(settings: SettingsDep) -> CapabilitiesOut:
    """The Pine versions, how much of the v6 catalogue runs (and every refused name), the
    refused language features and ``strategy()`` settings, the limits, the data providers,
    and whether uploaded Python can run here."""
    report = analysis.capabilities()
    return CapabilitiesOut(
        **report,
        data_providers=[ProviderOut(**p) for p in providers(settings)],
        python_uploads=python_uploads(),
    )


def python_uploads() -> dict[str, Any]:
    """Whether this server accepts uploaded Python (and why not when it does not), and what
    an upload may import and call (the upload check's own lists)."""
    try:
        from pineopt.server import sandbox, upload_check
    except ImportError:
        return {"enabled": False, "reason": "this installation has no sandbox module"}
    policy = upload_check.runtime_policy()
    allowed = {"modules": policy.get("modules", []), "builtins": policy.get("builtins", [])}
    try:
        sandbox.require()
    except sandbox.SandboxUnavailable as exc:  # its message says how to enable it
        return {"enabled": False, "reason": str(exc), **allowed}
    return {"enabled": True, "reason": None, **allowed}
