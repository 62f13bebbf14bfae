#!/usr/bin/env bash
# Installs, idempotently, what xinqiao needs: the Debian packages listed in
# scripts/debian-packages.txt and the web UI's npm packages (web/package-lock.json).
set -euo pipefail
cd "$(dirname "$0")/.."

want=$(grep -v '^\s*#' scripts/debian-packages.txt | grep -v '^\s*$')
missing=()
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node.js: any installed node >= 18 with npm will do; otherwise Debian's.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ -f web/package-lock.json ]; then
  stamp=web/node_modules/.xq-lock-stamp
  if [ ! -f "$stamp" ] || ! cmp -s web/package-lock.json "$stamp"; then
    echo "install-deps: npm ci in web/"
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
    cp web/package-lock.json "$stamp"
  fi
fi
