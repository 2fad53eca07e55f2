"""The node's live quality monitor on its machines' MQTT telemetry: every measured characteristic goes through the
quality API's monitor and storage; an alarm holds the part and adds a rework operation to the repaired schedule.

With `mqtt_url` set, the node keeps a persistent QoS-1 subscription to `fabnet/<company>/#` (the lean MQTT 5 client
of `standards.mqtt_session`, with the node's TLS and password settings) on its own event loop: like a request
handler, each socket read's samples are stored in one short transaction there. The broker going away never stops
the node: the subscription reconnects with back-off and the broker redelivers what was not acknowledged.
A sample that carries specification limits is a measured characteristic (see `standards.mqtt`); one without is a
process signal, counted but not monitored. A payload that cannot be decoded, or names a machine the company does
not have, is logged, counted and acknowledged (redelivering it could not make it better).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

import mqtt5
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy import select

from fabnet.domain import Measurement, PartVerdict
from fabnet.planning.check import check, evaluate
from fabnet.planning.problem import Mode, Problem, ProblemOperation, Solution
from fabnet.planning.reschedule import RepairOptions, RescheduleError, ReworkAdded, repair
from fabnet.quality.monitor import HoldPart, ReworkRequest
from fabnet.service.access import Principal, Role, require
from fabnet.service.api_errors import ERROR_RESPONSES, ErrorRoute
from fabnet.service.api_quality import monitor_config, observe
from fabnet.service.api_records import as_utc, now_utc, profile
from fabnet.service.api_schedule import store_schedule
from fabnet.service.node_runtime import NodeRuntime
from fabnet.standards.mqtt import decode, topic_for
from fabnet.standards.mqtt_session import SessionOptions, Subscription
from fabnet.store.operations_tables import ScheduleRunRow
from fabnet.store.tables import MachineRow

log = logging.getLogger("fabnet.node.telemetry")
router = APIRouter(prefix="/api/v1/quality", tags=["quality"], route_class=ErrorRoute, responses=ERROR_RESPONSES)
Planner = Annotated[Principal, Depends(require(Role.PLANNER))]

NO_COMPANY_WAIT_S = 2.0
"""How often a node with nothing imported yet looks again for the company whose topics to subscribe to."""
RETRY_MAX_S = 30.0
MACHINES_REREAD_S = 5.0
"""The company's machines are read again at most this often when telemetry names one the node does not know."""
REPAIR = RepairOptions(time_limit=5.0, workers=1)
"""The rework's repair: bounded, on one CP-SAT worker, off the event loop."""


class ReworkView(BaseModel):
    """A rework the monitor added to the schedule after an alarm held a part."""

    part_id: str
    alarm_rule: str
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
    at: datetime


class TelemetryStatus(BaseModel):
    """The subscriber's state, for operators and for a plant simulation waiting on the node."""

    enabled: bool
    broker: str | None
    topic: str | None
    connected: bool
    connects: int
    messages: int
    samples: int
    measurements: int
    """characteristics stored and monitored"""
    signals: int
    """process signals received (not monitored)"""
    rejected: int
    alarms: int
    held_parts: list[str]
    """registered parts an alarm held since the node started"""
    reworks: list[ReworkView]
    reworks_pending: int
    last_error: str | None
    last_message_at: datetime | None


def client_id(member_id: str) -> str:
    """A fixed client id per node (the broker keeps its session and queues for it while the node is down)."""
    return "fabnet-node-" + re.sub(r"[^A-Za-z0-9_.-]", "-", member_id)[-80:]


def company_topic(company_id: str) -> str:
    """Every machine and signal of the company."""
    return topic_for(company_id, "machine", "signal").rsplit("/", 2)[0] + "/#"


