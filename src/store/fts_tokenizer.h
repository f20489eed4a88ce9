/*
 * fts_tokenizer.h — the "yuqing" FTS5 tokenizer: SQLite full-text search
 * over Chinese with our segmenter.
 *
 * Indexing: analysis tokens (tokenize.h) of the text; every Han character is
 * a token at its own position, and a word of two or more Han characters is
 * also emitted colocated (FTS5_TOKEN_COLOCATED) at its first character;
 * Latin words (case-folded), numbers, URLs, #topics# and @mentions are
 * emitted whole, colocated with their first piece (a Han character or a run
 * of letters and digits: "covid-19" → covid, 19), the pieces being positional
 * tokens; punctuation and whitespace are not tokens, but the gap between two
 * pieces is indexed as one gap token (" "), so a phrase never runs across
 * them.  Queries: Han text becomes its characters (and other text its
 * pieces, with gaps where the query has them), so an FTS5 phrase query finds
 * a Chinese word of any length exactly where it occurs as a substring,
 * whatever way the text around it was segmented.
 *
 * SQLite: FTS5 tokenizer API (fts5_api, xCreateTokenizer),
 * https://sqlite.org/fts5.html#custom_tokenizers
 */
#ifndef YQ_FTS_TOKENIZER_H
#define YQ_FTS_TOKENIZER_H

#include <sqlite3.h>

#include "text/segment.h"

/* yq_fts_register: registers tokenizer "yuqing" on db, using seg (borrowed,
 * must outlive db).  Returns 0 or YQ_EDB. */
int yq_fts_register(sqlite3 *db, const struct yq_segmenter *seg);

#endif
