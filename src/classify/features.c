/*
 * features.c — hashed sparse features of a text for the linear classifiers;
 * see features.h for the families and docs/classify.md for why each exists.
 *
 * Design: one pass over the tokens marks every byte of the text with its
 * scope bits (NEG: inside a negation scope; CONTRAST: after a contrast word
 * in the same sentence) and emits the token features; one pass over the code
 * points emits the character n-grams, taking family and weight from the mark
 * of the n-gram's first byte.  Features are summed per bucket in an
 * open-addressing table whose slots carry a generation stamp, so a call
 * never clears the table (a short text costs only its own features).
 *
 * Invariants: out->v[0..n) hold distinct buckets; slot[s].gen == gen means
 * slot s is in use by this call and slot[s].pos indexes out->v; a call
 * probes only slots 0..mask (mask + 1 <= nslot, a power of two >= 2 × the
 * most features the text can have).
 *
 * Hashing folds UTF-8 units (see the section below), so the character
 * n-grams ending at a character cost one step each.
 *
 * The word lists (negators, degree adverbs, contrast words) are looked up in
 * a small hash table built once (pthread_once) from the static lists below.
 */
#include "classify/features.h"
#include "base/error.h"
#include "base/hash.h"
#include "base/utf8.h"

#include "base/strmap.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TEXT (16u << 20)

/* ---- word lists ---- */

enum { W_NEG = 1, W_DEG = 2, W_CONTRAST = 4, W_NOTNEG = 8, W_LED = 16 /* 不好: led by 不 */ };

/* Negators: whole tokens that negate what follows.  无 is one only as a
 * token of its own (the segmenter keeps 无语, 无聊, 无论 whole). */
static const char *const negators[] = {
	"不", "没", "没有", "无", "非", "未", "别", "不是", "并非", "并不", "并没有",
	"不要", "不会", "不能", "不可", "不用", "不必", "从不", "从未", "从没", "绝不",
	"决不", "毫不", "毫无", "无法", "未曾", "勿", "莫", "甭", "不太", "不怎么",
	"不大", "没什么", "不够", "难以",
};

/* Degree adverbs: intensity of the word that follows. */
static const char *const degrees[] = {
	"很", "非常", "太", "极", "极其", "极为", "特别", "十分", "超", "超级", "挺",
	"比较", "相当", "最", "更", "更加", "真", "真的", "蛮", "有点", "有些", "稍微",
	"略", "格外", "尤其", "实在", "过于", "颇", "巨", "贼", "简直",
	"绝对", "完全", "一点", "越来越",
};

/* Words that begin with a negator character but negate nothing; jieba
 * splits some of them (无语 → 无/语), so a negator token that forms one of
 * these with the next token is not a negator. */
static const char *const not_negations[] = {
	"无语", "无聊", "无奈", "无比", "无论", "无数", "无限", "无敌", "无非", "无所谓",
	"非常", "非得", "别说", "没准", "不错", "不仅", "不但", "不久", "未来", "不少",
};

/* Contrast: the clause after one carries the writer's point. */
static const char *const contrasts[] = {
	"但是", "但", "可是", "不过", "然而", "却", "只是", "可惜",
};

#define WTAB 256 /* power of two, > 2 × the number of list words */

static struct {
	const char *w[WTAB];
	uint8_t len[WTAB];
	uint8_t kind[WTAB];
} wtab;
static pthread_once_t wtab_once = PTHREAD_ONCE_INIT;

/* wslot: the home slot of s[0..n) (n >= 1): its first and last four bytes
 * (overlapping when shorter) and its length, multiplied together — a
 * token costs two loads and a multiply, not a byte loop. */
static uint32_t wslot(const char *s, size_t n)
{
	uint32_t a = 0, b = 0;
	memcpy(&a, s, n < 4 ? n : 4);
	memcpy(&b, s + (n < 4 ? 0 : n - 4), n < 4 ? n : 4);
	uint64_t h = ((uint64_t)a * 0x9E3779B97F4A7C15ULL) ^ ((uint64_t)b * 0xC2B2AE3D27D4EB4FULL) ^ n;
	return (uint32_t)((h * 0x165667B19E3779F9ULL) >> 56) & (WTAB - 1);
}

