"""Refunds the shops made after the import, recorded on the order (orders/refunds.py).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from unified_order_api.store.tables import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_refunds",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(255), nullable=False),
        sa.Column("refund_id", sa.String(255), nullable=False),
        sa.Column("amount", sa.String(32), nullable=False),
        sa.Column("currency", sa.String(3)),
        sa.Column("reason", sa.Text()),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("refunded_at", UtcDateTime()),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_order_refunds"),
        sa.UniqueConstraint("client", "reference", "refund_id", name="uq_order_refunds_client_reference_refund_id"),
    )


def downgrade() -> None:
    op.drop_table("order_refunds")
