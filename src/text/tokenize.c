/*
 * tokenize.c — analysis tokens of normalized text (text/normalize → here →
 * the analyze stage and the full-text index).  See tokenize.h for the contract.
 *
 * Design: one left-to-right scan.  At each ASCII character that can start a
 * whole span ('@', '[', '#', a letter or a digit) the span recognisers are
 * tried in this order:
 *   URL       yq_norm_url_len (http(s)://, www., t.cn/ — normalize.h)
 *   @mention  '@' (not after a letter or digit: "a@b.com" is no mention) +
 *             1..30 name characters, ended by whitespace, ':' or any
 *             punctuation other than '_' and '-'
 *   emoticon  '[' + 1..8 code points with no brackets or whitespace + ']'
 *   #topic#   '#' + 1..60 code points without '#' + '#'
 *   Latin     a letter, then letters/digits with inner ' - . & + # between
 *             alphanumerics; "C++" (trailing '+'s) and "C#" (one letter +
 *             '#') are kept whole
 *   number    ASCII digits with inner ',' or '.' between digits, then at most
 *             one unit (see below); a digit run that runs on into letters
 *             ("5G", "163.com") is a Latin word unless the letters are an
 *             ASCII unit ("10kg")
 * Before those, at any code point: a special user word
 * (yq_segmenter_special: a user-dictionary word with a non-Han character,
 * "SK-II", "C罗"), and at a Chinese numeral a Chinese-numeral amount
 * (cn_number_at: 一点七八万亿, 一千二百万人).
 * A character that starts no span belongs to the "rest", which is cut by the
 * jieba segmenter (YQ_SEG_HMM | YQ_SEG_ANALYSIS: user and place words
 * preferred) run by run; its tokens are classified:
 * whitespace dropped, a token with a Han or other non-ASCII letter WORD,
 * ASCII letters LATIN, digits only NUMBER, and anything else split into one
 * PUNCT token per code point (punctuation, symbols, emoji).
 *
 * Speed: every per-character question (whitespace? kind of token? can a
 * unit or a Chinese numeral start here? does it end a mention?) is one load
 * from a class byte per BMP code point, filled once per process from the
 * ICU predicates that define it (about 5 ms, through pthread_once on the
 * first call); code points above the BMP ask ICU as before.  UTF-8 is
 * decoded inline for ASCII and 3-byte sequences; a special user word is
 * looked for only where the segmenter's bitmap of their first characters
 * says one may start; a segmenter token whose first character is Han is a
 * WORD without looking at the rest.  The unit lists carry their lengths and
 * are searched only after a character that begins a unit.
 *
 * Numbers and units (decided here, documented in docs/normalize.md): a
 * number takes one following unit.  Units, longest first: %, ‰, °C (NFKC's
 * form of ℃), °, the ASCII units km kg mg cm mm ml g m, and the Chinese
 * units in `cjk_units` (time: 年 月 日 号 天 周 小时 时 分钟 分 秒 岁; money:
 * 元 块 角 毛; counting: 人 例 名 位 个 次 家 辆 台 部 件 条 张 层 楼 只 头
 * 户 所 座 间 套 项 倍 届 期 集 页 篇 章 级; measures: 米 公里 千米 厘米
 * 毫米 公斤 千克 克 斤 吨 度 亩 平方米 平米 升 毫升).  Up to three
 * magnitudes 万 亿 千 百 may come first and take a unit after them:
 * "3.5万元", "1亿人" and "1.2万亿元" are one token each; 多 or 余 may sit
 * before the unit ("3万多元", "100余人"), and is left out when no unit
 * follows it.  Dates are cut at each unit: "2020年1月" gives "2020年"
 * and "1月".  A number's ',' or '.' must sit between digits, so "1." is
 * "1" then ".", and ranges "3-5天" give "3", "-", "5天".
 *
 * Invariants: tokens are in text order, do not overlap, and never cover
 * whitespace; out->v and out->seg only grow (no allocation in steady state).
 */
