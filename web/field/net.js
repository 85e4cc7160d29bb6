// Talking to the server from the field. Reads say whether their answer came from the network or
// from the service worker's copy (and when that copy was stored), so screens can tell how old
// what they show is; `send` is the outbox's one way out: each action with its idempotency key
// and a time limit. Every answer and every failure feeds the console's outage watch
// (`/js/outage.js`), which probes the server while it is gone and says when it is back.

import { ApiError } from "/js/api.js";
import { serverAnswered, serverUnreachable, isGatewayFailure } from "/js/outage.js";

/** Header the service worker puts on an answer it took from its cache: when it was stored (ms). */
export const CACHED_AT = "X-Field-Cached-At";

let onUnauthorized = () => {};

/** Sets what happens when the session has ended (the sign-in screen). */
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

async function errorOf(res) {
  const data = (res.headers.get("content-type") || "").includes("json") ? await res.json().catch(() => null) : null;
  const err = data && data.error ? data.error : {};
  return new ApiError(res.status, err.code || `http_${res.status}`, err.message || res.statusText);
}

/**
 * GETs JSON. Resolves to `{data, cachedAt}`: `cachedAt` is null for a fresh answer, else when
 * the service worker stored the copy it answered with (the network being unreachable).
 */
export async function read(path) {
  let res;
  try {
    res = await fetch(path, { headers: { Accept: "application/json" }, credentials: "same-origin" });
  } catch (e) {
    serverUnreachable();
    throw new ApiError(0, "network", e.message);
  }
  const cachedAt = Number(res.headers.get(CACHED_AT)) || null;
  if (cachedAt) serverUnreachable();
  else if (isGatewayFailure(res.status)) serverUnreachable();
  else serverAnswered();
  if (!res.ok) {
    const err = await errorOf(res);
    if (res.status === 401) onUnauthorized();
    throw err;
  }
  return { data: res.status === 204 ? null : await res.json(), cachedAt };
}

/**
 * POSTs one queued action: JSON `body`, or `blob` with its `contentType`, and the
 * `Idempotency-Key` header (a retry with the same key is applied once by the server).
 * Resolves to `{status, data, replayed}` for any answer the server itself gave; rejects with
 * an `ApiError` of status 0 when it could not be reached or did not answer within `timeoutMs`.
 */
export async function send({ path, body, blob, contentType, key }, timeoutMs) {
  const headers = { Accept: "application/json", "Idempotency-Key": key };
  let payload;
  if (blob) {
    headers["Content-Type"] = contentType;
    payload = blob;
  } else {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body ?? {});
  }
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  let res;
  try {
    res = await fetch(path, { method: "POST", headers, body: payload, credentials: "same-origin", signal: abort.signal });
  } catch (e) {
    serverUnreachable();
    throw new ApiError(0, e.name === "AbortError" ? "timeout" : "network", e.message);
  } finally {
    clearTimeout(timer);
  }
  if (isGatewayFailure(res.status)) serverUnreachable();
  else serverAnswered();
  const replayed = res.headers.get("Idempotency-Replayed") === "true";
  if (!res.ok) return { status: res.status, error: await errorOf(res), replayed };
  const type = res.headers.get("content-type") || "";
  const data = type.includes("json") ? await res.json().catch(() => null) : null;
  return { status: res.status, data, replayed };
}

/** A random idempotency key: 128 bits as hex (works outside secure contexts too). */
export function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
