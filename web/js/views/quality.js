// The residence-data quality page ("đúng, đủ, sạch, sống"): the four rates of the selected unit
// (or the city) with their exact definitions, their trend over the last checks, and the work
// list of records to fix (errors first), a page at a time, each row naming its record and rule
// and linking to the record's edit screen, downloadable as CSV or Excel. Leaders and inspectors see the
// rates; the detailed list is for the units that keep the records.

import { api } from "../api.js";
import { h, replace, toast } from "../dom.js";
import { t, lang, label } from "../i18n.js";
import { session, isCityUser, unitName } from "../session.js";
import { dateTime } from "../time.js";
import { emptyState, errorState, section } from "./common.js";
import { dataTable } from "../charts.js";
import { recordHref } from "./record.js";
import { errorText } from "../errors.js";

/** Rows of the work list a page shows. */
const PAGE = 100;

/** A visible table (the charts' `dataTable` is for screen readers only). */
function table(caption, head, rows) {
  const el = dataTable(caption, head, rows);
  el.className = "table";
  return el;
}

const DIMENSIONS = ["correct", "complete", "clean", "alive"];

function percent(rate) {
  return rate == null ? "–" : `${(rate * 100).toFixed(2)} %`;
}

/** Draws the quality page. */
export function renderQuality(main, _params, ctx) {
  const unit = isCityUser() ? document.getElementById("unit-select").value || "" : session.me.unit_code;
  ctx.refreshUnitSelect(unit);
  const keeper = ["admin", "unit_officer"].includes(session.me.role);
  const body = h("div", {}, h("p", { class: "muted" }, t("loading")));
  const runButton = h("button", { type: "button", class: "btn", hidden: !keeper }, t("quality_run"));
  replace(main, h("div", { class: "quality page" }, h("h1", {}, t("quality_title")), runButton, body));
  const q = unit ? `unit=${encodeURIComponent(unit)}` : "";
  let alive = true;
  let offset = 0;

  async function load() {
    try {
      const r = await api(`/api/quality?${q}${q ? "&" : ""}offset=${offset}&limit=${PAGE}`);
      if (alive) draw(r);
    } catch (e) {
      if (alive) replace(body, errorState(e));
    }
  }

  function draw(r) {
    const lng = lang();
    const cards = h(
      "div",
      { class: "quality-cards" },
      DIMENSIONS.map((d) =>
        h(
          "div",
          { class: "quality-card", "data-dimension": d },
          h("h2", {}, t(`quality_${d}`)),
          h("p", { class: "quality-rate" }, percent(r.rates?.[d]?.rate)),
          h("p", { class: "muted" }, `${r.rates?.[d]?.passing ?? 0} / ${r.rates?.[d]?.checked ?? 0}`),
          h("p", { class: "quality-definition" }, r.definitions?.[d]?.[lng] ?? ""),
        ),
      ),
    );
    const trend = table(
      t("quality_trend"),
      ["", ...DIMENSIONS.map((d) => t(`quality_${d}`))],
      (r.trend || []).map((p) => [dateTime(p.at), ...DIMENSIONS.map((d) => percent(p[d]))]),
    );
    const items = r.work_list?.items || [];
    let work;
    if (!keeper) {
      work = emptyState(t("quality_readers_only"));
    } else if (items.length === 0) {
      work = emptyState(t("quality_no_findings"));
    } else {
      const exportLink = (format, text) =>
        h("a", { class: "btn btn-sm", href: `/api/quality?${q}${q ? "&" : ""}format=${format}&lang=${lng}`, download: "" }, text);
      work = h(
        "div",
        {},
        h("div", { class: "form-actions" }, exportLink("csv", t("quality_export_csv")), exportLink("xlsx", t("quality_export_xlsx"))),
        workTable(items, lng),
        pager(r.work_list),
      );
    }
    replace(
      body,
      h("p", { class: "muted" }, t("quality_checked_at", { at: dateTime(r.run?.at), records: r.run?.records ?? 0 })),
      cards,
      section(t("quality_trend"), trend),
      section(t("quality_work_list", { total: r.work_list?.total ?? 0 }), work),
    );
  }

  /** The work list: each record links to its edit screen; the rule is named, not coded. */
  function workTable(items, lng) {
    const head = [t("unit"), t("quality_record"), t("quality_rule"), t("quality_dimension"), t("quality_finding")];
    return h(
      "table",
      { class: "table quality-work", "data-testid": "quality-work" },
      h("thead", {}, h("tr", {}, head.map((c) => h("th", { scope: "col" }, c)))),
      h(
        "tbody",
        {},
        items.map((f) =>
          h(
            "tr",
            { dataset: { rule: f.rule, severity: f.severity } },
            h("td", {}, unitName(f.unit)),
            h(
              "td",
              {},
              h("a", { href: recordHref(f.record), "data-nav": true }, f.record_name || `${label("record_kind", f.record.kind)} ${f.record.id}`),
              f.record_name ? h("small", { class: "muted record-ref" }, ` ${label("record_kind", f.record.kind)} ${f.record.id}`) : null,
            ),
            h("td", { title: f.rule }, (lng === "en" ? f.rule_label_en : f.rule_label_vi) || f.rule),
            h("td", {}, t(`quality_${f.dimension}`)),
            h("td", {}, lng === "en" ? f.message_en : f.message_vi),
          ),
        ),
      ),
    );
  }

  /** "Showing 101–200 of 3,412" with the previous and next pages. */
  function pager(list) {
    const total = list.total ?? 0;
    const from = total === 0 ? 0 : offset + 1;
    const to = Math.min(total, offset + (list.items?.length ?? 0));
    const go = (to) => () => {
      offset = Math.max(0, to);
      load();
    };
    return h(
      "div",
      { class: "pager", "data-testid": "quality-pager" },
      h("button", { type: "button", class: "btn btn-sm", disabled: offset === 0, on: { click: go(offset - PAGE) } }, t("page_prev")),
      h("span", {}, t("quality_page", { from: from.toLocaleString("vi-VN"), to: to.toLocaleString("vi-VN"), total: total.toLocaleString("vi-VN") })),
      h("button", { type: "button", class: "btn btn-sm", disabled: to >= total, on: { click: go(offset + PAGE) } }, t("page_next")),
    );
  }

  runButton.addEventListener("click", async () => {
    runButton.disabled = true;
    try {
      await api("/api/quality/run", { method: "POST" });
      await load();
    } catch (e) {
      toast(errorText(e), "error");
    } finally {
      runButton.disabled = false;
    }
  });

  load();
  return () => {
    alive = false;
  };
}
