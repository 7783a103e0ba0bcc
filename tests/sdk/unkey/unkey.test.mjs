// keyledger's Unkey v2 dialect through the official, pinned @unkey/api client (docs/compat.md,
// Unkey): the real binary on a free port, every supported method called as an application
// would, the answers and error classes asserted, and the ledger's /v1 history read back for the
// events each call appended.
// Usage: node unkey.test.mjs <path to the keyledger binary>
import assert from 'node:assert/strict';
import { Unkey } from '@unkey/api';
import * as errors from '@unkey/api/models/errors';
import { ADMIN_TOKEN, client, startServer } from '../../browser/kl_server.mjs';

const BINARY = process.argv[2];
if (!BINARY) throw new Error('usage: node unkey.test.mjs <keyledger binary>');

let failures = 0;
async function step(name, fn) {
  try {
    await fn();
    console.log(`ok - ${name}`);
  } catch (e) {
    failures++;
    console.log(`not ok - ${name}\n${e.stack || e}`);
  }
}

// The error a call rejects with (the test fails when it resolves).
async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('the call succeeded');
}

async function history(admin, org, keyId) {
  const res = await admin.get(`/v1/orgs/${org}/api-keys/${keyId}/events`);
  assert.equal(res.status, 200, res.text);
  return res.json.data.map((e) => e.type);
}

const server = await startServer(BINARY);
const admin = client(server.base);
const serverURL = server.base;
// The SDK's default retries would hide a 5xx; none is expected, so none is retried.
const root = new Unkey({ rootKey: ADMIN_TOKEN, serverURL, retryConfig: { strategy: 'none' } });

