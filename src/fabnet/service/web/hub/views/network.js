// The network at a glance: the map of members and order flows, the KPIs, and the programme's starting point
// against what the network has reached. The public sees totals and flows per pair of regions; the operator each
// pair of members' flows with their values and each company's changeover figures.

import { formatMoney, formatNumber, h, show, table } from "../../common/dom.js";
import { drawNetworkMap, hubColours } from "../map.js";
import { hubApi } from "../session.js";

function card(figure, label, note, id, coverage, minMembers) {
  const by = coverage ? h("small", { class: "reported-by" }, coverageText(coverage, minMembers)) : null;
  const missing = figure === NOT_REPORTED || figure === WITHHELD;
  return h("div", { class: `card kpi${missing ? " not-reported" : ""}`, id,
    "data-members-reporting": coverage ? coverage.members_reporting : null,
    "data-source": coverage ? coverage.source : null },
  h("div", { class: "figure" }, figure), label, note ? h("small", {}, note) : null, by);
}

const NOT_REPORTED = "not reported";
const WITHHELD = "withheld";

function members(count) {
  return `${formatNumber(count, 0)} member${count === 1 ? "" : "s"}`;
}

/** Where a figure comes from: the hub's own flow records, how many members reported it, or why it is withheld
 * (a total of fewer than `minMembers` members is shown to the hub's operator only). */
function coverageText(coverage, minMembers) {
  if (coverage.source === "flows") return "from the order flows members reported";
  if (coverage.source === "reports") return `reported by ${members(coverage.members_reporting)}`;
  if (coverage.source === "withheld") {
    return coverage.members_reporting
      ? `reported by ${members(coverage.members_reporting)}: fewer than ${minMembers}, so it would be their own figure; the operator sees it`
      : `from the orders of fewer than ${minMembers} members, so it would give their values away; the operator sees it`;
  }
  return "no member has reported it yet";
}

/** A figure; "not reported" when no member reported it, "withheld" when too few did (null): never a 0 that is
 * no data. */
function reported(value, shown, coverage) {
  if (value !== null && value !== undefined) return shown(value);
  return coverage?.source === "withheld" ? WITHHELD : NOT_REPORTED;
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
    card(reported(k.changeover_hours_saved, (v) => `${formatNumber(v, 1)} h`, c.changeover), "changeover saved against FCFS",
      k.changeover_hours_saved === null ? null
        : `${formatNumber(k.changeover_hours_fcfs, 1)} h first come first served → ${formatNumber(k.changeover_hours_scheduled, 1)} h scheduled (${formatNumber(k.changeover_saving_percent, 1)} %)`,
      "kpi-changeover", c.changeover, k.min_members),
    card(reported(k.defects_stopped, (v) => formatNumber(v, 0), c.defects), "defects stopped",
      k.defects_stopped === null ? null
        : `${formatNumber(k.parts_held, 0)} held, ${formatNumber(k.parts_rejected, 0)} rejected, ${formatNumber(k.alarms_raised, 0)} alarms` +
          (k.parts_made === null ? "" : `; ${formatNumber(k.parts_made, 0)} parts made`) +
          (k.defect_containment_percent === null ? "" : `; ${formatNumber(k.defect_containment_percent, 1)} % contained`),
      "kpi-defects", c.defects, k.min_members),
    card(reported(k.energy_kwh_per_part, (v) => `${formatNumber(v, 3)} kWh`, c.energy), "energy per part", null, "kpi-energy", c.energy, k.min_members),
    card(reported(k.material_kg_per_part, (v) => `${formatNumber(v, 3)} kg`, c.material), "material per part", null, "kpi-material", c.material, k.min_members),
    card(reported(k.payments_saved_by_netting, (v) => formatNumber(v, 0), c.netting), "payments saved by netting",
      k.payments_saved_by_netting === null ? null
        : `${formatNumber(k.payments_saved_percent, 1)} % of payments; ${formatMoney(k.money_movement_saved_eur)} less money moved`,
      "kpi-netting", c.netting, k.min_members));
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

