#!/usr/bin/env bash
# bench/dashboard.sh [POSTS] — how fast the dashboard's API answers on a
# database of POSTS posts (default 1,000,000).
#
# Builds bench/out/dashboard/dash.db: `yuqing replay` of the whole COVID
# stream (weibo_covid/posts.tsv.gz, 457k posts), then synthetic copies of
# its posts, events and alerts with shifted ids and times (each copy starts
# a day after the previous one ends) until POSTS posts are stored (the
# copies are made in SQL: they are not in the full-text index, which the
# overview and the events list do not read).  Set REUSE=1 to keep a
# database built before.
#
# Then starts `yuqing serve` on it (the first start fills the per-hour
# counts, dash_hours: its time is printed) and times each dashboard call
# RUNS times (curl, loopback, median and max), and in the same invocation
# the reference: the overview's volume series computed from the posts
# table itself (GROUP BY over every post of the window, sqlite3 CLI).
# Prints one TSV line per call: name, median_ms, max_ms.
set -euo pipefail
cd "$(dirname "$0")/.."
YQ=${YQ:-build/yuqing}
DATA=${YQ_DATA:-../shared/data}
WANT=${1:-1000000}
RUNS=${RUNS:-5}
OUT=bench/out/dashboard
DB=$OUT/dash.db
mkdir -p "$OUT"
ms() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.1f", (e - s) * 1000 }'; }
now() { date +%s.%N; }

if [ "${REUSE:-0}" != 1 ] || [ ! -s "$DB" ]; then
  rm -f "$DB" "$DB-wal" "$DB-shm"
  t0=$(now)
  "$YQ" replay --db "$DB" --bucket 1d --min-count 50 --source weibo \
    --schemes schemes/example.yaml "$DATA/weibo_covid/posts.tsv.gz" > "$OUT/replay.out" 2>&1
  echo "# replay of the COVID stream: $(ms "$t0" "$(now)") ms"
  n0=$(sqlite3 "$DB" 'SELECT count(*) FROM posts')
  span=$(sqlite3 "$DB" 'SELECT (max(time) - min(time)) / 86400 * 86400 + 86400 FROM posts')
  eoff=$(sqlite3 "$DB" 'SELECT max(id) FROM events')
  aoff=$(sqlite3 "$DB" 'SELECT max(id) FROM alerts')
  t0=$(now)
  k=1
  while [ "$(sqlite3 "$DB" 'SELECT count(*) FROM posts')" -lt "$WANT" ]; do
    need=$((WANT - $(sqlite3 "$DB" 'SELECT count(*) FROM posts')))
    # copy k: ids suffixed '#k', times + k * span, event and alert ids + k * their maximum
    sqlite3 "$DB" <<SQL
BEGIN;
CREATE TEMP TABLE p AS SELECT * FROM posts WHERE rowid <= $n0 ORDER BY rowid LIMIT $need;
UPDATE p SET rowid = NULL, id = id || '#$k', time = time + $k * $span,
  event = event + $k * $eoff, dup_of = dup_of || '#$k';
INSERT INTO posts SELECT * FROM p;
CREATE TEMP TABLE e AS SELECT * FROM events WHERE id <= $eoff;
UPDATE e SET id = id + $k * $eoff, first_seen = first_seen + $k * $span,
  last_seen = last_seen + $k * $span, merged_into = merged_into + $k * $eoff;
INSERT INTO events SELECT * FROM e;
CREATE TEMP TABLE a AS SELECT * FROM alerts WHERE id <= $aoff;
UPDATE a SET id = id + $k * $aoff, event = event + $k * $eoff, time = time + $k * $span;
INSERT INTO alerts SELECT * FROM a;
COMMIT;
SQL
    k=$((k + 1))
  done
  echo "# synthetic copies ($((k - 1))): $(ms "$t0" "$(now)") ms"
