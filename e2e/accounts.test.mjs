// Browser test of 2-step sign-in: an operator enrolled in 2-step verification (over the API)
// signs in at the console form, which asks for the authenticator code once the password is
// right, refuses a wrong code and lets the right one in. Run with `e2e/run.sh`.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { startServer, launchBrowser, newPage, apiSession, ADMIN_PASSWORD } from "./lib/harness.mjs";

const OPERATOR = { username: "truc.ban.2fa", password: "mat-khau-truc-ban-2fa" };

let server;
let browser;
let secret;

/** RFC 4648 base32 to bytes. */
function base32(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of text.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The 6-digit TOTP code (RFC 6238, SHA-1, 30 s) of `step`. */
function totp(key, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[19] & 0x0f;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(value).padStart(6, "0");
}

const stepNow = () => Math.floor(Date.now() / 1000 / 30);

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const admin = await apiSession(server.url, "admin", ADMIN_PASSWORD);
  const r = await admin("POST", "/api/users", { ...OPERATOR, role: "operator" });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const operator = await apiSession(server.url, OPERATOR.username, OPERATOR.password);
  const enrol = await operator("POST", "/api/auth/totp", { password: OPERATOR.password });
  assert.equal(enrol.status, 200, JSON.stringify(enrol.body));
  secret = base32(enrol.body.secret);
  const confirm = await operator("POST", "/api/auth/totp/confirm", { code: totp(secret, stepNow()) });
  assert.equal(confirm.status, 200, JSON.stringify(confirm.body));
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("the sign-in form asks for the 2-step code and signs in with it", async () => {
  const page = await newPage(browser);
  await page.goto(`${server.url}/login`);
  const code = page.locator("#login-code");
  assert.equal(await code.isVisible(), false, "no code field before the server asks");
  await page.getByLabel("Tên đăng nhập").fill(OPERATOR.username);
  await page.getByLabel("Mật khẩu").fill(OPERATOR.password);
  await page.getByRole("button", { name: "Đăng nhập" }).click();
  await code.waitFor({ state: "visible" });
  assert.match(await page.locator("#login-error").textContent(), /xác thực 2 bước/);

  await code.fill("000000" === totp(secret, stepNow()) ? "111111" : "000000");
  await page.getByRole("button", { name: "Đăng nhập" }).click();
  await page.waitForFunction(() => /sai hoặc đã hết hạn/.test(document.querySelector("#login-error")?.textContent || ""));

  // The code after the one that confirmed enrolment: accepted within the ±1 step window.
  await code.fill(totp(secret, stepNow() + 1));
  await page.getByRole("button", { name: "Đăng nhập" }).click();
  await page.waitForSelector("#topbar:not([hidden])");
  await page.close();
});
