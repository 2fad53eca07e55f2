"""The connector's tables on PostgreSQL: migrated, a negotiation with its outbox message and audit entries commits
as one unit of work, a refused one leaves nothing, and the audit chain verifies."""

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from fabnet.exchange import audit, messages
from fabnet.exchange.keys import KeyPairs, PublicKeys
from fabnet.exchange.negotiation import Role
from fabnet.service.node_runtime import Work, now_utc, open_node_store, to_entry
from fabnet.store.exchange_tables import AuditRow, NegotiationRow, OutboxRow

DATABASE = "fabnet_exchange_test"


@pytest.fixture(scope="module")
def exchange_database(postgres_url: str) -> str:
    """A database of its own, so that other suites sharing the server's `test` database are not disturbed."""
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {DATABASE}"))
    admin.dispose()
    return make_url(postgres_url).set(database=DATABASE).render_as_string(hide_password=False)


class _Runtime:
    """Just what `Work` needs of a node runtime."""

    def __init__(self) -> None:
        self.identity = type("Identity", (), {"keys": KeyPairs.generate()})()


def test_unit_of_work_on_postgresql(exchange_database: str) -> None:
    store = open_node_store(exchange_database)
    runtime = _Runtime()
    offer = {"@id": "urn:x:offer", "@type": "Offer", "target": "urn:x", "permission": [{"action": "use"}]}
    try:
        with store.transaction() as uow:
            work = Work(uow.session, runtime, None)  # type: ignore[arg-type]
            now = now_utc()
            uow.session.add(NegotiationRow(pid="urn:uuid:c1", role=Role.CONSUMER, peer_pid=None, peer_member="urn:m:p",
                                           peer_address="http://p", state="REQUESTED", dataset_id="urn:x",
                                           offer=offer, agreement_id=None, agreement=None, auto=True,
                                           created_at=now, updated_at=now))
            work.send("urn:m:p", "http://p/negotiations/request",
                      messages.contract_request("urn:uuid:c1", offer, callback="http://c"), "urn:uuid:c1")
            work.log("received", "urn:m:p", "ContractNegotiation", "urn:uuid:c1", b"{}")
        with pytest.raises(RuntimeError), store.transaction() as uow:
            Work(uow.session, runtime, work.audit_head).send(  # type: ignore[arg-type]
                "urn:m:p", "http://p/x", messages.agreement_verification("urn:uuid:p", "urn:uuid:c1"), "urn:uuid:c1")
            raise RuntimeError("refused half-way")
        with store.transaction() as uow:
            assert uow.session.scalar(select(func.count()).select_from(OutboxRow)) == 1
            rows = uow.session.scalars(select(AuditRow).order_by(AuditRow.seq)).all()
            report = audit.verify([to_entry(row) for row in rows],
                                  PublicKeys.from_jwks(runtime.identity.keys.public_jwks()))
        assert report.ok and report.entries == 2
    finally:
        store.close()
