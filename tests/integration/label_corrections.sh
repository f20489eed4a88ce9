#!/usr/bin/env bash
# Analysts' corrections: replay a real slice of the COVID Weibo stream into a
# DB, label a few posts with `yuqing label` (relabelling one, a missing post
# and a bad task refused), then `yuqing train --corrections DB` adds exactly
# the posts labelled for its task to a small waimai training set, and a
# training record with the same id and text takes the analyst's label.
source "$(dirname "$0")/lib.sh"
head_gz "$YQ_DATA/weibo_covid/posts.tsv.gz" 61 > "$T/slice.tsv"
W="$YQ_DATA/sentiment/waimai_10k/train.csv"
{ head -n 1 "$W"; sed -n '2,101p' "$W"; tail -n 100 "$W"; } > "$T/train.csv"
db="$T/r.db"
"$YQ" replay --db "$db" --source weibo "$T/slice.tsv" > "$T/replay.out" 2> "$T/replay.err" ||
  { cat "$T/replay.err"; fail "replay exited with an error"; finish; }
ids=$(q "$db" "select id from posts where length(text) > 10 order by rowid limit 4")
set -- $ids
[ $# -eq 4 ] || { fail "want 4 stored posts with text, got $#"; finish; }
"$YQ" label --db "$db" "$1" 0 > "$T/l1.out" || fail "label $1 failed"
check_eq "label output" "$(cat "$T/l1.out")" "weibo $1 sentiment: 0"
"$YQ" label --db "$db" --source weibo --task sentiment "$2" 1 > /dev/null || fail "label $2 failed"
"$YQ" label --db "$db" "$3" 1 > /dev/null || fail "label $3 failed"
"$YQ" label --db "$db" "$3" 0 > /dev/null || fail "relabel $3 failed"
"$YQ" label --db "$db" --task category "$4" 城乡建设 > /dev/null || fail "label category failed"
check_eq "sentiment labels stored" "$(q "$db" "select group_concat(label, '') from (select label from labels
  where task = 'sentiment' order by id = '$1' desc, id = '$2' desc)")" "010"
check_eq "relabel replaced" "$(q "$db" "select label from labels where id = '$3' and task = 'sentiment'")" 0
check_eq "labels rows" "$(q "$db" "select count(*) from labels")" 4
set +e
"$YQ" label --db "$db" no-such-post 1 2> "$T/err"; rc=$?
check_eq "missing post exits 1" "$rc" 1
grep -q "no post 'no-such-post'" "$T/err" || fail "missing post not named: $(cat "$T/err")"
"$YQ" label --db "$db" --task topic "$1" 1 2> /dev/null; rc=$?
check_eq "bad task exits 2" "$rc" 2
"$YQ" label --db "$db" "$1" 2> /dev/null; rc=$?
check_eq "missing LABEL exits 2" "$rc" 2
set -e

# training: 200 waimai reviews + the 3 sentiment corrections
"$YQ" train --task sentiment --out "$T/m0.model" --folds 0 --C 1 --text-field review \
  "$T/train.csv" > "$T/t0.out"
"$YQ" train --task sentiment --out "$T/m1.model" --folds 0 --C 1 --corrections "$db" \
  --text-field review "$T/train.csv" > "$T/t1.out"
cat "$T/t1.out"
check_eq "corrections line" "$(grep '^corrections:' "$T/t1.out")" "corrections: 3 from $db"
check_eq "labels without corrections" "$(grep '^labels:' "$T/t0.out")" "labels: 1 100, 0 100"
check_eq "labels with corrections" "$(grep '^labels:' "$T/t1.out")" "labels: 1 101, 0 102"
check_eq "used records" "$(sed -n 's/^read \([0-9]*\) records: \([0-9]*\) used.*/\1 \2/p' "$T/t1.out")" "203 203"
# the category task takes only the category correction
"$YQ" train --task category --out "$T/m2.model" --folds 0 --C 1 --corrections "$db" \
  --text-field review --label-map 0=交通运输,1=教育文体 "$T/train.csv" > "$T/t2.out"
check_eq "category corrections" "$(grep '^corrections:' "$T/t2.out")" "corrections: 1 from $db"
check_eq "category labels" "$(grep '^labels:' "$T/t2.out")" "labels: 城乡建设 1, 教育文体 100, 交通运输 100"

# a training record with the same id and text as a corrected post: the
# analyst's label wins, the record counts as a duplicate
text=$(q "$db" "select coalesce(title || char(10), '') || text from posts where id = '$1'")
/usr/bin/python3 -c 'import json,sys; print(json.dumps({"id": sys.argv[1], "text": sys.argv[2], "label": "1"}, ensure_ascii=False))' \
  "$1" "$text" > "$T/same.jsonl"
"$YQ" train --task sentiment --out "$T/m3.model" --folds 0 --C 1 --corrections "$db" \
  "$T/same.jsonl" --text-field review "$T/train.csv" > "$T/t3.out"
check_eq "same post in a file" "$(grep -o '[0-9]* duplicates' "$T/t3.out")" "1 duplicates"
check_eq "labels with the same post" "$(grep '^labels:' "$T/t3.out")" "labels: 1 101, 0 102"
finish
