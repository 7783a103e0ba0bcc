#!/usr/bin/env python3
"""Recompute every hash of a keyledger NDJSON export, with nothing but Python's standard library.

usage: verify_export.py EXPORT.ndjson [EXPORT.ndjson.manifest.json]

For each event: C = RFC 8785 form of the event without its four hash fields;
hash = SHA-256(prev_hash || C), org_hash = SHA-256(org_prev_hash || C); consecutive events link
(org_prev_hash -> previous org_hash for an org export, prev_hash -> previous hash otherwise).
Our events hold only strings, integers, booleans, null, arrays and objects with ASCII keys, for
which json.dumps(sort_keys, compact separators, ensure_ascii=False) is exactly RFC 8785.
"""
import hashlib, json, sys

def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

def main():
    path = sys.argv[1]
    manifest = json.load(open(sys.argv[2] if len(sys.argv) > 2 else path + ".manifest.json"))
    data = open(path, "rb").read()
    assert hashlib.sha256(data).hexdigest() == manifest["file_sha256"], "file_sha256 mismatch"
    org_export = manifest["org_id"] is not None
    link = None
    events = [json.loads(line) for line in data.decode("utf-8").splitlines() if line]
    for e in events:
        c = canonical({k: v for k, v in e.items() if k not in ("prev_hash", "hash", "org_prev_hash", "org_hash")})
        h = hashlib.sha256(bytes.fromhex(e["prev_hash"]) + c).hexdigest()
        oh = hashlib.sha256(bytes.fromhex(e["org_prev_hash"]) + c).hexdigest()
        assert h == e["hash"], f"seq {e['seq']}: hash mismatch"
        assert oh == e["org_hash"], f"seq {e['seq']}: org_hash mismatch"
        prev, cur = ("org_prev_hash", "org_hash") if org_export else ("prev_hash", "hash")
        assert link is None or e[prev] == link, f"seq {e['seq']}: does not link to the previous event"
        link = e[cur]
    assert len(events) == manifest["event_count"], "event_count mismatch"
    assert not events or manifest["head_hash"] == link, "head_hash mismatch"
    print(f"OK: {len(events)} events, every hash recomputed and linked")

if __name__ == "__main__":
    main()
