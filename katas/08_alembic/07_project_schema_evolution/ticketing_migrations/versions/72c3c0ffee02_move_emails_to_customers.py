"""move emails to customers

Revision ID: 72c3c0ffee02
Revises: 71b2c0ffee01
Create Date: 2026-10-03 09:00:00.000000

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "72c3c0ffee02"
down_revision: str | None = "71b2c0ffee01"
branch_labels: str | None = None
depends_on: str | None = None

# TODO: describe the tables as they are at this revision (sa.table / sa.column)


def upgrade() -> None:
    """Every distinct tickets.customer_email becomes a customer (unless a customer with that email
    exists already), every ticket points to its customer, customer_id becomes NOT NULL and
    customer_email goes. See README, task 2."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def downgrade() -> None:
    """Bring back tickets.customer_email (NOT NULL) from each ticket's customer, and make
    customer_id nullable again; the customers stay."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
