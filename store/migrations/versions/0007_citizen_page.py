"""citizen page: running late, the happiness question (anonymous answers), walk-in notifications

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("office") as batch:
        batch.add_column(sa.Column("late_places", sa.Integer(), nullable=False, server_default="3"))
        batch.add_column(sa.Column("improvements", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("happiness_at_kiosk", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("notify_before_min", sa.Integer(), nullable=False, server_default="10"))
    with op.batch_alter_table("ticket") as batch:
        batch.add_column(sa.Column("ran_late", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("surveyed", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("notify_email", AutoString(length=254), nullable=True))
        batch.add_column(sa.Column("notify_phone", AutoString(length=32), nullable=True))
        batch.add_column(sa.Column("notified_soon", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "happiness",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office", AutoString(length=64), nullable=False),
        sa.Column("service", AutoString(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("improvements", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["office"], ["office.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("happiness") as batch:
        batch.create_index("ix_happiness_office_day", ["office", "day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("happiness") as batch:
        batch.drop_index("ix_happiness_office_day")
    op.drop_table("happiness")
    with op.batch_alter_table("ticket") as batch:
        for column in ("notified_soon", "notify_phone", "notify_email", "surveyed", "ran_late"):
            batch.drop_column(column)
    with op.batch_alter_table("office") as batch:
        for column in ("notify_before_min", "happiness_at_kiosk", "improvements", "late_places"):
            batch.drop_column(column)
