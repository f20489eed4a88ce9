#!/usr/bin/env bash
# yuqing cases: the workflow without the daemon.
#   - deadlines from the cases: section of a config file on the real
#     holiday table: workflow-03 (received Thu 2024-02-08, 3 working days →
#     Mon 2024-02-19), and with the office's override file granting 除夕 off
#     → Tue 2024-02-20, a row and not a code change
#   - a year with no schedule: no due date, calendar_error set
#   - the wrong role: exit 1 with "yuqing: cases: …"; bad usage: exit 2
#   - a handler lists only his department's cases
#   - config/yuqing.example.yaml registers every department routing.tsv names
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
jget() { $PY -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
db="$T/c.db"
for u in "admin admin" "ana analyst" "lead leader" "zhu handler --department 住建局" "jiao handler --department 交通局"; do
  set -- $u
  name=$1; shift
  printf 'correct horse battery\n' | "$YQ" user add --db "$db" "$name" --role "$@" > /dev/null 2>&1 || { fail "user add $name"; finish; }
done
cat > "$T/y.yaml" <<YAML
cases:
  holidays: [$YQ_SRC/config/holidays-cn.tsv]
  deadlines: {handle: 3}
  departments:
    - {name: 住建局, categories: [城乡建设]}
    - {name: 交通局, categories: [交通运输]}
YAML
printf '# office: 除夕 granted off\n2024-02-09\toff\t除夕\n' > "$T/office.tsv"
cat > "$T/y2.yaml" <<YAML
cases:
  holidays: [$YQ_SRC/config/holidays-cn.tsv, $T/office.tsv]
  deadlines: {handle: 3}
YAML
C() { "$YQ" cases "$@" --db "$db" --config "$T/y.yaml"; }
NOW=2024-02-08T10:00:00+08:00
C create --as ana --title 路面塌陷 --message m-7 --category 城乡建设 --now $NOW > "$T/c1.json"
check_eq "number" "$(jget 'd["number"]' < "$T/c1.json")" 2024-0001
check_eq "routed" "$(jget 'd["departments"]' < "$T/c1.json")" "['住建局']"
C transition 2024-0001 submit --as ana --note 核实 --now $NOW > /dev/null
rc=0; C transition 2024-0001 instruct --as ana --note x --now $NOW > /dev/null 2> "$T/err" || rc=$?
check_eq "instruct by analyst: exit" "$rc" 1
check_eq "instruct by analyst: message" "$(cat "$T/err")" "yuqing: cases: instruct: role analyst may not instruct a case"
C transition 2024-0001 instruct --as lead --note 请处置 --now $NOW > "$T/c2.json"
check_eq "state" "$(jget 'd["state"]' < "$T/c2.json")" handle
check_eq "workflow-03 deadline" "$(jget 'd["due_at"]' < "$T/c2.json")" 2024-02-20T00:00:00+08:00
# the same with the office's override: 除夕 off
"$YQ" cases create --db "$db" --config "$T/y2.yaml" --as ana --title 井盖缺失 --department 住建局 --now $NOW > /dev/null
"$YQ" cases transition 2024-0002 submit --db "$db" --config "$T/y2.yaml" --as ana --now $NOW > /dev/null
"$YQ" cases transition 2024-0002 instruct --db "$db" --config "$T/y2.yaml" --as lead --note 请处置 --now $NOW > "$T/c3.json"
check_eq "deadline with 除夕 off" "$(jget 'd["due_at"]' < "$T/c3.json")" 2024-02-21T00:00:00+08:00
# a year with no schedule
C create --as ana --title 明年 --department 交通局 --now 2031-03-03T10:00:00+08:00 > "$T/c4.json"
check_eq "no schedule: due" "$(jget 'd["due_at"]' < "$T/c4.json")" None
check_eq "no schedule: flagged" "$(jget '"2031" in d["calendar_error"]' < "$T/c4.json")" True
# visibility and usage
check_eq "zhu lists" "$(C list --as zhu | jget '[c["number"] for c in d]')" "['2024-0002', '2024-0001']"
check_eq "jiao lists" "$(C list --as jiao | jget '[c["number"] for c in d]')" "['2031-0001']"
rc=0; C show 2024-0001 --as jiao > /dev/null 2>&1 || rc=$?
check_eq "jiao shows 2024-0001: exit" "$rc" 1
check_eq "handled by zhu" "$(C transition 2024-0001 handled --as zhu --note 已修复 --now $NOW | jget 'd["state"]')" respond
rc=0; C transition 2024-0001 fly --as ana > /dev/null 2>&1 || rc=$?
check_eq "unknown action: exit" "$rc" 2
rc=0; "$YQ" cases list --db "$db" > /dev/null 2>&1 || rc=$?
check_eq "no --as: exit" "$rc" 2
rc=0; C departments --as ana --set 教育局 --categories 教育文体 > /dev/null 2>&1 || rc=$?
check_eq "departments by analyst: exit" "$rc" 1
check_eq "departments by admin" "$(C departments --as admin --set 教育局 --categories 教育文体 | jget 'len(d)')" 3
# config/yuqing.example.yaml's departments (as yuqing reads them) and
# config/routing.tsv agree, and each of the category model's seven labels
# routes to a registered department
printf 'correct horse battery\n' | "$YQ" user add --db "$T/ex.db" adm --role admin > /dev/null 2>&1 || fail "user add adm"
"$YQ" cases departments --as adm --db "$T/ex.db" --config "$YQ_SRC/config/yuqing.example.yaml" > "$T/ex.json" ||
  fail "cases departments with the example config"
check_eq "example config routes as routing.tsv" "$($PY - "$YQ_SRC/config/routing.tsv" "$T/ex.json" <<'EOF'
import json, sys
tsv = dict(l.rstrip("\n").split("\t") for l in open(sys.argv[1], encoding="utf-8") if l.strip() and l[0] != "#")
reg = {c: d["name"] for d in json.load(open(sys.argv[2], encoding="utf-8")) for c in d["categories"]}
cats = "城乡建设 环境保护 交通运输 教育文体 劳动和社会保障 商贸旅游 卫生计生".split()
print(reg == tsv, sorted(reg) == sorted(cats), len(reg))
EOF
)" "True True 7"
"$YQ" audit verify --db "$db" > /dev/null || fail "audit verify"
check_eq "audited" "$(q "$db" "select count(*) from audit_log where object_type = 'case'")" 8
finish
