// "Nhận ca": the officer chooses the resource (call sign) they are on today, from their unit's
// resources (`GET /api/resources?unit=…`; the city's accounts see every resource, fire engines
// included). The choice is remembered on the phone until changed or signed out.

import { h, replace } from "/js/dom.js";
import { label } from "/js/i18n.js";
import { errorText } from "/js/errors.js";
import { t } from "./texts.js";
import { read } from "./net.js";
import { duty, setResource } from "./duty.js";

/** Draws the choice of resource. */
export function renderShift(main, ctx) {
  const filter = h("input", { type: "search", id: "shift-filter", placeholder: "CC-…", "aria-label": t("shift_hint"), autocomplete: "off" });
  const list = h("ul", { class: "choices", id: "shift-list" }, h("li", { class: "muted" }, t("loading")));
  let resources = [];
  const draw = () => {
    const q = filter.value.trim().toLowerCase();
    const shown = resources.filter((r) => !q || `${r.call_sign} ${r.name}`.toLowerCase().includes(q));
    replace(
      list,
      shown.length
        ? shown.map((r) =>
            h(
              "li",
              {},
              h(
                "button",
                {
                  type: "button",
                  class: `choice${duty.resource?.id === r.id ? " chosen" : ""}`,
                  "data-resource": r.id,
                  on: { click: () => choose(r) },
                },
                h("strong", {}, r.call_sign),
                h("span", {}, r.name),
                h("small", {}, `${label("resource_kind", r.kind)} · ${label("resource_status", r.status)}`),
              ),
            ),
          )
        : h("li", { class: "muted" }, t("shift_none")),
    );
  };
  const choose = (r) => {
    setResource(r);
    ctx.go("/field/", true);
  };
  filter.addEventListener("input", draw);
  replace(
    main,
    h("section", { class: "card" }, h("h1", {}, t("shift_title")), h("p", {}, t("shift_hint")), filter, list),
    h("nav", { class: "dock" }, h("a", { class: "btn", href: "/field/settings", "data-nav": true }, t("settings"))),
  );
  const unit = duty.me.unit_code;
  read(unit ? `/api/resources?unit=${encodeURIComponent(unit)}` : "/api/resources")
    .then(({ data, cachedAt }) => {
      ctx.showDataAge(cachedAt);
      resources = [...data].sort((a, b) => a.call_sign.localeCompare(b.call_sign, "vi", { numeric: true }));
      draw();
    })
    .catch((e) => replace(list, h("li", { class: "warn" }, t("load_failed", { error: errorText(e) }))));
  return null;
}
