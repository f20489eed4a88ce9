#!/usr/bin/env bash
# yuqing serve: a case (工单) driven through every state through the API.
#   - each step with the right role succeeds and the wrong role gets 403
#     (a handler of another department gets 404: the case is invisible to
#     him, in the list too); an action in the wrong state gets 409
#   - deadlines come from the holiday table of the cases: section
#   - the detail holds the history from the audit log and the caller's
#     allowed actions
#   - `yuqing audit verify` passes, then fails after the audit table is
#     edited with sqlite3
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve.inc"
cat > "$T/yuqing.yaml" <<YAML
database: a.db
listen: 127.0.0.1:0
port_file: port
sentiment: none
cases:
  holidays: [$YQ_SRC/config/holidays-cn.tsv]
  deadlines: {assess: 1, instruct: 1, handle: 5, respond: 2, supervise: 3}
  departments:
    - {name: 住建局, categories: [供暖, 物业], contact: "12345"}
    - {name: 交通局, categories: [交通]}
YAML
db="$T/a.db"
# user NAME ROLE [DEPARTMENT]: creates the user, prints an API token
user() {
  printf 'correct horse battery\n' | "$YQ" user add --db "$db" "$1" --role "$2" ${3:+--department "$3"} > /dev/null 2> "$T/user.err" ||
    { cat "$T/user.err"; fail "yuqing user add $1"; finish; }
  "$YQ" user token --db "$db" "$1" 2> /dev/null
}
TOKEN=$(user admin admin)
ANA=$(user ana analyst)
LEAD=$(user lead leader)
ZHU=$(user zhu handler 住建局)
JIAO=$(user jiao handler 交通局)
VIEW=$(user view viewer)
start_serve "$T/yuqing.yaml" "$T/log"

# call TOKEN METHOD PATH [JSON]: the status code; the body goes to $T/body
call() {
  local tok=$1 m=$2 p=$3
  curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $tok" -X "$m" \
    ${4:+-H 'Content-Type: application/json' --data-binary "$4"} "$URL$p"
}
body() { jget "$1" < "$T/body"; }

check_eq "departments" "$(call "$VIEW" GET /api/departments; echo " $(body 'len(d["departments"])')")" "200 2"
check_eq "viewer creates" "$(call "$VIEW" POST /api/cases '{"message":"m-1","title":"x"}')" 403
check_eq "handler creates" "$(call "$ZHU" POST /api/cases '{"message":"m-1","title":"x"}')" 403
check_eq "from an alert that does not exist" "$(call "$ANA" POST /api/cases '{"alert":999999}')" 404
check_eq "analyst creates from a message" \
  "$(call "$ANA" POST /api/cases '{"message":"m-1","title":"小区供暖不热","category":"供暖","why":{"rule":"hot issue"}}')" 201
id=$(body 'd["id"]')
check_eq "number" "$(body 'd["number"]')" "$(TZ=Asia/Shanghai date +%Y)-0001"
check_eq "routed by category" "$(body 'd["departments"]')" "['住建局']"
check_eq "why carried" "$(body 'd["why"]["rule"]')" "hot issue"
check_eq "a deadline" "$(body 'd["due_at"] is not None and d["calendar_error"] is None')" True

# visibility: the other department's handler sees nothing
check_eq "jiao lists" "$(call "$JIAO" GET /api/cases; echo " $(body 'len(d["cases"])')")" "200 0"
check_eq "jiao reads" "$(call "$JIAO" GET "/api/cases/$id")" 404
check_eq "zhu lists" "$(call "$ZHU" GET /api/cases; echo " $(body 'len(d["cases"])')")" "200 1"
check_eq "zhu reads by number" "$(call "$ZHU" GET "/api/cases/$(TZ=Asia/Shanghai date +%Y)-0001")" 200

