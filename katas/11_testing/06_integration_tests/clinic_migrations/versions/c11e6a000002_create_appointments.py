"""create appointments

Revision ID: c11e6a000002
Revises: c11e6a000001
Create Date: 2026-11-09 09:00:00.000000

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "c11e6a000002"
down_revision: str | None = "c11e6a000001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("patient_id", sa.Integer, sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("starts_at", sa.DateTime, nullable=False),
        sa.Column("minutes", sa.Integer, nullable=False),
        sa.CheckConstraint("minutes BETWEEN 10 AND 120", name="ck_appointments_minutes"),
    )
    op.create_index("ix_appointments_patient_id", "appointments", ["patient_id"])


def downgrade() -> None:
    op.drop_index("ix_appointments_patient_id", table_name="appointments")
    op.drop_table("appointments")
