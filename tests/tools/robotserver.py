#!/usr/bin/python3
"""robotserver.py — a local stand-in for the WeCom, DingTalk and Feishu robot
APIs and for a generic webhook, checking what the real platforms check, for
the delivery tests (tests/unit/test_deliver.c, tests/integration/deliver.sh).
The checks are written here independently of the C code (Python hmac/base64).

Listens on 127.0.0.1 on a free port, prints the port on the first line of
stdout, exits after --lifetime seconds (default 300).

Robots (POST, JSON body; answers HTTP 200 like the platforms):
  /dingtalk   sign in the query: the raw value must be percent-encoded exactly
              once (no raw + / =, no %25), decode to
              Base64(HMAC-SHA256(key=secret, msg=timestamp+"\\n"+secret));
              timestamp in ms within one hour of the server clock; the
              markdown text must contain --ding-keyword.  Else errcode 310000.
  /feishu     "timestamp" (10-digit seconds, within one hour) and "sign" =
              Base64(HMAC-SHA256(key=timestamp+"\\n"+secret, msg="")) in the
              body.  Else {"code":19021,...}.
  /wecom      markdown.content at most 4096 bytes, else errcode 40058.
  /webhook    any JSON; X-Yuqing-Signature checked when --hook-secret is set
              (401 when wrong).
Control (GET):
  /clock?offset_ms=N      the server clock is the real time + N ms
  /mode?path=P&status=S&body=B&times=K&delay=D
                          the next K requests to P (default 1; -1 forever)
                          answer status S (default 200) with body B, after
                          sleeping D seconds (0 by default)
  /log                    JSON list of the requests received: path, query
                          (raw), headers (lowercased names), body, status,
                          answer
"""
import argparse
import base64
import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

lock = threading.Lock()
log = []
modes = {}
clock = {"offset_ms": 0}
args = None


def now_ms():
    return int(time.time() * 1000) + clock["offset_ms"]


def hmac_b64(key, msg):
    return base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode()


def raw_query(query):
    """name -> raw (still percent-encoded) value."""
    out = {}
    for part in query.split("&"):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k] = v
    return out


def check_dingtalk(query, body):
    q = raw_query(query)
    ts, raw = q.get("timestamp"), q.get("sign")
    if args.ding_secret:
        if ts is None or raw is None:
            return {"errcode": 310000, "errmsg": "sign not match: missing"}
        if any(c in raw for c in "+/=") or "%25" in raw:
            return {"errcode": 310000, "errmsg": "sign not match: bad encoding"}
        want = hmac_b64(args.ding_secret.encode(), (ts + "\n" + args.ding_secret).encode())
        if unquote(raw) != want:
            return {"errcode": 310000, "errmsg": "sign not match"}
        if not ts.isdigit() or len(ts) != 13 or abs(int(ts) - now_ms()) > 3600 * 1000:
            return {"errcode": 310000, "errmsg": "invalid timestamp"}
    try:
        text = body["markdown"]["text"]
    except (KeyError, TypeError):
        return {"errcode": 40035, "errmsg": "missing markdown"}
    if args.ding_keyword and args.ding_keyword not in text:
        return {"errcode": 310000, "errmsg": "keywords not in content"}
    return {"errcode": 0, "errmsg": "ok"}


def check_feishu(body):
    if args.feishu_secret:
        ts, sign = body.get("timestamp"), body.get("sign")
        if not isinstance(ts, str) or not ts.isdigit() or len(ts) != 10 or \
                abs(int(ts) * 1000 - now_ms()) > 3600 * 1000:
            return {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}
        if sign != hmac_b64((ts + "\n" + args.feishu_secret).encode(), b""):
            return {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}
    if body.get("msg_type") != "text" or "text" not in body.get("content", {}):
        return {"code": 9499, "msg": "Bad Request"}
    return {"code": 0, "msg": "success", "data": {}}


def check_wecom(body):
    try:
        content = body["markdown"]["content"]
    except (KeyError, TypeError):
        return {"errcode": 40008, "errmsg": "invalid message type"}
    if len(content.encode()) > 4096:
        return {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"}
    return {"errcode": 0, "errmsg": "ok"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def answer(self, status, text):
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client was killed on purpose (restart tests)

    def do_GET(self):
        u = urlsplit(self.path)
        q = parse_qs(u.query)
        if u.path == "/clock":
            clock["offset_ms"] = int(q.get("offset_ms", ["0"])[0])
            return self.answer(200, "{}")
        if u.path == "/mode":
            with lock:
                modes[q["path"][0]] = {
                    "status": int(q.get("status", ["200"])[0]),
                    "body": q.get("body", [None])[0],
                    "times": int(q.get("times", ["1"])[0]),
                    "delay": float(q.get("delay", ["0"])[0]),
                }
            return self.answer(200, "{}")
        if u.path == "/log":
            with lock:
                return self.answer(200, json.dumps(log, ensure_ascii=False))
        self.answer(404, "{}")

    def do_POST(self):
        u = urlsplit(self.path)
        n = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(n)
        entry = {"path": u.path, "query": u.query,
                 "headers": {k.lower(): v for k, v in self.headers.items()},
                 "body": raw.decode("utf-8", "replace")}
        with lock:
            m = modes.get(u.path)
            if m and m["times"] != 0:
                m["times"] -= 1
            else:
                m = None
        if m and m["delay"]:
            time.sleep(m["delay"])
        if m and (m["status"] != 200 or m["body"] is not None):
            status, text = m["status"], m["body"] or "{}"
        else:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            status = 200
            if u.path == "/dingtalk":
                text = json.dumps(check_dingtalk(u.query, body))
            elif u.path == "/feishu":
                text = json.dumps(check_feishu(body or {}))
            elif u.path == "/wecom":
                text = json.dumps(check_wecom(body))
            elif u.path == "/webhook":
                text = "{}"
                if body is None:
                    status = 400
                elif args.hook_secret:
                    want = "sha256=" + hmac.new(args.hook_secret.encode(), raw,
                                                hashlib.sha256).hexdigest()
                    if self.headers.get("X-Yuqing-Signature") != want:
                        status = 401
            else:
                status, text = 404, "{}"
        entry["status"] = status
        entry["answer"] = text
        with lock:
            log.append(entry)
        self.answer(status, text)


def main():
    global args
    ap = argparse.ArgumentParser()
    ap.add_argument("--lifetime", type=float, default=300)
    ap.add_argument("--ding-secret", default="SECfieldtest009")
    ap.add_argument("--ding-keyword", default="舆情")
    ap.add_argument("--feishu-secret", default="feishu-test-000")
    ap.add_argument("--hook-secret", default="")
    args = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    print(srv.server_address[1], flush=True)
    threading.Timer(args.lifetime, srv.shutdown).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
