/*
 * txn.c — BEGIN IMMEDIATE or SAVEPOINT, depending on whether the caller
 * already holds a transaction (see txn.h).  The savepoint name is fixed:
 * nesting works because SQLite savepoints stack by name.
 */
#include "auth/txn.h"

#include <stddef.h>

#include "base/error.h"

int yq_txn_exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : YQ_EDB;
}

int yq_txn_begin(sqlite3 *db, struct yq_txn *t)
{
	t->db = db;
	t->own = sqlite3_get_autocommit(db) != 0;
	return yq_txn_exec(db, t->own ? "BEGIN IMMEDIATE" : "SAVEPOINT yq_txn");
}

int yq_txn_end(struct yq_txn *t, int rc)
{
	if (t->own) {
		if (rc == 0 && yq_txn_exec(t->db, "COMMIT") == 0)
			return 0;
		sqlite3_exec(t->db, "ROLLBACK", NULL, NULL, NULL);
		return rc ? rc : YQ_EDB;
	}
	if (rc == 0 && yq_txn_exec(t->db, "RELEASE yq_txn") == 0)
		return 0;
	sqlite3_exec(t->db, "ROLLBACK TO yq_txn; RELEASE yq_txn", NULL, NULL, NULL);
	return rc ? rc : YQ_EDB;
}
