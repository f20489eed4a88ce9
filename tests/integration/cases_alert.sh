#!/usr/bin/env bash
# The field cases of area "alert" (../shared/cases/field_cases.jsonl), read
# at test time and turned into streams for `yuqing replay` / `yuqing match`:
#   evaluations + threshold (alert-01): per evaluation time, that many posts
#     about one story (10-minute buckets); the risk thresholds are set so
#     that the event is at level IV from the first evaluation on and stays
#     there (level IV at score 20, the other levels out of reach), so the
#     condition persists through every evaluation: the alerts must be the
#     expected number, at the expected evaluation;
#   subject_words + post (alert-03): a scheme of those subject words; the
#     post gives one match entry per word whatever its repetitions (the
#     word's count says how often), so one notification;
#   schemes + post + recipient (alert-04): one scheme per name ("A+B": region
#     A, subject B); the post is matched by each; repeated 30 times it makes
#     an event that alerts once, the one alert carrying every matched scheme:
#     one notification for the recipient subscribed to them all.
source "$(dirname "$0")/lib.sh"
cases="${YQ_CASES:-$YQ_SRC/../shared/cases}/field_cases.jsonl"
[ -f "$cases" ] || { echo "missing $cases"; exit 1; }
/usr/bin/python3 - "$YQ" "$cases" "$T" <<'PY'
import json, os, subprocess, sys
yq, path, tmp = sys.argv[1:4]
fails = n = 0
DAY = "2026-03-02"

def check(cid, what, got, want):
    global fails, n
    n += 1
    ok = got == want
    fails += not ok
    print(("ok  " if ok else "FAIL"), cid, what, "=", repr(got), "" if ok else "want " + repr(want))

def replay(cid, posts, extra):
    d = os.path.join(tmp, cid)
    os.makedirs(d, exist_ok=True)
    src = os.path.join(d, "posts.jsonl")
    with open(src, "w", encoding="utf-8") as f:
        for p in posts:
            f.write(json.dumps(p, ensure_ascii=False) + "\n")
    alerts = os.path.join(d, "alerts.jsonl")
    r = subprocess.run([yq, "replay", "--db", os.path.join(d, "db"), "--alerts-out", alerts,
                        "--source", "weibo"] + extra + [src], capture_output=True, text=True)
    if r.returncode:
        print(r.stderr)
        raise SystemExit(f"{cid}: replay failed ({r.returncode})")
    return [json.loads(l) for l in open(alerts, encoding="utf-8")]

def write_schemes(cid, schemes):
    d = os.path.join(tmp, cid)
    os.makedirs(d, exist_ok=True)
    p = os.path.join(d, "schemes.yaml")
    with open(p, "w", encoding="utf-8") as f:
        f.write("schemes:\n")
        for s in schemes:
            f.write(f"  - id: {json.dumps(s['id'], ensure_ascii=False)}\n")
            for g in ("region", "subject"):
                if s.get(g):
                    f.write(f"    {g}: {json.dumps(s[g], ensure_ascii=False)}\n")
    return p

def match(schemes_path, post):
    r = subprocess.run([yq, "match", "--schemes", schemes_path, "--format", "jsonl", "-"],
                       input=json.dumps(post, ensure_ascii=False) + "\n",
                       capture_output=True, text=True, check=True)
    return json.loads(r.stdout.splitlines()[0])

for raw in open(path, encoding="utf-8"):
    c = json.loads(raw)
    if c["area"] != "alert":
        continue
    cid, inp, exp = c["id"], c["input"], c["expected"]
    if "evaluations" in inp:
        posts = []
        for k, e in enumerate(inp["evaluations"]):
            for i in range(e["negative_count"]):
                posts.append({"id": f"{cid}-{k}-{i}", "time": f"{DAY}T{e['t']}:{i % 60:02d}+08:00",
                              "text": f"杭州城西小区大面积停电，居民投诉物业处置不力（第{k}批{i}）"})
        al = replay(cid, posts, ["--bucket", "10m", "--jurisdiction", "杭州",
                                 "--risk-levels", "20,90,95,99"])
        check(cid, "notifications", len(al), exp["notifications"])
        if al:
            check(cid, "at", al[0]["time"][11:16], exp["at"])
            check(cid, "level", al[0]["level"], "IV")
    elif "subject_words" in inp:
        sp = write_schemes(cid, [{"id": "s", "subject": inp["subject_words"]}])
        m = match(sp, inp["post"])
        entries = [(s["id"], h["word"], h["field"]) for s in m["schemes"] for h in s["hits"]]
        check(cid, "notifications", len(m["schemes"]), exp["notifications"])
        check(cid, "hit entries", len(entries), len(inp["subject_words"]))
        title = inp["post"].get("title", "")
        check(cid, "count of the word", m["schemes"][0]["hits"][0]["count"],
              title.count(inp["subject_words"][0]))
    elif "schemes" in inp:
        sch = []
        for name in inp["schemes"]:
            region, subject = name.split("+")
            sch.append({"id": name, "region": [region], "subject": [subject]})
        sp = write_schemes(cid, sch)
        m = match(sp, inp["post"])
        check(cid, "schemes matched by the post", sorted(s["id"] for s in m["schemes"]),
              sorted(exp["matched_schemes"]))
        posts = [dict(inp["post"], id=f"{inp['post']['id']}-{i}",
                      time=f"{DAY}T09:{i:02d}:00+08:00") for i in range(30)]
        al = replay(cid, posts, ["--schemes", sp, "--jurisdiction", "杭州",
                                 "--risk-levels", "20,90,95,99"])
        # one recipient subscribed to every scheme: one notification per alert
        check(cid, "notifications_to_recipient", len(al), exp["notifications_to_recipient"])
        if al:
            check(cid, "matched_schemes", sorted(al[0]["reason"]["schemes"]),
                  sorted(exp["matched_schemes"]))
    else:
        print("FAIL", cid, "unknown case shape")
        fails += 1
print(f"{n - fails} passed, {fails} failed")
sys.exit(1 if fails or n == 0 else 0)
PY
