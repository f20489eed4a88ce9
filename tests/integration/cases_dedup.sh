#!/usr/bin/env bash
# The field cases of area "dedup" (../shared/cases/field_cases.jsonl) through
# `yuqing dedup`: each case's posts are one stream, and the expected
# near-duplicate verdicts and groups must hold.
source "$(dirname "$0")/lib.sh"
cases="${YQ_CASES:-$YQ_SRC/../shared/cases}/field_cases.jsonl"
[ -f "$cases" ] || { echo "missing $cases"; exit 1; }
/usr/bin/python3 - "$YQ" "$cases" <<'PY'
import json, subprocess, sys
yq, path = sys.argv[1], sys.argv[2]
fails = n = 0
def dedup(posts, extra=()):
    lines = "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in posts)
    out = subprocess.run([yq, "dedup", *extra], input=lines, capture_output=True, text=True, check=True).stdout
    return [json.loads(l) for l in out.splitlines()]
def parts(texts):
    lines = "".join(t + "\n" for t in texts)
    out = subprocess.run([yq, "normalize", "--json"], input=lines, capture_output=True, text=True, check=True).stdout
    return [json.loads(l) for l in out.splitlines()]
def check(cid, what, ok, got):
    global fails, n
    n += 1
    fails += not ok
    print(("ok  " if ok else "FAIL"), cid, what, got)
for raw in open(path, encoding="utf-8"):
    c = json.loads(raw)
    if c["area"] != "dedup":
        continue
    inp, exp = c["input"], c["expected"]
    if "pairs" in inp:
        for (a, b), want in zip(inp["pairs"], exp["near_duplicate"]):
            r = dedup([{"id": "a", "text": a}, {"id": "b", "text": b}])
            check(c["id"], f"{a} / {b} near_duplicate={want}", (r[1]["dup_of"] == "a") == want, r[1]["dup_of"])
    elif "a" in inp:
        r = dedup([{"id": "a", "text": inp["a"]}, {"id": "b", "text": inp["b"]}])
        check(c["id"], f"near_duplicate={exp['near_duplicate']}", (r[1]["dup_of"] == "a") == exp["near_duplicate"], r[1]["dup_of"])
    elif "posts" in inp:
        r = dedup([{"id": f"p{i}", "text": t} for i, t in enumerate(inp["posts"])])
        groups = len({x["dup_of"] or x["id"] for x in r})
        check(c["id"], f"dedup_groups={exp['dedup_groups']}", groups == exp["dedup_groups"], groups)
        if "resolver" in inp:
            # the link key of each post: its link expanded by the resolver
            shorts = [u for p in parts(inp["posts"]) for u in p["urls"]]
            keys = [p["links"][0] for p in parts([inp["resolver"][u] for u in shorts])]
            check(c["id"], "link keys of the expanded links", keys == [exp["link_key"]] * len(shorts), keys)
            # a failed expansion keeps the short link as its key
            own = [p["links"][0] for p in parts(inp["posts"])]
            check(c["id"], "unexpanded link keeps the short URL", own == shorts, own)
    elif "reposts" in inp:
        posts = [{"id": f"r{i}", "text": p["text"], "parent": p["retweeted_id"]} for i, p in enumerate(inp["reposts"])]
        r = dedup(posts)
        # a plain repost ("转发微博": no words of its own) is a copy of what it reposts
        check(c["id"], "plain repost grouped with its original", r[1]["dup_of"] == exp["dedup_group_key"], r[1]["dup_of"])
        check(c["id"], "repost with its own comment is not a plain copy", r[0]["dup_of"] is None, r[0]["dup_of"])
        got = parts([p["text"] for p in inp["reposts"]])
        for k, g in (("parsed_0", got[0]), ("parsed_1", got[1])):
            want = exp[k]
            have = {"own_comment": g["own"]}
            if "chain" in want:
                have["chain"] = g["chain"]
                have["mentions"] = g["mentions"]
            check(c["id"], k, have == want, have)
print(f"{n - fails} passed, {fails} failed")
sys.exit(1 if fails or n == 0 else 0)
PY