#include "text/tokenize.h"
#include "base/error.h"
#include "base/utf8.h"
#include "text/normalize.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>

#define TOK_MAX_INPUT (16u << 20) /* yq_segment_cut's cap */
#define MENTION_MAX_CP 30
#define EMOTICON_MAX_CP 8
#define TOPIC_MAX_CP 60

void yq_tokens_release(struct yq_tokens *t)
{
	if (!t)
		return;
	free(t->v);
	free(t->seg.v);
	memset(t, 0, sizeof(*t));
}

static int push(struct yq_tokens *t, size_t off, size_t len, unsigned kind)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct yq_token *p = realloc(t->v, cap * sizeof(*p));
		if (!p)
			return YQ_ENOMEM;
		t->v = p;
		t->cap = cap;
	}
	t->v[t->n].off = (uint32_t)off;
	t->v[t->n].len = (uint32_t)len;
	t->v[t->n].kind = (uint8_t)kind;
	t->n++;
	return YQ_OK;
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alnum(int c)
{
	return is_digit(c) || is_alpha(c);
}

/* ---- character classes ----
 *
 * Every per-character question the scan asks (is it whitespace, which kind
 * of token does it make, can a unit or a Chinese numeral start here, does
 * it end a mention) is answered for the BMP from one byte of cls_bmp[],
 * filled once per process from the same ICU predicates (cls_slow, which
 * also answers for the code points above the BMP).  The low 3 bits are the
 * kind (CK_*, tested in the order listed), the rest flags. */

enum { CK_HAN = 1, CK_ALPHA, CK_DIGIT, CK_SPACE, CK_LETTER, CK_SYM };
#define CK_MASK 0x07u
#define CF_UNIT 0x08u  /* first character of a cjk_units entry, or 多 / 余 */
#define CF_CNNUM 0x10u /* a Chinese numeral digit or 十 百 千 (cn_digit, cn_small) */
#define CF_MSTOP 0x20u /* ends a mention name (mention_at) */

static uint8_t cls_bmp[0x10000];
static pthread_once_t cls_once = PTHREAD_ONCE_INIT;

static int is_space_slow(int32_t c)
{
	if (c < 0x80)
		return c == ' ' || c == '\t' || c == '\n' || c == '\r';
	return c >= 0x4E00 && c <= 0x9FFF ? 0 : u_isUWhiteSpace(c);
}

static int cn_digit(int32_t c);
static int cn_small(int32_t c);
static void cls_init(void);

/* The kind and CF_CNNUM of code point c (>= 0), from ICU. */
static unsigned cls_slow(int32_t c)
{
	unsigned k;
	if (c >= 0x4E00 && c <= 0x9FFF)
		k = CK_HAN; /* CJK Unified Ideographs: the common case */
	else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		k = CK_ALPHA;
	else if (c >= '0' && c <= '9')
		k = CK_DIGIT;
	else if (is_space_slow(c))
		k = CK_SPACE;
	else if (u_hasBinaryProperty(c, UCHAR_IDEOGRAPHIC))
		k = CK_HAN;
	else if (u_isalpha(c) || u_isdigit(c))
		k = CK_LETTER;
	else
		k = CK_SYM;
	if (cn_digit(c) || cn_small(c))
		k |= CF_CNNUM;
	return k;
}

/* Does code point c (>= 0) end a mention name: whitespace, ':', '@', and
 * punctuation or symbols other than '_' and '-' (from ICU). */
static int mstop_slow(int32_t c)
{
	if (is_space_slow(c) || c == ':' || c == '@')
		return 1;
	if (c == '_' || c == '-' || (c >= 0x4E00 && c <= 0x9FFF))
		return 0;
	int t = u_charType(c);
	return u_ispunct(c) || t == U_MATH_SYMBOL || t == U_OTHER_SYMBOL ||
	       t == U_CURRENCY_SYMBOL || t == U_MODIFIER_SYMBOL;
}

