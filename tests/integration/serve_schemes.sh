#!/usr/bin/env bash
# yuqing serve: schemes through the API — list, get, test (a text and every
# scheme's examples), backtest over the stored posts, and create / update /
# delete, which rewrite the scheme file (validated first; a bad scheme is
# 400 and changes nothing), are audited, and reach the live matching of the
# running daemon (and of the next start).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve.inc"
cp "$YQ_SRC/schemes/example.yaml" "$T/schemes.yaml"
cat > "$T/yuqing.yaml" <<'YAML'
database: s.db
listen: 127.0.0.1:0
port_file: port
schemes: schemes.yaml
sources:
  - {name: crawler, kind: push}
YAML
db="$T/s.db"
TOKEN=$(make_user "$db" admin admin)
VIEWER=$(make_user "$db" viewer1 viewer)
start_serve "$T/yuqing.yaml" "$T/log"
n0=$(grep -c '^  - id:' "$T/schemes.yaml")
check_eq "schemes listed" "$(acurl "$URL/api/schemes" | jget 'len(d["schemes"])')" "$n0"
check_eq "one scheme" "$(acurl "$URL/api/schemes/hz-power-outage" | jget 'd["subject"]["words"][0]')" 停电
check_eq "unknown scheme" "$(status GET "$URL/api/schemes/nope")" 404
t=$(acurl -XPOST -d '{"title":"萧山部分小区停电","text":"供电公司称今晚恢复"}' "$URL/api/schemes/test")
check_eq "test: matched schemes" "$(echo "$t" | jget '[m["id"] for m in d["matches"]]')" "['hz-power-outage']"
check_eq "test: hit offsets" "$(echo "$t" | jget '[(h["word"], h["field"], h["start"], h["end"]) for h in d["matches"][0]["hits"] if h["group"] == "subject"]')" "[('停电', 'title', 6, 8)]"
check_eq "test: examples of the file" "$(echo "$t" | jget 'd["examples_failed"]')" 0

# posts stored, then a backtest per day
printf '%s\n' '{"id":"p1","time":"2024-07-01T09:00:00+08:00","text":"杭州余杭突发停电，多个小区受影响"}' \
  '{"id":"p2","time":"2024-07-01T10:00:00+08:00","text":"萧山跳闸了，还没来电"}' \
  '{"id":"p3","time":"2024-07-02T10:00:00+08:00","text":"杭州停电应急演练今天举行"}' \
  '{"id":"p4","time":"2024-07-02T11:00:00+08:00","text":"西湖区限电通知"}' > "$T/posts.jsonl"
check_eq "push" "$(acurl -XPOST --data-binary @"$T/posts.jsonl" "$URL/api/posts?source=crawler" | jget 'd["accepted"]')" 4
stored() { [ "$(q "$db" 'select count(*) from posts')" = 4 ]; }
wait_for "posts stored" stored
check_eq "live matching (post_schemes)" "$(q "$db" "select count(*) from post_schemes where scheme = 'hz-power-outage'")" 3
bt=$(acurl "$URL/api/schemes/hz-power-outage/backtest?since=2024-07-01&until=2024-07-03")
check_eq "backtest per day" "$(echo "$bt" | jget '[(x["day"], x["posts"]) for x in d["days"]]')" "[('2024-07-01', 2), ('2024-07-02', 1)]"
check_eq "backtest scanned" "$(echo "$bt" | jget 'd["scanned"]')" 4

