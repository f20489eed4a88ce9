#!/usr/bin/env bash
# yuqing export and GET /api/export:
#   - export-02: post texts that a spreadsheet would run as formulas
#     (=1+2, +1-1, @SUM(1,1), -2+3, full-width ＝1+1, a leading tab or CR,
#     after leading spaces) come out with a leading ' in CSV and as string
#     cells (never formulas) in XLSX; numeric columns stay numbers
#   - export-03: a post at 2025-01-27 08:30 +08:00 is the datetime serial
#     45684.3541667 with a date-time format, and the CSV says
#     2025-01-27 08:30:00, with the host's TZ=UTC and TZ=Asia/Shanghai alike
#   - a replayed slice of the COVID stream: every event, alert and post of
#     the database (or of a period) is a row of the export
#   - the API gives the CLI's bytes, with the read permission
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve.inc"

# ---- export-02 / export-03 on posts we write ourselves ----
$PY - "$T/fx.jsonl" <<'PY'
import json, sys
vals = ["=1+2", "+1-1", "@SUM(1,1)", "-2+3", "＝1+1", "\t=1+1", "\r=1+1", "  =1+1", "－5 元", "普通文本", "a=b"]
with open(sys.argv[1], "w") as f:
    for i, v in enumerate(vals):
        f.write(json.dumps({"id": "fx%d" % i, "source": "fixture", "time": "2025-01-27T08:30:00+08:00",
                            "text": v + " 某地留言第%d条" % i, "reposts": 3, "likes": 0}, ensure_ascii=False) + "\n")
PY
fdb="$T/fx.db"
"$YQ" replay --db "$fdb" --source fixture "$T/fx.jsonl" > "$T/fx.out" 2> "$T/fx.err" ||
  { cat "$T/fx.err"; fail "replay of the fixture"; finish; }
