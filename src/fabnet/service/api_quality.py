"""Quality: measurements in (watched live by the stream monitor: alarms, held parts), control charts and alarms out."""

from datetime import datetime
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from fabnet.domain import Measurement, PartVerdict
from fabnet.quality.chart_model import ChartData, ChartKind, ChartSpec
from fabnet.quality.charts import run_chart
from fabnet.quality.monitor import Alarm, HoldPart, MonitorConfig, MonitorState, StreamMonitor, StreamState
from fabnet.service import api_queries
from fabnet.service.access import Principal, Role, reader, require
from fabnet.service.api_errors import ERROR_RESPONSES, ErrorRoute, conflict, invalid, not_found
from fabnet.service.api_records import Limit, Offset, Page, as_utc, company_id, own_company_id, page, runtime_of
from fabnet.store import UnitOfWork
from fabnet.store.operations_tables import AlarmRow, MeasurementRow, MonitorStreamRow
from fabnet.store.tables import MachineRow, PartRow

router = APIRouter(prefix="/api/v1/quality", tags=["quality"], route_class=ErrorRoute, responses=ERROR_RESPONSES)
Operator = Annotated[Principal, Depends(require(Role.OPERATOR))]
Reader = Annotated[Principal, Depends(reader)]

MONITOR = MonitorConfig()
"""The live monitor's design: fabnet's default scheme (phase-I values per stream, then Shewhart and EWMA)."""
_CONFIGS: dict[int, MonitorConfig] = {MONITOR.phase1_samples: MONITOR}
MAX_CHART_POINTS = 5000


class MeasurementBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    measurements: list[Measurement] = Field(min_length=1, max_length=1000)


class AlarmView(BaseModel):
    id: int
    machine_id: str
    characteristic: str
    part_id: str | None
    rule: str
    description: str
    value: float
    at: datetime
    actions: list[dict[str, Any]]


class MeasurementResult(BaseModel):
    stored: int
    alarms: list[AlarmView]


class Characteristic(BaseModel):
    machine_id: str
    characteristic: str
    values: int
    alarms: int


class ChartPoint(BaseModel):
    index: int
    value: float | None
    alarm: bool


class ChartAlarm(BaseModel):
    index: int
    rule: str
    description: str


class ChartView(BaseModel):
    characteristic: str
    machine_id: str
    chart: ChartKind
    subgroup_size: int
    phase1: int
    points: list[ChartPoint]
    center: float
    ucl: float | None
    lcl: float | None
    alarms: list[ChartAlarm]


def monitor_config(phase1_samples: int) -> MonitorConfig:
    """The default scheme learning each stream from `phase1_samples` values (the node's `monitor_phase1_samples`)."""
    config = _CONFIGS.get(phase1_samples)
    if config is None:
        config = _CONFIGS[phase1_samples] = MONITOR.model_copy(update={"phase1_samples": phase1_samples})
    return config


def _node_monitor(request: Request) -> MonitorConfig:
    return monitor_config(runtime_of(request).config.monitor_phase1_samples)


def _monitor(row: MonitorStreamRow | None, config: MonitorConfig = MONITOR) -> StreamMonitor:
    return _monitor_of(row.document if row is not None else None, config)


def _monitor_of(document: dict[str, Any] | None, config: MonitorConfig = MONITOR) -> StreamMonitor:
    """A stream's live monitor, resumed from its stored state if there is one."""
    if document is None:
        return StreamMonitor(config)
    return StreamMonitor.restore(MonitorState(config=config, samples=0, streams=[StreamState.model_validate(
        document)]))


def _alarm_view(row: AlarmRow) -> AlarmView:
    return _alarm_view_of((row.id, row.machine_id, row.characteristic, row.part_id, row.rule, row.at, row.document))


def _alarm_view_of(columns: tuple[Any, ...]) -> AlarmView:
    """The view of an alarm from its columns in the order of `api_queries.ALARM_COLUMNS`."""
    alarm_id, machine_id, characteristic, part_id, rule, at, document = columns
    return AlarmView(id=alarm_id, machine_id=machine_id, characteristic=characteristic, part_id=part_id, rule=rule,
                     description=document.get("description", ""), value=document.get("value", 0.0),
                     at=as_utc(at), actions=list(document.get("actions", [])))


