"""Shop write-back: what became of an order in Xentral, told to the shop it came from, as durable jobs.

The lane reads the lifecycle's change feed with its own cursor (`feed.py`), turns each shipment,
completion and Xentral cancellation of a shop order into a job (`jobs.py`), and runs the jobs against
the shop's API (`runner.py`, through `shop_apis.ShopApi`): retried with backoff, dead after a bounded
time, redelivered by an operator. Other parts of the service queue a note for the merchant through
`ShopNotes` (`requests.py`). The SQL adapters are `store/write_back.py` and `store/shop_orders.py`.
"""

from .jobs import cancel_note, jobs_of_change, note_job
from .model import JobAttempt, JobKind, JobState, NewJob, ShopOrderIds, WriteBackJob
from .ports import FeedCursor, ShopNotes, ShopOrderBook, WriteBackQueue
from .requests import WriteBackRequests

__all__ = [
    "FeedCursor",
    "JobAttempt",
    "JobKind",
    "JobState",
    "NewJob",
    "ShopNotes",
    "ShopOrderBook",
    "ShopOrderIds",
    "WriteBackJob",
    "WriteBackQueue",
    "WriteBackRequests",
    "cancel_note",
    "jobs_of_change",
    "note_job",
]
