// End to end test of the WorkOS API keys widget served by keyledger (docs/widgets.md): the pinned
// @workos-inc/widgets, bundled with React into a test page (page/main.jsx, build_page.mjs), served
// from a second loopback origin whose back-end mints tokens through the pinned @workos-inc/node
// (page_server.mjs), driven in Debian's headless Chromium by playwright-core, against the real
// keyledger binary.
//
//   node widgets.test.mjs path/to/keyledger [bundle dir]   (ctest passes both; or KEYLEDGER_BIN)
//   UPDATE_SCREENSHOTS=1 node widgets.test.mjs ...        also rewrites docs/widgets/*.png
//
// No request is routed or answered by Playwright: CORS is the browser's own (a context.route()
// would answer preflights itself, permissively). Hosts other than loopback do not resolve.
// Waits are on conditions (locators, polling with a deadline), never fixed sleeps.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { ADMIN_TOKEN, client, startServer } from '../browser/kl_server.mjs';
import { buildPage } from './build_page.mjs';
import { MANAGE_SCOPE, sdkMinter, startPageServer } from './page_server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const BINARY = path.resolve(process.argv[2] || process.env.KEYLEDGER_BIN || '');
const BUNDLE_DIR = path.resolve(process.argv[3] || path.join(os.tmpdir(), 'keyledger-widgets-page'));
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? path.resolve(here, '../../docs/widgets') : null;

const ORG_A = 'acme';
const ORG_B = 'globex';
const USER = 'user_01JWIDGETALICE';
const WIDGET = '[data-woswidgets-widget-id="api-keys"]';

if (!fs.existsSync(BINARY) || !fs.statSync(BINARY).isFile()) {
  console.error('usage: node widgets.test.mjs path/to/keyledger [bundle dir] (or set KEYLEDGER_BIN)');
  process.exit(2);
}

