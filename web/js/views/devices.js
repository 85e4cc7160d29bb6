// The devices board (facilities and their alarm transmission devices with online, offline or
// trouble status and last heartbeat, filtered by unit) and one facility's page.

import { api } from "../api.js";
import { h, replace, toast } from "../dom.js";
import { t, label, lang } from "../i18n.js";
import { age, dateTime } from "../time.js";
import { session, isCityUser, unitName, canAct } from "../session.js";
import { onChange } from "../feed.js";
import { normDevice, normFacility, normIncident } from "../model.js";
import { errorState, emptyState, section, statusChip } from "./common.js";
import { facilityCard, waterSection } from "./incident.js";

/** Signals a facility page lists, newest first. */
const SIGNALS_SHOWN = 50;

/** A signal as a line: its code, what it means (in Vietnamese the receiver's own words), the
 * kind of signal and the zone. */
function signalText(s) {
  const meaning = lang() === "vi" ? s.meaning : null;
  return [s.code, meaning, s.category && label("signal_category", s.category), s.zone && `${t("zone")} ${s.zone}`].filter(Boolean).join(" · ");
}

function deviceChip(status) {
  return h("span", { class: `chip dev-${status || "unknown"}` }, label("device_status", status || "unknown"));
}

/** The risk of a device that may send unencrypted messages, said where it is listed. */
function plainRisk(d) {
  if (!d?.plain) return null;
  // A device pinned to its sources is narrowed, not safe: say where it is heard from.
  if (d.plainSources.length) {
    const where = t("plain_pinned", { list: d.plainSources.join(", ") });
    return h("span", { class: "chip plain-pinned", role: "note", title: where }, t("plain_label"), h("span", { class: "small" }, ": ", where));
  }
  return h("span", { class: "chip plain-risk", role: "note", title: t("plain_risk") }, "⚠ ", t("plain_label"), h("span", { class: "small" }, ": ", t("plain_risk")));
}

function heartbeat(ms) {
  return Number.isFinite(ms) ? h("time", { datetime: new Date(ms).toISOString(), title: dateTime(ms) }, t("ago", { t: age(Date.now() - ms, lang()) })) : t("never");
}

/** The device statuses the server keeps, in the board's order. */
const STATUSES = ["online", "offline", "new"];

/** Devices loaded per page of the board. */
const PAGE = 500;

