#!/usr/bin/env bash
# bench/replay.sh — replay throughput on real posts, with the Python
# reference pipeline (bench/ref/pipeline.py: jieba, SimHash, single-pass
# TF-IDF clustering) run on the same input in the same invocation.
#
#   bench/replay.sh [N]      N posts of the COVID Weibo stream (default 100000)
#   YQ_BIN=path/to/yuqing bench/replay.sh [N]   another build (before/after)
#
# Prints, for yuqing: the whole replay into SQLite with the full-text index,
# the analysis stages alone (`yuqing cluster`, no store), and per stage
# (from replay's own timers, in CPU time: --cpu-timers); for the reference:
# the same; and the ratios.  Both programs are single-threaded.  The machine
# is shared, so the figure that counts is CPU time (user + sys of the
# process, start-up included): each yuqing run is repeated RUNS times
# (default 3) and the smallest CPU time is taken; wall time is printed too.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
RUNS=${RUNS:-3}
data=${YQ_DATA:-../shared/data}
out=bench/out
mkdir -p "$out"
bin=${YQ_BIN:-build/yuqing}
[ -n "${YQ_BIN:-}" ] || [ -x build/yuqing ] || { cmake -S . -B build >/dev/null && cmake --build build -j2; }
{ zcat "$data/weibo_covid/posts.tsv.gz" || true; } | head -n $((N + 1)) > "$out/posts.tsv"
bytes=$(tail -n +2 "$out/posts.tsv" | cut -f4 | wc -c)
echo "input: $N real Weibo posts, $bytes bytes of text ($((bytes / N)) bytes a post)"

# best RUN FILE CMD...: runs CMD RUNS times, keeps in FILE the "wall user
# sys" of the run with the least CPU, and CMD's stdout of that run in FILE.out
best() {
	local f=$1
	shift
	rm -f "$f"
	for _ in $(seq "$RUNS"); do
		rm -f "$out/bench.db" "$out/bench.db-wal" "$out/bench.db-shm"
		/usr/bin/time -o "$f.try" -f "%e %U %S" "$@" > "$f.out.try"
		if [ ! -s "$f" ] || awk 'NR == FNR { b = $2 + $3; next } { exit !($2 + $3 < b) }' "$f" "$f.try"; then
			mv "$f.try" "$f"
			mv "$f.out.try" "$f.out"
		fi
	done
	rm -f "$f.try" "$f.out.try"
}
timers=()
"$bin" help replay | grep -q -- --cpu-timers && timers=(--cpu-timers) # older builds lack it
best "$out/t.replay" "$bin" replay "${timers[@]}" --db "$out/bench.db" --bucket 1d \
	--source weibo "$out/posts.tsv"
best "$out/t.cluster" "$bin" cluster --bucket 1d --source weibo "$out/posts.tsv"
cat "$out/t.replay.out"
rate() { awk -v n="$N" '{printf "%8.0f posts/s wall, %8.0f posts per CPU second (%.2f s CPU)", n / $1, n / ($2 + $3), $2 + $3}' "$1"; }
echo "yuqing replay (SQLite + FTS5, start-up included):  $(rate "$out/t.replay")"
echo "yuqing analysis stages (cluster, no store):        $(rate "$out/t.cluster")"
echo "  (least CPU of $RUNS runs each)"
cpu_rate() { awk -v n="$N" '{print n / ($2 + $3)}' "$1"; }

# the reference slows as its clusters grow: it runs on the first REF_N posts
# (default 10000) of the same input
REF_N=${REF_N:-$(( N < 10000 ? N : 10000 ))}
echo "reference: Python jieba + SimHash + single-pass TF-IDF clustering on the first $REF_N of the same posts ..."
ref=$(/usr/bin/python3 bench/ref/pipeline.py "$out/posts.tsv" "$REF_N" | tail -n 1)
echo "$ref"
ref_cpu=$(echo "$ref" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["posts_per_cpu_s"])')
printf 'reference pipeline:                                %8.0f posts per CPU second\n' "$ref_cpu"
printf 'ratio (CPU): yuqing analysis / reference = %.1fx; yuqing replay with store / reference = %.1fx\n' \
  "$(echo "$(cpu_rate "$out/t.cluster") / $ref_cpu" | bc -l)" "$(echo "$(cpu_rate "$out/t.replay") / $ref_cpu" | bc -l)"
