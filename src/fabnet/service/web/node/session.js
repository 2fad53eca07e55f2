// Who is signed in, and what their role may change (the server checks again; this only hides buttons that would
// be refused). Writes per role as in the API contract: admin may do everything.

const WRITES = {
  planner: new Set(["orders", "schedule", "forecast"]),
  operator: new Set(["parts", "measurements"]),
};

export const session = { user: null };

/** Whether the signed-in user's role may change `what` (orders, schedule, forecast, parts, measurements). */
export function may(what) {
  const role = session.user?.role;
  return role === "admin" || Boolean(WRITES[role]?.has(what));
}
