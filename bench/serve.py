#!/usr/bin/python3
"""bench/serve.py — sustained push into `yuqing serve` at a fixed rate and
the ingest-to-alert latency seen on the live stream.

usage: serve.py URL TOKEN POSTS.jsonl RATE BATCH

Pushes the posts of POSTS.jsonl (JSON Lines) to URL/api/posts in batches of
BATCH at RATE posts per second (one batch every BATCH/RATE seconds, on a
fixed schedule, not after the previous answer), while a second thread reads
URL/api/stream.  An alert's reason lists, in top_posts, the post that raised it
(with the event's title post and first post, which were sent earlier); its
latency is the alert's arrival on the stream minus the time the latest-sent
of them was pushed.  Prints accepted posts/s and the latency
percentiles as `key value` lines.
"""
import http.client, json, sys, threading, time, urllib.parse

url, token, path, rate, batch = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
u = urllib.parse.urlparse(url)
lines = open(path, encoding="utf-8").read().splitlines()
sent_at = {}
lat = []
done = threading.Event()

def stream():
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
    c.request("GET", "/api/stream", headers={"Authorization": "Bearer " + token})
    r = c.getresponse()
    event, buf = None, b""
    while not done.is_set():
        line = r.fp.readline()
        if not line:
            break
        line = line.rstrip(b"\r\n")
        if line.startswith(b"event: "):
            event = line[7:].decode()
        elif line.startswith(b"data: ") and event == "alert":
            t = time.monotonic()
            a = json.loads(line[6:])
            # the post that raised it is one of top_posts (title post, first
            # post, the raising post, duplicates removed): the one sent last
            sent = [sent_at[p] for p in a["reason"].get("top_posts") or [] if p in sent_at]
            if sent:
                lat.append(t - max(sent))

th = threading.Thread(target=stream, daemon=True)
th.start()
time.sleep(0.5)
c = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
accepted = 0
t0 = time.monotonic()
for k in range(0, len(lines), batch):
    due = t0 + k / rate
    now = time.monotonic()
    if due > now:
        time.sleep(due - now)
    chunk = lines[k:k + batch]
    ts = time.monotonic()
    for l in chunk:
        sent_at[json.loads(l)["id"]] = ts
    c.request("POST", "/api/posts", body="\n".join(chunk).encode(),
              headers={"Authorization": "Bearer " + token})
    r = c.getresponse()
    body = json.loads(r.read())
    accepted += body.get("accepted", 0)
elapsed = time.monotonic() - t0
time.sleep(3)
done.set()
lat.sort()
def pct(p):
    return lat[min(len(lat) - 1, int(p * len(lat)))] if lat else float("nan")
print("posts_sent %d" % len(lines))
print("accepted %d" % accepted)
print("push_seconds %.2f" % elapsed)
print("accepted_per_s %.0f" % (accepted / elapsed))
print("alerts_timed %d" % len(lat))
print("latency_p50_ms %.1f" % (pct(0.50) * 1000))
print("latency_p99_ms %.1f" % (pct(0.99) * 1000))
print("latency_max_ms %.1f" % (lat[-1] * 1000 if lat else float("nan")))
