"""The claims that make an alert repeated in every process one message (alerts/grouping.py, store/alert_claims.py).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from unified_order_api.store.tables import UtcDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_claims",
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("group_key", sa.String(255), nullable=False),
        sa.Column("window_start", UtcDateTime(), nullable=False),
        sa.Column("claimed_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "group_key", "window_start", name="pk_alert_claims"),
    )


def downgrade() -> None:
    op.drop_table("alert_claims")