for zone in UTC Asia/Shanghai; do
  z=${zone//\//_}
  TZ=$zone "$YQ" export --db "$fdb" --what posts --format csv -o "$T/fx_$z.csv" 2> "$T/e.err" || { cat "$T/e.err"; fail "export csv TZ=$zone"; }
  TZ=$zone "$YQ" export --db "$fdb" --what posts --format xlsx -o "$T/fx_$z.xlsx" 2> "$T/e.err" || { cat "$T/e.err"; fail "export xlsx TZ=$zone"; }
done
check_eq "CSV the same under TZ=UTC and TZ=Asia/Shanghai" "$(cmp -s "$T/fx_UTC.csv" "$T/fx_Asia_Shanghai.csv" && echo same)" same
check_eq "CSV starts with a UTF-8 BOM" "$(head -c 3 "$T/fx_UTC.csv" | od -An -tx1 | tr -d ' ')" efbbbf
for z in UTC Asia_Shanghai; do
  out=$($PY - "$T/fx_$z.csv" "$T/fx_$z.xlsx" "$T/fx.jsonl" <<'PY'
import csv, json, re, sys, zipfile
src = {}
for line in open(sys.argv[3]):
    p = json.loads(line); src[p["id"]] = p["text"]
def want(t):
    s = t.lstrip(" \t\r\n\u3000")
    risky = t[:1] in ("\t", "\r") or (s[:1] in "=+-@＝＋－＠" and s != "")
    return ("'" + t) if risky else t
bad = []
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
hdr = rows[0]
if hdr[:5] != ["来源", "编号", "时间", "标题", "正文"]: bad.append("csv header %r" % hdr[:5])
ci = {h: i for i, h in enumerate(hdr)}
for r in rows[1:]:
    pid = r[ci["编号"]]
    if r[ci["正文"]] != want(src[pid]): bad.append("csv %s text %r, want %r" % (pid, r[ci["正文"]], want(src[pid])))
    if r[ci["时间"]] != "2025-01-27 08:30:00": bad.append("csv %s time %r" % (pid, r[ci["时间"]]))
    if r[ci["转发"]] != "3": bad.append("csv %s reposts %r" % (pid, r[ci["转发"]]))
if len(rows) - 1 != len(src): bad.append("csv rows %d, want %d" % (len(rows) - 1, len(src)))
z = zipfile.ZipFile(sys.argv[2])
x = z.read("xl/worksheets/sheet1.xml").decode()
st = z.read("xl/styles.xml").decode()
if "<f>" in x or "<f " in x: bad.append("xlsx has a formula")
cells = {}
for m in re.finditer(r'<c r="([A-Z]+)(\d+)"([^>]*?)(?:/>|>(.*?)</c>)', x):
    cells[(m.group(1), int(m.group(2)))] = (m.group(3), m.group(4) or "")
def text(col, row):
    a, body = cells[(col, row)]
    if 't="inlineStr"' not in a and 't="s"' not in a: return None
    t = re.search(r"<t[^>]*>(.*?)</t>", body, re.S).group(1)
    t = t.replace("_x000D_", "\r").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return t
xfs = re.findall(r"<xf [^>]*>", st.split("<cellXfs")[1].split("</cellXfs>")[0])
fmts = dict(re.findall(r'numFmtId="(\d+)" formatCode="([^"]*)"', st))
n = 0
for row in range(2, 2 + len(src)):
    pid = text("B", row); n += 1
    if text("E", row) != want(src[pid]): bad.append("xlsx %s text %r" % (pid, text("E", row)))
    a, body = cells[("C", row)]
    v = float(re.search(r"<v>(.*?)</v>", body).group(1))
    if round(v, 7) != 45684.3541667: bad.append("xlsx %s time serial %r" % (pid, v))
    s = int(re.search(r's="(\d+)"', a).group(1))
    f = fmts.get(re.search(r'numFmtId="(\d+)"', xfs[s]).group(1))
    if f != "yyyy-mm-dd hh:mm": bad.append("xlsx time format %r" % f)
    a, body = cells[("G", row)]
    if "t=" in a or body != "<v>3</v>": bad.append("xlsx %s reposts cell %r %r" % (pid, a, body))
print("\n".join(bad) if bad else "ok %d" % n)
PY
)
  check_eq "export-02/03 checks, TZ=$z" "$out" "ok 11"
done

# ---- a replayed slice of the COVID stream ----
N=${YQ_EXPORT_POSTS:-2000}
head_gz "$YQ_DATA/weibo_covid/posts.tsv.gz" $((N + 1)) > "$T/slice.tsv"
db="$T/r.db"
"$YQ" replay --db "$db" --bucket 1d --min-count 20 --source weibo "$T/slice.tsv" > "$T/r.out" 2> "$T/r.err" ||
  { cat "$T/r.err"; fail "replay"; finish; }
rows_csv() { $PY -c 'import csv,sys; print(len(list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline=""))))-1)' "$1"; }
rows_xlsx() { $PY -c 'import re,sys,zipfile; x=zipfile.ZipFile(sys.argv[1]).read("xl/worksheets/sheet1.xml").decode(); print(len(re.findall("<row ", x))-1)' "$1"; }
for w in events alerts posts; do
  "$YQ" export --db "$db" --what $w --format csv -o "$T/$w.csv" 2> /dev/null || fail "export $w csv"
  "$YQ" export --db "$db" --what $w --format xlsx -o "$T/$w.xlsx" 2> /dev/null || fail "export $w xlsx"
done
ne=$(q "$db" "select count(*) from events where merged_into is null")
na=$(q "$db" "select count(*) from alerts")
np=$(q "$db" "select count(*) from posts")
check_ge "alerts in the slice" "$na" 1
check_eq "events csv rows" "$(rows_csv "$T/events.csv")" "$ne"
check_eq "events xlsx rows" "$(rows_xlsx "$T/events.xlsx")" "$ne"
check_eq "alerts csv rows" "$(rows_csv "$T/alerts.csv")" "$na"
check_eq "alerts xlsx rows" "$(rows_xlsx "$T/alerts.xlsx")" "$na"
check_eq "posts csv rows" "$(rows_csv "$T/posts.csv")" "$np"
check_eq "posts xlsx rows" "$(rows_xlsx "$T/posts.xlsx")" "$np"
# the alerts' reasons in words, the highest event first
check_eq "alert rows with their reason in words" "$($PY -c '
import csv,sys; r=list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
print(sum(1 for x in r if "风险分" in x["预警原因"] and "级" in x["级别"]))' "$T/alerts.csv")" "$na"
top=$(q "$db" "select e.id from events e where merged_into is null order by (select max(json_extract(reason,'\$.score')) from alerts a where a.event=e.id) is null, (select max(json_extract(reason,'\$.score')) from alerts a where a.event=e.id) desc, size desc, id limit 1")
check_eq "first event row is the riskiest" "$($PY -c 'import csv,sys; print(list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", newline="")))[0]["编号"])' "$T/events.csv")" "$top"
# a period: [2020-01-21, 2020-01-22) in Asia/Shanghai
"$YQ" export --db "$db" --what posts --from 2020-01-21 --to 2020-01-22 --format csv -o "$T/day.csv" 2> /dev/null || fail "export a day"
check_eq "posts of 2020-01-21" "$(rows_csv "$T/day.csv")" "$(q "$db" "select count(*) from posts where time >= 1579536000 and time < 1579622400")"
# full-text selection
"$YQ" export --db "$db" --what posts --q 口罩 --format csv -o "$T/mask.csv" 2> /dev/null || fail "export --q"
check_eq "posts matching 口罩" "$(rows_csv "$T/mask.csv")" "$("$YQ" search --db "$db" --count 口罩 2>/dev/null)"
# usage errors
set +e
"$YQ" export --db "$db" --what bogus --format csv -o "$T/x.csv" 2> "$T/u.err"; rc=$?
"$YQ" export --db "$db" --what cases --format csv -o "$T/x.csv" 2> "$T/c.err"; rc2=$?
set -e
check_eq "unknown --what: exit 2" "$rc" 2
check_eq "cases of a database without cases: exit 1" "$rc2" 1
grep -q "the database has no cases" "$T/c.err" || fail "cases of a database without cases: no clear message ($(cat "$T/c.err"))"
check_eq "no file left by a refused export" "$([ -e "$T/x.csv" ] && echo left || echo none)" none

