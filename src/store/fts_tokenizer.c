/*
 * fts_tokenizer.c — the "yuqing" FTS5 tokenizer (see fts_tokenizer.h).
 *
 * Where it sits: SQLite calls it whenever posts_fts indexes a post's
 * normalized text (store.c's yq_store_put_post), parses a MATCH query, or
 * re-reads a document for highlight()/snippet().
 *
 * Design: the text is cut into analysis tokens by yq_tokenize (tokenize.h);
 * punctuation tokens are dropped.  Every other token is split into pieces:
 * each Han character is a piece, each maximal run of other letters and
 * digits is a piece (ASCII case-folded), and everything else (sigils #, @,
 * [ ], inner . - ' etc.) only separates pieces.  The pieces are the
 * positional FTS5 tokens, so the same characters give the same tokens
 * wherever they occur and however their context was segmented.  Whatever
 * lies between two pieces and is not a piece itself (punctuation,
 * whitespace, sigils, invalid bytes) is indexed as one GAP token, so a
 * phrase of pieces matches exactly where its characters are adjacent in the
 * text: a Chinese query finds the posts that contain it as a substring, no
 * more.  With the option "words", when a document is indexed
 * (FTS5_TOKENIZE_DOCUMENT, and FTS5_TOKENIZE_AUX so that highlight() sees
 * the same positions), the whole token (a word of two or more Han
 * characters, a #topic#, an @mention, "[泪]", "3.5万", "covid-19", a URL),
 * case-folded, is also emitted colocated with its first piece; a query
 * emits pieces and gaps only.  A token with no piece at all (a symbol the
 * analysis did not call punctuation) is emitted whole at its own position,
 * in documents and queries alike.
 *
 * Cost (bench/bench_store.c, 100,000 Weibo posts, per CPU second): FTS5's
 * work grows with the number of emitted tokens (about 90 pieces and gaps a
 * post): with the posts table about 25,000 posts/s, and the colocated
 * words take that down to 16,000, hence the option.
 *
 * Offsets: yq_tokenize needs valid UTF-8; text that is not is copied with
 * every invalid byte replaced by a space (same length), so the offsets
 * passed to FTS5 are always offsets into the text FTS5 gave us.
 *
 * Caps: an emitted token is cut to TOKEN_MAX bytes at a character boundary
 * (the same in documents and queries); yq_tokenize refuses text over its
 * own cap (16 MiB), which is reported to SQLite as SQLITE_TOOBIG.
 *
 * Scratch (segmenter work, token array, repair and fold buffers) lives in
 * the Fts5Tokenizer instance, which SQLite uses from one connection, so
 * tokenizing allocates nothing once the buffers have grown.
 *
 * Hint: a caller that has already analysed a text (the pipeline tokenizes
 * every post) sets it with yq_fts_hint; a text FTS5 hands over that is
 * byte-for-byte the hinted one (a memcmp, ~1% of tokenizing it) then uses
 * those tokens, which saves a sixth of indexing time.
 */
#include "store/fts_tokenizer.h"

#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>

#include "base/buf.h"
#include "base/error.h"
#include "base/utf8.h"
#include "text/tokenize.h"

#define TOKEN_MAX 256 /* bytes of one emitted token */
#define NONE SIZE_MAX

/* The gap token: a space, which no piece or whole token can be (yq_tokenize
 * drops whitespace, and pieces are letters, digits and Han characters). */
static const char GAP[] = " ";

typedef int (*token_cb)(void *ctx, int tflags, const char *tok, int ntok,
			int start, int end);

/* The registration context: one per connection, shared by its tokenizer
 * instances, freed by SQLite when the connection closes. */
struct yq_fts_ctx {
	const struct yq_segmenter *seg;
	const char *hint_text;           /* yq_fts_hint, or NULL */
	size_t hint_len;
	const struct yq_tokens *hint_toks;
};

struct tokenizer {
	struct yq_fts_ctx *ctx;
	const struct yq_segmenter *seg;
	int words;               /* option "words" */
	struct yq_seg_work work;
	struct yq_tokens toks;
	struct yq_buf fixed;     /* input with invalid bytes blanked */
	char fold[TOKEN_MAX];    /* a case-folded token */
};

