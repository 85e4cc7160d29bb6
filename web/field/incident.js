// One incident in the field: what it is, where, since when; the caller to call back; the way
// there (Google Maps directions and the phone's own map app); the fire pre-plan card; the scene
// photos; the notes and timeline with a note box; and, at the bottom, the resource's next step.
// Notes and photos taken offline show as waiting until the outbox has sent them.

import { h, replace, debounce } from "/js/dom.js";
import { label, lang } from "/js/i18n.js";
import { errorText } from "/js/errors.js";
import { dateTime, shortTime, age, toMs } from "/js/time.js";
import { t } from "./texts.js";
import { read } from "./net.js";
import { onDuty, addNote, addPhoto } from "./duty.js";
import { onOutbox, onSent } from "./outbox.js";
import { currentFix } from "./position.js";
import { shrink } from "./photo.js";
import { drawSteps } from "./actions.js";

/** Draws incident `id`. */
export function renderIncident(main, id, ctx) {
  const head = h("section", { class: "card", id: "incident-head" }, h("p", { class: "muted" }, t("loading")));
  const prePlan = h("section", { id: "pre-plan", hidden: true });
  const photos = h("section", { class: "card", id: "photos" });
  const notes = h("section", { class: "card", id: "notes" });
  const dock = h("nav", { class: "dock", id: "dock" });
  let incident = { id };
  let photoList = [];
  let waiting = [];

  const noteText = h("textarea", { id: "note-text", rows: 3, maxlength: 4000, placeholder: t("note_placeholder"), "aria-label": t("note_placeholder") });
  const noteError = h("p", { class: "form-error", role: "alert" });
  const noteForm = h(
    "form",
    { class: "card", id: "note-form" },
    noteText,
    noteError,
    h("button", { type: "submit", class: "btn btn-primary btn-block", id: "note-send" }, t("note_send")),
  );
  noteForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = noteText.value.trim();
    if (!text) {
      noteError.textContent = t("note_empty");
      return;
    }
    noteError.textContent = "";
    noteText.value = "";
    addNote(incident, text);
  });

  const keepLocation = h("input", { type: "checkbox", id: "photo-keep-location" });
  const picker = h("input", { type: "file", accept: "image/*", capture: "environment", id: "photo-input", class: "sr-only" });
  const photoError = h("p", { class: "form-error", role: "alert" });
  picker.addEventListener("change", async () => {
    const file = picker.files?.[0];
    picker.value = "";
    if (!file) return;
    photoError.textContent = "";
    try {
      const photo = await shrink(file);
      const fix = keepLocation.checked ? await currentFix() : null;
      await addPhoto(incident, photo, fix);
    } catch {
      photoError.textContent = t("photo_failed");
    }
  });

  replace(
    main,
    h("a", { class: "back", href: "/field/", "data-nav": true }, `← ${t("back")}`),
    head,
    prePlan,
    photos,
    notes,
    noteForm,
    dock,
  );

  const drawHead = () => {
    const i = incident;
    const received = toMs(i.received_at);
    const phone = i.caller?.phone;
    const links = [];
    if (phone && !phone.includes("*")) links.push(h("a", { class: "btn btn-call", href: `tel:${phone.replace(/[^\d+]/g, "")}`, id: "call-caller" }, t("caller_call")));
    if (i.lat != null && i.lon != null) {
      links.push(h("a", { class: "btn", id: "navigate", href: `https://www.google.com/maps/dir/?api=1&destination=${i.lat},${i.lon}`, target: "_blank", rel: "noopener" }, t("navigate")));
      links.push(h("a", { class: "btn", id: "geo", href: `geo:${i.lat},${i.lon}` }, t("open_map")));
    }
    replace(
      head,
      h("div", { class: "card-top" }, h("span", { class: `prio p${i.priority}` }, `P${i.priority}`), h("h1", {}, label("kind", i.kind)), h("span", { class: "status", id: "incident-status" }, label("status", i.status))),
      h("p", { class: "addr" }, i.address || "—"),
      h("p", { class: "muted" }, `${i.number} · ${t("received")} ${dateTime(received)} (${age(Date.now() - received, lang())})`),
      i.caller?.phone ? h("p", {}, `${i.caller.name ? `${i.caller.name} · ` : ""}${i.caller.phone}`) : null,
      i.description ? h("p", { class: "description" }, i.description) : null,
      i.resources?.length
        ? h("p", { class: "muted" }, `${t("resources")}: `, i.resources.map((r) => `${r.call_sign} (${r.status === "released" ? t("released") : label("resource_status", r.status)})`).join(", "))
        : null,
      links.length ? h("div", { class: "links" }, links) : null,
    );
  };

  const drawNotes = () => {
    const sent = (incident.notes || []).map((n) => ({ at: n.at, who: n.author?.name, text: n.text }));
    const events = (incident.timeline || [])
      .filter((e) => e.change?.type !== "note_added")
      .map((e) => ({ at: e.at, who: e.actor?.name, text: eventText(e.change || {}), event: true }));
    const all = [...sent, ...events].sort((a, b) => toMs(b.at) - toMs(a.at));
    const pendingNotes = waiting.filter((a) => a.kind === "note");
    replace(
      notes,
      h("h2", {}, t("notes")),
      h(
        "ol",
        { class: "timeline", id: "timeline" },
        pendingNotes.map((a) => h("li", { class: "note pending", "data-key": a.key }, h("small", {}, `${shortTime(a.createdAt)} · ${t("pending")}`), h("div", {}, a.info.text))),
        all.map((n) => h("li", { class: n.event ? "event" : "note" }, h("small", {}, `${shortTime(n.at)}${n.who ? ` · ${n.who}` : ""}`), h("div", {}, n.text))),
      ),
      all.length || pendingNotes.length ? null : h("p", { class: "muted" }, t("no_notes")),
    );
  };

  const drawPhotos = (error) => {
    const pending = waiting.filter((a) => a.kind === "photo");
    replace(
      photos,
      h("h2", {}, t("photos")),
      h(
        "div",
        { class: "photo-grid", id: "photo-grid" },
        pending.map((a) => h("figure", { class: "pending", "data-key": a.key }, h("img", { src: a.info.thumb, alt: "" }), h("figcaption", {}, t("pending")))),
        photoList.map((p) =>
          h(
            "a",
            { href: `/api/incidents/${id}/photos/${p.id}`, target: "_blank", "data-photo": p.id },
            h("img", { src: `/api/incidents/${id}/photos/${p.id}`, alt: `${shortTime(p.at)} · ${p.by ?? ""}`, loading: "lazy" }),
          ),
        ),
      ),
      error ? h("p", { class: "muted" }, error) : !photoList.length && !pending.length ? h("p", { class: "muted" }, t("photo_none")) : null,
      photoError,
      h("label", { class: "btn btn-block", for: "photo-input" }, t("photo_take")),
      picker,
      h("label", { class: "switch" }, keepLocation, h("span", {}, t("photo_keep_location"))),
    );
  };

  const load = async () => {
    try {
      const { data, cachedAt } = await read(`/api/incidents/${id}`);
      incident = data;
      ctx.showDataAge(cachedAt);
      drawHead();
      drawNotes();
      drawSteps(dock, incident);
    } catch (e) {
      replace(head, h("p", { class: "warn" }, t("load_failed", { error: errorText(e) })));
    }
  };

  const loadPhotos = async () => {
    try {
      photoList = (await read(`/api/incidents/${id}/photos`)).data || [];
      drawPhotos();
    } catch (e) {
      drawPhotos(t("load_failed", { error: errorText(e) }));
    }
  };

  const loadPrePlan = async () => {
    try {
      const card = (await read(`/api/incidents/${id}/pre-plan`)).data;
      if (card.facility || card.water_needed) {
        replace(prePlan, prePlanCard(card));
        prePlan.hidden = false;
      }
    } catch {
      // No pre-plan to show (not reachable and never read before): the rest of the screen stands.
    }
  };

  drawSteps(dock, incident);
  drawPhotos();
  drawNotes();
  load();
  loadPhotos();
  loadPrePlan();
  const offDuty = onDuty(() => drawSteps(dock, incident));
  const offOutbox = onOutbox(({ items }) => {
    const mine = items.filter((a) => a.incidentId === id && (a.kind === "note" || a.kind === "photo"));
    if (mine.length === waiting.length && mine.every((a, i) => a === waiting[i])) return;
    waiting = mine;
    drawNotes();
    drawPhotos();
  });
  const reload = debounce(load, 300);
  const offSent = onSent((action) => {
    if (action.incidentId !== id) return;
    if (action.kind === "photo") loadPhotos();
    else reload();
  });
  return {
    refresh() {
      load();
      loadPhotos();
    },
    onIncident(summary) {
      if (summary?.id === id) reload();
    },
    cleanup() {
      offDuty();
      offOutbox();
      offSent();
    },
  };
}

