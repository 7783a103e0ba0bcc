#!/usr/bin/env python3
"""Conformance of the real server to docs/openapi.yaml.

Starts build/keyledger on a free port with a temporary data directory, exercises every route
(successes and the documented errors), and checks each answer against the document: the status
must be documented for that route, the Content-Type must be a documented media type, the
documented response headers must be present and match, and the JSON body must validate against
the response schema (OpenAPI 3.1 schemas are JSON Schema 2020-12). Export files are checked line
by line against the Event schema. Every documented operation must have been answered with a
documented 2xx at least once.

  conformance.py --binary build/keyledger --spec docs/openapi.yaml

Uses only Debian's python3, python3-yaml and python3-jsonschema. Exits 1 on any mismatch.
"""
import argparse
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import jsonschema

sys.dont_write_bytecode = True  # import the build's converter without leaving __pycache__ in scripts/
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from openapi_to_json import load  # noqa: E402  (the same YAML reading as the build)

ADMIN_TOKEN = "openapi-conformance-admin-token-0123456789abcdef"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def pointer_escape(token):
    return token.replace("~", "~0").replace("/", "~1")


class Spec:
    def __init__(self, path):
        self.doc = load(path)
        self.templates = [(p, p.strip("/").split("/")) for p in self.doc["paths"]]

    def resolve(self, obj, where):
        """Follows a local $ref; returns (object, JSON pointer of it)."""
        while isinstance(obj, dict) and "$ref" in obj:
            where = obj["$ref"][1:]
            obj = self.doc
            for token in where.strip("/").split("/"):
                obj = obj[token.replace("~1", "/").replace("~0", "~")]
        return obj, where

    def operations(self, skip=()):
        """(template, METHOD, operation) for every documented operation not in `skip`."""
        for template, item in self.doc["paths"].items():
            if template in skip:
                continue
            for method, op in item.items():
                if method in METHODS:
                    yield template, method.upper(), op

    def match(self, path):
        """The documented path template for a concrete path, or None."""
        segs = path.split("?")[0].strip("/").split("/")
        best = None
        for template, tsegs in self.templates:
            if len(tsegs) != len(segs):
                continue
            literal = 0
            for t, s in zip(tsegs, segs):
                if t.startswith("{") and t.endswith("}"):
                    continue
                if t != s:
                    break
                literal += 1
            else:
                if best is None or literal > best[0]:
                    best = (literal, template)
        return best[1] if best else None

    def validator(self, pointer):
        # The whole document is the root schema, so "#/components/..." references resolve; the
        # $ref picks the schema under test. Keywords OpenAPI adds at the root are ignored.
        root = dict(self.doc)
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        root["$ref"] = "#" + pointer
        return jsonschema.Draft202012Validator(root)


