// The assistant panel: the citizen assistant as operators see it (`POST /api/assistant/chat`),
// and its operator mode (`POST /api/assistant/operator`) for help during a shift.

import { api, ApiError } from "../api.js";
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { emptyState } from "./common.js";

/** Draws the assistant panel. */
export function renderAssistant(main, _params, ctx) {
  ctx.refreshUnitSelect(document.getElementById("unit-select").value);
  let mode = "operator";
  let thread = null;
  const log = h("ol", { class: "chat-log", "aria-live": "polite", id: "chat-log" });
  const input = h("input", { id: "chat-input", autocomplete: "off", placeholder: t("assistant_placeholder"), "aria-label": t("assistant_placeholder") });
  const modes = h(
    "div",
    { class: "segmented", role: "radiogroup", "aria-label": t("assistant_title") },
    ["operator", "citizen"].map((m) =>
      h("button", { type: "button", role: "radio", "aria-checked": String(m === mode), dataset: { mode: m }, on: { click: () => setMode(m) } }, t(`assistant_mode_${m}`)),
    ),
  );
  const form = h("form", { class: "chat-form" }, input, h("button", { type: "submit", class: "btn btn-primary" }, t("send")));
  replace(main, h("div", { class: "assistant page" }, h("h1", {}, t("assistant_title")), modes, log, form));

  function setMode(m) {
    mode = m;
    thread = null;
    replace(log);
    for (const b of modes.querySelectorAll("button")) b.setAttribute("aria-checked", String(b.dataset.mode === m));
    input.focus();
  }

  function say(who, text, extra) {
    log.append(h("li", { class: `msg msg-${who}` }, h("strong", {}, who === "you" ? t("you") : t("bot")), h("p", {}, text), extra || null));
    log.scrollTop = log.scrollHeight;
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    say("you", text);
    const path = mode === "operator" ? "/api/assistant/operator" : "/api/assistant/chat";
    try {
      const body = { message: text };
      if (thread) body.thread_id = thread;
      const res = await api(path, { method: "POST", body });
      thread = res.thread_id ?? res.thread ?? thread;
      const answer = res.reply ?? res.answer ?? res.text ?? res.message ?? JSON.stringify(res);
      const sources = Array.isArray(res.sources || res.citations) ? (res.sources || res.citations) : [];
      say("bot", typeof answer === "string" ? answer : JSON.stringify(answer), sources.length ? h("ul", { class: "sources" }, sources.map((s) => h("li", {}, s.title ?? s.name ?? String(s)))) : null);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) log.append(h("li", {}, emptyState(t("no_data"), t("no_data_hint"))));
      else say("bot", `${t("error_generic")}: ${err.message}`);
    }
  });
  input.focus();
  return null;
}
