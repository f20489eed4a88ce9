#!/usr/bin/env bash
# A replay killed with SIGKILL halfway leaves a consistent database; running
# the same input again completes it, storing no post twice.
source "$(dirname "$0")/lib.sh"
N=${YQ_KILL_POSTS:-15000}
head_gz "$YQ_DATA/weibo_covid/posts.tsv.gz" $((N + 1)) > "$T/slice.tsv"
db="$T/k.db"
"$YQ" replay --db "$db" --bucket 1d --source weibo "$T/slice.tsv" > /dev/null 2>&1 &
pid=$!
# wait until some batches are committed, then kill
for i in $(seq 1 600); do
  sleep 0.1
  n=$(sqlite3 "$db" 'select count(*) from posts' 2>/dev/null || echo 0)
  [ "${n:-0}" -ge 3000 ] && break
done
kill -9 $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
check_eq "integrity after kill" "$(q "$db" 'pragma integrity_check')" ok
n1=$(q "$db" 'select count(*) from posts')
check_ge "posts committed before the kill" "$n1" 2000
if [ "$n1" -ge "$N" ]; then fail "the replay finished before it was killed: nothing tested"; fi
check_eq "fts rows = posts after kill" "$(q "$db" "select count(*) from posts_fts_docsize")" "$n1"
"$YQ" replay --db "$db" --bucket 1d --source weibo "$T/slice.tsv" > "$T/out" 2> "$T/err" ||
  { cat "$T/err"; fail "resumed replay exited with an error"; }
cat "$T/out"
check_eq "already stored on resume" "$(awk '/^already stored/ {print $3}' "$T/out")" "$n1"
"$YQ" replay --db "$T/clean.db" --bucket 1d --source weibo "$T/slice.tsv" > /dev/null 2> "$T/err.clean" ||
  { cat "$T/err.clean"; fail "clean replay exited with an error"; }
check_eq "posts after resume = posts of a clean run" "$(q "$db" 'select count(*) from posts')" "$(q "$T/clean.db" 'select count(*) from posts')"
check_eq "integrity after resume" "$(q "$db" 'pragma integrity_check')" ok
finish
