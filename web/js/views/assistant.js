// The assistant panel ("Trợ lý"). Operator mode reads a hotline call as it was spoken
// (`POST /api/assistant/operator`) and shows the suggested incident — or that the call is no
// incident — with the questions to ask next, and opens the intake form prefilled with it.
// Citizen mode is the citizen chat as people see it (`POST /api/assistant/chat`).

import { api, ApiError } from "../api.js";
import { h, replace } from "../dom.js";
import { t, label } from "../i18n.js";
import { session } from "../session.js";
import { facts } from "./common.js";
import { PREFILL_KEY } from "./intake.js";
import { errorText } from "../errors.js";

const MAX_TRANSCRIPT = 8000;

/** Draws the assistant panel. */
export function renderAssistant(main, _params, ctx) {
  ctx.refreshUnitSelect(document.getElementById("unit-select").value);
  const body = h("div", { class: "assistant-body" });
  const modes = h(
    "div",
    { class: "segmented", role: "radiogroup", "aria-label": t("assistant_title") },
    ["operator", "citizen"].map((m) =>
      h("button", { type: "button", role: "radio", dataset: { mode: m }, on: { click: () => setMode(m) } }, t(`assistant_mode_${m}`)),
    ),
  );
  replace(main, h("div", { class: "assistant page" }, h("h1", {}, t("assistant_title")), modes, body));

  function setMode(m) {
    for (const b of modes.querySelectorAll("button")) b.setAttribute("aria-checked", String(b.dataset.mode === m));
    replace(body, m === "operator" ? operatorPane(ctx) : citizenPane());
    body.querySelector("textarea, input")?.focus();
  }

  // The operator endpoint is for call-takers and unit officers; others start with the chat.
  setMode(["operator", "unit_officer"].includes(session.me.role) ? "operator" : "citizen");
  return null;
}

/** An API failure in words. */
function errorNote(err) {
  const text = err instanceof ApiError && err.status === 403 ? t("assistant_forbidden") : err instanceof ApiError && err.status === 429 ? t("assistant_rate_limited") : errorText(err);
  return h("p", { class: "form-error", role: "alert", "data-testid": "assistant-error" }, text);
}

// ---- Operator mode ----

function operatorPane(ctx) {
  const transcript = h("textarea", { id: "op-transcript", rows: 7, maxlength: MAX_TRANSCRIPT, placeholder: t("op_transcript_placeholder"), "aria-describedby": "op-hint" });
  const submit = h("button", { type: "submit", class: "btn btn-primary", "aria-keyshortcuts": "Control+Enter" }, t("op_analyse"), h("kbd", {}, "Ctrl+Enter"));
  const result = h("div", { class: "op-result", "aria-live": "polite", "data-testid": "op-result" });
  const form = h(
    "form",
    { class: "panel op-form", novalidate: true },
    h("label", { for: "op-transcript" }, t("op_transcript")),
    transcript,
    h("p", { class: "hint", id: "op-hint" }, t("op_transcript_hint")),
    h("div", { class: "form-actions" }, submit),
  );
  transcript.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = transcript.value.trim();
    if (!text) return replace(result, h("p", { class: "form-error", role: "alert" }, t("op_transcript_required")));
    submit.disabled = true;
    replace(result, h("p", { class: "hint" }, t("loading")));
    try {
      const s = await api("/api/assistant/operator", { method: "POST", body: { transcript: text } });
      replace(result, suggestionCard(s, text, ctx));
    } catch (err) {
      replace(result, errorNote(err));
    } finally {
      submit.disabled = false;
    }
  });
  return [abilities("op"), form, result];
}

/** The people involved, in words; only what the call said. */
function peopleText(p = {}) {
  const parts = [];
  for (const key of ["injured", "trapped", "dead", "suspects"]) {
    const n = p[key];
    if (n == null) continue;
    parts.push(n === 0 ? t(`op_${key}_none`) : t(`op_${key}`, { n }));
  }
  return parts.join(", ");
}

function questionList(s) {
  if (!s.next_questions?.length) return null;
  return h("section", {}, h("h3", {}, t("op_next_questions")), h("ol", { class: "op-questions", "data-testid": "op-questions" }, s.next_questions.map((q) => h("li", {}, q))));
}

