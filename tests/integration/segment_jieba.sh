#!/bin/bash
# segment_jieba.sh — `yuqing segment` against Python jieba 0.42.1 on real
# Weibo text: 3000 posts spread over weibo_covid/posts.tsv.gz (4th column)
# and 1000 non-empty texts spread over weibo_ced/stream.jsonl.gz, with and
# without HMM.  Fails when fewer than 99.5% of the lines are identical;
# prints the agreement and the first differing lines.
# Env: YQ (the binary), YQ_DATA, YQ_SRC, YQ_TMP.
set -u -o pipefail
: "${YQ:?}" "${YQ_DATA:?}" "${YQ_SRC:?}" "${YQ_TMP:?}"
PY=/usr/bin/python3
REF="$YQ_SRC/bench/ref/jieba_cut.py"
T="$YQ_TMP/segment_jieba"
mkdir -p "$T"
in="$T/input.txt"

covid="$YQ_DATA/weibo_covid/posts.tsv.gz"
ced="$YQ_DATA/weibo_ced/stream.jsonl.gz"
for f in "$covid" "$ced"; do
	[ -r "$f" ] || { echo "FAIL: missing data file $f"; exit 1; }
done

# every 100th post after the header, 3000 of them
zcat "$covid" | awk -F'\t' 'NR > 1 && (NR - 2) % 100 == 0 { print $4; if (++n == 3000) exit }' > "$in"
# 1000 non-empty texts, every 400th record; newlines inside a text become
# spaces so one text stays one line
zcat "$ced" | "$PY" -c '
import json, sys
n = 0
for i, raw in enumerate(sys.stdin.buffer):
    if i % 400:
        continue
    t = json.loads(raw).get("text") or ""
    if not t.strip():
        continue
    sys.stdout.buffer.write(t.replace("\n", " ").encode("utf-8", "surrogatepass") + b"\n")
    n += 1
    if n == 1000:
        break
' >> "$in"
lines=$(wc -l < "$in")
if [ "$lines" -ne 4000 ]; then
	echo "FAIL: expected 4000 input lines, extracted $lines"
	exit 1
fi

status=0
for mode in hmm no-hmm; do
	opt=()
	[ "$mode" = no-hmm ] && opt=(--no-hmm)
	"$YQ" segment "${opt[@]}" "$in" > "$T/yq.$mode" 2> "$T/yq.$mode.err" || {
		echo "FAIL: yuqing segment ${opt[*]} exited $?: $(head -3 "$T/yq.$mode.err")"
		status=1
		continue
	}
	"$PY" "$REF" "${opt[@]}" < "$in" > "$T/ref.$mode" || {
		echo "FAIL: the jieba reference script failed"
		status=1
		continue
	}
	"$PY" - "$T/yq.$mode" "$T/ref.$mode" "$mode" <<'PYEOF' || status=1
import sys
a = open(sys.argv[1], "rb").read().split(b"\n")
b = open(sys.argv[2], "rb").read().split(b"\n")
mode = sys.argv[3]
if len(a) != len(b):
    print("FAIL %s: yuqing wrote %d lines, jieba %d" % (mode, len(a) - 1, len(b) - 1))
    sys.exit(1)
n = len(a) - 1
diff = [i for i in range(n) if a[i] != b[i]]
same = n - len(diff)
print("%s: %d/%d lines identical to jieba (%.2f%%)" % (mode, same, n, 100.0 * same / n))
for i in diff[:5]:
    print("  line %d\n    yuqing: %s\n    jieba:  %s" % (i + 1, a[i].decode("utf-8", "replace")[:300],
                                                  b[i].decode("utf-8", "replace")[:300]))
if same * 1000 < n * 995:
    print("FAIL %s: below 99.5%%" % mode)
    sys.exit(1)
PYEOF
done
exit $status
