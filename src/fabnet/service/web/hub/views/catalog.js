// The capability catalog search: which machines in the network can do a skill within the given bounds, ranked.

import { formatMoney, formatNumber, h, show, table } from "../../common/dom.js";
import { hubApi } from "../session.js";

const FIELDS = [
  ["skill", "Skill", "cut.laser", true],
  ["material", "Material", "S235"],
  ["thickness_mm", "Thickness (mm)", "3"],
  ["envelope", "Part size x,y,z (mm)", "600,400,30"],
  ["tolerance_mm", "Tolerance (mm)", "0.2"],
  ["region", "Region or hub", "hub-brainport"],
  ["limit", "At most", "20"],
];

export async function renderCatalog(main) {
  const inputs = FIELDS.map(([name, label, example, required]) => [name, label,
    h("input", { id: `q-${name}`, name, placeholder: example, required, inputmode: /_mm|limit/.test(name) ? "decimal" : null })]);
  const results = h("div", { id: "catalog-results", "aria-live": "polite" });
  const form = h("form", { class: "card search", role: "search" },
    inputs.map(([, label, input]) => h("div", {}, h("label", { for: input.id }, label), input)),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Search")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const [name, , input] of inputs) if (input.value.trim()) query.set(name, input.value.trim());
    results.replaceChildren(h("p", { class: "loading" }, "Searching…"));
    try {
      const answer = await hubApi(`/catalog/search?${query}`);
      results.replaceChildren(table([
        { label: "#", value: (m) => answer.matches.indexOf(m) + 1, numeric: true },
        { label: "Company", value: (m) => m.company_name },
        { label: "Machine", value: (m) => `${m.machine_name} (${m.machine_id})` },
        { label: "Hub", value: (m) => m.hub_id },
        { label: "Rate", value: (m) => `${formatMoney(m.hourly_rate_eur)}/h`, numeric: true },
        { label: "Free min/week", value: (m) => formatNumber(m.free_minutes_per_week, 0), numeric: true },
        { label: "Distance", value: (m) => (m.distance_km === null ? "—" : `${formatNumber(m.distance_km, 1)} km`), numeric: true },
        { label: "Fit", value: (m) => formatNumber(m.fit, 2), numeric: true },
        { label: "Score", value: (m) => formatNumber(m.score, 3), numeric: true },
      ], answer.matches, { caption: `${answer.total_matches} machines can do it`, empty: "no machine in the network can do this" }));
    } catch (error) {
      results.replaceChildren(h("p", { class: "error", role: "alert" }, error.message));
    }
  });
  show(main, h("h1", {}, "Capability catalog"),
    h("p", { class: "muted" }, "Find machines in the network that can make a part: a skill, and optionally material, size and tolerance."),
    form, results);
  inputs[0][2].focus();
}
