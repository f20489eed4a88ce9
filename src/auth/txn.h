/*
 * txn.h — write transactions shared by auth, audit and deliver: a function
 * that must write atomically opens BEGIN IMMEDIATE when the connection is in
 * autocommit mode (so a writer never hits busy-on-upgrade, field case
 * storage-01), or a SAVEPOINT inside the caller's open transaction, so an
 * audit entry can commit together with the change it records.
 */
#ifndef YQ_TXN_H
#define YQ_TXN_H

#include <sqlite3.h>

struct yq_txn {
	sqlite3 *db;
	int own;   /* 1: we issued BEGIN IMMEDIATE; 0: a savepoint */
};

/* yq_txn_begin: starts the transaction or savepoint.  0 or YQ_EDB. */
int yq_txn_begin(sqlite3 *db, struct yq_txn *t);
/* yq_txn_end: commits (rc == 0) or rolls back (rc != 0); returns rc, or
 * YQ_EDB when rc was 0 and the commit failed (then it rolled back). */
int yq_txn_end(struct yq_txn *t, int rc);
/* yq_txn_exec: sqlite3_exec of sql without results; 0 or YQ_EDB. */
int yq_txn_exec(sqlite3 *db, const char *sql);

#endif