/* The class byte of c; a negative c (invalid UTF-8) is U+FFFD's. */
static inline unsigned cls_of(int32_t c)
{
	if (c < 0)
		c = YQ_UTF8_REPLACEMENT;
	return c < 0x10000 ? cls_bmp[c] : cls_slow(c);
}

static int is_space_cp(int32_t c)
{
	return (cls_of(c) & CK_MASK) == CK_SPACE;
}

/* yq_utf8_next with the common cases inline: ASCII, and a well-formed
 * 3-byte sequence that cannot be overlong or a surrogate (lead E1..EF but
 * ED), i.e. all of CJK. */
static inline int32_t next_cp(const char *s, size_t n, size_t *k)
{
	const unsigned char *u = (const unsigned char *)s + *k;
	unsigned b0 = u[0];
	if (b0 < 0x80) {
		(*k)++;
		return (int32_t)b0;
	}
	if (b0 >= 0xE1 && b0 <= 0xEF && b0 != 0xED && *k + 2 < n && (u[1] & 0xC0) == 0x80 &&
	    (u[2] & 0xC0) == 0x80) {
		*k += 3;
		return (int32_t)(((b0 & 0x0Fu) << 12) | ((u[1] & 0x3Fu) << 6) | (u[2] & 0x3Fu));
	}
	return yq_utf8_next(s, n, k);
}

/* ---- span recognisers: each returns the span length in bytes, or 0 ---- */

static size_t mention_at(const char *s, size_t n, size_t i)
{
	if (i > 0 && is_alnum((unsigned char)s[i - 1]))
		return 0;
	size_t k = i + 1, cps = 0;
	while (k < n && cps < MENTION_MAX_CP) {
		size_t q = k;
		int32_t c = next_cp(s, n, &q);
		/* whitespace, ':', '@', punctuation and symbols but '_' and '-' */
		if (c < 0 || (c < 0x10000 ? (cls_bmp[c] & CF_MSTOP) != 0 : mstop_slow(c)))
			break;
		k = q;
		cps++;
	}
	return cps ? k - i : 0;
}

/* '[' or '#' delimited span: open at s[i], close char, 1..max code points
 * inside, none of which is a bracket/'#' or (for emoticons) whitespace. */
static size_t delimited_at(const char *s, size_t n, size_t i, char close, size_t max,
			   int no_space)
{
	size_t k = i + 1, cps = 0;
	while (k < n && cps <= max) {
		if (s[k] == close)
			return cps ? k + 1 - i : 0;
		int32_t c = next_cp(s, n, &k);
		if (c < 0 || c == '[' || c == ']' || c == '#' || c == '\n' ||
		    (no_space && is_space_cp(c)))
			return 0;
		cps++;
	}
	return 0;
}

/* Latin word from s[i] (an alphanumeric); *letters = 1 if it has a letter. */
static size_t latin_at(const char *s, size_t n, size_t i, int *letters)
{
	size_t k = i;
	int let = 0;
	for (;;) {
		while (k < n && is_alnum((unsigned char)s[k]))
			let |= is_alpha((unsigned char)s[k++]);
		if (k + 1 < n && s[k] != '\0' && strchr("'-.&+#", s[k]) &&
		    is_alnum((unsigned char)s[k + 1])) {
			k++;
			continue;
		}
		break;
	}
	if (let && k < n && s[k] == '+') {
		size_t e = k;
		while (e < n && s[e] == '+' && e - k < 2)
			e++;
		if (e == n || !is_alnum((unsigned char)s[e]))
			k = e; /* C++ */
	} else if (let && k == i + 1 && k < n && s[k] == '#' &&
		   (k + 1 == n || !is_alnum((unsigned char)s[k + 1]))) {
		k++; /* C# */
	}
	*letters = let;
	return k - i;
}

