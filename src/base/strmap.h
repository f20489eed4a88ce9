/*
 * strmap.h — a map from byte strings to dense integer ids (string
 * interning), open addressing with linear probing.
 *
 * Keys are copied into an internal arena; ids are 0, 1, 2 … in insertion
 * order, so callers keep per-key data in plain arrays indexed by id.  Keys
 * are never removed.  Capacity is capped by the caller's max_keys.
 */
#ifndef YQ_STRMAP_H
#define YQ_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct yq_strmap;

/* yq_strmap_new: max_keys is a hard cap (yq_strmap_intern fails beyond it). */
int yq_strmap_new(size_t max_keys, struct yq_strmap **out);
void yq_strmap_free(struct yq_strmap *m);

/* yq_strmap_find: the id of key k[0..n), or -1. */
int64_t yq_strmap_find(const struct yq_strmap *m, const char *k, size_t n);

/* yq_strmap_intern: the id of k, adding it if absent (*added = 1).
 * Returns the id, or YQ_ENOMEM / YQ_ETOOBIG (the cap is reached). */
int64_t yq_strmap_intern(struct yq_strmap *m, const char *k, size_t n, int *added);

/* yq_strmap_key: the key of id (not NUL-terminated; *n its length). */
const char *yq_strmap_key(const struct yq_strmap *m, uint32_t id, size_t *n);

size_t yq_strmap_count(const struct yq_strmap *m);

#endif
