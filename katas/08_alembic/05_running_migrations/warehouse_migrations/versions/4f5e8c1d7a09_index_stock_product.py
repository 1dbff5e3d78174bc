"""index stock product

Revision ID: 4f5e8c1d7a09
Revises: c3d49b7e2f16
Create Date: 2026-08-04 10:00:00.000000

"""

from __future__ import annotations

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "4f5e8c1d7a09"
down_revision: str | None = "c3d49b7e2f16"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_stock_product_id", "stock", ["product_id"])


def downgrade() -> None:
    op.drop_index("ix_stock_product_id", table_name="stock")
