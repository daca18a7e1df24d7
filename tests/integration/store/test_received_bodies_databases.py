"""The tests of the received bodies (`tests/unit/store/test_received_bodies.py`), the inbox store and its shared
budget (`tests/unit/inbox/test_inbox_store.py`, `test_shared_limits.py`), run there in memory, on a SQLite file
and on PostgreSQL."""

from tests.unit.inbox.test_inbox_store import *  # noqa: F403
from tests.unit.inbox.test_shared_limits import *  # noqa: F403
from tests.unit.store.test_received_bodies import *  # noqa: F403
