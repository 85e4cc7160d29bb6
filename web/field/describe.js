// An action of the outbox in words, for the waiting list and the list of refused actions: the
// status by the button that asked for it, a note or a call for backup by its text.

import { t } from "./texts.js";

/** The button (and action) name of each status the field app reports. */
export const STATUS_ACTIONS = {
  dispatched: "accept",
  en_route: "en_route",
  on_scene: "on_scene",
  returning: "returning",
  available: "available",
};

/** One action in words, from its kind and the `info` it was queued with. */
export function describe(kind, info = {}) {
  switch (kind) {
    case "status":
      return t(STATUS_ACTIONS[info.status] || info.status);
    case "note":
      return t("act_note", { text: info.text });
    case "backup":
      return t("act_backup", { text: info.text });
    case "photo":
      return t("act_photo", { kb: info.kb });
    default:
      return t("act_position");
  }
}
