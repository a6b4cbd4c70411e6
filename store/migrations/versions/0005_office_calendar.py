"""office calendar: opening hours, closing days, walk-in share, slot lengths, and the seats of a slot

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString
from alembic import op

import store.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("office") as batch:
        batch.add_column(sa.Column("hours", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("closed_days", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("walk_in_share", sa.Float(), nullable=False, server_default="0.5"))
    with op.batch_alter_table("service") as batch:
        batch.add_column(sa.Column("slot_s", sa.Integer(), nullable=True))
    op.create_table(
        "booking_seat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office", AutoString(length=64), nullable=False),
        sa.Column("service", AutoString(length=8), nullable=False),
        sa.Column("slot_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seat_no", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["booking_id"], ["booking.id"]),
        sa.ForeignKeyConstraint(["office"], ["office.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("booking_id"),
        sa.UniqueConstraint("office", "service", "slot_at", "seat_no"),
    )


def downgrade() -> None:
    op.drop_table("booking_seat")
    with op.batch_alter_table("service") as batch:
        batch.drop_column("slot_s")
    with op.batch_alter_table("office") as batch:
        batch.drop_column("walk_in_share")
        batch.drop_column("closed_days")
        batch.drop_column("hours")
