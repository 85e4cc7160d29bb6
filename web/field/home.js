// The incident list: first and highlighted, the incident the officer's resource is dispatched
// to; then the open incidents of its unit (a city force such as a fire engine sees only the
// incidents it is sent to). Above them the resource, its status and the position sharing; below,
// within reach of the thumb, the resource's next step.

import { h, replace, debounce } from "/js/dom.js";
import { label, lang } from "/js/i18n.js";
import { errorText } from "/js/errors.js";
import { shortTime, age, toMs } from "/js/time.js";
import { queueOrder } from "/js/model.js";
import { t } from "./texts.js";
import { read } from "./net.js";
import { duty, onDuty, currentStatus, statusPending, statusText } from "./duty.js";
import { onTracking, reportInterval } from "./position.js";
import { drawSteps } from "./actions.js";

/** One incident as a card of the list. */
function incidentCard(inc, { mine = false } = {}) {
  const received = toMs(inc.received_at);
  return h(
    "a",
    { class: `incident-card p${inc.priority}${mine ? " mine" : ""}`, href: `/field/incidents/${inc.id}`, "data-nav": true, "data-id": inc.id },
    h(
      "div",
      { class: "card-top" },
      h("span", { class: `prio p${inc.priority}` }, `P${inc.priority}`),
      h("strong", {}, label("kind", inc.kind)),
      h("span", { class: "status" }, label("status", inc.status)),
    ),
    h("div", { class: "addr" }, inc.address || inc.number),
    h("small", {}, `${inc.number} · ${shortTime(received)} · ${age(Date.now() - received, lang())}`),
  );
}

/** Draws the list screen. */
export function renderHome(main, ctx) {
  const dutyBox = h("section", { class: "card", id: "duty" });
  const mineBox = h("section", { id: "mine" });
  const listBox = h("section", { id: "incidents" }, h("p", { class: "muted" }, t("loading")));
  const dock = h("nav", { class: "dock", id: "dock" });
  const nav = h(
    "nav",
    { class: "links" },
    h("a", { class: "btn btn-ghost", href: "/field/shift", "data-nav": true }, t("shift_change")),
    h("a", { class: "btn btn-ghost", href: "/field/settings", "data-nav": true }, t("settings")),
  );
  replace(main, dutyBox, mineBox, listBox, nav, dock);
  let assigned = null;
  let trackingState = { state: "off" };

  const drawDuty = () => {
    const r = duty.resource;
    const toggle = h("input", { type: "checkbox", id: "tracking", checked: ctx.trackingWanted(), on: { change: (e) => ctx.setTracking(e.target.checked) } });
    const fix = trackingState.fix;
    const where = {
      on: fix ? t("tracking_last", { time: shortTime(fix.timestamp), m: Math.round(fix.coords.accuracy) }) : t("tracking_on", { n: reportInterval() }),
      waiting: t("tracking_on", { n: reportInterval() }),
      denied: t("tracking_denied"),
      unavailable: t("tracking_unavailable"),
      off: t("tracking_off"),
    }[trackingState.state];
    replace(
      dutyBox,
      h(
        "div",
        { class: "duty-line" },
        h("strong", { class: "call-sign" }, r.call_sign),
        h("span", { class: `rstatus rs-${currentStatus()}`, id: "my-status" }, statusText(), statusPending() ? ` (${t("pending")})` : ""),
      ),
      h("label", { class: "switch" }, toggle, h("span", {}, t("tracking"))),
      h("small", { id: "tracking-state", class: trackingState.state === "denied" ? "warn" : "muted" }, where),
    );
  };

  const drawMine = () => {
    const r = duty.resource;
    replace(
      mineBox,
      h("h2", {}, t("my_dispatch", { call: r.call_sign })),
      assigned ? incidentCard(assigned, { mine: true }) : h("p", { class: "muted", id: "no-dispatch" }, t("no_dispatch", { call: r.call_sign })),
    );
    drawSteps(dock, assigned);
  };

  const load = async () => {
    const r = duty.resource;
    const unit = r.unit_code;
    try {
      const { data, cachedAt } = await read(unit ? `/api/incidents?status=open&unit=${encodeURIComponent(unit)}` : "/api/incidents?status=open");
      ctx.showDataAge(cachedAt);
      let list = data;
      if (!unit) list = list.filter((i) => i.id === r.incident_id || (i.active_resources || []).includes(r.call_sign));
      assigned = r.incident_id != null ? list.find((i) => i.id === r.incident_id) || null : null;
      if (r.incident_id != null && !assigned) {
        // Sent to an incident outside the unit's list (a neighbour's, or already closed).
        assigned = await read(`/api/incidents/${r.incident_id}`).then(({ data: d }) => d).catch(() => null);
      }
      if (assigned) prefetch(assigned.id);
      const others = list.filter((i) => i.id !== assigned?.id).sort((a, b) => queueOrder(flat(a), flat(b)));
      drawMine();
      replace(
        listBox,
        h("h2", {}, t("open_incidents")),
        unit ? null : h("p", { class: "muted" }, t("city_force_list", { call: r.call_sign })),
        others.length ? h("div", { class: "list" }, others.map((i) => incidentCard(i))) : h("p", { class: "muted" }, t("no_incidents")),
      );
    } catch (e) {
      drawMine();
      replace(listBox, h("p", { class: "warn" }, t("load_failed", { error: errorText(e) })));
    }
  };

  drawDuty();
  drawMine();
  load();
  let lastIncident = duty.resource.incident_id;
  const offDuty = onDuty(() => {
    if (!duty.resource) return;
    drawDuty();
    if (duty.resource.incident_id !== lastIncident) {
      lastIncident = duty.resource.incident_id;
      load();
    } else {
      drawMine();
    }
  });
  const offTracking = onTracking((s) => {
    trackingState = s;
    drawDuty();
  });
  return {
    refresh: load,
    onIncident: debounce(load, 500),
    cleanup() {
      offDuty();
      offTracking();
    },
  };
}

/** The fields `queueOrder` compares. */
function flat(i) {
  return { id: i.id, priority: i.priority, received: toMs(i.received_at), isAlarm: i.channel === "alarm_device", status: i.status };
}

/** Reads what the incident screen will need, so that the service worker has it offline. */
function prefetch(id) {
  for (const path of [`/api/incidents/${id}`, `/api/incidents/${id}/pre-plan`, `/api/incidents/${id}/photos`]) {
    read(path).catch(() => {});
  }
}
