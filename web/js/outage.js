// Whether the server can be reached. The API client reports every answer and every failure to
// reach the server; after a failure the console is "offline": a banner under the top bar says
// since when and how old the picture on screen is, a low tone sounds (again every minute while
// it lasts), and the server is probed every few seconds. When it answers again the banner goes,
// and listeners hear `recovered` so the screens reload what they show. Screens keep their last
// good data meanwhile instead of replacing it with an error.

import { clockTime } from "./time.js";

/** How often the server is probed while it cannot be reached. */
const PROBE_MS = 3000;
/** How often the offline tone repeats while the outage lasts. */
const TONE_MS = 60000;

let lastOk = null;
let downSince = null;
let probeTimer = null;
let toneTimer = null;
const listeners = new Set();
let tone = () => {};

/** Sets the sound played when the server is lost (the alarm module's audio). */
export function setOutageTone(fn) {
  tone = fn;
}

/** Calls `fn({offline, since, lastOk})` now and whenever the server is lost or found again. */
export function onOutage(fn) {
  listeners.add(fn);
  fn(current());
  return () => listeners.delete(fn);
}

/** Whether the server is unreachable right now. */
export function isOffline() {
  return downSince != null;
}

/** "HH:MM:SS" of the last answer from the server (what the screen's data is as of). */
export function dataTime() {
  return lastOk == null ? "" : clockTime(lastOk);
}

function current() {
  return { offline: downSince != null, since: downSince, lastOk };
}

function notify() {
  const state = current();
  for (const fn of listeners) {
    try {
      fn(state);
    } catch (e) {
      console.error("outage listener failed", e);
    }
  }
}

/** The server answered (any HTTP status it sent itself). */
export function serverAnswered() {
  lastOk = Date.now();
  if (downSince == null) return;
  downSince = null;
  clearInterval(probeTimer);
  clearInterval(toneTimer);
  probeTimer = toneTimer = null;
  notify();
}

/** The server could not be reached (network error, or a gateway saying it is gone). */
export function serverUnreachable() {
  if (downSince != null) return;
  downSince = Date.now();
  tone();
  toneTimer = setInterval(() => tone(), TONE_MS);
  probeTimer = setInterval(probe, PROBE_MS);
  notify();
}

/** Whether an HTTP status means the server behind a proxy is gone rather than answering. */
export function isGatewayFailure(status) {
  return status === 502 || status === 503 || status === 504;
}

async function probe() {
  try {
    const res = await fetch("/readyz", { cache: "no-store" });
    if (!isGatewayFailure(res.status)) serverAnswered();
  } catch {
    /* still unreachable */
  }
}

/** Stops watching (sign-out): no banner, no tone, no probing. */
export function resetOutage() {
  clearInterval(probeTimer);
  clearInterval(toneTimer);
  probeTimer = toneTimer = null;
  const was = downSince != null;
  downSince = null;
  if (was) notify();
}
