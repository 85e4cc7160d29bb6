// The sign-in screen: the console's sign-in (`POST /api/auth/login`, which sets the session
// cookie), with the 2-step code when the account has one.

import { api, ApiError } from "/js/api.js";
import { h, replace } from "/js/dom.js";
import { lang, setLang } from "/js/i18n.js";
import { errorText } from "/js/errors.js";
import { t } from "./texts.js";

/** Draws the form; `onSignedIn(user)` runs after signing in. `ended`: the session ran out. */
export function renderLogin(main, { onSignedIn, ended }) {
  const error = h("p", { class: "form-error", role: "alert", id: "login-error" }, ended ? t("session_ended") : "");
  const user = h("input", { id: "login-user", name: "username", autocomplete: "username", required: true, autocapitalize: "none", spellcheck: "false" });
  const pass = h("input", { id: "login-pass", name: "password", type: "password", autocomplete: "current-password", required: true });
  const code = h("input", { id: "login-code", name: "totp_code", inputmode: "numeric", autocomplete: "one-time-code", maxlength: 7 });
  const codeBox = h("div", { hidden: true }, h("label", { for: "login-code" }, t("totp_code")), code);
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block" }, t("sign_in"));
  const form = h(
    "form",
    { class: "card login", novalidate: true },
    h("h1", {}, t("app_title")),
    h("label", { for: "login-user" }, t("username")),
    user,
    h("label", { for: "login-pass" }, t("password")),
    pass,
    codeBox,
    error,
    submit,
    h("button", { type: "button", class: "btn btn-ghost", on: { click: () => switchLang(main, onSignedIn, ended) } }, t("lang_switch")),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    if (!user.value || !pass.value) {
      error.textContent = t("login_failed");
      return;
    }
    submit.disabled = true;
    submit.textContent = t("signing_in");
    try {
      const body = { username: user.value.trim(), password: pass.value };
      if (!codeBox.hidden && code.value.trim()) body.totp_code = code.value.trim();
      const res = await api("/api/auth/login", { method: "POST", body });
      await onSignedIn(res.user);
    } catch (err) {
      submit.disabled = false;
      submit.textContent = t("sign_in");
      const is401 = err instanceof ApiError && err.status === 401;
      if (is401 && ["totp_required", "invalid_totp", "totp_reused"].includes(err.code)) {
        error.textContent = err.code === "totp_required" ? t("totp_prompt") : errorText(err);
        codeBox.hidden = false;
        code.focus();
        return;
      }
      if (err instanceof ApiError && err.unreachable) error.textContent = t("login_offline");
      else if (err instanceof ApiError && err.status === 429) error.textContent = t("login_rate");
      else error.textContent = is401 ? t("login_failed") : errorText(err);
      pass.select();
    }
  });
  replace(main, form);
  return null;
}

function switchLang(main, onSignedIn, ended) {
  setLang(lang() === "vi" ? "en" : "vi");
  renderLogin(main, { onSignedIn, ended });
}