/** The pre-plan card (`GET /api/incidents/{id}/pre-plan`): premises, water, the plan's forces. */
function prePlanCard(card) {
  const en = lang() === "en";
  const f = card.facility;
  const rows = [];
  if (f) {
    rows.push(h("h3", {}, `${t("facility")}: ${f.name}`));
    const facts = [
      [t("address"), f.address],
      [t("floors"), f.floors],
      [t("access"), f.access_notes],
      [t("hazards"), f.hazards],
      [t("contacts"), (f.contacts || []).map((c) => [c.name, c.role, c.phone].filter(Boolean).join(" · ")).join("; ")],
    ].filter(([, v]) => v != null && v !== "");
    rows.push(h("dl", { class: "facts" }, facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, String(v))])));
  }
  if (card.water_needed || f) {
    rows.push(h("h3", {}, t("water_nearest")));
    if (!card.water) rows.push(h("p", { class: "muted" }, t("water_no_point")));
    else if (!card.water.sources.length) rows.push(h("p", { class: "warn" }, t("water_none")));
    else
      rows.push(
        h(
          "ol",
          { class: "water", id: "water-list" },
          card.water.sources.map((n) =>
            h(
              "li",
              {},
              h("strong", {}, en ? n.distance_text_en : n.distance_text),
              ` · ${en ? n.source.kind_label_en : n.source.kind_label} · ${n.source.name}`,
              n.source.engine_access ? null : h("small", { class: "warn" }, ` (${t("water_no_engine")})`),
            ),
          ),
        ),
      );
  }
  if (card.plan?.lines?.length) {
    rows.push(h("h3", {}, t("plan")));
    rows.push(h("p", {}, card.plan.lines.map((l) => `${l.count} × ${en ? l.kind_label_en : l.kind_label}`).join(", ")));
  }
  return h("div", { class: "card" }, h("h2", {}, t("pre_plan")), rows);
}

/** One timeline event in a few words. */
function eventText(change) {
  const type = change.type || "";
  const name = t(`ev_${type}`);
  switch (type) {
    case "opened":
      return `${name}: ${label("kind", change.kind)}`;
    case "status_changed":
      return `${label("status", change.from)} → ${label("status", change.to)}${change.reason ? ` (${change.reason})` : ""}`;
    case "resource_assigned":
    case "resource_released":
      return `${name}: ${change.call_sign ?? ""}`;
    default:
      return name.startsWith("ev_") ? type.replace(/_/g, " ") : name;
  }
}
