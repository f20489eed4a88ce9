/*
 * fts_tokenizer.h — the "yuqing" FTS5 tokenizer: SQLite full-text search
 * over Chinese with our segmenter.
 *
 * Indexing: analysis tokens (tokenize.h) of the text, split into pieces:
 * every Han character is a token at its own position, and so is every run
 * of letters and digits (Latin case-folded: "COVID-19" → covid, 19);
 * punctuation and whitespace are not tokens, but the gap between two pieces
 * is indexed as one gap token (" "), so a phrase never runs across them.
 * Queries: Han text becomes its characters (and other text its pieces, with
 * gaps where the query has them), so an FTS5 phrase query finds a Chinese
 * word of any length exactly where it occurs as a substring, whatever way
 * the text around it was segmented.
 *
 * Option "words" (tokenize='yuqing words'): documents also index every
 * whole token that is more than one piece (a word of two or more Han
 * characters, a #topic#, an @mention, "[泪]", "3.5万", a URL), case-folded
 * and colocated (FTS5_TOKEN_COLOCATED) with its first piece, for word
 * statistics through fts5vocab.  Queries and their results are the same
 * with or without it; it costs a third of the indexing speed, so posts_fts
 * (store.h) does not use it.
 *
 * SQLite: FTS5 tokenizer API (fts5_api, xCreateTokenizer),
 * https://sqlite.org/fts5.html#custom_tokenizers
 */
#ifndef YQ_FTS_TOKENIZER_H
#define YQ_FTS_TOKENIZER_H

#include <stddef.h>

#include <sqlite3.h>

#include "text/segment.h"
#include "text/tokenize.h"

struct yq_fts_ctx;

/* yq_fts_register: registers tokenizer "yuqing" on db, using seg (borrowed,
 * must outlive db).  *ctx_out (if not NULL) receives the registration's
 * context, owned by db (freed when db closes), for yq_fts_hint.  Returns 0,
 * YQ_EDB or YQ_ENOMEM.  Creating a table with any option other than "words"
 * fails with SQLITE_ERROR. */
int yq_fts_register(sqlite3 *db, const struct yq_segmenter *seg,
		    struct yq_fts_ctx **ctx_out);

/* yq_fts_hint: until the next call, when the tokenizer is given exactly the
 * bytes text[0..len), it uses toks (the yq_tokenize output for that text)
 * instead of tokenizing it again.  text and toks are borrowed: clear the
 * hint (toks NULL) before either changes. */
void yq_fts_hint(struct yq_fts_ctx *ctx, const char *text, size_t len,
		 const struct yq_tokens *toks);

#endif
