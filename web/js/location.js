// Location lookups shared by intake and the incident page: the unit at a clicked point, the
// resolver's candidates for a typed address, why each candidate, and the chips a person picks
// a unit from. One reading of the server's answers, so every screen says the same thing.

import { api } from "./api.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { unitName } from "./session.js";

/** Why a candidate unit, in words: the labels of its evidence, or the stored reason. */
export function whyUnit(m) {
  if (m.why) return m.why;
  return [...new Set((m.evidence || []).map((e) => e.label))].join("; ");
}

/**
 * The unit at a point: `{code, note, tone, nearBoundary, distance}` where `tone` is "" (sure),
 * "warn" (near a boundary, snapped) or "outside".
 */
export async function unitAtPoint(lat, lon) {
  const res = await api(`/api/jurisdiction?lat=${lat}&lon=${lon}`);
  const r = res.result || {};
  const code = r.code ?? null;
  const out = { code, note: null, tone: "", nearBoundary: !!r.near_boundary, distance: (r.status === "snapped" ? r.distance_m : r.boundary_distance_m) ?? null };
  if (r.status === "outside" || !code) Object.assign(out, { code: null, note: t("unit_outside"), tone: "outside" });
  else if (r.status === "snapped") Object.assign(out, { note: t("snapped"), tone: "warn" });
  else if (r.near_boundary) Object.assign(out, { note: t("near_boundary", { other: r.neighbour_code ? unitName(r.neighbour_code) : t("unit_outside") }), tone: "warn" });
  return out;
}

/** The resolver's answer for a typed address: `{matches, ambiguous, point, total}`. */
export async function resolveAddress(text, signal) {
  const res = await api(`/api/jurisdiction?address=${encodeURIComponent(text)}`, { signal });
  const matches = res.matches || [];
  return { matches, ambiguous: !!res.ambiguous, point: res.point || null, total: res.total ?? matches.length };
}

/**
 * Chips for `matches` under `heading`, each calling `onPick(match)`; `null` when none. With
 * `total`, the units that fit but are not shown are counted after the chips.
 */
export function candidateChips(matches, heading, onPick, total = matches.length) {
  if (!matches.length) return null;
  const more = total - matches.length;
  return [
    h("span", {}, heading),
    matches.map((m) =>
      h(
        "button",
        { type: "button", class: "btn-chip", title: whyUnit(m), dataset: { unit: m.code }, on: { click: () => onPick(m) } },
        unitName(m.code) || m.full_name || m.code,
        h("small", {}, ` · ${whyUnit(m)}`),
      ),
    ),
    more > 0 ? h("small", { class: "muted more-candidates" }, t("more_candidates", { n: more })) : null,
  ];
}
