// Browser tests of the administration screens: accounts made, moved to another unit, reset and
// disabled from the console; units without accounts found and given a chief; response plans
// edited as TOML (a broken book refused, a good one a new version, an old one restored); and the
// facility CSV and water-source GeoJSON imports with their refused rows listed. Its own server. Run with `e2e/run.sh`.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launchBrowser, newPage, openAs, apiSession, ADMIN_PASSWORD } from "./lib/harness.mjs";

let server;
let browser;
let admin;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  admin = await apiSession(server.url, "admin", ADMIN_PASSWORD);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function adminPage(path) {
  const page = await newPage(browser);
  await openAs(page, server.url, admin, path);
  return page;
}

test("accounts: one is created for a unit, moved to another, given a new password and disabled", async () => {
  const page = await adminPage("/admin");
  await page.locator("#users-table").waitFor();
  // The administrator's extra link still fits the top bar at 1366 px.
  assert.ok(await page.locator("#nav-admin").isVisible());
  assert.ok(await page.evaluate(() => { const nav = document.querySelector(".mainnav"); return nav.scrollWidth <= nav.clientWidth; }), "the top bar's links overflow");
  await page.locator("#new-user-box summary").click();
  await page.locator("#new-username").fill("cb.badinh");
  await page.locator("#new-name").fill("Nguyễn Văn An");
  await page.locator("#new-role").selectOption("unit_officer");
  await page.locator("#new-unit").selectOption("00004");
  const firstPassword = await page.locator("#new-password").inputValue();
  assert.ok(firstPassword.length >= 16, "a first password is proposed");
  await page.locator("#new-user-submit").click();
  const row = page.locator('#users-table tr[data-username="cb.badinh"]');
  await row.waitFor();
  assert.match(await row.textContent(), /Nguyễn Văn An.*Cán bộ đơn vị.*Ba Đình/);
  // The proposed password signs in.
  const officer = await apiSession(server.url, "cb.badinh", firstPassword);
  assert.equal((await officer("GET", "/api/auth/me")).body.unit_code, "00004");

  // Moved to Ngọc Hà: the account's session ends.
  const id = (await admin("GET", "/api/users")).body.find((u) => u.username === "cb.badinh").id;
  await row.locator("summary").click();
  await page.locator(`#user-${id}-unit`).selectOption("00008");
  await page.locator(`#user-${id}-edit button[type=submit]`).click();
  await page.locator("#toast", { hasText: "Đã lưu tài khoản" }).waitFor();
  await page.locator('#users-table tr[data-username="cb.badinh"]', { hasText: "Ngọc Hà" }).waitFor();
  assert.equal((await officer("GET", "/api/auth/me")).status, 401, "the old session ended");

  // A new password, then disabled.
  const moved = page.locator('#users-table tr[data-username="cb.badinh"]');
  await moved.locator("summary").click();
  await page.locator(`#user-${id}-password`).fill("mat-khau-moi-rat-dai");
  await page.locator(`#user-${id}-reset button[type=submit]`).click();
  await page.locator("#toast", { hasText: "Đã đặt lại mật khẩu" }).waitFor();
  const again = await apiSession(server.url, "cb.badinh", "mat-khau-moi-rat-dai");
  assert.equal((await again("GET", "/api/auth/me")).body.unit_code, "00008");
  await page.locator('#users-table tr[data-username="cb.badinh"] summary').click();
  await page.locator(`#user-${id}-disable`).click();
  await page.locator('#users-table tr[data-username="cb.badinh"]', { hasText: "Đã khoá" }).waitFor();
  assert.equal((await again("GET", "/api/auth/me")).status, 401, "a disabled account is signed out");

  // The list was narrowed to the new account; the administrator's own role cannot be changed.
  assert.equal(await page.locator("#users-search").inputValue(), "cb.badinh");
  await page.locator("#users-search").fill("");
  const me = (await admin("GET", "/api/auth/me")).body.id;
  await page.locator('#users-table tr[data-username="admin"] summary').click();
  assert.equal(await page.locator(`#user-${me}-role`).isDisabled(), true);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("units: those without an account are found, and a chief is chosen", async () => {
  const made = await admin("POST", "/api/users", { username: "cb.hoankiem", role: "unit_officer", unit_code: "00070", password: "mat-khau-hoan-kiem" });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const page = await adminPage("/admin/units");
  await page.locator("#units-table").waitFor();
  const summary = await page.locator("#units-summary").textContent();
  // 126 units; Hoàn Kiếm has an active officer (the Ngọc Hà one of the test before is disabled).
  assert.match(summary, /^126 đơn vị, 125 đơn vị chưa có tài khoản cán bộ đang dùng$/);
  await page.locator("#units-empty").check();
  assert.equal(await page.locator('#units-table tr[data-unit="00070"]').count(), 0);
  await page.locator("#units-empty").uncheck();
  await page.locator("#chief-00070").selectOption(String(made.body.id));
  await page.locator("#chief-00070-save").click();
  await page.locator("#toast", { hasText: "Đã lưu trưởng đơn vị" }).waitFor();
  const chiefs = await admin("GET", "/api/unit-chiefs");
  assert.deepEqual(chiefs.body, [{ unit_code: "00070", user_id: made.body.id }]);
  // "Add an officer" opens the account form with the unit chosen.
  await page.locator('#units-table tr[data-unit="00004"] a').click();
  await page.locator("#new-user-form").waitFor();
  assert.equal(await page.locator("#new-unit").inputValue(), "00004");
  assert.equal(await page.locator("#new-role").inputValue(), "unit_officer");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("response plans: a broken book is refused, a good one becomes a version, an old one is restored", async () => {
  const before = (await admin("GET", "/api/response-plans")).body;
  const page = await adminPage("/admin/plans");
  await page.locator('#plans-table tr[data-plan="fire"]').waitFor();
  assert.match(await page.locator('#plans-table tr[data-plan="fire"]').textContent(), /2 × /);
  await page.locator("#plans-edit-box summary").click();
  const toml = page.locator("#plans-toml");
  const original = await toml.inputValue();
  // No reason: not sent.
  await page.locator("#plans-submit").click();
  assert.equal(await page.locator("#plans-error").textContent(), "Cần ghi lý do.");
  await page.locator("#plans-reason").fill("Thử bộ phương án lỗi");
  await toml.fill(original.replace('id = "fire"', 'id = "fire"\nkinds = "khong-phai-danh-sach"'));
  await page.locator("#plans-submit").click();
  // The label of the code and the field's explanation, in Vietnamese.
  await page.locator("#plans-error", { hasText: "Có thông tin chưa hợp lệ. plans: Tệp phương án không đọc được" }).waitFor();
  assert.equal((await admin("GET", "/api/response-plans")).body.version, before.version, "the plans in force stay");

  await toml.fill(original.replace('name_vi = "Cháy (phương án cơ bản)"', 'name_vi = "Cháy (phương án cơ bản, sửa)"'));
  await page.locator("#plans-reason").fill("Đổi tên phương án cháy");
  await page.locator("#plans-submit").click();
  await page.locator("#toast", { hasText: `Đã lưu phiên bản ${before.version + 1}` }).waitFor();
  await page.locator('#plans-table tr[data-plan="fire"]', { hasText: "phương án cơ bản, sửa" }).waitFor();
  assert.match(await page.locator("#plans-version").textContent(), new RegExp(`Phiên bản ${before.version + 1} · Sửa trên giao diện · admin`));

  await page.locator(`#plans-history tr[data-version="${before.version}"] button`).click();
  await page.locator("#plans-restore").click();
  await page.locator("#toast", { hasText: `Đã lưu phiên bản ${before.version + 2}` }).waitFor();
  const now = (await admin("GET", "/api/response-plans")).body;
  assert.equal(now.version, before.version + 2);
  assert.equal(now.reason, `Khôi phục phiên bản ${before.version}`);
  assert.equal(now.plans.find((p) => p.id === "fire").name_vi, "Cháy (phương án cơ bản)");
  assert.equal(await page.locator("#plans-history-partial").count(), 0, "every version is listed");

  // More versions than the server lists at once: the screen says it shows only the newest.
  let version = now.version;
  for (let i = 0; i < 50; i++) {
    const r = await admin("PUT", "/api/response-plans", { version, reason: `Sửa lần ${i}`, toml: i % 2 ? now.toml : now.toml.replace("Cháy (phương án cơ bản)", "Cháy (cơ bản)") });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    version = r.body.version;
  }
  await page.reload();
  await page.locator("#plans-history-partial", { hasText: `50 / ${version}` }).waitFor();
  assert.equal(await page.locator("#plans-history tbody tr").count(), 50);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("imports: a facility file with a bad row writes nothing, then its valid rows on request", async () => {
  const csv = [
    "name,address,kind,unit_code,lat,lon",
    "Chung cư Thử nghiệm,Số 1 phố Quán Thánh,apartment_building,00004,21.0405,105.8422",
    "Kho Thử nghiệm,Số 2 phố Quán Thánh,tau-vu-tru,00004,21.0406,105.8423",
  ].join("\n");
  const page = await adminPage("/admin/imports");
  const file = { name: "co-so.csv", mimeType: "text/csv", buffer: Buffer.from(csv) };
  await page.locator("#import-facilities-file").setInputFiles(file);
  await page.locator("#import-facilities-submit").click();
  const result = page.locator("#import-facilities-result");
  await result.locator(".form-error", { hasText: "Không nhập dòng nào: 1 dòng có lỗi." }).waitFor();
  assert.equal(await page.locator("#import-facilities-errors tbody tr td").first().textContent(), "3");
  assert.equal((await admin("GET", "/api/facilities")).body.length, 0);

  await page.locator("#import-facilities-mode").selectOption("valid-only");
  await page.locator("#import-facilities-submit").click();
  await page.locator("#import-facilities-created", { hasText: "Đã nhập 1 dòng." }).waitFor();
  assert.match(await result.textContent(), /1 dòng bị bỏ qua/);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("imports: a GeoJSON file of water sources names its refused feature, then writes the rest", async () => {
  const geojson = {
    type: "FeatureCollection",
    features: [
      { type: "Feature", geometry: { type: "Point", coordinates: [105.8422, 21.0405] }, properties: { kind: "Trụ nước chữa cháy", name: "Trụ Quán Thánh", flow_lps: 20 } },
      { type: "Feature", geometry: { type: "Point", coordinates: [105.8423, 21.0406] }, properties: { kind: "biển", name: "Không có" } },
    ],
  };
  const page = await adminPage("/admin/imports");
  const file = { name: "nguon-nuoc.geojson", mimeType: "application/geo+json", buffer: Buffer.from(JSON.stringify(geojson)) };
  await page.locator("#import-water-file").setInputFiles(file);
  await page.locator("#import-water-submit").click();
  const result = page.locator("#import-water-result");
  await result.locator(".form-error", { hasText: "Không nhập dòng nào: 1 dòng có lỗi." }).waitFor();
  assert.equal(await page.locator("#import-water-errors tbody tr td").first().textContent(), "Đối tượng 2");
  assert.equal((await admin("GET", "/api/water-sources/summary")).body.total, 0);

  await page.locator("#import-water-mode").selectOption("valid-only");
  await page.locator("#import-water-submit").click();
  await page.locator("#import-water-created", { hasText: "Đã nhập 1 dòng." }).waitFor();
  const listed = (await admin("GET", "/api/water-sources")).body;
  assert.deepEqual(listed.map((w) => [w.kind, w.name, w.unit_code]), [["hydrant", "Trụ Quán Thánh", "00004"]]);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("only administrators see the administration screens", async () => {
  const made = await admin("POST", "/api/users", { username: "trucban", role: "operator", password: "mat-khau-truc-ban" });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const operator = await apiSession(server.url, "trucban", "mat-khau-truc-ban");
  const page = await newPage(browser);
  await openAs(page, server.url, operator, "/");
  await page.locator("#queue").waitFor();
  assert.equal(await page.locator("#nav-admin").isVisible(), false);
  await page.goto(`${server.url}/admin`);
  await page.locator("main .empty", { hasText: "Chỉ quản trị viên" }).waitFor();
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
