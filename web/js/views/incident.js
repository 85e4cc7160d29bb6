// One incident: its facts and timers, the facility's pre-plan for alarms (contacts, floors,
// hazards, water), the timeline and notes, and the actions: status changes, recommended
// resources with one-click dispatch, resource progress, transfer, merging a duplicate, and the
// CAP/EIDO exports.

import { api, ApiError } from "../api.js";
import { h, replace, toast, debounce } from "../dom.js";
import { unitAtPoint, resolveAddress, candidateChips, whyUnit } from "../location.js";
import { t, label, lang, codes } from "../i18n.js";
import { dateTime, duration, clockTime, shortTime } from "../time.js";
import { session, unitName, canAct, isCityUser } from "../session.js";
import { onChange } from "../feed.js";
import { normIncident, normFacility, nextStatuses, needsReason, needsDisposition, timer, isOpen } from "../model.js";
import { createMap } from "../map.js";
import { acknowledge, settle } from "../alert.js";
import { errorText } from "../errors.js";
import { emptyState, errorState, priorityBadge, statusChip, section, facts, hanoiInstant } from "./common.js";
import { incidentCrimeReports } from "./crime_reports.js";

/** The next status of a resource working an incident. */
/** The casualty counts, in the order the reports list them. */
const CASUALTY_FIELDS = ["dead", "injured", "trapped", "rescued"];
const RESOURCE_NEXT = { dispatched: "en_route", en_route: "on_scene", on_scene: "returning", returning: "available" };

