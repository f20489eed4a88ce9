/*
 * dict.c — the segmenter's prefix dictionary: a code-point trie with
 * per-node open-addressing child tables (see dict.h for the layout and
 * invariants).
 *
 * Growth: a child table that would become more than half full is replaced
 * by one twice as large at the end of the slot pool, its nodes move with
 * their data (their own tables stay where they are), and the old run stays
 * behind as unused slots.  A compaction pass after loading was measured and
 * dropped: it gained 4% of cutting speed for 80 ms more load time, which
 * every program start pays.
 *
 * File format (yq_dict_load) follows jieba 0.42.1's gen_pfdict: for each
 * line, strip, split on ' ', FREQ[word] = int(freq), total += freq, each
 * prefix absent from FREQ enters with 0.  A word listed twice keeps its last
 * frequency while both count in total, as in jieba.
 */
#include "text/dict.h"
#include "base/error.h"
#include "base/hugemem.h"
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

static void set_lg(struct yq_dict_node *nd, unsigned lg)
{
	nd->cpf = (nd->cpf & ~(31u << YQ_DICT_LG_SHIFT)) | ((uint32_t)lg << YQ_DICT_LG_SHIFT);
}

/* Reserves a run of 2^lg empty slots at the end of the pool; *at gets its
 * first index. */
static int slots_reserve(struct yq_dict *d, unsigned lg, uint32_t *at)
{
	size_t need = (size_t)1 << lg;
	if (d->nslots + need > YQ_DICT_SLOTS_MAX)
		return YQ_ETOOBIG;
	if (d->nslots + need > d->cap) {
		size_t nc = d->cap ? d->cap : 4096;
		while (nc < d->nslots + need)
			nc *= 2;
		struct yq_dict_node *nn;
		if (d->nodes_huge) { /* moved by yq_dict_finish: back to the heap */
			if (!(nn = malloc(nc * sizeof(*nn))))
				return YQ_ENOMEM;
			memcpy(nn, d->nodes, d->nslots * sizeof(*nn));
			yq_huge_free(d->nodes, d->cap * sizeof(*nn));
			d->nodes_huge = 0;
		} else if (!(nn = realloc(d->nodes, nc * sizeof(*nn)))) {
			return YQ_ENOMEM;
		}
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
	}
	*at = (uint32_t)d->nslots;
	for (size_t i = 0; i < need; i++) {
		d->nodes[d->nslots + i] = (struct yq_dict_node){YQ_DICT_EMPTY, 0, 0.0};
		d->freq[d->nslots + i] = 0;
		d->nkids[d->nslots + i] = 0;
	}
	d->nslots += need;
	return YQ_OK;
}

/* Puts a node for cp into the table of 2^lg slots at pool index at; returns
 * its slot index. */
static uint32_t table_put(struct yq_dict_node *pool, uint32_t at, unsigned lg, uint32_t cp)
{
	uint32_t mask = (1u << lg) - 1, h = slot_hash(cp, lg);
	while (pool[at + h].cpf != YQ_DICT_EMPTY)
		h = (h + 1) & mask;
	return at + h;
}

/* Smallest table size (log2) that keeps n children at most half full. */
static unsigned fit_lg(uint32_t n)
{
	unsigned lg = 1;
	while (((size_t)1 << lg) < (size_t)n * 2)
		lg++;
	return lg;
}

/* Moves the entry of slot from to slot to (in the same pool). */
static inline void move_slot(struct yq_dict *d, uint32_t from, uint32_t to)
{
	d->nodes[to] = d->nodes[from];
	d->freq[to] = d->freq[from];
	d->nkids[to] = d->nkids[from];
}

