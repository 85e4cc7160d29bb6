// The inspection campaigns page ("Kiểm tra"): the list of campaigns with their status and
// progress, and one campaign in detail: progress per working group, the groups (leader,
// members, assigned units), the checklist, the visits with their verdicts per item, and the
// findings with the recommendations that became tasks. Planners (admin, leader, inspector)
// get the planning forms (create, groups, balanced assignment, checklist, start, visits,
// close); inspectors and admins the findings forms (record a visit, recommend, verify,
// accept). Every change sends the campaign's version: a 409 says the data changed and reloads.

import { api, ApiError } from "../api.js";
import { h, replace, toast } from "../dom.js";
import { t, lang } from "../i18n.js";
import { session, unitName } from "../session.js";
import { onChange } from "../feed.js";
import { dateTime, date } from "../time.js";
import { emptyState, errorState, section, facts, field, hanoiInstant, changeErrorText } from "./common.js";

const PLANNERS = ["admin", "leader", "inspector"];
const INSPECTORS = ["admin", "inspector"];

function statusChip(status) {
  return h("span", { class: `chip campaign-${status}` }, t(`campaign_status_${status}`));
}

function itemTitle(item) {
  return lang() === "en" && item?.title_en ? item.title_en : item?.title_vi ?? "";
}

function percent(rate) {
  return rate == null ? "–" : `${Number(rate).toFixed(1)} %`;
}

/** "3 / 18" with a progress bar. */
function ratio(done, total, labelText) {
  return [h("progress", { max: total || 1, value: done, "aria-label": labelText }), ` ${done} / ${total}`];
}

/** Draws `/campaigns` (list) or `/campaigns/{id}` (detail). */
export function renderCampaigns(main, params, ctx) {
  return params.id ? renderDetail(main, params.id, ctx) : renderList(main, ctx);
}

function renderList(main, ctx) {
  const canPlan = PLANNERS.includes(session.me.role);
  const body = h("div", {}, h("p", { class: "muted" }, t("loading")));
  const createBox = h("div");
  replace(main, h("div", { class: "campaigns page" }, h("h1", {}, t("campaigns_title")), body, createBox));
  let alive = true;

  async function load() {
    let rows;
    try {
      rows = await api("/api/campaigns");
    } catch (e) {
      if (alive) replace(body, errorState(e));
      return;
    }
    if (!alive) return;
    if (!rows.length) {
      replace(body, emptyState(t("campaigns_empty"), canPlan ? t("campaigns_empty_hint") : null));
    } else {
      replace(
        body,
        h(
          "table",
          { class: "table", id: "campaigns-table" },
          h(
            "thead",
            {},
            h("tr", {}, [t("campaign"), t("status"), t("campaign_groups"), t("campaign_units_visited"), t("campaign_findings_open_closed"), t("campaign_created")].map((c) => h("th", { scope: "col" }, c))),
          ),
          h(
            "tbody",
            {},
            rows.map((c) =>
              h(
                "tr",
                { dataset: { id: String(c.id) } },
                h("td", {}, h("a", { href: `/campaigns/${c.id}`, "data-nav": true }, c.title)),
                h("td", {}, statusChip(c.status)),
                h("td", {}, String(c.groups)),
                h("td", {}, ratio(c.units_visited, c.units_assigned, t("campaign_units_visited"))),
                h(
                  "td",
                  {},
                  `${c.findings_open} / ${c.findings_closed}`,
                  c.findings_overdue ? h("span", { class: "chip task-overdue" }, ` ${t("campaign_overdue_n", { n: c.findings_overdue })}`) : null,
                ),
                h("td", {}, dateTime(c.created_at)),
              ),
            ),
          ),
        ),
      );
    }
    if (canPlan && !createBox.firstChild) drawCreate();
  }

  function drawCreate() {
    const title = h("input", { id: "nc-title", autocomplete: "off", required: true, maxlength: 300 });
    const form = h(
      "form",
      { id: "campaign-create", novalidate: true },
      field("nc-title", t("campaign_title_field"), title),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "btn btn-primary" }, t("campaign_create"))),
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!title.value.trim()) return toast(t("campaign_title_required"), "error");
      try {
        const c = await api("/api/campaigns", { method: "POST", body: { title: title.value.trim() } });
        toast(t("campaign_created_ok"), "ok");
        ctx.go(`/campaigns/${c.id}`);
      } catch (err) {
        toast(changeErrorText(err), "error");
      }
    });
    replace(createBox, section(t("campaign_new"), h("p", { class: "muted" }, t("campaign_new_hint")), form));
  }

  const off = onChange((c) => {
    if (c.kind === "resync" || (c.kind && c.kind.startsWith("campaign."))) load();
  });
  load();
  return () => {
    alive = false;
    off();
  };
}

