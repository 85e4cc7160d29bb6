// The crime-report register ("Tin báo tội phạm"): the reports a unit (or the city) received,
// the overdue and due-soon lists per unit with their legal clock (Art. 147), a form to register
// a report (an anonymous tip leaves the reporter empty), and a report's page with its history,
// the incident it came from and the case opened on it, and the steps the law allows:
// extending the limit, deciding (a decision to prosecute opens the case) and resuming a
// suspended report. Every change sends the version read: 409 = reload.

import { api, ApiError } from "../api.js";
import { h, replace, toast } from "../dom.js";
import { t, label, codes, lang } from "../i18n.js";
import { session, isCityUser, unitName } from "../session.js";
import { onChange } from "../feed.js";
import { dateTime, date } from "../time.js";
import { emptyState, errorState, section, facts, field, hanoiInstant, changeErrorText } from "./common.js";
import { periodChoices } from "../periods.js";

const WRITERS = ["admin", "operator", "unit_officer"];

/** Today in Hanoi as `YYYY-MM-DD`. */
function hanoiToday() {
  return new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
}

/** "26/11/2026" from `YYYY-MM-DD`. */
function day(value) {
  if (!value) return "";
  const [y, m, d] = value.split("-");
  return `${d}/${m}/${y}`;
}

/** The limit of a report as a chip: "Quá hạn 3 ngày", "Sắp hết hạn (2 ngày)", "Trong hạn". */
function limitChip(r) {
  if (!r.limit) return h("span", { class: "chip" }, label("crime_report_status", r.status) || r.status_label);
  const { due, days_left: left, last_day: last } = r.limit;
  const text =
    due === "overdue" ? t("cr_overdue_by", { n: -left }) : due === "due_soon" ? t("cr_due_in", { n: left }) : t("cr_on_time_until", { day: day(last) });
  return h("span", { class: `chip due-${due}`, title: t("cr_last_day", { day: day(last) }) }, text);
}

function unitOptions(withAll) {
  return [
    withAll && isCityUser() ? h("option", { value: "" }, t("all_units")) : null,
    session.unitList.filter((u) => isCityUser() || u.code === session.me.unit_code).map((u) => h("option", { value: u.code }, u.full_name)),
  ];
}

function select(id, vocab, withAll) {
  return h("select", { id }, withAll ? h("option", { value: "" }, t("all")) : null, codes(vocab).map((c) => h("option", { value: c }, label(vocab, c))));
}