/* Creates a new node as the child of parent for cp (known to be absent). */
static int add_child(struct yq_dict *d, uint32_t parent, uint32_t cp, uint32_t *out)
{
	int rc;
	if (parent == 0 && cp < 0x10000) { /* the direct region */
		uint32_t id = YQ_DICT_BMP_BASE + cp;
		d->nodes[id] = (struct yq_dict_node){cp, 0, 0.0};
		d->freq[id] = 0;
		d->nkids[id] = 0;
		*out = id;
		return YQ_OK;
	}
	uint32_t nk = d->nkids[parent] + 1;
	unsigned lg = yq_dict_lg(&d->nodes[parent]);
	if (!lg || ((size_t)nk * 2 > ((size_t)1 << lg))) {
		unsigned nlg = fit_lg(nk);
		uint32_t at;
		if ((rc = slots_reserve(d, nlg, &at)))
			return rc;
		uint32_t old = d->nodes[parent].kids;
		for (size_t i = 0; lg && i < ((size_t)1 << lg); i++) {
			uint32_t c = d->nodes[old + i].cpf;
			if (c == YQ_DICT_EMPTY)
				continue;
			uint32_t to = table_put(d->nodes, at, nlg, c & YQ_DICT_CP_MASK);
			move_slot(d, old + (uint32_t)i, to);
			d->nodes[old + i].cpf = YQ_DICT_EMPTY; /* garbage from now on */
		}
		d->nodes[parent].kids = at;
		set_lg(&d->nodes[parent], nlg);
		lg = nlg;
	}
	uint32_t id = table_put(d->nodes, d->nodes[parent].kids, lg, cp);
	d->nodes[id] = (struct yq_dict_node){cp, 0, 0.0};
	d->freq[id] = 0;
	d->nkids[id] = 0;
	d->nkids[parent] = nk;
	*out = id;
	return YQ_OK;
}

int yq_dict_init(struct yq_dict *d)
{
	uint32_t at;
	memset(d, 0, sizeof(*d));
	/* slot 0: the root; then the direct region of its BMP children */
	if (slots_reserve(d, 0, &at) || slots_reserve(d, 16, &at)) {
		yq_dict_release(d);
		return YQ_ENOMEM;
	}
	d->nodes[0] = (struct yq_dict_node){0, 0, 0.0}; /* the root */
	d->logtotal = 0.0;
	return YQ_OK;
}

/* Frees the edge filter (ids may move: yq_dict_finish rebuilds it). */
static void edges_drop(struct yq_dict *d)
{
	if (d->edges)
		yq_huge_free(d->edges, ((size_t)1 << (d->edges_lg - 6)) * sizeof(*d->edges));
	d->edges = NULL;
}

void yq_dict_release(struct yq_dict *d)
{
	if (!d)
		return;
	if (d->nodes_huge)
		yq_huge_free(d->nodes, d->cap * sizeof(*d->nodes));
	else
		free(d->nodes);
	free(d->freq);
	free(d->nkids);
	edges_drop(d);
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
		d->nodes[c].cpf &= ~YQ_DICT_AONLY; /* in FREQ from now on */
		node = c;
	}
	struct yq_dict_node *nd = &d->nodes[node];
	d->nwords += (freq != 0) - (d->freq[node] != 0);
	d->freq[node] = freq;
	if (freq) {
		nd->cpf |= YQ_DICT_WORD;
		nd->lf = log((double)freq);
	} else {
		nd->cpf &= ~YQ_DICT_WORD;
		nd->lf = 0.0;
		if (force && !(nd->cpf & YQ_DICT_FORCE)) {
			nd->cpf |= YQ_DICT_FORCE;
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
	edges_drop(d);
	int rc = set_word(d, cps, n, freq, 1, node);
	if (rc == YQ_OK)
		d->logtotal = log((double)d->total);
	return rc;
}

int yq_dict_add_place(struct yq_dict *d, const uint32_t *cps, size_t n)
{
	if (n == 0 || n > WORD_MAX)
		return YQ_ETOOBIG;
	edges_drop(d);
	uint32_t node = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t c = yq_dict_child(d, node, cps[i]);
		if (!c) {
			int rc = add_child(d, node, cps[i], &c);
			if (rc)
				return rc;
			d->nodes[c].cpf |= YQ_DICT_AONLY;
		}
		node = c;
	}
	if (!(d->nodes[node].cpf & YQ_DICT_FORCE))
		d->nodes[node].cpf |= YQ_DICT_BONUS;
	return YQ_OK;
}

/* ---- file loading ---- */

