// The JSON API as the console uses it. The bearer token lives in this module's closure only:
// never in storage, cookies or URLs, and gone on sign-out or reload.

export class ApiError extends Error {
  constructor(status, envelope) {
    const err = (envelope && envelope.error) || {};
    super(err.message || `HTTP ${status}`);
    this.status = status;
    this.code = err.code || 'http_error';
    this.requestId = err.request_id || null;
    this.fields = (err.details && err.details.fields) || {};
  }
}

let token = null;

export function setToken(value) { token = value; }
export function clearToken() { token = null; }
export function hasToken() { return token !== null; }

function headers(extra = {}) {
  const h = { Accept: 'application/json', ...extra };
  if (token) h.Authorization = `Bearer ${token}`;
  return h;
}

function url(path, query) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) if (v !== undefined && v !== null && v !== '') params.set(k, v);
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

// Listeners told when the server no longer accepts the token (revoked key, restarted server).
const unauthenticatedListeners = [];
export function onUnauthenticated(fn) { unauthenticatedListeners.push(fn); }

async function send(method, path, { body, query } = {}) {
  const init = { method, headers: headers(), cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  return fetch(url(path, query), init);
}

async function failure(res) {
  let envelope = null;
  try { envelope = await res.json(); } catch { /* not JSON: keep the status alone */ }
  const error = new ApiError(res.status, envelope);
  if (res.status === 401 && token) for (const fn of unauthenticatedListeners) fn(error);
  return error;
}

export async function json(method, path, options) {
  const res = await send(method, path, options);
  if (!res.ok) throw await failure(res);
  return res.json();
}

export async function bytes(path) {
  const res = await send('GET', path);
  if (!res.ok) throw await failure(res);
  return new Uint8Array(await res.arrayBuffer());
}

export const get = (path, query) => json('GET', path, { query });
export const post = (path, body) => json('POST', path, { body });
export const del = (path, body) => json('DELETE', path, { body });

export const orgPath = (orgId) => `/v1/orgs/${encodeURIComponent(orgId)}`;
export const keyPath = (orgId, keyId) => `${orgPath(orgId)}/api-keys/${encodeURIComponent(keyId)}`;
