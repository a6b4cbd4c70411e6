"""timed return: an office may offer it, a ticket remembers when its holder comes back

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("office") as batch:
        batch.add_column(sa.Column("timed_return", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("ticket") as batch:
        batch.add_column(sa.Column("return_at", store.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket") as batch:
        batch.drop_column("return_at")
    with op.batch_alter_table("office") as batch:
        batch.drop_column("timed_return")
