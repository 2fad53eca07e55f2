// The hub dashboard: a hash router over the network view (map, KPIs, programme), the members and the catalog search.
// The hub's read endpoints are public; nothing here needs a login.

import { h, show } from "../common/dom.js";
import { renderCatalog } from "./views/catalog.js";
import { renderMembers } from "./views/members.js";
import { renderNetwork } from "./views/network.js";

const main = document.getElementById("main");
const routes = { "#/network": renderNetwork, "#/members": renderMembers, "#/catalog": renderCatalog };

async function route(event) {
  const hash = routes[location.hash.split("?")[0]] ? location.hash.split("?")[0] : "#/network";
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.getAttribute("href") === hash) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  show(main, h("p", { class: "loading" }, "Loading…"));
  try {
    await routes[hash](main);
    if (event) main.focus({ preventScroll: true }); // a navigation: keyboard and screen reader users start here
  } catch (error) {
    show(main, h("h1", {}, "Something went wrong"), h("p", { class: "error", role: "alert" }, error.message));
  }
}

window.addEventListener("hashchange", route);
route();