/** Draws incident `id`. */
export function renderIncident(main, { id }, ctx) {
  let inc = null;
  let map = null;
  let alive = true;
  const root = h("div", { class: "incident" }, h("p", { class: "muted" }, t("loading")));
  replace(main, root);

  async function load() {
    staleWhileEditing = false;
    try {
      inc = normIncident(await api(`/api/incidents/${encodeURIComponent(id)}`));
      if (!alive) return;
      settle(inc);
      draw();
    } catch (e) {
      if (alive) replace(root, errorState(e));
    }
  }

  function draw() {
    if (map) {
      map.destroy();
      map = null;
    }
    const tm = timer(inc, Date.now());
    const timerEl = h(
      "span",
      { class: "timer-box" },
      h("span", { class: "timer-label", id: "incident-timer-label" }, t(tm.stopped ? "timer_total" : "timer_running")),
      h("span", { class: `timer big${tm.overdue ? " overdue" : ""}${tm.stopped ? " stopped" : ""}`, id: "incident-timer", "aria-labelledby": "incident-timer-label" }, duration(tm.elapsed)),
    );
    const head = h(
      "header",
      { class: "incident-head" },
      h("a", { href: inc.unit && !isCityUser() ? `/units/${inc.unit}` : "/", "data-nav": true, class: "back" }, "← ", t("back_to_queue")),
      h("h1", {}, priorityBadge(inc.priority), " ", label("kind", inc.kind), inc.crimeSubtype ? ` · ${label("crime_subtype", inc.crimeSubtype)}` : "", h("span", { class: "inc-number" }, inc.number)),
      h("div", { class: "incident-meta" }, statusChip(inc.status), h("span", {}, unitName(inc.unit) || t("unit_unknown")), h("span", {}, label("channel", inc.channel)), timerEl),
    );
    const info = locationSection();
    const facilityBox = h("div", { id: "facility-box" });
    const callsBox = h("div", { id: "incident-calls" });
    const notifyBox = h("div", { id: "incident-notifications" });
    const photosBox = h("div", { id: "incident-photos" });
    const crimeBox = h("div", { id: "incident-crime-box" });
    const left = h("div", { class: "incident-main" }, info, casualtiesSection(), fireReportSection(), facilityBox, notifyBox, photosBox, crimeBox, callsBox, timelineSection(), notesSection());
    const right = h("div", { class: "incident-side" }, actionsSection(), dispatchSection(), resourcesSection(), duplicatesSection(), controlsSection(), transferSection(), mergeSection(), exportsSection());
    replace(root, head, h("div", { class: "incident-grid" }, left, right));
    loadCalls(callsBox);
    const mapEl = root.querySelector("#incident-map");
    if (mapEl) {
      // Clicks and search hits set a new point only while the location is being corrected.
      map = createMap(mapEl, { search: editable(), onPick: (ll) => editor.pickPoint && editor.pickPoint(ll.lat, ll.lng) });
      map.ready
        .then(() => {
          map.highlight(inc.unit, inc.lat == null);
          map.setIncidents([inc]);
          if (inc.lat != null) map.focus(inc.lat, inc.lon, 15);
        })
        .catch(() => {});
    }
    loadPrePlan(facilityBox);
    loadNotifications(notifyBox);
    loadPhotos(photosBox);
    loadCrimeReports(crimeBox);
  }

  // The crime reports registered from this incident, linked both ways; an officer who may act
  // registers one from here with the incident's facts.
  async function loadCrimeReports(box) {
    const drawn = await incidentCrimeReports(inc, canAct(), ctx.go);
    if (!alive) return;
    if (!canAct() && !drawn.querySelector("li")) return replace(box);
    replace(box, drawn);
  }

  // Photos sent from the scene by the field app, newest last; each opens full size.
  async function loadPhotos(box) {
    let photos;
    try {
      photos = await api(`/api/incidents/${encodeURIComponent(id)}/photos`);
    } catch (e) {
      if (alive) replace(box, section(t("photos_title"), errorState(e)));
      return;
    }
    if (!alive) return;
    if (!photos.length) return replace(box);
    const item = (p) => {
      const src = `/api/incidents/${encodeURIComponent(id)}/photos/${encodeURIComponent(p.id)}`;
      const where = p.lat != null ? ` · ${Number(p.lat).toFixed(5)}, ${Number(p.lon).toFixed(5)}` : "";
      return h(
        "li",
        { "data-photo": p.id },
        h("a", { href: src, target: "_blank", rel: "noopener" }, h("img", { src, alt: t("photo_alt", { by: p.by, time: clockTime(p.at) }), loading: "lazy" })),
        h("span", { class: "muted" }, `${clockTime(p.at)} · ${p.by}${where}`),
      );
    };
    replace(box, section(t("photos_title"), h("ul", { class: "photo-list", id: "photo-list" }, photos.map(item))));
  }

  const editable = () => canAct() && isOpen(inc.status);
  // The open location editor's hooks (the map's clicks go to it); empty when closed.
  let editor = {};

  function locationSection() {
    const source = inc.pointSource ? ` · ${label("point_source", inc.pointSource)}` : "";
    const pickBox = inc.unitUncertain && inc.unitCandidates.length
      ? h(
          "div",
          { class: "unit-box warn", id: "unit-pick" },
          h("p", { class: "warn-text" }, t("unit_ambiguous")),
          h("div", { class: "candidates" }, candidateChips(inc.unitCandidates, t("pick_unit"), (m) => (editable() ? saveLocation({ unit_code: m.code }, t("unit_picked")) : null))),
        )
      : null;
    const edit = h("div", { id: "relocate", hidden: true });
    const open = editable()
      ? h("button", { type: "button", class: "btn btn-sm", id: "relocate-open", on: { click: () => openEditor(edit, open) } }, t("correct_location"))
      : null;
    return section(
      t("location"),
      facts([
        [t("address"), inc.address],
        [t("coords"), inc.lat != null ? `${Number(inc.lat).toFixed(5)}, ${Number(inc.lon).toFixed(5)}${source}` : null],
        [t("unit_owner"), unitName(inc.unit)],
        [t("received_at"), dateTime(inc.received)],
        [t("caller"), [inc.callerName, inc.callerPhone].filter(Boolean).join(" · ")],
        [t("description"), inc.description],
        [t("disposition"), inc.disposition ? label("disposition", inc.disposition) : null],
      ]),
      inc.nearBoundary ? h("p", { class: "warn-text" }, t("near_boundary", { other: "—" })) : null,
      inc.oldName ? h("p", { class: "muted" }, t("old_name", { old: inc.oldName })) : null,
      pickBox,
      open,
      edit,
      inc.lat != null || editable() ? h("div", { class: "map mini", id: "incident-map" }) : null,
    );
  }

  /** The location editor: a new address (with live candidates) or a point from the map. */
  function openEditor(box, opener) {
    const next = { lat: null, lon: null, unit: null };
    let generation = 0;
    let lookup = null;
    const address = h("input", { id: "relocate-address", autocomplete: "off", value: inc.address || "", "aria-label": t("address"), "aria-describedby": "relocate-unit" });
    const unitOut = h("output", { id: "relocate-unit", class: "unit-out", "aria-live": "polite" });
    const chips = h("div", { class: "candidates", id: "relocate-candidates" });
    const reason = h("input", { id: "relocate-reason", placeholder: t("relocate_reason_hint"), "aria-label": t("reason") });
    const err = h("p", { class: "form-error", role: "alert" });
    const showUnit = (code, note, tone = "") => {
      next.unit = code;
      unitOut.dataset.unit = code || "";
      unitOut.className = `unit-out${code ? " known" : ""}${tone ? ` ${tone}` : ""}`;
      replace(unitOut, code ? unitName(code) : t("unit_unknown"), note ? h("small", {}, note) : null);
    };
    const lookupAddress = debounce(async () => {
      const text = address.value.trim();
      if (next.lat != null || text.length < 3) return;
      if (lookup) lookup.abort();
      lookup = new AbortController();
      const mine = ++generation;
      try {
        const res = await resolveAddress(text, lookup.signal);
        if (mine !== generation) return;
        const best = res.matches[0];
        if (!best) showUnit(null);
        else if (res.ambiguous) showUnit(null, t("unit_ambiguous"), "warn");
        else showUnit(best.code, whyUnit(best));
        const shown = res.ambiguous ? res.matches.slice(0, 6) : res.matches.slice(1, 4);
        replace(chips, candidateChips(shown, t(res.ambiguous ? "pick_unit" : "candidates"), (m) => showUnit(m.code, whyUnit(m)), res.ambiguous ? res.total : shown.length));
      } catch (e) {
        if (e.name !== "AbortError" && !(e instanceof ApiError && e.status === 400)) showUnit(null, errorText(e), "outside");
      }
    }, 250);
    address.addEventListener("input", () => {
      // A new text after a map point keeps the point: the text is then what was said.
      if (next.lat == null) lookupAddress();
    });
    editor.pickPoint = async (lat, lon) => {
      const mine = ++generation;
      next.lat = lat;
      next.lon = lon;
      map.pick(lat, lon);
      replace(chips);
      unitOut.textContent = t("looking_up");
      try {
        const at = await unitAtPoint(lat, lon);
        if (mine === generation) showUnit(at.code, at.note, at.tone);
      } catch (e) {
        if (mine === generation) showUnit(null, errorText(e), "outside");
      }
    };
    const close = () => {
      editor = {};
      if (map) map.clearPick();
      box.hidden = true;
      if (opener) opener.hidden = false;
      if (map) map.invalidate();
      if (staleWhileEditing) {
        staleWhileEditing = false;
        load();
      }
    };
    const form = h(
      "form",
      { class: "inline-form relocate-form" },
      h("p", { class: "hint" }, t("relocate_hint")),
      address,
      h("div", { class: "unit-box" }, h("span", { class: "unit-box-label" }, t("unit_owner")), unitOut, chips),
      reason,
      err,
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "btn btn-primary", id: "relocate-save" }, t("save_location")), h("button", { type: "button", class: "btn", on: { click: close } }, t("cancel"))),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const body = {};
      const text = address.value.trim();
      if (text && (text !== (inc.address || "") || next.lat == null)) body.address = text;
      if (next.lat != null) {
        body.lat = Number(next.lat.toFixed(6));
        body.lon = Number(next.lon.toFixed(6));
        if (!body.address && inc.address) body.address = inc.address;
      }
      if (!body.address && body.lat == null) return (err.textContent = t("required_location"));
      if (next.unit) body.unit_code = next.unit;
      if (reason.value.trim()) body.reason = reason.value.trim();
      saveLocation(body, t("location_saved"), err);
    });
    replace(box, form);
    box.hidden = false;
    if (opener) opener.hidden = true;
    if (map) map.invalidate();
    address.focus();
    address.select();
  }

  async function saveLocation(body, okText, errEl) {
    if (inc.version != null) body.version = inc.version;
    try {
      await api(`/api/incidents/${inc.id}/location`, { method: "POST", body });
      editor = {};
      staleWhileEditing = false;
      toast(okText, "ok");
      await load();
    } catch (e) {
      if (errEl) errEl.textContent = incidentErrorText(e);
      else toast(incidentErrorText(e), "error");
    }
  }

  // The switchboard calls linked to this incident (opened it, or marked as a duplicate of it).
  async function loadCalls(box) {
    try {
      const page = await api(`/api/calls?incident=${encodeURIComponent(inc.id)}&limit=50`);
      const items = page.items || [];
      if (!alive || items.length === 0) return;
      replace(
        box,
        section(
          t("incident_calls", { n: page.total ?? items.length }),
          h(
            "ul",
            { class: "incident-calls" },
            items.map((c) =>
              h(
                "li",
                {},
                h("time", { datetime: c.answered_at }, shortTime(c.answered_at)),
                ` · ${c.line} · ${c.caller_number || t("caller_hidden")} · ${c.call_taker_name}`,
                c.outcome ? ` · ${t(`call_outcome_${c.outcome}`)}` : "",
              ),
            ),
          ),
          page.total > items.length ? h("p", { class: "muted" }, t("more_calls", { n: page.total - items.length })) : null,
        ),
      );
    } catch {
      // Calls are for the command center; a role without them simply sees none.
    }
  }

  // The pre-plan: the facility's card (alarms) and, for fires, the nearest usable water, also
  // drawn on the map.
  async function loadPrePlan(box) {
    try {
      const card = await api(`/api/incidents/${encodeURIComponent(id)}/pre-plan`);
      if (!alive) return;
      replace(box, card.facility ? facilityCard(normFacility(card.facility)) : null, card.water_needed || card.facility ? waterSection(card) : null);
      if (map && card.water) {
        const m = map;
        m.ready.then(() => m.setWaterSources(card.water.sources.map((n) => n.source))).catch(() => {});
      }
    } catch (e) {
      if (alive) replace(box, section(t("pre_plan"), errorState(e)));
    }
  }

  // What the building's people were told of the alarm: each person in list order, by which
  // channel, with every attempt; a person reachable only by phone waits for the operator's call.
  async function loadNotifications(box) {
    let view;
    try {
      view = await api(`/api/incidents/${encodeURIComponent(id)}/notifications`);
    } catch (e) {
      if (alive) replace(box, section(t("notify_title"), errorState(e)));
      return;
    }
    if (!alive) return;
    const plan = view.plan;
    if (!plan) return replace(box);
    if (plan.outcome !== "queued") return replace(box, section(t("notify_title"), h("p", { class: "warn-text", id: "notify-outcome" }, t(`notify_outcome_${plan.outcome}`))));
    replace(box, section(t("notify_title"), h("ol", { class: "notify-list", id: "notify-list" }, plan.notices.map((n) => noticeItem(n, box)))));
  }

  function noticeItem(n, box) {
    const role = n.contact_role ? ` (${n.contact_role})` : "";
    const state = n.channel === "console" && n.state === "pending" ? "call" : n.state;
    const retry = n.state === "pending" && n.attempts > 0 ? ` · ${t("notify_retry_at", { time: clockTime(n.next_attempt_at) })}` : "";
    const history = n.history.length
      ? h(
          "details",
          { class: "mini" },
          h("summary", {}, t("notify_attempts", { n: n.history.length })),
          h("ol", {}, n.history.map((a) => h("li", { class: a.ok ? "" : "warn-text" }, h("time", { datetime: a.at }, clockTime(a.at)), ` · ${a.ok ? "✓" : "✗"} ${a.detail}`, a.by ? ` · ${a.by}` : ""))),
        )
      : null;
    return h(
      "li",
      { "data-id": n.id, class: `notice notice-${state}` },
      h("strong", {}, `${n.contact_name}${role}`),
      ` · ${t(`notify_channel_${n.channel}`)} ${n.recipient} · `,
      h("span", { class: `chip notice-state-${state}` }, t(`notify_state_${state}`)),
      retry,
      n.state === "failed" && n.last_error && n.channel !== "console" ? h("div", { class: "muted small" }, n.last_error) : null,
      state === "call" && canAct() ? callForm(n, box) : null,
      history,
    );
  }

  function callForm(n, box) {
    const note = h("input", { type: "text", maxlength: 500, placeholder: t("notify_note_placeholder"), "aria-label": t("notify_note_placeholder") });
    const record = async (reached) => {
      try {
        await api(`/api/incidents/${encodeURIComponent(id)}/notifications/${encodeURIComponent(n.id)}/call`, { method: "POST", body: { reached, note: note.value } });
        toast(t("notify_call_saved"), "ok");
      } catch (e) {
        toast(incidentErrorText(e), "error");
      }
      loadNotifications(box);
    };
    return h(
      "div",
      { class: "notice-call" },
      note,
      h("button", { type: "button", class: "small", on: { click: () => record(true) } }, t("notify_reached")),
      h("button", { type: "button", class: "small secondary", on: { click: () => record(false) } }, t("notify_unreached")),
    );
  }

  function timelineSection() {
    const items = [...inc.history].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    return section(
      t("timeline"),
      items.length
        ? h(
            "ol",
            { class: "timeline", id: "timeline" },
            items.map((ev) => h("li", {}, h("time", { datetime: ev.at }, clockTime(ev.at)), h("span", { class: "tl-text" }, eventText(ev.change || ev)), h("span", { class: "tl-actor" }, actorName(ev.actor)))),
          )
        : emptyState(t("no_data")),
    );
  }

  function notesSection() {
    const text = h("textarea", { id: "note-text", rows: 2, placeholder: t("note_placeholder"), "aria-label": t("add_note") });
    const form = h(
      "form",
      { class: "note-form" },
      text,
      h("button", { type: "submit", class: "btn", disabled: !canAct() || !isOpen(inc.status) }, t("add_note")),
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!text.value.trim()) return;
      await act(() => api(`/api/incidents/${inc.id}/notes`, { method: "POST", body: { text: text.value.trim() } }), t("saved"));
    });
    return section(
      t("notes"),
      inc.notes.length ? h("ul", { class: "notes" }, inc.notes.map((n) => h("li", {}, h("time", { datetime: n.at }, dateTime(n.at)), " ", h("strong", {}, actorName(n.author)), ": ", n.text))) : null,
      form,
    );
  }

  function actionsSection() {
    const targets = nextStatuses(inc);
    if (!canAct() || targets.length === 0) return section(t("actions"), h("p", { class: "muted" }, label("status", inc.status)));
    const extra = h("div", { class: "transition-extra", hidden: true });
    const buttons = targets.map((to) =>
      h("button", { type: "button", class: `btn status-btn to-${to}`, dataset: { to }, on: { click: () => choose(to) } }, label("status", to)),
    );
    function choose(to) {
      const wantReason = needsReason(inc.status, to);
      const wantDisposition = needsDisposition(inc.status, to) || to === "cancelled";
      if (!wantReason && !wantDisposition) return transition(to, {});
      const reason = h("input", { id: "tr-reason", "aria-label": t("reason"), placeholder: t("reason") });
      const disposition = h("select", { id: "tr-disposition", "aria-label": t("disposition") }, h("option", { value: "" }, `${t("disposition")}…`), codes("disposition").map((c) => h("option", { value: c }, label("disposition", c))));
      const err = h("p", { class: "form-error", role: "alert" });
      const form = h(
        "form",
        { class: "inline-form" },
        h("strong", {}, `${t("transition_to")}: ${label("status", to)}`),
        wantReason ? reason : null,
        wantDisposition ? disposition : null,
        err,
        h("div", { class: "form-actions" }, h("button", { type: "submit", class: "btn btn-primary" }, t("confirm")), h("button", { type: "button", class: "btn", on: { click: () => (extra.hidden = true) } }, t("cancel"))),
      );
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        if (wantReason && !reason.value.trim()) return (err.textContent = t("reason_required"));
        if (needsDisposition(inc.status, to) && !disposition.value) return (err.textContent = t("disposition_required"));
        const body = {};
        if (reason.value.trim()) body.reason = reason.value.trim();
        if (disposition.value) body.disposition = disposition.value;
        transition(to, body);
      });
      replace(extra, form);
      extra.hidden = false;
      (wantReason ? reason : disposition).focus();
    }
    return section(t("transition_to"), h("div", { class: "btn-row", id: "transitions" }, buttons), extra);
  }

  async function transition(to, extra) {
    const body = { to, ...extra };
    if (inc.version != null) body.version = inc.version;
    const stillAssigned = inc.resources.filter((r) => !Number.isFinite(r.released));
    const ok = await act(() => api(`/api/incidents/${inc.id}/transitions`, { method: "POST", body }), label("status", to));
    acknowledge(inc.id);
    // Resolved: the resources still working it are offered their release in one step.
    if (ok && to === "resolved" && stillAssigned.length && canAct()) releaseDialog(stillAssigned);
  }

  /** Asks which of `resources` to release (all checked), then reports each one's status. */
  function releaseDialog(resources) {
    const boxes = resources.map((r) => {
      const to = r.status === "on_scene" ? "returning" : "available";
      const input = h("input", { type: "checkbox", checked: true, value: String(r.id), dataset: { to } });
      return { r, to, input, row: h("li", {}, h("label", {}, input, ` ${r.callSign} · ${label("resource_kind", r.kind)} · ${label("resource_status", r.status || "dispatched")} → ${label("resource_status", to)}`)) };
    });
    const err = h("p", { class: "form-error", role: "alert" });
    const submit = h("button", { type: "submit", class: "btn btn-primary", id: "release-confirm" }, t("release_selected"));
    const form = h(
      "form",
      { method: "dialog", class: "release-form" },
      h("h2", { id: "release-title" }, t("release_title")),
      h("p", { class: "hint" }, t("release_hint", { n: resources.length })),
      h("ul", { class: "plain release-list" }, boxes.map((b) => b.row)),
      err,
      h("div", { class: "form-actions" }, submit, h("button", { type: "button", class: "btn", id: "release-later", on: { click: () => dialog.close() } }, t("release_later"))),
    );
    const dialog = h("dialog", { id: "release-dialog", "aria-labelledby": "release-title" }, form);
    dialog.addEventListener("close", () => dialog.remove());
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      submit.disabled = true;
      err.textContent = "";
      const failed = [];
      for (const b of boxes.filter((x) => x.input.checked)) {
        try {
          await api(`/api/resources/${b.r.id}/status`, { method: "POST", body: { status: b.to, incident_id: inc.id } });
          b.input.checked = false;
          b.input.disabled = true;
        } catch (x) {
          failed.push(`${b.r.callSign}: ${incidentErrorText(x)}`);
        }
      }
      if (failed.length) {
        err.textContent = `${t("release_failed")} ${failed.join("; ")}`;
        submit.disabled = false;
        return;
      }
      toast(t("released_ok"), "ok");
      dialog.close();
      load();
    });
    document.body.append(dialog);
    dialog.showModal();
    submit.focus();
  }

  // The recommendations last drawn: the plan's resources for the D key and the call signs
  // named when a dispatch is refused.
  let recState = { planIds: [], names: new Map() };

  function dispatchSection() {
    if (!isOpen(inc.status)) return null;
    const box = h("div", { id: "recommendations", "aria-live": "polite" }, h("p", { class: "muted" }, t("loading")));
    loadRecommendations(box);
    return section(t("recommendations"), box);
  }

  async function loadRecommendations(box, notice = null) {
    try {
      const data = await api(`/api/incidents/${inc.id}/recommendations`);
      if (!alive) return;
      replace(box, notice, recommendationsView(data, box));
    } catch (e) {
      if (alive) replace(box, notice, errorState(e));
    }
  }

  /**
   * The response plan with its lines filled (or short), the notes on where distances were
   * measured and how times were estimated, then the other useful resources. A server that
   * sends only the list of resources gets the list alone.
   */
  function recommendationsView(data, box) {
    const recs = data.recommendations;
    recState = { planIds: [], names: new Map() };
    for (const r of recs) recState.names.set(String(recId(r)), recName(r));
    const plan = data && typeof data.plan === "object" && data.plan ? data.plan : null;
    if (!plan) {
      if (!recs.length) return emptyState(t("no_data"));
      return recList(recs, 8);
    }
    const planIds = Array.isArray(data.plan_resource_ids) ? data.plan_resource_ids.filter((x) => x != null) : [];
    recState.planIds = planIds;
    const byId = new Map(recs.map((r) => [String(recId(r)), r]));
    const planLines = Array.isArray(plan.lines) ? plan.lines : [];
    const lines = Array.isArray(data.lines) && data.lines.length ? data.lines : planLines.map((l) => ({ kind: l.kind, needed: l.count, resource_ids: [], missing: null }));
    const lineLabel = (kind) => {
      const pl = planLines.find((l) => l.kind === kind);
      return pl ? loc(pl, "label") || label("resource_kind", kind) : label("resource_kind", kind);
    };
    const missingText = (l) => loc(l, "missing") || t("plan_missing", { n: l.missing, kind: lineLabel(l.kind) });
    const shownKinds = new Set(lines.filter((l) => l.missing > 0).map((l) => l.kind));
    const shortfalls = (Array.isArray(data.shortfalls) ? data.shortfalls : []).filter((sf) => !shownKinds.has(sf.kind));
    const origin = data.origin && typeof data.origin === "object" ? data.origin : null;
    const estimate = data.estimate && typeof data.estimate === "object" ? data.estimate : null;
    const planButton = h(
      "button",
      {
        type: "button",
        class: "btn btn-primary",
        id: "dispatch-plan",
        "aria-keyshortcuts": "D",
        disabled: !canAct() || planIds.length === 0,
        on: { click: () => dispatchPlan(box, planIds) },
      },
      t("dispatch_plan", { n: planIds.length }),
      h("kbd", {}, "D"),
    );
    const extras = recs.filter((r) => r.role !== "plan" && !planIds.some((id) => String(id) === String(recId(r))));
    return h(
      "div",
      { class: "plan", dataset: { plan: plan.id ?? "" } },
      h("h3", { class: "plan-name" }, loc(plan, "name") || plan.id || t("plan")),
      loc(plan, "reason") ? h("p", { class: "plan-reason" }, loc(plan, "reason")) : null,
      h(
        "ul",
        { class: "plan-lines", id: "plan-lines" },
        lines.map((l) => {
          const ids = Array.isArray(l.resource_ids) ? l.resource_ids : [];
          // Resources already on the incident count toward the line.
          const assigned = Number(l.assigned) || 0;
          const filled = assigned + ids.length;
          const needed = l.needed;
          const short = l.missing > 0;
          return h(
            "li",
            { class: short ? "short" : "full", dataset: { kind: l.kind ?? "" } },
            h("span", { class: "plan-line-head" }, `${lineLabel(l.kind)}: `, h("strong", {}, `${filled}/${needed}`), assigned ? h("span", { class: "muted" }, ` · ${t("plan_assigned", { n: assigned })}`) : null),
            ids.length
              ? h(
                  "ul",
                  { class: "recs" },
                  ids.map((id) => {
                    const r = byId.get(String(id));
                    return r ? recItem(r) : h("li", {}, `#${id}`);
                  }),
                )
              : null,
            short ? h("p", { class: "warn-text plan-missing" }, "⚠ ", l.missing > 0 ? missingText(l) : t("plan_missing", { n: needed - filled, kind: lineLabel(l.kind) })) : null,
          );
        }),
      ),
      shortfalls.length ? h("ul", { class: "warn-text plan-shortfalls" }, shortfalls.map((sf) => h("li", {}, "⚠ ", loc(sf, "text") || t("plan_missing", { n: sf.missing, kind: lineLabel(sf.kind) })))) : null,
      h(
        "p",
        { class: "hint plan-notes" },
        origin ? h("span", { class: "plan-origin" }, loc(origin, "note") || `${t("distance_from")}: ${origin.source || "?"}`) : null,
        origin ? h("br") : null,
        h("span", { class: "plan-estimate" }, estimateNote(estimate && loc(estimate, "note"))),
      ),
      h("div", { class: "form-actions" }, planButton, h("span", { class: "hint" }, t("dispatch_plan_key"))),
      extras.length ? h("h3", { class: "plan-extra-title" }, t("other_resources")) : null,
      extras.length ? recList(extras, 6, extras.length + (Number(data.extras_left_out) || 0)) : null,
    );
  }

  /** The estimate note, always saying it is an estimate. */
  const estimateNote = (note) => (!note ? `${t("estimate_label")}: ${t("estimate_default")}` : saysEstimate(note) ? note : `${t("estimate_label")}: ${note}`);
  const saysEstimate = (text) => /ước tính|estimat/i.test(text);

  const loc = (obj, key) => (obj ? (lang() === "en" ? obj[`${key}_en`] ?? obj[`${key}_vi`] : obj[`${key}_vi`] ?? obj[`${key}_en`]) : null);
  const recId = (r) => (r.resource || r).id ?? (r.resource || r).resource_id ?? r.resource_id;
  const recName = (r) => (r.resource || r).call_sign ?? (r.resource || r).name ?? `#${recId(r)}`;

  /** The first `max` of `recs` (of `total` in all), saying how many there are. */
  function recList(recs, max, total = recs.length) {
    const shown = Math.min(max, recs.length);
    return [
      h("ul", { class: "recs" }, recs.slice(0, max).map(recItem)),
      total > shown ? h("p", { class: "muted" }, t("shown_of", { n: shown, total })) : null,
    ];
  }

  function recItem(r) {
    const res = r.resource || r;
    const rid = recId(r);
    const name = recName(r);
    const km = r.distance_km ?? (r.distance_m != null ? r.distance_m / 1000 : null);
    const given = loc(r, "eta");
    const etaText = given
      ? saysEstimate(given) ? given : `${given} (${t("estimate_word")})`
      : r.eta_s != null ? t("eta_estimate", { min: Math.max(1, Math.round(r.eta_s / 60)) }) : r.eta_min != null ? t("eta_estimate", { min: r.eta_min }) : null;
    const why = loc(r, "reason");
    return h(
      "li",
      { dataset: { rec: String(rid) }, title: why || null },
      h("span", { class: "rec-name" }, name),
      h("span", { class: "muted" }, label("resource_kind", res.kind)),
      km != null ? h("span", {}, t("distance_km", { km: Number(km).toFixed(1) })) : null,
      etaText ? h("span", { class: "eta" }, etaText) : null,
      h(
        "button",
        { type: "button", class: "btn btn-sm", dataset: { resource: String(rid) }, disabled: !canAct(), "aria-label": `${t("dispatch")} ${name}`, on: { click: () => dispatchIds([rid], t("dispatched_ok", { name })) } },
        t("dispatch"),
      ),
    );
  }

  /** Sends the plan's resources in one request: the server sends all of them or none. */
  async function dispatchPlan(box, ids) {
    if (!ids.length || !canAct()) return;
    const button = box.querySelector("#dispatch-plan");
    if (button) button.disabled = true;
    await dispatchIds(ids, t("dispatched_plan_ok", { n: ids.length }), box);
  }

  async function dispatchIds(ids, okText, box = document.getElementById("recommendations")) {
    const body = { resource_ids: ids };
    if (inc.version != null) body.version = inc.version;
    try {
      await api(`/api/incidents/${inc.id}/dispatch`, { method: "POST", body });
      toast(okText, "ok");
      await load();
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && e.code === "resource_unavailable") {
        // Someone else took one of them: say which, and show what is left now.
        const taken = (e.message.match(/resource (\d+)/) || [])[1];
        const name = taken ? recState.names.get(taken) || `#${taken}` : "";
        const notice = h("p", { class: "form-error", role: "alert", id: "dispatch-error" }, t("resource_taken", { name }));
        if (box) await loadRecommendations(box, notice);
        else toast(t("resource_taken", { name }), "error");
      } else if (box) {
        box.querySelector("#dispatch-error")?.remove();
        box.prepend(conflictOr(e, "dispatch-error"));
        const button = box.querySelector("#dispatch-plan");
        if (button) button.disabled = !canAct() || recState.planIds.length === 0;
      } else {
        toast(incidentErrorText(e), "error");
      }
    }
  }

  /** An error as shown in a form: a version conflict offers to reload. */
  function conflictOr(e, id) {
    if (isVersionConflict(e)) {
      return h("p", { class: "form-error", role: "alert", id }, t("version_conflict"), " ", h("button", { type: "button", class: "btn btn-sm", on: { click: () => load() } }, t("reload")));
    }
    return h("p", { class: "form-error", role: "alert", id }, incidentErrorText(e));
  }

  function resourcesSection() {
    const active = inc.resources.filter((r) => !Number.isFinite(r.released));
    if (!active.length) return null;
    return section(
      t("resources_assigned"),
      h(
        "ul",
        { class: "assigned", id: "assigned" },
        active.map((r) => {
          const next = RESOURCE_NEXT[r.status || "dispatched"];
          return h(
            "li",
            { dataset: { resource: String(r.id) } },
            h("span", { class: "rec-name" }, r.callSign),
            h("span", { class: "muted" }, label("resource_kind", r.kind)),
            h("span", { class: `chip rs-${r.status || "dispatched"}` }, label("resource_status", r.status || "dispatched")),
            next && canAct()
              ? h("button", { type: "button", class: "btn btn-sm", dataset: { next }, on: { click: () => act(() => api(`/api/resources/${r.id}/status`, { method: "POST", body: { status: next, incident_id: inc.id } }), label("resource_status", next)) } }, `→ ${label("resource_status", next)}`)
              : null,
          );
        }),
      ),
    );
  }

  /** Open incidents this one probably repeats, each mergeable into it or linkable in one click. */
  function duplicatesSection() {
    if (!isOpen(inc.status)) return null;
    const box = h("div", { id: "incident-duplicates" });
    loadDuplicates(box);
    return box;
  }

  async function loadDuplicates(box) {
    let candidates;
    let total;
    try {
      const data = await api(`/api/incidents/duplicates?incident=${encodeURIComponent(inc.id)}`);
      candidates = data.candidates;
      total = data.total;
    } catch (e) {
      if (alive) replace(box, section(t("probable_duplicates", { n: "?" }), errorState(e)));
      return;
    }
    if (!alive || !candidates.length) return;
    const act1 = (path, body, okText) => act(() => api(path, { method: "POST", body }), okText);
    replace(
      box,
      section(
        t("probable_duplicates", { n: total }),
        h("p", { class: "hint" }, t("duplicates_hint")),
        h(
          "ul",
          { class: "dup-list" },
          candidates.map((c) => {
            const o = c.incident || {};
            return h(
              "li",
              { dataset: { duplicate: String(o.id) } },
              h("a", { href: `/incidents/${o.id}`, "data-nav": true, class: "dup-number" }, o.number || `#${o.id}`),
              o.kind ? ` · ${label("kind", o.kind)}` : "",
              o.status ? ` · ${label("status", o.status)}` : "",
              o.address ? ` · ${o.address}` : "",
              loc(c, "message") ? h("small", { class: "dup-why" }, loc(c, "message")) : null,
              canAct()
                ? h(
                    "span",
                    { class: "btn-row" },
                    mergeButton(o),
                    h("button", { type: "button", class: "btn btn-sm", dataset: { link: String(o.id) }, on: { click: () => act1(`/api/incidents/${inc.id}/links`, { other_id: o.id }, t("linked_ok", { number: o.number || o.id })) } }, t("link")),
                  )
                : null,
            );
          }),
        ),
        total > candidates.length ? h("p", { class: "muted" }, t("shown_of", { n: candidates.length, total })) : null,
      ),
    );
  }

  /**
   * One merge, the older incident surviving: its number is the one callers and units already
   * know. Merging this one away opens the survivor.
   */
  function mergeButton(o) {
    const number = o.number || `#${o.id}`;
    const other = Date.parse(o.received_at);
    if (Number.isFinite(other) && Number.isFinite(inc.received) && other < inc.received) {
      const into = () =>
        act(async () => {
          await api(`/api/incidents/${o.id}/merge`, { method: "POST", body: { duplicate_id: inc.id } });
          ctx.go(`/incidents/${o.id}`);
        }, t("merged_into_ok", { number }));
      return h("button", { type: "button", class: "btn btn-sm", dataset: { merge: String(o.id), survivor: String(o.id) }, on: { click: into } }, t("merge_this_into", { number }));
    }
    const here = () => act(() => api(`/api/incidents/${inc.id}/merge`, { method: "POST", body: { duplicate_id: o.id } }), t("merged_ok", { number }));
    return h("button", { type: "button", class: "btn btn-sm", dataset: { merge: String(o.id), survivor: String(inc.id) }, on: { click: here } }, t("merge_into_this", { number }));
  }

  /**
   * The smaller changes, each a form that opens on demand: share with a neighbouring unit,
   * escalate to the city, link a related incident. Errors stay in the form; a change made
   * meanwhile by someone else offers a reload.
   */
  function controlsSection() {
    if (!canAct() || !isOpen(inc.status)) return null;
    const shared = new Set(inc.sharedWith || []);
    const escalated = inc.raw.escalated_to_city;
    const forms = [classifyForm()];
    const others = session.unitList.filter((u) => u.code !== inc.unit && !shared.has(u.code));
    if (others.length) {
      const unit = h("select", { id: "share-unit" }, others.map((u) => h("option", { value: u.code }, u.full_name)));
      const reason = h("input", { id: "share-reason", placeholder: t("reason_optional") });
      forms.push(miniForm("share", t("share_with"), [[t("unit"), unit], [t("reason"), reason]], t("share"), () => ({ path: "share", body: { unit_code: unit.value, ...(reason.value.trim() ? { reason: reason.value.trim() } : {}) }, ok: t("shared_ok", { unit: unitName(unit.value) }) })));
    }
    if (!escalated) {
      const reason = h("input", { id: "escalate-reason", placeholder: t("reason_optional") });
      forms.push(miniForm("escalate", t("escalate_title"), [[t("reason"), reason]], t("escalate"), () => ({ path: "escalate", body: reason.value.trim() ? { reason: reason.value.trim() } : {}, ok: t("escalated_ok") })));
    }
    const other = h("input", { id: "link-other", placeholder: t("link_hint") });
    forms.push(
      miniForm("link", t("link_title"), [[t("incident_number"), other]], t("link"), () => {
        const value = other.value.trim();
        if (!value) return { error: t("link_required") };
        return { path: "links", body: /^\d+$/.test(value) ? { other_id: Number(value) } : { other_number: value }, ok: t("linked_ok", { number: value }), versionless: true };
      }),
    );
    const notes = [
      shared.size ? h("p", { class: "muted" }, `${t("shared_with_now")}: ${[...shared].map(unitName).join(", ")}`) : null,
      escalated ? h("p", { class: "muted" }, t("escalated_now")) : null,
    ];
    return section(t("coordination"), notes, forms);
  }

  /**
   * The human toll: four counts, shown always and recorded as the facts come in (also after
   * the incident has ended, then only with a reason, since the reports are made from them).
   */
  function casualtiesSection() {
    const now = inc.casualties;
    const figures = h(
      "dl",
      { class: "casualties", id: "casualty-figures" },
      CASUALTY_FIELDS.flatMap((f) => [h("dt", {}, t(`casualty_${f}`)), h("dd", { class: now[f] ? "some" : "", "data-field": f }, String(now[f]))]),
    );
    const nothing = CASUALTY_FIELDS.every((f) => !now[f]) ? h("p", { class: "muted" }, t("casualty_none")) : null;
    if (!canAct() || inc.status === "merged") return section(t("casualties"), nothing || figures);
    const finished = ["closed", "cancelled"].includes(inc.status);
    const inputs = CASUALTY_FIELDS.map((f) => [f, h("input", { id: `casualty-${f}`, type: "number", min: "0", max: "10000", step: "1", inputmode: "numeric", value: String(now[f]) })]);
    const reason = h("input", { id: "casualty-reason", placeholder: t(finished ? "casualty_reason_required" : "reason_optional") });
    const form = miniForm("casualty", t("casualty_update"), [...inputs.map(([f, input]) => [t(`casualty_${f}`), input]), [t("reason"), reason]], t("save"), () => {
      const body = {};
      for (const [f, input] of inputs) {
        const n = Number(input.value);
        if (input.value.trim() === "" || !Number.isInteger(n) || n < 0) {
          input.focus();
          return { error: t("casualty_invalid") };
        }
        body[f] = n;
      }
      if (CASUALTY_FIELDS.every((f) => body[f] === now[f])) return { error: t("casualty_same") };
      const why = reason.value.trim();
      if (finished && !why) {
        reason.focus();
        return { error: t("reason_required") };
      }
      if (why) body.reason = why;
      return { path: "casualties", body, ok: t("casualty_ok") };
    });
    return section(t("casualties"), nothing || figures, form);
  }

  /**
   * The fire report of a fire or explosion: what it says, and the form to file or correct it.
   * A fire that was responded to closes only once it is filed.
   */
  function fireReportSection() {
    if (!["fire", "explosion"].includes(inc.kind)) return null;
    const r = inc.fireReport;
    const waiting = !r && inc.status !== "false_alarm" && inc.status !== "merged";
    const summary = r
      ? facts([
          [t("fire_real"), t(r.real_fire ? "fire_real_yes" : "fire_real_no")],
          [t("fire_cause"), r.real_fire ? label("fire_cause", r.cause) : label("false_alarm_cause", r.false_alarm_cause)],
          [t("fire_premises_kind"), r.premises_kind ? label("premises_kind", r.premises_kind) : null],
          [t("fire_premises"), r.premises],
          [t("fire_floors"), r.floors_affected],
          [t("fire_area"), r.area_burned_m2 != null ? `${r.area_burned_m2} m²` : null],
          [t("fire_evacuated"), r.evacuated || null],
          [t("fire_damage"), r.damage_vnd != null ? `${Number(r.damage_vnd).toLocaleString("vi-VN")} đ` : t("fire_damage_unassessed")],
          [t("fire_under_control"), r.under_control_at ? dateTime(r.under_control_at) : null],
          [t("fire_extinguished"), r.extinguished_at ? dateTime(r.extinguished_at) : null],
          [t("fire_forces"), t("fire_forces_value", { vehicles: r.vehicles, personnel: r.personnel })],
          [t("notes"), r.notes],
        ])
      : h("p", { class: waiting && inc.status === "resolved" ? "warn-text" : "muted", id: "fire-report-missing" }, t(waiting ? "fire_report_needed" : "fire_report_none"));
    if (!canAct() || inc.status === "merged") return section(t("fire_report"), summary);
    const v = r || { real_fire: true, evacuated: 0, vehicles: 0, personnel: 0 };
    const real = h("select", { id: "fr-real" }, h("option", { value: "yes", selected: v.real_fire }, t("fire_real_yes")), h("option", { value: "no", selected: !v.real_fire }, t("fire_real_no")));
    const cause = h("select", { id: "fr-cause" }, h("option", { value: "" }, "—"), codes("fire_cause").map((c) => h("option", { value: c, selected: c === v.cause }, label("fire_cause", c))));
    const falseCause = h("select", { id: "fr-false-cause" }, h("option", { value: "" }, "—"), codes("false_alarm_cause").map((c) => h("option", { value: c, selected: c === v.false_alarm_cause }, label("false_alarm_cause", c))));
    const num = (id, value) => h("input", { id, type: "number", min: "0", step: "1", inputmode: "numeric", value: value == null ? "" : String(value) });
    const premisesKind = h("select", { id: "fr-premises-kind" }, h("option", { value: "" }, "—"), codes("premises_kind").map((c) => h("option", { value: c, selected: c === v.premises_kind }, label("premises_kind", c))));
    const premises = h("input", { id: "fr-premises", value: v.premises || "" });
    const floors = num("fr-floors", v.floors_affected);
    const area = num("fr-area", v.area_burned_m2);
    const evacuated = num("fr-evacuated", v.evacuated);
    const damage = num("fr-damage", v.damage_vnd);
    const local = (at) => (at ? new Date(Date.parse(at) + 7 * 3600 * 1000).toISOString().slice(0, 16) : "");
    const control = h("input", { id: "fr-control", type: "datetime-local", value: local(v.under_control_at) });
    const out = h("input", { id: "fr-out", type: "datetime-local", value: local(v.extinguished_at) });
    const vehicles = num("fr-vehicles", v.vehicles);
    const personnel = num("fr-personnel", v.personnel);
    const notes = h("input", { id: "fr-notes", value: v.notes || "" });
    const form = miniForm(
      "fire-report",
      t(r ? "fire_report_edit" : "fire_report_file"),
      [
        [t("fire_real"), real],
        [t("fire_cause"), cause],
        [t("false_alarm_cause"), falseCause],
        [t("fire_premises_kind"), premisesKind],
        [t("fire_premises"), premises],
        [t("fire_floors"), floors],
        [t("fire_area_m2"), area],
        [t("fire_evacuated"), evacuated],
        [t("fire_damage_vnd"), damage],
        [t("fire_under_control"), control],
        [t("fire_extinguished"), out],
        [t("fire_vehicles"), vehicles],
        [t("fire_personnel"), personnel],
        [t("notes"), notes],
      ],
      t("save"),
      () => {
        const isReal = real.value === "yes";
        if (isReal && !cause.value) return { error: t("fire_cause_required") };
        if (!isReal && !falseCause.value) return { error: t("false_alarm_cause_required") };
        const n = (input) => (input.value.trim() === "" ? null : Number(input.value));
        for (const input of [floors, area, evacuated, damage, vehicles, personnel]) {
          const x = n(input);
          if (x != null && (!Number.isInteger(x) || x < 0)) {
            input.focus();
            return { error: t("casualty_invalid") };
          }
        }
        const body = {
          real_fire: isReal,
          cause: isReal ? cause.value : null,
          false_alarm_cause: isReal ? null : falseCause.value,
          premises_kind: premisesKind.value || null,
          premises: premises.value.trim() || null,
          floors_affected: n(floors),
          area_burned_m2: n(area),
          evacuated: n(evacuated) ?? 0,
          damage_vnd: n(damage),
          under_control_at: control.value ? hanoiInstant(control.value) : null,
          extinguished_at: out.value ? hanoiInstant(out.value) : null,
          vehicles: n(vehicles) ?? 0,
          personnel: n(personnel) ?? 0,
          notes: notes.value.trim() || null,
        };
        return { path: "fire-report", method: "PUT", body, ok: t("fire_report_saved") };
      },
    );
    const causeField = cause.closest("label");
    const falseField = falseCause.closest("label");
    const showCause = () => {
      causeField.hidden = real.value !== "yes";
      falseField.hidden = real.value === "yes";
    };
    real.addEventListener("change", showCause);
    showCause();
    return section(t("fire_report"), summary, form);
  }

  /** Type and priority: what the incident is and how urgent, changed only with a reason. */
  function classifyForm() {
    const kind = h("select", { id: "classify-kind" }, codes("kind").map((c) => h("option", { value: c, selected: c === inc.kind }, label("kind", c))));
    const subtype = h("select", { id: "classify-subtype" }, h("option", { value: "" }, "—"), codes("crime_subtype").map((c) => h("option", { value: c, selected: c === inc.crimeSubtype }, label("crime_subtype", c))));
    const priority = h("select", { id: "classify-priority" }, [1, 2, 3, 4].map((p) => h("option", { value: String(p), selected: p === inc.priority }, `P${p} · ${label("priority", p)}`)));
    const reason = h("input", { id: "classify-reason", placeholder: t("classify_reason_hint"), "aria-required": "true" });
    const form = miniForm("classify", t("classify_title"), [[t("kind"), kind], [t("crime_subtype"), subtype], [t("priority"), priority], [t("reason"), reason]], t("save"), () => {
      if (!reason.value.trim()) {
        reason.focus();
        return { error: t("reason_required") };
      }
      const body = { reason: reason.value.trim() };
      if (kind.value !== inc.kind || (kind.value === "crime" && (subtype.value || null) !== (inc.crimeSubtype || null))) {
        body.kind = kind.value;
        body.crime_subtype = kind.value === "crime" ? subtype.value : "";
      }
      if (Number(priority.value) !== inc.priority) body.priority = Number(priority.value);
      if (body.kind == null && body.priority == null) return { error: t("classify_nothing") };
      return { path: "classification", body, ok: t("classified_ok") };
    });
    const subtypeField = subtype.closest("label");
    const showSubtype = () => (subtypeField.hidden = kind.value !== "crime");
    kind.addEventListener("change", showSubtype);
    showSubtype();
    return form;
  }

  /** A form under a disclosure: labelled fields, a submit button, its own error line. */
  function miniForm(id, title, fields, submitText, build) {
    const err = h("p", { class: "form-error", role: "alert", id: `${id}-error` });
    const form = h(
      "form",
      { class: "inline-form", id: `${id}-form` },
      fields.map(([text, control]) => h("label", { class: "mini-field" }, h("span", {}, text), control)),
      err,
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "btn", id: `${id}-submit` }, submitText)),
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      err.replaceChildren();
      const req = build();
      if (req.error) return (err.textContent = req.error);
      const body = { ...req.body };
      if (!req.versionless && inc.version != null) body.version = inc.version;
      try {
        await api(`/api/incidents/${inc.id}/${req.path}`, { method: req.method || "POST", body });
        toast(req.ok, "ok");
        await load();
      } catch (x) {
        err.replaceWith(conflictOr(x, `${id}-error`));
      }
    });
    const box = h("details", { class: "mini", id: `${id}-box` }, h("summary", {}, title), form);
    // Leaving the form draws what changed meanwhile.
    const catchUp = () =>
      setTimeout(() => {
        if (alive && staleWhileEditing && !editing()) {
          staleWhileEditing = false;
          load();
        }
      }, 0);
    box.addEventListener("toggle", catchUp);
    box.addEventListener("focusout", catchUp);
    return box;
  }

  function transferSection() {
    if (!canAct() || !isOpen(inc.status) || !isCityUser()) return null;
    // No unit is chosen until the operator chooses one.
    const sel = h(
      "select",
      { id: "transfer-unit", "aria-label": t("transfer_to"), required: true },
      h("option", { value: "" }, t("transfer_pick_unit")),
      session.unitList.filter((u) => u.code !== inc.unit).map((u) => h("option", { value: u.code }, u.full_name)),
    );
    const reason = h("input", { id: "transfer-reason", placeholder: t("reason"), "aria-label": t("reason") });
    const form = h("form", { class: "inline-form", novalidate: true }, sel, reason, h("button", { type: "submit", class: "btn" }, t("transfer")));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!sel.value) {
        sel.focus();
        return toast(t("transfer_pick_unit"), "error");
      }
      if (!reason.value.trim()) return toast(t("reason_required"), "error");
      act(() => api(`/api/incidents/${inc.id}/transfer`, { method: "POST", body: { unit_code: sel.value, reason: reason.value.trim() } }), t("transfer"));
    });
    return section(t("transfer_to"), form);
  }

  function mergeSection() {
    if (!canAct() || !isOpen(inc.status)) return null;
    const other = h("input", { id: "merge-other", placeholder: t("merge_hint"), "aria-label": t("merge_hint") });
    const form = h("form", { class: "inline-form" }, other, h("button", { type: "submit", class: "btn" }, t("merge")));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const value = other.value.trim();
      if (!value) return;
      const body = /^\d+$/.test(value) ? { duplicate_id: Number(value) } : { duplicate_number: value };
      act(() => api(`/api/incidents/${inc.id}/merge`, { method: "POST", body }), t("merge"));
    });
    return section(t("merge"), form);
  }

  function exportsSection() {
    return section(
      t("exports"),
      h(
        "p",
        { class: "btn-row" },
        h("a", { class: "btn btn-sm", href: `/api/incidents/${inc.id}/cap`, target: "_blank", rel: "noopener", download: `${inc.number}-cap.xml` }, "CAP 1.2"),
        h("a", { class: "btn btn-sm", href: `/api/incidents/${inc.id}/eido`, target: "_blank", rel: "noopener", download: `${inc.number}-eido.json` }, "EIDO"),
      ),
    );
  }

  /** Runs a change; true when it went through. */
  async function act(fn, okText) {
    try {
      await fn();
      toast(okText, "ok");
      await load();
      return true;
    } catch (e) {
      toast(incidentErrorText(e), "error");
      return false;
    }
  }

  // A change arriving while the location is being corrected is drawn when the editor closes,
  // so that a redraw never throws away what the operator is typing.
  let staleWhileEditing = false;
  // The same holds for a coordination form being used: focused, or with something typed in it.
  const editing = () => {
    if (editor.pickPoint) return true;
    const open = [...root.querySelectorAll("details.mini[open]")];
    return open.some((d) => d.contains(document.activeElement) || [...d.querySelectorAll("input")].some((i) => i.value.trim()));
  };
  const reload = () => {
    if (editing()) staleWhileEditing = true;
    else load();
  };
  const off = onChange((change) => {
    if (change.kind === "resync") return reload();
    if (!inc) return;
    const p = change.payload || {};
    if (change.kind === "photo.added") {
      const box = document.getElementById("incident-photos");
      if (box && String(p.incident_id) === String(inc.id)) loadPhotos(box);
    } else if (change.kind.startsWith("incident.") && String(p.id) === String(inc.id)) reload();
    else if (change.kind.startsWith("resource.") && inc.resources.some((r) => String(r.id) === String(p.id))) reload();
    else if (change.kind.startsWith("notification.") && String(p.incident_id) === String(inc.id)) {
      const box = document.getElementById("incident-notifications");
      if (box) loadNotifications(box);
    }
  });
  const tick = setInterval(() => {
    const el = document.getElementById("incident-timer");
    if (!el || !inc) return;
    const tm = timer(inc, Date.now());
    if (tm.stopped) return;
    el.textContent = duration(tm.elapsed);
    el.classList.toggle("overdue", tm.overdue);
  }, 1000);

  // D sends the response plan, unless the operator is typing or a dialog is open.
  const onKey = (e) => {
    if ((e.key !== "d" && e.key !== "D") || e.ctrlKey || e.metaKey || e.altKey) return;
    const el = document.activeElement;
    if (el && el.matches("input, textarea, select, [contenteditable], [contenteditable] *")) return;
    if (document.querySelector("dialog[open]")) return;
    const button = document.getElementById("dispatch-plan");
    if (button && !button.disabled) {
      e.preventDefault();
      button.click();
    }
  };
  document.addEventListener("keydown", onKey);

  load();
  return () => {
    alive = false;
    off();
    clearInterval(tick);
    document.removeEventListener("keydown", onKey);
    document.getElementById("release-dialog")?.remove();
    if (map) map.destroy();
  };
}

