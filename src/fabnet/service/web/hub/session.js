// The hub operator's session: the admin token pasted at sign-in, kept in sessionStorage (this tab only, gone when
// it closes) and sent as `Authorization: Bearer` on every read. Without it the dashboard shows the public view.

import { api } from "../common/api.js";

const KEY = "fabnet.hub.admin-token";

export const session = {
  get token() {
    return sessionStorage.getItem(KEY);
  },
  get operator() {
    return Boolean(sessionStorage.getItem(KEY));
  },
};

export function signOut() {
  sessionStorage.removeItem(KEY);
}

/** GET /api/v1`path` as the signed-in operator, or as the public. */
export function hubApi(path) {
  const token = session.token;
  return api(path, token ? { headers: { Authorization: `Bearer ${token}` } } : {});
}

/** Check `token` against the hub (it must give the operator's view) and keep it; rejects with the hub's reason. */
export async function signIn(token) {
  const answer = await api("/members", { headers: { Authorization: `Bearer ${token}` } });
  if (answer.view !== "operator") throw new Error("This is not the hub's admin token.");
  sessionStorage.setItem(KEY, token);
}
