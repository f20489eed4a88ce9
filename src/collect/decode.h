/*
 * decode.h — bytes of any charset → UTF-8, "decoded by what they are, not
 * only by what they declare" (collect stage: the fetcher and the feed
 * parser call it on every document before anything reads the text).
 *
 * Rules (docs/collect.md has the reasons and examples):
 *  1. A byte-order mark decides: EF BB BF → utf-8, FF FE → utf-16le,
 *     FE FF → utf-16be.  The BOM is not copied to the output.
 *  2. Otherwise the candidates are tried in this order: the HTTP charset,
 *     the charset the document declares (an XML declaration's encoding=, or
 *     else an HTML <meta charset> / <meta http-equiv="Content-Type"> in the
 *     first 4 KiB), then utf-8, gb18030, big5 (duplicates dropped).  The
 *     first candidate under which the bytes decode with no invalid sequence
 *     wins; if none does, the one with the fewest invalid sequences (ties:
 *     the earlier).  Only byte sequences count, never the document's
 *     syntax: a well-formedness error elsewhere changes nothing.
 *  3. Labels are read as WHATWG's Encoding Standard reads them, with one
 *     exception: gb2312, gbk, x-gbk, cp936, euc-cn, csgb2312, chinese,
 *     iso-ir-58, windows-936 → gb18030 (a superset: GBK-only characters in a
 *     "gb2312" document decode); big5, big5-hkscs, cn-big5, csbig5,
 *     x-x-big5, cp950, windows-950 → big5 (ICU's Big5-HKSCS table);
 *     iso-8859-1, latin1, windows-1252 → windows-1252; utf-16 → utf-16le.
 *     The exception: us-ascii / ascii stay strict ASCII (WHATWG would read
 *     windows-1252), so a Chinese document labelled ASCII is detected
 *     rather than turned into Latin-1 mojibake.  A utf-16/utf-32 label
 *     found inside ASCII-readable bytes (XML or meta) means utf-8 (WHATWG).
 *     utf-7 and the other labels WHATWG maps to "replacement", and labels
 *     ICU does not know, are ignored as candidates.
 *  4. Invalid sequences are replaced by U+FFFD (one per maximal invalid
 *     subsequence, ICU's rule) and counted, never dropped.  NUL bytes are
 *     kept.  In gb18030 the single byte 0x80 is €, as in WHATWG's decoder
 *     and Windows' cp936 (ICU's table has no mapping for it).
 *
 * Threads: no shared state; ICU converters are opened per call.
 */
#ifndef YQ_DECODE_H
#define YQ_DECODE_H

#include <stddef.h>

#include "base/buf.h"

#define YQ_DECODE_MAX (64u << 20) /* input cap in bytes */

struct yq_decode_info {
	char charset[32];      /* the charset used, canonical lower-case name: "utf-8", "gb18030", "big5", ... */
	const char *why;       /* static: "bom", "http", "xml-declaration", "html-meta", "detected", "default" */
	size_t replaced;       /* invalid sequences replaced by U+FFFD */
	int declared_mismatch; /* a declared charset was overruled because the bytes are not valid in it */
};

/*
 * yq_decode: decodes in[0..n) into out (appended), UTF-8 without BOM.
 * http_charset: the charset parameter of the transport's Content-Type
 * (a whole Content-Type value is accepted too: its charset= is used), or
 * NULL.  info (required) receives the decision:
 *   why "bom"             a byte-order mark;
 *       "http"            the HTTP charset;
 *       "xml-declaration" / "html-meta"  the document's own declaration;
 *       "detected"        utf-8, gb18030 or big5 chosen from the bytes
 *                         (nothing declared, or every declaration failed);
 *       "default"         nothing declared and the bytes are pure ASCII (or
 *                         empty): utf-8.
 *   declared_mismatch is 1 when a declared candidate came before the chosen
 *   one, i.e. it was tried and rejected for invalid sequences.
 * Errors: YQ_ENOMEM, YQ_ETOOBIG (n > YQ_DECODE_MAX; out unchanged).  Never
 * fails on bad bytes.  On YQ_ENOMEM out may hold a partial result.
 */
int yq_decode(const char *in, size_t n, const char *http_charset, struct yq_buf *out,
	      struct yq_decode_info *info);

/*
 * yq_decode_label: the canonical name (as in yq_decode_info.charset) of a
 * charset label as rule 3 reads it, copied to canon[0..32); returns 0, or
 * YQ_ENOTFOUND for a label that is ignored (unknown, utf-7, replacement).
 * in_document: 1 for a label read from the document itself (then utf-16/32
 * labels mean utf-8).
 */
int yq_decode_label(const char *label, int in_document, char canon[32]);

#endif
