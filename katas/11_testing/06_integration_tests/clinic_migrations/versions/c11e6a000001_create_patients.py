"""create patients

Revision ID: c11e6a000001
Revises:
Create Date: 2026-11-02 09:00:00.000000

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "c11e6a000001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("full_name", sa.String(120), nullable=False),
        sa.Column("email", sa.String(200), nullable=False, unique=True),
        sa.Column("born_on", sa.Date, nullable=False),
        # Rules the database keeps and the models do not repeat: only a migrated database has them.
        sa.CheckConstraint("email = lower(email)", name="ck_patients_email_lowercase"),
        sa.CheckConstraint("born_on >= '1900-01-01'", name="ck_patients_born_on"),
    )


def downgrade() -> None:
    op.drop_table("patients")
