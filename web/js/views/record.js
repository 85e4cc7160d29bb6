// One residence record (a person, household, registration, establishment or foreigner
// declaration) opened from the quality work list, with an edit form: every plain field of the
// record can be corrected and saved (the version read guards against another keeper's edit in
// between); lists and nested parts are shown as they are and kept. The server checks the record
// again on save and answers what is wrong with it.

import { api, ApiError } from "../api.js";
import { h, replace, toast } from "../dom.js";
import { t, label } from "../i18n.js";
import { emptyState, errorState, section, changeErrorText } from "./common.js";

/** The API collection of each record kind the quality findings name. */
export const RECORD_PATHS = {
  person: "/api/persons",
  household: "/api/households",
  registration: "/api/registrations",
  establishment: "/api/establishments",
  declaration: "/api/foreigner-declarations",
};

/** Fields the server sets itself: shown, never edited. */
const FIXED = new Set(["id", "unit", "version"]);

/** The console's link to a record. */
export function recordHref(ref) {
  return `/records/${encodeURIComponent(ref.kind)}/${encodeURIComponent(ref.id)}`;
}

/** What a person calls the record: a name, else an address, else its id. */
export function recordName(rec) {
  return rec.full_name || rec.name || rec.address || rec.id;
}

/** Draws the record page. */
export function renderRecord(main, { kind, id }, ctx) {
  ctx.refreshUnitSelect("");
  const base = RECORD_PATHS[kind];
  if (!base) {
    replace(main, emptyState(t("not_found")));
    return null;
  }
  const path = `${base}/${encodeURIComponent(id)}`;
  const root = h("div", { class: "record page" }, h("p", { class: "muted" }, t("loading")));
  replace(main, root);
  let alive = true;

  async function load() {
    try {
      const rec = await api(path);
      if (alive) draw(rec);
    } catch (e) {
      if (alive) replace(root, h("a", { href: "/quality", "data-nav": true, class: "back" }, "← ", t("back_to_quality")), errorState(e));
    }
  }

  function draw(rec) {
    const inputs = new Map();
    const rows = [];
    for (const [key, value] of Object.entries(rec)) {
      if (FIXED.has(key)) continue;
      const name = label("record_field", key);
      if (value !== null && typeof value === "object") {
        rows.push(h("div", { class: "field" }, h("span", { class: "field-label" }, name), h("pre", { class: "record-nested" }, JSON.stringify(value, null, 2))));
        continue;
      }
      const input =
        typeof value === "boolean"
          ? h("input", { type: "checkbox", id: `rec-${key}`, checked: value })
          : h("input", { id: `rec-${key}`, value: value == null ? "" : String(value), autocomplete: "off" });
      inputs.set(key, input);
      rows.push(h("div", { class: "field" }, h("label", { for: `rec-${key}` }, name), input));
    }
    const error = h("p", { class: "form-error", role: "alert" });
    const save = h("button", { type: "submit", class: "btn btn-primary" }, t("save"));
    const form = h("form", { class: "record-form", novalidate: true }, rows, error, h("div", { class: "form-actions" }, save));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      error.textContent = "";
      const body = { ...rec };
      for (const [key, input] of inputs) body[key] = read(rec[key], input);
      save.disabled = true;
      try {
        const saved = await api(path, { method: "PUT", body });
        toast(t("record_saved"), "ok");
        draw(saved);
      } catch (err) {
        error.textContent = err instanceof ApiError && err.status === 422 ? `${t("record_invalid")}: ${err.message}` : changeErrorText(err);
      } finally {
        save.disabled = false;
      }
    });
    replace(
      root,
      h("a", { href: "/quality", "data-nav": true, class: "back" }, "← ", t("back_to_quality")),
      h("h1", {}, `${label("record_kind", kind)}: ${recordName(rec)}`),
      h("p", { class: "muted" }, `${t("record_id")}: ${rec.id} · ${t("unit")}: ${rec.unit ?? ""}`),
      section(t("record_edit"), form),
    );
  }

  load();
  return () => {
    alive = false;
  };
}

/** A field's new value from its input, keeping the type it had: an emptied optional field is
 * null again, a number stays a number. */
function read(old, input) {
  if (typeof old === "boolean") return input.checked;
  const text = input.value.trim();
  if (old === null || old === undefined) return text === "" ? null : text;
  if (typeof old === "number") return text === "" ? null : Number(text);
  return text;
}
