"""create bikes

Revision ID: 2b8d6e0f4a91
# BEGIN SOLUTION
Revises: 9c4f2a7e1b03
# END SOLUTION
# BEGIN STUB
# Revises: (task 1: the revision this one comes after)
# END STUB
Create Date: 2026-06-03 14:22:40.882113

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "2b8d6e0f4a91"
# BEGIN SOLUTION
down_revision: str | None = "9c4f2a7e1b03"  # comes right after "create stations"
# END SOLUTION
# BEGIN STUB
# down_revision: str | None = None  # TODO: the id of the revision this one comes after
# END STUB
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the bikes table (see README, task 2) and its index ix_bikes_station_id."""
    # BEGIN SOLUTION
    op.create_table(
        "bikes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("serial", sa.String(30), nullable=False, unique=True),
        sa.Column("model", sa.String(60), nullable=False),
        sa.Column("station_id", sa.Integer, sa.ForeignKey("stations.id"), nullable=False),
    )
    # "Which bikes are at this station?" is the app's most frequent query.
    op.create_index("ix_bikes_station_id", "bikes", ["station_id"])
    # END SOLUTION


def downgrade() -> None:
    """Undo upgrade(): the database is then exactly as "create stations" left it."""
    # BEGIN SOLUTION
    # The reverse order of upgrade().
    op.drop_index("ix_bikes_station_id", table_name="bikes")
    op.drop_table("bikes")
    # END SOLUTION
