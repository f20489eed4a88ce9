#!/usr/bin/env bash
# yuqing serve: real COVID posts pushed through POST /api/posts come back
# through the API as posts, events with their why, alerts, full-text search
# results and one post; acknowledgements; bad requests get 400/404/405/413
# and the daemon stays up; an acknowledgement waits for a writer holding the
# database lock instead of failing (field case storage-01).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve.inc"
N=${YQ_SERVE_POSTS:-3000}
covid_jsonl "$N" "$T/posts.jsonl"
cat > "$T/yuqing.yaml" <<YAML
database: serve.db
listen: 127.0.0.1:0
port_file: port
web: nodist
gazetteer: $YQ_DATA/gazetteer_cn
pipeline: {bucket: 1d, min_count: 20}
limits: {body_bytes: 2097152, header_bytes: 8192}
sources:
  - {name: weibo, kind: push, platform: weibo, tier: individual, region: 武汉}
  - {name: later, kind: file, path: later.jsonl, platform: weibo, tier: individual}
YAML
TOKEN=$(make_user "$T/serve.db" admin admin)
# a gazetteer the config names but that cannot be read: exit 2, said clearly
sed "s|^gazetteer: .*|gazetteer: $T/no-such-dir|" "$T/yuqing.yaml" > "$T/badgaz.yaml"
rc=0; "$YQ" serve --config "$T/badgaz.yaml" 2> "$T/badgaz.err" || rc=$?
check_eq "unreadable gazetteer: exit" "$rc" 2
grep -q "gazetteer: cannot read $T/no-such-dir/provinces.csv" "$T/badgaz.err" || fail "unreadable gazetteer: no clear message ($(cat "$T/badgaz.err"))"
# the config's gazetteer wins over the environment's (which names none here)
YQ_GAZETTEER=$T/no-gazetteer start_serve "$T/yuqing.yaml" "$T/log"
check_eq "healthz" "$(acurl "$URL/healthz" | jget 'd["status"]')" ok
# no dashboard assets: one line at start, and GET / says how to build them
# a file source whose file does not exist yet: reported at start and in /api/sources
grep -q "source later: $T/later.jsonl: No such file or directory (retried every poll)" "$T/log" || fail "missing source file not logged at start"
check_eq "missing file: errors" "$(acurl "$URL/api/sources" | jget '[s["errors"] for s in d["sources"] if s["name"] == "later"][0]')" 1
check_eq "missing file: last_error" "$(acurl "$URL/api/sources" | jget '"later.jsonl: No such file" in [s["last_error"] for s in d["sources"] if s["name"] == "later"][0]')" True
check_eq "dashboard hint logged once" "$(grep -c "dashboard: $T/nodist not found — build it with: (cd web && npm ci && npm run build)" "$T/log" || true)" 1
check_eq "GET / without assets" "$(status GET "$URL/")" 404
acurl "$URL/" | grep -q 'npm ci && npm run build' || fail "GET / without assets: no build hint"

# push in batches of 1000 lines
accepted=0
split -l 1000 "$T/posts.jsonl" "$T/part."
for f in "$T"/part.*; do
  a=$(acurl -XPOST --data-binary @"$f" "$URL/api/posts?source=weibo" | jget 'd["accepted"]')
  accepted=$((accepted + a))
done
check_eq "posts accepted" "$accepted" "$N"
db="$T/serve.db"
all_stored() { [ "$(acurl "$URL/api/posts?limit=1" | jget 'd["total"]')" = "$N" ]; }
wait_for "all posts stored" all_stored
check_eq "posts in the database" "$(q "$db" 'select count(*) from posts')" "$N"
check_eq "posts of source weibo" "$(acurl "$URL/api/posts?source=weibo&limit=1" | jget 'd["total"]')" "$N"

# search: q through FTS5 with our tokenizer = substring count on the normalized text
for w in 口罩 钟南山; do
  api=$(acurl -G --data-urlencode "q=$w" "$URL/api/posts?limit=5" | jget 'd["total"]')
  check_eq "q=$w = substring count" "$api" "$(q "$db" "select count(*) from posts where instr(norm, '$w') > 0")"
