// What a failed request means for the person at the console: the label of the API's error code
// from the served vocabulary (the server's table of codes), never the server's technical text.
// A field problem adds the server's explanation of which field and why.

import { t, label } from "./i18n.js";
import { ApiError } from "./api.js";

/** The text to show for a failed request `e` (an `ApiError` or anything thrown). */
export function errorText(e) {
  if (!(e instanceof ApiError)) return `${t("error_generic")}: ${e?.message ?? e}`;
  if (e.unreachable) return t("network_error");
  const known = label("error", e.code);
  const text = known && known !== e.code ? known : `${t("error_generic")} (${e.code})`;
  return e.code === "invalid_field" && e.message ? `${text} ${e.message}` : text;
}
