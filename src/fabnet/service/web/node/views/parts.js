// Parts and their digital product passport (the AAS shell and submodels, shown as a tree).

import { api, apiOptional, download } from "../../common/api.js";
import { formatDateTime, formatNumber, h, listOf, show, statusPill, table } from "../../common/dom.js";
import { may } from "../session.js";

/** When the part left its last operation. */
function madeAt(part) {
  return (part.route || []).reduce((last, step) => (!last || step.end > last ? step.end : last), null);
}

export async function renderParts(main) {
  const parts = listOf(await api("/parts?limit=1000"));
  const filter = h("select", { id: "verdict-filter" }, h("option", { value: "" }, `all (${parts.length})`),
    [...new Set(parts.map((p) => p.verdict))].map((v) => h("option", { value: v }, v)));
  const holder = h("div");
  const draw = () => {
    const shown = parts.filter((p) => !filter.value || p.verdict === filter.value);
    holder.replaceChildren(table([
      { label: "Part", value: (p) => h("a", { href: `#/parts/${encodeURIComponent(p.id)}` }, p.id) },
      { label: "Order", value: (p) => h("a", { href: `#/orders/${encodeURIComponent(p.order_id)}` }, p.order_id) },
      { label: "Design", value: (p) => p.design_id },
      { label: "Verdict", value: (p) => statusPill(p.verdict) },
      { label: "Serial", value: (p) => p.serial ?? "—" },
      { label: "Made", value: (p) => formatDateTime(madeAt(p)) },
      { label: "CO2", value: (p) => (p.co2_kg ? `${formatNumber(p.co2_kg, 2)} kg` : "—"), numeric: true },
    ], shown, { caption: `${shown.length} parts`, empty: "no parts made yet" }));
  };
  filter.addEventListener("change", draw);
  show(main, h("h1", {}, "Parts"),
    h("div", { class: "toolbar" }, h("div", {}, h("label", { for: "verdict-filter" }, "Verdict"), filter)), holder);
  draw();
}

function valueText(element) {
  const { value } = element;
  if (value === undefined) return null;
  if (Array.isArray(value)) return null;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** One AAS submodel element and its children (collections, lists, entities' statements). */
function elementNode(element) {
  const children = [
    ...(Array.isArray(element.value) ? element.value : []),
    ...(element.statements || []),
    ...(element.submodelElements || []),
  ].filter((child) => child && typeof child === "object" && (child.modelType || child.idShort));
  const langValue = Array.isArray(element.value) && element.value[0]?.language
    ? element.value.map((v) => `${v.text} (${v.language})`).join("; ") : null;
  const text = langValue ?? valueText(element);
  return h("li", {},
    h("span", { class: "id-short" }, element.idShort ?? "(element)"),
    h("span", { class: "kind" }, element.modelType ?? ""),
    text !== null ? [": ", h("span", { class: "value" }, text), element.unit ? ` ${element.unit}` : ""] : null,
    children.length && !langValue ? h("ul", {}, children.map(elementNode)) : null);
}

function passportView(passport) {
  const shells = passport.assetAdministrationShells ?? [];
  const submodels = passport.submodels ?? [];
  return h("div", { class: "passport-tree" },
    shells.map((shell) => h("dl", { class: "facts" },
      h("dt", {}, "shell"), h("dd", {}, shell.idShort ?? shell.id),
      h("dt", {}, "id"), h("dd", {}, h("code", {}, shell.id)),
      h("dt", {}, "asset"), h("dd", {}, h("code", {}, shell.assetInformation?.globalAssetId ?? "—")))),
    submodels.map((submodel) => h("details", { open: true, class: "card" },
      h("summary", {}, h("strong", {}, submodel.idShort ?? submodel.id), h("span", { class: "kind" }, submodel.id)),
      h("ul", {}, (submodel.submodelElements || []).map(elementNode)))));
}

export async function renderPart(main, id) {
  const [part, passport] = await Promise.all([api(`/parts/${encodeURIComponent(id)}`),
    apiOptional(`/parts/${encodeURIComponent(id)}/passport`)]);
  const status = h("span", { role: "status", class: "muted" });
  const { verdict } = part;
  const hold = may("parts") && !["held", "scrapped"].includes(verdict)
    ? h("button", { type: "button", id: "hold" }, "Hold this part") : null;
  hold?.addEventListener("click", async () => {
    hold.disabled = true;
    try {
      await api(`/parts/${encodeURIComponent(id)}/hold`, { method: "POST", body: { reason: "held from the dashboard" } });
      await renderPart(main, id);
    } catch (error) {
      status.textContent = error.message;
      status.className = "error";
      hold.disabled = false;
    }
  });
  const save = h("button", { type: "button" }, "Download passport (AAS JSON)");
  save.addEventListener("click", () => download(`/parts/${encodeURIComponent(id)}/passport`, `passport-${id}.json`)
    .catch((error) => { status.textContent = error.message; }));
  const measurements = part.measurements ?? [];
  show(main,
    h("p", {}, h("a", { href: "#/parts" }, "← all parts")),
    h("h1", {}, `Part ${id}`),
    h("div", { class: "card" }, h("dl", { class: "facts" },
      h("dt", {}, "verdict"), h("dd", {}, statusPill(verdict)),
      h("dt", {}, "order"), h("dd", {}, h("a", { href: `#/orders/${encodeURIComponent(part.order_id)}` }, part.order_id)),
      h("dt", {}, "design"), h("dd", {}, part.design_id),
      h("dt", {}, "serial"), h("dd", {}, part.serial ?? "—"),
      h("dt", {}, "material lot"), h("dd", {}, part.material_lot || "—"),
      h("dt", {}, "CO2"), h("dd", {}, `${formatNumber(part.co2_kg, 3)} kg`)),
    h("div", { class: "toolbar" }, [hold, save, status].filter(Boolean))),
    (part.route || []).length ? h("div", {}, h("h2", {}, "Route"), table([
      { label: "Operation", value: (r) => r.operation_id },
      { label: "Machine", value: (r) => r.machine_id },
      { label: "Start", value: (r) => formatDateTime(r.start) },
      { label: "End", value: (r) => formatDateTime(r.end) },
      { label: "Energy", value: (r) => `${formatNumber(r.energy_kwh, 2)} kWh`, numeric: true },
    ], part.route)) : null,
    measurements.length ? h("div", {}, h("h2", {}, "Measurements"), table([
      { label: "Characteristic", value: (m) => m.characteristic },
      { label: "Value", value: (m) => `${m.value} ${m.unit ?? ""}`, numeric: true },
      { label: "Limits", value: (m) => `${m.lower_limit ?? "—"} … ${m.upper_limit ?? "—"}` },
      { label: "When", value: (m) => formatDateTime(m.timestamp) },
    ], measurements)) : null,
    h("h2", {}, "Digital product passport"),
    passport ? h("div", { id: "passport" }, passportView(passport)) : h("p", { class: "muted" }, "no passport issued yet"),
  );
}
