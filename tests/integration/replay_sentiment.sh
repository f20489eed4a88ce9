#!/usr/bin/env bash
# Posts with nothing of their own to rate (plain reposts: empty text,
# 转发微博, mentions and links only) are stored as neutral by rule, not by
# the sentiment model's bias; a repost with words or emoji of its own is rated by
# the model exactly as `yuqing classify` rates its text.  On a real CED
# slice no empty repost is stored as negative.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
cat > "$T/fx.jsonl" <<'J'
{"id":"r1","time":"2024-07-01T09:00:00+08:00","text":"转发微博。"}
{"id":"r2","time":"2024-07-01T09:01:00+08:00","text":"轉發微博"}
{"id":"r3","time":"2024-07-01T09:02:00+08:00","text":"@张三 @李四 http://t.cn/abc"}
{"id":"r4","time":"2024-07-01T09:03:00+08:00","text":"[转发] ！！！"}
{"id":"r5","time":"2024-07-01T09:04:00+08:00","text":"RT"}
{"id":"w1","time":"2024-07-01T09:05:00+08:00","text":"太可怕了 转发微博"}
{"id":"w2","time":"2024-07-01T09:06:00+08:00","text":"[怒]"}
{"id":"w3","time":"2024-07-01T09:07:00+08:00","text":"😡😡😡"}
{"id":"w4","time":"2024-07-01T09:08:00+08:00","text":"👍 转发微博"}
J
"$YQ" replay --db "$T/fx.db" "$T/fx.jsonl" > /dev/null 2> "$T/fx.err" || { cat "$T/fx.err"; fail "replay"; finish; }
check_eq "plain reposts: neutral by rule" "$(q "$T/fx.db" "select group_concat(id || ':' || sentiment || ':' || sentiment_prob, ' ') from (select * from posts where id like 'r%' order by id)")" \
  "r1:neutral:1.0 r2:neutral:1.0 r3:neutral:1.0 r4:neutral:1.0 r5:neutral:1.0"
"$YQ" classify --model sentiment <(grep '"w' "$T/fx.jsonl") > "$T/w.jsonl" 2> /dev/null || fail "classify"
want=$($PY -c 'import json,sys; print(" ".join("%s:%s" % (o["id"], o["label"]) for o in map(json.loads, open(sys.argv[1]))))' "$T/w.jsonl")
check_eq "reposts with words of their own: the model's label" "$(q "$T/fx.db" "select group_concat(id || ':' || sentiment, ' ') from (select * from posts where id like 'w%' order by id)")" "$want"

# a real CED slice: 46 % of that stream's posts are reposts without text
head_gz "$YQ_DATA/weibo_ced/stream.jsonl.gz" 3000 > "$T/ced.jsonl"
"$YQ" replay --db "$T/ced.db" --no-engagement "$T/ced.jsonl" > /dev/null 2> "$T/ced.err" || { cat "$T/ced.err"; fail "replay of CED"; finish; }
n_empty=$($PY -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if not (json.loads(l).get("text") or "").strip()))' "$T/ced.jsonl")
check_ge "CED slice: reposts without text" "$n_empty" 100
check_eq "CED slice: reposts without text stored negative" "$(q "$T/ced.db" "select count(*) from posts where coalesce(trim(text), '') = '' and sentiment = 'negative'")" 0
check_eq "CED slice: reposts without text stored neutral" "$(q "$T/ced.db" "select count(*) from posts where coalesce(trim(text), '') = '' and sentiment = 'neutral' and sentiment_prob = 1.0")" "$n_empty"
finish
