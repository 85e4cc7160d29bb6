// The settings: how often the position is shared, the language, changing the resource and
// signing out (which deletes what the phone kept: the waiting actions and the cached data).

import { h, replace, toast } from "/js/dom.js";
import { lang, setLang } from "/js/i18n.js";
import { t } from "./texts.js";
import { reportInterval, setReportInterval, MIN_INTERVAL, MAX_INTERVAL } from "./position.js";
import { waiting } from "./outbox.js";

/** Draws the settings. */
export function renderSettings(main, ctx) {
  const seconds = h("input", { type: "number", id: "interval", min: MIN_INTERVAL, max: MAX_INTERVAL, step: 1, value: reportInterval(), inputmode: "numeric" });
  const form = h(
    "form",
    { class: "card", id: "settings-form" },
    h("h1", {}, t("settings")),
    h("label", { for: "interval" }, t("interval")),
    seconds,
    h("button", { type: "submit", class: "btn btn-primary btn-block" }, t("save")),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const n = Number(seconds.value);
    if (!Number.isInteger(n) || n < MIN_INTERVAL || n > MAX_INTERVAL) {
      seconds.reportValidity();
      return;
    }
    setReportInterval(n);
    toast(t("interval_saved"));
  });
  const signOut = () => {
    const n = waiting().length;
    if (n && !confirm(t("logout_pending", { n }))) return;
    ctx.signOut();
  };
  replace(
    main,
    h("a", { class: "back", href: "/field/", "data-nav": true }, `← ${t("back")}`),
    form,
    h(
      "section",
      { class: "card" },
      h("h2", {}, t("language")),
      h("button", { type: "button", class: "btn btn-block", on: { click: () => { setLang(lang() === "vi" ? "en" : "vi"); ctx.go(location.pathname, true); } } }, t("lang_switch")),
    ),
    h(
      "nav",
      { class: "dock" },
      h("a", { class: "btn", href: "/field/shift", "data-nav": true }, t("shift_change")),
      h("button", { type: "button", class: "btn btn-danger", id: "logout", on: { click: signOut } }, t("logout")),
    ),
  );
  return null;
}
