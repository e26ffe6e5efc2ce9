#!/usr/bin/env bash
# Rebuild static/vendor/echarts.dashboard.min.js: ECharts cut to the charts and components
# static/js/dashboard.js draws (scripts/vendor/echarts-dashboard.entry.js), bundled by
# esbuild. Run by hand when updating ECharts (needs npm and the registry once); the output
# is committed, nothing is fetched at run time.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
ECHARTS="${ECHARTS:-6.1.0}"
ESBUILD="${ESBUILD:-0.28.2}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund "echarts@$ECHARTS" "esbuild@$ESBUILD" >/dev/null
cp "$REPO/scripts/vendor/echarts-dashboard.entry.js" entry.js
node_modules/@esbuild/linux-x64/bin/esbuild entry.js --bundle --minify --format=iife --target=es2017 \
  --legal-comments=eof --outfile="$REPO/static/vendor/echarts.dashboard.min.js"
cp node_modules/echarts/LICENSE "$REPO/static/vendor/LICENSE-echarts.txt"
cp node_modules/echarts/NOTICE "$REPO/static/vendor/NOTICE-echarts.txt"
cp node_modules/echarts/licenses/LICENSE-d3 "$REPO/static/vendor/LICENSE-echarts-d3.txt"
sha256sum "$REPO/static/vendor/echarts.dashboard.min.js"
