#!/usr/bin/env bash
# bench/leadtime.sh — warning lead time on the CED stream (reposts join
# their parent's event through `parent`).  Replays the whole stream and runs
# bench/leadtime.py on the alerts: for cascades ending with >= 500 posts,
# hours between the first alert and the cascade reaching half its final
# size; alerts on cascades that stayed under 100 posts.
#
#   bench/leadtime.sh [replay options...]   e.g. --risk-levels 30,45,60,75
#
# Engagement counts are left out by default (--no-engagement): the stream
# records each source post's final repost and comment counts, which would
# tell the replay the future.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${YQ_DATA:-../shared/data}
out=bench/out
mkdir -p "$out"
[ -x build/yuqing ] || { cmake -S . -B build >/dev/null && cmake --build build -j2; }
rm -f "$out/lead.db" "$out/lead.db-wal" "$out/lead.db-shm"
opts=("$@")
[ ${#opts[@]} -eq 0 ] && opts=(--no-engagement)
echo "replay options: ${opts[*]}"
build/yuqing replay --db "$out/lead.db" --alerts-out "$out/lead_alerts.jsonl" \
  --signals-out "$out/lead_signals.jsonl" "${opts[@]}" "$data/weibo_ced/stream.jsonl.gz" \
  | tee "$out/lead_replay.txt"
/usr/bin/python3 bench/leadtime.py "$data/weibo_ced/stream.jsonl.gz" "$out/lead.db" \
  "$out/lead_alerts.jsonl"
