"""Writes the demo's report as one self-contained, offline HTML page (inline CSS and SVG, no scripts, no CDN)."""

from __future__ import annotations

from jinja2 import Environment, StrictUndefined, select_autoescape

from fabnet.scenarios.demo.figures import summary_figures
from fabnet.scenarios.demo.results import DemoSummary

_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fabnet demo — {{ s.scenario }}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1180px; padding: 1rem 1.5rem; color: #222; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { margin-top: 2rem; border-bottom: 2px solid #4e79a7; }
h3 { margin-bottom: .3rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; } th, td { padding: .25rem .6rem; text-align: left; }
th { background: #eef2f7; } tr:nth-child(even) td { background: #f8f9fb; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { background: #fff8e1; border-left: 4px solid #edc948; padding: .5rem .8rem; }
.ok { color: #2e7d32; font-weight: 600; } .bad { color: #c62828; font-weight: 600; }
.alarm { background: #fdecea; border-left: 4px solid #e15759; padding: .5rem .8rem; }
small, .muted { color: #666; } nav a { margin-right: .8rem; }
</style></head><body>
<h1>fabnet demo: the {{ s.scenario }} network end to end</h1>
<p class="muted">started {{ s.started_at }} · {{ s.total_seconds }} s · mode {{ s.mode }} ·
CP-SAT {{ s.options.time_limit_s }} s per company · {{ s.options.replications }} twin replications ·
seed {{ s.options.seed }}</p>
<p class="note">{{ s.note }}</p>
<nav><a href="#summary">Summary</a><a href="#kpis">Network KPIs</a><a href="#allocation">Marketplace</a>
<a href="#schedules">Schedules</a>
<a href="#twin">Twin</a><a href="#quality">Quality</a><a href="#billing">Billing</a>
<a href="#documents">Documents</a></nav>

<h2 id="summary">Summary</h2>
<table><tr><th>stage</th><th>figure</th><th>value</th></tr>
{% for f in figures %}<tr><td>{{ f.stage }}</td><td>{{ f.label }}</td><td>{{ f.value }}</td></tr>
{% endfor %}</table>
<table><tr>{% for name in s.stage_seconds %}<th class="num">{{ name }}</th>{% endfor %}</tr>
<tr>{% for value in s.stage_seconds.values() %}<td class="num">{{ value }} s</td>{% endfor %}</tr></table>

{% if s.network %}
<h2 id="network">The network's processes</h2>
<p>The hub at <code>{{ s.network.hub_url }}</code> (pid {{ s.network.hub_pid }}) and one node per company, each a
separate uvicorn process with its own database. Allocation found its candidates with the hub's catalog search
({{ s.network.catalog_machines }} machines published by the nodes, {{ s.network.catalog_searches }} searches over
HTTP); RFQs went over HTTP between the nodes ({{ s.network.rfqs_sent }} sent, {{ s.network.rfqs_answered }}
answered), contracts and designs over the Dataspace Protocol; each node scheduled its own orders and forecast
them in its twin when the demo asked it over HTTP{% if s.network.telemetry %}, telemetry over MQTT
({{ s.network.telemetry.broker_kind }} broker {{ s.network.telemetry.broker }}){% endif %}.</p>
<table><tr><th>company</th><th>node</th><th class="num">pid</th><th>database</th><th>imported</th></tr>
{% for n in s.network.nodes %}<tr><td>{{ n.company_id }}</td><td><a href="{{ n.url }}/">{{ n.url }}</a></td>
<td class="num">{{ n.pid }}</td><td><small>{{ n.database }}</small></td>
<td><small>{% for k, v in n.imported.items() %}{{ v }} {{ k }} {% endfor %}</small></td></tr>
{% endfor %}</table>
{% if s.contracts %}
<h3>Contracts and design transfers (DSP)</h3>
<table><tr><th>sub-order</th><th>receiver → partner</th><th>agreement</th><th>negotiation (partner / receiver)</th>
<th>transfer</th><th>design SHA-256 (offered = received)</th><th>status at the partner</th></tr>
{% for c in s.contracts.contracts %}<tr><td>{{ c.sub_order_id }}</td><td>{{ c.receiver }} → {{ c.partner }}</td>
<td><small>{{ c.agreement_id }}</small></td><td>{{ c.consumer_state }} / {{ c.provider_state }}</td>
<td>{{ c.transfer_state }} ({{ c.bytes }} B)</td>
<td><small>{{ c.offered_sha256[:16] }}… {{ '=' if c.offered_sha256 == c.received_sha256 else '≠' }}
{{ c.received_sha256[:16] }}…</small></td><td>{{ s.network.sub_order_statuses.get(c.sub_order_id, '') }}</td></tr>
{% endfor %}</table>
{% if s.contracts.replacements %}
<h3>Partners that failed after allocation</h3>
<p>{{ s.contracts.reallocated }} re-allocated to other partners, {{ s.contracts.waiting }} waiting (no order is
dropped).</p>
<table><tr><th>sub-order</th><th>order</th><th>failed partner</th><th>why</th><th>taken over by</th>
<th class="num">units waiting</th></tr>
{% for r in s.contracts.replacements %}<tr><td>{{ r.sub_order_id }}</td><td>{{ r.order_id }}</td>
<td>{{ r.failed_partner }}</td><td><small>{{ r.reason }}</small></td><td>{{ r.replaced_by | join(', ') }}</td>
<td class="num">{{ r.waiting_units }}</td></tr>
{% endfor %}</table>
{% endif %}
{% endif %}
{% endif %}

<h2 id="kpis">Network KPIs (the hub's view)</h2>
{% set k = s.network_kpis %}
<table><tr><th>KPI</th><th class="num">value</th></tr>
<tr><td>active members (programme: {{ k.members_target }} companies aimed at)</td>
<td class="num">{{ k.active_members }}</td></tr>
<tr><td>orders handled / with work allocated to partners</td>
<td class="num">{{ k.orders_handled }} / {{ k.orders_allocated }}</td></tr>
<tr><td>changeover hours: first come, first served → scheduled (saved)</td><td class="num">{{ k.changeover_hours_fcfs }}
→ {{ k.changeover_hours_scheduled }} ({{ k.changeover_hours_saved }} h, {{ k.changeover_saving_percent }} %)</td></tr>
<tr><td>parts made / defects stopped / escaped</td>
<td class="num">{{ k.parts_made }} / {{ k.defects_stopped }} / {{ k.defects_escaped }}</td></tr>
<tr><td>energy per part (twin) / material per part</td>
<td class="num">{{ '%.3f'|format(k.energy_kwh_per_part or 0) }} kWh /
{{ '%.3f'|format(k.material_kg_per_part or 0) }} kg</td></tr>
<tr><td>payments saved by netting</td><td class="num">{{ k.payments_saved_by_netting }}
({{ k.payments_saved_percent }} %)</td></tr>
<tr><td>money movement saved by netting</td><td class="num">EUR {{ k.money_movement_saved_eur }}
({{ k.money_movement_saved_percent }} %)</td></tr>
</table>

<h2 id="allocation">Marketplace: work for partners</h2>
{% set m = s.allocation %}
<p>{{ m.orders }} customer orders through the hub's marketplace: {{ m.in_house }} made in house, {{ m.allocated }} with
work packages for partners found in the hub catalog ({{ m.late_packages }} of them because in house would be late),
{{ m.waiting }} waiting. {{ m.sub_orders|length }} sub-orders, EUR {{ m.total_price_eur }},
{{ m.total_co2_kg }} kg CO2 of transport.</p>
<details><summary>{{ m.sub_orders|length }} sub-orders</summary>
<table><tr><th>sub-order</th><th>for order</th><th>receiver</th><th>partner</th><th>design</th><th class="num">qty</th>
<th>operations</th><th class="num">EUR</th><th class="num">kg CO2</th></tr>
{% for r in m.sub_orders %}<tr><td>{{ r.id }}</td><td>{{ r.order_id }}</td><td>{{ r.receiver }}</td>
<td>{{ r.partner }}</td><td>{{ r.design_id }}</td><td class="num">{{ r.quantity }}</td>
<td>{{ r.operations|join(', ') }}</td><td class="num">{{ r.price_eur }}</td><td class="num">{{ r.co2_kg }}</td></tr>
{% endfor %}</table></details>
{% for w in m.waiting_packages %}<p class="bad">waiting: {{ w }}</p>{% endfor %}

<h2 id="schedules">Schedules per company</h2>
<p>CP-SAT against first come, first served (jobs by release, each operation on the machine where it ends first) and ATCS
dispatching; every CP-SAT schedule re-checked by the independent checker. Times in minutes from
the planning origin.</p>
<table><tr><th>company</th><th class="num">orders</th><th class="num">operations</th><th>status</th>
<th class="num">changeover FCFS</th><th class="num">ATCS</th><th class="num">CP-SAT</th><th class="num">saved</th>
<th class="num">w. tardiness FCFS</th><th class="num">CP-SAT</th><th class="num">makespan CP-SAT</th>
<th>check</th><th>Gantt</th></tr>
{% for c in s.scheduling.companies %}<tr><td>{{ c.company_name }}</td><td class="num">{{ c.jobs }}</td>
<td class="num">{{ c.operations }}</td><td>{{ c.status }} ({{ c.solve_seconds }} s)</td>
<td class="num">{{ c.fcfs.total_changeover_min }}</td><td class="num">{{ c.atcs.total_changeover_min }}</td>
<td class="num">{{ c.cpsat.total_changeover_min }}</td><td class="num">{{ c.changeover_saved_min }}</td>
<td class="num">{{ c.fcfs.weighted_tardiness_min }}</td><td class="num">{{ c.cpsat.weighted_tardiness_min }}</td>
<td class="num">{{ c.cpsat.makespan_min }}</td>
<td>{% if c.feasible %}<span class="ok">feasible</span>{% else %}
<span class="bad">{{ c.violations|length }} violations</span>{% endif %}</td>
<td><a href="{{ c.gantt_file }}">chart</a> · <a href="{{ c.solution_file }}">json</a></td></tr>
{% endfor %}</table>
{{ chart|safe }}
{% for c in s.scheduling.companies if c.warnings %}<details><summary>{{ c.company_name }}: {{ c.warnings|length }}
note(s) on work left for subcontracting</summary>
<ul>{% for w in c.warnings %}<li>{{ w }}</li>{% endfor %}</ul></details>
{% endfor %}

<h2 id="twin">Digital twin forecast</h2>
<p>{{ s.twin.replications }} seeded replications per company with processing-time variation, breakdowns, scrap and
rework: {{ s.twin.orders_p90_on_time }} of {{ s.twin.orders }} orders are on time with at least 90 % probability.</p>
{% for c in s.twin.companies %}<h3>{{ c.company_id }}</h3>
<p class="muted">planned makespan {{ c.planned_makespan_min }} min, P90 {{ c.p90_makespan_min }} min; all orders on
time in {{ '%.0f'|format(100 * c.all_on_time_probability) }} % of the replications</p>
<details><summary>{{ c.orders|length }} orders: P90 completion and on-time probability</summary>
<table><tr><th>order</th><th class="num">due</th><th class="num">planned</th><th class="num">P90 completion</th>
<th>P90 at</th><th class="num">on time</th></tr>
{% for o in c.orders %}<tr><td>{{ o.order_id }}</td><td class="num">{{ o.due_min }}</td>
<td class="num">{{ o.planned_completion_min }}</td><td class="num">{{ o.p90_completion_min }}</td>
<td>{{ o.p90_completion_at }}</td><td class="num">{{ '%.0f'|format(100 * o.on_time_probability) }} %</td></tr>
{% endfor %}</table></details>
<table><tr><th>machine</th><th class="num">utilisation</th><th class="num">OEE</th><th class="num">energy kWh</th></tr>
{% for m in c.machines %}<tr><td>{{ m.machine_id }}</td><td class="num">{{ '%.1f'|format(100 * m.utilisation) }} %</td>
<td class="num">{{ '%.1f'|format(100 * m.oee) }} %</td><td class="num">{{ m.energy_kwh }}</td></tr>
{% endfor %}</table>
{% endfor %}

<h2 id="quality">Zero defects</h2>
{% set q = s.quality %}{% set a = q.alarm %}{% set r = q.reschedule %}
<p>Machine <b>{{ q.machine_id }}</b> ({{ q.company_id }}): {{ q.fault }}; the monitor learnt its limits from the
first {{ q.phase1_parts }} parts; {{ q.parts_simulated }} parts simulated; {{ q.false_alarms_before_drift }}
false alarm(s) before the drift.</p>
<div class="alarm"><b>Alarm {{ a.rule }}</b> — {{ a.description }} — on {{ a.characteristic }} = {{ a.value }} of part
{{ a.part_id }} (part {{ a.part_index }}, {{ a.parts_after_drift_start }} parts after the drift began).
Held: {{ a.parts_held|join(', ') or 'none' }}. Machine flagged: {{ 'yes' if a.machine_flagged else 'no' }}.</div>
<p>Rework operation <code>{{ r.rework_operation }}</code> ({{ r.rework_minutes }} min) added after
<code>{{ r.reworked_operation }}</code> at minute {{ r.event_minute }}; the schedule was repaired with
{{ r.frozen }} operations frozen and {{ r.moved }} moved:
{% if r.feasible %}<span class="ok">feasible</span>{% else %}<span class="bad">infeasible</span>{% endif %};
weighted tardiness {{ r.weighted_tardiness_before }} → {{ r.weighted_tardiness_after }} min, makespan
{{ r.makespan_before_min }} → {{ r.makespan_after_min }} min. <a href="{{ r.gantt_file }}">Repaired Gantt chart</a>.</p>
<table><tr><th>passport</th><th>verdict</th><th>file</th><th class="num">bytes</th><th>aas-core3.1</th></tr>
{% for p in q.passports %}<tr><td>{{ p.record_id }}</td><td>{{ q.passport_verdicts[p.record_id] }}</td>
<td><a href="{{ p.path }}">{{ p.path }}</a></td><td class="num">{{ p.size_bytes }}</td>
<td>{% if p.findings %}<span class="bad">{{ p.findings|length }} findings</span>{% else %}
<span class="ok">conforms</span>{% endif %}</td></tr>
{% endfor %}</table>

<h2 id="billing">Invoices, ledgers and netting</h2>
{% set b = s.billing %}
<p>{{ b.invoices }} Peppol BIS Billing 3.0 invoices (UBL 2.1: {{ b.customer_invoices }} from suppliers to customers,
{{ b.sub_order_invoices }} from partners for sub-orders at the quoted price) in
<a href="{{ b.invoice_folder }}/">{{ b.invoice_folder }}/</a>,
EUR {{ b.net_total_eur }} + VAT {{ b.vat_total_eur }} = EUR {{ b.gross_total_eur }}. {{ b.validated }} checked against
the official EN 16931 and Peppol rules: {{ b.schema_errors }} schema errors, {{ b.fatal_findings }} fatal findings,
{{ b.warnings }} warnings. {{ b.postings }} ledger postings.
{% if b.orders_not_invoiced %}Not invoiced: {{ b.orders_not_invoiced|join(', ') }}.{% endif %}</p>
<p>Multilateral netting ({{ b.periods|join(', ') }}): <b>{{ b.payments_before }} payments → {{ b.payments_after }}</b>,
EUR {{ b.gross_settled_eur }} → EUR {{ b.net_settled_eur }} moved.</p>
<table><tr><th>payer</th><th>payee</th><th class="num">EUR</th></tr>
{% for p in b.payments %}<tr><td>{{ p.payer }}</td><td>{{ p.payee }}</td><td class="num">{{ p.amount_eur }}</td></tr>
{% endfor %}</table>
<table><tr><th>company</th>{% for account in accounts %}<th class="num">{{ account }}</th>{% endfor %}</tr>
{% for company, balances in b.ledger.items() %}<tr><td>{{ company }}</td>{% for account in accounts %}
<td class="num">{{ balances.get(account, '') }}</td>{% endfor %}</tr>{% endfor %}</table>

<h2 id="documents">Documents and database</h2>
<p>{{ s.documents.files|length }} AAS documents in <a href="{{ s.documents.folder }}/">{{ s.documents.folder }}/</a>
({% for k, v in s.documents.by_kind.items() %}{{ v }} {{ k }}{{ ', ' if not loop.last }}{% endfor %}), each verified
with aas-core3.1: {{ s.documents.findings }} findings. Database {{ s.database.url }} at revision
{{ s.database.revisions|join(', ') }}:
{% for k, v in s.database.stored.items() %}{{ v }} {{ k }}{{ ', ' if not loop.last }}{% endfor %}.</p>
</body></html>
"""

_ACCOUNTS = ("bank", "receivables", "payables", "revenue", "expenses", "vat_payable", "vat_receivable")


def _changeover_chart(summary: DemoSummary) -> str:
    """Horizontal bars: changeover minutes per company, first come first served against CP-SAT."""
    companies = summary.scheduling.companies
    top = max((max(c.fcfs.total_changeover_min, c.cpsat.total_changeover_min) for c in companies), default=0) or 1
    row, left, width = 34, 150, 560
    parts = [f'<svg viewBox="0 0 {left + width + 90} {row * len(companies) + 30}" width="{left + width + 90}" '
             'xmlns="http://www.w3.org/2000/svg" font-size="11" font-family="sans-serif" role="img" '
             'aria-label="changeover minutes per company">']
    for n, company in enumerate(companies):
        y = 10 + n * row
        parts.append(f'<text x="0" y="{y + 14}">{_escape(company.company_id)}</text>')
        for k, (value, colour, name) in enumerate(((company.fcfs.total_changeover_min, "#bab0ac", "FCFS"),
                                                    (company.cpsat.total_changeover_min, "#4e79a7", "CP-SAT"))):
            length = width * value / top
            parts.append(f'<rect x="{left}" y="{y + k * 13}" width="{length:.1f}" height="11" fill="{colour}">'
                         f'<title>{name}: {value} min</title></rect>')
            parts.append(f'<text x="{left + length + 4:.1f}" y="{y + k * 13 + 9}">{name} {value} min</text>')
    parts.append("</svg>")
    return "".join(parts)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_demo_report(summary: DemoSummary) -> str:
    # StrictUndefined: a field the template names but the summary lacks is an error, not a blank cell
    environment = Environment(autoescape=select_autoescape(default=True, default_for_string=True),
                              undefined=StrictUndefined)
    template = environment.from_string(_TEMPLATE)
    return template.render(s=summary, figures=summary_figures(summary), chart=_changeover_chart(summary),
                           accounts=_ACCOUNTS)
