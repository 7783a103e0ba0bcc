#!/usr/bin/env python3
"""A checkpoint witness for the e2e tests (C2SP tlog-cosignature, Ed25519 key made by openssl).

usage: witness.py vkey DIR NAME           # makes DIR/witness.pem; prints the verifier key (type 04)
       witness.py cosign DIR NAME NOTE    # prints NOTE with the witness's cosignature line added
"""
import base64, hashlib, os, subprocess, sys

def public_key(key):
    der = subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    return der[-32:]

def main(what, directory, name, note_path=None):
    key = os.path.join(directory, "witness.pem")
    if what == "vkey":
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", key], check=True)
    public = public_key(key)
    key_id = hashlib.sha256(name.encode() + b"\n\x04" + public).digest()[:4]
    if what == "vkey":
        print(f"{name}+{key_id.hex()}+" + base64.b64encode(b"\x04" + public).decode())
        return
    note = open(note_path, encoding="utf-8").read()
    body = note[:note.rindex("\n\n") + 1]
    timestamp = 1700000000
    message = f"cosignature/v1\ntime {timestamp}\n{body}".encode()
    # Ed25519 signs in one shot: openssl needs a file whose size it knows, not a pipe.
    message_file = os.path.join(directory, "cosigned.msg")
    with open(message_file, "wb") as f:
        f.write(message)
    signature = subprocess.run(["openssl", "pkeyutl", "-sign", "-inkey", key, "-rawin", "-in", message_file],
                               check=True, capture_output=True).stdout
    blob = key_id + timestamp.to_bytes(8, "big") + signature
    sys.stdout.write(note + f"\u2014 {name} " + base64.b64encode(blob).decode() + "\n")

if __name__ == "__main__":
    main(*sys.argv[1:])