/** What this view shows and what it leaves out, and why. */
function disclosure(map, kpis) {
  if (map.view === "operator") {
    return h("p", { class: "note", id: "disclosure", "data-view": "operator" },
      "Operator view: every pair of members' order flows with their values, and each company's own KPI figures. ",
      "Members' commercial data: the public view leaves them out.");
  }
  const regions = map.region_flows || {};
  const withheld = regions.withheld_orders
    ? ` ${formatNumber(regions.withheld_orders, 0)} orders between region pairs with fewer than ${regions.min_member_pairs} pairs of members are not shown.`
    : "";
  return h("p", { class: "note", id: "disclosure", "data-view": "public" },
    "Public view: network totals, and orders per pair of regions without their value. ",
    "Who orders from whom, for how much, and a single company's own figures are members' commercial data: ",
    `a region pair is shown only when at least ${regions.min_member_pairs ?? 3} pairs of members add up to it,`,
    ` and a KPI only when at least ${kpis.min_members} members add up to it (else it says "withheld").${withheld} `,
    "The hub's operator signs in to see them.");
}

function hubName(hubs, id) {
  if (id === null || id === undefined) return "not listed";
  return hubs.get(id)?.name ?? id;
}

function flowTables(map, names) {
  if (map.view === "public") {
    const hubs = new Map((map.hubs || []).map((x) => [x.id, x]));
    const regional = map.region_flows?.flows || [];
    return h("details", { open: true, id: "region-flows" }, h("summary", {}, `Order flows between regions (${regional.length})`), table([
      { label: "From region", value: (f) => hubName(hubs, f.from) },
      { label: "To region", value: (f) => hubName(hubs, f.to) },
      { label: "Orders", value: (f) => f.orders, numeric: true },
      { label: "Pairs of members", value: (f) => f.member_pairs, numeric: true },
    ], regional, { empty: "no region pair with enough pairs of members yet", id: "region-flow-table" }));
  }
  const flows = [...(map.flows || [])].sort((a, b) => b.orders - a.orders);
  return h("details", { open: flows.length <= 12, id: "member-flows" }, h("summary", {}, `Order flows (${flows.length})`), table([
    { label: "From", value: (f) => names.get(f.from) ?? f.from },
    { label: "To", value: (f) => names.get(f.to) ?? f.to },
    { label: "Orders", value: (f) => f.orders, numeric: true },
    { label: "Value", value: (f) => formatMoney(f.value), numeric: true },
  ], flows, { empty: "no flows reported yet", id: "member-flow-table" }));
}

/** Each company's changeover figures: the operator's view only (the public gets the totals). */
function changeoversByCompany(kpis) {
  if (kpis.view === "public") return null;
  return h("details", { id: "changeovers-by-company" }, h("summary", {}, `Changeovers by company (${kpis.changeovers_by_company.length})`), table([
    { label: "Company", value: (c) => c.company_id },
    { label: "Operations", value: (c) => c.operations, numeric: true },
    { label: "FCFS (min)", value: (c) => formatNumber(c.fcfs_minutes, 0), numeric: true },
    { label: "Scheduled (min)", value: (c) => formatNumber(c.scheduled_minutes, 0), numeric: true },
    { label: "Saved (min)", value: (c) => formatNumber(c.fcfs_minutes - c.scheduled_minutes, 0), numeric: true },
  ], kpis.changeovers_by_company, { empty: "no member reported its changeovers" }));
}

export async function renderNetwork(main) {
  const [map, kpis, programme] = await Promise.all([hubApi("/network/map"), hubApi("/kpis"), hubApi("/programme")]);
  const names = new Map((map.members || []).flatMap((m) => [[m.id, m.name], [m.member_id, m.name]]));
  const money = (l) => (/_eur$/.test(l.measure) ? formatMoney(l.programme) : formatNumber(l.programme, 0));
  const colours = hubColours(new Set([...(map.hubs || []).map((x) => x.id), ...(map.members || []).map((m) => m.hub_id)]));
  const memberHubs = new Set((map.members || []).map((m) => m.hub_id));
  show(main,
    h("h1", {}, "The network"),
    disclosure(map, kpis),
    kpiCards(kpis),
    h("p", { class: "muted", id: "kpi-reporting" }, kpis.members_reporting
      ? `Changeover, defects, energy and material come from the KPI reports of ${formatNumber(kpis.members_reporting, 0)} member${kpis.members_reporting === 1 ? "" : "s"} (each node's own figures, sent signed).`
      : "No member has sent a KPI report yet: changeover, defects, energy and material are not reported."),
    changeoversByCompany(kpis),
    h("div", { class: "chart-frame", id: "network-map" }, drawNetworkMap(map)),
    h("div", { class: "key" }, [...colours].filter(([hub]) => memberHubs.has(hub)).map(([hub, colour]) => h("span", {},
      h("span", { class: "swatch", style: `background:${colour}` }), hub)),
    h("span", {}, map.view === "public" ? "circle size = machines, arrow width = orders between regions"
      : "circle size = machines, arrow width = orders")),
    flowTables(map, names),
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
