#!/bin/bash
# classify.sh — accuracy and speed of the classifiers against scikit-learn,
# in one invocation, on the same splits of the shared data:
#   chnsenticorp  train.tsv → dev.tsv (dev is the held-out set)
#   waimai_10k    a fixed seeded 80/20 split of train.csv
#   messages      the 1,144 labelled citizen messages (two files, labels
#                 一级分类 / 一级标签, ids in both kept once), seeded 80/20
# yuqing: `yuqing train --task sentiment|category` (C chosen by 5-fold CV)
# then `yuqing classify` on the held-out file.  scikit-learn:
# TfidfVectorizer(analyzer='char', ngram_range=(1,3)) + LogisticRegression()
# (defaults, the reference the targets quote).
#
# Speed: texts/s of classification on one core, CPU time.  yuqing classify
# runs on the waimai reviews repeated to CLF_BENCH_TEXTS texts (default
# 200,000), start-up (model + dictionary load, timed on empty input) left
# out in texts_per_s_steady; normalize, segmentation and feature extraction
# are included.  scikit-learn: transform + predict_proba on the same texts
# (its vectorizer and model already in memory).
# Printed, one line each, machine-readable:
#   accuracy set=S program=P acc=A n=N
#   speed program=P texts=N cpu=S texts_per_s=X [texts_per_s_steady=Y]
# and, when build/bench/bench_classify exists, the in-process rate of
# yq_classifier_predict (segmentation + features + scoring), of
# normalization alone, of tokenization alone and of prediction given the
# tokens (program=yuqing-in-process; bench/bench_classify.c).
# yuqing trains with the task defaults (sentiment: NB log-count-ratio
# scaling averaged with a plain model, balanced class weights;
# docs/classify.md).
#
# Env: YQ (default build/yuqing), YQ_DATA (default ../shared/data),
# CLF_BENCH_TEXTS, CLF_BENCH_TMP (default a mktemp dir, removed at the end).
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
YQ=${YQ:-$root/build/yuqing}
YQ_DATA=${YQ_DATA:-$root/../shared/data}
NTEXTS=${CLF_BENCH_TEXTS:-200000}
PY=/usr/bin/python3
T=${CLF_BENCH_TMP:-$(mktemp -d /tmp/yq_clf_bench.XXXXXX)}
mkdir -p "$T"
[ -x "$YQ" ] || { echo "classify.sh: no yuqing binary at $YQ (build first)" >&2; exit 1; }

# ---- the splits: JSON lines {"id","text","label"} ----
$PY - "$YQ_DATA" "$T" "$NTEXTS" <<'PY'
import csv, json, random, sys
data, T, ntexts = sys.argv[1], sys.argv[2], int(sys.argv[3])
def write(name, rows):
    with open(f"{T}/{name}.jsonl", "w", encoding="utf-8") as f:
        for i, (text, label) in rows:
            f.write(json.dumps({"id": i, "text": text, "label": label}, ensure_ascii=False) + "\n")
def tsv(path):
    with open(path, encoding="utf-8") as f:
        r = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
    return [(x[1], x[0]) for x in r]
def split(rows, seed=20240601):
    idx = list(range(len(rows)))
    random.Random(seed).shuffle(idx)
    k = len(rows) // 5
    return [rows[i] for i in idx[k:]], [rows[i] for i in idx[:k]]
cs_tr, cs_te = tsv(f"{data}/sentiment/chnsenticorp/train.tsv"), tsv(f"{data}/sentiment/chnsenticorp/dev.tsv")
write("chnsenticorp.train", [(f"c{i}", r) for i, r in enumerate(cs_tr)])
write("chnsenticorp.test", [(f"c{i}", r) for i, r in enumerate(cs_te)])
with open(f"{data}/sentiment/waimai_10k/train.csv", encoding="utf-8-sig") as f:
    wm = [(x["review"], x["label"]) for x in csv.DictReader(f)]
wm_tr, wm_te = split(wm)
write("waimai.train", [(f"w{i}", r) for i, r in enumerate(wm_tr)])
write("waimai.test", [(f"w{i}", r) for i, r in enumerate(wm_te)])
msgs = {}
for fn, key in (("taidi2020c_attachment2_sample_labeled.jsonl", "一级分类"), ("labeled_921_part.jsonl", "一级标签")):
    for line in open(f"{data}/citizen_messages/{fn}", encoding="utf-8"):
        o = json.loads(line)
        if o.get(key):
            msgs.setdefault(str(o["留言编号"]), (o["留言主题"] + "\n" + o["留言详情"], o[key]))
