#!/usr/bin/env bash
# The SIGHAN 2005 PKU targets of issue 3: F1 >= 0.83 with --no-hmm and
# jieba's dictionary, >= 0.88 with --dict pku_training_words.utf8, HMM on
# and off.  The bakeoff's perl `score` forks diff once per line (a minute
# on this machine), so F1 is computed here from word spans (a word is right
# when its start and end are those of a gold word), which gives the same
# figures to three places (bench/sighan.sh runs the perl scorer).
source "$(dirname "$0")/lib.sh"
S="$YQ_DATA/segmentation"
[ -f "$S/pku_test.utf8" ] || { echo "missing $S/pku_test.utf8"; exit 1; }
f1() { # FILE: F1 x 1000, rounded
  /usr/bin/python3 - "$S/pku_test_gold.utf8" "$1" <<'PY'
import sys
def spans(path):
    out = []
    for line in open(path, encoding="utf-8", newline="").read().split("\n"):
        s, p = set(), 0
        for w in line.replace("\r", "").split():
            s.add((p, p + len(w)))
            p += len(w)
        out.append(s)
    return out
g, t = spans(sys.argv[1]), spans(sys.argv[2])
if len(t) == len(g) + 1 and not t[-1]:
    t.pop()
assert len(g) == len(t), (len(g), len(t))
ok = sum(len(a & b) for a, b in zip(g, t))
ng, nt = sum(map(len, g)), sum(map(len, t))
r, p = ok / ng, ok / nt
print(round(2 * p * r / (p + r) * 1000))
PY
}
"$YQ" segment --no-hmm "$S/pku_test.utf8" > "$T/no_hmm.txt"
"$YQ" segment --dict "$S/pku_training_words.utf8" "$S/pku_test.utf8" > "$T/pku.txt"
"$YQ" segment --no-hmm --dict "$S/pku_training_words.utf8" "$S/pku_test.utf8" > "$T/pku_no_hmm.txt"
check_ge "--no-hmm F1 x1000" "$(f1 "$T/no_hmm.txt")" 830
check_ge "--dict PKU F1 x1000" "$(f1 "$T/pku.txt")" 880
check_ge "--dict PKU --no-hmm F1 x1000" "$(f1 "$T/pku_no_hmm.txt")" 880
finish
