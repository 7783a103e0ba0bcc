// The WorkOS API keys dialect end to end: the official @workos-inc/node SDK, pinned in
// package-lock.json and used unchanged, against the real keyledger binary (docs/compat.md, WorkOS).
// Each step also reads the key's history on /v1 to check the events the call appended.
// Usage: node workos.test.mjs <path to keyledger>
import assert from 'node:assert/strict';
import {
  ConflictException, NotFoundException, UnauthorizedException, UnprocessableEntityException, WorkOS,
} from '@workos-inc/node';
import { ADMIN_TOKEN, client, startServer } from '../../browser/kl_server.mjs';

const BINARY = process.argv[2];
if (!BINARY) throw new Error('usage: node workos.test.mjs <keyledger binary>');

const ORG = 'org_01EHZNVPK3SFK441A1RGBFSHRT';  // an organization id as WorkOS writes it
const USER = 'user_01EHZNVPK3SFK441A1RGBFSHRX';
const OTHER_ORG = 'org_01EHZNVPK3SFK441A1RGBFSHRV';  // never created

let failures = 0;
async function step(name, fn) {
  try {
    await fn();
    console.log(`ok - ${name}`);
  } catch (e) {
    failures++;
    console.log(`not ok - ${name}`);
    console.error(e);
  }
}

const sdk = (server, token = ADMIN_TOKEN) =>
  new WorkOS(token, { apiHostname: '127.0.0.1', port: server.port, https: false });

async function historyTypes(admin, org, keyId) {
  const r = await admin.get(`/v1/orgs/${org}/api-keys/${keyId}/events`);
  assert.equal(r.status, 200, r.text);
  return r.json.data.map((e) => e.type);
}

