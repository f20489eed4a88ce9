#!/usr/bin/env bash
# The field cases of area "sentiment" (../shared/cases/field_cases.jsonl)
# through `yuqing classify --model sentiment` (the built-in model the build
# trains next to the binary): each text must get the expected label, where
# "non-negative" means any label but negative.
source "$(dirname "$0")/lib.sh"
cases="${YQ_CASES:-$YQ_SRC/../shared/cases}/field_cases.jsonl"
[ -f "$cases" ] || { echo "missing $cases"; exit 1; }
/usr/bin/python3 - "$YQ" "$cases" <<'PY'
import json, subprocess, sys
yq, path = sys.argv[1], sys.argv[2]
fails = n = 0
for raw in open(path, encoding="utf-8"):
    c = json.loads(raw)
    if c["area"] != "sentiment":
        continue
    texts, want = c["input"]["texts"], c["expected"]["labels"]
    inp = "".join(json.dumps({"id": str(i), "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(texts))
    r = subprocess.run([yq, "classify", "--model", "sentiment"], input=inp, capture_output=True, text=True)
    if r.returncode:
        print("FAIL", c["id"], "classify exited", r.returncode, r.stderr.strip())
        fails += len(texts); n += len(texts)
        continue
    got = {o["id"]: o for o in map(json.loads, r.stdout.splitlines())}
    for i, (t, w) in enumerate(zip(texts, want)):
        n += 1
        g = got.get(str(i), {}).get("label")
        ok = g != "negative" if w == "non-negative" else g == w
        print("ok  " if ok else "FAIL", c["id"], t, "->", g, got.get(str(i), {}).get("prob"), "" if ok else "want " + w)
        fails += not ok
print(f"{n - fails} passed, {fails} failed")
sys.exit(1 if fails or n == 0 else 0)
PY
