#!/usr/bin/env bash
# bench/serve.sh — `yuqing serve` under a sustained push of real posts on
# loopback: accepted posts/s, ingest-to-alert latency (push of the post that
# raised an alert → the alert on the live stream) p50/p99, and the daemon's
# memory.  No reference program: the target is PRODUCT.md's p99 <= 1 s.
#
#   bench/serve.sh [N] [RATE] [BATCH]   N COVID posts (default 20000) pushed at
#                                       RATE posts/s (default 2000) in batches
#                                       of BATCH (default 100)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20000}
RATE=${2:-2000}
BATCH=${3:-100}
data=${YQ_DATA:-../shared/data}
out=bench/out/serve
rm -rf "$out"
mkdir -p "$out"
[ -x build/yuqing ] || { cmake -S . -B build >/dev/null && cmake --build build -j2; }
{ zcat "$data/weibo_covid/posts.tsv.gz" || true; } | head -n $((N + 1)) | /usr/bin/python3 -c '
import json, sys
hdr = sys.stdin.readline().rstrip("\n").split("\t")
for line in sys.stdin:
    f = line.rstrip("\n").split("\t")
    if len(f) == len(hdr):
        print(json.dumps(dict(zip(hdr, f)), ensure_ascii=False))' > "$out/posts.jsonl"
cat > "$out/yuqing.yaml" <<'YAML'
database: bench.db
listen: 127.0.0.1:0
port_file: port
pipeline: {bucket: 1d}
limits: {queue: 100000}
YAML
printf 'correct horse battery\n' | build/yuqing user add --db "$out/bench.db" bench --role admin > /dev/null 2>&1
token=$(build/yuqing user token --db "$out/bench.db" bench 2> /dev/null)
build/yuqing serve --config "$out/yuqing.yaml" 2> "$out/log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do [ -s "$out/port" ] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$out/port")"
echo "input: $(wc -l < "$out/posts.jsonl") real Weibo posts pushed at $RATE posts/s in batches of $BATCH"
/usr/bin/python3 bench/serve.py "$url" "$token" "$out/posts.jsonl" "$RATE" "$BATCH" | tee "$out/result"
ticks=$(getconf CLK_TCK)
cpu=$(awk -v t="$ticks" '{printf "%.2f", ($14 + $15) / t}' /proc/$pid/stat)
stored=$(curl -s -H "Authorization: Bearer $token" "$url/metrics" | awk '/^yuqing_posts_stored_total/ {s += $2} END {print s}')
echo "daemon cpu: $cpu s (user+sys, start-up included) for $stored posts stored: $(awk -v n="$stored" -v c="$cpu" 'BEGIN {printf "%.0f", n / c}') posts per CPU second"
echo "daemon memory: $(awk '/^VmHWM/ {printf "peak %.1f MiB", $2 / 1024} /^VmRSS/ {printf ", now %.1f MiB", $2 / 1024}' /proc/$pid/status)"
curl -s -H "Authorization: Bearer $token" "$url/metrics" | grep -E '^yuqing_(ingest_latency_seconds_(sum|count)|commits_total|posts_stored_total)'
kill -TERM $pid
wait $pid
