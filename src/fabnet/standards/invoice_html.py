"""A human-readable HTML rendering of an invoice or credit note (Jinja2, autoescaped, self-contained CSS)."""

from decimal import Decimal

from jinja2 import Environment

from fabnet.domain.invoice import Invoice

_TEMPLATE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>{{ title }} {{ inv.id }}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:56rem;color:#222}
h1{font-size:1.6rem;margin-bottom:.2rem} .muted{color:#666}
.parties{display:flex;gap:3rem;margin:1.5rem 0} .parties div{flex:1}
table{border-collapse:collapse;width:100%;margin:1rem 0} th,td{padding:.35rem .5rem;border-bottom:1px solid #ddd}
th{text-align:left;background:#f4f4f4} td.n{text-align:right;font-variant-numeric:tabular-nums}
.total td{font-weight:bold;border-top:2px solid #222}
</style></head><body>
<h1>{{ title }} {{ inv.id }}</h1>
<p class="muted">Issued {{ inv.issue_date }} · due {{ inv.due_date }}{% if inv.order_reference %} · order
{{ inv.order_reference }}{% endif %}{% if inv.billing_reference %} · corrects invoice
{{ inv.billing_reference }}{% endif %}</p>
<div class="parties">
{% for label, p in [("Seller", inv.seller), ("Buyer", inv.buyer)] %}<div><strong>{{ label }}</strong><br>
{{ p.name }}<br>{{ p.street }}<br>{{ p.postal_code }} {{ p.city }} ({{ p.country }})<br>
VAT {{ p.vat_id }}{% if p.kvk %} · KvK {{ p.kvk }}{% endif %}</div>{% endfor %}
</div>
<table><thead><tr><th>#</th><th>Description</th><th>Qty</th><th>Unit</th><th>Price</th><th>VAT</th>
<th>Net</th></tr></thead><tbody>
{% for line in inv.lines %}<tr><td>{{ loop.index }}</td><td>{{ line.description }}</td>
<td class="n">{{ plain(line.quantity) }}</td><td>{{ line.unit_code }}</td>
<td class="n">{{ price(line.unit_price) }}</td><td>{{ line.vat_category.value }} {{ plain(line.vat_rate) }}%</td>
<td class="n">{{ "%.2f"|format(line.net_amount) }}</td></tr>
{% endfor %}</tbody></table>
<table><tbody>
<tr><td>Total net</td><td class="n">{{ inv.currency }} {{ "%.2f"|format(inv.line_total) }}</td></tr>
{% for row in inv.vat_breakdown() %}<tr><td>VAT {{ row.category.value }} {{ plain(row.rate) }}% on
{{ "%.2f"|format(row.taxable_amount) }}{% if row.exemption_reason %} — {{ row.exemption_reason }}{% endif %}</td>
<td class="n">{{ "%.2f"|format(row.tax_amount) }}</td></tr>{% endfor %}
<tr class="total"><td>{{ "To be refunded" if inv.is_credit_note else "Payable" }}</td>
<td class="n">{{ inv.currency }} {{ "%.2f"|format(inv.payable_amount) }}</td></tr>
</tbody></table>
<p>{{ inv.payment.terms }} · IBAN {{ inv.payment.iban }}{% if inv.payment.bic %} · BIC {{ inv.payment.bic }}{% endif %}
· reference {{ inv.id }}</p>
{% if inv.note %}<p class="muted">{{ inv.note }}</p>{% endif %}
</body></html>
"""

_environment = Environment(autoescape=True, keep_trailing_newline=True)


def price_text(value: Decimal) -> str:
    """A unit price with at least two decimals (150.00, 1.4167), never in exponent notation."""
    text = format(value.normalize(), "f")
    return f"{value:.2f}" if "." not in text or len(text.split(".")[1]) <= 2 else text


def invoice_to_html(invoice: Invoice) -> str:
    """The invoice as a standalone HTML page."""
    template = _environment.from_string(_TEMPLATE)
    title = "Credit note" if invoice.is_credit_note else "Invoice"
    return template.render(inv=invoice, title=title, plain=lambda value: format(value.normalize(), "f"),
                           price=price_text)
