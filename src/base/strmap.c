/*
 * strmap.c — string interning with open addressing; see strmap.h.
 *
 * Slots hold (hash32, id+1); 0 marks an empty slot.  The table doubles at
 * 50 % load.  Keys live in one growing arena, addressed by offset, so
 * rehashing never moves them.
 */
#include "base/strmap.h"
#include "base/error.h"
#include "base/hash.h"

#include <stdlib.h>
#include <string.h>

struct slot {
	uint32_t hash;
	uint32_t id1; /* id + 1; 0 = empty */
};

struct yq_strmap {
	struct slot *slots;
	size_t mask;
	size_t count, max_keys;
	uint64_t *koff; /* per id: offset << 24 | len (len < 16 MiB) */
	size_t kcap;
	char *arena;
	size_t alen, acap;
};

int yq_strmap_new(size_t max_keys, struct yq_strmap **out)
{
	struct yq_strmap *m = calloc(1, sizeof(*m));
	if (!m)
		return YQ_ENOMEM;
	m->mask = 1023;
	m->slots = calloc(m->mask + 1, sizeof(*m->slots));
	m->max_keys = max_keys;
	if (!m->slots) {
		free(m);
		return YQ_ENOMEM;
	}
	*out = m;
	return YQ_OK;
}

void yq_strmap_free(struct yq_strmap *m)
{
	if (!m)
		return;
	free(m->slots);
	free(m->koff);
	free(m->arena);
	free(m);
}

const char *yq_strmap_key(const struct yq_strmap *m, uint32_t id, size_t *n)
{
	uint64_t k = m->koff[id];
	*n = (size_t)(k & 0xFFFFFF);
	return m->arena + (k >> 24);
}

size_t yq_strmap_count(const struct yq_strmap *m)
{
	return m->count;
}

static int key_eq(const struct yq_strmap *m, uint32_t id, const char *k, size_t n)
{
	size_t kn;
	const char *kk = yq_strmap_key(m, id, &kn);
	return kn == n && memcmp(kk, k, n) == 0;
}

int64_t yq_strmap_find(const struct yq_strmap *m, const char *k, size_t n)
{
	uint32_t h = (uint32_t)yq_hash64(k, n, 0);
	for (size_t i = h & m->mask;; i = (i + 1) & m->mask) {
		const struct slot *s = &m->slots[i];
		if (!s->id1)
			return -1;
		if (s->hash == h && key_eq(m, s->id1 - 1, k, n))
			return s->id1 - 1;
	}
}

static int grow(struct yq_strmap *m)
{
	size_t nmask = m->mask * 2 + 1;
	struct slot *ns = calloc(nmask + 1, sizeof(*ns));
	if (!ns)
		return YQ_ENOMEM;
	for (size_t i = 0; i <= m->mask; i++) {
		struct slot s = m->slots[i];
		if (!s.id1)
			continue;
		size_t j = s.hash & nmask;
		while (ns[j].id1)
			j = (j + 1) & nmask;
		ns[j] = s;
	}
	free(m->slots);
	m->slots = ns;
	m->mask = nmask;
	return YQ_OK;
}

int64_t yq_strmap_intern(struct yq_strmap *m, const char *k, size_t n, int *added)
{
	if (added)
		*added = 0;
	if (n >= (1u << 24))
		return YQ_ETOOBIG;
	if ((m->count + 1) * 2 > m->mask + 1 && grow(m))
		return YQ_ENOMEM;
	uint32_t h = (uint32_t)yq_hash64(k, n, 0);
	size_t i;
	for (i = h & m->mask; m->slots[i].id1; i = (i + 1) & m->mask)
		if (m->slots[i].hash == h && key_eq(m, m->slots[i].id1 - 1, k, n))
			return m->slots[i].id1 - 1;
	if (m->count >= m->max_keys || m->count >= UINT32_MAX - 1)
		return YQ_ETOOBIG;
	if (m->alen + n > m->acap) {
		size_t cap = m->acap ? m->acap * 2 : 4096;
		while (cap < m->alen + n)
			cap *= 2;
		if (cap >= ((size_t)1 << 40))
			return YQ_ETOOBIG;
		char *a = realloc(m->arena, cap);
		if (!a)
			return YQ_ENOMEM;
		m->arena = a;
		m->acap = cap;
	}
	if (m->count == m->kcap) {
		size_t cap = m->kcap ? m->kcap * 2 : 256;
		uint64_t *ko = realloc(m->koff, cap * sizeof(*ko));
		if (!ko)
			return YQ_ENOMEM;
		m->koff = ko;
		m->kcap = cap;
	}
	memcpy(m->arena + m->alen, k, n);
	uint32_t id = (uint32_t)m->count;
	m->koff[id] = ((uint64_t)m->alen << 24) | n;
	m->alen += n;
	m->count++;
	m->slots[i].hash = h;
	m->slots[i].id1 = id + 1;
	if (added)
		*added = 1;
	return id;
}