tr() { call "$1" POST "/api/cases/$id/transition" "$2"; }
state() { body 'd["state"]'; }
# 研判 → 批示
check_eq "submit by leader" "$(tr "$LEAD" '{"action":"submit","note":"核实"}')" 403
check_eq "submit by viewer" "$(tr "$VIEW" '{"action":"submit","note":"核实"}')" 403
check_eq "submit by analyst" "$(tr "$ANA" '{"action":"submit","note":"已核实，建议住建局处置"}') $(state)" "200 instruct"
# 批示 → 处置
check_eq "instruct by analyst" "$(tr "$ANA" '{"action":"instruct","note":"请处置"}')" 403
check_eq "instruct by handler" "$(tr "$ZHU" '{"action":"instruct","note":"请处置"}')" 403
check_eq "instruct by leader" "$(tr "$LEAD" '{"action":"instruct","note":"请住建局两日内处置"}') $(state)" "200 handle"
# 会商 notes
check_eq "note by viewer" "$(call "$VIEW" POST "/api/cases/$id/notes" '{"text":"x"}')" 403
check_eq "note by jiao" "$(call "$JIAO" POST "/api/cases/$id/notes" '{"text":"x"}')" 404
check_eq "note by zhu" "$(call "$ZHU" POST "/api/cases/$id/notes" '{"text":"会商：热力公司配合"}')" 200
# 处置 → 回应
check_eq "handled by leader" "$(tr "$LEAD" '{"action":"handled","note":"x"}')" 403
check_eq "handled by jiao" "$(tr "$JIAO" '{"action":"handled","note":"x"}')" 404
check_eq "submit in handle" "$(tr "$ANA" '{"action":"submit","note":"x"}')" 409
check_eq "handled by zhu" "$(tr "$ZHU" '{"action":"handled","note":"已检修换热站"}') $(state)" "200 respond"
# 回应 → 督办
RESP='{"text":"经查已恢复供暖","channel":"官方微博","link":"https://weibo.com/x/1","published":"2025-01-24T12:00:00+08:00"}'
check_eq "respond by leader" "$(call "$LEAD" POST "/api/cases/$id/respond" "$RESP")" 403
check_eq "respond by jiao" "$(call "$JIAO" POST "/api/cases/$id/respond" "$RESP")" 404
check_eq "respond without text" "$(call "$ZHU" POST "/api/cases/$id/respond" '{"channel":"微博"}')" 400
check_eq "respond by zhu" "$(call "$ZHU" POST "/api/cases/$id/respond" "$RESP") $(state)" "200 supervise"
check_eq "response stored" "$(body 'd["responses"][0]["channel"] + " " + d["responses"][0]["published"]')" "官方微博 2025-01-24T12:00:00+08:00"
# 督办: back to 处置, then through again
check_eq "return by analyst" "$(tr "$ANA" '{"action":"return","note":"x"}')" 403
check_eq "return by leader" "$(tr "$LEAD" '{"action":"return","note":"回应过简，请补充"}') $(state)" "200 handle"
check_eq "handled again" "$(tr "$ZHU" '{"action":"handled","note":"补充措施"}')" 200
check_eq "respond again" "$(call "$ZHU" POST "/api/cases/$id/respond" "$RESP")" 200
# 办结
check_eq "close by leader" "$(tr "$LEAD" '{"action":"close","resolution":"fixed"}')" 403
check_eq "close by handler" "$(tr "$ZHU" '{"action":"close","resolution":"fixed"}')" 403
check_eq "close without resolution" "$(tr "$ANA" '{"action":"close"}')" 400
check_eq "close with a bad resolution" "$(tr "$ANA" '{"action":"close","resolution":"solved"}')" 400
check_eq "close by analyst" "$(tr "$ANA" '{"action":"close","resolution":"fixed"}') $(state) $(body 'd["resolution"]') $(body 'd["due_at"]')" "200 closed fixed None"
# 归档, reopen
check_eq "archive by leader" "$(tr "$LEAD" '{"action":"archive"}')" 403
check_eq "archive by analyst" "$(tr "$ANA" '{"action":"archive"}') $(state)" "200 archived"
check_eq "note on an archived case" "$(call "$ANA" POST "/api/cases/$id/notes" '{"text":"x"}')" 409
check_eq "reopen by handler" "$(tr "$ZHU" '{"action":"reopen"}')" 403
check_eq "reopen by admin" "$(tr "$TOKEN" '{"action":"reopen"}') $(state)" "200 handle"
check_eq "unknown action" "$(tr "$ANA" '{"action":"fly"}')" 400

