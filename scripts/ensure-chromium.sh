#!/usr/bin/env bash
# Makes sure Debian's Chromium runs at /usr/bin/chromium, for the browser tests (tests/browser).
# Installs the `chromium` package with apt-get if needed. Never `playwright install`:
# it downloads a browser from the internet, which fails on machines without it.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

runs() {
  [ -x "$CHROMIUM" ] && "$CHROMIUM" --headless --no-sandbox --disable-gpu --version >/dev/null 2>&1
}

if runs; then
  exit 0
fi

fail() {
  echo "error: $1" >&2
  echo "The browser tests need Chromium at $CHROMIUM (on Debian: apt-get install -y chromium)." >&2
  exit 1
}

echo "Chromium does not run at $CHROMIUM: installing Debian's chromium package..."
command -v apt-get >/dev/null 2>&1 || fail "apt-get is not available here (not Debian or Ubuntu)."

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  fail "installing packages needs root, and sudo is not available."
fi

"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
  || fail "apt-get update failed (no network, or no permission)."
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium \
  || fail "apt-get install chromium failed."

runs || fail "chromium was installed but $CHROMIUM does not start."
echo "Chromium ready: $("$CHROMIUM" --version 2>/dev/null)"
