#!/bin/bash
# store.sh — insert throughput of the store (posts/s with and without the
# FTS index, and the tokenizer alone), on 100,000 real Weibo posts by default.
# Usage: bench/store.sh [BUILD_DIR [N [BATCH]]]   (BUILD_DIR default: build)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
export YQ_DATA=${YQ_DATA:-$here/../shared/data}
exec "$build/bench/bench_store" "$YQ_DATA/weibo_covid/posts.tsv.gz" "${2:-100000}" "${3:-2000}"
