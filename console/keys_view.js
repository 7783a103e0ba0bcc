// The key list: status, permissions, last use, expiry, and each key's actions.
import * as api from './api.js';
import { $, h, clear, show, announce, describeError } from './dom.js';
import { time, plural } from './format.js';
import { orgId } from './state.js';

const PAGE = 50;
let cursor = null;
let actions = null; // { history(key), rotate(key), revoke(key) } set by app.js
let generation = 0; // drops pages that arrive after the org or filter changed

export function initKeys(keyActions) {
  actions = keyActions;
  $('status-filter').addEventListener('change', () => reloadKeys());
  $('refresh-keys').addEventListener('click', () => reloadKeys().then(() => announce('Keys refreshed')));
  $('keys-more').addEventListener('click', () => loadPage(generation));
}

export function resetKeys() {
  generation += 1;
  cursor = null;
  clear($('keys-body'));
  show($('keys-more'), false);
  show($('keys-empty'), false);
}

export async function reloadKeys() {
  resetKeys();
  await loadPage(generation);
}

async function loadPage(gen) {
  const error = $('org-error');
  try {
    const page = await api.get(`${api.orgPath(orgId())}/api-keys`,
                               { status: $('status-filter').value, limit: PAGE, cursor });
    if (gen !== generation) return;
    for (const key of page.data) $('keys-body').append(row(key));
    cursor = page.next_cursor;
    show($('keys-more'), Boolean(cursor));
    show($('keys-empty'), $('keys-body').children.length === 0);
    show(error, false);
  } catch (e) {
    if (gen !== generation) return;
    error.textContent = `Could not list keys: ${describeError(e)}`;
    show(error, true);
  }
}

function statusBadge(key) {
  return h('span', { class: `badge badge-${key.status}` }, key.status);
}

function permissionList(key) {
  const items = key.permissions.length ? key.permissions : ['none'];
  const list = h('ul', { class: 'chips', 'aria-label': `Permissions of ${key.name}` },
                 items.map((p) => h('li', { class: 'chip' }, p)));
  if (key.permission_set === 'custom') return list;
  return h('div', {}, h('span', { class: 'set-name' }, key.permission_set), list);
}

function lastUsed(key) {
  if (!key.last_used_at) return 'Never';
  return h('span', {}, time(key.last_used_at), h('br'),
           h('span', { class: 'muted' }, plural(key.usage_count, 'use', 'uses')));
}

function expiry(key) {
  if (key.status === 'revoked') return h('span', {}, 'Revoked ', time(key.revoked_at, ''));
  if (key.status === 'expired') return h('span', {}, 'Expired ', time(key.expired_at || key.expires_at, ''));
  return time(key.expires_at, 'Never');
}

// Visible text is short; the accessible name says which key ("Revoke key ci-deploy").
function actionButton(label, accessibleName, cls = 'button-quiet') {
  return h('button', { type: 'button', class: `${cls} button-small`, 'aria-label': accessibleName }, label);
}

function row(key) {
  const active = key.status === 'active';
  const historyBtn = actionButton('History', `History of key ${key.name}`);
  historyBtn.addEventListener('click', () => actions.history(key));
  const cells = [historyBtn];
  if (active) {
    const rotateBtn = actionButton('Rotate', `Rotate key ${key.name}`);
    rotateBtn.addEventListener('click', () => actions.rotate(key));
    const revokeBtn = actionButton('Revoke', `Revoke key ${key.name}`, 'button-danger-quiet');
    revokeBtn.addEventListener('click', () => actions.revoke(key));
    cells.push(rotateBtn, revokeBtn);
  }
  return h('tr', { dataset: { keyId: key.id } },
    h('th', { scope: 'row' },
      h('span', { class: 'key-name' }, key.name), h('br'),
      h('code', { class: 'muted obfuscated' }, key.obfuscated_value),
      key.rotated_from ? h('span', { class: 'muted rotated-from' }, `rotated from ${key.rotated_from}`) : null),
    h('td', {}, statusBadge(key)),
    h('td', {}, permissionList(key)),
    h('td', {}, lastUsed(key)),
    h('td', {}, expiry(key)),
    h('td', {}, time(key.created_at)),
    h('td', { class: 'row-actions' }, cells));
}
