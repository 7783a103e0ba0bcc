// RFC 8785 (JSON Canonicalization Scheme), what the ledger signs manifests over. ECMAScript's
// JSON.stringify already writes strings and numbers exactly as RFC 8785 asks (the RFC is built
// on it); what remains is ordering object members by UTF-16 code units, which is how
// Array.prototype.sort compares strings.
export function canonicalize(value) {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('RFC 8785 has no NaN or Infinity');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalize).join(',')}]`;
  const members = Object.keys(value)
    .filter((k) => value[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalize(value[k])}`);
  return `{${members.join(',')}}`;
}
