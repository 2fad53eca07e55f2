// The hub's members: the public directory (name, region, machines, skills: what members publish in the catalog),
// and for the operator their credentials too (KvK, endpoint, validity, revoked ones).

import { formatDate, h, listOf, show, statusPill, table } from "../../common/dom.js";
import { hubApi } from "../session.js";

const DIRECTORY = [
  { label: "Company", value: (m) => h("strong", {}, m.company_name) },
  { label: "Member id", value: (m) => h("code", {}, m.member_id) },
  { label: "Region", value: (m) => m.region_hub_id ?? "—" },
  { label: "Machines", value: (m) => m.machines, numeric: true },
  { label: "Skills", value: (m) => (m.skills || []).join(", ") || "—" },
];

const CREDENTIALS = [
  { label: "KvK", value: (m) => m.kvk },
  { label: "Endpoint", value: (m) => h("code", {}, m.endpoint) },
  { label: "Credential until", value: (m) => formatDate(m.expires_at) },
  { label: "State", value: (m) => statusPill(m.revoked ? "revoked" : "active") },
];

export async function renderMembers(main) {
  const answer = await hubApi("/members");
  const members = listOf(answer, "members");
  const operator = answer.view === "operator";
  show(main,
    h("h1", {}, "Members"),
    h("p", { class: "note", id: "members-disclosure" }, operator
      ? "Operator view: every member's credential, revoked members included."
      : "Public directory of the current members: their name, region and what they publish in the catalog. "
        + "KvK numbers, node endpoints and credentials are shown to the hub's operator only."),
    table(operator ? [...DIRECTORY, ...CREDENTIALS] : DIRECTORY, members,
      { caption: `${members.length} members`, empty: "no members yet" }),
  );
}
