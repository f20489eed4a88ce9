#!/usr/bin/python3
"""feedserver.py — a local HTTP server that serves feed fixtures and
misbehaves on purpose, for the fetcher's tests (tests/unit/test_fetch.c,
tests/integration/fetch.sh).

Listens on 127.0.0.1 on a free port (or --port), prints the port on the
first line of stdout, and exits by itself after --lifetime seconds (default
300) so a test that dies cannot leave it running.  Fixtures are the files in
tests/tools/feeds/ (UTF-8 on disk).

Paths (query strings are ignored unless said):
  /rss, /atom         the fixtures, 200, correct Content-Type
  /gbk                gbk.xml encoded as GBK, served with charset=utf-8 (wrong)
  /etag               rss.xml with ETag "v1"; If-None-Match "v1" -> 304
  /lastmod            rss.xml with a fixed Last-Modified; If-Modified-Since
                      equal to it or later -> 304
  /gzip               rss.xml with Content-Encoding: gzip
  /badgzip            Content-Encoding: gzip over bytes that are not gzip
  /slow?s=N           sleeps N seconds (default 5) before answering
  /trickle?s=N        headers at once, then one body byte a second for N s
  /huge?mb=N          streams N MiB (default 20) without Content-Length
  /huge-cl?mb=N       declares Content-Length of N MiB (default 20) and streams
  /500                500 Internal Server Error
  /503                503 with Retry-After: 600
  /redirect           302 to /rss
  /redirect-etag      302 with ETag "moved" to /rss (which has no ETag)
  /redirect-loop?n=K  302 to /redirect-loop?n=K+1, forever
  /redirect-file      302 to file:///etc/passwd
  /stats?p=PATH       JSON {"hits": N, "headers": {…}}: how many requests PATH
                      got and the headers of the last one (names lowercased)
Anything else: 404.
"""
import argparse
import gzip
import json
import os
import sys
import threading
import time
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

FEEDS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "feeds")
LASTMOD = "Wed, 08 Aug 2012 14:00:00 GMT"
ETAG = '"v1"'

stats_lock = threading.Lock()
hits = {}
last_headers = {}


def fixture(name):
    with open(os.path.join(FEEDS, name), "rb") as f:
        return f.read()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "feedserver/1"

    def log_message(self, fmt, *args):  # quiet: tests read stdout
        pass

    def send_body(self, status, body, ctype="application/rss+xml; charset=utf-8",
                  extra=()):
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def stream(self, total, declare_length):
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        if declare_length:
            self.send_header("Content-Length", str(total))
        self.send_header("Connection", "close")
        self.close_connection = True
        self.end_headers()
        chunk = b"<!-- " + b"x" * 65526 + b" -->\n"
        sent = 0
        try:
            while sent < total:
                part = chunk[: min(len(chunk), total - sent)]
                self.wfile.write(part)
                sent += len(part)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self):
        u = urlsplit(self.path)
        q = parse_qs(u.query)
        path = u.path
        with stats_lock:
            hits[path] = hits.get(path, 0) + 1
            last_headers[path] = {k.lower(): v for k, v in self.headers.items()}

        def qnum(key, default):
            try:
                return float(q[key][0])
            except (KeyError, ValueError):
                return default

        if path == "/rss":
            self.send_body(200, fixture("rss.xml"))
        elif path == "/atom":
            self.send_body(200, fixture("atom.xml"), "application/atom+xml; charset=utf-8")
        elif path == "/gbk":
            body = fixture("gbk.xml").decode("utf-8").encode("gbk")
            self.send_body(200, body, "text/xml; charset=utf-8")
        elif path == "/etag":
            if self.headers.get("If-None-Match") == ETAG:
                self.send_body(304, b"", None, [("ETag", ETAG)])
            else:
                self.send_body(200, fixture("rss.xml"), extra=[("ETag", ETAG)])
        elif path == "/lastmod":
            ims = self.headers.get("If-Modified-Since")
            fresh = False
            if ims:
                try:
                    fresh = parsedate_to_datetime(ims) >= parsedate_to_datetime(LASTMOD)
                except (TypeError, ValueError):
                    fresh = False
            if fresh:
                self.send_body(304, b"", None)
            else:
                self.send_body(200, fixture("rss.xml"), extra=[("Last-Modified", LASTMOD)])
        elif path == "/gzip":
            self.send_body(200, gzip.compress(fixture("rss.xml")),
                           extra=[("Content-Encoding", "gzip")])
        elif path == "/badgzip":
            self.send_body(200, b"this is not gzip at all, not even close" * 4,
                           extra=[("Content-Encoding", "gzip")])
        elif path == "/slow":
            time.sleep(qnum("s", 5))
            self.send_body(200, fixture("rss.xml"))
        elif path == "/trickle":
            n = int(qnum("s", 5))
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(n))
            self.end_headers()
            try:
                for _ in range(n):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(1)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif path == "/huge":
            self.stream(int(qnum("mb", 20) * (1 << 20)), False)
        elif path == "/huge-cl":
            self.stream(int(qnum("mb", 20) * (1 << 20)), True)
        elif path == "/500":
            self.send_body(500, b"internal error", "text/plain")
        elif path == "/503":
            self.send_body(503, b"busy", "text/plain", [("Retry-After", "600")])
        elif path == "/redirect":
            self.send_body(302, b"", None, [("Location", "/rss")])
        elif path == "/redirect-etag":
            self.send_body(302, b"", None, [("Location", "/rss"), ("ETag", '"moved"')])
        elif path == "/redirect-loop":
            n = int(qnum("n", 0))
            self.send_body(302, b"", None, [("Location", "/redirect-loop?n=%d" % (n + 1))])
        elif path == "/redirect-file":
            self.send_body(302, b"", None, [("Location", "file:///etc/passwd")])
        elif path == "/stats":
            p = q.get("p", [""])[0]
            with stats_lock:
                body = json.dumps({"hits": hits.get(p, 0),
                                   "headers": last_headers.get(p, {})}).encode()
            self.send_body(200, body, "application/json")
        else:
            self.send_body(404, b"not found", "text/plain")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--lifetime", type=float, default=300)
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    print(srv.server_address[1], flush=True)
    t = threading.Timer(a.lifetime, srv.shutdown)
    t.daemon = True
    t.start()
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
