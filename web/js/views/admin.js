// The administration screens, for administrators only: accounts (create, edit name, role and
// unit, reset the password, disable, end sessions, clear 2-step verification), the units with
// their accounts and chiefs (who answers for a unit's tasks and inspection campaigns), the
// response plans (read, edit as TOML with a reason, history, restore), and the CSV imports of
// facilities and alarm devices with every refused row listed.

import { api, ApiError } from "../api.js";
import { h, replace, toast } from "../dom.js";
import { t, lang, label } from "../i18n.js";
import { session, unitName } from "../session.js";
import { dateTime } from "../time.js";
import { emptyState, errorState, section, field, changeErrorText } from "./common.js";
import { errorText } from "../errors.js";

/** The screens, in the order of their tabs. */
const TABS = ["users", "units", "plans", "imports"];

/** Accounts a page shows. */
const PAGE = 100;

/** Roles an administrator gives (establishment accounts are made from their establishment). */
const STAFF_ROLES = ["admin", "operator", "unit_officer", "leader", "inspector"];

/** Draws the administration screen `tab` (`users` by default). */
export function renderAdmin(main, { tab = "users" }, ctx) {
  ctx.refreshUnitSelect("");
  if (session.me.role !== "admin") {
    replace(main, h("div", { class: "page" }, emptyState(t("admin_only"))));
    return null;
  }
  const current = TABS.includes(tab) ? tab : "users";
  const body = h("div", { id: "admin-body" }, h("p", { class: "muted" }, t("loading")));
  const tabs = h(
    "nav",
    { class: "subnav", "aria-label": t("admin_title") },
    TABS.map((name) =>
      h("a", { href: name === "users" ? "/admin" : `/admin/${name}`, "data-nav": true, id: `admin-tab-${name}`, "aria-current": name === current ? "page" : null }, t(`admin_tab_${name}`)),
    ),
  );
  replace(main, h("div", { class: "admin page" }, h("h1", {}, t("admin_title")), tabs, body));
  const state = { alive: true };
  const draw = { users: usersTab, units: unitsTab, plans: plansTab, imports: importsTab }[current];
  draw(body, state, ctx).catch((e) => state.alive && replace(body, errorState(e)));
  return () => {
    state.alive = false;
  };
}

