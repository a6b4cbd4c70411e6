"""abuse limits: a ticket takes one contact once and each notice goes once; an hourly sending budget per
office; booking contacts compared in one form (e-mail lower case)

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString
from alembic import op

import store.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ticket") as batch:
        batch.add_column(sa.Column("notified_now", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("contact_given", sa.Boolean(), nullable=False, server_default=sa.false()))
    # A ticket that holds an address now was given one: it keeps that one.
    op.execute(
        "UPDATE ticket SET contact_given = TRUE WHERE notify_email IS NOT NULL OR notify_phone IS NOT NULL"
    )
    op.create_table(
        "message_count",
        sa.Column("office", AutoString(length=64), nullable=False),
        sa.Column("hour", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("withheld", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["office"], ["office.id"]),
        sa.PrimaryKeyConstraint("office", "hour"),
    )
    # The booking cap compares addresses as written; written in one form from now on, so the old ones too.
    op.execute("UPDATE booking SET email = LOWER(TRIM(email)) WHERE email IS NOT NULL")


def downgrade() -> None:
    op.drop_table("message_count")
    with op.batch_alter_table("ticket") as batch:
        batch.drop_column("contact_given")
        batch.drop_column("notified_now")
