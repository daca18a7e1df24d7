"""The shops' cancellations of orders we hold, and their changes to them (orders/cancellations.py, amendments.py).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from unified_order_api.store.tables import UtcDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shop_cancellations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(255), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("xentral_status", sa.String(64)),
        sa.Column("cancelled_at", UtcDateTime()),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("decided_at", UtcDateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_shop_cancellations"),
        sa.UniqueConstraint("client", "reference", name="uq_shop_cancellations_client_reference"),
    )
    op.create_table(
        "shop_order_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(255), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("lifecycle_state", sa.String(32)),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_shop_order_changes"),
        sa.UniqueConstraint("client", "reference", "digest", name="uq_shop_order_changes_client_reference_digest"),
    )


def downgrade() -> None:
    op.drop_table("shop_order_changes")
    op.drop_table("shop_cancellations")
