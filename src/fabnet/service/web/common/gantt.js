// The Gantt chart as SVG: a row per machine, operations coloured by order, changeovers hatched and outlined,
// and under it the twin's forecast per order (P50–P90 band, P95 whisker, due date). Same look as standards/gantt_html.

import { formatDateTime, formatPercent, s, toTime } from "./dom.js";

export const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
  "#bab0ac", "#86bcb6", "#e15759", "#8cd17d"];

const ROW = 28;
const FORECAST_ROW = 18;
const LEFT = 150;
const WIDTH = 1100;
const AXIS = 24;
const HOUR = 3600e3;
const STEPS = [1, 2, 3, 6, 12, 24, 48, 72, 168, 336].map((hours) => hours * HOUR);

/** Operations from GET /schedule with their times as milliseconds (`late` is the caller's to set: the schedule
 * does not know the due dates). */
export function scheduleOperations(answer) {
  return (answer?.operations ?? []).map((op) => ({
    order: op.order_id,
    operation: op.operation_id,
    machine: op.machine_id,
    start: toTime(op.start),
    end: toTime(op.end),
    setupStart: toTime(op.setup_start),
    setupEnd: toTime(op.setup_end),
  }));
}

/** Per-order forecast rows from GET /forecast, times as milliseconds. */
export function forecastOrders(answer) {
  return (answer?.orders ?? []).map((o) => ({
    order: o.order_id,
    p50: toTime(o.p50_completion),
    p90: toTime(o.p90_completion),
    p95: toTime(o.p95_completion),
    due: toTime(o.due),
    planned: toTime(o.planned_completion),
    onTime: o.on_time_probability,
  })).filter((o) => o.p50 !== null || o.p90 !== null);
}

export function orderColours(orders) {
  return new Map([...orders].map((order, n) => [order, PALETTE[n % PALETTE.length]]));
}

function tickStep(span) {
  return STEPS.find((step) => span / step <= 14) ?? STEPS[STEPS.length - 1];
}

function tickLabel(time, step) {
  const date = new Date(time);
  const day = date.toLocaleDateString("en-GB", { weekday: "short", day: "numeric", month: "short" });
  if (step >= 24 * HOUR) return day;
  const clock = date.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  return date.getHours() === 0 ? day : clock;
}

function tooltip(op) {
  const lines = [`${op.operation} — order ${op.order} on ${op.machine}`,
    `${formatDateTime(op.start)} → ${formatDateTime(op.end)}`];
  if (op.late) lines.push("LATE");
  return lines.join("\n");
}

/** The whole chart; `onPick(order|null)` is called when a bar is clicked (the chart dims the other orders itself);
 * `machineIds` adds lanes for machines without operations. */
export function drawGantt(operations, forecast = [], { onPick, machineIds = [] } = {}) {
  // every machine gets a lane, an idle one too: an empty lane is free capacity
  const machines = [...new Set([...machineIds, ...operations.map((op) => op.machine)])].sort();
  const orders = [...new Set(operations.map((op) => op.order))];
  const colour = orderColours(orders);
  // the window is the work and its forecast; a due date far after it is pinned to the right edge, not stretching it
  const times = operations.flatMap((op) => [op.setupStart ?? op.start, op.end]);
  for (const f of forecast) times.push(...[f.p50, f.p90, f.p95].filter((t) => t !== null));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + HOUR);
  const scale = (WIDTH - LEFT - 10) / (t1 - t0);
  const x = (time) => LEFT + (time - t0) * scale;
  const machineHeight = ROW * machines.length;
  const forecastTop = AXIS + machineHeight + (forecast.length ? 30 : 0);
  const height = forecastTop + FORECAST_ROW * forecast.length + 12;

  const svg = s("svg", {
    viewBox: `0 0 ${WIDTH} ${height}`, class: "gantt", role: "img", "font-size": 11,
    "aria-label": `Gantt chart: ${operations.length} operations of ${orders.length} orders on ${machines.length} machines`,
  });
  svg.append(s("defs", {}, s("pattern", {
    id: "changeover-hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)",
  }, s("rect", { width: 6, height: 6, fill: "#fde3c7" }), s("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#d9730d", "stroke-width": 3 }))));

  const step = tickStep(t1 - t0);
  const firstTick = Math.ceil(t0 / step) * step;
  for (let t = firstTick; t <= t1; t += step) {
    svg.append(s("line", { x1: x(t), y1: AXIS - 4, x2: x(t), y2: height - 8, class: "grid" }),
      s("text", { x: x(t), y: AXIS - 8, "text-anchor": "middle", class: "tick" }, tickLabel(t, step)));
  }
  machines.forEach((machine, row) => {
    const y = AXIS + row * ROW;
    svg.append(s("rect", { x: 0, y, width: WIDTH, height: ROW, class: row % 2 ? "lane odd" : "lane" }),
      s("text", { x: 6, y: y + 18, class: "lane-label" }, machine));
  });
  const rowOf = new Map(machines.map((machine, row) => [machine, row]));
  const changeovers = [];
  for (const op of operations) {
    const y = AXIS + rowOf.get(op.machine) * ROW + 3;
    if (op.setupStart !== null && op.setupEnd !== null && op.setupEnd > op.setupStart) {
      const minutes = Math.round((op.setupEnd - op.setupStart) / 60e3);
      changeovers.push(s("rect", {
        class: "setup", x: x(op.setupStart), y: y + 2, width: Math.max(4, (op.setupEnd - op.setupStart) * scale),
        height: ROW - 10, "data-order": op.order,
      }, s("title", {}, `changeover before ${op.operation} on ${op.machine}: ${minutes} min`)));
    }
    const width = Math.max(3, (op.end - op.start) * scale);
    svg.append(s("rect", {
      class: op.late ? "op late" : "op", x: x(op.start), y, width, height: ROW - 6, rx: 2,
      fill: colour.get(op.order), "data-order": op.order, "data-operation": op.operation,
    }, s("title", {}, tooltip(op))));
    if (width > 44) {
      svg.append(s("text", { x: x(op.start) + 3, y: y + 15, class: "bar-label", "pointer-events": "none" },
        op.order.slice(0, Math.floor(width / 6.2))));
    }
  }
  svg.append(...changeovers); // on top: a short changeover must not hide under the operation after it
  if (forecast.length) drawForecast(svg, forecast, { x, top: forecastTop, colour });
  svg.addEventListener("click", (event) => {
    const target = event.target.closest("[data-order]");
    const order = target && !target.classList.contains("picked") ? target.dataset.order : null;
    highlightOrder(svg, order);
    if (onPick) onPick(order);
  });
  return svg;
}