function renderDetail(main, id, ctx) {
  const role = session.me.role;
  const canPlan = PLANNERS.includes(role);
  const canInspect = INSPECTORS.includes(role);
  const message = h("p", { class: "form-message", role: "alert" });
  const body = h("div", {}, h("p", { class: "muted" }, t("loading")));
  replace(
    main,
    h("div", { class: "campaign page" }, h("p", {}, h("a", { href: "/campaigns", "data-nav": true }, `← ${t("campaigns_back")}`)), message, body),
  );
  let c = null;
  let alive = true;
  let people = null;
  const unitPeople = new Map();

  function say(text) {
    replace(message, text || "");
  }

  async function load() {
    try {
      const fresh = await api(`/api/campaigns/${encodeURIComponent(id)}`);
      if (!alive) return;
      c = fresh;
      draw();
    } catch (e) {
      if (alive) replace(body, errorState(e));
    }
  }

  /** Sends a change at the version read; on 409 (someone else changed it) says so and reloads. */
  async function act(path, payload, okText) {
    try {
      c = await api(`/api/campaigns/${c.id}/${path}`, { method: "POST", body: { version: c.version, ...payload } });
      say("");
      toast(okText, "ok");
      draw();
      return true;
    } catch (e) {
      const text = changeErrorText(e);
      say(text);
      toast(text, "error");
      if (e instanceof ApiError && e.status === 409 && e.code === "conflict") await load();
      return false;
    }
  }

  /** Accounts that can lead or join a group (admins, leaders and inspectors may list them). */
  async function loadPeople() {
    if (people) return people;
    try {
      people = await api("/api/tasks/assignees");
    } catch {
      people = [];
    }
    return people;
  }

  /** The officers of one unit (owners of a recommendation's task). */
  async function officersOf(unit) {
    if (!unitPeople.has(unit)) {
      unitPeople.set(
        unit,
        api(`/api/tasks/assignees?unit=${encodeURIComponent(unit)}`).catch(() => []),
      );
    }
    return unitPeople.get(unit);
  }

  function draw() {
    const p = c.progress || {};
    const groupsById = new Map((c.groups || []).map((g) => [g.id, g]));
    const itemsById = new Map((c.checklist || []).map((i) => [i.id, i]));
    const actions = [];
    if (canPlan && c.status === "planning") {
      actions.push(h("button", { type: "button", class: "btn btn-primary", id: "campaign-start", on: { click: () => act("start", {}, t("campaign_started")) } }, t("campaign_start")));
    }
    if (canPlan && c.status === "active") {
      actions.push(h("button", { type: "button", class: "btn", id: "campaign-close", on: { click: () => act("close", {}, t("campaign_closed_ok")) } }, t("campaign_close")));
    }
    const exp = (table, format, text) =>
      h("a", { class: "btn btn-sm", href: `/api/campaigns/${c.id}/progress?table=${table}&format=${format}&lang=${lang()}`, download: "" }, text);
    replace(
      body,
      h("h1", {}, c.title, " ", statusChip(c.status)),
      facts([
        [t("campaign_created"), dateTime(c.created_at)],
        [t("campaign_closed_at"), c.closed_at ? dateTime(c.closed_at) : ""],
        [t("campaign_units_visited"), `${p.units_visited ?? 0} / ${p.units_assigned ?? 0}`],
        [t("campaign_findings_open_closed"), `${p.findings_open ?? 0} / ${p.findings_closed ?? 0}`],
        [t("campaign_findings_overdue"), String(p.findings_overdue ?? 0)],
        [t("campaign_remediation_rate"), percent(p.remediation_rate_pct)],
      ]),
      actions.length ? h("div", { class: "btn-row campaign-actions" }, actions) : null,
      section(
        t("campaign_progress_groups"),
        (p.per_group || []).length
          ? h(
              "table",
              { class: "table", id: "campaign-progress" },
              h(
                "thead",
                {},
                h("tr", {}, [t("campaign_group"), t("campaign_leader"), t("campaign_units_visited"), t("campaign_findings_open"), t("campaign_findings_closed"), t("campaign_findings_overdue")].map((x) => h("th", { scope: "col" }, x))),
              ),
              h(
                "tbody",
                {},
                p.per_group.map((g) =>
                  h(
                    "tr",
                    {},
                    h("td", {}, g.name),
                    h("td", {}, g.leader?.display_name ?? ""),
                    h("td", {}, ratio(g.units_visited, g.units_assigned, `${g.name}: ${t("campaign_units_visited")}`)),
                    h("td", {}, String(g.findings_open)),
                    h("td", {}, String(g.findings_closed)),
                    h("td", {}, String(g.findings_overdue)),
                  ),
                ),
              ),
            )
          : emptyState(t("campaign_no_groups")),
        h(
          "div",
          { class: "btn-row" },
          exp("groups", "csv", t("campaign_export_groups_csv")),
          exp("groups", "xlsx", t("campaign_export_groups_xlsx")),
          exp("units", "xlsx", t("campaign_export_units_xlsx")),
        ),
      ),
      groupsSection(),
      checklistSection(),
      visitsSection(groupsById, itemsById),
      findingsSection(groupsById, itemsById),
    );
  }

  // ---- Working groups ----

  function groupsSection() {
    const rows = (c.groups || []).map((g) =>
      h(
        "li",
        { class: "campaign-group", dataset: { group: String(g.id) } },
        h("strong", {}, g.name),
        facts([
          [t("campaign_leader"), g.leader?.display_name],
          [t("campaign_members"), (g.members || []).map((m) => m.display_name).join(", ")],
          [t("campaign_assigned_units"), `${g.units.length}`],
        ]),
        g.units.length
          ? h("details", {}, h("summary", {}, t("campaign_units_list", { n: g.units.length })), h("p", { class: "campaign-units" }, g.units.map(unitName).join(", ")))
          : null,
      ),
    );
    const parts = [rows.length ? h("ul", { class: "campaign-groups" }, rows) : emptyState(t("campaign_no_groups"))];
    if (canPlan && c.status === "planning") {
      parts.push(groupForm());
      if ((c.groups || []).length) {
        parts.push(
          h(
            "div",
            { class: "btn-row" },
            h("button", { type: "button", class: "btn", id: "campaign-balance", on: { click: () => act("assign-balanced", {}, t("campaign_balanced_ok")) } }, t("campaign_balance")),
          ),
          h("p", { class: "muted" }, t("campaign_balance_hint")),
        );
      }
    }
    return section(t("campaign_groups"), ...parts);
  }

  function groupForm() {
    const name = h("input", { id: "cg-name", autocomplete: "off", required: true });
    const leader = h("select", { id: "cg-leader", required: true }, h("option", { value: "" }, t("loading")));
    const members = h("select", { id: "cg-members", multiple: true, size: 4 });
    loadPeople().then((list) => {
      const opts = () => list.map((x) => h("option", { value: String(x.id) }, `${x.display_name}${x.unit_code ? ` · ${unitName(x.unit_code)}` : ""}`));
      replace(leader, h("option", { value: "" }, "—"), opts());
      replace(members, opts());
    });
    const form = h(
      "form",
      { id: "campaign-group-form", novalidate: true },
      h("h3", {}, t("campaign_add_group")),
      h("div", { class: "row2" }, field("cg-name", t("campaign_group_name"), name), field("cg-leader", t("campaign_leader"), leader)),
      field("cg-members", t("campaign_members"), members),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "btn btn-sm btn-primary" }, t("campaign_add_group"))),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!name.value.trim() || !leader.value) return say(t("campaign_group_required"));
      const member_ids = [...members.selectedOptions].map((o) => Number(o.value)).filter((m) => m !== Number(leader.value));
      act("groups", { name: name.value.trim(), leader_id: Number(leader.value), member_ids }, t("campaign_group_added"));
    });
    return form;
  }

  // ---- Checklist ----

  function checklistSection() {
    const parts = [h("ol", { class: "campaign-checklist" }, (c.checklist || []).map((i) => h("li", { dataset: { item: String(i.id) } }, itemTitle(i))))];
    if (canPlan && c.checklist_editable && c.status !== "closed") {
      const vi = h("input", { id: "ci-vi", autocomplete: "off", required: true });
      const en = h("input", { id: "ci-en", autocomplete: "off" });
      const form = h(
        "form",
        { class: "row2", novalidate: true },
        field("ci-vi", t("campaign_item_vi"), vi),
        field("ci-en", t("campaign_item_en"), en),
        h("button", { type: "submit", class: "btn btn-sm" }, t("campaign_add_item")),
      );
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        if (!vi.value.trim()) return say(t("campaign_item_required"));
        act("checklist", { title_vi: vi.value.trim(), title_en: en.value.trim() }, t("saved"));
      });
      parts.push(form);
    } else if (!c.checklist_editable) {
      parts.push(h("p", { class: "muted" }, t("campaign_checklist_locked")));
    }
    return section(t("campaign_checklist"), ...parts);
  }

  // ---- Visits ----

  function visitsSection(groupsById, itemsById) {
    const visits = c.visits || [];
    const parts = [];
    if (visits.length) {
      parts.push(
        h(
          "table",
          { class: "table", id: "campaign-visits" },
          h("thead", {}, h("tr", {}, [t("campaign_visit_date"), t("campaign_group"), t("unit"), t("status"), t("campaign_record_ref"), t("campaign_results")].map((x) => h("th", { scope: "col" }, x)))),
          h(
            "tbody",
            {},
            visits.map((v) =>
              h(
                "tr",
                { class: `visit-${v.status}`, dataset: { visit: String(v.id) } },
                h("td", {}, date(`${v.date}T00:00:00+07:00`)),
                h("td", {}, groupsById.get(v.group_id)?.name ?? v.group_id),
                h("td", {}, unitName(v.unit)),
                h("td", {}, h("span", { class: `chip visit-${v.status}` }, t(`visit_status_${v.status}`))),
                h("td", {}, v.record_ref ?? ""),
                h("td", {}, v.status === "done" ? resultsList(v, itemsById) : visitActions(v)),
              ),
            ),
          ),
        ),
      );
    } else {
      parts.push(emptyState(t("campaign_no_visits")));
    }
    if (canPlan && c.status === "active" && (c.groups || []).length) parts.push(visitForm());
    return section(t("campaign_visits"), ...parts);
  }

  function resultsList(v, itemsById) {
    return h(
      "ul",
      { class: "visit-results" },
      (v.results || []).map((r) =>
        h(
          "li",
          { class: `verdict-${r.verdict}` },
          h("span", { class: `chip verdict-${r.verdict}` }, t(`verdict_${r.verdict}`)),
          " ",
          itemTitle(itemsById.get(r.item_id)),
          r.notes ? ` — ${r.notes}` : "",
        ),
      ),
    );
  }

  function visitActions(v) {
    if (v.status !== "planned" || c.status !== "active") return null;
    return [
      canInspect ? recordForm(v) : null,
      canPlan
        ? h("button", { type: "button", class: "btn btn-sm", "aria-label": t("campaign_cancel_visit_of", { unit: unitName(v.unit) }), on: { click: () => act(`visits/${v.id}/cancel`, {}, t("saved")) } }, t("campaign_cancel_visit"))
        : null,
    ];
  }

  function visitForm() {
    const groups = c.groups;
    const group = h("select", { id: "cv-group" }, groups.map((g) => h("option", { value: String(g.id) }, g.name)));
    const unit = h("select", { id: "cv-unit" });
    const fillUnits = () => {
      const g = groups.find((x) => String(x.id) === group.value);
      replace(unit, (g?.units || []).map((u) => h("option", { value: u }, unitName(u))));
    };
    group.addEventListener("change", fillUnits);
    fillUnits();
    const day = h("input", { id: "cv-date", type: "date", required: true });
    const form = h(
      "form",
      { id: "campaign-visit-form", novalidate: true },
      h("h3", {}, t("campaign_schedule_visit")),
      h("div", { class: "row2" }, field("cv-group", t("campaign_group"), group), field("cv-unit", t("unit"), unit)),
      field("cv-date", t("campaign_visit_date"), day),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "btn btn-sm btn-primary" }, t("campaign_schedule_visit"))),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!unit.value || !day.value) return say(t("campaign_visit_required"));
      act("visits", { group_id: Number(group.value), unit: unit.value, date: day.value }, t("campaign_visit_scheduled"));
    });
    return form;
  }

  /** The visit record: one verdict (met / not met with notes and severity) per checklist item. */
  function recordForm(v) {
    const p = `rv-${v.id}`;
    const ref = h("input", { id: `${p}-ref`, autocomplete: "off", required: true });
    const rows = (c.checklist || []).map((item) => {
      const verdict = h("select", { id: `${p}-${item.id}-verdict` }, h("option", { value: "met" }, t("verdict_met")), h("option", { value: "not_met" }, t("verdict_not_met")));
      const notes = h("input", { id: `${p}-${item.id}-notes`, autocomplete: "off" });
      const severity = h(
        "select",
        { id: `${p}-${item.id}-severity` },
        ["low", "medium", "high"].map((s) => h("option", { value: s, selected: s === "medium" }, t(`finding_severity_${s}`))),
      );
      return {
        item,
        verdict,
        notes,
        severity,
        el: h(
          "fieldset",
          { class: "record-item" },
          h("legend", {}, itemTitle(item)),
          h("div", { class: "row3" }, field(verdict.id, t("campaign_verdict"), verdict), field(notes.id, t("campaign_notes"), notes), field(severity.id, t("campaign_severity"), severity)),
        ),
      };
    });
    const form = h(
      "form",
      { class: "record-form", novalidate: true },
      field(ref.id, t("campaign_record_ref"), ref),
      rows.map((r) => r.el),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "btn btn-sm btn-primary" }, t("campaign_record_visit"))),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!ref.value.trim()) return say(t("campaign_record_ref_required"));
      const missing = rows.find((r) => r.verdict.value === "not_met" && !r.notes.value.trim());
      if (missing) return say(t("campaign_notes_required", { item: itemTitle(missing.item) }));
      act(
        `visits/${v.id}/record`,
        {
          record_ref: ref.value.trim(),
          results: rows.map((r) => ({ item_id: r.item.id, verdict: r.verdict.value, notes: r.notes.value.trim(), severity: r.severity.value })),
        },
        t("campaign_visit_recorded"),
      );
    });
    return h("details", { class: "record-details" }, h("summary", {}, t("campaign_record_visit_of", { unit: unitName(v.unit) })), form);
  }

  // ---- Findings ----

  function findingsSection(groupsById, itemsById) {
    const findings = c.findings || [];
    if (!findings.length) return section(t("campaign_findings"), emptyState(t("campaign_no_findings")));
    return section(
      t("campaign_findings"),
      h(
        "ul",
        { class: "campaign-findings" },
        findings.map((f) => {
          const state = f.state?.state ?? "open";
          const rec = f.recommendation;
          return h(
            "li",
            { class: `finding finding-${state}`, dataset: { finding: String(f.id) } },
            h("p", {}, h("span", { class: `chip finding-${state}` }, t(`finding_state_${state}`)), " ", h("strong", {}, unitName(f.unit)), ` · ${itemTitle(itemsById.get(f.item_id))}`),
            facts([
              [t("campaign_group"), groupsById.get(f.group_id)?.name],
              [t("campaign_severity"), t(`finding_severity_${f.severity}`)],
              [t("campaign_finding_text"), f.description],
              [t("campaign_recommendation"), rec ? rec.text : ""],
              [t("task_owner"), rec ? rec.owner?.display_name : ""],
              [t("task_deadline"), rec ? dateTime(rec.deadline) : ""],
              [t("campaign_task"), rec ? h("a", { href: "/tasks", "data-nav": true }, t("campaign_task_ref", { id: rec.task_id })) : ""],
              [t("campaign_closed_note"), f.state?.note || f.state?.reason || ""],
              [t("campaign_closed_by"), f.state?.by ? `${f.state.by.display_name} · ${dateTime(f.state.at)}` : ""],
            ]),
            state === "open" && canInspect ? findingForms(f) : null,
          );
        }),
      ),
    );
  }

  function findingForms(f) {
    const p = `cf-${f.id}`;
    const parts = [];
    if (!f.recommendation) {
      const text = h("input", { id: `${p}-text`, autocomplete: "off", required: true });
      const owner = h("select", { id: `${p}-owner`, required: true }, h("option", { value: "" }, t("loading")));
      officersOf(f.unit).then((list) => {
        replace(owner, h("option", { value: "" }, list.length ? "—" : t("campaign_no_officers")), list.map((x) => h("option", { value: String(x.id) }, x.display_name)));
      });
      const deadline = h("input", { id: `${p}-deadline`, type: "datetime-local", required: true });
      const form = h(
        "form",
        { class: "recommend-form", novalidate: true },
        h("div", { class: "row3" }, field(text.id, t("campaign_recommendation"), text), field(owner.id, t("task_owner"), owner), field(deadline.id, t("task_deadline"), deadline)),
        h("button", { type: "submit", class: "btn btn-sm btn-primary" }, t("campaign_recommend")),
      );
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        if (!text.value.trim() || !owner.value || !deadline.value) return say(t("campaign_recommend_required"));
        act(`findings/${f.id}/recommend`, { text: text.value.trim(), owner_id: Number(owner.value), deadline: hanoiInstant(deadline.value) }, t("campaign_recommended"));
      });
      parts.push(form);
    } else {
      const note = h("input", { id: `${p}-note`, autocomplete: "off" });
      const form = h(
        "form",
        { class: "row2 verify-form", novalidate: true },
        field(note.id, t("campaign_verify_note"), note),
        h("button", { type: "submit", class: "btn btn-sm btn-primary" }, t("campaign_verify")),
      );
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        act(`findings/${f.id}/verify`, { note: note.value.trim() }, t("campaign_verified"));
      });
      parts.push(form);
    }
    const reason = h("input", { id: `${p}-reason`, autocomplete: "off" });
    const accept = h(
      "form",
      { class: "row2 accept-form", novalidate: true },
      field(reason.id, t("campaign_accept_reason"), reason),
      h("button", { type: "submit", class: "btn btn-sm" }, t("campaign_accept")),
    );
    accept.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!reason.value.trim()) return say(t("reason_required"));
      act(`findings/${f.id}/accept`, { reason: reason.value.trim() }, t("saved"));
    });
    parts.push(accept);
    return h("div", { class: "finding-forms" }, parts);
  }

  // Someone else's change: redraw at once, unless the user is typing in a form here.
  const off = onChange(async (change) => {
    if (!c || !(change.kind === "resync" || (change.kind && change.kind.startsWith("campaign.")))) return;
    let fresh;
    try {
      fresh = await api(`/api/campaigns/${c.id}`);
    } catch {
      return;
    }
    if (!alive || fresh.version === c.version) return;
    const typing = body.contains(document.activeElement) && document.activeElement.closest("form");
    if (typing) {
      replace(message, t("data_changed_elsewhere"), " ", h("button", { type: "button", class: "btn btn-sm", on: { click: () => ((c = fresh), say(""), draw()) } }, t("reload")));
    } else {
      c = fresh;
      draw();
    }
  });
  load();
  return () => {
    alive = false;
    off();
  };
}
