// Alarm alerts from the server's alarm queue (/api/alarms). On start (sign-in, reload, a new
// tab, any page) the console loads the alarms nobody has handled yet; a fire, life-safety or
// intrusion alarm still `new` raises a banner at the top of every screen and beeps (Web Audio,
// no sound file) until someone acknowledges it on any console: the `alarm.acknowledged` change
// on the live feed stops the ringing everywhere at once. An alarm nobody acknowledged in time is
// escalated by the server to the shift leaders: it shows differently and sounds louder, and the
// leaders' consoles (which only read) ring for escalated alarms only. Device troubles and
// offline devices are listed quietly under the banner. A call for backup from the scene
// (`backup.requested`) sounds once and stays under the banner until seen.

import { api, ApiError } from "./api.js";
import { h, replace, toast } from "./dom.js";
import { t } from "./i18n.js";
import { shortTime, toMs } from "./time.js";
import { session, unitName, canAct } from "./session.js";
import { onChange } from "./feed.js";
import { errorText } from "./errors.js";

/** Open alarms (not handled) by id, as the API shows them. */
const open = new Map();
let audio = null;
let beepTimer = null;
let beepLoud = false;
let beeps = 0;
let started = false;
let loading = null;
/** Alarms the feed changed while a load was in flight: the load's answer may predate them. */
let seenWhileLoading = null;
/** A reload was asked for while one was in flight: run another once it ends. */
let loadAgain = false;
let reloadTimer = null;
let navigate = () => {};

/** Sets how the banner opens an incident. */
export function setAlertNavigator(fn) {
  navigate = fn;
}

/** Creates (or resumes) the audio context; call from a user gesture such as signing in. */
export function unlockAudio() {
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    if (audio.state === "suspended") audio.resume();
  } catch {
    audio = null;
  }
}

/** The console's alarm sound: two tones; an escalated alarm sounds three higher, louder ones. */
function beep() {
  beeps += 1;
  const banner = document.getElementById("alarm-banner");
  if (banner) banner.dataset.beeps = String(beeps);
  if (!audio) unlockAudio();
  if (!audio) return;
  const now = audio.currentTime;
  const tones = beepLoud ? [1320, 990, 1320] : [880, 660];
  const peak = beepLoud ? 0.6 : 0.25;
  for (const [i, freq] of tones.entries()) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = beepLoud ? "sawtooth" : "square";
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, now + i * 0.25);
    gain.gain.exponentialRampToValueAtTime(peak, now + i * 0.25 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.25 + 0.22);
    osc.connect(gain).connect(audio.destination);
    osc.start(now + i * 0.25);
    osc.stop(now + i * 0.25 + 0.24);
  }
}

/** A flame drawn as SVG: the console must not depend on an emoji font being installed. */
function flame() {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("width", "18");
  svg.setAttribute("height", "18");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "flame-icon");
  const outer = document.createElementNS(ns, "path");
  outer.setAttribute("d", "M8 1c.5 2.6 4.5 4.6 4.5 8.6A4.5 4.5 0 0 1 3.5 9.6C3.5 7.4 5 6.3 5.6 4.5 6.6 5.6 7 6.6 7 7.6 8.2 6 8.4 3.6 8 1z");
  outer.setAttribute("fill", "#ffb300");
  const inner = document.createElementNS(ns, "path");
  inner.setAttribute("d", "M8 8.2c.4 1.2 2.2 2 2.2 3.6a2.2 2.2 0 0 1-4.4 0c0-.9.5-1.5 1-2 .3.4.5.8.5 1.2.5-.8.8-1.8.7-2.8z");
  inner.setAttribute("fill", "#fff3c4");
  svg.append(outer, inner);
  return svg;
}

let outageTones = 0;

/** The sound of a lost server: two low falling tones, unlike any alarm's. */
export function outageTone() {
  outageTones += 1;
  document.body.dataset.outageTones = String(outageTones);
  if (!audio) unlockAudio();
  if (!audio) return;
  const now = audio.currentTime;
  for (const [i, freq] of [440, 330].entries()) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = "sine";
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, now + i * 0.4);
    gain.gain.exponentialRampToValueAtTime(0.3, now + i * 0.4 + 0.03);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.4 + 0.35);
    osc.connect(gain).connect(audio.destination);
    osc.start(now + i * 0.4);
    osc.stop(now + i * 0.4 + 0.38);
  }
}

const RINGING_CLASSES = ["fire", "life_safety", "intrusion"];
const CLASS_RANK = { fire: 0, life_safety: 1, intrusion: 2, trouble: 3, offline: 4 };

