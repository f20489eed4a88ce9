#!/usr/bin/env bash
# yuqing serve: who may ask, and where alerts go.
#   - no credentials: 401 on every route but /healthz; a bad token: 401;
#     a viewer's token: reads yes, push/ack/scheme test 403; an analyst's
#     token may push
#   - auth-01: the login answers a NEW session cookie (HttpOnly,
#     SameSite=Strict); the id planted before the login is dead; logout
#     kills the session
#   - auth-03: the login hands the new session's CSRF token: the first ack
#     with it works, the pre-login token gets 403, and so does no token
#   - failed logins: 401, then 429 with Retry-After
#   - alerts reach a local webhook receiver through the outbox; the ack is
#     recorded with its user and in the audit log
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve.inc"
covid_jsonl 1500 "$T/posts.jsonl"
cat > "$T/hook.py" <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(sys.argv[1] + "/hook.jsonl", "ab") as f:
            f.write(body.replace(b"\n", b" ") + b"\n")
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers()
        self.wfile.write(b"ok")
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + "/hookport", "w").write(str(s.server_port))
s.serve_forever()
PY
$PY "$T/hook.py" "$T" &
hpid=$!
trap 'kill $hpid 2>/dev/null || true; if [ -n "$SPID" ]; then kill -9 $SPID 2>/dev/null || true; fi' EXIT
for _ in $(seq 1 100); do [ -s "$T/hookport" ] && break; sleep 0.1; done
cat > "$T/yuqing.yaml" <<YAML
database: a.db
listen: 127.0.0.1:0
port_file: port
pipeline: {bucket: 1d}
channels:
  - {name: hook, kind: webhook, url: "http://127.0.0.1:$(cat "$T/hookport")/alert"}
roster:
  - after_minutes: 0
    notify: [{channel: hook}]
YAML
db="$T/a.db"
TOKEN=$(make_user "$db" admin admin)
VIEWER=$(make_user "$db" viewer1 viewer)
ANALYST=$(make_user "$db" analyst1 analyst)
start_serve "$T/yuqing.yaml" "$T/log"
anon() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
check_eq "healthz without login" "$(anon "$URL/healthz")" 200
for p in /api/events /api/posts /api/alerts /api/stream /api/sources /api/schemes /metrics /api/me; do
  check_eq "GET $p without login" "$(anon --max-time 2 "$URL$p")" 401
done
check_eq "push without login" "$(anon -XPOST --data-binary @"$T/posts.jsonl" "$URL/api/posts")" 401
check_eq "bad token" "$(anon -H 'Authorization: Bearer yqt_0000' "$URL/api/events")" 401
as() { local tok=$1; shift; curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "$@"; }
check_eq "viewer reads" "$(as "$VIEWER" "$URL/api/events")" 200
check_eq "viewer pushes" "$(as "$VIEWER" -XPOST --data-binary @"$T/posts.jsonl" "$URL/api/posts")" 403
check_eq "viewer tests schemes" "$(as "$VIEWER" -XPOST -d '{}' "$URL/api/schemes/test")" 403
check_eq "analyst pushes" "$(as "$ANALYST" -XPOST --data-binary @"$T/posts.jsonl" "$URL/api/posts")" 200
stored() { [ "$(acurl "$URL/api/posts?limit=1" | jget 'd["total"]')" = 1500 ]; }
wait_for "posts stored" stored
n_alerts=$(q "$db" 'select count(*) from alerts')
check_ge "alerts" "$n_alerts" 1
aid=$(acurl "$URL/api/alerts?limit=1" | jget 'd["alerts"][0]["id"]')
check_eq "viewer acks" "$(as "$VIEWER" -XPOST "$URL/api/alerts/$aid/ack")" 403

# every alert reaches the webhook once, through the outbox
hooked() { [ -f "$T/hook.jsonl" ] && [ "$(wc -l < "$T/hook.jsonl")" -ge "$n_alerts" ]; }
wait_for "every alert at the webhook" hooked
check_eq "alerts at the webhook" "$($PY -c '
import json, sys
ids = [json.loads(l)["alert"]["id"] if "alert" in json.loads(l) else json.loads(l)["id"] for l in open(sys.argv[1])]
print(len(set(ids)), len(ids))' "$T/hook.jsonl")" "$n_alerts $n_alerts"
check_eq "deliveries of an alert" "$(acurl "$URL/api/alerts/$aid/deliveries" | jget 'd["deliveries"][0]["state"]')" sent

