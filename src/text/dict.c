/*
 * dict.c — the segmenter's prefix dictionary: a code-point trie with
 * per-node open-addressing child tables (see dict.h for the layout and
 * invariants).
 *
 * Growth: a child table that would become more than half full is replaced
 * by one twice as large at the end of the slot pool; the old run becomes
 * garbage until yq_dict_compact() rebuilds the pool (and renumbers the nodes
 * breadth-first, so the short prefixes the walk touches most sit together).
 *
 * File format (yq_dict_load) follows jieba 0.42.1's gen_pfdict: for each
 * line, strip, split on ' ', FREQ[word] = int(freq), total += freq, each
 * prefix absent from FREQ enters with 0.  A word listed twice keeps its last
 * frequency while both count in total, as in jieba.
 */
#include "text/dict.h"
#include "base/error.h"
#include "base/utf8.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WORD_MAX 1024 /* code points in one dictionary word */
#define TOTAL_MAX (1ULL << 53)

/* ---- nodes and child tables ---- */

static uint32_t slot_hash(uint32_t cp, unsigned lg)
{
	return (cp * 0x9E3779B1u) >> (32 - lg);
}

static int grow_nodes(struct yq_dict *d)
{
	if (d->n < d->cap)
		return YQ_OK;
	if (d->cap >= YQ_DICT_NODES_MAX)
		return YQ_ETOOBIG;
	size_t nc = d->cap ? d->cap * 2 : 1024;
	struct yq_dict_node *nn = realloc(d->nodes, nc * sizeof(*nn));
	if (!nn)
		return YQ_ENOMEM;
	d->nodes = nn;
	uint64_t *nf = realloc(d->freq, nc * sizeof(*nf));
	if (!nf)
		return YQ_ENOMEM;
	d->freq = nf;
	uint32_t *nk = realloc(d->nkids, nc * sizeof(*nk));
	if (!nk)
		return YQ_ENOMEM;
	d->nkids = nk;
	d->cap = nc;
	return YQ_OK;
}

/* Reserves a run of 2^lg empty slots at the end of the pool; *at gets its
 * first index. */
static int slots_reserve(struct yq_dict *d, unsigned lg, uint32_t *at)
{
	size_t need = (size_t)1 << lg;
	if (d->nslots + need > UINT32_MAX)
		return YQ_ETOOBIG;
	if (d->nslots + need > d->capslots) {
		size_t nc = d->capslots ? d->capslots : 4096;
		while (nc < d->nslots + need)
			nc *= 2;
		struct yq_dict_slot *ns = realloc(d->slots, nc * sizeof(*ns));
		if (!ns)
			return YQ_ENOMEM;
		d->slots = ns;
		d->capslots = nc;
	}
	*at = (uint32_t)d->nslots;
	for (size_t i = 0; i < need; i++)
		d->slots[d->nslots + i] = (struct yq_dict_slot){YQ_DICT_EMPTY, 0};
	d->nslots += need;
	return YQ_OK;
}

static void table_put(struct yq_dict_slot *t, unsigned lg, uint32_t cp, uint32_t child)
{
	uint32_t mask = (1u << lg) - 1, h = slot_hash(cp, lg);
	while (t[h].cp != YQ_DICT_EMPTY)
		h = (h + 1) & mask;
	t[h].cp = cp;
	t[h].child = child;
}

/* Smallest table size (log2) that keeps n children at most half full. */
static unsigned fit_lg(uint32_t n)
{
	unsigned lg = 1;
	while (((size_t)1 << lg) < (size_t)n * 2)
		lg++;
	return lg;
}

