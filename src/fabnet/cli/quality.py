"""`fabnet quality`: SPC charts, capability, live quality monitor."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from pydantic import BaseModel, ValidationError
from rich.table import Table

from fabnet.cli.bench import app as bench_app
from fabnet.cli.root import console, fail, group, write_text
from fabnet.domain.errors import describe
from fabnet.quality.chart_model import ChartData, ChartKind, ChartSpec
from fabnet.quality.detection import DetectionReport, FaultedSeries, study
from fabnet.quality.rules import RULE_SETS

app = group("quality", "SPC charts, capability, live quality monitor.")

DETECTION_FAULTS: tuple[tuple[str, float], ...] = (("shift", 1.0), ("drift", 1.0), ("variance", 2.0), ("spike", 4.0))
"""Fault kinds of the detection benchmark with magnitudes (σ; σ per 100 parts; σ factor; σ, 5 % of parts)."""




def _write_json(path: Path, model: BaseModel) -> None:
    write_text(path, model.model_dump_json(indent=2))
    console.print(f"wrote {path}")


def _read_table(data: Path, column: str | None, subgroup_size: int | None) -> tuple[tuple[str, ...], ChartData]:
    from fabnet.standards.spc_csv import SpcCsvError, read_spc_csv

    try:
        table = read_spc_csv(data, column, subgroup_size)
    except (SpcCsvError, ValueError) as error:
        fail(str(error))
    return table.columns, table.data


@app.command("chart")
def chart(
    data: Annotated[Path, typer.Argument(help="CSV: one value column, or one subgroup per row")],
    kind: Annotated[ChartKind, typer.Option("--chart", help="chart kind")] = ChartKind.IMR,
    output: Annotated[Path, typer.Option("-o", "--output", help="the HTML page to write")] = Path("chart.html"),
    rules: Annotated[str, typer.Option(help=f"run rules: {', '.join(RULE_SETS)}")] = "western-electric",
    phase1: Annotated[int | None, typer.Option(help="leading points (subgroups) that estimate the limits")] = None,
    subgroup_size: Annotated[int | None, typer.Option(help="group one value column into subgroups of n")] = None,
    column: Annotated[str | None, typer.Option(help="the value column (default: all value columns)")] = None,
    ewma_lambda: Annotated[float, typer.Option(help="EWMA weight λ")] = 0.10,
    ewma_width: Annotated[float, typer.Option(help="EWMA limit width L")] = 2.814,
    cusum_k: Annotated[float, typer.Option(help="CUSUM reference value k (σ)")] = 0.5,
    cusum_h: Annotated[float, typer.Option(help="CUSUM decision interval h (σ)")] = 5.0,
    json_out: Annotated[Path | None, typer.Option("--json", help="also write the chart as JSON")] = None,
) -> None:
    """Draw a control chart (limits from phase I) as an offline HTML page, with the run-rule signals."""
    from fabnet.quality.charts import run_chart
    from fabnet.standards.chart_html import render_chart_html

    try:
        spec = ChartSpec(kind=kind, phase1=phase1, rules=rules, ewma_lambda=ewma_lambda, ewma_width=ewma_width,
                         cusum_k=cusum_k, cusum_h=cusum_h)
    except ValidationError as error:
        fail(describe(error, "options"))
    if kind in (ChartKind.XBAR_R, ChartKind.XBAR_S) and subgroup_size is not None and subgroup_size < 2:
        fail(f"--subgroup-size: {kind.value} needs subgroups of at least 2, got {subgroup_size}")
    columns, table = _read_table(data, column, subgroup_size)
    if kind is ChartKind.IMR and table.subgroup_size > 1:
        fail(f"{data}: imr charts one value column but the rows hold {table.subgroup_size} ({', '.join(columns)}); "
             "choose one with --column")
    try:
        result = run_chart(table, spec)
    except ValueError as error:
        fail(f"{data}: {error}")
    write_text(output, render_chart_html(result, f"{kind.value} chart of {data.name}"))
    estimate = result.estimate
    summary = Table(title=f"{kind.value} chart of {data.name}: σ = {estimate.sigma:.6g} ({estimate.method})")
    for name in ("panel", "centre", "LCL", "UCL"):
        summary.add_column(name)
    for panel in result.panels:
        lower, upper = panel.lower[-1], panel.upper[-1]
        summary.add_row(panel.name, f"{panel.center:.6g}", "—" if lower is None else f"{lower:.6g}",
                        "—" if upper is None else f"{upper:.6g}")
    console.print(summary)
    flagged = ", ".join(result.labels[i] for i in result.out_of_control) or "none"
    console.print(f"{len(result.signals)} signals; points out of control: {flagged}")
    console.print(f"wrote {output}")
    if json_out:
        _write_json(json_out, result)


@app.command("capability")
def capability(
    data: Annotated[Path, typer.Argument(help="CSV: one value column, or one subgroup per row")],
    lsl: Annotated[float | None, typer.Option(help="lower specification limit")] = None,
    usl: Annotated[float | None, typer.Option(help="upper specification limit")] = None,
    column: Annotated[str | None, typer.Option(help="the value column (default: all value columns)")] = None,
    confidence: Annotated[float, typer.Option(help="confidence level of the intervals")] = 0.95,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON instead of a table")] = False,
) -> None:
    """Cp, Cpk, Pp, Ppk with confidence intervals, and a normality check."""
    from fabnet.quality.capability import CapabilitySpec
    from fabnet.quality.capability import capability as compute

    try:
        spec = CapabilitySpec(lsl=lsl, usl=usl, confidence=confidence)
    except ValidationError as error:
        fail(describe(error, "options"))
    _, table = _read_table(data, column, None)
    try:
        result = compute(table, spec)
    except ValueError as error:
        fail(f"{data}: {error}")
    if as_json:
        print(result.model_dump_json(indent=2))
        return
    out = Table(title=f"capability of {data.name}: N = {result.count}, mean {result.mean:.6g}, "
                      f"σ within {result.sigma_within:.4g} ({result.sigma_within_method}), "
                      f"σ overall {result.sigma_overall:.4g}")
    for name in ("index", "value", f"{confidence:.0%} CI", "method"):
        out.add_column(name)
    for name in ("cp", "cpk", "pp", "ppk"):
        index = getattr(result, name)
        if index is not None:
            out.add_row(name.capitalize(), f"{index.value:.3f}", f"{index.lower:.3f} – {index.upper:.3f}",
                        index.method)
    console.print(out)
    normal = result.normality
    console.print(f"expected {result.expected_ppm_out_of_spec:,.0f} ppm out of spec (observed "
                  f"{result.observed_out_of_spec}); normality: Anderson–Darling A² = {normal.anderson_darling:.3f} "
                  f"(p ≈ {normal.anderson_darling_p:.2f}), Shapiro–Wilk W = {normal.shapiro_wilk:.3f} "
                  f"(p = {normal.shapiro_wilk_p:.3f}) → {'normal' if normal.normal else 'NOT normal: indices suspect'}")


@app.command("arl")
def arl(
    scheme: Annotated[str, typer.Option(help="shewhart, ewma, cusum, western-electric or nelson")] = "shewhart",
    shift: Annotated[float, typer.Option(help="mean shift in σ")] = 0.0,
    replications: Annotated[int, typer.Option(min=10)] = 10_000,
    seed: Annotated[int, typer.Option()] = 0,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the result as JSON")] = None,
) -> None:
    """Average run length of a scheme by seeded Monte Carlo."""
    from fabnet.quality.arl import ArlProblem, simulate_arl

    try:
        problem = ArlProblem(scheme=scheme, shift=shift, replications=replications, seed=seed)  # type: ignore[arg-type]
    except ValidationError as error:
        fail(describe(error, "options"))
    with console.status(f"simulating {replications:,} run lengths"):
        result = simulate_arl(problem)
    console.print(f"{scheme}, shift {shift}σ: ARL = {result.arl:.2f} ± {result.std_error:.2f} (s.e.), "
                  f"median {result.median:.0f}, {replications:,} replications")
    if json_out:
        _write_json(json_out, result)


def detection_series(
    runs: int, seed: int, phase1: int, monitored_before: int, after_onset: int, in_control_parts: int,
    in_control_runs: int,
) -> tuple[list[FaultedSeries], list[np.ndarray], str]:
    """Faulted and in-control series of one characteristic from the twin's signal simulator (seeded)."""
    from fabnet.twin.signals import CharacteristicSpec, Fault, MachineProfile, SignalSimulator

    profile = MachineProfile("bench-m1", "bench", (), (CharacteristicSpec("diameter", 10.0, 9.9, 10.1, 0.025),))
    origin = datetime(2026, 1, 5, tzinfo=UTC)
    onset = phase1 + monitored_before
    faulted = []
    for kind, magnitude in DETECTION_FAULTS:
        for run in range(runs):
            fault = Fault("bench-m1", kind, onset, magnitude)  # type: ignore[arg-type]
            simulator = SignalSimulator([profile], [fault], seed=seed * 100_003 + run, origin=origin)
            values = simulator.characteristic_values("bench-m1", "diameter", onset + after_onset)
            faulted.append(FaultedSeries(kind, magnitude, values, onset))
    in_control = [
        SignalSimulator([profile], seed=seed * 100_003 + 50_000 + run, origin=origin).characteristic_values(
            "bench-m1", "diameter", phase1 + in_control_parts)
        for run in range(in_control_runs)
    ]
    return faulted, in_control, "fabnet.twin.signals.SignalSimulator"


