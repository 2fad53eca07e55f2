// The sign-in form: POST /auth/login, the error shown next to the form when the server refuses.

import { api } from "../../common/api.js";
import { h, show } from "../../common/dom.js";

export function renderLogin(main, onSignedIn) {
  const error = h("p", { class: "error", role: "alert", id: "login-error", hidden: true });
  const username = h("input", { id: "username", name: "username", autocomplete: "username", required: true });
  const password = h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password",
    required: true });
  const submit = h("button", { type: "submit", class: "primary" }, "Sign in");
  const form = h("form", { class: "card login", "aria-describedby": "login-error" },
    h("h1", {}, "Sign in"),
    h("p", { class: "muted" }, "Orders, schedule, quality, passports, contracts and invoices of this node."),
    h("label", { for: "username" }, "User name"), username,
    h("label", { for: "password" }, "Password"), password,
    submit, error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    error.hidden = true;
    try {
      const answer = await api("/auth/login", { method: "POST", body: { username: username.value, password: password.value } });
      await onSignedIn(answer);
    } catch (failure) {
      error.textContent = failure.status === 401 ? "Wrong user name or password." : failure.message;
      error.hidden = false;
      password.select();
    } finally {
      submit.disabled = false;
    }
  });
  show(main, form);
  username.focus();
}
