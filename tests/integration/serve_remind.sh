#!/usr/bin/env bash
# Field case workflow-06: a case reminder is claimed before it is sent, so
# a daemon killed (SIGKILL) between the claim and the end of the send does
# not send it again after the restart.
#   - a case whose deadline has passed (created with `yuqing cases create
#     --now` in the past) gets one "overdue" reminder, keyed (case_id,
#     reminder_type, due_at), queued in the outbox for a DingTalk robot
#   - the local robot receives it and holds its answer; the daemon is
#     killed with -9 while the row is claimed (state sending, 1 attempt)
#   - after the restart the row is "unknown" (a chat group cannot drop a
#     duplicate: at most once, logged for a manual check), the robot has
#     exactly one message, and the reminder table one row
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve.inc"
cat > "$T/robot.py" <<'PY'
import http.server, sys, time, os
d = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(d + "/robot.jsonl", "ab") as f:
            f.write(body.replace(b"\n", b" ") + b"\n")
        if not os.path.exists(d + "/held"):   # hold the first answer: the daemon dies meanwhile
            open(d + "/held", "w").close()
            time.sleep(6)
        out = b'{"errcode":0,"errmsg":"ok"}'
        try:
            self.send_response(200); self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out))); self.end_headers(); self.wfile.write(out)
        except OSError:
            pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(d + "/robotport", "w").write(str(s.server_port))
s.serve_forever()
PY
$PY "$T/robot.py" "$T" &
rpid=$!
trap 'kill $rpid 2>/dev/null || true; if [ -n "$SPID" ]; then kill -9 $SPID 2>/dev/null || true; fi' EXIT
for _ in $(seq 1 100); do [ -s "$T/robotport" ] && break; sleep 0.1; done
cat > "$T/yuqing.yaml" <<YAML
database: a.db
listen: 127.0.0.1:0
port_file: port
sentiment: none
channels:
  - {name: duty-ding, kind: dingtalk, url: "http://127.0.0.1:$(cat "$T/robotport")/robot/send?access_token=t"}
roster:
  - after_minutes: 0
    notify: [{channel: duty-ding}]
  - after_minutes: 1
    notify: [{channel: duty-ding}]
cases:
  holidays: $YQ_SRC/config/holidays-cn.tsv
  departments:
    - {name: 住建局, categories: [供暖]}
YAML
db="$T/a.db"
printf 'correct horse battery\n' | "$YQ" user add --db "$db" ana --role analyst > /dev/null 2>&1
# 2025-02-03 is in the 春节 break: the 1-working-day assess deadline is the end of 02-05
"$YQ" cases create --db "$db" --as ana --config "$T/yuqing.yaml" --title 供暖不热 \
  --message m-1 --category 供暖 --now 2025-02-03T09:00:00+08:00 > "$T/case.json"
check_eq "due at" "$(jget 'd["due_at"]' < "$T/case.json")" "2025-02-06T00:00:00+08:00"
cid=$(jget 'd["id"]' < "$T/case.json")

start_serve "$T/yuqing.yaml" "$T/log"
wait_for "the robot holds the reminder" test -f "$T/held"
claimed() { [ "$(q "$db" "select state || ' ' || attempts from deliver_outbox")" = "sending 1" ]; }
wait_for "the outbox row claimed" claimed
kill -9 "$SPID"; wait "$SPID" 2>/dev/null || true; SPID=
echo "ok: killed between claim and the end of the send"

start_serve "$T/yuqing.yaml" "$T/log"
sleep 8   # more than one reminder scan (5 s) and several sender ticks
stop_serve
check_eq "messages at the robot" "$(wc -l < "$T/robot.jsonl")" 1
check_eq "the reminder at the robot" "$($PY -c 'import json,sys; m=json.loads(open(sys.argv[1]).readline()); print("2025-0001" in json.dumps(m, ensure_ascii=False))' "$T/robot.jsonl")" True
check_eq "reminder rows" "$(q "$db" "select case_id || ' ' || type || ' ' || due_at from case_reminders")" "$cid overdue $(date -d 2025-02-06T00:00:00+08:00 +%s)"
check_eq "outbox row" "$(q "$db" "select state || ' ' || attempts from deliver_outbox")" "unknown 1"
check_eq "outbox rows" "$(q "$db" "select count(*) from deliver_outbox")" 1
"$YQ" audit verify --db "$db" > /dev/null || fail "audit verify"
finish