static void wtab_add(const char *const *list, size_t n, uint8_t kind)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(list[i]);
		uint32_t s = wslot(list[i], len);
		while (wtab.w[s] && !(wtab.len[s] == len && memcmp(wtab.w[s], list[i], len) == 0))
			s = (s + 1) & (WTAB - 1);
		wtab.w[s] = list[i];
		wtab.len[s] = (uint8_t)len;
		wtab.kind[s] |= kind;
	}
}

static void wtab_build(void)
{
	wtab_add(negators, sizeof(negators) / sizeof(*negators), W_NEG);
	wtab_add(degrees, sizeof(degrees) / sizeof(*degrees), W_DEG);
	wtab_add(contrasts, sizeof(contrasts) / sizeof(*contrasts), W_CONTRAST);
	wtab_add(not_negations, sizeof(not_negations) / sizeof(*not_negations), W_NOTNEG);
}

/* word_kind: the W_* bits of token s[0..n) (0 for most tokens). */
static unsigned word_kind(const char *s, size_t n)
{
	if (n > 12 || n == 0)
		return 0;
	pthread_once(&wtab_once, wtab_build);
	uint32_t i = wslot(s, n);
	while (wtab.w[i]) {
		if (wtab.len[i] == n && memcmp(wtab.w[i], s, n) == 0)
			return wtab.kind[i];
		i = (i + 1) & (WTAB - 1);
	}
	return 0;
}

int yq_feat_is_negator(const char *s, size_t n)
{
	return (word_kind(s, n) & W_NEG) != 0;
}

/* ---- polarity lexicon ---- */

struct yq_lexicon {
	struct yq_strmap *words;
	int8_t *pol;
	size_t cap;
};

int yq_lexicon_new(struct yq_lexicon **out)
{
	struct yq_lexicon *l = calloc(1, sizeof(*l));
	if (!l || yq_strmap_new(YQ_LEXICON_MAX_WORDS, &l->words)) {
		free(l);
		return YQ_ENOMEM;
	}
	*out = l;
	return YQ_OK;
}

void yq_lexicon_free(struct yq_lexicon *l)
{
	if (!l)
		return;
	yq_strmap_free(l->words);
	free(l->pol);
	free(l);
}

int yq_lexicon_add(struct yq_lexicon *l, const char *w, size_t n, int polarity)
{
	if (n == 0 || n > YQ_LEXICON_MAX_WORD)
		return YQ_OK;
	int added;
	int64_t id = yq_strmap_intern(l->words, w, n, &added);
	if (id < 0)
		return (int)id;
	if ((size_t)id >= l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 4096;
		int8_t *p = realloc(l->pol, cap);
		if (!p)
			return YQ_ENOMEM;
		l->pol = p;
		l->cap = cap;
	}
	int8_t v = polarity > 0 ? 1 : polarity < 0 ? -1 : 0;
	l->pol[id] = added ? v : (l->pol[id] == v ? v : 0);
	return YQ_OK;
}

int yq_lexicon_load(struct yq_lexicon *l, const char *path, int polarity, struct yq_buf *err)
{
	int rc = YQ_OK;
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	if (!f) {
		yq_buf_printf(err, "cannot open %s: %s", path, strerror(errno));
		return YQ_EIO;
	}
	while ((got = getline(&line, &cap, f)) > 0) {
		size_t a = 0, b = (size_t)got;
		while (b > a && (line[b - 1] == '\n' || line[b - 1] == '\r' || line[b - 1] == ' ' ||
				 line[b - 1] == '\t'))
			b--;
		while (a < b && (line[a] == ' ' || line[a] == '\t'))
			a++;
		if (b > a && yq_utf8_valid(line + a, b - a) &&
		    (rc = yq_lexicon_add(l, line + a, b - a, polarity)))
			break;
	}
	free(line);
	fclose(f);
	return rc;
}

int yq_lexicon_get(const struct yq_lexicon *l, const char *w, size_t n)
{
	int64_t id = yq_strmap_find(l->words, w, n);
	return id < 0 ? 0 : l->pol[id];
}

size_t yq_lexicon_count(const struct yq_lexicon *l)
{
	return yq_strmap_count(l->words);
}

const char *yq_lexicon_word(const struct yq_lexicon *l, size_t i, size_t *n, int *polarity)
{
	*polarity = l->pol[i];
	return yq_strmap_key(l->words, (uint32_t)i, n);
}

