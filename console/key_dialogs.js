// Creating, rotating and revoking keys, each through a dialog; rotation and revocation ask for
// confirmation, and new secrets go to the show-once dialog.
import * as api from './api.js';
import { $, announce, describeError, wireDialogClose } from './dom.js';
import { reloadKeys } from './keys_view.js';
import { showSecret } from './secret_dialog.js';
import { orgId } from './state.js';

let target = null; // the key a rotate/revoke dialog is about

export function initKeyDialogs() {
  for (const id of ['create-dialog', 'rotate-dialog', 'revoke-dialog']) wireDialogClose($(id));
  $('open-create').addEventListener('click', openCreate);
  $('create-form').addEventListener('submit', submitCreate);
  $('rotate-form').addEventListener('submit', submitRotate);
  $('revoke-form').addEventListener('submit', submitRevoke);
}

// ---- create ----

const CREATE_FIELDS = ['name', 'description', 'permission_set', 'permissions', 'ttl_seconds'];

function clearFieldErrors() {
  for (const f of CREATE_FIELDS) {
    const err = $(`create-${f}-error`);
    if (err) err.textContent = '';
  }
  for (const input of $('create-form').querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  $('create-error').textContent = '';
}

function openCreate() {
  $('create-form').reset();
  clearFieldErrors();
  $('create-dialog').showModal();
}

function createBody(form) {
  const data = new FormData(form);
  const body = { name: data.get('name').trim(), permission_set: data.get('permission_set'),
                 environment: data.get('environment') };
  const description = data.get('description').trim();
  if (description) body.description = description;
  const permissions = data.get('permissions').split(',').map((p) => p.trim()).filter(Boolean);
  if (permissions.length) body.permissions = permissions;
  const ttl = data.get('ttl_seconds');
  if (ttl) body.ttl_seconds = Number(ttl);
  return body;
}

// Puts the API's per-field messages next to their fields; the first bad field gets focus.
function showFieldErrors(fields) {
  let first = null;
  for (const [name, message] of Object.entries(fields)) {
    const key = name.startsWith('permissions') ? 'permissions' : name;
    const err = $(`create-${key}-error`);
    if (!err) continue;
    err.textContent = message;
    const input = $('create-form').querySelector(`[name="${key}"]`);
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      first = first || input;
    }
  }
  if (first) first.focus();
}

async function submitCreate(event) {
  event.preventDefault();
  clearFieldErrors();
  const form = event.currentTarget;
  const body = createBody(form);
  if (!body.name) return showFieldErrors({ name: 'A name is required.' });
  const submit = $('create-submit');
  submit.disabled = true;
  try {
    const created = await api.post(`${api.orgPath(orgId())}/api-keys`, body);
    $('create-dialog').close();
    await reloadKeys();
    await showSecret(created.api_key, created.value, 'Created');
    $('open-create').focus();
  } catch (e) {
    showFieldErrors(e.fields || {});
    $('create-error').textContent = `Could not create the key: ${describeError(e)}`;
  } finally {
    submit.disabled = false;
  }
}

// ---- rotate ----

function describeKey(key) { return `“${key.name}” (${key.obfuscated_value})`; }

export function openRotate(key) {
  target = key;
  $('rotate-form').reset();
  $('rotate-error').textContent = '';
  $('rotate-title').textContent = `Rotate key ${key.name}?`;
  $('rotate-text').textContent = `A new key is created with the same name, permissions and owner as ${describeKey(key)}, `
    + 'and its secret is shown once. Update your applications, then let the current key lapse.';
  $('rotate-dialog').showModal();
}

async function submitRotate(event) {
  event.preventDefault();
  const grace = Number(new FormData(event.currentTarget).get('grace_seconds'));
  const confirm = $('rotate-confirm');
  confirm.disabled = true;
  try {
    const rotated = await api.post(`${api.keyPath(orgId(), target.id)}/rotate`, { grace_seconds: grace });
    $('rotate-dialog').close();
    await reloadKeys();
    await showSecret(rotated.api_key, rotated.value, 'Rotated');
    announce(`Key ${target.name} rotated.`);
    $('open-create').focus();
  } catch (e) {
    $('rotate-error').textContent = `Could not rotate: ${describeError(e)}`;
  } finally {
    confirm.disabled = false;
  }
}

// ---- revoke ----

export function openRevoke(key) {
  target = key;
  $('revoke-form').reset();
  $('revoke-error').textContent = '';
  $('revoke-title').textContent = `Revoke key ${key.name}?`;
  $('revoke-text').textContent = `Requests using ${describeKey(key)} are rejected from now on. `
    + 'A revoked key cannot be restored.';
  $('revoke-dialog').showModal();
}

async function submitRevoke(event) {
  event.preventDefault();
  const reason = new FormData(event.currentTarget).get('reason').trim();
  const confirm = $('revoke-confirm');
  confirm.disabled = true;
  try {
    await api.del(api.keyPath(orgId(), target.id), reason ? { reason } : {});
    $('revoke-dialog').close();
    await reloadKeys();
    announce(`Key ${target.name} revoked.`);
    // The row's own buttons are gone with the reload; land somewhere stable.
    (document.querySelector(`tr[data-key-id="${CSS.escape(target.id)}"] button`) || $('open-create')).focus();
  } catch (e) {
    $('revoke-error').textContent = `Could not revoke: ${describeError(e)}`;
  } finally {
    confirm.disabled = false;
  }
}