/** A visible table with a header row. */
function table(id, head, rows) {
  return h(
    "table",
    { class: "table", id },
    h("thead", {}, h("tr", {}, head.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows),
  );
}

/** A unit select: "—" (none) first, then every unit by name. */
function unitSelect(id, selected) {
  return h(
    "select",
    { id },
    h("option", { value: "" }, "—"),
    session.unitList.map((u) => h("option", { value: u.code, selected: u.code === selected }, u.full_name)),
  );
}

/** A role select of the staff roles. */
function roleSelect(id, selected) {
  return h("select", { id }, STAFF_ROLES.map((r) => h("option", { value: r, selected: r === selected }, label("role", r))));
}

/** A form's error line. */
function errorLine(id) {
  return h("p", { class: "form-error", role: "alert", id });
}

/** A random password of 16 letters and digits (easy to read aloud: no 0/O, 1/l/I). */
export function generatePassword(random = (n) => crypto.getRandomValues(new Uint32Array(n))) {
  const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  return [...random(16)].map((n) => alphabet[n % alphabet.length]).join("");
}

// ---------------------------------------------------------------------------------------------
// Accounts

async function usersTab(body, state) {
  const params = new URLSearchParams(location.search);
  let users = await api("/api/users");
  if (!state.alive) return;
  let offset = 0;
  const search = h("input", { id: "users-search", type: "search", placeholder: t("users_search"), "aria-label": t("users_search") });
  const roleFilter = h("select", { id: "users-role", "aria-label": t("role") }, h("option", { value: "" }, t("all_roles")), [...STAFF_ROLES, "establishment"].map((r) => h("option", { value: r }, label("role", r))));
  const unitFilter = unitSelect("users-unit", params.get("unit") || "");
  unitFilter.setAttribute("aria-label", t("unit"));
  unitFilter.options[0].textContent = t("all_units");
  const listBox = h("div", { id: "users-list" });
  const createBox = createForm(params.get("unit"));
  for (const el of [search, roleFilter, unitFilter]) el.addEventListener("input", () => ((offset = 0), drawList()));

  async function reload() {
    users = await api("/api/users");
    if (state.alive) drawList();
  }

  function filtered() {
    const q = search.value.trim().toLowerCase();
    return users.filter(
      (u) =>
        (!roleFilter.value || u.role === roleFilter.value) &&
        (!unitFilter.value || u.unit_code === unitFilter.value) &&
        (!q || u.username.toLowerCase().includes(q) || (u.display_name || "").toLowerCase().includes(q)),
    );
  }

  function drawList() {
    const rows = filtered();
    const shown = rows.slice(offset, offset + PAGE);
    const to = offset + shown.length;
    const page = (next) => () => ((offset = Math.max(0, next)), drawList());
    replace(
      listBox,
      h("p", { class: "muted", id: "users-count" }, t("users_count", { shown: rows.length, total: users.length })),
      shown.length
        ? table("users-table", [t("username"), t("display_name"), t("role"), t("unit"), t("account_state"), t("two_step"), ""], shown.map(userRow))
        : emptyState(t("users_none")),
      rows.length > PAGE
        ? h(
            "div",
            { class: "pager" },
            h("button", { type: "button", class: "btn btn-sm", disabled: offset === 0, on: { click: page(offset - PAGE) } }, t("page_prev")),
            h("span", {}, t("quality_page", { from: offset + 1, to, total: rows.length })),
            h("button", { type: "button", class: "btn btn-sm", disabled: to >= rows.length, on: { click: page(offset + PAGE) } }, t("page_next")),
          )
        : null,
    );
  }

  /** One account: its facts, and its actions in a disclosure. */
  function userRow(u) {
    const self = u.id === session.me.id;
    const actions = h("div", { class: "row-actions" });
    const open = h("details", { class: "mini", id: `user-${u.id}-box` }, h("summary", {}, t("user_actions")), actions);
    open.addEventListener("toggle", () => open.open && !actions.childElementCount && actions.append(...userActions(u, self)));
    return h(
      "tr",
      { dataset: { username: u.username } },
      h("td", {}, u.username),
      h("td", {}, u.display_name),
      h("td", {}, label("role", u.role)),
      h("td", {}, u.unit_code ? unitName(u.unit_code) : "—"),
      h("td", { class: u.disabled ? "warn-text" : "" }, t(u.disabled ? "account_disabled" : "account_active")),
      h("td", { class: u.needs_totp ? "warn-text" : "" }, t(u.totp_enabled ? "two_step_on" : u.needs_totp ? "two_step_needed" : "two_step_off")),
      h("td", {}, open),
    );
  }

  /** The changes an administrator makes to an account. */
  function userActions(u, self) {
    const err = errorLine(`user-${u.id}-error`);
    const run = async (path, options, ok) => {
      err.textContent = "";
      try {
        await api(path, options);
        toast(ok, "ok");
        await reload();
      } catch (e) {
        err.textContent = e instanceof ApiError && e.status === 403 ? t("forbidden") : errorText(e);
      }
    };
    const parts = [];
    if (u.role !== "establishment") {
      const name = h("input", { id: `user-${u.id}-name`, value: u.display_name });
      const role = roleSelect(`user-${u.id}-role`, u.role);
      // An administrator keeps their own role: nobody else could give it back.
      role.disabled = self;
      const unit = unitSelect(`user-${u.id}-unit`, u.unit_code);
      const unitField = field(`user-${u.id}-unit`, t("unit"), unit);
      const showUnit = () => (unitField.hidden = role.value !== "unit_officer");
      role.addEventListener("change", showUnit);
      showUnit();
      const edit = h(
        "form",
        { class: "admin-form", id: `user-${u.id}-edit` },
        field(`user-${u.id}-name`, t("display_name"), name),
        field(`user-${u.id}-role`, t("role"), role),
        unitField,
        h("p", { class: "muted" }, t("assignment_hint")),
        h("button", { type: "submit", class: "btn btn-sm" }, t("save")),
      );
      edit.addEventListener("submit", (e) => {
        e.preventDefault();
        const unitCode = role.value === "unit_officer" ? unit.value || null : null;
        if (role.value === "unit_officer" && !unitCode) return (err.textContent = t("unit_required"));
        run(`/api/users/${u.id}/assignment`, { method: "PUT", body: { display_name: name.value, role: role.value, unit_code: unitCode } }, t("user_saved"));
      });
      parts.push(edit);
    }
    const password = h("input", { id: `user-${u.id}-password`, autocomplete: "new-password", minlength: "10" });
    const reset = h(
      "form",
      { class: "admin-form", id: `user-${u.id}-reset` },
      field(`user-${u.id}-password`, t("new_password"), password),
      h("button", { type: "button", class: "btn btn-sm btn-ghost", on: { click: () => (password.value = generatePassword()) } }, t("generate_password")),
      h("button", { type: "submit", class: "btn btn-sm" }, t("reset_password")),
    );
    reset.addEventListener("submit", (e) => {
      e.preventDefault();
      if (password.value.length < 10) return (err.textContent = t("password_short"));
      run(`/api/users/${u.id}/password`, { method: "POST", body: { new_password: password.value } }, t("password_reset_ok"));
    });
    parts.push(reset);
    const buttons = h("div", { class: "form-actions" });
    if (!self) {
      buttons.append(
        u.disabled
          ? h("button", { type: "button", class: "btn btn-sm", id: `user-${u.id}-enable`, on: { click: () => run(`/api/users/${u.id}/enable`, { method: "POST" }, t("user_enabled")) } }, t("enable_account"))
          : h("button", { type: "button", class: "btn btn-sm btn-danger", id: `user-${u.id}-disable`, on: { click: () => run(`/api/users/${u.id}/disable`, { method: "POST" }, t("user_disabled")) } }, t("disable_account")),
      );
    }
    buttons.append(h("button", { type: "button", class: "btn btn-sm", on: { click: () => run(`/api/users/${u.id}/sessions`, { method: "DELETE" }, t("sessions_ended")) } }, t("end_sessions")));
    if (u.totp_enabled) {
      buttons.append(h("button", { type: "button", class: "btn btn-sm", on: { click: () => run(`/api/users/${u.id}/totp`, { method: "DELETE" }, t("totp_cleared")) } }, t("clear_totp")));
    }
    parts.push(buttons, err);
    return parts;
  }

  /** The new-account form; `unit` preselects a unit officer's unit (from the units tab). */
  function createForm(unit) {
    const username = h("input", { id: "new-username", autocomplete: "off", required: true, pattern: "[A-Za-z0-9._\\-]{3,64}" });
    const name = h("input", { id: "new-name" });
    const role = roleSelect("new-role", unit ? "unit_officer" : "operator");
    const unitSel = unitSelect("new-unit", unit || "");
    const unitField = field("new-unit", t("unit"), unitSel);
    const password = h("input", { id: "new-password", autocomplete: "new-password", value: generatePassword() });
    const err = errorLine("new-user-error");
    const showUnit = () => (unitField.hidden = role.value !== "unit_officer");
    role.addEventListener("change", showUnit);
    showUnit();
    const form = h(
      "form",
      { class: "admin-form", id: "new-user-form" },
      field("new-username", t("username"), username),
      field("new-name", t("display_name"), name),
      field("new-role", t("role"), role),
      unitField,
      field("new-password", t("first_password"), password),
      h("p", { class: "muted" }, t("first_password_hint")),
      err,
      h("button", { type: "submit", class: "btn", id: "new-user-submit" }, t("create_account")),
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      err.textContent = "";
      if (role.value === "unit_officer" && !unitSel.value) return (err.textContent = t("unit_required"));
      const bodyJson = { username: username.value.trim(), role: role.value, password: password.value };
      if (name.value.trim()) bodyJson.display_name = name.value.trim();
      if (role.value === "unit_officer") bodyJson.unit_code = unitSel.value;
      try {
        const made = await api("/api/users", { method: "POST", body: bodyJson });
        toast(t("user_created", { username: made.username }), "ok");
        username.value = "";
        name.value = "";
        password.value = generatePassword();
        search.value = made.username;
        await reload();
      } catch (x) {
        err.textContent = x instanceof ApiError && x.status === 409 ? t("username_taken") : errorText(x);
      }
    });
    const box = h("details", { class: "mini", id: "new-user-box", open: !!unit }, h("summary", {}, t("create_account")), form);
    return box;
  }

  replace(body, h("div", { class: "filters" }, search, roleFilter, unitFilter), createBox, listBox);
  drawList();
}

