// Unit tests of the console's pure modules (time, model, i18n, charts) and of the simulated
// DC-09 device, run in Node without a browser. The console's files are plain ES modules with a
// `.js` name; they are copied beside a `{"type":"module"}` package file so Node loads them as
// the browser does.

import { test, before } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { REPO } from "./lib/harness.mjs";
import { crc16arc, frame } from "./lib/dc09.mjs";

let time, model, i18n, periods, errors, apiModule;

before(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "binhyen-js-"));
  cpSync(path.join(REPO, "web/js"), path.join(dir, "js"), { recursive: true });
  writeFileSync(path.join(dir, "package.json"), '{"type":"module"}');
  const load = (f) => import(pathToFileURL(path.join(dir, "js", f)).href);
  time = await load("time.js");
  model = await load("model.js");
  i18n = await load("i18n.js");
  periods = await load("periods.js");
  errors = await load("errors.js");
  apiModule = await load("api.js");
  // The vocabulary the server serves (checked against the domain by a Rust test).
  const vocabulary = await load("vocabulary.js");
  vocabulary.applyVocabulary(JSON.parse(readFileSync(path.join(REPO, "e2e/fixtures/vocabulary.json"), "utf8")));
});

test("times are shown in Hanoi time (UTC+7) whatever the process time zone", () => {
  // 2026-11-26 17:05:09 UTC is 00:05:09 on the 27th in Hanoi.
  const at = "2026-11-26T17:05:09Z";
  assert.equal(time.clockTime(at), "00:05:09");
  assert.equal(time.shortTime(at), "00:05");
  assert.equal(time.dateTime(at), "27/11/2026 00:05");
  assert.equal(time.date(Date.parse(at)), "27/11/2026");
  assert.equal(time.clockTime("not a time"), "");
  assert.equal(time.clockTime(null), "");
});

test("durations and ages read the way operators say them", () => {
  assert.equal(time.duration(0), "0:00");
  assert.equal(time.duration(65_000), "1:05");
  assert.equal(time.duration(3_725_000), "1:02:05");
  assert.equal(time.duration(-5_000), "0:00");
  assert.equal(time.age(30_000, "vi"), "30 giây");
  assert.equal(time.age(12 * 60_000, "vi"), "12 phút");
  assert.equal(time.age(3 * 3_600_000, "en"), "3 h");
  assert.equal(time.age(2 * 86_400_000, "vi"), "2 ngày");
});

test("an incident is read from the list's summary and from the incident page's detail by the same names", () => {
  const summary = { id: 8, number: "HN-2026-000008", kind: "crime", priority: 2, channel: "hotline_113", status: "verified", unit_code: "00008", shared_with: [], lat: 21, lon: 105.8, address: "Phố Huế", caller_phone_masked: "0912***678", received_at: "2026-11-26T10:00:00Z", dispatched_at: null, on_scene_at: null, updated_at: "2026-11-26T10:01:00Z", version: 3 };
  const flat = model.normIncident(summary);
  assert.equal(flat.unit, "00008");
  assert.equal(flat.priority, 2);
  assert.equal(flat.callerPhone, "0912***678");
  assert.equal(flat.received, Date.parse("2026-11-26T10:00:00Z"));
  assert.ok(Number.isNaN(flat.verified));
  const detail = model.normIncident({
    ...summary,
    id: 7,
    kind: "fire",
    priority: 1,
    channel: "alarm_device",
    unit_code: "00004",
    shared_with: ["00008"],
    lat: 21.04,
    lon: 105.84,
    location: { address: "Số 2 Trúc Bạch", lat: 21.04, lon: 105.84, unit_code: "00004", near_boundary: false, unit_uncertain: false, unit_candidates: [], resolved_from_old_name: "Phường Trúc Bạch" },
    caller: { name: "A", phone: "0912345678" },
    times: { received: "2026-11-26T10:00:00Z", verified: "2026-11-26T10:00:30Z", closed: "2026-11-26T11:00:00Z" },
    resources: [{ resource_id: 3, call_sign: "CC-07", kind: "fire_engine", status: "released", assigned_at: "2026-11-26T10:01:00Z", released_at: null }],
    timeline: [{ incident_id: 7, seq: 1, at: "2026-11-26T10:00:00Z", actor: { kind: "system", id: null, name: "alarm_receiver", unit_code: null }, change: { type: "opened" } }],
  });
  assert.equal(detail.unit, "00004");
  assert.deepEqual(detail.sharedWith, ["00008"]);
  assert.equal(detail.lat, 21.04);
  assert.equal(detail.oldName, "Phường Trúc Bạch");
  assert.equal(detail.callerPhone, "0912345678");
  assert.equal(detail.isAlarm, true);
  assert.equal(detail.verified, Date.parse("2026-11-26T10:00:30Z"));
  assert.equal(detail.ended, Date.parse("2026-11-26T11:00:00Z"));
  assert.equal(detail.resources[0].callSign, "CC-07");
  assert.ok(Number.isNaN(detail.resources[0].released));
  assert.equal(detail.history.length, 1);
  assert.equal(model.normIncident(null), null);
});