/* A literal with its length (units, magnitudes). */
struct lit {
	const char *s;
	size_t n;
};
#define LIT(x) {x, sizeof(x) - 1}

static const struct lit ascii_units[] = {LIT("km"), LIT("kg"), LIT("mg"), LIT("cm"),
					 LIT("mm"), LIT("ml"), LIT("g"),   LIT("m")};

static const struct lit sym_units[] = {LIT("%"), LIT("\xE2\x80\xB0") /* ‰ */,
				       LIT("\xC2\xB0" "C") /* °C */, LIT("\xC2\xB0") /* ° */};

/* Longest first where one is a prefix of another (千米 before 千, 分钟
 * before 分, 小时 before 时, 平方米 before 平米). */
static const struct lit cjk_units[] = {
	LIT("平方米"), LIT("小时"), LIT("分钟"), LIT("公里"), LIT("千米"), LIT("厘米"),
	LIT("毫米"),   LIT("公斤"), LIT("千克"), LIT("平米"), LIT("毫升"), LIT("年"),
	LIT("月"),     LIT("日"),   LIT("号"),   LIT("天"),   LIT("周"),   LIT("时"),
	LIT("分"),     LIT("秒"),   LIT("岁"),   LIT("元"),   LIT("块"),   LIT("角"),
	LIT("毛"),     LIT("人"),   LIT("例"),   LIT("名"),   LIT("位"),   LIT("个"),
	LIT("次"),     LIT("家"),   LIT("辆"),   LIT("台"),   LIT("部"),   LIT("件"),
	LIT("条"),     LIT("张"),   LIT("层"),   LIT("楼"),   LIT("只"),   LIT("头"),
	LIT("户"),     LIT("所"),   LIT("座"),   LIT("间"),   LIT("套"),   LIT("项"),
	LIT("倍"),     LIT("届"),   LIT("期"),   LIT("集"),   LIT("页"),   LIT("篇"),
	LIT("章"),     LIT("级"),   LIT("米"),   LIT("克"),   LIT("斤"),   LIT("吨"),
	LIT("度"),     LIT("亩"),   LIT("升"),
};

static const struct lit magnitudes[] = {LIT("万"), LIT("亿"), LIT("千"), LIT("百")};

/* The length of the first entry of list that s[k..n) starts with, or 0.
 * (The last byte is compared first: it differs for most entries.) */
