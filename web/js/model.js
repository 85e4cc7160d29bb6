// Reading the API's objects: one place that knows where each field lives (an incident's unit
// may be `unit_code`, `assignment.primary_unit` or `location.unit_code`), the status machine and
// the response-time targets (both as the server's vocabulary gives them), so the views stay
// simple.

import { toMs } from "./time.js";

/** Statuses reachable in one step, from the server's incident state machine (`setStatuses`). */
export const TRANSITIONS = {};
// For each status, the next statuses whose transition needs a written reason.
const REASONED = {};

/** Takes the statuses of `GET /api/vocabulary`: where each may go, and with a reason where. */
export function setStatuses(statuses) {
  for (const s of statuses || []) {
    TRANSITIONS[s.code] = s.next || [];
    REASONED[s.code] = s.next_needs_reason || [];
  }
}

/** Whether moving `from → to` needs a written reason. */
export function needsReason(from, to) {
  return (REASONED[from] || []).includes(to);
}

/** Whether moving to `to` needs a disposition (closing, except from a false alarm). */
export function needsDisposition(from, to) {
  return to === "closed" && from !== "false_alarm";
}

/** Terminal statuses never change again. */
export function isOpen(status) {
  return !["closed", "cancelled", "merged"].includes(status);
}

/** Not dispatched yet: waiting for the operator (the rest is being worked on). */
export function isPending(inc) {
  return inc.status === "received" || inc.status === "verified";
}

/** An alarm from a device nobody has taken yet: it must be seen first. */
function isUntakenAlarm(inc) {
  return inc.isAlarm && inc.status === "received";
}

/**
 * Queue order: priority first; within a priority the alarms nobody has taken yet lead, newest
 * first (the one that just rang is on top), then the rest oldest first (longest waiting).
 */
export function queueOrder(a, b) {
  if (a.priority !== b.priority) return a.priority - b.priority;
  const ua = isUntakenAlarm(a);
  const ub = isUntakenAlarm(b);
  if (ua !== ub) return ua ? -1 : 1;
  const age = (a.received || 0) - (b.received || 0);
  return (ua ? -age : age) || String(a.id).localeCompare(String(b.id));
}

/**
 * Response targets in seconds per priority: verify, dispatch (both from received) and on scene
 * (from first dispatch). Filled from the server's vocabulary at sign-in (`setTargets`), so the
 * timers count against the targets the server's statistics use; empty until then.
 */
export const TARGETS = {};

/** Takes the targets of `GET /api/vocabulary`'s `priorities`. */
export function setTargets(priorities) {
  for (const p of priorities || []) TARGETS[p.priority] = { verify: p.verify_secs, dispatch: p.dispatch_secs, on_scene: p.on_scene_secs };
}

function pick(...values) {
  for (const v of values) if (v !== undefined && v !== null && v !== "") return v;
  return null;
}

function priorityNumber(p) {
  if (typeof p === "number") return p;
  if (typeof p === "string") {
    const m = p.match(/(\d)/);
    if (m) return Number(m[1]);
  }
  return 4;
}

/** A flat view of an incident, whatever the exact shape the API gave. */
export function normIncident(raw) {
  if (!raw || typeof raw !== "object") return null;
  const loc = raw.location || {};
  const point = loc.point || raw.point || {};
  const times = raw.times || {};
  const assignment = raw.assignment || {};
  const caller = raw.caller || {};
  const status = pick(raw.status, "received");
  return {
    raw,
    id: pick(raw.id, raw.incident_id),
    number: String(pick(raw.number, raw.reference, raw.id, "")),
    kind: pick(raw.kind, raw.type, "other"),
    crimeSubtype: pick(raw.crime_subtype),
    priority: priorityNumber(pick(raw.priority, 4)),
    channel: pick(raw.channel),
    status,
    disposition: pick(raw.disposition),
    unit: pick(raw.unit_code, assignment.primary_unit, loc.unit_code),
    sharedWith: pick(raw.shared_with, assignment.shared_with) || [],
    address: pick(loc.address, raw.address, ""),
    lat: pick(point.lat, raw.lat, loc.lat),
    lon: pick(point.lon, point.lng, raw.lon, loc.lon),
    nearBoundary: !!pick(loc.near_boundary, raw.near_boundary),
    oldName: pick(loc.resolved_from_old_name),
    unitUncertain: !!loc.unit_uncertain,
    unitCandidates: loc.unit_candidates || [],
    pointSource: pick(loc.point_source),
    callerName: pick(caller.name, raw.caller_name),
    callerPhone: pick(caller.phone, raw.caller_phone),
    description: pick(raw.description, ""),
    facilityId: pick(raw.facility_id, raw.facility?.id),
    deviceId: pick(raw.device_id),
    signals: raw.signals || [],
    received: toMs(pick(times.received, raw.received_at, raw.reported_at, raw.opened_at, raw.created_at)),
    verified: toMs(pick(times.verified, times.false_alarm, raw.verified_at)),
    dispatched: toMs(pick(times.dispatched, raw.dispatched_at)),
    onScene: toMs(pick(times.on_scene, raw.on_scene_at)),
    // When the work on it ended (resolved, or closed/cancelled/merged without a resolution).
    ended: toMs(pick(times.resolved, times.closed, times.cancelled, times.merged, raw.resolved_at)),
    updated: toMs(pick(raw.updated_at, times.received)),
    resources: (raw.resources || raw.assignments || []).map(normAssignment),
    history: raw.history || raw.timeline || raw.events || [],
    notes: raw.notes || [],
    casualties: { dead: 0, injured: 0, trapped: 0, rescued: 0, ...(raw.casualties || {}) },
    fireReport: raw.fire_report || null,
    mergedInto: pick(raw.merged_into),
    mergedFrom: raw.merged_from || [],
    version: pick(raw.version),
    allowed: Array.isArray(raw.allowed_transitions) ? raw.allowed_transitions : null,
    isAlarm: pick(raw.channel) === "alarm_device",
  };
}

