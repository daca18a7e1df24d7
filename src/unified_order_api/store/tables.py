"""The database schema: order attempts (idempotency + progress), the webhook outbox and its attempts, the inbox.

Alembic migrations in `migrations/` create exactly these tables; this module is what the
repositories query. Times are stored in UTC and always read back timezone-aware.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timestamp that is UTC-aware in Python on every backend (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s_%(column_1_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

order_attempts = Table(
    "order_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client", String(64), nullable=False),
    Column("idempotency_key", String(255), nullable=False),
    Column("reference", String(255), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("state", String(32), nullable=False),
    Column("owner", String(64), nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("lease_until", UtcDateTime(), nullable=False),
    Column("customer_identity", String(512)),
    Column("customer_id", String(32)),
    Column("customer_number", String(64)),
    Column("customer_created", Boolean, nullable=False, default=False),
    Column("order_id", String(32)),
    Column("receipt", JSON),
    Column("error", JSON),
    Column("steps", JSON, nullable=False),
    Column("request", JSON),
    # The request as it first arrived, kept once an operator retried the order with a corrected one (migration 0007).
    Column("original_request", JSON),
    # The body as it arrived ({"body", "bytes", "truncated"}: masked and capped as the inbox keeps one), beside
    # the normalised `request` (migration 0011); cleared after the inbox's retention.
    Column("received", JSON(none_as_null=True)),
    Column("queued", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("client", "idempotency_key"),
    UniqueConstraint("client", "reference"),
    Index("ix_order_attempts_state_updated", "state", "updated_at"),
    Index("ix_order_attempts_queue", "queued", "state", "id"),
    Index("ix_order_attempts_order_id", "order_id"),  # whose order is this? (migration 0004)
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("client", String(64), nullable=False),
    Column("url", Text, nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempt_count", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("claimed_by", String(64)),
    Column("claim_until", UtcDateTime()),
    Column("last_status", Integer),
    Column("last_error", Text),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("delivered_at", UtcDateTime()),
    Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("delivery_id", Integer, ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), nullable=False),
    Column("attempted_at", UtcDateTime(), nullable=False),
    Column("status_code", Integer),
    Column("error", Text),
    Column("duration_ms", Integer, nullable=False),
    Index("ix_webhook_attempts_delivery", "delivery_id"),
)

customer_creations = Table(
    "customer_creations",
    metadata,
    # Who is creating the Xentral customer with this email right now: one order at a time, across
    # every process sharing the database, so two simultaneous first orders make one customer.
    # Once created, the row remembers the customer for a while, for orders that searched before it existed.
    Column("identity", String(320), primary_key=True),
    Column("owner", String(64), nullable=False),
    Column("lease_until", UtcDateTime(), nullable=False),
    Column("customer_id", String(32)),
    # The last creation's answer was lost: it may have made the customer, so nobody creates
    # before searching Xentral for it (migration 0003).
    Column("outcome_unknown", Boolean, nullable=False, default=False, server_default=false()),
)

order_tracking = Table(
    "order_tracking",
    metadata,
    # One order this service created or found, followed after its import (lifecycle/): its state, its
    # shipments, until it is final or `track_until` passes (migration 0005).
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client", String(64), nullable=False),
    Column("reference", String(255), nullable=False),
    Column("instance", String(64), nullable=False),
    Column("sales_order_id", String(32), nullable=False),
    Column("order_number", String(64)),
    Column("state", String(32), nullable=False),
    Column("held_reasons", JSON, nullable=False),
    Column("shipments", JSON, nullable=False),
    Column("side_observed_at", UtcDateTime()),
    Column("open", Boolean, nullable=False),
    Column("track_until", UtcDateTime(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("observed_at", UtcDateTime()),
    UniqueConstraint("client", "reference"),
    Index("ix_order_tracking_order", "instance", "sales_order_id"),
    Index("ix_order_tracking_open", "open", "instance", "track_until"),
)

lifecycle_changes = Table(
    "lifecycle_changes",
    metadata,
    # Each step of a tracked order's story, once, in commit order of `change_id` (the change feed).
    Column("change_id", Integer, primary_key=True, autoincrement=True),
    Column("tracking_id", Integer, ForeignKey("order_tracking.id", ondelete="CASCADE"), nullable=False),
    Column("client", String(64), nullable=False),
    Column("reference", String(255), nullable=False),
    Column("instance", String(64), nullable=False),
    Column("sales_order_id", String(32), nullable=False),
    Column("state", String(32), nullable=False),
    Column("previous_state", String(32)),
    Column("at", UtcDateTime(), nullable=False),
    Column("source", String(16), nullable=False),
    Column("shipment", JSON),
    Column("held_reasons", JSON, nullable=False),
    Index("ix_lifecycle_changes_client", "client", "change_id"),
    Index("ix_lifecycle_changes_tracking", "tracking_id", "change_id"),
    Index("ix_lifecycle_changes_at", "at"),
)

tracking_polls = Table(
    "tracking_polls",
    metadata,
    # Per Xentral instance: who polls it (under a lease), and up to when its changes were read.
    Column("instance", String(64), primary_key=True),
    Column("owner", String(64), nullable=False),
    Column("lease_until", UtcDateTime(), nullable=False),
    Column("polled_until", UtcDateTime()),
    Column("last_poll_at", UtcDateTime()),
    Column("calls", Integer, nullable=False, default=0),
)

inbox_entries = Table(
    "inbox_entries",
    metadata,
    # A request to the order or shop endpoints that was refused (4xx) or ignored, as it arrived: its body
    # masked and capped, the problem it was answered with, and the operators' replays of it (migration 0006).
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("channel", String(16), nullable=False),  # "orders" (POST /api/orders) or "shop" (/api/shops/…)
    Column("client", String(64)),  # the authenticated client, or the client a shop's URL names
    Column("shop", String(32)),
    Column("source", String(64), nullable=False),  # the sender's address, what the recording is rate-limited by
    Column("path", String(512), nullable=False),
    Column("status", Integer, nullable=False),
    Column("outcome", String(16), nullable=False),  # "refused" or "ignored"
    Column("code", String(64), nullable=False),
    Column("detail", Text),
    Column("errors", JSON),
    Column("reference", String(255)),
    Column("request_id", String(128)),
    Column("headers", JSON, nullable=False),
    Column("body", Text, nullable=False),
    Column("body_bytes", Integer, nullable=False),
    Column("body_truncated", Boolean, nullable=False),
    Column("suppressed_before", Integer, nullable=False),  # entries of this source not recorded just before
    Column("replays", JSON, nullable=False),
    Index("ix_inbox_entries_received_at", "received_at"),
    Index("ix_inbox_entries_client_received", "client", "received_at"),
)

inbox_sources = Table(
    "inbox_sources",
    metadata,
    # The inbox's recording budget per sender, shared by every process on this database (migration 0011): the
    # minute `window_minute` (minutes since the epoch) and the entries `used` in it, and the entries not recorded since
    # the sender's last one. The row with source "*" counts every sender's entries together.
    Column("source", String(64), primary_key=True),
    Column("window_minute", Integer, nullable=False),
    Column("used", Integer, nullable=False),
    Column("suppressed", Integer, nullable=False),
)

order_refunds = Table(
    "order_refunds",
    metadata,
    # A shop's refund recorded on one of a client's orders (orders/refunds.py; migration 0008). The
    # unique constraint is what makes a refund delivered twice recorded once.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client", String(64), nullable=False),
    Column("reference", String(255), nullable=False),
    Column("refund_id", String(255), nullable=False),
    Column("amount", String(32), nullable=False),  # a Decimal's digits, exact on every backend
    Column("currency", String(3)),
    Column("reason", Text),
    Column("lines", JSON, nullable=False),
    Column("source", String(32), nullable=False),
    Column("refunded_at", UtcDateTime()),
    Column("recorded_at", UtcDateTime(), nullable=False),
    UniqueConstraint("client", "reference", "refund_id", name="uq_order_refunds_client_reference_refund_id"),
)

xentral_events = Table(
    "xentral_events",
    metadata,
    # Xentral's verified events, queued for the event worker (migration 0009). `event_key` is the
    # SHA-256 of type and canonical body: a repeated delivery is one row, handled once.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("instance", String(64), nullable=False),
    Column("event_key", String(64), nullable=False),
    Column("event_type", String(128), nullable=False),
    Column("body", JSON, nullable=False),
    Column("state", String(16), nullable=False),  # pending, done, failed
    Column("outcome", String(32)),  # observed, untracked, ignored, unresolved, malformed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("claimed_by", String(64)),
    Column("claim_until", UtcDateTime()),
    Column("last_error", Text),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("handled_at", UtcDateTime()),
    UniqueConstraint("instance", "event_key"),
    Index("ix_xentral_events_due", "state", "next_attempt_at"),
)

xentral_subscriptions = Table(
    "xentral_subscriptions",
    metadata,
    # Our webhook subscription per Xentral instance (migration 0009): the signature key we generated
    # (never logged or shown), the subscription's id at Xentral, what the last check saw, and the
    # last verified event (the events' health). `lease_*`: one process repairs at a time.
    Column("instance", String(64), primary_key=True),
    Column("signature_key", Text, nullable=False),
    Column("webhook_id", String(32)),
    Column("url", Text),
    Column("events", JSON),
    Column("checked_at", UtcDateTime()),
    Column("problem", Text),
    Column("last_event_at", UtcDateTime()),
    Column("lease_owner", String(64)),
    Column("lease_until", UtcDateTime()),
    Column("created_at", UtcDateTime(), nullable=False),
)

shop_orders = Table(
    "shop_orders",
    metadata,
    # The shop's own ids of an order that arrived through a shop endpoint (migration 0010): what the
    # write-back lane addresses the shop's API with. Kept at the arrival, before the order is queued.
    Column("client", String(64), primary_key=True),
    Column("reference", String(255), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("shop_order_id", String(255), nullable=False),
    Column("delivery_id", String(255)),
    Column("lines", JSON, nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
)

write_back_jobs = Table(
    "write_back_jobs",
    metadata,
    # One thing to tell one shop about one order (write_back/; migration 0010). `job_key` makes a change
    # or a request seen twice one job; `mark` is what the adapter saw before it wrote (a lost answer's
    # next try tells its own write by it); claims are leases as in the other queues.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client", String(64), nullable=False),
    Column("reference", String(255), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("job_key", String(128), nullable=False),
    Column("cause", Text, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("state", String(16), nullable=False),  # pending, done, dead
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("give_up_at", UtcDateTime(), nullable=False),
    Column("claimed_by", String(64)),
    Column("claim_until", UtcDateTime()),
    Column("mark", JSON),
    Column("outcome", Text),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("client", "reference", "job_key", name="uq_write_back_jobs_client_reference_job_key"),
    Index("ix_write_back_jobs_due", "state", "next_attempt_at"),
)

write_back_attempts = Table(
    "write_back_attempts",
    metadata,
    # Each try of a job and the shop's answer, and each operator's redelivery.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", Integer, ForeignKey("write_back_jobs.id", ondelete="CASCADE"), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("status", Integer),
    Column("answer", Text, nullable=False),
    Column("worker", String(128)),
    Column("duration_ms", Integer),
    Index("ix_write_back_attempts_job", "job_id"),
)

write_back_cursor = Table(
    "write_back_cursor",
    metadata,
    # How far the write-back lane has read the lifecycle's change feed: one row per deployment (`name`),
    # read by one process at a time under a lease.
    Column("name", String(32), primary_key=True),
    Column("after_change_id", Integer, nullable=False),
    Column("owner", String(128), nullable=False),
    Column("lease_until", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

shop_cancellations = Table(
    "shop_cancellations",
    metadata,
    # A shop's cancellation of one of a client's orders and what became of it (orders/cancellations.py;
    # migration 0012): one row per order, written `pending` before Xentral is asked, final after.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client", String(64), nullable=False),
    Column("reference", String(255), nullable=False),
    Column("source", String(32), nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("detail", Text, nullable=False),
    Column("reason", Text),
    Column("xentral_status", String(64)),
    Column("cancelled_at", UtcDateTime()),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("decided_at", UtcDateTime()),
    UniqueConstraint("client", "reference", name="uq_shop_cancellations_client_reference"),
)

shop_order_changes = Table(
    "shop_order_changes",
    metadata,
    # A shop's change to an order after its import (an address, the lines), recorded, never sent to
    # Xentral (orders/amendments.py; migration 0012). `digest` is the new request's fingerprint: the same
    # change delivered twice is one row.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client", String(64), nullable=False),
    Column("reference", String(255), nullable=False),
    Column("source", String(32), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("changes", JSON, nullable=False),
    Column("lifecycle_state", String(32)),
    Column("received_at", UtcDateTime(), nullable=False),
    UniqueConstraint("client", "reference", "digest", name="uq_shop_order_changes_client_reference_digest"),
)

alert_claims = Table(
    "alert_claims",
    metadata,
    # Which process sends an alert repeated in every process (a token reminder, access denied, an unresolved
    # order): the first to insert (kind, group_key, window_start) sends it, the others drop their repeat
    # (alerts/grouping.py; migration 0013). Rows older than a few days are deleted as claims go in.
    Column("kind", String(64), primary_key=True),
    Column("group_key", String(255), primary_key=True),
    Column("window_start", UtcDateTime(), primary_key=True),
    Column("claimed_at", UtcDateTime(), nullable=False),
)
