/*
 * segment.h — jieba-compatible Chinese word segmentation.
 *
 * Algorithm (jieba 0.42.1, Sun Junyi, MIT; the reference implementation is
 * Debian's python3-jieba): a prefix dictionary gives, for every position of a
 * sentence, the dictionary words that start there (the DAG); dynamic
 * programming from the right picks the route of maximum total log
 * probability log(freq(w)/total); runs of single characters that are not a
 * dictionary word are re-segmented by an HMM over the states B/M/E/S decoded
 * with Viterbi (jieba's finalseg).  Input is split into blocks as jieba does
 * (re_han / re_skip), so the default output is token-for-token jieba's.
 *
 * Data: the dictionary (dict.txt: "word freq [pos]" a line) and the HMM
 * parameters (finalseg/prob_{start,trans,emit}.py) are read from the jieba
 * directory at load time: $YQ_JIEBA_DIR, else the build's default
 * (Debian: /usr/lib/python3/dist-packages/jieba).
 *
 * Threads: a struct yq_segmenter is immutable after yq_segmenter_new() and
 * may be shared by any number of threads; all per-call scratch lives in a
 * struct yq_seg_work owned by one thread.
 */
#ifndef YQ_SEGMENT_H
#define YQ_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

struct yq_segmenter;

/* A token: bytes text[off .. off+len) of the segmented input. */
struct yq_span {
	uint32_t off;
	uint32_t len;
};

/* A growable array of spans; zero-initialize, release with yq_spans_release. */
struct yq_spans {
	struct yq_span *v;
	size_t n;
	size_t cap;
};

void yq_spans_release(struct yq_spans *s);
/* Appends one span; 0 or YQ_ENOMEM. */
int yq_spans_push(struct yq_spans *s, uint32_t off, uint32_t len);

struct yq_seg_config {
	const char *dict_path;   /* main dictionary; NULL: <jieba dir>/dict.txt */
	const char *hmm_dir;     /* NULL: <jieba dir>/finalseg */
	const char *const *user_dicts; /* extra "word [freq] [pos]" files */
	size_t n_user_dicts;
	const char *gazetteer;   /* place-name directory (gazetteer_cn); NULL: none */
};

/* yq_jieba_dir: $YQ_JIEBA_DIR if set, else the compiled-in default. */
const char *yq_jieba_dir(void);

/*
 * yq_gazetteer_dir: where the place names are by default: $YQ_GAZETTEER if
 * set (the empty string means none: NULL), else $YQ_DATA/gazetteer_cn if
 * YQ_DATA is set, else "../shared/data/gazetteer_cn" relative to the working
 * directory (the project root, where the README runs the program).  The
 * string may live in path (reset and reused).  NULL and a note in note
 * ("no gazetteer at DIR ...") when the directory has no readable areas.csv;
 * NULL without a note when YQ_GAZETTEER is empty.
 */
const char *yq_gazetteer_dir(struct yq_buf *path, struct yq_buf *note);

/*
 * yq_segmenter_new_analysis: the pipeline's segmenter: jieba's dictionary
 * and HMM plus the place names of yq_gazetteer_dir() (when it finds none,
 * note says so and the segmenter has none).  Errors as yq_segmenter_new.
 */
int yq_segmenter_new_analysis(struct yq_segmenter **out, struct yq_buf *err,
			      struct yq_buf *note);

