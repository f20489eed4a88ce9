#!/usr/bin/env bash
# The field cases of areas "segmentation" and "other"
# (../shared/cases/field_cases.jsonl), read at test time, each checked with
# its expected values:
#   segmentation: `yuqing segment --analysis` on input.text, with
#     input.user_dict as a --user-dict file and input.place_dict as a
#     one-name gazetteer directory (areas.csv); tokens_must_include,
#     no_token, no_single_char_latin_tokens, normalized (`yuqing normalize`),
#     and keyword_matches twice: by `yuqing match` with the keywords as one
#     scheme's subject words, and by the tokens (a keyword is one token or a
#     run of consecutive tokens), so the index and the matcher agree.
#   other: normalized_a / exact_duplicate (normalize both, compare), text
#     (normalize input.html) and emoji_tags (the [tag] emoticon tokens).
# An unknown expected key fails the case, so a new case cannot pass unread.
source "$(dirname "$0")/lib.sh"
cases="${YQ_CASES:-$YQ_SRC/../shared/cases}/field_cases.jsonl"
[ -f "$cases" ] || { echo "missing $cases"; exit 1; }
/usr/bin/python3 - "$YQ" "$cases" "$T" <<'PY'
import json, os, re, subprocess, sys
yq, path, tmp = sys.argv[1], sys.argv[2], sys.argv[3]
fails = n = 0

def run(args, text):
    r = subprocess.run([yq] + args, input=text + "\n", capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{args}: exit {r.returncode}: {r.stderr.strip()}")
    return r.stdout.rstrip("\n")

def seg_args(cid, inp):
    args = ["segment", "--analysis", "--no-gazetteer"]
    if inp.get("user_dict"):
        f = os.path.join(tmp, cid + ".dict")
        with open(f, "w", encoding="utf-8") as o:
            o.write("".join(w + "\n" for w in inp["user_dict"]))
        args += ["--user-dict", f]
    if inp.get("place_dict"):
        d = os.path.join(tmp, cid + ".gaz")
        os.makedirs(d, exist_ok=True)
        for name, head in (("provinces", "code,name"), ("cities", "code,name,provinceCode"),
                           ("streets", "code,name,areaCode,provinceCode,cityCode")):
            with open(os.path.join(d, name + ".csv"), "w", encoding="utf-8") as o:
                o.write(head + "\n")
        with open(os.path.join(d, "areas.csv"), "w", encoding="utf-8") as o:
            o.write("code,name,cityCode,provinceCode\n")
            for k, w in enumerate(inp["place_dict"]):
                o.write(f'{150000 + k},"{w}",1502,15\n')
        args = ["segment", "--analysis", "--gazetteer", d] + args[3:]
    return args

def keyword_hits(tokens, kw):
    for i in range(len(tokens)):
        s = ""
        for t in tokens[i:]:
            s += t
            if s == kw:
                return True
            if not kw.startswith(s):
                break
    return False

def match_words(cid, keywords, text):
    y = os.path.join(tmp, cid + ".yaml")
    with open(y, "w", encoding="utf-8") as o:
        o.write("schemes:\n  - id: kw\n    name: kw\n    subject:\n      words: [%s]\n"
                % ", ".join(json.dumps(k, ensure_ascii=False) for k in keywords))
    out = run(["match", "--schemes", y], json.dumps({"id": cid, "text": text}, ensure_ascii=False))
    words = []
    for sc in json.loads(out)["schemes"]:
        for h in sc["hits"]:
            if h["word"] not in words:
                words.append(h["word"])
    return words

def check(cid, what, ok, detail):
    global fails, n
    n += 1
    fails += not ok
    print(("ok  " if ok else "FAIL"), cid, what, detail)

for raw in open(path, encoding="utf-8"):
    c = json.loads(raw)
    if c["area"] not in ("segmentation", "other"):
        continue
    cid, inp, exp = c["id"], c["input"], c["expected"]
    try:
        if c["area"] == "segmentation":
            tokens = run(seg_args(cid, inp), inp["text"]).split(" ")
            shown = " | ".join(tokens)
            for key, want in exp.items():
                if key == "note":
                    continue
                if key == "tokens_must_include":
                    miss = [w for w in want if w not in tokens]
                    check(cid, key, not miss, f"{shown}" + (f"  missing {miss}" if miss else ""))
                elif key == "no_token":
                    bad = [w for w in want if w in tokens]
                    check(cid, key, not bad, f"{shown}" + (f"  present {bad}" if bad else ""))
                elif key == "no_single_char_latin_tokens":
                    bad = [t for t in tokens if re.fullmatch(r"[A-Za-z]", t)]
                    check(cid, key, (not bad) == want, f"{shown}" + (f"  single {bad}" if bad else ""))
                elif key == "normalized":
                    got = run(["normalize"], inp["text"])
                    check(cid, key, got == want, f"{got!r}" + ("" if got == want else f" want {want!r}"))
                elif key == "keyword_matches":
                    got = [k for k in inp.get("keywords", []) if keyword_hits(tokens, k)]
                    check(cid, key + " (tokens)", got == want, f"{got} (tokens: {shown})" + ("" if got == want else f" want {want}"))
                    got = match_words(cid, inp.get("keywords", []), inp["text"])
                    check(cid, key + " (yuqing match)", got == want, f"{got}" + ("" if got == want else f" want {want}"))
                else:
                    check(cid, key, False, "expected key not understood by this test")
        else:
            for key, want in exp.items():
                if key == "normalized_a":
                    got = run(["normalize"], inp["a"])
                    check(cid, key, got == want, f"{got!r}" + ("" if got == want else f" want {want!r}"))
                elif key == "exact_duplicate":
                    a, b = run(["normalize"], inp["a"]), run(["normalize"], inp["b"])
                    check(cid, key, (a == b) == want, f"{a!r} vs {b!r}")
                elif key == "text":
                    got = run(["normalize"], inp["html"])
                    check(cid, key, got == want, f"{got!r}" + ("" if got == want else f" want {want!r}"))
                elif key == "emoji_tags":
                    toks = run(["segment", "--analysis", "--no-gazetteer"], inp["html"]).split(" ")
                    got = [t[1:-1] for t in toks if len(t) > 2 and t[0] == "[" and t[-1] == "]"]
                    check(cid, key, got == want, f"{got} (tokens: {' | '.join(toks)})" + ("" if got == want else f" want {want}"))
                else:
                    check(cid, key, False, "expected key not understood by this test")
    except (RuntimeError, KeyError) as e:
        check(cid, "run", False, str(e))
print(f"{n - fails} passed, {fails} failed")
sys.exit(1 if fails or n == 0 else 0)
PY
