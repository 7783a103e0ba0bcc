// Checks an export in the browser, with WebCrypto only, as docs/audit.md does with openssl:
//   1. the trusted public key (GET /v1/ledger/public-key) has the id it claims,
//   2. the manifest names that key,
//   3. the manifest's Ed25519 signature (over the manifest without "signature", RFC 8785)
//      verifies against the trusted key, never against the key the manifest carries,
//   4. the file's SHA-256 is the manifest's file_sha256.
// The export counts as verified only when every check holds.
import { canonicalize } from './jcs.js';

const text = new TextEncoder();

export function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}

function base64Bytes(b64) {
  const raw = atob(b64);
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

export function pemToDer(pem) {
  const body = pem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, '').replace(/\s+/g, '');
  return base64Bytes(body);
}

async function sha256(bytes) { return hex(await crypto.subtle.digest('SHA-256', bytes)); }

// Runs one check; a throw counts as a failure with its message.
async function check(name, fn) {
  try {
    const detail = await fn();
    return { name, ok: detail.ok, detail: detail.detail };
  } catch (e) {
    return { name, ok: false, detail: e.message || String(e) };
  }
}

export async function verifyExport({ manifest, file, trustedKey }) {
  const der = pemToDer(trustedKey.public_key_pem);
  const checks = [];

  checks.push(await check('Ledger public key id', async () => {
    const id = (await sha256(der)).slice(0, 16);
    return { ok: id === trustedKey.public_key_id, detail: `SHA-256 of the key gives ${id}` };
  }));

  checks.push(await check('Manifest signed by the ledger key', async () => ({
    ok: manifest.public_key_id === trustedKey.public_key_id,
    detail: `manifest names key ${manifest.public_key_id}, the ledger serves ${trustedKey.public_key_id}`,
  })));

  checks.push(await check('Ed25519 signature of the manifest', async () => {
    if (typeof manifest.signature !== 'string') return { ok: false, detail: 'the manifest has no signature' };
    const { signature, ...unsigned } = manifest;
    const key = await crypto.subtle.importKey('spki', der, { name: 'Ed25519' }, false, ['verify']);
    const ok = await crypto.subtle.verify({ name: 'Ed25519' }, key, base64Bytes(signature),
                                          text.encode(canonicalize(unsigned)));
    return { ok, detail: ok ? 'valid' : 'the signature does not match the manifest' };
  }));

  checks.push(await check('File SHA-256 matches the manifest', async () => {
    const digest = await sha256(file);
    return { ok: digest === manifest.file_sha256, detail: digest };
  }));

  return { ok: checks.every((c) => c.ok), checks };
}
