"""Billing fixtures: a sample invoice, a process plan, a price list and the compiled official rules."""

import secrets
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from billing.samples import SELLER, make_invoice
from fabnet.billing.pricing import PriceList
from fabnet.domain.invoice import Invoice
from fabnet.domain.process import Operation, OperationMode, ProcessPlan
from fabnet.standards.schematron import SchematronValidator
from fabnet.store import open_store


@pytest.fixture
def invoice() -> Invoice:
    return make_invoice()


@pytest.fixture
def plan() -> ProcessPlan:
    return ProcessPlan(
        design_id="bracket-a", company_id=SELLER.id, quantity=40,
        operations=(
            Operation(id="cut", skill="cut.laser", name="Laser cutting", setup_family="S235-3",
                      modes=(OperationMode(machine_id="LC-01", duration_min=95, setup_minutes_hint=20),
                             OperationMode(machine_id="LC-02", duration_min=80, setup_minutes_hint=20))),
            Operation(id="bend", skill="bend.press_brake", name="Bending", setup_family="V16",
                      predecessors=("cut",),
                      modes=(OperationMode(machine_id="PB-01", duration_min=130, setup_minutes_hint=35),)),
        ),
    )


@pytest.fixture
def prices() -> PriceList:
    return PriceList(company_id=SELLER.id, machine_rates={"LC-01": Decimal("95.00"), "LC-02": Decimal("140.00"),
                                                          "PB-01": Decimal("75.50")},
                     material_prices={"S235": Decimal("1.85")}, margin_percent=Decimal("12.5"),
                     minimum_order_value=Decimal("250.00"))


@pytest.fixture(scope="session")
def rules(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> SchematronValidator:
    """The official CEN and Peppol rules compiled once per test session (into a private cache)."""
    sch = shared_dir / "peppol-bis-3" / "sch"
    return SchematronValidator([sch / "CEN-EN16931-UBL.sch", sch / "PEPPOL-EN16931-UBL.sch"],
                               cache_dir=tmp_path_factory.mktemp("schematron-cache"))


@pytest.fixture(scope="session")
def postgres_schema_url(postgres_url: str) -> Iterator[str]:
    """A private schema on the real PostgreSQL server for this test session, dropped at the end."""
    conninfo = make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    schema = f"fabnet_billing_{secrets.token_hex(5)}"
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in postgres_url else "?"
    yield f"{postgres_url}{separator}options={quote(f'-csearch_path={schema}')}"
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty billing store on SQLite or PostgreSQL (billing tables emptied after each test)."""
    url = request.getfixturevalue("postgres_schema_url") if request.param == "postgresql" else \
        f"sqlite:///{tmp_path / 'billing.sqlite'}"
    yield url
    if request.param == "postgresql":
        with open_store(url) as store, store.transaction() as uow:
            for table in ("billing_entries", "billing_postings", "billing_invoices", "billing_events",
                          "billing_netting_runs", "billing_price_lists"):
                uow.session.execute(text(f"DELETE FROM {table}"))
