"""Xentral's webhooks as the lifecycle's first source: our subscription, the receiver, the queue, the worker.

`intake` verifies and queues what Xentral sends (`POST /api/xentral/{instance}/events`); `worker`
turns queued events into `lifecycle.Observation`s (`translation`, ids by `ids.rest_id`);
`subscription` keeps exactly one subscription of ours per instance (`repair`: checked periodically in
`serve`); `health` tells the poller whether an instance's events can be relied on. Ports in `ports`;
adapters in `store/` and `xentral/`.
"""

from .health import EventHealth, EventsStatus, StoredEventHealth
from .ids import NotAnId, rest_id
from .intake import EventReceipt, XentralEventIntake, XentralEventRefused
from .repair import SubscriptionRepair
from .subscription import SubscriptionKeeper, SubscriptionReport, receiver_url
from .translation import SUBSCRIBED_EVENTS, translate
from .worker import EventWorker

__all__ = [
    "SUBSCRIBED_EVENTS",
    "EventHealth",
    "EventReceipt",
    "EventWorker",
    "EventsStatus",
    "NotAnId",
    "StoredEventHealth",
    "SubscriptionKeeper",
    "SubscriptionRepair",
    "SubscriptionReport",
    "XentralEventIntake",
    "XentralEventRefused",
    "receiver_url",
    "rest_id",
    "translate",
]
