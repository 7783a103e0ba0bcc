#!/usr/bin/env python3
"""A soak of keyledger: a mixed workload for N minutes, a kill -9 during a final burst of writes,
a restart, and a check of every answer against what the store holds.

Each client thread owns its keys (creates, validates, patches, rotates and revokes only those),
so each key's expected history follows from the answers its client got:
  - acknowledged (2xx): the change must be in the store ("lost" otherwise);
  - refused (any other status): the change must not be in the store ("misreported" otherwise);
  - unknown (no answer: the connection broke, e.g. at the kill): either is fine.
After the check the server is stopped cleanly and `keyledger verify` must pass.

Prints: acknowledged writes lost, misreported answers, the longest gap between acknowledged
writes, p99 and p99.9 per operation, and the server's RSS / open files / threads at the start,
after a minute and at the end. Exits 1 when anything was lost or misreported, or verify fails.
Timings are printed, never judged. Python 3 standard library only.

  bench/soak.py --binary build/keyledger [--minutes 8 | --seconds 60] [--clients 8]
"""
import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

TOKEN = "soak-admin-token-0123456789abcdefghijklmnop"
ORG = "soak"
# Operation mix, by weight: mostly validations, as in service.
MIX = [("validate", 60), ("create", 14), ("patch", 12), ("rotate", 6), ("revoke", 8)]
WRITES = ("create", "patch", "rotate", "revoke")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One `keyledger serve` process on a data directory that outlives it."""

    def __init__(self, binary, data_dir, log_path, extra_args):
        self.binary, self.data_dir, self.log_path, self.extra = binary, data_dir, log_path, extra_args
        self.port = free_port()
        self.proc = None

    def start(self):
        env = dict(os.environ, KEYLEDGER_ADMIN_TOKEN=TOKEN)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--data-dir", self.data_dir, "--listen", f"127.0.0.1:{self.port}"] + self.extra,
            stdout=log, stderr=log, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"keyledger exited at start; see {self.log_path}")
            try:
                if request(self.port, "GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        sys.exit("keyledger did not become healthy within 60 s")

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=120)

    def resources(self):
        """RSS in MB, open files, threads, read from /proc."""
        pid = self.proc.pid
        status = open(f"/proc/{pid}/status").read()
        rss_kb = int(next(l for l in status.splitlines() if l.startswith("VmRSS:")).split()[1])
        threads = int(next(l for l in status.splitlines() if l.startswith("Threads:")).split()[1])
        return {"rss_mb": round(rss_kb / 1024, 1), "open_files": len(os.listdir(f"/proc/{pid}/fd")), "threads": threads}


def request(port, method, path, body=None, conn=None):
    """One request; returns (status, parsed JSON or None). Raises OSError-like errors on no answer."""
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    data = None
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    c.request(method, path, body=data, headers=headers)
    r = c.getresponse()
    raw = r.read()
    if r.getheader("Connection", "").lower() == "close" and conn is not None:
        conn.close()  # http.client reconnects on the next request
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    if conn is None:
        c.close()
    return r.status, parsed


class Ledger:
    """What the clients were told, per key and per created name."""

    def __init__(self):
        self.lock = threading.Lock()
        self.keys = {}  # id -> {"created": bool, op: {"acked": n, "refused": n, "unknown": n}}
        self.creates = {}  # name -> "acked" | "refused" | "unknown"
        self.acks = []  # monotonic times of acknowledged writes
        self.latency = {op: [] for op, _ in MIX}
        self.statuses = {}  # (op, status) -> count

    def key(self, key_id):
        return self.keys.setdefault(key_id, {op: {"acked": 0, "refused": 0, "unknown": 0} for op in WRITES})

    def record(self, op, outcome, seconds, status):
        with self.lock:
            self.latency[op].append(seconds)
            self.statuses[(op, status)] = self.statuses.get((op, status), 0) + 1
            if outcome == "acked" and op in WRITES:
                self.acks.append(time.monotonic())


class Client(threading.Thread):
    def __init__(self, n, port_of, ledger, stop, burst, seed):
        super().__init__(daemon=True)
        self.n, self.port_of, self.ledger, self.stop, self.burst = n, port_of, ledger, stop, burst
        self.rng = random.Random(seed)
        self.live = []  # (id, value) of this client's keys that are neither revoked nor rotated
        self.serial = 0
        self.conn = None

    def run(self):
        ops = [op for op, w in MIX for _ in range(w)]
        writes = [op for op in ops if op in WRITES]
        while not self.stop.is_set():
            op = self.rng.choice(writes if self.burst.is_set() else ops)
            if op != "create" and not self.live:
                op = "create"
            self.serial += 1
            try:
                getattr(self, op)()
            except (OSError, http.client.HTTPException):
                # No answer (the server was killed, or a connection broke): outcome unknown.
                if self.conn:
                    self.conn.close()
                self.conn = None
                if self.stop.is_set():
                    return
                time.sleep(0.05)

    def call(self, op, method, path, body=None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port_of(), timeout=120)
        started = time.monotonic()
        status, parsed = request(None, method, path, body, conn=self.conn)
        ok = 200 <= status < 300
        self.ledger.record(op, "acked" if ok else "refused", time.monotonic() - started, status)
        return status, parsed, ok

    def write(self, op, key_id, method, path, body=None):
        """A change to an existing key; its outcome is counted on the key."""
        entry = self.ledger.key(key_id)[op]
        entry["unknown"] += 1  # until an answer says otherwise
        status, parsed, ok = self.call(op, method, path, body)
        entry["unknown"] -= 1
        entry["acked" if ok else "refused"] += 1
        return status, parsed, ok

    def create(self):
        name = f"c{self.n}-{self.serial}"
        self.ledger.creates[name] = "unknown"
        status, parsed, ok = self.call("create", "POST", f"/v1/orgs/{ORG}/api-keys", {"name": name})
        self.ledger.creates[name] = "acked" if ok else "refused"
        if ok:
            self.ledger.key(parsed["api_key"]["id"])["created"] = True
            self.live.append((parsed["api_key"]["id"], parsed["value"]))

    def validate(self):
        _, value = self.rng.choice(self.live)
        self.call("validate", "POST", "/v1/validations", {"value": value})

    def patch(self):
        key_id, _ = self.rng.choice(self.live)
        self.write("patch", key_id, "PATCH", f"/v1/orgs/{ORG}/api-keys/{key_id}", {"name": f"p{self.n}-{self.serial}"})

    def rotate(self):
        i = self.rng.randrange(len(self.live))
        key_id, _ = self.live[i]
        _, parsed, ok = self.write("rotate", key_id, "POST", f"/v1/orgs/{ORG}/api-keys/{key_id}/rotate",
                                   {"grace_seconds": 0})
        if ok:
            self.live[i] = (parsed["api_key"]["id"], parsed["value"])
            self.ledger.key(parsed["api_key"]["id"])["created"] = True
        else:
            self.live.pop(i)  # an unclear key is left alone from now on

    def revoke(self):
        key_id, _ = self.live.pop(self.rng.randrange(len(self.live)))
        self.write("revoke", key_id, "DELETE", f"/v1/orgs/{ORG}/api-keys/{key_id}")


# The event each write leaves on its key's stream.
EVENT_OF = {"patch": "KeyUpdated", "rotate": "KeyRotated", "revoke": "KeyRevoked"}


def key_event_types(conn, key_id):
    """The types of a key's events, oldest first; None if there is no such key."""
    types, after = [], 0
    while True:
        status, page = request(None, "GET", f"/v1/orgs/{ORG}/api-keys/{key_id}/events?limit=1000&after_seq={after}",
                               conn=conn)
        if status == 404:
            return None
        if status != 200:
            sys.exit(f"reading a key's events failed: {status} {page}")
        types += [e["type"] for e in page["data"]]
        if not page["has_more"]:
            return types
        after = page["next_after_seq"]


