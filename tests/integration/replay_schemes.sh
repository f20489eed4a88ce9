#!/usr/bin/env bash
# Replay with monitoring schemes: the schemes each stored post matched (with
# hits) agree with `yuqing match` on the same posts, and every event whose
# posts matched a scheme carries it.
source "$(dirname "$0")/lib.sh"
N=${YQ_SCHEME_POSTS:-3000}
head_gz "$YQ_DATA/weibo_covid/posts.tsv.gz" $((N + 1)) > "$T/slice.tsv"
cat > "$T/schemes.yaml" <<'YAML'
schemes:
  - id: wuhan-masks
    name: 武汉口罩
    region: [武汉, 湖北]
    subject: [口罩, 防护服, 物资]
    exclude: [广告, 代购]
  - id: hospital
    name: 医院
    subject: [医院, 医生, 护士]
    event: [感染, 确诊, 救治]
YAML
db="$T/s.db"
"$YQ" replay --db "$db" --bucket 1d --source weibo --schemes "$T/schemes.yaml" "$T/slice.tsv" > "$T/out" 2> "$T/err" ||
  { cat "$T/err"; fail "replay failed"; finish; }
cat "$T/out"
"$YQ" match --schemes "$T/schemes.yaml" --source weibo "$T/slice.tsv" > "$T/match.jsonl" 2> "$T/merr" ||
  { cat "$T/merr"; fail "match failed"; finish; }
/usr/bin/python3 - "$T/match.jsonl" > "$T/want.txt" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    for s in d["schemes"]:
        words = sorted((h["word"], h["field"], h["start"], h["end"]) for h in s["hits"])
        print(d["id"], s["id"], json.dumps(words, ensure_ascii=False))
PY
sqlite3 "$db" "select p.id, s.scheme, s.hits from post_schemes s join posts p on p.rowid = s.post" |
/usr/bin/python3 -c '
import json, sys
for l in sys.stdin:
    pid, sid, hits = l.rstrip("\n").split("|", 2)
    words = sorted((h["word"], h["field"], h["start"], h["end"]) for h in json.loads(hits))
    print(pid, sid, json.dumps(words, ensure_ascii=False))' > "$T/got.txt"
sort -o "$T/want.txt" "$T/want.txt"
sort -o "$T/got.txt" "$T/got.txt"
check_ge "post-scheme matches" "$(wc -l < "$T/want.txt")" 50
check_eq "stored matches = yuqing match" "$(diff "$T/want.txt" "$T/got.txt" | wc -l)" 0
check_eq "summary count" "$(awk '/^matched schemes/ {print $3}' "$T/out")" "$(cut -d' ' -f1 "$T/want.txt" | sort -u | wc -l)"
check_eq "events of matched posts that lack the scheme" "$(q "$db" "select count(*) from post_schemes s join posts p on p.rowid = s.post
  join events e on e.id = p.event where not exists (select 1 from json_each(e.schemes) j where j.value = s.scheme)")" 0
check_eq "bad scheme file exit status" "$("$YQ" replay --db "$T/x.db" --schemes /nonexistent.yaml "$T/slice.tsv" > /dev/null 2>&1; echo $?)" 2
finish