test("a resource without a reported position is placed at its home station, never at 0,0", () => {
  const atHome = model.normResource({ id: 1, call_sign: "TT-00004-1", status: "available", lat: null, lon: null, home_lat: 21.03, home_lon: 105.84 });
  assert.deepEqual([atHome.lat, atHome.lon], [21.03, 105.84]);
  const moving = model.normResource({ id: 2, call_sign: "CC-1", lat: 21.05, lon: 105.8, home_lat: 21.03, home_lon: 105.84 });
  assert.deepEqual([moving.lat, moving.lon], [21.05, 105.8]);
  const nowhere = model.normResource({ id: 3, call_sign: "X", lat: null, lon: null });
  assert.equal(nowhere.lat, null);
});

/** An incident as the server's detail view carries it: the stage times also flat. */
function detailOf(raw) {
  const times = raw.times || {};
  return model.normIncident({ ...raw, received_at: times.received, dispatched_at: times.dispatched ?? null, on_scene_at: times.on_scene ?? null });
}

test("the response timer runs by stage and turns overdue at the priority's target", () => {
  const received = Date.parse("2026-11-26T10:00:00Z");
  const inc = detailOf({ id: 1, kind: "fire", priority: 1, status: "received", times: { received: "2026-11-26T10:00:00Z" } });
  let tm = model.timer(inc, received + 29_000);
  assert.equal(tm.stage, "verify");
  assert.equal(tm.overdue, false);
  tm = model.timer(inc, received + 31_000);
  assert.equal(tm.overdue, true);
  assert.equal(tm.elapsed, 31_000);
  const verified = detailOf({ ...inc.raw, status: "verified", times: { received: "2026-11-26T10:00:00Z", verified: "2026-11-26T10:00:20Z" } });
  assert.equal(model.timer(verified, received + 59_000).stage, "dispatch");
  assert.equal(model.timer(verified, received + 59_000).overdue, false);
  assert.equal(model.timer(verified, received + 61_000).overdue, true);
  const dispatched = detailOf({ ...inc.raw, status: "dispatched", times: { received: "2026-11-26T10:00:00Z", dispatched: "2026-11-26T10:00:50Z" } });
  const d = model.timer(dispatched, received + 50_000 + 319_000);
  assert.equal(d.stage, "on_scene");
  assert.equal(d.overdue, false);
  assert.equal(model.timer(dispatched, received + 50_000 + 321_000).overdue, true);
  const closed = detailOf({ ...inc.raw, status: "closed" });
  assert.equal(model.timer(closed, received + 10 ** 9).overdue, false);
});

test("a resolved incident's timer stops at the time the work took; reopened, it runs again", () => {
  const received = Date.parse("2026-11-26T10:00:00Z");
  const times = { received: "2026-11-26T10:00:00Z", dispatched: "2026-11-26T10:01:00Z", resolved: "2026-11-26T10:25:30Z" };
  const resolved = detailOf({ id: 1, kind: "fire", priority: 1, status: "resolved", times });
  for (const later of [0, 60_000, 10 ** 8]) {
    const tm = model.timer(resolved, received + 25 * 60_000 + 30_000 + later);
    assert.equal(tm.stopped, true);
    assert.equal(tm.elapsed, 25 * 60_000 + 30_000);
    assert.equal(tm.overdue, false);
  }
  const closed = detailOf({ id: 1, priority: 1, status: "closed", times: { ...times, closed: "2026-11-26T11:00:00Z" } });
  assert.equal(model.timer(closed, received + 10 ** 9).elapsed, 25 * 60_000 + 30_000, "the work ended when it was resolved");
  const reopened = detailOf({ id: 1, priority: 1, status: "dispatched", times });
  const tm = model.timer(reopened, received + 3_600_000);
  assert.equal(tm.stopped, false);
  assert.equal(tm.elapsed, 3_600_000);
});

test("the queue: waiting before worked on, priority first, an alarm nobody took on top, the rest oldest first", () => {
  const at = (min) => `2026-11-26T10:${String(min).padStart(2, "0")}:00Z`;
  const inc = (id, priority, status, min, channel = "hotline_113") => detailOf({ id, priority, status, channel, times: { received: at(min) } });
  const rows = [
    inc(1, 2, "received", 1),
    inc(2, 1, "received", 2),
    inc(3, 1, "received", 5, "alarm_device"),
    inc(4, 1, "received", 9, "alarm_device"),
    inc(5, 1, "verified", 0, "alarm_device"),
    inc(6, 1, "dispatched", 0),
    inc(7, 3, "on_scene", 3),
    inc(8, 2, "resolved", 4),
  ];
  assert.deepEqual(rows.filter(model.isPending).map((r) => r.id), [1, 2, 3, 4, 5]);
  // The newest untaken alarm leads its priority; a verified alarm was taken, so it waits by age.
  assert.deepEqual([...rows].filter(model.isPending).sort(model.queueOrder).map((r) => r.id), [4, 3, 5, 2, 1]);
  assert.deepEqual([...rows].filter((r) => !model.isPending(r)).sort(model.queueOrder).map((r) => r.id), [6, 8, 7]);
});

