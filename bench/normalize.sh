#!/usr/bin/env bash
# bench/normalize.sh [N] — throughput of `yuqing normalize` on N real Weibo
# posts (default 200000) from $YQ_DATA/weibo_covid/posts.tsv.gz, against a
# reference run in the same invocation: Python's unicodedata NFKC plus
# whitespace collapsing over the same lines (a lower bar: no HTML, no t2s,
# no offset map).  Prints one machine-readable line per run:
#   normalize impl=yuqing posts=N bytes=B seconds=S posts_per_s=P mb_per_s=M
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200000}
YQ=${YQ:-build/yuqing}
YQ_DATA=${YQ_DATA:-../shared/data}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(set +o pipefail; zcat "$YQ_DATA/weibo_covid/posts.tsv.gz" | head -n $((N + 1))) |
	tail -n "$N" | cut -f4 >"$tmp/in.txt"
bytes=$(wc -c <"$tmp/in.txt")

report() { # impl seconds
	awk -v i="$1" -v s="$2" -v n="$N" -v b="$bytes" 'BEGIN {
		printf "normalize impl=%s posts=%d bytes=%d seconds=%.3f posts_per_s=%.0f mb_per_s=%.1f\n",
			i, n, b, s, n / s, b / s / 1e6 }'
}

t0=$(date +%s.%N)
"$YQ" normalize "$tmp/in.txt" >"$tmp/out.txt"
t1=$(date +%s.%N)
report yuqing "$(echo "$t1 - $t0" | bc)"

t0=$(date +%s.%N)
/usr/bin/python3 -c '
import sys, unicodedata, re
sp = re.compile(r"\s+")
out = sys.stdout
for line in sys.stdin:
    out.write(sp.sub(" ", unicodedata.normalize("NFKC", line.rstrip("\n"))).strip() + "\n")
' <"$tmp/in.txt" >"$tmp/ref.txt"
t1=$(date +%s.%N)
report python-nfkc "$(echo "$t1 - $t0" | bc)"
