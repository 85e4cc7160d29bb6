// The sign-in screen.

import { h, replace } from "../dom.js";
import { t, lang, setLang } from "../i18n.js";
import { signInControls, signInOnSubmit } from "../signin.js";

/** Draws the sign-in form; `onSignedIn(user)` runs after a successful sign-in. */
export function renderLogin(main, { onSignedIn }) {
  const parts = signInControls(t);
  const form = h(
    "form",
    { class: "login-card", "aria-labelledby": "login-title", novalidate: true },
    h("div", { class: "login-brand" }, h("img", { src: "/favicon.svg", alt: "", width: 48, height: 48 }), h("div", {}, h("h1", { id: "login-title" }, "Bình Yên"), h("p", { class: "login-sub" }, t("login_subtitle")))),
    h("h2", { class: "login-heading" }, t("login_title")),
    ...parts.controls,
    h("button", { type: "button", class: "btn-ghost login-lang", on: { click: () => setLang(lang() === "vi" ? "en" : "vi") } }, t("lang_switch")),
  );
  signInOnSubmit(form, parts, t, onSignedIn);
  replace(main, h("div", { class: "login-wrap" }, form));
  parts.user.focus();
  return null;
}