// Usage is recorded in memory and appended once per flush window: wait for it, never sleep-and-hope.
async function waitForHistory(admin, org, keyId, type) {
  const deadline = Date.now() + 10000;
  for (;;) {
    const types = await historyTypes(admin, org, keyId);
    if (types.includes(type)) return types;
    if (Date.now() > deadline) assert.fail(`${keyId}: no ${type} in ${JSON.stringify(types)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function run(server, admin) {
  const workos = sdk(server);
  assert.equal((await admin.post('/v1/orgs', { id: ORG, name: 'Acme' })).status, 201);
  let orgKey, userKey;

  await step('an organization key is created through the SDK, shown once, under the id /v1 uses', async () => {
    orgKey = await workos.apiKeys.createOrganizationApiKey({
      organizationId: ORG, name: 'Production API Key', permissions: ['posts:read', 'posts:write'] });
    assert.equal(orgKey.object, 'api_key');
    assert.match(orgKey.id, /^key_/);
    assert.deepEqual(orgKey.owner, { type: 'organization', id: ORG });
    assert.equal(orgKey.name, 'Production API Key');
    assert.deepEqual(orgKey.permissions, ['posts:read', 'posts:write']);
    assert.equal(typeof orgKey.value, 'string');
    assert.ok(orgKey.obfuscatedValue && !orgKey.obfuscatedValue.includes(orgKey.value));
    assert.equal(orgKey.lastUsedAt, null);
    assert.ok(!Number.isNaN(Date.parse(orgKey.createdAt)) && !Number.isNaN(Date.parse(orgKey.updatedAt)));
    const v1 = await admin.get(`/v1/orgs/${ORG}/api-keys/${orgKey.id}`);
    assert.equal(v1.status, 200, v1.text);
    assert.equal(v1.json.name, 'Production API Key');
    assert.deepEqual(await historyTypes(admin, ORG, orgKey.id), ['KeyCreated']);
  });

  await step('a user key is created with its owner and organization', async () => {
    userKey = await workos.userManagement.createUserApiKey(USER, {
      name: 'CLI', organizationId: ORG, permissions: ['posts:read'] });
    assert.deepEqual(userKey.owner, { type: 'user', id: USER, organizationId: ORG });
    assert.equal(typeof userKey.value, 'string');
    const v1 = await admin.get(`/v1/orgs/${ORG}/api-keys/${userKey.id}`);
    assert.deepEqual(v1.json.owner, { type: 'user', id: USER });
    assert.deepEqual(await historyTypes(admin, ORG, userKey.id), ['KeyCreated']);
  });

  await step('validation: a valid value gives its key; altered and malformed values give null', async () => {
    const ok = await workos.apiKeys.createValidation({ value: orgKey.value });
    assert.equal(ok.apiKey.id, orgKey.id);
    assert.deepEqual(ok.apiKey.owner, { type: 'organization', id: ORG });
    assert.deepEqual(ok.apiKey.permissions, ['posts:read', 'posts:write']);
    assert.ok(Date.parse(ok.apiKey.lastUsedAt) >= Date.parse(orgKey.createdAt), 'this use is the last');
    const user = await workos.apiKeys.createValidation({ value: userKey.value });
    assert.deepEqual(user.apiKey.owner, { type: 'user', id: USER, organizationId: ORG });
    const altered = orgKey.value.slice(0, -6) + (orgKey.value.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA');
    assert.equal((await workos.apiKeys.createValidation({ value: altered })).apiKey, null);
    assert.equal((await workos.apiKeys.createValidation({ value: 'not a key' })).apiKey, null);
    assert.equal((await workos.apiKeys.createValidation({ value: '' })).apiKey, null);
    await waitForHistory(admin, ORG, orgKey.id, 'KeyUsed');
  });

  await step('an expiring user key validates until it expires, then gives null (KeyExpired appended)', async () => {
    const expiresAt = new Date(Date.now() + 3000);
    const short = await workos.userManagement.createUserApiKey(USER, { name: 'short', organizationId: ORG, expiresAt });
    assert.equal(short.expiresAt, expiresAt.toISOString());
    assert.equal((await workos.apiKeys.createValidation({ value: short.value })).apiKey.id, short.id);
    await waitForHistory(admin, ORG, short.id, 'KeyExpired');
    assert.equal((await workos.apiKeys.createValidation({ value: short.value })).apiKey, null);
    // Expired keys are not listed: the user's list below holds userKey alone.
  });

  let all;
  await step('pagination: small pages after and before, in both orders, match /v1 listing order', async () => {
    for (let i = 0; i < 5; i++)
      await workos.apiKeys.createOrganizationApiKey({ organizationId: ORG, name: `batch ${i}` });
    const v1 = await admin.get(`/v1/orgs/${ORG}/api-keys?limit=100`);
    all = v1.json.data.map((k) => k.id);  // newest first
    assert.equal(all.length, 7);
    const v1asc = await admin.get(`/v1/orgs/${ORG}/api-keys?limit=100&order=asc`);  // the same capability on /v1
    assert.deepEqual(v1asc.json.data.map((k) => k.id), [...all].reverse());

    const pages = [];
    let after;
    do {
      const page = await workos.apiKeys.listOrganizationApiKeys({ organizationId: ORG, limit: 3, after });
      assert.equal(page.object, 'list');
      pages.push(page);
      after = page.listMetadata.after;
    } while (after);
    assert.deepEqual(pages.map((p) => p.data.length), [3, 3, 1]);
    assert.deepEqual(pages.flatMap((p) => p.data.map((k) => k.id)), all);
    assert.equal(pages[0].listMetadata.before, null);
    assert.equal(pages[2].listMetadata.before, all[6]);

    const back = await workos.apiKeys.listOrganizationApiKeys({ organizationId: ORG, limit: 3, before: all[6] });
    assert.deepEqual(back.data.map((k) => k.id), all.slice(3, 6));
    assert.equal(back.listMetadata.before, all[3]);
    assert.equal(back.listMetadata.after, all[5]);

    const asc = await workos.apiKeys.listOrganizationApiKeys({ organizationId: ORG, limit: 4, order: 'asc' });
    assert.deepEqual(asc.data.map((k) => k.id), [...all].reverse().slice(0, 4));
    const ascNext = await workos.apiKeys.listOrganizationApiKeys({
      organizationId: ORG, limit: 4, order: 'asc', after: asc.listMetadata.after });
    assert.deepEqual(ascNext.data.map((k) => k.id), [...all].reverse().slice(4));

    const everything = await (await workos.apiKeys.listOrganizationApiKeys({ organizationId: ORG })).autoPagination();
    assert.deepEqual(everything.map((k) => k.id), all);

    const mine = await workos.userManagement.listUserApiKeys(USER, { organizationId: ORG });
    assert.deepEqual(mine.data.map((k) => k.id), [userKey.id]);
    assert.deepEqual(mine.data[0].owner, { type: 'user', id: USER, organizationId: ORG });
  });

  await step('delete: 204, KeyRevoked, the value no longer validates, a second delete is 404', async () => {
    await workos.apiKeys.deleteApiKey(orgKey.id);
    assert.deepEqual(await historyTypes(admin, ORG, orgKey.id).then((t) => t.filter((x) => x !== 'KeyUsed')),
                     ['KeyCreated', 'KeyRevoked']);
    assert.equal((await workos.apiKeys.createValidation({ value: orgKey.value })).apiKey, null);
    await assert.rejects(workos.apiKeys.deleteApiKey(orgKey.id), NotFoundException);
    await assert.rejects(workos.apiKeys.deleteApiKey('key_01EHZNVPK3SFK441A1RGBFSHRT'), NotFoundException);
    const listed = await workos.apiKeys.listOrganizationApiKeys({ organizationId: ORG, limit: 100 });
    assert.ok(!listed.data.some((k) => k.id === orgKey.id));
    const raw = await fetch(`${server.base}/api_keys/${userKey.id}`,
                            { method: 'DELETE', headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(raw.status, 204);
    assert.equal(raw.headers.get('content-type'), null);
  });

  await step('a create retried with the same Idempotency-Key returns the same key, its secret once', async () => {
    const options = { organizationId: ORG, name: 'retried' };
    const first = await workos.apiKeys.createOrganizationApiKey(options, { idempotencyKey: 'retry-lost-response-1' });
    const again = await workos.apiKeys.createOrganizationApiKey(options, { idempotencyKey: 'retry-lost-response-1' });
    assert.equal(again.id, first.id);
    assert.equal(typeof first.value, 'string');
    assert.equal(again.value, undefined);  // never shown twice
    assert.deepEqual(await historyTypes(admin, ORG, first.id), ['KeyCreated']);
    await assert.rejects(workos.apiKeys.createOrganizationApiKey({ organizationId: ORG, name: 'other body' },
                                                                 { idempotencyKey: 'retry-lost-response-1' }),
                         ConflictException);
  });

  await step('errors arrive as the SDK\'s exception classes', async () => {
    await assert.rejects(sdk(server, 'not-a-token-0123456789abcdefghij').apiKeys.listOrganizationApiKeys(
      { organizationId: ORG }), UnauthorizedException);
    await assert.rejects(workos.apiKeys.listOrganizationApiKeys({ organizationId: OTHER_ORG }), NotFoundException);
    await assert.rejects(workos.apiKeys.createOrganizationApiKey({ organizationId: OTHER_ORG, name: 'x' }),
                         NotFoundException);
    const bad = await workos.apiKeys.createOrganizationApiKey({ organizationId: ORG, name: '' }).catch((e) => e);
    assert.ok(bad instanceof UnprocessableEntityException, String(bad));
    assert.match(bad.message, /invalid/);
    await assert.rejects(workos.userManagement.createUserApiKey(USER, { name: 'no org' }),
                         UnprocessableEntityException);
    await assert.rejects(workos.apiKeys.listOrganizationApiKeys({ organizationId: ORG, limit: 1000 }),
                         UnprocessableEntityException);
    await assert.rejects(workos.apiKeys.listOrganizationApiKeys({ organizationId: ORG, after: 'key_nope' }),
                         UnprocessableEntityException);
  });

  await step('a management key of the organization works as the SDK\'s token', async () => {
    const mk = await admin.post(`/v1/orgs/${ORG}/api-keys`, { name: 'sdk', permission_set: 'full_access' });
    assert.equal(mk.status, 201, mk.text);
    const scoped = sdk(server, mk.json.value);
    const created = await scoped.apiKeys.createOrganizationApiKey({ organizationId: ORG, name: 'by key' });
    assert.equal((await scoped.apiKeys.createValidation({ value: created.value })).apiKey.id, created.id);
    const ev = (await admin.get(`/v1/orgs/${ORG}/api-keys/${created.id}/events`)).json.data[0];
    assert.equal(ev.type, 'KeyCreated');
    assert.equal(ev.actor.id, mk.json.api_key.id);
  });
}

const server = await startServer(BINARY);
try {
  await run(server, client(server.base));
} catch (e) {
  failures++;
  console.error(e);
} finally {
  await server.stop();
  if (failures) console.error(`--- server log ---\n${server.log()}`);
  if (server.sanitizerReport()) failures++;
  server.remove();
}
console.log(failures ? `FAILED (${failures})` : 'all WorkOS SDK tests passed');
process.exit(failures ? 1 : 0);
