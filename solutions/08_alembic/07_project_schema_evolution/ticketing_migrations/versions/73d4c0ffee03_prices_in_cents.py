"""prices in cents

Revision ID: 73d4c0ffee03
Revises: 72c3c0ffee02
Create Date: 2026-10-04 09:00:00.000000

"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "73d4c0ffee03"
down_revision: str | None = "72c3c0ffee02"
branch_labels: str | None = None
depends_on: str | None = None

# BEGIN SOLUTION
tickets = sa.table(
    "tickets", sa.column("id", sa.Integer), sa.column("price", sa.String), sa.column("price_cents", sa.Integer)
)
# END SOLUTION
# BEGIN STUB
# # TODO: describe the table as it is at this revision (sa.table / sa.column)
# END STUB


def upgrade() -> None:
    """Replace tickets.price (text such as "12.50") by price_cents (INTEGER NOT NULL, 1250).
    See README, task 3."""
    # BEGIN SOLUTION
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.add_column(sa.Column("price_cents", sa.Integer, nullable=True))
    bind = op.get_bind()
    # Decimal, not float: float("0.29") * 100 is 28.999999999999996.
    cents = [
        {"ticket_id": ticket_id, "cents": int(Decimal(price) * 100)}
        for ticket_id, price in bind.execute(sa.select(tickets.c.id, tickets.c.price)).all()
    ]
    if cents:
        bind.execute(
            tickets.update().where(tickets.c.id == sa.bindparam("ticket_id")).values(price_cents=sa.bindparam("cents")),
            cents,
        )
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.alter_column("price_cents", existing_type=sa.Integer, nullable=False)
        batch_op.drop_column("price")
    # END SOLUTION


def downgrade() -> None:
    """Bring back tickets.price (VARCHAR(20) NOT NULL) as text with two decimals ("12.50")."""
    # BEGIN SOLUTION
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.add_column(sa.Column("price", sa.String(20), nullable=True))
    bind = op.get_bind()
    prices = [
        {"ticket_id": ticket_id, "text": f"{cents // 100}.{cents % 100:02d}"}
        for ticket_id, cents in bind.execute(sa.select(tickets.c.id, tickets.c.price_cents)).all()
    ]
    if prices:
        bind.execute(
            tickets.update().where(tickets.c.id == sa.bindparam("ticket_id")).values(price=sa.bindparam("text")),
            prices,
        )
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.alter_column("price", existing_type=sa.String(20), nullable=False)
        batch_op.drop_column("price_cents")
    # END SOLUTION
