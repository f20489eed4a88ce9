#!/usr/bin/env bash
# bench/match.sh — scheme matching throughput: 500 schemes with 10,000 words
# drawn from real Weibo text, over real posts, against a naive strstr loop
# over all words in the same run.
#
#   bench/match.sh [N]     N posts of the COVID Weibo stream (default 50000)
#
# Words: the CJK 2-, 3- and 4-grams that occur at least 5 times in posts
# 200,001–260,000 of weibo_covid/posts.tsv.gz (not the matched posts), 10,000
# of them picked by the order of their SHA-1 (deterministic, a mix of frequent
# and rare).  Scheme i gets words 20i..20i+19, the last 4 as exclusion words;
# a third of the schemes are region (4) AND subject (12), a third subject (8)
# AND event (8) — half of these with the event within 30 code points of a
# subject word — and a third subject (16) only.
# Prints bench_match's figures (CPU seconds of one process, see
# bench/bench_match.c) and the whole `yuqing match` command (read, normalize,
# match, print JSON) in CPU and wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-50000}
data=${YQ_DATA:-../shared/data}
out=bench/out
mkdir -p "$out"
[ -x build/yuqing ] && [ -x build/bench/bench_match ] ||
  { cmake -S . -B build >/dev/null && cmake --build build -j2; }
{ zcat "$data/weibo_covid/posts.tsv.gz" || true; } | head -n $((N + 1)) > "$out/match_posts.tsv"
{ zcat "$data/weibo_covid/posts.tsv.gz" || true; } | sed -n '200002,260001p' | cut -f4 > "$out/match_wordsrc.txt"
/usr/bin/python3 - "$out/match_wordsrc.txt" "$out/match_schemes.yaml" <<'PY'
import collections, hashlib, json, re, sys
src, dst = sys.argv[1], sys.argv[2]
cnt = collections.Counter()
for line in open(src, encoding="utf-8"):
    for run in re.findall(r"[\u4e00-\u9fff]{2,}", line):
        for n in (2, 3, 4):
            for i in range(len(run) - n + 1):
                cnt[run[i:i + n]] += 1
cands = sorted((w for w, c in cnt.items() if c >= 5), key=lambda w: hashlib.sha1(w.encode()).hexdigest())
words = cands[:10000]
assert len(words) == 10000, len(words)
y = ["schemes:"]
j = lambda a: json.dumps(a, ensure_ascii=False)
for s in range(500):
    w = words[20 * s:20 * s + 20]
    y.append(f"  - id: s{s:03d}")
    if s % 3 == 0:    # region AND subject
        y += [f"    region: {j(w[0:4])}", f"    subject: {j(w[4:16])}"]
    elif s % 3 == 1:  # subject AND event, every other one with proximity
        y += [f"    subject: {j(w[0:8])}", "    event:", f"      words: {j(w[8:16])}"]
        y += ["      within: 30"] if s % 2 else []
    else:             # subject only
        y += [f"    subject: {j(w[0:16])}"]
    y += [f"    exclude: {j(w[16:20])}"]
open(dst, "w", encoding="utf-8").write("\n".join(y) + "\n")
print(f"words: {len(words)} of {len(cands)} candidate n-grams (count >= 5)")
PY
bytes=$(( $(tail -n +2 "$out/match_posts.tsv" | cut -f4 | wc -c) - N ))  # without newlines
echo "input: $N real Weibo posts, $bytes bytes of text"
build/bench/bench_match "$out/match_schemes.yaml" "$out/match_posts.tsv" "${YQ_NAIVE_POSTS:-2000}"
/usr/bin/time -o "$out/t.match" -f "%e %U %S" \
  build/yuqing match --schemes "$out/match_schemes.yaml" --source weibo "$out/match_posts.tsv" > "$out/match.jsonl"
awk -v n="$N" -v b="$bytes" '{c = $2 + $3; printf "yuqing match (whole command: read, normalize, match, JSON): %.0f posts per CPU second, %.2f MB/s; wall %.2f s\n", n / c, b / 1e6 / c, $1}' "$out/t.match"
echo "posts with a matched scheme: $(grep -vc '"schemes":\[\]' "$out/match.jsonl" || true) of $(wc -l < "$out/match.jsonl")"
