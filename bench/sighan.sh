#!/bin/bash
# sighan.sh — word-segmentation F1 on the SIGHAN 2005 PKU test set, scored
# by the bakeoff's own `score` script (../shared/data/segmentation; the test
# and gold files have CRLF line ends: yuqing's line reader and
# bench/ref/jieba_cut.py both drop the CR, and `score` ignores it).
#
# Prints one line per system, machine-readable:
#   name f1=F recall=R precision=P oov_recall=O
# for Python jieba 0.42.1 (HMM on and off), yuqing segment with jieba's
# dictionary (HMM on and off), yuqing with --dict pku_training_words.utf8
# (the PKU training word list as the replacement main dictionary, HMM on
# and off), and yuqing with that word list given jieba's frequencies (a
# dictionary built here in the scratch directory: each PKU word with its
# dict.txt frequency when it has one, else none, i.e. the default 3).
#
# Env: YQ (default build/yuqing), YQ_DATA (default ../shared/data),
# SIGHAN_REFS (default 1; 0 skips the slow Python jieba runs),
# SIGHAN_TMP (default a mktemp dir, removed at the end).
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
YQ=${YQ:-$root/build/yuqing}
YQ_DATA=${YQ_DATA:-$root/../shared/data}
REFS=${SIGHAN_REFS:-1}
PY=/usr/bin/python3
S=$YQ_DATA/segmentation
T=${SIGHAN_TMP:-$(mktemp -d /tmp/yq_sighan.XXXXXX)}
mkdir -p "$T"
[ -n "${SIGHAN_TMP:-}" ] || trap 'rm -rf "$T"' EXIT
for f in pku_test.utf8 pku_test_gold.utf8 pku_training_words.utf8 score; do
  [ -f "$S/$f" ] || { echo "sighan.sh: missing $S/$f" >&2; exit 1; }
done
words=$S/pku_training_words.utf8

# score NAME FILE: runs the bakeoff scorer and prints the summary line
score() {
  perl "$S/score" "$words" "$S/pku_test_gold.utf8" "$2" > "$T/$1.score"
  awk -v n="$1" -F'\t' '
    /^=== TOTAL TRUE WORDS RECALL:/ {r = $2}
    /^=== TOTAL TEST WORDS PRECISION:/ {p = $2}
    /^=== F MEASURE:/ {f = $2}
    /^=== OOV Recall Rate:/ {o = $2}
    END {printf "%s f1=%s recall=%s precision=%s oov_recall=%s\n", n, f, r, p, o}' "$T/$1.score"
}

run_yq() { # NAME ARGS...
  local n=$1
  shift
  "$YQ" segment "$@" "$S/pku_test.utf8" > "$T/$n.txt"
  score "$n" "$T/$n.txt"
}

if [ "$REFS" != 0 ]; then
  "$PY" "$here/ref/jieba_cut.py" < "$S/pku_test.utf8" > "$T/jieba.txt"
  score jieba "$T/jieba.txt"
  "$PY" "$here/ref/jieba_cut.py" --no-hmm < "$S/pku_test.utf8" > "$T/jieba_no_hmm.txt"
  score jieba_no_hmm "$T/jieba_no_hmm.txt"
fi
run_yq yuqing
run_yq yuqing_no_hmm --no-hmm
run_yq yuqing_pku --dict "$words"
run_yq yuqing_pku_no_hmm --no-hmm --dict "$words"

jdict=$("$PY" -c 'import jieba, os; print(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"))')
awk 'NR == FNR { f[$1] = $2; next }
     { sub(/\r$/, ""); if ($0 == "") next; print ($0 in f) ? $0 " " f[$0] : $0 }' \
  "$jdict" "$words" > "$T/pku_jieba_freq.txt"
run_yq yuqing_pku_jfreq --dict "$T/pku_jieba_freq.txt"
run_yq yuqing_pku_jfreq_no_hmm --no-hmm --dict "$T/pku_jieba_freq.txt"
