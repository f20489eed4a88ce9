# lib.sh — helpers for the integration tests (sourced, not a test itself).
set -euo pipefail
: "${YQ:?path to the yuqing binary}" "${YQ_DATA:?shared data directory}" "${YQ_TMP:?scratch directory}"
T="$YQ_TMP/$(basename "$0" .sh)"
rm -rf "$T"
mkdir -p "$T"
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
check_eq() { # name got want
  if [ "$2" != "$3" ]; then fail "$1: got '$2', want '$3'"; else echo "ok: $1 = $2"; fi
}
check_ge() { # name got min
  if [ "$2" -lt "$3" ]; then fail "$1: got $2, want >= $3"; else echo "ok: $1 = $2 (>= $3)"; fi
}
q() { sqlite3 "$1" "$2"; }
finish() {
  if [ "$fails" -ne 0 ]; then echo "$fails check(s) failed"; exit 1; fi
  echo "all checks passed"
}
# head_gz FILE N: the first N lines of a gzip file (zcat's SIGPIPE is not an error)
head_gz() { { zcat "$1" 2>/dev/null || true; } | head -n "$2"; }
