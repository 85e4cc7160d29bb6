// The periodic crime report (báo cáo định kỳ tình hình tội phạm) as a printable page: the
// period and the unit are chosen at the top, the table is laid out as the force's form (by unit
// with the unit's name and a total line: cases, same period last year, solved and the
// clearance rate, very and especially serious cases, cases open at the end, cases by crime
// group), every figure the server's (`/api/stats/crime-report`). It prints on its own (the
// console's bars and the controls are hidden when printing) and downloads as CSV or XLSX.

import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { t, lang } from "../i18n.js";
import { session, isCityUser } from "../session.js";
import { errorState } from "./common.js";
import { periodChoices } from "../periods.js";

const num = (v) => Number(v ?? 0).toLocaleString(lang() === "en" ? "en" : "vi-VN");
const pct = (v) => (v == null ? "—" : Number(v).toLocaleString(lang() === "en" ? "en" : "vi-VN", { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
const signed = (v) => (v > 0 ? `+${num(v)}` : num(v));

/** Draws the report page. */
export function renderPeriodicReport(main, _params, ctx) {
  const own = isCityUser() ? "" : session.me.unit_code;
  ctx.refreshUnitSelect(own);
  const choices = periodChoices().filter((c) => c.code !== "custom");
  const periodSel = h("select", { id: "pr-period" }, choices.map((c) => h("option", { value: c.code }, `${t(c.key)} (${c.code})`)));
  const unitSel = h(
    "select",
    { id: "pr-unit", disabled: !isCityUser() },
    isCityUser() ? h("option", { value: "" }, t("all_units")) : null,
    (isCityUser() ? session.unitList : session.unitList.filter((u) => u.code === own)).map((u) => h("option", { value: u.code }, u.full_name)),
  );
  unitSel.value = own;
  const links = h("span", { class: "export-links" });
  const printButton = h("button", { type: "button", class: "btn btn-sm", id: "pr-print", on: { click: () => window.print() } }, t("pr_print"));
  const body = h("div", { id: "pr-body" });
  replace(
    main,
    h(
      "div",
      { class: "periodic-report page" },
      h(
        "div",
        { class: "stats-controls no-print" },
        h("a", { href: "/stats", "data-nav": true }, `← ${t("stats_title")}`),
        h("label", { for: "pr-period" }, t("period")),
        periodSel,
        h("label", { for: "pr-unit" }, t("unit")),
        unitSel,
        printButton,
        links,
      ),
      body,
    ),
  );

  let generation = 0;

  function query() {
    const q = new URLSearchParams();
    q.set("period", periodSel.value);
    if (unitSel.value) q.set("unit", unitSel.value);
    return q;
  }

  function exportLink(format) {
    const q = query();
    q.set("format", format);
    q.set("lang", lang());
    return h("a", { class: "btn btn-sm", href: `/api/stats/crime-report?${q}`, download: `crime-report.${format}`, "data-export": format }, format.toUpperCase());
  }

  function table(report) {
    const groups = report.groups || [];
    const head1 = h(
      "tr",
      {},
      h("th", { rowspan: 2, scope: "col" }, t("pr_no")),
      h("th", { rowspan: 2, scope: "col" }, t("unit")),
      h("th", { rowspan: 2, scope: "col" }, t("pr_cases")),
      h("th", { colspan: 3, scope: "colgroup" }, t("pr_same_period")),
      h("th", { colspan: 2, scope: "colgroup" }, t("pr_solved_head")),
      h("th", { rowspan: 2, scope: "col" }, t("pr_serious")),
      h("th", { rowspan: 2, scope: "col" }, t("pr_open")),
      h("th", { colspan: groups.length, scope: "colgroup" }, t("pr_by_group")),
    );
    const head2 = h(
      "tr",
      {},
      h("th", { scope: "col" }, t("pr_cases")),
      h("th", { scope: "col" }, t("pr_change")),
      h("th", { scope: "col" }, "%"),
      h("th", { scope: "col" }, t("pr_cases")),
      h("th", { scope: "col" }, t("pr_rate")),
      groups.map((g) => h("th", { scope: "col" }, lang() === "en" ? g.label_en : g.label)),
    );
    const cells = (f) => [
      h("td", { class: "num" }, num(f.recorded)),
      h("td", { class: "num" }, num(f.compared.previous)),
      h("td", { class: "num" }, signed(f.compared.diff)),
      h("td", { class: "num" }, pct(f.compared.pct)),
      h("td", { class: "num" }, num(f.solved)),
      h("td", { class: "num" }, pct(f.solved_pct)),
      h("td", { class: "num" }, num(f.serious)),
      h("td", { class: "num" }, num(f.open_at_end)),
      (f.by_group || []).map((g) => h("td", { class: "num" }, num(g.count))),
    ];
    const rows = report.rows.map((r, i) => h("tr", { "data-unit": r.unit }, h("td", { class: "num" }, String(i + 1)), h("th", { scope: "row" }, r.unit_name), cells(r)));
    const total = h("tr", { class: "total" }, h("td", {}), h("th", { scope: "row" }, t("pr_total")), cells(report.total));
    return h("table", { class: "data-table periodic-report-table", id: "pr-table" }, h("thead", {}, head1, head2), h("tbody", {}, rows, total));
  }

  async function load() {
    const mine = ++generation;
    replace(links, t("download"), " ", exportLink("csv"), " ", exportLink("xlsx"));
    replace(body, h("p", { class: "muted" }, t("loading")));
    try {
      const report = await api(`/api/stats/crime-report?${query()}`);
      if (mine !== generation) return;
      replace(
        body,
        h(
          "div",
          { class: "report-heading" },
          h("div", {}, h("strong", {}, (report.issued_by || "").toUpperCase())),
          h("div", { class: "right" }, h("strong", {}, t("pr_state")), h("br"), h("em", {}, t("pr_motto"))),
        ),
        h("h1", { class: "report-title" }, t("pr_title")),
        h("p", { class: "report-period" }, `${lang() === "en" ? report.period.label_en : report.period.label}; ${t("pr_compared_with")} ${lang() === "en" ? report.previous_period.label_en : report.previous_period.label}`),
        table(report),
        h("p", { class: "muted report-note" }, t("pr_note")),
      );
    } catch (e) {
      if (mine === generation) replace(body, errorState(e));
    }
  }

  periodSel.addEventListener("change", load);
  unitSel.addEventListener("change", load);
  load();
}
