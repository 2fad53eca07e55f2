// Orders: the list with a status filter, and one order's way from arrival to invoice.

import { api, apiOptional } from "../../common/api.js";
import {
  formatDate, formatDateTime, formatMoney, formatPercent, h, listOf, show, statusPill, table, toTime,
} from "../../common/dom.js";
import { forecastOrders, scheduleOperations } from "../../common/gantt.js";
import { may } from "../session.js";

/** The order's life as the stepper shows it; on_hold and cancelled are shown as a note, not a step. */
export const STAGES = ["received", "planned", "scheduled", "in_production", "completed", "invoiced"];
const STAGE_OF = { allocated: "planned" };

export function orderId(order) {
  return order.id;
}

export async function renderOrders(main) {
  const [ordersAnswer, forecastAnswer] = await Promise.all([api("/orders?limit=1000"),
    apiOptional("/forecast").catch(() => null)]);
  const orders = listOf(ordersAnswer);
  const outlook = new Map(forecastOrders(forecastAnswer).map((f) => [f.order, f]));
  const statuses = [...new Set(orders.map((o) => o.status))].sort((a, b) => STAGES.indexOf(a) - STAGES.indexOf(b));
  const filter = h("select", { id: "status-filter" }, h("option", { value: "" }, `all (${orders.length})`),
    statuses.map((st) => h("option", { value: st },
      `${st.replaceAll("_", " ")} (${orders.filter((o) => o.status === st).length})`)));
  const search = h("input", { id: "order-search", type: "search", placeholder: "order, customer or design" });
  const holder = h("div");
  const columns = [
    { label: "Order", value: (o) => h("a", { href: `#/orders/${encodeURIComponent(orderId(o))}` }, orderId(o)) },
    { label: "Status", value: (o) => statusPill(o.status) },
    { label: "Customer", value: (o) => o.customer_id },
    { label: "Design", value: (o) => o.design_id },
    { label: "Qty", value: (o) => o.quantity ?? "—", numeric: true },
    { label: "Released", value: (o) => formatDate(o.release) },
    { label: "Due", value: (o) => formatDate(o.due) },
    { label: "On time (twin)", numeric: true, value: (o) => {
      const f = outlook.get(orderId(o));
      return f ? h("span", { class: f.onTime >= 0.9 ? "ok" : "bad", title: `P90 ${formatDateTime(f.p90)}` },
        formatPercent(f.onTime)) : "—";
    } },
    { label: "Reference", value: (o) => o.customer_reference || "—" },
  ];
  const draw = () => {
    const words = search.value.trim().toLowerCase();
    const shown = orders.filter((o) => (!filter.value || o.status === filter.value)
      && (!words || [orderId(o), o.customer_id, o.design_id, o.customer_reference].join(" ").toLowerCase().includes(words)));
    holder.replaceChildren(table(columns, shown, { caption: `${shown.length} of ${orders.length} orders`,
      empty: "no orders match" }));
  };
  filter.addEventListener("change", draw);
  search.addEventListener("input", draw);
  show(main, h("h1", {}, "Orders"),
    h("div", { class: "toolbar", role: "search" },
      h("div", {}, h("label", { for: "status-filter" }, "Status"), filter),
      h("div", {}, h("label", { for: "order-search" }, "Search"), search)),
    holder);
  draw();
}

function reachedStages(order, events) {
  const seen = new Set(events.map((e) => STAGE_OF[e.status] ?? e.status));
  const current = STAGE_OF[order.status] ?? order.status;
  const upTo = STAGES.indexOf(current);
  return STAGES.filter((stage, n) => seen.has(stage) || (upTo >= 0 && n <= upTo));
}

function timelineEvents(view) {
  return (view.timeline ?? []).map((e) => ({
    at: e.at,
    status: e.status,
    detail: [e.note, e.actor ? `by ${e.actor}` : ""].filter(Boolean).join(" · "),
  })).sort((a, b) => (toTime(a.at) ?? 0) - (toTime(b.at) ?? 0));
}

/** The button that moves the order one step along its way (planning it from its design for the first step). */
function nextStepButton(order, after) {
  const at = STAGES.indexOf(STAGE_OF[order.status] ?? order.status);
  const next = at >= 0 ? STAGES[at + 1] : undefined;
  if (!next || !may("orders")) return null;
  const id = orderId(order);
  const status = h("span", { role: "status", class: "muted" });
  const labels = { planned: "Plan from design", invoiced: "Issue invoice" };
  const button = h("button", { type: "button", class: "primary", id: "next-step", "data-next": next },
    labels[next] ?? `Mark ${next.replaceAll("_", " ")}`);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      if (next === "planned") await api(`/orders/${encodeURIComponent(id)}/plan`, { method: "POST" });
      else await api(`/orders/${encodeURIComponent(id)}/status`, { method: "POST", body: { status: next } });
      await after();
    } catch (error) {
      status.textContent = error.message;
      status.className = "error";
      button.disabled = false;
    }
  });
  return h("div", { class: "toolbar" }, button, status);
}

