// The command center's vocabulary as the server defines it (`GET /api/vocabulary`): the labels
// of incident types, crime sub-types, channels, dispositions, statuses, priorities, resource
// kinds and statuses, fire and false-alarm causes, facility kinds, water-source kinds and
// statuses, crime groups and case
// severities, and the API's error codes; the transitions each status allows; the response
// targets the timers count against. Loaded once at sign-in; the console keeps no copy.

import { api } from "./api.js";
import { setVocabulary } from "./i18n.js";
import { setStatuses, setTargets } from "./model.js";

let loading = null;

/** Takes a vocabulary answer: labels into `label()`, transitions and targets into the model. */
export function applyVocabulary(v) {
  for (const [name, terms] of [
    ["kind", v.kinds],
    ["crime_subtype", v.crime_subtypes],
    ["channel", v.channels],
    ["disposition", v.dispositions],
    ["resource_kind", v.resource_kinds],
    ["resource_status", v.resource_statuses],
    ["status", v.statuses],
    ["fire_cause", v.fire_causes],
    ["false_alarm_cause", v.false_alarm_causes],
    ["error", v.errors],
    ["facility_kind", v.facility_kinds],
    ["crime_group", v.crime_groups],
    ["case_severity", v.case_severities],
    ["premises_kind", v.premises_kinds],
    ["water_kind", v.water_kinds],
    ["water_status", v.water_statuses],
  ]) {
    setVocabulary(name, terms || []);
  }
  setVocabulary(
    "priority",
    (v.priorities || []).map((p) => ({ code: String(p.priority), label_vi: p.label_vi, label_en: p.label_en })),
  );
  setStatuses(v.statuses || []);
  setTargets(v.priorities || []);
}

/** Loads the vocabulary once (again after a failure). */
export function loadVocabulary() {
  if (!loading) {
    loading = api("/api/vocabulary")
      .then(applyVocabulary)
      .catch((e) => {
        loading = null;
        throw e;
      });
  }
  return loading;
}