static size_t match_list(const char *s, size_t n, size_t k, const struct lit *list,
			 size_t cnt)
{
	for (size_t u = 0; u < cnt; u++) {
		size_t l = list[u].n;
		if (k + l <= n && s[k + l - 1] == list[u].s[l - 1] &&
		    memcmp(s + k, list[u].s, l) == 0)
			return l;
	}
	return 0;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A unit at s[k], optionally after 多 or 余 ("3万多元", "100余人": the
 * approximation is kept inside the amount only when a unit follows it). */
static size_t unit_after(const char *s, size_t n, size_t k)
{
	if (k + 3 > n) /* every unit has 3 bytes or more */
		return 0;
	size_t q = k;
	int32_t c = next_cp(s, n, &q);
	if (c < 0 || !(cls_of(c) & CF_UNIT)) /* no unit (nor 多, 余) starts here */
		return 0;
	size_t l = match_list(s, n, k, cjk_units, COUNT(cjk_units));
	if (l || k + 3 > n)
		return l;
	if (memcmp(s + k, "\xE5\xA4\x9A", 3) == 0 /* 多 */ ||
	    memcmp(s + k, "\xE4\xBD\x99", 3) == 0 /* 余 */) {
		l = match_list(s, n, k + 3, cjk_units, COUNT(cjk_units));
		return l ? l + 3 : 0;
	}
	return 0;
}

/* Number from s[i] (a digit): see the header comment.  *latin = 1 when the
 * digits run on into letters that are no unit (then the caller takes the
 * Latin word instead). */
static size_t number_at(const char *s, size_t n, size_t i, int *latin)
{
	size_t k = i;
	*latin = 0;
	for (;;) {
		while (k < n && is_digit((unsigned char)s[k]))
			k++;
		if (k + 1 < n && (s[k] == '.' || s[k] == ',') && is_digit((unsigned char)s[k + 1])) {
			k++;
			continue;
		}
		break;
	}
	if (k < n && is_alpha((unsigned char)s[k])) {
		size_t e = k;
		while (e < n && is_alnum((unsigned char)s[e]))
			e++;
		for (size_t u = 0; u < COUNT(ascii_units); u++)
			if (ascii_units[u].n == e - k && memcmp(s + k, ascii_units[u].s, e - k) == 0)
				return e - i;
		*latin = 1;
		return 0;
	}
	size_t l = match_list(s, n, k, sym_units, COUNT(sym_units));
	if (!l)
		l = unit_after(s, n, k);
	if (!l) { /* magnitudes (5千万, 1.2万亿), then a unit */
		size_t m;
		for (int r = 0; r < 3 && (m = match_list(s, n, k + l, magnitudes, COUNT(magnitudes)));
		     r++)
			l += m;
		if (l)
			l += unit_after(s, n, k + l);
	}
	return k + l - i;
}

/* Chinese numerals: digits 零〇一二两三四五六七八九, 十百千 inside a
 * number, magnitudes 万 亿. */
static int cn_digit(int32_t c)
{
	switch (c) {
	case 0x96F6: case 0x3007: case 0x4E00: case 0x4E8C: case 0x4E24: case 0x4E09:
	case 0x56DB: case 0x4E94: case 0x516D: case 0x4E03: case 0x516B: case 0x4E5D:
		return 1;
	default:
		return 0;
	}
}

static int cn_small(int32_t c)
{
	return c == 0x5341 || c == 0x767E || c == 0x5343; /* 十 百 千 */
}

static int cn_mag(int32_t c)
{
	return c == 0x4E07 || c == 0x4EBF; /* 万 亿 */
}

static int32_t cp_at(const char *s, size_t n, size_t *k)
{
	if (*k >= n)
		return -1;
	return next_cp(s, n, k);
}

/*
 * Chinese-numeral amount from s[i] (a code point start), or 0.  Two forms,
 * chosen so that words like 一点 (a bit), 千万 (must), 万一 (in case) and
 * 十一点 (eleven o'clock) are not taken:
 *   decimal  [digit 十百千]+ 点 digit+, then magnitudes (万, 亿, 万亿), a
 *            unit, or a character that is no Han character (punctuation,
 *            the end): 一点七八万亿, 三点五公里, 一点五。 (not 一点一滴);
 *   integer  [digit 十百千]+ with at least one digit, then a magnitude, then
 *            more [digit 十百千 万 亿]: 一千二百万, 两亿, 七八万;
 *   digits   two or more of 〇零一二三四五六七八九 with a unit after them or
 *            a 〇 among them: 二〇二三年, 七八个.
 * Either takes one unit of cjk_units after it (三万人).  A number never
 * starts right after another numeral character.
 */
static size_t cn_number_at(const char *s, size_t n, size_t i, int32_t prev)
{
	size_t k = i, e;
	int32_t c;
	int digits = 0;
	if (cn_digit(prev) || cn_small(prev) || cn_mag(prev) || prev == 0x70B9 /* 点 */)
		return 0;
	for (;;) {
		e = k;
		c = cp_at(s, n, &e);
		if (!cn_digit(c) && !cn_small(c))
			break;
		digits |= cn_digit(c);
		k = e;
	}
	if (k == i)
		return 0;
	if (c == 0x70B9) { /* 点: decimal */
		size_t f = e, g;
		int frac = 0;
		for (;;) {
			g = f;
			c = cp_at(s, n, &g);
			if (!cn_digit(c) || c == 0x4E24 /* 两 */)
				break;
			frac++;
			f = g;
		}
		if (!frac)
			return 0;
		k = f;
		size_t m = k;
		while ((g = m, cn_mag(cp_at(s, n, &g))))
			m = g;
		if (m == k && !unit_after(s, n, k)) {
			g = k; /* bare decimal: only before a non-Han character */
			c = cp_at(s, n, &g);
			if (c >= 0x4E00 && c <= 0x9FFF)
				return 0;
		}
		k = m;
	} else if (!cn_mag(c)) {
		/* digits only (二〇二三年, 七八个): a unit must follow, or a 〇
		 * be inside, which jieba would cut off on its own */
		if (k - i < 6)
			return 0;
		size_t u = unit_after(s, n, k);
		int zero = 0, only = 1;
		for (size_t q = i; q < k;) {
			int32_t d = yq_utf8_next(s, k, &q);
			zero |= d == 0x3007;
			only &= cn_digit(d) && d != 0x4E24; /* no 两, no 十百千 */
		}
		if (!only || (!u && !zero))
			return 0;
		return k + u - i;
	} else {
		if (!digits)
			return 0;
		k = e;
		for (;;) {
			e = k;
			c = cp_at(s, n, &e);
			if (!cn_digit(c) && !cn_small(c) && !cn_mag(c))
				break;
			k = e;
		}
	}
	return k + unit_after(s, n, k) - i;
}

/* Fills cls_bmp (once per process, through pthread_once). */
static void cls_init(void)
{
	for (int32_t c = 0; c < 0x10000; c++)
		cls_bmp[c] = (uint8_t)(cls_slow(c) | (mstop_slow(c) ? CF_MSTOP : 0));
	for (size_t u = 0; u < COUNT(cjk_units); u++) {
		size_t k = 0;
		int32_t c = yq_utf8_next(cjk_units[u].s, cjk_units[u].n, &k);
		cls_bmp[c] |= CF_UNIT;
	}
	cls_bmp[0x591A] |= CF_UNIT; /* 多 */
	cls_bmp[0x4F59] |= CF_UNIT; /* 余 */
}

/* Kind of a special user word (yq_segmenter_special). */
static unsigned special_kind(const char *s, size_t off, size_t len)
{
	int alpha = 0;
	size_t k = off, e = off + len;
	while (k < e) {
		int32_t c = yq_utf8_next(s, e, &k);
		if (c >= 0x80)
			return YQ_TOK_WORD;
		alpha |= is_alpha(c);
	}
	return alpha ? YQ_TOK_LATIN : YQ_TOK_NUMBER;
}

/* ---- the rest: segmenter tokens ---- */

static int classify(struct yq_tokens *out, const char *s, size_t off, size_t len)
{
	unsigned kinds = 0; /* 1 << CK_* of every code point */
	size_t k = off, e = off + len;
	if (len) { /* a first Han or other letter decides: a WORD */
		unsigned k0 = cls_of(next_cp(s, e, &k)) & CK_MASK;
		if (k0 == CK_HAN || k0 == CK_LETTER)
			return push(out, off, len, YQ_TOK_WORD);
		kinds = 1u << k0;
	}
	while (k < e)
		kinds |= 1u << (cls_of(next_cp(s, e, &k)) & CK_MASK);
	if (kinds & ((1u << CK_HAN) | (1u << CK_LETTER)))
		return push(out, off, len, YQ_TOK_WORD);
	if (kinds & (1u << CK_ALPHA))
		return push(out, off, len, YQ_TOK_LATIN);
	if (kinds == (1u << CK_DIGIT))
		return push(out, off, len, YQ_TOK_NUMBER);
	/* symbols, punctuation and mixtures: one PUNCT per non-space point */
	k = off;
	while (k < e) {
		size_t st = k;
		int32_t c = next_cp(s, e, &k);
		if (c >= 0 && is_space_cp(c))
			continue;
		if (push(out, st, k - st, YQ_TOK_PUNCT))
			return YQ_ENOMEM;
	}
	return YQ_OK;
}

static int flush_rest(const struct yq_segmenter *seg, struct yq_seg_work *w,
		      const char *s, size_t a, size_t b, struct yq_tokens *out)
{
	if (a >= b)
		return YQ_OK;
	out->seg.n = 0;
	int rc = yq_segment_cut(seg, w, s + a, b - a, YQ_SEG_HMM | YQ_SEG_ANALYSIS, &out->seg);
	if (rc)
		return rc;
	for (size_t k = 0; k < out->seg.n; k++) {
		rc = classify(out, s, a + out->seg.v[k].off, out->seg.v[k].len);
		if (rc)
			return rc;
	}
	return YQ_OK;
}

int yq_tokenize(const struct yq_segmenter *seg, struct yq_seg_work *w,
		const char *text, size_t len, struct yq_tokens *out)
{
	const char *s = text;
	size_t i = 0, rest = 0;
	int rc = YQ_OK;
	out->n = 0;
	if (len > TOK_MAX_INPUT)
		return YQ_ETOOBIG;
	pthread_once(&cls_once, cls_init);
	/* first code points of special user words (a bit each), or NULL */
	const uint64_t *special = yq_segmenter_special_starts(seg);
	int32_t prev = -1; /* the code point before i, when i >= 0x80 */
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		size_t l = 0;
		unsigned kind = YQ_TOK_PUNCT;
		if (c >= 0x80 && c < 0xC0) { /* a stray continuation byte */
			prev = c;
			i++;
			continue;
		}
		size_t k = i;
		int32_t cp = next_cp(s, len, &k);
		if (special && cp >= 0 && cp < 0x10000 && ((special[cp >> 6] >> (cp & 63)) & 1))
			l = yq_segmenter_special(seg, s, len, i);
		if (l) {
			kind = special_kind(s, i, l);
		} else if (c >= 0xC0) {
			if (cp >= 0 && cp < 0x10000 && (cls_bmp[cp] & CF_CNNUM))
				l = cn_number_at(s, len, i, prev);
			kind = YQ_TOK_NUMBER;
			prev = cp;
			if (!l) {
				i = k;
				continue;
			}
		} else if (!(is_alnum(c) || c == '@' || c == '[' || c == '#')) {
			prev = c;
			i++;
			continue;
		}
		if (!l && (c == 'h' || c == 'H' || c == 'w' || c == 'W' || c == 't' || c == 'T')) {
			l = yq_norm_url_len(s, len, i);
			kind = YQ_TOK_URL;
		}
		if (!l && c == '@') {
			l = mention_at(s, len, i);
			kind = YQ_TOK_MENTION;
		} else if (!l && c == '[') {
			l = delimited_at(s, len, i, ']', EMOTICON_MAX_CP, 1);
			kind = YQ_TOK_EMOTICON;
		} else if (!l && c == '#') {
			l = delimited_at(s, len, i, '#', TOPIC_MAX_CP, 0);
			kind = YQ_TOK_TOPIC;
		} else if (!l && is_digit(c)) {
			int latin;
			l = number_at(s, len, i, &latin);
			kind = YQ_TOK_NUMBER;
			if (latin) {
				l = latin_at(s, len, i, &latin);
				kind = YQ_TOK_LATIN;
			}
		} else if (!l && is_alpha(c)) {
			int letters;
			l = latin_at(s, len, i, &letters);
			kind = YQ_TOK_LATIN;
		}
		if (!l) {
			prev = c;
			i++;
			continue;
		}
		rc = flush_rest(seg, w, s, rest, i, out);
		if (rc)
			goto out;
		rc = push(out, i, l, kind);
		if (rc)
			goto out;
		i += l;
		rest = i;
		prev = -1;
	}
	rc = flush_rest(seg, w, s, rest, len, out);
out:
	return rc;
}
