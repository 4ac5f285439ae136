"""Strategies: save (JSON or a multipart upload of a ``.pine``/``.py`` file), list, read,
update, delete, validate and profile.

Pine is converted when saved: invalid Pine is refused with 422 and its located diagnostics.
A ``.py`` upload (a converted module its author edited) is first checked statically
(:mod:`pineopt.server.upload_check`: allowed imports only, no ``open``/``exec``/dunder access)
and accepted only where the sandbox that will run it is available (422 otherwise, saying how
to enable it).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, Response, UploadFile

from pineopt.server import analysis
from pineopt.server.analysis import diagnostic_dicts
from pineopt.server.encode import plain, records
from pineopt.server.errors import ApiError
from pineopt.server.routes import (
    BODY_ERRORS,
    PagingDep,
    PoolDep,
    RunnerDep,
    SettingsDep,
    StoreDep,
    errors,
)
from pineopt.server.schemas import (
    MAX_ID,
    NO_NUL,
    Page,
    ProfileOut,
    StrategyIn,
    StrategyOut,
    StrategySummary,
    StrategyUpdate,
    ValidationOut,
)

router = APIRouter(tags=["strategies"])

StrategyId = Annotated[int, Path(ge=1, le=MAX_ID, description="the strategy's id")]

EXTENSIONS = {".pine": "pine", ".py": "python"}


# ------------------------------------------------------------------ Python uploads


def check_python(text: str, filename: str = "strategy.py") -> dict[str, Any]:
    """Check uploaded Python before it is saved: the sandbox must be there to run it and the
    module must pass the static checks. Both refusals are 422 (a server without bubblewrap
    cannot process the upload; the message says how to enable it). Returns the validation
    the store records."""
    require_sandbox()
    return static_check(text, filename)


def require_sandbox() -> None:
    """422 unless uploaded Python can run here (the sandbox module and bubblewrap)."""
    try:
        from pineopt.server import sandbox
    except ImportError:
        raise ApiError(
            422,
            "uploaded Python strategies need PineOpt's sandbox, which this installation lacks",
        ) from None
    try:
        sandbox.require()
    except sandbox.SandboxUnavailable as exc:
        raise ApiError(422, str(exc)) from None


def static_check(text: str, filename: str = "strategy.py") -> dict[str, Any]:
    """The static checks of :mod:`pineopt.server.upload_check` (422 with each located problem
    as a diagnostic), as the validation the store records: status, declaration, inputs."""
    try:
        from pineopt.server import upload_check
    except ImportError:
        raise ApiError(
            422,
            "uploaded Python strategies need PineOpt's sandbox, which this installation lacks",
        ) from None
    try:
        info = upload_check.check_python_strategy(text, filename)
    except upload_check.UploadRejected as exc:
        raise ApiError(422, str(exc), diagnostics=diagnostic_dicts(exc.diagnostics)) from None
    return {
        "status": "valid",
        "diagnostics": [],
        "features": {"declaration": plain(info.declaration)},
        "parameters": plain(info.inputs),
    }


def looks_like_python(text: str) -> bool:
    """The layout ``pineopt convert`` writes: ``DECLARATION = ...`` and ``def script(ctx)``."""
    return "DECLARATION" in text and "def script(" in text


def _save(
    store: Any,
    source: str,
    *,
    language: str | None,
    filename: str | None,
    name: str | None,
    description: str,
    author: str,
    tags: list[str],
    replace: bool,
) -> dict[str, Any]:
    language = language or ("python" if looks_like_python(source) else "pine")
    options: dict[str, Any] = {}
    if language == "python":
        options["validation"] = check_python(source, filename or "strategy.py")
    strategy_id = store.save_strategy(
        source,
        name=name,
        language=language,
        description=description,
        author=author,
        tags=tuple(tags),
        replace=replace,
        **options,
    )
    return store.strategy(strategy_id)


def strategy_out(row: dict[str, Any]) -> StrategyOut:
    return StrategyOut.model_validate(plain(row))


# ------------------------------------------------------------------ routes


@router.get(
    "/api/strategies",
    response_model=Page[StrategySummary],
    responses=errors(),
    summary="List saved strategies",
)
def list_strategies(
    store: StoreDep,
    paging: PagingDep,
    tag: Annotated[str | None, Query(max_length=200, pattern=NO_NUL)] = None,
    language: Annotated[str | None, Query(pattern="^(pine|python)$")] = None,
    search: Annotated[
        str | None, Query(max_length=200, pattern=NO_NUL, description="in name or description")
    ] = None,
) -> Page[StrategySummary]:
    """Newest first. ``tag``, ``language`` and ``search`` filter; ``total`` counts all matches."""
    filters = {"tag": tag, "language": language, "search": search}
    total = store.count_strategies(**filters)
    frame = store.strategies(**filters, limit=paging.limit, offset=paging.offset)
    items = [StrategySummary.model_validate(row) for row in records(frame)]
    return Page[StrategySummary](items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.post(
    "/api/strategies",
    response_model=StrategyOut,
    status_code=201,
    responses=errors(*BODY_ERRORS, 409, 503),
    summary="Save a strategy from JSON",
)
def create_strategy(body: StrategyIn, store: StoreDep) -> StrategyOut:
    """Save Pine text (converted and validated; invalid Pine is 422 with diagnostics) or a
    converted Python module (checked, needs the sandbox). A taken name is 409 unless
    ``replace`` is true."""
    row = _save(
        store,
        body.source,
        language=body.language,
        filename=None,
        name=body.name,
        description=body.description,
        author=body.author,
        tags=body.tags,
        replace=body.replace,
    )
    return strategy_out(row)


@router.post(
    "/api/strategies/upload",
    response_model=StrategyOut,
    status_code=201,
    responses=errors(*BODY_ERRORS, 409, 503),
    summary="Upload a .pine or .py strategy file",
)
def upload_strategy(
    store: StoreDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="a .pine script or a converted .py module")],
    name: Annotated[str | None, Form(max_length=200, pattern=NO_NUL)] = None,
    description: Annotated[str, Form(max_length=10_000, pattern=NO_NUL)] = "",
    author: Annotated[str, Form(max_length=200, pattern=NO_NUL)] = "",
    tags: Annotated[
        str, Form(max_length=2_000, pattern=NO_NUL, description="comma-separated")
    ] = "",
    replace: Annotated[bool, Form()] = False,
) -> StrategyOut:
    """Multipart upload (``curl -F file=@examples/sma_cross_strategy.pine``). The language
    follows the file's extension. Files over the upload limit are 413."""
    filename = file.filename or ""
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    language = EXTENSIONS.get(suffix)
    if language is None:
        raise ApiError(
            422,
            f"only .pine and .py files are accepted, not {filename or 'a file without a name'!r}",
        )
    data = file.file.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise ApiError(
            413, f"the upload is larger than the limit of {settings.max_upload_bytes:,} bytes"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApiError(422, f"{filename} is not UTF-8 text (byte {exc.start})") from None
    if "\x00" in text:
        raise ApiError(422, f"{filename} contains a NUL character: it is not a text file")
    if not text.strip():
        raise ApiError(422, f"{filename} is empty")
    row = _save(
        store,
        text,
        language=language,
        filename=filename,
        name=name or None,
        description=description,
        author=author,
        tags=[t.strip() for t in tags.split(",") if t.strip()],
        replace=replace,
    )
    return strategy_out(row)


@router.get(
    "/api/strategies/{id:int}",
    response_model=StrategyOut,
    responses=errors(404),
    summary="Read a strategy",
)
def get_strategy(id: StrategyId, store: StoreDep) -> StrategyOut:
    return strategy_out(store.strategy(id))


@router.put(
    "/api/strategies/{id:int}",
    response_model=StrategyOut,
    responses=errors(*BODY_ERRORS, 404, 409, 503),
    summary="Update a strategy",
)
def update_strategy(id: StrategyId, body: StrategyUpdate, store: StoreDep) -> StrategyOut:
    """Change any of ``source``, ``name``, ``description``, ``author``, ``tags``. A new Pine
    source is converted again (422 with diagnostics when invalid); new Python is checked."""
    current = store.strategy(id)
    if body.source is not None and current["language"] == "python":
        check_python(body.source)
    row = store.update_strategy(
        id,
        source=body.source,
        name=body.name,
        description=body.description,
        author=body.author,
        tags=tuple(body.tags) if body.tags is not None else None,
    )
    return strategy_out(row)


@router.delete(
    "/api/strategies/{id:int}",
    status_code=204,
    response_class=Response,
    responses=errors(404),
    summary="Delete a strategy and its backtests",
)
def delete_strategy(id: StrategyId, store: StoreDep, runner: RunnerDep) -> Response:
    """Its backtests go too; those queued or running are stopped first."""
    for status in ("queued", "running"):
        for backtest_id in store.backtests(strategy=id, status=status)["id"]:
            runner.cancel(int(backtest_id))
    store.delete_strategy(id)
    return Response(status_code=204)


@router.post(
    "/api/strategies/{id:int}/validate",
    response_model=ValidationOut,
    responses=errors(404, 503),
    summary="Validate a strategy again",
)
def validate_strategy(id: StrategyId, store: StoreDep) -> ValidationOut:
    """Pine: converted again with this PineOpt (``status`` valid or invalid, with the
    diagnostics). Python: the static upload checks again."""
    current = store.strategy(id)
    if current["language"] == "python":
        report = store.validate_strategy(id, checker=_python_checker)
    else:
        report = store.validate_strategy(id)
    return ValidationOut.model_validate(plain(report))


def _python_checker(source: str) -> dict[str, Any]:
    """The checker ``store.validate_strategy`` calls for Python: the static upload checks,
    with a refusal reported as an invalid status rather than raised."""
    try:
        return static_check(source)
    except ApiError as exc:
        return {
            "status": "invalid",
            "diagnostics": exc.diagnostics or [],
            "features": {},
            "message": exc.detail,
        }


@router.post(
    "/api/strategies/{id:int}/profile",
    response_model=ProfileOut,
    responses=errors(404),
    summary="Feature and complexity report of a strategy",
)
def profile_strategy(id: StrategyId, store: StoreDep, pool: PoolDep) -> ProfileOut:
    """Static: what the script uses, how big and how deep it is, which Pine lines the
    converted code computes over the whole history at once and which it runs bar by bar."""
    row = store.strategy(id)
    report = pool.run(analysis.profile, row["source"], row["language"], f"{row['name']}.pine")
    return ProfileOut.model_validate(report)
