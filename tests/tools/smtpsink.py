#!/usr/bin/python3
"""smtpsink.py — a local SMTP server (Debian's python3-aiosmtpd) that stores
every message it accepts, for the e-mail delivery tests.

Listens on 127.0.0.1 on a free port, prints the port on the first line of
stdout, exits after --lifetime seconds (default 300).  For each message N
(1, 2, ...) it writes DIR/N.eml (the bytes received) and DIR/N.json with an
independent reading by Python's email package: the envelope, the decoded
From, To and Subject (email.header), whether every header byte is 7-bit,
and each body part's Content-Type, Content-Transfer-Encoding and decoded
text.  --fail-first K answers "451 try again later" to the first K messages.
"""
import argparse
import email
import email.header
import email.policy
import json
import os
import socket
import time

from aiosmtpd.controller import Controller


def decode(value):
    parts = []
    for chunk, charset in email.header.decode_header(value or ""):
        if isinstance(chunk, bytes):
            chunk = chunk.decode(charset or "ascii")
        parts.append(chunk)
    return "".join(parts)


class Sink:
    def __init__(self, directory, fail_first):
        self.dir = directory
        self.fail_left = fail_first
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        if self.fail_left > 0:
            self.fail_left -= 1
            return "451 4.3.0 try again later"
        self.n += 1
        raw = envelope.original_content or envelope.content
        with open(os.path.join(self.dir, "%d.eml" % self.n), "wb") as f:
            f.write(raw)
        head = raw.split(b"\r\n\r\n", 1)[0]
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        parts = []
        for part in msg.walk():
            if part.is_multipart():
                continue
            parts.append({
                "content_type": part.get("Content-Type"),
                "transfer_encoding": part.get("Content-Transfer-Encoding"),
                "text": part.get_payload(decode=True).decode(part.get_content_charset() or "ascii"),
            })
        info = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from_raw": msg.get("From"),
            "to_raw": msg.get("To"),
            "subject_raw": msg.get("Subject"),
            "from": decode(msg.get("From")),
            "to": decode(msg.get("To")),
            "subject": decode(msg.get("Subject")),
            "message_id": msg.get("Message-ID"),
            "headers_7bit": all(b < 128 for b in head),
            "parts": parts,
        }
        with open(os.path.join(self.dir, "%d.json" % self.n), "w", encoding="utf-8") as f:
            json.dump(info, f, ensure_ascii=False)
        return "250 OK"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--lifetime", type=float, default=300)
    ap.add_argument("--fail-first", type=int, default=0)
    a = ap.parse_args()
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    ctl = Controller(Sink(a.dir, a.fail_first), hostname="127.0.0.1", port=port)
    ctl.start()
    print(port, flush=True)
    time.sleep(a.lifetime)
    ctl.stop()


if __name__ == "__main__":
    main()
