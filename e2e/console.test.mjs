// Browser end-to-end tests of the console against the real server: sign-in, the city and unit
// views, the offline map, intake with live jurisdiction, the live queue across two browsers,
// dispatch, DC-09 fire alarms and the alarm queue across consoles, unit isolation,
// residence-data quality, an inspection campaign from creation to a remediation task, and the
// criminal case register. Run with `e2e/run.sh`.
//
// Tests whose API is not on this server yet (incidents, resources, facilities, devices, the
// live feed) skip themselves, naming the missing route; they run once those routes exist.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  startServer,
  launchBrowser,
  newPage,
  signIn,
  openAs,
  apiSession,
  hasRoute,
  mapPoint,
  shot,
  ADMIN_PASSWORD,
} from "./lib/harness.mjs";
import { sendFireAlarm } from "./lib/dc09.mjs";

let server;
let browser;
let admin;
let officer;
const OFFICER = { username: "cb.badinh", password: "mat-khau-can-bo-1" };
const OTHER_OFFICER = { username: "cb.ngocha", password: "mat-khau-can-bo-2" };
const features = {};

// Ba Đình (00004) and Ngọc Hà (00008): neighbouring wards in the centre.
const BA_DINH = { code: "00004", name: "Phường Ba Đình", lat: 21.0385, lon: 105.838 };
const NGOC_HA = { code: "00008", name: "Phường Ngọc Hà", lat: 21.0381, lon: 105.816 };

