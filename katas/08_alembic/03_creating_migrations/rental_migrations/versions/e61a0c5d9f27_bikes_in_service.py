"""bikes in service

Revision ID: e61a0c5d9f27
Revises: (task 1: the revision this one comes after)
Create Date: 2026-06-10 09:47:03.115640

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "e61a0c5d9f27"
down_revision: str | None = None  # TODO: the id of the revision this one comes after
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add bikes.in_service and the index ix_bikes_model (see README, task 3)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def downgrade() -> None:
    """Undo upgrade(): the database is then exactly as "create bikes" left it, rows included."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
