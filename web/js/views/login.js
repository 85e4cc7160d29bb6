// The sign-in screen.

import { api, ApiError } from "../api.js";
import { h, replace } from "../dom.js";
import { t, lang, setLang } from "../i18n.js";
import { errorText } from "../errors.js";

/** Draws the sign-in form; `onSignedIn(user)` runs after a successful sign-in. */
export function renderLogin(main, { onSignedIn }) {
  const error = h("p", { class: "form-error", role: "alert", id: "login-error" });
  const user = h("input", { id: "login-user", name: "username", autocomplete: "username", required: true, autocapitalize: "none", spellcheck: "false" });
  const pass = h("input", { id: "login-pass", name: "password", type: "password", autocomplete: "current-password", required: true });
  // Shown once the server answers that the account uses 2-step verification.
  const code = h("input", { id: "login-code", name: "totp_code", inputmode: "numeric", autocomplete: "one-time-code", maxlength: 7 });
  const codeBox = h("div", { hidden: true }, h("label", { for: "login-code" }, t("totp_code")), code);
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block" }, t("sign_in"));
  const form = h(
    "form",
    { class: "login-card", "aria-labelledby": "login-title", novalidate: true },
    h("div", { class: "login-brand" }, h("img", { src: "/favicon.svg", alt: "", width: 48, height: 48 }), h("div", {}, h("h1", { id: "login-title" }, "Bình Yên"), h("p", { class: "login-sub" }, t("login_subtitle")))),
    h("h2", { class: "login-heading" }, t("login_title")),
    h("label", { for: "login-user" }, t("username")),
    user,
    h("label", { for: "login-pass" }, t("password")),
    pass,
    codeBox,
    error,
    submit,
    h("button", { type: "button", class: "btn-ghost login-lang", on: { click: () => setLang(lang() === "vi" ? "en" : "vi") } }, t("lang_switch")),
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
      const codeErrors = { totp_required: "totp_prompt", invalid_totp: "totp_invalid", totp_reused: "totp_reused" };
      const api401 = err instanceof ApiError && err.status === 401;
      if (api401 && codeErrors[err.code]) {
        error.textContent = t(codeErrors[err.code]);
        codeBox.hidden = false;
        submit.disabled = false;
        submit.textContent = t("sign_in");
        code.value = "";
        code.focus();
        return;
      }
      error.textContent = err instanceof ApiError && err.status === 429 ? t("login_rate") : api401 ? t("login_failed") : errorText(err);
      submit.disabled = false;
      submit.textContent = t("sign_in");
      pass.select();
    }
  });
  replace(main, h("div", { class: "login-wrap" }, form));
  user.focus();
  return null;
}
