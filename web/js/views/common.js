// Pieces shared by the screens: empty and error states, priority and status badges, labelled
// form fields, Hanoi instants from form values, the text of a failed change, and the
// message shown for a feature whose API is not on this server yet.

import { h } from "../dom.js";
import { t, label } from "../i18n.js";
import { ApiError } from "../api.js";
import { errorText } from "../errors.js";

/** A calm empty state: a title and an optional hint. */
export function emptyState(title, hint) {
  return h("div", { class: "empty", role: "status" }, h("p", { class: "empty-title" }, title), hint ? h("p", { class: "empty-hint" }, hint) : null);
}

/** The state to show for an API error: "chưa có dữ liệu" for a missing route or object. */
export function errorState(e) {
  // A screen the account may not read says so as a matter of reading, not of doing.
  if (e instanceof ApiError && e.code === "forbidden") return emptyState(t("forbidden"));
  return emptyState(errorText(e));
}

/** "P1 Khẩn cấp" badge in the priority's colour. */
export function priorityBadge(p) {
  return h("span", { class: `badge prio prio-${p}`, title: `${t("priority")} ${p}` }, `P${p}`, h("span", { class: "sr-only" }, ` ${label("priority", p)}`));
}

/** A status chip. */
export function statusChip(status) {
  return h("span", { class: `chip status-${status}` }, label("status", status));
}

/** A section with a heading. */
export function section(title, ...children) {
  return h("section", { class: "panel" }, h("h2", { class: "panel-title" }, title), ...children);
}

/** A definition list from [term, value] pairs (pairs with empty values are skipped). */
export function facts(pairs) {
  const items = [];
  for (const [term, value] of pairs) {
    if (value == null || value === "" || (Array.isArray(value) && value.length === 0)) continue;
    items.push(h("dt", {}, term), h("dd", {}, value));
  }
  return h("dl", { class: "facts" }, items);
}

/** A labelled form field: the label names the control by `for`. */
export function field(id, text, control) {
  return h("div", { class: "field" }, h("label", { for: id }, text), control);
}

/** A `datetime-local` (or `date`) value read as Hanoi time, as an RFC 3339 instant. */
export function hanoiInstant(value) {
  if (!value) return "";
  const v = value.length === 10 ? `${value}T00:00` : value;
  return `${v.length === 16 ? `${v}:00` : v}+07:00`;
}

/** The message to show for a failed change: a 409 version conflict says the data changed. */
export function changeErrorText(e) {
  if (e instanceof ApiError) {
    if (e.code === "conflict") return t("data_changed");
  }
  return errorText(e);
}
