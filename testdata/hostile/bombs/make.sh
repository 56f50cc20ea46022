#!/usr/bin/env bash
# Makes the decompression bombs of tests/hostile.rs (committed; small on
# disk, absurd when unpacked). Needs python3 and zstd.
#   bash testdata/hostile/bombs/make.sh
set -euo pipefail
cd "$(dirname "$0")"
python3 - <<'PY'
import gzip, zipfile
header = b"ticket_id,created_at\n"
newlines = b"\n" * (70 << 20)  # 70 MB of empty lines: ~1030-fold in deflate
with gzip.open("bomb.csv.gz", "wb", compresslevel=9) as f:
    f.write(header + newlines)
with zipfile.ZipFile("bomb.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    z.writestr("complaints.csv", header + newlines)
with zipfile.ZipFile("many-members.zip", "w", zipfile.ZIP_STORED) as z:
    for i in range(1001):
        z.writestr(f"{i}.csv", "")
with zipfile.ZipFile("climbing.zip", "w") as z:
    z.writestr("../../complaints.csv", header + b"T1,2024-01-02 09:00\n")
# An absolute member name (zipfile strips a leading '/': patched in).
with zipfile.ZipFile("absolute.zip", "w") as z:
    z.writestr("XXXXXX.csv", header + b"T1,2024-01-02 09:00\n")
data = open("absolute.zip", "rb").read().replace(b"XXXXXX.csv", b"/tmp/c.csv")
open("absolute.zip", "wb").write(data)
PY
{ printf 'ticket_id,created_at\n'; head -c $((200 << 20)) /dev/zero | tr '\0' '\n'; } | zstd -19 -q -f -o bomb.csv.zst
ls -l
