"""The cancellation and change ledgers' contract (`tests/unit/store/test_cancellation_ledgers.py`, run there in
memory) on a SQLite file and on PostgreSQL: the same tests, with this directory's `engine`."""

from tests.unit.store.test_cancellation_ledgers import *  # noqa: F403