/** True when the answer says someone changed the incident since it was read. */
export function isVersionConflict(e) {
  return e instanceof ApiError && e.status === 409 && (e.code === "conflict" || /changed since version/.test(e.message));
}

/** An API error in the operator's language: a version conflict and a busy resource named. */
export function incidentErrorText(e) {
  if (isVersionConflict(e)) return t("version_conflict");
  if (e instanceof ApiError && e.code === "resource_unavailable") {
    const id = (e.message.match(/resource (\d+)/) || [])[1];
    return t("resource_taken", { name: id ? `#${id}` : "" });
  }
  return errorText(e);
}

/** The facility's pre-plan card. */
export function facilityCard(f) {
  const contact = (c) => [c.name, c.role, c.phone, c.email].filter(Boolean).join(" · ");
  return section(
    `${t("facility")}: ${f.name}`,
    facts([
      [t("address"), f.address],
      [t("unit_owner"), unitName(f.unit)],
      [t("floors"), f.floors],
      [t("access_notes"), f.access ? h("p", { class: "access-notes", "data-testid": "facility-access" }, f.access) : null],
      [t("contacts"), f.contacts.length ? h("ul", {}, f.contacts.map((c) => h("li", {}, contact(c)))) : null],
      [t("hazards"), f.hazards.length ? h("ul", { class: "hazards" }, f.hazards.map((x) => h("li", {}, x))) : null],
      [t("water_sources"), f.waterSources.length ? h("ul", {}, f.waterSources.map((w) => h("li", {}, w))) : null],
    ]),
    h("a", { href: `/facilities/${f.id}`, "data-nav": true }, `${t("facility")} →`),
  );
}

