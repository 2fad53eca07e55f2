"""Writes a control chart as one self-contained, offline HTML page: inline SVG per panel, no scripts, no CDN."""

from html import escape

from fabnet.quality.chart_model import ChartResult

_WIDTH, _HEIGHT, _LEFT, _RIGHT, _TOP, _BOTTOM = 960, 260, 80, 20, 20, 40
_RED, _BLUE, _GREY = "#d62728", "#1f77b4", "#888"


def _fmt(value: float) -> str:
    return f"{value:.6g}"


def _panel_svg(result: ChartResult, index: int) -> str:
    panel = result.panels[index]
    n = len(panel.values)
    numbers = [v for series in (panel.values, panel.lower, panel.upper) for v in series if v is not None]
    numbers.append(panel.center)
    low, high = min(numbers), max(numbers)
    pad = (high - low) * 0.08 or abs(high) * 0.01 or 1.0
    low, high = low - pad, high + pad
    plot_w, plot_h = _WIDTH - _LEFT - _RIGHT, _HEIGHT - _TOP - _BOTTOM

    def x(i: float) -> float:
        return _LEFT + (plot_w * (i + 0.5) / n)

    def y(v: float) -> float:
        return _TOP + plot_h * (high - v) / (high - low)

    flagged: dict[int, list[str]] = {}
    for signal in result.signals:
        if signal.panel == panel.name:
            flagged.setdefault(signal.index, []).append(f"{signal.rule}: {signal.description}")
    out = [f'<svg viewBox="0 0 {_WIDTH} {_HEIGHT}" xmlns="http://www.w3.org/2000/svg" role="img" '
           f'aria-label="{escape(panel.name)} chart" font-family="sans-serif" font-size="11">']
    out.append(f'<rect x="{_LEFT}" y="{_TOP}" width="{plot_w}" height="{plot_h}" fill="#fafafa" stroke="#ccc"/>')
    if 0 < result.phase1 < n:
        px = (x(result.phase1 - 1) + x(result.phase1)) / 2
        out.append(f'<line x1="{px:.1f}" y1="{_TOP}" x2="{px:.1f}" y2="{_TOP + plot_h}" stroke="{_GREY}" '
                   'stroke-dasharray="2 3"/>')
        out.append(f'<text x="{px - 4:.1f}" y="{_TOP + 12}" text-anchor="end" fill="{_GREY}">phase I</text>')
        out.append(f'<text x="{px + 4:.1f}" y="{_TOP + 12}" fill="{_GREY}">phase II</text>')
    for tick in range(5):
        value = low + (high - low) * tick / 4
        out.append(f'<text x="{_LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{_fmt(value)}</text>')
    out.append(f'<line x1="{_LEFT}" y1="{y(panel.center):.1f}" x2="{_LEFT + plot_w}" y2="{y(panel.center):.1f}" '
               f'stroke="#2ca02c"><title>centre {_fmt(panel.center)}</title></line>')
    for name, series in (("UCL", panel.upper), ("LCL", panel.lower)):
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(series) if v is not None)
        if points:
            last = next(v for v in reversed(series) if v is not None)
            out.append(f'<polyline points="{points}" fill="none" stroke="{_RED}" stroke-dasharray="6 3">'
                       f'<title>{name} {_fmt(last)}</title></polyline>')
    line = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(panel.values) if v is not None)
    out.append(f'<polyline points="{line}" fill="none" stroke="{_BLUE}" stroke-width="1.2"/>')
    for i, v in enumerate(panel.values):
        if v is None:
            continue
        colour = _RED if i in flagged else _BLUE
        tip = f"{escape(result.labels[i])}: {_fmt(v)}"
        if i in flagged:
            tip += " — " + escape("; ".join(flagged[i]))
        out.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="{4 if i in flagged else 2.5}" fill="{colour}">'
                   f"<title>{tip}</title></circle>")
    step = max(1, n // 20)
    for i in range(0, n, step):
        out.append(f'<text x="{x(i):.1f}" y="{_TOP + plot_h + 16}" text-anchor="middle">'
                   f"{escape(result.labels[i])}</text>")
    out.append(f'<text x="14" y="{_TOP + plot_h / 2:.1f}" transform="rotate(-90 14 {_TOP + plot_h / 2:.1f})" '
               f'text-anchor="middle" font-weight="bold">{escape(panel.name)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def render_chart_html(result: ChartResult, title: str) -> str:
    """The whole page: title, estimate, one SVG per panel, and the table of signals."""
    est = result.estimate
    stats = ", ".join(f"{escape(k)} = {_fmt(v)}" for k, v in est.statistics.items())
    limits = "".join(
        f"<tr><td>{escape(p.name)}</td><td>{_fmt(p.center)}</td>"
        f"<td>{_fmt(p.lower[-1]) if p.lower and p.lower[-1] is not None else '—'}</td>"
        f"<td>{_fmt(p.upper[-1]) if p.upper and p.upper[-1] is not None else '—'}</td></tr>"
        for p in result.panels
    )
    rows = "".join(
        f"<tr><td>{escape(s.label)}</td><td>{s.phase}</td><td>{escape(s.panel)}</td><td>{escape(s.rule)}</td>"
        f"<td>{escape(s.description)}</td></tr>"
        for s in result.signals
    ) or '<tr><td colspan="5">no signals — the process is in statistical control</td></tr>'
    panels = "\n".join(f"<figure>{_panel_svg(result, i)}</figure>" for i in range(len(result.panels)))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 24px; color: #222; }} figure {{ margin: 8px 0; }}
svg {{ width: 100%; max-width: {_WIDTH}px; height: auto; }}
table {{ border-collapse: collapse; margin: 8px 0 16px; }} td, th {{ border: 1px solid #ccc; padding: 3px 8px; }}
th {{ background: #eee; }}
</style></head><body>
<h1>{escape(title)}</h1>
<p>Chart <b>{escape(result.kind.value)}</b>, subgroup size {result.subgroup_size}, {len(result.labels)} points,
phase I = first {result.phase1}; rules: {escape(result.rules)}.
Centre {_fmt(est.center)}, σ = {_fmt(est.sigma)} ({escape(est.method)}){'; ' + stats if stats else ''}.</p>
<table><tr><th>panel</th><th>centre</th><th>LCL</th><th>UCL</th></tr>{limits}</table>
{panels}
<h2>Signals ({len(result.signals)})</h2>
<table><tr><th>point</th><th>phase</th><th>panel</th><th>rule</th><th>reason</th></tr>{rows}</table>
</body></html>
"""
