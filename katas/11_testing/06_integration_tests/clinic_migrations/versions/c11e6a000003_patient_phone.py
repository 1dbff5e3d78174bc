"""patient phone

Revision ID: c11e6a000003
Revises: c11e6a000002
Create Date: 2026-11-16 09:00:00.000000

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "c11e6a000003"
down_revision: str | None = "c11e6a000002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("patients", sa.Column("phone", sa.String(30), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("patients") as batch:
        batch.drop_column("phone")
