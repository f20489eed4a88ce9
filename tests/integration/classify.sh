#!/usr/bin/env bash
# train + classify on a real slice: 2,000 waimai_10k reviews (1,600 train,
# 400 held out), CV accuracy printed, held-out accuracy, labels verbatim
# after --label-map (and x=- dropping a label), bad records reported with
# their line and skipped, exit codes (2 usage, 1 runtime).
source "$(dirname "$0")/lib.sh"
W="$YQ_DATA/sentiment/waimai_10k/train.csv"
[ -f "$W" ] || { echo "missing $W"; exit 1; }
# balanced slice: the file has positives first, then negatives
{ head -n 1 "$W"; sed -n '2,1001p' "$W"; tail -n 1000 "$W"; } > "$T/slice.csv"
/usr/bin/python3 - "$T" <<'PY'
import csv, json, random, sys
T = sys.argv[1]
rows = list(csv.DictReader(open(f"{T}/slice.csv", encoding="utf-8")))
random.Random(7).shuffle(rows)
with open(f"{T}/train.csv", "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f); w.writerow(["label", "review"])
    for r in rows[:1600]: w.writerow([r["label"], r["review"]])
with open(f"{T}/test.jsonl", "w", encoding="utf-8") as f:
    for i, r in enumerate(rows[1600:]):
        f.write(json.dumps({"id": f"t{i}", "text": r["review"], "gold": r["label"]}, ensure_ascii=False) + "\n")
PY
"$YQ" train --task sentiment --out "$T/m.model" --text-field review --folds 3 \
  --label-map "0=差 评,1=好评 ✓" "$T/train.csv" > "$T/train.out"
cat "$T/train.out"
grep -q '^C=.*3-fold cross-validated accuracy 0\.[0-9]*$' "$T/train.out" || fail "no CV line per C"
cv=$(sed -n 's/^cross-validated accuracy: \(0\.[0-9]*\) (3-fold.*/\1/p' "$T/train.out")
[ -n "$cv" ] && awk -v a="$cv" 'BEGIN { exit !(a >= 0.80) }' || fail "CV accuracy '$cv' < 0.80"
check_eq "labels" "$(grep '^labels:' "$T/train.out")" "labels: 好评 ✓ 790, 差 评 810"
"$YQ" classify --model "$T/m.model" "$T/test.jsonl" > "$T/pred.jsonl"
check_eq "classified" "$(wc -l < "$T/pred.jsonl")" 400
acc=$(/usr/bin/python3 - "$T" <<'PY'
import json, sys
T = sys.argv[1]
names = {"0": "差 评", "1": "好评 ✓"}
gold = {o["id"]: names[o["gold"]] for o in map(json.loads, open(f"{T}/test.jsonl", encoding="utf-8"))}
pred = [json.loads(l) for l in open(f"{T}/pred.jsonl", encoding="utf-8")]
assert all(set(p) == {"id", "label", "prob"} and 0.5 <= p["prob"] <= 1 for p in pred)
assert {p["label"] for p in pred} <= set(names.values())
print(f"{sum(gold[p['id']] == p['label'] for p in pred) / len(gold):.3f}")
PY
) || fail "bad classify output"
echo "held-out accuracy: $acc"
awk -v a="$acc" 'BEGIN { exit !(a >= 0.82) }' || fail "held-out accuracy $acc < 0.82"

# --label-map x=- drops a label; bad records are reported with their line
cat > "$T/bad.jsonl" <<'J'
{"id": "a", "text": "很好吃", "label": "pos"}
{"id": "b", "text": "太难吃了", "label": "neg"}
{"id": "c", "text": "还行吧", "label": "meh"}
{"id": "d", "text": "no label here"}
{"id": "e", "text": "送餐很快", "label": "pos"
{"id": "f", "text": "", "label": "neg"}
{"id": "g", "text": "很慢", "label": "neg"}
{"id": "h", "text": "满意", "label": "pos"}
J
"$YQ" train --task sentiment --out "$T/small.model" --folds 2 --label-map meh=- "$T/bad.jsonl" > "$T/small.out" 2> "$T/small.err"
check_eq "small train exit" $? 0
cat "$T/small.out" "$T/small.err"
grep -q 'bad.jsonl:4: no label' "$T/small.err" || fail "line 4 (no label) not reported"
grep -q 'bad.jsonl:5: bad JSON' "$T/small.err" || fail "line 5 (bad JSON) not reported"
grep -q 'bad.jsonl:6: empty text' "$T/small.err" || fail "line 6 (empty text) not reported"
grep -q '4 used, 3 bad (skipped), 1 dropped by --label-map' "$T/small.out" || fail "counts"
check_eq "labels after drop" "$(grep '^labels:' "$T/small.out")" "labels: pos 2, neg 2"
echo '{"id":"x","text":"好吃"}
not json' | "$YQ" classify --model "$T/small.model" > "$T/x.out" 2> "$T/x.err" && rc=0 || rc=$?
check_eq "classify with a bad line exits" "$rc" 0
grep -q '<stdin>:2: bad JSON' "$T/x.err" || fail "bad stdin line not reported"
check_eq "one post classified" "$(wc -l < "$T/x.out")" 1

# exit codes
"$YQ" classify > /dev/null 2>&1 && rc=0 || rc=$?
check_eq "classify without --model" "$rc" 2
"$YQ" train --task sentiment "$T/bad.jsonl" > /dev/null 2>&1 && rc=0 || rc=$?
check_eq "train without --out" "$rc" 2
"$YQ" train --task bogus --out "$T/z" "$T/bad.jsonl" > /dev/null 2>&1 && rc=0 || rc=$?
check_eq "train with an unknown task" "$rc" 2
"$YQ" classify --model "$T/nonexistent.model" < /dev/null > /dev/null 2> "$T/e" && rc=0 || rc=$?
check_eq "classify with a missing model" "$rc" 1
grep -q '^yuqing: classify: cannot open model' "$T/e" || fail "missing model message"
YQ_MODELS="$T/none" "$YQ" classify --model sentiment < /dev/null > /dev/null 2> "$T/e" && rc=0 || rc=$?
check_eq "absent built-in model" "$rc" 1
grep -q "built-in model 'sentiment' is absent" "$T/e" || fail "absent built-in message"
echo '{"text":"x","label":"only"}' > "$T/one.jsonl"
"$YQ" train --task sentiment --out "$T/one.model" --folds 0 --C 1 "$T/one.jsonl" > /dev/null 2> "$T/e" && rc=0 || rc=$?
check_eq "one label" "$rc" 1
grep -q 'at least two labels' "$T/e" || fail "one-label message"
finish
