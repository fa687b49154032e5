#!/usr/bin/env bash
# The console's end-to-end suite: builds mica, installs Debian's Chromium when it
# is missing, installs playwright-core from the lock file, and runs the browser
# tests against a real `mica serve --demo` (TAP output). MICA_BIN=path skips the
# build; CONSOLE_TEST_TIMEOUT bounds the run (seconds, default 300).
# Screenshots go to artifacts/console/.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="$PATH:/usr/local/go/bin"
fi

if [ ! -x /usr/bin/chromium ]; then
	echo "installing Debian's chromium (apt-get)"
	sudo=""
	[ "$(id -u)" -ne 0 ] && sudo="sudo"
	$sudo apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi

# npm ci from the lock file; skipped when node_modules was installed from this very lock file.
stamp=node_modules/.mica-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	npm ci --no-audit --no-fund --loglevel=error >/dev/null
	echo "$want" >"$stamp"
fi

if [ -z "${MICA_BIN:-}" ]; then
	(cd "$root" && go build -o bin/mica ./cmd/mica)
	export MICA_BIN="$root/bin/mica"
fi

rm -rf "$root/artifacts/console"
# TAP: node's runner ends the output with its summary (# tests, # pass, # fail, ...).
exec timeout --kill-after=10s "${CONSOLE_TEST_TIMEOUT:-300}" node --test --test-reporter=tap console.test.mjs
