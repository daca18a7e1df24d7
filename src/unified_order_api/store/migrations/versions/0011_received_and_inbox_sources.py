"""The body an accepted order arrived with (masked, capped), and the inbox's shared recording budget.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("order_attempts", sa.Column("received", sa.JSON))
    op.create_table(
        "inbox_sources",
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("window_minute", sa.Integer, nullable=False),
        sa.Column("used", sa.Integer, nullable=False),
        sa.Column("suppressed", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("source", name="pk_inbox_sources"),
    )


def downgrade() -> None:
    op.drop_table("inbox_sources")
    op.drop_column("order_attempts", "received")
