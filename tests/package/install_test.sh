#!/usr/bin/env bash
# Package test: builds the .deb with cpack from a configured build directory, installs it into
# a clean temporary root and runs the installed binary through a short serve/validate cycle.
#
#   bash tests/package/install_test.sh [BUILD_DIR]      (default: build)
#
# How it installs: `dpkg-deb -x` into an empty directory, not `dpkg --root`. dpkg --root runs
# the maintainer scripts chrooted into the new root, which has no shell, adduser or systemd;
# a clean root is exactly what we want for the files. The maintainer scripts are tested apart
# (step 4): run for real in a private mount namespace where /etc is a scratch copy and
# /var/lib a tmpfs, so creating the user and deleting the data touch nothing on this machine.
# The installed binary uses this machine's shared libraries, which the package's computed
# Depends: line names.
#
# Needs: cmake/cpack, dpkg-deb, dpkg-shlibdeps (dpkg-dev), file, curl, python3; optionally
# systemd-analyze (unit check), strace (syscall filter check), unshare (maintainer scripts).
set -euo pipefail

BUILD=$(cd "${1:-build}" && pwd)
SRC=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/keyledger-package-XXXXXX)
ROOT=$WORK/root
SERVER_PID=""
KEYLEDGER_PID=""

cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -KILL "$KEYLEDGER_PID" "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

# Runs the maintainer scripts of CONTROL_DIR for real, as dpkg would on install, upgrade, remove
# and purge, inside a private mount namespace: /etc is a scratch copy (adduser edits passwd and
# group there), /var/lib, /var/log, /run and /lib/systemd/system are empty tmpfs (so no systemd
# is seen running and nothing is started). Nothing outside the namespace changes.
check_maintainer_scripts() {
  local control=$1 unit=$2 scratch=$WORK/ns
  mkdir -p "$scratch"
  cp -a /etc "$scratch/etc"
  unshare --mount --propagation private bash -euo pipefail -s "$control" "$unit" "$scratch" <<'NS'
control=$1 unit=$2 scratch=$3
fail() { echo "FAIL (maintainer scripts): $*" >&2; exit 1; }
mount --bind "$scratch/etc" /etc
mount -t tmpfs tmpfs /var/lib
mount -t tmpfs tmpfs /var/log   # useradd writes lastlog/faillog entries for the new uid
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /lib/systemd/system
install -m 0644 "$unit" /lib/systemd/system/keyledger.service
# dpkg unpacks the conffile with the archive's mode; postinst must leave it root-only anyway.
mkdir -p /etc/default && install -m 0644 /dev/null /etc/default/keyledger
userdel keyledger 2>/dev/null || true; groupdel keyledger 2>/dev/null || true
wants=/etc/systemd/system/multi-user.target.wants/keyledger.service
# What dpkg sets for a maintainer script (deb-systemd-helper refuses to run without it).
export DPKG_MAINTSCRIPT_PACKAGE=keyledger DPKG_MAINTSCRIPT_ARCH=amd64

sh "$control/postinst" configure ""
[[ "$(getent passwd keyledger)" == *:/var/lib/keyledger:/usr/sbin/nologin ]] || fail "user: $(getent passwd keyledger)"
uid=$(id -u keyledger); [ "$uid" -lt 1000 ] || fail "keyledger is not a system user (uid $uid)"
[ "$(stat -c '%U:%G %a' /var/lib/keyledger)" = "keyledger:keyledger 700" ] ||
  fail "data dir: $(stat -c '%U:%G %a' /var/lib/keyledger)"
[ "$(stat -c '%U %a' /etc/default/keyledger)" = "root 600" ] || fail "/etc/default/keyledger: $(stat -c '%U %a' /etc/default/keyledger)"
[ -L "$wants" ] || fail "not enabled on first install"

echo data >/var/lib/keyledger/admin.token
sh "$control/postinst" configure 0.0.9-1   # an upgrade: same user, data untouched
[ "$(id -u keyledger)" = "$uid" ] || fail "upgrade changed the uid"
[ "$(cat /var/lib/keyledger/admin.token)" = data ] || fail "upgrade touched the data"

sh "$control/prerm" remove
sh "$control/postrm" remove
[ "$(cat /var/lib/keyledger/admin.token 2>/dev/null)" = data ] || fail "remove deleted the data"
getent passwd keyledger >/dev/null || fail "remove deleted the user"

sh "$control/postinst" configure ""        # reinstall after remove: data still there
[ "$(cat /var/lib/keyledger/admin.token)" = data ] || fail "reinstall touched the data"
[ -L "$wants" ] || fail "not enabled after reinstall"
sh "$control/prerm" remove
sh "$control/postrm" remove
sh "$control/postrm" purge
[ ! -e /var/lib/keyledger ] || fail "purge kept /var/lib/keyledger"
[ ! -e "$wants" ] || fail "purge kept the enablement"
echo "maintainer scripts: install, upgrade, remove (data kept), reinstall, purge (data deleted)"
NS
}

