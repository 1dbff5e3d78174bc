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

# BEGIN SOLUTION
# The tables as they are at this revision: only the columns this migration touches.
tickets = sa.table(
    "tickets",
    sa.column("id", sa.Integer),
    sa.column("customer_email", sa.String),
    sa.column("customer_id", sa.Integer),
)
customers = sa.table("customers", sa.column("id", sa.Integer), sa.column("email", sa.String))
# END SOLUTION
# BEGIN STUB
# # TODO: describe the tables as they are at this revision (sa.table / sa.column)
# END STUB


def upgrade() -> None:
    """Every distinct tickets.customer_email becomes a customer (unless a customer with that email
    exists already), every ticket points to its customer, customer_id becomes NOT NULL and
    customer_email goes. See README, task 2."""
    # BEGIN SOLUTION
    # 1. The customers, computed by the database: INSERT ... SELECT DISTINCT, skipping known emails.
    known = sa.select(customers.c.id).where(customers.c.email == tickets.c.customer_email).exists()
    op.execute(
        customers.insert().from_select(
            ["email"], sa.select(tickets.c.customer_email).where(~known).distinct()
        )
    )
    # 2. Each ticket gets its customer's id: a correlated UPDATE, one statement for all tickets.
    op.execute(
        tickets.update().values(
            customer_id=sa.select(customers.c.id)
            .where(customers.c.email == tickets.c.customer_email)
            .scalar_subquery()
        )
    )
    # 3. Every ticket has a customer now.
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.alter_column("customer_id", existing_type=sa.Integer, nullable=False)
        batch_op.drop_column("customer_email")
    # END SOLUTION


def downgrade() -> None:
    """Bring back tickets.customer_email (NOT NULL) from each ticket's customer, and make
    customer_id nullable again; the customers stay."""
    # BEGIN SOLUTION
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.add_column(sa.Column("customer_email", sa.String(200), nullable=True))
    op.execute(
        tickets.update().values(
            customer_email=sa.select(customers.c.email)
            .where(customers.c.id == tickets.c.customer_id)
            .scalar_subquery()
        )
    )
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.alter_column("customer_email", existing_type=sa.String(200), nullable=False)
        batch_op.alter_column("customer_id", existing_type=sa.Integer, nullable=True)
    # END SOLUTION
