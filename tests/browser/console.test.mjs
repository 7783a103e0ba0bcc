// End-to-end test of the API keys console (/console) in Debian's headless Chromium, driven by
// playwright-core, against the real keyledger binary.
//
//   node console.test.mjs path/to/keyledger        (ctest passes the path; or KEYLEDGER_BIN)
//   UPDATE_SCREENSHOTS=1 node console.test.mjs ... also rewrites docs/console/*.png
//
// Waits are on conditions (Playwright locators, polling), never fixed sleeps.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { ADMIN_TOKEN, client, startServer } from './kl_server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const BINARY = path.resolve(process.argv[2] || process.env.KEYLEDGER_BIN || '');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? path.resolve(here, '../../docs/console') : null;
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
  + "form-action 'none'; frame-ancestors 'none'; base-uri 'none'";
const KEY_SHAPE = /^sk_(live|test)_[0-9A-Za-z]{49}$/;
const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

if (!fs.existsSync(BINARY) || !fs.statSync(BINARY).isFile()) {
  console.error('usage: node console.test.mjs path/to/keyledger (or set KEYLEDGER_BIN)');
  process.exit(2);
}

let failures = 0;
async function step(name, fn) {
  process.stdout.write(`- ${name} ... `);
  try {
    await fn();
    console.log('ok');
  } catch (e) {
    failures += 1;
    console.log('FAILED');
    throw e;
  }
}

async function shot(page, name, options = {}) {
  if (!SCREENSHOTS) return;
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), animations: 'disabled', ...options });
}

// Presses Tab until the focused element matches `selector`: proves it is reachable by keyboard.
async function tabTo(page, selector, max = 80) {
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement && document.activeElement.matches(s), selector)) return;
  }
  throw new Error(`${selector} is not reachable with Tab`);
}

// Runs axe-core (WCAG 2.1 A/AA rules) on what is on screen and fails on any violation. The
// script is evaluated through the DevTools protocol, outside the page's CSP.
async function accessible(page, screenName) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] });
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(violations, [], `accessibility of ${screenName}`);
}

const focusedId = (page) => page.evaluate(() => document.activeElement && document.activeElement.id);

// Where a string could linger in the page: the DOM, form fields, storage, the URL.
function lingers(page, secret) {
  return page.evaluate((s) => document.documentElement.outerHTML.includes(s)
    || [...document.querySelectorAll('input, textarea, select')].some((i) => i.value.includes(s))
    || location.href.includes(s) || document.cookie.includes(s)
    || localStorage.length > 0 || sessionStorage.length > 0, secret);
}

// "Created: ci-deploy (key_...)" -> key_...
async function secretDialog(page) {
  const dialog = page.locator('#secret-dialog');
  await dialog.waitFor({ state: 'visible' });
  const value = (await page.locator('#secret-value').textContent()).trim();
  const label = await page.locator('#secret-key-name').textContent();
  const keyId = label.match(/\((key_[0-9A-Za-z]+)\)/)[1];
  return { dialog, value, keyId };
}

const row = (page, keyId) => page.locator(`#keys-body tr[data-key-id="${keyId}"]`);
const badge = (page, keyId, status) => row(page, keyId).locator(`.badge-${status}`);

async function main() {
  const server = await startServer(BINARY);
  const admin = client(server.base);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'keyledger-console-dl-'));
  try {
    await run(server, admin, browser, tmp);
  } catch (e) {
    console.error(e);
    console.error(`--- server log ---\n${server.log()}`);
    failures = Math.max(failures, 1); // a failure outside any step
  } finally {
    await browser.close();
    await server.stop();
    const report = server.sanitizerReport();
    if (report) {
      console.error(`sanitizer report in the server log:\n${report}`);
      failures = Math.max(failures, 1);
    }
    server.remove();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(failures ? `FAILED (${failures})` : 'all console browser tests passed');
  process.exit(failures ? 1 : 0);
}