/* Creates a new node as the child of parent for cp (known to be absent). */
static int add_child(struct yq_dict *d, uint32_t parent, uint32_t cp, uint32_t *out)
{
	int rc = grow_nodes(d);
	if (rc)
		return rc;
	uint32_t id = (uint32_t)d->n;
	uint32_t nk = d->nkids[parent] + 1;
	struct yq_dict_node *p = &d->nodes[parent];
	if (!p->lg || ((size_t)nk * 2 > ((size_t)1 << p->lg))) {
		unsigned lg = fit_lg(nk);
		uint32_t at;
		rc = slots_reserve(d, lg, &at);
		if (rc)
			return rc;
		p = &d->nodes[parent];
		if (p->lg) {
			const struct yq_dict_slot *old = d->slots + p->kids;
			for (size_t i = 0; i < ((size_t)1 << p->lg); i++)
				if (old[i].cp != YQ_DICT_EMPTY)
					table_put(d->slots + at, lg, old[i].cp, old[i].child);
		}
		p->kids = at;
		p->lg = (uint8_t)lg;
	}
	table_put(d->slots + p->kids, p->lg, cp, id);
	d->nkids[parent] = nk;
	d->nodes[id] = (struct yq_dict_node){0, 0, 0, 0, 0.0};
	d->freq[id] = 0;
	d->nkids[id] = 0;
	d->n++;
	if (parent == 0 && cp < 0x10000)
		d->root_bmp[cp] = id;
	*out = id;
	return YQ_OK;
}

int yq_dict_init(struct yq_dict *d)
{
	memset(d, 0, sizeof(*d));
	d->root_bmp = calloc(0x10000, sizeof(*d->root_bmp));
	if (!d->root_bmp || grow_nodes(d)) {
		yq_dict_release(d);
		return YQ_ENOMEM;
	}
	d->nodes[0] = (struct yq_dict_node){0, 0, 0, 0, 0.0};
	d->freq[0] = 0;
	d->nkids[0] = 0;
	d->n = 1;
	d->logtotal = 0.0;
	return YQ_OK;
}

void yq_dict_release(struct yq_dict *d)
{
	if (!d)
		return;
	free(d->nodes);
	free(d->freq);
	free(d->nkids);
	free(d->slots);
	free(d->root_bmp);
	memset(d, 0, sizeof(*d));
}

uint32_t yq_dict_find(const struct yq_dict *d, const uint32_t *cps, size_t n)
{
	uint32_t node = 0;
	for (size_t i = 0; i < n; i++) {
		node = yq_dict_child(d, node, cps[i]);
		if (!node)
			return 0;
	}
	return node;
}

/* Sets FREQ[word] = freq (creating it and its prefixes); force marks a
 * zero-frequency word as jieba's add_word does.  total is updated, logtotal
 * is left to the caller. */
static int set_word(struct yq_dict *d, const uint32_t *cps, size_t n, uint64_t freq,
		    int force, uint32_t *out)
{
	if (freq > YQ_DICT_FREQ_MAX || d->total + freq > TOTAL_MAX)
		return YQ_ETOOBIG;
	uint32_t node = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t c = yq_dict_child(d, node, cps[i]);
		if (!c) {
			int rc = add_child(d, node, cps[i], &c);
			if (rc)
				return rc;
		}
		node = c;
	}
	struct yq_dict_node *nd = &d->nodes[node];
	d->freq[node] = freq;
	if (freq) {
		nd->flags |= YQ_DICT_WORD;
		nd->lf = log((double)freq);
	} else {
		nd->flags &= (uint8_t)~YQ_DICT_WORD;
		nd->lf = 0.0;
		if (force && !(nd->flags & YQ_DICT_FORCE)) {
			nd->flags |= YQ_DICT_FORCE;
			d->nforce++;
		}
	}
	d->total += freq;
	if (out)
		*out = node;
	return YQ_OK;
}

int yq_dict_add(struct yq_dict *d, const uint32_t *cps, size_t n, uint64_t freq,
		uint32_t *node)
{
	if (n == 0 || n > WORD_MAX)
		return YQ_ETOOBIG;
	int rc = set_word(d, cps, n, freq, 1, node);
	if (rc == YQ_OK)
		d->logtotal = log((double)d->total);
	return rc;
}

/* ---- file loading ---- */

