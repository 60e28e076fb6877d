#!/usr/bin/env bash
# Debian's Chromium for the browser tests (test/e2e/web.test.ts, driven by playwright-core; no browser download).
# Without root or apt it says why and returns 0: the browser tests then skip, saying so.
set -uo pipefail
if command -v chromium >/dev/null 2>&1; then echo "== chromium: $(chromium --version 2>/dev/null)"; exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium: missing and cannot install it (needs root and apt-get); the browser tests will skip"
  exit 0
fi
echo "== chromium: installing Debian's chromium"
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null && echo "== chromium: $(chromium --version 2>/dev/null)"
