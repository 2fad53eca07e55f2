// Quality: a control chart per characteristic (limits, alarm points with their rules) and the list of alarms.

import { api, apiOptional } from "../../common/api.js";
import { formatDateTime, formatNumber, h, listOf, show, table } from "../../common/dom.js";
import { chartSeries, drawControlChart } from "../../common/control_chart.js";

const CHART_KINDS = [["imr", "individuals & moving range"], ["xbar-r", "X̄–R"], ["xbar-s", "X̄–S"], ["ewma", "EWMA"],
  ["cusum", "CUSUM"]];

/** One measured stream: a characteristic on a machine (the same characteristic on two machines is two charts). */
function stream(c) {
  if (typeof c === "string") return { characteristic: c, machine: "", label: c };
  const { characteristic, machine_id: machine = "" } = c;
  const raised = c.alarms ?? 0;
  const counts = c.values !== undefined ? ` — ${c.values} values, ${raised} alarm${raised === 1 ? "" : "s"}` : "";
  return { characteristic, machine, label: `${characteristic}${machine ? ` on ${machine}` : ""}${counts}` };
}

export async function renderQuality(main) {
  const [characteristicsAnswer, alarmsAnswer] = await Promise.all([api("/quality/characteristics"),
    apiOptional("/quality/alarms")]);
  const characteristics = listOf(characteristicsAnswer);
  const alarms = listOf(alarmsAnswer);
  const streams = characteristics.map(stream);
  const which = h("select", { id: "characteristic" }, streams.map((st, n) => h("option", { value: n }, st.label)));
  const kind = h("select", { id: "chart-kind" }, CHART_KINDS.map(([value, label]) => h("option", { value }, label)));
  const holder = h("div", { class: "chart-frame", id: "spc" });
  const summary = h("p", { class: "muted", role: "status" });

  const draw = async () => {
    holder.replaceChildren(h("p", { class: "loading" }, "Loading chart…"));
    try {
      const chosen = streams[Number(which.value)];
      const query = new URLSearchParams({ chart: kind.value });
      if (chosen.machine) query.set("machine_id", chosen.machine);
      const answer = await api(`/quality/charts/${encodeURIComponent(chosen.characteristic)}?${query}`);
      const series = chartSeries(answer);
      const alarmCount = series.points.filter((p) => p.alarm).length;
      summary.textContent = `${series.points.length} points · centre ${formatNumber(series.center, 5)}`
        + ` · UCL ${formatNumber(series.ucl, 5)} · LCL ${formatNumber(series.lcl, 5)}`
        // the chart's own rules on this view; the live monitor's alarms are listed below
        + ` · ${alarmCount} point${alarmCount === 1 ? "" : "s"} out of control on this chart`;
      holder.replaceChildren(series.points.length ? drawControlChart(series, chosen.characteristic)
        : h("p", { class: "muted" }, "no measurements for this characteristic yet"));
    } catch (error) {
      summary.textContent = "";
      holder.replaceChildren(h("p", { class: "error" }, error.message));
    }
  };
  which.addEventListener("change", draw);
  kind.addEventListener("change", draw);

  show(main,
    h("h1", {}, "Quality"),
    streams.length ? h("div", { class: "toolbar" },
      h("div", {}, h("label", { for: "characteristic" }, "Characteristic"), which),
      h("div", {}, h("label", { for: "chart-kind" }, "Chart"), kind)) : h("p", { class: "note" }, "No characteristics measured yet."),
    summary,
    holder,
    h("div", { class: "key" }, h("span", {}, h("span", { class: "swatch", style: "background:#1f77b4" }), "measurement"),
      h("span", {}, h("span", { class: "swatch", style: "background:#d62728" }), "alarm point"),
      h("span", {}, "- - - control limits"), h("span", {}, h("span", { class: "swatch", style: "background:#2ca02c;height:3px" }), "centre")),
    h("h2", {}, `Alarms (${alarms.length})`),
    table([
      { label: "When", value: (a) => formatDateTime(a.at) },
      { label: "Characteristic", value: (a) => a.characteristic },
      { label: "Rule", value: (a) => h("strong", {}, a.rule) },
      { label: "Value", value: (a) => formatNumber(a.value, 5), numeric: true },
      { label: "Part", value: (a) => {
        const part = a.part_id;
        return part ? h("a", { href: `#/parts/${encodeURIComponent(part)}` }, part) : "—";
      } },
      { label: "Machine", value: (a) => a.machine_id },
      { label: "Reason", value: (a) => a.description },
    ], alarms, { empty: "no alarms — the process is in statistical control" }),
  );
  if (streams.length) await draw();
}
