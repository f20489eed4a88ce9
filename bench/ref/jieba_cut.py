#!/usr/bin/python3
"""Reference segmentation with Python jieba 0.42.1 (Debian's python3-jieba).

Reads lines from stdin as bytes, split on LF only with one CR before the LF
removed (as yuqing's line reader does), decodes them as UTF-8 (invalid bytes
become U+FFFD) and prints " ".join(jieba.cut(line, HMM=...)) per line.

usage: /usr/bin/python3 jieba_cut.py [--no-hmm] [--dict F] [--user-dict F]...
"""
import argparse
import logging
import sys

import jieba


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-hmm", action="store_true")
    ap.add_argument("--dict")
    ap.add_argument("--user-dict", action="append", default=[])
    a = ap.parse_args()
    jieba.setLogLevel(logging.WARNING)
    if a.dict:
        jieba.set_dictionary(a.dict)
    jieba.initialize()
    for u in a.user_dict:
        jieba.load_userdict(u)
    hmm = not a.no_hmm
    out = sys.stdout.buffer
    for raw in sys.stdin.buffer:
        if raw.endswith(b"\n"):
            raw = raw[:-1]
            if raw.endswith(b"\r"):
                raw = raw[:-1]
        line = raw.decode("utf-8", "replace")
        out.write(" ".join(jieba.cut(line, HMM=hmm)).encode("utf-8", "surrogatepass"))
        out.write(b"\n")


if __name__ == "__main__":
    main()
