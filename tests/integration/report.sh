#!/usr/bin/env bash
# yuqing report: the 周报/月报/季报 PDF over a replayed slice of the COVID
# stream, read back with poppler (pdftotext, pdftotext -bbox, pdfinfo):
#   - title, period (Asia/Shanghai days: the week of 2020-01-21 is Monday
#     2020-01-20 to Sunday 2020-01-26), the post and alert counts of the
#     period as the database has them, the top event's title, its places,
#     its reason
#   - page numbers on every page; no glyph past the right margin
#   - the same text with the host's TZ=UTC
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
command -v pdftotext > /dev/null || { fail "pdftotext (poppler-utils) is not installed"; finish; }
N=${YQ_REPORT_POSTS:-3000}
head_gz "$YQ_DATA/weibo_covid/posts.tsv.gz" $((N + 1)) > "$T/slice.tsv"
db="$T/r.db"
"$YQ" replay --db "$db" --bucket 1d --min-count 20 --source weibo --gazetteer "$YQ_DATA/gazetteer_cn" "$T/slice.tsv" > "$T/r.out" 2> "$T/r.err" ||
  { cat "$T/r.err"; fail "replay"; finish; }
flat() { pdftotext "$1" - | tr -d ' \n\f\t'; }

"$YQ" report --db "$db" --period week --date 2020-01-21 -o "$T/week.pdf" 2> "$T/w.err" || { cat "$T/w.err"; fail "report week"; finish; }
cat "$T/w.err"
w=$(flat "$T/week.pdf")
# the week [2020-01-20 00:00, 2020-01-27 00:00) +08:00
from=1579449600; to=1580054400
has() { case "$w" in *"$2"*) echo "ok: $1";; *) fail "$1: '$2' not in the report";; esac; }
has "title" "舆情周报"
has "period" "统计周期：2020年1月20日至2020年1月26日"
np=$(q "$db" "select count(*) from posts where time >= $from and time < $to")
check_ge "posts in the week" "$np" 1000
has "post count" "本期共监测到帖子${np}条"
nneg=$(q "$db" "select count(*) from posts where time >= $from and time < $to and sentiment = 'negative'")
has "negative count" "其中负面${nneg}条"
na=$(q "$db" "select count(*) from alerts where time >= $from and time < $to")
check_ge "alerts in the week" "$na" 1
has "alert count" "本期共发出预警${na}条"
ne=$(q "$db" "select count(*) from events where merged_into is null and last_seen >= $from and first_seen < $to")
has "event count" "本期活跃的舆情事件共${ne}个"
# the top event: highest alert risk, then size (report.h)
risk="(select max(json_extract(reason,'\$.score')) from alerts a where a.event=e.id)"
top_title=$(q "$db" "select title from events e where merged_into is null and last_seen >= $from and first_seen < $to order by $risk is null, $risk desc, size desc, id limit 1")
head20=$(printf "%s" "$top_title" | /usr/bin/python3 -c "import sys; print(\"\".join(sys.stdin.read().split())[:20])")
has "top event's title ($head20)" "1.$head20"
top_score=$(q "$db" "select printf('%.1f', $risk) from events e where merged_into is null and last_seen >= $from and first_seen < $to order by $risk is null, $risk desc, size desc, id limit 1")
has "top event's risk in words" "最高风险分${top_score}"
has "the why" "预警原因："
top_place=$(q "$db" "select json_extract(places, '\$[0].name') from events e where merged_into is null and last_seen >= $from and first_seen < $to order by $risk is null, $risk desc, size desc, id limit 1")
[ -n "$top_place" ] || fail "the top event names no place (gazetteer)"
has "top event's places" "涉及地点：${top_place}"
pages=$(pdfinfo "$T/week.pdf" | awk '/^Pages:/ {print $2}')
check_ge "pages" "$pages" 2
for i in $(seq 1 "$pages"); do
  pn=$(pdftotext -f "$i" -l "$i" "$T/week.pdf" - | tr -d ' \n\f')
  case "$pn" in *"第${i}页"*) ;; *) fail "page $i has no page number";; esac
done
echo "ok: page numbers on $pages pages"
# A4 and nothing past the right margin (210 mm - 25 mm = 524.41 pt)
check_eq "page size" "$(pdfinfo "$T/week.pdf" | awk '/^Page size:/ {print $3 "x" $5}')" "595.276x841.89"
over=$(pdftotext -bbox "$T/week.pdf" - | $PY -c '
import re, sys
n = 0
for m in re.finditer(r"<word xMin=\"([\d.]+)\" yMin=\"[\d.]+\" xMax=\"([\d.]+)\"", sys.stdin.read()):
    if float(m.group(2)) > 524.41 + 0.01 or float(m.group(1)) < 70.86 - 0.01: n += 1
print(n)')
check_eq "words outside the text column" "$over" 0
# the host's zone changes nothing
TZ=UTC "$YQ" report --db "$db" --period week --date 2020-01-21 -o "$T/week_utc.pdf" 2> /dev/null || fail "report TZ=UTC"
check_eq "same text with TZ=UTC" "$(flat "$T/week_utc.pdf" | md5sum)" "$(printf '%s' "$w" | md5sum)"

"$YQ" report --db "$db" --period month --date 2020-01-31 -o "$T/month.pdf" 2> /dev/null || fail "report month"
w=$(flat "$T/month.pdf")
has "month title" "舆情月报"
has "month period" "统计周期：2020年1月1日至2020年1月31日"
has "month post count" "本期共监测到帖子$(q "$db" "select count(*) from posts where time >= 1577808000 and time < 1580486400")条"
"$YQ" report --db "$db" --period quarter --date 2020-02-15 -o "$T/quarter.pdf" 2> /dev/null || fail "report quarter"
w=$(flat "$T/quarter.pdf")
has "quarter title" "舆情季报"
has "quarter period" "统计周期：2020年1月1日至2020年3月31日（第1季度）"
set +e
"$YQ" report --db "$db" --period week --date 2020-02-30 -o "$T/bad.pdf" 2> /dev/null; rc=$?
set -e
check_eq "impossible date: exit 2" "$rc" 2
finish
