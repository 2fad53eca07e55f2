"""Foundation: hubs, companies, fieldlabs, machines, designs, orders, process plans, schedules, parts.

Revision ID: 0001_foundation
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_foundation"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(120)
KEY = sa.String(241)
MOMENT = sa.DateTime(timezone=True)


def document() -> sa.Column:
    return sa.Column("document", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "hubs",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=False),
        document(),
        sa.PrimaryKeyConstraint("id", name="pk_hubs"),
    )
    op.create_index("ix_hubs_region", "hubs", ["region"])

    op.create_table(
        "companies",
        sa.Column("id", ID, nullable=False),
        sa.Column("hub_id", ID, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kvk", sa.String(8), nullable=False),
        sa.Column("vat_id", sa.String(14), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        document(),
        sa.ForeignKeyConstraint(["hub_id"], ["hubs.id"], name="fk_companies_hub_id_hubs"),
        sa.PrimaryKeyConstraint("id", name="pk_companies"),
    )
    op.create_index("ix_companies_hub_id", "companies", ["hub_id"])
    op.create_index("ix_companies_kvk", "companies", ["kvk"])
    op.create_index("ix_companies_vat_id", "companies", ["vat_id"])
    op.create_index("ix_companies_role", "companies", ["role"])

    op.create_table(
        "fieldlabs",
        sa.Column("id", ID, nullable=False),
        sa.Column("hub_id", ID, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        document(),
        sa.ForeignKeyConstraint(["hub_id"], ["hubs.id"], name="fk_fieldlabs_hub_id_hubs"),
        sa.PrimaryKeyConstraint("id", name="pk_fieldlabs"),
    )
    op.create_index("ix_fieldlabs_hub_id", "fieldlabs", ["hub_id"])

    op.create_table(
        "machines",
        sa.Column("id", ID, nullable=False),
        sa.Column("company_id", ID, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        document(),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name="fk_machines_company_id_companies"),
        sa.PrimaryKeyConstraint("id", name="pk_machines"),
    )
    op.create_index("ix_machines_company_id", "machines", ["company_id"])

    op.create_table(
        "designs",
        sa.Column("id", ID, nullable=False),
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("product_family", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("material", sa.Text(), nullable=False),
        document(),
        sa.ForeignKeyConstraint(["owner_id"], ["companies.id"], name="fk_designs_owner_id_companies"),
        sa.PrimaryKeyConstraint("id", name="pk_designs"),
    )
    op.create_index("ix_designs_owner_id", "designs", ["owner_id"])
    op.create_index("ix_designs_product_family", "designs", ["product_family"])
    op.create_index("ix_designs_material", "designs", ["material"])

    op.create_table(
        "orders",
        sa.Column("id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("supplier_id", ID, nullable=False),
        sa.Column("design_id", ID, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("release", MOMENT, nullable=False),
        sa.Column("due", MOMENT, nullable=False),
        document(),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_orders_quantity_positive")),
        sa.CheckConstraint("due > release", name=op.f("ck_orders_due_after_release")),
        sa.ForeignKeyConstraint(["customer_id"], ["companies.id"], name="fk_orders_customer_id_companies"),
        sa.ForeignKeyConstraint(["supplier_id"], ["companies.id"], name="fk_orders_supplier_id_companies"),
        sa.ForeignKeyConstraint(["design_id"], ["designs.id"], name="fk_orders_design_id_designs"),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
    )
    for column in ("customer_id", "supplier_id", "design_id", "status", "release", "due"):
        op.create_index(f"ix_orders_{column}", "orders", [column])

    op.create_table(
        "process_plans",
        sa.Column("key", KEY, nullable=False),
        sa.Column("company_id", ID, nullable=False),
        sa.Column("design_id", ID, nullable=False),
        document(),
        sa.PrimaryKeyConstraint("key", name="pk_process_plans"),
        sa.UniqueConstraint("company_id", "design_id", name="uq_process_plans_company_id_design_id"),
    )
    op.create_index("ix_process_plans_design_id", "process_plans", ["design_id"])

    op.create_table(
        "schedules",
        sa.Column("company_id", ID, nullable=False),
        sa.Column("origin", MOMENT, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        document(),
        sa.PrimaryKeyConstraint("company_id", name="pk_schedules"),
    )

    op.create_table(
        "parts",
        sa.Column("id", ID, nullable=False),
        sa.Column("order_id", ID, nullable=False),
        sa.Column("design_id", ID, nullable=False),
        sa.Column("serial", sa.Text(), nullable=False),
        sa.Column("verdict", sa.String(32), nullable=False),
        document(),
        sa.PrimaryKeyConstraint("id", name="pk_parts"),
    )
    for column in ("order_id", "design_id", "verdict"):
        op.create_index(f"ix_parts_{column}", "parts", [column])


def downgrade() -> None:
    for table in ("parts", "schedules", "process_plans", "orders", "designs", "machines", "fieldlabs", "companies",
                  "hubs"):
        op.drop_table(table)
