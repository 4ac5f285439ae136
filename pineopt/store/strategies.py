"""Strategies: save a script, find it, list, change, validate and delete it.

A Pine script is converted when it is saved (:mod:`pineopt.store.scripts`): one with errors is
refused with :class:`~pineopt.store.errors.InvalidScript` and nothing is written; otherwise the
strategy is stored with its inputs (``strategy_parameters``), a ``conversions`` row (hashes,
diagnostics, features, timing) and a ``strategy_validations`` row. Names are unique; a strategy
is named in every method by its id (an int) or its name (a str).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pineopt.store.codec import diagnostic_dicts, json_safe
from pineopt.store.errors import StoreError
from pineopt.store.models import (
    Backtest,
    Conversion,
    Strategy,
    StrategyParameter,
    StrategyValidation,
    Tag,
    strategy_tags,
    utcnow,
)
from pineopt.store.records import StrategyRef, frame, page, strategy_row
from pineopt.store.scripts import (
    Script,
    analyse,
    convert_pine,
    pine_script,
    read_source,
    sha256,
)

#: the longest strategy name
NAME_LENGTH = 200
#: the longest tag
TAG_LENGTH = 100

STRATEGY_COLUMNS = [
    "id",
    "name",
    "language",
    "description",
    "author",
    "tags",
    "validation_status",
    "backtests",
    "created_at",
    "updated_at",
]


class StrategiesMixin:
    """The strategy methods of :class:`~pineopt.store.Store`."""

    def save_strategy(
        self,
        source: str | bytes | Path,
        *,
        name: str | None = None,
        language: str | None = None,
        description: str | None = None,
        author: str | None = None,
        tags: Iterable[str] | None = None,
        replace: bool = False,
        validation: Mapping[str, Any] | None = None,
    ) -> int:
        """Save a strategy and return its id.

        ``source`` is the script's text or a :class:`~pathlib.Path` to read (its name then
        appears in diagnostics). ``language`` (``pine`` or ``python``) is inferred: a converted
        module's layout (``DECLARATION = ...`` and ``def script(ctx)``) is Python, anything
        else Pine. ``name`` defaults to the declaration's title. A name already taken is an
        error unless ``replace=True``: then that strategy's source is replaced (same id;
        ``description``, ``author`` and ``tags`` change only when given).

        Pine is converted first; errors raise :class:`~pineopt.store.errors.InvalidScript`
        and save nothing. Python is never run here: its status is ``validation["status"]``
        from the caller's checker (``valid``/``invalid``; with ``diagnostics``, ``features``,
        ``seconds`` and ``parameters``, the inputs as dicts), else ``unknown``.
        """
        text, filename = read_source(source)
        script = analyse(text, language=language, filename=filename, validation=validation)
        name = check_name(name if name is not None else script.title, filename)
        with self._write() as session:
            row = session.scalar(sa.select(Strategy).where(Strategy.name == name))
            if row is not None and not replace:
                raise StoreError(
                    f"a strategy named {name!r} already exists (id {row.id}): replace its "
                    "source (replace=True, `--replace`) or choose another name"
                )
            if row is None:
                row = Strategy(name=name, description="", author="", created_at=utcnow())
                session.add(row)
            apply_script(session, row, script)
            if description is not None:
                row.description = str(description)
            if author is not None:
                row.author = str(author)
            flush_named(session, name)
            if tags is not None:
                _set_tags(session, row, tags)
            record_checks(session, row, script)
            return row.id

    def strategy(self, ref: StrategyRef) -> dict[str, Any]:
        """The strategy ``ref`` (id or name): ``id, name, description, author, language,
        source, parameters, dependencies, validation_status, validation, tags, created_at,
        updated_at``. Raises :class:`~pineopt.store.errors.NotFound`."""
        with self._read() as session:
            return _strategy_dict(strategy_row(session, ref))

    def strategies(
        self,
        *,
        tag: str | None = None,
        language: str | None = None,
        search: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> pd.DataFrame:
        """The strategies by name: ``id, name, language, description, author, tags,
        validation_status, backtests`` (how many), ``created_at, updated_at``. Filters: a
        ``tag``, a ``language``, a ``search`` text found (case-insensitively) in the name,
        description or author; ``limit``/``offset`` page through them."""
        backtests = (
            sa.select(Backtest.strategy_id, sa.func.count().label("n"))
            .group_by(Backtest.strategy_id)
            .subquery()
        )
        query = (
            sa.select(Strategy, sa.func.coalesce(backtests.c.n, 0))
            .outerjoin(backtests, backtests.c.strategy_id == Strategy.id)
            .order_by(sa.func.lower(Strategy.name), Strategy.id)
        )
        query = page(_filtered(query, tag, language, search), limit, offset)
        with self._read() as session:
            rows = session.execute(query).all()
            tags = _tags_of(session, [row.id for row, _ in rows])
        result = frame(
            [
                [
                    row.id,
                    row.name,
                    row.language,
                    row.description,
                    row.author,
                    tags.get(row.id, []),
                    row.validation_status,
                    int(count),
                    row.created_at,
                    row.updated_at,
                ]
                for row, count in rows
            ],
            STRATEGY_COLUMNS,
            times=("created_at", "updated_at"),
        )
        return result.astype({"id": "int64", "backtests": "int64"})

    def count_strategies(
        self, *, tag: str | None = None, language: str | None = None, search: str | None = None
    ) -> int:
        """How many strategies :meth:`strategies` would list with these filters."""
        query = _filtered(sa.select(sa.func.count(Strategy.id)), tag, language, search)
        with self._read() as session:
            return int(session.scalar(query) or 0)

    def update_strategy(
        self,
        ref: StrategyRef,
        *,
        source: str | bytes | Path | None = None,
        name: str | None = None,
        description: str | None = None,
        author: str | None = None,
        tags: Iterable[str] | None = None,
        validation: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Change what is given and return the strategy as :meth:`strategy` does. A new
        ``source`` is checked as by :meth:`save_strategy` (Pine errors raise
        :class:`~pineopt.store.errors.InvalidScript` and change nothing); ``tags`` replace
        the strategy's tags."""
        script = None
        if source is not None:
            text, filename = read_source(source)
            with self._read() as session:
                language = strategy_row(session, ref).language
            script = analyse(text, language=language, filename=filename, validation=validation)
        with self._write() as session:
            row = strategy_row(session, ref)
            if script is not None:
                apply_script(session, row, script)
            if name is not None:
                row.name = check_name(name, "")
            if description is not None:
                row.description = str(description)
            if author is not None:
                row.author = str(author)
            row.updated_at = utcnow()
            flush_named(session, row.name)
            if tags is not None:
                _set_tags(session, row, tags)
            if script is not None:
                record_checks(session, row, script)
            session.flush()
            session.refresh(row)
            return _strategy_dict(row)

    def delete_strategy(self, ref: StrategyRef) -> None:
        """Delete the strategy with its parameters, validations, backtests (their results and
        trades) and campaigns. Its conversions stay, unlinked, as history."""
        with self._write() as session:
            row = strategy_row(session, ref)
            session.execute(sa.delete(Strategy).where(Strategy.id == row.id))

    def validate_strategy(
        self, ref: StrategyRef, *, checker: Callable[[str], Mapping[str, Any]] | None = None
    ) -> dict[str, Any]:
        """Check the strategy again and record the outcome: ``status`` (valid, invalid,
        unknown), ``diagnostics``, ``features``, ``seconds``.

        Pine is converted by this PineOpt (a script saved by an older one may have become
        valid, or not). A Python strategy is checked by ``checker(source)``, which returns a
        dict shaped like ``save_strategy``'s ``validation``; without one its status is
        ``unknown``."""
        with self._read() as session:
            row = strategy_row(session, ref)
            language, source, strategy_id, name = row.language, row.source, row.id, row.name
        outcome: dict[str, Any]
        script: Script | None = None
        conversion = None
        if language == "pine":
            conversion, seconds = convert_pine(source, f"{name}.pine")
            if conversion.ok:
                script = pine_script(conversion, seconds)
                conversion = None  # recorded with the script
            else:
                outcome = {
                    "status": "invalid",
                    "diagnostics": diagnostic_dicts(conversion.diagnostics),
                    "features": None,
                    "seconds": seconds,
                }
        elif checker is not None:
            started = time.perf_counter()
            checked = dict(checker(source))
            checked.setdefault("seconds", time.perf_counter() - started)
            script = analyse(source, language="python", validation=checked)
        else:
            outcome = {"status": "unknown", "diagnostics": [], "features": None, "seconds": None}
        if script is not None:
            outcome = {k: script.validation[k] for k in ("status", "diagnostics", "features")}
            outcome["seconds"] = script.validation["seconds"]
        with self._write() as session:
            row = strategy_row(session, strategy_id)
            if script is not None:
                apply_script(session, row, script)
                record_checks(session, row, script)
            else:
                row.validation_status = outcome["status"]
                row.validation = json_safe(outcome)
                row.updated_at = utcnow()
                session.add(_validation_row(row.id, outcome))
                if conversion is not None:
                    session.add(_conversion_row(conversion, row.id, outcome["seconds"]))
        return outcome

    def record_conversion(
        self, conversion: Any, *, strategy_id: int | None = None, seconds: float | None = None
    ) -> int:
        """Record one conversion (a :class:`~pineopt.compiler.Conversion`, ok or not) and
        return its id: the REST shim's ``convert-pine`` calls keep their history here."""
        with self._write() as session:
            if strategy_id is not None:
                strategy_row(session, strategy_id)
            row = _conversion_row(conversion, strategy_id, seconds)
            session.add(row)
            session.flush()
            return row.id


