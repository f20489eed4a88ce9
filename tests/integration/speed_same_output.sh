#!/usr/bin/env bash
# Speed work must not change results.  On the first 5,000 posts of the COVID
# Weibo stream (read at test time), the outputs of the stages the speed work
# touched are compared with digests recorded from the build before it (main
# at e610f7a): jieba-mode segmentation, the analysis tokens (`segment
# --analysis`), and the near-duplicate verdicts (`dedup`: every post's
# SimHash and group).  A change meant to change one of them re-records its
# digest here (run with --record) and says why in its commit.
# The dedup digest was re-recorded when dedup's bigram elements became 16-bit
# (14-bit hashes, branch mem): on these 5,000 posts 2 verdicts changed
# (w1803 no longer joins w1702; w8573 joins w8591 through a hash collision).
# Events and alerts are compared between two binaries with
# bench/same_output.sh (their code changes for quality reasons too).
source "$(dirname "$0")/lib.sh"
head_gz "$YQ_DATA/weibo_covid/posts.tsv.gz" 5001 > "$T/posts.tsv"
tail -n +2 "$T/posts.tsv" | cut -f4 > "$T/texts.txt"
digest() { sha256sum | cut -c1-16; }
segment=$("$YQ" segment "$T/texts.txt" | digest)
analysis=$("$YQ" segment --analysis "$T/texts.txt" | digest)
dedup=$("$YQ" dedup --source weibo "$T/posts.tsv" | digest)
if [ "${1:-}" = --record ]; then
	printf 'segment=%s analysis=%s dedup=%s\n' "$segment" "$analysis" "$dedup"
	exit 0
fi
check_eq "segment (jieba mode) digest" "$segment" 93c8d74d4ece002d
check_eq "segment --analysis digest" "$analysis" 1f5a1ec1834ba021
check_eq "dedup digest" "$dedup" 828958f679803443
check_eq "posts deduplicated" "$("$YQ" dedup --source weibo "$T/posts.tsv" | wc -l)" 5000
finish
