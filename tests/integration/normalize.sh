#!/usr/bin/env bash
# normalize.sh — `yuqing normalize` end to end: exact output on hand-written
# lines, the --map column, invalid UTF-8 repair, exit codes, and one output
# line per input line on 20,000 real Weibo posts (gzip input read directly).
set -euo pipefail
: "${YQ:?}" "${YQ_DATA:?}" "${YQ_TMP:?}"
mkdir -p "$YQ_TMP"
t="$YQ_TMP/normalize"
mkdir -p "$t"

fail() { echo "normalize.sh: FAIL: $*" >&2; exit 1; }

# 1. hand-written lines, exact output
printf '%s\n' \
	'這個問題&lt;3　ＡＢＣ，你好！' \
	'<p>第一段</p><p>第二段 <img alt="[泪]" src="x.png"></p>' \
	'a < b &amp;&amp; c&nbsp;&nbsp;d' \
	'转发//@人民日报：原文 http://t.cn/A6abc' \
	'' >"$t/in.txt"
printf '%s\n' \
	'这个问题<3 ABC，你好！' \
	'第一段 第二段 [泪]' \
	'a < b && c d' \
	'转发//@人民日报：原文 http://t.cn/A6abc' \
	'' >"$t/want.txt"
"$YQ" normalize "$t/in.txt" >"$t/got.txt"
diff -u "$t/want.txt" "$t/got.txt" || fail "hand-written lines differ"

# 2. the offset map: "&lt;" at offsets 0..3 gives '<' ← 0, 'b' ← 4
printf '&lt;b\xe2\x80\x8bc\n' | "$YQ" normalize --map >"$t/map.txt"
printf '<bc\t0 4 6 7\n' | cmp -s - "$t/map.txt" || fail "--map: got '$(cat "$t/map.txt")'"

# 3. invalid UTF-8 is repaired and counted, stdin via '-'
printf 'ok\xff\xfeok\n' | "$YQ" normalize - >"$t/bad.txt" 2>"$t/bad.err"
printf 'ok\xef\xbf\xbdok\n' | cmp -s - "$t/bad.txt" || fail "repair output"
grep -q '^yuqing: normalize: 1 invalid UTF-8 sequences replaced by U+FFFD$' "$t/bad.err" ||
	fail "repair count on stderr: $(cat "$t/bad.err")"

# 4. exit codes
set +e
"$YQ" normalize "$t/does-not-exist" >/dev/null 2>"$t/err1"; rc1=$?
"$YQ" normalize --bogus >/dev/null 2>"$t/err2"; rc2=$?
set -e
[ "$rc1" = 1 ] || fail "missing file: exit $rc1, want 1"
grep -q "^yuqing: normalize: cannot open: .*does-not-exist" "$t/err1" || fail "missing-file message"
[ "$rc2" = 2 ] || fail "bad option: exit $rc2, want 2"

# 5. real posts: line count preserved, no full-width ASCII or double space left
# (zcat is cut short by head: its SIGPIPE is expected, hence the subshell)
(set +o pipefail; zcat "$YQ_DATA/weibo_covid/posts.tsv.gz" | head -20001) |
	tail -n 20000 | cut -f4 | gzip >"$t/posts.txt.gz"
"$YQ" normalize "$t/posts.txt.gz" >"$t/posts.out"
n=$(wc -l <"$t/posts.out")
[ "$n" = 20000 ] || fail "real posts: $n output lines, want 20000"
# full-width forms other than Chinese punctuation (，！？：；（）, kept) must be gone
fw='[\x{FF02}-\x{FF07}\x{FF0A}\x{FF0B}\x{FF0D}-\x{FF19}\x{FF1C}-\x{FF1E}\x{FF20}-\x{FF5E}\x{3000}]|  '
if grep -qP "$fw" "$t/posts.out"; then
	fail "full-width forms or double spaces left: $(grep -nP "$fw" "$t/posts.out" | head -1)"
fi
echo "normalize.sh: ok"