done
check_eq "q with no term" "$(status GET "$URL/api/posts?q=%20")" 400
# filters: time window (a day in Asia/Shanghai) and sentiment
day_api=$(acurl "$URL/api/posts?since=2020-01-20&until=2020-01-21&limit=1" | jget 'd["total"]')
check_eq "posts of 2020-01-20" "$day_api" "$(q "$db" "select count(*) from posts where time >= 1579449600 and time < 1579536000")"
neg_api=$(acurl "$URL/api/posts?sentiment=negative&limit=1" | jget 'd["total"]')
check_eq "negative posts" "$neg_api" "$(q "$db" "select count(*) from posts where sentiment = 'negative'")"
check_eq "bad since" "$(status GET "$URL/api/posts?since=notatime")" 400
# one post
id=$(head -1 "$T/posts.jsonl" | jget 'd["id"]')
text=$(head -1 "$T/posts.jsonl" | jget 'd["text"]')
check_eq "one post: text" "$(acurl "$URL/api/posts/$id" | jget 'd["text"]')" "$text"
check_eq "unknown post" "$(status GET "$URL/api/posts/no-such-post")" 404

# events: sorted by risk, one with its timeline, keywords, top posts and why
ev=$(acurl "$URL/api/events?limit=5")
# event rows are written at batch flushes, whose timing varies: compare the
# API with the database, and ask for a floor every flush schedule reaches
ev_total=$(echo "$ev" | jget 'd["total"]')
check_ge "events" "$ev_total" 5
events_agree() { [ "$(acurl "$URL/api/events?limit=1" | jget 'd["total"]')" = "$(q "$db" "select count(*) from events where merged_into is null")" ]; }
wait_for "events total = event rows" events_agree
check_eq "events sorted by risk" "$(echo "$ev" | jget '[e["risk"] or 0 for e in d["events"]] == sorted([e["risk"] or 0 for e in d["events"]], reverse=True)')" True
top=$(echo "$ev" | jget 'd["events"][0]["id"]')
one=$(acurl "$URL/api/events/$top")
check_eq "event has a timeline" "$(echo "$one" | jget 'len(d["timeline"]) > 0')" True
check_eq "event has keywords" "$(echo "$one" | jget 'len(d["keywords"]) > 0')" True
check_eq "event has top posts" "$(echo "$one" | jget 'len(d["top_posts"]) > 0')" True
check_eq "event's why has a score" "$(echo "$one" | jget 'd["why"]["score"] > 0')" True
check_eq "event size = its posts" "$(echo "$one" | jget 'd["size"]')" "$(q "$db" "select size from events where id = $top")"
check_eq "places of the top 50 events (gazetteer of the config)" "$(acurl "$URL/api/events?limit=50" | jget 'sum(1 for e in d["events"] if e["places"]) > 0')" True
check_eq "event id not a number" "$(status GET "$URL/api/events/abc")" 400
# numbers are printed short (JSON_REAL_PRECISION): no 0.29999999999999999
check_eq "long reals in events" "$(acurl "$URL/api/events?limit=50" | grep -cE '[0-9]\.[0-9]{11,}' || true)" 0
check_eq "long reals in posts" "$(acurl "$URL/api/posts?limit=50" | grep -cE '[0-9]\.[0-9]{11,}' || true)" 0

# alerts: as stored; acknowledge one
n_alerts=$(q "$db" 'select count(*) from alerts')
check_ge "alerts stored" "$n_alerts" 1
check_eq "alerts listed" "$(acurl "$URL/api/alerts?limit=1" | jget 'd["total"]')" "$n_alerts"
aid=$(acurl "$URL/api/alerts?limit=1" | jget 'd["alerts"][0]["id"]')
check_eq "ack" "$(acurl -XPOST -d '{"note":"已转交"}' "$URL/api/alerts/$aid/ack" | jget 'd["acknowledged"] and not d["already"]')" True
check_eq "ack again: already" "$(acurl -XPOST "$URL/api/alerts/$aid/ack" | jget 'd["already"]')" True
check_eq "acked alerts" "$(acurl "$URL/api/alerts?acked=true" | jget 'd["total"]')" 1
check_eq "ack note stored" "$(acurl "$URL/api/alerts/$aid" | jget 'd["ack_note"]')" 已转交
check_eq "ack of an unknown alert" "$(status POST "$URL/api/alerts/999999/ack")" 404

