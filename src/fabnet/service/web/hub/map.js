// The network map as SVG: members placed by latitude/longitude (equirectangular, scaled by cos(latitude)), the
// regional hubs as dashed rings, and order flows as curved arrows whose width grows with the number of orders:
// between members where the caller may see them (the operator), else between regions (the public view: orders per
// pair of regions, a loop at the hub for orders within a region).

import { formatMoney, s } from "../common/dom.js";
import { PALETTE } from "../common/gantt.js";

const WIDTH = 900;
const HEIGHT = 560;
// room around the sites: labels run to the right of their circle
const PAD = { left: 50, right: 210, top: 50, bottom: 40 };

function projection(points) {
  const lats = points.map((p) => p.latitude);
  const lons = points.map((p) => p.longitude);
  const [south, north] = [Math.min(...lats), Math.max(...lats)];
  const [west, east] = [Math.min(...lons), Math.max(...lons)];
  const squeeze = Math.cos(((south + north) / 2) * (Math.PI / 180));
  const spanX = Math.max((east - west) * squeeze, 0.05);
  const spanY = Math.max(north - south, 0.05);
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const scale = Math.min(innerW / spanX, innerH / spanY);
  const offsetX = PAD.left + (innerW - spanX * scale) / 2;
  const offsetY = PAD.top + (innerH - spanY * scale) / 2;
  return {
    x: (lon) => offsetX + (lon - west) * squeeze * scale,
    y: (lat) => offsetY + (north - lat) * scale,
    west, east, south, north, scale,
  };
}

function gridStep(span) {
  return [0.05, 0.1, 0.25, 0.5, 1, 2, 5].find((step) => span / step <= 8) ?? 10;
}

function graticule(svg, p) {
  const lonStep = gridStep(p.east - p.west + 0.2);
  const latStep = gridStep(p.north - p.south + 0.2);
  for (let lon = Math.floor((p.west - 1) / lonStep) * lonStep; lon <= p.east + 1; lon += lonStep) {
    const x = p.x(lon);
    if (x < 0 || x > WIDTH) continue;
    svg.append(s("line", { x1: x, y1: 0, x2: x, y2: HEIGHT, class: "graticule" }),
      s("text", { x: x + 3, y: HEIGHT - 6, class: "graticule-label" }, `${lon.toFixed(2)}°E`));
  }
  for (let lat = Math.floor((p.south - 1) / latStep) * latStep; lat <= p.north + 1; lat += latStep) {
    const y = p.y(lat);
    if (y < 0 || y > HEIGHT) continue;
    svg.append(s("line", { x1: 0, y1: y, x2: WIDTH, y2: y, class: "graticule" }),
      s("text", { x: 4, y: y - 3, class: "graticule-label" }, `${lat.toFixed(2)}°N`));
  }
}

function toward(from, to, distance) {
  const length = Math.hypot(to.x - from.x, to.y - from.y) || 1;
  return { x: from.x + ((to.x - from.x) * distance) / length, y: from.y + ((to.y - from.y) * distance) / length };
}

/** A curve from a to b bending to the right of the direction of travel, so a→b and b→a do not overlap; it starts
 * and ends `gapA`/`gapB` away from the centres so the arrow head stays visible outside the circles. */
function arc(a, b, gapA, gapB) {
  const bend = 0.18;
  const control = { x: (a.x + b.x) / 2 - (b.y - a.y) * bend, y: (a.y + b.y) / 2 + (b.x - a.x) * bend };
  const start = toward(a, control, gapA);
  const end = toward(b, control, gapB);
  const f = (p) => `${p.x.toFixed(1)} ${p.y.toFixed(1)}`;
  return `M${f(start)}Q${f(control)} ${f(end)}`;
}

function radius(member) {
  return 6 + 1.5 * Math.sqrt(member.machines || 0);
}

export function hubColours(hubIds) {
  return new Map([...hubIds].map((id, n) => [id, PALETTE[n % PALETTE.length]]));
}

const HUB_RING = 26;

