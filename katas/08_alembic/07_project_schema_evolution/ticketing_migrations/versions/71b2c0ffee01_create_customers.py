"""create customers

Revision ID: 71b2c0ffee01
Revises: 70a1c0ffee00
Create Date: 2026-10-02 09:00:00.000000

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "71b2c0ffee01"
down_revision: str | None = "70a1c0ffee00"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create customers (uq_customers_email) and the nullable tickets.customer_id that refers to it
    (fk_tickets_customer_id_customers). See README, task 1."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def downgrade() -> None:
    """Undo upgrade()."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
