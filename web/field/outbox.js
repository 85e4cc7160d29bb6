// The outbox: every action taken in the field (a status, a note, a call for backup, a photo, a
// position) is stored in IndexedDB with a random idempotency key before it is sent, then sent
// in order, one at a time: at once when the server can be reached, otherwise when it is back
// (the browser's `online` event, the outage watch finding the server again, and a retry every
// 15 s). A timeout is retried with the same key, so the server applies the action once. An
// answer that can never succeed (409 conflict, 404, 422, …) drops the action and keeps the
// reason on screen until the officer has read it; a 401 pauses sending until they sign in again.

import * as db from "./db.js";
import { send, newKey } from "./net.js";
import { onOutage } from "/js/outage.js";
import { errorText } from "/js/errors.js";

/** How often waiting actions are tried again. */
const RETRY_MS = 15000;
/** Positions kept while offline: the newest ones; older ones are of little use to dispatch. */
const MAX_POSITIONS = 30;
/** A server error (500) is tried this many times before the action is given up. */
const MAX_SERVER_ERRORS = 5;
/** Time limits: a photo is large and may go over a slow link. */
const TIMEOUT_MS = { photo: 60000, default: 15000 };
const REJECTED_KEY = "binhyen.field.rejected";

let items = [];
let sending = null;
let paused = false;
let flushing = null;
let positionError = null;
const listeners = new Set();
const sentListeners = new Set();
const rejectListeners = new Set();

function readRejected() {
  try {
    return JSON.parse(localStorage.getItem(REJECTED_KEY)) || [];
  } catch {
    return [];
  }
}

function snapshot() {
  return { items, sending, paused, rejected: readRejected(), positionError };
}

function notify() {
  const s = snapshot();
  for (const fn of listeners) fn(s);
}

/** Calls `fn({items, sending, paused, rejected, positionError})` now and on every change. */
export function onOutbox(fn) {
  listeners.add(fn);
  fn(snapshot());
  return () => listeners.delete(fn);
}

/** Calls `fn(action, answer)` when the server has taken an action. */
export function onSent(fn) {
  sentListeners.add(fn);
  return () => sentListeners.delete(fn);
}

/** Calls `fn(action, entry)` when an action was refused for good. */
export function onRejected(fn) {
  rejectListeners.add(fn);
  return () => rejectListeners.delete(fn);
}

/** The actions waiting, oldest first. */
export function waiting() {
  return items;
}

/**
 * Keeps `action` ({kind, path, body | blob + contentType, info}) and sends it when it can.
 * `info` is what the waiting list shows (status, text, incident number, size).
 */
export async function enqueue(action) {
  const record = { ...action, key: newKey(), createdAt: Date.now(), attempts: 0 };
  if (record.kind === "position") {
    const positions = items.filter((a) => a.kind === "position" && a.seq !== sending);
    const extra = positions.slice(0, Math.max(0, positions.length - MAX_POSITIONS + 1));
    if (extra.length) {
      await db.remove(db.OUTBOX, ...extra.map((a) => a.seq));
      items = items.filter((a) => !extra.includes(a));
    }
  }
  record.seq = await db.put(db.OUTBOX, record);
  items.push(record);
  notify();
  flush();
  return record;
}

/** Sends what is waiting, in order (one run at a time; callers share it). */
export function flush() {
  if (!flushing) flushing = drain().finally(() => (flushing = null));
  return flushing;
}

async function drain() {
  while (!paused && items.length) {
    const action = items[0];
    sending = action.seq;
    notify();
    let answer;
    try {
      answer = await send(action, TIMEOUT_MS[action.kind] || TIMEOUT_MS.default);
    } catch {
      // Unreachable or no answer in time: the same key is sent again on the next try.
      sending = null;
      notify();
      return;
    }
    sending = null;
    const { status } = answer;
    if (status >= 200 && status < 300) {
      await drop(action);
      if (action.kind === "position") positionError = null;
      for (const fn of sentListeners) fn(action, answer);
      continue;
    }
    if (status === 401) {
      paused = true;
      notify();
      return;
    }
    // Not now, but later: the server is busy or gone, or the first copy of this very request
    // (sent before a timeout) is still being answered.
    const busy = status === 409 && answer.error.code === "idempotency_key_in_use";
    if (busy || status === 408 || status === 429 || (status >= 502 && status <= 504)) {
      notify();
      return;
    }
    if (status >= 500 && action.attempts + 1 < MAX_SERVER_ERRORS) {
      action.attempts += 1;
      await db.put(db.OUTBOX, action);
      notify();
      return;
    }
    await drop(action);
    refuse(action, answer.error);
  }
  notify();
}

async function drop(action) {
  await db.remove(db.OUTBOX, action.seq);
  items = items.filter((a) => a.seq !== action.seq);
}

function refuse(action, error) {
  if (action.kind === "position") {
    // Positions are many and replaced by the next one: the latest failure is said once.
    positionError = errorText(error);
    notify();
    return;
  }
  const entry = {
    kind: action.kind,
    info: action.info,
    status: error.status,
    code: error.code,
    reason: errorText(error),
    at: Date.now(),
  };
  localStorage.setItem(REJECTED_KEY, JSON.stringify([...readRejected(), entry]));
  notify();
  for (const fn of rejectListeners) fn(action, entry);
}

/** Forgets the refused actions once the officer has read them. */
export function dismissRejected() {
  localStorage.removeItem(REJECTED_KEY);
  notify();
}

/** Sends again after signing in anew (a 401 paused the outbox). */
export function resume() {
  paused = false;
  notify();
  flush();
}

/** Loads what an earlier session left waiting and starts the retries. */
export async function startOutbox() {
  items = await db.all(db.OUTBOX);
  notify();
  window.addEventListener("online", () => flush());
  onOutage(({ offline }) => {
    if (!offline) flush();
  });
  setInterval(() => flush(), RETRY_MS);
  flush();
}

/** Deletes everything waiting and every refusal (signing out on a shared phone). */
export async function clearOutbox() {
  await db.clear(db.OUTBOX);
  items = [];
  positionError = null;
  localStorage.removeItem(REJECTED_KEY);
  notify();
}