test("the statistics periods follow the police reporting month, which turns on the 15th", () => {
  const codes = (at) => periods.periodChoices(Date.parse(at)).map((c) => c.code);
  // 7 December (Vietnam): reporting month 12 (15/11–14/12).
  assert.deepEqual(codes("2026-12-07T03:00:00Z"), ["R2026-12", "R2026-11", "R2026-Q4", "R2026-H2", "R2026-9M", "R2026", "custom"]);
  // 15 December in Vietnam (still the 14th in UTC): month 1 of the next reporting year.
  assert.deepEqual(codes("2026-12-14T18:00:00Z").slice(0, 6), ["R2027-01", "R2026-12", "R2027-Q1", "R2027-H1", "R2027-9M", "R2027"]);
  assert.deepEqual(codes("2026-06-20T03:00:00Z").slice(0, 4), ["R2026-07", "R2026-06", "R2026-Q3", "R2026-H2"]);
});

test("a series shows no future days as zeros", () => {
  const day = (d) => ({ from: `2026-12-${d}`, to: `2026-12-${d}` });
  const series = { buckets: [day("05"), day("06"), day("07"), day("08"), day("09")], totals: [3, 0, 2, 0, 0] };
  const past = periods.pastBuckets(series, Date.parse("2026-12-07T10:00:00Z"));
  assert.deepEqual(past.labels, ["05/12", "06/12", "07/12"]);
  assert.deepEqual(past.totals, [3, 0, 2]);
});

test("the status machine matches the server's rules for reasons and dispositions", () => {
  assert.deepEqual(model.TRANSITIONS.on_scene, ["resolved"]);
  assert.equal(model.needsReason("received", "cancelled"), true);
  assert.equal(model.needsReason("received", "verified"), false);
  assert.equal(model.needsReason("resolved", "dispatched"), true);
  assert.equal(model.needsDisposition("resolved", "closed"), true);
  assert.equal(model.needsDisposition("false_alarm", "closed"), false);
  for (const terminal of ["closed", "cancelled", "merged"]) assert.equal(model.isOpen(terminal), false);
  // The server may list the allowed moves itself; the console then follows it.
  const inc = model.normIncident({ id: 1, status: "received", allowed_transitions: ["verified"] });
  assert.deepEqual(model.nextStatuses(inc), ["verified"]);
});

test("both languages have every text, and placeholders are filled", () => {
  const { vi, en } = i18n._dictionaries;
  assert.deepEqual(Object.keys(vi).sort(), Object.keys(en).sort());
  for (const [k, v] of Object.entries(vi)) {
    const names = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    assert.deepEqual(names(v), names(en[k]), `placeholders of ${k}`);
  }
  assert.equal(i18n.t("queue_count", { n: 3 }), "3 vụ việc đang mở");
  assert.equal(i18n.label("status", "on_scene"), "Có mặt tại hiện trường");
  assert.equal(i18n.label("status", "unknown_code"), "unknown_code");
  assert.equal(i18n.codes("kind")[0], "fire");
});

test("a failed request is told by its code's label, never by the server's technical text", () => {
  const { ApiError } = apiModule;
  const said = (status, code, message) => errors.errorText(new ApiError(status, code, message));
  assert.equal(said(422, "reason_required", "reason: required to cancel"), "Cần ghi lý do.");
  assert.equal(said(400, "invalid_body", "priority: invalid type: string, expected u8 at line 1"), "Dữ liệu gửi lên không đúng khuôn dạng.");
  // A field problem says which field and why.
  assert.equal(said(422, "invalid_field", "phone: quá dài"), "Có thông tin chưa hợp lệ. phone: quá dài");
  assert.equal(said(0, "network", "Failed to fetch"), i18n.t("network_error"));
  // A code this console does not know is named, not hidden.
  assert.match(said(418, "teapot", "short and stout"), /\(teapot\)$/);
});

test("the simulated device frames DC-09 with the standard CRC and length", () => {
  assert.equal(crc16arc("123456789"), 0xbb3d);
  const f = frame({ account: "1234", now: new Date(Date.UTC(2024, 1, 20, 20, 59, 45)) });
  assert.ok(f.startsWith("\n") && f.endsWith("\r"));
  const body = f.slice(9, -1);
  assert.equal(f.slice(5, 9), `0${body.length.toString(16).toUpperCase().padStart(3, "0")}`);
  assert.equal(f.slice(1, 5), crc16arc(body).toString(16).toUpperCase().padStart(4, "0"));
  assert.match(body, /^"ADM-CID"0001R0L0#1234\[#1234\|1110 00 001\]_20:59:45,02-20-2024$/);
});
