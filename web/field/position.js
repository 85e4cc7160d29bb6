// Live position while on duty: follows the device's position (navigator.geolocation) and
// reports the newest fix every N seconds (15 by default, set in the settings) and on each
// status change, as `POST /api/resources/{id}/position`. Reports go through the outbox, so
// positions taken without a connection are sent later (the outbox keeps the last few dozen).

import { enqueue } from "./outbox.js";

const INTERVAL_KEY = "binhyen.field.interval";
/** Seconds between two reports unless the officer chose otherwise. */
export const DEFAULT_INTERVAL = 15;
export const MIN_INTERVAL = 5;
export const MAX_INTERVAL = 600;

let watchId = null;
let timer = null;
let resourceId = null;
let latest = null;
let lastSent = null;
let state = "off";
const listeners = new Set();

function notify() {
  for (const fn of listeners) fn({ state, fix: latest });
}

/** Calls `fn({state, fix})` now and on every change; state: off, waiting, on, denied, unavailable. */
export function onTracking(fn) {
  listeners.add(fn);
  fn({ state, fix: latest });
  return () => listeners.delete(fn);
}

/** Seconds between two reports. */
export function reportInterval() {
  const n = Number(localStorage.getItem(INTERVAL_KEY));
  return Number.isInteger(n) && n >= MIN_INTERVAL && n <= MAX_INTERVAL ? n : DEFAULT_INTERVAL;
}

/** Sets the seconds between two reports (restarts the timer when tracking). */
export function setReportInterval(seconds) {
  localStorage.setItem(INTERVAL_KEY, String(seconds));
  if (resourceId != null) startTracking(resourceId);
}

/** The position body of a fix, as the server takes it. */
function bodyOf(fix) {
  const c = fix.coords;
  const finite = (v) => (v == null || Number.isNaN(v) ? null : v);
  return {
    lat: c.latitude,
    lon: c.longitude,
    at: new Date(fix.timestamp).toISOString(),
    accuracy_m: finite(c.accuracy),
    speed_kmh: finite(c.speed) == null ? null : Math.round(c.speed * 3.6 * 10) / 10,
    heading: finite(c.heading),
    source: "app",
  };
}

function report(fix) {
  if (resourceId == null || !fix) return;
  lastSent = fix.timestamp;
  enqueue({ kind: "position", path: `/api/resources/${resourceId}/position`, body: bodyOf(fix), info: {} });
}

function onFix(fix) {
  const first = latest == null;
  latest = fix;
  state = "on";
  notify();
  if (first) report(fix);
}

function onError(e) {
  state = e.code === e.PERMISSION_DENIED ? "denied" : latest ? "on" : "waiting";
  notify();
}

/** Starts following the position of the device for resource `id`. */
export function startTracking(id) {
  stopTracking();
  resourceId = id;
  if (!("geolocation" in navigator)) {
    state = "unavailable";
    return notify();
  }
  state = "waiting";
  notify();
  watchId = navigator.geolocation.watchPosition(onFix, onError, { enableHighAccuracy: true, maximumAge: 10000, timeout: 60000 });
  timer = setInterval(() => {
    if (latest && latest.timestamp !== lastSent) report(latest);
  }, reportInterval() * 1000);
}

/** Stops following and reporting the position. */
export function stopTracking() {
  if (watchId != null) navigator.geolocation.clearWatch(watchId);
  clearInterval(timer);
  watchId = timer = resourceId = null;
  latest = lastSent = null;
  state = "off";
  notify();
}

/** Whether the position is being followed. */
export function tracking() {
  return resourceId != null;
}

/** A fix no older than a minute: the newest one, else one asked for now (null if none). */
export function currentFix() {
  if (latest && Date.now() - latest.timestamp < 60000) return Promise.resolve(latest);
  if (!("geolocation" in navigator)) return Promise.resolve(null);
  return new Promise((resolve) =>
    navigator.geolocation.getCurrentPosition(resolve, () => resolve(null), { enableHighAccuracy: true, maximumAge: 30000, timeout: 10000 }),
  );
}

/** Reports the position now (after a status change), when tracking. */
export async function reportNow() {
  if (resourceId == null) return;
  const fix = await currentFix();
  if (fix) {
    latest = fix;
    report(fix);
  }
}