async function run(server, admin, browser, tmp) {
  const origin = server.base;

  await step('the page and its assets are served with the security headers', async () => {
    for (const [p, type] of [['/console', 'text/html'], ['/console/', 'text/html'], ['/console/app.js', 'text/javascript'],
                             ['/console/app.css', 'text/css']]) {
      const res = await fetch(`${origin}${p}`);
      assert.equal(res.status, 200, p);
      assert.ok(res.headers.get('content-type').startsWith(type), `${p}: ${res.headers.get('content-type')}`);
      assert.equal(res.headers.get('content-security-policy'), CSP, p);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', p);
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer', p);
      assert.equal(res.headers.get('cache-control'), 'no-store', p);
    }
    const missing = await fetch(`${origin}/console/nope.js`);
    assert.equal(missing.status, 404);
    const body = await missing.json();
    assert.equal(body.error.code, 'not_found');
    assert.ok(body.error.request_id);
    assert.equal(missing.headers.get('content-security-policy'), CSP);
  });

  await step('arrange: two organizations by API', async () => {
    assert.equal((await admin.post('/v1/orgs', { id: 'acme', name: 'Acme' })).status, 201);
    assert.equal((await admin.post('/v1/orgs', { id: 'globex', name: 'Globex' })).status, 201);
  });

  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  // Seen by the test only (init scripts are injected by the browser, outside the page's CSP).
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation',
                              (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  const requests = [];
  const consoleErrors = [];
  let expectedErrors = null; // a pattern of console errors a step provokes on purpose
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (expectedErrors && expectedErrors.test(m.text())) return;
    consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`));

  await step('sign-in screen: the token field has focus', async () => {
    await page.goto(`${origin}/console`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await focusedId(page), 'token');
    await shot(page, '01-sign-in');
    await accessible(page, '01-sign-in');
  });

  await step('a wrong token is refused with a message', async () => {
    expectedErrors = /status of 401/; // the browser logs the refused API call itself
    await page.getByLabel('Admin token or management key').fill('not-the-admin-token-at-all-0123456789');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#sign-in-error', { hasText: 'not accepted' }).waitFor();
    expectedErrors = null;
    assert.equal(await page.locator('#screen-sign-in').isVisible(), true);
  });

  await step('sign in with the admin token and pick an organization', async () => {
    await page.getByLabel('Admin token or management key').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Choose an organization' }).waitFor();
    assert.equal(await page.getByLabel('Admin token or management key').inputValue(), '');
    const options = await page.locator('#org-select option').allTextContents();
    assert.deepEqual(options.map((o) => o.split(' ')[0]).sort(), ['Acme', 'Globex']);
    await page.getByLabel('Organization', { exact: true }).selectOption('acme');
    await shot(page, '02-org-picker');
    await accessible(page, '02-org-picker');
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByRole('heading', { name: 'API keys · Acme' }).waitFor();
    await page.locator('#keys-empty').waitFor();
    assert.equal(await lingers(page, ADMIN_TOKEN), false, 'the admin token must not be in the page or storage');
  });

  await step('create: the API\'s field errors show next to their fields', async () => {
    await page.getByRole('button', { name: 'Create API key' }).click();
    await page.getByLabel('Name', { exact: true }).fill('bad permissions');
    await page.getByLabel('Permissions (comma separated, optional)').fill('Not Valid!');
    expectedErrors = /status of 400/; // the browser logs the refused API call itself
    await page.locator('#create-dialog').getByRole('button', { name: 'Create key' }).click();
    await page.locator('#create-permissions-error:not(:empty)').waitFor();
    expectedErrors = null;
    assert.equal(await page.getByLabel('Permissions (comma separated, optional)').getAttribute('aria-invalid'), 'true');
    assert.equal(await focusedId(page), 'create-permissions');
    await page.keyboard.press('Escape');
    await page.locator('#create-dialog').waitFor({ state: 'hidden' });
    assert.equal((await admin.get('/v1/orgs/acme/api-keys?status=all')).json.data.length, 0);
  });

  let first;
  await step('create a key: its secret is shown once, copies, validates, and is gone after closing', async () => {
    await page.getByRole('button', { name: 'Create API key' }).click();
    await page.locator('#create-dialog').waitFor();
    assert.equal(await focusedId(page), 'create-name');
    await page.getByLabel('Name', { exact: true }).fill('ci-deploy');
    await page.getByLabel('Description (optional)').fill('Deploys from CI');
    await page.getByLabel('Permissions (comma separated, optional)').fill('posts:read, posts:write');
    await page.getByLabel('Expires').selectOption('2592000');
    await shot(page, '03-create-key');
    await accessible(page, '03-create-key');
    await page.locator('#create-dialog').getByRole('button', { name: 'Create key' }).click();
    first = await secretDialog(page);
    assert.match(first.value, KEY_SHAPE);
    await shot(page, '04-secret-shown-once', { mask: [page.locator('#secret-value')], maskColor: '#101828' });
    await accessible(page, '04-secret-shown-once');

    await page.getByRole('button', { name: 'Copy' }).click();
    await page.locator('#secret-copied', { hasText: 'Copied' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), first.value);

    const v = await admin.post('/v1/validations', { value: first.value });
    assert.equal(v.json.code, 'VALID');
    assert.deepEqual(v.json.api_key.permissions, ['posts:read', 'posts:write']);

    await page.getByRole('button', { name: 'I have copied it, close' }).click();
    await first.dialog.waitFor({ state: 'hidden' });
    assert.equal(await lingers(page, first.value), false, 'the secret must be gone once the dialog is closed');
  });

  await step('the list shows the key with status, permissions, last use and expiry', async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    const r = row(page, first.keyId);
    await r.locator('td', { hasText: '1 use' }).waitFor(); // the validation above, at once
    assert.equal(await r.locator('.badge').textContent(), 'active');
    assert.deepEqual(await r.locator('.chip').allTextContents(), ['posts:read', 'posts:write']);
    const expires = await r.locator('td').nth(3).locator('time').getAttribute('datetime');
    const days = (Date.parse(expires) - Date.now()) / 86400000;
    assert.ok(days > 29 && days <= 30, `expires in ${days} days`);
    assert.match(await r.locator('th').textContent(), /ci-deploy\s*sk_live_…/);
    await shot(page, '05-keys-list');
    await accessible(page, '05-keys-list');
  });

  let second;
  await step('rotate asks for confirmation; cancelling changes nothing', async () => {
    await row(page, first.keyId).getByRole('button', { name: 'Rotate key ci-deploy' }).click();
    const dialog = page.locator('#rotate-dialog');
    await dialog.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Cancel');
    await shot(page, '06-rotate-confirm');
    await accessible(page, '06-rotate-confirm');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const keys = await admin.get('/v1/orgs/acme/api-keys?status=all');
    assert.equal(keys.json.data.length, 1);
  });

  await step('rotate, confirmed: the new secret is shown once, the old key expires', async () => {
    await row(page, first.keyId).getByRole('button', { name: 'Rotate key ci-deploy' }).click();
    const dialog = page.locator('#rotate-dialog');
    await dialog.getByLabel('The current key stops working').selectOption('0');
    await dialog.getByRole('button', { name: 'Rotate key' }).click();
    second = await secretDialog(page);
    assert.match(second.value, KEY_SHAPE);
    assert.notEqual(second.value, first.value);
    assert.notEqual(second.keyId, first.keyId);
    await page.getByRole('button', { name: 'I have copied it, close' }).click();
    await second.dialog.waitFor({ state: 'hidden' });
    assert.equal(await lingers(page, second.value), false);
    await badge(page, second.keyId, 'active').waitFor();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await badge(page, first.keyId, 'expired').waitFor();
    assert.equal((await admin.post('/v1/validations', { value: second.value })).json.code, 'VALID');
    assert.equal((await admin.post('/v1/validations', { value: first.value })).json.code, 'EXPIRED');
    const old = await admin.get(`/v1/orgs/acme/api-keys/${first.keyId}`);
    assert.equal(old.json.rotated_to, second.keyId);
  });

  await step('revoke, confirmed with a reason: the status becomes revoked', async () => {
    await row(page, second.keyId).getByRole('button', { name: 'Revoke key ci-deploy' }).click();
    const dialog = page.locator('#revoke-dialog');
    await dialog.waitFor();
    await dialog.getByLabel('Reason (optional, kept in the key\'s history)').fill('leaked in CI logs');
    await shot(page, '07-revoke-confirm');
    await accessible(page, '07-revoke-confirm');
    await dialog.getByRole('button', { name: 'Revoke key' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await badge(page, second.keyId, 'revoked').waitFor();
    assert.equal(await row(page, second.keyId).getByRole('button', { name: /Revoke|Rotate/ }).count(), 0);
    const k = await admin.get(`/v1/orgs/acme/api-keys/${second.keyId}`);
    assert.equal(k.json.status, 'revoked');
    assert.equal(k.json.revoke_reason, 'leaked in CI logs');
    assert.equal((await admin.post('/v1/validations', { value: second.value })).json.code, 'REVOKED');
  });

  await step('history: the timelines show each key\'s events, oldest first', async () => {
    await row(page, first.keyId).getByRole('button', { name: 'History of key ci-deploy' }).click();
    const list = page.locator('#history-list');
    await list.locator('.event-type', { hasText: 'KeyRotated' }).waitFor();
    const types = await list.locator('.event-type').allTextContents();
    assert.equal(types[0], 'KeyCreated');
    assert.ok(types.indexOf('KeyRotated') > 0, types.join());
    await list.getByText(`Rotated to ${second.keyId}`).waitFor();
    await page.keyboard.press('Escape');
    await page.locator('#history-dialog').waitFor({ state: 'hidden' });

    await row(page, second.keyId).getByRole('button', { name: 'History of key ci-deploy' }).click();
    await list.locator('.event-type', { hasText: 'KeyRevoked' }).waitFor();
    // KeyUsed (from the validation above) may or may not have been flushed yet: not asserted.
    const revokedTypes = await list.locator('.event-type').allTextContents();
    assert.equal(revokedTypes[0], 'KeyCreated');
    assert.ok(revokedTypes.includes('KeyRevoked'), revokedTypes.join());
    await list.getByText(`by rotating ${first.keyId}`).waitFor();
    await list.getByText('Revoked: leaked in CI logs').waitFor();
    await shot(page, '08-history');
    await accessible(page, '08-history');
    await page.locator('#history-dialog').getByRole('button', { name: 'Close' }).click();
    await page.locator('#history-dialog').waitFor({ state: 'hidden' });
  });

  await step('export: created, verified in the browser, downloaded; the file checks out offline', async () => {
    await page.getByLabel('Format').selectOption('ndjson');
    await page.getByRole('button', { name: 'Create verified export' }).click();
    await page.locator('#export-verdict', { hasText: 'Verified' }).waitFor();
    assert.equal(await page.locator('.step-failed').count(), 0);
    await shot(page, '09-export-verified', { fullPage: true });
    await accessible(page, '09-export-verified');
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-download').click()]);
    const file = path.join(tmp, download.suggestedFilename());
    await download.saveAs(file);
    const exportId = download.suggestedFilename().replace(/\.ndjson$/, '');
    const manifest = (await admin.get(`/v1/exports/${exportId}`)).json;
    const bytes = fs.readFileSync(file);
    assert.equal(crypto.createHash('sha256').update(bytes).digest('hex'), manifest.file_sha256);
    assert.equal(bytes.toString('utf8').trim().split('\n').length, manifest.event_count);
    fs.writeFileSync(`${file}.manifest.json`, JSON.stringify(manifest));
    execFileSync(BINARY, ['verify-export', file, '--manifest', `${file}.manifest.json`], { stdio: 'pipe' });
  });

  await step('export as CSV: verified and offered as a .csv file', async () => {
    await page.getByLabel('Format').selectOption('csv');
    await page.getByRole('button', { name: 'Create verified export' }).click();
    await page.locator('#export-verdict', { hasText: 'Verified' }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-download').click()]);
    assert.match(download.suggestedFilename(), /^exp_[0-9A-Z]+\.csv$/);
    const file = path.join(tmp, download.suggestedFilename());
    await download.saveAs(file);
    assert.match(fs.readFileSync(file, 'utf8'), /^seq,id,type,org_id,key_id,/);
    await page.getByLabel('Format').selectOption('ndjson');
  });

  await step('export: a tampered file is not verified and not offered', async () => {
    await page.route('**/v1/exports/*/file', async (route) => {
      const response = await route.fetch();
      const body = Buffer.from(await response.body());
      body[body.length - 2] ^= 0x01;
      await route.fulfill({ response, body });
    });
    await page.getByRole('button', { name: 'Create verified export' }).click();
    await page.locator('#export-verdict', { hasText: 'Not verified' }).waitFor();
    await page.locator('.step-failed', { hasText: 'File SHA-256 matches the manifest' }).waitFor();
    assert.equal(await page.locator('#export-download').isVisible(), false);
    assert.equal(await page.locator('.step-failed').count(), 1);
    await page.unroute('**/v1/exports/*/file');
  });

  await step('export: a tampered manifest fails its signature and is not offered', async () => {
    await page.route('**/v1/exports', async (route) => {
      const response = await route.fetch();
      const manifest = await response.json();
      manifest.event_count += 1;
      await route.fulfill({ response, json: manifest });
    });
    await page.getByRole('button', { name: 'Create verified export' }).click();
    await page.locator('#export-verdict', { hasText: 'Not verified' }).waitFor();
    await page.locator('.step-failed', { hasText: 'Ed25519 signature of the manifest' }).waitFor();
    assert.equal(await page.locator('#export-download').isVisible(), false);
    await page.unroute('**/v1/exports');
  });

  await step('the admin switches to another organization', async () => {
    await page.getByRole('button', { name: 'Switch organization' }).click();
    await page.getByLabel('Organization', { exact: true }).selectOption('globex');
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByRole('heading', { name: 'API keys · Globex' }).waitFor();
    await page.locator('#keys-empty').waitFor();
    assert.equal(await page.locator('#keys-body tr').count(), 0);
    assert.equal(await page.locator('#export-result').isVisible(), false, 'the last org\'s export is forgotten');
  });

  await step('sign out, and a reload forgets everything', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await lingers(page, ADMIN_TOKEN), false);
    assert.equal(await page.locator('#keys-body tr').count(), 0);
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });

  // A full_access management key of acme, made by API.
  const mgmt = await admin.post('/v1/orgs/acme/api-keys', { name: 'console admin', permission_set: 'full_access' });
  const manager = client(server.base, mgmt.json.value);

  let mobile;
  await step('keyboard only: sign in with a management key, straight into its organization', async () => {
    assert.equal(await focusedId(page), 'token');
    await page.keyboard.type(mgmt.json.value);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'API keys · Acme' }).waitFor();
    assert.match(await page.locator('#session-who').textContent(), /^Management key sk_live_…[0-9A-Za-z]{4}$/);
    assert.equal(await page.locator('#switch-org').isVisible(), false);
    await badge(page, mgmt.json.api_key.id, 'active').waitFor();
    await shot(page, '10-management-key');
    await accessible(page, '10-management-key');
    assert.equal(await lingers(page, mgmt.json.value), false);
  });

  await step('keyboard only: create a key', async () => {
    await tabTo(page, '#open-create');
    await page.keyboard.press('Enter');
    await page.locator('#create-dialog').waitFor();
    assert.equal(await focusedId(page), 'create-name');
    await page.keyboard.type('mobile-app');
    await tabTo(page, '#create-permissions', 5);
    await page.keyboard.type('orders:read');
    await page.keyboard.press('Enter');
    mobile = await secretDialog(page);
    assert.equal(await focusedId(page), 'secret-copy');
    const v = await manager.post('/v1/validations', { value: mobile.value });
    assert.equal(v.json.code, 'VALID');
    assert.deepEqual(v.json.api_key.created_by, { type: 'api_key', id: mgmt.json.api_key.id });
    await tabTo(page, '#secret-done', 3);
    await page.keyboard.press('Enter');
    await mobile.dialog.waitFor({ state: 'hidden' });
    assert.equal(await focusedId(page), 'open-create');
    assert.equal(await lingers(page, mobile.value), false);
  });

  await step('keyboard only: revoke it, with a reason, after confirming', async () => {
    await tabTo(page, `tr[data-key-id="${mobile.keyId}"] button[aria-label="Revoke key mobile-app"]`);
    await page.keyboard.press('Enter');
    await page.locator('#revoke-dialog').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Cancel'); // the safe default
    await page.keyboard.press('Shift+Tab');
    assert.equal(await focusedId(page), 'revoke-reason');
    await page.keyboard.type('app retired');
    await page.keyboard.press('Enter');
    await badge(page, mobile.keyId, 'revoked').waitFor();
    const k = await manager.get(`/v1/orgs/acme/api-keys/${mobile.keyId}`);
    assert.equal(k.json.status, 'revoked');
    assert.equal(k.json.revoke_reason, 'app retired');
  });

  await step('no request left 127.0.0.1, no CSP violation, no console error', async () => {
    assert.ok(requests.length > 10, `only ${requests.length} requests seen`);
    const foreign = requests.filter((u) => {
      const url = new URL(u);
      const where = url.protocol === 'blob:' ? new URL(url.pathname) : url;
      return url.protocol !== 'data:' && where.origin !== origin;
    });
    assert.deepEqual(foreign, []);
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    assert.deepEqual(consoleErrors, []);
  });

  await context.close();
}

main();
