// The console's entry point: signing in, choosing an organization, and switching screens.
import * as api from './api.js';
import { $, h, clear, show, announce, describeError } from './dom.js';
import { state } from './state.js';
import { initKeys, reloadKeys, resetKeys } from './keys_view.js';
import { initKeyDialogs, openRotate, openRevoke } from './key_dialogs.js';
import { initSecretDialog } from './secret_dialog.js';
import { initHistory, openHistory } from './history_view.js';
import { initExport, resetExport } from './export_view.js';

// A management key is a keyledger secret: <prefix>_<live|test>_<43+6 base62>. Anything else
// is taken for the admin token (the API has no "who am I" endpoint to ask).
const KEY_SHAPE = /^[a-z]{2,8}_(live|test)_[0-9A-Za-z]{49}$/;

function obfuscate(key) {
  const head = key.slice(0, key.indexOf('_', key.indexOf('_') + 1) + 1);
  return `${head}…${key.slice(-4)}`;
}

function screen(name) {
  for (const s of ['sign-in', 'orgs', 'org']) show($(`screen-${s}`), s === name);
  show($('session'), name !== 'sign-in');
}

function signOut(message = '') {
  api.clearToken();
  state.principal = null;
  state.org = null;
  resetKeys();
  resetExport();
  for (const d of document.querySelectorAll('dialog[open]')) d.close();
  clear($('org-select'));
  $('sign-in-form').reset();
  $('sign-in-error').textContent = message;
  screen('sign-in');
  $('token').focus();
}

async function listOrgs() {
  const orgs = [];
  let cursor = null;
  do {
    const page = await api.get('/v1/orgs', { limit: 100, cursor });
    orgs.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor && orgs.length < 1000);
  return orgs;
}

async function signIn(event) {
  event.preventDefault();
  const input = $('token');
  const token = input.value.trim();
  $('sign-in-error').textContent = '';
  if (!token) {
    $('sign-in-error').textContent = 'Enter the admin token or a management key.';
    return input.focus();
  }
  api.setToken(token);
  let orgs;
  try {
    orgs = await listOrgs();
  } catch (e) {
    api.clearToken();
    $('sign-in-error').textContent = e.status === 401 ? 'This token is not accepted: check it and try again.'
                                                      : `Could not sign in: ${describeError(e)}`;
    return input.focus();
  }
  // The field is cleared at once: the token lives in api.js from here on.
  input.value = '';
  const isKey = KEY_SHAPE.test(token);
  state.principal = isKey ? 'key' : 'admin';
  // Shown like the API's obfuscated_value: prefix, environment and the last 4 characters.
  $('session-who').textContent = isKey ? `Management key ${obfuscate(token)}`
                                       : 'Admin token';
  if (isKey && orgs.length === 1) return openOrg(orgs[0]);
  showOrgPicker(orgs);
}

function showOrgPicker(orgs) {
  const select = $('org-select');
  clear(select);
  for (const o of orgs) select.append(h('option', { value: o.id }, `${o.name} (${o.id}) · ${o.status}`));
  state.orgs = orgs;
  show($('orgs-empty'), orgs.length === 0);
  $('org-open').disabled = orgs.length === 0;
  $('orgs-error').textContent = '';
  screen('orgs');
  show($('switch-org'), false);
  $('session-org').textContent = '';
  (orgs.length ? select : $('sign-out')).focus();
}

function openOrg(org) {
  state.org = org;
  resetKeys();
  resetExport();
  $('org-title').textContent = `API keys · ${org.name}`;
  $('session-org').textContent = `${org.name} (${org.id})`;
  show($('switch-org'), state.principal === 'admin');
  screen('org');
  $('main').focus();
  announce(`Organization ${org.name} opened.`);
  return reloadKeys();
}

function init() {
  initKeys({ history: openHistory, rotate: openRotate, revoke: openRevoke });
  initKeyDialogs();
  initSecretDialog();
  initHistory();
  initExport();
  api.onUnauthenticated(() => {
    if (state.principal) signOut('The server no longer accepts this token: sign in again.');
  });
  $('sign-in-form').addEventListener('submit', signIn);
  $('org-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const org = state.orgs.find((o) => o.id === $('org-select').value);
    if (org) openOrg(org);
  });
  $('switch-org').addEventListener('click', async () => {
    try {
      showOrgPicker(await listOrgs());
    } catch (e) {
      $('org-error').textContent = describeError(e);
      show($('org-error'), true);
    }
  });
  $('sign-out').addEventListener('click', () => signOut());
  screen('sign-in');
  $('token').focus();
}

init();
