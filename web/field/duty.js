// The officer's duty: who is signed in, which resource (call sign) they are on today, that
// resource as last known, the dispatches they have accepted, and the actions they take on it.
// Every action goes through the outbox; until the server has taken it, the resource shows the
// status it was asked to take. The choices are kept in localStorage, per browser.

import { label } from "/js/i18n.js";
import { t } from "./texts.js";
import { enqueue, onOutbox, onSent } from "./outbox.js";
import { reportNow } from "./position.js";

const ME_KEY = "binhyen.field.me";
const RESOURCE_KEY = "binhyen.field.resource";
const ACCEPTED_KEY = "binhyen.field.accepted";
const SEEN_KEY = "binhyen.field.seen";
/** The reason recorded with an acceptance, as the command center reads it. */
const ACCEPT_REASON = "Đã nhận lệnh";

function load(key) {
  try {
    return JSON.parse(localStorage.getItem(key));
  } catch {
    return null;
  }
}

function save(key, value) {
  if (value == null) localStorage.removeItem(key);
  else localStorage.setItem(key, JSON.stringify(value));
}

export const duty = {
  /** The signed-in user (`GET /api/auth/me`), kept to open the app offline. */
  me: load(ME_KEY),
  /** The resource chosen at "Nhận ca" (`ResourceView`), as last known. */
  resource: load(RESOURCE_KEY),
  /** Statuses waiting in the outbox for this resource, oldest first. */
  queued: [],
};

const listeners = new Set();

function notify() {
  for (const fn of listeners) fn(duty);
}

/** Calls `fn(duty)` whenever the resource, its queued statuses or the acceptances change. */
export function onDuty(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Remembers the signed-in user. */
export function setMe(me) {
  duty.me = me;
  save(ME_KEY, me);
}

/** Takes the resource as the server now shows it (a read, the feed, or a status answer). */
export function setResource(resource) {
  duty.resource = resource;
  save(RESOURCE_KEY, resource);
  notify();
}

/** Forgets the user, the resource and the acceptances (sign-out). */
export function clearDuty() {
  for (const key of [ME_KEY, RESOURCE_KEY, ACCEPTED_KEY, SEEN_KEY]) localStorage.removeItem(key);
  duty.me = null;
  duty.resource = null;
  notify();
}

/** The status the resource has or was asked to take (the newest one waiting to be sent). */
export function currentStatus() {
  const last = duty.queued[duty.queued.length - 1];
  return last ? last.body.status : duty.resource?.status;
}

/** Whether the status shown is still waiting to be sent. */
export function statusPending() {
  return duty.queued.length > 0;
}

/** The resource's status in words: a dispatch not accepted yet is said as such. */
export function statusText() {
  const r = duty.resource;
  const status = currentStatus();
  if (status === "dispatched" && r?.incident_id != null && !isAccepted(r.incident_id)) return t("dispatch_waiting");
  return label("resource_status", status);
}

/** Whether the officer accepted the dispatch to `incidentId` (also implied by moving on). */
export function isAccepted(incidentId) {
  const r = duty.resource;
  if (!r || r.incident_id !== incidentId) return false;
  if (currentStatus() !== "dispatched") return true;
  return load(ACCEPTED_KEY)?.[r.id] === incidentId;
}

/**
 * Whether the resource's dispatch is new to this phone: true once per incident (then it is
 * remembered as seen), so the signal sounds once for each new dispatch.
 */
export function takeNewDispatch() {
  const r = duty.resource;
  if (!r || r.incident_id == null || r.status !== "dispatched" || isAccepted(r.incident_id)) return false;
  const seen = load(SEEN_KEY) || {};
  if (seen[r.id] === r.incident_id) return false;
  save(SEEN_KEY, { ...seen, [r.id]: r.incident_id });
  return true;
}

function number(incident) {
  return incident?.number || (incident?.id != null ? `#${incident.id}` : "");
}

/** Reports a status of the resource, for `incident` when it is on one. */
export async function reportStatus(status, incident, reason) {
  const r = duty.resource;
  const body = { status };
  if (incident) body.incident_id = incident.id;
  if (reason) body.reason = reason;
  await enqueue({ kind: "status", path: `/api/resources/${r.id}/status`, body, info: { status, number: number(incident) }, resourceId: r.id });
  reportNow();
}

/** Accepts the dispatch to `incident` (the server records it; `en_route` is a later step). */
export async function accept(incident) {
  const r = duty.resource;
  save(ACCEPTED_KEY, { ...(load(ACCEPTED_KEY) || {}), [r.id]: incident.id });
  await reportStatus("dispatched", incident, ACCEPT_REASON);
}

/** Asks the command center for backup at `incident`. */
export function askBackup(incident, reason) {
  const r = duty.resource;
  return enqueue({
    kind: "backup",
    path: `/api/incidents/${incident.id}/backup`,
    body: { resource_id: r.id, reason },
    info: { text: reason, number: number(incident) },
    incidentId: incident.id,
  });
}

/** Adds a note to `incident`. */
export function addNote(incident, text) {
  return enqueue({ kind: "note", path: `/api/incidents/${incident.id}/notes`, body: { text }, info: { text, number: number(incident) }, incidentId: incident.id });
}

/** Sends a shrunk photo (`photo.js`) of `incident`, with the place when `fix` is given. */
export function addPhoto(incident, photo, fix) {
  const query = fix
    ? `keep_location=true&lat=${fix.coords.latitude.toFixed(6)}&lon=${fix.coords.longitude.toFixed(6)}`
    : "keep_location=false";
  return enqueue({
    kind: "photo",
    path: `/api/incidents/${incident.id}/photos?${query}`,
    blob: photo.blob,
    contentType: "image/jpeg",
    info: { kb: Math.round(photo.blob.size / 1024), thumb: photo.thumb, number: number(incident) },
    incidentId: incident.id,
  });
}

onOutbox(({ items }) => {
  const id = duty.resource?.id;
  const queued = items.filter((a) => a.kind === "status" && a.resourceId === id);
  if (queued.length !== duty.queued.length || queued.some((a, i) => a !== duty.queued[i])) {
    duty.queued = queued;
    notify();
  }
});

onSent((action, answer) => {
  if (action.kind === "status" && answer.data?.resource && answer.data.resource.id === duty.resource?.id) {
    setResource(answer.data.resource);
  }
});