/* ---- hashing ----
 *
 * A feature is a sequence of units, a unit being one UTF-8 sequence as its
 * lead byte says (1–4 bytes, loaded into a u32).  The hash folds the units
 * in order, one multiply–xorshift step each, from a seed per family, and
 * finishes with a multiply–xorshift; the bucket is its low hash_bits bits.
 * Folding units instead of hashing each n-gram's bytes again lets
 * char_features extend the states of the n-grams that end at a character
 * by that character: one step per n-gram. */

static uint64_t fam_seed(enum yq_feat_family fam)
{
	return yq_mix64(0x7971636c66000000ULL + (uint64_t)fam);
}

static inline size_t unit_len(unsigned char c)
{
	return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* unit: the n (1..4) bytes at s as a little-endian u32. */
static inline uint32_t unit(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t v = u[0];
	for (size_t k = 1; k < n; k++)
		v |= (uint32_t)u[k] << (8 * k);
	return v;
}

static inline uint64_t hstep(uint64_t h, uint32_t u)
{
	h = (h ^ u) * 0x9E3779B97F4A7C15ULL;
	return h ^ (h >> 32);
}

static inline uint32_t hfinal(uint64_t h, uint32_t mask)
{
	h *= 0xD6E8FEB86659FD93ULL;
	return (uint32_t)(h ^ (h >> 32)) & mask;
}

uint32_t yq_feat_hash(const struct yq_feat_config *cfg, enum yq_feat_family fam,
		      const char *s, size_t n)
{
	uint64_t h = fam_seed(fam);
	for (size_t i = 0; i < n;) {
		size_t k = unit_len((unsigned char)s[i]);
		if (k > n - i)
			k = n - i;
		h = hstep(h, unit(s + i, k));
		i += k;
	}
	return hfinal(h, (uint32_t)((1ULL << cfg->hash_bits) - 1));
}

int yq_feat_config_check(const struct yq_feat_config *cfg)
{
	if (cfg->hash_bits < YQ_FEAT_MIN_BITS || cfg->hash_bits > YQ_FEAT_MAX_BITS ||
	    cfg->char_max < 1 || cfg->char_max > 4 || !(cfg->contrast_weight >= 1.0f) ||
	    cfg->contrast_weight > 100.0f || !(cfg->word_weight >= 0.1f) ||
	    cfg->word_weight > 10.0f || (cfg->flags & ~127u) || !cfg->flags ||
	    ((cfg->flags & YQ_FEAT_LEXICON) && !cfg->lex))
		return YQ_EINVAL;
	return YQ_OK;
}

/* ---- the bucket table ---- */

void yq_features_release(struct yq_features *f)
{
	if (!f)
		return;
	free(f->v);
	free(f->slot);
	free(f->mark);
	free(f->tkind);
	memset(f, 0, sizeof(*f));
}

/* prepare: room for up to maxf features in v and a table of >= 2 maxf slots. */
static int prepare(struct yq_features *f, size_t maxf)
{
	if (maxf > f->cap) {
		size_t cap = f->cap ? f->cap : 256;
		while (cap < maxf)
			cap *= 2;
		struct yq_feat *v = realloc(f->v, cap * sizeof(*v));
		if (!v)
			return YQ_ENOMEM;
		f->v = v;
		f->cap = cap;
	}
	if (2 * maxf > f->nslot) {
		uint32_t ns = f->nslot ? f->nslot : 512;
		while (ns < 2 * maxf)
			ns *= 2;
		struct yq_feat_slot *g = calloc(ns, sizeof(*g));
		if (!g)
			return YQ_ENOMEM;
		free(f->slot);
		f->slot = g;
		f->nslot = ns;
		f->gen = 0;
	}
	if (++f->gen == 0) { /* wrapped: forget every stamp */
		memset(f->slot, 0, f->nslot * sizeof(*f->slot));
		f->gen = 1;
	}
	/* this call probes only the first 2 maxf slots (rounded up to a power
	 * of two): a short text after a long one stays within a few KiB of
	 * the table instead of scattering over all of it */
	uint32_t used = 512;
	while (used < 2 * maxf)
		used *= 2;
	f->mask = used - 1;
	f->n = 0;
	f->polarity_pos = f->polarity_neg = f->negated_pos = 0;
	return YQ_OK;
}

static inline void add(struct yq_features *f, uint32_t idx, float w)
{
	uint32_t mask = f->mask;
	uint32_t s = (idx * 0x9E3779B1u) & mask;
	for (;;) {
		struct yq_feat_slot *sl = &f->slot[s];
		if (sl->gen != f->gen) {
			sl->gen = f->gen;
			sl->pos = (uint32_t)f->n;
			f->v[f->n].idx = idx;
			f->v[f->n].val = w;
			f->n++;
			if (f->prefetch_base)
				__builtin_prefetch(f->prefetch_base + (size_t)idx * f->prefetch_stride);
			return;
		}
		struct yq_feat *e = &f->v[sl->pos];
		if (e->idx == idx) {
			e->val += w;
			return;
		}
		s = (s + 1) & mask;
	}
}

/* ---- extraction ---- */

enum { M_NEG = 1, M_CONTRAST = 2, M_SKIP = 4 /* a negator of a double negation */ };

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* sentence_end: 1 for punctuation that ends a sentence (。！？!?；;…). */
static int sentence_end(const char *s, size_t n)
{
	if (n == 1)
		return s[0] == '!' || s[0] == '?' || s[0] == ';' || s[0] == '.';
	return n == 3 && (memcmp(s, "。", 3) == 0 || memcmp(s, "！", 3) == 0 ||
			  memcmp(s, "？", 3) == 0 || memcmp(s, "；", 3) == 0 ||
			  memcmp(s, "…", 3) == 0);
}

/* lexicon_feature: LEX+ / LEX- / NEG_LEX+ / NEG_LEX- for a polarity word. */
static void lexicon_feature(const struct yq_feat_config *cfg, struct yq_features *f,
			    const char *s, size_t n, int neg, int dbl, float w)
{
	int p = yq_lexicon_get(cfg->lex, s, n);
	if (!p)
		return;
	if ((p > 0) != (neg != 0)) {
		f->polarity_pos += w;
		if (neg || dbl)
			f->negated_pos += w;
	} else {
		f->polarity_neg += w;
	}
	const char *name = p > 0 ? (neg ? "NEG_LEX+" : "LEX+") : (neg ? "NEG_LEX-" : "LEX-");
	add(f, yq_feat_hash(cfg, YQ_FAM_SPECIAL, name, strlen(name)), w);
}

/* base_kind: the W_* bits of token i, with the negator correction: a
 * negator that forms a non-negating word with the next token (无/语) is
 * none. */
static unsigned base_kind(const char *text, const struct yq_tokens *tk, size_t i)
{
	const struct yq_token *t = &tk->v[i];
	const char *s = text + t->off;
	if (t->kind != YQ_TOK_WORD)
		return 0;
	unsigned wk = word_kind(s, t->len);
	if ((wk & W_NEG) && i + 1 < tk->n && tk->v[i + 1].off == t->off + t->len &&
	    (word_kind(s, t->len + tk->v[i + 1].len) & W_NOTNEG))
		wk &= ~(unsigned)W_NEG;
	return wk;
}

/* with_led: inside an open scope a word led by 不/没 (不好, 不满) negates
 * again. */
static unsigned with_led(unsigned wk, const char *text, const struct yq_token *t, int open)
{
	const char *s = text + t->off;
	if (open && t->kind == YQ_TOK_WORD && t->len > 3 && !(wk & W_NEG) &&
	    (memcmp(s, "不", 3) == 0 || memcmp(s, "没", 3) == 0))
		wk |= W_NEG | W_LED;
	return wk;
}

/* token_kinds: f->tkind[i] = base_kind of every token; with YQ_FEAT_NEG
 * also marks M_SKIP on the two negators of every double negation in a
 * clause (不是…不, 并非…不, 不是…不好: only the 不 of a 不-led word), so
 * that 不是不好 reads as 好: the negators give no features and open no
 * scope. */
static void token_kinds(const struct yq_feat_config *cfg, const char *text,
			const struct yq_tokens *tk, struct yq_features *f)
{
	size_t open = SIZE_MAX;
	uint32_t prev_end = 0;
	uint8_t *mark = f->mark;
	for (size_t i = 0; i < tk->n; i++) {
		const struct yq_token *t = &tk->v[i];
		f->tkind[i] = (uint8_t)base_kind(text, tk, i);
		if (!(cfg->flags & YQ_FEAT_NEG))
			continue;
		if (t->off > prev_end || t->kind == YQ_TOK_PUNCT)
			open = SIZE_MAX;
		prev_end = t->off + t->len;
		if (t->kind == YQ_TOK_PUNCT)
			continue;
		unsigned wk = with_led(f->tkind[i], text, t, open != SIZE_MAX);
		if ((wk & W_CONTRAST) && (cfg->flags & YQ_FEAT_CONTRAST)) {
			open = SIZE_MAX;
			continue;
		}
		if (!(wk & W_NEG))
			continue;
		if (open == SIZE_MAX) {
			open = i;
			continue;
		}
		memset(mark + tk->v[open].off, M_SKIP, tk->v[open].len);
		memset(mark + t->off, M_SKIP, (wk & W_LED) ? 3 : t->len);
		open = SIZE_MAX;
	}
}

static void token_features(const struct yq_feat_config *cfg, const char *text,
			   const struct yq_tokens *tk, struct yq_features *f)
{
	const uint32_t fl = cfg->flags;
	const uint32_t mask = (uint32_t)((1ULL << cfg->hash_bits) - 1);
	const uint64_t s_word2 = fam_seed(YQ_FAM_WORD2);
	int neg = 0, contrast = 0, prev_deg = 0;
	int dbl = 0; /* a double negation was cancelled earlier in this clause */
	uint64_t prev_h = 0; /* hash of the previous word in this clause, 0: none */
	uint32_t prev_end = 0;
	for (size_t i = 0; i < tk->n; i++) {
		const struct yq_token *t = &tk->v[i];
		const char *s = text + t->off;
		if (t->off > prev_end) { /* whitespace between: a clause boundary */
			neg = 0;
			dbl = 0;
			prev_h = 0;
			prev_deg = 0;
		}
		prev_end = t->off + t->len;
		if (t->kind == YQ_TOK_PUNCT) {
			neg = 0;
			dbl = 0;
			prev_h = 0;
			prev_deg = 0;
			if (sentence_end(s, t->len))
				contrast = 0;
			memset(f->mark + t->off, contrast ? M_CONTRAST : 0, t->len);
			continue;
		}
		float w = (contrast ? cfg->contrast_weight : 1.0f) * cfg->word_weight;
		const uint8_t cm = contrast ? M_CONTRAST : 0;
		if (f->mark[t->off] & M_SKIP) { /* a negator of a double negation */
			if (f->mark[t->off + t->len - 1] & M_SKIP) {
				add(f, yq_feat_hash(cfg, YQ_FAM_SPECIAL, "DBLNEG", 6), w);
				memset(f->mark + t->off, M_SKIP | cm, t->len);
				dbl = 1;
				prev_h = 0;
				prev_deg = 0;
				continue;
			}
			/* 不好 → 好: the rest of the word, plain */
			f->mark[t->off] |= cm;
			f->mark[t->off + 1] |= cm;
			f->mark[t->off + 2] |= cm;
			s += 3;
			memset(f->mark + t->off + 3, cm, t->len - 3);
			add(f, yq_feat_hash(cfg, YQ_FAM_SPECIAL, "DBLNEG", 6), w);
			dbl = 1;
			if (fl & YQ_FEAT_WORD)
				add(f, yq_feat_hash(cfg, YQ_FAM_WORD, s, t->len - 3), w);
			/* polarity: the whole word negated (不是 [不好]) if the
			 * lexicon has it, else the rest after a double negation */
			if ((fl & YQ_FEAT_LEXICON) && yq_lexicon_get(cfg->lex, s - 3, t->len))
				lexicon_feature(cfg, f, s - 3, t->len, 1, 0, w);
			else if (fl & YQ_FEAT_LEXICON)
				lexicon_feature(cfg, f, s, t->len - 3, 0, 1, w);
			prev_h = 0;
			prev_deg = 0;
			continue;
		}
		unsigned wk = with_led(f->tkind[i], text, t, neg);
		memset(f->mark + t->off, (neg ? M_NEG : 0) | cm, t->len);
		if (fl & YQ_FEAT_WORD)
			add(f, yq_feat_hash(cfg, neg ? YQ_FAM_NEG_WORD : YQ_FAM_WORD, s, t->len), w);
		if ((fl & YQ_FEAT_LEXICON) && t->kind == YQ_TOK_WORD)
			lexicon_feature(cfg, f, s, t->len, neg, dbl, w);
		if (fl & YQ_FEAT_WORD2) {
			if (prev_h)
				add(f, (uint32_t)(yq_hash64(s, t->len, prev_h) & mask), w);
			prev_h = yq_hash64(s, t->len, s_word2) | 1;
		}
		if ((fl & YQ_FEAT_DEGREE) && prev_deg && t->kind == YQ_TOK_WORD && !(wk & W_DEG))
			add(f, yq_feat_hash(cfg, neg ? YQ_FAM_DEG_NEG : YQ_FAM_DEG, s, t->len), w);
		prev_deg = (wk & W_DEG) != 0;
		if ((fl & YQ_FEAT_NEG) && (wk & W_NEG))
			neg = !neg;
		if ((fl & YQ_FEAT_CONTRAST) && (wk & W_CONTRAST)) {
			contrast = 1;
			neg = 0;
		}
	}
}

static void char_features(const struct yq_feat_config *cfg, const char *text, size_t len,
			  const uint8_t *mark, struct yq_features *f)
{
	/* the n-grams that end at the current character: the one starting k
	 * characters back has hash state h[k] and weight w[k] */
	uint64_t h[4];
	float w[4];
	unsigned have = 0;
	const unsigned cmax = cfg->char_max;
	const uint32_t mask = (uint32_t)((1ULL << cfg->hash_bits) - 1);
	const uint64_t s_char = fam_seed(YQ_FAM_CHAR), s_neg = fam_seed(YQ_FAM_NEG_CHAR);
	const float cw = cfg->contrast_weight;
	size_t i = 0;
	while (i < len) {
		size_t at = i;
		unsigned char c = (unsigned char)text[i];
		if (is_space(c)) {
			i++;
			have = 0;
			continue;
		}
		size_t k = unit_len(c);
		if (k > len - i)
			k = len - i;
		i += k;
		uint8_t m = mark ? mark[at] : 0;
		if (m & M_SKIP) { /* no n-gram spans a cancelled negator */
			have = 0;
			continue;
		}
		if (have == cmax)
			have--;
		for (unsigned j = have; j > 0; j--) { /* age the windows by one */
			h[j] = h[j - 1];
			w[j] = w[j - 1];
		}
		h[0] = (m & M_NEG) ? s_neg : s_char;
		w[0] = (m & M_CONTRAST) ? cw : 1.0f;
		have++;
		uint32_t u = unit(text + at, k);
		for (unsigned j = 0; j < have; j++) {
			h[j] = hstep(h[j], u);
			add(f, hfinal(h[j], mask), w[j]);
		}
	}
}

int yq_features_extract(const struct yq_feat_config *cfg, const char *text, size_t len,
			const struct yq_tokens *tokens, struct yq_features *out)
{
	if (len > MAX_TEXT)
		return YQ_ETOOBIG;
	size_t ntok = tokens ? tokens->n : 0;
	size_t maxf = ((cfg->flags & YQ_FEAT_CHAR) ? cfg->char_max * len : 0) + 4 * ntok + 2;
	if (prepare(out, maxf))
		return YQ_ENOMEM;
	uint8_t *mark = NULL;
	if (tokens) {
		if (len > out->mark_cap) {
			size_t cap = out->mark_cap ? out->mark_cap : 1024;
			while (cap < len)
				cap *= 2;
			uint8_t *m = realloc(out->mark, cap);
			if (!m)
				return YQ_ENOMEM;
			out->mark = m;
			out->mark_cap = cap;
		}
		mark = out->mark;
		memset(mark, 0, len);
		if (tokens->n > out->tkind_cap) {
			size_t cap = out->tkind_cap ? out->tkind_cap : 256;
			while (cap < tokens->n)
				cap *= 2;
			uint8_t *k = realloc(out->tkind, cap);
			if (!k)
				return YQ_ENOMEM;
			out->tkind = k;
			out->tkind_cap = cap;
		}
		token_kinds(cfg, text, tokens, out);
		token_features(cfg, text, tokens, out);
	}
	if (cfg->flags & YQ_FEAT_CHAR)
		char_features(cfg, text, len, mark, out);
	return YQ_OK;
}
