/*
 * audit.c — the hash-chained audit log (audit.h has the format).
 *
 * Append: inside one IMMEDIATE transaction (or a savepoint of the caller's
 * transaction) read audit_head, compute seq = head.seq + 1 and
 * hash = SHA-256(head.hash || canonical(entry)), insert the row and move
 * the head.  The head row and the last row therefore always agree after a
 * commit; the writer lock of SQLite serializes concurrent appenders.
 *
 * Verify: one pass in seq order keeping the previous hash; the first row
 * whose seq is not previous+1, whose prev_hash is not the previous hash, or
 * whose recomputed hash differs from the stored one is the first bad entry.
 * Finally the head must name the last row.
 */
#include "auth/audit.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "auth/txn.h"
#include "base/error.h"
#include "base/utf8.h"
#include "store/query.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

static const char SCHEMA[] =
	"CREATE TABLE IF NOT EXISTS audit_log(seq INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
	" actor TEXT, action TEXT NOT NULL, object_type TEXT, object_id TEXT, before TEXT,"
	" after TEXT, addr TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS audit_head(id INTEGER PRIMARY KEY CHECK (id = 1),"
	" seq INTEGER NOT NULL, hash TEXT NOT NULL);";

int yq_audit_init(sqlite3 *db)
{
	struct yq_txn t;
	if (sodium_init() < 0)
		return YQ_ENOMEM;
	int rc = yq_txn_begin(db, &t);
	if (rc)
		return rc;
	return yq_txn_end(&t, yq_txn_exec(db, SCHEMA));
}

/* field: appends "len:bytes\n", or "-:\n" for NULL. */
static void field(crypto_hash_sha256_state *st, const char *s)
{
	char len[32];
	if (!s) {
		crypto_hash_sha256_update(st, (const unsigned char *)"-:\n", 3);
		return;
	}
	size_t n = strlen(s);
	int k = snprintf(len, sizeof len, "%zu:", n);
	crypto_hash_sha256_update(st, (const unsigned char *)len, (size_t)k);
	crypto_hash_sha256_update(st, (const unsigned char *)s, n);
	crypto_hash_sha256_update(st, (const unsigned char *)"\n", 1);
}

/* chain_hash: hex SHA-256(prev || canonical) into out[65]; prev is hex. */
static void chain_hash(const char *prev_hex, int64_t seq, const struct yq_audit_entry *e,
		       char out[65])
{
	unsigned char prev[32] = {0}, h[32];
	char num[32];
	crypto_hash_sha256_state st;

	sodium_hex2bin(prev, sizeof prev, prev_hex, strlen(prev_hex), NULL, NULL, NULL);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, prev, sizeof prev);
	snprintf(num, sizeof num, "%lld", (long long)seq);
	field(&st, num);
	snprintf(num, sizeof num, "%lld", (long long)e->time);
	field(&st, num);
	field(&st, e->actor);
	field(&st, e->action);
	field(&st, e->object_type);
	field(&st, e->object_id);
	field(&st, e->before);
	field(&st, e->after);
	field(&st, e->addr);
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(out, 65, h, sizeof h);
}

/* canon_json: the canonical form (sorted keys, compact) of JSON text s into
 * *out (malloc'd; NULL when s is NULL).  YQ_EINVAL when s is not JSON. */
static int canon_json(const char *s, char **out)
{
	*out = NULL;
	if (!s)
		return 0;
	if (strlen(s) > YQ_AUDIT_JSON_MAX)
		return YQ_ETOOBIG;
	json_t *j = json_loads(s, JSON_DECODE_ANY, NULL);
	if (!j)
		return YQ_EINVAL;
	*out = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	return *out ? 0 : YQ_ENOMEM;
}

/* field_ok: 0, YQ_ETOOBIG, or YQ_EINVAL for invalid UTF-8. */
static int field_ok(const char *s)
{
	if (!s)
		return 0;
	size_t n = strlen(s);
	if (n > YQ_AUDIT_FIELD_MAX)
		return YQ_ETOOBIG;
	return yq_utf8_valid(s, n) ? 0 : YQ_EINVAL;
}