static int is_ascii_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Reads a whole file (at most YQ_DICT_FILE_MAX bytes) into a malloc'd
 * buffer. */
static int read_file(const char *path, char **out, size_t *len, struct yq_buf *err)
{
	int rc = YQ_OK;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	FILE *f = fopen(path, "rb");
	if (!f) {
		yq_buf_printf(err, "%s: %s", path, strerror(errno));
		return YQ_EIO;
	}
	for (;;) {
		if (cap - n < 65536) {
			size_t nc = cap ? cap * 2 : (1u << 20);
			if (nc > (size_t)YQ_DICT_FILE_MAX + 65536)
				nc = (size_t)YQ_DICT_FILE_MAX + 65536;
			if (nc <= cap) {
				yq_buf_printf(err, "%s: larger than %u MiB", path, YQ_DICT_FILE_MAX >> 20);
				rc = YQ_ETOOBIG;
				goto out;
			}
			char *nb = realloc(buf, nc);
			if (!nb) {
				rc = YQ_ENOMEM;
				goto out;
			}
			buf = nb;
			cap = nc;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n > YQ_DICT_FILE_MAX) {
			yq_buf_printf(err, "%s: larger than %u MiB", path, YQ_DICT_FILE_MAX >> 20);
			rc = YQ_ETOOBIG;
			goto out;
		}
		if (got == 0) {
			if (ferror(f)) {
				yq_buf_printf(err, "%s: %s", path, strerror(errno));
				rc = YQ_EIO;
			}
			break;
		}
	}
out:
	fclose(f);
	if (rc) {
		free(buf);
		return rc;
	}
	*out = buf;
	*len = n;
	return YQ_OK;
}

int yq_dict_read_file(const char *path, char **out, size_t *len, struct yq_buf *err)
{
	return read_file(path, out, len, err);
}

int yq_dict_load(struct yq_dict *d, const char *path, struct yq_buf *err)
{
	char *data = NULL;
	size_t len = 0, lineno = 0;
	uint32_t *cps = malloc(WORD_MAX * sizeof(*cps));
	int rc = cps ? read_file(path, &data, &len, err) : YQ_ENOMEM;
	if (rc)
		goto out;
	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t b = pos, e = nl ? (size_t)(nl - data) : len;
		pos = e + 1;
		lineno++;
		if (lineno == 1 && e - b >= 3 && memcmp(data + b, "\xEF\xBB\xBF", 3) == 0)
			b += 3;
		while (b < e && is_ascii_space((unsigned char)data[b]))
			b++;
		while (e > b && is_ascii_space((unsigned char)data[e - 1]))
			e--;
		if (b == e)
			continue;
		if (!yq_utf8_valid(data + b, e - b)) {
			yq_buf_printf(err, "%s:%zu: not UTF-8", path, lineno);
			rc = YQ_EFORMAT;
			goto out;
		}
		const char *sp = memchr(data + b, ' ', e - b);
		size_t we = sp ? (size_t)(sp - data) : e;
		uint64_t freq = YQ_DICT_DEFAULT_FREQ;
		if (sp) {
			size_t fb = we + 1, fe = fb;
			while (fe < e && data[fe] != ' ')
				fe++;
			if (fe == fb) {
				yq_buf_printf(err, "%s:%zu: empty frequency", path, lineno);
				rc = YQ_EFORMAT;
				goto out;
			}
			freq = 0;
			for (size_t i = fb; i < fe; i++) {
				unsigned c = (unsigned char)data[i];
				if (c < '0' || c > '9' || freq > YQ_DICT_FREQ_MAX) {
					yq_buf_printf(err, "%s:%zu: bad frequency", path, lineno);
					rc = YQ_EFORMAT;
					goto out;
				}
				freq = freq * 10 + (c - '0');
			}
			if (freq > YQ_DICT_FREQ_MAX) {
				yq_buf_printf(err, "%s:%zu: frequency too large", path, lineno);
				rc = YQ_EFORMAT;
				goto out;
			}
		}
		size_t n = 0;
		for (size_t i = b; i < we;) {
			if (n == WORD_MAX) {
				yq_buf_printf(err, "%s:%zu: word longer than %d characters", path,
					      lineno, WORD_MAX);
				rc = YQ_EFORMAT;
				goto out;
			}
			cps[n++] = (uint32_t)yq_utf8_next(data, we, &i);
		}
		rc = set_word(d, cps, n, freq, 0, NULL);
		if (rc) {
			yq_buf_printf(err, "%s:%zu: %s", path, lineno, yq_strerror(rc));
			goto out;
		}
	}
	d->logtotal = log((double)d->total);