function isLeader() {
  return session.me && session.me.role === "leader";
}

/** Whether this console rings for `a`: a ringing class nobody acknowledged (for leaders:
 * only once escalated to them). */
function ringsHere(a) {
  if (!a || a.state !== "new" || !RINGING_CLASSES.includes(a.class)) return false;
  return isLeader() ? !!a.escalated_at : true;
}

function byUrgency(a, b) {
  return (CLASS_RANK[a.class] ?? 9) - (CLASS_RANK[b.class] ?? 9) || toMs(a.raised_at) - toMs(b.raised_at) || a.id - b.id;
}

/** Seconds an escalated alarm waited before it was escalated. */
function waitedSecs(a) {
  return Math.max(0, Math.round((toMs(a.escalated_at) - toMs(a.raised_at)) / 1000));
}

/** Whether an incident is a fire alarm from a device not yet taken (the board asks). */
export function isFireAlarm(inc) {
  return inc && inc.kind === "fire" && inc.isAlarm && inc.status === "received";
}

/** Keeps `a` (an alarm as the API or the feed shows it) in the open list, or drops it. */
function put(a) {
  if (!a || a.id == null) return;
  if (a.state === "handled") open.delete(a.id);
  else {
    const known = open.get(a.id);
    // A late feed message must not bring back an older version.
    if (!known || (a.version ?? 0) >= (known.version ?? 0)) open.set(a.id, a);
  }
}

/** Loads every alarm not handled yet from the server, then redraws. A change that arrives on
 * the feed while the pages load is applied again on top of them (the pages may have been read
 * before it), and a reload asked for meanwhile runs once this one ends. */
export function loadAlarms() {
  if (!session.me) return Promise.resolve();
  if (loading) {
    loadAgain = true;
    return loading;
  }
  seenWhileLoading = [];
  loading = (async () => {
    try {
      const fresh = new Map();
      for (let offset = 0; offset < 1000; offset += 200) {
        const page = await api(`/api/alarms?state=open&limit=200&offset=${offset}`);
        for (const a of page.items || []) fresh.set(a.id, a);
        if (!page.items || offset + page.items.length >= page.total) break;
      }
      open.clear();
      for (const [id, a] of fresh) open.set(id, a);
      for (const a of seenWhileLoading) put(a);
      render();
    } catch (e) {
      // A server without the queue, or a role that may not read it: nothing rings.
      if (!(e instanceof ApiError) || ![403, 404].includes(e.status)) console.warn("alarm queue not loaded", e);
    } finally {
      loading = null;
      seenWhileLoading = null;
      if (loadAgain) {
        loadAgain = false;
        loadAlarms();
      }
    }
  })();
  return loading;
}

function reloadSoon() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(loadAlarms, 300);
}

/** Calls for backup from the scene not yet seen on this console, newest first. */
const backups = [];

/** Lines shown at once; the rest are counted, never dropped. */
const BACKUP_LINES = 5;

/** Shows the calls for backup under the alarm banner until someone here has seen each. */
function renderBackups() {
  const el = document.getElementById("backup-banner");
  if (!el) return;
  el.hidden = backups.length === 0;
  const more = backups.length - BACKUP_LINES;
  replace(
    el,
    ...backups.slice(0, BACKUP_LINES).map((b) => {
      const who = b.call_sign ? ` — ${b.call_sign}` : "";
      const why = b.reason ? `: ${b.reason}` : "";
      return h(
        "div",
        { class: "backup-line", "data-incident": String(b.incident_id) },
        h("strong", {}, t("backup_requested")),
        h("span", { class: "alarm-text" }, `${who}${why} · ${b.number ?? ""}`),
        h("button", { type: "button", class: "btn btn-small", on: { click: () => seeBackup(b, true) } }, t("backup_open")),
        h("button", { type: "button", class: "btn btn-small btn-ghost", on: { click: () => seeBackup(b, false) } }, t("backup_seen")),
      );
    }),
    more > 0 ? h("div", { class: "backup-more" }, t("backup_more", { n: more })) : null,
  );
}

function seeBackup(b, open) {
  const at = backups.indexOf(b);
  if (at >= 0) backups.splice(at, 1);
  renderBackups();
  if (open) navigate(`/incidents/${b.incident_id}`);
}

