// Hotline intake, built for speed: the type and the location come first, the owning unit shows
// live while the address is typed (old ward names understood) or when the map is clicked, and
// the keyboard does everything (Ctrl+Enter creates, Esc clears). Open incidents the report
// probably repeats (same caller, same place and type) show live beside the form, each with one
// action that joins the call to it instead of opening a second incident. What is typed is
// kept as a draft in this tab until the incident is made or the form cleared, so a reload, a
// trip to another screen or a server outage loses nothing.

import { api, ApiError } from "../api.js";
import { unitAtPoint, resolveAddress, candidateChips, whyUnit } from "../location.js";
import { h, replace, debounce, toast } from "../dom.js";
import { t, label, codes, lang } from "../i18n.js";
import { session, isCityUser, unitName, canAct } from "../session.js";
import { createMap } from "../map.js";
import { normIncident } from "../model.js";
import { incidentErrorText as errorText } from "./incident.js";

/** sessionStorage key of a form suggested elsewhere (the assistant), read once on opening. */
export const PREFILL_KEY = "binhyen.intake.prefill";

/** sessionStorage key of the form being typed (per tab: it holds a caller's details, and is
 * gone with the tab). */
const DRAFT_KEY = "binhyen.intake.draft";

/** Draws the intake form with its map. */
export function renderIntake(main, _params, ctx) {
  ctx.refreshUnitSelect(isCityUser() ? "" : session.me.unit_code);
  const state = { lat: null, lon: null, unit: null, nearBoundary: false, distance: null, oldName: null, source: null, addressPoint: null };
  // Opened from a switchboard call: the incident is made through that call, which keeps the link.
  const fromCall = new URLSearchParams(location.search).get("call");
  let lookup = null;

  const field = (id, text, control, hint) =>
    h("div", { class: "field" }, h("label", { for: id }, text), control, hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null);

  const kind = h(
    "select",
    { id: "in-kind", name: "kind", required: true, "aria-describedby": "intake-help" },
    h("option", { value: "" }, "—"),
    codes("kind").map((c, i) => h("option", { value: c }, `${i < 9 ? i + 1 : 0}. ${label("kind", c)}`)),
  );
  const subtype = h("select", { id: "in-subtype", name: "crime_subtype" }, h("option", { value: "" }, "—"), codes("crime_subtype").map((c) => h("option", { value: c }, label("crime_subtype", c))));
  const subtypeField = field("in-subtype", t("crime_subtype"), subtype);
  subtypeField.hidden = true;
  const address = h("input", { id: "in-address", name: "address", autocomplete: "off", placeholder: t("address_placeholder"), "aria-describedby": "in-unit" });
  const unitOut = h("output", { id: "in-unit", class: "unit-out", for: "in-address", "aria-live": "polite", "data-testid": "intake-unit" }, t("unit_unknown"));
  const candidates = h("div", { class: "candidates" });
  const coords = h("span", { class: "coords", "data-testid": "intake-coords" });
  const channel = h("select", { id: "in-channel", name: "channel" }, ["hotline_113", "hotline_114", "field_officer", "web_report"].map((c) => h("option", { value: c }, label("channel", c))));
  if (session.me.role === "unit_officer") channel.value = "field_officer";
  const priority = h("select", { id: "in-priority", name: "priority" }, h("option", { value: "" }, t("priority_auto")), [1, 2, 3, 4].map((p) => h("option", { value: String(p) }, `P${p} · ${label("priority", p)}`)));
  const callerName = h("input", { id: "in-caller", name: "caller_name", autocomplete: "off" });
  const callerPhone = h("input", { id: "in-phone", name: "caller_phone", type: "tel", autocomplete: "off", inputmode: "tel" });
  const description = h("textarea", { id: "in-desc", name: "description", rows: 3 });
  const error = h("p", { class: "form-error", role: "alert" });
  const dupBox = h("div", { class: "dup-box", id: "intake-duplicates", "aria-live": "polite", hidden: true });
  const submit = h("button", { type: "submit", class: "btn btn-primary", "aria-keyshortcuts": "Control+Enter", disabled: !canAct() }, t("create_incident"), h("kbd", {}, "Ctrl+Enter"));
  const clear = h("button", { type: "reset", class: "btn" }, t("clear_form"), h("kbd", {}, "Esc"));

  const form = h(
    "form",
    { class: "intake-form panel", id: "intake-form", "aria-labelledby": "intake-title", novalidate: true },
    h("h1", { id: "intake-title" }, t("intake_title")),
    h("p", { class: "hint", id: "intake-help" }, t("intake_hint")),
    fromCall ? h("p", { class: "call-link", "data-testid": "intake-call" }, t("intake_from_call", { id: fromCall })) : null,
    h("div", { class: "row2" }, field("in-kind", t("kind"), kind), subtypeField),
    field("in-address", t("address"), address, t("location_hint")),
    h("div", { class: "unit-box" }, h("span", { class: "unit-box-label" }, t("unit_owner")), unitOut, coords, candidates),
    h("div", { class: "row2" }, field("in-channel", t("channel"), channel), field("in-priority", t("priority"), priority)),
    h("div", { class: "row2" }, field("in-caller", t("caller_name"), callerName), field("in-phone", t("caller_phone"), callerPhone)),
    field("in-desc", t("description"), description),
    dupBox,
    error,
    h("div", { class: "form-actions" }, submit, clear),
  );
  const mapEl = h("div", { class: "map", id: "intake-map" });
  replace(main, h("div", { class: "intake" }, form, h("div", { class: "intake-map" }, mapEl)));

  const map = createMap(mapEl, { onPick: (ll) => pickPoint(ll.lat, ll.lng), search: true });
  if (!isCityUser()) map.highlight(session.me.unit_code, true).catch(() => {});

  function showUnit(code, note, kindOfNote = "") {
    state.unit = code;
    unitOut.dataset.unit = code || "";
    unitOut.className = `unit-out${code ? " known" : ""}${kindOfNote ? ` ${kindOfNote}` : ""}`;
    replace(unitOut, code ? unitName(code) : t("unit_unknown"), note ? h("small", {}, note) : null);
    // Fit the map to the unit when the address found it; keep the view when the map was clicked.
    if (code) map.highlight(code, state.lat == null).catch(() => {});
  }

  // Each lookup (map click or address) takes a generation; an answer arriving after a newer
  // lookup or a reset is stale and dropped, so an old unit never reappears on a fresh form.
  let generation = 0;

  async function pickPoint(lat, lon) {
    const mine = ++generation;
    state.lat = lat;
    state.lon = lon;
    state.source = "map";
    map.pick(lat, lon);
    saveDraft();
    coords.textContent = `${t("coords")}: ${lat.toFixed(5)}, ${lon.toFixed(5)}`;
    replace(candidates);
    unitOut.textContent = t("looking_up");
    try {
      const at = await unitAtPoint(lat, lon);
      if (mine !== generation) return;
      state.nearBoundary = at.nearBoundary;
      state.distance = at.distance;
      showUnit(at.code, at.note, at.tone);
      checkDuplicates();
    } catch (e) {
      if (mine === generation) showUnit(null, errorText(e), "outside");
    }
  }

  const lookupAddress = debounce(async () => {
    const text = address.value.trim();
    if (state.source === "map") return;
    if (text.length < 3) {
      showUnit(null);
      replace(candidates);
      forgetAddressPoint();
      return;
    }
    if (lookup) lookup.abort();
    lookup = new AbortController();
    const mine = ++generation;
    try {
      const res = await resolveAddress(text, lookup.signal);
      if (mine !== generation) return;
      const matches = res.matches;
      if (matches.length === 0) {
        showUnit(null);
        replace(candidates);
        forgetAddressPoint();
        return;
      }
      const best = matches[0];
      state.addressPoint = !res.ambiguous && res.point && res.point.lat != null ? { lat: res.point.lat, lon: res.point.lon, source: res.point.source } : null;
      checkDuplicates();
      const old = (best.evidence || []).find((e) => e.kind === "old_unit" || e.kind === "old_district");
      state.oldName = !res.ambiguous && old ? `${old.label} → ${unitName(best.code)}` : null;
      if (res.ambiguous) {
        // Never a silent guess: the operator picks among the candidates.
        showUnit(null, t("unit_ambiguous"), "warn");
      } else {
        showUnit(best.code, old ? t("old_name", { old: old.label }) : whyUnit(best));
      }
      const shown = res.ambiguous ? matches.slice(0, 6) : matches.slice(1, 4);
      replace(candidates, candidateChips(shown, t(res.ambiguous ? "pick_unit" : "candidates"), (m) => showUnit(m.code, whyUnit(m)), res.ambiguous ? res.total : shown.length));
    } catch (e) {
      if (e.name !== "AbortError" && !(e instanceof ApiError && e.status === 400)) showUnit(null, errorText(e), "outside");
    }
  }, 250);

  address.addEventListener("input", () => {
    if (state.source === "map" && state.lat != null) state.source = "map+address";
    if (state.source !== "map+address") lookupAddress();
  });
  kind.addEventListener("change", () => {
    subtypeField.hidden = kind.value !== "crime";
    checkDuplicates();
  });
  callerPhone.addEventListener("input", () => checkDuplicates());
  kind.addEventListener("keydown", (e) => {
    // Digits pick a type straight away: 1 = fire, 2 = explosion, …
    if (/^[0-9]$/.test(e.key) && !e.altKey && !e.ctrlKey) {
      const idx = e.key === "0" ? 9 : Number(e.key) - 1;
      const code = codes("kind")[idx];
      if (code) {
        e.preventDefault();
        kind.value = code;
        kind.dispatchEvent(new Event("change"));
        address.focus();
      }
    }
  });

  // The form as it opens, to clear it back to (the reset event itself is cancelled below).
  const initialChannel = channel.value;
  function clearFields() {
    for (const el of [kind, subtype, address, priority, callerName, callerPhone, description]) el.value = "";
    channel.value = initialChannel;
  }

  function reset() {
    sessionStorage.removeItem(DRAFT_KEY);
    generation += 1;
    if (lookup) lookup.abort();
    clearFields();
    Object.assign(state, { lat: null, lon: null, unit: null, nearBoundary: false, distance: null, oldName: null, source: null, addressPoint: null });
    dupGeneration += 1;
    dupBox.hidden = true;
    replace(dupBox);
    map.clearPick();
    coords.textContent = "";
    replace(candidates);
    showUnit(null);
    subtypeField.hidden = true;
    error.textContent = "";
    kind.focus();
  }

  // Every change is kept as the draft (the map's point too).
  function saveDraft() {
    const draft = {
      call: fromCall,
      kind: kind.value,
      crime_subtype: subtype.value,
      address: address.value,
      channel: channel.value,
      priority: priority.value,
      caller_name: callerName.value,
      caller_phone: callerPhone.value,
      description: description.value,
      lat: state.source === "map" || state.source === "map+address" ? state.lat : null,
      lon: state.source === "map" || state.source === "map+address" ? state.lon : null,
    };
    const empty = !draft.kind && !draft.address.trim() && !draft.caller_name.trim() && !draft.caller_phone.trim() && !draft.description.trim() && draft.lat == null;
    if (empty) sessionStorage.removeItem(DRAFT_KEY);
    else sessionStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
  }
  form.addEventListener("input", saveDraft);
  form.addEventListener("change", saveDraft);

  /** Puts back a draft typed earlier in this tab (for the same call, or with no call). */
  function restoreDraft() {
    let d = null;
    try {
      d = JSON.parse(sessionStorage.getItem(DRAFT_KEY) || "null");
    } catch {
      /* an unreadable draft is dropped */
    }
    if (!d || (d.call || null) !== fromCall) return false;
    if (codes("kind").includes(d.kind)) kind.value = d.kind;
    subtypeField.hidden = kind.value !== "crime";
    if (codes("crime_subtype").includes(d.crime_subtype)) subtype.value = d.crime_subtype;
    if ([...channel.options].some((o) => o.value === d.channel)) channel.value = d.channel;
    if (["1", "2", "3", "4"].includes(d.priority)) priority.value = d.priority;
    callerName.value = d.caller_name || "";
    callerPhone.value = d.caller_phone || "";
    description.value = d.description || "";
    address.value = d.address || "";
    if (Number.isFinite(d.lat) && Number.isFinite(d.lon)) {
      pickPoint(d.lat, d.lon);
      if (address.value) state.source = "map+address";
    } else if (address.value) lookupAddress();
    if (kind.value || callerPhone.value) checkDuplicates();
    toast(t("draft_restored"), "info");
    return true;
  }

  form.addEventListener("reset", (e) => {
    e.preventDefault();
    reset();
  });
  // The shortcuts work anywhere on the screen, also after clicking the map.
  const onKey = (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      form.requestSubmit();
    } else if (e.key === "Escape") {
      e.preventDefault();
      reset();
    }
  };
  document.addEventListener("keydown", onKey);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    if (!kind.value) return fail(t("required_kind"), kind);
    if (!address.value.trim() && state.lat == null) return fail(t("required_location"), address);
    if (!description.value.trim()) return fail(t("required_description"), description);
    const body = {
      kind: kind.value,
      channel: channel.value,
      description: description.value.trim(),
    };
    if (kind.value === "crime" && subtype.value) body.crime_subtype = subtype.value;
    if (priority.value) body.priority = Number(priority.value);
    if (address.value.trim()) body.address = address.value.trim();
    if (state.lat != null) {
      body.lat = Number(state.lat.toFixed(6));
      body.lon = Number(state.lon.toFixed(6));
    }
    if (state.unit) body.unit_code = state.unit;
    if (state.nearBoundary) body.near_boundary = true;
    if (state.distance != null) body.boundary_distance_m = Math.round(state.distance);
    if (state.oldName && state.source !== "map") body.resolved_from_old_name = state.oldName;
    if (callerName.value.trim()) body.caller_name = callerName.value.trim();
    if (callerPhone.value.trim()) body.caller_phone = callerPhone.value.trim();
    submit.disabled = true;
    try {
      const answer = fromCall
        ? (await api(`/api/calls/${encodeURIComponent(fromCall)}/incident`, { method: "POST", body })).incident
        : await api("/api/incidents", { method: "POST", body });
      const created = normIncident(answer);
      toast(t("created", { number: created?.number ?? "" }), "ok");
      reset();
      if (created && created.id != null) ctx.go(`/incidents/${created.id}`);
    } catch (err) {
      if (err instanceof ApiError && err.unreachable) fail(t("intake_not_sent_offline"));
      else fail(errorText(err));
    } finally {
      submit.disabled = !canAct();
    }
  });

  // A suggestion from the assistant fills what it has; a unit it names (or a person picked
  // there) is kept, otherwise the address or the coordinates find the unit as usual.
  function prefill() {
    let pre = null;
    try {
      pre = JSON.parse(sessionStorage.getItem(PREFILL_KEY) || "null");
    } catch {
      /* an unreadable suggestion is dropped */
    }
    sessionStorage.removeItem(PREFILL_KEY);
    if (!pre) return false;
    if (codes("kind").includes(pre.kind)) kind.value = pre.kind;
    subtypeField.hidden = kind.value !== "crime";
    if (pre.crime_subtype && codes("crime_subtype").includes(pre.crime_subtype)) subtype.value = pre.crime_subtype;
    if ([1, 2, 3, 4].includes(pre.priority)) priority.value = String(pre.priority);
    if (pre.caller_phone) callerPhone.value = pre.caller_phone;
    if (pre.description) description.value = pre.description;
    if (pre.address) address.value = pre.address;
    if (pre.unit_code) showUnit(pre.unit_code, t("unit_from_assistant"));
    else if (pre.address) lookupAddress();
    else if (pre.lat != null && pre.lon != null) pickPoint(pre.lat, pre.lon);
    saveDraft();
    return true;
  }

  // A place no longer found by the address no longer counts for the duplicate check.
  function forgetAddressPoint() {
    if (!state.addressPoint) return;
    state.addressPoint = null;
    checkDuplicates();
  }

  // The live duplicate check: asked again (debounced) whenever the phone, the type or the place
  // changes; an answer overtaken by a newer question or a reset is dropped.
  let dupGeneration = 0;
  const checkDuplicates = debounce(async () => {
    const params = new URLSearchParams();
    const point = state.lat != null ? { lat: state.lat, lon: state.lon } : state.addressPoint;
    if (kind.value) params.set("kind", kind.value);
    if (point && kind.value) {
      params.set("lat", Number(point.lat).toFixed(6));
      params.set("lon", Number(point.lon).toFixed(6));
    }
    const phone = callerPhone.value.replace(/[^\d+]/g, "");
    if (phone.length >= 9) params.set("phone", callerPhone.value.trim());
    const mine = ++dupGeneration;
    if (!params.has("phone") && !params.has("lat")) {
      dupBox.hidden = true;
      return replace(dupBox);
    }
    try {
      const data = await api(`/api/incidents/duplicates?${params}`);
      if (mine !== dupGeneration) return;
      showDuplicates(data);
    } catch (e) {
      if (mine !== dupGeneration) return;
      dupBox.hidden = false;
      replace(dupBox, h("p", { class: "warn-text" }, errorText(e)));
    }
  }, 300);

  function showDuplicates(data) {
    const candidates = data.candidates || [];
    const total = data.total ?? candidates.length;
    if (!candidates.length) {
      dupBox.hidden = true;
      return replace(dupBox);
    }
    // A point found from a street name is only roughly where the caller is: say so.
    const rough = state.lat == null && state.addressPoint && state.addressPoint.source === "street";
    const checked = (data.checked || []).map((c) => (c === "nearby" && rough ? `${t("dup_check_nearby")} (${t("dup_point_street")})` : t(`dup_check_${c}`))).join(", ");
    dupBox.hidden = false;
    replace(
      dupBox,
      h("h2", { class: "dup-title warn-text" }, "⚠ ", t("intake_duplicates", { n: total })),
      checked ? h("p", { class: "hint" }, t("intake_duplicates_checked", { what: checked })) : null,
      h(
        "ul",
        { class: "dup-list" },
        candidates.map((c) => {
          const o = c.incident || {};
          return h(
            "li",
            { dataset: { duplicate: String(o.id) } },
            h("a", { href: `/incidents/${o.id}`, "data-nav": true, class: "dup-number" }, o.number || `#${o.id}`),
            ` · ${label("kind", o.kind)} · ${label("status", o.status)}`,
            o.address ? ` · ${o.address}` : "",
            o.unit_code ? ` · ${unitName(o.unit_code)}` : "",
            h("small", { class: "dup-why" }, lang() === "en" ? c.message_en : c.message_vi),
            canAct() ? h("button", { type: "button", class: "btn btn-sm", dataset: { same: String(o.id) }, on: { click: () => joinExisting(o) } }, t(fromCall ? "this_is_it_call" : "this_is_it")) : null,
          );
        }),
      ),
      total > candidates.length ? h("p", { class: "muted" }, t("shown_of", { n: candidates.length, total })) : null,
    );
  }

  /**
   * The call is about incident `o`: a switchboard call is closed as its duplicate (the link is
   * kept), what this caller said is added to it as a note, and its page opens. No second
   * incident is made.
   */
  async function joinExisting(o) {
    error.textContent = "";
    const said = [callerName.value.trim(), callerPhone.value.trim(), address.value.trim(), description.value.trim()].filter(Boolean).join(" · ");
    try {
      if (said) await api(`/api/incidents/${o.id}/notes`, { method: "POST", body: { text: `${t("dup_note")}: ${said}` } });
      if (fromCall) await api(`/api/calls/${encodeURIComponent(fromCall)}/close`, { method: "POST", body: { outcome: "duplicate", incident_id: o.id } });
      toast(t("dup_joined", { number: o.number || o.id }), "ok");
      reset();
      ctx.go(`/incidents/${o.id}`);
    } catch (e) {
      fail(errorText(e));
    }
  }

  function fail(message, focusEl) {
    error.textContent = message;
    if (focusEl) focusEl.focus();
  }

  // A suggestion from the assistant is newer than any draft.
  if (!prefill()) restoreDraft();
  kind.focus();
  return () => {
    document.removeEventListener("keydown", onKey);
    map.destroy();
  };
}
