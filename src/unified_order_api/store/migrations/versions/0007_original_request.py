"""The request an order arrived with, kept when an operator retries it with a corrected one.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("order_attempts", sa.Column("original_request", sa.JSON))


def downgrade() -> None:
    op.drop_column("order_attempts", "original_request")
