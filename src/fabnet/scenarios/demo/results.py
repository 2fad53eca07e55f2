"""What each demo stage produced, as plain pydantic records; together they are `summary.json` (`fabnet.demo/1`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from fabnet.network.kpis import NetworkKpis


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DatabaseResult(_Result):
    """The fresh database and what the scenario import stored in it."""

    path: str
    url: str
    revisions: tuple[str, ...]
    imported: dict[str, int]
    """records written by the import, by kind"""
    stored: dict[str, int]
    """records counted back from the database after the commit, by kind"""


class DocumentFile(_Result):
    kind: Literal["company", "design", "order", "passport"]
    record_id: str
    path: str
    """relative to the demo's output folder"""
    format: Literal["json", "xml", "aasx"]
    size_bytes: int
    findings: tuple[str, ...] = ()
    """aas-core3.1 verification findings of the file as written (empty = conforms)"""


class DocumentsResult(_Result):
    """AAS documents written and verified with aas-core3.1."""

    folder: str
    files: tuple[DocumentFile, ...]
    by_kind: dict[str, int]
    findings: int


class SubOrderRow(_Result):
    id: str
    order_id: str
    """the customer order the sub-order serves"""
    receiver: str
    partner: str
    design_id: str
    quantity: int
    operations: tuple[str, ...]
    price_eur: str
    co2_kg: float
    promised_completion_min: int


class AllocationResult(_Result):
    """Customer orders through the hub's marketplace; work the receiver cannot do goes to partners."""

    orders: int
    in_house: int
    allocated: int
    waiting: int
    waiting_packages: tuple[str, ...]
    late_packages: int
    """packages the receiver could do itself but not by the due date, allocated to partners"""
    sub_orders: tuple[SubOrderRow, ...]
    total_price_eur: str
    total_co2_kg: float


class Kpis(_Result):
    """Figures of one schedule, recomputed by the independent checker."""

    makespan_min: int
    total_changeover_min: int
    weighted_tardiness_min: int


class CompanySchedule(_Result):
    """One company's schedule: CP-SAT against the dispatching baselines, the independent check, the files."""

    company_id: str
    company_name: str
    jobs: int
    operations: int
    machines: int
    warnings: tuple[str, ...]
    """orders or operations the company cannot do itself (left for subcontracting)"""
    status: str
    solve_seconds: float
    lower_bound: int | None
    feasible: bool
    violations: tuple[str, ...]
    cpsat: Kpis
    fcfs: Kpis
    """first come, first served (`fabnet.network.fcfs`): jobs by release, each operation where it ends first"""
    atcs: Kpis
    """apparent tardiness cost with setups, the dispatching rule a simple MES would use"""
    changeover_saved_min: int
    """changeover minutes CP-SAT saves against first come, first served"""
    problem_file: str
    solution_file: str
    gantt_file: str


class SchedulingResult(_Result):
    companies: tuple[CompanySchedule, ...]
    all_feasible: bool
    changeover_fcfs_h: float
    changeover_cpsat_h: float
    changeover_saved_h: float
    weighted_tardiness_fcfs: int
    weighted_tardiness_cpsat: int


class OrderForecast(_Result):
    order_id: str
    due_min: int | None
    planned_completion_min: int
    p90_completion_min: float
    p90_completion_at: str
    on_time_probability: float


class MachineForecast(_Result):
    machine_id: str
    utilisation: float
    oee: float
    energy_kwh: float


class CompanyForecast(_Result):
    """One company: Monte Carlo replications of its CP-SAT schedule in the SimPy twin."""

    company_id: str
    replications: int
    seeds: tuple[int, ...]
    planned_makespan_min: int
    p90_makespan_min: float
    all_on_time_probability: float
    orders: tuple[OrderForecast, ...]
    machines: tuple[MachineForecast, ...]
    twin_file: str


class TwinResult(_Result):
    companies: tuple[CompanyForecast, ...]
    replications: int
    orders: int
    orders_p90_on_time: int
    """orders whose on-time probability is at least 90 %"""
    mean_on_time_probability: float
    mean_oee: float
    energy_kwh: float


class QualityAlarm(_Result):
    rule: str
    description: str
    characteristic: str
    value: float
    part_id: str
    part_index: int
    parts_after_drift_start: int
    machine_flagged: bool
    parts_held: tuple[str, ...]


class RescheduleResult(_Result):
    """The schedule repaired around the rework operation the alarm asked for."""

    company_id: str
    reworked_operation: str
    rework_operation: str
    rework_minutes: int
    event_minute: int
    frozen: int
    moved: int
    feasible: bool
    weighted_tardiness_before: int
    weighted_tardiness_after: int
    makespan_before_min: int
    makespan_after_min: int
    solution_file: str
    gantt_file: str