fi
posts=$(sqlite3 "$DB" 'SELECT count(*) FROM posts')
events=$(sqlite3 "$DB" 'SELECT count(*) FROM events')
alerts=$(sqlite3 "$DB" 'SELECT count(*) FROM alerts')
echo "# database: $posts posts, $events events, $alerts alerts, $(du -m "$DB" | cut -f1) MiB"

cat > "$OUT/serve.yaml" <<YAML
database: dash.db
listen: 127.0.0.1:0
port_file: port
sentiment: none
YAML
rm -f "$OUT/port"
sqlite3 "$DB" "DELETE FROM auth_users WHERE name = 'bench'" 2> /dev/null || true
t0=$(now)
"$YQ" serve --config "$OUT/serve.yaml" 2> "$OUT/serve.log" &
pid=$!
trap 'kill $pid 2> /dev/null || true' EXIT
for _ in $(seq 1 3000); do [ -s "$OUT/port" ] && break; sleep 0.1; done
[ -s "$OUT/port" ] || { cat "$OUT/serve.log"; echo "the daemon did not start" >&2; exit 1; }
echo "# serve start (fills dash_hours on the first start): $(ms "$t0" "$(now)") ms"
printf 'bench password 1\n' | "$YQ" user add --db "$DB" bench --role viewer > /dev/null 2>&1 || true
TOKEN=$("$YQ" user token --db "$DB" bench 2> /dev/null)
URL="http://127.0.0.1:$(cat "$OUT/port")"
last=$(sqlite3 "$DB" 'SELECT max(time) FROM posts')
first=$(sqlite3 "$DB" 'SELECT min(time) FROM posts')

# timed NAME PATH: RUNS GETs, median and max in ms (any status but 200 is reported)
timed() {
  local out codes
  out=$(for _ in $(seq 1 "$RUNS"); do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $TOKEN" "$URL$2"
  done)
  codes=$(echo "$out" | awk '$1 != 200 { print $1 }' | sort -u | tr '\n' ' ')
  if [ -n "$codes" ]; then printf '%s\tHTTP %s\n' "$1" "$codes"; return; fi
  echo "$out" | awk '{ printf "%.1f\n", $2 * 1000 }' | sort -n |
    awk -v n="$1" '{ t[NR] = $1 } END { printf "%s\t%.1f\t%.1f\n", n, t[int((NR + 1) / 2)], t[NR] }'
}
# reference: the overview's series straight from the posts (no pre-aggregation)
ref() {
  local all=()
  for _ in $(seq 1 "$RUNS"); do
    local s e
    s=$(now)
    sqlite3 "$DB" "SELECT time / 3600, sentiment, count(*) FROM posts WHERE time >= $last - 7 * 86400 GROUP BY 1, 2" > /dev/null
    sqlite3 "$DB" "SELECT time / 3600, sentiment, count(*) FROM posts WHERE time IS NOT NULL GROUP BY 1, 2" > /dev/null
    e=$(now)
    all+=("$(ms "$s" "$e")")
  done
  printf '%s\n' "${all[@]}" | sort -n | awk -v n="$1" '{ t[NR] = $1 } END { printf "%s\t%.1f\t%.1f\n", n, t[int((NR + 1) / 2)], t[NR] }'
}
printf 'call\tmedian_ms\tmax_ms\n'
timed "overview (last 7 days of data, hourly)" "/api/overview?bucket=hour"
timed "overview (whole span, daily)" "/api/overview?bucket=day&since=$first"
timed "events list (sort=risk, 50)" "/api/events?limit=50"
timed "events list (sort=risk, page 20)" "/api/events?limit=50&offset=1000"
timed "events list (sort=last_seen, 50)" "/api/events?sort=last_seen&limit=50"
timed "events list (scheme filter)" "/api/events?scheme=hz-power-outage&limit=50"
timed "alerts (open, 50)" "/api/alerts?acked=false&limit=50"
timed "sources" "/api/sources"
ref "reference: overview series from the posts table (sqlite3)"
