// The network at a glance: the map of members and order flows, the KPIs, and the programme's starting point
// against what the network has reached.

import { api } from "../../common/api.js";
import { formatMoney, formatNumber, h, show, table } from "../../common/dom.js";
import { drawNetworkMap, hubColours } from "../map.js";

function card(figure, label, note, id, coverage) {
  const by = coverage ? h("small", { class: "reported-by" }, coverageText(coverage)) : null;
  return h("div", { class: `card kpi${figure === NOT_REPORTED ? " not-reported" : ""}`, id,
    "data-members-reporting": coverage ? coverage.members_reporting : null },
  h("div", { class: "figure" }, figure), label, note ? h("small", {}, note) : null, by);
}

const NOT_REPORTED = "not reported";

/** Where a figure comes from: the hub's own flow records, or how many members reported it. */
function coverageText(coverage) {
  if (coverage.source === "flows") return "from the order flows members reported";
  if (coverage.source === "reports") {
    return `reported by ${formatNumber(coverage.members_reporting, 0)} member${coverage.members_reporting === 1 ? "" : "s"}`;
  }
  return "no member has reported it yet";
}

/** A figure, or "not reported" when no member reported it (null): never a 0 that is no data. */
function reported(value, shown) {
  return value === null || value === undefined ? NOT_REPORTED : shown(value);
}

function kpiCards(k) {
  const c = k.coverage || {};
  return h("div", { class: "cards", id: "kpis" },
    card(formatNumber(k.active_members, 0), "active members",
      h("span", {}, `programme start ${formatNumber(k.members_starting_point, 0)} companies, aim ${formatNumber(k.members_target, 0)}: `,
        `${formatNumber(k.progress_to_target_percent, 2)} % of the way`, progress(k.progress_to_target_percent)), "kpi-members"),
    card(formatNumber(k.orders_handled, 0), "orders handled",
      `${formatNumber(k.orders_allocated, 0)} with work for partners` +
      (k.orders_completed === null ? "" : `; ${formatNumber(k.orders_completed, 0)} completed`), "kpi-orders"),
    card(reported(k.changeover_hours_saved, (v) => `${formatNumber(v, 1)} h`), "changeover saved against FCFS",
      k.changeover_hours_saved === null ? null
        : `${formatNumber(k.changeover_hours_fcfs, 1)} h first come first served → ${formatNumber(k.changeover_hours_scheduled, 1)} h scheduled (${formatNumber(k.changeover_saving_percent, 1)} %)`,
      "kpi-changeover", c.changeover),
    card(reported(k.defects_stopped, (v) => formatNumber(v, 0)), "defects stopped",
      k.defects_stopped === null ? null
        : `${formatNumber(k.parts_held, 0)} held, ${formatNumber(k.parts_rejected, 0)} rejected, ${formatNumber(k.alarms_raised, 0)} alarms; ${formatNumber(k.parts_made, 0)} parts made` +
          (k.defect_containment_percent === null ? "" : `; ${formatNumber(k.defect_containment_percent, 1)} % contained`),
      "kpi-defects", c.defects),
    card(reported(k.energy_kwh_per_part, (v) => `${formatNumber(v, 3)} kWh`), "energy per part", null, "kpi-energy", c.energy),
    card(reported(k.material_kg_per_part, (v) => `${formatNumber(v, 3)} kg`), "material per part", null, "kpi-material", c.material),
    card(formatNumber(k.payments_saved_by_netting, 0), "payments saved by netting",
      `${formatNumber(k.payments_saved_percent, 1)} % of payments; ${formatMoney(k.money_movement_saved_eur)} less money moved`,
      "kpi-netting", c.netting));
}

/** "private_investment_eur" → "private investment (EUR)". */
function measureName(measure) {
  return String(measure).replace(/_eur$/, " (EUR)").replaceAll("_", " ");
}

function progress(percent) {
  const shown = Math.max(0, Math.min(100, Number(percent) || 0));
  return h("div", { class: "progress", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100,
    "aria-valuenow": shown.toFixed(1) }, h("span", { style: `width:${Math.max(shown, shown > 0 ? 1 : 0)}%` }));
}

export async function renderNetwork(main) {
  const [map, kpis, programme] = await Promise.all([api("/network/map"), api("/kpis"), api("/programme")]);
  const names = new Map((map.members || []).flatMap((m) => [[m.id, m.name], [m.member_id, m.name]]));
  const money = (l) => (/_eur$/.test(l.measure) ? formatMoney(l.programme) : formatNumber(l.programme, 0));
  const colours = hubColours(new Set([...(map.hubs || []).map((x) => x.id), ...(map.members || []).map((m) => m.hub_id)]));
  const memberHubs = new Set((map.members || []).map((m) => m.hub_id));
  const flows = [...(map.flows || [])].sort((a, b) => b.orders - a.orders);
  show(main,
    h("h1", {}, "The network"),
    kpiCards(kpis),
    h("p", { class: "muted", id: "kpi-reporting" }, kpis.members_reporting
      ? `Changeover, defects, energy and material come from the KPI reports of ${formatNumber(kpis.members_reporting, 0)} member${kpis.members_reporting === 1 ? "" : "s"} (each node's own figures, sent signed).`
      : "No member has sent a KPI report yet: changeover, defects, energy and material are not reported."),
    h("div", { class: "chart-frame", id: "network-map" }, drawNetworkMap(map)),
    h("div", { class: "key" }, [...colours].filter(([hub]) => memberHubs.has(hub)).map(([hub, colour]) => h("span", {},
      h("span", { class: "swatch", style: `background:${colour}` }), hub)),
    h("span", {}, "circle size = machines, arrow width = orders")),
    h("details", { open: flows.length <= 12 }, h("summary", {}, `Order flows (${flows.length})`), table([
        { label: "From", value: (f) => names.get(f.from) ?? f.from },
        { label: "To", value: (f) => names.get(f.to) ?? f.to },
        { label: "Orders", value: (f) => f.orders, numeric: true },
        { label: "Value", value: (f) => formatMoney(f.value), numeric: true },
      ], flows, { empty: "no flows reported yet" })),
    h("h2", {}, "Programme starting point and the network"),
    table([
      { label: "Measure", value: (l) => measureName(l.measure) },
      { label: "Programme", value: money, numeric: true },
      { label: "Network", value: (l) => (/_eur$/.test(l.measure) ? formatMoney(l.network) : formatNumber(l.network, 0)),
        numeric: true },
      { label: "Share", value: (l) => `${formatNumber(l.share_percent, 2)} %`, numeric: true },
      { label: "", value: (l) => progress(l.share_percent) },
    ], programme.lines || [], { caption: `towards ${formatNumber(programme.baseline?.companies_target, 0)} companies: ${formatNumber(programme.progress_to_target_percent, 2)} %` }),
    h("h2", {}, "Fieldlabs"),
    table([
      { label: "Fieldlab", value: (f) => f.name },
      { label: "Hub", value: (f) => f.hub_id },
      { label: "Theme", value: (f) => f.theme },
      { label: "Partners", value: (f) => (f.partners || []).join(", ") },
      { label: "Investment", value: (f) => formatMoney(f.investment_eur), numeric: true },
    ], programme.fieldlabs || [], { empty: "no fieldlabs" }),
  );
}