function normAssignment(a) {
  return {
    id: pick(a.resource_id, a.id),
    callSign: pick(a.call_sign, a.name, `#${pick(a.resource_id, a.id)}`),
    kind: pick(a.kind),
    status: pick(a.status, a.resource_status),
    assigned: toMs(pick(a.assigned_at)),
    released: toMs(pick(a.released_at)),
  };
}

/** The statuses an operator may move the incident to next. */
export function nextStatuses(inc) {
  return inc.allowed || TRANSITIONS[inc.status] || [];
}

/**
 * The running response timer of an open incident at `now`: which stage it is in, how long it
 * has been running and whether it passed its target.
 */
export function timer(inc, now) {
  const targets = TARGETS[inc.priority] || TARGETS[4];
  const received = Number.isFinite(inc.received) ? inc.received : now;
  let stage = null;
  let since = received;
  if (!isOpen(inc.status) || inc.status === "resolved") {
    // Stopped: the time it took, from the report to the end of the work (0 when unknown).
    const elapsed = Number.isFinite(inc.ended) ? Math.max(0, inc.ended - received) : 0;
    return { stage: null, elapsed, overdue: false, since: received, stopped: true };
  }
  if (!Number.isFinite(inc.verified) && !Number.isFinite(inc.dispatched) && inc.status === "received") {
    stage = "verify";
  } else if (!Number.isFinite(inc.dispatched) && ["received", "verified"].includes(inc.status)) {
    stage = "dispatch";
  } else if (Number.isFinite(inc.dispatched) && !Number.isFinite(inc.onScene) && ["dispatched", "en_route"].includes(inc.status)) {
    stage = "on_scene";
    since = inc.dispatched;
  }
  const elapsed = now - since;
  const overdue = stage && targets ? elapsed > targets[stage] * 1000 : false;
  return { stage, elapsed: now - received, stageElapsed: elapsed, overdue, since, stopped: false };
}

/** A flat view of a facility. */
export function normFacility(raw) {
  if (!raw) return null;
  const point = raw.location?.point || raw.point || raw.location || {};
  return {
    raw,
    id: pick(raw.id),
    name: pick(raw.name, raw.display_name, `#${raw.id}`),
    address: pick(raw.address, raw.location?.address, ""),
    unit: pick(raw.unit_code),
    lat: pick(point.lat, raw.lat),
    lon: pick(point.lon, point.lng, raw.lon),
    floors: pick(raw.floors, raw.floors_above, raw.storeys),
    basements: pick(raw.basements, raw.floors_below),
    hazards: toList(pick(raw.hazards, raw.hazard_notes)),
    // How to get in: gates, keys, the guard's post, where to stage.
    access: pick(raw.access_notes, raw.access),
    waterSources: toList(pick(raw.water_sources, raw.water)),
    contacts: toList(pick(raw.contacts)),
    kind: pick(raw.kind, raw.category, raw.use),
    status: pick(raw.status, raw.device_status),
    devices: raw.devices || [],
  };
}

function toList(v) {
  if (v == null) return [];
  if (Array.isArray(v)) return v;
  if (typeof v === "string") return v.split(/\n|;/).map((s) => s.trim()).filter(Boolean);
  return [v];
}

/** A flat view of an alarm device. */
export function normDevice(raw) {
  if (!raw) return null;
  return {
    raw,
    id: pick(raw.id, raw.account, raw.device_id),
    account: pick(raw.account, raw.device_id, raw.id),
    name: pick(raw.name, raw.label, raw.model, raw.account),
    facilityId: pick(raw.facility_id),
    facilityName: pick(raw.facility_name, raw.facility?.name),
    unit: pick(raw.unit_code, raw.facility?.unit_code),
    status: pick(raw.status, raw.state, "unknown"),
    lastSeen: toMs(pick(raw.last_heartbeat_at, raw.last_heartbeat, raw.last_seen_at, raw.last_seen)),
    // Accepts unencrypted messages: anyone who knows the account number can forge them.
    plain: raw.allow_plain === true,
  };
}

/** A flat view of a resource (patrol, engine, …). */
export function normResource(raw) {
  if (!raw) return null;
  const point = raw.location || raw.position || raw.point || {};
  return {
    raw,
    id: pick(raw.id, raw.resource_id),
    callSign: pick(raw.call_sign, raw.name, `#${raw.id}`),
    kind: pick(raw.kind),
    status: pick(raw.status, "available"),
    unit: pick(raw.unit_code, raw.home_unit),
    // The last reported position, else the home station.
    lat: pick(point.lat, raw.lat, raw.home_lat),
    lon: pick(point.lon, point.lng, raw.lon, raw.home_lon),
    incidentId: pick(raw.incident_id, raw.current_incident),
    version: pick(raw.version),
  };
}
