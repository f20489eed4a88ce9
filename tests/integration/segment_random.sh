#!/bin/bash
# segment_random.sh — `yuqing segment` against Python jieba on 20000
# generated lines (fixed seed) that mix the corner cases real text rarely
# packs together: block punctuation (+#&._%-), decimals and percentages,
# every kind of Unicode whitespace, lone CR, "\r\n", characters just inside
# and outside U+4E00..U+9FD5, characters outside the BMP, and words that
# tie.  Every line must be identical, with and without HMM.
# Env: YQ, YQ_SRC, YQ_TMP.
set -u -o pipefail
: "${YQ:?}" "${YQ_SRC:?}" "${YQ_TMP:?}"
PY=/usr/bin/python3
T="$YQ_TMP/segment_random"
mkdir -p "$T"
"$PY" - > "$T/in.txt" <<'PYEOF'
import random, sys
random.seed(7)
alpha = (list("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年"
              "动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高")
         + list("快哈杭研网易北京清华大学石墨烯钟南山") + list("abcxyzABCXYZ0123456789")
         + list("+#&._%-") + [" ", "\t", "\r", "\r\n", "\u3000", "\u00a0", "\u2028", "\u0085",
         "\x0b", "\x1c", "，", "。", "！", "?", "@", "/", ":", "😀", "𠀀", "\u9fd5", "\u9fd6",
         "\u4e00", "\u4dff", "\ufffd"])
out = sys.stdout.buffer
for i in range(20000):
    s = "".join(random.choice(alpha) for _ in range(random.randint(0, 40)))
    out.write(s.replace("\r\n", "\r\n ").encode("utf-8") + b"\n")
PYEOF
status=0
for mode in hmm no-hmm; do
	opt=()
	[ "$mode" = no-hmm ] && opt=(--no-hmm)
	"$YQ" segment "${opt[@]}" "$T/in.txt" > "$T/yq.$mode" || { echo "FAIL: yuqing exited $?"; exit 1; }
	"$PY" "$YQ_SRC/bench/ref/jieba_cut.py" "${opt[@]}" < "$T/in.txt" > "$T/ref.$mode" ||
		{ echo "FAIL: the jieba reference script failed"; exit 1; }
	if cmp -s "$T/yq.$mode" "$T/ref.$mode"; then
		echo "$mode: 20000/20000 generated lines identical to jieba"
	else
		echo "FAIL $mode: generated lines differ from jieba:"
		diff "$T/yq.$mode" "$T/ref.$mode" | head -6
		status=1
	fi
done
exit $status
