#!/usr/bin/env bash
# The field cases of area "time" (../shared/cases/field_cases.jsonl): each
# input through `yuqing parse-time` must give the expected instant; "outputs"
# are compared as text (offset included), "outputs_utc" as instants; a
# case that expects a flag must get it.
source "$(dirname "$0")/lib.sh"
cases="${YQ_CASES:-$YQ_SRC/../shared/cases}/field_cases.jsonl"
[ -f "$cases" ] || { echo "missing $cases"; exit 1; }
/usr/bin/python3 - "$YQ" "$cases" <<'PY'
import datetime, json, subprocess, sys
yq, path = sys.argv[1], sys.argv[2]
fails = n = 0
def run(now, tz, inp):
    cmd = [yq, "parse-time", "--flags", "--tz", tz]
    if now:
        cmd += ["--now", now]
    out = subprocess.run(cmd, input=inp + "\n", capture_output=True, text=True, check=True).stdout
    line = out.rstrip("\n")
    t, _, flag = line.partition("\t")
    return t, flag
def instant(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
for raw in open(path, encoding="utf-8"):
    c = json.loads(raw)
    if c["area"] != "time":
        continue
    inp, exp = c["input"], c["expected"]
    tz = inp.get("source_tz", "Asia/Shanghai")
    runs = [(x["now"], x["input"]) for x in inp["cases"]] if "cases" in inp else \
           [(inp.get("now"), x) for x in inp["inputs"]]
    want = exp.get("outputs") or exp.get("outputs_utc")
    for (now, x), w in zip(runs, want):
        n += 1
        got, flag = run(now, tz, x)
        ok = got == w if "outputs" in exp else (got != "?" and instant(got) == instant(w))
        if "flag" in exp and not flag:
            ok = False
        print(("ok  " if ok else "FAIL"), c["id"], repr(x), "->", got, flag or "", "" if ok else "want " + w)
        fails += not ok
print(f"{n - fails} passed, {fails} failed")
sys.exit(1 if fails or n == 0 else 0)
PY