static void bind_opt(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

int yq_audit_append(sqlite3 *db, const struct yq_audit_entry *in, int64_t *seq_out)
{
	struct yq_audit_entry e = *in;
	char *before = NULL, *after = NULL;
	char prev[65] = ZERO_HASH, hash[65];
	int64_t seq = 1;
	sqlite3_stmt *s = NULL;
	struct yq_txn t;
	int rc, r;

	if (!e.action || !*e.action)
		return YQ_EINVAL;
	if ((rc = field_ok(e.actor)) || (rc = field_ok(e.action)) ||
	    (rc = field_ok(e.object_type)) || (rc = field_ok(e.object_id)) ||
	    (rc = field_ok(e.addr)))
		return rc;
	if ((rc = canon_json(in->before, &before)) || (rc = canon_json(in->after, &after)))
		goto done;
	e.before = before;
	e.after = after;
	if ((rc = yq_txn_begin(db, &t)))
		goto done;
	if (sqlite3_prepare_v2(db, "SELECT seq, hash FROM audit_head WHERE id = 1", -1, &s, NULL) !=
	    SQLITE_OK) {
		rc = YQ_EDB;
		goto out;
	}
	r = sqlite3_step(s);
	if (r == SQLITE_ROW) {
		seq = sqlite3_column_int64(s, 0) + 1;
		snprintf(prev, sizeof prev, "%s", (const char *)sqlite3_column_text(s, 1));
	} else if (r != SQLITE_DONE) {
		rc = YQ_EDB;
		goto out;
	}
	sqlite3_finalize(s);
	s = NULL;
	chain_hash(prev, seq, &e, hash);
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO audit_log(seq, time, actor, action, object_type, object_id,"
			       " before, after, addr, prev_hash, hash)"
			       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
			       -1, &s, NULL) != SQLITE_OK) {
		rc = YQ_EDB;
		goto out;
	}
	sqlite3_bind_int64(s, 1, seq);
	sqlite3_bind_int64(s, 2, e.time);
	bind_opt(s, 3, e.actor);
	bind_opt(s, 4, e.action);
	bind_opt(s, 5, e.object_type);
	bind_opt(s, 6, e.object_id);
	bind_opt(s, 7, e.before);
	bind_opt(s, 8, e.after);
	bind_opt(s, 9, e.addr);
	sqlite3_bind_text(s, 10, prev, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 11, hash, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		rc = YQ_EDB;
		goto out;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO audit_head(id, seq, hash) VALUES (1, ?1, ?2)",
			       -1, &s, NULL) != SQLITE_OK) {
		rc = YQ_EDB;
		goto out;
	}
	sqlite3_bind_int64(s, 1, seq);
	sqlite3_bind_text(s, 2, hash, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = YQ_EDB;
out:
	sqlite3_finalize(s);
	rc = yq_txn_end(&t, rc);
	if (!rc && seq_out)
		*seq_out = seq;
done:
	free(before);
	free(after);
	return rc;
}

