#!/usr/bin/python3
"""Reference pipeline for bench/replay.sh: what a team would write in Python.

Reads posts (TSV with a header: the text column named 'text') and runs, per
post: jieba segmentation (python3-jieba, HMM on), a 64-bit SimHash of the
words (md5-based feature hashes, Hamming distance <= 3 against the last
posts through four 16-bit band tables), and single-pass TF-IDF clustering
(cosine >= 0.3 against the centroids of the clusters found through an
inverted index, jieba's IDF table).  Prints posts/s for each stage and the
whole, as JSON on the last line.

Run with Debian's /usr/bin/python3 (it has jieba).
"""
import hashlib
import json
import math
import sys
import time
from collections import defaultdict

import jieba
import jieba.analyse

jieba.setLogLevel(60)


def simhash(words):
    acc = [0] * 64
    for w in words:
        h = int.from_bytes(hashlib.md5(w.encode("utf-8")).digest()[:8], "little")
        for b in range(64):
            acc[b] += 1 if (h >> b) & 1 else -1
    out = 0
    for b in range(64):
        if acc[b] > 0:
            out |= 1 << b
    return out


def main():
    path = sys.argv[1]
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 10**9
    texts = []
    with open(path, encoding="utf-8", errors="replace") as f:
        header = f.readline().rstrip("\n").split("\t")
        col = header.index("text")
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == len(header) and parts[col].strip():
                texts.append(parts[col])
            if len(texts) >= limit:
                break
    jieba.initialize()
    idf_tab = jieba.analyse.default_tfidf.idf_freq
    median = jieba.analyse.default_tfidf.median_idf

    t_seg = t_dedup = t_cluster = 0.0
    bands = [defaultdict(list) for _ in range(4)]
    centroids = []          # cluster -> {word: weight}
    norms2 = []             # cluster -> squared norm of its centroid
    index = defaultdict(list)
    dups = 0
    t_all = time.perf_counter()
    c_all = time.process_time()
    for i, text in enumerate(texts):
        t0 = time.perf_counter()
        words = [w for w in jieba.cut(text) if w.strip() and len(w) > 1 or w.isalnum()]
        t1 = time.perf_counter()
        sh = simhash(words)
        dup = None
        for b in range(4):
            key = (sh >> (16 * b)) & 0xFFFF
            for j, other in bands[b][key]:
                if bin(sh ^ other).count("1") <= 3:
                    dup = j
                    break
            if dup is not None:
                break
        for b in range(4):
            bands[b][(sh >> (16 * b)) & 0xFFFF].append((i, sh))
        dups += dup is not None
        t2 = time.perf_counter()
        tf = defaultdict(int)
        for w in words:
            tf[w] += 1
        vec = {w: (1 + math.log(c)) * idf_tab.get(w, median) for w, c in tf.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vec = {w: v / norm for w, v in vec.items()}
        cands = set()
        for w in sorted(vec, key=vec.get, reverse=True)[:8]:
            cands.update(index[w][-64:])
        best, best_sim = None, 0.0
        for c in cands:
            cen = centroids[c]
            cn = math.sqrt(norms2[c]) or 1.0
            sim = sum(v * cen.get(w, 0.0) for w, v in vec.items()) / cn
            if sim > best_sim:
                best, best_sim = c, sim
        if best is None or best_sim < 0.3:
            best = len(centroids)
            centroids.append({})
            norms2.append(0.0)
        cen = centroids[best]
        for w, v in vec.items():
            old = cen.get(w)
            if old is None:
                index[w].append(best)
                old = 0.0
            cen[w] = old + v
            norms2[best] += (old + v) ** 2 - old * old
        t3 = time.perf_counter()
        t_seg += t1 - t0
        t_dedup += t2 - t1
        t_cluster += t3 - t2
    total = time.perf_counter() - t_all
    cpu = time.process_time() - c_all
    n = len(texts)
    res = {
        "posts": n,
        "duplicates": dups,
        "events": len(centroids),
        "posts_per_s": n / total,
        "posts_per_cpu_s": n / cpu,
        "segment_posts_per_s": n / t_seg,
        "dedup_posts_per_s": n / t_dedup,
        "cluster_posts_per_s": n / t_cluster,
    }
    print(json.dumps(res))


if __name__ == "__main__":
    main()
