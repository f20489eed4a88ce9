#!/usr/bin/env bash
# Bad input is reported with file and line, counted and skipped; the rest of
# the stream is stored; --strict stops at the first bad record.
source "$(dirname "$0")/lib.sh"
printf '%s\n' \
  '{"id":"a1","time":"2020-02-04T10:00:00+08:00","text":"武汉市第一批援鄂医疗队今天出发"}' \
  '{"id":"a2","time":"2020-02-04T10:01:00+08:00","text":""}' \
  '{"id":"a3","time":"2020-02-04T10:02:00+08:00","text":"半截的JSON' \
  '{"id":"a4","time":"不知道什么时候","text":"没有可读时间的帖子仍然保存"}' \
  '{"id":"a5","time":"2020-02-04T10:03:00+08:00","text":"[怒][怒][怒]"}' \
  '{"id":"a6","time":"2020-02-04T10:04:00+08:00","text":"[赞][赞][赞]"}' > "$T/in.jsonl"
printf '{"id":"a7","time":"2020-02-04T10:05:00+08:00","text":"坏的\xff\xfe字节被替换"}\n' >> "$T/in.jsonl"
db="$T/b.db"
set +e
"$YQ" replay --db "$db" "$T/in.jsonl" > "$T/out" 2> "$T/err"
rc=$?
set -e
cat "$T/out" "$T/err"
check_eq "exit status" "$rc" 0
check_eq "empty text reported" "$(grep -c 'in.jsonl:2: empty text (skipped)' "$T/err")" 1
check_eq "malformed line reported" "$(grep -c 'in.jsonl:3: bad JSON' "$T/err")" 1
check_eq "posts stored" "$(q "$db" 'select count(*) from posts')" 5
check_eq "skipped in summary" "$(awk '/^skipped/ {print $2}' "$T/out")" 2
check_eq "unreadable time flagged" "$(q "$db" "select time_flag, time is null from posts where id = 'a4'")" "1|1"
check_eq "invalid UTF-8 repaired" "$(q "$db" "select instr(text, char(65533)) > 0 from posts where id = 'a7'")" 1
check_eq "invalid UTF-8 counted" "$(awk '/^invalid UTF-8/ {print $3}' "$T/out")" 1
check_eq "emoticon-only posts not duplicates" "$(q "$db" "select count(*) from posts where id in ('a5','a6') and dup_of is not null")" 0
check_eq "emoticon-only posts in no event" "$(q "$db" "select count(*) from posts where id in ('a5','a6') and event is not null")" 0
set +e
"$YQ" replay --db "$T/strict.db" --strict "$T/in.jsonl" > /dev/null 2> "$T/err2"
rc=$?
set -e
check_eq "--strict exit status" "$rc" 1
check_eq "--strict stored before the bad line" "$(q "$T/strict.db" 'select count(*) from posts')" 1
set +e
"$YQ" replay --db "$T/x.db" "$T/nonexistent.jsonl" > /dev/null 2> "$T/err3"
rc=$?
"$YQ" replay "$T/in.jsonl" > /dev/null 2>&1
rc2=$?
set -e
check_eq "missing file exit status" "$rc" 1
check_eq "missing file error line" "$(grep -c '^yuqing: replay: cannot open .*nonexistent.jsonl' "$T/err3")" 1
check_eq "usage error exit status" "$rc2" 2
finish
