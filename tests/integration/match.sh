#!/usr/bin/env bash
# Schemes on real posts: a slice of the COVID Weibo stream is replayed into a
# DB; `yuqing match` must agree with an independent search of the stored
# normalized text (posts.norm) for every scheme, every hit's original span
# must normalize to its word, `scheme backtest` must give the per-day counts
# of the same SQL search, and `scheme test` must pass on schemes/example.yaml
# and fail (exit 1) on a file whose example is wrong.
source "$(dirname "$0")/lib.sh"
N=${YQ_MATCH_POSTS:-3000}
head_gz "$YQ_DATA/weibo_covid/posts.tsv.gz" $((N + 1)) > "$T/slice.tsv"
db="$T/m.db"
"$YQ" replay --db "$db" --bucket 1d --source weibo "$T/slice.tsv" > "$T/replay.out" 2> "$T/replay.err" ||
  { cat "$T/replay.err"; fail "replay exited with an error"; finish; }
stored=$(q "$db" 'select count(*) from posts')
check_ge "posts stored" "$stored" $((N - 50))

cat > "$T/s.yaml" <<'Y'
schemes:
  - id: wuhan-mask
    region: [武汉]
    subject: [口罩]
  - id: hospital-no-cheer
    subject: [医院]
    exclude: [加油]
  - id: virus-source
    subject: [新型冠状病毒, 病毒]
    event: [传染源, 来源]
  - id: off
    enabled: false
    subject: [中国]
Y
# the SQL twin of each scheme (on posts.norm; the slice has no titles)
sql_where() {
  case $1 in
    wuhan-mask) echo "instr(norm,'武汉') and instr(norm,'口罩')" ;;
    hospital-no-cheer) echo "instr(norm,'医院') and not instr(norm,'加油')" ;;
    virus-source) echo "instr(norm,'病毒') and (instr(norm,'传染源') or instr(norm,'来源'))" ;;
    off) echo "instr(norm,'中国')" ;;
  esac
}

# match: one line per post, per-scheme counts equal to SQL
"$YQ" match --schemes "$T/s.yaml" --source weibo "$T/slice.tsv" > "$T/match.jsonl" 2> "$T/match.err" ||
  { cat "$T/match.err"; fail "match exited with an error"; }
check_eq "match output lines" "$(wc -l < "$T/match.jsonl")" "$stored"
for s in wuhan-mask hospital-no-cheer virus-source; do
  got=$(grep -c "\"schemes\":\[.*{\"id\":\"$s\"" "$T/match.jsonl" || true)
  want=$(q "$db" "select count(*) from posts where $(sql_where $s)")
  check_eq "posts matching $s" "$got" "$want"
  check_ge "posts matching $s (not trivially zero)" "$got" 5
done
check_eq "disabled scheme never matched" "$(grep -c '"id":"off"' "$T/match.jsonl" || true)" 0

# every hit's original span normalizes to its word
/usr/bin/python3 - "$T/slice.tsv" "$T/match.jsonl" "$T" <<'PY'
import csv, json, sys
slice_, matches, tmp = sys.argv[1:4]
texts = {}
with open(slice_, encoding="utf-8") as f:
    next(f)
    for line in f:
        c = line.rstrip("\n").split("\t")
        texts[c[0]] = c[3]
spans, words = [], []
for line in open(matches, encoding="utf-8"):
    r = json.loads(line)
    for s in r["schemes"]:
        for h in s["hits"]:
            spans.append(texts[r["id"]][h["start"]:h["end"]])
            words.append(h["word"])
open(f"{tmp}/spans.txt", "w", encoding="utf-8").write("".join(x + "\n" for x in spans))
open(f"{tmp}/words.txt", "w", encoding="utf-8").write("".join(x + "\n" for x in words))
print(f"{len(spans)} hits")
PY
"$YQ" normalize "$T/spans.txt" > "$T/spans.norm"
check_ge "hits checked" "$(wc -l < "$T/words.txt")" 100
check_eq "hit spans that do not normalize to their word" "$(paste "$T/spans.norm" "$T/words.txt" | awk -F'\t' '$1 != $2' | wc -l)" 0

# backtest: per scheme and day, the SQL counts (day in Asia/Shanghai)
"$YQ" scheme backtest --db "$db" "$T/s.yaml" > "$T/bt.tsv" 2> "$T/bt.err" ||
  { cat "$T/bt.err"; fail "backtest exited with an error"; }
check_eq "backtest header" "$(head -1 "$T/bt.tsv")" "$(printf 'scheme\tday\tposts')"
for s in wuhan-mask hospital-no-cheer virus-source off; do
  want=$(q "$db" "select '$s', date(time, 'unixepoch', '+8 hours'), count(*) from posts where $(sql_where $s)
    group by 2 order by 2" | tr '|' '\t')
  got=$(awk -F'\t' -v s="$s" '$1 == s' "$T/bt.tsv")
  check_eq "backtest $s" "$got" "$want"
done
check_eq "backtest days" "$(cut -f2 "$T/bt.tsv" | tail -n +2 | sort -u | tr '\n' ' ')" "2020-01-19 2020-01-20 2020-01-21 "
grep -q "^yuqing: scheme: $stored posts, " "$T/bt.err" || fail "backtest summary: $(cat "$T/bt.err")"

# scheme test
"$YQ" scheme test "$YQ_SRC/schemes/example.yaml" > "$T/test.out" || fail "scheme test of example.yaml failed: $(cat "$T/test.out")"
check_eq "example.yaml summary" "$(tail -1 "$T/test.out")" "14 examples, 14 passed, 0 failed"
cat > "$T/wrong.yaml" <<'Y'
schemes:
  - id: w
    subject: [停电]
    exclude: [演练]
    must_match:
      - 又停电了
      - 停电演练
    must_not_match:
      - 停电抢修
Y
set +e
"$YQ" scheme test "$T/wrong.yaml" > "$T/wrong.out"; rc=$?
set -e
check_eq "scheme test with wrong examples exits" "$rc" 1
check_eq "scheme test lines" "$(cat "$T/wrong.out")" "$(printf '%s\n' \
  'ok   w must_match #1 (line 6)' 'FAIL w must_match #2 (line 7)' \
  'FAIL w must_not_match #1 (line 9): matched by subject 停电 text [0,2)' \
  '3 examples, 1 passed, 2 failed')"

# errors: bad YAML names its line (exit 1); bad usage exits 2
printf 'schemes:\n  - id: a\n    subjet: [x]\n' > "$T/bad.yaml"
set +e
"$YQ" match --schemes "$T/bad.yaml" < /dev/null 2> "$T/bad.err"; rc=$?
"$YQ" match < /dev/null 2> /dev/null; rc2=$?
"$YQ" scheme frobnicate 2> /dev/null; rc3=$?
"$YQ" scheme backtest --db "$T/nonexistent.db" "$T/s.yaml" 2> "$T/nodb.err"; rc4=$?
set -e
check_eq "bad YAML exit" "$rc" 1
grep -q "^yuqing: match: $T/bad.yaml:3: unknown or repeated key 'subjet'" "$T/bad.err" || fail "bad YAML message: $(cat "$T/bad.err")"
check_eq "match without --schemes exit" "$rc2" 2
check_eq "unknown scheme subcommand exit" "$rc3" 2
check_eq "backtest on a missing DB exit" "$rc4" 1
[ ! -e "$T/nonexistent.db" ] || fail "backtest created the missing DB"
finish
