// Building DOM and SVG nodes from data without innerHTML (every text goes in as text), and formatting values.

const SVG_NS = "http://www.w3.org/2000/svg";

function fill(node, attrs, children) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** An HTML element: h("a", {href: "#/orders"}, "Orders"). */
export function h(tag, attrs = {}, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

/** An SVG element; numbers are rounded to one decimal to keep the markup small. */
export function s(tag, attrs = {}, ...children) {
  const rounded = {};
  for (const [name, value] of Object.entries(attrs || {})) {
    rounded[name] = typeof value === "number" ? Math.round(value * 10) / 10 : value;
  }
  return fill(document.createElementNS(SVG_NS, tag), rounded, children);
}

/** The rows of a list answer: a page's `items`, a named list (a hub answer's `members`), or the answer itself. */
export function listOf(answer, key = "items") {
  if (Array.isArray(answer)) return answer;
  return answer?.[key] ?? [];
}

const dateTime = new Intl.DateTimeFormat("en-GB", {
  weekday: "short", day: "2-digit", month: "short", hour: "2-digit", minute: "2-digit",
});
const dateOnly = new Intl.DateTimeFormat("en-GB", { day: "2-digit", month: "short", year: "numeric" });

export function toTime(value) {
  if (value === undefined || value === null || value === "") return null;
  const time = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(time) ? null : time;
}

export function formatDateTime(value) {
  const time = toTime(value);
  return time === null ? "—" : dateTime.format(time);
}

export function formatDate(value) {
  const time = toTime(value);
  return time === null ? "—" : dateOnly.format(time);
}

export function formatNumber(value, digits = 1) {
  if (value === undefined || value === null || value === "" || Number.isNaN(Number(value))) return "—";
  return Number(value).toLocaleString("en-GB", { maximumFractionDigits: digits });
}

export function formatPercent(fraction, digits = 0) {
  if (fraction === undefined || fraction === null) return "—";
  return `${formatNumber(100 * Number(fraction), digits)} %`;
}

export function formatMoney(amount, currency = "EUR") {
  if (amount === undefined || amount === null || amount === "") return "—";
  return `${currency} ${Number(amount).toLocaleString("en-GB", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** A status word as a coloured pill, e.g. "in_production" → "in production". */
export function statusPill(status) {
  const word = String(status ?? "unknown");
  return h("span", { class: `pill status-${word.replace(/[^a-z0-9_-]/gi, "")}` }, word.replaceAll("_", " "));
}

/** A table from column definitions [{label, value: row => node|text, numeric, field, title: row => text}] and
 * rows; `field` names the cell (`data-field`, for tests and styles), `title` gives it a tooltip (e.g. a full id). */
export function table(columns, rows, { caption, empty = "nothing yet", id } = {}) {
  const head = h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.numeric ? "num" : null }, c.label)));
  const cell = (c, row) => h("td", { class: c.numeric ? "num" : null, "data-field": c.field ?? null,
    title: c.title ? c.title(row) : null }, c.value(row));
  const body = rows.length
    ? rows.map((row) => h("tr", {}, columns.map((c) => cell(c, row))))
    : [h("tr", {}, h("td", { colspan: columns.length, class: "muted" }, empty))];
  return h("table", { id: id ?? null }, caption ? h("caption", {}, caption) : null, h("thead", {}, head),
    h("tbody", {}, body));
}

/** Replace what `target` shows by `children`, leaving out the null/false ones (replaceChildren would print "null"). */
export function show(target, ...children) {
  target.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
}
