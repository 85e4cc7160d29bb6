// The console's entry point: sign-in check, the top bar (navigation, unit switch, live state,
// Hanoi clock, language), client-side routing between the screens, and keyboard shortcuts.

import { api, setUnauthorizedHandler } from "./api.js";
import { h, replace } from "./dom.js";
import { applyI18n, lang, onLangChange, setLang, t, label } from "./i18n.js";
import { clockTime } from "./time.js";
import { session, loadUnits, isCityUser, clearSession } from "./session.js";
import { loadVocabulary } from "./vocabulary.js";
import { startFeed, stopFeed, onFeedState, reconnectFeed } from "./feed.js";
import { setAlertNavigator, acknowledge, resetAlerts, unlockAudio, startAlerts, outageTone } from "./alert.js";
import { onOutage, setOutageTone, resetOutage } from "./outage.js";
import { renderLogin } from "./views/login.js";
import { renderBoard } from "./views/board.js";
import { renderIncident } from "./views/incident.js";
import { renderIntake } from "./views/intake.js";
import { renderCalls } from "./views/calls.js";
import { renderDevices, renderFacility } from "./views/devices.js";
import { renderStats } from "./views/stats.js";
import { renderPeriodicReport } from "./views/periodic_report.js";
import { renderTasks } from "./views/tasks.js";
import { renderQuality } from "./views/quality.js";
import { renderRecord } from "./views/record.js";
import { renderCampaigns } from "./views/campaigns.js";
import { renderCases } from "./views/cases.js";
import { renderCrimeReports, renderCrimeReport } from "./views/crime_reports.js";
import { renderAssistant } from "./views/assistant.js";
import { renderAdmin } from "./views/admin.js";
import { emptyState } from "./views/common.js";
import { errorText } from "./errors.js";

const main = document.getElementById("main");
let cleanup = null;

/** Routes: pattern → screen. Each screen gets (main, params, ctx) and may return a cleanup. */
const ROUTES = [
  [/^\/$/, "board", (m) => (isCityUser() ? renderBoard(m, { unit: null }, ctx) : ownUnitBoard(m))],
  [/^\/units\/([^/]+)$/, "board", (m, [code]) => renderBoard(m, { unit: decodeURIComponent(code) }, ctx)],
  [/^\/incidents\/([^/]+)$/, "board", (m, [id]) => renderIncident(m, { id: decodeURIComponent(id) }, ctx)],
  [/^\/intake$/, "intake", (m) => renderIntake(m, {}, ctx)],
  [/^\/calls$/, "calls", (m) => renderCalls(m, {}, ctx)],
  [/^\/devices$/, "devices", (m) => renderDevices(m, {}, ctx)],
  [/^\/facilities\/([^/]+)$/, "devices", (m, [id]) => renderFacility(m, { id: decodeURIComponent(id) }, ctx)],
  [/^\/stats$/, "stats", (m) => renderStats(m, {}, ctx)],
  [/^\/stats\/crime-report$/, "stats", (m) => renderPeriodicReport(m, {}, ctx)],
  [/^\/tasks$/, "tasks", (m) => renderTasks(m, {}, ctx)],
  [/^\/quality$/, "quality", (m) => renderQuality(m, {}, ctx)],
  [/^\/records\/([^/]+)\/([^/]+)$/, "quality", (m, [kind, id]) => renderRecord(m, { kind: decodeURIComponent(kind), id: decodeURIComponent(id) }, ctx)],
  [/^\/campaigns$/, "campaigns", (m) => renderCampaigns(m, {}, ctx)],
  [/^\/campaigns\/(\d+)$/, "campaigns", (m, [id]) => renderCampaigns(m, { id }, ctx)],
  [/^\/crime-reports$/, "crime-reports", (m) => renderCrimeReports(m, {}, ctx)],
  [/^\/crime-reports\/(\d+)$/, "crime-reports", (m, [id]) => renderCrimeReport(m, { id }, ctx)],
  [/^\/cases$/, "cases", (m) => renderCases(m, {}, ctx)],
  [/^\/assistant$/, "assistant", (m) => renderAssistant(m, {}, ctx)],
  [/^\/admin(?:\/([a-z]+))?$/, "admin", (m, [tab]) => renderAdmin(m, { tab }, ctx)],
];

/** A unit officer's home: their own unit's board. */
function ownUnitBoard(m) {
  history.replaceState({}, "", `/units/${encodeURIComponent(session.me.unit_code)}`);
  return renderBoard(m, { unit: session.me.unit_code }, ctx);
}

/** What every screen may use. */
const ctx = { go, refreshUnitSelect };

/** Navigates to `path` inside the console. */
export function go(path, replaceEntry = false) {
  if (replaceEntry) history.replaceState({}, "", path);
  else history.pushState({}, "", path);
  route();
}

function route() {
  if (cleanup) {
    try {
      cleanup();
    } catch (e) {
      console.error(e);
    }
    cleanup = null;
  }
  const path = location.pathname.replace(/\/+$/, "") || "/";
  if (path === "/login" || !session.me) {
    document.getElementById("topbar").hidden = true;
    document.body.classList.remove("signed-in");
    cleanup = renderLogin(main, { onSignedIn: signedIn });
    return;
  }
  document.getElementById("topbar").hidden = false;
  document.body.classList.add("signed-in");
  for (const [re, section, render] of ROUTES) {
    const m = path.match(re);
    if (!m) continue;
    markNav(section);
    main.dataset.screen = section;
    try {
      cleanup = render(main, m.slice(1)) || null;
    } catch (e) {
      console.error(e);
      replace(main, emptyState(errorText(e)));
    }
    return;
  }
  markNav(null);
  replace(main, emptyState(t("page_not_found")));
}