/** The register page. */
export function renderCrimeReports(main, _params, ctx) {
  const canWrite = WRITERS.includes(session.me.role);
  let unit = isCityUser() ? document.getElementById("unit-select").value || "" : session.me.unit_code;
  ctx.refreshUnitSelect(unit);
  const unitSel = h("select", { id: "cr-unit", disabled: !isCityUser() }, unitOptions(true));
  unitSel.value = unit;
  const statusSel = select("cr-status", "crime_report_status", true);
  const dueBox = h("div", { id: "cr-due" }, h("p", { class: "muted" }, t("loading")));
  const summary = h("div", { class: "dev-summary", "aria-live": "polite" });
  const body = h("div", {}, h("p", { class: "muted" }, t("loading")));
  const message = h("p", { class: "form-message", role: "alert" });
  const createBox = h("div");
  const periodSel = h(
    "select",
    { id: "cr-period" },
    periodChoices()
      .filter((p) => p.code !== "custom")
      .map((p) => h("option", { value: p.code }, t(p.key))),
  );
  const csvLink = h("a", { class: "btn btn-sm", download: "", id: "cr-figures-csv" }, t("export_csv"));
  const xlsxLink = h("a", { class: "btn btn-sm", download: "", id: "cr-figures-xlsx" }, t("export_xlsx"));
  const figuresBox = h("div", { id: "cr-figures" });
  replace(
    main,
    h(
      "div",
      { class: "crime-reports page" },
      h("h1", {}, t("cr_title")),
      section(t("cr_due_title"), dueBox),
      section(t("cr_figures_title"), h("div", { class: "filters" }, h("label", { for: "cr-period" }, t("period")), periodSel, csvLink, xlsxLink), figuresBox),
      h("div", { class: "filters" }, h("label", { for: "cr-unit" }, t("unit")), unitSel, h("label", { for: "cr-status" }, t("status")), statusSel),
      summary,
      body,
      message,
      createBox,
    ),
  );
  for (const el of [unitSel, statusSel]) {
    el.addEventListener("change", () => {
      unit = isCityUser() ? unitSel.value : session.me.unit_code;
      load();
    });
  }
  periodSel.addEventListener("change", () => loadFigures());

  // Received, settled and pending in the chosen reporting period, per unit, as the server counts.
  async function loadFigures() {
    const q = new URLSearchParams({ period: periodSel.value });
    if (unit) q.set("unit", unit);
    csvLink.href = `/api/crime-reports/figures?${q}&format=csv`;
    xlsxLink.href = `/api/crime-reports/figures?${q}&format=xlsx`;
    let f;
    try {
      f = await api(`/api/crime-reports/figures?${q}`);
    } catch (e) {
      if (alive) replace(figuresBox, errorState(e));
      return;
    }
    if (!alive) return;
    const pct = (v) => (v == null ? "—" : `${v.toFixed(1)} %`);
    const cols = ["carried_in", "received", "to_settle", "settled", "prosecuted", "not_prosecuted", "suspended", "transferred", "on_time"];
    const cells = (x) => [...cols.map((c) => h("td", { class: "num" }, String(x[c]))), h("td", { class: "num" }, pct(x.settled_rate)), h("td", { class: "num" }, pct(x.on_time_rate)), h("td", { class: "num" }, String(x.pending_end))];
    replace(
      figuresBox,
      h("p", { class: "muted" }, f.period.label),
      h(
        "table",
        { class: "table", id: "cr-figures-table" },
        h("thead", {}, h("tr", {}, [t("unit"), ...cols.map((c) => t(`cr_fig_${c}`)), t("cr_fig_settled_rate"), t("cr_fig_on_time_rate"), t("cr_fig_pending_end")].map((c) => h("th", { scope: "col" }, c)))),
        h(
          "tbody",
          {},
          f.units.map((u) => h("tr", { dataset: { unit: u.unit } }, h("td", {}, u.unit_name || unitName(u.unit)), cells(u))),
          h("tr", { class: "total" }, h("th", { scope: "row" }, t("cr_fig_total")), cells(f.total)),
        ),
      ),
      h("p", { class: "muted" }, lang() === "en" ? f.definition_en : f.definition),
    );
  }

  const row = (r) =>
    h(
      "tr",
      { class: "cr-row", dataset: { id: String(r.id), due: r.limit ? r.limit.due : "" } },
      h("td", {}, h("a", { href: `/crime-reports/${r.id}`, "data-nav": "" }, `#${r.id}`), r.register_no ? h("div", { class: "muted" }, r.register_no) : null),
      h("td", {}, dateTime(r.received_at)),
      h("td", {}, label("crime_report_kind", r.kind) || r.kind_label, r.anonymous ? h("div", { class: "muted" }, t("cr_anonymous")) : null),
      h("td", {}, r.unit_name || unitName(r.unit)),
      h("td", {}, r.summary),
      h("td", {}, limitChip(r)),
    );
  const table = (rows, id) =>
    h(
      "table",
      { class: "table", id },
      h("thead", {}, h("tr", {}, [t("cr_number"), t("cr_received"), t("cr_kind"), t("unit"), t("cr_summary"), t("cr_limit")].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, rows.map(row)),
    );

  let alive = true;
  async function load() {
    const q = new URLSearchParams();
    if (unit) q.set("unit", unit);
    if (statusSel.value) q.set("status", statusSel.value);
    let list;
    let due;
    try {
      [list, due] = await Promise.all([api(`/api/crime-reports?${q}`), api(`/api/crime-reports/due${unit ? `?unit=${encodeURIComponent(unit)}` : ""}`)]);
    } catch (e) {
      if (!alive) return;
      replace(body, errorState(e));
      replace(dueBox);
      return;
    }
    if (!alive) return;
    replace(
      dueBox,
      due.units.length
        ? [
            h(
              "table",
              { class: "table", id: "cr-due-units" },
              h("thead", {}, h("tr", {}, [t("unit"), t("cr_overdue"), t("cr_due_soon")].map((c) => h("th", { scope: "col" }, c)))),
              h(
                "tbody",
                {},
                due.units.map((u) =>
                  h("tr", { dataset: { unit: u.unit } }, h("td", {}, u.unit_name || unitName(u.unit)), h("td", { class: u.overdue ? "num due-overdue" : "num" }, String(u.overdue)), h("td", { class: "num" }, String(u.due_soon))),
                ),
              ),
            ),
            table(due.reports, "cr-due-table"),
          ]
        : emptyState(t("cr_none_due")),
    );
    replace(
      summary,
      h("span", { class: "sum", id: "cr-total" }, `${t("cr_total")}: ${list.total}`),
      list.reports.length < list.total ? h("span", { class: "sum muted", role: "status" }, t("cr_shown", { n: list.reports.length, total: list.total })) : null,
    );
    replace(body, list.reports.length ? table(list.reports, "cr-table") : emptyState(t("cr_empty")));
  }

  function drawCreate() {
    if (!canWrite) return;
    const kind = select("ncr-kind", "crime_report_kind", false);
    const source = h(
      "select",
      { id: "ncr-source" },
      codes("crime_report_source")
        .filter((c) => c !== "incident")
        .map((c) => h("option", { value: c }, label("crime_report_source", c))),
    );
    const unitIn = h("select", { id: "ncr-unit", required: true, disabled: !isCityUser() }, isCityUser() ? h("option", { value: "" }, "—") : null, unitOptions(false));
    unitIn.value = isCityUser() ? unit : session.me.unit_code;
    const received = h("input", { id: "ncr-received", type: "datetime-local" });
    const name = h("input", { id: "ncr-name", autocomplete: "off", maxlength: 200 });
    const phone = h("input", { id: "ncr-phone", type: "tel", autocomplete: "off", maxlength: 20 });
    const org = h("input", { id: "ncr-org", autocomplete: "off", maxlength: 200 });
    const summaryIn = h("textarea", { id: "ncr-summary", rows: 3, maxlength: 4000, required: true });
    const place = h("input", { id: "ncr-place", autocomplete: "off", maxlength: 400 });
    const article = h("input", { id: "ncr-article", type: "number", min: 1, max: 426 });
    const regNo = h("input", { id: "ncr-register", autocomplete: "off", maxlength: 64 });
    const form = h(
      "form",
      { id: "cr-create", novalidate: true },
      h("div", { class: "row2" }, field("ncr-kind", t("cr_kind"), kind), field("ncr-source", t("cr_source"), source)),
      h("div", { class: "row2" }, field("ncr-unit", t("unit"), unitIn), field("ncr-received", t("cr_received_hint"), received)),
      h("div", { class: "row2" }, field("ncr-name", t("cr_reporter_name"), name), field("ncr-phone", t("cr_reporter_phone"), phone)),
      field("ncr-org", t("cr_reporter_org"), org),
      h("p", { class: "muted" }, t("cr_anonymous_hint")),
      field("ncr-summary", t("cr_summary"), summaryIn),
      h("div", { class: "row2" }, field("ncr-place", t("cr_place"), place), field("ncr-article", t("cr_article"), article)),
      field("ncr-register", t("cr_register_no"), regNo),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "btn btn-primary" }, t("cr_register"))),
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!summaryIn.value.trim() || !unitIn.value) {
        replace(message, t("cr_required"));
        return toast(t("cr_required"), "error");
      }
      const opt = (el) => (el.value.trim() ? el.value.trim() : null);
      try {
        const created = await api("/api/crime-reports", {
          method: "POST",
          body: {
            kind: kind.value,
            source: source.value,
            unit: unitIn.value,
            received_at: received.value ? hanoiInstant(received.value) : null,
            reporter: { name: opt(name), phone: opt(phone), organisation: opt(org), address: null },
            summary: summaryIn.value.trim(),
            place: opt(place),
            article: article.value ? Number(article.value) : null,
            register_no: opt(regNo),
          },
        });
        replace(message);
        toast(t("cr_registered", { id: created.id, day: day(created.last_day) }), "ok");
        ctx.go(`/crime-reports/${created.id}`);
      } catch (err) {
        const text = changeErrorText(err);
        replace(message, text);
        toast(text, "error");
      }
    });
    replace(createBox, section(t("cr_new"), form));
  }

  const off = onChange((c) => {
    if (c.kind === "resync" || (c.kind && c.kind.startsWith("crime_report."))) {
      load();
      loadFigures();
    }
  });
  load();
  loadFigures();
  drawCreate();
  return () => {
    alive = false;
    off();
  };
}

