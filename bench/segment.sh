#!/bin/bash
# segment.sh — segmentation speed on ~20 MB of real Weibo text, in one
# invocation: yuqing segment (HMM on and off), Python jieba 0.42.1 (the
# reference, bench/ref/jieba_cut.py) and friso (libfriso-dev, via the small
# driver bench/friso_cut.c compiled here, when its header is installed).
#
# Each program runs twice: on empty input (its start-up: dictionary load)
# and on the text.  Printed per program, one line, machine-readable:
#   name bytes=B wall=S cpu=S load_cpu=S mbps=X mbps_steady=Y
# mbps is bytes / cpu time of the whole run; mbps_steady leaves out the
# start-up.  CPU time (user+sys) is used because the machine is shared;
# wall time is printed too.  Then the speed ratios, and how many lines
# yuqing and jieba segment identically.
#
# Env: YQ (default build/yuqing), YQ_DATA (default ../shared/data),
# SEG_BENCH_BYTES (default 20000000), SEG_BENCH_TMP (default a mktemp dir).
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
YQ=${YQ:-$root/build/yuqing}
YQ_DATA=${YQ_DATA:-$root/../shared/data}
BYTES=${SEG_BENCH_BYTES:-20000000}
PY=/usr/bin/python3
T=${SEG_BENCH_TMP:-$(mktemp -d /tmp/yq_seg_bench.XXXXXX)}
mkdir -p "$T"

[ -x "$YQ" ] || { echo "segment.sh: no yuqing binary at $YQ (build first)" >&2; exit 1; }
text="$T/weibo.txt"
# whole posts (4th column of weibo_covid) until BYTES bytes
zcat "$YQ_DATA/weibo_covid/posts.tsv.gz" |
	LC_ALL=C awk -F'\t' -v max="$BYTES" 'NR > 1 { n += length($4) + 1; if (n > max) exit; print $4 }' > "$text" || true
bytes=$(wc -c < "$text")
echo "# text: $bytes bytes, $(wc -l < "$text") lines of weibo_covid posts"

# run NAME CMD... : times CMD on empty input and on the text
declare -A CPU
run() {
	local name=$1
	shift
	/usr/bin/time -f "%e %U %S" -o "$T/time.load" "$@" < /dev/null > /dev/null
	/usr/bin/time -f "%e %U %S" -o "$T/time.run" "$@" < "$text" > "$T/out.$name"
	read -r lw lu ls < "$T/time.load"
	read -r w u s < "$T/time.run"
	awk -v n="$name" -v b="$bytes" -v w="$w" -v u="$u" -v s="$s" -v lu="$lu" -v ls="$ls" 'BEGIN {
		cpu = u + s; load = lu + ls; steady = cpu - load
		if (steady <= 0) steady = cpu
		printf "%s bytes=%d wall=%.2f cpu=%.2f load_cpu=%.2f mbps=%.1f mbps_steady=%.1f\n",
			n, b, w, cpu, load, b / 1e6 / cpu, b / 1e6 / steady }'
	CPU[$name]=$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')
}

run yuqing "$YQ" segment
run yuqing_no_hmm "$YQ" segment --no-hmm
run jieba "$PY" "$here/ref/jieba_cut.py"
have_friso=0
if [ -r /usr/include/friso/friso.h ] && cc -O2 -I/usr/include/friso "$here/friso_cut.c" -lfriso \
	-o "$T/friso_cut" 2> "$T/friso_cc.err"; then
	run friso "$T/friso_cut"
	have_friso=1
else
	echo "# friso: not available ($(head -1 "$T/friso_cc.err" 2> /dev/null))"
fi

ratio() { awk -v a="$2" -v b="$3" -v n="$1" 'BEGIN { printf "ratio %s=%.1f\n", n, b / a }'; }
ratio yuqing_vs_jieba "${CPU[yuqing]}" "${CPU[jieba]}"
[ "$have_friso" = 1 ] && ratio yuqing_vs_friso "${CPU[yuqing]}" "${CPU[friso]}"
same=$(paste -d '\n' "$T/out.yuqing" "$T/out.jieba" | awk 'NR % 2 { a = $0; next } { n++; if (a == $0) s++ } END { printf "%d/%d", s, n }')
echo "identical_lines yuqing_vs_jieba=$same"
[ -z "${SEG_BENCH_TMP:-}" ] && rm -rf "$T"
exit 0
