"""The tracking store's contract (`tests/unit/store/test_tracking_store.py`, run there in memory) on a SQLite
file and on PostgreSQL: the same tests, with this directory's `engine`."""

from tests.unit.store.test_tracking_store import *  # noqa: F403
