// The hub's members: credential, listing and where they are.

import { api } from "../../common/api.js";
import { formatDate, h, listOf, show, statusPill, table } from "../../common/dom.js";

export async function renderMembers(main) {
  const members = listOf(await api("/members"), "members");
  show(main,
    h("h1", {}, "Members"),
    table([
      { label: "Company", value: (m) => h("strong", {}, m.company_name) },
      { label: "Member id", value: (m) => h("code", {}, m.member_id) },
      { label: "KvK", value: (m) => m.kvk },
      { label: "Region", value: (m) => m.region_hub_id ?? "—" },
      { label: "Machines", value: (m) => m.machines, numeric: true },
      { label: "Endpoint", value: (m) => h("code", {}, m.endpoint) },
      { label: "Credential until", value: (m) => formatDate(m.expires_at) },
      { label: "State", value: (m) => statusPill(m.revoked ? "revoked" : "active") },
    ], members, { caption: `${members.length} members`, empty: "no members yet" }),
  );
}