# --------------------------------------------------------------------------- helpers


def check_name(value: Any, filename: str = "", argument: str = "name") -> str:
    """A strategy name: stripped, not empty, not too long."""
    text = str(value or "").strip()
    if not text:
        where = f" ({filename})" if filename and filename != "<input>" else ""
        raise StoreError(
            f"the strategy needs a name{where}: its declaration has no title, pass {argument}="
        )
    if len(text) > NAME_LENGTH:
        raise StoreError(f"a strategy name has at most {NAME_LENGTH} characters")
    return text


def flush_named(session: Session, name: str) -> None:
    """Flush, turning a name taken meanwhile (by another process) into a clear error."""
    try:
        session.flush()
    except IntegrityError:
        raise StoreError(f"a strategy named {name!r} already exists") from None


def apply_script(session: Session, row: Strategy, script: Script) -> None:
    """Set the strategy's source and what was learnt from it."""
    row.language = script.language
    row.source = script.source
    row.source_sha256 = script.sha256
    row.parameters = script.parameters
    row.dependencies = script.dependencies
    row.validation_status = script.status
    row.validation = json_safe(script.validation)
    row.updated_at = utcnow()
    if row.parameter_rows:  # the old rows go first: positions are unique per strategy
        row.parameter_rows.clear()
        session.flush()
    row.parameter_rows = [
        StrategyParameter(
            position=position,
            name=p.get("name"),
            title=p.get("title"),
            kind=str(p.get("kind") or ""),
            default=p.get("default"),
            options=p.get("options"),
            minval=_number(p.get("minval")),
            maxval=_number(p.get("maxval")),
            step=_number(p.get("step")),
        )
        for position, p in enumerate(script.parameters)
    ]


