"""The refund ledger's contract (`tests/unit/store/test_refund_ledger.py`, run there in memory) on a SQLite
file and on PostgreSQL: the same tests, with this directory's `engine` and `store`."""

from tests.unit.store.test_refund_ledger import *  # noqa: F403
