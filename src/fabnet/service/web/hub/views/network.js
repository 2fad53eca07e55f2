// The network at a glance: the map of members and order flows, the KPIs, and the programme's starting point
// against what the network has reached.

import { api } from "../../common/api.js";
import { formatMoney, formatNumber, h, show, table } from "../../common/dom.js";
import { drawNetworkMap, hubColours } from "../map.js";

function card(figure, label, note, id) {
  return h("div", { class: "card kpi", id }, h("div", { class: "figure" }, figure), label, note ? h("small", {}, note) : null);
}

function kpiCards(k) {
  return h("div", { class: "cards", id: "kpis" },
    card(formatNumber(k.active_members, 0), "active members",
      `programme aims at ${formatNumber(k.members_target, 0)}; ${formatNumber(k.progress_to_target_percent, 2)} % of the way`, "kpi-members"),
    card(formatNumber(k.orders_handled, 0), "orders handled", `${formatNumber(k.orders_allocated, 0)} with work for partners`, "kpi-orders"),
    card(`${formatNumber(k.changeover_hours_saved, 1)} h`, "changeover saved",
      `${formatNumber(k.changeover_hours_fcfs, 1)} h first come first served → ${formatNumber(k.changeover_hours_scheduled, 1)} h scheduled (${formatNumber(k.changeover_saving_percent, 1)} %)`),
    card(`${formatNumber(k.defect_containment_percent, 1)} %`, "defects contained",
      `${formatNumber(k.defects_stopped, 0)} stopped, ${formatNumber(k.defects_escaped, 0)} escaped of ${formatNumber(k.parts_made, 0)} parts`),
    card(k.energy_kwh_per_part === null ? "—" : `${formatNumber(k.energy_kwh_per_part, 3)} kWh`, "energy per part",
      `scrap ${formatNumber(k.scrap_percent, 2)} %`),
    card(formatNumber(k.payments_saved_by_netting, 0), "payments saved by netting",
      `${formatNumber(k.payments_saved_percent, 1)} % of payments; ${formatMoney(k.money_movement_saved_eur)} less money moved`));
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
