/*
 * main.c — the yuqing binary: subcommand dispatch only.
 *
 * Each subcommand parses its own options (cli/cmd_*.c).  This file maps the
 * name to the function and answers `yuqing help CMD` and `yuqing CMD --help`.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	const char *help;
};

static const struct command commands[] = {
	{"segment", yq_cmd_segment, "segment Chinese text into words (jieba 0.42.1)",
	 "usage: yuqing segment [--no-hmm] [--dict F] [--user-dict F]...\n"
	 "                      [--analysis [--gazetteer DIR | --no-gazetteer]] [FILE...]\n"
	 "\n"
	 "Reads UTF-8 lines from the FILEs (gzip or plain; '-' or none: stdin) and\n"
	 "writes each line's words joined by one space, one output line per input\n"
	 "line.  The default output is Python jieba 0.42.1's jieba.cut(line)\n"
	 "token for token, whitespace tokens included.\n"
	 "\n"
	 "  --no-hmm         no HMM for unknown words (jieba.cut(line, HMM=False))\n"
	 "  --dict F         replace the main dictionary: lines 'word [freq] [pos]';\n"
	 "                   a word without a frequency gets 3 (dict.txt's median)\n"
	 "                   and a full-width word (１２月) its NFKC form (12月) too\n"
	 "  --user-dict F    add words like jieba.load_userdict (repeatable);\n"
	 "                   a missing frequency is jieba's suggest_freq(word)\n"
	 "  --analysis       print the pipeline's tokens instead (always with the\n"
	 "                   HMM; not with --no-hmm): the line is\n"
	 "                   normalized (as by 'yuqing normalize'), URLs, @mentions,\n"
	 "                   [emoticons], #topics#, Latin words, numbers with their\n"
	 "                   unit (3.5万元, 一点七八万亿) stay whole, the Chinese in\n"
	 "                   between is cut with the HMM, user-dictionary words and\n"
	 "                   place names win over common words across their\n"
	 "                   boundaries, and a user word with punctuation or Latin\n"
	 "                   letters (SK-II) is one token; whitespace is dropped\n"
	 "  --gazetteer DIR  place names for --analysis from DIR/{provinces,cities,\n"
	 "                   areas,streets}.csv; default $YQ_GAZETTEER (empty: none),\n"
	 "                   else $YQ_DATA/gazetteer_cn, else ../shared/data/\n"
	 "                   gazetteer_cn from the working directory (the project\n"
	 "                   root); a missing default is noted on stderr and skipped\n"
	 "  --no-gazetteer   --analysis without place names\n"
	 "\n"
	 "Invalid UTF-8 is replaced by U+FFFD and counted on stderr; a line over\n"
	 "8 MiB is reported and written as an empty line.  The dictionary and HMM\n"
	 "come from $YQ_JIEBA_DIR (default: Debian's python3-jieba directory).\n"},
	{"normalize", yq_cmd_normalize, "lines -> normalized lines (HTML, NFKC, t2s, spaces)",
	 "usage: yuqing normalize [--map | --json] [FILE...]\n"
	 "\n"
	 "Reads lines (plain or gzip files; '-' or no FILE: stdin) and prints each\n"
	 "one normalized: HTML tags removed and entities decoded, zero-width, bidi\n"
	 "and control characters removed, Unicode NFKC (full-width to half-width),\n"
	 "traditional to simplified Chinese (OpenCC t2s), whitespace collapsed.\n"
	 "One output line per input line; invalid UTF-8 is replaced by U+FFFD and\n"
	 "counted on stderr.\n"
	 "\n"
	 "  --map   append a tab and, for each code point of the normalized line,\n"
	 "          its code-point offset in the input line, then the input length\n"
	 "  --json  print the post's parts instead, a JSON object a line: text, own\n"
	 "          comment, repost chain [{user, text}], @mentions, urls, links\n"
	 "          (canonical URL keys)\n"},
	{"parse-time", yq_cmd_parse_time, "time expressions a line -> ISO 8601, or ?",
	 "usage: yuqing parse-time --now ISO [--tz TZ] [--flags] [FILE...]\n\n"
	 "Reads one time expression a line (ISO 8601, epoch s/ms, RFC 822, 2023年5月12日,\n"
	 "05-12 13:45, 昨天 08:15, 3分钟前, 刚刚 ...) and prints it as ISO 8601 with the\n"
	 "zone's offset, or ? when it cannot be resolved. --now is the reference for\n"
	 "relative and year-less forms (default: the clock); --tz the source's zone\n"
	 "(default Asia/Shanghai); --flags appends a tab and 'ambiguous-zone' when a\n"
	 "zone name such as CST was resolved by the source's zone.\n"},
	{"dedup", yq_cmd_dedup, "posts -> {id, simhash, dup_of} a line",
	 "usage: yuqing dedup [--format F] [--map a=b,...] [--tz TZ] [--source S] [--strict] [FILE...]\n\n"
	 "Near-duplicate detection (64-bit SimHash, Hamming distance <= 3, character\n"
	 "n-grams for short texts) over posts in stream order. dup_of is the id of the\n"
	 "first post of the group, null for the first one. Posts without content\n"
	 "features (only emoticons, only a link) are never duplicates.\n"
	 "  --format F   jsonl, tsv, csv, rss or atom (RSS/Atom feed files: each item\n"
	 "               is a post); default from the file name (.jsonl .tsv .csv\n"
	 "               .rss/.xml .atom, also .gz)\n"},
	{"match", yq_cmd_match, "posts -> the monitoring schemes each matches, with hits",
	 "usage: yuqing match --schemes FILE [--format F] [--map a=b,...] [--tz TZ] [--source S]\n"
	 "                    [--strict] [FILE...]\n\n"
	 "Matches every post's title and text against the enabled schemes of FILE\n"
	 "(YAML, docs/schemes.md) and prints one JSON line per post:\n"
	 "  {\"id\",\"schemes\":[{\"id\",\"hits\":[{\"word\",\"field\",\"start\",\"end\",\"group\",\"count\"}]}]}\n"
	 "A scheme matches when its region, subject and event groups each have a word\n"
	 "in their scope (an empty group is true) and no exclusion word occurs.  Text\n"
	 "and words are normalized alike (full-width, traditional, zero-width ...);\n"
	 "start/end are code points of the original title or text, end exclusive.\n"
	 "Every occurrence counts, overlapping ones included; a word is reported once\n"
	 "per field, at its first occurrence, with its number of occurrences.\n"
	 "  --format F   jsonl, tsv, csv, rss or atom; default from the file name\n"},
	{"scheme", yq_cmd_scheme, "test a scheme file's examples, or backtest it on a DB",
	 "usage: yuqing scheme test FILE\n"
	 "       yuqing scheme backtest --db DB [--tz TZ] FILE\n\n"
	 "test: runs every scheme's must_match and must_not_match examples (disabled\n"
	 "schemes too), prints ok/FAIL per example and exits 1 if any fails.\n"
	 "backtest: matches every post stored in DB (title and text) against every\n"
	 "scheme of FILE and prints TSV lines 'scheme day posts': how many posts each\n"
	 "scheme would have matched per day in --tz (default Asia/Shanghai); posts\n"
	 "without a time count under 'none'.  The database is opened read-only.\n"},
	{"cluster", yq_cmd_cluster, "time-ordered posts -> {id, event} a line",
	 "usage: yuqing cluster [--out-events F] [--bucket DUR] [--close-after DUR] [--threshold X]\n"
	 "                      [--link-threshold X] [--gazetteer DIR]\n"
	 "                      [--format F] [--map a=b,...] [--tz TZ] [--source S] [--strict] [FILE...]\n\n"
	 "Online TF-IDF clustering of the stream into events. --out-events writes each\n"
	 "event as a JSON line when it closes, with its lifecycle state. Events whose\n"
	 "centroids reach --link-threshold are linked into one story (the younger\n"
	 "merges into the older); each post is printed, at the end of the stream, with\n"
	 "the event it belongs to after linking. Defaults: --bucket 1h --close-after 72h\n"
	 "--threshold 0.1 --link-threshold 0.12 (0: no linking).\n"
	 "  --gazetteer DIR  count the places (province, city, county, with their codes)\n"
	 "                   the posts name, from the gazetteer CSVs in DIR (default:\n"
	 "                   $YQ_GAZETTEER, $YQ_DATA/gazetteer_cn, ../shared/data/gazetteer_cn)\n"
	 "  --format F   jsonl, tsv, csv, rss or atom (RSS/Atom feed files: each item\n"
	 "               is a post); default from the file name (.jsonl .tsv .csv\n"
	 "               .rss/.xml .atom, also .gz)\n"},
	{"replay", yq_cmd_replay, "the whole pipeline over a recorded stream into SQLite",
	 "usage: yuqing replay --db DB [--schemes F] [--sentiment MODEL | --no-sentiment] [--alerts-out F]\n"
	 "                     [--signals-out F] [--sensitivity F|none] [--jurisdiction W,...]\n"
	 "                     [--risk-levels A,B,C,D] [--no-engagement] [--cpu-timers]\n"
	 "                     [--bucket DUR] [--close-after DUR]\n"
	 "                     [--min-count N] [--threshold X] [--link-threshold X] [--gazetteer DIR]\n"
	 "                     [--format F] [--map a=b,...]\n"
	 "                     [--tz TZ] [--source S] [--strict] FILE...\n\n"
	 "Reads posts (JSON Lines, TSV, CSV, or RSS/Atom feed files in any charset;\n"
	 "gzip or plain; - for stdin) and runs them in stream time through normalize,\n"
	 "segment, near-duplicates, events and bursts, storing posts (with a full-text\n"
	 "index), events and alerts in DB (SQLite).\n"
	 "Running the same input again stores nothing twice. Bad records are reported\n"
	 "with file and line and skipped (--strict: stop at the first). Prints a summary.\n"
	 "  --bucket DUR       timeline and burst bucket (10m, 1h, 1d; default 1h)\n"
	 "  --close-after DUR  silence that closes an event (default 72h)\n"
	 "  --min-count N      posts in one bucket for an event burst (default 20; alerts follow\n"
	 "                     the risk level, see --risk-levels)\n"
	 "  --threshold X      cosine similarity to join an event (default 0.1)\n"
	 "  --link-threshold X centroid cosine that links two events (default 0.12)\n"
	 "  --gazetteer DIR    provinces.csv, cities.csv, areas.csv: count the places\n"
	 "                     events' posts name (events.places, docs/events.md)\n"
	 "  --schemes F        monitoring schemes (YAML, docs/schemes.md) matched on every\n"
	 "                     post; matches are stored in post_schemes and on events\n"
	 "  --sentiment MODEL  sentiment model (default: the built-in 'sentiment', when\n"
	 "                     the build trained it); --no-sentiment skips the stage\n"
	 "  --alerts-out F     also write alerts as JSON lines to F. An alert is raised when\n"
	 "                     an event's risk level (IV blue .. I red, docs/warning.md)\n"
	 "                     is entered or rises; its reason gives every factor\n"
	 "  --signals-out F    write bursting terms (SigniTrend) per bucket as JSON lines\n"
	 "  --sensitivity F    lexicon of sensitive categories (TSV, default\n"
	 "                     config/sensitivity.tsv; none: no sensitivity factor)\n"
	 "  --jurisdiction W,... place words of the jurisdiction (locality factor)\n"
	 "  --risk-levels A,B,C,D  scores for levels IV, III, II, I (default 20,35,50,65)\n"
	 "  --no-engagement    leave reposts/comments/likes out of heat (their counts in\n"
	 "                     recorded data are final counts: they tell the future)\n"
	 "  --cpu-timers       time the stages of the summary in CPU time, not wall time\n"
	 "                     (for measuring on a busy machine; costs ~3 us a post)\n"
	 "  --format F         jsonl, tsv, csv, rss or atom; default from the file name\n"
	 "                     (.jsonl .tsv .csv .rss/.xml .atom, also .gz). A feed item\n"
	 "                     is a post: its guid/id (else link) is its id; the feed's\n"
	 "                     link is the source unless --source is given\n"
	 "  --map a=b,...      post field = input column (e.g. time=date,author=userid)\n"
	 "  --tz TZ            zone of times without an offset (default Asia/Shanghai)\n"
	 "  --source S         source name for records that have none (default unknown)\n"},
	{"search", yq_cmd_search, "stored posts by full-text query",
	 "usage: yuqing search --db DB [--limit N] [--count] [--tz TZ] QUERY...\n\n"
	 "Finds stored posts whose text contains every term of QUERY (terms are\n"
	 "separated by spaces; a Chinese term of any length matches where its\n"
	 "characters occur in a row). Prints the best matches (default 20) as JSON\n"
	 "lines {source, id, time, event, text}; --count prints how many match.\n"},
	{"train", yq_cmd_train, "labelled posts -> a classifier model (prints CV accuracy)",
	 "usage: yuqing train --task sentiment|category --out MODEL [--folds K] [--C X]\n"
	 "                    [--solver 0|7] [--nb A] [--format F] [--map a=b,...] [--text-field T]...\n"
	 "                    [--label-field L] [--label-map a=b,...] [--source S] [--strict]\n"
	 "                    [--corrections DB] FILE...\n\n"
	 "Trains an L2-regularized logistic regression (liblinear) on hashed character\n"
	 "1-3-grams and words with negation scopes, degree adverbs and contrast clauses\n"
	 "(docs/classify.md) and writes the model. Each FILE is read with the input\n"
	 "options given before it, so one run can mix sources; a --text-field after a\n"
	 "FILE starts a new list.\n"
	 "  --task T          default features for the kind of text: sentiment (short\n"
	 "                    reviews and posts) or category (long messages)\n"
	 "  --text-field T    input field holding text (repeatable; joined by a newline);\n"
	 "                    default: title and text (with their aliases)\n"
	 "  --label-field L   input field holding the label (default label)\n"
	 "  --label-map a=b,… rename labels before training; a=- drops label a\n"
	 "  --folds K         K-fold cross-validation (default 5; 0: none, needs --C)\n"
	 "  --C X             fixed regularization (default: the best of 0.25..256 by CV)\n"
	 "  --solver 0|7      liblinear dual (7, default) or primal (0) logistic regression\n"
	 "  --nb A            scale each label's features by their NB log-count ratio,\n"
	 "                    smoothing A (Wang & Manning 2012); default 1 for sentiment,\n"
	 "                    0 (off) for category\n"
	 "  --plain-mix B     with --nb: average the NB model with a plain one, B its\n"
	 "                    share (0-1; default 0.5 for sentiment)\n"
	 "  --class-weight none|balanced  weigh each label's side n/(2 n_side) in\n"
	 "                    training (default balanced for sentiment, none for category)\n"
	 "  --features LIST   char,word,word2,neg,degree,contrast,lexicon (default per task)\n"
	 "  --tf raw|sublinear, --hash-bits N (10-24, default 20), --char-max N (1-4, default 3)\n"
	 "  --word-weight W   token features count W times against character n-grams\n"
	 "                    (0.1-10, default 1)\n"
	 "  --positive-words F, --negative-words F  polarity word lists (one a line,\n"
	 "                    repeatable; stored in the model): lexicon features\n"
	 "  --polarity-rule   a text whose only polarity evidence is a negated negative\n"
	 "                    word (or a positive one after a double negation) is not\n"
	 "                    labelled negative (needs labels negative/positive)\n"
	 "  --corrections DB  also train on the posts of DB an analyst labelled for\n"
	 "                    --task ('yuqing label'): their stored title and text with\n"
	 "                    the analyst's label, replacing a FILE record of the same\n"
	 "                    id and text\n"
	 "Records without a label or text are reported with their line and skipped; a\n"
	 "record whose id and text were seen before is skipped as a duplicate. Prints\n"
	 "the counts, the labels and the cross-validated accuracy.\n"},
	{"classify", yq_cmd_classify, "posts -> {id, label, prob} a line",
	 "usage: yuqing classify --model MODEL [--text-field T]... [--format F] [--map a=b,...]\n"
	 "                       [--source S] [--strict] [FILE...]\n\n"
	 "Classifies each post (title and text, or the --text-field values joined by a\n"
	 "newline) with MODEL: 'sentiment' and 'category' are the built-in models that\n"
	 "the build trains from the shared data (negative/neutral/positive, and the seven\n"
	 "first-level categories of citizens' messages), found in <program dir>/models\n"
	 "or $YQ_MODELS; any other value is a model file from 'yuqing train'. Labels are\n"
	 "printed verbatim as in the training data; prob is the label's probability.\n"},
	{"label", yq_cmd_label, "store an analyst's correction of a post's label",
	 "usage: yuqing label --db DB [--source S] [--task sentiment|category] POST_ID LABEL\n\n"
	 "Records LABEL as the correct sentiment (default) or category of the stored\n"
	 "post POST_ID (of source S; without --source the id must name one post) in\n"
	 "the table labels of DB; labelling it again replaces the label. 'yuqing train\n"
	 "--corrections DB' adds the labelled posts to the training data.\n"},
	{"fetch", yq_cmd_fetch, "fetch feeds over HTTP -> post JSON lines",
	 "usage: yuqing fetch [--state FILE] [--format rss|atom] [--timeout S] [--connect-timeout S]\n"
	 "                    [--max-size BYTES] [--tz TZ] URL...\n\n"
	 "Fetches each URL (RSS 2.0, RSS 1.0 or Atom; http and https only) and prints its\n"
	 "items as post JSON lines {id, source, url, title, text, author, time}; source is\n"
	 "the URL's host, id the item's guid/id (else its link), time ISO 8601 (absent\n"
	 "when the item has no readable date). The body is decoded by what it is (a\n"
	 "wrong charset in the header is overruled by the bytes). gzip and deflate are\n"
	 "accepted; at most 5 redirects are followed.\n"
	 "  --state FILE         per-URL state as JSON lines (ETag, Last-Modified,\n"
	 "                       failures, backoff, last success and error, items seen),\n"
	 "                       read at start and rewritten at the end: a second run sends\n"
	 "                       a conditional GET and prints nothing on 304 Not Modified;\n"
	 "                       after an error the URL is not fetched again before its\n"
	 "                       backoff ends (60 s doubling per failure, at most 6 h)\n"
	 "  --format rss|atom    the feed must be of this kind (default: any)\n"
	 "  --timeout S          whole transfer, seconds (default 30)\n"
	 "  --connect-timeout S  connection, seconds (default 10)\n"
	 "  --max-size BYTES     body cap after decompression (default 16 MiB)\n"
	 "  --tz TZ              zone of feed times without an offset (default Asia/Shanghai)\n"
	 "Exit 0 when every URL was fetched (200 or 304) and parsed, 1 when one failed\n"
	 "or is backing off (each reported on stderr), 2 for bad usage.\n"},
	{"alerts", yq_cmd_alerts, "export stored alerts as OASIS CAP 1.2 XML",
	 "usage: yuqing alerts export --db DB --cap [--since T] [--tz TZ] [--sender S] [--out-dir D]\n\n"
	 "Writes the alerts stored in DB (by replay), oldest first, as OASIS CAP 1.2\n"
	 "<alert> elements inside one <alerts> document on standard output; --out-dir\n"
	 "also writes each as a standalone CAP document D/<sender>-alert-<id>.xml.\n"
	 "Level I red -> severity Extreme, urgency Immediate; II orange -> Severe,\n"
	 "Expected; III yellow -> Moderate, Expected; IV blue -> Minor, Future\n"
	 "(docs/warning.md). The database is opened read-only.\n"
	 "  --since T    only alerts raised at or after T (ISO 8601, epoch seconds ...)\n"
	 "  --tz TZ      zone of the times written and of --since (default Asia/Shanghai)\n"
	 "  --sender S   CAP sender and identifier prefix (default yuqing)\n"},
	{"serve", yq_cmd_serve, "the daemon: collectors, pipeline, HTTP API, live stream",
	 "usage: yuqing serve --config FILE\n\n"
	 "Runs the monitoring service: the sources of FILE (YAML; config/yuqing.example.yaml,\n"
	 "docs/http-api.md) are collected (files and directories followed as they grow,\n"
	 "RSS/Atom feeds polled, posts pushed to POST /api/posts), analysed by the same\n"
	 "pipeline as 'yuqing replay' and stored in the configured database; the HTTP API\n"
	 "(default 127.0.0.1:8080) serves posts, events, alerts, the live stream\n"
	 "(/api/stream, Server-Sent Events), schemes, sources, /healthz and /metrics.\n"
	 "Relative paths in FILE are read from FILE's directory.  SIGTERM or SIGINT\n"
	 "drains the queue and commits; a restart resumes every file from its\n"
	 "checkpoint, so no post is lost or stored twice (also after kill -9).\n"
	 "Exit 0 after a clean stop, 1 when the database fails, 2 for a bad FILE.\n"},
	{"user", yq_cmd_user, "add users (the first admin), list them, issue API tokens",
	 "usage: yuqing user add --db DB NAME --role ROLE [--department D]\n"
	 "       yuqing user list --db DB\n"
	 "       yuqing user token --db DB NAME [--label L]\n"
	 "       yuqing user revoke --db DB TOKEN_ID\n\n"
	 "add: creates user NAME with ROLE: admin, analyst (监测员), leader (领导),\n"
	 "handler (处置人员, needs --department) or viewer (只读).  The password (8 to\n"
	 "1024 bytes) is the first line of standard input, or is asked for twice on a\n"
	 "terminal; it is never taken from the command line.  Stored as argon2id.\n"
	 "list: one TSV line a user: name, role, department, active|disabled, created.\n"
	 "token: prints a new API token for NAME (send it as 'Authorization: Bearer\n"
	 "TOKEN'); it is shown this once, only its hash is kept; its id goes to stderr.\n"
	 "revoke: revokes the API token with that id.\n"
	 "Each change is appended to the audit log.  docs/auth.md has the roles.\n"},
	{"audit", yq_cmd_audit, "verify the hash-chained audit log, or list it",
	 "usage: yuqing audit verify --db DB [--head HEX]\n"
	 "       yuqing audit list --db DB [--after SEQ] [--limit N]\n\n"
	 "verify: recomputes the audit log's hash chain.  Intact: prints\n"
	 "'ok: N entries, head HASH' and exits 0.  An edited, deleted, inserted or\n"
	 "reordered entry: 'yuqing: audit: entry SEQ: what is wrong (DB)' and exit 1.\n"
	 "--head HEX: a head hash printed earlier must still be in the chain (catches\n"
	 "a deleted tail whose head row was rewritten too).\n"
	 "list: the entries after SEQ (default 0), at most N (default 100, up to\n"
	 "1000), as one JSON array.  The database is opened read-only.\n"},
	{"cases", yq_cmd_cases, "the case (工单) workflow: list, show, create, transition",
	 "usage: yuqing cases list --db DB --as USER [--state S] [--department D] [--overdue true|false]\n"
	 "       yuqing cases show REF --db DB --as USER\n"
	 "       yuqing cases create --db DB --as USER [--title T] [--event ID | --alert ID |\n"
	 "                           --message ID] [--why JSON] [--category C] [--summary S]\n"
	 "                           [--department D]...\n"
	 "       yuqing cases transition REF ACTION --db DB --as USER [--note T]\n"
	 "                           [--department D]... [--resolution R] [--text T --channel C\n"
	 "                           [--link URL] [--published TIME]]\n"
	 "       yuqing cases departments --db DB --as USER [--set NAME --categories a,b\n"
	 "                           [--contact C]]\n"
	 "common: [--config YAML | --holidays FILE...] [--now TIME]\n\n"
	 "The case workflow of docs/cases.md without the daemon, acting as USER (a user of\n"
	 "'yuqing user add'): USER's role and department decide what is visible and allowed,\n"
	 "exactly as through the API.  REF is a case number (2025-0001) or id.  ACTION is\n"
	 "submit, instruct, handled, respond, return, close, archive, reopen or note; R is\n"
	 "fixed, not_fixed, not_our_responsibility, false_info_clarified or duplicate.\n"
	 "Deadlines are counted in working days on the holiday files of --config's cases:\n"
	 "section or of --holidays (config/holidays-cn.tsv); without either, no due dates.\n"
	 "--now fixes the clock.  Prints the list or the case (with history) as JSON.\n"
	 "Every change is appended to the audit log.  Exit 1 when refused or failed.\n"},
	{"messages", yq_cmd_messages, "citizens' messages: import, route, categorize, reply, hot issues",
	 "usage: yuqing messages import --db DB [--routing F] [--model M | --no-model]\n"
	 "                       [--deadline-days N] [--format F] [--map a=b,...] [--tz TZ]\n"
	 "                       [--strict] FILE...\n"
	 "       yuqing messages list --db DB [--department D] [--answered | --unanswered]\n"
	 "                       [--limit N] [--offset N]\n"
	 "       yuqing messages show --db DB ID\n"
	 "       yuqing messages categorize --db DB ID [CATEGORY]\n"
	 "       yuqing messages reply --db DB ID --text TEXT [--time TIME]\n"
	 "       yuqing messages hot --db DB [--limit N] [--window DAYS] [--threshold X]\n"
	 "                       [--half-life DAYS] [--min-size N] [--now T] [--from T] [--to T]\n\n"
	 "import: JSON lines keyed by the Chinese column names (留言编号, 留言用户,\n"
	 "留言主题, 留言时间, 留言详情, 点赞数, 反对数, 答复意见, 答复时间, 一级分类 or\n"
	 "一级标签, 联系方式), or CSV/TSV with those header names.  Each message gets\n"
	 "the category model's suggestion and probability, a department from the\n"
	 "routing table (default config/routing.tsv), a deadline (--deadline-days,\n"
	 "default 15 calendar days) and, with a reply, its quality scores.  Bad lines\n"
	 "are reported as FILE:LINE and skipped; importing again adds nothing.\n"
	 "categorize: the analyst confirms the suggestion (no CATEGORY) or corrects it;\n"
	 "the decision is stored as a label for 'train --corrections DB'.\n"
	 "reply: stores a reply (--time default now) and prints its quality scores.\n"
	 "hot: the top hot issues (same place, same problem, within --window days,\n"
	 "default 30) ranked by count, likes and recency (docs/messages.md), as JSON.\n"},
	{"stats", yq_cmd_stats, "per-department message statistics by week, month or quarter",
	 "usage: yuqing stats --db DB [--period week|month|quarter|all] [--from TIME]\n"
	 "                    [--to TIME] [--now TIME] [--department D] [--tz TZ] [--tsv]\n\n"
	 "For each period (default month; days in --tz, default Asia/Shanghai) and\n"
	 "department, then for all departments ('全部'): messages received in\n"
	 "[--from, --to), answered, answered on time (by the deadline), overdue now\n"
	 "(no reply, deadline before --now), completion rate 办结率 = answered /\n"
	 "received, and the median and 90th percentile handling time in hours.  One\n"
	 "JSON object a line, or a TSV table with --tsv.  docs/messages.md.\n"},
	{"export", yq_cmd_export, "stored events, alerts, posts, cases or messages as CSV or XLSX",
	 "usage: yuqing export --db DB --what events|alerts|posts|cases|messages\n"
	 "                     [--from T] [--to T] [--q QUERY] [--department D] [--tz TZ]\n"
	 "                     --format csv|xlsx -o FILE\n\n"
	 "Writes the stored events (merged ones left out, highest risk first), alerts\n"
	 "(newest first, with the reason in words), posts (newest first), cases\n"
	 "(工单: open at some time of the period, with their step, departments,\n"
	 "deadline and whether it has passed) or citizens' messages (received in\n"
	 "the period, with reply time, hours and the reply scores; never the sender\n"
	 "or contact) of the period [T, T) as a spreadsheet: CSV (RFC 4180, UTF-8\n"
	 "with BOM) or XLSX.\n"
	 "Text that a spreadsheet could run as a formula (= + - @, full-width too,\n"
	 "a leading tab or CR) gets a leading '; numbers stay numbers; times are\n"
	 "wall-clock times in --tz (default Asia/Shanghai) as spreadsheet dates.\n"
	 "The database is opened read-only; docs/export.md has the columns.\n"
	 "  --from T, --to T  the period (ISO 8601, a date, epoch seconds ...)\n"
	 "  --q QUERY         posts matching a full-text query (yuqing search's language)\n"
	 "  --department D    cases or messages of that department only\n"},
	{"report", yq_cmd_report, "the weekly, monthly or quarterly report as a PDF",
	 "usage: yuqing report --db DB --period week|month|quarter --date YYYY-MM-DD\n"
	 "                     [--tz TZ] -o FILE.pdf\n\n"
	 "Writes the 舆情周报/月报/季报 of the week (Monday to Sunday), month or quarter\n"
	 "that contains --date, in the days of --tz (default Asia/Shanghai), as an A4\n"
	 "PDF: volume and sentiment with a daily chart and the change against the\n"
	 "previous period, the top events with their risk and the reason in words,\n"
	 "alerts by level.  Chinese text is laid out by pango (Noto CJK fonts) with\n"
	 "禁则 line breaking; pages are numbered.  The database is opened read-only;\n"
	 "docs/export.md describes the report.\n"},
	{NULL, NULL, NULL, NULL},
};

static void list_commands(FILE *f)
{
	fprintf(f, "usage: yuqing COMMAND [OPTIONS] [FILE...]\n\ncommands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(f, "  %-12s %s\n", c->name, c->summary);
	fprintf(f, "\n'yuqing help COMMAND' or 'yuqing COMMAND --help' describes one.\n");
}

static const struct command *find(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		list_commands(stderr);
		return YQ_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		if (argc < 3) {
			list_commands(stdout);
			return YQ_EXIT_OK;
		}
		const struct command *c = find(argv[2]);
		if (!c) {
			fprintf(stderr, "yuqing: help: no such command '%s'\n", argv[2]);
			return YQ_EXIT_USAGE;
		}
		fputs(c->help, stdout);
		return YQ_EXIT_OK;
	}
	const struct command *c = find(name);
	if (!c) {
		fprintf(stderr, "yuqing: no such command '%s'\n", name);
		list_commands(stderr);
		return YQ_EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(c->help, stdout);
			return YQ_EXIT_OK;
		}
	}
	return c->run(argc - 1, argv + 1);
}
