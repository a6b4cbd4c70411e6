"""clerk terminal: services chosen per counter, recall rules before a no-show

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("office") as batch:
        batch.add_column(sa.Column("clerks_choose_services", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("no_show_min_recalls", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("no_show_delay_s", sa.Integer(), nullable=False, server_default="60"))
    with op.batch_alter_table("counter") as batch:
        batch.add_column(sa.Column("serving", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("counter") as batch:
        batch.drop_column("serving")
    with op.batch_alter_table("office") as batch:
        batch.drop_column("no_show_delay_s")
        batch.drop_column("no_show_min_recalls")
        batch.drop_column("clerks_choose_services")
