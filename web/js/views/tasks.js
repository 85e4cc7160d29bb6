// The tasks page ("Nhiệm vụ"): the board of a unit or of the signed-in person with overdue tasks
// first and the counts by status, CSV/XLSX downloads, a form for leaders to assign a task to a
// named owner, and on each task the owner's progress and completion forms and the assigner's
// deadline, reopen and cancel actions. Every change sends the version read (409 = reload).

import { api, ApiError } from "../api.js";
import { h, replace, toast } from "../dom.js";
import { t } from "../i18n.js";
import { session, isCityUser, unitName } from "../session.js";
import { onChange } from "../feed.js";
import { dateTime } from "../time.js";
import { crimeDueStrip } from "./crime_reports.js";
import { emptyState, errorState, section, facts, field, hanoiInstant } from "./common.js";
import { errorText } from "../errors.js";

const SUMMARY = ["overdue", "not_started", "in_progress", "done_on_time", "done_late", "cancelled"];

function boardChip(task) {
  return h("span", { class: `chip task-${task.board_status}` }, t(`task_status_${task.board_status}`));
}

function taskErrorText(e) {
  if (e instanceof ApiError && e.code === "conflict") return t("task_conflict");
  return errorText(e);
}

/** Draws the tasks page. */
export function renderTasks(main, _params, ctx) {
  const me = String(session.me.id);
  const canAssign = ["admin", "leader"].includes(session.me.role);
  let unit = isCityUser() ? document.getElementById("unit-select").value || "" : session.me.unit_code;
  ctx.refreshUnitSelect(unit);
  let mineOnly = false;
  let includeClosed = true;
  let openId = null;

  const unitSel = h(
    "select",
    { id: "task-unit", disabled: !isCityUser() },
    isCityUser() ? h("option", { value: "" }, t("all_units")) : null,
    session.unitList.filter((u) => isCityUser() || u.code === unit).map((u) => h("option", { value: u.code }, u.full_name)),
  );
  unitSel.value = unit;
  const mineBox = h("input", { type: "checkbox", id: "task-mine" });
  const closedBox = h("input", { type: "checkbox", id: "task-closed", checked: true });
  const csv = h("a", { class: "btn btn-sm", download: "" }, t("export_csv"));
  const xlsx = h("a", { class: "btn btn-sm", download: "" }, t("export_xlsx"));
  const summary = h("div", { class: "dev-summary", "aria-live": "polite" });
  // The crime reports whose legal time limit is over or ends soon sit beside the tasks: they
  // are the unit's work with a deadline too.
  const crimeDue = h("div", { id: "tasks-crime-due" });
  const body = h("div", {}, h("p", { class: "muted" }, t("loading")));
  const createBox = h("div");
  replace(
    main,
    h(
      "div",
      { class: "tasks page" },
      h("h1", {}, t("tasks_title")),
      h(
        "div",
        { class: "filters" },
        h("label", { for: "task-unit" }, t("unit")),
        unitSel,
        h("label", {}, mineBox, " ", t("tasks_mine")),
        h("label", {}, closedBox, " ", t("tasks_include_closed")),
        csv,
        xlsx,
      ),
      summary,
      crimeDue,
      body,
      createBox,
    ),
  );
  unitSel.addEventListener("change", () => {
    unit = unitSel.value;
    load();
  });
  mineBox.addEventListener("change", () => {
    mineOnly = mineBox.checked;
    load();
  });
  closedBox.addEventListener("change", () => {
    includeClosed = closedBox.checked;
    load();
  });

  async function load() {
    const q = new URLSearchParams();
    if (mineOnly) q.set("person", me);
    else if (unit) q.set("unit", unit);
    if (!includeClosed) q.set("include_closed", "false");
    const eq = new URLSearchParams();
    if (mineOnly) eq.set("owner", me);
    else if (unit) eq.set("unit", unit);
    csv.href = `/api/tasks/export.csv?${eq}`;
    xlsx.href = `/api/tasks/export.xlsx?${eq}`;
    let board;
    try {
      board = await api(`/api/tasks/board?${q}`);
    } catch (e) {
      replace(summary);
      replace(body, errorState(e));
      return;
    }
    replace(summary, SUMMARY.map((s) => h("span", { class: `sum task-${s}` }, `${t(`task_status_${s}`)}: ${board.summary?.[s] ?? 0}`)));
    replace(crimeDue, crimeDueStrip(mineOnly ? session.me.unit_code : unit));
    const tasks = board.tasks || [];
    if (!tasks.length) return replace(body, emptyState(t("tasks_empty")));
    replace(
      body,
      h(
        "table",
        { class: "table", id: "tasks-table" },
        h("thead", {}, h("tr", {}, [t("task"), t("unit"), t("task_owner"), t("task_deadline"), t("task_progress"), t("status")].map((c) => h("th", { scope: "col" }, c)))),
        h(
          "tbody",
          {},
          tasks.map((task) => [
            h(
              "tr",
              { class: `task-row task-${task.board_status}` },
              h("td", {}, h("button", { type: "button", class: "btn-link", "aria-expanded": String(openId === task.id), on: { click: () => toggle(task.id) } }, task.title)),
              h("td", {}, task.unit_name || unitName(task.unit)),
              h("td", {}, task.owner?.display_name ?? ""),
              h("td", {}, dateTime(task.deadline)),
              h("td", {}, h("progress", { max: 100, value: task.progress }), ` ${task.progress}%`),
              h("td", {}, boardChip(task)),
            ),
            openId === task.id ? h("tr", { class: "task-detail" }, h("td", { colspan: 6 }, detail(task))) : null,
          ]),
        ),
      ),
    );
  }

  function toggle(id) {
    openId = openId === id ? null : id;
    load();
  }

  /** Sends a change and reloads; 409 asks to reload. */
  async function act(task, action, body, okText) {
    try {
      await api(`/api/tasks/${task.id}/${action}`, { method: "POST", body: { version: task.version, ...body } });
      toast(okText, "ok");
    } catch (e) {
      toast(taskErrorText(e), "error");
    }
    load();
  }

  function detail(task) {
    const isOwner = task.owner?.user_id === me;
    const isAssigner = task.assigner?.user_id === me;
    const active = task.status === "open" || task.status === "in_progress";
    const parts = [
      facts([
        [t("description"), task.description],
        [t("task_expected"), task.expected_result],
        [t("task_assigner"), task.assigner?.display_name],
        [t("task_original_deadline"), task.original_deadline !== task.deadline ? dateTime(task.original_deadline) : ""],
        [t("task_outcome"), task.outcome?.text],
        [t("task_evidence"), (task.outcome?.evidence || []).map((e) => `${e.description} (${e.reference})`).join("; ")],
        [t("task_cancel_reason"), task.cancel_reason],
      ]),
    ];
    if (task.notes?.length) {
      parts.push(h("ol", { class: "timeline" }, task.notes.map((n) => h("li", {}, h("time", {}, dateTime(n.at)), h("span", { class: "tl-text" }, `${n.percent}% · ${n.by?.display_name ?? ""}: ${n.text}`)))));
    }
    if (active && (isOwner || isAssigner || session.me.role === "admin")) {
      if (task.status === "open") parts.push(h("button", { type: "button", class: "btn btn-sm", on: { click: () => act(task, "start", {}, t("saved")) } }, t("task_start")));
      const percent = h("input", { id: `tp-${task.id}`, type: "number", min: 0, max: 100, value: task.progress });
      const note = h("input", { id: `tn-${task.id}`, autocomplete: "off" });
      parts.push(
        h(
          "form",
          { class: "row2", on: { submit: (e) => (e.preventDefault(), act(task, "progress", { percent: Number(percent.value), note: note.value }, t("saved"))) } },
          field(`tp-${task.id}`, t("task_progress"), percent),
          field(`tn-${task.id}`, t("task_note"), note),
          h("button", { type: "submit", class: "btn btn-sm" }, t("task_report_progress")),
        ),
      );
      const outcome = h("input", { id: `to-${task.id}`, autocomplete: "off" });
      const evDesc = h("input", { id: `ted-${task.id}`, autocomplete: "off" });
      const evRef = h("input", { id: `ter-${task.id}`, autocomplete: "off" });
      parts.push(
        h(
          "form",
          {
            class: "row2",
            on: {
              submit: (e) => {
                e.preventDefault();
                const evidence = evDesc.value.trim() || evRef.value.trim() ? [{ description: evDesc.value, reference: evRef.value }] : [];
                act(task, "complete", { outcome: outcome.value, evidence }, t("saved"));
              },
            },
          },
          field(`to-${task.id}`, t("task_outcome"), outcome),
          field(`ted-${task.id}`, t("task_evidence"), evDesc),
          field(`ter-${task.id}`, t("task_evidence_ref"), evRef),
          h("button", { type: "submit", class: "btn btn-sm btn-primary" }, t("task_complete")),
        ),
      );
    }
    if (isAssigner || (active && ["leader", "admin"].includes(session.me.role))) {
      const reason = h("input", { id: `tr-${task.id}`, autocomplete: "off" });
      const deadline = h("input", { id: `td-${task.id}`, type: "datetime-local" });
      const needReason = (fn) => () => (reason.value.trim() ? fn() : toast(t("reason_required"), "error"));
      parts.push(
        h(
          "div",
          { class: "row2" },
          field(`tr-${task.id}`, t("reason"), reason),
          isAssigner && active ? field(`td-${task.id}`, t("task_new_deadline"), deadline) : null,
          h(
            "div",
            { class: "btn-row" },
            isAssigner && active
              ? h("button", { type: "button", class: "btn btn-sm", on: { click: needReason(() => act(task, "deadline", { deadline: hanoiInstant(deadline.value), reason: reason.value }, t("saved"))) } }, t("task_change_deadline"))
              : null,
            isAssigner && task.status === "done" ? h("button", { type: "button", class: "btn btn-sm", on: { click: needReason(() => act(task, "reopen", { reason: reason.value }, t("saved"))) } }, t("task_reopen")) : null,
            active ? h("button", { type: "button", class: "btn btn-sm", on: { click: needReason(() => act(task, "cancel", { reason: reason.value }, t("saved"))) } }, t("task_cancel")) : null,
          ),
        ),
      );
    }
    return h("div", { class: "task-detail-body" }, parts);
  }

  async function drawCreate() {
    if (!canAssign) return;
    let people = [];
    try {
      people = await api("/api/tasks/assignees");
    } catch (e) {
      return replace(createBox, section(t("task_new"), errorState(e)));
    }
    const title = h("input", { id: "nt-title", autocomplete: "off", required: true });
    const description = h("textarea", { id: "nt-desc", rows: 2 });
    const owner = h(
      "select",
      { id: "nt-owner", required: true },
      h("option", { value: "" }, "—"),
      people.map((p) => h("option", { value: String(p.id) }, `${p.display_name}${p.unit_code ? ` · ${unitName(p.unit_code)}` : ""}`)),
    );
    const deadline = h("input", { id: "nt-deadline", type: "datetime-local", required: true });
    const expected = h("input", { id: "nt-expected", autocomplete: "off", required: true });
    const reference = h("input", { id: "nt-ref", autocomplete: "off" });
    const form = h(
      "form",
      { id: "task-create", novalidate: true },
      field("nt-title", t("task"), title),
      field("nt-desc", t("description"), description),
      h("div", { class: "row2" }, field("nt-owner", t("task_owner"), owner), field("nt-deadline", t("task_deadline"), deadline)),
      field("nt-expected", t("task_expected"), expected),
      field("nt-ref", t("task_reference"), reference),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "btn btn-primary" }, t("task_assign"))),
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!owner.value || !deadline.value) return toast(t("task_owner_deadline_required"), "error");
      try {
        await api("/api/tasks", {
          method: "POST",
          body: {
            title: title.value,
            description: description.value,
            owner_id: Number(owner.value),
            deadline: hanoiInstant(deadline.value),
            expected_result: expected.value,
            reference: reference.value || null,
          },
        });
        toast(t("task_assigned"), "ok");
        form.reset();
        load();
      } catch (err) {
        toast(taskErrorText(err), "error");
      }
    });
    replace(createBox, section(t("task_new"), form));
  }

  const off = onChange((c) => {
    if (c.kind === "resync" || (c.kind && c.kind.startsWith("task."))) load();
  });
  load();
  drawCreate();
  return () => off();
}
