// Invoices: the list, one invoice with its lines, and its UBL 2.1 XML (Peppol BIS Billing 3.0) to download.

import { api, download } from "../../common/api.js";
import { formatDate, formatMoney, formatNumber, h, listOf, show, statusPill, table } from "../../common/dom.js";

function orderLink(invoice) {
  const order = invoice.order_id;
  return order ? h("a", { href: `#/orders/${encodeURIComponent(order)}` }, order) : "—";
}

function ublLink(id) {
  return h("a", { href: `/api/v1/invoices/${encodeURIComponent(id)}/ubl`, class: "ubl", type: "application/xml",
    download: `${id}.xml` }, "UBL XML");
}

export async function renderInvoices(main) {
  const invoices = listOf(await api("/invoices?limit=1000"));
  const sum = invoices.reduce((acc, i) => acc + Number(Number(i.payable_amount) || 0), 0);
  show(main,
    h("h1", {}, "Invoices"),
    h("p", { class: "muted" }, `${invoices.length} invoices, ${formatMoney(sum)} in total`),
    table([
      { label: "Invoice", value: (i) => h("a", { href: `#/invoices/${encodeURIComponent(i.id)}` }, i.id) },
      { label: "Order", value: orderLink },
      { label: "Buyer", value: (i) => i.buyer_id },
      { label: "Seller", value: (i) => i.seller_id },
      { label: "Issued", value: (i) => formatDate(i.issue_date) },
      { label: "Total", value: (i) => formatMoney(i.payable_amount, i.currency), numeric: true },
      { label: "Status", value: (i) => statusPill(i.status) },
      { label: "Document", value: (i) => ublLink(i.id) },
    ], invoices, { empty: "no invoices yet" }),
  );
}

/** Net, VAT and payable from the lines, the way EN 16931 sums them: VAT per (category, rate), rounded to cents. */
export function invoiceTotals(lines) {
  const cents = (value) => Math.round(value * 100) / 100;
  const byRate = new Map();
  let net = 0;
  for (const line of lines) {
    const amount = cents(Number(line.quantity) * Number(line.unit_price));
    net += amount;
    const key = `${line.vat_category ?? "S"}|${line.vat_rate ?? 0}`;
    byRate.set(key, (byRate.get(key) ?? 0) + amount);
  }
  const vat = [...byRate].reduce((sum, [key, base]) => sum + cents((base * Number(key.split("|")[1])) / 100), 0);
  return { net: cents(net), vat: cents(vat), payable: cents(net + vat) };
}

export async function renderInvoice(main, id) {
  const [invoice, summaries] = await Promise.all([api(`/invoices/${encodeURIComponent(id)}`),
    api("/invoices?limit=1000").then(listOf).catch(() => [])]);
  const lines = invoice.lines ?? [];
  const totals = invoiceTotals(lines);
  const payable = summaries.find((i) => i.id === id)?.payable_amount ?? totals.payable;
  const currency = invoice.currency;
  const party = (which) => invoice[which]?.name ?? invoice[`${which}_id`];
  const status = h("span", { role: "status", class: "muted" });
  const save = h("button", { type: "button" }, "Download UBL XML");
  save.addEventListener("click", () => download(`/invoices/${encodeURIComponent(id)}/ubl`, `${id}.xml`)
    .catch((error) => { status.textContent = error.message; }));
  show(main,
    h("p", {}, h("a", { href: "#/invoices" }, "← all invoices")),
    h("h1", {}, `Invoice ${id}`),
    h("div", { class: "card" }, h("dl", { class: "facts" },
      h("dt", {}, "order"), h("dd", {}, orderLink(invoice)),
      h("dt", {}, "purchase order"), h("dd", {}, invoice.order_reference ?? "—"),
      h("dt", {}, "seller"), h("dd", {}, party("seller")),
      h("dt", {}, "buyer"), h("dd", {}, party("buyer")),
      h("dt", {}, "issued"), h("dd", {}, formatDate(invoice.issue_date)),
      h("dt", {}, "due"), h("dd", {}, formatDate(invoice.due_date)),
      h("dt", {}, "net"), h("dd", {}, formatMoney(totals.net, currency)),
      h("dt", {}, "VAT"), h("dd", {}, formatMoney(totals.vat, currency)),
      h("dt", {}, "payable"), h("dd", { class: "figure" }, formatMoney(payable, currency))),
    h("div", { class: "toolbar" }, save, ublLink(id), status)),
    h("h2", {}, "Lines"),
    table([
      { label: "Item", value: (l) => l.description ?? l.item_id ?? "—" },
      { label: "Quantity", value: (l) => `${formatNumber(l.quantity, 3)} ${l.unit_code ?? ""}`, numeric: true },
      { label: "Price", value: (l) => formatMoney(l.unit_price, currency), numeric: true },
      { label: "VAT", value: (l) => `${formatNumber(l.vat_rate, 2)} %`, numeric: true },
      { label: "Net", value: (l) => formatMoney(Number(l.quantity) * Number(l.unit_price), currency), numeric: true },
    ], lines, { empty: "no lines" }),
  );
}
