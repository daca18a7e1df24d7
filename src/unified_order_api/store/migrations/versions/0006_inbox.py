"""The inbox: every request to the order and shop endpoints that was refused or ignored.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from unified_order_api.store.tables import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_entries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("client", sa.String(64)),
        sa.Column("shop", sa.String(32)),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text),
        sa.Column("errors", sa.JSON),
        sa.Column("reference", sa.String(255)),
        sa.Column("request_id", sa.String(128)),
        sa.Column("headers", sa.JSON, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("body_bytes", sa.Integer, nullable=False),
        sa.Column("body_truncated", sa.Boolean, nullable=False),
        sa.Column("suppressed_before", sa.Integer, nullable=False),
        sa.Column("replays", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_inbox_entries"),
    )
    op.create_index("ix_inbox_entries_received_at", "inbox_entries", ["received_at"])
    op.create_index("ix_inbox_entries_client_received", "inbox_entries", ["client", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_inbox_entries_client_received", table_name="inbox_entries")
    op.drop_index("ix_inbox_entries_received_at", table_name="inbox_entries")
    op.drop_table("inbox_entries")
