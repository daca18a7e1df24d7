"""The SQLAlchemy inbox (`inbox.Inbox`): refused and ignored requests, newest first, with filters.

Each entry is one INSERT when its answer has been sent; an operator's replay appends to its `replays`
(fenced by reading and writing in one transaction). Database failures surface as `StoreUnavailable`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from ..inbox.model import InboxEntry, InboxPage, InboxQuery, NewInboxEntry, Replay
from .failures import translated
from .journal import like_pattern
from .tables import inbox_entries

__all__ = ["SqlInbox"]

_I = inbox_entries.c


def _conditions(query: InboxQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.client:
        conditions.append(_I.client == query.client)
    if query.channel:
        conditions.append(_I.channel == query.channel)
    if query.outcome:
        conditions.append(_I.outcome == query.outcome)
    if query.code:
        conditions.append(_I.code == query.code)
    if query.status is not None:
        conditions.append(_I.status == query.status)
    text = (query.text or "").strip()
    if text:
        pattern = like_pattern(text)
        conditions.append(
            or_(
                func.lower(_I.reference).like(pattern, escape="\\"),
                func.lower(_I.detail).like(pattern, escape="\\"),
                func.lower(_I.code).like(pattern, escape="\\"),
            )
        )
    if query.received_from is not None:
        conditions.append(_I.received_at >= query.received_from)
    if query.received_until is not None:
        conditions.append(_I.received_at < query.received_until)
    return conditions


def _entry(row: Any) -> InboxEntry:
    values = row._mapping
    return InboxEntry(
        id=values["id"],
        received_at=values["received_at"],
        channel=values["channel"],
        client=values["client"],
        shop=values["shop"],
        source=values["source"],
        path=values["path"],
        status=values["status"],
        outcome=values["outcome"],
        code=values["code"],
        detail=values["detail"],
        errors=values["errors"],
        reference=values["reference"],
        request_id=values["request_id"],
        headers=values["headers"] or {},
        body=values["body"],
        body_bytes=values["body_bytes"],
        body_truncated=values["body_truncated"],
        suppressed_before=values["suppressed_before"],
        replays=[Replay.from_json(item) for item in values["replays"] or []],
    )


class SqlInbox:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @translated
    async def add(self, entry: NewInboxEntry) -> int:
        async with self._engine.begin() as connection:
            result = await connection.execute(
                insert(inbox_entries).values(
                    received_at=entry.received_at,
                    channel=entry.channel,
                    client=entry.client,
                    shop=entry.shop,
                    source=entry.source,
                    path=entry.path,
                    status=entry.status,
                    outcome=entry.outcome,
                    code=entry.code,
                    detail=entry.detail,
                    errors=entry.errors,
                    reference=entry.reference,
                    request_id=entry.request_id,
                    headers=entry.headers,
                    body=entry.body,
                    body_bytes=entry.body_bytes,
                    body_truncated=entry.body_truncated,
                    suppressed_before=entry.suppressed_before,
                    replays=[],
                )
            )
        return int(result.inserted_primary_key[0]) if result.inserted_primary_key else 0

    @translated
    async def search(self, query: InboxQuery) -> InboxPage:
        conditions = _conditions(query)
        listed = select(inbox_entries).where(*conditions)
        if query.before_id is not None:
            listed = listed.where(_I.id < query.before_id)
        listed = listed.order_by(_I.id.desc()).limit(query.limit + 1)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(listed)).all()
            counted = select(func.count()).select_from(inbox_entries).where(*conditions)
            total = (await connection.execute(counted)).scalar_one()
        entries = [_entry(row) for row in rows[: query.limit]]
        more = len(rows) > query.limit
        return InboxPage(entries, int(total), entries[-1].id if more and entries else None)

    @translated
    async def get(self, entry_id: int) -> InboxEntry | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(select(inbox_entries).where(_I.id == entry_id))).first()
        return _entry(row) if row is not None else None

    @translated
    async def add_replay(self, entry_id: int, replay: Replay) -> None:
        async with self._engine.begin() as connection:
            query = select(_I.replays).where(_I.id == entry_id)
            if connection.dialect.name == "postgresql":
                query = query.with_for_update()
            row = (await connection.execute(query)).first()
            if row is None:
                return
            replays = [*(row.replays or []), replay.to_json()]
            await connection.execute(update(inbox_entries).where(_I.id == entry_id).values(replays=replays))

    @translated
    async def codes(self) -> list[str]:
        async with self._engine.connect() as connection:
            rows = (await connection.execute(select(_I.code).distinct().order_by(_I.code))).all()
        return [str(row.code) for row in rows]

    @translated
    async def purge(self, older_than: dt.datetime) -> int:
        async with self._engine.begin() as connection:
            result = await connection.execute(delete(inbox_entries).where(_I.received_at < older_than))
        return int(result.rowcount)
