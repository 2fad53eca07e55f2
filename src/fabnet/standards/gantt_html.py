"""Writes a Gantt chart as one self-contained, offline HTML page (inline SVG, a few lines of inline JS)."""

from __future__ import annotations

from html import escape

from fabnet.planning.gantt import GanttChart

_ROW = 28
_LEFT = 110
_WIDTH = 1100
_PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
            "#86bcb6", "#e15759", "#8cd17d")

_SCRIPT = """
document.querySelectorAll('[data-job]').forEach(function (bar) {
  bar.addEventListener('click', function () {
    var job = bar.getAttribute('data-job');
    var on = !bar.classList.contains('picked');
    document.querySelectorAll('[data-job]').forEach(function (other) {
      other.classList.toggle('picked', on && other.getAttribute('data-job') === job);
      other.classList.toggle('dim', on && other.getAttribute('data-job') !== job);
    });
  });
});
var svg = document.querySelector('svg'), zoom = 1;
document.getElementById('zoom-in').onclick = function () { zoom *= 1.5; svg.style.width = (zoom * 100) + '%'; };
document.getElementById('zoom-out').onclick = function () { zoom = Math.max(1, zoom / 1.5);
  svg.style.width = (zoom * 100) + '%'; };
"""


def render_gantt_html(chart: GanttChart) -> str:
    scale = (_WIDTH - _LEFT - 10) / chart.horizon
    colour = {job: _PALETTE[n % len(_PALETTE)] for n, job in enumerate(chart.jobs)}
    height = _ROW * len(chart.rows) + 40
    parts = [f'<svg viewBox="0 0 {_WIDTH} {height}" xmlns="http://www.w3.org/2000/svg" font-size="11" '
             'font-family="sans-serif">']
    step = max(1, _nice_step(chart.horizon))
    for t in range(0, chart.horizon + 1, step):
        x = _LEFT + t * scale
        parts.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 25}" stroke="#ddd"/>'
                     f'<text x="{x:.1f}" y="{height - 10}" text-anchor="middle" fill="#555">{t}</text>')
    for r, row in enumerate(chart.rows):
        y = r * _ROW + 4
        parts.append(f'<text x="4" y="{y + 16}" fill="#222">{escape(row.machine)}</text>')
        for bar in row.bars:
            x, w = _LEFT + bar.start * scale, max(1.0, (bar.end - bar.start) * scale)
            tip = escape(f"{bar.label} [{bar.start}, {bar.end})" + (f" job {bar.job}" if bar.job else "")
                         + (f" family {bar.family}" if bar.family else "") + (" LATE" if bar.late else ""))
            if bar.kind == "unavailable":
                parts.append(f'<rect class="down" x="{x:.1f}" y="{y}" width="{w:.1f}" height="{_ROW - 6}">'
                             f"<title>{tip}</title></rect>")
            elif bar.kind == "setup":
                parts.append(f'<rect class="setup" x="{x:.1f}" y="{y + 6}" width="{w:.1f}" height="{_ROW - 18}">'
                             f"<title>{tip}</title></rect>")
            else:
                stroke = ' stroke="#c00" stroke-width="2"' if bar.late else ""
                parts.append(f'<rect data-job="{escape(bar.job or "")}" x="{x:.1f}" y="{y}" width="{w:.1f}" '
                             f'height="{_ROW - 6}" fill="{colour.get(bar.job or "", "#888")}"{stroke}>'
                             f"<title>{tip}</title></rect>")
                if w > 40:
                    parts.append(f'<text x="{x + 3:.1f}" y="{y + 15}" fill="#fff" pointer-events="none">'
                                 f"{escape(bar.label[: int(w / 6)])}</text>")
    parts.append("</svg>")
    style = ("body{font-family:sans-serif;margin:16px} .setup{fill:#999;opacity:.8} "
             ".down{fill:#333;opacity:.25} .dim{opacity:.2} .picked{stroke:#000;stroke-width:2} "
             "#chart{overflow-x:auto;border:1px solid #ccc} .key span{display:inline-block;margin-right:12px}")
    legend = ('<p class="key"><span>■ operation (colour = job, red edge = late)</span>'
              '<span style="color:#999">■ changeover</span><span style="color:#aaa">■ unavailable</span>'
              '<button id="zoom-in">zoom +</button> <button id="zoom-out">zoom −</button> '
              "click a bar to highlight its job</p>")
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(chart.title)}</title>'
            f"<style>{style}</style></head><body><h1>{escape(chart.title)}</h1>{legend}"
            f'<div id="chart">{"".join(parts)}</div><script>{_SCRIPT}</script></body></html>')


def _nice_step(horizon: int) -> int:
    raw = horizon / 12
    magnitude = 10 ** max(0, len(str(int(raw))) - 1)
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude
