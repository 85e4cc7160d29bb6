// The statistics page: the reporting period (police reporting month, quarter, 6, 9 or 12
// months, or any days) and the unit are chosen at the top; every figure below is the server's
// (`/api/stats/…`, and `/api/incidents/count` for what is open now): incidents by day, unit and
// type against the same period of last year, crimes and the clearance rate against the
// Assembly's targets, response times, and fires, explosions and rescues. The by-unit report
// lists every unit, each opening the page for that unit alone. Each report can be downloaded
// as CSV or XLSX with the same period and unit.

import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { t, label, lang, codes } from "../i18n.js";
import { session, loadBoundaries, isCityUser, unitName } from "../session.js";
import { barChart, lineChart, choropleth, dataTable } from "../charts.js";
import { emptyState, errorState, section } from "./common.js";
import { periodChoices, pastBuckets } from "../periods.js";

function legend(current, previous) {
  return h(
    "p",
    { class: "chart-legend" },
    h("span", { class: "swatch swatch-now" }),
    current,
    previous ? [h("span", { class: "swatch swatch-prev" }), previous] : null,
  );
}

const pct = (v) => (v == null ? t("not_comparable") : `${Number(v).toLocaleString(lang() === "en" ? "en" : "vi-VN", { maximumFractionDigits: 1 })} %`);
const num = (v) => Number(v ?? 0).toLocaleString(lang() === "en" ? "en" : "vi-VN");
const secs = (v) => {
  const n = Math.round(Number(v) || 0);
  return n >= 60 ? `${Math.floor(n / 60)}:${String(n % 60).padStart(2, "0")}` : `0:${String(n).padStart(2, "0")}`;
};

