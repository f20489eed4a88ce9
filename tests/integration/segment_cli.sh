#!/bin/bash
# segment_cli.sh — the `yuqing segment` command line: files, gzip, stdin,
# repair of invalid UTF-8 (counted on stderr), an over-long line (written
# empty so the lines stay aligned), --user-dict and --dict (a plain word
# list with CRLF, as the SIGHAN PKU list) checked against Python jieba,
# --analysis with the gazetteer from --gazetteer, YQ_GAZETTEER, YQ_DATA or
# the default path (noted when missing), and the exit codes of CLI.md.  Env: YQ, YQ_DATA, YQ_SRC, YQ_TMP.
set -u -o pipefail
: "${YQ:?}" "${YQ_DATA:?}" "${YQ_SRC:?}" "${YQ_TMP:?}"
PY=/usr/bin/python3
REF="$YQ_SRC/bench/ref/jieba_cut.py"
T="$YQ_TMP/segment_cli"
rm -rf "$T"
mkdir -p "$T"
fail() { echo "FAIL: $*"; exit 1; }

# invalid UTF-8 is repaired and counted; empty and blank lines are kept
printf '我爱北京\xff天安门\n\n  空格 \r\nabc\n' > "$T/bad.txt"
out=$("$YQ" segment "$T/bad.txt" 2> "$T/err") || fail "exit $? on bad.txt"
want=$(printf '我 爱 北京 \xef\xbf\xbd 天安门\n\n    空格  \nabc')
[ "$out" = "$want" ] || fail "bad.txt gave [$out], want [$want]"
grep -q 'repaired invalid UTF-8 in 1 line(s) (first at .*bad.txt:1)' "$T/err" ||
	fail "no repair count on stderr: $(cat "$T/err")"

# gzip file, stdin as '-', several files: one output line per input line
printf '我来到北京清华大学\n' | gzip > "$T/a.gz"
n=$(printf 'x\ny\n' | "$YQ" segment "$T/a.gz" - "$T/bad.txt" | wc -l)
[ "$n" = 7 ] || fail "expected 7 lines from a.gz, stdin and bad.txt, got $n"
[ "$("$YQ" segment "$T/a.gz")" = "我 来到 北京 清华大学" ] || fail "gzip input"

# a line over the 8 MiB reader cap is reported and written empty
"$PY" -c 'import sys; sys.stdout.write("短\n" + "长" * (3 << 20) + "\n尾巴\n")' > "$T/long.txt"
"$YQ" segment "$T/long.txt" > "$T/long.out" 2> "$T/long.err" || fail "exit $? on long.txt"
[ "$(wc -l < "$T/long.out")" = 3 ] || fail "long.txt: expected 3 output lines"
[ "$(sed -n 2p "$T/long.out")" = "" ] || fail "long.txt: line 2 not empty"
grep -q 'long.txt:2' "$T/long.err" || fail "long.txt: no report of line 2: $(cat "$T/long.err")"

# --user-dict and --dict against jieba; the word list gets frequency 3
zcat "$YQ_DATA/weibo_covid/posts.tsv.gz" | awk -F'\t' 'NR > 1 && NR % 1000 == 0 { print $4 }' > "$T/in.txt"
printf '新冠肺炎 50 n\n钟南山\n武汉加油\n火神山医院 0\n' > "$T/user.txt"
"$YQ" segment --user-dict "$T/user.txt" "$T/in.txt" > "$T/u.yq" || fail "exit $? with --user-dict"
"$PY" "$REF" --user-dict "$T/user.txt" < "$T/in.txt" > "$T/u.ref" || fail "reference failed"
cmp -s "$T/u.yq" "$T/u.ref" || fail "--user-dict differs from jieba: $(diff "$T/u.yq" "$T/u.ref" | head -4)"
words="$YQ_DATA/segmentation/pku_training_words.utf8"
# the reference dictionary spells out what yq_dict_load adds: a word with
# full-width ASCII forms is followed by its folded form unless that is a word
"$PY" - "$words" > "$T/words3.txt" <<'PY'
import sys
seen = set()
for line in open(sys.argv[1], encoding="utf-8"):
    w = line.strip()
    if not w:
        continue
    print(w, 3)
    seen.add(w)
    f = "".join(chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else c for c in w)
    if f != w and f not in seen:
        print(f, 3)
        seen.add(f)