static int is_ascii_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int yq_dict_next_line(const char *data, size_t len, size_t *pos, size_t *b, size_t *e)
{
	if (*pos >= len)
		return 0;
	const char *nl = memchr(data + *pos, '\n', len - *pos);
	*b = *pos;
	*e = nl ? (size_t)(nl - data) : len;
	*pos = *e + 1;
	while (*b < *e && is_ascii_space((unsigned char)data[*b]))
		(*b)++;
	while (*e > *b && is_ascii_space((unsigned char)data[*e - 1]))
		(*e)--;
	return 1;
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

/* Folds full-width ASCII forms U+FF01..U+FF5E in cps[0..n) to ASCII (what
 * NFKC does to them); 1 if anything changed. */
static int fold_fullwidth(uint32_t *cps, size_t n)
{
	int changed = 0;
	for (size_t i = 0; i < n; i++) {
		if (cps[i] >= 0xFF01 && cps[i] <= 0xFF5E) {
			cps[i] -= 0xFF01 - 0x21;
			changed = 1;
		}
	}
	return changed;
}

int yq_dict_load(struct yq_dict *d, const char *path, struct yq_buf *err)
{
	char *data = NULL;
	size_t len = 0, lineno = 0;
	uint32_t *cps = malloc(WORD_MAX * sizeof(*cps));
	int rc = cps ? read_file(path, &data, &len, err) : YQ_ENOMEM;
	if (rc)
		goto out;
	size_t pos = 0, b, e;
	while (yq_dict_next_line(data, len, &pos, &b, &e)) {
		lineno++;
		if (lineno == 1 && e - b >= 3 && memcmp(data + b, "\xEF\xBB\xBF", 3) == 0)
			b += 3;
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
		if (rc == YQ_OK && fold_fullwidth(cps, n)) {
			uint32_t node = yq_dict_find(d, cps, n);
			if (!node || !d->freq[node])
				rc = set_word(d, cps, n, freq, 0, NULL);
		}
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

/* ---- the edge filter ---- */

int yq_dict_finish(struct yq_dict *d)
{
	size_t nedges = 0;
	unsigned lg = 12;
	d->bonus_lf = d->nwords ? log((double)d->total / (double)d->nwords) : 0.0;
	edges_drop(d);
	for (size_t i = 1; i < d->nslots; i++)
		if (d->nodes[i].cpf != YQ_DICT_EMPTY)
			nedges += d->nkids[i];
	while (lg < 40 && ((size_t)1 << lg) < nedges * 16)
		lg++;
	/* The pool is final now (until a word is added): it moves to memory
	 * backed by huge pages (base/hugemem.h), as the filter is, since the
	 * segmenter reads both at random. */
	if (!d->nodes_huge && d->cap * sizeof(*d->nodes) >= YQ_HUGE_MIN) {
		struct yq_dict_node *nn = yq_huge_alloc(d->cap * sizeof(*nn));
		if (!nn)
			return YQ_ENOMEM;
		memcpy(nn, d->nodes, d->nslots * sizeof(*nn));
		free(d->nodes);
		d->nodes = nn;
		d->nodes_huge = 1;
	}
	uint64_t *bits = yq_huge_alloc(((size_t)1 << (lg - 6)) * sizeof(*bits));
	if (!bits)
		return YQ_ENOMEM;
	d->edges = bits;
	d->edges_lg = lg;
	for (size_t i = 1; i < d->nslots; i++) {
		const struct yq_dict_node *nd = &d->nodes[i];
		unsigned clg = yq_dict_lg(nd);
		if (nd->cpf == YQ_DICT_EMPTY || !clg)
			continue;
		for (size_t k = 0; k < ((size_t)1 << clg); k++) {
			uint32_t c = d->nodes[nd->kids + k].cpf;
			if (c == YQ_DICT_EMPTY)
				continue;
			uint32_t cp = c & YQ_DICT_CP_MASK;
			uint64_t h = ((uint64_t)i * 0x9E3779B97F4A7C15ULL) ^
				     ((uint64_t)cp * 0xC2B2AE3D27D4EB4FULL);
			h = (h * 0xFF51AFD7ED558CCDULL) >> (64 - lg);
			bits[h >> 6] |= 1ULL << (h & 63);
		}
	}
	return YQ_OK;
}