/** Draws the devices board. */
export function renderDevices(main, _params, ctx) {
  let unit = isCityUser() ? document.getElementById("unit-select").value || "" : session.me.unit_code;
  ctx.refreshUnitSelect(unit);
  let status = "";
  const unitSel = h(
    "select",
    { id: "dev-unit", disabled: !isCityUser() },
    isCityUser() ? h("option", { value: "" }, t("all_units")) : null,
    session.unitList.filter((u) => isCityUser() || u.code === unit).map((u) => h("option", { value: u.code }, u.full_name)),
  );
  unitSel.value = unit;
  const statusSel = h("select", { id: "dev-status" }, h("option", { value: "" }, t("all")), STATUSES.map((s) => h("option", { value: s }, label("device_status", s))));
  const summary = h("div", { class: "dev-summary", "aria-live": "polite" });
  const body = h("div", { class: "dev-body" }, h("p", { class: "muted" }, t("loading")));
  replace(
    main,
    h(
      "div",
      { class: "devices page" },
      h("h1", {}, t("devices_title")),
      h("div", { class: "filters" }, h("label", { for: "dev-unit" }, t("unit")), unitSel, h("label", { for: "dev-status" }, t("device_status_filter")), statusSel),
      summary,
      body,
    ),
  );
  unitSel.addEventListener("change", () => {
    unit = unitSel.value;
    load();
  });
  statusSel.addEventListener("change", () => {
    status = statusSel.value;
    load();
  });

  // Pages of devices loaded so far; the totals always come from the server.
  let devices = [];
  let totals = null;

  async function load() {
    devices = [];
    totals = null;
    const q = new URLSearchParams();
    if (unit) q.set("unit", unit);
    let facilities = [];
    let failure = null;
    try {
      facilities = (await api(`/api/facilities?${q}`)).map(normFacility);
    } catch (e) {
      failure = e;
    }
    try {
      totals = await api(`/api/devices/summary?${q}`);
      devices = await page(null);
    } catch (e) {
      failure = failure || e;
    }
    if (failure && !facilities.length && !devices.length) {
      replace(summary);
      replace(body, errorState(failure));
      return;
    }
    draw(facilities);
  }

  /** The next page of devices after `afterId`. */
  async function page(afterId) {
    const dq = new URLSearchParams({ limit: String(PAGE) });
    if (unit) dq.set("unit", unit);
    if (status) dq.set("status", status);
    if (afterId != null) dq.set("after_id", String(afterId));
    return (await api(`/api/devices?${dq}`)).map(normDevice);
  }

  function draw(facilities) {
    const byFacility = new Map();
    for (const d of devices) {
      const key = String(d.facilityId ?? "");
      if (!byFacility.has(key)) byFacility.set(key, []);
      byFacility.get(key).push(d);
    }
    // Totals from the server: every device, not only the pages loaded.
    const total = totals ? (status ? totals[status] ?? 0 : totals.total) : null;
    replace(
      summary,
      totals ? [h("span", { class: "sum dev-total" }, `${t("devices")}: ${totals.total}`), STATUSES.map((s) => h("span", { class: `sum dev-${s}` }, `${label("device_status", s)}: ${totals[s] ?? 0}`))] : null,
    );
    const facilityById = new Map(facilities.map((f) => [String(f.id), f]));
    const rows = [];
    const seen = new Set();
    for (const d of devices) {
      const f = facilityById.get(String(d.facilityId));
      seen.add(String(d.facilityId));
      rows.push(deviceRow(d, f));
    }
    if (!status) for (const f of facilities) if (!seen.has(String(f.id))) rows.push(deviceRow(null, f));
    if (!rows.length) return replace(body, emptyState(t("no_data")));
    // A list that shows part of the set says so, and loads the next page on request.
    const partial = total != null && devices.length < total;
    const more = partial
      ? h("p", { class: "dev-shown muted", role: "status" }, t("devices_shown", { n: devices.length, total }), " ", h("button", { type: "button", class: "btn", id: "dev-more", on: { click: () => loadMore(facilities) } }, t("show_more")))
      : null;
    replace(
      body,
      h(
        "table",
        { class: "table", id: "devices-table" },
        h("thead", {}, h("tr", {}, [t("facility"), t("unit"), t("device"), t("status"), t("last_heartbeat")].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, rows),
      ),
      more,
    );
  }

  async function loadMore(facilities) {
    const last = devices[devices.length - 1];
    try {
      devices = devices.concat(await page(last ? last.raw.id : null));
    } catch (e) {
      return replace(body, errorState(e));
    }
    draw(facilities);
  }

  function deviceRow(d, f) {
    const facilityId = f?.id ?? d?.facilityId;
    return h(
      "tr",
      { class: d ? `dev-row dev-${d.status}` : "dev-row" },
      h("td", {}, facilityId != null ? h("a", { href: `/facilities/${facilityId}`, "data-nav": true }, f?.name ?? d?.facilityName ?? `#${facilityId}`) : "—", f?.address ? h("div", { class: "muted small" }, f.address) : null),
      h("td", {}, unitName(f?.unit ?? d?.unit)),
      h("td", {}, d ? d.name || d.account : "—", d?.plain ? h("div", {}, plainRisk(d)) : null),
      h("td", {}, d ? deviceChip(d.status) : deviceChip(f?.status)),
      h("td", {}, d ? heartbeat(d.lastSeen) : "—"),
    );
  }

  const off = onChange((c) => {
    if (c.kind === "resync" || c.kind.startsWith("device.") || c.kind.startsWith("facility.")) load();
  });
  load();
  return () => off();
}

/** Minutes a device is put on test from the facility page. */
const TEST_MINUTES = 60;

/**
 * Whether a device is on test and, for those who act, the button that starts or ends it. On
 * test, its alarms still open incidents; only the building's people are not told.
 */
function testControl(d, changed) {
  const onTest = d.testUntil != null && d.testUntil > Date.now();
  const state = onTest ? h("span", { class: "warn-text dev-test" }, " · ", t("device_on_test", { time: dateTime(d.raw.test_until) })) : null;
  if (!canAct()) return state;
  const button = h(
    "button",
    {
      type: "button",
      class: "small",
      "data-testid": `device-test-${d.id}`,
      on: { click: async () => {
        button.disabled = true;
        try {
          await api(`/api/devices/${encodeURIComponent(d.id)}/test`, { method: "POST", body: { minutes: onTest ? 0 : TEST_MINUTES } });
          toast(t(onTest ? "device_test_ended" : "device_test_started", { n: TEST_MINUTES }), "ok");
          changed();
        } catch (e) {
          toast(e.message, "error");
        } finally {
          button.disabled = false;
        }
      } },
    },
    onTest ? t("device_test_end") : t("device_test_start", { n: TEST_MINUTES }),
  );
  return h("div", { class: "dev-test-box" }, state, " ", button);
}

/** Draws one facility: its pre-plan, devices, recent signals and incidents. */
export function renderFacility(main, { id }, ctx) {
  const root = h("div", { class: "facility page" }, h("p", { class: "muted" }, t("loading")));
  replace(main, root);
  let alive = true;
  (async () => {
    let f;
    try {
      f = normFacility(await api(`/api/facilities/${encodeURIComponent(id)}`));
    } catch (e) {
      if (alive) replace(root, h("a", { href: "/devices", "data-nav": true, class: "back" }, "← ", t("nav_devices")), errorState(e));
      return;
    }
    if (!alive) return;
    ctx.refreshUnitSelect(f.unit || "");
    const devicesBox = h("div", {}, h("p", { class: "muted" }, t("loading")));
    const signalsBox = h("div", {}, h("p", { class: "muted" }, t("loading")));
    const incidentsBox = h("div", {}, h("p", { class: "muted" }, t("loading")));
    const waterBox = h("div", { id: "facility-water" });
    replace(
      root,
      h("a", { href: "/devices", "data-nav": true, class: "back" }, "← ", t("nav_devices")),
      h("h1", {}, f.name),
      h("div", { class: "facility-grid" }, h("div", {}, facilityCard(f), waterBox), h("div", {}, section(t("devices"), devicesBox), section(t("signals"), signalsBox), section(t("incidents"), incidentsBox))),
    );
    api(`/api/facilities/${encodeURIComponent(id)}/pre-plan`).then(
      (card) => alive && replace(waterBox, waterSection(card)),
      (e) => alive && replace(waterBox, section(t("water_nearest"), errorState(e))),
    );
    // A list that failed to load says so; only a list that loaded empty says "no data".
    const load = (path, norm = (x) => x) => api(path).then((d) => d.map(norm), (e) => e);
    const show = (box, items, draw) => replace(box, items instanceof Error ? errorState(items) : items.length ? draw(items) : emptyState(t("no_data")));
    const fid = encodeURIComponent(id);
    const drawDevices = async () => {
      const devs = await load(`/api/devices?facility_id=${fid}`, normDevice);
      if (!alive) return;
      show(devicesBox, devs, (ds) => h("ul", { class: "plain" }, ds.map((d) => h("li", {}, h("strong", {}, d.name || d.account), " ", deviceChip(d.status), " · ", t("last_heartbeat"), ": ", heartbeat(d.lastSeen), d.plain ? h("div", {}, plainRisk(d)) : null, testControl(d, drawDevices)))));
    };
    await drawDevices();
    if (!alive) return;
    const signals = await load(`/api/facilities/${fid}/signals`);
    if (!alive) return;
    show(signalsBox, signals, (ss) =>
      h(
        "div",
        {},
        ss.length > SIGNALS_SHOWN ? h("p", { class: "muted", "data-testid": "signals-partial" }, t("signals_partial", { n: SIGNALS_SHOWN })) : null,
        h("ol", { class: "timeline" }, ss.slice(0, SIGNALS_SHOWN).map((s) => h("li", {}, h("time", {}, dateTime(s.received_at)), h("span", { class: "tl-text" }, signalText(s))))),
      ),
    );
    const incs = await load(`/api/incidents?facility=${fid}`, normIncident);
    if (!alive) return;
    show(incidentsBox, incs, (is) => h("ul", { class: "plain" }, is.map((i) => h("li", {}, h("a", { href: `/incidents/${i.id}`, "data-nav": true }, `${i.number} · ${label("kind", i.kind)}`), " ", statusChip(i.status), " ", dateTime(i.received)))));
  })();
  return () => {
    alive = false;
  };
}
