#!/usr/bin/env bash
# Builds the SPA into web/dist when its sources changed.
set -euo pipefail
cd "$(dirname "$0")/../web"
[ -f package.json ] || { echo "build-web: no web/ UI yet"; exit 0; }
stamp=dist/.xq-src-stamp
sum=$( (find src public tools index.html vite.config.* package-lock.json -type f 2>/dev/null | sort | xargs cat) | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then exit 0; fi
npx vite build --logLevel warn
echo "$sum" > "$stamp"
