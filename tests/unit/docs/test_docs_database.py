"""The operations guide's database page names every table the migrations make, so an operator reading what
to back up, restore together and purge never misses one a new feature added."""

from __future__ import annotations

import re
from pathlib import Path

from unified_order_api.store.tables import metadata

DATABASE = Path(__file__).resolve().parents[3] / "docs" / "operations" / "database.md"


def listed_tables() -> set[str]:
    """The tables in the first cell of the rows of "What it holds"."""
    text = DATABASE.read_text(encoding="utf-8")
    section = text.split("## What it holds", 1)[1].split("\n## ", 1)[0]
    return {
        name
        for line in section.splitlines()
        if line.startswith("| `")
        for name in re.findall(r"`([a-z_]+)`", line.split(" | ")[0])
    }


def test_every_table_is_on_the_database_page() -> None:
    assert set(metadata.tables) - listed_tables() == set()
    assert listed_tables() - set(metadata.tables) - {"alembic_version"} == set()
