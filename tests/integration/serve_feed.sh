#!/usr/bin/env bash
# yuqing serve: an RSS source polled from a local feed server.
#   feed-01: ETag and Last-Modified are stored separately after every 200:
#            after 200 "v1" and 200 "v2" (same Last-Modified) the next poll
#            sends If-None-Match "v2" and If-Modified-Since; a 304 keeps them.
#   feed-03: the same guid with an edited pubDate and title is the same
#            post, updated in place (one record, counted as an edit); a new
#            guid is a new post.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve.inc"
cat > "$T/feedserver.py" <<'PY'
import http.server, json, sys
LM = "Wed, 05 Feb 2025 01:00:00 GMT"
def rss(items):
    body = "".join("<item><guid>%s</guid><link>%s</link><title>%s</title><description>%s</description>"
                   "<pubDate>%s</pubDate></item>" % (g, g, t, d, p) for g, t, d, p in items)
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>某区融媒体</title>'
            '<link>https://news.example.cn/</link>%s</channel></rss>' % body).encode()
A1 = ("https://news.example.cn/a/123", "某区供暖投诉", "多个小区居民反映暖气不热", "Mon, 03 Feb 2025 08:00:00 +0800")
A2 = ("https://news.example.cn/a/123", "某区供暖投诉增多", "多个小区居民反映暖气不热", "Mon, 03 Feb 2025 09:30:00 +0800")
B = ("https://news.example.cn/a/124", "某区地铁临时停运", "因设备故障地铁二号线临时停运", "Mon, 03 Feb 2025 10:00:00 +0800")
n = 0
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        global n
        n += 1
        with open(sys.argv[1] + "/requests.jsonl", "a") as f:
            f.write(json.dumps({"n": n, "inm": self.headers.get("If-None-Match"),
                                "ims": self.headers.get("If-Modified-Since")}) + "\n")
        if n == 3:
            self.send_response(304); self.end_headers(); return
        etag, items = {1: ('"v1"', [A1]), 2: ('"v2"', [A2])}.get(n, ('"v4"', [A2, B]))
        body = rss(items)
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", LM)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + "/feedport", "w").write(str(s.server_port))
s.serve_forever()
PY
$PY "$T/feedserver.py" "$T" &
fpid=$!
trap 'kill $fpid 2>/dev/null || true; if [ -n "$SPID" ]; then kill -9 $SPID 2>/dev/null || true; fi' EXIT
for _ in $(seq 1 100); do [ -s "$T/feedport" ] && break; sleep 0.1; done
cat > "$T/yuqing.yaml" <<YAML
database: f.db
listen: 127.0.0.1:0
port_file: port
sources:
  - {name: news, kind: feed, url: "http://127.0.0.1:$(cat "$T/feedport")/rss.xml", interval: 1s,
     platform: news, tier: local, region: 某区}
YAML
TOKEN=$(make_user "$T/f.db" admin admin)
start_serve "$T/yuqing.yaml" "$T/log"
db="$T/f.db"
polls() { [ -f "$T/requests.jsonl" ] && [ "$(wc -l < "$T/requests.jsonl")" -ge 4 ]; }
wait_for "four polls" polls
two() { [ "$(q "$db" "select count(*) from posts")" = 2 ]; }
wait_for "the new item" two
req() { sed -n "${1}p" "$T/requests.jsonl" | jget "d['$2']"; }
check_eq "poll 1: unconditional" "$(req 1 inm)" None
check_eq "poll 2: If-None-Match" "$(req 2 inm)" '"v1"'
check_eq "poll 3: If-None-Match (feed-01)" "$(req 3 inm)" '"v2"'
check_eq "poll 3: If-Modified-Since (feed-01)" "$(req 3 ims)" "Wed, 05 Feb 2025 01:00:00 GMT"
check_eq "poll 4 after a 304: validators kept" "$(req 4 inm)" '"v2"'
check_eq "poll 4 after a 304: If-Modified-Since kept" "$(req 4 ims)" "Wed, 05 Feb 2025 01:00:00 GMT"

check_eq "one record for the edited article (feed-03)" \
  "$(q "$db" "select count(*) from posts where id = 'https://news.example.cn/a/123'")" 1
check_eq "its title updated" "$(q "$db" "select title from posts where id = 'https://news.example.cn/a/123'")" 某区供暖投诉增多
check_eq "its pubDate updated" "$(q "$db" "select time from posts where id = 'https://news.example.cn/a/123'")" \
  "$(date -d '2025-02-03T09:30:00+08:00' +%s)"
check_eq "counted as an edit" "$(acurl "$URL/metrics" | awk '/^yuqing_feed_item_edits_total\{source="news"\}/ {print $2}')" 1
check_eq "the new guid is a new post" "$(q "$db" "select title from posts where id = 'https://news.example.cn/a/124'")" 某区地铁临时停运
check_eq "posts of the source" "$(q "$db" "select count(*) from posts where source = 'news'")" 2
check_eq "GET a post whose id is a URL" "$(acurl "$URL/api/posts/https://news.example.cn/a/123?source=news" | jget 'd["title"]')" 某区供暖投诉增多
check_eq "events: the article once" "$(q "$db" "select count(distinct event) from posts where id = 'https://news.example.cn/a/123'")" 1
src=$(acurl "$URL/api/sources")
check_eq "registry: platform and tier" "$(echo "$src" | jget '[d["sources"][0][k] for k in ("platform", "tier", "region")]')" "['news', 'local', '某区']"
check_eq "registry: state has ETag v4" "$(echo "$src" | jget 'd["sources"][0]["feed_state"]["etag"]')" '"v4"'
check_eq "registry: no errors" "$(echo "$src" | jget 'd["sources"][0]["errors"]')" 0
stop_serve
# the fetch state survives a restart: the first poll after it is conditional
start_serve "$T/yuqing.yaml" "$T/log"
five() { [ "$(wc -l < "$T/requests.jsonl")" -ge 5 ]; }
wait_for "a poll after the restart" five
check_eq "after restart: If-None-Match from the stored state" "$(req 5 inm)" '"v4"'
stop_serve
finish
