"""Shop write-back: the shop's ids of each shop order, the durable write-back jobs, their attempts, the feed cursor.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from unified_order_api.store.tables import UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shop_orders",
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("shop_order_id", sa.String(255), nullable=False),
        sa.Column("delivery_id", sa.String(255)),
        sa.Column("lines", sa.JSON, nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("client", "reference", name="pk_shop_orders"),
    )
    op.create_table(
        "write_back_jobs",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("job_key", sa.String(128), nullable=False),
        sa.Column("cause", sa.Text, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("give_up_at", UtcDateTime(), nullable=False),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("claim_until", UtcDateTime()),
        sa.Column("mark", sa.JSON),
        sa.Column("outcome", sa.Text),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_write_back_jobs"),
        sa.UniqueConstraint("client", "reference", "job_key", name="uq_write_back_jobs_client_reference_job_key"),
    )
    op.create_index("ix_write_back_jobs_due", "write_back_jobs", ["state", "next_attempt_at"])
    op.create_table(
        "write_back_attempts",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("job_id", sa.Integer, nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("status", sa.Integer),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("worker", sa.String(128)),
        sa.Column("duration_ms", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="pk_write_back_attempts"),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["write_back_jobs.id"],
            name="fk_write_back_attempts_job_id_write_back_jobs",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_write_back_attempts_job", "write_back_attempts", ["job_id"])
    op.create_table(
        "write_back_cursor",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("after_change_id", sa.Integer, nullable=False),
        sa.Column("owner", sa.String(128), nullable=False),
        sa.Column("lease_until", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_write_back_cursor"),
    )


def downgrade() -> None:
    op.drop_table("write_back_cursor")
    op.drop_index("ix_write_back_attempts_job", table_name="write_back_attempts")
    op.drop_table("write_back_attempts")
    op.drop_index("ix_write_back_jobs_due", table_name="write_back_jobs")
    op.drop_table("write_back_jobs")
    op.drop_table("shop_orders")
