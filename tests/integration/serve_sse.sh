#!/usr/bin/env bash
# yuqing serve: the live stream /api/stream (Server-Sent Events).
#   sse-01: text/event-stream with Cache-Control: no-cache and
#           X-Accel-Buffering: no, no Content-Length; messages arrive while
#           the response is still open; heartbeat comments.
#   sse-02: numeric monotonic ids on every frame; Last-Event-ID inside the
#           replay buffer resumes with exactly the later messages; one older
#           than the buffer gets a single "resync"; no header: live only;
#           ids keep rising across a restart, and the last id seen before
#           the restart resumes with nothing replayed.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve.inc"
covid_jsonl 1500 "$T/posts.jsonl"
cat > "$T/yuqing.yaml" <<YAML
database: s.db
listen: 127.0.0.1:0
port_file: port
pipeline: {bucket: 1d, min_count: 20}
limits: {sse_heartbeat: 1, sse_replay: 5000}
YAML
TOKEN=$(make_user "$T/s.db" admin admin)
start_serve "$T/yuqing.yaml" "$T/log"
ids() { grep '^id: ' "$1" | cut -d' ' -f2; }

# a live client, connected before anything happens
acurl -N -i --max-time 300 "$URL/api/stream" > "$T/live" &
live=$!
has_heartbeat() { grep -q '^: heartbeat' "$T/live"; }
wait_for "a heartbeat comment" has_heartbeat
tr -d '\r' < "$T/live" | sed -n '1,/^$/p' > "$T/headers"
grep -qi '^content-type: text/event-stream' "$T/headers" || fail "no text/event-stream content type"
grep -qi '^cache-control: no-cache' "$T/headers" || fail "no Cache-Control: no-cache"
grep -qi '^x-accel-buffering: no' "$T/headers" || fail "no X-Accel-Buffering: no"
grep -qi '^content-length' "$T/headers" && fail "a Content-Length on the stream"
grep -qi '^content-encoding' "$T/headers" && fail "a compressed stream"
check_eq "no history before anything happened" "$(ids "$T/live" | wc -l)" 0

acurl -XPOST --data-binary @"$T/posts.jsonl" "$URL/api/posts" > /dev/null
has_alert() { grep -q '^event: alert' "$T/live" && kill -0 "$live" 2>/dev/null; }
wait_for "an alert on the open stream (flushed, not at the end)" has_alert
settled() { # every post stored, and the client has the last id the writer committed
  [ "$(q "$T/s.db" 'select count(*) from posts')" = 1500 ] &&
    [ "$(ids "$T/live" | tail -1)" = "$(q "$T/s.db" "select value from serve_state where key = 'sse_last'")" ]; }
wait_for "the stream to settle" settled
ids "$T/live" > "$T/live.ids"
n=$(wc -l < "$T/live.ids")
check_ge "messages on the live stream" "$n" 20
check_eq "ids strictly increasing" "$(sort -n -c "$T/live.ids" 2>&1 && uniq -d "$T/live.ids" | wc -l)" 0
frames=$(grep -c '^data: ' "$T/live")
check_eq "every data frame has an id" "$frames" "$n"
check_eq "alerts on the stream = alerts stored" "$(grep -c '^event: alert' "$T/live")" "$(q "$T/s.db" 'select count(*) from alerts')"
last=$(tail -1 "$T/live.ids")
check_eq "healthz knows the last id" "$(acurl "$URL/healthz" | jget 'd["stream_last_id"]')" "$last"

# resume inside the buffer: exactly the later ones, once
k=$(sed -n "$((n - 10))p" "$T/live.ids")
acurl -N --max-time 3 -H "Last-Event-ID: $k" "$URL/api/stream" > "$T/resume" || true
check_eq "resume after $k: the 10 later ids" "$(ids "$T/resume" | tr '\n' ' ')" "$(tail -10 "$T/live.ids" | tr '\n' ' ')"
check_eq "resume: no resync" "$(grep -c '^event: resync' "$T/resume" || true)" 0
# an id the server never sent: one resync, no replay (an id older than the
# buffer: the same, tests/unit/test_sse.c)
acurl -N --max-time 3 -H "Last-Event-ID: $((last + 1000))" "$URL/api/stream" > "$T/old" || true
check_eq "unknown id: one resync" "$(grep -c '^event: resync' "$T/old")" 1
check_eq "unknown id: no replayed message" "$(grep -c '^event: \(alert\|event\)' "$T/old" || true)" 0
check_eq "resync frame carries the last id" "$(ids "$T/old")" "$last"
# garbage id: resync too
acurl -N --max-time 3 -H "Last-Event-ID: abc" "$URL/api/stream" > "$T/garbage" || true
check_eq "unreadable id: one resync" "$(grep -c '^event: resync' "$T/garbage")" 1
# no header: live only
acurl -N --max-time 3 "$URL/api/stream" > "$T/fresh" || true
check_eq "no Last-Event-ID: no history" "$(ids "$T/fresh" | wc -l)" 0
kill "$live" 2>/dev/null || true
wait "$live" 2>/dev/null || true

# across a restart: ids go on rising; the last id resumes with nothing replayed
stop_serve
start_serve "$T/yuqing.yaml" "$T/log"
acurl -N --max-time 3 -H "Last-Event-ID: $last" "$URL/api/stream" > "$T/after" || true
check_eq "after restart, last id: no resync" "$(grep -c '^event: resync' "$T/after" || true)" 0
check_eq "after restart, last id: nothing replayed" "$(ids "$T/after" | wc -l)" 0
acurl -N --max-time 300 "$URL/api/stream" > "$T/live2" &
live=$!
sleep 0.5
covid_jsonl 3000 "$T/more.jsonl"
tail -n 1500 "$T/more.jsonl" | acurl -XPOST --data-binary @- "$URL/api/posts" > /dev/null
got2() { grep -q '^id: ' "$T/live2"; }
wait_for "a message after the restart" got2
kill "$live" 2>/dev/null || true
wait "$live" 2>/dev/null || true
first2=$(ids "$T/live2" | head -1)
[ -n "$first2" ] || fail "no message after the restart"
[ -n "$first2" ] && [ "$first2" -gt "$last" ] && echo "ok: ids rise across the restart ($first2 > $last)" || fail "id $first2 after the restart is not above $last"
stop_serve
finish