def check_store(port, ledger):
    """Compares the store with the answers; returns (lost, misreported, unknown) with details."""
    lost, misreported, details = 0, 0, []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    names, cursor = set(), None
    while True:
        path = f"/v1/orgs/{ORG}/api-keys?limit=100&status=all" + (f"&cursor={cursor}" if cursor else "")
        status, page = request(None, "GET", path, conn=conn)
        if status != 200:
            sys.exit(f"listing keys failed: {status} {page}")
        for k in page["data"]:
            names.add(k["name"])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    # A created key may have been renamed by a patch since: compare creates through the key's events.
    for key_id, entry in ledger.keys.items():
        types = key_event_types(conn, key_id)
        if types is None:
            if entry.get("created"):
                lost += 1
                details.append(f"key {key_id}: acknowledged create, not in the store")
            continue
        for op, event in EVENT_OF.items():
            counts = entry[op]
            have = types.count(event)
            if op == "revoke":  # idempotent: one event however many revokes
                expect_lo = 1 if counts["acked"] else 0
                expect_hi = 1 if counts["acked"] or counts["unknown"] else 0
            else:
                expect_lo, expect_hi = counts["acked"], counts["acked"] + counts["unknown"]
            if have < expect_lo:
                lost += expect_lo - have
                details.append(f"key {key_id}: {event} x{have}, {counts['acked']} acknowledged")
            if have > expect_hi:
                misreported += have - expect_hi
                details.append(f"key {key_id}: {event} x{have}, but {counts['refused']} answered as failed")
    for name, outcome in ledger.creates.items():
        if outcome == "refused" and name in names:
            misreported += 1
            details.append(f"create {name}: answered as failed, but the key exists")
    return lost, misreported, details


