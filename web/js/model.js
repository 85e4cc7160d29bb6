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

/**
 * A flat view of an incident, from the list's `IncidentSummary` or the incident page's
 * `IncidentDetail` (the same flat names; the detail adds `location`, `caller`, `times` and the
 * lists of its parts).
 */
export function normIncident(raw) {
  if (!raw || typeof raw !== "object") return null;
  const loc = raw.location || {};
  const times = raw.times || {};
  const caller = raw.caller || {};
  return {
    raw,
    id: raw.id,
    number: raw.number,
    kind: raw.kind,
    crimeSubtype: raw.crime_subtype ?? null,
    priority: raw.priority,
    channel: raw.channel,
    status: raw.status,
    disposition: raw.disposition ?? null,
    unit: raw.unit_code ?? null,
    sharedWith: raw.shared_with || [],
    address: raw.address || "",
    lat: raw.lat ?? null,
    lon: raw.lon ?? null,
    nearBoundary: !!raw.near_boundary,
    oldName: loc.resolved_from_old_name ?? null,
    unitUncertain: !!loc.unit_uncertain,
    unitCandidates: loc.unit_candidates || [],
    pointSource: loc.point_source ?? null,
    callerName: caller.name ?? null,
    callerPhone: caller.phone ?? raw.caller_phone_masked ?? null,
    description: raw.description || "",
    facilityId: raw.facility_id ?? null,
    deviceId: raw.device_id ?? null,
    signals: raw.signals || [],
    received: toMs(raw.received_at),
    verified: toMs(times.verified ?? times.false_alarm),
    dispatched: toMs(raw.dispatched_at),
    onScene: toMs(raw.on_scene_at),
    // When the work on it ended (resolved, or closed/cancelled/merged without a resolution).
    ended: toMs(times.resolved ?? times.closed ?? times.cancelled ?? times.merged),
    updated: toMs(raw.updated_at),
    resources: (raw.resources || []).map(normAssignment),
    history: raw.timeline || [],
    notes: raw.notes || [],
    casualties: raw.casualties || { dead: 0, injured: 0, trapped: 0, rescued: 0 },
    fireReport: raw.fire_report ?? null,
    mergedInto: raw.merged_into ?? null,
    mergedFrom: raw.merged_from || [],
    version: raw.version,
    allowed: Array.isArray(raw.allowed_transitions) ? raw.allowed_transitions : null,
    isAlarm: raw.channel === "alarm_device",
  };
}

function normAssignment(a) {
  return {
    id: a.resource_id,
    callSign: a.call_sign,
    kind: a.kind,
    status: a.status,
    assigned: toMs(a.assigned_at),
    released: toMs(a.released_at),
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

/** A flat view of a facility (`FacilityView`). */
export function normFacility(raw) {
  if (!raw) return null;
  return {
    raw,
    id: raw.id,
    name: raw.name,
    address: raw.address || "",
    unit: raw.unit_code,
    lat: raw.lat ?? null,
    lon: raw.lon ?? null,
    floors: raw.floors ?? null,
    hazards: lines(raw.hazards),
    // How to get in: gates, keys, the guard's post, where to stage.
    access: raw.access_notes ?? null,
    waterSources: lines(raw.water_sources),
    contacts: raw.contacts || [],
    kind: raw.kind,
  };
}

/** A free-text field's lines (one item per line or `;`). */
function lines(text) {
  if (!text) return [];
  return text.split(/\n|;/).map((s) => s.trim()).filter(Boolean);
}

/** A flat view of an alarm device (`DeviceView`). */
export function normDevice(raw) {
  if (!raw) return null;
  return {
    raw,
    id: raw.id,
    account: raw.account,
    name: raw.account,
    facilityId: raw.facility_id,
    facilityName: raw.facility_name,
    unit: raw.unit_code,
    status: raw.status,
    lastSeen: toMs(raw.last_seen_at),
    // Accepts unencrypted messages: anyone who knows the account number can forge them.
    plain: raw.allow_plain === true,
    // Where its plain messages may come from; empty: the receiver's list.
    plainSources: raw.plain_sources,
    // On test until then (ms): its alarms open incidents, the building's people are not told.
    testUntil: toMs(raw.test_until),
  };
}

/** A flat view of a resource (`ResourceView`). */
export function normResource(raw) {
  if (!raw) return null;
  return {
    raw,
    id: raw.id,
    callSign: raw.call_sign,
    kind: raw.kind,
    status: raw.status,
    unit: raw.unit_code ?? null,
    // The last reported position, else the home station.
    lat: raw.lat ?? raw.home_lat ?? null,
    lon: raw.lon ?? raw.home_lon ?? null,
    // Whether lat/lon are a reported position (not the home station), when it was reported
    // and when it stops being live.
    reported: raw.lat != null && raw.lon != null,
    positionAt: raw.position_at ?? null,
    staleAt: raw.position_stale_at ?? null,
    incidentId: raw.incident_id ?? null,
    version: raw.version,
  };
}
