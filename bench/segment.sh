#!/bin/bash
# segment.sh — segmentation speed on ~20 MB of real Weibo text, in one
# invocation: yuqing segment (HMM on and off, and --analysis: normalize +
# the pipeline's tokens, with the place names), Python jieba 0.42.1 (the
# reference, bench/ref/jieba_cut.py) and friso (libfriso-dev, via the small
# driver bench/friso_cut.c compiled here, when its header is installed).
#
# Each program runs on empty input (its start-up: dictionary load) and on
# the text; yuqing SEG_BENCH_REPS times (default 3, the best run counts),
# the slow references once.  Printed per program, one line, machine-readable:
#   name bytes=B wall=S cpu=S load_cpu=S mbps=X mbps_steady=Y
# mbps is bytes / cpu time of the whole run; mbps_steady leaves out the
# start-up.  CPU time (user+sys) is used because the machine is shared;
# wall time is printed too.  Then the speed ratios, and how many lines
# yuqing and jieba segment identically.
#
# Env: YQ (default build/yuqing), YQ_DATA (default ../shared/data),
# SEG_BENCH_BYTES (default 20000000), SEG_BENCH_REPS (default 3),
# SEG_BENCH_REFS (default 1; 0 runs yuqing only), SEG_BENCH_TMP (default a
# mktemp dir, removed at the end).
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
YQ=${YQ:-$root/build/yuqing}
YQ_DATA=${YQ_DATA:-$root/../shared/data}
BYTES=${SEG_BENCH_BYTES:-20000000}
REPS=${SEG_BENCH_REPS:-3}
REFS=${SEG_BENCH_REFS:-1}
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

# run NAME REPS CMD... : times CMD on empty input and on the text, REPS
# times each, and keeps the run with the least CPU time (the machine is
# shared: the best run is the least disturbed one)
declare -A CPU
best() { # FILE...: the "wall user sys" line with the least user+sys
	cat "$@" | awk '{ c = $2 + $3; if (NR == 1 || c < m) { m = c; l = $0 } } END { print l }'
}
run() {
	local name=$1 reps=$2 i
	shift 2
	for ((i = 0; i < reps; i++)); do
		/usr/bin/time -f "%e %U %S" -o "$T/time.load.$i" "$@" < /dev/null > /dev/null
		/usr/bin/time -f "%e %U %S" -o "$T/time.run.$i" "$@" < "$text" > "$T/out.$name"
	done
	read -r lw lu ls <<< "$(best "$T"/time.load.*)"
	read -r w u s <<< "$(best "$T"/time.run.*)"
	rm -f "$T"/time.load.* "$T"/time.run.*
	awk -v n="$name" -v b="$bytes" -v w="$w" -v u="$u" -v s="$s" -v lu="$lu" -v ls="$ls" 'BEGIN {
		cpu = u + s; load = lu + ls; steady = cpu - load
		if (steady <= 0) steady = cpu
		printf "%s bytes=%d wall=%.2f cpu=%.2f load_cpu=%.2f mbps=%.1f mbps_steady=%.1f\n",
			n, b, w, cpu, load, b / 1e6 / cpu, b / 1e6 / steady }'
	CPU[$name]=$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')
}

run yuqing "$REPS" "$YQ" segment
run yuqing_no_hmm "$REPS" "$YQ" segment --no-hmm
run yuqing_analysis "$REPS" "$YQ" segment --analysis --gazetteer "$YQ_DATA/gazetteer_cn"
if [ "$REFS" = 0 ]; then
	[ -z "${SEG_BENCH_TMP:-}" ] && rm -rf "$T"
	exit 0
fi
run jieba 1 "$PY" "$here/ref/jieba_cut.py"
have_friso=0
if [ -r /usr/include/friso/friso.h ] && cc -O2 -I/usr/include/friso "$here/friso_cut.c" -lfriso \
	-o "$T/friso_cut" 2> "$T/friso_cc.err"; then
	run friso 1 "$T/friso_cut"
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
