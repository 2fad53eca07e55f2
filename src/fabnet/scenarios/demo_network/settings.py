"""What the network demo's stages are called and how its summary describes the run."""

from fabnet.scenarios.demo.settings import STAGES

MODE = "multi-process"
NOTE = ("Ran as a network on this machine: the hub and one node per company as separate uvicorn processes on "
        "loopback, each with its own database; partners found in the hub's catalog, requests for quotation "
        "over HTTP between the nodes, contracts and design transfers over the Dataspace Protocol, each node "
        "scheduling its own orders and forecasting them in its twin, telemetry over MQTT. `fabnet demo "
        "--in-process` runs the same stages in one process.")

NETWORK_STAGES: dict[str, str] = {
    "network": "Start the hub and one node per company (separate processes)",
    "database": "The hub's clearing database: the scenario for allocation and netting",
    "documents": STAGES["documents"],
    "allocation": "Marketplace: RFQs over HTTP between the nodes, allocation",
    "contracts": "Contracts and design transfers over DSP between the nodes",
    "scheduling": "Each node schedules its own orders with CP-SAT (over HTTP)",
    "twin": "Each node forecasts its schedule in its digital twin (over HTTP)",
    "quality": "Zero defects: telemetry over MQTT, drift, alarm, rework, passports",
    "billing": STAGES["billing"],
    "report": STAGES["report"],
}
"""The stages in the order they run, with the line the progress display shows."""