/** Orders between regions: an arrow from hub to hub, or a loop over the hub for orders within its region. */
function drawRegionFlows(svg, regionFlows, p, hubs) {
  const inView = (x, y) => x >= 0 && x <= WIDTH && y >= 0 && y <= HEIGHT;
  const at = new Map(hubs.map((hub) => [hub.id, { x: p.x(hub.longitude), y: p.y(hub.latitude), hub }]));
  const most = Math.max(1, ...regionFlows.map((f) => f.orders));
  for (const flow of regionFlows) {
    const from = at.get(flow.from);
    const to = at.get(flow.to);
    if (!from || !to || !inView(from.x, from.y) || !inView(to.x, to.y)) continue;
    const width = 1.5 + 7 * Math.sqrt(flow.orders / most);
    const text = flow.from === flow.to
      ? `within ${from.hub.name ?? flow.from}: ${flow.orders} orders between ${flow.member_pairs} pairs of members`
      : `${from.hub.name ?? flow.from} → ${to.hub.name ?? flow.to}: ${flow.orders} orders between ${flow.member_pairs} pairs of members`;
    const d = flow.from === flow.to
      ? `M${from.x - 10} ${from.y - HUB_RING}C${from.x - 45} ${from.y - HUB_RING - 55} ${from.x + 45} ${from.y - HUB_RING - 55} ${from.x + 10} ${from.y - HUB_RING - 2}`
      : arc(from, to, HUB_RING + 2, HUB_RING + 3);
    svg.append(s("path", { d, class: "flow region-flow", "stroke-width": width, "marker-end": "url(#flow-arrow)",
      "data-from-hub": flow.from, "data-to-hub": flow.to, "data-orders": flow.orders, tabindex: 0 },
    s("title", {}, text)));
  }
}

/** `map` is GET /network/map: {view, hubs, members: [{id, name, hub_id, latitude, longitude, machines}], flows
 * (between members, with values: the operator's view), region_flows: {flows: [{from, to, orders, member_pairs}]}}. */
export function drawNetworkMap(map) {
  const members = (map.members || []).filter((m) => Number.isFinite(m.latitude) && Number.isFinite(m.longitude));
  const hubs = (map.hubs || []).filter((h) => Number.isFinite(h.latitude) && Number.isFinite(h.longitude));
  const flows = map.flows || [];
  const regionFlows = map.view === "public" ? map.region_flows?.flows || [] : [];
  const colours = hubColours(new Set([...hubs.map((h) => h.id), ...members.map((m) => m.hub_id)]));
  const svg = s("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "network-map", role: "img",
    "aria-label": map.view === "public"
      ? `network map: ${members.length} members, ${regionFlows.length} order flows between regions`
      : `network map: ${members.length} members, ${flows.length} order flows` });
  if (!members.length && !hubs.length) {
    svg.append(s("text", { x: WIDTH / 2, y: HEIGHT / 2, "text-anchor": "middle" }, "no members listed yet"));
    return svg;
  }
  // fit the members (and the hubs they belong to); a hub far from every member would squeeze them together
  const homeHubs = new Set(members.map((m) => m.hub_id));
  const p = projection(members.length ? [...members, ...hubs.filter((x) => homeHubs.has(x.id))] : hubs);
  svg.append(s("defs", {}, s("marker", { id: "flow-arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 3,
    markerHeight: 3, orient: "auto-start-reverse", markerUnits: "strokeWidth" },
  s("path", { d: "M0 0L10 5L0 10Z", fill: "#4e79a7" }))));
  graticule(svg, p);
  for (const hub of hubs) {
    const x = p.x(hub.longitude);
    const y = p.y(hub.latitude);
    if (x < 0 || x > WIDTH || y < 0 || y > HEIGHT) continue;
    svg.append(s("circle", { cx: x, cy: y, r: HUB_RING, class: "hub-site", stroke: colours.get(hub.id) },
      s("title", {}, `${hub.name ?? hub.id} (${hub.city ?? ""})`)));
  }
  drawRegionFlows(svg, regionFlows, p, hubs);
  const at = new Map(members.map((m) => [m.id, { x: p.x(m.longitude), y: p.y(m.latitude), member: m }]));
  for (const m of members) if (m.member_id) at.set(m.member_id, at.get(m.id));
  const most = Math.max(1, ...flows.map((f) => f.orders));
  for (const flow of flows) {
    const from = at.get(flow.from);
    const to = at.get(flow.to);
    if (!from || !to || from === to) continue;
    const width = 1.5 + 7 * Math.sqrt(flow.orders / most);
    svg.append(s("path", { d: arc(from, to, radius(from.member) + 2, radius(to.member) + 3), class: "flow", "stroke-width": width, "marker-end": "url(#flow-arrow)",
      "data-from": flow.from, "data-to": flow.to, "data-orders": flow.orders, tabindex: 0 },
    s("title", {}, `${from.member.name} → ${to.member.name}: ${flow.orders} orders, ${formatMoney(flow.value)}`)));
  }
  for (const m of members) {
    const { x, y } = at.get(m.id);
    const r = radius(m);
    svg.append(s("g", { class: "member-site", "data-member": m.id },
      s("circle", { cx: x, cy: y, r, class: "member", fill: colours.get(m.hub_id) ?? "#888" }),
      s("text", { x: x + r + 3, y: y + 4, class: "member-label" }, m.name.replace(/ B\.V\.$/, "")),
      s("title", {}, `${m.name} (${m.hub_id}) — ${m.machines} machines`)));
  }
  return svg;
}
