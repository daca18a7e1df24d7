"""Xentral's events: the queue of verified events and our subscription per instance.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from unified_order_api.store.tables import UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "xentral_events",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("instance", sa.String(64), nullable=False),
        sa.Column("event_key", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(128), nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(32)),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("claim_until", UtcDateTime()),
        sa.Column("last_error", sa.Text),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("handled_at", UtcDateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_xentral_events"),
        sa.UniqueConstraint("instance", "event_key", name="uq_xentral_events_instance_event_key"),
    )
    op.create_index("ix_xentral_events_due", "xentral_events", ["state", "next_attempt_at"])
    op.create_table(
        "xentral_subscriptions",
        sa.Column("instance", sa.String(64), nullable=False),
        sa.Column("signature_key", sa.Text, nullable=False),
        sa.Column("webhook_id", sa.String(32)),
        sa.Column("url", sa.Text),
        sa.Column("events", sa.JSON),
        sa.Column("checked_at", UtcDateTime()),
        sa.Column("problem", sa.Text),
        sa.Column("last_event_at", UtcDateTime()),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_until", UtcDateTime()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("instance", name="pk_xentral_subscriptions"),
    )


def downgrade() -> None:
    op.drop_table("xentral_subscriptions")
    op.drop_index("ix_xentral_events_due", table_name="xentral_events")
    op.drop_table("xentral_events")
