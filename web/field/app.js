// The field app's entry point (/field/): sign-in, "Nhận ca", routing between the screens (the
// incident list, one incident, the settings), the bars every screen shares (connection and
// how old the data is, a new dispatch, what waits to be sent, what was refused), the live feed
// with polling behind it, and the service worker that keeps the app usable offline.

import { api } from "/js/api.js";
import { h, replace } from "/js/dom.js";
import { lang, label, onLangChange } from "/js/i18n.js";
import { applyVocabulary } from "/js/vocabulary.js";
import { clockTime, age } from "/js/time.js";
import { onOutage } from "/js/outage.js";
import { startFeed, stopFeed, onChange, feedState } from "/js/feed.js";
import { t } from "./texts.js";
import { read, setUnauthorizedHandler } from "./net.js";
import { duty, setMe, setResource, onDuty, clearDuty, takeNewDispatch, isAccepted, currentStatus, statusText, accept } from "./duty.js";
import { startOutbox, onOutbox, onRejected, flush, dismissRejected, resume, clearOutbox } from "./outbox.js";
import { startTracking, stopTracking, tracking } from "./position.js";
import { ring, unlockAudio } from "./ring.js";
import { describe } from "./describe.js";
import { renderLogin } from "./login.js";
import { renderShift } from "./shift.js";
import { renderHome } from "./home.js";
import { renderIncident } from "./incident.js";
import { renderSettings } from "./settings.js";

/** The service worker's cache of API answers (emptied on sign-out: it holds personal data). */
const API_CACHE = "field-api";
const TRACKING_KEY = "binhyen.field.tracking";
const LAST_USER_KEY = "binhyen.field.user";
/** Without a live feed, the data is read again this often. */
const POLL_MS = 20000;
/** The resource is read again this often even with the feed, in case a change was missed. */
const RESOURCE_MS = 60000;

const main = document.getElementById("main");
let screen = null;
let sessionEnded = false;
let dataAt = null;
let offline = { offline: false };

/** What every screen may use. */
const ctx = { go, signOut, setTracking, trackingWanted, refreshResource, showDataAge };

/** Navigates to `path` inside the app. */
function go(path, replaceEntry = false) {
  if (replaceEntry) history.replaceState({}, "", path);
  else history.pushState({}, "", path);
  route();
}

const ROUTES = [
  [/^\/field\/?$/, (m) => renderHome(m, ctx)],
  [/^\/field\/shift$/, (m) => renderShift(m, ctx)],
  [/^\/field\/incidents\/(\d+)$/, (m, [id]) => renderIncident(m, Number(id), ctx)],
  [/^\/field\/settings$/, (m) => renderSettings(m, ctx)],
];

function route() {
  screen?.cleanup?.();
  screen = null;
  dataAt = null;
  showNet();
  const path = location.pathname;
  if (!duty.me || sessionEnded) {
    screen = renderLogin(main, { onSignedIn: signedIn, ended: sessionEnded });
    return;
  }
  if (!duty.resource && path !== "/field/settings") {
    screen = renderShift(main, ctx);
    return;
  }
  for (const [re, render] of ROUTES) {
    const m = path.match(re);
    if (m) {
      screen = render(main, m.slice(1));
      main.focus({ preventScroll: true });
      return;
    }
  }
  replace(main, h("p", { class: "empty" }, t("not_found")));
}

// ---------------------------------------------------------------------------------------------
// Signing in and out

async function loadVocabulary() {
  try {
    applyVocabulary((await read("/api/vocabulary")).data);
  } catch {
    // Labels fall back to the codes; the screens still work.
  }
}

async function signedIn(me) {
  const previous = localStorage.getItem(LAST_USER_KEY);
  if (previous && previous !== String(me.id)) await forgetEverything();
  localStorage.setItem(LAST_USER_KEY, String(me.id));
  setMe(me);
  sessionEnded = false;
  unlockAudio();
  await loadVocabulary();
  dutyChanged();
  resume();
  startFeed();
  go(location.pathname.startsWith("/field/incidents/") ? location.pathname : "/field/", true);
}

function onSessionEnded() {
  if (sessionEnded || !duty.me) return;
  sessionEnded = true;
  stopFeed();
  route();
}

async function forgetEverything() {
  stopTracking();
  await clearOutbox();
  clearDuty();
  if ("caches" in window) await caches.delete(API_CACHE);
}