// ---------------------------------------------------------------------------------------------
// Units, their accounts and chiefs

async function unitsTab(body, state) {
  const fetchBoth = () => Promise.all([api("/api/users"), api("/api/unit-chiefs")]);
  let [users, chiefs] = await fetchBoth();
  if (!state.alive) return;
  const search = h("input", { id: "units-search", type: "search", placeholder: t("units_search"), "aria-label": t("units_search") });
  const onlyEmpty = h("input", { id: "units-empty", type: "checkbox" });
  const listBox = h("div", { id: "units-list" });
  search.addEventListener("input", drawList);
  onlyEmpty.addEventListener("change", drawList);

  async function reload() {
    [users, chiefs] = await fetchBoth();
    if (state.alive) drawList();
  }

  function drawList() {
    const chiefOf = new Map(chiefs.map((c) => [c.unit_code, c.user_id]));
    const officers = new Map();
    for (const u of users) {
      if (u.role !== "unit_officer" || !u.unit_code) continue;
      if (!officers.has(u.unit_code)) officers.set(u.unit_code, []);
      officers.get(u.unit_code).push(u);
    }
    const withoutAccount = session.unitList.filter((u) => !(officers.get(u.code) || []).some((o) => !o.disabled)).length;
    const q = search.value.trim().toLowerCase();
    const units = session.unitList.filter(
      (u) => (!q || (u.full_name).toLowerCase().includes(q) || u.code.includes(q)) && (!onlyEmpty.checked || !(officers.get(u.code) || []).some((o) => !o.disabled)),
    );
    // City-level accounts (no unit) may answer for the headquarters.
    const cityOfficers = users.filter((u) => !u.unit_code && ["admin", "operator", "leader", "inspector"].includes(u.role) && !u.disabled);
    const row = (code, name, people) => {
      const active = people.filter((p) => !p.disabled);
      const chiefId = chiefOf.get(code);
      const select = h(
        "select",
        { id: `chief-${code}`, "aria-label": t("unit_chief_of", { unit: name }) },
        h("option", { value: "" }, "—"),
        active.map((p) => h("option", { value: String(p.id), selected: p.id === chiefId }, `${p.display_name} (${p.username})`)),
      );
      const save = h("button", { type: "button", class: "btn btn-sm", id: `chief-${code}-save`, disabled: true }, t("save"));
      select.addEventListener("change", () => (save.disabled = !select.value || Number(select.value) === chiefId));
      save.addEventListener("click", async () => {
        try {
          await api(`/api/units/${encodeURIComponent(code)}/chief`, { method: "PUT", body: { user_id: Number(select.value) } });
          toast(t("chief_saved", { unit: name }), "ok");
          await reload();
        } catch (e) {
          toast(changeErrorText(e), "error");
        }
      });
      return h(
        "tr",
        { dataset: { unit: code } },
        h("td", {}, name),
        h("td", { class: active.length ? "" : "warn-text" }, active.length ? String(active.length) : t("unit_no_account")),
        h("td", {}, h("div", { class: "chief-pick" }, select, save)),
        h("td", {}, code === "hq" ? null : h("a", { href: `/admin?unit=${encodeURIComponent(code)}`, "data-nav": true, class: "btn btn-sm" }, t("add_officer"))),
      );
    };
    replace(
      listBox,
      h("p", { class: "muted", id: "units-summary" }, t("units_summary", { units: session.unitList.length, without: withoutAccount })),
      table("units-table", [t("unit"), t("unit_accounts"), t("unit_chief"), ""], [
        !q && !onlyEmpty.checked ? row("hq", t("headquarters"), cityOfficers) : null,
        ...units.map((u) => row(u.code, u.full_name, officers.get(u.code) || [])),
      ]),
    );
  }

  replace(
    body,
    h("p", { class: "muted" }, t("units_intro")),
    h("div", { class: "filters" }, search, h("label", { for: "units-empty" }, onlyEmpty, " ", t("units_only_empty"))),
    listBox,
  );
  drawList();
}

