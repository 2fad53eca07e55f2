// The operator sign-in: paste the hub's admin token (`fabnet hub admin-token` prints it); the hub checks it.

import { h, show } from "../../common/dom.js";
import { signIn } from "../session.js";

export function renderSignIn(main, onSignedIn) {
  const error = h("p", { class: "error", role: "alert", id: "signin-error", hidden: true });
  const token = h("input", { id: "admin-token", name: "admin-token", type: "password", autocomplete: "off",
    required: true, spellcheck: "false" });
  const submit = h("button", { type: "submit", class: "primary" }, "Sign in");
  const form = h("form", { class: "card login", "aria-describedby": "signin-error" },
    h("h1", {}, "Operator sign-in"),
    h("p", { class: "muted" }, "The hub's operator sees every member's order flows with their values and each company's own KPI figures. ",
      "Paste the admin token (", h("code", {}, "fabnet hub admin-token"), " prints it); it is kept in this tab only."),
    h("label", { for: "admin-token" }, "Admin token"), token,
    submit, error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    error.hidden = true;
    try {
      await signIn(token.value.trim());
      await onSignedIn();
    } catch (failure) {
      error.textContent = failure.status === 401 || failure.status === 403
        ? `The hub refused this token: ${failure.message}` : failure.message;
      error.hidden = false;
      token.select();
    } finally {
      submit.disabled = false;
    }
  });
  show(main, form);
  token.focus();
}
