// The HTTP API client: JSON in and out, the session cookie sent by the browser, errors turned
// into ApiError with the server's stable code. A 401 sends the operator back to sign in. Every
// answer and every failure to reach the server is reported to the outage watch.

import { serverAnswered, serverUnreachable, isGatewayFailure } from "./outage.js";

/** An error answered by the API (or the network). */
export class ApiError extends Error {
  constructor(status, code, message, rows = []) {
    super(message || code);
    this.status = status;
    this.code = code;
    // Row errors of a refused import: [{line, field, message}].
    this.rows = rows;
  }

  /** True when the server could not be reached (network down, or a gateway saying so). */
  get unreachable() {
    return this.status === 0 || isGatewayFailure(this.status);
  }
}

let onUnauthorized = () => {};

/** Sets what happens when the session has ended (normally: show the sign-in page). */
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

/**
 * Calls the API. `body` is sent as JSON; `text` is sent as is with `contentType` (a CSV file).
 * Resolves to the parsed JSON (or text, or null).
 */
export async function api(path, { method = "GET", body, text, contentType = "text/plain", signal, raw = false } = {}) {
  const init = { method, headers: { Accept: "application/json" }, credentials: "same-origin", signal };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  } else if (text !== undefined) {
    init.headers["Content-Type"] = contentType;
    init.body = text;
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    if (e.name === "AbortError") throw e;
    serverUnreachable();
    throw new ApiError(0, "network", e.message);
  }
  if (isGatewayFailure(res.status)) serverUnreachable();
  else serverAnswered();
  if (raw) return res;
  const type = res.headers.get("content-type") || "";
  let data = null;
  if (res.status !== 204) {
    data = type.includes("json") ? await res.json().catch(() => null) : await res.text();
  }
  if (!res.ok) {
    const err = data && data.error ? data.error : {};
    if (res.status === 401 && !path.startsWith("/api/auth/login")) onUnauthorized();
    throw new ApiError(res.status, err.code || `http_${res.status}`, err.message || res.statusText, err.rows || []);
  }
  return data;
}
