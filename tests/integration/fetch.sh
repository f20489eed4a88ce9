#!/usr/bin/env bash
# fetch.sh — `yuqing fetch` end to end against a real local HTTP server that
# misbehaves on purpose (tests/tools/feedserver.py on 127.0.0.1): items and
# titles of RSS, Atom, a GBK feed served with a wrong charset, gzip; 304 on
# the second conditional run with --state (ETag and Last-Modified); timeout,
# too large, 500 with its backoff recorded in the state file (and no request
# while backing off), redirect loop stopped; exit codes.
set -euo pipefail
: "${YQ:?}" "${YQ_SRC:?}" "${YQ_TMP:?}"
t="$YQ_TMP/fetch"
rm -rf "$t"
mkdir -p "$t"
PY=/usr/bin/python3

fails=0
fail() { echo "fetch.sh: FAIL: $*" >&2; fails=$((fails + 1)); }
check_eq() { # name got want
	if [ "$2" != "$3" ]; then fail "$1: got '$2', want '$3'"; else echo "ok: $1"; fi
}

# the server: port on its first stdout line; stopped on any exit
"$PY" "$YQ_SRC/tests/tools/feedserver.py" --lifetime 120 >"$t/port" &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
	[ -s "$t/port" ] && break
	sleep 0.1
done
port=$(head -n1 "$t/port")
[ -n "$port" ] || { echo "fetch.sh: FAIL: the server did not start" >&2; exit 1; }
base="http://127.0.0.1:$port"

# field FILE LINE KEY: a field of the LINE-th JSON line (absent: <none>)
field() {
	"$PY" -c 'import json,sys
l = open(sys.argv[1], encoding="utf-8").read().splitlines()[int(sys.argv[2]) - 1]
print(json.loads(l).get(sys.argv[3], "<none>"))' "$@"
}
# state FILE URL KEY: a field of URL's state in a --state file
state() {
	"$PY" -c 'import json,sys
for l in open(sys.argv[1], encoding="utf-8"):
    s = json.loads(l)
    if s["url"] == sys.argv[2]:
        v = s.get(sys.argv[3])
        print("null" if v is None else v)' "$@"
}
hits() { # PATH: how many requests the server got for it
	"$PY" -c 'import json,sys,urllib.request
print(json.load(urllib.request.urlopen(sys.argv[1] + "/stats?p=" + sys.argv[2], timeout=5))["hits"])' "$base" "$1"
}
lines() { wc -l <"$1" | tr -d ' '; }
# run NAME ARGS...: runs yuqing fetch, keeps stdout/stderr/status in $t/NAME.*
run() {
	local name=$1
	shift
	local rc=0
	"$YQ" fetch "$@" >"$t/$name.out" 2>"$t/$name.err" || rc=$?
	echo "$rc" >"$t/$name.rc"
}
rc() { cat "$t/$1.rc"; }

# 1. RSS 2.0: three items, in order, with their fields
run rss "$base/rss"
check_eq "rss exit" "$(rc rss)" 0
check_eq "rss items" "$(lines "$t/rss.out")" 3
check_eq "rss title 1" "$(field "$t/rss.out" 1 title)" "市区暴雨致道路积水"
check_eq "rss title 2" "$(field "$t/rss.out" 2 title)" "地铁二号线恢复运营"
check_eq "rss title 3" "$(field "$t/rss.out" 3 title)" "No date item"
check_eq "rss id 1" "$(field "$t/rss.out" 1 id)" "news-1"
check_eq "rss source" "$(field "$t/rss.out" 1 source)" "127.0.0.1"
check_eq "rss relative link resolved" "$(field "$t/rss.out" 1 url)" "$base/news/1.html"
check_eq "rss time" "$(field "$t/rss.out" 1 time)" "2012-08-08T13:25:02+08:00"
check_eq "rss no date -> no time" "$(field "$t/rss.out" 3 time)" "<none>"
check_eq "rss html stripped" "$(field "$t/rss.out" 1 text)" "今日下午市区突降暴雨，多处道路积水。"
check_eq "rss author" "$(field "$t/rss.out" 1 author)" "本报记者"

# 2. Atom, and --format
run atom --format atom "$base/atom"
check_eq "atom exit" "$(rc atom)" 0
check_eq "atom items" "$(lines "$t/atom.out")" 2
check_eq "atom title 2" "$(field "$t/atom.out" 2 title)" "公交线路调整"
check_eq "atom id 1" "$(field "$t/atom.out" 1 id)" "urn:yuqing:test:atom:1"
check_eq "atom time 2" "$(field "$t/atom.out" 2 time)" "2021-03-02T09:30:00+08:00"
run atom_as_rss --format rss "$base/atom"
check_eq "atom read as --format rss fails" "$(rc atom_as_rss)" 1
check_eq "atom read as --format rss prints nothing" "$(lines "$t/atom_as_rss.out")" 0

# 3. GBK bytes served with charset=utf-8: decoded by what they are
run gbk "$base/gbk"
check_eq "gbk exit" "$(rc gbk)" 0
check_eq "gbk items" "$(lines "$t/gbk.out")" 2
check_eq "gbk title 1" "$(field "$t/gbk.out" 1 title)" "小区停水通知"
check_eq "gbk text 2" "$(field "$t/gbk.out" 2 text)" "近期蔬菜价格明显上涨。"

