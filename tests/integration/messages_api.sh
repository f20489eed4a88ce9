#!/usr/bin/env bash
# Citizens' messages over the daemon's API (issue 7):
#   - an analyst pushes a message (POST /api/messages): 201 with the
#     category suggestion, its probability and the department; a viewer
#     may not push
#   - contact details: admin and the handler of the message's department
#     see them; a viewer and another department's handler get "redacted"
#     and the phone number in the text masked
#   - the analyst corrects the category: the label is stored (task
#     category), the department follows, the audit log has the entry; a
#     viewer's correction is refused
#   - a reply: refused for another department's handler, stored with its
#     quality scores for the right one
#   - GET /api/messages/hot and GET /api/stats answer
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve.inc"
cat > "$T/yuqing.yaml" <<YAML
database: a.db
listen: 127.0.0.1:0
port_file: port
YAML
db="$T/a.db"
TOKEN=$(make_user "$db" admin admin)
VIEWER=$(make_user "$db" viewer1 viewer)
ANALYST=$(make_user "$db" analyst1 analyst)
printf 'correct horse battery\n' | "$YQ" user add --db "$db" env1 --role handler --department 生态环境局 > /dev/null 2>&1
printf 'correct horse battery\n' | "$YQ" user add --db "$db" edu1 --role handler --department 教育局 > /dev/null 2>&1
ENV=$("$YQ" user token --db "$db" env1 2> /dev/null)
EDU=$("$YQ" user token --db "$db" edu1 2> /dev/null)
start_serve "$T/yuqing.yaml" "$T/log"
as() { local tok=$1; shift; curl -s -H "Authorization: Bearer $tok" "$@"; }
code() { local tok=$1; shift; curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "$@"; }

msg='{"留言编号":"api-1","留言用户":"U0001","联系方式":"13912345678","留言主题":"A市化工厂夜间偷排废水，河水发黑发臭",
"留言时间":"2020-01-06 10:00:00","留言详情":"A市某化工厂每天夜里向河里偷排污水，河水发黑发臭，鱼都死了，附近居民闻到刺鼻气味，请环保部门查处。我的电话13912345678。","点赞数":"12"}'
check_eq "viewer pushes a message" "$(code "$VIEWER" -XPOST --data-binary "$msg" "$URL/api/messages")" 403
as "$ANALYST" -XPOST --data-binary "$msg" -w '\n%{http_code}' "$URL/api/messages" > "$T/push.out"
check_eq "analyst pushes a message" "$(tail -1 "$T/push.out")" 201
head -1 "$T/push.out" > "$T/push.json"
check_eq "suggestion and department" \
  "$(jget 'd["suggestion"]["category"], d["department"], 0 < d["suggestion"]["prob"] <= 1, d["likes"], d["created"]' < "$T/push.json")" \
  "('环境保护', '生态环境局', True, 12, True)"
check_eq "pushed again: not created twice" \
  "$(as "$ANALYST" -XPOST --data-binary "$msg" -o /dev/null -w '%{http_code}' "$URL/api/messages")" 200
check_eq "rows" "$(q "$db" "SELECT count(*) FROM messages")" 1
check_eq "the sender is stored hashed beside the contact table" \
  "$(q "$db" "SELECT length(sender_hash), sender_hash != 'U0001' FROM messages")" "32|1"

contact() { as "$1" "$URL/api/messages/api-1" | jget 'd["contact"]'; }
check_eq "admin sees the contact" "$(contact "$TOKEN")" "{'sender': 'U0001', 'contact': '13912345678'}"
check_eq "the department's handler sees the contact" "$(contact "$ENV")" "{'sender': 'U0001', 'contact': '13912345678'}"
check_eq "viewer: contact redacted" "$(contact "$VIEWER")" "redacted"
check_eq "analyst: contact redacted" "$(contact "$ANALYST")" "redacted"
check_eq "another department's handler: contact redacted" "$(contact "$EDU")" "redacted"
check_eq "viewer: the phone number in the text is masked" \
  "$(as "$VIEWER" "$URL/api/messages/api-1" | jget '"13912345678" in d["text"], "我的电话***********。" in d["text"]')" "(False, True)"
check_eq "the handler reads the text as written" \
  "$(as "$ENV" "$URL/api/messages/api-1" | jget '"我的电话13912345678。" in d["text"]')" "True"
check_eq "list: contact redacted for a viewer" \
  "$(as "$VIEWER" "$URL/api/messages?limit=5" | jget 'd["total"], d["messages"][0]["contact"]')" "(1, 'redacted')"

