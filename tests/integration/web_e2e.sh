#!/usr/bin/env bash
# The dashboard end to end in Debian's Chromium (headless, playwright-core):
# the daemon runs on an ephemeral loopback port on a temporary database
# filled by replaying the first posts of the real COVID stream; the browser
# logs in, checks the overview's charts against the API, receives live
# alerts over SSE while further real posts are pushed, opens an event and
# reads its why, moves a case through its states with the roles allowed
# (and is refused where not), acknowledges an alert, confirms a citizen's
# message's suggested category, tests a scheme as it types, and switches
# the language (tests/web/e2e.mjs has every check).
# Any console error or failed request fails it.  Screenshots of each page:
# build*/artifacts/web/.  Skipped (exit 77) only when Chromium is absent.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve.inc"
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$CHROMIUM" ]; then
  echo "SKIP: chromium is not installed (apt-get install --no-install-recommends chromium; scripts/setup does)"
  exit 77
fi
W="$YQ_SRC/web"
command -v node > /dev/null || { fail "node is not installed"; finish; }
[ -d "$W/node_modules/playwright-core" ] && [ -d "$W/node_modules/echarts" ] ||
  { fail "web/node_modules is missing: run 'npm ci' in web/ (.ci/run and scripts/setup do)"; finish; }
ART="$YQ_TMP/../artifacts/web"
rm -rf "$ART"
mkdir -p "$ART"
ART=$(cd "$ART" && pwd)
node "$W/build.mjs" "$T/dist" > /dev/null || { fail "npm run build (web/build.mjs)"; finish; }

# the first N posts replayed before the daemon starts, the next M pushed live
N=${YQ_WEB_POSTS:-2500}
M=${YQ_WEB_PUSH:-2500}
covid_jsonl $((N + M)) "$T/all.jsonl"
head -n "$N" "$T/all.jsonl" > "$T/replay.jsonl"
tail -n +"$((N + 1))" "$T/all.jsonl" > "$T/push.jsonl"
db="$T/web.db"
"$YQ" replay --db "$db" --bucket 1d --min-count 20 --source weibo \
  --schemes "$YQ_SRC/schemes/example.yaml" "$T/replay.jsonl" > "$T/replay.out" 2>&1 ||
  { cat "$T/replay.out"; fail "replay"; finish; }
# real citizens' messages: 1,500 with their likes (hot issues), 300 answered
head -n 1500 "$YQ_DATA/citizen_messages/taidi2020c_attachment3_full_votes.jsonl" > "$T/msg-votes.jsonl"
head -n 300 "$YQ_DATA/citizen_messages/taidi2020c_attachment4_full_replies.jsonl" > "$T/msg-replies.jsonl"
"$YQ" messages import --db "$db" "$T/msg-votes.jsonl" "$T/msg-replies.jsonl" > "$T/messages.out" 2>&1 ||
  { cat "$T/messages.out"; fail "messages import"; finish; }
check_eq "messages imported" "$(q "$db" 'select count(*) from messages')" 1800
expect=$(q "$db" 'select count(*) from posts where time is not null')
check_ge "replayed posts with a time" "$expect" 100
cat > "$T/yuqing.yaml" <<YAML
database: web.db
listen: 127.0.0.1:0
port_file: port
web: dist
schemes: $YQ_SRC/schemes/example.yaml
pipeline: {bucket: 1d, min_count: 20}
sources:
  - {name: weibo, kind: push, platform: weibo, tier: individual, region: 武汉}
cases:
  holidays: [$YQ_SRC/config/holidays-cn.tsv]
  deadlines: {assess: 1, instruct: 1, handle: 5, respond: 2, supervise: 3}
  departments:
    - {name: 住建局, categories: [供暖, 物业], contact: "12345"}
    - {name: 卫健委, categories: [卫生, 疫情]}
YAML
user() {
  printf 'correct horse battery\n' | "$YQ" user add --db "$db" "$1" --role "$2" ${3:+--department "$3"} > /dev/null 2> "$T/user.err" ||
    { cat "$T/user.err"; fail "yuqing user add $1"; finish; }
  "$YQ" user token --db "$db" "$1" 2> /dev/null
}
TOKEN_ADMIN=$(user admin admin)
TOKEN_ANA=$(user ana analyst)
TOKEN_LEAD=$(user lead leader)
TOKEN_ZHU=$(user zhu handler 住建局)
start_serve "$T/yuqing.yaml" "$T/log"

# the static files themselves: types, caching, no traversal
hdr=$(curl -sI "$URL/")
check_eq "/ is the dashboard" "$(echo "$hdr" | grep -i '^content-type' | tr -d '\r')" "Content-Type: text/html; charset=utf-8"
check_eq "/ is revalidated" "$(echo "$hdr" | grep -i '^cache-control' | tr -d '\r')" "Cache-Control: no-cache"
etag=$(curl -sI "$URL/vendor/echarts.min.js" | grep -i '^etag' | cut -d' ' -f2 | tr -d '\r')
check_eq "echarts type" "$(curl -s -o /dev/null -w '%{content_type}' "$URL/vendor/echarts.min.js")" "text/javascript; charset=utf-8"
check_eq "If-None-Match: 304" "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$URL/vendor/echarts.min.js")" 304
for p in /../yuqing.yaml /%2e%2e/yuqing.yaml /vendor/../../web.db /.hidden /nope.js; do
  check_eq "GET $p" "$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$URL$p")" 404
done
# the events list's scheme filter (the events page's scheme select)
for sid in hz-power-outage 5g-rumor; do
  want=$(q "$db" "select count(*) from events e where merged_into is null and exists (select 1 from json_each(e.schemes) j where j.value = '$sid')")
  check_eq "events of scheme $sid" "$(curl -s -H "Authorization: Bearer $TOKEN_ADMIN" "$URL/api/events?scheme=$sid&limit=1" | jget 'd["total"]')" "$want"
done
check_eq "an unknown API path is still JSON 404" "$(curl -s "$URL/api/nope" -H "Authorization: Bearer $TOKEN_ADMIN" | jget 'd["status"]')" 404

rc=0
URL=$URL CHROMIUM=$CHROMIUM ART=$ART PUSH="$T/push.jsonl" EXPECT_POSTS=$expect \
  PASSWORD='correct horse battery' TOKEN_ADMIN=$TOKEN_ADMIN TOKEN_ANA=$TOKEN_ANA \
  TOKEN_LEAD=$TOKEN_LEAD TOKEN_ZHU=$TOKEN_ZHU \
  node "$YQ_SRC/tests/web/e2e.mjs" || rc=$?
check_eq "browser checks (tests/web/e2e.mjs)" "$rc" 0
echo "screenshots: $ART"
stop_serve
finish
