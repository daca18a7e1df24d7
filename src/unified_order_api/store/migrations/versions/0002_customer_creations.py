"""Customer creation claims: one creation per new customer email across all instances.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from unified_order_api.store.tables import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_creations",
        sa.Column("identity", sa.String(320), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("lease_until", UtcDateTime(), nullable=False),
        sa.Column("customer_id", sa.String(32)),
        sa.PrimaryKeyConstraint("identity", name="pk_customer_creations"),
    )


def downgrade() -> None:
    op.drop_table("customer_creations")
