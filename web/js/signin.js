// The sign-in form's controls and what submitting it does, shared by the console and the field
// app: username and password, then the 2-step code once the server asks for it; a wrong code,
// too many attempts and a missing network each said in the caller's words (`t`).

import { api, ApiError } from "./api.js";
import { h } from "./dom.js";
import { errorText } from "./errors.js";

/** What the server's 2-step refusals are called in the dictionaries. */
const CODE_ERRORS = { totp_required: "totp_prompt", invalid_totp: "totp_invalid", totp_reused: "totp_reused" };

/**
 * The form's controls, labelled with `t`; `message` starts in the error line (e.g. "the
 * session ended"). `controls` lists them in order, labels included.
 */
export function signInControls(t, message = "") {
  const error = h("p", { class: "form-error", role: "alert", id: "login-error" }, message);
  const user = h("input", { id: "login-user", name: "username", autocomplete: "username", required: true, autocapitalize: "none", spellcheck: "false" });
  const pass = h("input", { id: "login-pass", name: "password", type: "password", autocomplete: "current-password", required: true });
  // Shown once the server answers that the account uses 2-step verification.
  const code = h("input", { id: "login-code", name: "totp_code", inputmode: "numeric", autocomplete: "one-time-code", maxlength: 7 });
  const codeBox = h("div", { hidden: true }, h("label", { for: "login-code" }, t("totp_code")), code);
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block" }, t("sign_in"));
  const controls = [h("label", { for: "login-user" }, t("username")), user, h("label", { for: "login-pass" }, t("password")), pass, codeBox, error, submit];
  return { error, user, pass, code, codeBox, submit, controls };
}

/** Signs in when `form` is submitted with the `parts` of [`signInControls`]; then `onSignedIn(user)`. */
export function signInOnSubmit(form, parts, t, onSignedIn) {
  const { error, user, pass, code, codeBox, submit } = parts;
  const ready = () => {
    submit.disabled = false;
    submit.textContent = t("sign_in");
  };
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
      ready();
      const api401 = err instanceof ApiError && err.status === 401;
      if (api401 && CODE_ERRORS[err.code]) {
        error.textContent = t(CODE_ERRORS[err.code]);
        codeBox.hidden = false;
        code.value = "";
        code.focus();
        return;
      }
      if (err instanceof ApiError && err.unreachable) error.textContent = t("login_offline");
      else if (err instanceof ApiError && err.status === 429) error.textContent = t("login_rate");
      else error.textContent = api401 ? t("login_failed") : errorText(err);
      pass.select();
    }
  });
}
