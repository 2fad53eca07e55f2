"""What the network demo's stages are called and how its summary describes the run."""

from fabnet.scenarios.demo.settings import STAGES

MODE = "multi-process"
NOTE = ("Ran as a network on this machine: the hub and one node per company as separate uvicorn processes on "
        "loopback, each with its own database; requests for quotation over HTTP between the nodes, contracts and "
        "design transfers over the Dataspace Protocol, telemetry over MQTT. `fabnet demo --in-process` runs the "
        "same stages in one process.")

NETWORK_STAGES: dict[str, str] = {
    "network": "Start the hub and one node per company (separate processes)",
    "database": "The hub's clearing database: the scenario for allocation and netting",
    "documents": STAGES["documents"],
    "allocation": "Marketplace: RFQs over HTTP between the nodes, allocation",
    "contracts": "Contracts and design transfers over DSP between the nodes",
    "scheduling": STAGES["scheduling"],
    "twin": STAGES["twin"],
    "quality": "Zero defects: telemetry over MQTT, drift, alarm, rework, passports",
    "billing": STAGES["billing"],
    "report": STAGES["report"],
}
"""The stages in the order they run, with the line the progress display shows."""
