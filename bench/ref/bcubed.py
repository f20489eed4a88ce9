#!/usr/bin/python3
"""B-cubed evaluation of event clustering (bench/bcubed.sh).

  bcubed.py stream crisislex|covid DATA_DIR OUT.jsonl LABELS.tsv [MAX]
      builds a labelled stream from the shared data (at run time; nothing is
      committed) as JSON-lines posts for `yuqing cluster`, and "id<TAB>label"
  bcubed.py score LABELS.tsv CLUSTERS.jsonl
      B-cubed precision, recall, F1 of {"id","event"} lines against the labels
  bcubed.py ref STREAM.jsonl LABELS.tsv [THRESHOLD]
      a Python single-pass TF-IDF clustering (cosine >= THRESHOLD, default
      0.3) of the same stream, scored the same way

B-cubed (Bagga and Baldwin 1998; Amigo, Gonzalo, Artiles and Verdejo 2009):
for each item i with cluster C(i) and label class L(i),
  precision(i) = |C(i) & L(i)| / |C(i)|,  recall(i) = |C(i) & L(i)| / |L(i)|,
averaged over the items; F1 = 2PR / (P + R).  A post without an event
(event null) counts as a cluster of its own.

Streams:
  crisislex  crisislex/t26_labeled.tsv.gz, informativeness "Not related" and
             "Not applicable" dropped; label = the crisis; each crisis's
             times shifted so that it starts at 2020-01-01T00:00:00Z (all
             crises overlap: only content separates them); sorted by shifted
             time (ties: file order).
  covid      weibo_covid/posts.tsv.gz, posts carrying exactly one #topic#;
             the topic is removed from the text and is the label (posts
             with no text left are dropped); the first
             MAX such posts in date order (default: all), then topics with at
             least 30 posts among them.  Times are days (the data has dates
             only); a day's posts keep file order.
Run with Debian's /usr/bin/python3 (it has jieba).
"""
import calendar
import gzip
import json
import math
import re
import sys
import time
from collections import Counter, defaultdict

START = 1577836800  # 2020-01-01T00:00:00Z


