// Browser test of the crime-report register: a unit officer sees the overdue and due-soon
// reports of their unit, registers an anonymous tip through the form, records a decision to
// prosecute that opens the case, and registers a report from an incident's page, whose link
// leads back to the incident. Its own server. Run with `e2e/run.sh`.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launchBrowser, newPage, openAs, apiSession, ADMIN_PASSWORD } from "./lib/harness.mjs";

const BA_DINH = { code: "00004", lat: 21.0385, lon: 105.838 };
const OFFICER = { username: "cb.badinh.tinbao", password: "mat-khau-tin-bao-ba-dinh" };

let server;
let browser;
let officer;
let overdue;
let soon;

const daysAgo = (n) => new Date(Date.now() - n * 86400000).toISOString();

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const admin = await apiSession(server.url, "admin", ADMIN_PASSWORD);
  const made = await admin("POST", "/api/users", { username: OFFICER.username, display_name: "Cán bộ Ba Đình", role: "unit_officer", unit_code: BA_DINH.code, password: OFFICER.password });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  officer = await apiSession(server.url, OFFICER.username, OFFICER.password);
  const report = async (summary, ago) => {
    const r = await officer("POST", "/api/crime-reports", { summary, received_at: daysAgo(ago), reporter: { name: "Lê Văn C", phone: "0912345678" } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  };
  overdue = await report("Trộm cắp xe máy tại chợ", 30);
  soon = await report("Lừa đảo chuyển tiền qua mạng", 19);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("the register shows what is overdue and due soon, and takes an anonymous tip", async () => {
  const page = await newPage(browser);
  await openAs(page, server.url, officer, "/crime-reports");
  const units = page.locator("#cr-due-units tbody tr");
  await units.first().waitFor();
  assert.equal(await units.count(), 1);
  assert.deepEqual(await units.first().locator("td").allTextContents(), ["Phường Ba Đình", "1", "1"]);
  const due = page.locator("#cr-due-table tbody tr");
  assert.equal(await due.count(), 2);
  assert.equal(await due.nth(0).getAttribute("data-due"), "overdue");
  assert.match(await due.nth(0).locator(".chip").textContent(), /^Quá hạn \d+ ngày$/);
  assert.equal(await due.nth(1).getAttribute("data-due"), "due_soon");
  assert.equal(await page.locator("#cr-total").textContent(), "Tổng số tin báo: 2");
  // The period's figures: both were received before this reporting month or in it, none
  // settled, both pending at its end (the server's counts, per unit and in total).
  const total = page.locator("#cr-figures-table tr.total td");
  await total.first().waitFor();
  const figures = await total.allTextContents();
  assert.equal(figures.length, 12);
  assert.equal(Number(figures[0]) + Number(figures[1]), 2);
  assert.equal(figures[3], "0");
  assert.equal(figures[11], "2");
  assert.match(await page.locator("#cr-figures-csv").getAttribute("href"), /format=csv/);

  // An anonymous tip: no reporter at all.
  await page.locator("#ncr-kind").selectOption("information");
  await page.locator("#ncr-summary").fill("Có người tụ tập mua bán ma túy ở ngõ 12 vào ban đêm");
  await page.getByRole("button", { name: "Tiếp nhận tin báo" }).click();
  await page.waitForSelector(".crime-report.page");
  const facts = page.locator(".facts");
  assert.match(await facts.textContent(), /Nặc danh/);
  assert.match(await facts.textContent(), /Tin báo về tội phạm/);
  assert.match(await page.locator("h1 .chip").textContent(), /^Trong hạn đến \d\d\/\d\d\/\d{4}$/);
  assert.match(await facts.textContent(), /Điều 147 Bộ luật Tố tụng hình sự 2015/);
  // The tasks page says what of the register is due, and leads to it.
  await page.goto(`${server.url}/tasks`);
  const strip = page.locator("#tasks-crime-due a");
  await strip.waitFor();
  assert.equal(await strip.textContent(), "Tin báo tội phạm: 1 quá hạn, 1 sắp hết hạn giải quyết");
  await strip.click();
  await page.locator("#cr-due-units").waitFor();
  // So does the unit's board, above its map.
  await page.goto(`${server.url}/units/${BA_DINH.code}`);
  const boardStrip = page.locator(".board-map .crime-due-strip a");
  await boardStrip.waitFor();
  assert.equal(await boardStrip.textContent(), "Tin báo tội phạm: 1 quá hạn, 1 sắp hết hạn giải quyết");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a decision to prosecute opens the case, linked from the report", async () => {
  const page = await newPage(browser);
  await openAs(page, server.url, officer, `/crime-reports/${soon.id}`);
  await page.locator("#cr-decide").waitFor();
  await page.locator("#cr-dec-outcome").selectOption("prosecute");
  await page.locator("#cr-dec-no").fill("08/QĐ-KTVA");
  await page.locator("#cr-case-ref").fill("VA-BD-2026-001");
  await page.locator("#cr-case-article").fill("174");
  await page.locator("#cr-case-clause").fill("2");
  await page.locator("#cr-case-years").fill("7");
  await page.getByRole("button", { name: "Ghi nhận quyết định" }).click();
  const link = page.locator("#cr-case-link");
  await link.waitFor();
  assert.equal(await link.textContent(), "VA-BD-2026-001");
  assert.equal(await page.locator(".crime-report.page").getAttribute("data-status"), "prosecuted");
  assert.match(await page.locator(".cr-history").textContent(), /Khởi tố vụ án hình sự \(QĐ 08\/QĐ-KTVA/);
  // Settled: no more steps offered.
  assert.equal(await page.locator("#cr-decide").count(), 0);
  await link.click();
  await page.locator("#cases-table").waitFor();
  assert.match(await page.locator("#cases-table").textContent(), /VA-BD-2026-001/);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("an incident's page registers its crime report and the report leads back", async () => {
  const r = await officer("POST", "/api/incidents", {
    kind: "crime",
    channel: "hotline_113",
    description: "Bị giật điện thoại trên phố",
    address: "12 Phan Đình Phùng",
    lat: BA_DINH.lat,
    lon: BA_DINH.lon,
    unit_code: BA_DINH.code,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const page = await newPage(browser);
  await openAs(page, server.url, officer, `/incidents/${r.body.id}`);
  const box = page.locator("#incident-crime-reports");
  await box.waitFor();
  assert.match(await box.textContent(), /Chưa có tin báo tội phạm/);
  await page.locator("#incident-crime-report-new").click();
  await page.waitForSelector(".crime-report.page");
  const back = page.locator("#cr-incident-link");
  assert.equal(await back.textContent(), r.body.number);
  assert.match(await page.locator(".facts").textContent(), /Bị giật điện thoại trên phố/);
  assert.match(await page.locator(".facts").textContent(), /Từ sự việc tiếp nhận/);
  await back.click();
  await page.locator("#incident-crime-reports li").waitFor();
  assert.match(await page.locator("#incident-crime-reports").textContent(), /Tin báo #\d+/);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
