"""bikes in service

Revision ID: e61a0c5d9f27
# BEGIN SOLUTION
Revises: 2b8d6e0f4a91
# END SOLUTION
# BEGIN STUB
# Revises: (task 1: the revision this one comes after)
# END STUB
Create Date: 2026-06-10 09:47:03.115640

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "e61a0c5d9f27"
# BEGIN SOLUTION
down_revision: str | None = "2b8d6e0f4a91"  # comes right after "create bikes"
# END SOLUTION
# BEGIN STUB
# down_revision: str | None = None  # TODO: the id of the revision this one comes after
# END STUB
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add bikes.in_service and the index ix_bikes_model (see README, task 3)."""
    # BEGIN SOLUTION
    # NOT NULL on a table that already has rows: the server default gives them a value (and
    # every later INSERT that does not say otherwise).
    op.add_column("bikes", sa.Column("in_service", sa.Boolean, nullable=False, server_default=sa.true()))
    op.create_index("ix_bikes_model", "bikes", ["model"])
    # END SOLUTION


def downgrade() -> None:
    """Undo upgrade(): the database is then exactly as "create bikes" left it, rows included."""
    # BEGIN SOLUTION
    op.drop_index("ix_bikes_model", table_name="bikes")
    op.drop_column("bikes", "in_service")
    # END SOLUTION
