#!/usr/bin/env bash
# Replays a real slice of the COVID Weibo stream into SQLite and checks what
# was stored: every post, duplicate groups of identical (reposted) texts,
# events consistent with their posts, alerts, the full-text index, keyed
# author hashes, and that a second run stores nothing twice.
source "$(dirname "$0")/lib.sh"
N=${YQ_REPLAY_POSTS:-6000}
head_gz "$YQ_DATA/weibo_covid/posts.tsv.gz" $((N + 1)) > "$T/slice.tsv"
db="$T/r.db"
"$YQ" replay --db "$db" --bucket 1d --min-count 20 --source weibo "$T/slice.tsv" > "$T/out1" 2> "$T/err1" ||
  { cat "$T/err1"; fail "replay exited with an error"; finish; }
cat "$T/out1"
read_n=$(awk '/^posts read/ {print $3}' "$T/out1")
skipped=$(awk '/^skipped/ {print $2}' "$T/out1")
check_eq "posts read + skipped" $((read_n + skipped)) "$N"
check_eq "posts stored" "$(q "$db" 'select count(*) from posts')" "$read_n"
check_eq "skipped lines reported on stderr" "$(grep -c 'slice.tsv:[0-9]*: .*(skipped)' "$T/err1" || true)" "$skipped"

# identical texts (with content) form one duplicate group
bad_groups=$(q "$db" "select count(*) from (select norm, count(distinct coalesce(dup_of, id)) g from posts
  where simhash != 0 group by norm having count(*) > 1 and g > 1)")
groups=$(q "$db" "select count(*) from (select norm from posts where simhash != 0 group by norm having count(*) > 1)")
check_ge "groups of identical texts" "$groups" 50
check_eq "identical-text groups split across duplicate groups" "$bad_groups" 0
check_ge "posts marked duplicate" "$(q "$db" 'select count(*) from posts where dup_of is not null')" 300
# a duplicate points at a stored post that is itself a group root
check_eq "dup_of points at a root post" "$(q "$db" "select count(*) from posts p where dup_of is not null and not exists
  (select 1 from posts r where r.source = p.source and r.id = p.dup_of and r.dup_of is null)")" 0

# events agree with their posts
check_ge "events" "$(q "$db" 'select count(*) from events')" 20
# an event merged by story linking counts in the event it was merged into
check_eq "event sizes = posts per event" "$(q "$db" "with recursive root(id, r) as (select id, id from events where merged_into is null union all select e.id, root.r from events e join root on e.merged_into = root.id) select count(*) from events e where e.merged_into is null and size !=
  (select count(*) from posts p join root on root.id = p.event where root.r = e.id)")" 0
check_eq "posts with content but no event" "$(q "$db" "select count(*) from posts where event is null and simhash != 0")" 0
check_eq "events without a title or keywords" "$(q "$db" "select count(*) from events where title is null or keywords = '[]'")" 0
check_ge "alerts" "$(q "$db" 'select count(*) from alerts')" 1
check_eq "alerts whose reason lacks the why" "$(q "$db" "select count(*) from alerts where
  json_extract(reason, '\$.baseline.mean') is null or json_extract(reason, '\$.thresholds.min_size') is null or json_extract(reason, '\$.score') is null
  or json_array_length(json_extract(reason, '\$.top_posts')) < 1")" 0

# sentiment: every post rated; an event's negative share and timeline agree with its posts
check_eq "posts without sentiment" "$(q "$db" "select count(*) from posts where sentiment is null or sentiment_prob not between 0 and 1")" 0
check_eq "sentiment labels" "$(q "$db" "select group_concat(l) from (select distinct sentiment l from posts order by 1)")" "negative,neutral,positive"
check_eq "events whose negative share disagrees with their posts" "$(q "$db" "with recursive root(id, r) as (select id, id from events where merged_into is null union all select e.id, root.r from events e join root on e.merged_into = root.id) select count(*) from events e where e.merged_into is null and abs(negative_share -
  (select avg(sentiment = 'negative') from posts p join root on root.id = p.event where root.r = e.id)) > 1e-9")" 0
check_eq "events whose timeline negatives disagree" "$(q "$db" "with recursive root(id, r) as (select id, id from events where merged_into is null union all select e.id, root.r from events e join root on e.merged_into = root.id) select count(*) from events e where e.merged_into is null and
  (select sum(json_extract(t.value, '\$[2]')) from json_each(e.timeline) t) !=
  (select count(*) from posts p join root on root.id = p.event where root.r = e.id and p.sentiment = 'negative')")" 0

# full-text search finds a Chinese word of any length, as a substring would
for w in 疫 口罩 新型冠状病毒 钟南山; do
  fts=$("$YQ" search --db "$db" --count "$w")
  like=$(q "$db" "select count(*) from posts where instr(norm, '$w') > 0")
  check_eq "fts '$w' = substring count" "$fts" "$like"
done

# authors are keyed hashes, never the input's user ids
check_eq "authors not 32-hex" "$(q "$db" "select count(*) from posts where author is not null and (length(author) != 32 or author glob '*[^0-9a-f]*')")" 0
first_uid=$(sed -n 2p "$T/slice.tsv" | cut -f3)
check_eq "raw user id stored" "$(q "$db" "select count(*) from posts where author = '$first_uid'")" 0

# the same input again stores nothing twice
"$YQ" replay --db "$db" --bucket 1d --source weibo "$T/slice.tsv" > "$T/out2" 2> "$T/err2" ||
  { cat "$T/err2"; fail "second run exited with an error"; }
check_eq "second run: stored" "$(awk '/^stored/ {print $2}' "$T/out2")" 0
check_eq "second run: already stored" "$(awk '/^already stored/ {print $3}' "$T/out2")" "$read_n"
check_eq "posts after the second run" "$(q "$db" 'select count(*) from posts')" "$read_n"
check_eq "integrity" "$(q "$db" 'pragma integrity_check')" ok
finish