function drawForecast(svg, forecast, { x, top, colour }) {
  const right = WIDTH - 4;
  svg.append(s("text", { x: 6, y: top - 10, class: "section-label" },
    "twin forecast: completion P50 ◆, P50–P90 band, P95 whisker, due ▏ (▸ due after this window)"));
  forecast.forEach((f, row) => {
    const y = top + row * FORECAST_ROW;
    const mid = y + FORECAST_ROW / 2;
    const late = f.due !== null && f.p90 !== null && f.p90 > f.due;
    const group = s("g", { class: late ? "forecast at-risk" : "forecast", "data-order": f.order });
    group.append(s("text", { x: 6, y: mid + 4, class: "forecast-label" },
      `${f.order}${f.onTime !== undefined ? ` · ${formatPercent(f.onTime)} on time` : ""}`));
    const lo = f.p50 ?? f.p90;
    const hi = f.p90 ?? f.p50;
    if (f.p95 !== null) group.append(s("line", { x1: x(hi), y1: mid, x2: x(f.p95), y2: mid, class: "p95" }));
    group.append(s("rect", { x: x(lo), y: mid - 4, width: Math.max(2, x(hi) - x(lo)), height: 8, class: "p90",
      fill: colour.get(f.order) ?? "#888" }));
    if (f.p50 !== null) {
      const cx = x(f.p50);
      group.append(s("path", { d: `M${cx} ${mid - 6}L${cx + 5} ${mid}L${cx} ${mid + 6}L${cx - 5} ${mid}Z`, class: "p50" }));
    }
    if (f.due !== null && x(f.due) <= right) {
      group.append(s("line", { x1: x(f.due), y1: y + 1, x2: x(f.due), y2: y + FORECAST_ROW - 1, class: "due" }));
    } else if (f.due !== null) {
      group.append(s("path", { d: `M${right - 6} ${mid - 4}L${right} ${mid}L${right - 6} ${mid + 4}Z`, class: "due-later" }));
    }
    group.append(s("title", {}, [`order ${f.order}`, `P50 ${formatDateTime(f.p50)}`, `P90 ${formatDateTime(f.p90)}`,
      `P95 ${formatDateTime(f.p95)}`, `due ${formatDateTime(f.due)}`,
      f.onTime !== undefined ? `on time with probability ${formatPercent(f.onTime)}` : ""].filter(Boolean).join("\n")));
    svg.append(group);
  });
}

/** Dim every bar except those of `order` (null clears). */
export function highlightOrder(svg, order) {
  for (const node of svg.querySelectorAll("[data-order]")) {
    node.classList.toggle("picked", order !== null && node.dataset.order === order);
    node.classList.toggle("dim", order !== null && node.dataset.order !== order);
  }
}