def iso(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def stream_crisislex(data, out, labels, cap):
    rows = []
    with gzip.open(data + "/crisislex/t26_labeled.tsv.gz", "rt", encoding="utf-8") as f:
        head = f.readline().rstrip("\n").split("\t")
        col = {k: i for i, k in enumerate(head)}
        for n, line in enumerate(f):
            p = line.rstrip("\n").split("\t")
            if len(p) < len(head):
                continue
            if p[col["informativeness"]] in ("Not related", "Not applicable"):
                continue
            rows.append((p[col["event"]], iso(p[col["created_at_utc"]]), n,
                         p[col["tweet_id"]], p[col["text"]]))
    first = {}
    for ev, t, _, _, _ in rows:
        first[ev] = min(first.get(ev, t), t)
    rows = [(t - first[ev] + START, n, ev, tid, text) for ev, t, n, tid, text in rows]
    rows.sort()
    if cap:
        rows = rows[:cap]
    write(out, labels, [(f"c{tid}", t, text, ev) for t, _, ev, tid, text in rows], "twitter")


TOPIC = re.compile(r"#([^#\n]{1,80})#")


def stream_covid(data, out, labels, cap):
    rows = []
    with gzip.open(data + "/weibo_covid/posts.tsv.gz", "rt", encoding="utf-8",
                   errors="replace") as f:
        f.readline()
        for n, line in enumerate(f):
            p = line.rstrip("\n").split("\t")
            if len(p) < 4:
                continue
            topics = TOPIC.findall(p[3])
            if len(topics) != 1:
                continue
            text = p[3].replace("#" + topics[0] + "#", " ").strip()
            if not text:
                continue  # the topic was all there was
            rows.append((p[1], n, p[0], text, topics[0]))
    rows.sort()
    if cap:
        rows = rows[:cap]
    count = Counter(r[4] for r in rows)
    rows = [r for r in rows if count[r[4]] >= 30]
    write(out, labels, [(i, calendar.timegm(time.strptime(d, "%Y-%m-%d")) - 8 * 3600, text, lab)
                        for d, _, i, text, lab in rows], "weibo")


def write(out, labels, rows, source):
    with open(out, "w", encoding="utf-8") as fo, open(labels, "w", encoding="utf-8") as fl:
        for pid, t, text, lab in rows:
            fo.write(json.dumps({"id": pid, "source": source, "time": t, "text": text},
                                ensure_ascii=False) + "\n")
            fl.write(f"{pid}\t{lab}\n")
    n = len(rows)
    k = len(set(r[3] for r in rows))
    print(f"stream: {n} posts, {k} labels", file=sys.stderr)


def read_labels(path):
    lab = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            pid, _, l = line.rstrip("\n").partition("\t")
            lab[pid] = l
    return lab


def bcubed(lab, clu):
    """lab, clu: id -> label, id -> cluster (over the same ids)."""
    pair = Counter((clu[i], lab[i]) for i in lab)
    csize = Counter(clu[i] for i in lab)
    lsize = Counter(lab.values())
    n = len(lab)
    p = sum(c * c / csize[k] for (k, _), c in pair.items()) / n
    r = sum(c * c / lsize[l] for (_, l), c in pair.items()) / n
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f, len(csize)


def report(name, lab, clu):
    p, r, f, k = bcubed(lab, clu)
    print(json.dumps({"system": name, "posts": len(lab), "labels": len(set(lab.values())),
                      "clusters": k, "precision": round(p, 4), "recall": round(r, 4),
                      "f1": round(f, 4)}))


def score(labels, clusters):
    lab = read_labels(labels)
    clu = {}
    with open(clusters, encoding="utf-8") as f:
        for line in f:
            o = json.loads(line)
            clu[o["id"]] = o["event"] if o["event"] is not None else "single:" + o["id"]
    missing = [i for i in lab if i not in clu]
    if missing:
        sys.exit(f"bcubed: {len(missing)} labelled posts missing from the output, e.g. {missing[0]}")
    report("yuqing", lab, clu)


# ---- the reference: single-pass TF-IDF clustering, as one would write it ----

WORD = re.compile(r"[a-z0-9][a-z0-9'_-]*")
HAN = re.compile(r"[\u4e00-\u9fff]")


def tokens(text):
    if HAN.search(text):
        import jieba
        jieba.setLogLevel(60)
        return [w.lower() for w in jieba.lcut(text) if w.strip() and (w.isalnum() or HAN.search(w))]
    return WORD.findall(text.lower())


def ref(stream, labels, threshold):
    lab = read_labels(labels)
    df = Counter()
    ndocs = 0
    cent = []          # cluster -> {term: weight}
    norm2 = []
    index = defaultdict(list)  # term -> clusters (most recent last)
    clu = {}
    t0 = time.process_time()
    with open(stream, encoding="utf-8") as f:
        for line in f:
            o = json.loads(line)
            terms = Counter(tokens(o["text"]))
            ndocs += 1
            for w in terms:
                df[w] += 1
            vec = {w: (1 + math.log(c)) * math.log((ndocs + 1) / (df[w] + 1)) + 1e-9
                   for w, c in terms.items()}
            vec = dict(sorted(vec.items(), key=lambda x: -x[1])[:16])
            nn = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            vec = {w: v / nn for w, v in vec.items()}
            cands = set()
            for w in vec:
                cands.update(index[w][-64:])
            best, bsim = None, 0.0
            for c in cands:
                dot = sum(v * cent[c].get(w, 0.0) for w, v in vec.items())
                sim = dot / math.sqrt(norm2[c]) if norm2[c] > 0 else 0.0
                if sim > bsim:
                    best, bsim = c, sim
            if best is None or bsim < threshold:
                best = len(cent)
                cent.append({})
                norm2.append(0.0)
            ce = cent[best]
            for w, v in vec.items():
                if w not in ce:
                    index[w].append(best)
                ce[w] = ce.get(w, 0.0) + v
            norm2[best] = sum(x * x for x in ce.values())
            clu[o["id"]] = best
    print(f"reference: {ndocs / max(time.process_time() - t0, 1e-9):.0f} posts per CPU second",
          file=sys.stderr)
    report(f"python single-pass TF-IDF (cosine >= {threshold})", lab, clu)


def main(a):
    if len(a) >= 5 and a[0] == "stream":
        cap = int(a[5]) if len(a) > 5 else 0
        {"crisislex": stream_crisislex, "covid": stream_covid}[a[1]](a[2], a[3], a[4], cap)
    elif len(a) == 3 and a[0] == "score":
        score(a[1], a[2])
    elif len(a) >= 3 and a[0] == "ref":
        ref(a[1], a[2], float(a[3]) if len(a) > 3 else 0.3)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
