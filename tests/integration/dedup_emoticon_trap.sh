#!/usr/bin/env bash
# The emoticon-only trap: a post of only [怒][怒][怒] is not a duplicate of
# one of only [赞][赞][赞] (nor of a link-only post), while real copies are.
source "$(dirname "$0")/lib.sh"
printf '%s\n' \
  '{"id":"e1","text":"[怒][怒][怒]"}' \
  '{"id":"e2","text":"[赞][赞][赞]"}' \
  '{"id":"e3","text":"http://t.cn/A6abcdef"}' \
  '{"id":"e4","text":"http://t.cn/B7ghijkl"}' \
  '{"id":"e5","text":"[怒][怒][怒]"}' \
  '{"id":"t1","text":"武汉加油！中国加油！众志成城抗击疫情"}' \
  '{"id":"t2","text":"转发微博 //@某人:武汉加油！中国加油！众志成城抗击疫情"}' \
  '{"id":"t3","text":"武汉加油！中国加油！众志成城抗击疫情"}' > "$T/in.jsonl"
"$YQ" dedup "$T/in.jsonl" > "$T/out"
cat "$T/out"
dup() { grep "\"id\":\"$1\"" "$T/out" | sed 's/.*"dup_of":\(.*\)}/\1/'; }
check_eq "e1" "$(dup e1)" null
check_eq "e2 (emoticons only)" "$(dup e2)" null
check_eq "e3 (link only)" "$(dup e3)" null
check_eq "e4 (link only)" "$(dup e4)" null
check_eq "e5 (same emoticons, still no content)" "$(dup e5)" null
check_eq "t1" "$(dup t1)" null
check_eq "t3 copy of t1" "$(dup t3)" '"t1"'
check_eq "lines out" "$(wc -l < "$T/out")" 8
finish
