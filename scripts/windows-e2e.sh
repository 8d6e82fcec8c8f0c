#!/usr/bin/env bash
# CI's Windows stage: zhttp under the official deno.exe on Wine 10, tested from Linux.
#
# 1. scripts/windows/setup.sh builds or checks the cached test bed (Debian trixie root with
#    Wine, deno.exe, a WINEPREFIX). When it cannot (no Debian mirror, no npm registry, not
#    root) it exits non-zero and so does this stage: it fails, it never skips.
# 2. The Linux deno runs tests/windows/*.e2e.ts, which start deno.exe on a Windows-side
#    root (C:\site) and probe it over 127.0.0.1. They are named *.e2e.ts so that
#    `deno task test` (which collects *_test.ts under tests/) leaves them out.
#
# Usage: sudo scripts/windows-e2e.sh [deno test options, e.g. --filter Ctrl+C]
# Env:   ZHTTP_WINE_CACHE, ZHTTP_WINE_MIRROR (see scripts/windows/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'windows-e2e: %s\n' "$*"; }
fail() {
  printf 'windows-e2e: FAILED: %s\n' "$*" >&2
  exit 1
}

started=$SECONDS
[[ $EUID -eq 0 ]] || fail "must run as root (the Wine test bed needs mounts and chroot)"
command -v deno >/dev/null || fail "deno is not installed (.ci/run installs the pinned one)"

log "test bed: scripts/windows/setup.sh"
scripts/windows/setup.sh || fail "scripts/windows/setup.sh could not prepare the test bed"
setup_seconds=$((SECONDS - started))

log "tests: deno test tests/windows/*.e2e.ts"
tests_started=$SECONDS
deno test --allow-all "$@" tests/windows/*.e2e.ts || fail "Windows end-to-end tests failed"

log "passed in $((SECONDS - started))s (setup ${setup_seconds}s, tests $((SECONDS - tests_started))s)"