/** The history of a report as lines. */
function historyLine(e) {
  const when = dateTime(e.recorded_at);
  const who = e.recorded_by;
  switch (e.event) {
    case "received":
      return t("cr_ev_received", { when, who, day: day(e.last_day) });
    case "extended":
      return t("cr_ev_extended", { when, who, by: label("crime_report_extension", e.by), no: e.decision_no, on: day(e.decided_on), until: day(e.until) });
    case "decided":
      return t("cr_ev_decided", { when, who, outcome: label("crime_report_outcome", e.outcome), no: e.decision_no, on: day(e.decided_on) }) + (e.on_time ? "" : ` — ${t("cr_late")}`);
    case "resumed":
      return t("cr_ev_resumed", { when, who, no: e.decision_no, on: day(e.decided_on), day: day(e.last_day) });
    case "case_linked":
      return t("cr_ev_case", { when, id: e.case_id });
    default:
      return `${when} ${e.event}`;
  }
}

/** One report's page. */
export function renderCrimeReport(main, { id }, ctx) {
  const canWrite = WRITERS.includes(session.me.role);
  const message = h("p", { class: "form-message", role: "alert" });
  let alive = true;

  async function change(path, body) {
    try {
      await api(`/api/crime-reports/${id}/${path}`, { method: "POST", body });
      replace(message);
      toast(t("cr_saved"), "ok");
    } catch (err) {
      const text = err instanceof ApiError && err.status === 409 && err.code !== "illegal_transition" ? t("data_changed") : changeErrorText(err);
      replace(message, text);
      toast(text, "error");
    }
    load();
  }

  function extendForm(r) {
    const by = select("cr-ext-by", "crime_report_extension", false);
    const no = h("input", { id: "cr-ext-no", required: true, maxlength: 64 });
    const on = h("input", { id: "cr-ext-on", type: "date", value: hanoiToday() });
    const until = h("input", { id: "cr-ext-until", type: "date" });
    const form = h(
      "form",
      { id: "cr-extend", novalidate: true },
      h("div", { class: "row2" }, field("cr-ext-by", t("cr_ext_by"), by), field("cr-ext-no", t("cr_decision_no"), no)),
      h("div", { class: "row2" }, field("cr-ext-on", t("cr_decided_on"), on), field("cr-ext-until", t("cr_ext_until"), until)),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "btn" }, t("cr_extend"))),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!no.value.trim() || !on.value || !until.value) return replace(message, t("cr_decision_required"));
      change("extensions", { by: by.value, decision_no: no.value.trim(), decided_on: on.value, until: until.value, version: r.version });
    });
    return section(t("cr_extend_title"), form);
  }

  function decisionForm(r) {
    const outcome = select("cr-dec-outcome", "crime_report_outcome", false);
    const no = h("input", { id: "cr-dec-no", required: true, maxlength: 64 });
    const on = h("input", { id: "cr-dec-on", type: "date", value: hanoiToday() });
    const reason = h("textarea", { id: "cr-dec-reason", rows: 2, maxlength: 4000 });
    const to = h("input", { id: "cr-dec-to", maxlength: 400 });
    const toField = field("cr-dec-to", t("cr_transferred_to"), to);
    const caseRef = h("input", { id: "cr-case-ref", maxlength: 64 });
    const caseArticle = h("input", { id: "cr-case-article", type: "number", min: 1, max: 426, value: r.article || "" });
    const caseClause = h("input", { id: "cr-case-clause", type: "number", min: 1, max: 20 });
    const caseYears = h("input", { id: "cr-case-years", type: "number", min: 0.25, max: 20, step: 0.25, value: 3 });
    const caseBox = h(
      "fieldset",
      { class: "cr-case" },
      h("legend", {}, t("cr_case_opened")),
      h("div", { class: "row2" }, field("cr-case-ref", t("case_ref"), caseRef), field("cr-case-article", t("case_article_number"), caseArticle)),
      h("div", { class: "row2" }, field("cr-case-clause", t("case_clause"), caseClause), field("cr-case-years", t("case_bracket_years"), caseYears)),
    );
    const sync = () => {
      caseBox.hidden = outcome.value !== "prosecute";
      toField.hidden = outcome.value !== "transfer";
    };
    outcome.addEventListener("change", sync);
    sync();
    const form = h(
      "form",
      { id: "cr-decide", novalidate: true },
      h("div", { class: "row2" }, field("cr-dec-outcome", t("cr_outcome"), outcome), field("cr-dec-no", t("cr_decision_no"), no)),
      field("cr-dec-on", t("cr_decided_on"), on),
      field("cr-dec-reason", t("cr_reason"), reason),
      toField,
      caseBox,
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "btn btn-primary" }, t("cr_decide"))),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!no.value.trim() || !on.value) return replace(message, t("cr_decision_required"));
      const body = { outcome: outcome.value, decision_no: no.value.trim(), decided_on: on.value, reason: reason.value.trim() || null, version: r.version };
      if (outcome.value === "transfer") body.transferred_to = to.value.trim() || null;
      if (outcome.value === "prosecute" && caseRef.value.trim()) {
        body.case = {
          case_ref: caseRef.value.trim(),
          article: Number(caseArticle.value),
          clause: caseClause.value ? Number(caseClause.value) : null,
          bracket_max: { type: "prison_months", months: Math.round(Number(caseYears.value) * 12) },
        };
      }
      change("decision", body);
    });
    return section(t("cr_decide_title"), form);
  }

  function resumeForm(r) {
    const no = h("input", { id: "cr-res-no", required: true, maxlength: 64 });
    const on = h("input", { id: "cr-res-on", type: "date", value: hanoiToday() });
    const form = h(
      "form",
      { id: "cr-resume", novalidate: true },
      h("div", { class: "row2" }, field("cr-res-no", t("cr_decision_no"), no), field("cr-res-on", t("cr_decided_on"), on)),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "btn" }, t("cr_resume"))),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!no.value.trim() || !on.value) return replace(message, t("cr_decision_required"));
      change("resume", { decision_no: no.value.trim(), decided_on: on.value, version: r.version });
    });
    return section(t("cr_resume_title"), form);
  }

  async function load() {
    let r;
    try {
      r = await api(`/api/crime-reports/${encodeURIComponent(id)}`);
    } catch (e) {
      if (alive) replace(main, errorState(e));
      return;
    }
    if (!alive) return;
    const rep = r.reporter || {};
    replace(
      main,
      h(
        "div",
        { class: "crime-report page", dataset: { id: String(r.id), status: r.status } },
        h("p", {}, h("a", { href: "/crime-reports", "data-nav": "" }, `← ${t("cr_title")}`)),
        h("h1", {}, t("cr_heading", { id: r.id }), " ", limitChip(r)),
        message,
        section(
          t("cr_facts"),
          facts([
            [t("status"), label("crime_report_status", r.status) || r.status_label],
            [t("cr_kind"), label("crime_report_kind", r.kind) || r.kind_label],
            [t("cr_source"), label("crime_report_source", r.source) || r.source_label],
            [t("unit"), r.unit_name || unitName(r.unit)],
            [t("cr_received"), dateTime(r.received_at)],
            [t("cr_register_no"), r.register_no],
            [t("cr_reporter"), r.anonymous ? t("cr_anonymous") : [rep.name, rep.organisation, rep.phone].filter(Boolean).join(" · ")],
            [t("cr_summary"), r.summary],
            [t("cr_place"), r.place],
            [t("cr_article"), r.article ? t("case_article_only", { article: r.article }) : null],
            [t("cr_last_day_label"), day(r.last_day)],
            [t("cr_legal_basis"), r.legal_basis],
            [t("cr_incident"), r.incident_id ? h("a", { href: `/incidents/${r.incident_id}`, "data-nav": "", id: "cr-incident-link" }, r.incident_number || `#${r.incident_id}`) : null],
            [t("cr_case"), r.case_id ? h("a", { href: "/cases", "data-nav": "", id: "cr-case-link" }, r.case_ref || `#${r.case_id}`) : null],
            [t("cr_decision"), r.decision ? `${label("crime_report_outcome", r.decision.outcome)} — ${r.decision.decision_no}, ${day(r.decision.decided_on)}${r.decision.reason ? ` (${r.decision.reason})` : ""}${r.decision.transferred_to ? ` → ${r.decision.transferred_to}` : ""}` : null],
          ]),
        ),
        section(t("cr_history"), h("ol", { class: "cr-history" }, r.history.map((e) => h("li", {}, historyLine(e))))),
        canWrite && r.status === "verifying" ? [extendForm(r), decisionForm(r)] : null,
        canWrite && r.status === "suspended" ? resumeForm(r) : null,
      ),
    );
  }

  const off = onChange((c) => {
    if (c.kind === "resync" || (c.kind === "crime_report.updated" && c.payload && String(c.payload.id) === String(id))) load();
  });
  load();
  return () => {
    alive = false;
    off();
  };
}

