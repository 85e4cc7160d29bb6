// The sign-in screen: the console's sign-in (`POST /api/auth/login`, which sets the session
// cookie), with the 2-step code when the account has one.

import { h, replace } from "/js/dom.js";
import { lang, setLang } from "/js/i18n.js";
import { signInControls, signInOnSubmit } from "/js/signin.js";
import { t } from "./texts.js";

/** Draws the form; `onSignedIn(user)` runs after signing in. `ended`: the session ran out. */
export function renderLogin(main, { onSignedIn, ended }) {
  const parts = signInControls(t, ended ? t("session_ended") : "");
  const form = h(
    "form",
    { class: "card login", novalidate: true },
    h("h1", {}, t("app_title")),
    ...parts.controls,
    h("button", { type: "button", class: "btn btn-ghost", on: { click: () => switchLang(main, onSignedIn, ended) } }, t("lang_switch")),
  );
  signInOnSubmit(form, parts, t, onSignedIn);
  replace(main, form);
  return null;
}

function switchLang(main, onSignedIn, ended) {
  setLang(lang() === "vi" ? "en" : "vi");
  renderLogin(main, { onSignedIn, ended });
}