function stepper(order, events) {
  const reached = new Set(reachedStages(order, events));
  const current = STAGE_OF[order.status] ?? order.status;
  return h("ol", { class: "timeline", "aria-label": "order progress" }, STAGES.map((stage) => {
    const when = events.find((e) => (STAGE_OF[e.status] ?? e.status) === stage);
    const state = stage === current ? "current done" : reached.has(stage) ? "done" : "";
    return h("li", { class: state, "data-stage": stage, "aria-current": stage === current ? "step" : null },
      stage.replaceAll("_", " "), when ? h("small", {}, formatDateTime(when.at)) : null,
      h("span", { class: "sr-only" }, reached.has(stage) ? " (reached)" : " (not yet)"));
  }));
}

function related(list, id) {
  return list.filter((row) => row.order_id === id);
}

export async function renderOrder(main, id) {
  const view = await api(`/orders/${encodeURIComponent(id)}`);
  const order = { ...view.order, status: view.status };
  // what else the node knows of the order; a part that fails to load leaves its section empty, not the page
  const [invoices, parts, schedule, forecast] = await Promise.all([
    apiOptional("/invoices?limit=1000").then(listOf).catch(() => []),
    apiOptional(`/parts?limit=1000&order_id=${encodeURIComponent(id)}`).then(listOf).catch(() => []),
    apiOptional("/schedule").then(scheduleOperations).catch(() => []),
    apiOptional("/forecast").then(forecastOrders).catch(() => []),
  ]);
  const events = timelineEvents(view);
  const ops = schedule.filter((op) => op.order === id).sort((a, b) => a.start - b.start);
  const outlook = forecast.find((f) => f.order === id);
  const myInvoices = related(invoices, id);
  if (view.invoice_id && !myInvoices.some((i) => i.id === view.invoice_id)) {
    myInvoices.push({ id: view.invoice_id });
  }
  const myParts = parts;
  const facts = h("dl", { class: "facts" },
    h("dt", {}, "status"), h("dd", {}, statusPill(order.status)),
    h("dt", {}, "customer"), h("dd", {}, order.customer_id),
    h("dt", {}, "design"), h("dd", {}, order.design_id),
    h("dt", {}, "quantity"), h("dd", {}, order.quantity ?? "—"),
    h("dt", {}, "released"), h("dd", {}, formatDateTime(order.release)),
    h("dt", {}, "due"), h("dd", {}, formatDateTime(order.due)),
    h("dt", {}, "reference"), h("dd", {}, order.customer_reference || "—"));
  const forecastCard = outlook ? h("div", { class: "card" }, h("h2", {}, "Twin forecast"), h("dl", { class: "facts" },
    h("dt", {}, "P50 completion"), h("dd", {}, formatDateTime(outlook.p50)),
    h("dt", {}, "P90 completion"), h("dd", {}, formatDateTime(outlook.p90)),
    h("dt", {}, "on time"), h("dd", { class: outlook.onTime >= 0.9 ? "ok" : "bad" }, formatPercent(outlook.onTime))))
    : null;
  show(main,
    h("p", {}, h("a", { href: "#/orders" }, "← all orders")),
    h("h1", {}, `Order ${id}`),
    stepper(order, events),
    nextStepButton(order, () => renderOrder(main, id)),
    ["on_hold", "cancelled"].includes(order.status) ? h("p", { class: "alarm" }, `This order is ${order.status.replace("_", " ")}.`) : null,
    h("div", { class: "split" },
      h("div", {}, h("div", { class: "card" }, h("h2", {}, "Order"), facts), forecastCard),
      h("div", { class: "card" }, h("h2", {}, "Timeline"), events.length
        ? h("ul", { class: "events", id: "order-events" }, events.map((e) => h("li", {},
          h("strong", {}, String(e.status ?? "").replaceAll("_", " ")), " · ", h("time", { datetime: e.at }, formatDateTime(e.at)),
          e.detail ? h("div", { class: "muted" }, e.detail) : null)))
        : h("p", { class: "muted" }, "no events recorded yet"))),
    h("h2", {}, "Scheduled operations"),
    table([
      { label: "Operation", value: (op) => op.operation },
      { label: "Machine", value: (op) => op.machine },
      { label: "Changeover", value: (op) => (op.setupEnd > op.setupStart ? `${Math.round((op.setupEnd - op.setupStart) / 60e3)} min` : "—") },
      { label: "Start", value: (op) => formatDateTime(op.start) },
      { label: "End", value: (op) => formatDateTime(op.end) },
    ], ops, { empty: "not scheduled" }),
    h("h2", {}, "Parts"),
    table([
      { label: "Part", value: (p) => h("a", { href: `#/parts/${encodeURIComponent(p.id)}` }, p.id) },
      { label: "Verdict", value: (p) => statusPill(p.verdict) },
    ], myParts, { empty: "no parts made yet" }),
    h("h2", {}, "Invoice"),
    table([
      { label: "Invoice", value: (i) => h("a", { href: `#/invoices/${encodeURIComponent(i.id)}` }, i.id) },
      { label: "Issued", value: (i) => formatDate(i.issue_date) },
      { label: "Total", value: (i) => formatMoney(i.payable_amount, i.currency), numeric: true },
    ], myInvoices, { empty: "not invoiced yet" }),
  );
}
