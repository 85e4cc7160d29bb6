#!/usr/bin/env bash
# Builds binhyen, installs the pinned browser driver from the lockfile, and runs the console's
# browser end-to-end tests against Debian's Chromium.
#
#   e2e/run.sh                 build (debug), test
#   E2E_SCREENSHOTS=1 e2e/run.sh   also refresh docs/screenshots/*.png
#   BINHYEN_BIN=path e2e/run.sh    test an existing binary (no build)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cd "$repo"

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "e2e: installing Debian's chromium" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
  else
    echo "e2e: /usr/bin/chromium is missing (apt-get install chromium)" >&2
    exit 1
  fi
fi

if [ -z "${BINHYEN_BIN:-}" ]; then
  cargo build -p server --bin binhyen
  target="${CARGO_TARGET_DIR:-$repo/target}"
  export BINHYEN_BIN="$target/debug/binhyen"
fi
export BINHYEN_UNITS="${BINHYEN_UNITS:-$repo/../shared/data/hanoi}"

cd "$here"
npm ci --no-audit --no-fund --prefer-offline --loglevel=error
# Node's runner finds *.test.mjs; one file at a time keeps the 2-core machine calm.
node --test --test-concurrency=1 --test-reporter=spec .
