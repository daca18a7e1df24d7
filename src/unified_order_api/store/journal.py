"""The SQLAlchemy order journal: operators' queries over `order_attempts`.

Reads only (an operator's note on an order is a write: the attempt store's `note`). Customer
email and the shipping/payment codes are read from the stored request (JSON), the same on SQLite
and PostgreSQL. Database failures surface as `StoreUnavailable`, as in the other stores.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from typing import Any

from sqlalchemy import Integer, cast, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from ..orders.attempts import AttemptState
from ..orders.journal import (
    CodeKind,
    CodeUse,
    HourlyOutcomes,
    JournalEntry,
    JournalPage,
    JournalQuery,
    JournalState,
)
from .attempts import attempt_from_row
from .failures import translated
from .tables import order_attempts, order_tracking

__all__ = ["SqlOrderJournal", "like_pattern"]

_A = order_attempts.c
_RUNNING = [state.value for state in AttemptState if state.in_progress]
_EMAIL = _A.request[("customer", "email")].as_string()
_SHIPPING = _A.request[("shipping",)].as_string()
_PAYMENT = _A.request[("payment",)].as_string()
_ERROR_CODE = _A.error[("code",)].as_string()


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, case-folded, its wildcards escaped (with `escape="\\"`)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.casefold()}%"


def _conditions(query: JournalQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.client:
        conditions.append(_A.client == query.client)
    if query.state == JournalState.COMPLETED:
        conditions.append(_A.state == AttemptState.COMPLETED.value)
    elif query.state == JournalState.FAILED:
        conditions.append(_A.state == AttemptState.FAILED.value)
    elif query.state == JournalState.QUEUED:
        conditions.extend([_A.state.in_(_RUNNING), _A.queued.is_(True)])
    elif query.state == JournalState.PROCESSING:
        conditions.extend([_A.state.in_(_RUNNING), _A.queued.is_(False)])
    text = (query.text or "").strip()
    if text:
        pattern = like_pattern(text)
        conditions.append(
            or_(
                func.lower(_A.reference).like(pattern, escape="\\"),
                func.lower(_EMAIL).like(pattern, escape="\\"),
            )
        )
    if query.created_from is not None:
        conditions.append(_A.created_at >= query.created_from)
    if query.created_until is not None:
        conditions.append(_A.created_at < query.created_until)
    if query.error_code:
        conditions.append(query.error_code == _ERROR_CODE)
    if query.lifecycle:
        conditions.append(
            exists().where(
                order_tracking.c.client == _A.client,
                order_tracking.c.reference == _A.reference,
                order_tracking.c.state.in_([state.value for state in query.lifecycle]),
            )
        )
    if query.unresolved_since is not None:
        conditions.extend([_A.state.in_(_RUNNING), _A.queued.is_(False), _A.created_at < query.unresolved_since])
    return conditions


# A page lists every column but the bodies orders arrived with (up to `inbox.max_body_bytes` each): only an
# order's own page shows its body.
_LISTED = [column for column in order_attempts.c if column.name != "received"]


def _entry(row: Any) -> JournalEntry:
    receipt = row._mapping["receipt"]
    totals = receipt.get("totals") if isinstance(receipt, dict) else None
    return JournalEntry(attempt_from_row(row), totals if isinstance(totals, dict) else None)


class SqlOrderJournal:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @translated
    async def search(self, query: JournalQuery) -> JournalPage:
        conditions = _conditions(query)
        page = select(*_LISTED).where(*conditions).order_by(_A.id.desc()).limit(query.limit + 1)
        if query.before_id is not None:
            page = page.where(_A.id < query.before_id)
        count = select(func.count()).select_from(order_attempts).where(*conditions)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(page)).all()
            total = int((await connection.execute(count)).scalar_one())
        entries = [_entry(row) for row in rows[: query.limit]]
        more = len(rows) > query.limit
        return JournalPage(entries, total, entries[-1].attempt.id if more and entries else None)

    @translated
    async def entry(self, attempt_id: int) -> JournalEntry | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(select(order_attempts).where(_A.id == attempt_id))).first()
        return _entry(row) if row is not None else None

    @translated
    async def outcomes_by_hour(self, since: dt.datetime, until: dt.datetime) -> list[HourlyOutcomes]:
        async with self._engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                hour: ColumnElement[Any] = cast(func.floor(func.extract("epoch", _A.created_at) / 3600), Integer)
            else:
                hour = cast(func.strftime("%s", _A.created_at), Integer) / 3600
            rows = (
                await connection.execute(
                    select(hour.label("hour"), _A.state, func.count().label("orders"))
                    .where(_A.created_at >= since, _A.created_at <= until)
                    .group_by(hour, _A.state)
                )
            ).all()
        counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for row in rows:
            finished = row.state in (AttemptState.COMPLETED.value, AttemptState.FAILED.value)
            state = row.state if finished else "unfinished"
            counts[int(row.hour)][state] += int(row.orders)
        first = int(since.timestamp() // 3600)
        last = int(until.timestamp() // 3600)
        return [
            HourlyOutcomes(
                hour=dt.datetime.fromtimestamp(index * 3600, dt.UTC),
                completed=counts[index]["completed"],
                failed=counts[index]["failed"],
                unfinished=counts[index]["unfinished"],
            )
            for index in range(first, max(first, last) + 1)
        ]

    @translated
    async def codes_used(self, since: dt.datetime, client: str | None = None) -> list[CodeUse]:
        found: list[CodeUse] = []
        of_client = [_A.client == client] if client is not None else []
        async with self._engine.connect() as connection:
            for kind, expression in (("shipping", _SHIPPING), ("payment", _PAYMENT)):
                rows = (
                    await connection.execute(
                        select(
                            expression.label("code"),
                            _A.client,
                            func.count().label("orders"),
                            func.max(_A.created_at).label("last_seen"),
                        )
                        .where(_A.created_at >= since, expression.is_not(None), *of_client)
                        .group_by(expression, _A.client)
                    )
                ).all()
                found.extend(_merge_clients(kind, rows))  # type: ignore[arg-type]
        return sorted(found, key=lambda use: (use.kind, use.code))


def _merge_clients(kind: CodeKind, rows: Collection[Any]) -> list[CodeUse]:
    """One entry per code: the per-client rows of the same code added up."""
    by_code: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_code[str(row.code)].append(row)
    return [
        CodeUse(
            kind=kind,
            code=code,
            orders=sum(int(row.orders) for row in group),
            clients=tuple(sorted({str(row.client) for row in group})),
            last_seen=_as_utc(max(row.last_seen for row in group)),
        )
        for code, group in by_code.items()
    ]


def _as_utc(value: Any) -> dt.datetime:
    """`max()` over the column bypasses its type on SQLite: the raw text comes back."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
