// A key's history as a timeline, oldest first, paged with after_seq.
import * as api from './api.js';
import { $, h, clear, show, describeError, wireDialogClose } from './dom.js';
import { time } from './format.js';
import { orgId } from './state.js';

const PAGE = 100;
let key = null;
let afterSeq = 0;

export function initHistory() {
  wireDialogClose($('history-dialog'));
  $('history-more').addEventListener('click', loadPage);
}

export async function openHistory(k) {
  key = k;
  afterSeq = 0;
  clear($('history-list'));
  $('history-error').textContent = '';
  $('history-title').textContent = `History of ${k.name}`;
  show($('history-more'), false);
  $('history-dialog').showModal();
  await loadPage();
}

async function loadPage() {
  try {
    const page = await api.get(`${api.keyPath(orgId(), key.id)}/events`, { after_seq: afterSeq, limit: PAGE });
    for (const e of page.data) $('history-list').append(entry(e));
    afterSeq = page.next_after_seq;
    show($('history-more'), page.has_more);
    if (!page.data.length && afterSeq === 0) $('history-list').append(h('li', { class: 'muted' }, 'No events.'));
  } catch (e) {
    $('history-error').textContent = `Could not load the history: ${describeError(e)}`;
  }
}

// One line that says what happened, for the events an admin most often reads.
function summary(e) {
  const d = e.data || {};
  switch (e.type) {
    case 'KeyCreated': return `Created ${d.obfuscated_value || ''}${d.rotated_from ? ` by rotating ${d.rotated_from}` : ''}`;
    case 'KeyRotated': return `Rotated to ${d.new_key_id}; this key works until ${d.grace_until}`;
    case 'KeyRevoked': return d.reason ? `Revoked: ${d.reason}` : 'Revoked';
    case 'KeyExpired': return `Expired (expires_at ${d.expires_at})`;
    case 'KeyUsed': return `Used ${d.count}× from ${d.ip || 'unknown address'}`;
    case 'KeyUseRejected': return `Rejected ${d.count}× with ${d.code}`;
    case 'KeyUpdated': return `Updated ${Object.keys(d).join(', ')}`;
    case 'KeyDisabled': return d.reason ? `Disabled: ${d.reason}` : 'Disabled';
    case 'KeyEnabled': return 'Enabled';
    case 'KeyLeakReported': return `Reported leaked${d.source ? ` (${d.source})` : ''}${d.url ? ` at ${d.url}` : ''}`;
    case 'KeyExpiringSoon': return `Expires within ${d.window === '1d' ? '1 day' : '7 days'} (${d.expires_at})`;
    case 'KeyCreditsLow': return `Credits low: ${d.remaining} left (warned at ${d.threshold})`;
    default: return '';
  }
}

function details(data) {
  const dl = h('dl', { class: 'facts facts-small' });
  for (const [k, v] of Object.entries(data || {})) {
    dl.append(h('dt', {}, k), h('dd', {}, typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)));
  }
  return dl;
}

function entry(e) {
  // "admin", "system", or "api_key key_…".
  const actor = !e.actor ? 'unknown' : e.actor.type === e.actor.id ? e.actor.type : `${e.actor.type} ${e.actor.id}`;
  return h('li', { class: `timeline-item type-${e.type}` },
    h('div', { class: 'timeline-head' },
      h('span', { class: 'event-type' }, e.type),
      h('span', { class: 'muted' }, time(e.recorded_at), ` · #${e.seq} · by ${actor}`)),
    h('p', { class: 'event-summary' }, summary(e)),
    h('details', {}, h('summary', {}, `Event data (${e.id})`), details(e.data),
      h('p', { class: 'muted hash' }, `hash ${e.hash}`)));
}