PY
"$YQ" segment --dict "$words" "$T/in.txt" > "$T/d.yq" || fail "exit $? with --dict"
"$PY" "$REF" --dict "$T/words3.txt" < "$T/in.txt" > "$T/d.ref" || fail "reference failed"
cmp -s "$T/d.yq" "$T/d.ref" || fail "--dict word list differs from jieba: $(diff "$T/d.yq" "$T/d.ref" | head -4)"

# exit codes: 2 bad usage, 1 runtime error
"$YQ" segment --bogus < /dev/null > /dev/null 2>&1; [ $? = 2 ] || fail "unknown option: want exit 2"
"$YQ" segment --dict < /dev/null > /dev/null 2>&1; [ $? = 2 ] || fail "missing value: want exit 2"
"$YQ" segment "$T/nope.txt" > /dev/null 2> "$T/e1"; [ $? = 1 ] || fail "missing file: want exit 1"
grep -q '^yuqing: segment: cannot open: .*(.*nope.txt)$' "$T/e1" || fail "error line: $(cat "$T/e1")"
"$YQ" segment --dict "$T/nope.txt" < /dev/null > /dev/null 2>&1; [ $? = 1 ] || fail "missing dict: want exit 1"

# --analysis: normalized tokens; where the place names come from
out=$(printf '＃疫情＃在望京街道  领了１０００个口罩[加油]\n' |
	YQ_GAZETTEER="$YQ_DATA/gazetteer_cn" "$YQ" segment --analysis) || fail "exit $? with --analysis"
[ "$out" = "#疫情# 在 望京街道 领了 1000个 口罩 [加油]" ] || fail "--analysis gave [$out]"
out=$(echo 在望京街道 | YQ_GAZETTEER= "$YQ" segment --analysis 2> "$T/e2") || fail "exit $? without gazetteer"
[ "$out" = "在 望京 街道" ] && [ ! -s "$T/e2" ] || fail "YQ_GAZETTEER='': [$out] [$(cat "$T/e2")]"
out=$(cd "$T" && echo 在望京街道 | env -u YQ_GAZETTEER -u YQ_DATA "$YQ" segment --analysis 2> "$T/e3") ||
	fail "exit $? with the default gazetteer missing"
[ "$out" = "在 望京 街道" ] || fail "missing default gazetteer: [$out]"
grep -q '^yuqing: segment: note: no gazetteer at \.\./shared/data/gazetteer_cn' "$T/e3" ||
	fail "no note for the missing default: $(cat "$T/e3")"
out=$(cd "$T" && echo 在望京街道 | env -u YQ_GAZETTEER YQ_DATA="$YQ_DATA" "$YQ" segment --analysis) ||
	fail "exit $? with YQ_DATA"
[ "$out" = "在 望京街道" ] || fail "gazetteer from \$YQ_DATA: [$out]"
"$YQ" segment --analysis --gazetteer "$T/nope" < /dev/null > /dev/null 2> "$T/e4"; [ $? = 1 ] ||
	fail "missing --gazetteer: want exit 1"
grep -q 'nope/provinces.csv' "$T/e4" || fail "missing --gazetteer: $(cat "$T/e4")"
"$YQ" segment --gazetteer "$T" < /dev/null > /dev/null 2>&1; [ $? = 2 ] || fail "--gazetteer alone: want exit 2"
"$YQ" segment --analysis --no-hmm < /dev/null > /dev/null 2>&1; [ $? = 2 ] || fail "--analysis --no-hmm: want exit 2"
echo "segment_cli: all checks passed"
