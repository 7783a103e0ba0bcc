// Creates an export, downloads its file, verifies it (export_verify.js) and only then offers it.
import * as api from './api.js';
import { $, h, clear, show, announce, describeError } from './dom.js';
import { utcInput, plural } from './format.js';
import { orgId } from './state.js';
import { verifyExport } from './export_verify.js';

let objectUrls = [];

export function initExport() {
  $('export-form').addEventListener('submit', run);
}

// Forgets the last export, its object URLs included (on sign-out and org switch).
export function resetExport() {
  for (const u of objectUrls) URL.revokeObjectURL(u);
  objectUrls = [];
  clear($('export-steps'));
  clear($('export-facts'));
  $('export-error').textContent = '';
  show($('export-result'), false);
  for (const id of ['export-download', 'export-manifest']) {
    const a = $(id);
    a.removeAttribute('href');
    a.removeAttribute('download');
    show(a, false);
  }
}

function step(text) {
  const li = h('li', { class: 'step step-running' }, text);
  $('export-steps').append(li);
  return {
    done(ok, detail) {
      li.className = `step ${ok ? 'step-ok' : 'step-failed'}`;
      li.textContent = `${ok ? '✓' : '✗'} ${text}${detail ? `: ${detail}` : ''}`;
    },
  };
}

function offer(a, bytes, type, filename, label) {
  const href = URL.createObjectURL(new Blob([bytes], { type }));
  objectUrls.push(href);
  a.href = href;
  a.download = filename;
  a.textContent = label;
  show(a, true);
}

function fact(name, value) { return [h('dt', {}, name), h('dd', {}, String(value))]; }

async function run(event) {
  event.preventDefault();
  resetExport();
  const data = new FormData(event.currentTarget);
  const body = { org_id: orgId(), format: data.get('format'),
                 from: utcInput(data.get('from')), to: utcInput(data.get('to')) };
  const button = $('export-run');
  button.disabled = true;
  try {
    const s1 = step('Creating the export');
    let manifest;
    try {
      manifest = await api.post('/v1/exports', body);
      s1.done(true, `${manifest.id}, ${plural(manifest.event_count, 'event', 'events')}`);
    } catch (e) { s1.done(false); throw e; }

    const s2 = step('Downloading the file');
    let file;
    try {
      file = await api.bytes(`/v1/exports/${encodeURIComponent(manifest.id)}/file`);
      s2.done(true, plural(file.byteLength, 'byte', 'bytes'));
    } catch (e) { s2.done(false); throw e; }

    const s3 = step('Fetching the ledger public key');
    let trustedKey;
    try {
      trustedKey = await api.get('/v1/ledger/public-key');
      s3.done(true, trustedKey.public_key_id);
    } catch (e) { s3.done(false); throw e; }

    const result = await verifyExport({ manifest, file, trustedKey });
    for (const c of result.checks) step(c.name).done(c.ok, c.detail);
    showResult(manifest, file, result.ok);
  } catch (e) {
    $('export-error').textContent = `Export failed: ${describeError(e)}`;
  } finally {
    button.disabled = false;
  }
}

function showResult(manifest, file, ok) {
  const verdict = $('export-verdict');
  verdict.className = `verdict ${ok ? 'verdict-ok' : 'verdict-failed'}`;
  verdict.textContent = ok ? 'Verified: the file and its signed manifest check out.'
                           : 'Not verified: do not trust this file. It is not offered for download.';
  $('export-facts').append(
    ...fact('Export', manifest.id),
    ...fact('Events', manifest.event_count),
    ...fact('Sequence range', manifest.first_seq === null ? '—' : `${manifest.first_seq}…${manifest.last_seq}`),
    ...fact('File SHA-256', manifest.file_sha256),
    ...fact('Signed by key', manifest.public_key_id));
  if (ok) {
    const ext = manifest.format === 'csv' ? 'csv' : 'ndjson';
    const type = manifest.format === 'csv' ? 'text/csv' : 'application/x-ndjson';
    const name = `${manifest.id}.${ext}`;
    offer($('export-download'), file, type, name, `Download ${name}`);
    offer($('export-manifest'), new TextEncoder().encode(JSON.stringify(manifest, null, 2)),
          'application/json', `${name}.manifest.json`, 'Download manifest');
  }
  show($('export-result'), true);
  announce(ok ? 'Export verified; download ready.' : 'Export verification failed.');
}
