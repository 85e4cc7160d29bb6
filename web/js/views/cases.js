// The criminal cases page ("Vụ án"): the case register of a unit or of the city, filtered by
// discovery period and solved/unsolved, with the reporting group and severity class the server
// derives from the Penal Code article and the bracket maximum; a form to record a case and an
// action to mark a case solved (sending the version read: 409 = reload). A unit officer only
// ever gets their own unit, in the filter and in the form.

import { api, ApiError } from "../api.js";
import { h, replace, toast } from "../dom.js";
import { t, label, codes } from "../i18n.js";
import { session, isCityUser, unitName } from "../session.js";
import { onChange } from "../feed.js";
import { dateTime } from "../time.js";
import { emptyState, errorState, section, field, hanoiInstant, changeErrorText } from "./common.js";

const WRITERS = ["admin", "operator", "unit_officer"];

/** The next day of a `YYYY-MM-DD` value (the exclusive end of a period). */
function nextDay(value) {
  const d = new Date(`${value}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** "Điều 173 khoản 1". */
function articleText(c) {
  return c.clause ? t("case_article_clause", { article: c.article, clause: c.clause }) : t("case_article_only", { article: c.article });
}

/** The bracket maximum in words, e.g. "7 năm tù". */
function penaltyText(p) {
  if (!p) return "";
  if (p.type === "prison_months") {
    const years = p.months / 12;
    return Number.isInteger(years) ? t("penalty_years", { n: years }) : t("penalty_months", { n: p.months });
  }
  return label("penalty", p.type);
}

/** Units a user may choose: every unit for the center, the own unit for a unit officer. */
function unitOptions(withAll) {
  return [
    withAll && isCityUser() ? h("option", { value: "" }, t("all_units")) : null,
    session.unitList.filter((u) => isCityUser() || u.code === session.me.unit_code).map((u) => h("option", { value: u.code }, u.full_name)),
  ];
}

/** Draws the cases page. */
export function renderCases(main, _params, ctx) {
  const canWrite = WRITERS.includes(session.me.role);
  let unit = isCityUser() ? document.getElementById("unit-select").value || "" : session.me.unit_code;
  ctx.refreshUnitSelect(unit);

  const unitSel = h("select", { id: "case-unit", disabled: !isCityUser() }, unitOptions(true));
  unitSel.value = unit;
  const fromIn = h("input", { id: "case-from", type: "date" });
  const toIn = h("input", { id: "case-to", type: "date" });
  const solvedSel = h(
    "select",
    { id: "case-solved" },
    h("option", { value: "" }, t("all")),
    h("option", { value: "false" }, t("case_unsolved")),
    h("option", { value: "true" }, t("case_solved")),
  );
  const summary = h("div", { class: "dev-summary", "aria-live": "polite" });
  const message = h("p", { class: "form-message", role: "alert" });
  const body = h("div", {}, h("p", { class: "muted" }, t("loading")));
  const createBox = h("div");
  replace(
    main,
    h(
      "div",
      { class: "cases page" },
      h("h1", {}, t("cases_title")),
      h(
        "div",
        { class: "filters" },
        h("label", { for: "case-unit" }, t("unit")),
        unitSel,
        h("label", { for: "case-from" }, t("case_from")),
        fromIn,
        h("label", { for: "case-to" }, t("case_to")),
        toIn,
        h("label", { for: "case-solved" }, t("status")),
        solvedSel,
      ),
      summary,
      message,
      body,
      createBox,
    ),
  );
  for (const el of [unitSel, fromIn, toIn, solvedSel]) {
    el.addEventListener("change", () => {
      unit = isCityUser() ? unitSel.value : session.me.unit_code;
      load();
    });
  }

  let alive = true;
  async function load() {
    const q = new URLSearchParams();
    if (unit) q.set("unit", unit);
    if (fromIn.value) q.set("from", hanoiInstant(fromIn.value));
    if (toIn.value) q.set("to", hanoiInstant(nextDay(toIn.value)));
    if (solvedSel.value) q.set("solved", solvedSel.value);
    let rows;
    let totals;
    try {
      [rows, totals] = await Promise.all([api(`/api/cases?${q}`), api(`/api/cases/summary?${q}`)]);
    } catch (e) {
      if (!alive) return;
      replace(summary);
      replace(body, errorState(e));
      return;
    }
    if (!alive) return;
    // Totals and the rate are the server's, over every case, not over the rows listed.
    replace(
      summary,
      h("span", { class: "sum", id: "cases-total" }, `${t("cases_total")}: ${totals.total}`),
      h("span", { class: "sum" }, `${t("case_solved")}: ${totals.solved}`),
      totals.clearance_percent != null ? h("span", { class: "sum", id: "cases-clearance" }, `${t("cases_clearance")}: ${totals.clearance_percent.toFixed(1)} %`) : null,
      rows.length < totals.total ? h("span", { class: "sum muted", role: "status" }, t("cases_shown", { n: rows.length, total: totals.total })) : null,
    );
    if (!rows.length) return replace(body, emptyState(t("cases_empty")));
    replace(
      body,
      h(
        "table",
        { class: "table", id: "cases-table" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            [t("case_ref"), t("unit"), t("case_article"), t("case_group"), t("case_severity"), t("case_discovered"), t("case_solved_at"), t("actions")].map((c) => h("th", { scope: "col" }, c)),
          ),
        ),
        h(
          "tbody",
          {},
          rows.map((c) =>
            h(
              "tr",
              { class: "case-row", dataset: { id: String(c.id), group: c.group } },
              h("td", {}, h("strong", {}, c.case_ref), c.summary ? h("div", { class: "muted" }, c.summary) : null),
              h("td", {}, c.unit_name || unitName(c.unit)),
              h("td", {}, articleText(c), h("div", { class: "muted" }, penaltyText(c.bracket_max))),
              h("td", {}, h("span", { class: `chip crime-${c.group}` }, label("crime_group", c.group) || c.group_label)),
              h("td", {}, h("span", { class: `chip severity-${c.severity}` }, label("case_severity", c.severity) || c.severity_label)),
              h("td", {}, dateTime(c.discovered_at)),
              h("td", {}, c.solved_at ? dateTime(c.solved_at) : h("span", { class: "muted" }, t("case_unsolved"))),
              h(
                "td",
                {},
                canWrite && !c.solved_at
                  ? h("button", { type: "button", class: "btn btn-sm", "aria-label": t("case_mark_solved_of", { ref: c.case_ref }), on: { click: () => markSolved(c) } }, t("case_mark_solved"))
                  : null,
              ),
            ),
          ),
        ),
      ),
    );
  }

  async function markSolved(c) {
    try {
      await api(`/api/cases/${c.id}/solved`, { method: "POST", body: { version: c.version } });
      replace(message);
      toast(t("case_marked_solved", { ref: c.case_ref }), "ok");
    } catch (e) {
      const text = changeErrorText(e);
      replace(message, text);
      toast(text, "error");
    }
    load();
  }

  function drawCreate() {
    if (!canWrite) return;
    const ref = h("input", { id: "nc-ref", autocomplete: "off", required: true, maxlength: 64 });
    const unitIn = h("select", { id: "nc-unit", required: true, disabled: !isCityUser() }, isCityUser() ? h("option", { value: "" }, "—") : null, unitOptions(false));
    unitIn.value = isCityUser() ? unit : session.me.unit_code;
    const article = h("input", { id: "nc-article", type: "number", min: 1, max: 426, required: true });
    const clause = h("input", { id: "nc-clause", type: "number", min: 1, max: 20 });
    const penalty = h(
      "select",
      { id: "nc-penalty" },
      codes("penalty").map((p) => h("option", { value: p }, label("penalty", p))),
    );
    penalty.value = "prison_months";
    const years = h("input", { id: "nc-years", type: "number", min: 0.25, max: 20, step: 0.25, value: 3 });
    const yearsField = field("nc-years", t("case_bracket_years"), years);
    penalty.addEventListener("change", () => (yearsField.hidden = penalty.value !== "prison_months"));
    const discovered = h("input", { id: "nc-discovered", type: "date", required: true });
    const summaryIn = h("textarea", { id: "nc-summary", rows: 2, maxlength: 2000 });
    const form = h(
      "form",
      { id: "case-create", novalidate: true },
      h("div", { class: "row2" }, field("nc-ref", t("case_ref"), ref), field("nc-unit", t("unit"), unitIn)),
      h("div", { class: "row2" }, field("nc-article", t("case_article_number"), article), field("nc-clause", t("case_clause"), clause)),
      h("div", { class: "row2" }, field("nc-penalty", t("case_bracket"), penalty), yearsField),
      field("nc-discovered", t("case_discovered"), discovered),
      field("nc-summary", t("case_summary"), summaryIn),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "btn btn-primary" }, t("case_record"))),
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const art = Number(article.value);
      if (!ref.value.trim() || !unitIn.value || !Number.isInteger(art) || art < 1 || !discovered.value) {
        replace(message, t("case_required"));
        return toast(t("case_required"), "error");
      }
      const bracket = penalty.value === "prison_months" ? { type: "prison_months", months: Math.round(Number(years.value) * 12) } : { type: penalty.value };
      try {
        const created = await api("/api/cases", {
          method: "POST",
          body: {
            case_ref: ref.value.trim(),
            unit: unitIn.value,
            article: art,
            clause: clause.value ? Number(clause.value) : null,
            bracket_max: bracket,
            summary: summaryIn.value,
            discovered_at: hanoiInstant(discovered.value),
          },
        });
        replace(message);
        toast(t("case_recorded", { ref: created.case_ref, group: label("crime_group", created.group) }), "ok");
        form.reset();
        unitIn.value = isCityUser() ? unit : session.me.unit_code;
        penalty.value = "prison_months";
        yearsField.hidden = false;
        load();
      } catch (err) {
        const text = err instanceof ApiError && err.status === 409 ? `${t("case_duplicate")} (${err.message})` : changeErrorText(err);
        replace(message, text);
        toast(text, "error");
      }
    });
    replace(createBox, section(t("case_new"), form));
  }

  const off = onChange((c) => {
    if (c.kind === "resync" || (c.kind && c.kind.startsWith("case."))) load();
  });
  load();
  drawCreate();
  return () => {
    alive = false;
    off();
  };
}