/** Starts following the alarm queue (once the user is signed in). */
export function startAlerts() {
  if (!started) {
    started = true;
    onChange((change) => {
      if (!session.me) return;
      if (change.kind === "backup.requested" && change.payload) {
        backups.unshift(change.payload);
        renderBackups();
        beep();
        return;
      }
      if (change.kind === "resync") return reloadSoon();
      if (!change.kind || !change.kind.startsWith("alarm.")) return;
      if (seenWhileLoading) seenWhileLoading.push(change.payload);
      put(change.payload);
      render();
    });
  }
  return loadAlarms();
}

/** The board saw a fire alarm incident: make sure its queue entry is shown. */
export function raise(inc) {
  if (!inc || inc.id == null) return;
  const known = [...open.values()].some((a) => String(a.incident_id) === String(inc.id));
  if (!known) reloadSoon();
}

/** Incident pages report what they show; the queue follows the server, so nothing to do. */
export function settle() {}

/** Acknowledges an alarm: with no argument the first ringing one (Alt+A); with an incident id
 * (the incident page acted on it) that incident's ringing alarm, if any. */
export async function acknowledge(incidentId) {
  const ringing = [...open.values()].filter(ringsHere).sort(byUrgency);
  const target = incidentId == null ? ringing[0] : ringing.find((a) => String(a.incident_id) === String(incidentId));
  if (!target) return;
  await ack(target, incidentId == null);
}

async function ack(a, loud = true) {
  if (!canAct()) return;
  let res;
  try {
    res = await api(`/api/alarms/${a.id}/ack`, { method: "POST", body: {}, raw: true });
  } catch (e) {
    if (loud) toast(errorText(e), "error");
    return;
  }
  const data = await res.json().catch(() => null);
  if (res.ok) {
    put(data);
  } else if (res.status === 409 && data && data.error) {
    // Someone else was first: say who and when, and take the alarm as it is now.
    put(data.alarm);
    if (loud) toast(t("alarm_taken_by", { who: data.error.by || "?", time: shortTime(data.error.at) }));
  } else {
    if (loud) toast((data && data.error && data.error.message) || res.statusText, "error");
    return;
  }
  render();
}

/** Acknowledge (a new entry), or a note and "handled" (any open entry). */
function actions(a) {
  const note = h("input", { type: "text", class: "alarm-note", maxlength: "2000", placeholder: t("alarm_note"), "aria-label": t("alarm_note") });
  const done = h("button", {
    type: "button",
    class: "btn btn-small",
    on: { click: () => handle(a, note.value) },
    text: t("alarm_handled"),
  });
  const ackBtn = a.state === "new" ? h("button", { type: "button", class: "btn btn-small", on: { click: () => ack(a) }, text: t("alarm_ack_short") }) : null;
  return h("span", { class: "alarm-quiet-actions" }, ackBtn, " ", note, " ", done);
}

async function handle(a, note) {
  let res;
  try {
    res = await api(`/api/alarms/${a.id}/handle`, { method: "POST", body: { note: note || null }, raw: true });
  } catch (e) {
    return toast(errorText(e), "error");
  }
  const data = await res.json().catch(() => null);
  if (res.ok) put(data);
  else if (res.status === 409 && data && data.error) {
    put(data.alarm);
    toast(t("alarm_handled_by", { who: data.error.by || "?", time: shortTime(data.error.at) }));
  } else return toast((data && data.error && data.error.message) || res.statusText, "error");
  render();
}

function classLabel(a) {
  return t(`alarm_class_${a.class}`);
}

function alarmLine(a) {
  const place = [a.facility_name, a.address].filter(Boolean).join(", ");
  return [a.title || classLabel(a), place, a.detail, unitName(a.unit_code), shortTime(a.raised_at)].filter(Boolean).join(" · ");
}

function ensureQuietList() {
  let el = document.getElementById("alarm-queue");
  if (!el) {
    const banner = document.getElementById("alarm-banner");
    if (!banner) return null;
    el = h("div", { id: "alarm-queue", class: "alarm-queue", hidden: true });
    banner.after(el);
  }
  return el;
}