function suggestionCard(s, transcript, ctx) {
  if (s.not_incident) {
    return h(
      "div",
      { class: "panel op-card" },
      h("p", { class: "banner banner-warn", role: "status", "data-testid": "op-not-incident" }, t("op_not_incident", { reason: t(`op_reason_${s.not_incident}`) })),
      h("p", {}, t("op_close_at_calls"), " ", h("a", { href: "/calls", "data-nav": "" }, t("calls_title"))),
      s.summary ? h("p", { class: "hint" }, s.summary) : null,
      questionList(s),
    );
  }
  let chosen = null;
  const kind = label("kind", s.incident_type) + (s.sub_type ? ` · ${label("crime_subtype", s.sub_type)}` : "");
  const priority = h("span", { class: `op-priority${s.priority === 1 ? " op-p1" : ""}`, "data-testid": "op-priority", dataset: { priority: s.priority } }, h("span", { class: `badge prio prio-${s.priority}` }, `P${s.priority}`), " ", label("priority", s.priority));
  let unit = s.unit_name || s.unit_code || null;
  if (s.unit_uncertain) {
    // A chip clicked (again to undo) is the unit the intake form opens with.
    const pick = (code) => {
      chosen = chosen === code ? null : code;
      for (const b of chips) b.setAttribute("aria-pressed", String(b.dataset.unit === chosen));
    };
    const chips = s.unit_candidates.map((c) =>
      h("button", { type: "button", class: "btn-chip", "aria-pressed": "false", dataset: { unit: c.code }, on: { click: () => pick(c.code) } }, c.full_name),
    );
    const more = s.unit_candidates_total - s.unit_candidates.length;
    unit = h("div", {}, h("p", { class: "warn-text" }, t("op_unit_uncertain")), chips, more > 0 ? h("small", { class: "muted" }, ` ${t("more_candidates", { n: more })}`) : null);
  }
  const openIntake = () => {
    const prefill = {
      kind: s.incident_type,
      crime_subtype: s.sub_type,
      priority: s.priority,
      address: s.location_text,
      unit_code: s.unit_uncertain ? chosen : s.unit_code,
      lat: s.lat,
      lon: s.lon,
      caller_phone: s.caller_phone,
      description: [s.summary, transcript].filter(Boolean).join("\n\n"),
    };
    sessionStorage.setItem(PREFILL_KEY, JSON.stringify(prefill));
    ctx.go("/intake");
  };
  return h(
    "div",
    { class: `panel op-card${s.priority === 1 ? " op-card-p1" : ""}` },
    facts([
      [t("kind"), kind],
      [t("priority"), priority],
      [t("op_state"), s.ongoing ? t("op_ongoing") : t("op_over")],
      [t("op_people"), peopleText(s.people)],
      [t("op_weapons"), (s.people?.weapons || []).join(", ")],
      [t("op_place"), s.location_text],
      [t("unit_owner"), unit],
      [t("caller_phone"), s.caller_phone],
      [t("op_summary"), s.summary],
    ]),
    questionList(s),
    h("div", { class: "form-actions" }, h("button", { type: "button", class: "btn btn-primary", "data-testid": "op-open-intake", on: { click: openIntake } }, t("op_open_intake"))),
  );
}

// ---- Citizen mode ----

function safeUrl(url) {
  try {
    const u = new URL(url);
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
  } catch {
    return null;
  }
}

function citationList(citations) {
  if (!citations?.length) return null;
  return h(
    "ul",
    { class: "sources", "aria-label": t("chat_sources") },
    citations.map((c) => {
      const url = c.url && safeUrl(c.url);
      return h("li", {}, url ? h("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, c.title) : c.title, c.source ? ` — ${c.source}` : "");
    }),
  );
}

/** One reply of the assistant, styled by its kind. */
function replyItem(r) {
  const text = h("p", {}, r.reply);
  let content;
  if (r.kind === "emergency") {
    content = h("div", { class: "banner banner-emergency", role: "alert" }, h("strong", {}, r.emergency_number ? t("chat_call_now", { number: r.emergency_number }) : t("chat_emergency")), text);
  } else if (r.kind === "decline") {
    content = [h("span", { class: "chip" }, t("chat_declined")), text];
  } else {
    content = [text, citationList(r.citations)];
  }
  return h(
    "li",
    { class: `msg msg-bot msg-${r.kind}`, dataset: { kind: r.kind } },
    h("strong", {}, t("bot")),
    content,
    r.report_number ? h("p", { class: "report-number", "data-testid": "chat-report-number" }, t("chat_report_number", { number: r.report_number })) : null,
  );
}

function citizenPane() {
  let conversation = null;
  const log = h("ol", { class: "chat-log", "aria-live": "polite", id: "chat-log" });
  const quick = h("div", { class: "quick-replies", "aria-label": t("chat_quick_replies"), role: "group" });
  const input = h("input", { id: "chat-input", autocomplete: "off", maxlength: 2000, placeholder: t("assistant_placeholder"), "aria-label": t("assistant_placeholder") });
  const send = h("button", { type: "submit", class: "btn btn-primary" }, t("send"));
  const form = h("form", { class: "chat-form" }, input, send);

  function add(item) {
    log.append(item);
    log.scrollTop = log.scrollHeight;
  }

  async function post(message) {
    const body = { message };
    if (conversation) body.conversation_id = conversation;
    return api("/api/assistant/chat", { method: "POST", body });
  }

  async function say(message) {
    const text = message.trim();
    if (!text || send.disabled) return;
    add(h("li", { class: "msg msg-you" }, h("strong", {}, t("you")), h("p", {}, text)));
    replace(quick);
    send.disabled = true;
    try {
      let r;
      try {
        r = await post(text);
      } catch (err) {
        // An expired conversation starts over rather than failing the message.
        if (!(conversation && err instanceof ApiError && err.status === 422 && /conversation_id/.test(err.message))) throw err;
        conversation = null;
        r = await post(text);
      }
      conversation = r.conversation_id || conversation;
      add(replyItem(r));
      replace(quick, (r.suggestions || []).map((q) => h("button", { type: "button", class: "btn-chip", on: { click: () => say(q) } }, q)));
    } catch (err) {
      add(h("li", { class: "msg msg-bot" }, errorNote(err)));
    } finally {
      send.disabled = false;
      input.focus();
    }
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value;
    input.value = "";
    say(text);
  });
  return [abilities("chat"), log, quick, form];
}

/** What the assistant of a mode does and does not do, said before it is used. */
function abilities(mode) {
  return h(
    "details",
    { class: "assistant-abilities", open: true, "data-testid": `abilities-${mode}` },
    h("summary", {}, t("assistant_can")),
    h("ul", {}, [1, 2, 3, 4].map((n) => h("li", {}, t(`${mode}_can_${n}`)))),
  );
}
