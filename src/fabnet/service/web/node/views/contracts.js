// Contracts (agreements with peers: asset and ODRL policy) and the data transfers under them.

import { api, apiOptional } from "../../common/api.js";
import { formatDateTime, formatNumber, h, listOf, show, statusPill, table } from "../../common/dom.js";

/** The ODRL policy in one line: its permissions' actions and constraints (purpose, expiry, …). */
function policySummary(policy) {
  if (!policy) return "—";
  const rules = [...(policy.permission || []), ...(policy.prohibition || []).map((p) => ({ ...p, prohibited: true }))];
  if (!rules.length) return typeof policy === "string" ? policy : "—";
  return rules.map((rule) => {
    const action = typeof rule.action === "object" ? rule.action["@id"] ?? rule.action.action : rule.action;
    const constraints = (rule.constraint || []).map((c) => `${c.leftOperand} ${c.operator} ${
      typeof c.rightOperand === "object" ? c.rightOperand["@value"] ?? c.rightOperand["@id"] : c.rightOperand}`);
    return `${rule.prohibited ? "no " : ""}${action ?? "use"}${constraints.length ? ` (${constraints.join(", ")})` : ""}`;
  }).join("; ");
}

export async function renderContracts(main) {
  const [contractsAnswer, transfersAnswer] = await Promise.all([api("/contracts?limit=1000"), apiOptional("/transfers?limit=1000")]);
  const contracts = listOf(contractsAnswer);
  const transfers = listOf(transfersAnswer);
  show(main,
    h("h1", {}, "Contracts and transfers"),
    h("h2", {}, `Contracts (${contracts.length})`),
    table([
      { label: "Agreement", value: (c) => h("code", {}, c.agreement_id) },
      { label: "Peer", value: (c) => c.peer },
      { label: "Our role", value: (c) => c.role },
      { label: "Asset", value: (c) => c.asset },
      { label: "Policy", value: (c) => policySummary(c.policy) },
      { label: "State", value: (c) => statusPill(c.state) },
      { label: "Agreed", value: (c) => formatDateTime(c.agreed_at) },
    ], contracts, { empty: "no contracts negotiated yet" }),
    h("h2", {}, `Transfers (${transfers.length})`),
    table([
      { label: "Transfer", value: (t) => h("code", {}, t.pid) },
      { label: "Agreement", value: (t) => h("code", {}, t.agreement_id) },
      { label: "Peer", value: (t) => t.peer },
      { label: "Our role", value: (t) => t.role },
      { label: "Format", value: (t) => t.format },
      { label: "Size", value: (t) => (t.size === null || t.size === undefined ? "—" : `${formatNumber(t.size / 1024, 1)} KiB`),
        numeric: true },
      { label: "State", value: (t) => statusPill(t.state) },
    ], transfers, { empty: "no transfers yet" }),
  );
}
