#!/usr/bin/env bash
# bench/same_output.sh — do two yuqing binaries give the same results?
#
#   bench/same_output.sh BASE NEW [N]
#
# BASE and NEW are yuqing binaries next to their models/ (a build directory's
# yuqing, or a copy of it made together with its models/ directory).
#
# Runs both binaries on the first N (default 20000) posts of the COVID Weibo
# stream ($YQ_DATA/weibo_covid/posts.tsv.gz) and compares, byte for byte:
#   - `yuqing dedup` (id, simhash, dup_of of every post),
#   - `yuqing cluster --out-events` (every post's event, every event),
#   - `yuqing replay --alerts-out` (alerts, and from the database: every
#     post's tokens, simhash, dup_of, event and sentiment; every event row;
#     and the rows the full-text index finds for a few queries).
# Meant for speed work: a change that should not change results is checked
# with the binary before it as BASE.  Prints "same" or the first differences
# and exits 1.
set -euo pipefail
base=$1 new=$2 N=${3:-20000}
data=${YQ_DATA:-$(dirname "$0")/../../shared/data}
tmp=${YQ_TMP:-$(mktemp -d)}
mkdir -p "$tmp"
{ zcat "$data/weibo_covid/posts.tsv.gz" || true; } | head -n $((N + 1)) > "$tmp/posts.tsv"
run() { # run BIN DIR
	local bin=$1 d=$2
	mkdir -p "$d"
	rm -f "$d"/db*
	"$bin" dedup --source weibo "$tmp/posts.tsv" > "$d/dedup.jsonl"
	"$bin" cluster --bucket 1d --source weibo --out-events "$d/events.jsonl" "$tmp/posts.tsv" \
		> "$d/cluster.jsonl"
	"$bin" replay --db "$d/db" --bucket 1d --source weibo --alerts-out "$d/alerts.jsonl" \
		"$tmp/posts.tsv" > /dev/null
	sqlite3 "$d/db" "SELECT id, tokens, simhash, dup_of, event, sentiment,
		printf('%.6f', sentiment_prob) FROM posts ORDER BY rowid" > "$d/posts.txt"
	sqlite3 "$d/db" "SELECT * FROM events ORDER BY id" > "$d/events.txt"
	sqlite3 "$d/db" "SELECT event, time, level, reason FROM alerts ORDER BY id" > "$d/alerts.txt"
	for q in 武汉 疫情防控 口罩 新型冠状病毒 医生 hospital 2020; do
		"$bin" search --db "$d/db" --count "$q"
		"$bin" search --db "$d/db" --limit 50 "$q" | md5sum
	done > "$d/fts.txt"
}
run "$base" "$tmp/base"
run "$new" "$tmp/new"
status=0
for f in dedup.jsonl cluster.jsonl events.jsonl alerts.jsonl posts.txt events.txt alerts.txt fts.txt; do
	if ! cmp -s "$tmp/base/$f" "$tmp/new/$f"; then
		echo "DIFFERENT: $f ($(wc -l < "$tmp/base/$f") vs $(wc -l < "$tmp/new/$f") lines)"
		{ diff "$tmp/base/$f" "$tmp/new/$f" || true; } | head -n 6
		status=1
	fi
done
[ $status = 0 ] && echo "same: $N posts, $(wc -l < "$tmp/new/posts.txt") stored, $(wc -l < "$tmp/new/events.txt") events, $(wc -l < "$tmp/new/alerts.txt") alerts, and the same full-text search results"
exit $status
