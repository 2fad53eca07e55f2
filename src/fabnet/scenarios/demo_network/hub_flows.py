"""The order flows reported to the hub (`POST /api/v1/flows`), each by the customer's node with its own key: the
scenario's customer orders and the sub-orders the marketplace placed, for the hub's network map and KPIs."""

from __future__ import annotations

from decimal import Decimal

from fabnet.domain import RegionalNetwork
from fabnet.network.allocation import SubOrder
from fabnet.network.flows import FlowReport
from fabnet.scenarios.demo_network.nodes import RunningNetwork, member_id
from fabnet.service.hub_api_client import HubApiError, HubClient


def report_flows(running: RunningNetwork, network: RegionalNetwork, sub_orders: tuple[SubOrder, ...]) -> int:
    """How many flows the hub recorded; HubApiError if it refuses one."""
    registry = running.testbed.registry
    assert registry is not None
    clients: dict[str, HubClient] = {}

    def client(company_id: str) -> HubClient:
        if company_id not in clients:
            clients[company_id] = HubClient(running.hub_url, registry.config.hub_id, member_id(company_id),
                                            running.testbed.keys[company_id])
        return clients[company_id]

    flows = [(o.customer_id, FlowReport(from_member=member_id(o.customer_id), to_member=member_id(o.supplier_id),
                                        order_id=o.id, value_eur=Decimal("0.00"), quantity=o.quantity,
                                        ordered_on=o.release.date()))
             for o in network.orders if o.customer_id != o.supplier_id and o.customer_id in running.nodes]
    flows += [(s.order.customer_id, FlowReport(
        from_member=member_id(s.order.customer_id), to_member=member_id(s.order.supplier_id), order_id=s.order.id,
        value_eur=Decimal(f"{s.price_eur:.2f}"), quantity=s.order.quantity, ordered_on=s.order.release.date(),
        parent_order_id=s.order.customer_reference.split(":", 1)[0] if s.order.customer_reference else None))
        for s in sub_orders]
    recorded = 0
    for customer, flow in flows:
        client(customer).report_flow(flow)
        recorded += 1
    return recorded


__all__ = ["HubApiError", "report_flows"]
