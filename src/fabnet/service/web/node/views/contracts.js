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

/** The readable end of a URN ("urn:fabnet:member:acme" → "acme"); a uuid is cut to its first block. */
function shortId(id) {
  if (!id) return "—";
  const uuid = /^urn:uuid:([0-9a-f]{8})-/i.exec(id);
  if (uuid) return `${uuid[1]}…`;
  return id.split(":").pop() || id;
}

/** "195.3 KiB", "3.2 MiB": the size of a transfer in the unit that reads best. */
function formatSize(bytes) {
  if (bytes === null || bytes === undefined) return "—";
  if (bytes < 1024) return `${formatNumber(bytes, 0)} B`;
  if (bytes < 1024 * 1024) return `${formatNumber(bytes / 1024, 1)} KiB`;
  return `${formatNumber(bytes / (1024 * 1024), 1)} MiB`;
}

export async function renderContracts(main) {
  const [contractsAnswer, transfersAnswer] = await Promise.all([api("/contracts?limit=1000"), apiOptional("/transfers?limit=1000")]);
  const contracts = listOf(contractsAnswer);
  const transfers = listOf(transfersAnswer);
  const assetOf = new Map(contracts.map((c) => [c.agreement_id, c.asset]));
  show(main,
    h("h1", {}, "Contracts and transfers"),
    h("p", { class: "muted" }, "Agreements this node's connector reached with other members over the Dataspace ",
      "Protocol, and the files moved under them. Hover over a shortened id to see it in full."),
    h("h2", {}, `Contracts (${contracts.length})`),
    table([
      { label: "Agreement", field: "agreement", title: (c) => c.agreement_id, value: (c) => h("code", {}, shortId(c.agreement_id)) },
      { label: "Peer", field: "peer", title: (c) => c.peer, value: (c) => shortId(c.peer) },
      { label: "Our role", field: "role", value: (c) => c.role },
      { label: "Asset", field: "asset", title: (c) => c.asset, value: (c) => shortId(c.asset) },
      { label: "Policy", field: "policy", value: (c) => policySummary(c.policy) },
      { label: "State", field: "state", value: (c) => statusPill(c.state) },
      { label: "Agreed", field: "agreed", value: (c) => formatDateTime(c.agreed_at) },
    ], contracts, { id: "contracts", empty: "no contracts negotiated yet" }),
    h("h2", {}, `Transfers (${transfers.length})`),
    table([
      { label: "Transfer", field: "transfer", title: (t) => t.pid, value: (t) => h("code", {}, shortId(t.pid)) },
      { label: "Agreement", field: "agreement", title: (t) => t.agreement_id, value: (t) => h("code", {}, shortId(t.agreement_id)) },
      { label: "Asset", field: "asset", title: (t) => assetOf.get(t.agreement_id) ?? null,
        value: (t) => shortId(assetOf.get(t.agreement_id)) },
      { label: "Peer", field: "peer", title: (t) => t.peer, value: (t) => shortId(t.peer) },
      { label: "Our role", field: "role", value: (t) => t.role },
      { label: "Format", field: "format", value: (t) => t.format },
      { label: "Size", field: "size", numeric: true, value: (t) => formatSize(t.size),
        title: (t) => (t.size === null || t.size === undefined ? null : `${formatNumber(t.size, 0)} bytes`) },
      { label: "State", field: "state", value: (t) => statusPill(t.state) },
      { label: "Updated", field: "updated", value: (t) => formatDateTime(t.updated_at) },
      // only when a transfer failed: why it did (the data did not verify, the provider went away, …)
      ...(transfers.some((t) => t.error) ? [{ label: "Error", field: "error", value: (t) => t.error ?? "" }] : []),
    ], transfers, { id: "transfers", empty: "no transfers yet" }),
  );
}