/** The nearest usable water of a pre-plan (`PrePlan`): distance, kind, name and what limits it. */
export function waterSection(card) {
  const title = t("water_nearest");
  if (!card.water) return section(title, h("p", { class: "muted", id: "water-none" }, t("water_no_point")));
  const items = card.water.sources;
  const detail = (s) =>
    [
      s.flow_lps != null ? `${s.flow_lps} l/s` : null,
      s.capacity_m3 != null ? `${Number(s.capacity_m3).toLocaleString(lang() === "en" ? "en" : "vi")} m³` : null,
      s.engine_access ? null : t("water_no_engine"),
      s.generated ? t("water_simulated") : null,
    ]
      .filter(Boolean)
      .join(" · ");
  return section(
    title,
    items.length
      ? h(
          "ol",
          { class: "water-list", id: "water-list" },
          items.map((n) =>
            h(
              "li",
              { "data-id": n.source.id, class: n.source.engine_access ? "" : "warn-text" },
              h("strong", {}, lang() === "en" ? n.distance_text_en : n.distance_text),
              ` · ${label("water_kind", n.source.kind)} · ${n.source.name}`,
              detail(n.source) ? h("small", {}, ` (${detail(n.source)})`) : null,
            ),
          ),
        )
      : h("p", { class: "warn-text", id: "water-none" }, t("water_none_within", { m: Number(card.water.radius_m).toLocaleString(lang() === "en" ? "en" : "vi") })),
    h("p", { class: "muted" }, t("water_straight_line")),
  );
}

