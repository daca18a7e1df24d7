"""The write-back queue's contract (`tests/unit/store/test_write_back_queue.py`, run there in memory) on a
SQLite file and on PostgreSQL: the same tests, with this directory's `engine`."""

from tests.unit.store.test_write_back_queue import *  # noqa: F403