def _check_references(uow: UnitOfWork, batch: MeasurementBatch) -> None:
    own = company_id(uow.session)
    machines = set(uow.session.execute(select(MachineRow.id).where(MachineRow.company_id == own)).scalars())
    for k, m in enumerate(batch.measurements):
        if m.machine_id is None:
            raise invalid(f"measurements[{k}].machine_id: required (the machine that made the part)")
        if m.machine_id not in machines:
            raise invalid(f"measurements[{k}].machine_id: no machine {m.machine_id!r} in this company")
        if m.part_id is not None and not uow.session.execute(select(PartRow.id).where(PartRow.id == m.part_id)).first():
            raise invalid(f"measurements[{k}].part_id: no part {m.part_id!r} is stored")


def observe(uow: UnitOfWork, measurements: list[Measurement],
            config: MonitorConfig = MONITOR) -> tuple[int, list[AlarmRow]]:
    """Store measurements in order, feed each stream's monitor (its state kept in the store) and act on alarms:
    a held part's verdict becomes `held`; measurements of a stored part join its genealogy (a part the node does
    not store, as telemetry may name, keeps only its id on the measurement and the alarm)."""
    session = uow.session
    monitors: dict[tuple[str, str], tuple[StreamMonitor, MonitorStreamRow | None]] = {}
    raised: list[AlarmRow] = []
    for m in measurements:
        machine_id = m.machine_id or ""
        key = (machine_id, m.characteristic)
        if key not in monitors:
            row = session.get(MonitorStreamRow, key)
            monitors[key] = (_monitor(row, config), row)
        monitor = monitors[key][0]
        row = MeasurementRow(machine_id=machine_id, characteristic=m.characteristic, part_id=m.part_id, value=m.value,
                             at=m.timestamp, document=m.model_dump(mode="json"))
        session.add(row)
        alarms = monitor.observe(m)
        if m.part_id is not None:
            _add_to_part(uow, m, alarms)
        if alarms:
            session.flush()  # the alarm rows name the measurement's id
            raised += [_store_alarm(session, row, alarm) for alarm in alarms]
    for (machine_id, characteristic), (monitor, stream_row) in monitors.items():
        state = next(s for s in monitor.snapshot().streams if s.characteristic == characteristic)
        document = state.model_dump(mode="json")
        if stream_row is None:
            session.add(MonitorStreamRow(machine_id=machine_id, characteristic=characteristic, document=document))
        else:
            stream_row.document = document
    session.flush()
    return len(measurements), raised


def observe_without_parts(connection: Connection, measurements: list[Measurement],
                          config: MonitorConfig = MONITOR) -> list[AlarmView]:
    """`observe` for measurements that name no part (what a machine's feed sends), on compiled statements."""
    monitors: dict[tuple[str, str], tuple[StreamMonitor, bool]] = {}
    raised: list[AlarmView] = []
    for m in measurements:
        machine_id = m.machine_id or ""
        key = (machine_id, m.characteristic)
        if key not in monitors:
            stored = api_queries.STREAM_STATE.all(connection, {"machine": machine_id,
                                                               "characteristic": m.characteristic})
            monitors[key] = (_monitor_of(stored[0][0] if stored else None, config), bool(stored))
        alarms = monitors[key][0].observe(m)
        measurement_id = api_queries.INSERT_MEASUREMENT.all(connection, {
            "machine_id": machine_id, "characteristic": m.characteristic, "part_id": None, "value": m.value,
            "at": m.timestamp, "document": m.model_dump(mode="json")})[0][0]
        for alarm in alarms:
            document = alarm.to_dict()
            alarm_id = api_queries.INSERT_ALARM.all(connection, {
                "measurement_id": measurement_id, "machine_id": alarm.machine_id,
                "characteristic": alarm.characteristic, "part_id": alarm.part_id, "rule": alarm.rule,
                "at": m.timestamp, "document": document})[0][0]
            raised.append(_alarm_view_of((alarm_id, alarm.machine_id, alarm.characteristic, alarm.part_id,
                                          alarm.rule, m.timestamp, document)))
    for (machine_id, characteristic), (monitor, stored) in monitors.items():
        state = next(s for s in monitor.snapshot().streams if s.characteristic == characteristic)
        api_queries.run(api_queries.UPDATE_STREAM if stored else api_queries.INSERT_STREAM, connection, {
            "machine": machine_id, "machine_id": machine_id, "characteristic": characteristic,
            "document": state.model_dump(mode="json")})
    return raised