# Checks that every system call in the strace log STRACE_LOG is allowed by the SystemCallFilter=
# lines of UNIT (groups expanded by systemd-analyze), so the filter cannot kill or break the
# service on the paths the serve cycle exercised.
check_syscalls() {
  python3 - "$1" "$2" <<'PY'
import re, subprocess, sys
log, unit = sys.argv[1], sys.argv[2]

def expand(name, seen=None):
    seen = set() if seen is None else seen
    if not name.startswith("@"):
        return {name}
    if name in seen:
        return set()
    seen.add(name)
    out = subprocess.run(["systemd-analyze", "syscall-filter", name], check=True, capture_output=True, text=True).stdout
    calls = set()
    for line in out.splitlines()[1:]:
        word = line.strip().split(" ")[0] if line.strip() else ""
        if word and not word.startswith("#"):
            calls |= expand(word, seen)
    return calls

allowed = None
for line in open(unit):
    m = re.match(r"\s*SystemCallFilter=(~?)(.*)", line)
    if not m:
        continue
    names = set().union(*(expand(w) for w in m.group(2).split()))
    if m.group(1):
        allowed -= names
    else:
        allowed = names if allowed is None else allowed | names
if allowed is None:
    sys.exit("FAIL: the unit has no SystemCallFilter=")

used = set()
for line in open(log):
    m = re.match(r"\d+\s+(?:<\.\.\. )?([a-z0-9_]+)[( ]", line)
    if m and m.group(1) not in ("exited", "killed"):
        used.add(m.group(1))
refused = sorted(used - allowed)
if not used:
    sys.exit("FAIL: no system calls in the strace log")
if refused:
    sys.exit("FAIL: the service used system calls its unit's filter refuses: " + " ".join(refused))
print(f"system calls: {len(used)} distinct, all allowed by the unit's SystemCallFilter")
PY
}

# ---------------------------------------------------------------------------------------------
step "1. build the package"
# A build directory configured before cmake/packaging.cmake existed has no CPack config yet.
[ -f "$BUILD/CPackConfig.cmake" ] || cmake "$BUILD" >/dev/null
cmake --build "$BUILD" --target keyledger >/dev/null
VERSION=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$BUILD/CMakeCache.txt")
[ -n "$VERSION" ] || fail "no CMAKE_PROJECT_VERSION in $BUILD/CMakeCache.txt"
cpack --config "$BUILD/CPackConfig.cmake" -G DEB -B "$WORK/out" >"$WORK/cpack.log" 2>&1 ||
  { cat "$WORK/cpack.log" >&2; fail "cpack failed"; }
