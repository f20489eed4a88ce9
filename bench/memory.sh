#!/usr/bin/env bash
# bench/memory.sh — memory per post held in the detection window (issue 5,
# "Speed and memory"): replays the whole COVID Weibo stream
# (weibo_covid/posts.tsv.gz, 457,401 posts, all inside the default
# 500,000-post window) and prints
#   - `yuqing replay`'s own memory line: (peak RSS (VmHWM) − RSS after the
#     dictionaries, IDF table and models are loaded) / posts in the window;
#     the store (SQLite page cache, FTS5 buffers) included;
#   - the analysis stages alone (`yuqing cluster`, no store): peak RSS
#     (/usr/bin/time %M) minus the peak of the same command on one post
#     (start-up only), per post; `yuqing cluster` also holds every post's
#     id and event until the end (about 40 bytes a post), counted here.
# Target: <= 300 bytes a post.
#
#   bench/memory.sh [FILE]   default: $YQ_DATA/weibo_covid/posts.tsv.gz
set -euo pipefail
cd "$(dirname "$0")/.."
data=${YQ_DATA:-../shared/data}
in=${1:-$data/weibo_covid/posts.tsv.gz}
out=bench/out
mkdir -p "$out"
[ -x build/yuqing ] || { cmake -S . -B build >/dev/null && cmake --build build -j2; }
rm -f "$out/mem.db" "$out/mem.db-wal" "$out/mem.db-shm"
build/yuqing replay --db "$out/mem.db" --bucket 1d --source weibo "$in" > "$out/mem_replay.txt"
grep -E '^(posts read|events|memory)' "$out/mem_replay.txt"
rm -f "$out/mem.db" "$out/mem.db-wal" "$out/mem.db-shm"

{ zcat -f "$in" || true; } | head -n 2 > "$out/mem_one.tsv"
/usr/bin/time -o "$out/mem_t1" -f "%M" build/yuqing cluster --bucket 1d --source weibo \
	"$out/mem_one.tsv" > /dev/null
/usr/bin/time -o "$out/mem_t2" -f "%M" build/yuqing cluster --bucket 1d --source weibo \
	"$in" > "$out/mem_clusters.jsonl"
posts=$(wc -l < "$out/mem_clusters.jsonl")
awk -v a="$(cat "$out/mem_t1")" -v b="$(cat "$out/mem_t2")" -v n="$posts" 'BEGIN {
	printf "cluster (no store)  start-up %.1f MiB, peak %.1f MiB, %d posts, %.0f bytes per post\n",
		a / 1024, b / 1024, n, (b - a) * 1024 / n }'
