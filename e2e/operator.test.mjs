// Browser tests of what a 24/7 operator leans on: the queue split into what waits for dispatch
// and what is being worked on, driven from the keyboard, dense enough for a 1366×768 screen;
// the incident page's timer and transfer; and a server outage, during which the console keeps
// its last picture, says how old it is, sounds, keeps what the operator typed, and recovers on
// its own. Its own server, which the outage test stops and starts again. Run with `e2e/run.sh`.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launchBrowser, newPage, openAs, apiSession, ADMIN_PASSWORD } from "./lib/harness.mjs";

// Ba Đình (00004), in the centre.
const BA_DINH = { code: "00004", lat: 21.0385, lon: 105.838 };

let server;
let browser;
let admin;

async function report(n, extra = {}) {
  const r = await admin("POST", "/api/incidents", {
    kind: "crime",
    crime_subtype: "theft",
    channel: "hotline_113",
    priority: 3,
    description: `Mất trộm số ${n}`,
    lat: BA_DINH.lat + n * 1e-5,
    lon: BA_DINH.lon,
    unit_code: BA_DINH.code,
    ...extra,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  admin = await apiSession(server.url, "admin", ADMIN_PASSWORD);
  const fleet = await admin("POST", "/api/resources/demo-fleet");
  assert.ok(fleet.status < 300, JSON.stringify(fleet.body));
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const rowIds = (page) => page.locator("#queue li.queue-item").evaluateAll((els) => els.map((e) => e.dataset.id));

test("the queue shows what waits for dispatch apart from what is worked on, and J/K/Enter drive it", async () => {
  const first = await report(1);
  const second = await report(2);
  const urgent = await report(3, { kind: "fire", crime_subtype: undefined, priority: 1, description: "Cháy nhà dân" });
  // Dispatching one moves it to the part being worked on.
  const resources = await admin("GET", `/api/incidents/${second.id}/recommendations`);
  assert.equal(resources.status, 200, JSON.stringify(resources.body));
  const pick = resources.body.recommendations[0].resource_id;
  const sent = await admin("POST", `/api/incidents/${second.id}/dispatch`, { resource_ids: [pick], version: second.version });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));

  const page = await newPage(browser);
  await openAs(page, server.url, admin, "/");
  await page.locator(`#queue li[data-id="${second.id}"]`).waitFor();
  assert.equal(await page.getByTestId("queue-pending").textContent(), "Chờ điều động (2)");
  assert.equal(await page.getByTestId("queue-active").textContent(), "Đang xử lý (1)");
  // Waiting first, the P1 at the top; then what is being worked on.
  assert.deepEqual(await rowIds(page), [String(urgent.id), String(first.id), String(second.id)]);

  await page.keyboard.press("j");
  await page.keyboard.press("j");
  await page.keyboard.press("k");
  await page.keyboard.press("j");
  const selected = () => page.locator("#queue li.selected").evaluateAll((els) => els.map((e) => e.dataset.id));
  assert.deepEqual(await selected(), [String(first.id)]);
  // A change arriving on the feed redraws the queue: the keyboard's place stays.
  await report(4);
  await page.waitForFunction(() => document.querySelectorAll("#queue li.queue-item").length === 4);
  assert.deepEqual(await selected(), [String(first.id)]);
  await page.keyboard.press("Enter");
  await page.waitForURL(`**/incidents/${first.id}`);
  // The big timer says what it counts.
  assert.equal(await page.locator("#incident-timer-label").textContent(), "Từ lúc tiếp nhận");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("about twice as many queue rows fit at 1366×768 as three-line rows did", async () => {
  for (let n = 10; n < 40; n++) await report(n);
  const page = await newPage(browser);
  await openAs(page, server.url, admin, "/");
  await page.waitForFunction(() => document.querySelectorAll("#queue li.queue-item").length >= 30);
  const fit = await page.evaluate(() => {
    const list = document.querySelector("#queue").getBoundingClientRect();
    return [...document.querySelectorAll("#queue li.queue-item")].filter((li) => {
      const r = li.getBoundingClientRect();
      return r.top >= list.top && r.bottom <= list.bottom;
    }).length;
  });
  // Three-line rows fitted 8 here (71 px a row; measured on the previous layout, same window
  // and data); two-line rows are 35 px.
  assert.ok(fit >= 14, `only ${fit} rows fit`);
  await page.context().close();
});

test("a resolved incident's timer stops and says it is the total; transfer asks for a unit", async () => {
  const inc = await report(50);
  const r1 = await admin("POST", `/api/incidents/${inc.id}/transitions`, { to: "verified", version: inc.version });
  assert.equal(r1.status, 200, JSON.stringify(r1.body));
  const r2 = await admin("POST", `/api/incidents/${inc.id}/transitions`, { to: "resolved", version: r1.body.version });
  assert.equal(r2.status, 200, JSON.stringify(r2.body));

  const page = await newPage(browser);
  await openAs(page, server.url, admin, `/incidents/${inc.id}`);
  await page.locator("#incident-timer").waitFor();
  assert.equal(await page.locator("#incident-timer-label").textContent(), "Tổng thời gian xử lý");
  const shown = await page.locator("#incident-timer").textContent();
  await page.waitForTimeout(2200);
  assert.equal(await page.locator("#incident-timer").textContent(), shown, "a stopped timer does not run");

  const open = await report(51);
  await page.goto(`${server.url}/incidents/${open.id}`);
  const sel = page.locator("#transfer-unit");
  await sel.waitFor();
  assert.equal(await sel.inputValue(), "", "no unit is chosen for the operator");
  await page.locator("#transfer-reason").fill("Sai địa bàn");
  await page.getByRole("button", { name: "Chuyển đơn vị", exact: true }).click();
  await page.locator("#toast", { hasText: "Chọn đơn vị nhận" }).waitFor();
  const still = await admin("GET", `/api/incidents/${open.id}`);
  assert.equal(still.body.unit_code, BA_DINH.code);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("casualty figures are recorded on the incident page, shown on its timeline, and after closing need a reason", async () => {
  const fire = await report(72, { kind: "fire", crime_subtype: undefined, priority: 1, description: "Cháy nhà ống" });
  const page = await newPage(browser);
  await openAs(page, server.url, admin, `/incidents/${fire.id}`);
  await page.locator("#casualty-box").waitFor();
  assert.equal(await page.locator("#casualty-figures").count(), 0, "nothing recorded yet");
  await page.locator("#casualty-box summary").click();
  await page.locator("#casualty-injured").fill("2");
  await page.locator("#casualty-trapped").fill("3");
  await page.locator("#casualty-submit").click();
  await page.locator('#casualty-figures dd[data-field="trapped"]', { hasText: "3" }).waitFor();
  await page.locator(".timeline li", { hasText: "Mắc kẹt 0 → 3" }).waitFor();
  // Unchanged figures are not sent.
  await page.locator("#casualty-box summary").click();
  await page.locator("#casualty-submit").click();
  assert.equal(await page.locator("#casualty-error").textContent(), "Số liệu chưa thay đổi.");

  // Closed, a correction asks for a reason first.
  const now = await admin("GET", `/api/incidents/${fire.id}`);
  const done = await admin("POST", `/api/incidents/${fire.id}/transitions`, { to: "cancelled", reason: "Đã dập tắt trước khi lực lượng đến", version: now.body.version });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  await page.reload();
  await page.locator("#casualty-box summary").click();
  await page.locator("#casualty-dead").fill("1");
  await page.locator("#casualty-submit").click();
  assert.equal(await page.locator("#casualty-error").textContent(), "Cần ghi lý do.");
  await page.locator("#casualty-reason").fill("Nạn nhân tử vong tại bệnh viện");
  await page.locator("#casualty-submit").click();
  await page.locator('#casualty-figures dd[data-field="dead"]', { hasText: "1" }).waitFor();
  const after = await admin("GET", `/api/incidents/${fire.id}`);
  assert.deepEqual(after.body.casualties, { dead: 1, injured: 2, trapped: 3, rescued: 0 });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("labels, transitions and timer targets come from the server's vocabulary", async () => {
  const vocabulary = await admin("GET", "/api/vocabulary");
  assert.equal(vocabulary.status, 200, JSON.stringify(vocabulary.body));
  const order = await report(73, { kind: "public_order", crime_subtype: undefined, priority: 2, description: "Tụ tập gây ồn ào" });
  const page = await newPage(browser);
  let asked = 0;
  page.on("request", (r) => r.url().endsWith("/api/vocabulary") && asked++);
  await openAs(page, server.url, admin, `/incidents/${order.id}`);
  const served = vocabulary.body.kinds.find((k) => k.code === "public_order");
  await page.locator("h1", { hasText: served.label_vi }).waitFor();
  // The status buttons are the server's transitions from "received".
  const next = vocabulary.body.statuses.find((s) => s.code === "received").next;
  const labels = next.map((code) => vocabulary.body.statuses.find((s) => s.code === code).label_vi);
  for (const text of labels) await page.getByRole("button", { name: text, exact: true }).waitFor();
  // The timer turns overdue at the server's P2 verify target, not before.
  const p2 = vocabulary.body.priorities.find((p) => p.priority === 2);
  const overdue = await page.evaluate(async (verify) => {
    const model = await import("/js/model.js");
    const inc = { status: "received", priority: 2, received: 0 };
    return [model.timer(inc, verify * 1000 - 1).overdue, model.timer(inc, verify * 1000 + 1).overdue];
  }, p2.verify_secs);
  assert.deepEqual(overdue, [false, true]);
  assert.equal(asked, 1, "the vocabulary is loaded once");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a fire's page lists the nearest usable water and draws it; a theft's does not", async () => {
  const point = (name, dLat, properties) => ({ type: "Feature", geometry: { type: "Point", coordinates: [BA_DINH.lon, BA_DINH.lat + dLat] }, properties: { name, ...properties } });
  const imported = await admin("POST", "/api/water-sources/import", {
    type: "FeatureCollection",
    features: [
      point("Trụ đầu ngõ", 0.0012, { kind: "hydrant" }),
      point("Ao sau chợ", 0.003, { kind: "pond", engine_access: false, capacity_m3: 1200 }),
      point("Trụ hỏng", 0.0011, { kind: "hydrant", status: "under_repair" }),
    ],
  });
  assert.equal(imported.status, 201, JSON.stringify(imported.body));
  const fire = await report(81, { kind: "fire", crime_subtype: undefined, priority: 1, description: "Cháy nhà dân", lat: BA_DINH.lat + 0.001 });

  const page = await newPage(browser);
  await openAs(page, server.url, admin, `/incidents/${fire.id}`);
  const items = page.locator("#water-list li");
  await items.first().waitFor();
  // Nearest first, the broken hydrant left out, distances as the server gives them.
  const card = (await admin("GET", `/api/incidents/${fire.id}/pre-plan`)).body;
  const expected = card.water.sources.map((n) => `${n.distance_text} · ${n.source.kind_label} · ${n.source.name}`);
  assert.equal(expected.length, 2);
  const shown = await items.evaluateAll((els) => els.map((e) => e.firstChild.textContent + e.childNodes[1].textContent));
  assert.deepEqual(shown, expected);
  // The pond an engine cannot reach says so.
  assert.match(await items.nth(1).textContent(), /xe chữa cháy không vào được/);
  // Both are drawn on the incident's map.
  await page.waitForFunction(() => document.querySelectorAll("#incident-map .water-marker").length === 2);

  const theft = await report(82);
  await openAs(page, server.url, admin, `/incidents/${theft.id}`);
  await page.locator("#timeline").waitFor();
  await page.waitForLoadState("networkidle");
  assert.equal(await page.locator("#water-list, #water-none").count(), 0);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a fire closes only once its fire report is filed on the incident page", async () => {
  const fire = await report(74, { kind: "fire", crime_subtype: undefined, priority: 1, description: "Cháy kho hàng" });
  let v = fire.version;
  for (const to of ["verified", "resolved"]) {
    const r = await admin("POST", `/api/incidents/${fire.id}/transitions`, { to, version: v });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    v = r.body.version;
  }
  const refused = await admin("POST", `/api/incidents/${fire.id}/transitions`, { to: "closed", disposition: "report_taken" });
  assert.equal(refused.status, 422);
  assert.equal(refused.body.error.code, "fire_report_required");

  const page = await newPage(browser);
  await openAs(page, server.url, admin, `/incidents/${fire.id}`);
  await page.locator("#fire-report-missing.warn-text").waitFor();
  await page.locator("#fire-report-box summary").click();
  await page.locator("#fire-report-submit").click();
  assert.equal(await page.locator("#fire-report-error").textContent(), "Chọn nguyên nhân cháy (\"Chưa xác định\" nếu chưa rõ).");
  await page.locator("#fr-cause").selectOption("electrical");
  await page.locator("#fr-premises-kind").selectOption("warehouse");
  await page.locator("#fr-damage").fill("250000000");
  await page.locator("#fr-vehicles").fill("3");
  await page.locator("#fr-personnel").fill("20");
  await page.locator("#fire-report-submit").click();
  await page.locator("#toast", { hasText: "Đã lưu báo cáo vụ cháy" }).waitFor();
  await page.locator("section", { hasText: "Sự cố điện" }).first().waitFor();
  await page.locator(".timeline li", { hasText: "Báo cáo vụ cháy: Có cháy" }).waitFor();
  const filed = await admin("GET", `/api/incidents/${fire.id}/fire-report`);
  assert.equal(filed.body.report.cause, "electrical");
  assert.equal(filed.body.report.premises_kind, "warehouse");
  await page.locator("section", { hasText: "Kho hàng" }).first().waitFor();
  assert.equal(filed.body.report.damage_vnd, 250000000);
  const closed = await admin("POST", `/api/incidents/${fire.id}/transitions`, { to: "closed", disposition: "report_taken" });
  assert.equal(closed.status, 200, JSON.stringify(closed.body));
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("an outage keeps the last picture and the typed form, sounds, and recovers on its own", async () => {
  const known = await report(60);
  const board = await newPage(browser);
  await openAs(board, server.url, admin, "/");
  await board.locator(`#queue li[data-id="${known.id}"]`).waitFor();
  const before = (await rowIds(board)).length;

  const intake = await newPage(browser);
  await openAs(intake, server.url, admin, "/intake");
  await intake.locator("#in-kind").selectOption("fire");
  await intake.locator("#in-desc").fill("Khói bốc ra từ tầng 3");
  await intake.locator("#in-phone").fill("0912345678");
  // The draft survives a reload of the tab.
  await intake.reload();
  await intake.locator("#in-desc").waitFor();
  await intake.waitForFunction(() => document.querySelector("#in-desc").value === "Khói bốc ra từ tầng 3");
  assert.equal(await intake.locator("#in-kind").inputValue(), "fire");
  assert.equal(await intake.locator("#in-phone").inputValue(), "0912345678");

  const { port, dataDir } = server;
  await server.stop({ keepData: true });

  // The board notices, says so with the age of its data, sounds, and keeps every row.
  const banner = board.locator("#outage-banner");
  await banner.waitFor({ state: "visible", timeout: 20000 });
  assert.match(await banner.textContent(), /Mất kết nối với máy chủ từ \d\d:\d\d:\d\d\. Dữ liệu trên màn hình là của lúc \d\d:\d\d:\d\d/);
  assert.ok(Number(await board.evaluate(() => document.body.dataset.outageTones)) >= 1, "the outage sounds");
  await board.locator(".queue-status.stale").waitFor();
  assert.match(await board.locator(".queue-status").textContent(), /Dữ liệu lúc \d\d:\d\d:\d\d/);
  assert.equal((await rowIds(board)).length, before);
  assert.equal(await board.locator("#queue .empty").count(), 0, "no error replaces the queue");

  // Sending during the outage keeps the form and says why it was not sent.
  await intake.locator("#in-address").fill("12 Phan Đình Phùng, Ba Đình");
  await intake.keyboard.press("Control+Enter");
  await intake.locator(".form-error", { hasText: "mất kết nối với máy chủ" }).waitFor();
  assert.equal(await intake.locator("#in-desc").inputValue(), "Khói bốc ra từ tầng 3");

  server = await startServer({ dataDir, port });
  await banner.waitFor({ state: "hidden", timeout: 30000 });
  await board.waitForFunction(() => !document.querySelector(".queue-status.stale"), null, { timeout: 30000 });
  assert.equal((await rowIds(board)).length, before);
  // The live feed is back: a new incident appears without a reload.
  const later = await report(61);
  await board.locator(`#queue li[data-id="${later.id}"]`).waitFor({ timeout: 20000 });

  // The kept form is sent once the server is back.
  await intake.keyboard.press("Control+Enter");
  await intake.waitForURL(/\/incidents\/\d+$/, { timeout: 20000 });
  const id = intake.url().split("/").pop();
  const made = await admin("GET", `/api/incidents/${id}`);
  assert.equal(made.body.description, "Khói bốc ra từ tầng 3");
  // Sent: the draft is gone.
  await intake.goto(`${server.url}/intake`);
  await intake.locator("#in-desc").waitFor();
  assert.equal(await intake.locator("#in-desc").inputValue(), "");
  await board.context().close();
  await intake.context().close();
});

test("statistics: the period and the unit are chosen, totals are the server's, no future days, exports follow the choice", async () => {
  await report(70);
  // A confirmed fire with its report, so that the causes have something to show.
  const fire = await report(71, { kind: "fire", crime_subtype: undefined, priority: 1, description: "Cháy do chập điện" });
  assert.equal((await admin("POST", `/api/incidents/${fire.id}/transitions`, { to: "verified" })).status, 200);
  const filed = await admin("PUT", `/api/incidents/${fire.id}/fire-report`, { real_fire: true, cause: "electrical", premises_kind: "market" });
  assert.equal(filed.status, 200, JSON.stringify(filed.body));
  const page = await newPage(browser);
  const asked = [];
  page.on("request", (r) => r.url().includes("/api/stats/") && asked.push(new URL(r.url())));
  await openAs(page, server.url, admin, "/stats");
  const openTotal = page.getByTestId("stats-open-total");
  await openTotal.waitFor();
  const all = await admin("GET", "/api/incidents/count?status=open");
  assert.equal(await openTotal.textContent(), `Đang mở: ${all.body.total} vụ việc`);

  // The current reporting month by default; its days up to today only.
  const series = await admin("GET", "/api/stats/incidents/series?granularity=day");
  assert.equal(series.status, 200, JSON.stringify(series.body));
  const today = new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
  const past = series.body.buckets.filter((b) => b.from <= today).length;
  assert.ok(past < series.body.buckets.length || series.body.period.to <= today);
  await page.locator("#stats-day svg circle").first().waitFor();
  assert.equal(await page.locator("#stats-day svg circle").count(), past, "one point per day so far");
  assert.equal(await page.locator("#stats-period-label").textContent(), series.body.period.label);
  // Nothing is wider than the window.
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), "the page fits 1366 px");

  // Drill-down: every unit of the by-unit report opens the page for that unit alone.
  await page.locator("#stats-all-units summary").click();
  await page.locator(`#stats-all-units tr[data-unit="${BA_DINH.code}"] button`).click();
  assert.equal(await page.locator("#stats-unit").inputValue(), BA_DINH.code);
  const own = await admin("GET", `/api/incidents/count?status=open&unit=${BA_DINH.code}`);
  await page.waitForFunction((want) => document.querySelector("[data-testid=stats-open-total]")?.textContent === want, `Đang mở: ${own.body.total} vụ việc`);
  await page.locator("#stats-city").click();
  await page.waitForFunction((want) => document.querySelector("[data-testid=stats-open-total]")?.textContent === want, `Đang mở: ${all.body.total} vụ việc`);
  assert.equal(await page.locator("#stats-unit").inputValue(), "");
  assert.equal(await page.locator("#stats-city").isVisible(), false);

  // A quarter for one unit: every report is asked again with both, and the exports follow.
  asked.length = 0;
  const quarter = await page.locator("#stats-period option").nth(2).getAttribute("value");
  assert.match(quarter, /^R\d{4}-Q[1-4]$/);
  await page.locator("#stats-period").selectOption(quarter);
  await page.locator("#stats-unit").selectOption(BA_DINH.code);
  const unitTotal = await admin("GET", `/api/incidents/count?status=open&unit=${BA_DINH.code}`);
  await page.waitForFunction((want) => document.querySelector("[data-testid=stats-open-total]")?.textContent === want, `Đang mở: ${unitTotal.body.total} vụ việc`);
  await page.locator("#stats-crimes [data-testid=stats-clearance]").waitFor();
  const last = asked.filter((u) => u.searchParams.get("unit") === BA_DINH.code);
  for (const path of ["/api/stats/incidents", "/api/stats/incidents/series", "/api/stats/crimes", "/api/stats/response-times", "/api/stats/fires", "/api/stats/false-alarms"]) {
    assert.ok(last.some((u) => u.pathname === path && u.searchParams.get("period") === quarter), `${path} asked for ${quarter}`);
  }
  // False alarms: the server's count and devices of the same period and unit.
  const falseAlarms = await admin("GET", `/api/stats/false-alarms?period=${quarter}&unit=${BA_DINH.code}`);
  assert.equal(falseAlarms.status, 200, JSON.stringify(falseAlarms.body));
  const rateLine = page.locator("#stats-false-alarms .false-alarm-rate");
  await rateLine.waitFor();
  assert.match(await rateLine.textContent(), new RegExp(`^${falseAlarms.body.false_alarms} lần báo giả từ ${falseAlarms.body.devices} thiết bị đang hoạt động`));
  // Causes, as the server counts them for the same choice.
  const fires = await admin("GET", `/api/stats/fires?period=${quarter}&unit=${BA_DINH.code}`);
  assert.ok(fires.body.causes.some((c) => c.code === "electrical"), JSON.stringify(fires.body.causes));
  assert.equal(await page.locator("[data-causes=fire_causes]").count(), 1);
  for (const c of fires.body.causes) assert.match(await page.locator("[data-causes=fire_causes]").textContent(), new RegExp(`${c.label} ${c.count}`));
  // And the types of premises.
  assert.ok(fires.body.premises.some((c) => c.code === "market"), JSON.stringify(fires.body.premises));
  for (const c of fires.body.premises) assert.match(await page.locator("[data-causes=fire_premises_line]").textContent(), new RegExp(`${c.label} ${c.count}`));
  // And per unit, the server's rows, one per unit and family.
  assert.ok(fires.body.units.length > 0, JSON.stringify(fires.body.units));
  const unitRows = page.locator("#stats-fires table", { hasText: "theo đơn vị" }).locator("tbody tr");
  assert.equal(await unitRows.count(), fires.body.units.length);
  assert.match(await unitRows.first().textContent(), new RegExp(`^${fires.body.units[0].unit_name}${fires.body.units[0].label}${fires.body.units[0].figures.count}`));
  await page.locator("#stats-unit-report svg").waitFor();
  const csv = await page.locator("#stats-unit-report a[data-export=csv]").getAttribute("href");
  const link = new URL(csv, server.url);
  assert.equal(link.searchParams.get("period"), quarter);
  assert.equal(link.searchParams.get("unit"), BA_DINH.code);
  const file = await page.request.get(link.href);
  assert.equal(file.status(), 200);
  assert.match(file.headers()["content-type"], /csv/);

  // Any days: from and to are sent instead of a period.
  await page.locator("#stats-period").selectOption("custom");
  await page.locator("#stats-from").fill("2026-11-01");
  await page.locator("#stats-to").fill("2026-11-30");
  await page.locator("#stats-to").dispatchEvent("change");
  await page.waitForFunction(() => /01\/11/.test(document.querySelector("#stats-day")?.textContent || "") || document.querySelector("#stats-day .empty"));
  assert.ok(asked.some((u) => u.searchParams.get("from") === "2026-11-01" && u.searchParams.get("to") === "2026-11-30"));
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("in English every screen speaks English (no raw codes or message keys) and fits 1366 px", async () => {
  const page = await newPage(browser);
  await page.addInitScript(() => localStorage.setItem("binhyen.lang", "en"));
  await openAs(page, server.url, admin, "/");
  const nav = await page.locator(".mainnav").innerText();
  for (const word of ["Board", "Intake", "Statistics"]) assert.match(nav, new RegExp(word));
  const pages = ["/", "/intake", "/calls", "/devices", "/tasks", "/campaigns", "/crime-reports", "/cases", "/stats", "/quality", "/assistant", "/admin", "/admin/units", "/admin/plans", "/admin/imports"];
  for (const path of pages) {
    await page.goto(`${server.url}${path}`);
    await page.waitForSelector("main h1, main h2");
    await page.waitForFunction(() => !document.querySelector("main").innerText.includes("Loading…"), null, { timeout: 15000 }).catch(() => {});
    // Column names of a CSV file (in <code>) are shown as they must be written.
    const text = await page.evaluate(() => {
      for (const el of document.querySelectorAll("main code")) el.hidden = true;
      return `${document.getElementById("topbar").innerText}\n${document.querySelector("main").innerText}`;
    });
    // A missing translation shows its key (`stats_title`) and an unlabelled code shows itself
    // (`fire_alarm`): both are snake_case words a person never writes.
    const raw = text.match(/\b[a-z]+(?:_[a-z0-9]+)+\b/g);
    assert.equal(raw, null, `${path} shows ${raw}`);
    // Nothing is cut off or scrolls sideways at 1366 px.
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${path} is wider than the window`);
    // Every link of the top bar is in sight, none scrolled away.
    assert.ok(await page.evaluate(() => { const nav = document.querySelector(".mainnav"); return nav.scrollWidth <= nav.clientWidth; }), `${path}: the top bar's links overflow`);
  }
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("two screens: the map moves to a window of its own, the queue takes the whole first one, both live", async () => {
  await report(79);
  const page = await newPage(browser);
  await openAs(page, server.url, admin, "/");
  await page.locator("#queue li.queue-item").first().waitFor();
  const [mapWindow] = await Promise.all([page.context().waitForEvent("page"), page.getByTestId("open-map-window").click()]);
  await mapWindow.waitForLoadState();
  assert.match(mapWindow.url(), /\?layout=map$/);
  // The units are drawn, over the whole window's width.
  await mapWindow.waitForFunction(() => document.querySelectorAll("#board-map path.leaflet-interactive").length >= 126);
  assert.ok((await mapWindow.locator("#board-map").evaluate((el) => el.getBoundingClientRect().width)) > 1000);
  assert.equal(await mapWindow.locator("#queue").count(), 0, "the map window has no queue");
  await page.waitForURL(/\?layout=queue$/);
  assert.equal(await page.locator("#board-map").count(), 0, "the queue window has no map");
  // The queue fills the window's width.
  const width = await page.locator(".queue").evaluate((el) => el.getBoundingClientRect().width);
  assert.ok(width > 1000, `queue ${width} px wide`);
  const later = await report(80);
  await page.locator(`#queue li[data-id="${later.id}"]`).waitFor();
  await page.getByTestId("map-back-here").click();
  await page.locator("#board-map").waitFor();
  assert.deepEqual(page.errors, []);
  assert.deepEqual(mapWindow.errors ?? [], []);
  await page.context().close();
});
