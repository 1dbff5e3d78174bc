"""create bikes

Revision ID: 2b8d6e0f4a91
Revises: (task 1: the revision this one comes after)
Create Date: 2026-06-03 14:22:40.882113

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "2b8d6e0f4a91"
down_revision: str | None = None  # TODO: the id of the revision this one comes after
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the bikes table (see README, task 2) and its index ix_bikes_station_id."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def downgrade() -> None:
    """Undo upgrade(): the database is then exactly as "create stations" left it."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