# a reply: only the handling department (and analysts/admins); 71 h to
# reply against 360 h: timeliness 1 - 71/720 = 0.9014
reply='{"reply":"您好，关于化工厂夜间偷排废水、河水发臭的问题，经核查，市生态环境局已于1月8日对该厂立案查处，责令停产整改，预计2月底前完成。如有疑问请致电0731-12345678。","time":"2020-01-09 09:00:00"}'
check_eq "another department's handler replies" "$(code "$EDU" -XPOST --data-binary "$reply" "$URL/api/messages/api-1/reply")" 403
check_eq "viewer replies" "$(code "$VIEWER" -XPOST --data-binary "$reply" "$URL/api/messages/api-1/reply")" 403
check_eq "a reply timed before the message" "$(code "$ENV" -XPOST --data-binary '{"reply":"已处理","time":"1971-01-01 00:00:00"}' "$URL/api/messages/api-1/reply")" 400
as "$ENV" -XPOST --data-binary "$reply" "$URL/api/messages/api-1/reply" > "$T/reply.json"
check_eq "reply stored with its scores (completeness, timeliness)" \
  "$(jget 'd["answered"], d["quality"]["completeness"], d["quality"]["timeliness"], d["quality"]["relevance"] > 0.05' < "$T/reply.json")" \
  "(True, 1.0, 0.9014, True)"

# the analyst corrects the category
check_eq "viewer corrects" "$(code "$VIEWER" -XPOST --data-binary '{"category":"城乡建设"}' "$URL/api/messages/api-1/category")" 403
check_eq "unknown message" "$(code "$ANALYST" -XPOST --data-binary '{}' "$URL/api/messages/nope/category")" 404
check_eq "unknown category" "$(code "$ANALYST" -XPOST --data-binary '{"category":"不存在类"}' "$URL/api/messages/api-1/category")" 400
as "$ANALYST" -XPOST --data-binary '{"category":"不存在类"}' "$URL/api/messages/api-1/category" > "$T/badcat.json"
check_eq "unknown category: the valid ones" "$(jget 'd["error"]' < "$T/badcat.json")" \
  "unknown category '不存在类' (valid: 城乡建设, 环境保护, 交通运输, 教育文体, 劳动和社会保障, 商贸旅游, 卫生计生)"
check_eq "unknown category: nothing stored" "$(as "$ANALYST" "$URL/api/messages/api-1" | jget 'd["category"]')" None
as "$ANALYST" -XPOST --data-binary '{"category":"城乡建设"}' "$URL/api/messages/api-1/category" > "$T/cat.json"
check_eq "corrected: category, by, department" \
  "$(jget 'd["category"], d["category_by"], d["department"]' < "$T/cat.json")" "('城乡建设', 'analyst1', '住建局')"
check_eq "label stored for training" "$(q "$db" "SELECT source, id, task, label FROM labels")" "message|api-1|category|城乡建设"
check_eq "the former department's handler: now redacted" "$(contact "$ENV")" "redacted"
check_eq "audit entries" "$(q "$db" "SELECT group_concat(action || ':' || actor, ' ') FROM (SELECT action, actor FROM audit_log WHERE object_type = 'message' ORDER BY seq)")" \
  "message.create:analyst1 message.update:analyst1 message.reply:env1 message.categorize:analyst1"

# hot issues and statistics
as "$ANALYST" -XPOST --data-binary '{"id":"api-2","title":"A市化工厂偷排废水污染河道","text":"化工厂夜里偷排废水，河水发黑发臭。","time":"2020-01-07 08:00:00"}' -o /dev/null "$URL/api/messages"
check_eq "hot issues answer" "$(as "$VIEWER" "$URL/api/messages/hot?limit=3" | jget 'd["messages"], type(d["issues"]).__name__')" "(2, 'list')"
check_eq "hot: bad limit" "$(code "$VIEWER" "$URL/api/messages/hot?limit=0")" 400
as "$VIEWER" "$URL/api/stats?period=month" > "$T/stats.json"
check_eq "stats: 2020-01 all departments" \
  "$(jget '[(r["received"], r["answered"], r["answered_on_time"], r["median_hours"]) for r in d["rows"] if r["department"] == "全部"]' < "$T/stats.json")" \
  "[(2, 1, 1, 71.0)]"
check_eq "stats: bad period" "$(code "$VIEWER" "$URL/api/stats?period=year")" 400
stop_serve
"$YQ" audit verify --db "$db" > /dev/null || fail "audit chain"
finish
