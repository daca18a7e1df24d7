"""Order tracking after the import: the tracked orders, their lifecycle changes, the poll's lease per instance.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from unified_order_api.store.tables import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_tracking",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(255), nullable=False),
        sa.Column("instance", sa.String(64), nullable=False),
        sa.Column("sales_order_id", sa.String(32), nullable=False),
        sa.Column("order_number", sa.String(64)),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("held_reasons", sa.JSON, nullable=False),
        sa.Column("shipments", sa.JSON, nullable=False),
        sa.Column("side_observed_at", UtcDateTime()),
        sa.Column("open", sa.Boolean, nullable=False),
        sa.Column("track_until", UtcDateTime(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("observed_at", UtcDateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_order_tracking"),
        sa.UniqueConstraint("client", "reference", name="uq_order_tracking_client_reference"),
    )
    op.create_index("ix_order_tracking_order", "order_tracking", ["instance", "sales_order_id"])
    op.create_index("ix_order_tracking_open", "order_tracking", ["open", "instance", "track_until"])
    op.create_table(
        "lifecycle_changes",
        sa.Column("change_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tracking_id", sa.Integer, nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(255), nullable=False),
        sa.Column("instance", sa.String(64), nullable=False),
        sa.Column("sales_order_id", sa.String(32), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("previous_state", sa.String(32)),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("shipment", sa.JSON),
        sa.Column("held_reasons", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("change_id", name="pk_lifecycle_changes"),
        sa.ForeignKeyConstraint(
            ["tracking_id"],
            ["order_tracking.id"],
            name="fk_lifecycle_changes_tracking_id_order_tracking",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_lifecycle_changes_client", "lifecycle_changes", ["client", "change_id"])
    op.create_index("ix_lifecycle_changes_tracking", "lifecycle_changes", ["tracking_id", "change_id"])
    op.create_index("ix_lifecycle_changes_at", "lifecycle_changes", ["at"])
    op.create_table(
        "tracking_polls",
        sa.Column("instance", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("lease_until", UtcDateTime(), nullable=False),
        sa.Column("polled_until", UtcDateTime()),
        sa.Column("last_poll_at", UtcDateTime()),
        sa.Column("calls", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("instance", name="pk_tracking_polls"),
    )


def downgrade() -> None:
    op.drop_table("tracking_polls")
    op.drop_index("ix_lifecycle_changes_at", table_name="lifecycle_changes")
    op.drop_index("ix_lifecycle_changes_tracking", table_name="lifecycle_changes")
    op.drop_index("ix_lifecycle_changes_client", table_name="lifecycle_changes")
    op.drop_table("lifecycle_changes")
    op.drop_index("ix_order_tracking_open", table_name="order_tracking")
    op.drop_index("ix_order_tracking_order", table_name="order_tracking")
    op.drop_table("order_tracking")