def commit_metrics(port):
    """The server's own account of its commits and of RocksDB's write stalls (/metrics)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("GET", "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    text = c.getresponse().read().decode()
    c.close()
    wanted = ("keyledger_write_stall_seconds_total", "keyledger_commit_longest_seconds", "keyledger_slow_commits_total")
    return {l.split()[0]: float(l.split()[1]) for l in text.splitlines() if l.split(" ")[0] in wanted}


def percentile(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(p / 100.0 * len(s)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default="build/keyledger")
    ap.add_argument("--minutes", type=float, default=8)
    ap.add_argument("--seconds", type=float, help="overrides --minutes")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--burst-seconds", type=float, default=3, help="writes only, before the kill")
    ap.add_argument("--workdir", help="kept after the run (default: a temporary directory, removed)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("server_args", nargs="*", help="extra `serve` arguments, after --")
    args = ap.parse_args()
    duration = args.seconds if args.seconds is not None else args.minutes * 60

    tmp = None if args.workdir else tempfile.TemporaryDirectory(prefix="keyledger-soak-")
    work = args.workdir or tmp.name
    os.makedirs(work, exist_ok=True)
    data = os.path.join(work, "data")
    server = Server(os.path.abspath(args.binary), data, os.path.join(work, "serve.log"), args.server_args)
    server.start()
    if request(server.port, "POST", "/v1/orgs", {"name": "Soak", "id": ORG})[0] not in (200, 201):
        sys.exit("could not create the soak org")

    ledger = Ledger()
    stop, burst = threading.Event(), threading.Event()
    clients = [Client(i, lambda: server.port, ledger, stop, burst, args.seed * 1000 + i) for i in range(args.clients)]
    resources = {"at start": server.resources()}
    started = time.monotonic()
    for c in clients:
        c.start()
    minute_at = started + min(60, duration / 2)
    minute_label = f"after {min(60, duration / 2):.0f} s"
    burst_at = started + max(0, duration - args.burst_seconds)
    while time.monotonic() < burst_at:
        time.sleep(0.2)
        if minute_label not in resources and time.monotonic() >= minute_at:
            resources[minute_label] = server.resources()
    # The final burst: writes only (no validations), then kill -9 with writes in flight.
    burst.set()
    resources["at the end"] = server.resources()
    commits = commit_metrics(server.port)
    with ledger.lock:
        steady_acks = list(ledger.acks)
    time.sleep(args.burst_seconds)
    server.kill9()
    stop.set()
    for c in clients:
        c.join(timeout=130)

    server.port = free_port()
    server.start()
    lost, misreported, details = check_store(server.port, ledger)
    code = server.stop()
    verify = subprocess.run([os.path.abspath(args.binary), "verify", "--data-dir", data], capture_output=True, text=True)

    steady_acks.sort()
    gaps = [b - a for a, b in zip(steady_acks, steady_acks[1:])]
    acked = len(ledger.acks)
    unanswered = sum(e[op]["unknown"] for e in ledger.keys.values() for op in WRITES)
    unanswered += sum(1 for o in ledger.creates.values() if o == "unknown")
    print(f"soak: {duration:.0f} s, {args.clients} clients, kill -9 after a {args.burst_seconds:.0f} s burst of writes")
    print(f"acknowledged writes: {acked}; keys touched: {len(ledger.keys)}; writes left unanswered by the kill: "
          f"{unanswered}")
    print(f"acknowledged writes lost: {lost}")
    print(f"answers that misreport the outcome: {misreported}")
    print(f"longest gap between acknowledged writes (before the burst): {max(gaps) * 1000 if gaps else 0:.0f} ms")
    print("server's metrics before the burst: " + ", ".join(f"{k} {v:g}" for k, v in commits.items()))
    print("latency per operation (ms):      count      p50      p99    p99.9")
    for op, _ in [("validate", 0)] + [(w, 0) for w in WRITES]:
        v = ledger.latency[op]
        print(f"  {op:<28} {len(v):>8} {percentile(v, 50) * 1000:>8.1f} {percentile(v, 99) * 1000:>8.1f} "
              f"{percentile(v, 99.9) * 1000:>8.1f}")
    print("answers by status: " + ", ".join(f"{op} {st}: {n}" for (op, st), n in sorted(ledger.statuses.items())))
    for when, r in resources.items():
        print(f"server {when:<12} RSS {r['rss_mb']} MB, {r['open_files']} open files, {r['threads']} threads")
    print(f"clean stop exit code: {code}; keyledger verify: {'ok' if verify.returncode == 0 else 'FAILED'}")
    for d in details[:20]:
        print("  " + d)
    if verify.returncode != 0:
        print(verify.stdout + verify.stderr)
    if tmp:
        tmp.cleanup()
    return 0 if lost == 0 and misreported == 0 and verify.returncode == 0 and code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
