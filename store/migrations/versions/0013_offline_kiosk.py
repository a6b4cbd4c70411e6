"""offline kiosk: blocks of numbers reserved per kiosk, and tickets synced from a kiosk's offline journal

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import store.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "number_block",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office", AutoString(length=64), nullable=False),
        sa.Column("service", AutoString(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kiosk", AutoString(length=40), nullable=False),
        sa.Column("first", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.Column("reserved_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["office"], ["office.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("office", "service", "day", "first"),
    )
    op.create_index("ix_number_block_office_day_kiosk", "number_block", ["office", "day", "kiosk"], unique=False)
    with op.batch_alter_table("ticket") as batch:
        batch.add_column(sa.Column("offline", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("offline_note", AutoString(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket") as batch:
        batch.drop_column("offline_note")
        batch.drop_column("offline")
    op.drop_index("ix_number_block_office_day_kiosk", table_name="number_block")
    op.drop_table("number_block")
