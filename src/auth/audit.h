/*
 * audit.h — the append-only, hash-chained audit log (issues 6 and 7).
 *
 * Table (created by yq_audit_init):
 *   audit_log(seq INTEGER PRIMARY KEY, time, actor, action, object_type,
 *             object_id, before, after, addr, prev_hash, hash)
 *   audit_head(id = 1, seq, hash)   the last entry, updated with each append
 *
 * Chain: hash_n = SHA-256(hash_{n-1} || canonical_n) where hash_0 is 32 zero
 * bytes and canonical_n is the entry's fields, each written as its decimal
 * byte length, ':', the bytes, '\n', in the order seq, time, actor, action,
 * object_type, object_id, before, after, addr (absent = length 0 written as
 * "-:" so NULL and "" differ).  before/after are stored as canonical JSON
 * (jansson, sorted keys, compact), so the stored text is what is hashed.
 * Sequence numbers start at 1 and are consecutive.
 *
 * yq_audit_verify() recomputes the chain: an edited field, a deleted or
 * inserted row, or a reordering breaks it at the first entry concerned; a
 * removed tail is caught by audit_head.  Someone who can rewrite the whole
 * database can rebuild a consistent chain: the head hash printed by
 * `yuqing audit verify` is meant to be recorded elsewhere (daily report)
 * and compared (yq_audit_verify's expect_head).
 *
 * Threads: one connection per thread; an append runs in its own IMMEDIATE
 * transaction, or inside the caller's open transaction (as a savepoint) so a
 * state change and its audit entry commit together.
 */
#ifndef YQ_AUDIT_H
#define YQ_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "base/buf.h"

#define YQ_AUDIT_FIELD_MAX 256          /* bytes of actor/action/object/addr */
#define YQ_AUDIT_JSON_MAX (1 << 20)     /* bytes of before/after JSON */

/* One entry; strings borrowed, NULL for absent. */
struct yq_audit_entry {
	int64_t time;             /* Unix seconds */
	const char *actor;        /* user name, "system", "cli:<user>" ... */
	const char *action;       /* verb: "user.add", "alert.ack", "case.assign" ... */
	const char *object_type;  /* "user", "alert", "case", "scheme" ... */
	const char *object_id;
	const char *before;       /* JSON text of the object before, or NULL */
	const char *after;        /* JSON text after, or NULL (deleted) */
	const char *addr;         /* client address, or NULL */
};

/* yq_audit_init: initializes libsodium, creates audit_log and audit_head
 * (IF NOT EXISTS, one transaction).  Call it before the other functions.
 * 0, YQ_EDB or YQ_ENOMEM. */
int yq_audit_init(sqlite3 *db);

/*
 * yq_audit_append: appends e (action required; fields capped at
 * YQ_AUDIT_FIELD_MAX, JSON at YQ_AUDIT_JSON_MAX; before/after must parse as
 * JSON) and updates the head, atomically; *seq_out (if not NULL) gets its
 * sequence number.  Errors: YQ_EINVAL (missing action, bad JSON, a field
 * that is not UTF-8), YQ_ETOOBIG,
 * YQ_EDB, YQ_ENOMEM.
 */
int yq_audit_append(sqlite3 *db, const struct yq_audit_entry *e, int64_t *seq_out);

struct yq_audit_report {
	int64_t entries;          /* rows read */
	int64_t first_bad;        /* seq of the first bad entry; 0: chain intact */
	char reason[160];         /* what is wrong with it (English), or "" */
	char head[65];            /* hex hash of the last good entry */
};

/*
 * yq_audit_verify: walks the chain in seq order and fills *rep.  A missing
 * seq (deletion) reports the seq after the gap; a deleted tail reports the
 * first missing seq (audit_head still names the old last entry).  expect_head (NULL: not checked) is a hex head hash
 * recorded earlier: if it is not the hash of some entry in the chain the
 * report says so (first_bad = 1 + entries).  Returns 0 when the walk ran
 * (look at rep->first_bad), YQ_EDB when the table could not be read.
 */
int yq_audit_verify(sqlite3 *db, const char *expect_head, struct yq_audit_report *rep);

/*
 * yq_audit_list_json: appends to out a JSON array of the entries with
 * seq > after_seq, oldest first, at most limit (1..1000) of them, each
 * {"seq","time","actor","action","object_type","object_id","before",
 * "after","addr","hash"} (before/after as JSON values).  0, YQ_EINVAL,
 * YQ_EDB, YQ_ENOMEM.
 */
int yq_audit_list_json(sqlite3 *db, int64_t after_seq, int limit, struct yq_buf *out);

#endif