function actorName(actor) {
  if (!actor) return "";
  if (typeof actor === "string") return actor;
  return actor.name || actor.username || "";
}

const EVENT_TEXT = {
  opened: ["Tiếp nhận", "Opened"],
  status_changed: ["Chuyển trạng thái", "Status changed"],
  reclassified: ["Đổi loại", "Reclassified"],
  priority_changed: ["Đổi mức ưu tiên", "Priority changed"],
  transferred: ["Chuyển đơn vị", "Transferred"],
  relocated: ["Sửa vị trí", "Location corrected"],
  escalated_to_city: ["Chuyển lên thành phố", "Escalated to the city"],
  shared_with: ["Chia sẻ với", "Shared with"],
  note_added: ["Ghi chú", "Note"],
  linked: ["Liên kết", "Linked"],
  absorbed: ["Gộp vụ trùng", "Absorbed a duplicate"],
  merged_into: ["Đã gộp vào", "Merged into"],
  signal_attached: ["Tín hiệu", "Signal"],
  alarm_restored: ["Báo động đã phục hồi", "Alarm restored"],
  resource_assigned: ["Điều động", "Resource assigned"],
  resource_released: ["Kết thúc nhiệm vụ", "Resource released"],
  casualties_recorded: ["Thương vong", "Casualties"],
  fire_report_filed: ["Báo cáo vụ cháy", "Fire report"],
};

