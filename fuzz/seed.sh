#!/usr/bin/env bash
# Seed corpora from the repository's own fixtures: every CSV/TSV/NDJSON test
# file under testdata/ (prefixed with the byte that selects its kind) for the
# `input` target, and their time columns' lines for the `time` target.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/input corpus/time
n=0
for f in ../testdata/*/*.csv ../testdata/*/*.ndjson ../examples/complaints.csv; do
  case $f in *.ndjson) kind='\x03' ;; *) kind='\x00' ;; esac
  n=$((n + 1))
  { printf "$kind"; head -c 20000 "$f"; } > "corpus/input/seed-$n"
  { printf '\x00'; head -c 4000 "$f"; } > "corpus/time/seed-$n"
done
printf '\x04%%d.%%m.%%Y %%H:%%M\n24.01.2024 09:15\n' > corpus/time/custom
{ printf '\x00'; printf '%s\n' '2024-01-02 09:00' '2024-01-02T09:00:00+02:00' '2024/01/02' '02.01.2024 09:00' \
  '1/2/2024 9:00 AM' '2024-W05' '2024-01' '45123.5' '2024-01-02T09:00:00Z'; } > corpus/time/layouts
echo "seeded $n files into fuzz/corpus/{input,time}"
