"""bookings: appointments booked for a slot, checked in at the kiosk with their code

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString
from alembic import op

import store.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "booking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office", AutoString(length=64), nullable=False),
        sa.Column("service", AutoString(length=8), nullable=False),
        sa.Column("code", AutoString(length=16), nullable=False),
        sa.Column("slot_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", AutoString(length=16), nullable=False),
        sa.Column("language", AutoString(length=8), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["office"], ["office.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("office", "code"),
    )
    with op.batch_alter_table("booking") as batch:
        batch.create_index("ix_booking_office_slot_at", ["office", "slot_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("booking") as batch:
        batch.drop_index("ix_booking_office_slot_at")
    op.drop_table("booking")
