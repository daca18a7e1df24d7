"""The journal's tests (`tests/unit/store/test_journal.py`, run there in memory) on a SQLite file and on
PostgreSQL: the same tests, with this directory's `engine`."""

from tests.unit.store.test_journal import *  # noqa: F403
