#!/usr/bin/env bash
# Feed files through replay: an RSS 2.0 file (GBK, declared gb2312) and an
# Atom file (gzip, relative links under xml:base) are stored as posts; a
# second replay stores nothing new; an HTML page given as --format rss is
# reported and skipped.  Fixtures are written here.
source "$(dirname "$0")/lib.sh"

cat > "$T/news.src" <<'EOF'
<?xml version="1.0" encoding="gb2312"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>本地新闻</title><link>https://news.example.cn/</link>
<item><title>暴雨橙色预警&amp;nbsp;发布</title><link>https://news.example.cn/1</link>
<description>&lt;p&gt;气象台发布暴雨橙色预警，堃镕地区注意防范&lt;/p&gt;</description>
<guid>n1</guid><pubDate>Fri, 12 May 2023 09:30:00 +0800</pubDate></item>
<item><title>停水&停电通知</title><link>https://news.example.cn/2</link>
<description>明日 8:00 至 18:00 停水</description>
<guid>n2</guid><pubDate>Fri, 12 May 2023 13:45:00 CST</pubDate></item>
<item><title>没有日期</title><link>https://news.example.cn/3</link>
<description>这一条没有发布时间</description></item>
<item><title></title><guid>n4</guid></item>
</channel></rss>
EOF
iconv -f UTF-8 -t GBK "$T/news.src" > "$T/news.rss"

cat > "$T/gov.atom.src" <<'EOF'
<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://gov.example.cn/news/feed.xml">
  <title>政务公开</title><link href="./"/>
  <entry><id>tag:gov.example.cn,2023:a1</id><title type="html">关于&amp;quot;停电&amp;quot;的通告</title>
    <link href="2023/a1.html"/><published>2023-05-12T08:00:00+08:00</published>
    <content type="html">&lt;p&gt;全市启动应急响应。&lt;/p&gt;</content></entry>
  <entry><id>tag:gov.example.cn,2023:a2</id><title>恢复供电</title>
    <link href="2023/a2.html"/><updated>2023-05-12T12:00:00+08:00</updated>
    <summary>已恢复供电</summary></entry>
</feed>
EOF
gzip -c "$T/gov.atom.src" > "$T/gov.atom.gz"

db="$T/f.db"
set +e
"$YQ" replay --db "$db" "$T/news.rss" "$T/gov.atom.gz" > "$T/out" 2> "$T/err"
rc=$?
set -e
cat "$T/out" "$T/err"
check_eq "exit status" "$rc" 0
check_eq "posts read" "$(awk '/^posts read/ {print $3}' "$T/out")" 5
check_eq "empty item reported" "$(grep -c 'news.rss:4: empty text (skipped)' "$T/err")" 1
check_eq "posts stored" "$(q "$db" 'select count(*) from posts')" 5
check_eq "GBK title" "$(q "$db" "select title from posts where id = 'n1'")" "暴雨橙色预警 发布"
check_eq "GBK-only characters" "$(q "$db" "select instr(text, '堃镕') > 0 from posts where id = 'n1'")" 1
check_eq "bare & kept" "$(q "$db" "select title from posts where id = 'n2'")" "停水&停电通知"
check_eq "RSS time" "$(q "$db" "select time from posts where id = 'n1'")" 1683855000
check_eq "CST read as +08:00" "$(q "$db" "select time from posts where id = 'n2'")" 1683870300
check_eq "no date: flagged, no time" "$(q "$db" "select time_flag, time is null from posts where id = 'https://news.example.cn/3'")" "1|1"
check_eq "feed link is the source" "$(q "$db" "select count(*) from posts where source = 'https://news.example.cn/'")" 3
check_eq "Atom title decoded once" "$(q "$db" "select title from posts where id = 'tag:gov.example.cn,2023:a1'")" '关于"停电"的通告'
check_eq "Atom link resolved" "$(q "$db" "select url from posts where id = 'tag:gov.example.cn,2023:a1'")" "https://gov.example.cn/news/2023/a1.html"
check_eq "Atom text" "$(q "$db" "select text from posts where id = 'tag:gov.example.cn,2023:a2'")" "已恢复供电"
check_eq "Atom time" "$(q "$db" "select time from posts where id = 'tag:gov.example.cn,2023:a2'")" 1683864000

# the same feeds again (as re-fetched): nothing new
"$YQ" replay --db "$db" "$T/news.rss" "$T/gov.atom.gz" > "$T/out2" 2> "$T/err2"
check_eq "second replay stores nothing" "$(awk '/^stored/ {print $2}' "$T/out2")" 0
check_eq "second replay: already stored" "$(awk '/^already stored/ {print $3}' "$T/out2")" 5
check_eq "posts after second replay" "$(q "$db" 'select count(*) from posts')" 5

# stdin, --format rss, an explicit source
"$YQ" replay --db "$T/s.db" --format rss --source gov - < "$T/gov.atom.src" > /dev/null 2> "$T/err3"
check_eq "stdin feed with --source" "$(q "$T/s.db" "select count(*) from posts where source = 'gov'")" 2

# not a feed
printf '<!DOCTYPE html>\n<html><body><p>首页</p></body></html>\n' > "$T/page.html"
set +e
"$YQ" replay --db "$T/p.db" --format rss "$T/page.html" > /dev/null 2> "$T/err4"
rc=$?
set -e
cat "$T/err4"
check_eq "HTML page exit status" "$rc" 1
check_eq "HTML page reported" "$(grep -c '^yuqing: replay: .*page.html: an HTML page, not a feed' "$T/err4")" 1
finish
