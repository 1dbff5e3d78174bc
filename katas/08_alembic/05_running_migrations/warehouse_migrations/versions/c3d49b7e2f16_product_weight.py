"""product weight

Revision ID: c3d49b7e2f16
Revises: 1a2be4f60d83
Create Date: 2026-08-03 10:00:00.000000

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "c3d49b7e2f16"
down_revision: str | None = "1a2be4f60d83"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("products", sa.Column("weight_grams", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("products") as batch_op:
        batch_op.drop_column("weight_grams")
