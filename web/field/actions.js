// The buttons of the officer's next steps on their resource, at the bottom of the screen
// within reach of a thumb: accept a dispatch, en route, on scene, ask for backup, returning,
// available. Which ones show depends on the status the resource has (or was asked to take).

import { h, replace } from "/js/dom.js";
import { isOpen } from "/js/model.js";
import { t } from "./texts.js";
import { duty, currentStatus, statusPending, isAccepted, accept, reportStatus, askBackup } from "./duty.js";

/** The next steps for `incident` (`{id, number}`), or for the resource alone when null. */
function steps(incident) {
  const r = duty.resource;
  const status = currentStatus();
  const onIt = incident && r.incident_id === incident.id;
  if (!onIt) return !incident && ["returning", "off_duty"].includes(status) ? ["available"] : [];
  // An incident that ended while the resource was on it only lets it go.
  if (incident.status && !isOpen(incident.status)) return ["available"];
  switch (status) {
    case "dispatched":
      return isAccepted(incident.id) ? ["en_route", "on_scene"] : ["accept"];
    case "en_route":
      return ["on_scene", "backup"];
    case "on_scene":
      return ["backup", "returning", "available"];
    case "returning":
      return ["available"];
    default:
      return [];
  }
}

function backupDialog(incident) {
  const reason = h("textarea", { id: "backup-reason", rows: 3, maxlength: 500 }, t("backup_default"));
  const dialog = h(
    "dialog",
    { class: "sheet", "aria-labelledby": "backup-title" },
    h(
      "form",
      { method: "dialog" },
      h("h2", { id: "backup-title" }, t("backup")),
      h("label", { for: "backup-reason" }, t("backup_reason")),
      reason,
      h(
        "div",
        { class: "row" },
        h("button", { type: "button", class: "btn", on: { click: () => dialog.close() } }, t("cancel")),
        h("button", { type: "submit", class: "btn btn-danger", id: "backup-send" }, t("send")),
      ),
    ),
  );
  dialog.addEventListener("close", () => dialog.remove());
  dialog.querySelector("form").addEventListener("submit", () => {
    const text = reason.value.trim() || t("backup_default");
    askBackup(incident, text);
  });
  document.body.append(dialog);
  dialog.showModal();
  reason.select();
}

function run(step, incident) {
  const r = duty.resource;
  switch (step) {
    case "accept":
      return accept(incident);
    case "backup":
      return backupDialog(incident);
    case "available":
      // After returning the resource may already be released from the incident.
      return reportStatus("available", r.incident_id != null && incident ? incident : null);
    default:
      return reportStatus(step, incident);
  }
}

/** Draws the steps for `incident` (or none) into `dock`; hides the dock when there are none. */
export function drawSteps(dock, incident) {
  const list = duty.resource ? steps(incident) : [];
  const klass = { accept: "btn-go", on_scene: "btn-go", backup: "btn-danger", en_route: "btn-primary", available: "btn-primary", returning: "btn-primary" };
  replace(
    dock,
    list.map((step) =>
      h("button", { type: "button", class: `btn ${klass[step]}`, "data-step": step, on: { click: () => run(step, incident) } }, t(step)),
    ),
  );
  dock.hidden = list.length === 0;
  dock.dataset.pending = statusPending() ? "true" : "false";
}
