// The board: the live incident queue beside the map. The city view shows every unit shaded by
// its open incidents; the unit view zooms to one unit, highlights it and lists only its work.
// The queue shows what waits for dispatch apart from what is being worked on, two compact lines
// a row; J/K (or the arrows) move through it and Enter opens the incident. When the server
// cannot be reached the last picture stays, saying how old it is, and is retried.

import { api, ApiError } from "../api.js";
import { h, replace, toast } from "../dom.js";
import { t, label } from "../i18n.js";
import { duration, shortTime } from "../time.js";
import { session, isCityUser, unitName } from "../session.js";
import { onChange } from "../feed.js";
import { normIncident, normResource, normFacility, timer, isOpen, isPending, queueOrder } from "../model.js";
import { createMap } from "../map.js";
import { raise, isFireAlarm } from "../alert.js";
import { emptyState, errorState, priorityBadge, statusChip } from "./common.js";
import { crimeDueStrip } from "./crime_reports.js";
import { dataTime } from "../outage.js";
import { errorText } from "../errors.js";

/** Draws the board for `unit` (a code) or the whole city (`null`). */
export function renderBoard(main, { unit }, ctx) {
  if (unit && !isCityUser() && unit !== session.me.unit_code) {
    // A unit officer only ever sees their own unit.
    replace(main, emptyState(t("access_other_unit")));
    return null;
  }
  if (unit && !session.units.has(unit)) {
    replace(main, emptyState(t("not_found")));
    return null;
  }
  ctx.refreshUnitSelect(unit || "");
  const incidents = new Map();
  // Open incidents the server counted beyond the page the board loaded (the oldest).
  let unloaded = 0;
  const fresh = new Set();
  let filterText = "";
  // The row the keyboard is on (an incident id), whether a first load succeeded, and the
  // retry of a load that could not reach the server.
  let selected = null;
  let loaded = false;
  let retry = null;

  const count = h("span", { class: "queue-count", "data-testid": "queue-count" });
  const filter = h("input", {
    type: "search",
    class: "queue-filter",
    id: "queue-filter",
    placeholder: t("filter_queue"),
    "aria-label": t("filter_queue"),
    "aria-keyshortcuts": "/",
    on: {
      input: (e) => {
        filterText = e.target.value.trim().toLowerCase();
        draw();
      },
    },
  });
  const listEl = h("ol", { class: "queue-list", id: "queue", "aria-label": t("queue_title"), "aria-live": "polite", "aria-relevant": "additions" });
  const status = h("div", { class: "queue-status" });
  const mapEl = h("div", { class: "map", id: "board-map" });
  // Several screens: `?layout=queue` is the queue alone (full height, full width) and
  // `?layout=map` the map alone, each in a window of its own, both live.
  const layout = new URLSearchParams(location.search).get("layout");
  const here = location.pathname;
  const otherScreen = layout
    ? null
    : h(
        "button",
        {
          type: "button",
          class: "btn btn-sm",
          "data-testid": "open-map-window",
          on: {
            click: () => {
              window.open(`${here}?layout=map`, `binhyen-map-${unit || "city"}`);
              ctx.go(`${here}?layout=queue`);
            },
          },
        },
        t("open_map_window"),
      );
  const header = unit ? unitHeader(unit, otherScreen) : h("div", { class: "board-head" }, h("h1", {}, t("city_view")), otherScreen, h("p", { class: "muted" }, t("shortcuts")));
  const queue = h(
    "section",
    { class: "queue panel", "aria-labelledby": "queue-title" },
    h(
      "div",
      { class: "queue-head" },
      h("h2", { id: "queue-title", class: "panel-title" }, t("queue_title")),
      count,
      layout === "queue" ? h("button", { type: "button", class: "btn btn-sm", "data-testid": "map-back-here", on: { click: () => ctx.go(here) } }, t("map_back_here")) : null,
    ),
    filter,
    status,
    listEl,
  );
  const crimeDue = crimeDueStrip(unit);
  const mapSide = h("div", { class: "board-map" }, header, crimeDue, mapEl, legend());
  replace(main, h("div", { class: `board${layout === "queue" ? " board-queue-only" : layout === "map" ? " board-map-only" : ""}` }, layout === "queue" ? null : mapSide, layout === "map" ? null : queue));

  const map =
    layout === "queue"
      ? NO_MAP
      : createMap(mapEl, {
          search: true,
          water: true,
          onUnitClick: isCityUser() ? (code) => ctx.go(`/units/${code}`) : null,
        });
  map.highlight(unit, true).catch(() => {});

  function visible(inc) {
    if (!inc || !isOpen(inc.status)) return false;
    if (!unit) return true;
    return inc.unit === unit || (inc.sharedWith || []).includes(unit);
  }

  function matches(inc) {
    if (!filterText) return true;
    const hay = `${inc.number} ${label("kind", inc.kind)} ${inc.address} ${unitName(inc.unit)} ${label("status", inc.status)}`.toLowerCase();
    return hay.includes(filterText);
  }

  function row(inc) {
    const tm = timer(inc, Date.now());
    const key = String(inc.id);
    const timerEl = h("span", { class: "timer", dataset: { id: key } }, timerText(tm));
    const where = inc.address || (inc.lat != null ? `${Number(inc.lat).toFixed(5)}, ${Number(inc.lon).toFixed(5)}` : "—");
    return h(
      "li",
      {
        class: `queue-item prio-edge-${inc.priority}${fresh.has(key) ? " fresh" : ""}${tm.overdue ? " overdue" : ""}${key === selected ? " selected" : ""}`,
        dataset: { id: key, unit: inc.unit || "" },
      },
      h(
        "a",
        { href: `/incidents/${inc.id}`, "data-nav": true, class: "queue-link", on: { focus: () => select(key, false) } },
        h("span", { class: "qi-top" }, priorityBadge(inc.priority), h("span", { class: "qi-kind" }, label("kind", inc.kind)), statusChip(inc.status), h("span", { class: "qi-number" }, inc.number), timerEl),
        h("span", { class: "qi-bottom" }, h("span", { class: "qi-address" }, where), h("span", { class: "qi-unit" }, unitName(inc.unit) || t("unit_unknown")), h("span", { class: "qi-time" }, shortTime(inc.received))),
      ),
    );
  }

  /** Marks the row of `key` as the keyboard's place in the queue (and focuses it). */
  function select(key, focus = true) {
    selected = key;
    for (const el of listEl.querySelectorAll(".queue-item.selected")) el.classList.remove("selected");
    const li = key == null ? null : listEl.querySelector(`li[data-id="${CSS.escape(key)}"]`);
    if (!li) return;
    li.classList.add("selected");
    if (focus) {
      li.querySelector(".queue-link").focus();
      li.scrollIntoView({ block: "nearest" });
    }
  }

  /** Moves the selection `step` rows down (or up), in the order shown. */
  function move(step) {
    const keys = [...listEl.querySelectorAll("li.queue-item")].map((li) => li.dataset.id);
    if (keys.length === 0) return;
    const at = keys.indexOf(selected);
    const next = at < 0 ? (step > 0 ? 0 : keys.length - 1) : Math.min(keys.length - 1, Math.max(0, at + step));
    select(keys[next]);
  }

  function draw() {
    const all = [...incidents.values()].filter(visible).sort(queueOrder);
    const shown = all.filter(matches);
    // The total is the server's: open incidents beyond the loaded page are counted and said.
    const total = all.length + unloaded;
    count.textContent = unloaded > 0 ? t("queue_partial", { n: all.length, total }) : t("queue_count", { n: total });
    // A redraw replaces the rows: the keyboard's place is kept, and so is the focus.
    const hadFocus = listEl.contains(document.activeElement);
    if (all.length === 0) replace(listEl, h("li", { class: "queue-empty" }, t("queue_empty")));
    else {
      const pending = shown.filter(isPending);
      const active = shown.filter((inc) => !isPending(inc));
      replace(listEl, groupHead("pending", pending.length), pending.map(row), groupHead("active", active.length), active.map(row));
    }
    if (selected != null) select(selected, hadFocus);
    map.setIncidents(all, (inc) => ctx.go(`/incidents/${inc.id}`));
    if (!unit) {
      const load = {};
      for (const inc of all) if (inc.unit) load[inc.unit] = (load[inc.unit] || 0) + 1;
      map.setLoad(load);
    }
  }

  function groupHead(group, n) {
    return h("li", { class: `queue-group queue-group-${group}`, "data-testid": `queue-${group}`, role: "presentation" }, `${t(`queue_${group}`)} (${n})`);
  }

  async function load() {
    try {
      const q = new URLSearchParams({ status: "open" });
      if (unit) q.set("unit", unit);
      const [data, counted] = await Promise.all([api(`/api/incidents?${q}`), api(`/api/incidents/count?${q}`)]);
      incidents.clear();
      for (const raw of data) {
        const inc = normIncident(raw);
        if (inc && inc.id != null) {
          incidents.set(String(inc.id), inc);
          if (isFireAlarm(inc)) raise(inc);
        }
      }
      unloaded = Math.max(0, (counted?.total ?? 0) - incidents.size);
      loaded = true;
      clearTimeout(retry);
      status.className = "queue-status";
      replace(status);
      draw();
    } catch (e) {
      if (e instanceof ApiError && e.unreachable) {
        // Keep the last picture, say how old it is, and try again.
        status.className = "queue-status stale";
        replace(status, loaded ? t("queue_stale", { time: dataTime() }) : emptyState(t("feed_offline")));
        clearTimeout(retry);
        retry = setTimeout(load, 5000);
        return;
      }
      status.className = "queue-status";
      replace(status, errorState(e));
      replace(listEl);
      count.textContent = "";
    }
  }

  async function loadExtras() {
    try {
      const res = await api(`/api/resources${unit ? `?unit=${encodeURIComponent(unit)}` : ""}`);
      map.setResources(res.map(normResource));
    } catch (e) {
      toast(errorText(e), "error");
    }
    if (unit) {
      try {
        const fac = await api(`/api/facilities?unit=${encodeURIComponent(unit)}`);
        map.setFacilities(fac.map(normFacility));
      } catch (e) {
        toast(errorText(e), "error");
      }
    }
  }

  const off = onChange((change) => {
    if (change.kind === "resync" || change.kind?.startsWith("crime_report.")) crimeDue.refresh();
    if (change.kind === "resync") {
      load();
      return;
    }
    if (change.kind === "resource.positions") {
      // Positions arrive often: move the markers, never reload the fleet for them.
      map.moveResources(change.payload?.positions ?? []);
      return;
    }
    if (change.kind.startsWith("resource.")) {
      loadExtras();
      return;
    }
    if (!change.kind.startsWith("incident.")) return;
    const inc = normIncident(change.payload);
    if (!inc || inc.id == null) return;
    const key = String(inc.id);
    if (visible(inc)) {
      if (!incidents.has(key)) {
        fresh.add(key);
        setTimeout(() => {
          fresh.delete(key);
          const el = listEl.querySelector(`li[data-id="${CSS.escape(key)}"]`);
          if (el) el.classList.remove("fresh");
        }, 8000);
      }
      incidents.set(key, inc);
    } else {
      incidents.delete(key);
    }
    draw();
  });

  const staleCheck = setInterval(() => map.refreshStale(), 15000);
  const tick = setInterval(() => {
    const now = Date.now();
    for (const el of listEl.querySelectorAll(".timer")) {
      const inc = incidents.get(el.dataset.id);
      if (!inc) continue;
      const tm = timer(inc, now);
      el.textContent = timerText(tm);
      el.closest("li").classList.toggle("overdue", tm.overdue);
    }
  }, 1000);

  const onKey = (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const typing = e.target.matches("input, textarea, select");
    if (e.key === "/" && !typing) {
      e.preventDefault();
      filter.focus();
    } else if ((e.key === "j" || e.key === "J" || e.key === "ArrowDown") && (!typing || (e.key === "ArrowDown" && e.target === filter))) {
      e.preventDefault();
      move(1);
    } else if ((e.key === "k" || e.key === "K" || e.key === "ArrowUp") && !typing) {
      e.preventDefault();
      move(-1);
    } else if (e.key === "Enter" && !typing && selected != null && !listEl.contains(e.target)) {
      // On a focused row the link itself opens it.
      e.preventDefault();
      ctx.go(`/incidents/${selected}`);
    }
  };
  document.addEventListener("keydown", onKey);

  load();
  loadExtras();

  return () => {
    off();
    clearTimeout(retry);
    clearInterval(tick);
    clearInterval(staleCheck);
    document.removeEventListener("keydown", onKey);
    map.destroy();
  };
}