# create, update, delete
check_eq "viewer creates" "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $VIEWER" -XPOST -d '{"id":"x","subject":["火"]}' "$URL/api/schemes")" 403
c=$(acurl -w '\n%{http_code}' -XPOST -d '{"id":"hz-blackout","name":"杭州限电","region":["杭州","西湖区"],"subject":["限电"],"must_match":["西湖区限电通知"]}' "$URL/api/schemes")
check_eq "create" "$(echo "$c" | tail -1)" 201
live() { [ "$(acurl "$URL/api/schemes" | jget 'd["live"]')" = True ]; }
wait_for "the created scheme live" live
acurl -XPOST --data-binary '{"id":"p5","text":"西湖区明日限电"}' "$URL/api/posts?source=crawler" > /dev/null
p5() { [ "$(q "$db" "select count(*) from posts where id = 'p5'")" = 1 ]; }
wait_for "p5 stored" p5
check_eq "the created scheme matches without a restart" "$(q "$db" "select count(*) from post_schemes s join posts p on p.rowid = s.post where p.id = 'p5' and s.scheme = 'hz-blackout'")" 1
check_eq "create again" "$(status POST "$URL/api/schemes" -d '{"id":"hz-blackout","subject":["限电"]}')" 409
check_eq "invalid scheme" "$(status POST "$URL/api/schemes" -d '{"id":"bad","subject":["火"],"exlude":["x"]}')" 400
check_eq "an id over 128 bytes" "$(status POST "$URL/api/schemes" -d "{\"id\":\"$(printf 'k%.0s' $(seq 1 129))\",\"subject\":[\"火\"]}")" 400
check_eq "scheme without words" "$(status POST "$URL/api/schemes" -d '{"id":"empty"}')" 400
check_eq "malformed body" "$(status POST "$URL/api/schemes" -d '{"id":')" 400
u=$(acurl -XPUT -d '{"region":["杭州"],"subject":["停电","断电"],"exclude":["演练"]}' "$URL/api/schemes/hz-power-outage")
check_eq "update: a new version" "$(echo "$u" | jget 'd["version"]')" 3
check_eq "update another id" "$(status PUT "$URL/api/schemes/hz-power-outage" -d '{"id":"other","subject":["x"]}')" 400
check_eq "delete" "$(status DELETE "$URL/api/schemes/chem-explosion")" 200
check_eq "delete unknown" "$(status DELETE "$URL/api/schemes/chem-explosion")" 404
check_eq "schemes now" "$(acurl "$URL/api/schemes" | jget 'len(d["schemes"])')" "$n0"
"$YQ" scheme test "$T/schemes.yaml" > "$T/scheme-test" || { cat "$T/scheme-test"; fail "the written file fails 'yuqing scheme test'"; }
check_eq "the file as written" "$("$YQ" scheme test "$T/schemes.yaml" | grep -c '^ok')" "$(grep -c '^ok' "$T/scheme-test")"
check_eq "audited" "$(q "$db" "select group_concat(action, ' ') from (select action from audit_log where object_type = 'scheme' order by seq)")" "scheme.create scheme.update scheme.delete"
# the update is live: 演练 now excludes, 断电 is a new subject word; the
# deleted scheme matches no more
wait_for "the update live" live
printf '%s\n' '{"id":"p7","text":"杭州停电应急演练"}' '{"id":"p8","text":"杭州多处断电"}' \
  '{"id":"p9","text":"杭州化工厂爆炸"}' > "$T/posts2.jsonl"
check_eq "the example scheme's words" "$(acurl -XPOST -d '{"text":"杭州化工厂爆炸"}' "$URL/api/schemes/test" | jget 'len(d["matches"])')" 0
acurl -XPOST --data-binary @"$T/posts2.jsonl" "$URL/api/posts?source=crawler" > /dev/null
p9() { [ "$(q "$db" "select count(*) from posts where id in ('p7', 'p8', 'p9')")" = 3 ]; }
wait_for "p7-p9 stored" p9
check_eq "live after update: matched of p7 p8 p9" "$(q "$db" "select group_concat(x, ' ') from (select p.id || ':' || coalesce(s.scheme, '') as x from posts p left join post_schemes s on s.post = p.rowid where p.id in ('p7', 'p8', 'p9') order by p.id)")" "p7: p8:hz-power-outage p9:"
# the file edited by hand: the API sees it (an API change never writes over
# it unseen) and the live matching takes it without a restart; a hand edit
# that does not parse leaves the previous schemes live and says so
cp "$T/schemes.yaml" "$T/schemes.before"
printf 'schemes:\n  - {id: hand-typhoon, name: 台风, subject: [台风]}\n' > "$T/schemes.yaml"
check_eq "a hand-added scheme through the API" "$(status GET "$URL/api/schemes/hand-typhoon")" 200
acurl -XPOST --data-binary '{"id":"p10","text":"台风今晚登陆"}' "$URL/api/posts?source=crawler" > /dev/null
p10() { [ "$(q "$db" "select count(*) from posts where id = 'p10'")" = 1 ]; }
wait_for "p10 stored" p10
check_eq "the hand-added scheme matches live" "$(q "$db" "select count(*) from post_schemes s join posts p on p.rowid = s.post where p.id = 'p10' and s.scheme = 'hand-typhoon'")" 1
printf 'schemes: [oops\n' > "$T/schemes.yaml"
check_eq "a hand-broken file: the API says so" "$(status GET "$URL/api/schemes")" 500
check_eq "a hand-broken file: no change written over it" "$(status POST "$URL/api/schemes" -d '{"id":"x2","subject":["火"]}')" 500
cp "$T/schemes.before" "$T/schemes.yaml"
wait_for "the mended file live" live
stop_serve
start_serve "$T/yuqing.yaml" "$T/log"
acurl -XPOST --data-binary '{"id":"p6","text":"西湖区下周限电"}' "$URL/api/posts?source=crawler" > /dev/null
p6() { [ "$(q "$db" "select count(*) from posts where id = 'p6'")" = 1 ]; }
wait_for "p6 stored" p6
check_eq "after the restart: the new scheme matches" "$(q "$db" "select count(*) from post_schemes s join posts p on p.rowid = s.post where p.id = 'p6' and s.scheme = 'hz-blackout'")" 1
check_eq "after the restart: live" "$(acurl "$URL/api/schemes" | jget 'd["live"]')" True
stop_serve
finish
