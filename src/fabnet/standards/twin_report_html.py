"""Writes a twin Monte Carlo summary as one offline HTML page with inline SVG distribution charts."""

from __future__ import annotations

from html import escape

import numpy as np

from fabnet.twin.summary import Distribution, TwinSummary

_WIDTH = 900
_LEFT = 150
_ROW = 22
_STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; max-width: 960px; }
table { border-collapse: collapse; font-size: 13px; } td, th { padding: 3px 8px; border-bottom: 1px solid #ddd; }
th { text-align: left; background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
h2 { margin-top: 2em; } .late { color: #b00; }
"""


def _fmt(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def _histogram_svg(values: tuple[float, ...] | list[float], title: str, marker: float | None = None,
                   marker_label: str = "") -> str:
    """A histogram of a sample, with an optional vertical marker (e.g. the planned value or a due date)."""
    data = np.asarray(values, dtype=float)
    height, bottom, left = 180, 30, 40
    parts = [f'<svg viewBox="0 0 {_WIDTH} {height}" xmlns="http://www.w3.org/2000/svg" font-size="11" '
             f'font-family="sans-serif" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    low, high = float(data.min()), float(data.max())
    if marker is not None:
        low, high = min(low, marker), max(high, marker)
    if high <= low:
        high = low + 1.0
    counts, edges = np.histogram(data, bins=30, range=(low, high))
    plot_w, plot_h = _WIDTH - left - 10, height - bottom - 10
    scale_x = plot_w / (high - low)
    peak = max(int(counts.max()), 1)
    for count, start, end in zip(counts, edges[:-1], edges[1:], strict=True):
        x, w = left + (start - low) * scale_x, max(1.0, (end - start) * scale_x - 1)
        h = plot_h * count / peak
        parts.append(f'<rect x="{x:.1f}" y="{10 + plot_h - h:.1f}" width="{w:.1f}" height="{h:.1f}" fill="#4e79a7">'
                     f"<title>[{start:.1f}, {end:.1f}): {count}</title></rect>")
    for q, colour in ((50, "#222"), (90, "#f28e2b"), (95, "#e15759")):
        x = left + (float(np.percentile(data, q)) - low) * scale_x
        parts.append(f'<line x1="{x:.1f}" y1="10" x2="{x:.1f}" y2="{10 + plot_h}" stroke="{colour}" '
                     f'stroke-dasharray="4 2"/><text x="{x + 2:.1f}" y="20" fill="{colour}">P{q}</text>')
    if marker is not None:
        x = left + (marker - low) * scale_x
        parts.append(f'<line x1="{x:.1f}" y1="10" x2="{x:.1f}" y2="{10 + plot_h}" stroke="#59a14f" '
                     f'stroke-width="2"/><text x="{x + 2:.1f}" y="34" fill="#59a14f">{escape(marker_label)}</text>')
    for k in range(6):
        value = low + (high - low) * k / 5
        x = left + (value - low) * scale_x
        parts.append(f'<text x="{x:.1f}" y="{height - 10}" text-anchor="middle" fill="#555">{value:,.0f}</text>')
    parts.append(f'<text x="4" y="{10 + plot_h / 2:.0f}" fill="#555">n={data.size}</text></svg>')
    return "".join(parts)


def _bars_svg(rows: list[tuple[str, Distribution]], title: str, percent: bool = True) -> str:
    """One horizontal bar per row (the mean), with a whisker from min to P95."""
    height = _ROW * len(rows) + 30
    top = max((d.max for _, d in rows), default=1.0)
    limit = 1.0 if percent else (top or 1.0)
    scale = (_WIDTH - _LEFT - 60) / limit
    parts = [f'<svg viewBox="0 0 {_WIDTH} {height}" xmlns="http://www.w3.org/2000/svg" font-size="11" '
             f'font-family="sans-serif" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for r, (label, dist) in enumerate(rows):
        y = r * _ROW + 4
        text = f"{dist.mean:.1%}" if percent else _fmt(dist.mean)
        parts.append(f'<text x="4" y="{y + 14}">{escape(label)}</text>'
                     f'<rect x="{_LEFT}" y="{y}" width="{dist.mean * scale:.1f}" height="{_ROW - 6}" fill="#59a14f">'
                     f"<title>{escape(label)}: mean {text}, P50 {dist.p50:.3f}, P95 {dist.p95:.3f}</title></rect>"
                     f'<line x1="{_LEFT + dist.min * scale:.1f}" x2="{_LEFT + dist.p95 * scale:.1f}" '
                     f'y1="{y + 8}" y2="{y + 8}" stroke="#222"/>'
                     f'<text x="{_LEFT + max(dist.mean, dist.p95) * scale + 4:.1f}" y="{y + 14}">{text}</text>')
    for k in range(5):
        x = _LEFT + limit * k / 4 * scale
        label = f"{k * 25}%" if percent else _fmt(limit * k / 4, 0)
        parts.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" fill="#555">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_twin_html(summary: TwinSummary, title: str = "fabnet digital twin") -> str:
    """The whole report as a string: KPIs, job completion table and histograms, machine charts."""
    s = summary
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
             f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>",
             f"<p>{s.replications} replications (seeds {s.seeds[0]}–{s.seeds[-1]}), {s.events:,} simulation events. "
             f"Planned makespan {s.planned_makespan:,} min; simulated P50 {_fmt(s.makespan.p50)}, "
             f"P95 {_fmt(s.makespan.p95)} min. Probability that every job is on time: "
             f"{s.on_time_probability:.1%}.</p>",
             "<h2>Makespan</h2>", _histogram_svg([*_makespans(s)], "makespan distribution", s.planned_makespan,
                                                  "plan") if s.jobs else ""]
    if s.repair is not None:
        parts.append(
            "<h2>Rescheduling</h2><table><tr><th></th><th>mean</th><th>P50</th><th>P90</th><th>P95</th></tr>"
            + "".join(f"<tr><td>{label}</td>" + "".join(f"<td class='num'>{_fmt(v)}</td>"
                                                       for v in (d.mean, d.p50, d.p90, d.p95)) + "</tr>"
                      for label, d in (("weighted tardiness without repair", s.repair.without_repair),
                                       ("weighted tardiness with repair", s.repair.with_repair)))
            + f"</table><p>Repair lowered weighted tardiness in {s.repair.improved_share:.0%} of the replications "
              f"(mean {_fmt(s.repair.repairs.mean)} repairs per replication).</p>")
    parts.append("<h2>Jobs</h2><table><tr><th>job</th><th>due</th><th>planned</th><th>P50</th><th>P90</th>"
                 "<th>P95</th><th>on time</th></tr>")
    for job in s.jobs:
        late = " class='late'" if job.on_time_probability < 0.9 else ""
        parts.append(f"<tr{late}><td>{escape(job.id)}</td><td class='num'>{job.due if job.due is not None else ''}"
                     f"</td><td class='num'>{job.planned_completion}</td>"
                     + "".join(f"<td class='num'>{_fmt(v)}</td>" for v in (job.completion.p50, job.completion.p90,
                                                                          job.completion.p95))
                     + f"<td class='num'>{job.on_time_probability:.0%}</td></tr>")
    parts.append("</table><h2>Completion-time distributions</h2>")
    riskiest = sorted(s.jobs, key=lambda j: (j.on_time_probability, -j.completion.p95))[:12]
    for job in riskiest:
        parts.append(f"<h3>{escape(job.id)}</h3>")
        parts.append(_histogram_svg(job.completions, f"completion of {job.id}",
                                    float(job.due) if job.due is not None else None, "due"))
    parts.append("<h2>Machine utilisation</h2>")
    parts.append(_bars_svg([(m.id, m.utilisation) for m in s.machines], "utilisation per machine"))
    parts.append("<h2>OEE (availability × performance × quality)</h2>")
    parts.append(_bars_svg([(m.id, m.oee) for m in s.machines], "OEE per machine"))
    parts.append("<table><tr><th>machine</th><th>utilisation</th><th>availability</th><th>performance</th>"
                 "<th>quality</th><th>OEE</th><th>energy kWh</th><th>material kg</th><th>scrapped kg</th>"
                 "<th>breakdowns</th></tr>")
    for m in s.machines:
        parts.append(f"<tr><td>{escape(m.id)}</td>"
                     + "".join(f"<td class='num'>{d.mean:.1%}</td>"
                               for d in (m.utilisation, m.availability, m.performance, m.quality, m.oee))
                     + "".join(f"<td class='num'>{_fmt(d.mean)}</td>"
                               for d in (m.energy_kwh, m.material_used_kg, m.material_scrapped_kg, m.breakdowns))
                     + "</tr>")
    parts.append("</table></body></html>")
    return "".join(parts)


def _makespans(summary: TwinSummary) -> list[float]:
    per_replication = zip(*(job.completions for job in summary.jobs), strict=True)
    return [max(values) for values in per_replication]