def _number(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def record_checks(session: Session, row: Strategy, script: Script) -> None:
    """The validation row of ``script`` and, for Pine, its conversion row."""
    session.add(_validation_row(row.id, script.validation))
    if script.conversion is not None:
        session.add(_conversion_row(script.conversion, row.id, script.validation["seconds"]))


def _validation_row(strategy_id: int, outcome: Mapping[str, Any]) -> StrategyValidation:
    return StrategyValidation(
        strategy_id=strategy_id,
        status=outcome["status"],
        diagnostics=json_safe(outcome.get("diagnostics") or []),
        features=json_safe(outcome.get("features")),
        seconds=outcome.get("seconds"),
    )


def _conversion_row(conversion: Any, strategy_id: int | None, seconds: float | None) -> Conversion:
    from pineopt import __version__
    from pineopt.compiler import supported_names

    ok = bool(conversion.ok)
    return Conversion(
        strategy_id=strategy_id,
        source_sha256=sha256(conversion.source or ""),
        code_sha256=sha256(conversion.code) if ok and conversion.code else None,
        status="ok" if ok else "error",
        diagnostics=diagnostic_dicts(conversion.diagnostics),
        features=conversion.features.to_dict(set(supported_names())),
        seconds=seconds,
        pineopt_version=__version__,
    )


def _set_tags(session: Session, row: Strategy, names: Iterable[str]) -> None:
    if isinstance(names, str):
        names = [names]
    wanted = []
    for name in names:
        text = str(name).strip()
        if text and text not in wanted:
            if len(text) > TAG_LENGTH:
                raise StoreError(f"a tag has at most {TAG_LENGTH} characters: {text[:20]!r}…")
            wanted.append(text)
    tags = []
    for text in wanted:
        tag = session.scalar(sa.select(Tag).where(Tag.name == text))
        if tag is None:
            try:
                with session.begin_nested():  # another process may create it meanwhile
                    tag = Tag(name=text)
                    session.add(tag)
            except IntegrityError:
                tag = session.scalar(sa.select(Tag).where(Tag.name == text))
        tags.append(tag)
    row.tags = tags


def _tags_of(session: Session, ids: list[int]) -> dict[int, list[str]]:
    if not ids:
        return {}
    query = (
        sa.select(strategy_tags.c.strategy_id, Tag.name)
        .join(Tag, Tag.id == strategy_tags.c.tag_id)
        .where(strategy_tags.c.strategy_id.in_(ids))
        .order_by(Tag.name)
    )
    tags: dict[int, list[str]] = {}
    for strategy_id, name in session.execute(query):
        tags.setdefault(strategy_id, []).append(name)
    return tags


def _filtered(
    query: sa.Select, tag: str | None, language: str | None, search: str | None
) -> sa.Select:
    if tag is not None:
        tagged = (
            sa.select(strategy_tags.c.strategy_id)
            .join(Tag, Tag.id == strategy_tags.c.tag_id)
            .where(Tag.name == str(tag).strip())
        )
        query = query.where(Strategy.id.in_(tagged))
    if language is not None:
        query = query.where(Strategy.language == language)
    if search:
        text = str(search)
        query = query.where(
            sa.or_(
                Strategy.name.icontains(text, autoescape=True),
                Strategy.description.icontains(text, autoescape=True),
                Strategy.author.icontains(text, autoescape=True),
            )
        )
    return query


def _strategy_dict(row: Strategy) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "author": row.author,
        "language": row.language,
        "source": row.source,
        "parameters": list(row.parameters or []),
        "dependencies": list(row.dependencies or []),
        "validation_status": row.validation_status,
        "validation": row.validation,
        "tags": [tag.name for tag in row.tags],
        "created_at": pd.Timestamp(row.created_at),
        "updated_at": pd.Timestamp(row.updated_at),
    }
