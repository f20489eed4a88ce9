/*
 * error.h — the error codes every fallible yuqing function returns.
 *
 * Convention (whole code base): a function that can fail returns int, 0
 * (YQ_OK) on success and a negative YQ_E* code otherwise.  Bad input records
 * are data, not errors: readers count and report them and go on.
 */
#ifndef YQ_ERROR_H
#define YQ_ERROR_H

enum {
	YQ_OK = 0,
	YQ_ENOMEM = -1,   /* allocation failed */
	YQ_EIO = -2,      /* read/write/open failed; errno was reported */
	YQ_EINVAL = -3,   /* bad argument or option */
	YQ_EFORMAT = -4,  /* malformed input (a record, a file, a dictionary) */
	YQ_ENOTFOUND = -5,/* a named thing does not exist */
	YQ_EDB = -6,      /* the database refused an operation */
	YQ_ETOOBIG = -7,  /* an input exceeded a hard cap */
	YQ_EEOF = -8,     /* end of input (readers) */
	YQ_ECALENDAR = -9,  /* a date in a year with no loaded holiday schedule */
	YQ_EFORBIDDEN = -10,/* the principal's role may not do this (API: 403) */
	YQ_ESTATE = -11,    /* not allowed in the object's current state (API: 409) */
};

/* yq_strerror: a static English phrase for a YQ_E* code; never NULL. */
const char *yq_strerror(int code);

#endif