class NodeTelemetry:
    """The subscriber and what it did; `run` until cancelled (started by the node's lifespan when `mqtt_url`)."""

    def __init__(self, runtime: NodeRuntime) -> None:
        self.runtime = runtime
        config = runtime.config
        address = config.mqtt
        self.enabled = address is not None
        self.broker = f"{address.host}:{address.port}" if address is not None else None
        self.monitor = monitor_config(config.monitor_phase1_samples)
        self.topic: str | None = None
        self.connected = False
        self.messages = self.samples = self.measurements = self.signals = self.rejected = self.alarms = 0
        self.held: list[str] = []
        self.reworks: list[ReworkView] = []
        self.last_error: str | None = None
        self.last_message_at: datetime | None = None
        self._subscription: Subscription | None = None
        self._machines: set[str] = set()
        self._machines_read = float("-inf")
        self._reworking: set[asyncio.Task[None]] = set()
        self._rework_lock = asyncio.Lock()

    def status(self) -> TelemetryStatus:
        subscription = self._subscription
        return TelemetryStatus(
            enabled=self.enabled, broker=self.broker, topic=self.topic, connected=self.connected,
            connects=subscription.connects if subscription is not None else 0, messages=self.messages,
            samples=self.samples, measurements=self.measurements, signals=self.signals, rejected=self.rejected,
            alarms=self.alarms, held_parts=list(self.held), reworks=list(self.reworks),
            reworks_pending=len(self._reworking), last_error=self.last_error, last_message_at=self.last_message_at)

    def _fail(self, text: str) -> None:
        self.last_error = text
        log.warning("telemetry: %s", text)

    async def run(self) -> None:
        """Wait for an imported company, then stay subscribed to its topics; never raises but on cancellation."""
        config = self.runtime.config
        address = config.mqtt
        if address is None:
            return
        company = await self._company()
        self.topic = company_topic(company)
        options = SessionOptions(address.host, address.port, client_id(self.runtime.member_id),
                                 security=config.mqtt_security)
        delay = 1.0
        while True:
            self._subscription = Subscription(options, self.topic, self._on_messages, max_backoff=RETRY_MAX_S,
                                              on_state=self._on_state)
            try:
                await self._subscription.run()
                return  # stopped
            except asyncio.CancelledError:
                raise
            except Exception as error:  # a refusal (credentials, TLS) or a bad file: say so, and try again later
                self.connected = False
                self._fail(f"MQTT broker {self.broker}: {error}")
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_S)

    async def stop(self) -> None:
        """Leave the broker with a DISCONNECT (it keeps the session) and let running reworks finish or stop."""
        if self._subscription is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._subscription.stop(), 3.0)
        for task in list(self._reworking):
            task.cancel()

    async def _company(self) -> str:
        while True:
            with self.runtime.store.transaction() as uow:
                found = profile(uow.session)
            if found is not None:
                return found.company_id
            await asyncio.sleep(NO_COMPANY_WAIT_S)

    def _on_state(self, up: bool) -> None:
        self.connected = up
        if up:
            log.info("telemetry: subscribed to %s on %s", self.topic, self.broker)
        elif self._subscription is not None and self._subscription.failure is not None:
            self._fail(str(self._subscription.failure))

    def _known_machine(self, machine_id: str) -> bool:
        # machines may be added while the node runs; a flood of unknown ones must not cost a query each
        if machine_id not in self._machines and time.monotonic() - self._machines_read > MACHINES_REREAD_S:
            self._machines_read = time.monotonic()
            with self.runtime.store.transaction() as uow:
                own = profile(uow.session)
                if own is not None:
                    self._machines = set(uow.session.execute(
                        select(MachineRow.id).where(MachineRow.company_id == own.company_id)).scalars())
        return machine_id in self._machines

    def _on_messages(self, messages: Sequence[mqtt5.PublishPacket]) -> None:
        """One socket read: decode, store and monitor its measurements in one transaction, then act on alarms."""
        self.messages += len(messages)
        self.last_message_at = now_utc()
        measurements: list[Measurement] = []
        for message in messages:
            try:
                samples = decode(message.topic, message.payload)
            except ValueError as error:
                self._reject(str(error))
                continue
            for sample in samples:
                self.samples += 1
                if not self._known_machine(sample.machine_id):
                    self._reject(f"topic {message.topic!r}: no machine {sample.machine_id!r} in this company")
                    continue
                if sample.lower_limit is None and sample.upper_limit is None:
                    self.signals += 1
                    continue
                try:
                    measurements.append(Measurement(
                        characteristic=sample.name, value=sample.value, unit=sample.unit or "mm",
                        timestamp=sample.timestamp or now_utc(), part_id=sample.part_id,
                        machine_id=sample.machine_id, lower_limit=sample.lower_limit,
                        upper_limit=sample.upper_limit))
                except ValidationError as error:
                    first = error.errors()[0]
                    where = ".".join(str(part) for part in first["loc"])
                    self._reject(f"topic {message.topic!r}: {where}: {first['msg']}")
        if not measurements:
            return
        try:
            with self.runtime.store.transaction() as uow:
                _, raised = observe(uow, measurements, self.monitor)
                alarms = [(row.part_id, row.rule, row.machine_id, row.at, row.document) for row in raised]
                held = {row.part_id for row in raised if row.part_id is not None
                        and (part := uow.parts.find(row.part_id)) is not None and part.verdict is PartVerdict.HELD}
        except Exception as error:  # a database fault must not end the subscription; the samples are lost
            log.exception("telemetry: storing %d measurements failed", len(measurements))
            self.last_error = f"storing {len(measurements)} measurements failed: {error}"
            return
        self.measurements += len(measurements)
        for part_id, rule, machine_id, at, document in alarms:
            self.alarms += 1
            log.warning("telemetry alarm: %s on %s, part %s: %s", rule, machine_id, part_id,
                        document.get("description", ""))
            actions = {a.get("action") for a in document.get("actions", [])}
            if part_id is None or not actions & {HoldPart.__name__, ReworkRequest.__name__}:
                continue
            if part_id in held and part_id not in self.held:
                self.held.append(part_id)
            task = asyncio.get_running_loop().create_task(self._rework(part_id, rule, machine_id, as_utc(at)))
            self._reworking.add(task)
            task.add_done_callback(self._reworking.discard)

    def _reject(self, text: str) -> None:
        self.rejected += 1
        self._fail(text)

    async def _rework(self, part_id: str, rule: str, machine_id: str, at: datetime) -> None:
        """Add a rework of the operation that made `part_id` after it, and repair the schedule from the alarm's
        minute (one rework per operation: later alarms on the same operation are the same setter's visit)."""
        async with self._rework_lock:
            try:
                await self._repair(part_id, rule, machine_id, at)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the alarm and the hold stand; the planner can reschedule by hand
                log.exception("telemetry: rework of part %s not scheduled", part_id)
                self.last_error = f"rework of part {part_id}: {error}"

    async def _repair(self, part_id: str, rule: str, machine_id: str, at: datetime) -> None:
        store = self.runtime.store
        with store.transaction() as uow:
            own = profile(uow.session)
            row = uow.session.get(ScheduleRunRow, own.company_id) if own is not None else None
            if own is None or row is None:
                self._fail(f"rework of part {part_id}: no schedule to repair (POST /api/v1/schedule)")
                return
            problem, solution = Problem.model_validate(row.problem), Solution.model_validate(row.solution)
            warnings = list(row.warnings.get("warnings", []))
            part = uow.parts.find(part_id)
            route = [step.operation_id for step in part.route if step.machine_id == machine_id] if part else []
        minute = max(0, int((at - own.origin).total_seconds() // 60))
        operations = problem.operations()
        reworked = next((op for op in reversed(route) if op in operations), None) or _running(solution, machine_id,
                                                                                            minute)
        if reworked is None:
            self._fail(f"rework of part {part_id}: no scheduled operation on {machine_id} at minute {minute}")
            return
        rework_id = f"{reworked}/rework"
        if rework_id in operations:
            return
        rework = ProblemOperation(id=rework_id, family=operations[reworked][1].family,
                                  modes=(Mode(machine=machine_id, duration=self.runtime.config.rework_minutes),))
        event = ReworkAdded(at=minute, after=reworked, operation=rework)
        try:
            repaired = await asyncio.to_thread(repair, problem, solution, event, REPAIR)
        except RescheduleError as error:
            self._fail(f"rework of part {part_id}: {error}")
            return
        if not repaired.solution.operations:
            self._fail(f"rework of part {part_id}: the repair found no schedule ({repaired.solution.status})")
            return
        report = check(repaired.problem, repaired.solution)
        before, after = evaluate(problem, solution.operations), evaluate(repaired.problem,
                                                                         repaired.solution.operations)
        with store.transaction() as uow:
            store_schedule(uow, own.company_id, own.origin, repaired.problem, repaired.solution, warnings)
        self.reworks.append(ReworkView(
            part_id=part_id, alarm_rule=rule, reworked_operation=reworked, rework_operation=rework_id,
            rework_minutes=self.runtime.config.rework_minutes, event_minute=minute, frozen=repaired.frozen,
            moved=repaired.moved, feasible=report.feasible,
            weighted_tardiness_before=before.total_weighted_tardiness,
            weighted_tardiness_after=after.total_weighted_tardiness, makespan_before_min=before.makespan,
            makespan_after_min=after.makespan, at=now_utc()))
        log.info("telemetry: rework %s scheduled after the alarm on part %s (%d operations moved)", rework_id,
                 part_id, repaired.moved)


def _running(solution: Solution, machine_id: str, minute: int) -> str | None:
    """The operation on the machine at `minute`, else the last one started before it."""
    on_machine = sorted((a for a in solution.operations if a.machine == machine_id), key=lambda a: a.start)
    started = [a for a in on_machine if a.start <= minute]
    running = [a for a in started if minute < a.end]
    chosen = running[-1] if running else (started[-1] if started else None)
    return chosen.id if chosen is not None else None


@router.get("/telemetry", response_model=TelemetryStatus, summary="The live monitor's MQTT subscriber: state, "
            "messages, alarms, reworks")
async def telemetry_status(request: Request, _: Planner) -> TelemetryStatus:
    return request.app.state.telemetry.status()
