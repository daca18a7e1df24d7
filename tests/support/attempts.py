"""What the service's SQLite store holds for a reference, read with plain SQL as an operator would."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any


def stored_attempt(database: Path, reference: str) -> dict[str, Any] | None:
    """The `order_attempts` row of `reference` (state, queued, order_id, …); None while there is none."""
    if not database.exists():
        return None
    with closing(sqlite3.connect(database)) as connection:
        connection.row_factory = sqlite3.Row
        try:
            row = connection.execute("SELECT * FROM order_attempts WHERE reference = ?", (reference,)).fetchone()
        except sqlite3.OperationalError:
            return None  # not migrated yet
    return dict(row) if row else None