# the browser's way: csrf → login → ack
curl -s -D "$T/h0" -c "$T/jar0" "$URL/api/csrf" > "$T/csrf0"
T0=$(jget 'd["csrf"]' < "$T/csrf0")
S0=$(awk '$6 == "yq_sid" {print $7}' "$T/jar0")
grep -qi '^set-cookie: yq_sid=.*HttpOnly' "$T/h0" || fail "anonymous cookie not HttpOnly"
curl -s -D "$T/h1" -b "yq_sid=$S0" -c "$T/jar1" -XPOST -d '{"name":"admin","password":"correct horse battery"}' "$URL/api/login" > "$T/login"
T1=$(jget 'd["csrf"]' < "$T/login")
S1=$(awk '$6 == "yq_sid" {print $7}' "$T/jar1")
grep -qi '^set-cookie: yq_sid=.*HttpOnly' "$T/h1" || fail "session cookie not HttpOnly"
grep -qi '^set-cookie: yq_sid=.*SameSite=Strict' "$T/h1" || fail "session cookie not SameSite=Strict"
[ -n "$S1" ] && [ "$S1" != "$S0" ] && echo "ok: login gives a new session id" || fail "login kept the session id (auth-01)"
[ -n "$T1" ] && [ "$T1" != "$T0" ] && echo "ok: login gives a new CSRF token" || fail "no new CSRF token (auth-03)"
check_eq "old session after login (auth-01)" "$(anon -b "yq_sid=$S0" "$URL/api/me")" 401
check_eq "new session" "$(anon -b "yq_sid=$S1" "$URL/api/me")" 200
check_eq "ack with the pre-login token (auth-03)" "$(anon -b "yq_sid=$S1" -H "X-CSRF-Token: $T0" -XPOST "$URL/api/alerts/$aid/ack")" 403
check_eq "ack without a CSRF token" "$(anon -b "yq_sid=$S1" -XPOST "$URL/api/alerts/$aid/ack")" 403
check_eq "ack with the login's token (auth-03)" "$(anon -b "yq_sid=$S1" -H "X-CSRF-Token: $T1" -XPOST "$URL/api/alerts/$aid/ack")" 200
check_eq "acked by" "$(acurl "$URL/api/alerts/$aid" | jget 'd["acked_by"]')" admin
check_eq "ack in the audit log" "$(q "$db" "select count(*) from audit_log where action = 'alert.ack' and object_id = '$aid' and actor = 'admin'")" 1
"$YQ" audit verify --db "$db" > /dev/null || fail "the audit chain does not verify"
# GET /api/csrf when logged in (a second tab): who is logged in and the
# same token of the same session, no new cookie; the first tab's token
# stays valid
curl -s -D "$T/h2" -b "yq_sid=$S1" "$URL/api/csrf" > "$T/csrf2"
T2=$(jget 'd["csrf"]' < "$T/csrf2")
grep -qi '^set-cookie:' "$T/h2" && fail "GET /api/csrf replaced the session cookie of a logged-in client"
check_eq "GET /api/csrf when logged in: user" "$(jget 'd["user"] + "/" + d["role"]' < "$T/csrf2")" admin/admin
check_eq "GET /api/csrf when logged in: the login's token" "$T2" "$T1"
check_eq "session after GET /api/csrf" "$(anon -b "yq_sid=$S1" "$URL/api/me")" 200
check_eq "ack with the first tab's token after a second tab's GET /api/csrf" "$(anon -b "yq_sid=$S1" -H "X-CSRF-Token: $T1" -XPOST "$URL/api/alerts/$aid/ack")" 200
check_eq "logout" "$(anon -b "yq_sid=$S1" -H "X-CSRF-Token: $T2" -XPOST "$URL/api/logout")" 200
check_eq "session after logout" "$(anon -b "yq_sid=$S1" "$URL/api/me")" 401

# failed logins: 401 each, then 429 with Retry-After
for i in 1 2 3 4 5; do
  check_eq "wrong password $i" "$(anon -XPOST -d '{"name":"viewer1","password":"wrong password"}' "$URL/api/login")" 401
done
curl -s -D "$T/h429" -o /dev/null -XPOST -d '{"name":"viewer1","password":"correct horse battery"}' "$URL/api/login"
check_eq "login after 5 failures" "$(head -1 "$T/h429" | cut -d' ' -f2)" 429
grep -qi '^retry-after: [0-9]' "$T/h429" || fail "429 without Retry-After"
check_eq "malformed login" "$(anon -XPOST -d '{"name":' "$URL/api/login")" 400
stop_serve
finish
