"""Customer creation claims remember a lost answer: the next order searches before creating.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customer_creations") as batch:
        batch.add_column(sa.Column("outcome_unknown", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("customer_creations") as batch:
        batch.drop_column("outcome_unknown")
