// The hub dashboard: a hash router over the network view (map, KPIs, programme), the members and the catalog search.
// Without signing in it shows what the hub publishes to anyone; the operator signs in with the admin token
// (session.js) to see members' flows with their values and each company's own figures.

import { ApiError } from "../common/api.js";
import { h, show } from "../common/dom.js";
import { session, signOut } from "./session.js";
import { renderCatalog } from "./views/catalog.js";
import { renderMembers } from "./views/members.js";
import { renderNetwork } from "./views/network.js";
import { renderSignIn } from "./views/signin.js";

const main = document.getElementById("main");
const routes = { "#/network": renderNetwork, "#/members": renderMembers, "#/catalog": renderCatalog };

function showWho() {
  document.getElementById("user").textContent = session.operator ? "operator" : "public view";
  document.getElementById("sign-in").hidden = session.operator;
  document.getElementById("sign-out").hidden = !session.operator;
}

async function route(event) {
  showWho();
  if (location.hash === "#/sign-in") {
    renderSignIn(main, async () => {
      location.hash = "#/network";
    });
    return;
  }
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
    if (error instanceof ApiError && error.status === 401 && session.operator) {
      // the hub no longer takes the token (e.g. a new one was configured): back to the public view, and say so
      signOut();
      await route();
      main.prepend(h("p", { class: "error", role: "alert", id: "signed-out" },
        `Signed out: the hub refused the admin token (${error.message}).`));
      return;
    }
    show(main, h("h1", {}, "Something went wrong"), h("p", { class: "error", role: "alert" }, error.message));
  }
}

document.getElementById("sign-in").addEventListener("click", () => {
  location.hash = "#/sign-in";
});
document.getElementById("sign-out").addEventListener("click", () => {
  signOut();
  route(); // the same page again, as the public sees it
});

window.addEventListener("hashchange", route);
route();
