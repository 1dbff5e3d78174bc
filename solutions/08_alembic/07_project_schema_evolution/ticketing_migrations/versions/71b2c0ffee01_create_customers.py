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
    # BEGIN SOLUTION
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("email", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customers"),
        sa.UniqueConstraint("email", name="uq_customers_email"),
    )
    # SQLite cannot add a foreign key to an existing table: batch mode rebuilds it there.
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.add_column(sa.Column("customer_id", sa.Integer, nullable=True))
        batch_op.create_foreign_key("fk_tickets_customer_id_customers", "customers", ["customer_id"], ["id"])
    # END SOLUTION


def downgrade() -> None:
    """Undo upgrade()."""
    # BEGIN SOLUTION
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.drop_constraint("fk_tickets_customer_id_customers", type_="foreignkey")
        batch_op.drop_column("customer_id")
    op.drop_table("customers")
    # END SOLUTION
