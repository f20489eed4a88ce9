#!/usr/bin/env bash
# Warning stage on a real slice (the first 12,000 posts of the CED stream):
# every alert's reason carries the level, five factors whose contributions
# sum to the score, the baseline, thresholds and top posts; levels only rise
# per event; the stored alerts equal the JSON lines; `alerts export --cap`
# gives CAP 1.2 alerts with every required element and the documented
# level mapping (and --since, --out-dir); term-burst signals are well formed.
source "$(dirname "$0")/lib.sh"
head_gz "$YQ_DATA/weibo_ced/stream.jsonl.gz" 12000 > "$T/posts.jsonl"
"$YQ" replay --db "$T/db" --alerts-out "$T/alerts.jsonl" --signals-out "$T/signals.jsonl" \
  "$T/posts.jsonl" > "$T/summary.txt"
check_ge "alerts written" "$(wc -l < "$T/alerts.jsonl")" 3
check_eq "alerts stored = written" "$(q "$T/db" 'SELECT count(*) FROM alerts')" "$(wc -l < "$T/alerts.jsonl")"
"$YQ" alerts export --db "$T/db" --cap --out-dir "$T" > "$T/cap.xml" 2> "$T/cap.err"
since=$(q "$T/db" "SELECT time FROM alerts ORDER BY time LIMIT 1 OFFSET 2")
"$YQ" alerts export --db "$T/db" --cap --since "$since" > "$T/cap_since.xml" 2>/dev/null
if "$YQ" alerts export --db "$T/db" > /dev/null 2>&1; then fail "export without --cap accepted"; fi
/usr/bin/python3 - "$T" <<'PY' || fail "checks above"
import glob, json, sys, xml.etree.ElementTree as ET
T = sys.argv[1]
bad = 0
def no(msg):
    global bad
    bad += 1
    print("FAIL:", msg)
alerts = [json.loads(l) for l in open(f"{T}/alerts.jsonl", encoding="utf-8")]
rank = {"IV": 1, "III": 2, "II": 3, "I": 4}
last = {}
for a in alerts:
    r = a["reason"]
    if r["level"] != a["level"]: no(f"level differs in {a}")
    f = r["factors"]
    if sorted(f) != sorted(["heat", "negativity", "sensitivity", "locality", "spread"]):
        no(f"factors {sorted(f)}")
    s = sum(x["contribution"] for x in f.values())
    if abs(s - r["score"]) > 0.05: no(f"contributions sum {s} != score {r['score']}")
    th = r["thresholds"]
    k = rank[r["level"]]
    names = ["IV", "III", "II", "I"]
    if r["score"] < th[names[k - 1]] - 1e-6 or (k < 4 and r["score"] >= th[names[k]]):
        no(f"score {r['score']} not in level {r['level']} by {th}")
    for key in ("baseline", "top_posts", "top_sources", "keywords", "title", "schemes"):
        if key not in r: no(f"reason lacks {key}")
    if not {"mean", "sd", "alpha", "window_buckets"} <= set(r["baseline"]): no("baseline fields")
    if a["event"] in last and rank[a["level"]] <= last[a["event"]]:
        no(f"event {a['event']} alerted again without rising")
    last[a["event"]] = rank[a["level"]]
NS = "{urn:oasis:names:tc:emergency:cap:1.2}"
sev = {"I": ("Extreme", "Immediate"), "II": ("Severe", "Expected"),
       "III": ("Moderate", "Expected"), "IV": ("Minor", "Future")}
root = ET.parse(f"{T}/cap.xml").getroot()
caps = root.findall(NS + "alert")
if len(caps) != len(alerts): no(f"{len(caps)} CAP alerts for {len(alerts)} alerts")
for c in caps:
    for e in ("identifier", "sender", "sent", "status", "msgType", "scope"):
        if c.find(NS + e) is None or not c.find(NS + e).text: no(f"CAP alert lacks {e}")
    if c.find(NS + "status").text != "Actual" or c.find(NS + "msgType").text != "Alert": no("status/msgType")
    info = c.find(NS + "info")
    if info is None:
        no("no info"); continue
    for e in ("category", "event", "urgency", "severity", "certainty", "headline", "description"):
        if info.find(NS + e) is None or not info.find(NS + e).text: no(f"info lacks {e}")
    lv = [p.find(NS + "value").text for p in info.findall(NS + "parameter")
          if p.find(NS + "valueName").text == "yuqing:level"][0]
    if (info.find(NS + "severity").text, info.find(NS + "urgency").text) != sev[lv]:
        no(f"level {lv} mapped to {info.find(NS + 'severity').text}")
    if not info.find(NS + "headline").text.startswith(f"[{lv} "): no("headline")
    import re
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", c.find(NS + "sent").text): no("sent format")
files = glob.glob(f"{T}/yuqing-alert-*.xml")
if len(files) != len(alerts): no(f"{len(files)} standalone files")
one = ET.parse(files[0]).getroot()
if one.tag != NS + "alert": no(f"standalone root {one.tag}")
since = ET.parse(f"{T}/cap_since.xml").getroot().findall(NS + "alert")
if len(since) != len(alerts) - 2: no(f"--since kept {len(since)} of {len(alerts)}")
sig = [json.loads(l) for l in open(f"{T}/signals.jsonl", encoding="utf-8")]
if not sig: no("no term-burst signal on the slice")
for s in sig:
    if s["z"] < 3 or s["count"] < 10 or not s["term"] or not 1 <= s["rank"] <= 10: no(f"signal {s}")
print(f"{len(alerts)} alerts, {len(caps)} CAP alerts, {len(sig)} signals checked")
sys.exit(1 if bad else 0)
PY
grep -q "^signals " "$T/summary.txt" || fail "summary lacks the signals line"
grep -q "^memory .* bytes per post" "$T/summary.txt" || fail "summary lacks the memory line"
finish
