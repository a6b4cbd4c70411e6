"""civic loop: citizens' ideas and their votes (visits kept only as keyed hashes), measures to evaluate, and
the server's keys

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString
from alembic import op

import store.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idea",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office", AutoString(length=64), nullable=False),
        sa.Column("text", AutoString(length=500), nullable=False),
        sa.Column("language", AutoString(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("state", AutoString(length=16), nullable=False),
        sa.Column("answer", AutoString(length=1000), nullable=True),
        sa.Column("answered_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.Column("visit", AutoString(length=64), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("hidden_reason", AutoString(length=500), nullable=True),
        sa.Column("moderated_by", AutoString(length=64), nullable=True),
        sa.Column("moderated_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["office"], ["office.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_idea_office_hidden", "idea", ["office", "hidden"], unique=False)
    op.create_index(op.f("ix_idea_visit"), "idea", ["visit"], unique=False)
    op.create_table(
        "idea_vote",
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("visit", AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(["idea_id"], ["idea.id"]),
        sa.PrimaryKeyConstraint("idea_id", "visit"),
    )
    op.create_table(
        "measure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office", AutoString(length=64), nullable=False),
        sa.Column("title", AutoString(length=200), nullable=False),
        sa.Column("description", AutoString(length=2000), nullable=True),
        sa.Column("kind", AutoString(length=16), nullable=False),
        sa.Column("started", sa.Date(), nullable=False),
        sa.Column("ended", sa.Date(), nullable=True),
        sa.Column("setting", sa.JSON(), nullable=True),
        sa.Column("expected", sa.JSON(), nullable=True),
        sa.Column("created_by", AutoString(length=64), nullable=True),
        sa.Column("created_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["office"], ["office.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_measure_office"), "measure", ["office"], unique=False)
    op.create_table(
        "server_key",
        sa.Column("name", AutoString(length=32), nullable=False),
        sa.Column("value", AutoString(length=128), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("server_key")
    op.drop_index(op.f("ix_measure_office"), table_name="measure")
    op.drop_table("measure")
    op.drop_table("idea_vote")
    op.drop_index(op.f("ix_idea_visit"), table_name="idea")
    op.drop_index("ix_idea_office_hidden", table_name="idea")
    op.drop_table("idea")