/** One timeline line in words. */
export function eventText(change) {
  const type = change.type || change.kind || "";
  const name = EVENT_TEXT[type] ? EVENT_TEXT[type][lang() === "en" ? 1 : 0] : type;
  switch (type) {
    case "opened":
      return `${name}: ${label("kind", change.kind)} · P${change.priority ?? ""} · ${label("channel", change.channel)}`;
    case "status_changed":
      return `${label("status", change.from)} → ${label("status", change.to)}${change.reason ? ` (${change.reason})` : ""}${change.disposition ? ` · ${label("disposition", change.disposition)}` : ""}`;
    case "priority_changed":
      return `${name}: P${change.from} → P${change.to}${change.reason ? ` (${change.reason})` : ""}`;
    case "reclassified":
      return `${name}: ${label("kind", change.from_kind)}${change.from_subtype ? ` · ${label("crime_subtype", change.from_subtype)}` : ""} → ${label("kind", change.to_kind)}${change.to_subtype ? ` · ${label("crime_subtype", change.to_subtype)}` : ""}${change.reason ? ` (${change.reason})` : ""}`;
    case "transferred":
      return `${name}: ${unitName(change.from_unit)} → ${unitName(change.to_unit)} (${change.reason ?? ""})`;
    case "relocated":
      return `${name}: ${change.to_address ?? ""}${change.from_unit !== change.to_unit ? ` · ${unitName(change.from_unit)} → ${unitName(change.to_unit)}` : ""}${change.reason ? ` (${change.reason})` : ""}`;
    case "shared_with":
      return `${name} ${unitName(change.unit)}`;
    case "note_added":
      return `${name}: ${change.text}`;
    case "absorbed":
      return `${name} ${change.merged_number ?? change.merged}`;
    case "merged_into":
      return `${name} ${change.survivor_number ?? change.survivor}`;
    case "signal_attached":
      return `${name} ${change.code}${change.zone ? ` · ${t("zone")} ${change.zone}` : ""}`;
    case "resource_assigned":
    case "resource_released":
      return `${name}: ${change.call_sign}`;
    case "fire_report_filed":
      return `${name}: ${t(change.real_fire ? "fire_real_yes" : "fire_real_no")}${change.replaced ? ` (${t("fire_report_replaced")})` : ""}`;
    case "casualties_recorded": {
      const count = (side, f) => change[side]?.[f] ?? 0;
      const moved = CASUALTY_FIELDS.filter((f) => count("from", f) !== count("to", f));
      return `${name}: ${moved.map((f) => `${t(`casualty_${f}`)} ${count("from", f)} → ${count("to", f)}`).join(", ")}${change.reason ? ` (${change.reason})` : ""}`;
    }
    default:
      return name;
  }
}
