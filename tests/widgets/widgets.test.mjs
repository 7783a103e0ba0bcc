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
// `serve` arguments for tokens that expire soon after they are minted (the shortest lifetime
// keyledger allows), and for the permissions the widget offers new keys.
const SHORT_TOKEN_TTL = ['--widget-token-ttl-s', '10'];
const PERMISSIONS = ['posts:read', 'posts:write'];

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
async function until(what, probe, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
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
  const refusedCalls = []; // keyledger's answers >= 400: the call, and whether it carried a token
  page.on('request', (r) => requests.push(r.url()));
  page.on('response', async (r) => {
    if (r.status() < 400 || !new URL(r.url()).pathname.startsWith('/_widgets/')) return;
    const auth = await r.request().headerValue('authorization');
    refusedCalls.push({ method: r.request().method(), path: new URL(r.url()).pathname, status: r.status(),
                        token: Boolean(auth && auth !== 'Bearer undefined' && auth.length > 'Bearer '.length) });
  });
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`));
  const failed = await watchNetwork(context, page);
  await page.goto(`${origin}/?${new URLSearchParams(query)}`);
  return { page, requests, consoleErrors, refusedCalls, failed };
}

// Waits until the widget has rendered and left its loading state; returns the state it settled
// in and, for the error state, its heading. (Its loading, empty and error states carry
// data-woswidgets-widget-state; its table of keys carries no marker.)
async function settled(page, timeout = 30000) {
  await page.locator('.woswidgets-root').waitFor({ timeout });
  await page.locator(`${WIDGET}[data-woswidgets-widget-state="loading"]`).waitFor({ state: 'detached', timeout });
  const error = page.locator(`${WIDGET}[data-woswidgets-widget-state="error"]`);
  if (await error.count() === 0) return { state: 'resolved', heading: null };
  return { state: 'error', heading: await error.getByRole('heading').textContent() };
}

const keyRow = (page, name) => page.getByRole('row').filter({ has: page.getByRole('cell', { name, exact: true }) });

// keyledger with the widget surface open to `origin` only; `extra` are more `serve` arguments.
const startKeyledger = (origin, extra = []) => startServer(BINARY, { args: ['--widget-origin', origin, ...extra] });

async function main() {
  const pages = await startPageServer({ dir: await buildPage(BUNDLE_DIR), count: 2 });
  const [allowedOrigin, refusedOrigin] = pages.origins;
  const servers = [];
  let browser = null;
  try {
    const server = await startKeyledger(allowedOrigin, PERMISSIONS.flatMap((p) => ['--widget-permission', p]));
    servers.push(server);
    // A second keyledger whose tokens expire soon, with acme too: its token, minted now, has expired
    // by the time the test gets to it.
    const brief = await startKeyledger(allowedOrigin, SHORT_TOKEN_TTL);
    servers.push(brief);
    assert.equal((await client(brief.base).post('/v1/orgs', { id: ORG_A, name: 'Acme' })).status, 201);
    const expiring = { server: brief, token: await sdkMinter(brief, ADMIN_TOKEN)({ org: ORG_A, user: USER }) };
    // The SaaS team's back-end holds a key that may mint widget tokens: here the admin token.
    pages.attach({ keyledger: server, mint: sdkMinter(server, ADMIN_TOKEN) });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Nothing resolves but the loopback address the test names (IP literals go through these rules too).
      args: ['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
    });
    await run({ server, expiring, browser, pages, allowedOrigin, refusedOrigin });
  } catch (e) {
    console.error(e);
    for (const server of servers) console.error(`--- server log ---\n${server.log()}`);
    failures = Math.max(failures, 1); // a failure outside any step
  } finally {
    if (browser) await browser.close();
    await pages.stop();
    for (const server of servers) {
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

async function run({ server, expiring, browser, pages, allowedOrigin, refusedOrigin }) {
  const admin = client(server.base);
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
    assert.ok(claims.jti && [ORG_A, USER].every((v) => Object.values(claims).includes(v)), JSON.stringify(claims));
    await shot(page, '01-list');
    // Nor can the token reach B's key by its id: 404, as for any foreign key, and the key lives on.
    const foreign = await client(server.base, pages.minted[0]).del(`/_widgets/ApiKeys/${seeded['globex-payroll']}`);
    assert.equal(foreign.status, 404, foreign.text);
    const b = await admin.get(`/v1/orgs/${ORG_B}/api-keys/${seeded['globex-payroll']}`);
    assert.equal(b.json.status, 'active', b.text);
  });

  let created;
  await step('a key created through the widget\'s dialog shows its secret once; it validates VALID', async () => {
    await page.getByRole('button', { name: 'Create API key' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Create API key' }).waitFor();
    await dialog.getByLabel('Name').fill('widget-made');
    // The permissions the widget offers are those the server offers (--widget-permission).
    for (const p of PERMISSIONS) await dialog.getByRole('checkbox', { name: p }).waitFor();
    await dialog.getByRole('checkbox', { name: 'posts:read' }).click();
    await dialog.getByText('1 permission selected').waitFor();
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
    assert.deepEqual(v.json.api_key.permissions, ['posts:read']);

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
  });

  await step('the key\'s history names the widget user, and the token\'s minting is recorded', async () => {
    const r = await admin.get(`/v1/orgs/${ORG_A}/api-keys/${created.id}/events`);
    assert.equal(r.status, 200, r.text);
    const byType = Object.fromEntries(r.json.data.map((e) => [e.type, e]));
    const mintedIds = pages.minted.map((t) => widgetClaims(t).jti);
    const tokenIds = [];
    for (const type of ['KeyCreated', 'KeyRevoked']) {
      assert.ok(byType[type], `${type} in ${r.text}`);
      const { actor } = byType[type];
      // "widget", "<user>:<token id>" (docs/widgets.md): the end user, through which token.
      assert.equal(actor.type, 'widget', `${type}: ${JSON.stringify(actor)}`);
      const [user, tokenId] = actor.id.split(':');
      assert.equal(user, USER, `${type}: ${JSON.stringify(actor)}`);
      assert.ok(mintedIds.includes(tokenId), `${type}: ${tokenId} is one of the tokens the page's back-end minted`);
      tokenIds.push(tokenId);
    }
    // Each token's minting is an event of the org: who minted it, for whom, with which scopes.
    const feed = await admin.get(`/v1/events?org_id=${ORG_A}&limit=100`);
    assert.equal(feed.status, 200, feed.text);
    for (const tokenId of tokenIds) {
      const mint = feed.json.data.find((e) => e.type === 'WidgetTokenMinted' && e.data.token_id === tokenId);
      assert.ok(mint, `WidgetTokenMinted for ${tokenId} in ${feed.text}`);
      assert.deepEqual(mint.actor, { type: 'admin', id: 'admin' });
      assert.equal(mint.data.user_id, USER);
      assert.deepEqual(mint.data.scopes, [MANAGE_SCOPE]);
    }
  });

  await step('no request of the page left loopback, and no console error', async () => {
    const foreign = view.requests.filter((u) => !/^(data:|blob:)/.test(u)
      && ![allowedOrigin, server.base].includes(new URL(u).origin));
    assert.deepEqual(foreign, []);
    assert.deepEqual(view.failed, []);
    // Given a function for its token, the widget starts its first calls before the token has come
    // back from the page's back-end; keyledger refuses those (401). Nothing else is refused, and
    // the browser logs nothing else.
    assert.deepEqual(view.refusedCalls.filter((c) => c.status !== 401 || c.token), []);
    assert.deepEqual(view.consoleErrors.filter((m) => !/status of 401/.test(m)), []);
  });

  await step('from the allowed origin, too, the browser may call only the widget routes, not /v1', async () => {
    const outcome = await page.evaluate((base) => fetch(`${base}/v1/orgs`, { headers: { Authorization: 'Bearer x' } })
      .then((r) => `answered ${r.status}`, (e) => `refused: ${e.name}`), server.base);
    assert.equal(outcome, 'refused: TypeError');
    const blocked = await until('Chromium to report the failed call',
                                () => view.failed.find((f) => f.url === `${server.base}/v1/orgs`), 5000)
      .catch(() => assert.fail(JSON.stringify(view.failed)));
    assert.ok(blocked.cors, JSON.stringify(blocked));
  });
  await page.close();

  await step('the page served from an origin keyledger does not allow cannot call it: the browser blocks it', async () => {
    const refused = await openWidget(context, refusedOrigin, { org: ORG_A, user: USER });
    // In the error state once the widget's own retries (about 7 s) are spent.
    assert.deepEqual(await settled(refused.page), { state: 'error', heading: 'Error fetching data' });
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

  await step('an expired token shows the widget\'s error state', async () => {
    // Minted through the SDK by the second keyledger at the start; the page is pointed at it.
    const { server: brief, token } = expiring;
    pages.attach({ keyledger: brief, mint: sdkMinter(brief, ADMIN_TOKEN) });
    // Expired once keyledger itself refuses it, whatever leeway it allows.
    const widgetApi = client(brief.base, token);
    await until('keyledger to refuse the expired token',
                async () => (await widgetApi.get('/_widgets/ApiKeys/organization-api-keys?limit=10')).status === 403);
    pages.handOut(token);
    try {
      const expired = await openWidget(context, allowedOrigin, { org: ORG_A, user: USER, token: 'once' });
      // A 403 with a token past its exp, which the page cannot refresh: "Session expired".
      assert.deepEqual(await settled(expired.page), { state: 'error', heading: 'Session expired' });
      await shot(expired.page, '05-expired');
      await expired.page.close();
    } finally {
      pages.handOut(null);
      pages.attach({ keyledger: server, mint: sdkMinter(server, ADMIN_TOKEN) });
    }
  });

  await context.close();
}

main();
