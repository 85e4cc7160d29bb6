// The devices board (facilities and their alarm transmission devices with online, offline or
// trouble status and last heartbeat, filtered by unit) and one facility's page.

import { api, list } from "../api.js";
import { h, replace } from "../dom.js";
import { t, label, lang } from "../i18n.js";
import { age, dateTime } from "../time.js";
import { session, isCityUser, unitName } from "../session.js";
import { onChange } from "../feed.js";
import { normDevice, normFacility, normIncident } from "../model.js";
import { errorState, emptyState, section, statusChip } from "./common.js";
import { facilityCard } from "./incident.js";

function deviceChip(status) {
  return h("span", { class: `chip dev-${status || "unknown"}` }, label("device_status", status || "unknown"));
}

/** The risk of a device that may send unencrypted messages, said where it is listed. */
function plainRisk(d) {
  return d?.plain ? h("span", { class: "chip plain-risk", role: "note", title: t("plain_risk") }, "⚠ ", t("plain_label"), h("span", { class: "small" }, ": ", t("plain_risk"))) : null;
}

function heartbeat(ms) {
  return Number.isFinite(ms) ? h("time", { datetime: new Date(ms).toISOString(), title: dateTime(ms) }, t("ago", { t: age(Date.now() - ms, lang()) })) : t("never");
}

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
  const statusSel = h("select", { id: "dev-status" }, h("option", { value: "" }, t("all")), ["online", "offline", "trouble"].map((s) => h("option", { value: s }, label("device_status", s))));
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

  async function load() {
    const q = new URLSearchParams();
    if (unit) q.set("unit", unit);
    const dq = new URLSearchParams(q);
    if (status) dq.set("status", status);
    let facilities = [];
    let devices = [];
    let failure = null;
    try {
      facilities = list(await api(`/api/facilities?${q}`), "facilities").map(normFacility);
    } catch (e) {
      failure = e;
    }
    try {
      devices = list(await api(`/api/devices?${dq}`), "devices").map(normDevice);
    } catch (e) {
      failure = failure || e;
    }
    if (failure && !facilities.length && !devices.length) {
      replace(summary);
      replace(body, errorState(failure));
      return;
    }
    const byFacility = new Map();
    for (const d of devices) {
      const key = String(d.facilityId ?? "");
      if (!byFacility.has(key)) byFacility.set(key, []);
      byFacility.get(key).push(d);
    }
    const counts = { online: 0, offline: 0, trouble: 0 };
    for (const d of devices) if (d.status in counts) counts[d.status] += 1;
    replace(summary, ["online", "offline", "trouble"].map((s) => h("span", { class: `sum dev-${s}` }, `${label("device_status", s)}: ${counts[s]}`)));
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
    replace(
      body,
      h(
        "table",
        { class: "table", id: "devices-table" },
        h("thead", {}, h("tr", {}, [t("facility"), t("unit"), t("device"), t("status"), t("last_heartbeat")].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, rows),
      ),
    );
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
    replace(
      root,
      h("a", { href: "/devices", "data-nav": true, class: "back" }, "← ", t("nav_devices")),
      h("h1", {}, f.name),
      h("div", { class: "facility-grid" }, facilityCard(f), h("div", {}, section(t("devices"), devicesBox), section(t("signals"), signalsBox), section(t("incidents"), incidentsBox))),
    );
    // A list that failed to load says so; only a list that loaded empty says "no data".
    const load = (path, key, norm = (x) => x) => api(path).then((d) => list(d, key).map(norm), (e) => e);
    const show = (box, items, draw) => replace(box, items instanceof Error ? errorState(items) : items.length ? draw(items) : emptyState(t("no_data")));
    const fid = encodeURIComponent(id);
    const devs = f.devices.length ? f.devices.map(normDevice) : await load(`/api/devices?facility_id=${fid}`, "devices", normDevice);
    if (!alive) return;
    show(devicesBox, devs, (ds) => h("ul", { class: "plain" }, ds.map((d) => h("li", {}, h("strong", {}, d.name || d.account), " ", deviceChip(d.status), " · ", t("last_heartbeat"), ": ", heartbeat(d.lastSeen), d.plain ? h("div", {}, plainRisk(d)) : null))));
    const signals = await load(`/api/facilities/${fid}/signals`, "signals");
    if (!alive) return;
    show(signalsBox, signals, (ss) => h("ol", { class: "timeline" }, ss.slice(0, 50).map((s) => h("li", {}, h("time", {}, dateTime(s.received_at ?? s.at)), h("span", { class: "tl-text" }, [s.code, s.event, s.category && label("kind", s.category), s.zone && `vùng ${s.zone}`].filter(Boolean).join(" · "))))));
    const incs = await load(`/api/incidents?facility=${fid}`, "incidents", normIncident);
    if (!alive) return;
    show(incidentsBox, incs, (is) => h("ul", { class: "plain" }, is.map((i) => h("li", {}, h("a", { href: `/incidents/${i.id}`, "data-nav": true }, `${i.number} · ${label("kind", i.kind)}`), " ", statusChip(i.status), " ", dateTime(i.received)))));
  })();
  return () => {
    alive = false;
  };
}
