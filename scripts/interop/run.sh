#!/bin/bash
# scripts/interop/run.sh [vitest args...]   (npm run test:interop)
# Interop tests against strongSwan in network namespaces (the lab: ../shared/interop next to
# the repository, or SWANLAB_DIR). Needs root. Installs the lab's packages (setup.sh,
# idempotent), builds dist/ (npm run build: the daemon tests run the real `ikev2`), runs the
# tests with vitest.interop.config.ts, and always tears the lab down (teardown.sh: charons of
# this run by pid file, namespaces), on failure and on Ctrl-C too.
# Runtime files (generated configs, charon.log) go to SWANLAB_RUN (a fresh temp folder unless
# set); it is removed after a passing run and kept, with its path printed, after a failing one
# (or always with SWANLAB_KEEP=1).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export SWANLAB_DIR=${SWANLAB_DIR:-$(cd "$ROOT/.." && pwd)/shared/interop}
[ -x "$SWANLAB_DIR/setup.sh" ] || { echo "interop lab not found at $SWANLAB_DIR (set SWANLAB_DIR)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "the interop tests need root (namespaces, apt-get, port 500)" >&2; exit 2; }
# one lab per machine: a second run waits here (its setup and teardown would break the first's)
exec 9>"${TMPDIR:-/tmp}/swanlab.lock"
flock 9
own_run=0
if [ -z "${SWANLAB_RUN:-}" ]; then
	SWANLAB_RUN=$(mktemp -d "${TMPDIR:-/tmp}/swanlab-run-XXXXXX")
	own_run=1
fi
export SWANLAB_RUN
status=1
cleanup() {
	"$SWANLAB_DIR/teardown.sh" >/dev/null 2>&1 || true
	if [ "$status" = 0 ] && [ $own_run = 1 ] && [ -z "${SWANLAB_KEEP:-}" ]; then
		rm -rf "$SWANLAB_RUN"
	else
		echo "interop runtime files (charon logs, configs) kept in $SWANLAB_RUN" >&2
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
"$SWANLAB_DIR/setup.sh" || exit 1
# the certificate tests (test/interop/certificates.test.ts) make their PKI with strongSwan's pki,
# which the lab's setup.sh does not install
if ! command -v pki >/dev/null 2>&1; then
	echo "installing: strongswan-pki"
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends strongswan-pki >/dev/null; } || exit 1
fi
# the NAT tests (test/interop/nat.test.ts) put a router namespace with iptables MASQUERADE between
# the peers and flush its conntrack table
for tool in iptables conntrack; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "installing: $tool"
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$tool" >/dev/null; } || exit 1
	fi
done
cd "$ROOT" || exit 1
# the daemon tests (test/interop/daemon-*.test.ts, transport-tshark.test.ts) run dist/targets/native/ikev2.js
npm run build --silent || exit 1
npx vitest run --config vitest.interop.config.ts "$@"
status=$?
exit $status
