#!/usr/bin/env python3
"""Self instructions of a callgrind profile grouped by the function symbol
they were compiled into (so code inlined into an h2 function counts as h2),
per transfer: cg_groups.py CALLGRIND_OUT TRANSFERS."""
import collections
import re
import subprocess
import sys

GROUPS = [
    (r"fetch_core::h2::hpack", "fetch-core h2 (hpack)"),
    (r"fetch_core::h2::", "fetch-core h2"),
    (r"fetch_core::multi::h2|fetch_core::multi::.*h2_", "fetch-core multi (h2 glue)"),
    (r"fetch_core::", "fetch-core other (engine)"),
    (r"fetch_bench_driver", "driver loop"),
    (r"h2::hpack", "h2 crate (hpack)"),
    (r"\bh2::", "h2 crate"),
    (r"h2crate_probe", "probe loop + transport"),
    (r"\b(http|bytes|tokio_util|tokio|indexmap|slab|fnv|tracing)::", "http/bytes/tokio-util/indexmap"),
    (r"rustls|webpki", "rustls"),
    (r"ring|_aesni|aes_hw|gcm_|ecp_nistz|x25519|sha256|sha512", "ring"),
    (r"malloc|free|realloc|calloc|_int_|__rdl_|__rust_alloc|__rust_dealloc", "malloc/free"),
    (r"mem(cpy|move|set|cmp)|__memcpy|__memset", "libc mem*"),
]

path, n = sys.argv[1], int(sys.argv[2])
out = subprocess.run(
    ["callgrind_annotate", "--auto=no", "--threshold=100", path],
    capture_output=True, text=True, check=True,
).stdout
groups = collections.Counter()
for line in out.splitlines():
    m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$", line)
    if not m or "PROGRAM TOTALS" in line:
        continue
    ir = int(m.group(1).replace(",", ""))
    fn = re.sub(r" \[/.*", "", m.group(2))
    fn = fn.split(":", 1)[1] if ":" in fn else fn
    groups[next((g for r, g in GROUPS if re.search(r, fn)), "other")] += ir
for k, v in groups.most_common():
    print(f"{v / n:9.0f}  {k}")
print(f"{sum(groups.values()) / n:9.0f}  total (whole process)")
