#!/usr/bin/env python3
"""Recompute every hash of a keyledger NDJSON export with nothing but Python's standard library.

usage: verify_export.py EXPORT.ndjson [EXPORT.ndjson.manifest.json]
       verify_export.py --manifest-message MANIFEST.json   # the bytes its signature covers

For each event: C = the RFC 8785 form of the event without its four hash fields;
hash = SHA-256(prev_hash || C), org_hash = SHA-256(org_prev_hash || C); consecutive events link
(org_prev_hash -> previous org_hash for an org export, prev_hash -> previous hash otherwise).
"""
import hashlib, json, math, re, sys

def jcs_number(x):
    # RFC 8785 §3.2.2.3: ECMAScript's Number.prototype.toString.
    if isinstance(x, int) and abs(x) <= 2**53:
        return str(x)
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        raise ValueError("NaN/Infinity have no JSON form")
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    m = re.fullmatch(r"(\d+)(?:\.(\d+))?(?:e([+-]\d+))?", repr(abs(x)))  # shortest round trip
    whole, frac, exp = m.group(1), m.group(2) or "", int(m.group(3) or 0)
    digits, n = whole + frac, len(whole) + exp      # value = 0.digits * 10^n
    stripped = digits.lstrip("0")
    n -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + digits
    e = n - 1
    return sign + digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e))

def jcs(v):
    # RFC 8785: sorted keys (by UTF-16 code units), no whitespace, minimal escaping.
    if v is None: return "null"
    if v is True: return "true"
    if v is False: return "false"
    if isinstance(v, (int, float)): return jcs_number(v)
    if isinstance(v, str): return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list): return "[" + ",".join(jcs(e) for e in v) + "]"
    keys = sorted(v, key=lambda k: k.encode("utf-16-be"))
    return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + jcs(v[k]) for k in keys) + "}"

def canonical(v):
    return jcs(v).encode("utf-8")

def main():
    if sys.argv[1] == "--manifest-message":
        m = json.load(open(sys.argv[2]))
        m.pop("signature")
        sys.stdout.buffer.write(canonical(m))
        return
    path = sys.argv[1]
    manifest = json.load(open(sys.argv[2] if len(sys.argv) > 2 else path + ".manifest.json"))
    data = open(path, "rb").read()
    assert hashlib.sha256(data).hexdigest() == manifest["file_sha256"], "file_sha256 mismatch"
    org_export = manifest["org_id"] is not None
    link = None
    events = [json.loads(line) for line in data.decode("utf-8").splitlines() if line]
    for e in events:
        c = canonical({k: v for k, v in e.items() if k not in ("prev_hash", "hash", "org_prev_hash", "org_hash")})
        assert hashlib.sha256(bytes.fromhex(e["prev_hash"]) + c).hexdigest() == e["hash"], f"seq {e['seq']}: hash"
        assert hashlib.sha256(bytes.fromhex(e["org_prev_hash"]) + c).hexdigest() == e["org_hash"], f"seq {e['seq']}: org_hash"
        prev, cur = ("org_prev_hash", "org_hash") if org_export else ("prev_hash", "hash")
        assert link is None or e[prev] == link, f"seq {e['seq']}: does not link to the previous event"
        link = e[cur]
    assert len(events) == manifest["event_count"], "event_count mismatch"
    assert not events or manifest["head_hash"] == link, "head_hash mismatch"
    print(f"OK: {len(events)} events, every hash recomputed and linked")

if __name__ == "__main__":
    main()