let failures = 0;
let passed = 0;
async function step(name, fn) {
  process.stdout.write(`- ${name} ... `);
  try {
    await fn();
    passed += 1;
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

// Polls `probe` until it returns a truthy value; fails with `what` after `ms`.
async function until(what, probe, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// The claims of a compact JWS, read as the widget reads them (atob, not base64url: api/utils.js).
function widgetClaims(token) {
  const payload = token.split('.')[1];
  assert.doesNotMatch(payload, /[-_]/, 'the widget decodes the payload with atob, which refuses - and _');
  return JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
}

// Chromium's own account of failed requests, through the DevTools protocol: which URL failed and,
// for a CORS failure, the reason the browser gives (corsErrorStatus.corsError).
async function watchNetwork(context, page) {
  const cdp = await context.newCDPSession(page);
  const urls = new Map();
  const failed = [];
  cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, { url: e.request.url, method: e.request.method }));
  cdp.on('Network.loadingFailed', (e) => failed.push({ ...urls.get(e.requestId), errorText: e.errorText,
                                                        cors: e.corsErrorStatus ? e.corsErrorStatus.corsError : null }));
  await cdp.send('Network.enable');
  return failed;
}

async function openWidget(context, origin, query) {
  const page = await context.newPage();
  const requests = [];
  const consoleErrors = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`));
  const failed = await watchNetwork(context, page);
  await page.goto(`${origin}/?${new URLSearchParams(query)}`);
  return { page, requests, consoleErrors, failed };
}

// Waits until the widget has left its loading state; returns the state it settled in and, for the
// error state, its heading (for the failure message).
async function settled(page, timeout = 30000) {
  const root = page.locator(`${WIDGET}:not([data-woswidgets-widget-state="loading"])`);
  await root.waitFor({ timeout });
  const state = await root.getAttribute('data-woswidgets-widget-state');
  const heading = state === 'error' ? await root.getByRole('heading').textContent() : null;
  return { state, heading };
}

const widgetIn = (page, state) => page.locator(`${WIDGET}[data-woswidgets-widget-state="${state}"]`);
const keyRow = (page, name) => page.getByRole('row').filter({ has: page.getByRole('cell', { name, exact: true }) });

async function main() {
  const pages = await startPageServer({ dir: await buildPage(BUNDLE_DIR), count: 2 });
  const [allowedOrigin, refusedOrigin] = pages.origins;
  let server = null;
  let browser = null;
  try {
    server = await startServer(BINARY, { args: ['--widget-origin', allowedOrigin] });
    const admin = client(server.base);
    // The SaaS team's back-end holds a key that may mint widget tokens: here the admin token.
    pages.attach({ keyledger: server, mint: sdkMinter(server, ADMIN_TOKEN, ttlMinter(admin)) });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'], // nothing but the loopback addresses the test names
    });
    await run({ server, admin, browser, pages, allowedOrigin, refusedOrigin });
  } catch (e) {
    console.error(e);
    if (server) console.error(`--- server log ---\n${server.log()}`);
    failures = Math.max(failures, 1); // a failure outside any step
  } finally {
    if (browser) await browser.close();
    await pages.stop();
    if (server) {
      await server.stop();
      const report = server.sanitizerReport();
      if (report) {
        console.error(`sanitizer report in the server log:\n${report}`);
        failures = Math.max(failures, 1);
      }
      server.remove();
    }
  }
  console.log(`${passed} passed, ${failures} failed`);
  process.exit(failures ? 1 : 0);
}

// A token with a lifetime of `ttl` seconds, through keyledger's own route for minting.
function ttlMinter(admin) {
  return async ({ org, user, ttl }) => {
    const r = await admin.post(`/v1/orgs/${org}/widget-tokens`,
                               { ...(user ? { user_id: user } : {}), scopes: [MANAGE_SCOPE], ttl_seconds: ttl });
    assert.equal(r.status, 201, r.text);
    return r.json.token;
  };
}

async function run({ admin, browser, pages, allowedOrigin, refusedOrigin, server }) {
  const seeded = {};
  await step('arrange: organizations A and B with keys of their own, by API', async () => {
    for (const [id, name] of [[ORG_A, 'Acme'], [ORG_B, 'Globex']]) {
      assert.equal((await admin.post('/v1/orgs', { id, name })).status, 201);
    }
    for (const [org, name] of [[ORG_A, 'acme-ci'], [ORG_A, 'acme-billing'], [ORG_B, 'globex-payroll']]) {
      const r = await admin.post(`/v1/orgs/${org}/api-keys`, { name });
      assert.equal(r.status, 201, r.text);
      seeded[name] = r.json.api_key.id;
    }
  });

  const context = await browser.newContext({ viewport: { width: 1100, height: 640 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: allowedOrigin });
  const view = await openWidget(context, allowedOrigin, { org: ORG_A, user: USER });
  const { page } = view;

  await step('the widget, with a token minted through @workos-inc/node, lists A\'s keys and none of B\'s', async () => {
    assert.deepEqual(await settled(page), { state: 'resolved', heading: null });
    await keyRow(page, 'acme-ci').waitFor();
    await keyRow(page, 'acme-billing').waitFor();
    assert.equal(await page.getByText('globex-payroll').count(), 0);
    assert.ok(pages.minted.length >= 1, 'the page\'s back-end minted its token');
    const claims = widgetClaims(pages.minted[0]);
    assert.ok(claims.permissions.includes(MANAGE_SCOPE), JSON.stringify(claims));
    assert.ok(claims.exp * 1000 > Date.now(), JSON.stringify(claims));
    await shot(page, '01-list');
  });

  let created;
  await step('a key created through the widget\'s dialog shows its secret once; it validates VALID', async () => {
    await page.getByRole('button', { name: 'Create API key' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Create API key' }).waitFor();
    await dialog.getByLabel('Name').fill('widget-made');
    await shot(page, '02-create');
    await dialog.getByRole('button', { name: 'Create API key' }).click();
    await dialog.getByRole('heading', { name: 'Save your key' }).waitFor();
    const secretField = dialog.getByRole('textbox');
    const secret = await secretField.inputValue();
    assert.match(secret, /^sk_(live|test)_[0-9A-Za-z]+$/);
    await shot(page, '03-save-your-key', { mask: [secretField], maskColor: '#101828' });

    const listed = await admin.get(`/v1/orgs/${ORG_A}/api-keys`);
    const key = listed.json.data.find((k) => k.name === 'widget-made');
    assert.ok(key, listed.text);
    created = { id: key.id, secret };
    const v = await admin.post('/v1/validations', { value: secret });
    assert.equal(v.json.code, 'VALID', v.text);
    assert.equal(v.json.api_key.id, key.id);

    await dialog.getByRole('button', { name: 'Copy and close' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    await keyRow(page, 'widget-made').waitFor();
    assert.equal(await page.evaluate((s) => document.documentElement.outerHTML.includes(s), secret), false,
                 'once the dialog is closed the secret is nowhere in the page');
  });

  await step('revoking it through the widget makes it REVOKED', async () => {
    await keyRow(page, 'widget-made').getByRole('button', { name: 'API key actions' }).click();
    await page.getByRole('menuitem', { name: 'Revoke key' }).click();
    const confirm = page.getByRole('alertdialog');
    await confirm.getByRole('heading', { name: 'Revoke API key?' }).waitFor();
    await shot(page, '04-revoke');
    await confirm.getByRole('button', { name: 'Revoke key' }).click();
    await confirm.waitFor({ state: 'hidden' });
    await keyRow(page, 'widget-made').waitFor({ state: 'detached' });
    const v = await admin.post('/v1/validations', { value: created.secret });
    assert.equal(v.json.code, 'REVOKED', v.text);
    await keyRow(page, 'acme-ci').waitFor();
    await shot(page, '05-after-revoke');
  });

  await step('the key\'s history names the widget user as the actor of its creation and revocation', async () => {
    const r = await admin.get(`/v1/orgs/${ORG_A}/api-keys/${created.id}/events`);
    assert.equal(r.status, 200, r.text);
    const byType = Object.fromEntries(r.json.data.map((e) => [e.type, e]));
    for (const type of ['KeyCreated', 'KeyRevoked']) {
      assert.ok(byType[type], `${type} in ${r.text}`);
      const actor = byType[type].actor;
      assert.ok(JSON.stringify(actor).includes(USER), `${type}'s actor ${JSON.stringify(actor)} names ${USER}`);
      assert.notEqual(actor.type, 'admin', `${type}'s actor is not the back-end's admin token`);
    }
  });

  await step('no request of the page left loopback, and no console error', async () => {
    const foreign = view.requests.filter((u) => !/^(data:|blob:)/.test(u)
      && ![allowedOrigin, server.base].includes(new URL(u).origin));
    assert.deepEqual(foreign, []);
    assert.deepEqual(view.failed, []);
    assert.deepEqual(view.consoleErrors, []);
  });
  await page.close();

  await step('an expired token shows the widget\'s error state', async () => {
    const token = await ttlMinter(admin)({ org: ORG_A, user: USER, ttl: 1 });
    const widgetApi = client(server.base, token);
    // Expired once keyledger itself refuses it (whatever leeway it allows).
    await until('keyledger to refuse the expired token',
                async () => (await widgetApi.get('/_widgets/ApiKeys/organization-api-keys')).status >= 400);
    pages.handOut(token);
    try {
      const expired = await openWidget(context, allowedOrigin, { org: ORG_A, user: USER, token: 'once' });
      await widgetIn(expired.page, 'error').waitFor();
      await expired.page.getByRole('heading', { name: /Session expired|Error fetching data/ }).waitFor();
      assert.equal(await expired.page.getByText('acme-ci').count(), 0);
      await shot(expired.page, '06-expired');
      await expired.page.close();
    } finally {
      pages.handOut(null);
    }
  });

  await step('the page served from an origin keyledger does not allow cannot call it: the browser blocks it', async () => {
    const refused = await openWidget(context, refusedOrigin, { org: ORG_A, user: USER });
    await widgetIn(refused.page, 'error').waitFor({ timeout: 30000 }); // after the widget's own retries
    await refused.page.getByRole('heading', { name: 'Error fetching data' }).waitFor();
    assert.equal(await refused.page.getByText('acme-ci').count(), 0);
    const blocked = refused.failed.filter((f) => f.url && f.url.startsWith(`${server.base}/_widgets/`));
    assert.ok(blocked.length > 0, JSON.stringify(refused.failed));
    for (const f of blocked) assert.ok(f.cors, `blocked by CORS, not otherwise: ${JSON.stringify(f)}`);
    // The same call with the same token, outside a browser, is answered: only CORS stood in the way.
    const token = pages.minted[pages.minted.length - 1];
    const direct = await client(server.base, token).get('/_widgets/ApiKeys/organization-api-keys?limit=10');
    assert.equal(direct.status, 200, direct.text);
    await refused.page.close();
  });

  await context.close();
}

main();
