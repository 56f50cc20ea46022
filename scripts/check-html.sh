#!/usr/bin/env bash
# The HTML report in real headless Chromium (Debian's `chromium`, driven by
# playwright-core from npm): generated exports with 5 regions, opened at 400
# and 1,280 px; fails on console errors, a page wider than the window, a
# missing section or an external resource. Screenshots go to
# ${CI_ARTEFACTS:-ci-artefacts}/ (kept as the run's artefacts).
set -euo pipefail
cd "$(dirname "$0")/.."
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  echo "HTML report: no chromium here (apt-get install chromium); .ci/run installs it" >&2
  exit 1
fi
node_dir="${COMPLAINT_RATE_NODE:-$HOME/.cache/complaint-rate/node}"
if [ ! -d "$node_dir/node_modules/playwright-core" ]; then
  mkdir -p "$node_dir"
  (cd "$node_dir" && npm install --silent --no-audit --no-fund playwright-core@1)
fi
target="${CARGO_TARGET_DIR:-target}"
tool="$target/debug/complaint-rate"
artefacts="${CI_ARTEFACTS:-$PWD/ci-artefacts}"
mkdir -p "$artefacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$target/debug/examples/generate" --deliveries 300000 --weeks 26 --regions 5 --complaints-per-1000 2 --seed 16 \
  --out "$work/data" 2>/dev/null
"$tool" report --complaints "$work/data/complaints.csv" --deliveries "$work/data/deliveries.csv" --by region \
  -o "$artefacts/report.html"
NODE_PATH="$node_dir/node_modules" CHROMIUM="$chromium" node scripts/check-html.cjs "$artefacts/report.html" "$artefacts" \
  picture segments repeats concentration categories periods ledger
echo "HTML report checked in $($chromium --version 2>/dev/null | head -1); artefacts in $artefacts"