/** The quiet list: device troubles, offline devices and alarms acknowledged but not handled. */
function renderQuiet() {
  const el = ensureQuietList();
  if (!el) return;
  // Never redraw under someone typing a handling note; catch up a moment later.
  if (el.contains(document.activeElement) && document.activeElement.matches("input")) {
    clearTimeout(renderQuiet.later);
    renderQuiet.later = setTimeout(renderQuiet, 1500);
    return;
  }
  const quiet = [...open.values()].filter((a) => !ringsHere(a)).sort(byUrgency);
  if (!session.me || quiet.length === 0) {
    el.hidden = true;
    return replace(el);
  }
  const counts = {};
  for (const a of quiet) counts[a.class] = (counts[a.class] || 0) + 1;
  const summary = Object.entries(counts)
    .sort(([x], [y]) => (CLASS_RANK[x] ?? 9) - (CLASS_RANK[y] ?? 9))
    .map(([c, n]) => `${t(`alarm_class_${c}`)}: ${n}`)
    .join(" · ");
  const details = el.querySelector("details");
  const items = quiet.slice(0, 50).map((a) =>
    h(
      "li",
      { "data-alarm": String(a.id), "data-class": a.class, "data-state": a.state },
      h("span", { class: `chip alarm-chip alarm-${a.class}` }, classLabel(a)),
      " ",
      h("span", { class: "alarm-quiet-text" }, alarmLine(a)),
      " ",
      a.state === "acknowledged" ? h("span", { class: "muted" }, t("alarm_acked_by", { who: a.acknowledged_by || "", time: shortTime(a.acknowledged_at) })) : null,
      " ",
      canAct() ? actions(a) : null,
    ),
  );
  replace(
    el,
    h(
      "details",
      { open: details ? details.open : false },
      h("summary", {}, t("alarm_queue_title"), ": ", summary),
      h("ul", { class: "alarm-quiet-list" }, items),
    ),
  );
  el.hidden = false;
}

function render() {
  renderQuiet();
  const banner = document.getElementById("alarm-banner");
  if (!banner) return;
  const ringing = [...open.values()].filter(ringsHere).sort(byUrgency);
  if (!session.me || ringing.length === 0) {
    banner.hidden = true;
    replace(banner);
    clearInterval(beepTimer);
    beepTimer = null;
    beepLoud = false;
    banner.classList.remove("escalated");
    delete banner.dataset.alarm;
    delete banner.dataset.incident;
    delete banner.dataset.escalated;
    document.body.classList.remove("alarming");
    return;
  }
  // The escalated alarm comes first whatever its class: it has waited longest for someone.
  const escalated = ringing.filter((a) => a.escalated_at);
  const first = escalated[0] || ringing[0];
  const more = ringing.length - 1;
  const actor = canAct();
  const ackBtn = actor
    ? h("button", {
        type: "button",
        class: "btn btn-light",
        "data-testid": "alarm-ack",
        "aria-keyshortcuts": "Alt+A",
        on: { click: () => ack(first) },
        text: t("alarm_ack"),
      })
    : null;
  const title = h("strong", { class: "alarm-title" }, first.class === "fire" ? [flame(), t("alarm_new_fire")] : `⚠ ${t(`alarm_new_${first.class}`)}`);
  replace(
    banner,
    title,
    h("span", { class: "alarm-text" }, alarmLine(first)),
    first.escalated_at ? h("span", { class: "alarm-escalation", "data-testid": "alarm-escalated" }, t("alarm_escalated", { n: waitedSecs(first) })) : null,
    more > 0 ? h("span", { class: "alarm-more" }, t("alarm_more", { n: more })) : null,
    h("span", { class: "alarm-actions" }, [
      first.incident_id != null
        ? h("button", {
            type: "button",
            class: "btn btn-light",
            on: {
              click: () => {
                if (actor) ack(first, false);
                navigate(`/incidents/${first.incident_id}`);
              },
            },
            text: t("alarm_open"),
          })
        : null,
      ackBtn,
    ]),
  );
  banner.hidden = false;
  banner.dataset.alarm = String(first.id);
  if (first.incident_id != null) banner.dataset.incident = String(first.incident_id);
  else delete banner.dataset.incident;
  banner.classList.toggle("escalated", !!first.escalated_at);
  if (first.escalated_at) banner.dataset.escalated = "true";
  else delete banner.dataset.escalated;
  document.body.classList.add("alarming");
  const loud = escalated.length > 0;
  if (!beepTimer || loud !== beepLoud) {
    beepLoud = loud;
    clearInterval(beepTimer);
    beep();
    beepTimer = setInterval(beep, loud ? 1500 : 3000);
  }
  // Never take the keyboard from someone typing (intake); Alt+A acknowledges from anywhere.
  const active = document.activeElement;
  if (ackBtn && (!active || !active.matches("input, textarea, select"))) ackBtn.focus({ preventScroll: true });
}

/** Clears every alert without acknowledging (sign-out). */
export function resetAlerts() {
  open.clear();
  render();
}