/** The crime reports of an incident, for the incident page, with a button to register one. */
export async function incidentCrimeReports(incident, canWrite, go) {
  const box = h("div", { id: "incident-crime-reports" });
  let list;
  try {
    list = await api(`/api/crime-reports?incident_id=${incident.id}`);
  } catch (e) {
    return section(t("cr_title"), errorState(e));
  }
  const items = list.reports.map((r) =>
    h("li", {}, h("a", { href: `/crime-reports/${r.id}`, "data-nav": "" }, t("cr_heading", { id: r.id })), " ", limitChip(r)),
  );
  replace(box, items.length ? h("ul", {}, items) : h("p", { class: "muted" }, t("cr_none_for_incident")));
  if (canWrite) {
    const button = h(
      "button",
      {
        type: "button",
        class: "btn btn-sm",
        id: "incident-crime-report-new",
        on: {
          click: async () => {
            try {
              const created = await api("/api/crime-reports", { method: "POST", body: { incident_id: incident.id } });
              go(`/crime-reports/${created.id}`);
            } catch (err) {
              toast(changeErrorText(err), "error");
            }
          },
        },
      },
      t("cr_from_incident"),
    );
    box.append(button);
  }
  return section(t("cr_title"), box);
}

/**
 * A link saying how many of the unit's (or the city's) crime reports are overdue or due soon,
 * leading to the register; empty when none is, or when the account may not read the register.
 * `refresh()` on the element loads the counts again.
 */
export function crimeDueStrip(unit) {
  const el = h("p", { class: "crime-due-strip", "aria-live": "polite" });
  el.refresh = async () => {
    let due;
    try {
      due = await api(`/api/crime-reports/due${unit ? `?unit=${encodeURIComponent(unit)}` : ""}`);
    } catch {
      return replace(el);
    }
    const overdue = due.units.reduce((n, u) => n + u.overdue, 0);
    const soon = due.units.reduce((n, u) => n + u.due_soon, 0);
    replace(
      el,
      overdue || soon
        ? h("a", { href: "/crime-reports", "data-nav": "", class: overdue ? "chip due-overdue" : "chip due-due_soon" }, t("tasks_crime_due", { overdue, soon }))
        : null,
    );
  };
  el.refresh();
  return el;
}