class Server:
    def __init__(self, binary):
        self.data_dir = tempfile.mkdtemp(prefix="keyledger-openapi-")
        self.log_path = os.path.join(self.data_dir, "serve.log")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = dict(os.environ, KEYLEDGER_ADMIN_TOKEN=ADMIN_TOKEN)
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [binary, "serve", "--data-dir", os.path.join(self.data_dir, "data"), "--listen",
             f"127.0.0.1:{self.port}", "--threads", "2", "--usage-flush-ms", "100",
             "--widget-origin", WIDGET_ORIGIN, "--widget-permission", "posts:read"],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)

    def wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"keyledger exited with {self.proc.returncode}; see {self.log_path}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/readyz")
                if c.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)  # polling for a condition, bounded by the deadline
        raise RuntimeError("keyledger did not become ready")

    SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer",
                         "WARNING: ThreadSanitizer")

    def stop(self):
        """Stops the server; returns the sanitizer reports its log holds (scripts/sanitize.sh)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        with open(self.log_path, errors="replace") as f:
            reports = [line.strip() for line in f if any(m in line for m in self.SANITIZER_MARKERS)]
        shutil.rmtree(self.data_dir, ignore_errors=True)
        return reports


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body

    def json(self):
        return json.loads(self.body)


class Checker:
    def __init__(self, spec, port):
        self.spec = spec
        self.port = port
        self.failures = []
        self.checks = 0  # responses, export lines and coverage items checked
        self.failed_checks = 0  # ... of which had at least one mismatch
        # Secrets of the keys created here: throw-away test keys, still redacted from messages.
        self.secrets = set()
        self.answered = set()  # (METHOD, template, status)
        self.validators = {}

    # ---- HTTP --------------------------------------------------------------------------------
    def send(self, method, path, body=None, token=ADMIN_TOKEN, headers=None, raw=None,
             content_type="application/json"):
        h = dict(headers or {})
        if token:
            h["Authorization"] = f"Bearer {token}"
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        if data is not None and content_type:
            h["Content-Type"] = content_type
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            c.request(method, path, body=data, headers=h)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer (413) before reading a body it refuses
        r = c.getresponse()
        resp = Response(r.status, r.getheaders(), r.read())
        c.close()
        return resp

    # ---- checking ----------------------------------------------------------------------------
    def fail(self, what, why):
        for secret in self.secrets:
            why = why.replace(secret, "<secret>")
        self.failures.append(f"{what}: {why}")

    def counted(self, check):
        """Runs one check; it failed if it added a failure message."""
        before = len(self.failures)
        result = check()
        self.checks += 1
        self.failed_checks += len(self.failures) > before
        return result

    def validate(self, value, pointer, what):
        v = self.validators.get(pointer)
        if v is None:
            v = self.validators[pointer] = self.spec.validator(pointer)
        errors = sorted(v.iter_errors(value), key=lambda e: [str(p) for p in e.absolute_path])
        for e in errors[:5]:
            loc = "/".join(str(p) for p in e.absolute_path) or "(root)"
            self.fail(what, f"at {loc}: {e.message[:300]}")
        return not errors

    def call(self, method, path, expect, **kw):
        """Sends, checks the answer against the document, and returns it. `expect` is the
        status this scenario needs (a different one is a failure of the server or the test)."""
        r = self.send(method, path, **kw)
        what = f"{method} {path.split('?')[0]} -> {r.status}"
        if r.status in (200, 201) and r.headers.get("content-type") == "application/json":
            try:
                value = r.json().get("value") if isinstance(r.json(), dict) else None
            except ValueError:
                value = None
            if isinstance(value, str):
                self.secrets.add(value)
        self.counted(lambda: self.check_call(method, path, r, what, expect))
        return r

    def check_call(self, method, path, r, what, expect):
        if r.status != expect:
            shown = r.body[:300] if r.status >= 400 else b"(body not shown)"
            self.fail(what, f"expected {expect}; body {shown!r}")
        self.check_response(method, path, r, what)

    def check_response(self, method, path, r, what):
        if not r.headers.get("x-request-id"):
            self.fail(what, "no X-Request-Id header")
        template = self.spec.match(path)
        paths = self.spec.doc["paths"]
        if template is None or method.lower() not in paths[template]:
            # Unknown routes are 404, known paths with another method 405, both enveloped.
            want = {404: "NotFoundError", 405: "MethodNotAllowedError"}.get(r.status)
            if want is None or (template is None) != (r.status == 404):
                self.fail(what, "an undocumented route answered with something else than 404/405")
                return
            self.validate(r.json(), f"/components/schemas/{want}", what)
            if r.status == 405:  # documented on each operation of the path, as its answer to others
                for m, op in paths[template].items():
                    if m in METHODS and "405" in op["responses"]:
                        self.answered.add((m.upper(), template, 405))
            return
        op = paths[template][method.lower()]
        opwhere = f"/paths/{pointer_escape(template)}/{method.lower()}"
        responses = op["responses"]
        if str(r.status) not in responses:
            self.fail(what, f"status {r.status} is not documented for {method} {template}")
            return
        self.answered.add((method, template, r.status))
        response, rwhere = self.spec.resolve(responses[str(r.status)], f"{opwhere}/responses/{r.status}")
        for name, header in response.get("headers", {}).items():
            value = r.headers.get(name.lower())
            header, hwhere = self.spec.resolve(header, f"{rwhere}/headers/{pointer_escape(name)}")
            if value is None:
                if header.get("required", True):  # documented without `required: false`: always sent
                    self.fail(what, f"documented header {name} is missing")
                continue
            self.validate(value, f"{hwhere}/schema", f"{what} header {name}")
        content = response.get("content", {})
        ctype = r.headers.get("content-type", "")
        if not content:  # documented without a body: none is sent
            if r.body or ctype:
                self.fail(what, f"a body was sent ({ctype!r}, {len(r.body)} bytes) where none is documented")
            return
        if ctype not in content:
            self.fail(what, f"Content-Type {ctype!r} is not one of {sorted(content)}")
            return
        if ctype.startswith("application/json"):
            try:
                body = r.json()
            except ValueError:
                self.fail(what, "the body is not JSON")
                return
            self.validate(body, f"{rwhere}/content/{pointer_escape(ctype)}/schema", what)

    def unexercised(self):
        """Documented (route, status) pairs no request produced: informational only, since some
        (500, 503, a 503 from /readyz) cannot be provoked from outside."""
        out = []
        for template, item in self.spec.doc["paths"].items():
            for method, op in item.items():
                if method not in METHODS:
                    continue
                for status in op["responses"]:
                    if (method.upper(), template, int(status)) not in self.answered:
                        out.append(f"{method.upper()} {template} {status}")
        return out

    def require_coverage(self, skip):
        for template, item in self.spec.doc["paths"].items():
            for method in item:
                if method not in METHODS or template in skip:
                    continue
                self.checks += 1
                if not any(m == method.upper() and t == template and 200 <= s < 300
                           for m, t, s in self.answered):
                    self.failed_checks += 1
                    self.fail(f"{method.upper()} {template}", "never answered with a documented 2xx")


def concrete(template, ids):
    """A documented path with its parameters filled from the resources made by the scenario."""
    segs = template.strip("/").split("/")
    out = []
    for i, seg in enumerate(segs):
        if seg == "{org}":
            seg = ids["org"]
        elif seg == "{user}":
            seg = ids["user"]
        elif seg == "{id}":
            seg = {"exports": ids["export"], "webhooks": ids["webhook"]}.get(segs[i - 1], ids["key"])
        out.append(seg)
    return "/" + "/".join(out)



WORKOS_USER = "user_01EHZNVPK3SFK441A1RGBFSHRX"
WIDGET_ORIGIN = "https://widget.example"


def workos_scenario(c, manager):
    """The WorkOS API keys dialect (docs/compat.md): every route and its WorkOS-shaped errors."""
    orgs = "/organizations/acme/api_keys"
    c.call("POST", "/v1/orgs", 201, body={"name": "Globex", "id": "globex"})
    users = f"/user_management/users/{WORKOS_USER}/api_keys"
    made = c.call("POST", orgs, 201, body={"name": "workos", "permissions": ["posts:read"]}).json()
    idem = {"Idempotency-Key": "retry-conformance-1"}
    c.call("POST", orgs, 201, body={"name": "workos idem"}, headers=idem)
    c.call("POST", orgs, 200, body={"name": "workos idem"}, headers=idem)
    c.call("POST", orgs, 409, body={"name": "another"}, headers=idem)
    c.call("POST", orgs, 422, body={"name": ""})
    c.call("POST", orgs, 422, body={"name": "x", "no_such_member": 1})
    c.call("POST", orgs, 400, raw=b'{"name": ', content_type="application/json")
    c.call("POST", "/organizations/no-such-org/api_keys", 404, body={"name": "x"})
    c.call("POST", "/organizations/globex/api_keys", 403, body={"name": "x"}, token=manager)
    c.call("GET", f"{orgs}?limit=2", 200)
    c.call("GET", f"{orgs}?order=asc&after={made['id']}", 200)
    c.call("GET", f"{orgs}?limit=0", 422)
    c.call("GET", "/organizations/no-such-org/api_keys", 404)
    c.call("GET", "/organizations/globex/api_keys", 403, token=manager)
    c.call("POST", users, 201, body={"name": "cli", "organization_id": "acme",
                                     "expires_at": "2099-01-01T00:00:00.000Z"})
    c.call("POST", users, 201, body={"name": "cli idem", "organization_id": "acme"}, headers={"Idempotency-Key": "u1"})
    c.call("POST", users, 200, body={"name": "cli idem", "organization_id": "acme"}, headers={"Idempotency-Key": "u1"})
    c.call("POST", users, 422, body={"name": "no org"})
    c.call("POST", users, 404, body={"name": "x", "organization_id": "no-such-org"})
    c.call("POST", users, 403, body={"name": "x", "organization_id": "globex"}, token=manager)
    c.call("POST", users, 409, body={"name": "other", "organization_id": "acme"}, headers={"Idempotency-Key": "u1"})
    c.call("POST", users, 400, raw=b'{', content_type="application/json")
    c.call("GET", f"{users}?organization_id=acme", 200)
    c.call("GET", users, 422)  # the admin token names no organization of its own
    c.call("GET", f"{users}?organization_id=no-such-org", 404)
    c.call("GET", f"{users}?organization_id=globex", 403, token=manager)
    c.call("POST", "/api_keys/validations", 200, body={"value": made["value"]})
    c.call("POST", "/api_keys/validations", 200, body={"value": "not a key"})
    c.call("POST", "/api_keys/validations", 422, body={})
    c.call("POST", "/api_keys/validations", 400, raw=b'{"value"', content_type="application/json")
    c.call("DELETE", f"/api_keys/{made['id']}", 204)
    c.call("DELETE", f"/api_keys/{made['id']}", 404)
    other = c.call("POST", "/organizations/globex/api_keys", 201, body={"name": "theirs"}).json()
    c.call("DELETE", f"/api_keys/{other['id']}", 404, token=manager)  # another organization's key

def widget_scenario(c):
    """The embedded widget (docs/widgets.md): its token routes, preflights and every /_widgets route."""
    manage = ["widgets:api-keys:manage"]
    c.call("POST", "/widgets/token", 201, body={"organization_id": "acme", "scopes": manage})
    c.call("POST", "/widgets/token", 400, body={"organization_id": "acme", "scopes": ["nope"]})
    c.call("POST", "/widgets/token", 404, body={"organization_id": "no-such-org", "scopes": manage})
    org_tok = c.call("POST", "/v1/orgs/acme/widget-tokens", 201, body={"scopes": manage}).json()["token"]
    user_tok = c.call("POST", "/v1/orgs/acme/widget-tokens", 201,
                      body={"user_id": WORKOS_USER, "scopes": ["widgets:user-api-keys:manage-self"]}).json()["token"]
    c.call("POST", "/v1/orgs/acme/widget-tokens", 400, body={"scopes": []})
    c.call("POST", "/v1/orgs/no-such-org/widget-tokens", 404, body={"scopes": manage})
    asks = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization,content-type"}
    # /_widgets/{path} takes any number of segments; the checker matches templates segment by segment.
    c.call("OPTIONS", "/_widgets/ApiKeys", 200, token=None, headers={"Origin": WIDGET_ORIGIN, **asks})
    c.call("OPTIONS", "/_widgets/ApiKeys", 403, token=None,
           headers={"Origin": "https://elsewhere.example", **asks})
    for base, lst, tok, other in (("/_widgets/ApiKeys", "organization-api-keys", org_tok, user_tok),
                                  ("/_widgets/UserApiKeys", "api-keys", user_tok, org_tok)):
        made = c.call("POST", f"{base}/{lst}", 201, token=tok, body={"name": "widget", "permissions": ["posts:read"]}).json()
        c.call("POST", f"{base}/{lst}", 400, token=tok, body={"name": "widget", "permissions": ["apikeys:write"]})
        c.call("GET", f"{base}/{lst}?limit=1&search=widget", 200, token=tok)
        c.call("GET", f"{base}/{lst}", 403, token=other)
        c.call("GET", f"{base}/permissions?limit=100", 200, token=tok)
        c.call("POST", f"{base}/{made['id']}/expire", 200, token=tok, body={"expiresAt": "2099-01-01T00:00:00.000Z"})
        c.call("POST", f"{base}/{made['id']}/expire", 400, token=tok, body={"expiresAt": 5})
        c.call("DELETE", f"{base}/{made['id']}", 200, token=tok)
        c.call("DELETE", f"{base}/{made['id']}", 404, token=tok)


def scenario(c):
    """Every route, with the errors a client meets. Returns templates not served here."""
    # ---- operations
    c.call("GET", "/healthz", 200, token=None)
    c.call("GET", "/readyz", 200, token=None)
    c.call("GET", "/metrics", 200, token=None)
    served = c.call("GET", "/v1/openapi.json", 200, token=None)
    c.counted(lambda: served.json() == c.spec.doc or c.fail(
        "GET /v1/openapi.json", "the served document is not docs/openapi.yaml (stale build?)"))
    c.call("GET", "/v1/ledger/public-key", 200, token=None)
    # The Unkey dialect answers in Unkey's envelope; tests/sdk/unkey drives it through the pinned client.
    skip = {t for t in c.spec.doc["paths"] if t.startswith("/v2/")}
    console = c.send("GET", "/console", token=None)
    c.counted(lambda: c.check_response("GET", "/console", console, f"GET /console -> {console.status}"))
    # The assets are whatever the page links to under /console/.
    for asset in sorted(set(re.findall(rb'["\'](/console/[A-Za-z0-9._-]+)["\']', console.body))):
        c.call("GET", asset.decode(), 200, token=None)
    c.call("GET", "/console/no-such-asset.js", 404, token=None)
    c.call("GET", "/no/such/route", 404)
    c.call("PUT", "/v1/orgs", 405, body={})

    # ---- organizations, with the transport-level errors
    c.call("POST", "/v1/orgs", 401, body={"name": "Acme"}, token=None)
    c.call("POST", "/v1/orgs", 401, body={"name": "Acme"}, token="not-a-real-token")
    c.call("POST", "/v1/orgs", 201, body={"name": "Acme", "id": "acme"})
    c.call("POST", "/v1/orgs", 201, body={"name": "Generated"})
    c.call("POST", "/v1/orgs", 409, body={"name": "Acme again", "id": "acme"})
    c.call("POST", "/v1/orgs", 400, body={"name": "", "id": "A!", "status": "gone"})
    c.call("POST", "/v1/orgs", 400, raw=b'{"name": ', content_type="application/json")
    c.call("POST", "/v1/orgs", 415, raw=b'{"name": "x"}', content_type="text/plain")
    c.call("POST", "/v1/orgs", 413, raw=b'{"name": "' + b"x" * (70 * 1024) + b'"}')
    c.call("POST", "/v1/orgs", 201, body={"name": "Beta", "id": "beta"})
    c.call("PATCH", "/v1/orgs/beta", 200, body={"status": "past_due"})
    c.call("PATCH", "/v1/orgs/beta", 400, body={"status": "sleeping"})
    c.call("PATCH", "/v1/orgs/nope", 404, body={"name": "x"})
    c.call("GET", "/v1/orgs", 200)
    c.call("GET", "/v1/orgs?limit=1", 200)
    c.call("GET", "/v1/orgs?limit=0", 400)
    c.call("GET", "/v1/orgs/acme", 200)
    c.call("GET", "/v1/orgs/nope", 404)

    # ---- keys
    keys = "/v1/orgs/acme/api-keys"
    created = c.call("POST", keys, 201, body={
        "name": "ci", "description": "the CI runner", "permissions": ["posts:read"],
        "owner": {"type": "service_account", "id": "svc-ci"}, "project_id": "web",
        "environment": "test", "prefix": "ci", "ttl_seconds": 3600, "metadata": {"team": "platform"},
        "ip_allowlist": ["127.0.0.0/8", "::1/128"],
        "credits": {"remaining": 100, "refill": {"amount": 100, "interval": "daily"}},
        "ratelimit": {"limit": 1000, "window_ms": 1000}}).json()
    key_id, secret = created["api_key"]["id"], created["value"]
    key = f"{keys}/{key_id}"
    idem = {"Idempotency-Key": "conformance-1"}
    first = c.call("POST", keys, 201, body={"name": "idem"}, headers=idem).json()
    c.call("POST", keys, 200, body={"name": "idem"}, headers=idem)
    c.call("POST", keys, 409, body={"name": "other"}, headers=idem)
    c.call("POST", keys, 400, body={"name": "", "permissions": ["BAD"], "prefix": "X",
                                    "expires_at": "yesterday", "ttl_seconds": 5})
    c.call("POST", "/v1/orgs/beta/api-keys", 402, body={"name": "late payer"})
    c.call("POST", "/v1/orgs/nope/api-keys", 404, body={"name": "nobody"})
    manager = c.call("POST", keys, 201, body={"name": "manager", "permission_set": "full_access"}).json()
    reader = c.call("POST", keys, 201, body={"name": "reader", "permission_set": "read_only"}).json()
    c.call("POST", "/v1/orgs/beta/api-keys", 403, body={"name": "x"}, token=manager["value"])
    c.call("POST", keys, 403, body={"name": "x"}, token=reader["value"])
    c.call("GET", "/v1/orgs", 200, token=manager["value"])
    c.call("GET", "/v1/orgs/beta", 403, token=manager["value"])
    c.call("POST", "/v1/orgs", 403, body={"name": "x"}, token=manager["value"])

    # Importing keys by the SHA-256 of secrets issued elsewhere (docs/spec.md, Importing keys).
    imported = hashlib.sha256(b"legacy-provider-secret-0001").hexdigest()
    c.call("POST", f"{keys}/import", 200, body={"migration_id": "conformance", "keys": [
        {"hash": {"value": imported, "variant": "sha256_hex"}, "name": "imported"},
        {"hash": {"value": imported, "variant": "sha256_hex"}, "name": "twice"},
        {"hash": {"value": "nope", "variant": "sha256_base64"}, "name": "broken"}]})
    c.call("POST", f"{keys}/import", 400, body={"keys": []})
    c.call("POST", "/v1/orgs/beta/api-keys/import", 402,
           body={"keys": [{"hash": {"value": imported, "variant": "sha256_hex"}, "name": "late"}]})
    c.call("POST", "/v1/orgs/nope/api-keys/import", 404,
           body={"keys": [{"hash": {"value": imported, "variant": "sha256_hex"}, "name": "nobody"}]})
    c.call("POST", f"{keys}/import", 403, body={"keys": []}, token=reader["value"])

    c.call("GET", keys, 200)
    c.call("GET", f"{keys}?status=all&environment=test&owner_id=svc-ci&project_id=web&limit=2", 200)
    c.call("GET", f"{keys}?status=bogus", 400)
    oldest = c.call("GET", f"{keys}?order=asc&limit=1", 200).json()
    c.call("GET", f"{keys}?order=asc&limit=1&cursor={oldest['next_cursor']}", 200)
    c.call("GET", f"{keys}?order=sideways", 400)
    c.call("GET", "/v1/orgs/nope/api-keys", 404)
    c.call("GET", key, 200)
    c.call("GET", f"{key}?as_of_seq=1", 404)  # seq 1 is the first org: the key did not exist
    # Sent unencoded: the server does not percent-decode query values (%2B, %3A), a known bug.
    c.call("GET", f"{key}?as_of=2100-01-01T00:00:00.000+02:00", 200)
    c.call("GET", f"{key}?as_of=yesterday", 400)
    c.call("GET", f"{keys}/key_01JD3Z6W8Q4R5S6T7V8W9X0Y1Z", 404)

    version = c.call("PATCH", key, 200, body={"name": "ci-renamed", "description": None,
                                              "expires_at": "2099-01-01T00:00:00Z"}).json()["version"]
    c.call("PATCH", key, 412, body={"name": "stale"}, headers={"If-Match": str(version - 1)})
    c.call("PATCH", key, 200, body={"enabled": False, "reason": "paused"}, headers={"If-Match": f'"{version}"'})
    c.call("PATCH", key, 200, body={"enabled": True, "credits": None, "ratelimit": {"limit": 500, "window_ms": 1000}})
    c.call("PATCH", key, 400, body={"ratelimit": {"limit": 0, "window_ms": 5}})

    # ---- validation
    val = "/v1/validations"
    c.call("POST", val, 200, body={"value": secret, "required_permissions": ["posts:read"],
                                   "ip": "127.0.0.1", "user_agent": "conformance"})
    c.call("POST", val, 200, body={"value": secret, "required_permissions": ["posts:write"]})
    c.call("POST", val, 200, body={"value": "sk_live_notakey"})
    c.call("POST", val, 200, body={"value": first["value"]}, token=manager["value"])  # same org: VALID
    c.call("POST", val, 400, body={"ip": "not-an-ip"})
    c.call("POST", val, 403, body={"value": secret}, token=reader["value"])

    # ---- the gateway route: every documented status, from each method
    authz_scenario(c, keys, secret, reader["value"])

    # ---- rotation and revocation
    rotated = c.call("POST", f"{key}/rotate", 201, body={"grace_seconds": 60}).json()
    c.call("POST", f"{key}/rotate", 409, body={})
    c.call("POST", f"{keys}/{rotated['api_key']['id']}/rotate", 400, body={"grace_seconds": -1})
    new_key = f"{keys}/{rotated['api_key']['id']}"
    c.call("DELETE", new_key, 200, body={"reason": "conformance"})
    c.call("DELETE", new_key, 200)
    c.call("DELETE", new_key, 415, raw=b"reason", content_type="text/plain")
    c.call("PATCH", new_key, 409, body={"name": "too late"})
    c.call("POST", val, 200, body={"value": rotated["value"]})  # REVOKED: a KeyUseRejected
    short = c.call("POST", keys, 201, body={"name": "short-lived", "ttl_seconds": 1}).json()

    # ---- history and feed (usage events arrive within the 100 ms flush window)
    c.call("GET", f"{key}/events", 200)
    c.call("GET", f"{key}/events?after_seq=1&limit=2", 200)
    c.call("GET", f"{key}/events?limit=0", 400)
    c.call("GET", f"{keys}/key_01JD3Z6W8Q4R5S6T7V8W9X0Y1Z/events", 404)
    c.call("GET", "/v1/events?type=KeyUsed&wait_ms=10000", 200)
    c.call("GET", "/v1/events?type=KeyUseRejected&wait_ms=10000", 200)
    expired = c.call("GET", f"/v1/events?type=KeyExpired&key_id={short['api_key']['id']}&wait_ms=10000", 200)
    if not expired.json()["data"]:
        c.fail("KeyExpired", "the sweeper appended no KeyExpired within 10 s")
    c.call("GET", "/v1/events?type=Bogus", 400)
    c.call("GET", "/v1/events?org_id=beta", 403, token=manager["value"])
    c.call("GET", "/v1/events?limit=5", 200, token=reader["value"])
    c.call("GET", "/v1/ledger/head", 200)
    c.call("GET", "/v1/ledger/head", 401, token=None)

    # ---- exports
    org_export = c.call("POST", "/v1/exports", 201, body={"org_id": "acme", "format": "ndjson"}).json()
    global_export = c.call("POST", "/v1/exports", 201, body={"format": "csv", "from": "2000-01-01T00:00:00Z"}).json()
    c.call("POST", "/v1/exports", 201, token=manager["value"])  # no body: the key's own org, NDJSON
    c.call("POST", "/v1/exports", 400, body={"format": "xml", "from": "2030-01-01T00:00:00Z",
                                             "to": "2020-01-01T00:00:00Z"})
    c.call("POST", "/v1/exports", 404, body={"org_id": "nope"})
    c.call("POST", "/v1/exports", 403, body={"org_id": "beta"}, token=manager["value"])
    c.call("GET", f"/v1/exports/{org_export['id']}", 200)
    c.call("GET", f"/v1/exports/{global_export['id']}", 404, token=manager["value"])
    c.call("GET", "/v1/exports/exp_01JD3Z6W8Q4R5S6T7V8W9X0Y1Z", 404)
    ndjson = c.call("GET", f"/v1/exports/{org_export['id']}/file", 200)
    lines = ndjson.body.decode().splitlines()
    if len(lines) != org_export["event_count"]:
        c.fail("export file", f"{len(lines)} lines, manifest says {org_export['event_count']}")
    for i, line in enumerate(lines):
        c.counted(lambda: c.validate(json.loads(line), "/components/schemas/Event", f"export line {i + 1}"))
    csv = c.call("GET", f"/v1/exports/{global_export['id']}/file", 200)
    if not csv.body.startswith(b"seq,id,type,org_id,key_id,stream_version,recorded_at,actor_type,"):
        c.fail("csv export", "the header row is not the documented one")
    c.call("GET", "/v1/exports/exp_01JD3Z6W8Q4R5S6T7V8W9X0Y1Z/file", 404)

    # A key of an org that stops being active can no longer change (402).
    c.call("POST", "/v1/orgs", 201, body={"name": "Gamma", "id": "gamma"})
    gamma = c.call("POST", "/v1/orgs/gamma/api-keys", 201, body={"name": "g"}).json()["api_key"]["id"]
    c.call("PATCH", "/v1/orgs/gamma", 200, body={"status": "trial_expired"})
    c.call("PATCH", f"/v1/orgs/gamma/api-keys/{gamma}", 402, body={"name": "g2"})
    c.call("POST", f"/v1/orgs/gamma/api-keys/{gamma}/rotate", 402)

    unknown_key = f"{keys}/key_01JD3Z6W8Q4R5S6T7V8W9X0Y1Z"
    c.call("PATCH", unknown_key, 404, body={"name": "x"})
    c.call("DELETE", unknown_key, 404)
    c.call("POST", f"{unknown_key}/rotate", 404)
    c.call("DELETE", key, 400, body={"reason": "x" * 501})
    c.call("PATCH", "/v1/orgs/acme", 403, body={"name": "x"}, token=manager["value"])

    # A validator key holds apikeys:validate alone: every other scope is refused.
    validator = c.call("POST", keys, 201, body={"name": "validator", "permission_set": "validator"}).json()["value"]
    c.call("GET", keys, 403, token=validator)
    c.call("GET", key, 403, token=validator)
    c.call("PATCH", key, 403, body={"name": "x"}, token=validator)
    c.call("DELETE", key, 403, token=validator)
    c.call("POST", f"{key}/rotate", 403, token=validator)
    c.call("GET", f"{key}/events", 403, token=validator)
    c.call("GET", "/v1/ledger/head", 403, token=validator)
    c.call("GET", f"/v1/exports/{org_export['id']}", 403, token=validator)
    c.call("GET", f"/v1/exports/{org_export['id']}/file", 403, token=validator)

    # ---- webhooks (delivery itself is tested end to end: tests/e2e/webhooks_test.cc)
    hooks = "/v1/orgs/acme/webhooks"
    hook_body = {"url": "https://siem.example/keyledger", "event_types": ["KeyRevoked"], "description": "SIEM"}
    hook = c.call("POST", hooks, 201, body=hook_body).json()["webhook"]
    spare = c.call("POST", hooks, 201, body={"url": "https://b.example/h", "event_types": ["*"]}).json()["webhook"]
    c.call("POST", hooks, 400, body={"url": "http://siem.example/", "event_types": ["*"]})
    c.call("POST", hooks, 400, body={"url": "https://siem.example/", "event_types": ["NoSuchEvent"]})
    c.call("POST", "/v1/orgs/no-such-org/webhooks", 404, body=hook_body)
    c.call("POST", hooks, 403, body=hook_body, token=validator)
    c.call("GET", hooks, 200)
    c.call("GET", hooks, 403, token=validator)
    c.call("GET", "/v1/orgs/no-such-org/webhooks", 404)
    c.call("GET", f"{hooks}/{hook['id']}", 200)
    c.call("GET", f"{hooks}/whk_nope", 404)
    c.call("PATCH", f"{hooks}/{hook['id']}", 200, body={"status": "disabled"})
    c.call("PATCH", f"{hooks}/{hook['id']}", 200, body={"status": "active"})
    c.call("PATCH", f"{hooks}/{hook['id']}", 400, body={"status": "paused"})
    c.call("PATCH", f"{hooks}/whk_nope", 404, body={"status": "active"})
    c.call("PATCH", f"{hooks}/{hook['id']}", 403, body={"status": "active"}, token=validator)
    c.call("DELETE", f"{hooks}/{spare['id']}", 200)
    c.call("DELETE", f"{hooks}/{spare['id']}", 404)
    c.call("DELETE", f"{hooks}/{hook['id']}", 403, token=validator)

    # ---- backups (admin only)
    c.call("POST", "/v1/admin/backups", 201)
    c.call("POST", "/v1/admin/backups", 401, token=None)
    c.call("POST", "/v1/admin/backups", 403, token=manager["value"])

    # ---- leaked-key reports (admin, or a custom key that lists leaks:report)
    reporter = c.call("POST", keys, 201, body={"name": "scanner", "permissions": ["leaks:report"]}).json()["value"]
    victim = c.call("POST", keys, 201, body={"name": "victim"}).json()["value"]
    c.call("POST", "/v1/leaks", 200, token=reporter, body=[
        {"token": victim, "type": "keyledger_api_key", "url": "https://example.com/leak", "source": "content"},
        {"token": "sk_live_notakey", "type": "keyledger_api_key", "url": "https://example.com/x", "source": "commit"}])
    c.call("POST", "/v1/leaks", 200, body=[{"token": victim}])  # already revoked: recorded again
    c.call("POST", "/v1/leaks", 400, body={"token": victim})
    c.call("POST", "/v1/leaks", 400, body=[{"type": "no token"}])
    c.call("POST", "/v1/leaks", 403, body=[], token=manager["value"])

    workos_scenario(c, manager["value"])
    widget_scenario(c)

    # Sweeps over the document itself, so a newly documented operation is covered at once.
    ids = {"org": "acme", "key": key_id, "export": org_export["id"], "webhook": hook["id"], "user": WORKOS_USER}
    for template, method, op in c.spec.operations(skip):
        path = concrete(template, ids)
        if template.startswith("/v1/authz"):
            continue  # another credential and no body: authz_scenario
        if op.get("security", c.spec.doc.get("security")):
            c.call(method, path, 401, token=None, body={} if method in ("POST", "PATCH") else None)
        if "405" in op["responses"]:
            c.call("PUT", path, 405, body={})
        if "413" in op["responses"]:
            c.call(method, path, 413, raw=b'{"name": "' + b"x" * (70 * 1024) + b'"}')
        if "415" in op["responses"]:
            c.call(method, path, 415, raw=b"{}", content_type="text/plain")
        if template.startswith("/v1/") and not template.startswith("/v1/authz"):  # authz_scenario covers its own
            check_unknown_names(c, template, method, op, path)

    # Every event of the log, page by page: each type's data against its schema.
    after, seen = 0, set()
    while True:
        page = c.call("GET", f"/v1/events?after_seq={after}&limit=1000", 200).json()
        seen |= {e["type"] for e in page["data"]}
        if not page["data"]:
            break
        after = page["next_after_seq"]
    want = {"OrgCreated", "OrgUpdated", "KeyCreated", "KeyUpdated", "KeyDisabled", "KeyEnabled",
            "KeyRotated", "KeyRevoked", "KeyUsed", "KeyUseRejected", "KeyExpired", "ExportCreated",
            "KeyLeakReported", "WebhookCreated", "WebhookDisabled", "WebhookEnabled", "WebhookDeleted"}
    if want - seen:
        c.fail("event feed", f"never saw {sorted(want - seen)}")
    return skip


def authz_scenario(c, keys, secret, reader):
    """GET /v1/authz and its siblings: the gateway's credential in X-Keyledger-Token, the client's
    key in Authorization or X-API-Key, every documented status."""
    validator = c.call("POST", keys, 201, body={"name": "gateway", "permission_set": "validator"}).json()["value"]
    gw = {"X-Keyledger-Token": validator, "X-Real-IP": "127.0.0.1"}
    limited = c.call("POST", keys, 201, body={"name": "limited", "permissions": ["posts:read"],
                                              "ratelimit": {"limit": 1, "window_ms": 60000}}).json()["value"]
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        c.call(method, "/v1/authz", 200, token=secret, headers=gw)
        c.call(method, "/v1/authz/posts", 200, token=secret, headers=gw)  # Envoy appends the path
    c.call("GET", "/v1/authz?permissions=posts:read", 200, token=None, headers={**gw, "X-API-Key": secret})
    c.call("GET", "/v1/authz?permissions=posts:write", 403, token=secret, headers=gw)
    c.call("GET", "/v1/authz", 401, token="sk_live_notakey", headers=gw)
    c.call("GET", "/v1/authz", 401, token=None, headers=gw)                       # no key
    c.call("GET", "/v1/authz", 401, token=secret)                                   # no gateway credential
    c.call("GET", "/v1/authz", 403, token=secret, headers={"X-Keyledger-Token": reader})
    c.call("GET", "/v1/authz", 200, token=limited, headers=gw)
    c.call("GET", "/v1/authz", 429, token=limited, headers=gw)
    c.call("GET", "/v1/authz?permission=posts:read", 400, token=secret, headers=gw)
    c.call("GET", "/v1/authz?permissions=a%20OR%20b", 400, token=secret, headers=gw)


def check_unknown_names(c, template, method, op, path):
    """Strict input: an unknown query parameter, and an unknown member of a body whose schema is
    closed (additionalProperties: false), are each refused with 400 naming them."""
    def named(r, field):
        fields = (r.json().get("error", {}).get("details", {}) or {}).get("fields", {}) if r.status == 400 else {}
        return field in fields or c.fail(f"{method} {template}", f"400 does not name {field}: {r.body[:200]!r}")

    body = {} if method in ("POST", "PATCH") else None
    r = c.call(method, path + "?no_such_parameter=1", 400, body=body)
    c.counted(lambda: named(r, "no_such_parameter"))
    media = op.get("requestBody", {}).get("content", {}).get("application/json")
    if not media:
        return
    schema, _ = c.spec.resolve(media["schema"], "")
    if schema.get("type") == "array":
        item, _ = c.spec.resolve(schema["items"], "")
        if item.get("additionalProperties") is not False:
            c.fail(f"{method} {template}", "the request body's items are not closed (additionalProperties: false)")
        r = c.call(method, path, 400, body=[{"token": "x", "no_such_member": 1}])
        c.counted(lambda: named(r, "[0].no_such_member"))
        return
    if schema.get("additionalProperties") is not False:
        c.fail(f"{method} {template}", "the request body schema is not closed (additionalProperties: false)")
    r = c.call(method, path, 400, body={"no_such_member": 1})
    c.counted(lambda: named(r, "no_such_member"))


def main():
    ap = argparse.ArgumentParser(description="Checks the real server against docs/openapi.yaml.")
    ap.add_argument("--binary", required=True)
    ap.add_argument("--spec", required=True)
    ap.add_argument("--verbose", action="store_true", help="list documented statuses never produced")
    args = ap.parse_args()
    spec = Spec(args.spec)
    server = Server(args.binary)
    c = Checker(spec, server.port)
    try:
        server.wait_ready()
        c.require_coverage(scenario(c))
    except Exception as e:  # an answer the scenario could not go on from: report, not crash
        c.failed_checks += 1
        c.fail("scenario", f"stopped early: {type(e).__name__}: {e}")
    finally:
        for report in server.stop():
            c.failed_checks += 1
            c.fail("server log", report)
    if args.verbose:
        for item in c.unexercised():
            print(f"not exercised: {item}")
    for f in c.failures:
        print(f"MISMATCH {f}")
    print(f"conformance: {len(c.answered)} documented (route, status) pairs answered")
    print(f"conformance: {c.checks - c.failed_checks} passed, {c.failed_checks} failed")
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main())