/* One xTokenize call. */
struct emitter {
	struct tokenizer *tk;
	void *ctx;
	token_cb cb;
	const char *text;
	int words;               /* also emit whole tokens (colocated) */
	size_t last_end;         /* end of the last positional token, or NONE */
};

/* ---- character classes ---- */

static int is_han(int32_t c)
{
	return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
	       (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3FFFF) ||
	       c == 0x3007;
}

static int is_alnum(int32_t c)
{
	if (c < 0x80)
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		       (c >= 'A' && c <= 'Z');
	return u_isalnum(c);
}

/* ---- emitting ---- */

/* Emits text[off..off+len) (cut to TOKEN_MAX bytes, ASCII lower-cased);
 * a positional token is preceded by GAP when bytes separate it from the
 * previous one. */
static int emit(struct emitter *e, int tflags, size_t off, size_t len)
{
	const char *p = e->text + off;
	size_t n = len, i;
	int upper = 0, rc;

	if (!(tflags & FTS5_TOKEN_COLOCATED)) {
		if (e->last_end != NONE && off > e->last_end) {
			rc = e->cb(e->ctx, 0, GAP, 1, (int)e->last_end, (int)off);
			if (rc != SQLITE_OK)
				return rc;
		}
		e->last_end = off + len;
	}
	if (n > TOKEN_MAX) {
		n = TOKEN_MAX;
		while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80)
			n--; /* p[n] continues a character: cut before it */
	}
	for (i = 0; i < n; i++)
		if (p[i] >= 'A' && p[i] <= 'Z')
			upper = 1;
	if (upper) {
		for (i = 0; i < n; i++)
			e->tk->fold[i] = (p[i] >= 'A' && p[i] <= 'Z') ? (char)(p[i] + 32) : p[i];
		p = e->tk->fold;
	}
	return e->cb(e->ctx, tflags, p, (int)n, (int)off, (int)(off + len));
}

/* Emits a piece of token t; after its first piece, in a document, the whole
 * token colocated when it is more than that piece. */
static int emit_piece(struct emitter *e, const struct yq_token *t, size_t off,
		      size_t len, int *npieces)
{
	int rc = emit(e, 0, off, len);

	if (rc != SQLITE_OK || (*npieces)++ > 0 || !e->words)
		return rc;
	if (off != t->off || len != t->len)
		rc = emit(e, FTS5_TOKEN_COLOCATED, t->off, t->len);
	return rc;
}

static int emit_token(struct emitter *e, const struct yq_token *t)
{
	size_t i = t->off, end = (size_t)t->off + t->len, run = NONE;
	int npieces = 0, rc = SQLITE_OK;

	while (i < end && rc == SQLITE_OK) {
		size_t at = i;
		int32_t c = yq_utf8_next(e->text, end, &i);

		if (c >= 0 && !is_han(c) && is_alnum(c)) {
			if (run == NONE)
				run = at;
			continue;
		}
		if (run != NONE) {
			rc = emit_piece(e, t, run, at - run, &npieces);
			run = NONE;
		}
		if (rc == SQLITE_OK && c >= 0 && is_han(c))
			rc = emit_piece(e, t, at, i - at, &npieces);
	}
	if (rc == SQLITE_OK && run != NONE)
		rc = emit_piece(e, t, run, end - run, &npieces);
	if (rc == SQLITE_OK && npieces == 0)
		rc = emit(e, 0, t->off, t->len);
	return rc;
}

/* ---- the fts5_tokenizer methods ---- */

static int tk_create(void *ctx, const char **argv, int argc, Fts5Tokenizer **out)
{
	struct tokenizer *tk;

	if (argc > 1 || (argc == 1 && strcmp(argv[0], "words") != 0))
		return SQLITE_ERROR; /* the only option is "words" */
	tk = calloc(1, sizeof *tk);
	if (!tk)
		return SQLITE_NOMEM;
	tk->ctx = ctx;
	tk->seg = tk->ctx->seg;
	tk->words = argc == 1;
	yq_buf_init(&tk->fixed);
	*out = (Fts5Tokenizer *)tk;
	return SQLITE_OK;
}

