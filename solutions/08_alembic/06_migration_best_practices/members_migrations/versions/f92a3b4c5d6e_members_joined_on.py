"""members joined on

Revision ID: f92a3b4c5d6e
Revises: d81e5f6a7b2c
Create Date: 2026-09-20 10:00:00.000000

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "f92a3b4c5d6e"
down_revision: str | None = "d81e5f6a7b2c"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("members", sa.Column("joined_on", sa.Date, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members") as batch_op:
        batch_op.drop_column("joined_on")