# ---- GET /api/export ----
cat > "$T/yuqing.yaml" <<YAML
database: r.db
listen: 127.0.0.1:0
port_file: port
pipeline: {bucket: 1d}
YAML
TOKEN=$(make_user "$db" admin admin)
VIEWER=$(make_user "$db" viewer1 viewer)
start_serve "$T/yuqing.yaml" "$T/log"
code() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }
check_eq "export without login" "$(code "$URL/api/export?what=alerts&format=csv")" 401
check_eq "export as a viewer" "$(code -H "Authorization: Bearer $VIEWER" "$URL/api/export?what=alerts&format=csv")" 200
check_eq "API csv = CLI csv" "$(cmp -s "$T/body" "$T/alerts.csv" && echo same)" same
check_eq "bad what" "$(code -H "Authorization: Bearer $TOKEN" "$URL/api/export?what=x&format=csv")" 400
check_eq "bad format" "$(code -H "Authorization: Bearer $TOKEN" "$URL/api/export?what=posts&format=pdf")" 400
ct=$(curl -s -o "$T/api.xlsx" -w '%{content_type}' -H "Authorization: Bearer $TOKEN" "$URL/api/export?what=events&format=xlsx")
check_eq "xlsx content type" "$ct" "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
check_eq "API xlsx rows" "$(rows_xlsx "$T/api.xlsx")" "$ne"
check_eq "API period" "$(code -H "Authorization: Bearer $TOKEN" "$URL/api/export?what=posts&format=csv&from=2020-01-21&to=2020-01-22" && rows_csv "$T/body")" "200$(rows_csv "$T/day.csv")"
stop_serve
finish
