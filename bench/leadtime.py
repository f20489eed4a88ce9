#!/usr/bin/python3
"""bench/leadtime.py — lead time of yuqing's alerts on the CED stream.

usage: leadtime.py STREAM.jsonl.gz DB ALERTS.jsonl

A cascade is the posts sharing the stream's `cascade` field (a source post,
its reposts and comments).  An event is credited to the cascade most of its
posts belong to.  For every cascade that ends with >= 500 posts: the time at
which it reached half its final size (its ceil(n/2)-th post in time order)
minus the time of the first alert on an event credited to it = the lead time
(positive: the alert came first).  Also: alerts on events credited to
cascades that stayed small (< 100 posts).  Prints a JSON summary.
"""
import collections, datetime, gzip, json, math, sqlite3, sys

stream, db, alerts_path = sys.argv[1:4]
casc_of, times = {}, collections.defaultdict(list)
with gzip.open(stream, "rt", encoding="utf-8") as f:
    for line in f:
        p = json.loads(line)
        t = datetime.datetime.fromisoformat(p["time"]).timestamp()
        casc_of[p["id"]] = p["cascade"]
        times[p["cascade"]].append(t)
size = {c: len(v) for c, v in times.items()}
half = {}
for c, v in times.items():
    v.sort()
    half[c] = v[math.ceil(len(v) / 2) - 1]

votes = collections.defaultdict(collections.Counter)
con = sqlite3.connect(db)
for pid, ev in con.execute("SELECT id, event FROM posts WHERE event IS NOT NULL AND event > 0"):
    c = casc_of.get(pid)
    if c is not None:
        votes[ev][c] += 1
credit = {ev: cnt.most_common(1)[0][0] for ev, cnt in votes.items()}

first = {}
n_alerts = small_alerts = mid_alerts = large_alerts = 0
small_casc = set()
levels = collections.Counter()
for line in open(alerts_path, encoding="utf-8"):
    a = json.loads(line)
    n_alerts += 1
    levels[a["level"]] += 1
    c = credit.get(a["event"])
    if c is None:
        continue
    t = datetime.datetime.fromisoformat(a["time"]).timestamp()
    first[c] = min(first.get(c, t), t)
    if size[c] < 100:
        small_alerts += 1
        small_casc.add(c)
    elif size[c] < 500:
        mid_alerts += 1
    else:
        large_alerts += 1

large = [c for c in size if size[c] >= 500]
leads = sorted((half[c] - first[c]) / 3600 for c in large if c in first)
def pct(q):
    if not leads:
        return None
    return round(leads[min(len(leads) - 1, int(q * len(leads)))], 2)
out = {
    "cascades": len(size),
    "large_cascades": len(large),
    "large_alerted": len(leads),
    "large_alerted_before_half": sum(1 for x in leads if x > 0),
    "lead_hours_p10": pct(0.10), "lead_hours_p25": pct(0.25), "lead_hours_median": pct(0.5),
    "lead_hours_p75": pct(0.75), "lead_hours_p90": pct(0.90),
    "small_cascades": sum(1 for c in size if size[c] < 100),
    "small_cascades_alerted": len(small_casc),
    "alerts": n_alerts, "alerts_on_small": small_alerts, "alerts_on_mid_100_499": mid_alerts,
    "alerts_on_large": large_alerts,
    "levels": dict(levels),
}
print(json.dumps(out, ensure_ascii=False))
