#!/usr/bin/env bash
# The SDK suite: the official TypeScript SDK (sailpoint-api-client, pinned in
# package-lock.json) against a real mica server that the suite builds and boots.
# Needs Node 20+, npm and Go. MICA_BIN=path skips the build; SDK_TEST_TIMEOUT
# bounds the whole run (seconds, default 600).
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="$PATH:/usr/local/go/bin"
fi

# npm ci from the lock file; skipped when node_modules was installed from this very lock file.
stamp=node_modules/.mica-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	npm ci --no-audit --no-fund --loglevel=error >/dev/null
	echo "$want" >"$stamp"
fi

# One build of mica for both files (each boots its own server).
if [ -z "${MICA_BIN:-}" ]; then
	bindir=$(mktemp -d)
	trap 'rm -rf "$bindir"' EXIT
	(cd ../.. && go build -o "$bindir/mica" ./cmd/mica)
	export MICA_BIN="$bindir/mica"
fi

# TAP: node's runner ends the output with its summary (# tests, # pass, # fail, ...).
timeout --kill-after=10s "${SDK_TEST_TIMEOUT:-600}" node --test --test-reporter=tap sdk.test.mjs controls.test.mjs
