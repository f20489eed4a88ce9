#!/usr/bin/env bash
# yuqing serve: /metrics in the Prometheus text format.
#   metrics-01: requests are counted by route template, never by raw path:
#               /api/events/1, /2, /3 and /1?x=1 are one series of 4; a scan
#               path is counted under route="unmatched"; no label holds an id.
#   metrics-02: a source name with a double quote, a backslash and a line
#               feed is escaped as the exposition format says (only those
#               three; Chinese passes through), and the whole output parses.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve.inc"
covid_jsonl 1000 "$T/posts.jsonl"
cat > "$T/yuqing.yaml" <<'YAML'
database: m.db
listen: 127.0.0.1:0
port_file: port
pipeline: {bucket: 1d}
sources:
  - name: "某区\"融媒体\"中心\\分站\n"
    kind: feed
    url: http://127.0.0.1:9/feed.xml
    interval: 1h
  - {name: weibo, kind: push}
YAML
TOKEN=$(make_user "$T/m.db" admin admin)
start_serve "$T/yuqing.yaml" "$T/log"
acurl -XPOST --data-binary @"$T/posts.jsonl" "$URL/api/posts?source=weibo" > /dev/null
stored() { [ "$(acurl "$URL/api/posts?limit=1" | jget 'd["total"]')" = 1000 ]; }
wait_for "posts stored" stored
feed_failed() { acurl "$URL/metrics" | grep -q '^feed_fetch_errors_total{source=".*"} 1$'; }
wait_for "the feed's failed poll" feed_failed

for p in /api/events/1 /api/events/2 /api/events/3 "/api/events/1?x=1"; do
  check_eq "GET $p" "$(status GET "$URL$p")" 200
done
check_eq "GET /wp-login.php" "$(status GET "$URL/wp-login.php")" 404
# a push without ?source= is counted under "push", the source name it is stored with
acurl -XPOST --data-binary '{"id":"m-nosrc","text":"一条没有来源参数的帖子"}' "$URL/api/posts" > /dev/null
push_counted() { acurl "$URL/metrics" | grep -q '^yuqing_posts_in_total{source="push"} 1$'; }
wait_for "the unnamed push counted under push" push_counted
check_eq "unnamed push stored as push" "$(q "$T/m.db" "select source from posts where id = 'm-nosrc'")" push
# HEAD on a GET endpoint: GET's status and headers, no body
check_eq "HEAD /api/events" "$(status HEAD "$URL/api/events" -I)" 200
check_eq "HEAD body" "$(curl -s -I -H "Authorization: Bearer $TOKEN" "$URL/api/events" | grep -ci '^content-type: application/json')" 1
acurl "$URL/metrics" > "$T/metrics"
check_eq "one series for /api/events/{id}" \
  "$(grep -c '^http_requests_total{.*route="/api/events/{id}"' "$T/metrics")" 1
check_eq "metrics-01 series" \
  "$(grep -F 'http_requests_total{method="GET",route="/api/events/{id}",status="200"}' "$T/metrics")" \
  'http_requests_total{method="GET",route="/api/events/{id}",status="200"} 4'
check_eq "scan under unmatched" \
  "$(grep -F 'http_requests_total{method="GET",route="unmatched",status="404"}' "$T/metrics")" \
  'http_requests_total{method="GET",route="unmatched",status="404"} 1'
check_eq "no label holds a path, an id or a query" \
  "$(grep -c 'wp-login\|x=1\|/api/events/[0-9]' "$T/metrics" || true)" 0
check_eq "metrics-02 line" "$(grep '^feed_fetch_errors_total{' "$T/metrics" | grep -v weibo)" \
  'feed_fetch_errors_total{source="某区\"融媒体\"中心\\分站\n"} 1'
check_eq "posts in (weibo)" "$(grep '^yuqing_posts_in_total{source="weibo"}' "$T/metrics" | cut -d' ' -f2)" 1000
check_eq "queue depth" "$(grep '^yuqing_queue_depth ' "$T/metrics" | cut -d' ' -f2)" 0
alerts=$(awk '/^yuqing_alerts_total/ {s += $2} END {print s}' "$T/metrics")
check_eq "alerts counted = alerts stored" "$alerts" "$(q "$T/m.db" 'select count(*) from alerts')"

# the whole exposition parses (text format 0.0.4): every sample line is
# name{label="value",…} number, label values use only \\ \" \n escapes, every
# family has HELP and TYPE before its samples
$PY - "$T/metrics" <<'PY' || fail "the exposition does not parse"
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
assert text.endswith("\n")
name = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
label = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
sample = re.compile(r"^(%s)(\{%s(,%s)*\})? (-?[0-9.e+]+|\+Inf|NaN)$" % (name, label, label))
typed, helped = set(), set()
for line in text.split("\n")[:-1]:
    if line.startswith("# HELP "):
        helped.add(line.split()[2]); continue
    if line.startswith("# TYPE "):
        typed.add(line.split()[2]); continue
    m = sample.match(line)
    if not m:
        sys.exit("bad line: %r" % line)
    fam = re.sub(r"_(bucket|sum|count)$", "", m.group(1))
    if fam not in typed and m.group(1) not in typed:
        sys.exit("no TYPE for %s" % m.group(1))
print("exposition ok")
PY
if command -v promtool > /dev/null; then
  promtool check metrics < "$T/metrics" || fail "promtool rejects the exposition"
fi
stop_serve
finish
