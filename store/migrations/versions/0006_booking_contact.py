"""booking contact, manage token, reminders and purge; service checklists; walk-in share per hour

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString
from alembic import op

import store.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("office") as batch:
        batch.add_column(sa.Column("walk_in_by_hour", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("service") as batch:
        batch.add_column(sa.Column("checklist", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("booking") as batch:
        batch.add_column(sa.Column("name", AutoString(length=200), nullable=True))
        batch.add_column(sa.Column("email", AutoString(length=254), nullable=True))
        batch.add_column(sa.Column("phone", AutoString(length=32), nullable=True))
        batch.add_column(
            sa.Column("remind_via", AutoString(length=8), nullable=False, server_default="none")
        )
        batch.add_column(sa.Column("manage_token", AutoString(length=64), nullable=True))
        batch.add_column(sa.Column("created_at", store.types.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("reminded_at", store.types.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("erased_at", store.types.UTCDateTime(timezone=True), nullable=True))
        batch.create_unique_constraint("uq_booking_manage_token", ["manage_token"])


def downgrade() -> None:
    with op.batch_alter_table("booking") as batch:
        batch.drop_constraint("uq_booking_manage_token", type_="unique")
        for column in ("erased_at", "reminded_at", "created_at", "manage_token", "remind_via", "phone", "email", "name"):
            batch.drop_column(column)
    with op.batch_alter_table("service") as batch:
        batch.drop_column("checklist")
    with op.batch_alter_table("office") as batch:
        batch.drop_column("walk_in_by_hour")
