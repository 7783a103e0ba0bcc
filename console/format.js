// Display formats. Times are shown in UTC, like the API's, so what an admin reads matches
// the event log and exports exactly; the full timestamp is in the <time> element.
import { h } from './dom.js';

export function time(iso, fallback = 'Never') {
  if (!iso) return fallback;
  const short = iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');
  return h('time', { datetime: iso, title: iso }, short);
}

// "2026-11-22T14:06" from a datetime-local input, read as UTC, to RFC 3339.
export function utcInput(value) {
  if (!value) return undefined;
  const withSeconds = value.length === 16 ? `${value}:00` : value;
  return `${withSeconds}Z`;
}

export function plural(n, one, many) { return `${n} ${n === 1 ? one : many}`; }
