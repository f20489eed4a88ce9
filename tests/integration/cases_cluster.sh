#!/usr/bin/env bash
# The field cases of area "cluster" (../shared/cases/field_cases.jsonl),
# read at test time: each case's posts, spread over its window in order,
# go through `yuqing cluster`; "clusters" must come out exactly as the
# expected partition, "post_1_alone" means post 1 shares its event with no
# other post.
source "$(dirname "$0")/lib.sh"
cases="${YQ_CASES:-$YQ_SRC/../shared/cases}/field_cases.jsonl"
[ -f "$cases" ] || { echo "missing $cases"; exit 1; }
mkdir -p "$YQ_TMP"
/usr/bin/python3 - "$YQ" "$cases" "$YQ_TMP" <<'PY'
import json, re, subprocess, sys
yq, path, tmp = sys.argv[1:4]
fails = n = 0
def seconds(w):
    m = re.fullmatch(r"(\d+)([smhd])", w)
    return int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
for raw in open(path, encoding="utf-8"):
    c = json.loads(raw)
    if c["area"] != "cluster":
        continue
    n += 1
    inp, exp = c["input"], c["expected"]
    posts = inp["posts"]
    step = seconds(inp.get("window", "1h")) // max(len(posts), 1)
    lines = "".join(json.dumps({"id": str(p["id"]), "time": 1700000000 + i * step,
                                "text": p["text"]}, ensure_ascii=False) + "\n"
                    for i, p in enumerate(posts))
    out = subprocess.run([yq, "cluster"], input=lines, capture_output=True, text=True,
                         check=True).stdout
    ev = {o["id"]: o["event"] for o in map(json.loads, out.splitlines())}
    groups = {}
    for p in posts:
        groups.setdefault(ev[str(p["id"])], []).append(p["id"])
    got = sorted(groups.values())
    if "clusters" in exp:
        ok = got == sorted(sorted(g) for g in exp["clusters"])
    else:
        ok = [1] in got
    print(("ok  " if ok else "FAIL"), c["id"], "got", got)
    fails += not ok
print(f"{n - fails} passed, {fails} failed")
sys.exit(1 if fails or n == 0 else 0)
PY
