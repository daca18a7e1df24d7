"""An index on the Xentral order id of attempts: an order found by reference is checked against
the clients this service made it for.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_order_attempts_order_id", "order_attempts", ["order_id"])


def downgrade() -> None:
    op.drop_index("ix_order_attempts_order_id", table_name="order_attempts")
