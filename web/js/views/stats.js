// The statistics page: charts over the `/api/stats/…` reports (bars by unit and by type with
// the same period of last year, a daily line, a choropleth of the units), and the live load
// of open incidents per unit, which the queue alone can give.

import { api, apiOr, list } from "../api.js";
import { h, replace } from "../dom.js";
import { t, label } from "../i18n.js";
import { session, loadBoundaries, isCityUser, unitName } from "../session.js";
import { normIncident, isOpen } from "../model.js";
import { barChart, lineChart, choropleth, dataTable } from "../charts.js";
import { emptyState, errorState, section } from "./common.js";

/** The code of a report row's key, whatever its shape (`"00004"`, `{unit: "00004"}`, …). */
function keyOf(key) {
  if (key == null) return "";
  if (typeof key !== "object") return String(key);
  const v = Object.values(key)[0];
  return v == null ? "" : String(v);
}

function rowsOf(report) {
  return list(report, "rows").map((r) => ({
    key: keyOf(r.key ?? r.unit_code ?? r.kind ?? r.code),
    value: Number(r.count?.current ?? r.count ?? r.value ?? 0),
    previous: r.count?.previous != null ? Number(r.count.previous) : null,
  }));
}

/** Draws the statistics page. */
export function renderStats(main, _params, ctx) {
  const unit = isCityUser() ? "" : session.me.unit_code;
  ctx.refreshUnitSelect(unit);
  const loadBox = h("div", { id: "stats-load" }, h("p", { class: "muted" }, t("loading")));
  const byUnit = h("div", {}, h("p", { class: "muted" }, t("loading")));
  const byKind = h("div", {}, h("p", { class: "muted" }, t("loading")));
  const byDay = h("div", {}, h("p", { class: "muted" }, t("loading")));
  replace(
    main,
    h(
      "div",
      { class: "stats page" },
      h("h1", {}, t("stats_title")),
      h("div", { class: "stats-grid" }, section(t("stats_open_load"), loadBox), section(t("stats_by_day"), byDay), section(t("stats_by_unit"), byUnit), section(t("stats_by_kind"), byKind)),
    ),
  );
  let alive = true;
  const q = unit ? `&unit=${encodeURIComponent(unit)}` : "";

  (async () => {
    try {
      const [fc, data] = await Promise.all([loadBoundaries(), api(`/api/incidents?status=open${q}`)]);
      if (!alive) return;
      const counts = {};
      for (const inc of list(data, "incidents").map(normIncident)) if (inc && isOpen(inc.status) && inc.unit) counts[inc.unit] = (counts[inc.unit] || 0) + 1;
      const names = Object.fromEntries(session.unitList.map((u) => [u.code, u.full_name]));
      const top = Object.entries(counts).sort((a, b) => b[1] - a[1]).slice(0, 10);
      replace(
        loadBox,
        choropleth(fc, counts, { title: t("stats_open_load"), names, width: 520 }),
        dataTable(t("stats_open_load"), [t("unit"), t("incidents")], top.map(([c, n]) => [unitName(c), n])),
      );
    } catch (e) {
      if (alive) replace(loadBox, errorState(e));
    }
  })();

  apiOr(`/api/stats/incidents?by=unit${q}`, null)
    .then((report) => {
      if (!alive) return;
      if (!report) return replace(byUnit, emptyState(t("no_data")));
      const rows = rowsOf(report).sort((a, b) => b.value - a.value).slice(0, 15);
      if (!rows.length) return replace(byUnit, emptyState(t("no_data")));
      replace(byUnit, barChart(rows.map((r) => ({ ...r, label: unitName(r.key) })), { title: t("stats_by_unit") }));
    })
    .catch((e) => alive && replace(byUnit, errorState(e)));

  apiOr(`/api/stats/incidents?by=kind${q}`, null)
    .then((report) => {
      if (!alive) return;
      if (!report) return replace(byKind, emptyState(t("no_data")));
      const rows = rowsOf(report).sort((a, b) => b.value - a.value);
      if (!rows.length) return replace(byKind, emptyState(t("no_data")));
      replace(byKind, barChart(rows.map((r) => ({ ...r, label: label("kind", r.key) })), { title: t("stats_by_kind") }));
    })
    .catch((e) => alive && replace(byKind, errorState(e)));

  apiOr(`/api/stats/incidents/series?granularity=day${q}`, null)
    .then((series) => {
      if (!alive) return;
      if (!series || !Array.isArray(series.counts) || !series.counts.length) return replace(byDay, emptyState(t("no_data")));
      const labels = (series.buckets || []).map((b) => String(b.start ?? b.from ?? b).slice(5, 10));
      const lines = (series.keys || [""]).map((k, i) => ({ name: keyOf(k), values: series.counts.map((row) => Number(Array.isArray(row) ? row[i] ?? 0 : row)) }));
      replace(byDay, lineChart(labels, lines, { title: t("stats_by_day") }));
    })
    .catch((e) => alive && replace(byDay, errorState(e)));

  return () => {
    alive = false;
  };
}
