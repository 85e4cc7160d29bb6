// Times in Hanoi (Asia/Ho_Chi_Minh, UTC+7, no daylight saving) whatever the browser's own zone:
// the offset is applied by hand so the result never depends on the machine's settings.

const OFFSET_MS = 7 * 3600 * 1000;

function parts(value) {
  const ms = typeof value === "number" ? value : Date.parse(value);
  if (!Number.isFinite(ms)) return null;
  const d = new Date(ms + OFFSET_MS);
  return {
    y: d.getUTCFullYear(),
    mo: d.getUTCMonth() + 1,
    d: d.getUTCDate(),
    h: d.getUTCHours(),
    mi: d.getUTCMinutes(),
    s: d.getUTCSeconds(),
  };
}

const p2 = (n) => String(n).padStart(2, "0");

/** "14:05:09" in Hanoi time; "" for a missing or invalid time. */
export function clockTime(value) {
  const p = parts(value);
  return p ? `${p2(p.h)}:${p2(p.mi)}:${p2(p.s)}` : "";
}

/** "14:05" in Hanoi time. */
export function shortTime(value) {
  const p = parts(value);
  return p ? `${p2(p.h)}:${p2(p.mi)}` : "";
}

/** "26/11/2026 14:05" in Hanoi time (Vietnamese day/month order). */
export function dateTime(value) {
  const p = parts(value);
  return p ? `${p2(p.d)}/${p2(p.mo)}/${p.y} ${p2(p.h)}:${p2(p.mi)}` : "";
}

/** "26/11/2026" in Hanoi time. */
export function date(value) {
  const p = parts(value);
  return p ? `${p2(p.d)}/${p2(p.mo)}/${p.y}` : "";
}

/** A duration as "m:ss" or "h:mm:ss" (negative durations count as zero). */
export function duration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${p2(m)}:${p2(s)}` : `${m}:${p2(s)}`;
}

/** A coarse age for "last heartbeat": "45 giây", "12 phút", "3 giờ", "2 ngày" (or English). */
export function age(ms, lang) {
  const s = Math.max(0, Math.round(ms / 1000));
  const en = lang === "en";
  if (s < 60) return en ? `${s} s` : `${s} giây`;
  if (s < 3600) return en ? `${Math.floor(s / 60)} min` : `${Math.floor(s / 60)} phút`;
  if (s < 86400) return en ? `${Math.floor(s / 3600)} h` : `${Math.floor(s / 3600)} giờ`;
  return en ? `${Math.floor(s / 86400)} d` : `${Math.floor(s / 86400)} ngày`;
}

/** Milliseconds since the epoch for an API time, or NaN. */
export function toMs(value) {
  if (value == null) return NaN;
  return typeof value === "number" ? value : Date.parse(value);
}
