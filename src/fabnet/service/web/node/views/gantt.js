// The schedule as a Gantt chart with changeovers highlighted and the twin's forecast per order; planners can
// re-solve the schedule and re-run the forecast from here.

import { api, apiOptional } from "../../common/api.js";
import { formatDateTime, formatNumber, formatPercent, h, listOf, show, table, toTime } from "../../common/dom.js";
import { drawGantt, forecastOrders, highlightOrder, orderColours, scheduleOperations } from "../../common/gantt.js";
import { may } from "../session.js";

function machineFigures(forecast) {
  return (forecast?.machines ?? []).map((m) => ({ machine: m.machine_id, utilisation: m.utilisation, oee: m.oee }));
}

/** Operations of orders whose last operation ends after the order's due date get the red edge. */
function markLate(operations, orders) {
  const due = new Map(orders.map((o) => [o.id, toTime(o.due)]));
  const finish = new Map();
  for (const op of operations) finish.set(op.order, Math.max(finish.get(op.order) ?? 0, op.end));
  return operations.map((op) => ({ ...op, late: (due.get(op.order) ?? Infinity) < finish.get(op.order) }));
}

async function run(button, status, path, body, after) {
  button.disabled = true;
  status.textContent = `${button.textContent}…`;
  try {
    await api(path, { method: "POST", body });
    status.textContent = "done";
    await after();
  } catch (error) {
    status.textContent = error.message;
    status.className = "error";
  } finally {
    button.disabled = false;
  }
}

export async function renderGantt(main) {
  const [scheduleAnswer, forecastAnswer, ordersAnswer, machinesAnswer] = await Promise.all([apiOptional("/schedule"),
    apiOptional("/forecast"), apiOptional("/orders?limit=1000"), apiOptional("/machines?limit=1000")]);
  const machineIds = listOf(machinesAnswer).map((m) => m.id);
  const operations = markLate(scheduleOperations(scheduleAnswer), listOf(ordersAnswer));
  const forecast = forecastOrders(forecastAnswer);
  const machines = machineFigures(forecastAnswer);
  const status = h("span", { role: "status", class: "muted" });
  const again = () => renderGantt(main);
  const solve = h("button", { type: "button" }, "Re-schedule open orders");
  solve.addEventListener("click", () => run(solve, status, "/schedule", { time_limit_s: 10 }, again));
  const simulate = h("button", { type: "button" }, "Run twin forecast");
  simulate.addEventListener("click", () => run(simulate, status, "/forecast", { replications: 100 }, again));
  const actions = may("schedule") ? h("div", { class: "toolbar" }, solve, simulate, status) : null;

  if (!operations.length) {
    show(main, h("h1", {}, "Schedule"), actions,
      h("p", { class: "note" }, "No schedule yet: import orders and press “Re-schedule open orders”."));
    return;
  }
  const changeovers = operations.filter((op) => op.setupEnd > op.setupStart);
  const changeoverMinutes = changeovers.reduce((sum, op) => sum + (op.setupEnd - op.setupStart) / 60e3, 0);
  const orders = [...new Set(operations.map((op) => op.order))];
  const atRisk = forecast.filter((f) => f.due !== null && f.p90 !== null && f.p90 > f.due);
  const chart = drawGantt(operations, forecast, { machineIds, onPick: (order) => { picker.value = order ?? ""; } });
  const colours = orderColours(orders);
  const picker = h("select", { id: "order-pick" }, h("option", { value: "" }, "all orders"),
    orders.map((o) => h("option", { value: o }, o)));
  picker.addEventListener("change", () => highlightOrder(chart, picker.value || null));
  let zoom = 1;
  const zoomTo = (factor) => {
    zoom = Math.max(1, zoom * factor);
    chart.style.width = `${zoom * 100}%`;
  };
  const zoomIn = h("button", { type: "button", "aria-label": "zoom in" }, "zoom +");
  const zoomOut = h("button", { type: "button", "aria-label": "zoom out" }, "zoom −");
  zoomIn.addEventListener("click", () => zoomTo(1.5));
  zoomOut.addEventListener("click", () => zoomTo(1 / 1.5));

  show(main,
    h("h1", {}, "Schedule"),
    h("div", { class: "cards" },
      h("div", { class: "card" }, h("div", { class: "figure" }, orders.length), "orders scheduled"),
      h("div", { class: "card" }, h("div", { class: "figure" }, operations.length), "operations"),
      h("div", { class: "card" }, h("div", { class: "figure", id: "changeover-count" }, changeovers.length),
        `changeovers, ${formatNumber(changeoverMinutes, 0)} min`),
      h("div", { class: "card" }, h("div", { class: `figure ${atRisk.length ? "bad" : "ok"}` }, forecast.length ? atRisk.length : "—"),
        forecast.length ? "orders whose P90 is after the due date" : "no twin forecast yet")),
    actions,
    h("div", { class: "key" },
      h("span", {}, h("span", { class: "swatch", style: `background:${colours.get(orders[0])}` }), "operation (colour = order, red edge = late)"),
      h("span", {}, h("span", { class: "swatch setup" }), "changeover"),
      forecast.length ? h("span", {}, "◆ P50 ", h("span", { class: "swatch p90" }), "P50–P90 ", "— P95 ",
        h("span", { class: "swatch due" }), " due") : null,
      h("label", { for: "order-pick" }, "Highlight"), picker, zoomIn, zoomOut),
    h("div", { class: "chart-frame", id: "gantt" }, chart),
    machines.length ? h("div", {}, h("h2", {}, "Machines (twin)"), table([
      { label: "Machine", value: (m) => m.machine },
      { label: "Utilisation", value: (m) => formatPercent(m.utilisation, 1), numeric: true },
      { label: "OEE", value: (m) => formatPercent(m.oee, 1), numeric: true },
    ], machines)) : null,
    h("details", {}, h("summary", {}, `The schedule as a table (${operations.length} operations)`), table([
      { label: "Order", value: (op) => h("a", { href: `#/orders/${encodeURIComponent(op.order)}` }, op.order) },
      { label: "Operation", value: (op) => op.operation },
      { label: "Machine", value: (op) => op.machine },
      { label: "Changeover", value: (op) => (op.setupEnd > op.setupStart ? `${Math.round((op.setupEnd - op.setupStart) / 60e3)} min` : "—") },
      { label: "Start", value: (op) => formatDateTime(op.start) },
      { label: "End", value: (op) => formatDateTime(op.end) },
    ], [...operations].sort((a, b) => a.machine.localeCompare(b.machine) || a.start - b.start))),
  );
}
