// The switchboard ("Tổng đài"): the 113/114 call log of the day. F2 answers a call with the
// caller's number focused (Enter opens it); while a call is open, Alt+P/S/W/I pick prank,
// silent, wrong number or information given and Enter closes it, Alt+T transfers, and Alt+V
// turns it into an incident through the intake form, keeping the link. The nuisance flag of
// the caller's number shows as soon as the call is open. Totals come from the daily report.

import { api } from "../api.js";
import { h, replace, toast } from "../dom.js";
import { t } from "../i18n.js";
import { clockTime } from "../time.js";
import { errorText } from "../errors.js";

/** Outcome keys while a call is open: Alt+key picks, Enter closes. */
const QUICK = [
  ["p", "prank"],
  ["s", "silent"],
  ["w", "wrong_number"],
  ["i", "information_given"],
  ["t", "transferred"],
];

const FIGURES = ["calls", "incidents_opened", "prank", "silent", "wrong_number", "information_given", "duplicate", "transferred", "open"];

/** Today's date in Hanoi (UTC+7), YYYY-MM-DD. */
function todayVn() {
  return new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
}

function outcomeLabel(code) {
  return code ? t(`call_outcome_${code}`) : t("call_open");
}

/** Draws the switchboard. */
export function renderCalls(main, _params, ctx) {
  ctx.refreshUnitSelect("");
  let current = null;
  let chosen = null;

  const line = h("select", { id: "call-line", "aria-label": t("call_line") }, ["113", "114"].map((l) => h("option", { value: l }, l)));
  const number = h("input", { id: "call-number", type: "tel", "aria-label": t("call_number"), inputmode: "tel", autocomplete: "off", placeholder: t("call_number_hidden"), "data-testid": "call-number" });
  const answer = h("button", { type: "submit", class: "btn btn-primary", "data-testid": "call-open" }, t("call_answer"), h("kbd", {}, "F2"));
  const openForm = h("form", { class: "call-open row2" }, line, number, answer);

  const flag = h("p", { class: "nuisance-flag", role: "alert", "data-testid": "call-nuisance", hidden: true });
  const history = h("p", { class: "hint", "data-testid": "call-history" });
  const status = h("p", { class: "call-status", "aria-live": "polite", "data-testid": "call-status" });
  const transferTo = h("input", { id: "call-transfer", value: "115", "aria-label": t("call_transferred_to"), hidden: true });
  const choice = h("output", { class: "call-choice", "data-testid": "call-choice" });
  const keys = h(
    "p",
    { class: "hint call-keys" },
    QUICK.map(([k, code]) => h("span", {}, h("kbd", {}, `Alt+${k.toUpperCase()}`), " ", t(`call_outcome_${code}`), " · ")),
    h("kbd", {}, "Enter"),
    ` ${t("call_close_key")} · `,
    h("kbd", {}, "Alt+V"),
    ` ${t("call_to_incident")}`,
  );
  const toIncident = h("button", { type: "button", class: "btn", "data-testid": "call-incident", on: { click: () => makeIncident() } }, t("call_to_incident"), h("kbd", {}, "Alt+V"));
  const active = h("section", { class: "panel call-active", hidden: true, "aria-label": t("call_active") }, status, flag, history, keys, h("div", { class: "form-actions" }, choice, transferTo, toIncident));

  const totals = h("div", { class: "call-totals", "data-testid": "call-totals" });
  const rows = h("tbody");
  const shown = h("p", { class: "hint", "data-testid": "call-shown" });
  const table = h(
    "table",
    { class: "data" },
    h("thead", {}, h("tr", {}, [t("call_time"), t("call_line"), t("call_number"), t("call_taker"), t("call_outcome"), t("call_duration")].map((c) => h("th", {}, c)))),
    rows,
  );

  replace(
    main,
    h(
      "div",
      { class: "calls" },
      h("section", { class: "panel" }, h("h1", {}, t("calls_title")), h("p", { class: "hint" }, t("calls_hint")), openForm, active),
      h("section", { class: "panel" }, h("h2", {}, t("calls_today")), totals, shown, table),
    ),
  );

  async function refresh() {
    const date = todayVn();
    try {
      const [report, page] = await Promise.all([
        api(`/api/stats/calls?date=${date}`),
        api(`/api/calls?from=${date}&to=${date}&limit=50`),
      ]);
      replace(totals, FIGURES.map((f) => h("span", { class: "figure", dataset: { figure: f } }, h("b", {}, String(report.totals[f] ?? 0)), " ", t(`call_fig_${f}`))));
      replace(
        rows,
        page.items.map((c) =>
          h(
            "tr",
            { dataset: { outcome: c.outcome || "open" } },
            h("td", {}, clockTime(Date.parse(c.answered_at))),
            h("td", {}, c.line),
            h("td", {}, c.caller_number || t("call_number_hidden"), c.caller_history?.nuisance ? h("span", { class: "badge warn" }, ` ${t("call_nuisance_short")}`) : null),
            h("td", {}, c.call_taker_name),
            h("td", {}, outcomeLabel(c.outcome), c.incident_number ? ` · ${c.incident_number}` : "", c.transferred_to ? ` → ${c.transferred_to}` : ""),
            h("td", {}, c.duration_secs != null ? `${Math.round(c.duration_secs)} s` : "—"),
          ),
        ),
      );
      shown.textContent = t("call_shown", { n: page.items.length, total: page.total });
    } catch (e) {
      shown.textContent = errorText(e);
    }
  }

  function showCurrent() {
    active.hidden = !current;
    openForm.hidden = !!current;
    if (!current) return;
    status.textContent = t("call_on_line", { id: current.id, line: current.line, number: current.caller_number || t("call_number_hidden") });
    const hist = current.caller_history;
    flag.hidden = !hist?.nuisance;
    flag.textContent = hist?.nuisance ? t("call_nuisance", { day: hist.nuisance_24h, week: hist.nuisance_7d }) : "";
    history.textContent = hist ? t("call_history", { day: hist.calls_24h, week: hist.calls_7d }) : "";
    choose(null);
  }

  function choose(code) {
    chosen = code;
    choice.textContent = code ? `${outcomeLabel(code)} — ${t("call_enter_to_close")}` : "";
    transferTo.hidden = code !== "transferred";
    if (code === "transferred") transferTo.focus();
  }

  async function openCall() {
    const body = { line: line.value };
    if (number.value.trim()) body.caller_number = number.value.trim();
    try {
      current = await api("/api/calls", { method: "POST", body });
      showCurrent();
      refresh();
    } catch (e) {
      toast(errorText(e), "error");
      number.focus();
    }
  }

  async function closeCall() {
    if (!current || !chosen) return;
    const body = { outcome: chosen };
    if (chosen === "transferred") body.transferred_to = transferTo.value.trim();
    try {
      await api(`/api/calls/${current.id}/close`, { method: "POST", body });
      toast(t("call_closed", { outcome: outcomeLabel(chosen) }), "ok");
      current = null;
      showCurrent();
      number.value = "";
      refresh();
    } catch (e) {
      toast(errorText(e), "error");
    }
  }

  function makeIncident() {
    if (current) ctx.go(`/intake?call=${current.id}`);
  }

  function startCall() {
    if (current) return;
    openForm.hidden = false;
    number.focus();
    number.select();
  }

  openForm.addEventListener("submit", (e) => {
    e.preventDefault();
    openCall();
  });

  const onKey = (e) => {
    if (e.key === "F2") {
      e.preventDefault();
      startCall();
      return;
    }
    if (!current) return;
    if (e.altKey && !e.ctrlKey) {
      const k = e.key.toLowerCase();
      const quick = QUICK.find(([key]) => key === k);
      if (quick) {
        e.preventDefault();
        choose(quick[1]);
      } else if (k === "v") {
        e.preventDefault();
        makeIncident();
      }
    } else if (e.key === "Enter" && chosen) {
      e.preventDefault();
      closeCall();
    } else if (e.key === "Escape") {
      choose(null);
    }
  };
  document.addEventListener("keydown", onKey);
  const timer = setInterval(refresh, 30_000);
  refresh();
  number.focus();
  return () => {
    document.removeEventListener("keydown", onKey);
    clearInterval(timer);
  };
}
