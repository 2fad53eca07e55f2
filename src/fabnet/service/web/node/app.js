// The node dashboard: session check, sign-in, and a hash router over the views (#/orders, #/gantt, …).

import { api, ApiError } from "../common/api.js";
import { h, show } from "../common/dom.js";
import { renderContracts } from "./views/contracts.js";
import { renderGantt } from "./views/gantt.js";
import { renderInvoice, renderInvoices } from "./views/invoices.js";
import { renderLogin } from "./views/login.js";
import { renderOrder, renderOrders } from "./views/orders.js";
import { renderPart, renderParts } from "./views/parts.js";
import { renderQuality } from "./views/quality.js";
import { session } from "./session.js";

const main = document.getElementById("main");

const routes = [
  [/^#\/orders\/(.+)$/, renderOrder, "orders"],
  [/^#\/orders$/, renderOrders, "orders"],
  [/^#\/gantt$/, renderGantt, "gantt"],
  [/^#\/quality$/, renderQuality, "quality"],
  [/^#\/parts\/(.+)$/, renderPart, "parts"],
  [/^#\/parts$/, renderParts, "parts"],
  [/^#\/contracts$/, renderContracts, "contracts"],
  [/^#\/invoices\/(.+)$/, renderInvoice, "invoices"],
  [/^#\/invoices$/, renderInvoices, "invoices"],
];

function showSignedIn(user) {
  session.user = user;
  document.getElementById("nav").hidden = !user;
  document.getElementById("who").hidden = !user;
  document.getElementById("user").textContent = user ? `${user.username} · ${user.role}` : "";
}

async function loadCompany() {
  try {
    const company = await api("/company");
    const name = company.company?.name ?? company.name ?? company.id;
    document.getElementById("company").textContent = name;
    document.title = `fabnet · ${name}`;
  } catch {
    // the company is optional on a node that has not imported data yet
  }
}

async function signedIn() {
  try {
    showSignedIn(await api("/auth/me"));
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      showSignedIn(null);
      return false;
    }
    throw error;
  }
}

async function route(event) {
  if (!session.user && !(await signedIn())) {
    // the session lives in the HttpOnly cookie the login answer sets; the token in its body is not kept
    renderLogin(main, async () => {
      await signedIn();
      await loadCompany();
      if (!location.hash || location.hash === "#/login") location.hash = "#/orders";
      else route();
    });
    return;
  }
  const hash = location.hash && location.hash !== "#/login" ? location.hash : "#/orders";
  const match = routes.find(([pattern]) => pattern.test(hash));
  const [pattern, render, section] = match || routes[1];
  const args = (hash.match(pattern) || []).slice(1).map(decodeURIComponent);
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.getAttribute("href") === `#/${section}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  show(main, h("p", { class: "loading" }, "Loading…"));
  try {
    await render(main, ...args);
    if (event) main.focus({ preventScroll: true }); // a navigation: keyboard and screen reader users start here
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      showSignedIn(null);
      route();
      return;
    }
    show(main, h("h1", {}, "Something went wrong"), h("p", { class: "error", role: "alert" }, error.message));
  }
}

document.getElementById("logout").addEventListener("click", async () => {
  try {
    await api("/auth/logout", { method: "POST" });
  } finally {
    showSignedIn(null);
    location.hash = "#/login";
    route();
  }
});

window.addEventListener("hashchange", route);
signedIn().then((ok) => (ok ? loadCompany() : null)).finally(route);
