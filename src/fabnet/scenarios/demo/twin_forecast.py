"""Demo stage, twin: Monte Carlo replications of each supplier's schedule in the SimPy twin (seeded): per order the
P90 completion and the on-time probability, per machine utilisation, OEE and energy."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fabnet.domain import RegionalNetwork
from fabnet.scenarios.demo.results import CompanyForecast, MachineForecast, OrderForecast, TwinResult
from fabnet.scenarios.demo.schedules import ScheduledCompany
from fabnet.twin.model import FactoryTwin
from fabnet.twin.settings import MachineSettings, TwinSettings
from fabnet.twin.summary import replicate, summarise

FLOOR = MachineSettings(
    processing_cv=0.2, mtbf_minutes=2400, mttr_minutes=60, scrap_probability=0.01, rework_probability=0.03,
    drift_per_operation=0.01,
)
"""How the floor deviates from the plan: the uncertainty the twin's benchmark uses for the brainport shops
(processing times ±20 %, a breakdown per 40 working hours taking an hour, 1 % scrap, 3 % rework)."""


def forecast_company(
    network: RegionalNetwork, scheduled: ScheduledCompany, replications: int, seed: int, folder: Path, root: Path
) -> CompanyForecast:
    company_id = scheduled.result.company_id
    machines = [m for m in network.machines_of(company_id) if m.id in {pm.id for pm in scheduled.problem.machines}]
    settings = TwinSettings.from_machines(machines, FLOOR)
    twin = FactoryTwin(scheduled.problem, scheduled.solution, settings)
    seeds = list(range(seed, seed + replications))
    summary = summarise(scheduled.problem, scheduled.solution, replicate(twin, seeds))
    twin_file = folder / f"{company_id}.twin.json"
    twin_file.parent.mkdir(parents=True, exist_ok=True)
    twin_file.write_text(summary.model_dump_json(indent=1), encoding="utf-8")
    orders = tuple(
        OrderForecast(
            order_id=job.id, due_min=job.due, planned_completion_min=job.planned_completion,
            p90_completion_min=round(job.completion.p90, 1),
            p90_completion_at=(network.origin + timedelta(minutes=job.completion.p90)).isoformat(timespec="minutes"),
            on_time_probability=round(job.on_time_probability, 4),
        )
        for job in summary.jobs
    )
    machine_figures = tuple(
        MachineForecast(machine_id=m.id, utilisation=round(m.utilisation.mean, 4), oee=round(m.oee.mean, 4),
                        energy_kwh=round(m.energy_kwh.mean, 1))
        for m in summary.machines
    )
    return CompanyForecast(
        company_id=company_id, replications=replications, seeds=tuple(seeds),
        planned_makespan_min=summary.planned_makespan, p90_makespan_min=round(summary.makespan.p90, 1),
        all_on_time_probability=round(summary.on_time_probability, 4), orders=orders, machines=machine_figures,
        twin_file=twin_file.relative_to(root).as_posix(),
    )


def summarise_forecasts(companies: list[CompanyForecast], replications: int) -> TwinResult:
    orders = [o for c in companies for o in c.orders]
    machines = [m for c in companies for m in c.machines if m.utilisation > 0]
    return TwinResult(
        companies=tuple(companies), replications=replications, orders=len(orders),
        orders_p90_on_time=sum(1 for o in orders if o.on_time_probability >= 0.9),
        mean_on_time_probability=round(sum(o.on_time_probability for o in orders) / max(1, len(orders)), 4),
        mean_oee=round(sum(m.oee for m in machines) / max(1, len(machines)), 4),
        energy_kwh=round(sum(m.energy_kwh for c in companies for m in c.machines), 1),
    )