def _check_machines(connection: Connection, own: str, batch: MeasurementBatch) -> None:
    machines = {row[0] for row in api_queries.MACHINE_IDS.all(connection, {"own": own})}
    for k, m in enumerate(batch.measurements):
        if m.machine_id is None:
            raise invalid(f"measurements[{k}].machine_id: required (the machine that made the part)")
        if m.machine_id not in machines:
            raise invalid(f"measurements[{k}].machine_id: no machine {m.machine_id!r} in this company")


def _add_to_part(uow: UnitOfWork, m: Measurement, alarms: list[Alarm]) -> None:
    part = uow.parts.find(m.part_id or "")
    if part is None:
        return
    held = any(isinstance(a, HoldPart) and a.part_id == part.id for alarm in alarms for a in alarm.actions)
    verdict = PartVerdict.HELD if held and part.verdict is not PartVerdict.SCRAPPED else part.verdict
    uow.parts.put(part.model_copy(update={"measurements": (*part.measurements, m), "verdict": verdict}))


def _store_alarm(session: Session, measurement: MeasurementRow, alarm: Alarm) -> AlarmRow:
    row = AlarmRow(measurement_id=measurement.id, machine_id=alarm.machine_id, characteristic=alarm.characteristic,
                   part_id=alarm.part_id, rule=alarm.rule, at=measurement.at, document=alarm.to_dict())
    session.add(row)
    return row


@router.post("/measurements", response_model=MeasurementResult, status_code=201,
             summary="Record measurements; the live monitor checks each one")
async def add_measurements(batch: MeasurementBatch, request: Request, _: Operator) -> MeasurementResult:
    store = runtime_of(request).store
    if all(m.part_id is None for m in batch.measurements):
        own = own_company_id(store)
        with api_queries.writing(store) as connection:
            _check_machines(connection, own, batch)
            return MeasurementResult(stored=len(batch.measurements),
                                     alarms=observe_without_parts(connection, batch.measurements,
                                                                  _node_monitor(request)))
    with store.transaction() as uow:
        _check_references(uow, batch)
        stored, alarms = observe(uow, batch.measurements, _node_monitor(request))
        uow.session.flush()
        return MeasurementResult(stored=stored, alarms=[_alarm_view(a) for a in alarms])


@router.get("/characteristics", response_model=list[Characteristic], summary="What is measured, on which machine")
async def characteristics(request: Request, _: Reader) -> list[Characteristic]:
    with runtime_of(request).store.transaction() as uow:
        company_id(uow.session)
        values = uow.session.execute(
            select(MeasurementRow.machine_id, MeasurementRow.characteristic, func.count())
            .group_by(MeasurementRow.machine_id, MeasurementRow.characteristic)
            .order_by(MeasurementRow.machine_id, MeasurementRow.characteristic)).all()
        alarms = dict(((m, c), n) for m, c, n in uow.session.execute(
            select(AlarmRow.machine_id, AlarmRow.characteristic, func.count())
            .group_by(AlarmRow.machine_id, AlarmRow.characteristic)).all())
        return [Characteristic(machine_id=m, characteristic=c, values=n, alarms=alarms.get((m, c), 0))
                for m, c, n in values]


def _busiest_machine(session: Session, characteristic: str) -> str | None:
    return session.execute(
        select(MeasurementRow.machine_id).where(MeasurementRow.characteristic == characteristic)
        .group_by(MeasurementRow.machine_id).order_by(func.count().desc(), MeasurementRow.machine_id).limit(1)
    ).scalar_one_or_none()


@router.get("/charts/{characteristic}", response_model=ChartView, summary="A control chart of a characteristic")
async def chart(
    characteristic: str, request: Request, _: Reader,
    kind: Annotated[ChartKind, Query(alias="chart")] = ChartKind.IMR,
    machine_id: Annotated[str | None, Query(description="default: the machine with most values")] = None,
    subgroup_size: Annotated[int, Query(ge=2, le=25, description="for xbar-r / xbar-s")] = 5,
    phase1: Annotated[int | None, Query(ge=2, description="points that estimate the limits")] = None,
    last: Annotated[int, Query(ge=2, le=MAX_CHART_POINTS, description="chart the last N values")] = 1000,
) -> ChartView:
    with runtime_of(request).store.transaction() as uow:
        company_id(uow.session)
        machine = machine_id or _busiest_machine(uow.session, characteristic)
        if machine is None:
            raise not_found(f"characteristic: no measurements of {characteristic!r}")
        values = list(uow.session.execute(
            select(MeasurementRow.value).where(MeasurementRow.characteristic == characteristic,
                                               MeasurementRow.machine_id == machine)
            .order_by(MeasurementRow.id.desc()).limit(last)).scalars())[::-1]
    if not values:
        raise not_found(f"characteristic: no measurements of {characteristic!r} on machine {machine!r}")
    size = subgroup_size if kind in (ChartKind.XBAR_R, ChartKind.XBAR_S) else 1
    groups = len(values) // size
    if groups < 2:
        raise conflict(f"characteristic: {len(values)} values of {characteristic!r} make fewer than 2 points")
    data = ChartData(np.asarray(values[:groups * size], dtype=float).reshape(groups, size))
    first = min(phase1 if phase1 is not None else max(2, _node_monitor(request).phase1_samples // size), groups)
    try:
        result = run_chart(data, ChartSpec(kind=kind, phase1=first))
    except ValueError as error:
        raise conflict(f"chart: {error}") from None
    location = result.panels[0]
    signalled = set(result.out_of_control)
    return ChartView(
        characteristic=characteristic, machine_id=machine, chart=kind, subgroup_size=size, phase1=first,
        points=[ChartPoint(index=i, value=v, alarm=i in signalled) for i, v in enumerate(location.values)],
        center=location.center, ucl=_last_defined(location.upper), lcl=_last_defined(location.lower),
        alarms=[ChartAlarm(index=s.index, rule=s.rule, description=s.description) for s in result.signals],
    )


def _last_defined(limits: list[float | None]) -> float | None:
    return next((v for v in reversed(limits) if v is not None), None)


@router.get("/alarms", response_model=Page[AlarmView], summary="Alarms the live monitor raised, newest first")
async def alarms(request: Request, _: Reader, limit: Limit = 100, offset: Offset = 0,
                 machine_id: str | None = None, characteristic: str | None = None) -> Page[AlarmView]:
    store = runtime_of(request).store
    own_company_id(store)
    if machine_id is None and characteristic is None:  # what a dashboard polls: one compiled statement
        with api_queries.reading(store) as connection:
            rows = api_queries.ALARM_PAGE.all(connection, {"limit": limit, "offset": offset})
            total = api_queries.ALARM_COUNT.all(connection)[0][0]
        return Page(items=[_alarm_view_of(r) for r in rows], total=total, limit=limit, offset=offset)
    with store.transaction() as uow:
        query = select(AlarmRow).order_by(AlarmRow.id.desc())
        if machine_id is not None:
            query = query.where(AlarmRow.machine_id == machine_id)
        if characteristic is not None:
            query = query.where(AlarmRow.characteristic == characteristic)
        rows, total = page(uow.session, query, limit, offset)
        return Page(items=[_alarm_view(r) for r in rows], total=total, limit=limit, offset=offset)