// ---------------------------------------------------------------------------------------------
// Response plans

async function plansTab(body, state) {
  const [book, history] = await Promise.all([api("/api/response-plans"), api("/api/response-plans/versions")]);
  if (!state.alive) return;
  const en = lang() === "en";
  const reload = async () => {
    if (state.alive) await plansTab(body, state);
  };
  const applies = (p) =>
    [
      p.kinds.map((k) => label("kind", k)).join(", "),
      p.subtypes.length ? p.subtypes.map((s) => label("crime_subtype", s)).join(", ") : null,
      p.priorities.length ? p.priorities.map((n) => `P${n}`).join(", ") : null,
      p.facility_kinds.length ? p.facility_kinds.map((k) => label("facility_kind", k)).join(", ") : null,
      p.min_floors != null ? t("plan_min_floors", { n: p.min_floors }) : null,
    ]
      .filter(Boolean)
      .join(" · ");
  const plans = table(
    "plans-table",
    [t("plan_name"), t("plan_applies"), t("plan_lines")],
    book.plans.map((p) =>
      h(
        "tr",
        { dataset: { plan: p.id } },
        h("td", {}, h("strong", {}, en ? p.name_en : p.name_vi), h("br"), h("small", { class: "muted" }, en ? p.reason_en : p.reason_vi)),
        h("td", {}, applies(p)),
        h("td", {}, p.lines.map((l) => `${l.count} × ${en ? l.label_en : l.label_vi}`).join(", ")),
      ),
    ),
  );
  const headline = h("p", { id: "plans-version" }, t("plan_version_line", { version: book.version, source: label("plan_source", book.source), author: book.author_name, at: dateTime(book.created_at) }), book.reason ? ` — ${book.reason}` : "");

  const toml = h("textarea", { id: "plans-toml", rows: "18", spellcheck: "false", class: "code" }, book.toml);
  const reason = h("input", { id: "plans-reason", placeholder: t("plan_reason_hint") });
  const err = errorLine("plans-error");
  const editor = h(
    "form",
    { class: "admin-form wide", id: "plans-form" },
    h("p", { class: "muted" }, t("plan_edit_hint")),
    field("plans-toml", t("plan_toml"), toml),
    field("plans-reason", t("reason"), reason),
    err,
    h("button", { type: "submit", class: "btn", id: "plans-submit" }, t("plan_save")),
  );
  const save = async (text, why) => {
    err.textContent = "";
    try {
      const saved = await api("/api/response-plans", { method: "PUT", body: { version: book.version, reason: why, toml: text } });
      toast(t("plan_saved", { version: saved.version }), "ok");
      await reload();
    } catch (e) {
      err.textContent = e instanceof ApiError && e.status === 409 ? t("plan_conflict") : errorText(e);
    }
  };
  editor.addEventListener("submit", (e) => {
    e.preventDefault();
    if (!reason.value.trim()) {
      reason.focus();
      return (err.textContent = t("reason_required"));
    }
    save(toml.value, reason.value.trim());
  });

  const viewer = h("div", { id: "plans-old" });
  const versions = table(
    "plans-history",
    [t("plan_version"), t("plan_source_col"), t("author"), t("time"), t("reason"), ""],
    history.versions.map((v) =>
      h(
        "tr",
        { dataset: { version: v.version } },
        h("td", {}, String(v.version), v.version === book.version ? ` (${t("plan_in_force")})` : ""),
        h("td", {}, label("plan_source", v.source)),
        h("td", {}, v.author_name),
        h("td", {}, dateTime(v.created_at)),
        h("td", {}, v.reason || "—"),
        h("td", {}, v.version === book.version ? null : h("button", { type: "button", class: "btn btn-sm", on: { click: () => showVersion(v.version) } }, t("plan_view"))),
      ),
    ),
  );
  async function showVersion(version) {
    try {
      const old = await api(`/api/response-plans/versions/${version}`);
      const restore = h(
        "button",
        { type: "button", class: "btn btn-sm", id: "plans-restore", on: { click: () => save(old.toml, t("plan_restore_reason", { version })) } },
        t("plan_restore", { version }),
      );
      replace(viewer, h("h3", {}, t("plan_version_title", { version })), h("pre", { class: "code" }, old.toml), restore);
    } catch (e) {
      replace(viewer, errorState(e));
    }
  }

  // The server answers the newest versions (50 by default): say so when there are more.
  const partial = history.versions.length < history.total ? h("p", { class: "muted", id: "plans-history-partial" }, t("shown_of", { n: history.versions.length, total: history.total })) : null;
  replace(
    body,
    section(t("plans_in_force"), headline, plans),
    section(t("plan_edit"), h("details", { class: "mini", id: "plans-edit-box" }, h("summary", {}, t("plan_edit")), editor)),
    section(t("plan_history", { total: history.total }), partial, versions, viewer),
  );
}

