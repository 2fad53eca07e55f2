// A control chart as SVG: points joined by a line, centre line, dashed control limits, alarm points in red with
// their rule. Same geometry and colours as standards/chart_html.

import { formatNumber, s } from "./dom.js";

const WIDTH = 960;
const HEIGHT = 280;
const LEFT = 80;
const RIGHT = 20;
const TOP = 20;
const BOTTOM = 40;

/** A limit given as one number or as one value per point (e.g. varying subgroup sizes). */
function limitAt(limit, index) {
  if (Array.isArray(limit)) return limit[index] ?? null;
  return limit ?? null;
}

/** The chart answer of GET /quality/charts/{characteristic} in one shape. */
export function chartSeries(answer) {
  const points = answer.points.map((p) => ({ index: p.index, value: p.value, alarm: p.alarm }))
    .filter((p) => p.value !== null);
  const rules = new Map();
  for (const { index, rule, description } of answer.alarms) {
    rules.set(index, [...(rules.get(index) || []), `${rule}: ${description}`]);
  }
  for (const p of points) if (rules.has(p.index)) p.alarm = true;
  return { points, rules, center: answer.center, ucl: answer.ucl, lcl: answer.lcl, phase1: answer.phase1 ?? 0 };
}

export function drawControlChart(series, title) {
  const { points, rules, center, ucl, lcl } = series;
  const n = points.length;
  const numbers = points.map((p) => p.value);
  for (let i = 0; i < n; i += 1) numbers.push(limitAt(ucl, i), limitAt(lcl, i));
  numbers.push(center);
  const known = numbers.filter((v) => v !== null && v !== undefined && Number.isFinite(Number(v))).map(Number);
  let low = Math.min(...known);
  let high = Math.max(...known);
  const pad = (high - low) * 0.08 || Math.abs(high) * 0.01 || 1;
  low -= pad;
  high += pad;
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const x = (i) => LEFT + (plotW * (i + 0.5)) / Math.max(n, 1);
  const y = (v) => TOP + (plotH * (high - v)) / (high - low);

  const svg = s("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "control-chart", role: "img", "font-size": 11,
    "aria-label": `${title}: ${n} points, ${points.filter((p) => p.alarm).length} alarms` });
  svg.append(s("rect", { x: LEFT, y: TOP, width: plotW, height: plotH, class: "plot" }));
  const phase1 = series.phase1 || 0;
  if (phase1 > 0 && phase1 < n) {
    // the first points estimated the limits (phase I); the rest are monitored against them (phase II)
    const px = (x(phase1 - 1) + x(phase1)) / 2;
    svg.append(s("line", { x1: px, y1: TOP, x2: px, y2: TOP + plotH, class: "phase" }),
      s("text", { x: px - 4, y: TOP + 12, "text-anchor": "end", class: "phase-label" }, "phase I"),
      s("text", { x: px + 4, y: TOP + 12, class: "phase-label" }, "phase II"));
  }
  for (let tick = 0; tick <= 4; tick += 1) {
    const value = low + ((high - low) * tick) / 4;
    svg.append(s("text", { x: LEFT - 6, y: y(value) + 4, "text-anchor": "end", class: "tick" }, formatNumber(value, 4)));
  }
  if (center !== undefined && center !== null) {
    svg.append(s("line", { x1: LEFT, y1: y(center), x2: LEFT + plotW, y2: y(center), class: "centre" },
      s("title", {}, `centre ${formatNumber(center, 6)}`)));
  }
  for (const [name, limit] of [["UCL", ucl], ["LCL", lcl]]) {
    const path = points.map((p, i) => [i, limitAt(limit, i)]).filter(([, v]) => v !== null && v !== undefined)
      .map(([i, v]) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    if (!path) continue;
    const last = Array.isArray(limit) ? limit[limit.length - 1] : limit;
    svg.append(s("polyline", { points: path, class: `limit ${name.toLowerCase()}` }, s("title", {}, `${name} ${formatNumber(last, 6)}`)),
      s("text", { x: LEFT + plotW - 4, y: y(last) - 4, "text-anchor": "end", class: "limit-label" }, name));
  }
  svg.append(s("polyline", { points: points.map((p, i) => `${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(" "),
    class: "series" }));
  points.forEach((p, i) => {
    const why = rules.get(p.index);
    svg.append(s("circle", { cx: x(i), cy: y(p.value), r: p.alarm ? 4.5 : 2.5, class: p.alarm ? "point alarm" : "point",
      "data-index": p.index },
    s("title", {}, `point ${p.index}: ${formatNumber(p.value, 6)}${why ? ` — ${why.join("; ")}` : ""}`)));
  });
  const step = Math.max(1, Math.floor(n / 20));
  for (let i = 0; i < n; i += step) {
    svg.append(s("text", { x: x(i), y: TOP + plotH + 16, "text-anchor": "middle", class: "tick" }, String(points[i].index)));
  }
  svg.append(s("text", { x: 14, y: TOP + plotH / 2, transform: `rotate(-90 14 ${TOP + plotH / 2})`,
    "text-anchor": "middle", class: "axis-title" }, title));
  return svg;
}