shopt -s nullglob
debs=("$WORK"/out/*.deb)
[ ${#debs[@]} -eq 1 ] || fail "expected one .deb, got: ${debs[*]:-none}"
DEB=${debs[0]}
echo "built $(basename "$DEB")"

# ---------------------------------------------------------------------------------------------
step "2. control fields and maintainer scripts"
field() { dpkg-deb --field "$DEB" "$1"; }
[ "$(field Package)" = keyledger ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$VERSION-1" ] || fail "Version: $(field Version), expected $VERSION-1"
depends=$(field Depends)
# (RocksDB is linked statically by its CMake package: no librocksdb here.)
for dep in libc6 libpistache libssl3 libcapnp libspdlog adduser; do
  [[ "$depends" == *"$dep"* ]] || fail "Depends: lacks $dep: $depends"
done
mkdir "$WORK/control"
dpkg-deb -e "$DEB" "$WORK/control"
[ "$(cat "$WORK/control/conffiles")" = /etc/default/keyledger ] || fail "conffiles: $(cat "$WORK/control/conffiles")"
for script in postinst prerm postrm; do
  [ "$(stat -c %a "$WORK/control/$script")" = 755 ] || fail "$script is not mode 0755"
  sh -n "$WORK/control/$script" || fail "$script: shell syntax"
done

# ---------------------------------------------------------------------------------------------
step "3. files, owners and modes in a clean root"
# What dpkg will create: mode, owner/group, path, straight from the archive.
dpkg-deb -c "$DEB" | awk '{print $1, $2, $6}' >"$WORK/contents"
expect_entry() {  # expect_entry MODE PATH
  grep -qxF -e "$1 root/root ./$2" "$WORK/contents" || fail "archive: expected $1 root/root ./$2; have:
$(grep -F -e "./$2" "$WORK/contents" || echo '(missing)')"
}
expect_entry -rwxr-xr-x usr/bin/keyledger
expect_entry -rw-r--r-- lib/systemd/system/keyledger.service
expect_entry -rw------- etc/default/keyledger
for doc in README.md operations.md audit.md policy-gates.md spec.md api.md verify_export.py; do
  expect_entry -rw-r--r-- "usr/share/doc/keyledger/$doc"
done
# Nothing outside the paths a Debian package of a service may own; in particular no data dir:
# /var/lib/keyledger is made by postinst/systemd and must never be a packaged (removable) path.
unexpected=$(awk '{print $3}' "$WORK/contents" |
  grep -vE '^\./(|usr/|usr/bin/|usr/bin/keyledger|usr/share/|usr/share/doc/|usr/share/doc/keyledger/.*|lib/|lib/systemd/|lib/systemd/system/|lib/systemd/system/keyledger\.service|etc/|etc/default/|etc/default/keyledger)$' || true)
[ -z "$unexpected" ] || fail "unexpected paths in the package: $unexpected"

mkdir "$ROOT"
dpkg-deb -x "$DEB" "$ROOT"
BIN=$ROOT/usr/bin/keyledger
[[ "$(file -b "$BIN")" == ELF*", stripped" ]] || fail "binary not stripped: $(file -b "$BIN")"
cmp -s "$ROOT/lib/systemd/system/keyledger.service" "$SRC/packaging/keyledger.service" || fail "unit differs from the source"

if command -v systemd-analyze >/dev/null; then
  # --root: the unit as installed, ExecStart resolved against the new root. A copy of the root,
  # with this machine's units added: verify loads the targets the unit depends on by default.
  # The keyledger user does not exist there (postinst makes it); verify does not check users.
  cp -a "$ROOT" "$WORK/verify-root"
  cp -an /lib/systemd/system/. "$WORK/verify-root/lib/systemd/system/"
  systemd-analyze verify --root="$WORK/verify-root" /lib/systemd/system/keyledger.service 2>"$WORK/verify.log" ||
    { cat "$WORK/verify.log" >&2; fail "systemd-analyze verify"; }
  if [ -s "$WORK/verify.log" ]; then cat "$WORK/verify.log" >&2; fail "systemd-analyze verify warned"; fi
  echo "systemd-analyze verify: clean"
else
  echo "SKIP: systemd-analyze not installed, unit not verified"
fi

# ---------------------------------------------------------------------------------------------
step "4. maintainer scripts: install, upgrade, remove, purge"
if [ "$(id -u)" = 0 ] && unshare --mount true 2>/dev/null; then
  check_maintainer_scripts "$WORK/control" "$ROOT/lib/systemd/system/keyledger.service"
else
  echo "SKIP: needs root and mount namespaces (unshare --mount); maintainer scripts not run"
fi

# ---------------------------------------------------------------------------------------------
step "5. the installed binary"
[ "$("$BIN" --version)" = "keyledger $VERSION" ] || fail "--version says: $("$BIN" --version)"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
DATA=$WORK/data
STRACE=()
if command -v strace >/dev/null && strace -f -qq -o /dev/null true 2>/dev/null; then
  # Every system call the service makes, to check against the unit's SystemCallFilter below.
  STRACE=(strace -f -qq -o "$WORK/syscalls" -e trace=all -e signal=none)
fi
SANDBOX=()
if [ "$(id -u)" = 0 ] && unshare --mount true 2>/dev/null; then
  # The part of the unit's sandbox that matters to the binary, without systemd: everything
  # read-only but the scratch dir (ProtectSystem=strict, StateDirectory=), no /proc/sys
  # (ProcSubset=pid; RocksDB reads a UUID there and must fall back), empty homes (ProtectHome).
  # shellcheck disable=SC2016  # $0 and $@ are expanded by that inner sh, not here
  SANDBOX=(unshare --mount --propagation private sh -c 'mount --bind "$0" "$0" &&
    mount -o remount,bind,ro / && mount -t tmpfs tmpfs /proc/sys &&
    for d in /home /root; do if [ -d "$d" ]; then mount -t tmpfs tmpfs "$d"; fi; done &&
    exec "$@"' "$WORK")
else
  echo "SKIP: needs root and mount namespaces; the serve cycle runs without the read-only sandbox"
fi
# As the unit runs it: UMask=0077, no KEYLEDGER_* from this shell, the admin token generated.
(
  umask 077
  exec env -u KEYLEDGER_ADMIN_TOKEN -u KEYLEDGER_DATA_DIR -u KEYLEDGER_LISTEN -u KEYLEDGER_THREADS \
    -u KEYLEDGER_USAGE_FLUSH_MS "${SANDBOX[@]}" "${STRACE[@]}" "$BIN" serve --data-dir "$DATA" \
    --listen "127.0.0.1:$PORT"
) >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!   # the keyledger process itself, or strace running it
KEYLEDGER_PID=$SERVER_PID

# Wait for /readyz (the service answers 503 until its projections have caught up).
for _ in $(seq 1 600); do
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; fail "keyledger serve exited early"; }
  [ "$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$URL/readyz" || true)" = 200 ] && break
  sleep 0.1
done
[ "$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$URL/readyz")" = 200 ] || fail "/readyz never answered 200"
if [ ${#STRACE[@]} -gt 0 ]; then
  # strace blocks SIGTERM while it traces (-o FILE PROG), so the signal goes to its child.
  KEYLEDGER_PID=$(tr -d " " <"/proc/$SERVER_PID/task/$SERVER_PID/children")
  [[ "$KEYLEDGER_PID" =~ ^[0-9]+$ ]] || fail "cannot find the keyledger process under strace: '$KEYLEDGER_PID'"
fi
[ "$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$URL/healthz")" = 200 ] || fail "/healthz"

[ "$(stat -c %a "$DATA")" = 700 ] || fail "data dir mode $(stat -c %a "$DATA")"
[ "$(stat -c %a "$DATA/admin.token")" = 600 ] || fail "admin.token mode $(stat -c %a "$DATA/admin.token")"
TOKEN=$(tr -d '\n' <"$DATA/admin.token")

# api METHOD PATH [BODY] -> prints the body; fails on a status other than 2xx.
api() {
  local out status
  out=$(curl -s -m 10 -w '\n%{http_code}' -X "$1" -H "Authorization: Bearer $TOKEN" \
        -H 'Content-Type: application/json' ${3:+-d "$3"} "$URL$2")
  status=${out##*$'\n'}
  [[ "$status" == 2?? ]] || fail "$1 $2 answered $status: ${out%$'\n'*}"
  printf '%s' "${out%$'\n'*}"
}
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

api POST /v1/orgs '{"name":"Package test","id":"pkgtest"}' >/dev/null
created=$(api POST /v1/orgs/pkgtest/api-keys '{"name":"installed"}')
SECRET=$(json '["value"]' <<<"$created")
KEY_ID=$(json '["api_key"]["id"]' <<<"$created")
code=$(api POST /v1/validations "{\"value\":\"$SECRET\"}" | json '["code"]')
[ "$code" = VALID ] || fail "fresh key validates as $code"
api DELETE "/v1/orgs/pkgtest/api-keys/$KEY_ID" '{"reason":"package test"}' >/dev/null
code=$(api POST /v1/validations "{\"value\":\"$SECRET\"}" | json '["code"]')
[ "$code" = REVOKED ] || fail "revoked key validates as $code"
# Into a variable first: `curl | grep -q` fails under pipefail when grep stops reading early.
metrics=$(curl -s -m 10 "$URL/metrics")
grep -qx 'keyledger_validations_total{code="REVOKED"} 1' <<<"$metrics" || fail "/metrics lacks the REVOKED validation"

kill -TERM "$KEYLEDGER_PID"
# A watchdog, not a wait: a service that does not stop within 60 s is killed and fails below.
( sleep 60; kill -KILL "$KEYLEDGER_PID" 2>/dev/null ) &
watchdog=$!
status=0
wait "$SERVER_PID" || status=$?
kill "$watchdog" 2>/dev/null || true
SERVER_PID=""
[ "$status" = 0 ] || { cat "$WORK/serve.log" >&2; fail "SIGTERM: exit status $status"; }
grep -q "stopped cleanly" "$WORK/serve.log" || fail "no clean stop in the log"
if grep -qF -e "$SECRET" -e "$TOKEN" "$WORK/serve.log"; then fail "a secret reached the service's output"; fi
"$BIN" verify --data-dir "$DATA" >"$WORK/verify-data.log" 2>&1 || { cat "$WORK/verify-data.log" >&2; fail "keyledger verify"; }
echo "serve cycle: VALID, REVOKED, SIGTERM exit 0, verify ok"

# ---------------------------------------------------------------------------------------------
step "6. system calls against the unit's SystemCallFilter"
if [ ${#STRACE[@]} -gt 0 ] && command -v systemd-analyze >/dev/null; then
  check_syscalls "$WORK/syscalls" "$ROOT/lib/systemd/system/keyledger.service"
else
  echo "SKIP: strace or systemd-analyze missing (or ptrace not allowed), filter not checked"
fi

echo "PASS: package install test"
