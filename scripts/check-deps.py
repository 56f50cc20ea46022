#!/usr/bin/env python3
"""A cargo-deny-style check of the dependency tree that runs offline from the
registry: every crate built for Linux comes from crates.io (no git or path
sources beside our own), and every license expression is satisfiable with the
permissive licenses below. Prints the crates that share a name at several
versions (informational). The RustSec advisory database lives on GitHub, which
this machine cannot reach, so advisories are not checked here.

    python3 scripts/check-deps.py        # exit 1 on a finding
"""

import json
import re
import subprocess
import sys
from collections import defaultdict

ALLOWED = {
    "MIT", "MIT-0", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "0BSD", "ISC",
    "Zlib", "Unicode-3.0", "Unicode-DFS-2016", "CC0-1.0", "BSL-1.0", "Unlicense",
    "MPL-2.0",
    # libbzip2's own licence (a BSD-style permissive licence; libbz2-rs-sys,
    # the pure-Rust port that reads .bz2 exports, keeps it).
    "bzip2-1.0.6",
}
CRATES_IO = "registry+https://github.com/rust-lang/crates.io-index"


def satisfiable(expression):
    """SPDX expression (with the old `/` for OR) → True if some choice uses only ALLOWED."""
    tokens = re.findall(r"\(|\)|[A-Za-z0-9.+-]+|/", expression)
    position = 0

    def atom():
        nonlocal position
        token = tokens[position]
        position += 1
        if token == "(":
            value = disjunction()
            position += 1  # ")"
            return value
        if position < len(tokens) and tokens[position] == "WITH":
            position += 2  # an exception only narrows the license
        return token in ALLOWED

    def conjunction():
        nonlocal position
        value = atom()
        while position < len(tokens) and tokens[position] == "AND":
            position += 1
            value = atom() and value
        return value

    def disjunction():
        nonlocal position
        value = conjunction()
        while position < len(tokens) and tokens[position] in ("OR", "/"):
            position += 1
            value = conjunction() or value
        return value

    return disjunction()


def main():
    metadata = json.loads(subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked",
         "--filter-platform", "x86_64-unknown-linux-gnu"],
        check=True, capture_output=True, text=True).stdout)
    used = {node["id"] for node in metadata["resolve"]["nodes"]}
    ours = set(metadata["workspace_members"])
    problems = []
    versions = defaultdict(set)
    packages = [p for p in metadata["packages"] if p["id"] in used]
    for p in packages:
        versions[p["name"]].add(p["version"])
        if p["id"] in ours:
            continue
        if p["source"] != CRATES_IO:
            problems.append(f"{p['name']} {p['version']}: not from crates.io ({p['source']})")
        license = p.get("license")
        if not license:
            problems.append(f"{p['name']} {p['version']}: no license expression")
        elif not satisfiable(license):
            problems.append(f"{p['name']} {p['version']}: license {license!r} is not in the allowed set")
    duplicates = sorted(f"{n} ({', '.join(sorted(v))})" for n, v in versions.items() if len(v) > 1)
    print(f"{len(packages)} crates; licenses and sources checked offline; advisories NOT checked (no network to the RustSec database)")
    if duplicates:
        print(f"{len(duplicates)} crates at several versions (from polars' and others' own requirements): {'; '.join(duplicates)}")
    for problem in problems:
        print(f"!! {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
