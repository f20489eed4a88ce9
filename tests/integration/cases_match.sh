#!/usr/bin/env bash
# The field cases of area "match" (../shared/cases/field_cases.jsonl), read at
# test time: each case's words become a scheme file, its text goes through
# `yuqing match`, and the hits must be exactly the expected ones.
#  - "matches" lists are compared as sets of (word, start, end) in code points
#    of the original text.  match-01 says "leftmost-longest": yuqing reports
#    all overlapping hits (issue 4), which for that case is the same single
#    hit; the set must be equal, so an extra or a lost hit fails.
#  - "matched" (a bool or a list, one per text) must agree.
#  - "must_report" must be among the hits.
#  - "normalized_text": yuqing's normalizer folds full-width punctuation to
#    ASCII (NFKC, docs/normalize.md), so the case's normalized text is
#    normalized too before the comparison; and the original span of every hit
#    must normalize to its word (the zero-width joiner of match-06 lies inside
#    the span, the full-width ５Ｇ of match-07 is the span).
source "$(dirname "$0")/lib.sh"
cases="${YQ_CASES:-$YQ_SRC/../shared/cases}/field_cases.jsonl"
[ -f "$cases" ] || { echo "missing $cases"; exit 1; }
/usr/bin/python3 - "$YQ" "$cases" "$T" <<'PY'
import json, subprocess, sys
yq, path, tmp = sys.argv[1], sys.argv[2], sys.argv[3]
fails = n = 0

def normalize(s):
    out = subprocess.run([yq, "normalize"], input=s + "\n", capture_output=True, text=True, check=True).stdout
    return out.rstrip("\n")

def match(groups, texts):
    """groups: {"region": [...], ...}; returns one list of schemes per text."""
    y = ["schemes:", "  - id: case"]
    for g, words in groups.items():
        y.append(f"    {g}: " + json.dumps(words, ensure_ascii=False))
    f = f"{tmp}/scheme.yaml"
    open(f, "w", encoding="utf-8").write("\n".join(y) + "\n")
    posts = "".join(json.dumps({"id": str(i), "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(texts))
    r = subprocess.run([yq, "match", "--schemes", f], input=posts, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"yuqing match failed: {r.stderr}")
    return [json.loads(l)["schemes"] for l in r.stdout.splitlines()]

def check(cid, what, ok, got):
    global fails, n
    n += 1
    fails += not ok
    print(("ok  " if ok else "FAIL"), cid, what, "" if ok else f"got {got}")

for raw in open(path, encoding="utf-8"):
    c = json.loads(raw)
    if c["area"] != "match":
        continue
    inp, exp, cid = c["input"], c["expected"], c["id"]
    if "scheme" in inp:
        s = inp["scheme"]
        groups = {"region": s.get("area", []), "subject": s.get("subject", []), "exclude": s.get("exclude", [])}
        groups = {g: w for g, w in groups.items() if w}
    elif "patterns" in inp:
        groups = {"subject": inp["patterns"]}
    elif "area_words" in inp:
        groups = {"region": inp["area_words"]}
    else:
        groups = {"subject": inp["subject_words"]}
    texts = inp["texts"] if "texts" in inp else [inp["text"]]
    res = match(groups, texts)
    hits = [[h for s in r for h in s["hits"]] for r in res]
    if "matches" in exp:
        got = sorted((h["word"], h["start"], h["end"]) for h in hits[0])
        want = sorted((m["word"], m["start"], m["end"]) for m in exp["matches"])
        check(cid, f"hits {want}", got == want, got)
    if "matched" in exp:
        want = exp["matched"] if isinstance(exp["matched"], list) else [exp["matched"]]
        got = [bool(r) for r in res]
        check(cid, f"matched {want}", got == want, got)
    if "must_report" in exp:
        got = [h["word"] for h in hits[0]]
        check(cid, f"reports {exp['must_report']}", exp["must_report"] in got, got)
    if "normalized_text" in exp:
        got = normalize(texts[0])
        check(cid, "normalized text", got == normalize(exp["normalized_text"]), got)
        for h in hits[0]:
            span = texts[0][h["start"]:h["end"]]
            check(cid, f"span {h['start']}-{h['end']} {span!r} normalizes to {h['word']}",
                  normalize(span) == normalize(h["word"]), normalize(span))
print(f"{n - fails} passed, {fails} failed")
sys.exit(1 if fails or n < 8 else 0)
PY