before(async () => {
  server = await startServer({ dc09: !!process.env.E2E_DC09 });
  browser = await launchBrowser();
  admin = await apiSession(server.url, "admin", ADMIN_PASSWORD);
  for (const [who, unit] of [
    [OFFICER, BA_DINH.code],
    [OTHER_OFFICER, NGOC_HA.code],
  ]) {
    const r = await admin("POST", "/api/users", { username: who.username, display_name: `Cán bộ ${unit}`, role: "unit_officer", unit_code: unit, password: who.password });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  officer = await apiSession(server.url, OFFICER.username, OFFICER.password);
  features.incidents = await hasRoute(admin, "GET", "/api/incidents?status=open");
  features.resources = await hasRoute(admin, "GET", "/api/resources");
  features.devices = await hasRoute(admin, "GET", "/api/devices");
  features.feed = await hasRoute(admin, "GET", "/api/feed");
  features.alarms = await hasRoute(admin, "GET", "/api/alarms");
  if (features.resources) {
    const fleet = await admin("POST", "/api/resources/demo-fleet");
    assert.equal(fleet.status, 200, JSON.stringify(fleet.body));
  }
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Skips `t` unless every named feature exists on this server. */
function needs(t, ...names) {
  const missing = names.filter((n) => !features[n]);
  if (missing.length) {
    t.skip(`needs the ${missing.join(", ")} API, not on this server yet`);
    return false;
  }
  return true;
}

test("the console is served from the binary, offline, with a JSON 404 for unknown API routes", async () => {
  const index = await fetch(`${server.url}/`);
  assert.equal(index.status, 200);
  assert.match(index.headers.get("content-type"), /^text\/html/);
  assert.match(index.headers.get("content-security-policy"), /default-src 'self'/);
  const etag = index.headers.get("etag");
  assert.ok(etag);
  const again = await fetch(`${server.url}/`, { headers: { "If-None-Match": etag } });
  assert.equal(again.status, 304);
  const deep = await fetch(`${server.url}/incidents/12345`);
  assert.equal(deep.status, 200);
  assert.equal(await deep.text(), await (await fetch(`${server.url}/`)).text());
  const leaflet = await fetch(`${server.url}/vendor/leaflet-1.9.4/leaflet.js`);
  assert.equal(leaflet.status, 200);
  assert.match(leaflet.headers.get("content-type"), /javascript/);
  assert.match(leaflet.headers.get("cache-control"), /immutable/);
  const api404 = await fetch(`${server.url}/api/definitely-not-here`);
  assert.equal(api404.status, 404);
  assert.match(api404.headers.get("content-type"), /application\/json/);
  assert.equal((await api404.json()).error.code, "no_route");
});

test("sign-in: a wrong password is refused, then the city view shows the 126 units and the queue in Vietnamese", async () => {
  const page = await newPage(browser);
  const outside = [];
  page.on("request", (r) => {
    if (!r.url().startsWith(server.url) && !r.url().startsWith("data:")) outside.push(r.url());
  });
  await page.goto(`${server.url}/`);
  await page.waitForSelector(".login-card");
  await shot(page, "login");
  await page.getByLabel("Tên đăng nhập").fill("admin");
  await page.getByLabel("Mật khẩu").fill("sai-mat-khau");
  await page.getByRole("button", { name: "Đăng nhập" }).click();
  await page.getByText("Sai tên đăng nhập hoặc mật khẩu.").waitFor();
  await page.getByLabel("Mật khẩu").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Đăng nhập" }).click();
  await page.getByRole("heading", { name: "Toàn thành phố" }).waitFor();
  await page.getByRole("heading", { name: "Hàng đợi vụ việc" }).waitFor();
  // Every unit boundary is drawn (one SVG path per unit), with no tile layer.
  await page.waitForFunction(() => document.querySelectorAll("#board-map path.leaflet-interactive").length >= 126);
  assert.equal(await page.locator(".leaflet-tile").count(), 0);
  assert.equal(await page.locator("#unit-select option").count(), 127);
  assert.equal(await page.getAttribute("html", "lang"), "vi");
  // Zooming in shows unit names as labels.
  assert.equal(await page.locator(".unit-label").count(), 0);
  await page.evaluate(() => document.querySelector("#board-map").binhyenMap.setView([21.0385, 105.838], 13, { animate: false }));
  await page.locator(".unit-label", { hasText: "Ba Đình" }).first().waitFor();
  await page.evaluate(() => document.querySelector("#board-map").binhyenMap.fitBounds([[20.53, 105.28], [21.39, 106.02]], { animate: false }));
  await page.waitForTimeout(300);
  await shot(page, "city-view");
  // English and back.
  await page.getByRole("button", { name: "English" }).click();
  await page.getByRole("heading", { name: "Incident queue" }).waitFor();
  assert.equal(await page.getAttribute("html", "lang"), "en");
  await page.getByRole("button", { name: "Tiếng Việt" }).click();
  await page.getByRole("heading", { name: "Hàng đợi vụ việc" }).waitFor();
  assert.deepEqual(outside, [], "the console must not reach outside the server");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("the center switches to a unit: its boundary is highlighted and the map zooms to it", async () => {
  const page = await newPage(browser);
  await openAs(page, server.url, admin);
  await page.selectOption("#unit-select", BA_DINH.code);
  await page.waitForURL(`**/units/${BA_DINH.code}`);
  await page.getByRole("heading", { name: "Công an phường Ba Đình" }).waitFor();
  // The highlighted boundary is drawn thicker in the brand colour.
  await page.waitForFunction(() => [...document.querySelectorAll("#board-map path.leaflet-interactive")].some((p) => p.getAttribute("stroke") === "#0b3d91" && p.getAttribute("stroke-width") === "3.5"));
  const zoom = await page.evaluate(() => document.querySelector("#board-map").binhyenMap.getZoom());
  assert.ok(zoom >= 13, `zoomed to the unit (zoom ${zoom})`);
  await page.locator(".unit-label", { hasText: "Ba Đình" }).first().waitFor();
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("intake: clicking the map shows the owning unit, and typing an old ward name finds the new unit", async () => {
  const page = await newPage(browser);
  await openAs(page, server.url, admin);
  await page.keyboard.press("Alt+N");
  await page.waitForURL("**/intake");
  await page.getByRole("heading", { name: "Tiếp nhận tin báo" }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), "in-kind", "the type comes first");
  await page.waitForFunction(() => document.querySelectorAll("#intake-map path.leaflet-interactive").length >= 126);
  await page.evaluate(({ lat, lon }) => document.querySelector("#intake-map").binhyenMap.setView([lat, lon], 14, { animate: false }), NGOC_HA);
  const p = await mapPoint(page, "#intake-map", NGOC_HA.lat, NGOC_HA.lon);
  await page.mouse.click(p.x, p.y);
  await page.waitForFunction((code) => document.querySelector("#in-unit").dataset.unit === code, NGOC_HA.code);
  assert.match(await page.textContent("#in-unit"), /Phường Ngọc Hà/);
  assert.match(await page.textContent("[data-testid=intake-coords]"), /21\.03/);
  // A fresh form: type an address naming a pre-2025 ward; the unit shows while typing.
  await page.keyboard.press("Escape");
  await page.locator("#in-kind").press("1");
  assert.equal(await page.inputValue("#in-kind"), "fire");
  assert.equal(await page.evaluate(() => document.activeElement.id), "in-address");
  const expected = await admin("GET", `/api/jurisdiction?address=${encodeURIComponent("số 5 phố Hàng Bông, phường Hàng Trống cũ")}`);
  await page.keyboard.type("số 5 phố Hàng Bông, phường Hàng Trống cũ", { delay: 5 });
  // Lookups run while typing; the unit settles on the full address's answer.
  await page.waitForFunction((code) => document.querySelector("#in-unit").dataset.unit === code, expected.body.matches[0].code);
  assert.match(await page.textContent("#in-unit"), /Tên cũ/);
  await page.fill("#in-desc", "Khói bốc ra từ tầng 3 nhà dân");
  await page.fill("#in-caller", "Nguyễn Văn A");
  await page.fill("#in-phone", "0912345678");
  await shot(page, "intake");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("intake: an address that fits several units assigns none until the operator picks one", async () => {
  const page = await newPage(browser);
  await openAs(page, server.url, admin);
  await page.keyboard.press("Alt+N");
  await page.waitForURL("**/intake");
  await page.locator("#in-kind").press("1");
  const text = "số 12 phố Kim Mã";
  const expected = await admin("GET", `/api/jurisdiction?address=${encodeURIComponent(text)}`);
  assert.equal(expected.body.ambiguous, true, "Kim Mã runs through several wards");
  await page.keyboard.type(text, { delay: 5 });
  // No unit is set silently: the candidates are offered, each with why.
  await page.waitForFunction((n) => document.querySelectorAll(".candidates button[data-unit]").length === n, Math.min(6, expected.body.matches.length));
  assert.equal(await page.evaluate(() => document.querySelector("#in-unit").dataset.unit), "");
  assert.match(await page.textContent("#in-unit"), /nhiều đơn vị/);
  assert.match(await page.textContent(".candidates"), /Phố Kim Mã/);
  // Units that fit but are not shown as chips are counted, never dropped silently.
  const hidden = expected.body.total - Math.min(6, expected.body.matches.length);
  if (hidden > 0) assert.match(await page.textContent(".candidates .more-candidates"), new RegExp(`${hidden}`));
  const second = expected.body.matches[1].code;
  await page.click(`.candidates button[data-unit="${second}"]`);
  await page.waitForFunction((code) => document.querySelector("#in-unit").dataset.unit === code, second);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("map: search a street, the map goes there with its lines drawn, and at intake the unit follows", async () => {
  const page = await newPage(browser);
  await openAs(page, server.url, admin);
  await page.keyboard.press("Alt+N");
  await page.waitForURL("**/intake");
  await page.waitForFunction(() => document.querySelectorAll("#intake-map path.leaflet-interactive").length >= 126);
  await page.fill("#intake-map .map-search-input", "hang bac");
  await page.press("#intake-map .map-search-input", "Enter");
  const hit = page.locator("#intake-map .map-hit-street", { hasText: "Hàng Bạc" }).first();
  await hit.waitFor();
  await hit.click();
  // The view moved in: the street lines of the view are drawn (above the unit polygons).
  await page.waitForFunction(() => document.querySelectorAll("#intake-map .leaflet-streets-pane path").length > 10);
  // Zoomed in this far, the street names stay on the map.
  await page.waitForFunction(() => [...document.querySelectorAll("#intake-map .street-name")].some((n) => /Hàng Bạc/.test(n.textContent)));
  // At intake the hit sets the location, and the unit follows (Hàng Bạc lies in Phường Hoàn Kiếm).
  await page.waitForFunction(() => document.querySelector("#in-unit").dataset.unit === "00070");
  assert.match(await page.textContent("[data-testid=intake-coords]"), /21\.0/);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a unit officer lands on their own unit and cannot open another unit's view", async () => {
  const page = await newPage(browser);
  await signIn(page, server.url, OFFICER.username, OFFICER.password);
  await page.waitForURL(`**/units/${BA_DINH.code}`);
  await page.getByRole("heading", { name: "Công an phường Ba Đình" }).waitFor();
  assert.equal(await page.locator("#unit-select").isDisabled(), true);
  assert.equal(await page.locator("#unit-select option").count(), 1);
  await page.waitForFunction(() => document.querySelectorAll("#board-map path.leaflet-interactive").length >= 126);
  await page.waitForTimeout(300);
  await shot(page, "unit-view");
  await page.goto(`${server.url}/units/${NGOC_HA.code}`);
  await page.getByText("Bạn chỉ xem được địa bàn của đơn vị mình.").waitFor();
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("the clock shows Hanoi time whatever the browser's time zone", async () => {
  const page = await newPage(browser, { timezoneId: "America/New_York" });
  await openAs(page, server.url, admin);
  // The clock ticks every second: compare it with the instant it was drawn for (its dateTime),
  // not with the test's own clock, which may already be in the next minute.
  const [shown, drawn] = await page.evaluate(() => {
    const el = document.getElementById("clock");
    return [el.textContent, el.dateTime];
  });
  const hanoi = new Date(Date.parse(drawn) + 7 * 3600 * 1000);
  const expected = [hanoi.getUTCHours(), hanoi.getUTCMinutes()].map((n) => String(n).padStart(2, "0")).join(":");
  assert.equal(shown.slice(0, 5), expected);
  await page.context().close();
});

test("screens whose API is missing say 'chưa có dữ liệu' instead of breaking", async (t) => {
  const page = await newPage(browser);
  await openAs(page, server.url, admin);
  for (const [path, name] of [
    ["/devices", "devices"],
    ["/stats", "stats"],
    ["/incidents/999999", "incident"],
  ]) {
    await page.goto(`${server.url}${path}`);
    await page.waitForSelector("main .panel, main .empty, main table");
    await page.waitForFunction(() => !document.querySelector("main").textContent.includes("Đang tải…"));
    const text = await page.textContent("main");
    assert.doesNotMatch(text, /Có lỗi xảy ra/, `${name} shows an error`);
    if (name === "devices") await shot(page, "devices");
  }
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("the devices board says the risk of a device that accepts unencrypted messages", async (t) => {
  if (!needs(t, "devices")) return;
  const facility = await admin("POST", "/api/facilities", {
    name: "Kho xăng dầu thử nghiệm",
    address: "Số 5 phố Thử, phường Ba Đình",
    lat: 21.0442,
    lon: 105.8431,
    unit_code: "00004",
    kind: "warehouse",
  });
  assert.equal(facility.status, 201, JSON.stringify(facility.body));
  const plain = await admin("POST", "/api/devices", { account: "7E57AB", facility_id: facility.body.id, allow_plain: true });
  assert.equal(plain.status, 201, JSON.stringify(plain.body));
  const page = await newPage(browser);
  await openAs(page, server.url, admin, "/devices");
  const chip = page.locator("#devices-table .plain-risk").first();
  await chip.waitFor();
  assert.match(await chip.textContent(), /Tin không mã hóa: ai biết số tài khoản có thể giả mạo/);
  // A device pinned to its line says where it is heard from instead.
  const pinned = await admin("POST", "/api/devices", { account: "7E57AC", facility_id: facility.body.id, plain_sources: ["203.0.113.9", "10.8.0.0/16"] });
  assert.equal(pinned.status, 201, JSON.stringify(pinned.body));
  // The facility's own page lists its device (it once asked for a filter the API does not
  // have, and showed the error as "no data").
  await page.goto(`${server.url}/facilities/${facility.body.id}`);
  const device = page.locator(".facility .panel ul.plain li", { hasText: "7E57AB" });
  await device.waitFor();
  assert.match(await device.textContent(), /Tin không mã hóa/);
  const narrowed = page.locator(".facility .panel ul.plain li", { hasText: "7E57AC" });
  assert.match(await narrowed.textContent(), /Không mã hóa: chỉ nhận từ 203\.0\.113\.9, 10\.8\.0\.0\/16/);
  assert.equal(await narrowed.locator(".plain-risk").count(), 0);
  // Its pre-plan says the registry has no usable water near it (none was entered here).
  await page.locator("#facility-water #water-none", { hasText: "Không có nguồn nước sử dụng được trong bán kính 2.000 m" }).waitFor();
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("the building's people are told of its alarm, and the operator records a call", async (t) => {
  if (!server.dc09) return t.skip("needs the DC-09 listener (E2E_DC09=1)");
  // No e-mail or SMS is configured here: each person is called by the operator, in order.
  const contacts = [
    { name: "Nguyễn Văn Quản", phone: "0912345001", role: "Trưởng ban quản lý" },
    { name: "Trần Thị Vệ", phone: "0912345002" },
  ];
  await sendFireAlarm(server, admin, { account: "4455DD", contacts });
  let alarm;
  for (let i = 0; i < 100 && !alarm; i++) {
    const page = (await admin("GET", "/api/alarms?class=fire&limit=100")).body;
    alarm = page.items.find((a) => a.device_account === "4455DD");
    if (!alarm) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(alarm, "the alarm is queued");
  const page = await newPage(browser);
  await openAs(page, server.url, admin, `/incidents/${alarm.incident_id}`);
  const items = page.locator("#notify-list li.notice");
  await items.nth(1).waitFor();
  assert.match(await items.nth(0).textContent(), /Nguyễn Văn Quản \(Trưởng ban quản lý\) · Gọi điện 0912345001 · Chờ trực ban gọi/);
  assert.match(await items.nth(1).textContent(), /Trần Thị Vệ · Gọi điện 0912345002/);
  await items.nth(0).locator("input").fill("Đã báo, bảo vệ đang lên tầng 5");
  await items.nth(0).getByRole("button", { name: "Đã báo được" }).click();
  await page.locator("#notify-list li.notice-sent").waitFor();
  assert.match(await items.nth(0).textContent(), /Đã báo/);
  await items.nth(0).locator("summary").click();
  assert.match(await items.nth(0).locator("details").textContent(), /Đã báo, bảo vệ đang lên tầng 5 · admin/);
  const stored = (await admin("GET", `/api/incidents/${alarm.incident_id}/notifications`)).body.plan;
  assert.deepEqual(stored.notices.map((n) => n.state), ["sent", "pending"]);
  // On the facility's page, the device is put on test for an hour.
  await page.goto(`${server.url}/facilities/${alarm.facility_id}`);
  await page.getByTestId(`device-test-${alarm.device_id}`).click();
  await page.locator(".facility .dev-test", { hasText: "đang thử đến" }).waitFor();
  const device = (await admin("GET", `/api/devices/${alarm.device_id}`)).body;
  assert.ok(Date.parse(device.test_until) > Date.now() + 50 * 60 * 1000, device.test_until);
  // Settled, so that it rings on no later screen.
  assert.equal((await admin("POST", `/api/alarms/${alarm.id}/handle`, { note: "kiểm thử" })).status, 200);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("the devices board's totals are the server's, and a partial list says so and loads the rest", async (t) => {
  if (!needs(t, "devices")) return;
  const facility = await admin("POST", "/api/facilities", { name: "Chợ nhiều thiết bị", address: "Số 9 phố Thử", lat: 21.0442, lon: 105.8431, unit_code: "00004", kind: "market" });
  assert.equal(facility.status, 201, JSON.stringify(facility.body));
  // More devices than one page of the board (500).
  let csv = "account,facility_id,allow_plain\n";
  for (let n = 0; n < 520; n++) csv += `${(0xb000 + n).toString(16).toUpperCase()},${facility.body.id},true\n`;
  const imported = await fetch(`${server.url}/api/devices/import`, { method: "POST", headers: { Authorization: `Bearer ${admin.token}`, "Content-Type": "text/csv" }, body: csv });
  assert.equal(imported.status, 201, await imported.text());
  const totals = (await admin("GET", "/api/devices/summary")).body;
  assert.ok(totals.total >= 520, JSON.stringify(totals));
  const page = await newPage(browser);
  await openAs(page, server.url, admin, "/devices");
  await page.locator(".dev-summary .dev-total").waitFor();
  assert.equal(await page.locator(".dev-summary .dev-total").textContent(), `Thiết bị: ${totals.total}`);
  assert.equal(await page.locator(".dev-summary .dev-new").textContent(), `Chưa có tín hiệu: ${totals.new}`);
  const shown = page.locator(".dev-shown");
  assert.equal(await shown.textContent().then((s) => s.replace(/\s*Xem thêm$/, "")), `Đang hiển thị 500 / ${totals.total} thiết bị`);
  await page.locator("#dev-more").click();
  await page.waitForFunction((n) => document.querySelectorAll("#devices-table tbody tr.dev-row.dev-new, #devices-table tbody tr.dev-row.dev-online, #devices-table tbody tr.dev-row.dev-offline").length === n, totals.total);
  assert.equal(await page.locator(".dev-shown").count(), 0, "the whole list is shown");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("keyboard and labels: every form control has an accessible name", async () => {
  const page = await newPage(browser);
  await openAs(page, server.url, admin);
  for (const path of ["/", "/intake", "/calls", "/devices", "/assistant", "/campaigns", "/cases"]) {
    await page.goto(`${server.url}${path}`);
    await page.waitForSelector("#main > *");
    const unnamed = await page.evaluate(() =>
      [...document.querySelectorAll("input, select, textarea, button")]
        .filter((el) => el.offsetParent !== null)
        .filter((el) => {
          const labelled = el.labels && el.labels.length > 0;
          return !labelled && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby") && !(el.textContent || "").trim();
        })
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    assert.deepEqual(unnamed, [], `${path}: controls without a name`);
  }
  await page.context().close();
});

// ---- Tests that need the incidents, resources, feed and alarm APIs ----

/** Creates an incident through the intake form by clicking the map; returns its id. */
async function createByMapClick(page, place, description) {
  await page.goto(`${server.url}/intake`);
  await page.waitForFunction(() => document.querySelectorAll("#intake-map path.leaflet-interactive").length >= 126);
  await page.selectOption("#in-kind", "traffic_accident");
  await page.evaluate(({ lat, lon }) => document.querySelector("#intake-map").binhyenMap.setView([lat, lon], 14, { animate: false }), place);
  const p = await mapPoint(page, "#intake-map", place.lat, place.lon);
  await page.mouse.click(p.x, p.y);
  await page.waitForFunction((code) => document.querySelector("#in-unit").dataset.unit === code, place.code);
  await page.fill("#in-desc", description);
  await page.keyboard.press("Control+Enter");
  await page.waitForURL("**/incidents/*");
  return decodeURIComponent(new URL(page.url()).pathname.split("/").pop());
}

test("an incident created by clicking the map gets the right unit and appears live in a second browser's queue", async (t) => {
  if (!needs(t, "incidents", "feed")) return;
  const watcher = await newPage(browser);
  await openAs(watcher, server.url, admin);
  await watcher.waitForSelector("#queue");
  await watcher.waitForFunction(() => ["live", "sse"].includes(document.getElementById("feed-state").dataset.state));
  const page = await newPage(browser);
  await openAs(page, server.url, admin);
  const id = await createByMapClick(page, NGOC_HA, "Va chạm xe máy trước số 25 Liễu Giai");
  const created = await admin("GET", `/api/incidents/${id}`);
  assert.equal(created.status, 200);
  const unit = created.body.unit_code;
  assert.equal(unit, NGOC_HA.code);
  // The watcher never reloaded: the row arrives through the feed.
  const row = watcher.locator(`#queue li[data-id="${id}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), /Tai nạn giao thông/);
  assert.match(await row.textContent(), /Phường Ngọc Hà/);
  await shot(page, "incident-detail");
  await watcher.context().close();
  await page.context().close();
});

test("an incident's location: pick among uncertain units, then correct it by address and by a map click", async (t) => {
  if (!needs(t, "incidents")) return;
  // Kim Mã runs through several wards: the incident is opened with no unit and its candidates.
  const made = await admin("POST", "/api/incidents", { kind: "fire", channel: "hotline_114", description: "Khói từ tầng 2", address: "số 12 phố Kim Mã" });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  assert.equal(made.body.location.unit_uncertain, true);
  const id = made.body.id;
  const page = await newPage(browser);
  await openAs(page, server.url, admin);
  await page.goto(`${server.url}/incidents/${id}`);
  const chip = page.locator("#unit-pick button[data-unit]").first();
  await chip.waitFor();
  const picked = await chip.getAttribute("data-unit");
  await chip.click();
  await page.waitForFunction(() => !document.querySelector("#unit-pick"));
  let now = await admin("GET", `/api/incidents/${id}`);
  assert.equal(now.body.unit_code, picked);
  assert.equal(now.body.location.address, "số 12 phố Kim Mã", "a pick keeps the place");

  // By address: the unit shows live as the caller's correction is typed, then follows on save.
  await page.click("#relocate-open");
  await page.fill("#relocate-address", "");
  await page.type("#relocate-address", "số 12 Hàng Bạc", { delay: 5 });
  await page.waitForFunction(() => document.querySelector("#relocate-unit").dataset.unit === "00070");
  await page.click("#relocate-save");
  // The page redraws with the new unit, and the timeline says the location was corrected.
  await page.waitForFunction(() => document.querySelector(".incident-meta")?.textContent.includes("Phường Hoàn Kiếm"));
  assert.match(await page.textContent("#timeline"), /Sửa vị trí: số 12 Hàng Bạc/);
  now = await admin("GET", `/api/incidents/${id}`);
  assert.equal(now.body.unit_code, "00070");
  assert.equal(now.body.location.address, "số 12 Hàng Bạc");

  // By a click on the map: the point and its unit win; the spoken address is kept.
  await page.click("#relocate-open");
  await page.waitForFunction(() => document.querySelectorAll("#incident-map path.leaflet-interactive").length >= 126);
  await page.locator("#incident-map").scrollIntoViewIfNeeded();
  await page.evaluate(({ lat, lon }) => document.querySelector("#incident-map").binhyenMap.setView([lat, lon], 15, { animate: false }), NGOC_HA);
  const p = await mapPoint(page, "#incident-map", NGOC_HA.lat, NGOC_HA.lon);
  await page.mouse.click(p.x, p.y);
  await page.waitForFunction((code) => document.querySelector("#relocate-unit").dataset.unit === code, NGOC_HA.code);
  await page.fill("#relocate-reason", "Người báo tin sửa lại vị trí");
  await page.click("#relocate-save");
  await page.waitForFunction((code) => document.querySelector(".incident-meta")?.textContent.includes(code), NGOC_HA.name);
  now = await admin("GET", `/api/incidents/${id}`);
  assert.equal(now.body.unit_code, NGOC_HA.code);
  assert.equal(now.body.location.point_source, "map");
  assert.ok(Math.abs(now.body.location.lat - NGOC_HA.lat) < 0.001, JSON.stringify(now.body.location));
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("dispatching a recommended resource and moving it to on scene", async (t) => {
  if (!needs(t, "incidents", "resources")) return;
  const page = await newPage(browser);
  await openAs(page, server.url, admin);
  const id = await createByMapClick(page, BA_DINH, "Đánh nhau tại ngõ 12");
  const first = page.locator("#recommendations button[data-resource]").first();
  await first.waitFor();
  await first.click();
  const assigned = page.locator("#assigned li").first();
  await assigned.waitFor();
  await page.locator("#assigned button[data-next=en_route]").first().click();
  await page.locator("#assigned button[data-next=on_scene]").first().click();
  await page.locator("#assigned .chip.rs-on_scene").first().waitFor();
  const inc = await admin("GET", `/api/incidents/${id}`);
  assert.ok(["on_scene", "en_route", "dispatched"].includes(inc.body.status), inc.body.status);
  await shot(page, "incident-detail");
  await page.context().close();
});

test("a DC-09 fire alarm opens an incident that raises an audible alert needing acknowledgement", async (t) => {
  if (!needs(t, "incidents", "devices", "feed")) return;
  if (!server.dc09) return t.skip("set E2E_DC09=1 once the server has a DC-09 listener");
  const page = await newPage(browser);
  await openAs(page, server.url, admin);
  await page.waitForFunction(() => ["live", "sse"].includes(document.getElementById("feed-state").dataset.state));
  await sendFireAlarm(server, admin);
  const banner = page.locator("#alarm-banner");
  await banner.waitFor({ state: "visible" });
  assert.match(await banner.textContent(), /BÁO CHÁY MỚI/);
  await page.waitForFunction(() => Number(document.getElementById("alarm-banner").dataset.beeps) >= 1);
  const id = await banner.getAttribute("data-incident");
  await page.locator(`#queue li[data-id="${id}"]`).waitFor();
  await shot(page, "alarm");
  await page.getByTestId("alarm-ack").click();
  await banner.waitFor({ state: "hidden" });
  await page.context().close();
});

test("the alarm queue: a fire alarm rings on two consoles, still rings after a reload, and one acknowledgement stops both", async (t) => {
  if (!needs(t, "incidents", "devices", "feed", "alarms")) return;
  if (!server.dc09) return t.skip("set E2E_DC09=1 once the server has a DC-09 listener");
  const made = await admin("POST", "/api/users", { username: "dd.hai", display_name: "Điều độ Hải", role: "operator", password: "mat-khau-dieu-do-2" });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const second = await apiSession(server.url, "dd.hai", "mat-khau-dieu-do-2");
  const one = await newPage(browser);
  await openAs(one, server.url, admin);
  const two = await newPage(browser);
  await openAs(two, server.url, second, "/calls");
  const live = () => ["live", "sse"].includes(document.getElementById("feed-state").dataset.state);
  await one.waitForFunction(live);
  await two.waitForFunction(live);
  await sendFireAlarm(server, admin, { account: "7788AA" });
  const rings = (page) => page.waitForFunction(() => {
    const b = document.getElementById("alarm-banner");
    return !b.hidden && b.dataset.alarm && Number(b.dataset.beeps) >= 1;
  });
  await rings(one);
  await rings(two);
  const id = await one.locator("#alarm-banner").getAttribute("data-alarm");
  assert.equal(await two.locator("#alarm-banner").getAttribute("data-alarm"), id);
  assert.match(await two.locator("#alarm-banner").textContent(), /BÁO CHÁY MỚI/);
  // The flame is drawn, not an emoji that needs a colour-emoji font.
  assert.equal(await two.locator("#alarm-banner .alarm-title svg.flame-icon").count(), 1);
  assert.doesNotMatch(await two.locator("#alarm-banner").textContent(), /\p{Extended_Pictographic}/u);
  // Nobody acknowledged: a reload (or a new tab) rings again, from the server's queue.
  await two.reload();
  await two.waitForSelector("#topbar:not([hidden])");
  await rings(two);
  assert.equal(await two.locator("#alarm-banner").getAttribute("data-alarm"), id);
  await two.waitForFunction(live);
  // One console acknowledges: the other stops ringing through the live feed.
  await one.getByTestId("alarm-ack").click();
  await one.locator("#alarm-banner").waitFor({ state: "hidden" });
  await two.locator("#alarm-banner").waitFor({ state: "hidden" });
  const after = await admin("GET", `/api/alarms/${id}`);
  assert.equal(after.body.state, "acknowledged");
  assert.equal(after.body.acknowledged_by, "admin");
  // And it stays quiet after a reload.
  await two.reload();
  await two.waitForSelector("#topbar:not([hidden])");
  await two.waitForTimeout(500);
  assert.equal(await two.locator("#alarm-banner").isHidden(), true);
  // Acknowledged but not handled: listed quietly on every console until someone handles it.
  const quiet = (page) => page.locator(`#alarm-queue li[data-alarm="${id}"]`);
  await two.locator("#alarm-queue summary").click();
  await quiet(two).waitFor();
  assert.equal(await quiet(two).getAttribute("data-state"), "acknowledged");
  await quiet(two).locator("input.alarm-note").fill("Bảo vệ tòa nhà xác nhận báo nhầm");
  await quiet(two).getByRole("button", { name: "Đã xử lý" }).click();
  await quiet(two).waitFor({ state: "detached" });
  await one.waitForFunction((alarm) => !document.querySelector(`#alarm-queue li[data-alarm="${alarm}"]`), id);
  const handled = await admin("GET", `/api/alarms/${id}`);
  assert.equal(handled.body.state, "handled");
  assert.equal(handled.body.handled_by, "dd.hai");
  assert.equal(handled.body.note, "Bảo vệ tòa nhà xác nhận báo nhầm");
  assert.deepEqual(one.errors, []);
  assert.deepEqual(two.errors, []);
  await one.context().close();
  await two.context().close();
});

test("an alarm raised while the console is loading the queue keeps ringing when the older list arrives", async (t) => {
  if (!needs(t, "incidents", "devices", "feed", "alarms")) return;
  if (!server.dc09) return t.skip("set E2E_DC09=1 once the server has a DC-09 listener");
  const page = await newPage(browser);
  // Hold the console's first read of the queue: it is read before the alarm exists and answers
  // only after the alarm rang through the live feed (a slow network at the wrong moment).
  let release;
  const held = new Promise((resolve) => (release = resolve));
  let asked;
  const readBefore = new Promise((resolve) => (asked = resolve));
  let reads = 0;
  await page.route(/\/api\/alarms\?state=open/, async (route) => {
    reads += 1;
    if (reads > 1) return route.continue();
    const response = await route.fetch();
    asked();
    await held;
    await route.fulfill({ response });
  });
  await openAs(page, server.url, admin);
  await readBefore;
  await page.waitForFunction(() => ["live", "sse"].includes(document.getElementById("feed-state").dataset.state));
  await sendFireAlarm(server, admin, { account: "5566CC" });
  const ringing = () => {
    const b = document.getElementById("alarm-banner");
    return !b.hidden && b.dataset.alarm ? b.dataset.alarm : null;
  };
  const rang = await (await page.waitForFunction(ringing)).jsonValue();
  // The board saw the alarm's incident too and asked for the queue again, while the first read
  // was still out.
  const incident = await page.locator("#alarm-banner").getAttribute("data-incident");
  await page.locator(`#queue li[data-id="${incident}"]`).waitFor();
  await page.waitForTimeout(600);
  release();
  // The older list arrives: the alarm it does not know yet must keep ringing.
  await page.waitForFunction(() => !document.querySelector("#alarm-banner").hidden);
  await page.waitForTimeout(1000);
  assert.equal(await page.evaluate(ringing), rang);
  const queue = await admin("GET", "/api/alarms?state=open&limit=200");
  assert.ok(queue.body.items.some((a) => String(a.id) === rang && a.state === "new"), JSON.stringify(queue.body));
  await page.getByTestId("alarm-ack").click();
  await page.locator("#alarm-banner").waitFor({ state: "hidden" });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("an alarm nobody acknowledges is escalated: the operator's banner changes and the shift leader's console rings", async (t) => {
  if (!needs(t, "incidents", "devices", "feed", "alarms")) return;
  if (!server.dc09) return t.skip("set E2E_DC09=1 once the server has a DC-09 listener");
  // A server of its own that escalates after 2 s instead of 60.
  const saved = process.env.BINHYEN_ALARM_ESCALATE_SECS;
  process.env.BINHYEN_ALARM_ESCALATE_SECS = "2";
  let fast;
  try {
    fast = await startServer({ dc09: true });
  } finally {
    if (saved === undefined) delete process.env.BINHYEN_ALARM_ESCALATE_SECS;
    else process.env.BINHYEN_ALARM_ESCALATE_SECS = saved;
  }
  try {
    const root = await apiSession(fast.url, "admin", ADMIN_PASSWORD);
    const made = await root("POST", "/api/users", { username: "ld.truc", display_name: "Lãnh đạo trực", role: "leader", password: "mat-khau-lanh-dao-1" });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const chief = await apiSession(fast.url, "ld.truc", "mat-khau-lanh-dao-1");
    const op = await newPage(browser);
    await openAs(op, fast.url, root);
    const lead = await newPage(browser);
    await openAs(lead, fast.url, chief);
    const live = () => ["live", "sse"].includes(document.getElementById("feed-state").dataset.state);
    await op.waitForFunction(live);
    await lead.waitForFunction(live);
    await sendFireAlarm(fast, root, { account: "9900EE" });
    // The operator's console rings at once; the leader's waits for an escalation.
    await op.waitForFunction(() => {
      const b = document.getElementById("alarm-banner");
      return !b.hidden && Number(b.dataset.beeps) >= 1;
    });
    assert.equal(await lead.locator("#alarm-banner").isHidden(), true);
    const escalated = (page) =>
      page.waitForFunction(() => {
        const b = document.getElementById("alarm-banner");
        return !b.hidden && b.dataset.escalated === "true" && Number(b.dataset.beeps) >= 1;
      });
    await escalated(op);
    assert.match(await op.locator("#alarm-banner").textContent(), /Chưa ai xác nhận sau \d+ giây — đã báo lãnh đạo trực/);
    assert.equal(await op.locator("#alarm-banner.escalated").count(), 1);
    await escalated(lead);
    assert.match(await lead.locator("#alarm-banner").textContent(), /đã báo lãnh đạo trực/);
    // Leaders read; acknowledging is for the operators.
    assert.equal(await lead.getByTestId("alarm-ack").count(), 0);
    await op.getByTestId("alarm-ack").click();
    await op.locator("#alarm-banner").waitFor({ state: "hidden" });
    await lead.locator("#alarm-banner").waitFor({ state: "hidden" });
    assert.deepEqual(op.errors, []);
    assert.deepEqual(lead.errors, []);
    await op.context().close();
    await lead.context().close();
  } finally {
    await fast.stop();
  }
});

test("a unit officer's browser never shows another unit's incident", async (t) => {
  if (!needs(t, "incidents", "feed")) return;
  const officerPage = await newPage(browser);
  const frames = [];
  officerPage.on("websocket", (ws) => ws.on("framereceived", (f) => frames.push(String(f.payload))));
  officerPage.on("response", async (r) => {
    if (r.url().includes("/api/incidents")) frames.push(await r.text().catch(() => ""));
  });
  await openAs(officerPage, server.url, officer);
  await officerPage.waitForFunction(() => ["live", "sse"].includes(document.getElementById("feed-state").dataset.state));
  const page = await newPage(browser);
  await openAs(page, server.url, admin);
  const other = await createByMapClick(page, NGOC_HA, "Mất trộm xe máy (đơn vị khác)");
  const own = await createByMapClick(page, BA_DINH, "Cháy nhỏ tại chợ (đơn vị mình)");
  await officerPage.locator(`#queue li[data-id="${own}"]`).waitFor();
  assert.equal(await officerPage.locator(`#queue li[data-id="${other}"]`).count(), 0);
  assert.ok(!frames.some((f) => f.includes("Mất trộm xe máy")), "the other unit's incident reached the officer's browser");
  await officerPage.goto(`${server.url}/incidents/${other}`);
  await officerPage.waitForSelector("main .empty");
  assert.doesNotMatch(await officerPage.textContent("main"), /Mất trộm xe máy/);
  await officerPage.context().close();
  await page.context().close();
});

test("the residence-data page shows the four rates with their definitions and the work list", async () => {
  const created = await officer("POST", "/api/persons", {
    id: "E2E-P1",
    pin: "003190000002",
    full_name: "Trần Thị Bình",
    date_of_birth: "1990-05-01",
    sex: "female",
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const run = await officer("POST", "/api/quality/run");
  assert.equal(run.status, 200, JSON.stringify(run.body));
  const page = await newPage(browser);
  await signIn(page, server.url, OFFICER.username, OFFICER.password);
  await page.getByRole("link", { name: "Dữ liệu cư trú" }).click();
  await page.waitForURL("**/quality");
  for (const d of ["Đúng", "Đủ", "Sạch", "Sống"]) await page.getByRole("heading", { name: d, exact: true }).waitFor();
  assert.match(await page.textContent('[data-dimension="correct"] .quality-definition'), /Đúng = /);
  // The rule is named for a person; the row links to the record, which is corrected there.
  const row = page.locator('[data-testid=quality-work] tr[data-rule="pin.province_code"]', { hasText: "E2E-P1" });
  await row.waitFor();
  assert.match(await row.textContent(), /Mã tỉnh trong số định danh không hợp lệ/);
  assert.match(await page.getByTestId("quality-pager").textContent(), /Hiển thị 1–\d+ \/ \d+/);
  assert.ok(await page.locator('a[href*="format=xlsx"]').count());
  await shot(page, "quality");
  // The record is named by the person's name, its kind and id beside.
  await row.getByRole("link", { name: "Trần Thị Bình" }).click();
  await page.waitForURL("**/records/person/E2E-P1");
  await page.getByRole("heading", { name: "Nhân khẩu: Trần Thị Bình" }).waitFor();
  const pin = page.getByLabel("Số định danh cá nhân");
  assert.equal(await pin.inputValue(), "003190000002");
  await pin.fill("001190000002");
  await page.getByRole("button", { name: "Lưu" }).click();
  await page.locator("#toast", { hasText: "Đã lưu bản ghi" }).waitFor();
  const saved = await officer("GET", "/api/persons/E2E-P1");
  assert.equal(saved.body.pin, "001190000002");
  assert.equal(saved.body.full_name, "Trần Thị Bình", "the fields not edited are kept");
  const again = await officer("POST", "/api/quality/run");
  assert.equal(again.status, 200, JSON.stringify(again.body));
  const left = await officer("GET", "/api/quality?rule=pin.province_code&limit=5000");
  assert.ok(!left.body.work_list.items.some((f) => f.record.id === "E2E-P1"), "the corrected record left the work list");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

// ---- Inspection campaigns and criminal cases ----

/** Today in Hanoi as YYYY-MM-DD, and a day `days` later. */
function hanoiDay(days = 0) {
  return new Date(Date.now() + 7 * 3600 * 1000 + days * 86400 * 1000).toISOString().slice(0, 10);
}

/** Visible form controls without an accessible name (label, aria-label or text). */
function unnamedControls(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll("input, select, textarea, button")]
      .filter((el) => el.offsetParent !== null)
      .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby") && !(el.textContent || "").trim())
      .map((el) => el.outerHTML.slice(0, 80)),
  );
}

test("an inspection campaign through the console: groups, balanced units, a stale change, a visit, a 'not met' finding, its remediation task, verification and closing", async () => {
  const made = await admin("POST", "/api/users", { username: "tt.kiemtra", display_name: "Thanh tra Lê Văn Kiểm", role: "inspector", password: "mat-khau-thanh-tra-1" });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const inspector = await apiSession(server.url, "tt.kiemtra", "mat-khau-thanh-tra-1");
  const inspectorId = (await inspector("GET", "/api/auth/me")).body.id;
  const officerId = (await officer("GET", "/api/auth/me")).body.id;

  const page = await newPage(browser);
  await openAs(page, server.url, inspector, "/tasks");
  await page.getByRole("link", { name: "Kiểm tra" }).click();
  await page.waitForURL("**/campaigns");
  await page.getByRole("heading", { name: "Kiểm tra", exact: true }).waitFor();
  await page.getByText("Chưa có đợt kiểm tra.").waitFor();

  // Create: the campaign opens in planning with the default checklist.
  await page.getByLabel("Tên đợt kiểm tra").fill("Kiểm tra công tác Công an xã, phường quý IV/2026");
  await page.getByRole("button", { name: "Tạo đợt kiểm tra" }).click();
  await page.waitForURL(/\/campaigns\/\d+$/);
  const id = Number(new URL(page.url()).pathname.split("/").pop());
  await page.locator(".chip.campaign-planning").waitFor();
  assert.equal(await page.locator(".campaign-checklist li").count(), 5);

  // A group led by the inspector, then all 126 units divided among the groups.
  await page.getByLabel("Tên đoàn").fill("Đoàn số 1");
  await page.selectOption("#cg-leader", String(inspectorId));
  await page.getByRole("button", { name: "Thêm đoàn", exact: true }).click();
  await page.locator(".campaign-group", { hasText: "Đoàn số 1" }).waitFor();
  await page.getByRole("button", { name: "Chia đều đơn vị cho các đoàn" }).click();
  await page.getByText("Xem 126 đơn vị").waitFor();
  assert.match(await page.textContent("#campaign-progress"), /0 \/ 126/);

  // Someone else adds a checklist item while this page is being typed in: the page says so
  // instead of redrawing, and a change sent at the old version is refused (409) with a
  // "data changed" message and a reload.
  await page.getByLabel("Nội dung mới (tiếng Việt)").fill("Phòng cháy");
  const before = await inspector("GET", `/api/campaigns/${id}`);
  const added = await inspector("POST", `/api/campaigns/${id}/checklist`, { version: before.body.version, title_vi: "Phòng cháy, chữa cháy", title_en: "Fire prevention" });
  assert.equal(added.status, 200, JSON.stringify(added.body));
  await page.getByText("Dữ liệu vừa được thay đổi ở nơi khác.").waitFor({ timeout: 15000 });
  await page.getByRole("button", { name: "Bắt đầu kiểm tra" }).click();
  await page.locator(".form-message", { hasText: "Dữ liệu vừa được người khác thay đổi" }).waitFor();
  await page.locator(".campaign-checklist li", { hasText: "Phòng cháy, chữa cháy" }).waitFor();
  assert.equal(await page.locator("h1 .chip.campaign-planning").count(), 1);

  // Start, then schedule a visit to Ba Đình.
  await page.getByRole("button", { name: "Bắt đầu kiểm tra" }).click();
  await page.locator("h1 .chip.campaign-active").waitFor();
  await page.selectOption("#cv-unit", BA_DINH.code);
  await page.fill("#cv-date", hanoiDay());
  await page.getByRole("button", { name: "Lên lịch kiểm tra" }).click();
  const visitRow = page.locator("#campaign-visits tbody tr", { hasText: "Phường Ba Đình" });
  await visitRow.locator(".chip.visit-planned").waitFor();
  assert.deepEqual(await unnamedControls(page), [], "campaign detail: controls without a name");

  // The record: the first item not met (with notes), the others met.
  await page.getByText("Ghi biên bản kiểm tra Phường Ba Đình").click();
  const items = page.locator(".record-form fieldset");
  assert.equal(await items.count(), 6);
  await page.getByLabel("Số biên bản").fill("BB-01/KT");
  await items.nth(0).getByLabel("Đánh giá").selectOption("not_met");
  await items.nth(0).getByLabel("Nhận xét").fill("Chưa cập nhật biến động cư trú của 12 hộ");
  await items.nth(0).getByLabel("Mức độ").selectOption("high");
  await page.getByRole("button", { name: "Lưu biên bản" }).click();
  await visitRow.locator(".chip.visit-done").waitFor();
  assert.match(await visitRow.textContent(), /Chưa đạt.*Chưa cập nhật biến động cư trú/);
  const finding = page.locator(".finding", { hasText: "Chưa cập nhật biến động cư trú của 12 hộ" });
  await finding.locator(".chip.finding-open").waitFor();
  assert.match(await finding.textContent(), /Nghiêm trọng/);

  // The recommendation becomes a task owned by the Ba Đình officer.
  await finding.getByLabel("Kiến nghị", { exact: true }).fill("Rà soát, cập nhật đầy đủ biến động cư trú");
  await finding.getByLabel("Người thực hiện").selectOption(String(officerId));
  await finding.getByLabel("Thời hạn").fill(`${hanoiDay(30)}T17:00`);
  await finding.getByRole("button", { name: "Kiến nghị và giao nhiệm vụ" }).click();
  await finding.getByText(/Nhiệm vụ số \d+/).waitFor();
  assert.match(await finding.textContent(), /Cán bộ 00004/);
  await page.locator(".finding .verify-form").waitFor();

  const stored = await inspector("GET", `/api/campaigns/${id}`);
  assert.equal(stored.body.status, "active");
  assert.equal(stored.body.findings.length, 1);
  assert.ok(stored.body.findings[0].recommendation?.task_id);
  await shot(page, "campaign");

  // The list shows the progress; the task is on the tasks page.
  await page.getByRole("link", { name: "Danh sách đợt kiểm tra" }).click();
  const row = page.locator("#campaigns-table tbody tr", { hasText: "quý IV/2026" });
  await row.waitFor();
  assert.match(await row.textContent(), /Đang kiểm tra/);
  assert.match(await row.textContent(), /1 \/ 126/);
  assert.match(await row.textContent(), /1 \/ 0/);
  await page.getByRole("link", { name: "Nhiệm vụ" }).click();
  await page.waitForURL("**/tasks");
  const task = page.locator("#tasks-table tr.task-row", { hasText: "Khắc phục tồn tại" });
  await task.waitFor();
  assert.match(await task.textContent(), /Phường Ba Đình/);
  assert.match(await task.textContent(), /Cán bộ 00004/);

  // The unit does the work; the inspector verifies the remediation and closes the campaign.
  const taskId = stored.body.findings[0].recommendation.task_id;
  let tv = await officer("GET", `/api/tasks/${taskId}`);
  assert.equal(tv.status, 200, JSON.stringify(tv.body));
  tv = await officer("POST", `/api/tasks/${taskId}/start`, { version: tv.body.version });
  assert.equal(tv.status, 200, JSON.stringify(tv.body));
  tv = await officer("POST", `/api/tasks/${taskId}/complete`, {
    version: tv.body.version,
    outcome: "Đã cập nhật biến động cư trú của 12 hộ",
    evidence: [{ description: "Báo cáo kết quả rà soát", reference: "BC-15/CAP" }],
  });
  assert.equal(tv.status, 200, JSON.stringify(tv.body));
  await page.goto(`${server.url}/campaigns/${id}`);
  await finding.getByLabel("Ghi chú xác minh").fill("Đã kiểm tra lại sổ sách");
  await finding.getByRole("button", { name: "Xác nhận đã khắc phục" }).click();
  await finding.locator(".chip.finding-remediated").waitFor();
  await page.getByRole("button", { name: "Kết thúc đợt kiểm tra" }).click();
  await page.locator("h1 .chip.campaign-closed").waitFor();
  assert.match(await page.textContent("main"), /100\.0 %/);
  assert.deepEqual(page.errors, []);
  await page.context().close();

  // A unit officer may not read campaigns: the page says so in words.
  const officerPage = await newPage(browser);
  await openAs(officerPage, server.url, officer, "/campaigns");
  await officerPage.getByText("Bạn không có quyền xem nội dung này.").waitFor();
  await officerPage.context().close();
});

test("criminal cases: a unit officer records a case for their own unit only, sees its group and severity, and marks it solved", async () => {
  // Another unit's drug case, recorded by the center.
  const other = await admin("POST", "/api/cases", {
    case_ref: "E2E-NH-249",
    unit: NGOC_HA.code,
    article: 249,
    clause: 1,
    bracket_max: { type: "prison_months", months: 60 },
    summary: "Tàng trữ trái phép chất ma túy",
    discovered_at: new Date(Date.now() - 86400000).toISOString(),
  });
  assert.equal(other.status, 201, JSON.stringify(other.body));

  const page = await newPage(browser);
  await openAs(page, server.url, officer, "/tasks");
  await page.getByRole("link", { name: "Vụ án" }).click();
  await page.waitForURL("**/cases");
  await page.getByRole("heading", { name: "Vụ án", exact: true }).waitFor();
  // Only the own unit is offered, in the filter and in the form.
  assert.equal(await page.locator("#case-unit option").count(), 1);
  assert.equal(await page.locator("#case-unit").isDisabled(), true);
  assert.deepEqual(await page.locator("#nc-unit option").allTextContents(), ["Phường Ba Đình"]);
  await page.getByText("Không có vụ án.").waitFor();
  assert.deepEqual(await unnamedControls(page), [], "cases: controls without a name");

  await page.getByLabel("Số vụ án").fill("E2E-BD-173");
  await page.getByLabel("Điều (Bộ luật Hình sự)").fill("173");
  await page.getByLabel("Khoản").fill("2");
  await page.getByLabel("Mức phạt tù cao nhất (năm)").fill("7");
  await page.getByLabel("Ngày phát hiện").fill(hanoiDay(-2));
  await page.getByLabel("Tóm tắt").fill("Trộm cắp xe máy tại chợ Ngọc Hà");
  await page.getByRole("button", { name: "Ghi nhận vụ án", exact: true }).click();
  const row = page.locator("#cases-table tr.case-row", { hasText: "E2E-BD-173" });
  await row.waitFor();
  assert.match(await row.textContent(), /Trật tự xã hội/);
  assert.match(await row.textContent(), /Nghiêm trọng/);
  assert.match(await row.textContent(), /Điều 173 khoản 2/);
  assert.match(await row.textContent(), /Chưa khám phá/);
  assert.equal(await page.locator("#cases-table", { hasText: "E2E-NH-249" }).count(), 0, "another unit's case is not shown");

  await row.getByRole("button", { name: "Đánh dấu vụ E2E-BD-173 đã khám phá" }).click();
  await row.getByRole("button").waitFor({ state: "detached" });
  assert.doesNotMatch(await row.textContent(), /Chưa khám phá/);
  await page.selectOption("#case-solved", "false");
  await page.getByText("Không có vụ án.").waitFor();
  await page.selectOption("#case-solved", "true");
  await row.waitFor();
  assert.match(await page.textContent(".dev-summary"), /Tỷ lệ điều tra khám phá: 100\.0 %/);
  const stored = await officer("GET", `/api/cases?unit=${BA_DINH.code}`);
  assert.equal(stored.body.length, 1);
  assert.equal(stored.body[0].group, "ttxh");
  assert.ok(stored.body[0].solved_at);
  assert.deepEqual(page.errors, []);
  await page.context().close();

  // The center sees both units' cases with their groups, in English too.
  const center = await newPage(browser);
  await openAs(center, server.url, admin, "/cases");
  const drugs = center.locator("#cases-table tr.case-row", { hasText: "E2E-NH-249" });
  await drugs.waitFor();
  assert.match(await drugs.textContent(), /Ma túy/);
  await center.locator("#cases-table tr.case-row", { hasText: "E2E-BD-173" }).waitFor();
  await center.getByRole("button", { name: "English" }).click();
  await center.getByRole("heading", { name: "Criminal cases" }).waitFor();
  await drugs.getByText("Drugs").waitFor();
  await center.getByRole("button", { name: "Tiếng Việt" }).click();
  await shot(center, "cases");
  assert.deepEqual(center.errors, []);
  await center.context().close();
});

test("switchboard: F2 answers a call, a repeat prank number is flagged, and Alt+P then Enter closes it", async () => {
  const number = "0377888999";
  for (let i = 0; i < 3; i++) {
    const c = await admin("POST", "/api/calls", { line: "113", caller_number: number });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    const r = await admin("POST", `/api/calls/${c.body.id}/close`, { outcome: "prank" });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  const page = await newPage(browser);
  await openAs(page, server.url, admin, "/calls");
  await page.getByRole("heading", { name: "Tổng đài 113/114" }).waitFor();
  await page.keyboard.press("F2");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "call-number");
  await page.keyboard.type(number);
  await page.keyboard.press("Enter");
  await page.getByTestId("call-nuisance").waitFor();
  assert.match(await page.getByTestId("call-nuisance").textContent(), /QUẤY RỐI: 3/);
  await page.keyboard.press("Alt+P");
  await page.getByTestId("call-choice").getByText("Quấy rối, đùa cợt").waitFor();
  await page.keyboard.press("Enter");
  await page.getByTestId("call-number").waitFor();
  // The day's totals are the report's: four pranks, nothing on the line.
  await page.waitForFunction(() => document.querySelector('[data-figure="prank"] b')?.textContent === "4");
  assert.equal(await page.locator('[data-figure="open"] b').textContent(), "0");
  assert.match(await page.getByTestId("call-shown").textContent(), /\/ \d+ cuộc gọi/);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("an incident opened from a switchboard call lists that call on its page", async () => {
  const call = await admin("POST", "/api/calls", { line: "114", caller_number: "0988777666" });
  assert.equal(call.status, 201, JSON.stringify(call.body));
  const made = await admin("POST", `/api/calls/${call.body.id}/incident`, { kind: "fire", description: "Khói ở tầng 3", address: "số 23 phố Hàng Bạc" });
  assert.ok([200, 201].includes(made.status), JSON.stringify(made.body));
  const incident = made.body.incident ?? made.body;
  const page = await newPage(browser);
  await openAs(page, server.url, admin, `/incidents/${incident.id}`);
  const calls = page.locator("#incident-calls");
  await calls.getByText("Cuộc gọi liên quan (1)").waitFor();
  assert.match(await calls.textContent(), /114 · 0988777666 .*Tạo vụ việc/);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("assistant, operator mode: a joking call is flagged as no incident, a knife at home is P1 with safety asked first, and the intake form opens prefilled", async () => {
  const made = await admin("POST", "/api/users", { username: "ct.trucban", display_name: "Trực ban Nguyễn Văn Trực", role: "operator", password: "mat-khau-truc-ban-1" });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const operator = await apiSession(server.url, "ct.trucban", "mat-khau-truc-ban-1");
  const page = await newPage(browser);
  await openAs(page, server.url, operator, "/assistant");
  await page.getByRole("radio", { name: "Hỗ trợ trực ban", checked: true }).waitFor();
  const transcript = page.getByLabel("Lời cuộc gọi");
  await transcript.fill("CT: 114 / NG: báo cháy ạ / CT: cháy ở đâu em / NG: cháy túi, hết tiền rồi ạ (tiếng cười, cúp máy)");
  await transcript.press("Control+Enter");
  const banner = page.getByTestId("op-not-incident");
  await banner.waitFor();
  assert.match(await banner.textContent(), /^Có vẻ không phải sự việc: /);
  assert.equal(await page.getByTestId("op-result").getByRole("link").getAttribute("href"), "/calls");

  await transcript.fill("CT: 113 / NG: (khóc) chồng tôi đang đánh tôi, nó cầm dao đòi giết, tôi chạy sang nhà hàng xóm rồi");
  await page.getByRole("button", { name: "Phân tích" }).click();
  await page.getByTestId("op-priority").waitFor();
  assert.equal(await page.getByTestId("op-priority").getAttribute("data-priority"), "1");
  assert.equal(await page.getByTestId("op-not-incident").count(), 0);
  const questions = await page.getByTestId("op-questions").locator("li").allTextContents();
  assert.ok(questions.some((q) => q.includes("an toàn")), JSON.stringify(questions));
  await shot(page, "assistant-operator");

  // The suggestion opens the intake form filled in, once.
  await page.getByRole("button", { name: "Mở phiếu tiếp nhận" }).click();
  await page.waitForURL("**/intake");
  await page.waitForFunction(() => document.querySelector("#in-priority").value === "1");
  assert.equal(await page.inputValue("#in-kind"), "crime");
  assert.equal(await page.inputValue("#in-subtype"), "domestic_violence");
  assert.match(await page.inputValue("#in-desc"), /cầm dao đòi giết/);
  assert.equal(await page.evaluate(() => sessionStorage.getItem("binhyen.intake.prefill")), null);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

/** An open fire in Ba Đình with its recommendations as the server gives them. */
async function fireWithRecommendations(description, extra = {}) {
  const made = await admin("POST", "/api/incidents", { kind: "fire", channel: "hotline_114", description, lat: BA_DINH.lat, lon: BA_DINH.lon, ...extra });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const recs = await admin("GET", `/api/incidents/${made.body.id}/recommendations`);
  assert.equal(recs.status, 200, JSON.stringify(recs.body));
  return { incident: made.body, recs: recs.body };
}

test("the response plan is dispatched in one request with the D key", async (t) => {
  if (!needs(t, "incidents", "resources")) return;
  const facility = await admin("POST", "/api/facilities", { name: "Tòa nhà thử nghiệm 25 tầng", kind: "apartment_building", address: "số 1 phố Liễu Giai", lat: BA_DINH.lat, lon: BA_DINH.lon, floors: 25 });
  const extra = facility.status === 201 ? { facility_id: facility.body.id } : {};
  const { incident, recs } = await fireWithRecommendations("Cháy căn hộ tầng 12, khói dày", extra);
  if (!Array.isArray(recs.plan_resource_ids)) return t.skip("the server's recommendations have no plan_resource_ids");
  // A fire in a 25-storey building: the high-rise plan, with its ladder.
  if (facility.status === 201) {
    assert.equal(recs.plan.id, "fire_high_rise", JSON.stringify(recs.plan));
    assert.ok(recs.lines.some((l) => l.kind === "aerial_ladder"), JSON.stringify(recs.lines));
  }
  const page = await newPage(browser);
  const dispatches = [];
  page.on("request", (r) => {
    if (r.method() === "POST" && r.url().endsWith(`/api/incidents/${incident.id}/dispatch`)) dispatches.push(JSON.parse(r.postData()));
  });
  await openAs(page, server.url, admin, `/incidents/${incident.id}`);
  const planIds = recs.plan_resource_ids;
  assert.ok(planIds.length >= 1, JSON.stringify(recs));
  const button = page.locator("#dispatch-plan");
  await button.waitFor();
  assert.match(await button.textContent(), new RegExp(`Điều động theo phương án \\(${planIds.length}\\)`));
  assert.equal(await button.getAttribute("aria-keyshortcuts"), "D");
  assert.equal(await page.locator(".plan-name").textContent(), recs.plan.name_vi);
  // Every line of the plan says how far it is filled; a short line says what is missing, and
  // times are always called estimates.
  assert.equal(await page.locator("#plan-lines > li").count(), recs.lines.length);
  for (const line of recs.lines) {
    const text = await page.locator(`#plan-lines > li[data-kind="${line.kind}"]`).textContent();
    assert.match(text, new RegExp(`${(line.assigned ?? 0) + line.resource_ids.length}/${line.needed}`));
    if (line.missing > 0) assert.match(text, new RegExp(line.missing_vi));
  }
  assert.match(await page.locator(".plan-estimate").textContent(), /ước tính/i);
  const withEta = recs.recommendations.find((r) => planIds.includes(r.resource_id) && r.eta_vi);
  if (withEta) assert.match(await page.locator(`#plan-lines li[data-rec="${withEta.resource_id}"]`).textContent(), new RegExp(withEta.eta_vi.replace(/[()]/g, "\\$&")));
  // The shortcut works from anywhere on the page except a text field.
  await page.focus("#note-text");
  await page.keyboard.press("d");
  await page.waitForTimeout(300);
  assert.equal(dispatches.length, 0, "typing d in a field dispatches nothing");
  await page.locator("h1").click();
  await page.keyboard.press("d");
  await page.waitForFunction((n) => document.querySelectorAll("#assigned li").length === n, planIds.length);
  assert.equal(dispatches.length, 1, "one request for the whole plan");
  assert.deepEqual([...dispatches[0].resource_ids].sort(), [...planIds].sort());
  assert.equal(typeof dispatches[0].version, "number");
  const after = await admin("GET", `/api/incidents/${incident.id}`);
  assert.deepEqual(after.body.resources.map((r) => r.resource_id).sort(), [...planIds].sort());
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a resource taken by someone else while the page is open is named, nothing is sent, and the list is refreshed", async (t) => {
  if (!needs(t, "incidents", "resources")) return;
  const { incident } = await fireWithRecommendations("Cháy kho hàng, có người mắc kẹt");
  const page = await newPage(browser);
  await openAs(page, server.url, admin, `/incidents/${incident.id}`);
  const firstRec = page.locator("#recommendations button[data-resource]").first();
  await firstRec.waitFor();
  const plan = page.locator("#dispatch-plan");
  const planShown = (await plan.count()) > 0;
  const takenId = Number(await firstRec.getAttribute("data-resource"));
  const takenName = (await page.locator(`#recommendations li[data-rec="${takenId}"] .rec-name`).first().textContent()).trim();
  const rival = await admin("POST", "/api/incidents", { kind: "fire", channel: "hotline_114", description: "Cháy nhà dân", lat: BA_DINH.lat, lon: BA_DINH.lon });
  const took = await admin("POST", `/api/incidents/${rival.body.id}/dispatch`, { resource_ids: [takenId] });
  assert.equal(took.status, 200, JSON.stringify(took.body));
  await (planShown ? plan.click() : firstRec.click());
  const err = page.locator("#dispatch-error");
  await err.waitFor();
  assert.match(await err.textContent(), new RegExp(`Lực lượng ${takenName} vừa được điều cho việc khác`));
  // All or none: nothing went, and the refreshed list no longer offers the taken resource.
  assert.equal((await admin("GET", `/api/incidents/${incident.id}`)).body.resources.length, 0);
  await page.waitForFunction((id) => !document.querySelector(`#recommendations button[data-resource="${id}"]`), takenId);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("intake: a probable duplicate shows as the caller's number is typed, and one action joins the call to it", async (t) => {
  if (!needs(t, "incidents")) return;
  const first = await admin("POST", "/api/incidents", { kind: "fire", channel: "hotline_114", description: "Cháy bếp nhà hàng", lat: BA_DINH.lat, lon: BA_DINH.lon, caller_phone: "0912000111" });
  assert.equal(first.status, 201, JSON.stringify(first.body));
  const call = await admin("POST", "/api/calls", { line: "114", caller_number: "0912000111" });
  assert.equal(call.status, 201, JSON.stringify(call.body));
  const page = await newPage(browser);
  await openAs(page, server.url, admin, `/intake?call=${call.body.id}`);
  await page.fill("#in-desc", "Người gọi lại, lửa lan sang nhà bên");
  await page.type("#in-phone", "0912 000 111", { delay: 10 });
  const row = page.locator(`#intake-duplicates li[data-duplicate="${first.body.id}"]`);
  await row.waitFor();
  assert.match(await page.locator("#intake-duplicates").textContent(), /Có thể trùng vụ việc đang mở \(1\)/);
  assert.match(await row.textContent(), /cùng số điện thoại người báo/);
  assert.match(await page.locator("#intake-duplicates").textContent(), /Đã so theo: số điện thoại/);
  const before = (await admin("GET", "/api/incidents?status=open&limit=500")).body.length;
  await row.getByRole("button", { name: "Đây là vụ việc này (gắn cuộc gọi)" }).click();
  await page.waitForURL(`**/incidents/${first.body.id}`);
  // No second incident; the call is closed as its duplicate and what was said is on it.
  assert.equal((await admin("GET", "/api/incidents?status=open&limit=500")).body.length, before);
  const closed = await admin("GET", `/api/calls/${call.body.id}`);
  assert.equal(closed.body.outcome, "duplicate");
  assert.equal(closed.body.incident_id, first.body.id);
  const now = await admin("GET", `/api/incidents/${first.body.id}`);
  assert.ok(now.body.notes.some((n) => /lửa lan sang nhà bên/.test(n.text)), JSON.stringify(now.body.notes));
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("intake: the same type at the same street shows as a probable duplicate while the address is typed, said to be approximate", async (t) => {
  if (!needs(t, "incidents")) return;
  const first = await admin("POST", "/api/incidents", { kind: "explosion", channel: "hotline_114", description: "Nổ bình gas quán ăn", address: "số 40 phố Hàng Bạc" });
  assert.equal(first.status, 201, JSON.stringify(first.body));
  const page = await newPage(browser);
  await openAs(page, server.url, admin, "/intake");
  await page.selectOption("#in-kind", "explosion");
  await page.type("#in-address", "số 12 Hàng Bạc", { delay: 5 });
  const row = page.locator(`#intake-duplicates li[data-duplicate="${first.body.id}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), /cùng loại, cách .* theo đường chim bay/);
  assert.match(await page.locator("#intake-duplicates").textContent(), /Đã so theo: vị trí và loại \(vị trí lấy theo tên phố, chỉ gần đúng\)/);
  // Clearing the form clears the candidates.
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => document.getElementById("intake-duplicates").hidden);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("the incident page lists its probable duplicates and merges one in one click", async (t) => {
  if (!needs(t, "incidents")) return;
  const open = (description) => admin("POST", "/api/incidents", { kind: "traffic_accident", channel: "hotline_113", description, lat: NGOC_HA.lat, lon: NGOC_HA.lon, caller_phone: "0977333444" });
  const first = await open("Hai xe máy va chạm");
  const second = await open("Gọi lại: có người bị thương");
  const page = await newPage(browser);
  // From the later report, the merge keeps the earlier incident (its number is already known).
  await openAs(page, server.url, admin, `/incidents/${second.body.id}`);
  const back = page.locator(`#incident-duplicates li[data-duplicate="${first.body.id}"] button[data-merge]`);
  await back.waitFor();
  assert.equal(await back.getAttribute("data-survivor"), String(first.body.id));
  assert.equal(await back.textContent(), `Gộp vụ này vào ${first.body.number} (vụ có trước)`);
  await page.goto(`${server.url}/incidents/${first.body.id}`);
  const row = page.locator(`#incident-duplicates li[data-duplicate="${second.body.id}"]`);
  await row.waitFor();
  // Other tests' incidents may be near too: the count covers them all.
  const total = (await admin("GET", `/api/incidents/duplicates?incident=${first.body.id}`)).body.total;
  assert.match(await page.locator("#incident-duplicates h2").textContent(), new RegExp(`^Có thể trùng \\(${total}\\)$`));
  assert.match(await row.textContent(), /cùng số điện thoại người báo/);
  await row.locator("button[data-merge]").click();
  await page.locator("#timeline").getByText(/Gộp vụ trùng/).waitFor();
  assert.equal((await admin("GET", `/api/incidents/${second.body.id}`)).body.status, "merged");
  await page.waitForFunction((id) => !document.querySelector(`#incident-duplicates li[data-duplicate="${id}"]`), second.body.id);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("resolving an incident asks to release its resources, all ticked, and releases the ticked ones", async (t) => {
  if (!needs(t, "incidents", "resources")) return;
  const made = await admin("POST", "/api/incidents", { kind: "crime", channel: "hotline_113", description: "Trộm xe máy, đối tượng đã bỏ chạy", lat: BA_DINH.lat, lon: BA_DINH.lon });
  const id = made.body.id;
  const recs = (await admin("GET", `/api/incidents/${id}/recommendations`)).body.recommendations;
  assert.ok(recs.length >= 2, JSON.stringify(recs));
  const [a, b] = recs.map((r) => r.resource_id);
  assert.equal((await admin("POST", `/api/incidents/${id}/dispatch`, { resource_ids: [a, b] })).status, 200);
  assert.equal((await admin("POST", `/api/resources/${a}/status`, { status: "on_scene", incident_id: id })).status, 200);
  const page = await newPage(browser);
  await openAs(page, server.url, admin, `/incidents/${id}`);
  await page.locator("#transitions button[data-to=resolved]").click();
  const dialog = page.locator("#release-dialog");
  await dialog.waitFor();
  assert.match(await dialog.textContent(), /2 lực lượng vẫn đang gắn với vụ việc/);
  const boxes = dialog.getByRole("checkbox");
  assert.equal(await boxes.count(), 2);
  assert.ok(await boxes.nth(0).isChecked());
  assert.ok(await boxes.nth(1).isChecked());
  // The second stays on scene to hand over: untick it.
  await dialog.locator(`input[value="${b}"]`).uncheck();
  await dialog.getByRole("button", { name: "Kết thúc nhiệm vụ các lực lượng đã chọn" }).click();
  await dialog.waitFor({ state: "detached" });
  const ra = (await admin("GET", `/api/resources/${a}`)).body;
  const rb = (await admin("GET", `/api/resources/${b}`)).body;
  assert.equal(ra.status, "returning");
  assert.equal(rb.status, "dispatched");
  const now = await admin("GET", `/api/incidents/${id}`);
  assert.equal(now.body.status, "resolved");
  assert.ok(now.body.resources.find((r) => r.resource_id === a).released_at);
  assert.equal(now.body.resources.find((r) => r.resource_id === b).released_at, null);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("changing the priority needs a reason, and the change is on the timeline with it", async (t) => {
  if (!needs(t, "incidents")) return;
  const made = await admin("POST", "/api/incidents", { kind: "public_order", channel: "hotline_113", description: "Nhóm thanh niên tụ tập, la hét", lat: BA_DINH.lat, lon: BA_DINH.lon });
  const id = made.body.id;
  assert.equal(made.body.priority, 3);
  const page = await newPage(browser);
  await openAs(page, server.url, admin, `/incidents/${id}`);
  await page.locator("#classify-box summary").click();
  await page.getByLabel("Mức ưu tiên").selectOption("1");
  await page.locator("#classify-submit").click();
  assert.equal(await page.locator("#classify-error").textContent(), "Cần ghi lý do.");
  assert.equal(await page.evaluate(() => document.activeElement.id), "classify-reason");
  assert.equal((await admin("GET", `/api/incidents/${id}`)).body.priority, 3, "nothing changed without a reason");
  await page.fill("#classify-reason", "Người báo tin thêm: một người cầm dao");
  await page.locator("#classify-submit").click();
  await page.locator("#timeline").getByText("Đổi mức ưu tiên: P3 → P1 (Người báo tin thêm: một người cầm dao)").waitFor();
  assert.match(await page.locator(".incident-head h1").textContent(), /^P1/);
  assert.equal((await admin("GET", `/api/incidents/${id}`)).body.priority, 1);

  // A change made elsewhere that the live feed has not brought yet: the request goes out with
  // an older version than the server's, the form says so and offers a reload.
  const escalate = new RegExp(`/api/incidents/${id}/escalate$`);
  await page.route(escalate, async (route) => {
    const body = JSON.parse(route.request().postData());
    await route.continue({ postData: JSON.stringify({ ...body, version: body.version - 1 }) });
  });
  await page.locator("#escalate-box summary").click();
  await page.locator("#escalate-submit").click();
  const err = page.locator("#escalate-error");
  await err.getByText("Vụ việc vừa được người khác cập nhật.").waitFor();
  await page.unroute(escalate);
  await err.getByRole("button", { name: "Tải lại" }).click();
  await page.locator("#escalate-box summary").click();
  await page.locator("#escalate-submit").click();
  await page.locator("#timeline").getByText("Chuyển lên thành phố").waitFor();
  assert.equal((await admin("GET", `/api/incidents/${id}`)).body.escalated_to_city, true);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