/*
 * yq_segmenter_new: loads the dictionaries and HMM, then the place names.
 * cfg may be NULL (all defaults, no place names).
 *
 * User-dictionary words enter jieba's dictionary as load_userdict does; in
 * analysis mode (YQ_SEG_ANALYSIS) they also get the place-word bonus.  Place
 * names come from cfg->gazetteer's provinces.csv, cities.csv, areas.csv and
 * streets.csv (code,"name",...): a parenthesised part is dropped, a final
 * 办事处 too ("漓东街道办事处" -> "漓东街道"), and names of fewer than 3
 * characters ("和县": its first character is too often a word of its own),
 * with a character outside U+4E00..U+9FD5, or containing 直辖 / equal to
 * 市辖区 are skipped.  An autonomous prefecture, county or banner also
 * enters in its short form, ethnic names and 自治 dropped (恩施土家族苗族
 * 自治州 -> 恩施州, 长阳土家族自治县 -> 长阳县), when the stem has 2 or more
 * characters.  They are seen by analysis mode only: the jieba modes,
 * and total, are exactly as without them.  On success *out owns the segmenter (free with
 * yq_segmenter_free).  Errors: YQ_EIO (a file cannot be read), YQ_EFORMAT
 * (a malformed file; err gets "path:line: what"), YQ_ENOMEM.
 */
int yq_segmenter_new(const struct yq_seg_config *cfg, struct yq_segmenter **out,
		     struct yq_buf *err);
void yq_segmenter_free(struct yq_segmenter *s);

/*
 * yq_segmenter_freq: the dictionary frequency of the word w[0..n) (UTF-8),
 * or 0 when w is not a dictionary word (prefix-only entries count as 0, as in
 * jieba's FREQ).
 */
uint64_t yq_segmenter_freq(const struct yq_segmenter *s, const char *w, size_t n);

/* Per-thread scratch for yq_segment_cut; zero-initialize, then release.  It
 * grows to about 20 bytes per input byte of the longest text cut so far and
 * is reused, so steady-state calls do not allocate. */
struct yq_seg_work {
	void *priv;
};
void yq_seg_work_release(struct yq_seg_work *w);

enum {
	YQ_SEG_HMM = 1, /* recognise unknown words with the HMM (jieba's HMM=True) */
	/* Analysis mode: a user-dictionary or place word counts at least as
	 * often as the dictionary's average word (frequency total/words, 172
	 * for jieba's dict.txt), so a place name jieba does not know is not
	 * eaten by a common word across its boundary (赶到达茂旗: 赶到 达茂旗,
	 * not 赶 到达 茂 旗), while a clearly better split of known words still
	 * wins (上海城市 stays 上海 城市 beside the county-level city 海城市).
	 * Not jieba. */
	YQ_SEG_ANALYSIS = 2,
};

/*
 * yq_segmenter_special: for the analysis tokenizer, the byte length of the
 * longest user-dictionary word starting at byte i of text[0..len) that has
 * a character outside U+4E00..U+9FD5 ("SK-II", "C罗": words the jieba blocks
 * cannot hold whole), or 0.  A match never begins or ends inside a run of
 * [A-Za-z0-9]: "ces" is not found in "license".  Words whose first
 * character is outside the BMP are not looked for.  Costs a bitmap test when
 * the code point at i begins no such word.
 */
size_t yq_segmenter_special(const struct yq_segmenter *s, const char *text, size_t len,
			    size_t i);

/*
 * yq_segmenter_special_starts: the bitmap behind yq_segmenter_special's
 * first test (bit cp % 64 of word cp / 64 set when a special user word may
 * begin with the BMP code point cp), owned by s, or NULL when s has no
 * special words; a caller that scans every position tests the bit before
 * calling yq_segmenter_special.
 */
const uint64_t *yq_segmenter_special_starts(const struct yq_segmenter *s);

/*
 * yq_segment_cut: segments text[0..len) (valid UTF-8) exactly as
 * jieba.cut(text, HMM=flags&YQ_SEG_HMM) does (unless YQ_SEG_ANALYSIS), appending the tokens in order
 * to out (which is not cleared).  The tokens cover the input exactly,
 * including whitespace tokens.  Returns 0, or YQ_ENOMEM, or YQ_ETOOBIG for
 * input over 16 MiB.
 */
int yq_segment_cut(const struct yq_segmenter *s, struct yq_seg_work *w,
		   const char *text, size_t len, int flags, struct yq_spans *out);

#endif