function markNav(section) {
  for (const a of document.querySelectorAll(".mainnav a")) {
    if (a.dataset.route === section) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

/** Fills the unit switch: the city and every unit for the center; the own unit otherwise. */
function refreshUnitSelect(current) {
  const sel = document.getElementById("unit-select");
  const options = [];
  if (isCityUser()) {
    options.push(h("option", { value: "" }, t("all_units")));
    for (const u of session.unitList) options.push(h("option", { value: u.code }, u.full_name));
  } else {
    const own = session.units.get(session.me.unit_code);
    options.push(h("option", { value: session.me.unit_code }, own ? own.full_name : session.me.unit_code));
  }
  replace(sel, options);
  sel.disabled = !isCityUser();
  sel.value = isCityUser() ? current || "" : session.me.unit_code;
}

function setupTopbar() {
  const sel = document.getElementById("unit-select");
  sel.addEventListener("change", () => go(sel.value ? `/units/${sel.value}` : "/"));
  document.getElementById("logout").addEventListener("click", async () => {
    try {
      await api("/api/auth/logout", { method: "POST" });
    } catch {
      /* the session may already be gone */
    }
    signedOut();
  });
  document.getElementById("lang-toggle").addEventListener("click", () => setLang(lang() === "vi" ? "en" : "vi"));
  document.body.addEventListener("click", (e) => {
    const a = e.target.closest("a[data-nav]");
    if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    go(a.getAttribute("href"));
  });
  onFeedState((s) => {
    const el = document.getElementById("feed-state");
    el.dataset.state = s;
    el.textContent = t(`feed_${s}`);
  });
  setOutageTone(outageTone);
  onOutage(showOutage);
  setInterval(tickClock, 1000);
  tickClock();
  document.addEventListener("keydown", (e) => {
    if (!session.me) return;
    if (e.altKey && !e.ctrlKey && (e.key === "n" || e.key === "N")) {
      e.preventDefault();
      go("/intake");
    } else if (e.altKey && (e.key === "b" || e.key === "B")) {
      e.preventDefault();
      go("/");
    } else if (e.altKey && (e.key === "a" || e.key === "A")) {
      e.preventDefault();
      acknowledge();
    }
  });
  window.addEventListener("popstate", route);
  onLangChange(() => {
    applyI18n();
    document.getElementById("lang-toggle").textContent = t("lang_switch");
    document.getElementById("lang-toggle").lang = lang() === "vi" ? "en" : "vi";
    document.getElementById("clock").setAttribute("aria-label", t("clock_label"));
    renderWho();
    refreshUnitSelect(document.getElementById("unit-select").value);
    if (outageState.offline) showOutage(outageState);
    route();
  });
}

/** The offline state: said under the top bar with the age of what is on screen; when the
 * server answers again the live feed reconnects at once and its resync reloads the screen. */
let outageState = { offline: false };
function showOutage(state) {
  outageState = state;
  const { offline, since, lastOk } = state;
  const el = document.getElementById("outage-banner");
  document.body.classList.toggle("offline", offline);
  if (!offline) {
    if (!el.hidden) reconnectFeed();
    el.hidden = true;
    el.textContent = "";
    return;
  }
  el.hidden = false;
  el.textContent = t("outage_banner", { since: clockTime(since), data: lastOk ? clockTime(lastOk) : "—" });
}

function tickClock() {
  const el = document.getElementById("clock");
  const now = Date.now();
  el.textContent = clockTime(now);
  el.dateTime = new Date(now).toISOString();
}

function renderWho() {
  const el = document.getElementById("whoami");
  document.getElementById("nav-admin").hidden = session.me?.role !== "admin";
  if (!session.me) return replace(el);
  replace(el, h("span", { class: "who-name" }, session.me.display_name || session.me.username), " · ", label("role", session.me.role));
}

/** What every screen needs before it draws: the units and the vocabulary (labels, targets). */
async function loadShared() {
  await Promise.all([
    loadUnits(),
    loadVocabulary().catch((e) => console.error("vocabulary", e)),
  ]);
}

async function signedIn(me) {
  session.me = me;
  unlockAudio();
  await loadShared();
  renderWho();
  refreshUnitSelect();
  startFeed();
  // The alarm queue rings on every page until someone acknowledges, whatever this tab saw.
  startAlerts();
  const next = location.pathname === "/login" ? "/" : location.pathname;
  go(next, true);
}

function signedOut() {
  clearSession();
  resetOutage();
  stopFeed();
  resetAlerts();
  go("/login", true);
}

async function start() {
  document.documentElement.lang = lang();
  applyI18n();
  document.getElementById("lang-toggle").textContent = t("lang_switch");
  setupTopbar();
  setAlertNavigator(go);
  setUnauthorizedHandler(() => {
    if (session.me) signedOut();
  });
  try {
    session.me = await api("/api/auth/me");
  } catch {
    session.me = null;
  }
  if (session.me) {
    await loadShared();
    renderWho();
    refreshUnitSelect();
    startFeed();
    startAlerts();
    document.addEventListener("pointerdown", unlockAudio, { once: true });
    document.addEventListener("keydown", unlockAudio, { once: true });
  }
  route();
}

start();
