#!/usr/bin/env bash
# bench/replay.sh — replay throughput on real posts, with the Python
# reference pipeline (bench/ref/pipeline.py: jieba, SimHash, single-pass
# TF-IDF clustering) run on the same input in the same invocation.
#
#   bench/replay.sh [N]      N posts of the COVID Weibo stream (default 100000)
#
# Prints, for yuqing: the whole replay into SQLite with the full-text index,
# the analysis stages alone (`yuqing cluster`, no store), and per stage
# (from replay's own timers); for the reference: the same; and the ratios.
# Times are wall-clock on one core (both programs are single-threaded).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
data=${YQ_DATA:-../shared/data}
out=bench/out
mkdir -p "$out"
[ -x build/yuqing ] || { cmake -S . -B build >/dev/null && cmake --build build -j2; }
{ zcat "$data/weibo_covid/posts.tsv.gz" || true; } | head -n $((N + 1)) > "$out/posts.tsv"
bytes=$(tail -n +2 "$out/posts.tsv" | cut -f4 | wc -c)
echo "input: $N real Weibo posts, $bytes bytes of text ($((bytes / N)) bytes a post)"

rm -f "$out/bench.db" "$out/bench.db-wal" "$out/bench.db-shm"
t0=$(date +%s.%N)
build/yuqing replay --db "$out/bench.db" --bucket 1d --source weibo "$out/posts.tsv" > "$out/replay.txt"
t1=$(date +%s.%N)
build/yuqing cluster --bucket 1d --source weibo "$out/posts.tsv" > /dev/null
t2=$(date +%s.%N)
cat "$out/replay.txt"
replay_ps=$(echo "$N / ($t1 - $t0)" | bc -l)
analysis_ps=$(echo "$N / ($t2 - $t1)" | bc -l)
printf 'yuqing replay (SQLite + FTS5, process start included)  %8.0f posts/s\n' "$replay_ps"
printf 'yuqing analysis stages (cluster, no store)               %8.0f posts/s\n' "$analysis_ps"

echo "reference: Python jieba + SimHash + single-pass TF-IDF clustering on the same posts ..."
ref=$(/usr/bin/python3 bench/ref/pipeline.py "$out/posts.tsv" "$N" | tail -n 1)
echo "$ref"
ref_ps=$(echo "$ref" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["posts_per_s"])')
printf 'reference pipeline                                       %8.0f posts/s\n' "$ref_ps"
printf 'ratio: yuqing analysis / reference = %.1fx; yuqing replay with store / reference = %.1fx\n' \
  "$(echo "$analysis_ps / $ref_ps" | bc -l)" "$(echo "$replay_ps / $ref_ps" | bc -l)"
