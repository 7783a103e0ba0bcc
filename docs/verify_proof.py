#!/usr/bin/env python3
"""Check keyledger's transparency log offline, with nothing but Python's standard library
(docs/audit.md, "Transparency log").

usage: verify_proof.py checkpoint  --public-key ledger.pub CHECKPOINT
       verify_proof.py inclusion   --public-key ledger.pub CHECKPOINT PROOF.json EVENT.json
       verify_proof.py consistency --public-key ledger.pub OLD_CHECKPOINT NEW_CHECKPOINT PROOF.json

CHECKPOINT: the text of GET /v1/ledger/checkpoint (a C2SP signed note); its signature line by
the ledger's key (named by the origin line, key id SHA-256(name || "\\n" || 0x01 || key)[:4]) must
verify under ledger.pub (GET /v1/ledger/public-key). PROOF.json: the answer of
GET /v1/ledger/proofs/inclusion or /consistency. EVENT.json: the event as GET /v1/events renders
it; its leaf is SHA-256(0x00 || the RFC 8785 form of the event without its four hash fields).
Exit status 0 and "OK: ..." when everything holds.
"""
import base64, hashlib, json, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from verify_export import canonical  # noqa: E402  (RFC 8785, beside this script)

# ---- Ed25519 verification (RFC 8032 §5.1.7), cofactorless, on extended coordinates.
P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)

def _add(a, b):
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    aa, bb = (y1 - x1) * (y2 - x2) % P, (y1 + x1) * (y2 + x2) % P
    cc, dd = t1 * 2 * D * t2 % P, z1 * 2 * z2 % P
    e, f, g, h = bb - aa, dd - cc, dd + cc, bb + aa
    return (e * f % P, g * h % P, f * g % P, e * h % P)

def _mul(s, pt):
    q = (0, 1, 1, 0)
    while s:
        if s & 1:
            q = _add(q, pt)
        pt, s = _add(pt, pt), s >> 1
    return q

def _decode_point(b):
    if len(b) != 32:
        return None
    y = int.from_bytes(b, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P:
        return None
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = P - x
    return (x, y, 1, x * y % P)

_BY = 4 * pow(5, P - 2, P) % P
BASE = _decode_point(_BY.to_bytes(32, "little"))

def _same(a, b):
    return (a[0] * b[2] - b[0] * a[2]) % P == 0 and (a[1] * b[2] - b[1] * a[2]) % P == 0

def ed25519_verify(public, message, signature):
    a, r = _decode_point(public), _decode_point(signature[:32]) if len(signature) == 64 else None
    if a is None or r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= L:
        return False
    k = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % L
    return _same(_mul(s, BASE), _add(r, _mul(k, a)))

def public_key_of_pem(path):
    text = open(path).read()
    body = text.split("-----BEGIN PUBLIC KEY-----")[1].split("-----END PUBLIC KEY-----")[0]
    der = base64.b64decode("".join(body.split()))
    assert len(der) == 44 and der[:12] == bytes.fromhex("302a300506032b6570032100"), "not an Ed25519 public key"
    return der[12:]

# ---- The checkpoint note.
DASH = "\u2014 "

def read_checkpoint(path, public):
    text = open(path, encoding="utf-8").read()
    split = text.rindex("\n\n")
    body, sigs = text[:split + 1], text[split + 2:]
    origin, size, root = body.split("\n")[:3]
    key_id = hashlib.sha256(origin.encode() + b"\n\x01" + public).digest()[:4]
    for line in sigs.splitlines():
        assert line.startswith(DASH), "a signature line does not start with an em dash"
        name, blob = line[len(DASH):].split(" ")
        blob = base64.b64decode(blob)
        if name == origin and blob[:4] == key_id:
            assert ed25519_verify(public, body.encode(), blob[4:]), "the checkpoint's signature does not verify"
            root = base64.b64decode(root)
            assert len(root) == 32, "the root hash is not 32 bytes"
            return int(size), root
    raise AssertionError(f"no signature of {origin} with the ledger key's id {key_id.hex()}")

# ---- RFC 9162 §2.1: hashing and the two verification algorithms.
def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()

def leaf_of_event(event):
    c = canonical({k: v for k, v in event.items() if k not in ("prev_hash", "hash", "org_prev_hash", "org_hash")})
    return hashlib.sha256(b"\x00" + c).digest()

def verify_inclusion(index, size, leaf, proof, root):  # §2.1.3.2
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root

def verify_consistency(first, second, proof, first_root, second_root):  # §2.1.4.2
    if first == second:
        return not proof and first_root == second_root
    if first == 0 or first > second:
        return False
    path = ([first_root] if first & (first - 1) == 0 else []) + proof
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0

def hashes(proof):
    return [bytes.fromhex(h) for h in proof["hashes"]]

def main(argv):
    if len(argv) < 4 or argv[2] != "--public-key":
        sys.exit(__doc__)
    what, public, rest = argv[1], public_key_of_pem(argv[3]), argv[4:]
    try:
        if what == "checkpoint" and len(rest) == 1:
            size, root = read_checkpoint(rest[0], public)
            print(f"OK: checkpoint of {size} events, root {root.hex()}, signed by the ledger key")
        elif what == "inclusion" and len(rest) == 3:
            size, root = read_checkpoint(rest[0], public)
            proof, event = json.load(open(rest[1])), json.load(open(rest[2]))
            assert proof["tree_size"] == size, "the proof is for another tree size than the checkpoint"
            assert proof["leaf_index"] == event["seq"] - 1, "the proof is for another event"
            assert verify_inclusion(proof["leaf_index"], size, leaf_of_event(event), hashes(proof), root), \
                "the inclusion proof does not verify"
            print(f"OK: event seq {event['seq']} is in the checkpoint of {size} events")
        elif what == "consistency" and len(rest) == 3:
            old_size, old_root = read_checkpoint(rest[0], public)
            new_size, new_root = read_checkpoint(rest[1], public)
            proof = json.load(open(rest[2]))
            assert (proof["from"], proof["to"]) == (old_size, new_size), "the proof is for other tree sizes"
            assert verify_consistency(old_size, new_size, hashes(proof), old_root, new_root), \
                "the consistency proof does not verify"
            print(f"OK: the checkpoint of {new_size} events extends the one of {old_size}")
        else:
            sys.exit(__doc__)
    except AssertionError as e:
        sys.exit(f"FAILED: {e}")

if __name__ == "__main__":
    main(sys.argv)
