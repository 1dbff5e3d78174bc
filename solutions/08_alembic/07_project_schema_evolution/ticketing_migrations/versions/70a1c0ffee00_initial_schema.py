"""initial schema

Revision ID: 70a1c0ffee00
Revises: 
Create Date: 2026-10-01 09:00:00.000000

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "70a1c0ffee00"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("customer_email", sa.String(200), nullable=False),
        sa.Column("price", sa.String(20), nullable=False),  # "12.50": the old app kept prices as text
        sa.PrimaryKeyConstraint("id", name="pk_tickets"),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name="fk_tickets_event_id_events"),
    )


def downgrade() -> None:
    op.drop_table("tickets")
    op.drop_table("events")