try {
  let apiId;
  let keyId;
  let secret;

  await step('apis.createApi creates an organization; apis.getApi reads it', async () => {
    const created = await root.apis.createApi({ name: 'payments' });
    assert.equal(typeof created.meta.requestId, 'string');
    apiId = created.data.apiId;
    const org = await admin.get(`/v1/orgs/${apiId}`);
    assert.equal(org.status, 200);
    assert.equal(org.json.name, 'payments');
    const got = await root.apis.getApi({ apiId });
    assert.deepEqual(got.data, { id: apiId, name: 'payments' });
  });

  await step('keys.createKey returns the id and the secret once; /v1 shows the same key', async () => {
    const expires = Date.now() + 3600_000;
    const created = await root.keys.createKey({
      apiId, name: 'ci runner', prefix: 'pay', meta: { team: 'billing' }, permissions: ['documents.read'],
      expires, credits: { remaining: 2 }, ratelimits: [{ name: 'requests', limit: 100, duration: 60000 }],
    });
    keyId = created.data.keyId;
    secret = created.data.key;
    assert.match(secret, /^pay_live_/);
    const v1 = await admin.get(`/v1/orgs/${apiId}/api-keys/${keyId}`);
    assert.equal(v1.status, 200);
    assert.equal(v1.json.name, 'ci runner');
    assert.deepEqual(await history(admin, apiId, keyId), ['KeyCreated']);
  });

  await step('keys.getKey renders the key in Unkey shapes (ms timestamps, no nulls)', async () => {
    const { data } = await root.keys.getKey({ keyId });
    assert.equal(data.keyId, keyId);
    assert.equal(data.name, 'ci runner');
    assert.equal(data.enabled, true);
    assert.deepEqual(data.meta, { team: 'billing' });
    assert.deepEqual(data.permissions, ['documents.read']);
    assert.equal(Number.isInteger(data.createdAt), true);
    assert.equal(Number.isInteger(data.expires), true);
    assert.equal(data.credits.remaining, 2);
    assert.equal(data.ratelimits[0].limit, 100);
    assert.equal(data.ratelimits[0].duration, 60000);
    assert.equal(data.lastUsedAt, undefined);
  });

  await step('keys.verifyKey: VALID spends a credit; permissions; USAGE_EXCEEDED; NOT_FOUND', async () => {
    const ok = await root.keys.verifyKey({ key: secret, permissions: 'documents.read' });
    assert.equal(ok.data.valid, true);
    assert.equal(ok.data.code, 'VALID');
    assert.equal(ok.data.keyId, keyId);
    assert.equal(ok.data.credits, 1);
    assert.equal(ok.data.ratelimits[0].exceeded, false);
    const missing = await root.keys.verifyKey({ key: secret, permissions: 'documents.read AND documents.write' });
    assert.equal(missing.data.valid, false);
    assert.equal(missing.data.code, 'INSUFFICIENT_PERMISSIONS');
    assert.equal((await root.keys.verifyKey({ key: secret })).data.code, 'VALID');
    const spent = await root.keys.verifyKey({ key: secret });
    assert.equal(spent.data.code, 'USAGE_EXCEEDED');
    const unknown = await root.keys.verifyKey({ key: 'pay_live_not-a-real-key' });
    assert.deepEqual(unknown.data, { valid: false, code: 'NOT_FOUND' });
    // Unkey's query language: OR and parentheses (a refusal spends no credit).
    const or = await root.keys.verifyKey({ key: secret, permissions: '(documents.write OR admin) AND documents.read' });
    assert.equal(or.data.code, 'INSUFFICIENT_PERMISSIONS');
    const syntax = await rejection(root.keys.verifyKey({ key: secret, permissions: 'a OR' }));
    assert.ok(syntax instanceof errors.BadRequestErrorResponse, String(syntax));
    assert.equal(syntax.data$.error.errors[0].location, 'body.permissions');
  });

  await step('keys.verifyKey: RATE_LIMITED and EXPIRED', async () => {
    const limited = (await root.keys.createKey({
      apiId, name: 'limited', ratelimits: [{ name: 'r', limit: 1, duration: 60000, autoApply: true }],
    })).data;
    assert.equal((await root.keys.verifyKey({ key: limited.key })).data.code, 'VALID');
    const over = await root.keys.verifyKey({ key: limited.key });
    assert.equal(over.data.code, 'RATE_LIMITED');
    assert.equal(over.data.ratelimits[0].exceeded, true);
    assert.equal(over.data.ratelimits[0].remaining, 0);
    const brief = (await root.keys.createKey({ apiId, name: 'brief', expires: Date.now() + 1000 })).data;
    for (const deadline = Date.now() + 10000; ;) {
      const { code } = (await root.keys.verifyKey({ key: brief.key })).data;
      if (code === 'EXPIRED') break;
      assert.equal(code, 'VALID');
      assert.ok(Date.now() < deadline, 'the key never expired');
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  await step('keys.whoami finds the key by its secret', async () => {
    const { data } = await root.keys.whoami({ key: secret });
    assert.equal(data.keyId, keyId);
    assert.equal(Number.isInteger(data.lastUsedAt), true);
  });

  await step('keys.updateCredits: set, increment, decrement (floored at 0), set null = unlimited', async () => {
    // A key of its own: a set is reduced by spends not yet flushed into the ledger (docs/compat.md).
    const fresh = (await root.keys.createKey({ apiId, name: 'metered', credits: { remaining: 1 } })).data;
    const keyId = fresh.keyId;
    const secret = fresh.key;
    assert.equal((await root.keys.updateCredits({ keyId, operation: 'set', value: 10 })).data.remaining, 10);
    assert.equal((await root.keys.updateCredits({ keyId, operation: 'increment', value: 5 })).data.remaining, 15);
    assert.equal((await root.keys.updateCredits({ keyId, operation: 'decrement', value: 20 })).data.remaining, 0);
    assert.equal((await root.keys.verifyKey({ key: secret })).data.code, 'USAGE_EXCEEDED');
    assert.equal((await root.keys.updateCredits({ keyId, operation: 'set', value: 3 })).data.remaining, 3);
    assert.equal((await root.keys.verifyKey({ key: secret })).data.credits, 2);
    // Once that spend is in the ledger (KeyUsed), a balance written counts from it exactly.
    for (const deadline = Date.now() + 15000; !(await history(admin, apiId, keyId)).includes('KeyUsed');) {
      assert.ok(Date.now() < deadline, 'the spend never reached the ledger');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal((await root.keys.updateCredits({ keyId, operation: 'increment', value: 4 })).data.remaining, 6);
    const unlimited = await root.keys.updateCredits({ keyId, operation: 'set', value: null });
    assert.deepEqual(unlimited.data, { remaining: null });
    const noBalance = await rejection(root.keys.updateCredits({ keyId, operation: 'increment', value: 1 }));
    assert.ok(noBalance instanceof errors.BadRequestErrorResponse, String(noBalance));
    const types = await history(admin, apiId, keyId);
    assert.equal(types.filter((t) => t === 'KeyUpdated').length, 6, types.join());
  });

  await step('keys.addPermissions / removePermissions / setPermissions', async () => {
    await root.keys.updateCredits({ keyId, operation: 'set', value: null });  // its credits ran out above
    const added = await root.keys.addPermissions({ keyId, permissions: ['documents.write'] });
    assert.deepEqual(added.data.map((p) => p.slug), ['documents.read', 'documents.write']);
    const both = await root.keys.verifyKey({ key: secret, permissions: 'documents.read AND documents.write' });
    assert.equal(both.data.code, 'VALID');
    const removed = await root.keys.removePermissions({ keyId, permissions: ['documents.read'] });
    assert.deepEqual(removed.data.map((p) => p.slug), ['documents.write']);
    const set = await root.keys.setPermissions({ keyId, permissions: ['a.b', 'c.d'] });
    assert.deepEqual(set.data.map((p) => p.id), ['a.b', 'c.d']);
  });

  await step('keys.updateKey: name, meta, enabled; DISABLED then VALID again', async () => {
    const r = await root.keys.updateKey({ keyId, name: 'renamed', meta: { team: 'ops' }, enabled: false });
    assert.deepEqual(r.data, {});
    assert.equal((await root.keys.verifyKey({ key: secret })).data.code, 'DISABLED');
    await root.keys.updateKey({ keyId, enabled: true, credits: null, ratelimits: [] });
    const { data } = await root.keys.getKey({ keyId });
    assert.equal(data.name, 'renamed');
    assert.deepEqual(data.meta, { team: 'ops' });
    assert.equal(data.credits, undefined);
    assert.equal(data.ratelimits, undefined);
    assert.equal((await root.keys.verifyKey({ key: secret })).data.code, 'VALID');
  });

  await step('keys.rerollKey: a new secret; the old key keeps the grace period; the new one the expiry', async () => {
    const old = (await root.keys.getKey({ keyId })).data;
    const r = await root.keys.rerollKey({ keyId, expiration: 60000 });
    assert.notEqual(r.data.keyId, keyId);
    assert.equal((await root.keys.verifyKey({ key: r.data.key })).data.code, 'VALID');
    assert.equal((await root.keys.verifyKey({ key: secret })).data.code, 'VALID');  // within the grace period
    const successor = (await root.keys.getKey({ keyId: r.data.keyId })).data;
    assert.equal(successor.expires, old.expires);
    const before = (await root.keys.getKey({ keyId })).data;
    assert.ok(before.expires <= Date.now() + 61000);
    const types = await history(admin, apiId, keyId);
    assert.equal(types.at(-1), 'KeyRotated');
    assert.ok(types.includes('KeyUpdated') && types.includes('KeyDisabled') && types.includes('KeyEnabled'), types.join());
    const successorHistory = await history(admin, apiId, r.data.keyId);
    assert.deepEqual(successorHistory, ['KeyCreated']);
    // /v1's rotate offers the same with keep_expiry, and keeps its default of no expiry.
    const v1Key = `/v1/orgs/${apiId}/api-keys/${r.data.keyId}`;
    const kept = await admin.post(`${v1Key}/rotate`, { keep_expiry: true });
    assert.equal(kept.status, 201, kept.text);
    assert.equal(Date.parse(kept.json.api_key.expires_at), old.expires);
    const plain = await admin.post(`/v1/orgs/${apiId}/api-keys/${kept.json.api_key.id}/rotate`, {});
    assert.equal(plain.status, 201, plain.text);
    assert.equal(plain.json.api_key.expires_at, null);
  });

  await step('apis.listKeys pages with a cursor until it is empty', async () => {
    for (let i = 0; i < 4; i++) await root.keys.createKey({ apiId, name: `bulk ${i}` });
    const ids = [];
    let pages = 0;
    for await (const page of await root.apis.listKeys({ apiId, limit: 2 })) {
      pages++;
      for (const k of page.result.data) ids.push(k.keyId);
    }
    // Every key /v1 lists but the revoked ones, once each.
    const v1 = await admin.get(`/v1/orgs/${apiId}/api-keys?status=all&limit=100`);
    const expected = v1.json.data.filter((k) => k.status !== 'revoked').map((k) => k.id);
    assert.ok(expected.length >= 7, `expected: ${expected.length}`);
    assert.deepEqual([...ids].sort(), [...expected].sort());
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(pages >= 3, `pages: ${pages}`);
  });

  await step('keys.deleteKey revokes: getKey is 404, verifyKey NOT_FOUND, /v1 history has KeyRevoked', async () => {
    const victim = (await root.keys.createKey({ apiId, name: 'victim' })).data;
    assert.deepEqual((await root.keys.deleteKey({ keyId: victim.keyId })).data, {});
    const gone = await rejection(root.keys.getKey({ keyId: victim.keyId }));
    assert.ok(gone instanceof errors.NotFoundErrorResponse, String(gone));
    assert.equal(gone.data$.error.status, 404);
    assert.equal((await root.keys.verifyKey({ key: victim.key })).data.code, 'NOT_FOUND');
    assert.deepEqual(await history(admin, apiId, victim.keyId), ['KeyCreated', 'KeyRevoked']);
    const permanent = await rejection(root.keys.deleteKey({ keyId: keyId, permanent: true }));
    assert.ok(permanent instanceof errors.BadRequestErrorResponse, String(permanent));
  });

  await step('errors: 401 for a wrong root key, 400 naming the member, 403 for a key lacking a scope', async () => {
    const stranger = new Unkey({ rootKey: 'not-a-root-key', serverURL, retryConfig: { strategy: 'none' } });
    const unauth = await rejection(stranger.keys.getKey({ keyId }));
    assert.ok(unauth instanceof errors.UnauthorizedErrorResponse, String(unauth));
    const bad = await rejection(root.keys.createKey({ apiId, roles: ['admin'] }));
    assert.ok(bad instanceof errors.BadRequestErrorResponse, String(bad));
    assert.deepEqual(bad.data$.error.errors.map((e) => e.location), ['body.roles']);
    // A management key holding only apikeys:read as the root key.
    const mk = await admin.post(`/v1/orgs/${apiId}/api-keys`, { name: 'reader', permission_set: 'read_only' });
    assert.equal(mk.status, 201, mk.text);
    const reader = new Unkey({ rootKey: mk.json.value, serverURL, retryConfig: { strategy: 'none' } });
    assert.equal((await reader.keys.getKey({ keyId })).data.keyId, keyId);
    const denied = await rejection(reader.keys.updateKey({ keyId, name: 'nope' }));
    assert.ok(denied instanceof errors.ForbiddenErrorResponse, String(denied));
    const notYet = await rejection(root.keys.addRoles({ keyId, roles: ['admin'] }));
    assert.ok(notYet instanceof errors.NotFoundErrorResponse, String(notYet));
  });

  await step('keys.migrateKeys imports keys by hash; verifyKey then accepts the original secret', async () => {
    const { createHash } = await import('node:crypto');
    // Secrets another provider issued: only their SHA-256 is ever sent.
    const legacy = `unkey_${Date.now()}XyZmigrated`;
    const legacyHex = `legacy_${Date.now()}_hex`;
    const b64 = createHash('sha256').update(legacy).digest('base64');
    const hex = createHash('sha256').update(legacyHex).digest('hex');
    const r = await root.keys.migrateKeys({
      migrationId: 'from-unkey', apiId,
      keys: [
        { hash: b64, name: 'migrated', permissions: ['documents.read'], meta: { plan: 'pro' } },
        { hash: hex, name: 'migrated hex', enabled: false },
        { hash: 'not-a-hash', name: 'broken' },
      ],
    });
    assert.equal(typeof r.meta.requestId, 'string');
    assert.equal(r.data.migrated.length, 2);
    assert.equal(r.data.migrated[0].hash, b64);
    assert.deepEqual(r.data.failed, ['not-a-hash']);
    const migratedId = r.data.migrated[0].keyId;
    const v = (await root.keys.verifyKey({ key: legacy, permissions: 'documents.read' })).data;
    assert.equal(v.valid, true, JSON.stringify(v));
    assert.equal(v.code, 'VALID');
    assert.equal(v.keyId, migratedId);
    assert.deepEqual(v.meta, { plan: 'pro' });
    assert.equal((await root.keys.verifyKey({ key: legacyHex })).data.code, 'DISABLED');
    assert.equal((await root.keys.whoami({ key: legacy })).data.keyId, migratedId);
    // The same hash again: failed, not imported twice.
    const again = await root.keys.migrateKeys({ migrationId: 'from-unkey', apiId, keys: [{ hash: b64 }] });
    assert.deepEqual(again.data, { migrated: [], failed: [b64] });
    // The ledger holds the import as an event; the secret is nowhere in it.
    const events = await admin.get(`/v1/orgs/${apiId}/api-keys/${migratedId}/events`);
    assert.equal(events.json.data[0].type, 'KeyCreated');
    assert.equal(events.json.data[0].data.imported, true);
    assert.equal(events.json.data[0].data.migration_id, 'from-unkey');
    assert.ok(!events.text.includes(legacy));
    assert.deepEqual((await root.keys.deleteKey({ keyId: migratedId })).data, {});
    assert.equal((await root.keys.verifyKey({ key: legacy })).data.code, 'NOT_FOUND');
  });

  await step('apis.deleteApi decommissions the organization; getApi is then 404', async () => {
    const other = (await root.apis.createApi({ name: 'short-lived' })).data.apiId;
    const orphan = (await root.keys.createKey({ apiId: other, name: 'orphan' })).data;
    assert.deepEqual((await root.apis.deleteApi({ apiId: other })).data, {});
    assert.equal((await root.keys.verifyKey({ key: orphan.key })).data.code, 'FORBIDDEN');
    assert.equal((await admin.get(`/v1/orgs/${other}`)).json.status, 'decommissioning');
    const gone = await rejection(root.apis.getApi({ apiId: other }));
    assert.ok(gone instanceof errors.NotFoundErrorResponse, String(gone));
  });
} finally {
  await server.stop();
  const report = server.sanitizerReport();
  if (report) {
    failures++;
    console.log(`not ok - sanitizer report in the server log:\n${report}`);
  }
  if (failures) console.log(server.log().slice(-4000));
  server.remove();
}
if (failures) {
  console.log(`${failures} step(s) failed`);
  process.exit(1);
}
console.log('all steps passed');
