// Fire-alarm alerts: a new fire alarm raises a banner at the top of every screen and beeps
// (Web Audio, no sound file) every few seconds until an operator acknowledges it. Acknowledged
// incidents are remembered for the browser session so a reload does not ring again.

import { h, replace } from "./dom.js";
import { t, label } from "./i18n.js";
import { shortTime } from "./time.js";
import { unitName } from "./session.js";

const ACK_KEY = "binhyen.acked";
const pending = new Map();
let audio = null;
let beepTimer = null;
let beeps = 0;
let navigate = () => {};

function acked() {
  try {
    return new Set(JSON.parse(sessionStorage.getItem(ACK_KEY) || "[]"));
  } catch {
    return new Set();
  }
}

function remember(id) {
  const set = acked();
  set.add(String(id));
  sessionStorage.setItem(ACK_KEY, JSON.stringify([...set].slice(-500)));
}

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

/** Two short tones, the console's alarm sound. */
function beep() {
  beeps += 1;
  const banner = document.getElementById("alarm-banner");
  if (banner) banner.dataset.beeps = String(beeps);
  if (!audio) unlockAudio();
  if (!audio) return;
  const now = audio.currentTime;
  for (const [i, freq] of [880, 660].entries()) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = "square";
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, now + i * 0.25);
    gain.gain.exponentialRampToValueAtTime(0.25, now + i * 0.25 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.25 + 0.22);
    osc.connect(gain).connect(audio.destination);
    osc.start(now + i * 0.25);
    osc.stop(now + i * 0.25 + 0.24);
  }
}

/** Whether an incident calls for the audible alarm: a fire alarm not yet acknowledged. */
export function isFireAlarm(inc) {
  return inc && inc.kind === "fire" && inc.isAlarm && inc.status === "received";
}

/** Raises the alert for `inc` (a normalised incident) unless already acknowledged. */
export function raise(inc) {
  if (!inc || inc.id == null || acked().has(String(inc.id)) || pending.has(String(inc.id))) return;
  pending.set(String(inc.id), inc);
  render();
  if (!beepTimer) {
    beep();
    beepTimer = setInterval(beep, 3000);
  }
}

/** Acknowledges the alert of incident `id` (or the oldest one). */
export function acknowledge(id) {
  const key = id != null ? String(id) : pending.keys().next().value;
  if (key == null) return;
  pending.delete(key);
  remember(key);
  render();
}

/** Drops alerts for incidents that were handled elsewhere (no longer `received`). */
export function settle(inc) {
  if (inc && pending.has(String(inc.id)) && inc.status !== "received") {
    pending.delete(String(inc.id));
    render();
  }
}

function render() {
  const banner = document.getElementById("alarm-banner");
  if (!banner) return;
  if (pending.size === 0) {
    banner.hidden = true;
    replace(banner);
    clearInterval(beepTimer);
    beepTimer = null;
    document.body.classList.remove("alarming");
    return;
  }
  const [first] = pending.values();
  const more = pending.size - 1;
  const ackBtn = h("button", {
    type: "button",
    class: "btn btn-light",
    "data-testid": "alarm-ack",
    "aria-keyshortcuts": "Alt+A",
    on: { click: () => acknowledge(first.id) },
    text: t("alarm_ack"),
  });
  replace(
    banner,
    h("strong", { class: "alarm-title" }, "🔥 ", t("alarm_new_fire")),
    h(
      "span",
      { class: "alarm-text" },
      `${first.number} · ${label("kind", first.kind)} · ${first.address || ""} · ${unitName(first.unit)} · ${shortTime(first.received)}`,
    ),
    more > 0 ? h("span", { class: "alarm-more" }, t("alarm_more", { n: more })) : null,
    h("span", { class: "alarm-actions" }, [
      h("button", {
        type: "button",
        class: "btn btn-light",
        on: {
          click: () => {
            acknowledge(first.id);
            navigate(`/incidents/${first.id}`);
          },
        },
        text: t("alarm_open"),
      }),
      ackBtn,
    ]),
  );
  banner.hidden = false;
  banner.dataset.incident = String(first.id);
  document.body.classList.add("alarming");
  // Never take the keyboard from someone typing (intake); Alt+A acknowledges from anywhere.
  const active = document.activeElement;
  if (!active || !active.matches("input, textarea, select")) ackBtn.focus({ preventScroll: true });
}

/** Clears every pending alert without acknowledging (sign-out). */
export function resetAlerts() {
  pending.clear();
  render();
}