static void tk_delete(Fts5Tokenizer *p)
{
	struct tokenizer *tk = (struct tokenizer *)p;

	if (!tk)
		return;
	yq_seg_work_release(&tk->work);
	yq_tokens_release(&tk->toks);
	yq_buf_release(&tk->fixed);
	free(tk);
}

/* Copies text to tk->fixed with invalid UTF-8 bytes and NULs blanked. */
static int repair(struct tokenizer *tk, const char *text, size_t n)
{
	size_t i = 0;

	yq_buf_reset(&tk->fixed);
	if (yq_buf_add(&tk->fixed, text, n) < 0)
		return YQ_ENOMEM;
	while (i < n) {
		size_t at = i;
		if (yq_utf8_next(tk->fixed.s, n, &i) <= 0)
			memset(tk->fixed.s + at, ' ', i - at);
	}
	return YQ_OK;
}

static int tk_tokenize(Fts5Tokenizer *p, void *ctx, int flags, const char *text,
		       int ntext, token_cb cb)
{
	struct tokenizer *tk = (struct tokenizer *)p;
	const struct yq_fts_ctx *hc = tk->ctx;
	const struct yq_tokens *toks = &tk->toks;
	struct emitter e = {tk, ctx, cb, text, 0, NONE};
	size_t n = ntext > 0 ? (size_t)ntext : 0;
	int rc = SQLITE_OK, r;

	if (n == 0)
		return SQLITE_OK;
	/* DOCUMENT and AUX read a stored document; QUERY (with or without
	 * PREFIX) reads a MATCH expression. */
	e.words = tk->words && (flags & FTS5_TOKENIZE_QUERY) == 0;
	if (!yq_utf8_valid(text, n) || memchr(text, '\0', n)) {
		if (repair(tk, text, n) < 0)
			return SQLITE_NOMEM;
		e.text = tk->fixed.s;
	} else if (hc->hint_toks && hc->hint_len == n && memcmp(hc->hint_text, text, n) == 0) {
		toks = hc->hint_toks; /* the caller's analysis of this very text */
	}
	if (toks == &tk->toks) {
		r = yq_tokenize(tk->seg, &tk->work, e.text, n, &tk->toks);
		if (r < 0)
			return r == YQ_ETOOBIG ? SQLITE_TOOBIG : SQLITE_NOMEM;
	}
	for (size_t k = 0; k < toks->n && rc == SQLITE_OK; k++) {
		const struct yq_token *t = &toks->v[k];
		if (t->kind != YQ_TOK_PUNCT)
			rc = emit_token(&e, t);
	}
	return rc;
}

/* ---- registration ---- */

int yq_fts_register(sqlite3 *db, const struct yq_segmenter *seg, struct yq_fts_ctx **ctx_out)
{
	fts5_tokenizer methods = {tk_create, tk_delete, tk_tokenize};
	fts5_api *api = NULL;
	sqlite3_stmt *s = NULL;
	struct yq_fts_ctx *c = NULL;
	int ret = YQ_EDB;

	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &s, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_pointer(s, 1, (void *)&api, "fts5_api_ptr", NULL);
	if (sqlite3_step(s) != SQLITE_ROW || !api)
		goto out;
	c = calloc(1, sizeof *c);
	if (!c) {
		ret = YQ_ENOMEM;
		goto out;
	}
	c->seg = seg;
	/* On failure xCreateTokenizer does not call the destructor. */
	if (api->xCreateTokenizer(api, "yuqing", c, &methods, free) != SQLITE_OK) {
		free(c);
		goto out;
	}
	if (ctx_out)
		*ctx_out = c;
	ret = YQ_OK;
out:
	sqlite3_finalize(s);
	return ret;
}

void yq_fts_hint(struct yq_fts_ctx *ctx, const char *text, size_t len,
		 const struct yq_tokens *toks)
{
	ctx->hint_text = toks ? text : NULL;
	ctx->hint_len = toks ? len : 0;
	ctx->hint_toks = toks;
}