// ---------------------------------------------------------------------------------------------
// Imports

/** The imports: what each file holds, what it may be, and the route that takes it. */
const IMPORTS = [
  { id: "facilities", path: "/api/facilities/import", columns: "name, address, lat, lon, kind, floors, unit_code, unit_override_reason, contacts (name|phone|role|email; …), hazards, water_sources, access_notes" },
  { id: "devices", path: "/api/devices/import", columns: "account, facility_id, receiver, line, key, key_format, allow_plain, supervision_secs, enabled" },
  // CSV, or GeoJSON Points with the same properties (the server tells them apart).
  { id: "water", path: "/api/water-sources/import", columns: "kind, name, lat, lon, address, capacity_m3, flow_lps, engine_access, status, reference, notes", accept: ".csv,text/csv,.geojson,.json,application/geo+json" },
];

async function importsTab(body) {
  replace(
    body,
    IMPORTS.map((imp) => {
      const file = h("input", { id: `import-${imp.id}-file`, type: "file", accept: imp.accept || ".csv,text/csv" });
      const mode = h(
        "select",
        { id: `import-${imp.id}-mode` },
        h("option", { value: "all" }, t("import_mode_all")),
        h("option", { value: "valid-only" }, t("import_mode_valid")),
      );
      const result = h("div", { id: `import-${imp.id}-result`, "aria-live": "polite" });
      const form = h(
        "form",
        { class: "admin-form", id: `import-${imp.id}-form` },
        h("p", { class: "muted" }, t("import_columns"), " ", h("code", {}, imp.columns)),
        field(`import-${imp.id}-file`, t("import_file"), file),
        field(`import-${imp.id}-mode`, t("import_mode"), mode),
        h("button", { type: "submit", class: "btn", id: `import-${imp.id}-submit` }, t("import_run")),
        result,
      );
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        const chosen = file.files?.[0];
        if (!chosen) return replace(result, h("p", { class: "form-error", role: "alert" }, t("import_pick_file")));
        replace(result, h("p", { class: "muted" }, t("loading")));
        try {
          const text = await chosen.text();
          const json = /\.(geo)?json$/i.test(chosen.name) || text.trimStart().startsWith("{");
          const report = await api(`${imp.path}?mode=${mode.value}`, { method: "POST", text, contentType: json ? "application/geo+json" : "text/csv" });
          replace(
            result,
            h("p", { class: "ok-text", id: `import-${imp.id}-created` }, t("import_created", { n: report.created })),
            report.errors.length ? rowErrors(imp.id, t("import_skipped", { n: report.errors.length }), report.errors) : null,
          );
        } catch (x) {
          const rows = x instanceof ApiError ? x.rows : [];
          replace(
            result,
            h("p", { class: "form-error", role: "alert" }, x.code === "invalid_rows" ? t("import_nothing", { n: rows.length }) : errorText(x)),
            rows.length ? rowErrors(imp.id, t("import_errors"), rows) : null,
          );
        }
      });
      return section(t(`import_${imp.id}`), form);
    }),
  );
}

/** Every refused row, by line (CSV) or by feature (GeoJSON). */
function rowErrors(id, caption, rows) {
  return h(
    "div",
    {},
    h("p", {}, caption),
    table(
      `import-${id}-errors`,
      [t("import_line"), t("import_field"), t("import_problem")],
      rows.map((r) => h("tr", {}, h("td", {}, r.feature != null ? t("import_feature", { n: r.feature }) : String(r.line)), h("td", {}, r.field || "—"), h("td", {}, r.message))),
    ),
  );
}
