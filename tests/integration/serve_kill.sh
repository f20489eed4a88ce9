#!/usr/bin/env bash
# yuqing serve: file collection resumes exactly.  A directory source holds a
# JSON Lines file (tailed by byte offset) and a TSV file (read whole, by
# record); the daemon is killed with SIGKILL mid-ingestion, restarted, then
# stopped with SIGTERM while the JSON Lines file grows, and restarted again.
# Every post is stored exactly once, and no post committed before a stop is
# read again after it (posts_existed stays 0: the checkpoints committed with
# the posts).  A line still being written waits for its newline; a bad line
# is skipped, counted for its source, and the offset moves past it.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve.inc"
N=${YQ_SERVE_KILL_POSTS:-20000}
covid_jsonl $((N + 8000)) "$T/all.jsonl"
mkdir -p "$T/inbox"
head -n "$N" "$T/all.jsonl" > "$T/inbox/a.jsonl"
# posts N+1 .. N+3000 as TSV (read when complete)
sed -n "$((N + 1)),$((N + 3000))p" "$T/all.jsonl" | $PY -c '
import json, sys
print("id\tdate\tuserid\ttext")
for l in sys.stdin:
    d = json.loads(l)
    print("\t".join(d[k] for k in ("id", "date", "userid", "text")))' > "$T/inbox/b.tsv"
cat > "$T/yuqing.yaml" <<'YAML'
database: k.db
listen: 127.0.0.1:0
port_file: port
pipeline: {bucket: 1d}
limits: {file_poll_ms: 100, file_settle: 0, queue: 2000}
sources:
  - {name: inbox, kind: dir, path: inbox, platform: weibo, tier: individual}
YAML
db="$T/k.db"
count() { sqlite3 -cmd '.timeout 10000' "$db" 'select count(*) from posts' 2>/dev/null || echo 0; }
existed() { acurl "$URL/metrics" | awk '/^yuqing_posts_existed_total\{source="inbox"\}/ {print $2}'; }

# 1. SIGKILL mid-ingestion
TOKEN=$(make_user "$T/k.db" admin admin)
start_serve "$T/yuqing.yaml" "$T/log"
some() { [ "$(count)" -ge 3000 ]; }
wait_for "3000 posts stored" some
kill -9 "$SPID"; wait "$SPID" 2>/dev/null || true; SPID=
n1=$(count)
echo "stored before SIGKILL: $n1"
if [ "$n1" -ge $((N + 3000)) ]; then fail "ingestion finished before the kill: nothing tested"; fi
check_eq "integrity after SIGKILL" "$(q "$db" 'pragma integrity_check')" ok
# a.jsonl is read before b.tsv (name order) and is not finished: its
# checkpoint is the byte length of exactly the lines stored
check_eq "checkpoint = bytes of the posts stored" \
  "$(q "$db" "select offset from serve_offsets where path like '%a.jsonl'")" \
  "$(head -n "$n1" "$T/inbox/a.jsonl" | wc -c)"
start_serve "$T/yuqing.yaml" "$T/log"
all1() { [ "$(count)" -ge $((N + 3000)) ] && [ "$(acurl "$URL/metrics" | awk '/^yuqing_queue_depth / {print $2}')" = 0 ]; }
wait_for "every post of a.jsonl and b.tsv" all1
sleep 0.5
check_eq "posts after the restart" "$(count)" $((N + 3000))
check_eq "posts read again after SIGKILL" "$(existed)" 0
check_eq "distinct ids" "$(q "$db" 'select count(distinct id) from posts')" $((N + 3000))

# 2. SIGTERM while the file grows
sed -n "$((N + 3001)),$((N + 8000))p" "$T/all.jsonl" >> "$T/inbox/a.jsonl" &
appender=$!
more() { [ "$(count)" -ge $((N + 3500)) ]; }
wait_for "some of the appended posts" more
kill -TERM "$SPID"; wait "$SPID" || fail "daemon exit status after SIGTERM"; SPID=
wait "$appender"
n2=$(count)
echo "stored at SIGTERM: $n2"
check_eq "checkpoint after SIGTERM = bytes of the posts stored" \
  "$(q "$db" "select offset from serve_offsets where path like '%a.jsonl'")" \
  "$(head -n $((n2 - 3000)) "$T/inbox/a.jsonl" | wc -c)"
start_serve "$T/yuqing.yaml" "$T/log"
all2() { [ "$(count)" -ge $((N + 8000)) ]; }
wait_for "every appended post" all2
sleep 0.5
check_eq "posts after SIGTERM and restart" "$(count)" $((N + 8000))
check_eq "posts read again after SIGTERM" "$(existed)" 0

# 3. a line being written waits for its newline; a bad line is skipped
printf '{"id": "partial-1", "text": "半行' >> "$T/inbox/a.jsonl"
sleep 0.6
check_eq "half a line is not read" "$(q "$db" "select count(*) from posts where id = 'partial-1'")" 0
printf '还在写"}\n{not json\n{"id": "after-bad", "text": "坏行之后的帖子"}\n' >> "$T/inbox/a.jsonl"
done3() { [ "$(q "$db" "select count(*) from posts where id = 'after-bad'")" = 1 ]; }
wait_for "the line after a bad one" done3
check_eq "the completed line" "$(q "$db" "select text from posts where id = 'partial-1'")" "半行还在写"
check_eq "rejected lines of the source" "$(acurl "$URL/api/sources" | jget '[s for s in d["sources"] if s["name"] == "inbox"][0]["rejected"]')" 1
check_eq "items of the source" "$(acurl "$URL/api/sources" | jget '[s for s in d["sources"] if s["name"] == "inbox"][0]["items"]')" $((N + 8002))
check_eq "checkpoint at the end of the file" "$(q "$db" "select offset from serve_offsets where path like '%a.jsonl'")" "$(wc -c < "$T/inbox/a.jsonl")"
check_eq "b.tsv done" "$(q "$db" "select done || ':' || offset from serve_offsets where path like '%b.tsv'")" "1:3001"
stop_serve
check_eq "integrity" "$(q "$db" 'pragma integrity_check')" ok
finish