# storage-01: another connection holds the write lock ~300 ms; the ack waits and succeeds
aid2=$(acurl "$URL/api/alerts?acked=false&limit=1" | jget 'd["alerts"][0]["id"]')
$PY - "$db" <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
c.execute("BEGIN IMMEDIATE")
for i in range(500):
    c.execute("INSERT OR REPLACE INTO serve_state(key, value) VALUES (?, ?)", ("lock-test-%d" % i, i))
time.sleep(0.3)
c.execute("COMMIT")
PY
lock=$!
sleep 0.1
check_eq "ack while another writer holds the lock" "$(status POST "$URL/api/alerts/$aid2/ack")" 200
wait $lock

# bad requests: the daemon answers and stays up
bad=$(acurl -XPOST --data-binary '{"text": "一条好的帖子"}
{not json' "$URL/api/posts")
check_eq "one bad line of two: accepted" "$(echo "$bad" | jget 'd["accepted"]')" 1
check_eq "bad line reported with its number" "$(echo "$bad" | jget 'd["errors"][0]["line"]')" 2
check_eq "all lines malformed" "$(status POST "$URL/api/posts" --data-binary '{broken')" 400
acurl -XPOST --data-binary '{broken' "$URL/api/posts" | grep -q 'bad JSON' || fail "400 without a clear message"
check_eq "empty push" "$(status POST "$URL/api/posts")" 400
check_eq "unknown push source" "$(status POST "$URL/api/posts?source=nope" --data-binary '{"text":"x"}')" 400
head -c 3000000 /dev/zero | tr '\0' 'a' > "$T/big"
check_eq "body over the cap" "$(status POST "$URL/api/posts" --data-binary @"$T/big")" 413
check_eq "chunked body over the cap" "$(status POST "$URL/api/posts" -H 'Transfer-Encoding: chunked' --data-binary @"$T/big")" 413
hdr=$(status GET "$URL/healthz" -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' 'b')")
case "$hdr" in 413|431) echo "ok: header over the cap = $hdr" ;; *) fail "header over the cap: got $hdr, want 413 or 431" ;; esac
check_eq "malformed ack body" "$(status POST "$URL/api/alerts/$aid/ack" -d '{"note":')" 400
check_eq "unknown route" "$(status GET "$URL/wp-login.php")" 404
# bad query values: 400 with a message, never an empty 200
check_eq "bad event state" "$(status GET "$URL/api/events?state=bogus")" 400
acurl "$URL/api/events?state=bogus" | grep -q 'state must be' || fail "bad state: no clear message"
check_eq "good event state" "$(status GET "$URL/api/events?state=closed")" 200
check_eq "bad sentiment" "$(status GET "$URL/api/posts?sentiment=bogus")" 400
check_eq "alert id over int64" "$(status GET "$URL/api/alerts/99999999999999999999")" 400
check_eq "event id with %00" "$(status GET "$URL/api/events/1%00")" 400
check_eq "event id with garbage" "$(status GET "$URL/api/events/1x")" 400
check_eq "event arg over int64" "$(status GET "$URL/api/posts?event=99999999999999999999")" 400
check_eq "case from alert abc" "$(status POST "$URL/api/cases" -d '{"title":"t","alert":"abc"}')" 400
check_eq "wrong method" "$(status DELETE "$URL/api/posts")" 405
check_eq "healthz after bad requests" "$(acurl "$URL/healthz" | jget 'd["status"]')" ok
check_eq "posts after bad requests" "$(q "$db" 'select count(*) from posts')" $((N + 1))

# the missing file appears: it is read (the collector kept polling it)
printf '%s\n' '{"id":"late-1","text":"后来才出现的文件里的一条帖子","time":"2020-01-25T10:00:00+08:00"}' > "$T/later.jsonl"
later_read() { [ "$(q "$db" "select count(*) from posts where source = 'later'")" = 1 ]; }
wait_for "the late file read" later_read

stop_serve
check_eq "integrity" "$(q "$db" 'pragma integrity_check')" ok
finish
