/*
 * hmm.h — jieba's finalseg HMM (states B, M, E, S of a character within a
 * word) and its Viterbi decoder, internal to text/segment.c.
 *
 * The parameters are log probabilities read from jieba's Python sources
 * finalseg/prob_start.py, prob_trans.py and prob_emit.py ("P={...}" dict
 * literals).  Missing entries are MIN_FLOAT = -3.14e100 exactly as jieba's
 * .get(x, MIN_FLOAT).  Emissions are kept in a direct table for the
 * characters U+4E00..U+9FD5, the only ones finalseg ever decodes (its re_han);
 * entries for other characters are read and ignored.
 *
 * States are numbered in letter order (B=0, E=1, M=2, S=3) so that jieba's
 * tuple max — ties broken by the larger state letter — is "larger index wins".
 */
#ifndef YQ_TEXT_HMM_H
#define YQ_TEXT_HMM_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define YQ_HMM_MIN_FLOAT (-3.14e100)
#define YQ_HMM_HAN_FIRST 0x4E00u
#define YQ_HMM_HAN_LAST 0x9FD5u

enum { YQ_HMM_B = 0, YQ_HMM_E = 1, YQ_HMM_M = 2, YQ_HMM_S = 3 };

struct yq_hmm {
	double start[4];
	double trans[4][4]; /* trans[from][to] */
	double *emit;       /* [(cp - YQ_HMM_HAN_FIRST) * 4 + state] */
};

/* Scratch for yq_hmm_decode; zero-initialize, release when done. */
struct yq_hmm_scratch {
	uint8_t *bp;  /* 4 back-pointers per position */
	uint8_t *tag; /* the decoded state per position */
	size_t cap;
};

/*
 * yq_hmm_load: reads dir/prob_start.py, dir/prob_trans.py, dir/prob_emit.py.
 * Errors: YQ_EIO (a file cannot be read), YQ_EFORMAT (err gets
 * "path:line: what"), YQ_ENOMEM.  On failure h is left released.
 */
int yq_hmm_load(struct yq_hmm *h, const char *dir, struct yq_buf *err);
void yq_hmm_release(struct yq_hmm *h);
void yq_hmm_scratch_release(struct yq_hmm_scratch *w);

/*
 * yq_hmm_decode: jieba finalseg's viterbi(obs, 'BMES', ...) over the code
 * points cps[0..n) (n >= 1, all in U+4E00..U+9FD5 in jieba's use, others
 * emit MIN_FLOAT): the same float operations in the same order, the same
 * tie-breaking, the final state taken from E and S.  On success w->tag[0..n)
 * holds the state of each position (YQ_HMM_*).  0 or YQ_ENOMEM.
 */
int yq_hmm_decode(const struct yq_hmm *h, const uint32_t *cps, size_t n,
		  struct yq_hmm_scratch *w);

#endif