/** Signs out and deletes everything this phone kept of the session. */
async function signOut() {
  try {
    await api("/api/auth/logout", { method: "POST" });
  } catch {
    // Offline or already ended: the data on the phone is deleted all the same.
  }
  stopFeed();
  await forgetEverything();
  localStorage.removeItem(LAST_USER_KEY);
  go("/field/", true);
}

// ---------------------------------------------------------------------------------------------
// The resource, its dispatches and its position

/** Whether the officer wants the position shared while on duty (on unless turned off). */
function trackingWanted() {
  return localStorage.getItem(TRACKING_KEY) !== "off";
}

/** Turns sharing the position on or off. */
function setTracking(on) {
  localStorage.setItem(TRACKING_KEY, on ? "on" : "off");
  syncTracking();
}

function syncTracking() {
  const id = duty.resource?.id;
  if (id != null && trackingWanted() && duty.me) {
    if (!tracking()) startTracking(id);
  } else if (tracking()) {
    stopTracking();
  }
}

/** Reads the resource again (a fresh answer only: a stored copy may be older than the feed's). */
async function refreshResource() {
  const id = duty.resource?.id;
  if (id == null) return;
  try {
    const { data, cachedAt } = await read(`/api/resources/${id}`);
    if (!cachedAt && duty.resource?.id === id) setResource(data);
  } catch {
    // Offline: the last known resource stays.
  }
}

async function showDispatch() {
  const el = document.getElementById("dispatch-banner");
  const r = duty.resource;
  const pendingId = r && r.incident_id != null && currentStatus() === "dispatched" && !isAccepted(r.incident_id) ? r.incident_id : null;
  if (pendingId == null) {
    el.hidden = true;
    delete el.dataset.incident;
    return;
  }
  if (el.dataset.incident === String(pendingId) && !el.hidden) return;
  el.dataset.incident = String(pendingId);
  const text = h("span", {}, t("new_dispatch", { kind: "…", address: "" }));
  const incident = { id: pendingId };
  replace(
    el,
    text,
    h(
      "div",
      { class: "dispatch-actions" },
      h("a", { class: "btn", href: `/field/incidents/${pendingId}`, "data-nav": true }, t("new_dispatch_open")),
      h("button", { type: "button", class: "btn btn-go", id: "banner-accept", on: { click: () => accept(incident) } }, t("accept")),
    ),
  );
  el.hidden = false;
  try {
    const { data } = await read(`/api/incidents/${pendingId}`);
    Object.assign(incident, { number: data.number });
    text.textContent = t("new_dispatch", { kind: label("kind", data.kind), address: data.address || data.number });
  } catch {
    text.textContent = t("new_dispatch", { kind: `#${pendingId}`, address: "" });
  }
}

function dutyChanged() {
  if (takeNewDispatch()) ring();
  showDispatch();
  showDutyChip();
  syncTracking();
}

function showDutyChip() {
  const el = document.getElementById("duty-chip");
  const r = duty.resource;
  if (!r || !duty.me) return replace(el);
  replace(el, h("strong", {}, r.call_sign), " · ", statusText());
}

// ---------------------------------------------------------------------------------------------
// The shared bars

/** A screen says how old the data it shows is (`cachedAt` of a read, or null for fresh). */
function showDataAge(cachedAt) {
  dataAt = cachedAt;
  showNet();
}

function showNet() {
  const el = document.getElementById("net-banner");
  const conn = document.getElementById("conn");
  const down = offline.offline || !navigator.onLine;
  conn.dataset.state = down ? "offline" : "online";
  conn.textContent = t(down ? "conn_offline" : "conn_online");
  if (!down && !dataAt) {
    el.hidden = true;
    return;
  }
  const lines = [];
  if (down) lines.push(offline.since ? t("offline_since", { time: clockTime(offline.since) }) : t("offline_banner"));
  if (dataAt) lines.push(t("data_age", { time: clockTime(dataAt), age: age(Date.now() - dataAt, lang()) }));
  replace(el, lines.map((line) => h("div", {}, line)));
  el.hidden = false;
}

