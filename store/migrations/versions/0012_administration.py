"""administration: the audit log of an office's set-up, and the language each staff member chose

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString
from alembic import op

import store.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office", AutoString(length=64), nullable=False),
        sa.Column("at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", AutoString(length=200), nullable=False),
        sa.Column("action", AutoString(length=32), nullable=False),
        sa.Column("target", AutoString(length=64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["office"], ["office.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_office_id", "audit", ["office", "id"], unique=False)
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("language", AutoString(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("language")
    op.drop_index("ix_audit_office_id", table_name="audit")
    op.drop_table("audit")
