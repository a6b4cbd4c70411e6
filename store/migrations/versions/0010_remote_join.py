"""remote join: tickets of citizens who join the queue from elsewhere (code, trip, when to come, when they
arrived) and the office's keys for it

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString
from alembic import op

import store.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (both databases have it): a batch would copy and drop `office`, which SQLite refuses
    # while tickets point at it.
    op.add_column("ticket", sa.Column("code", AutoString(length=16), nullable=True))
    op.add_column("ticket", sa.Column("travel_s", sa.Integer(), nullable=True))
    op.add_column("ticket", sa.Column("come_at", store.types.UTCDateTime(timezone=True), nullable=True))
    op.add_column("ticket", sa.Column("arrived_at", store.types.UTCDateTime(timezone=True), nullable=True))
    op.add_column("ticket", sa.Column("told_come", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("office", sa.Column("remote_join", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column("office", sa.Column("remote_share_max", sa.Float(), nullable=False, server_default="0.5"))
    op.add_column("office", sa.Column("remote_grace_min", sa.Integer(), nullable=False, server_default="10"))


def downgrade() -> None:
    with op.batch_alter_table("office") as batch:
        for column in ("remote_grace_min", "remote_share_max", "remote_join"):
            batch.drop_column(column)
    with op.batch_alter_table("ticket") as batch:
        for column in ("told_come", "arrived_at", "come_at", "travel_s", "code"):
            batch.drop_column(column)
