#!/usr/bin/env bash
# Installs the widget's npm packages (package-lock.json) and copies the browser
# bundles the web server serves into bot/web/static/vendor/. No CDN at run time.
set -euo pipefail
cd "$(dirname "$0")/.."

vendor=bot/web/static/vendor
stamp=node_modules/.installed
want=$(sha256sum package-lock.json | cut -c1-16)

if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -f "$vendor/socket.io.min.js" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "error: npm (Node.js 18 or newer) is needed to install the chat widget's JavaScript." >&2
    exit 1
  fi
  echo "Installing the widget's JavaScript packages..."
  npm ci --no-audit --no-fund --loglevel=error
  mkdir -p "$vendor"
  cp node_modules/socket.io-client/dist/socket.io.min.js "$vendor/"
  echo "$want" > "$stamp"
fi
