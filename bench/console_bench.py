"""How long the console's journal queries take over a full store — printed, not asserted.

    python bench/console_bench.py                    # 20,000 orders on SQLite
    python bench/console_bench.py --orders 50000
    python bench/console_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1/test

Fills a fresh store (a temporary SQLite file, or a throw-away schema on the PostgreSQL server
named) with N attempts spread over 30 days (the default retention): 90 % completed, 8 % failed,
2 % queued, three clients, a few shipping and payment codes. Then times each query a console page
makes, best of five: the journal's first page, a page deep in the history, filters by state and
client, a search by email, a date range, the health page's outcomes per hour and the
configuration page's codes in use.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from unified_order_api.orders.journal import JournalQuery, JournalState
from unified_order_api.store import migrate
from unified_order_api.store.database import create_engine, sync_url
from unified_order_api.store.journal import SqlOrderJournal
from unified_order_api.store.tables import order_attempts

CLIENTS = ["shop", "amazon", "b2b"]
SHIPPING = ["dhl_standard", "dhl", "gls", "pickup", "DPD"]
PAYMENT = ["paypal", "invoice", "prepayment", "Amazon Pay"]


def _rows(count: int, now: dt.datetime) -> list[dict[str, Any]]:
    rng = random.Random(7)
    rows = []
    for n in range(count):
        created = now - dt.timedelta(days=30) * (1 - n / count)
        roll = rng.random()
        state = "completed" if roll < 0.90 else "failed" if roll < 0.98 else "received"
        reference = f"ORD-{n:07d}"
        email = f"kunde{rng.randrange(count // 3 + 1)}@example.com"
        rows.append(
            {
                "client": CLIENTS[n % 3],
                "idempotency_key": reference,
                "reference": reference,
                "fingerprint": uuid.uuid4().hex,
                "state": state,
                "owner": "bench",
                "version": 1,
                "lease_until": created,
                "customer_created": False,
                "order_id": str(n) if state == "completed" else None,
                "receipt": None,
                "error": {"code": "xentral_unavailable", "detail": "down"} if state == "failed" else None,
                "steps": [{"name": "received", "at": created.isoformat(), "detail": None}],
                "request": {
                    "reference": reference,
                    "customer": {"email": email, "name": "Max Mustermann"},
                    "items": [{"sku": "ART-001", "quantity": "1"}],
                    "shipping": rng.choice(SHIPPING),
                    "payment": rng.choice(PAYMENT),
                },
                "queued": state == "received",
                "created_at": created,
                "updated_at": created,
            }
        )
    return rows


async def _best_of(runs: int, call: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        times.append((time.perf_counter() - started) * 1000)
    return min(times), statistics.median(times)


async def run(database_url: str, orders: int) -> None:
    migrate.upgrade(database_url)
    now = dt.datetime.now(dt.UTC)
    filler = create_sync_engine(sync_url(database_url))
    started = time.perf_counter()
    rows = _rows(orders, now)
    with filler.begin() as connection:
        for chunk in range(0, len(rows), 2000):
            connection.execute(insert(order_attempts), rows[chunk : chunk + 2000])
    filler.dispose()
    print(
        f"{orders} orders stored in {time.perf_counter() - started:.1f} s ({make_url(database_url).get_backend_name()})"
    )

    engine = create_engine(database_url)
    journal = SqlOrderJournal(engine)
    first = await journal.search(JournalQuery())
    deep_before = (first.entries[0].attempt.id or 0) - orders // 2
    email = "kunde42@example.com"
    cases: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
        ("journal, first page (50, with total)", lambda: journal.search(JournalQuery())),
        ("journal, a page halfway back", lambda: journal.search(JournalQuery(before_id=deep_before))),
        ("state = failed", lambda: journal.search(JournalQuery(state=JournalState.FAILED))),
        ("client = amazon", lambda: journal.search(JournalQuery(client="amazon"))),
        ("search by email", lambda: journal.search(JournalQuery(text=email))),
        ("search by reference part", lambda: journal.search(JournalQuery(text="0012345"))),
        (
            "date range (one day)",
            lambda: journal.search(
                JournalQuery(created_from=now - dt.timedelta(days=10), created_until=now - dt.timedelta(days=9))
            ),
        ),
        ("health: outcomes per hour (24 h)", lambda: journal.outcomes_by_hour(now - dt.timedelta(hours=24), now)),
        ("configuration: codes in 7 days", lambda: journal.codes_used(now - dt.timedelta(days=7))),
        ("order page (one entry)", lambda: journal.entry(first.entries[0].attempt.id or 1)),
    ]
    print(f"{'query':<40} {'best ms':>9} {'median ms':>10}")
    for name, call in cases:
        best, median = await _best_of(5, call)
        print(f"{name:<40} {best:>9.1f} {median:>10.1f}")
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server: a throw-away schema is used")
    args = parser.parse_args()
    if args.database_url is None:
        with tempfile.TemporaryDirectory(prefix="uoa-console-bench-") as folder:
            asyncio.run(run(f"sqlite+aiosqlite:///{folder}/bench.db", args.orders))
        return
    schema = f"uoa_bench_{uuid.uuid4().hex[:12]}"
    admin = create_sync_engine(sync_url(args.database_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(args.database_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        asyncio.run(run(url.render_as_string(hide_password=False), args.orders))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
