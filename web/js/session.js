// What the whole console shares: the signed-in user, the 126 units (loaded once) and their
// boundaries, and which unit is being looked at.

import { api } from "./api.js";

export const session = {
  /** The signed-in user: {id, username, display_name, role, role_label, unit_code}. */
  me: null,
  /** Units by code. */
  units: new Map(),
  /** Units in display order. */
  unitList: [],
};

let boundaries = null;

/** Whether the user sees the whole city (everyone but a unit officer). */
export function isCityUser() {
  return session.me && session.me.role !== "unit_officer";
}

/** Whether the user may change operational data (leaders and inspectors only read). */
export function canAct() {
  return session.me && ["admin", "operator", "unit_officer"].includes(session.me.role);
}

/** Loads the units (once). */
export async function loadUnits() {
  if (session.unitList.length) return session.unitList;
  const units = await api("/api/units");
  session.unitList = [...units].sort((a, b) => a.name.localeCompare(b.name, "vi"));
  session.units = new Map(units.map((u) => [u.code, u]));
  return session.unitList;
}

/** Every unit's boundary (GeoJSON FeatureCollection), fetched once. */
export function loadBoundaries() {
  if (!boundaries) {
    boundaries = api("/api/units.geojson").catch((e) => {
      boundaries = null;
      throw e;
    });
  }
  return boundaries;
}

/** The unit's display name, e.g. "Phường Ba Đình"; the code when unknown. */
export function unitName(code) {
  if (!code) return "";
  const u = session.units.get(code);
  return u ? u.full_name : code;
}

/** Forgets everything (sign-out). */
export function clearSession() {
  session.me = null;
}
