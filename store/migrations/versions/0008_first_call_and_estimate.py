"""first call and announced estimate: the wait runs to the first call, the estimate told at issue is kept

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ANNOUNCED = ("announced_wait_s", "announced_low_s", "announced_high_s")


def upgrade() -> None:
    with op.batch_alter_table("ticket") as batch:
        batch.add_column(sa.Column("first_called_at", store.types.UTCDateTime(timezone=True), nullable=True))
        for column in _ANNOUNCED:
            batch.add_column(sa.Column(column, sa.Integer(), nullable=True))
    # Earlier tickets only know their last call: the best there is.
    op.execute("UPDATE ticket SET first_called_at = called_at WHERE first_called_at IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("ticket") as batch:
        for column in (*reversed(_ANNOUNCED), "first_called_at"):
            batch.drop_column(column)