/** Draws the statistics page. */
export function renderStats(main, _params, ctx) {
  const own = isCityUser() ? "" : session.me.unit_code;
  ctx.refreshUnitSelect(own);
  const choices = periodChoices();
  const periodSel = h("select", { id: "stats-period" }, choices.map((c) => h("option", { value: c.code }, c.code === "custom" ? t(c.key) : `${t(c.key)} (${c.code})`)));
  const from = h("input", { type: "date", id: "stats-from", "aria-label": t("period_from") });
  const to = h("input", { type: "date", id: "stats-to", "aria-label": t("period_to") });
  const custom = h("span", { class: "period-custom", hidden: true }, from, " – ", to);
  const unitSel = h(
    "select",
    { id: "stats-unit", disabled: !isCityUser() },
    isCityUser() ? h("option", { value: "" }, t("all_units")) : null,
    (isCityUser() ? session.unitList : session.unitList.filter((u) => u.code === own)).map((u) => h("option", { value: u.code }, u.full_name)),
  );
  unitSel.value = own;
  const cityButton = h("button", { type: "button", class: "btn btn-sm", id: "stats-city", hidden: true }, t("stats_back_to_city"));
  const periodLabel = h("p", { class: "muted", id: "stats-period-label", "aria-live": "polite" });
  const boxes = {
    open: h("div", { id: "stats-open" }),
    day: h("div", { id: "stats-day" }),
    unit: h("div", { id: "stats-unit-report" }),
    kind: h("div", { id: "stats-kind" }),
    crimes: h("div", { id: "stats-crimes" }),
    response: h("div", { id: "stats-response" }),
    fires: h("div", { id: "stats-fires" }),
    falseAlarms: h("div", { id: "stats-false-alarms" }),
  };
  replace(
    main,
    h(
      "div",
      { class: "stats page" },
      h("h1", {}, t("stats_title")),
      h(
        "div",
        { class: "stats-controls" },
        h("label", { for: "stats-period" }, t("period")),
        periodSel,
        custom,
        h("label", { for: "stats-unit" }, t("unit")),
        unitSel,
        cityButton,
      ),
      periodLabel,
      h(
        "div",
        { class: "stats-grid" },
        section(t("stats_open_load"), boxes.open),
        section(t("stats_by_day"), boxes.day),
        section(t("stats_by_unit"), boxes.unit),
        section(t("stats_by_kind"), boxes.kind),
        section(t("stats_crimes"), boxes.crimes),
        section(t("stats_response"), boxes.response),
        section(t("stats_fires"), boxes.fires),
        section(t("stats_false_alarms"), boxes.falseAlarms),
      ),
    ),
  );

  let generation = 0;

  /** The query of the chosen period and unit, or null while a custom period is incomplete. */
  function query() {
    const q = new URLSearchParams();
    if (periodSel.value === "custom") {
      if (!from.value) return null;
      q.set("from", from.value);
      if (to.value) q.set("to", to.value);
    } else q.set("period", periodSel.value);
    if (unitSel.value) q.set("unit", unitSel.value);
    return q;
  }

  function exportLinks(path, q, stem) {
    const link = (format) => {
      const e = new URLSearchParams(q);
      e.set("format", format);
      e.set("lang", lang());
      return h("a", { class: "btn btn-sm", href: `${path}${path.includes("?") ? "&" : "?"}${e}`, download: `${stem}.${format}`, "data-export": format }, format.toUpperCase());
    };
    return h("p", { class: "export-links" }, t("download"), " ", link("csv"), " ", link("xlsx"));
  }

  /** Loads one report into its box; an answer overtaken by a newer choice is dropped. */
  async function show(box, path, draw) {
    const mine = generation;
    replace(box, h("p", { class: "muted" }, t("loading")));
    try {
      const data = await api(path);
      if (mine !== generation) return;
      draw(data);
    } catch (e) {
      if (mine === generation) replace(box, errorState(e));
    }
  }

  function reload() {
    custom.hidden = periodSel.value !== "custom";
    const q = query();
    generation += 1;
    if (!q) {
      periodLabel.textContent = t("period_pick_days");
      return;
    }
    const unitQ = unitSel.value ? `&unit=${encodeURIComponent(unitSel.value)}` : "";

    show(boxes.open, `/api/incidents/count?status=open${unitQ}`, async (count) => {
      const fc = await loadBoundaries();
      const values = {};
      for (const r of count.by_unit || []) if (r.unit_code) values[r.unit_code] = r.count;
      const names = Object.fromEntries(session.unitList.map((u) => [u.code, u.full_name]));
      const top = (count.by_unit || []).slice().sort((a, b) => b.count - a.count).slice(0, 10);
      replace(
        boxes.open,
        h("p", { "data-testid": "stats-open-total" }, t("stats_open_total", { n: num(count.total) })),
        choropleth(fc, values, { title: t("stats_open_load"), names, width: 520 }),
        dataTable(t("stats_open_load"), [t("unit"), t("incidents")], top.map((r) => [r.unit_code ? unitName(r.unit_code) : t("unit_unknown"), r.count])),
      );
    });

    show(boxes.day, `/api/stats/incidents/series?granularity=day&${q}`, (series) => {
      periodLabel.textContent = (lang() === "en" ? series.period?.label_en : series.period?.label) || "";
      const { labels, totals } = pastBuckets(series);
      if (!labels.length) return replace(boxes.day, emptyState(t("no_data")));
      replace(boxes.day, lineChart(labels, [{ name: t("incidents"), values: totals }], { title: t("stats_by_day") }), legend(t("incidents_per_day")), exportLinks("/api/stats/incidents/series", new URLSearchParams([...q, ["granularity", "day"]]), "incidents-by-day"));
    });

    cityButton.hidden = !unitSel.value || !isCityUser();
    for (const [by, box, name] of [
      ["unit", boxes.unit, (k) => unitName(k.unit) || t("unit_unknown")],
      // A crime is counted under its sub-type.
      ["kind", boxes.kind, (k) => (codes("kind").includes(k.category) ? label("kind", k.category) : label("crime_subtype", k.category))],
    ]) {
      show(box, `/api/stats/incidents?by=${by}&${q}`, (report) => {
        const rows = report.rows
          .map((r) => ({ code: r.key?.unit, label: name(r.key || {}), value: Number(r.count?.current ?? 0), previous: Number(r.count?.previous ?? 0), pct: r.count?.pct }))
          .filter((r) => r.value || r.previous)
          .sort((a, b) => b.value - a.value || b.previous - a.previous);
        const shown = rows.slice(0, 15);
        const exports = exportLinks("/api/stats/incidents", new URLSearchParams([...q, ["by", by]]), `incidents-by-${by}`);
        if (!rows.length) return replace(box, emptyState(t("no_data")), exports);
        replace(
          box,
          h("p", {}, t("stats_total_change", { n: num(report.total?.current), prev: num(report.total?.previous), pct: pct(report.total?.pct) })),
          barChart(shown, { title: t(by === "unit" ? "stats_by_unit" : "stats_by_kind") }),
          legend(t("this_period"), t("same_period_last_year")),
          rows.length > shown.length ? h("p", { class: "muted" }, t("shown_of", { n: shown.length, total: rows.length })) : null,
          by === "unit" && isCityUser() && !unitSel.value ? drillTable(rows) : null,
          exports,
        );
      });
    }

    show(boxes.crimes, `/api/stats/crimes?by=group&${q}`, (report) => {
      const row = (r) => [r.group_label || t("total"), num(r.current.recorded), num(r.current.cleared), pct(r.current.rate_pct), num(r.previous.recorded), pct(r.previous.rate_pct)];
      const total = report.total;
      replace(
        boxes.crimes,
        h(
          "p",
          { "data-testid": "stats-clearance" },
          t("stats_clearance", { rate: pct(total.current.rate_pct), cleared: num(total.current.cleared), recorded: num(total.current.recorded), target: report.targets?.ttxh_pct }),
        ),
        h("p", {}, t("stats_serious_clearance", { rate: pct(total.current.serious_rate_pct), target: report.targets?.serious_pct })),
        visibleTable(t("stats_crimes"), [t("crime_group"), t("recorded"), t("cleared"), t("clearance_rate"), t("recorded_last_year"), t("rate_last_year")], [...report.rows.map(row), row(total)]),
        exportLinks("/api/stats/crimes", new URLSearchParams([...q, ["by", "group"]]), "crimes"),
        h("p", {}, h("a", { href: "/stats/crime-report", "data-nav": true, id: "stats-crime-report" }, t("pr_title_link"))),
      );
    });

    show(boxes.response, `/api/stats/response-times?by=priority&${q}`, (report) => {
      const rows = report.rows;
      const exports = exportLinks("/api/stats/response-times", new URLSearchParams([...q, ["by", "priority"]]), "response-times");
      if (!rows.length) return replace(boxes.response, emptyState(t("no_data")), exports);
      replace(
        boxes.response,
        h("p", { class: "muted" }, report.stage_label || ""),
        visibleTable(
          t("stats_response"),
          [t("priority"), t("incidents"), t("median"), t("p90"), t("within_target")],
          rows.map((r) => [r.priority != null ? `P${r.priority} · ${label("priority", r.priority)}` : t("total"), num(r.count), secs(r.p50), secs(r.p90), pct(r.within_target_pct)]),
        ),
        exports,
      );
    });

    show(boxes.fires, `/api/stats/fires?${q}`, (report) => {
      const rows = report.rows;
      replace(
        boxes.fires,
        visibleTable(
          t("stats_fires"),
          ["", t("incidents"), t("deaths"), t("injured"), t("rescued"), t("damage_vnd"), t("same_period_last_year"), t("false_alarms_apart")],
          rows.map((r) => [r.label, num(r.current.count), num(r.current.deaths), num(r.current.injured), num(r.current.rescued), num(r.current.damage_vnd), num(r.previous.count), num(r.current.false_alarms)]),
        ),
        h("p", { class: "muted" }, t("fires_confirmed_only")),
        causeLine("fire_causes", report.causes),
        causeLine("fire_premises_line", report.premises),
        report.units.length
          ? visibleTable(
              t("fires_by_unit"),
              [t("unit"), "", t("incidents"), t("deaths"), t("injured"), t("rescued"), t("damage_vnd"), t("false_alarms_apart")],
              report.units.map((u) => [u.unit_name || u.unit_code, u.label, num(u.figures.count), num(u.figures.deaths), num(u.figures.injured), num(u.figures.rescued), num(u.figures.damage_vnd), num(u.figures.false_alarms)]),
            )
          : null,
        exportLinks("/api/stats/fires", q, "fires"),
      );
    });

    show(boxes.falseAlarms, `/api/stats/false-alarms?${q}`, (report) => {
      const rate = (r) => (r == null ? "—" : r.toLocaleString(lang() === "en" ? "en" : "vi", { maximumFractionDigits: 1 }));
      const worst = report.facilities.slice(0, 10);
      replace(
        boxes.falseAlarms,
        h("p", { class: "false-alarm-rate" }, t("false_alarm_rate", { n: num(report.false_alarms), devices: num(report.devices), rate: rate(report.rate_per_100_devices_month) })),
        worst.length
          ? visibleTable(
              t("false_alarm_worst_facilities", { shown: worst.length, total: report.facilities.length }),
              [t("facility"), t("unit"), t("false_alarms"), t("devices"), t("false_alarm_rate_short")],
              worst.map((f) => [f.name, unitName(f.unit_code), num(f.false_alarms), num(f.devices), rate(f.rate_per_100_devices_month)]),
            )
          : emptyState(t("no_data")),
        report.worst_devices.length
          ? visibleTable(
              t("false_alarm_worst_devices", { shown: report.worst_devices.length, total: report.devices_with_false_alarms }),
              [t("device"), t("facility"), t("false_alarms")],
              report.worst_devices.map((d) => [d.account, d.facility_name, num(d.false_alarms)]),
            )
          : null,
        causeLine("false_alarm_causes", report.causes),
        exportLinks("/api/stats/false-alarms", q, "false-alarms"),
      );
    });
  }

  /** Every unit of the by-unit report, each opening the page for that unit alone. */
  function drillTable(rows) {
    const body = rows.map((r) =>
      h(
        "tr",
        { dataset: { unit: r.code || "" } },
        h("td", {}, r.code ? h("button", { type: "button", class: "link-button", on: { click: () => drill(r.code) } }, r.label) : r.label),
        h("td", {}, num(r.value)),
        h("td", {}, num(r.previous)),
        h("td", {}, pct(r.pct)),
      ),
    );
    return h(
      "details",
      { class: "mini", id: "stats-all-units" },
      h("summary", {}, t("stats_all_units", { n: rows.length })),
      h(
        "table",
        { class: "table stats-table" },
        h("thead", {}, h("tr", {}, [t("unit"), t("this_period"), t("same_period_last_year"), t("change")].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, body),
      ),
    );
  }

  /** Shows the page for one unit (the unit select follows). */
  function drill(code) {
    unitSel.value = code;
    reload();
    main.querySelector("h1")?.scrollIntoView();
  }

  cityButton.addEventListener("click", () => {
    unitSel.value = "";
    reload();
  });
  periodSel.addEventListener("change", reload);
  from.addEventListener("change", reload);
  to.addEventListener("change", reload);
  unitSel.addEventListener("change", reload);
  reload();

  return () => {
    generation += 1;
  };
}

/** "Causes: a 3; b 1", from the server's counts by cause; nothing when there are none. */
function causeLine(key, causes) {
  if (!causes.length) return null;
  const text = causes.map((c) => `${lang() === "en" ? c.label_en : c.label} ${num(c.count)}`).join("; ");
  return h("p", { class: "causes", dataset: { causes: key } }, `${t(key)}: ${text}`);
}

/** A table shown on the page (the charts' tables are for screen readers only). */
function visibleTable(caption, head, rows) {
  const table = dataTable(caption, head, rows);
  table.className = "table stats-table";
  return table;
}