class QualityResult(_Result):
    """Zero defects: an injected drift caught by the stream monitor, the part held, rework rescheduled, passports."""

    machine_id: str
    company_id: str
    fault: str
    parts_simulated: int
    phase1_parts: int
    false_alarms_before_drift: int
    alarm: QualityAlarm
    reschedule: RescheduleResult
    passports: tuple[DocumentFile, ...]
    passport_verdicts: dict[str, str]
    monitored_by: Literal["demo", "node"] = "demo"
    """where the stream monitor ran: in the demo's process, or in the company's node on its MQTT telemetry"""


class NettingPayment(_Result):
    payer: str
    payee: str
    amount_eur: str


class BillingResult(_Result):
    """Peppol BIS 3 invoices, their validation, the ledgers and multilateral netting."""

    invoices: int
    customer_invoices: int
    """suppliers invoicing their customers: their own work plus the partners' at the agreed price"""
    sub_order_invoices: int
    """partners invoicing the receiving company for sub-orders at the quoted price"""
    orders_not_invoiced: tuple[str, ...]
    net_total_eur: str
    vat_total_eur: str
    gross_total_eur: str
    validated: int
    schema_errors: int
    fatal_findings: int
    warnings: int
    postings: int
    ledger: dict[str, dict[str, str]]
    """company → account → balance after netting"""
    periods: tuple[str, ...]
    payments_before: int
    payments_after: int
    gross_settled_eur: str
    net_settled_eur: str
    payments: tuple[NettingPayment, ...]
    invoice_folder: str


class ContractRow(_Result):
    """One sub-order's contract and design transfer over DSP between the receiver's and the partner's node."""

    sub_order_id: str
    receiver: str
    partner: str
    asset_id: str
    agreement_id: str
    consumer_state: str
    """the negotiation's state on the partner's node (the consumer of the design)"""
    provider_state: str
    """the negotiation's state on the receiver's node (the provider of the design)"""
    consumer_pid: str
    provider_pid: str
    transfer_pid: str
    transfer_state: str
    offered_sha256: str
    received_sha256: str
    bytes: int


class ReplacementRow(_Result):
    """A sub-order whose partner failed after allocation, and where its work went."""

    sub_order_id: str
    order_id: str
    failed_partner: str
    reason: str
    replaced_by: tuple[str, ...]
    """the new sub-orders (with other partners) that took the work over"""
    waiting_units: int
    """units of the customer order that no member took over (waiting for re-allocation)"""


class ContractsResult(_Result):
    contracts: tuple[ContractRow, ...]
    finalized_both_sides: int
    transfers_completed: int
    hashes_matching: int
    bytes_transferred: int
    replacements: tuple[ReplacementRow, ...] = ()
    reallocated: int = 0
    """sub-orders whose failed partner was replaced in full (by other partners, or the receiver itself)"""
    waiting: int = 0
    """sub-orders whose failed partner left work that no other member took (reported, never dropped)"""


class NodeRow(_Result):
    """One company's node: a separate process with its own database."""

    company_id: str
    member_id: str
    url: str
    pid: int
    database: str
    """the database URL (password hidden)"""
    imported: dict[str, int]


class TelemetryResult(_Result):
    broker: str
    """host:port"""
    broker_kind: Literal["external", "in-process"]
    messages_published: int
    samples_received: int


class NetworkResult(_Result):
    """The processes of the multi-process run and what travelled between them."""

    hub_url: str
    hub_pid: int
    nodes: tuple[NodeRow, ...]
    rfqs_sent: int
    rfqs_answered: int
    rfqs_unanswered: dict[str, int]
    """member → RFQs its node did not answer (down or unreachable)"""
    rfq_failures: tuple[str, ...] = ()
    """why each unanswered RFQ went unanswered"""
    sub_order_statuses: dict[str, str]
    """sub-order → its status on the partner's node, read back over HTTP at the end"""
    flows_recorded: int
    """order flows reported to the hub (0 when the hub has no flows API)"""
    catalog_machines: int = 0
    """machines the nodes published to the hub's catalog"""
    catalog_searches: int = 0
    """searches of the hub's catalog over HTTP that named the RFQs' candidates"""
    telemetry: TelemetryResult | None = None


class DemoSummary(_Result):
    """Everything the demo measured, machine-readable (`summary.json`)."""

    format: Literal["fabnet.demo/1"] = "fabnet.demo/1"
    scenario: str
    mode: str
    note: str
    started_at: str
    options: dict[str, float | int | bool | str]
    database: DatabaseResult
    documents: DocumentsResult
    allocation: AllocationResult
    scheduling: SchedulingResult
    twin: TwinResult
    quality: QualityResult
    billing: BillingResult
    network_kpis: NetworkKpis
    """the hub's KPIs of the run (issue 7 §1)"""
    stage_seconds: dict[str, float]
    total_seconds: float
    report_file: str
    summary_file: str
    network: NetworkResult | None = None
    """the hub and node processes (multi-process run only)"""
    contracts: ContractsResult | None = None
    """contracts and design transfers over DSP (multi-process run only)"""