static const char *col(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

static void bad(struct yq_audit_report *rep, int64_t seq, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void bad(struct yq_audit_report *rep, int64_t seq, const char *fmt, ...)
{
	va_list ap;
	rep->first_bad = seq;
	va_start(ap, fmt);
	vsnprintf(rep->reason, sizeof rep->reason, fmt, ap);
	va_end(ap);
}

int yq_audit_verify(sqlite3 *db, const char *expect_head, struct yq_audit_report *rep)
{
	sqlite3_stmt *s = NULL;
	char prev[65] = ZERO_HASH, hash[65];
	int64_t last = 0;
	int rc = 0, r, seen_expect = expect_head == NULL;

	memset(rep, 0, sizeof *rep);
	if (sqlite3_prepare_v2(db,
			       "SELECT seq, time, actor, action, object_type, object_id, before,"
			       " after, addr, prev_hash, hash FROM audit_log ORDER BY seq",
			       -1, &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(s, 0);
		struct yq_audit_entry e = {
			.time = sqlite3_column_int64(s, 1),
			.actor = col(s, 2),
			.action = col(s, 3),
			.object_type = col(s, 4),
			.object_id = col(s, 5),
			.before = col(s, 6),
			.after = col(s, 7),
			.addr = col(s, 8),
		};
		const char *pstored = col(s, 9), *hstored = col(s, 10);
		rep->entries++;
		if (seq != last + 1) { /* seq is unique and sorted: a gap */
			bad(rep, seq, "entries %lld.. missing before it (deleted)",
			    (long long)(last + 1));
			goto out;
		}
		if (!pstored || strcmp(pstored, prev)) {
			bad(rep, seq, "its prev_hash is not the hash of entry %lld", (long long)last);
			goto out;
		}
		chain_hash(prev, seq, &e, hash);
		if (!hstored || strcmp(hstored, hash)) {
			bad(rep, seq, "content does not match its hash (edited)");
			goto out;
		}
		if (!seen_expect && !strcmp(hash, expect_head))
			seen_expect = 1;
		memcpy(prev, hash, sizeof prev);
		memcpy(rep->head, hash, sizeof rep->head);
		last = seq;
	}
	if (r != SQLITE_DONE) {
		rc = YQ_EDB;
		goto out;
	}
	sqlite3_finalize(s);
	s = NULL;
	/* the head must name the last row: a truncated tail shows here */
	if (sqlite3_prepare_v2(db, "SELECT seq, hash FROM audit_head WHERE id = 1", -1, &s, NULL) !=
	    SQLITE_OK) {
		rc = YQ_EDB;
		goto out;
	}
	r = sqlite3_step(s);
	if (r == SQLITE_ROW) {
		int64_t hseq = sqlite3_column_int64(s, 0);
		const char *hh = col(s, 1);
		if (hseq != last || !hh || strcmp(hh, last ? prev : "")) {
			if (hseq > last)
				bad(rep, last + 1, "entries %lld.. missing at the end (deleted)",
				    (long long)(last + 1));
			else
				bad(rep, hseq ? hseq : 1, "the head does not match entry %lld",
				    (long long)hseq);
			goto out;
		}
	} else if (r == SQLITE_DONE) {
		if (last != 0) {
			bad(rep, 1, "the head row is missing");
			goto out;
		}
	} else {
		rc = YQ_EDB;
		goto out;
	}
	if (!seen_expect)
		bad(rep, rep->entries + 1, "the recorded head hash is not in the chain (%lld entries)",
		    (long long)rep->entries);
out:
	sqlite3_finalize(s);
	return rc;
}

int yq_audit_list_json(sqlite3 *db, int64_t after_seq, int limit, struct yq_buf *out)
{
	sqlite3_stmt *s = NULL;
	json_t *arr = NULL;
	char *txt = NULL;
	int rc = 0;

	if (limit < 1 || limit > 1000)
		return YQ_EINVAL;
	if (sqlite3_prepare_v2(db,
			       "SELECT seq, time, actor, action, object_type, object_id, before,"
			       " after, addr, hash FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2",
			       -1, &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_int64(s, 1, after_seq);
	sqlite3_bind_int(s, 2, limit);
	if (!(arr = json_array())) {
		rc = YQ_ENOMEM;
		goto out;
	}
	static const char *const json_cols[] = {"before", "after", NULL};
	if ((rc = yq_query_rows(db, s, NULL, NULL, json_cols, arr, NULL)))
		goto out;
	if (!(txt = json_dumps(arr, JSON_COMPACT)) || yq_buf_adds(out, txt))
		rc = YQ_ENOMEM;
out:
	free(txt);
	json_decref(arr);
	sqlite3_finalize(s);
	return rc;
}