ids = sorted(msgs)
ms_tr, ms_te = split([(i, msgs[i]) for i in ids])
write("messages.train", ms_tr)
write("messages.test", ms_te)
# speed input: waimai reviews repeated to ntexts
with open(f"{T}/speed.jsonl", "w", encoding="utf-8") as f:
    for k in range(ntexts):
        text, _ = wm[k % len(wm)]
        f.write(json.dumps({"id": f"s{k}", "text": text}, ensure_ascii=False) + "\n")
PY

cpu() { # cpu seconds of CMD (user + sys)
	/usr/bin/time -f "%U %S" -o "$T/time" "$@" > /dev/null
	awk '{printf "%.3f", $1 + $2}' "$T/time"
}

# ---- yuqing ----
for set in chnsenticorp waimai messages; do
	task=sentiment
	[ $set = messages ] && task=category
	"$YQ" train --task $task --out "$T/$set.model" "$T/$set.train.jsonl" > "$T/$set.train.log"
	grep 'cross-validated accuracy:' "$T/$set.train.log" | sed "s/^/# $set yuqing /"
	"$YQ" classify --model "$T/$set.model" "$T/$set.test.jsonl" > "$T/$set.pred"
	$PY - "$T/$set.test.jsonl" "$T/$set.pred" $set <<'PY'
import json, sys
gold = {o["id"]: o["label"] for o in map(json.loads, open(sys.argv[1], encoding="utf-8"))}
pred = {o["id"]: o["label"] for o in map(json.loads, open(sys.argv[2], encoding="utf-8"))}
ok = sum(pred.get(i) == l for i, l in gold.items())
print(f"accuracy set={sys.argv[3]} program=yuqing acc={ok / len(gold):.4f} n={len(gold)}")
PY
done
ntext=$(wc -l < "$T/speed.jsonl")
load=$(cpu "$YQ" classify --model "$T/waimai.model" /dev/null)
full=$(cpu "$YQ" classify --model "$T/waimai.model" "$T/speed.jsonl")
awk -v n="$ntext" -v l="$load" -v f="$full" 'BEGIN {
	printf "speed program=yuqing texts=%d cpu=%.3f load_cpu=%.3f texts_per_s=%.0f texts_per_s_steady=%.0f\n",
		n, f, l, n / f, n / (f - l) }'

# in process (bench/bench_classify.c): segmentation, features and scoring
# of already normalized texts, and normalization alone
BC=${BENCH_CLASSIFY:-$root/build/bench/bench_classify}
if [ -x "$BC" ]; then
	$PY -c 'import json, sys; [print(json.loads(l)["text"].replace("\n", " ")) for l in open(sys.argv[1], encoding="utf-8")]' \
		"$T/waimai.train.jsonl" > "$T/waimai.txt"
	"$BC" "$T/waimai.model" "$T/waimai.txt" 10 | sed 's/^bench_classify/speed program=yuqing-in-process/'
fi

# ---- scikit-learn ----
$PY - "$T" <<'PY'
import json, sys, time, warnings
warnings.filterwarnings("ignore")
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
T = sys.argv[1]
def rd(name):
    rows = [json.loads(l) for l in open(f"{T}/{name}.jsonl", encoding="utf-8")]
    return [r["text"] for r in rows], [r.get("label") for r in rows]
for s in ("chnsenticorp", "waimai", "messages"):
    X, y = rd(f"{s}.train")
    Xt, yt = rd(f"{s}.test")
    v = TfidfVectorizer(analyzer="char", ngram_range=(1, 3))
    m = LogisticRegression(max_iter=1000).fit(v.fit_transform(X), y)
    p = m.predict(v.transform(Xt))
    print(f"accuracy set={s} program=sklearn acc={sum(a == b for a, b in zip(p, yt)) / len(yt):.4f} n={len(yt)}")
    if s == "waimai":
        S, _ = rd("speed")
        t0 = time.process_time()
        m.predict_proba(v.transform(S))
        dt = time.process_time() - t0
        print(f"speed program=sklearn texts={len(S)} cpu={dt:.3f} texts_per_s={len(S) / dt:.0f}")
PY
[ -z "${CLF_BENCH_TMP:-}" ] && rm -rf "$T"
exit 0
