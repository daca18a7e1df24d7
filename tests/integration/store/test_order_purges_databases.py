"""The purges of events, callbacks, write-backs and shop ids (`tests/unit/store/test_order_purges.py`, run there
in memory) on a SQLite file and on PostgreSQL."""

from tests.unit.store.test_order_purges import *  # noqa: F403