# 4. gzip
run gzip "$base/gzip"
check_eq "gzip exit" "$(rc gzip)" 0
check_eq "gzip items" "$(lines "$t/gzip.out")" 3
check_eq "gzip title 2" "$(field "$t/gzip.out" 2 title)" "地铁二号线恢复运营"

# 5. conditional GET with --state: ETag, then Last-Modified
for p in etag lastmod; do
	run "${p}1" --state "$t/state.jsonl" "$base/$p"
	run "${p}2" --state "$t/state.jsonl" "$base/$p"
	check_eq "$p first run items" "$(lines "$t/${p}1.out")" 3
	check_eq "$p second run exit" "$(rc "${p}2")" 0
	check_eq "$p second run prints nothing (304)" "$(lines "$t/${p}2.out")" 0
	check_eq "$p second run http_status" "$(state "$t/state.jsonl" "$base/$p" http_status)" 304
	check_eq "$p items_seen" "$(state "$t/state.jsonl" "$base/$p" items_seen)" 3
	check_eq "$p server hits" "$(hits "/$p")" 2
done
check_eq "etag stored" "$(state "$t/state.jsonl" "$base/etag" etag)" '"v1"'
check_eq "last-modified stored" "$(state "$t/state.jsonl" "$base/lastmod" last_modified)" \
	"Wed, 08 Aug 2012 14:00:00 GMT"

# 6. slow: the timeout is reported, in bounded time
start=$(date +%s)
run slow --timeout 1 "$base/slow?s=6"
took=$(($(date +%s) - start))
check_eq "slow exit" "$(rc slow)" 1
grep -q "^yuqing: fetch: timed out" "$t/slow.err" || fail "slow: no timeout error: $(cat "$t/slow.err")"
[ "$took" -le 4 ] || fail "slow: took $took s with --timeout 1"

# 7. huge: the body cap stops the transfer
run huge --max-size 1048576 "$base/huge?mb=8"
check_eq "huge exit" "$(rc huge)" 1
check_eq "huge error" "$(cat "$t/huge.err")" \
	"yuqing: fetch: too large: body over 1048576 bytes ($base/huge?mb=8)"
check_eq "huge prints nothing" "$(lines "$t/huge.out")" 0

# 8. 500: error and backoff recorded; the next run makes no request
before=$(date +%s)
run e500 --state "$t/state.jsonl" "$base/500"
check_eq "500 exit" "$(rc e500)" 1
check_eq "500 error" "$(cat "$t/e500.err")" "yuqing: fetch: HTTP status 500 ($base/500)"
check_eq "500 failures" "$(state "$t/state.jsonl" "$base/500" failures)" 1
check_eq "500 last_error" "$(state "$t/state.jsonl" "$base/500" last_error)" "HTTP status 500"
check_eq "500 http_status" "$(state "$t/state.jsonl" "$base/500" http_status)" 500
next=$(state "$t/state.jsonl" "$base/500" next_attempt)
[ "$next" -ge $((before + 60)) ] && [ "$next" -le $(($(date +%s) + 60)) ] ||
	fail "500 next_attempt $next is not now + 60 s"
run e500b --state "$t/state.jsonl" "$base/500"
check_eq "500 again: exit" "$(rc e500b)" 1
grep -q "^yuqing: fetch: backing off for [0-9]* s after 1 failure(s) ($base/500)$" "$t/e500b.err" ||
	fail "500 again: no backoff message: $(cat "$t/e500b.err")"
check_eq "500 again: no request" "$(hits /500)" 1
check_eq "other sources kept in the state file" \
	"$(state "$t/state.jsonl" "$base/etag" etag)" '"v1"'

# 9. redirect loop stopped after 5 redirects
run loop "$base/redirect-loop"
check_eq "redirect loop exit" "$(rc loop)" 1
check_eq "redirect loop error" "$(cat "$t/loop.err")" \
	"yuqing: fetch: too many redirects (more than 5) ($base/redirect-loop)"
check_eq "redirect loop requests" "$(hits /redirect-loop)" 6

# 10. several URLs: a failing one does not stop the others
run mixed "$base/500x" "$base/atom"
check_eq "mixed exit" "$(rc mixed)" 1
check_eq "mixed items" "$(lines "$t/mixed.out")" 2
check_eq "mixed error" "$(cat "$t/mixed.err")" "yuqing: fetch: HTTP status 404 ($base/500x)"

# 11. usage
run nourl
check_eq "no URL: usage" "$(rc nourl)" 2
run badfmt --format xml "$base/rss"
check_eq "bad --format: usage" "$(rc badfmt)" 2
echo '{"url": 5}' >"$t/bad_state.jsonl"
run badstate --state "$t/bad_state.jsonl" "$base/rss"
check_eq "bad state file" "$(rc badstate)" 2
grep -q "bad_state.jsonl:1)" "$t/badstate.err" || fail "bad state: no location: $(cat "$t/badstate.err")"

if [ "$fails" -ne 0 ]; then
	echo "fetch.sh: $fails check(s) failed" >&2
	exit 1
fi
echo "fetch.sh: all checks passed"