check_eq "detail as zhu" "$(call "$ZHU" GET "/api/cases/$id")" 200
check_eq "history" "$(body '" ".join(h["action"] for h in d["history"])')" \
  "case.create case.submit case.instruct case.note case.handled case.respond case.return case.handled case.respond case.close case.archive case.reopen"
check_eq "history actors" "$(body '" ".join(h["actor"] for h in d["history"])')" "ana ana lead zhu zhu zhu lead zhu zhu ana ana admin"
check_eq "zhu's actions" "$(body '",".join(d["actions"])')" "handled,note"
check_eq "instruction" "$(body 'd["instruction"]')" "请住建局两日内处置"
check_eq "filter state" "$(call "$ANA" GET '/api/cases?state=handle' && body 'len(d["cases"])')" "2001"
check_eq "filter department" "$(call "$ANA" GET '/api/cases?department=%E4%BA%A4%E9%80%9A%E5%B1%80' && body 'len(d["cases"])')" "2000"
check_eq "filter overdue" "$(call "$ANA" GET '/api/cases?overdue=true' && body 'len(d["cases"])')" "2000"
check_eq "bad filter" "$(call "$ANA" GET '/api/cases?state=done')" 400
check_eq "departments by analyst" "$(call "$ANA" POST /api/departments '{"name":"教育局","categories":["教育"]}')" 403
check_eq "departments by admin" "$(call "$TOKEN" POST /api/departments '{"name":"教育局","categories":["教育"]}'; echo " $(body 'len(d["departments"])')")" "200 3"
# the case list as a spreadsheet, as the case board shows it to each role
check_eq "a case for 交通局" "$(call "$ANA" POST /api/cases '{"message":"m-2","title":"路口红绿灯坏了","category":"交通"}'; echo " $(body 'd["departments"]')")" "201 ['交通局']"
csv_rows() { $PY -c 'import csv,sys; print(len(list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline=""))))-1)' "$T/body"; }
n_cases=$(q "$db" "select count(*) from cases")
n_zhu=$(q "$db" "select count(*) from cases c where exists (select 1 from case_assign a where a.case_id = c.id and a.department = '住建局')")
check_eq "cases: all, of 住建局" "$n_cases $n_zhu" "2 1"
check_eq "export cases as analyst" "$(call "$ANA" GET '/api/export?what=cases&format=csv') $(csv_rows)" "200 $n_cases"
num=$(q "$db" "select number from cases where id = $id")
check_eq "export: the case's step in Chinese, its departments" "$($PY -c '
import csv,sys
r=[x for x in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", newline="")) if x["编号"] == sys.argv[2]][0]
print(r["环节"], r["承办部门"], r["立案人"])' "$T/body" "$num")" "处置 住建局 ana"
check_eq "export cases as 住建局's handler" "$(call "$ZHU" GET '/api/export?what=cases&format=csv') $(csv_rows)" "200 $n_zhu"
check_eq "export 住建局's cases as 交通局's handler" "$(call "$JIAO" GET '/api/export?what=cases&format=csv&department=%E4%BD%8F%E5%BB%BA%E5%B1%80')" 403
check_eq "export cases by department as analyst" "$(call "$ANA" GET '/api/export?what=cases&format=csv&department=%E4%BD%8F%E5%BB%BA%E5%B1%80') $(csv_rows)" "200 $n_zhu"
check_eq "department on an events export" "$(call "$ANA" GET '/api/export?what=events&format=csv&department=x')" 400
stop_serve

# the audit chain holds every change; an edit breaks it
"$YQ" audit verify --db "$db" > "$T/verify.out" 2>&1 || fail "audit verify: $(cat "$T/verify.out")"
check_eq "audited case changes" "$(q "$db" "select count(*) from audit_log where object_type = 'case'")" 13
q "$db" "update audit_log set actor = 'mallory' where action = 'case.instruct'"
if "$YQ" audit verify --db "$db" > "$T/verify2.out" 2>&1; then fail "audit verify passed after tampering"; else
  echo "ok: audit verify fails after tampering: $(cat "$T/verify2.out")"; fi
finish