out:
	free(data);
	free(cps);
	return rc;
}

/* ---- compaction ---- */

int yq_dict_compact(struct yq_dict *d)
{
	int rc = YQ_ENOMEM;
	size_t n = d->n;
	uint32_t *order = malloc(n * sizeof(*order));
	uint32_t *newid = malloc(n * sizeof(*newid));
	struct yq_dict_node *nodes = malloc(n * sizeof(*nodes));
	uint64_t *freq = malloc(n * sizeof(*freq));
	uint32_t *nkids = malloc(n * sizeof(*nkids));
	struct yq_dict_slot *slots = NULL;
	size_t nslots = 0;
	if (!order || !newid || !nodes || !freq || !nkids)
		goto out;
	/* breadth-first order of the old ids */
	size_t head = 0, tail = 0;
	order[tail++] = 0;
	while (head < tail) {
		uint32_t id = order[head++];
		const struct yq_dict_node *nd = &d->nodes[id];
		if (!nd->lg)
			continue;
		for (size_t i = 0; i < ((size_t)1 << nd->lg); i++)
			if (d->slots[nd->kids + i].cp != YQ_DICT_EMPTY)
				order[tail++] = d->slots[nd->kids + i].child;
	}
	for (size_t i = 0; i < n; i++)
		newid[order[i]] = (uint32_t)i;
	for (size_t i = 0; i < n; i++)
		if (d->nkids[order[i]])
			nslots += (size_t)1 << fit_lg(d->nkids[order[i]]);
	slots = malloc((nslots ? nslots : 1) * sizeof(*slots));
	if (!slots)
		goto out;
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t old = order[i];
		const struct yq_dict_node *od = &d->nodes[old];
		nodes[i] = *od;
		freq[i] = d->freq[old];
		nkids[i] = d->nkids[old];
		if (!nkids[i]) {
			nodes[i].lg = 0;
			nodes[i].kids = 0;
			continue;
		}
		unsigned lg = fit_lg(nkids[i]);
		nodes[i].lg = (uint8_t)lg;
		nodes[i].kids = (uint32_t)at;
		for (size_t k = 0; k < ((size_t)1 << lg); k++)
			slots[at + k] = (struct yq_dict_slot){YQ_DICT_EMPTY, 0};
		for (size_t k = 0; k < ((size_t)1 << od->lg); k++) {
			const struct yq_dict_slot *s = &d->slots[od->kids + k];
			if (s->cp != YQ_DICT_EMPTY)
				table_put(slots + at, lg, s->cp, newid[s->child]);
		}
		at += (size_t)1 << lg;
	}
	for (size_t c = 0; c < 0x10000; c++)
		if (d->root_bmp[c])
			d->root_bmp[c] = newid[d->root_bmp[c]];
	free(d->nodes);
	free(d->freq);
	free(d->nkids);
	free(d->slots);
	d->nodes = nodes;
	d->freq = freq;
	d->nkids = nkids;
	d->cap = n;
	d->slots = slots;
	d->nslots = d->capslots = nslots;
	nodes = NULL;
	freq = NULL;
	nkids = NULL;
	slots = NULL;
	rc = YQ_OK;
out:
	free(order);
	free(newid);
	free(nodes);
	free(freq);
	free(nkids);
	free(slots);
	return rc;
}