def detection_table(report: DetectionReport) -> Table:
    """The benchmark's figures as one table: a row per fault, a column per scheme."""
    table = Table(title=f"Detection delay (parts after onset, mean / median) and false alarms — phase I "
                        f"{report.phase1} parts")
    table.add_column("fault")
    for scheme in report.schemes:
        table.add_column(scheme, justify="right")
    for fault in dict.fromkeys((d.fault, d.magnitude) for d in report.delays):
        cells = []
        for scheme in report.schemes:
            d = next(x for x in report.delays if (x.fault, x.magnitude, x.scheme) == (*fault, scheme))
            found = f"{d.mean_delay:.1f} / {d.median_delay:.0f}" if d.mean_delay is not None else "—"
            cells.append(found + ("" if d.detected == d.runs else f" ({d.runs - d.detected} missed)"))
        table.add_row(f"{fault[0]} {fault[1]:g}", *cells)
    table.add_row("false alarms / 10,000", *[f"{f.per_10000:.1f}" for f in report.false_alarms])
    return table


@bench_app.command("quality")
def bench_quality(
    runs: Annotated[int, typer.Option(min=1, help="faulted series per fault kind")] = 50,
    in_control_runs: Annotated[int, typer.Option(min=1, help="in-control series of 10,000 parts each")] = 5,
    phase1: Annotated[int, typer.Option(min=5, help="in-control parts that estimate each monitor's limits")] = 200,
    seed: Annotated[int, typer.Option()] = 1,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the figures as JSON")] = None,
) -> None:
    """Detection delay per fault kind and false alarms per 10,000 parts: EWMA / CUSUM versus Shewhart."""
    with console.status("simulating faulted and in-control series"):
        faulted, in_control, source = detection_series(runs, seed, phase1, 100, 400, 10_000, in_control_runs)
    with console.status("monitoring every series with every scheme"):
        report = study(faulted, in_control, phase1)
    console.print(detection_table(report))
    console.print(f"series from {source}; faults start 100 parts after phase I: "
                  + ", ".join(f"{k} {m:g}" for k, m in DETECTION_FAULTS)
                  + " (σ; σ/100 parts; σ factor; σ spikes at 5 % of parts)")
    if json_out:
        write_text(json_out, json.dumps({"source": source, **report.model_dump()}, indent=2))
        console.print(f"wrote {json_out}")
