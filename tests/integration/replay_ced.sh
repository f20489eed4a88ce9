#!/usr/bin/env bash
# Replays a real slice of the CED Weibo stream (source posts with their
# repost cascades, JSON Lines): plain reposts without text are kept and
# counted for their cascade, and reposts join their parent's event.
source "$(dirname "$0")/lib.sh"
N=${YQ_CED_POSTS:-20000}
head_gz "$YQ_DATA/weibo_ced/stream.jsonl.gz" "$N" > "$T/slice.jsonl"
db="$T/c.db"
"$YQ" replay --db "$db" "$T/slice.jsonl" > "$T/out" 2> "$T/err" || { cat "$T/err"; fail "replay failed"; finish; }
cat "$T/out"
check_eq "posts stored (plain reposts included)" "$(q "$db" 'select count(*) from posts')" "$N"
plain=$(/usr/bin/python3 -c '
import json, sys
print(sum(1 for l in open(sys.argv[1]) if not json.loads(l).get("text", "").strip()))' "$T/slice.jsonl")
check_ge "plain reposts in the slice" "$plain" 1000
check_eq "plain reposts stored" "$(q "$db" "select count(*) from posts where trim(text) = '' and parent is not null")" "$plain"
# a plain repost has no words of its own: it is in its parent's event, unless
# that event closed after 72 h of silence
in_event=$(q "$db" "select count(*) from posts where trim(text) = '' and event is not null")
check_ge "plain reposts in an event (per mille)" $((in_event * 1000 / plain)) 990
pairs=$(q "$db" "select count(*) from posts c join posts p on p.source = c.source and p.id = c.parent")
# events merged by story linking count as the event they were merged into
same=$(q "$db" "with recursive root(id, r) as (select id, id from events where merged_into is null union all select e.id, root.r from events e join root on e.merged_into = root.id) select count(*) from posts c join posts p on p.source = c.source and p.id = c.parent join root rc on rc.id = c.event join root rp on rp.id = p.event where rc.r = rp.r")
check_ge "reposts with a stored parent" "$pairs" $((N / 2))
# a repost joins its parent's event unless that event closed after 72 h of silence
check_ge "reposts in their parent's event (per mille)" $((same * 1000 / pairs)) 980
check_eq "authors stored raw" "$(q "$db" "select count(*) from posts where author is not null and length(author) != 32")" 0
finish