function showOutbox({ items, sending, paused }) {
  const el = document.getElementById("outbox");
  // Positions are many and follow by themselves: they are counted, not listed, and alone they
  // do not open the list.
  const actions = items.filter((a) => a.kind !== "position");
  const positions = items.length - actions.length;
  if (!actions.length || !duty.me) {
    el.hidden = true;
    return replace(el);
  }
  const rows = actions.map((a) =>
    h(
      "li",
      { "data-kind": a.kind, "data-key": a.key },
      a.info?.thumb ? h("img", { src: a.info.thumb, alt: "", width: 40, height: 40 }) : null,
      h("span", {}, describe(a.kind, a.info)),
      a.info?.number ? h("small", {}, ` · ${t("on_incident", { number: a.info.number })}`) : null,
      h("small", { class: "muted" }, ` · ${clockTime(a.createdAt)}`),
      a.seq === sending ? h("small", { class: "sending" }, ` · ${t("outbox_sending")}`) : null,
    ),
  );
  if (positions) rows.push(h("li", { "data-kind": "position" }, t("outbox_positions", { n: positions })));
  replace(
    el,
    h("h2", { id: "outbox-title" }, t("outbox_title", { n: actions.length })),
    h("ul", {}, rows),
    paused ? h("p", { class: "warn" }, t("session_ended")) : null,
    h("button", { type: "button", class: "btn btn-small", on: { click: () => flush() } }, t("outbox_retry")),
  );
  el.hidden = false;
}

function showRejected({ rejected }) {
  const el = document.getElementById("rejected");
  if (!rejected.length || !duty.me) {
    el.hidden = true;
    return replace(el);
  }
  replace(
    el,
    h("h2", {}, t("rejected_title")),
    h(
      "ul",
      {},
      rejected.map((r) =>
        h(
          "li",
          { "data-kind": r.kind, "data-code": r.code },
          h("strong", {}, describe(r.kind, r.info)),
          r.info?.number ? ` · ${t("on_incident", { number: r.info.number })}` : "",
          h("div", { class: "reason" }, r.kind === "status" && r.code === "conflict" ? t("rejected_not_on_incident") : r.reason),
        ),
      ),
    ),
    h("button", { type: "button", class: "btn", id: "rejected-ok", on: { click: dismissRejected } }, t("rejected_ok")),
  );
  el.hidden = false;
}

// ---------------------------------------------------------------------------------------------
// Live changes

function onFeedChange(change) {
  if (!duty.me || sessionEnded) return;
  if (change.kind === "resync") {
    refreshResource();
    screen?.refresh?.();
  } else if (change.kind === "resource.updated" && change.payload?.id === duty.resource?.id) {
    setResource(change.payload);
  } else if (String(change.kind).startsWith("incident.")) {
    screen?.onIncident?.(change.payload);
  }
}

function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/field/sw.js", { scope: "/field/" }).catch((e) => console.warn("service worker", e));
  // The first time the worker takes the page, read again so that its cache holds the data.
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    refreshResource();
    screen?.refresh?.();
  });
}

async function start() {
  document.documentElement.lang = lang();
  registerServiceWorker();
  setUnauthorizedHandler(onSessionEnded);
  onDuty(dutyChanged);
  await startOutbox();
  onOutbox((s) => {
    showOutbox(s);
    showRejected(s);
    if (s.paused) onSessionEnded();
  });
  onRejected(() => {
    refreshResource();
    screen?.refresh?.();
  });
  onOutage((state) => {
    offline = state;
    showNet();
  });
  onLangChange(() => {
    showNet();
    showDutyChip();
  });
  window.addEventListener("online", showNet);
  window.addEventListener("offline", showNet);
  setInterval(showNet, 15000);
  document.addEventListener("pointerdown", unlockAudio, { once: true });
  document.body.addEventListener("click", (e) => {
    const a = e.target.closest("a[data-nav]");
    if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    go(a.getAttribute("href"));
  });
  window.addEventListener("popstate", route);
  onChange(onFeedChange);
  setInterval(() => {
    if (duty.me && !sessionEnded && !["live", "sse"].includes(feedState())) {
      refreshResource();
      screen?.refresh?.();
    }
  }, POLL_MS);
  setInterval(() => duty.me && !sessionEnded && refreshResource(), RESOURCE_MS);

  try {
    setMe((await read("/api/auth/me")).data);
  } catch (e) {
    // Offline, the officer stays signed in as last known; a 401 asks for the password.
    if (e.status === 401) setMe(null);
  }
  if (duty.me) {
    await loadVocabulary();
    startFeed();
    dutyChanged();
    refreshResource();
  }
  route();
}

start();
