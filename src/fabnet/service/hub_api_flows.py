"""The order flows nodes report to the hub, kept in its database; one row per (from, to, order), so a repeated
report replaces the earlier one instead of counting the order twice."""

from datetime import UTC, datetime

from sqlalchemy import select

from fabnet.network.flows import FlowReport
from fabnet.store import Store
from fabnet.store.hub_tables import HubFlowRow


class FlowLedger:
    def __init__(self, store: Store) -> None:
        self.store = store

    def record(self, flow: FlowReport, reported_by: str) -> bool:
        """Store the flow; True if it replaced an earlier report of the same order."""
        with self.store.transaction() as uow:
            row = uow.session.get(HubFlowRow, (flow.from_member, flow.to_member, flow.order_id))
            values = {"value_eur": flow.value_eur, "quantity": flow.quantity, "ordered_on": flow.ordered_on,
                      "parent_order_id": flow.parent_order_id, "reported_by": reported_by,
                      "reported_at": datetime.now(UTC)}
            if row is None:
                uow.session.add(HubFlowRow(from_member=flow.from_member, to_member=flow.to_member,
                                           order_id=flow.order_id, **values))
                return False
            for key, value in values.items():
                setattr(row, key, value)
            return True

    def flows(self) -> list[FlowReport]:
        with self.store.transaction() as uow:
            rows = uow.session.scalars(select(HubFlowRow).order_by(HubFlowRow.ordered_on, HubFlowRow.order_id))
            return [FlowReport(from_member=r.from_member, to_member=r.to_member, order_id=r.order_id,
                               value_eur=r.value_eur, quantity=r.quantity, ordered_on=r.ordered_on,
                               parent_order_id=r.parent_order_id) for r in rows]
