"""The attempt store's contract (`tests/unit/store/test_attempt_store.py`, run there in memory) on a SQLite
file and on PostgreSQL: the same tests, with this directory's `engine` and `store`."""

from tests.unit.store.test_attempt_store import *  # noqa: F403
