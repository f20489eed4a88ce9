#!/usr/bin/env bash
# bench/bcubed.sh — event quality: B-cubed precision, recall and F1 of
# `yuqing cluster` against labelled streams built at run time from the
# shared data (bench/ref/bcubed.py says how), with a Python single-pass
# TF-IDF clustering reference scored on the same streams in the same run.
#
#   bench/bcubed.sh [COVID_POSTS]   COVID slice: the first COVID_POSTS posts
#                                   with one #topic# in date order (default
#                                   60000; 0 = all 272k)
# Prints one JSON line per system and stream.  Targets (issue 5):
# crisislex F1 >= 0.5, COVID topics F1 >= 0.3.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-60000}
data=${YQ_DATA:-../shared/data}
out=bench/out
py=/usr/bin/python3
mkdir -p "$out"
[ -x build/yuqing ] || { cmake -S . -B build >/dev/null && cmake --build build -j2; }

for s in crisislex covid; do
	cap=0
	bucket=1h
	[ "$s" = covid ] && cap=$N && bucket=1d
	$py bench/ref/bcubed.py stream "$s" "$data" "$out/$s.jsonl" "$out/$s.labels" "$cap"
	echo "== $s: yuqing cluster --bucket $bucket"
	/usr/bin/time -o "$out/t.$s" -f "%e s wall, %U s user" \
		build/yuqing cluster --bucket "$bucket" --out-events "$out/$s.events" \
		"$out/$s.jsonl" > "$out/$s.clusters"
	echo "time: $(cat "$out/t.$s")"
	$py bench/ref/bcubed.py score "$out/$s.labels" "$out/$s.clusters"
	echo "== $s: reference"
	$py bench/ref/bcubed.py ref "$out/$s.jsonl" "$out/$s.labels" 0.3
done