/** The map of a queue-only window: nothing to draw. */
const NO_MAP = {
  highlight: async () => {},
  setIncidents() {},
  setLoad() {},
  setResources() {},
  moveResources() {},
  refreshStale() {},
  setFacilities() {},
  destroy() {},
};

function timerText(tm) {
  const base = duration(tm.elapsed);
  if (tm.overdue) return `${base} · ${t("overdue_stage", { stage: t(`stage_${tm.stage}`) })}`;
  return base;
}

function unitHeader(code, extra) {
  const u = session.units.get(code);
  return h(
    "div",
    { class: "board-head" },
    h("h1", {}, u.police_name || u.full_name),
    extra,
    h(
      "p",
      { class: "muted" },
      [u.population ? `${u.population.toLocaleString("vi-VN")} dân` : null, u.area_km2 ? `${u.area_km2} km²` : null, u.admin_center].filter(Boolean).join(" · "),
    ),
  );
}

function legend() {
  const steps = [
    [0, "0"],
    [1, "1"],
    [2, "2–3"],
    [4, "4–6"],
    [7, "7+"],
  ];
  return h(
    "div",
    { class: "legend", "aria-hidden": "true" },
    h("span", {}, t("legend_load")),
    steps.map(([n, text]) => h("span", { class: `legend-step load-${n}` }, text)),
    h("span", { class: "legend-sep" }),
    [1, 2, 3, 4].map((p) => h("span", { class: `legend-dot prio-${p}` }, `P${p}`)),
  );
}
