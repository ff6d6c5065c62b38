#!/usr/bin/env bash
# Regenerate docs/report-example.png: the deadline report of examples/corpus as headless chromium
# draws it (scripts/install-chromium.sh installs chromium and a CJK font). The as-of day is fixed
# so that the picture does not change with the calendar.
#   usage: scripts/report-example.sh [AS_OF=2024-10-01] [OUT=docs/report-example.png]
set -euo pipefail
cd "$(dirname "$0")/.."
AS_OF="${1:-2024-10-01}"
OUT="${2:-docs/report-example.png}"
BIN=${VENV:-.venv}/bin
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$BIN/newskg" ingest examples/corpus --store "$work/store" 2>/dev/null
"$BIN/newskg" report --out "$work/report.html" --as-of "$AS_OF" --store "$work/store"
mkdir -p "$(dirname "$OUT")"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$work/profile" \
  --virtual-time-budget=15000 --window-size=1280,1700 --screenshot="$(realpath -m "$OUT")" \
  "file://$work/report.html" 2>/dev/null
echo "wrote $OUT" >&2
