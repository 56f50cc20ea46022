#!/usr/bin/env bash
# Render the HTML report of the example exports in headless Chromium (Debian's
# `chromium` package): the page must load without console errors, show the
# verdict and the chart, and give a screenshot. Fails without Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  echo "HTML report: no chromium here (apt-get install chromium); .ci/run installs it" >&2
  exit 1
fi
tool="${CARGO_TARGET_DIR:-target}/debug/complaint-rate"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$tool" report --complaints examples/complaints.csv --deliveries examples/deliveries.csv --by region -o "$work/report.html"
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
  --disable-component-update --disable-sync --user-data-dir="$work/profile" --enable-logging=stderr --v=0)
timeout 60 "$chromium" "${flags[@]}" --dump-dom "file://$work/report.html" > "$work/dom.html" 2> "$work/console.log" || true
timeout 60 "$chromium" "${flags[@]}" --window-size=1200,2000 --screenshot="$work/report.png" "file://$work/report.html" \
  >/dev/null 2>>"$work/console.log" || true
grep -q 'class="verdict' "$work/dom.html" || { echo "HTML report: no verdict in the rendered page"; exit 1; }
grep -q '<svg' "$work/dom.html" || { echo "HTML report: no chart in the rendered page"; exit 1; }
if grep -E 'Uncaught|SyntaxError|Failed to load resource' "$work/console.log"; then
  echo "HTML report: the page logged errors"; exit 1
fi
size=$(stat -c %s "$work/report.png" 2>/dev/null || echo 0)
[ "$size" -gt 10000 ] || { echo "HTML report: screenshot missing or empty ($size bytes)"; exit 1; }
if [ -n "${KEEP_SCREENSHOT:-}" ]; then cp "$work/report.png" "$KEEP_SCREENSHOT"; fi
echo "HTML report renders in $($chromium --version 2>/dev/null | head -1): verdict, chart, ${size}-byte screenshot"
