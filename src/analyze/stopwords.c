/*
 * stopwords.c — the stop-word lists of stopwords.h, one table sorted
 * byte-wise (strcmp order) for the reader; no look-up depends on the order.
 *
 * Look-up: every content token of every post is looked up, so the words are
 * found through an open-addressing table of their indices (built once,
 * under pthread_once, read-only afterwards), keyed by a hash of the bytes:
 * one probe and one memcmp for most tokens instead of nine strcmp calls.
 */
#include "analyze/stopwords.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

static const char *const words[] = {
	"a", "about", "above", "after", "again", "against", "all", "also", "am", "amp", "an",
	"and", "any", "are", "aren't", "as", "at", "be", "because", "been", "before", "being",
	"below", "between", "both", "but", "by", "can", "can't", "cannot", "cant", "could",
	"couldn't", "did", "didn't", "do", "does", "doesn't", "doing", "don't", "dont", "down",
	"during", "each", "else", "even", "ever", "every", "few", "for", "from", "further",
	"get", "gets", "got", "had", "hadn't", "has", "hasn't", "have", "haven't", "having",
	"he", "he's", "her", "here", "here's", "hers", "herself", "him", "himself", "his",
	"how", "how's", "however", "http", "https", "i", "i'd", "i'll", "i'm", "i've", "if",
	"im", "in", "into", "is", "isn't", "it", "it's", "its", "itself", "just", "let's",
	"like", "lol", "many", "may", "me", "might", "more", "most", "much", "must", "mustn't",
	"my", "myself", "need", "no", "nor", "not", "now", "of", "off", "on", "once", "one",
	"only", "or", "other", "ought", "our", "ours", "ourselves", "out", "over", "own", "per",
	"please", "rt", "same", "shall", "shan't", "she", "she'd", "she'll", "she's", "should",
	"shouldn't", "since", "so", "some", "still", "such", "than", "that", "that's", "the",
	"their", "theirs", "them", "themselves", "then", "there", "there's", "these", "they",
	"they'd", "they'll", "they're", "they've", "this", "those", "though", "through", "thus",
	"to", "too", "u", "under", "until", "up", "upon", "ur", "us", "very", "via", "was",
	"wasn't", "we", "we'd", "we'll", "we're", "we've", "were", "weren't", "what", "what's",
	"when", "when's", "where", "where's", "whether", "which", "while", "who", "who's",
	"whom", "why", "why's", "will", "with", "within", "without", "won't", "wont", "would",
	"wouldn't", "yet", "you", "you'd", "you'll", "you're", "you've", "your", "yours",
	"yourself", "yourselves", "一下", "一个", "一些", "一样", "一直", "上", "下", "不", "不是", "与", "个",
	"中", "为", "为什么", "么", "之", "也", "了", "于", "什么", "今天", "从", "他", "他们", "以", "以及", "会",
	"但", "但是", "你", "你们", "其", "再", "刚刚", "到", "前", "又", "及", "只是", "可以", "可能", "后", "向",
	"吗", "吧", "呀", "呢", "和", "咱们", "哈", "哦", "啊", "啦", "嗯", "嘛", "因为", "在", "地", "大家", "太",
	"她", "她们", "如何", "如果", "它", "它们", "对", "将", "就", "就是", "已", "已经", "并", "并且", "应该", "很",
	"得", "怎么", "我", "我们", "或", "或者", "所以", "才", "把", "时", "时候", "是", "更", "最", "有", "有的",
	"正在", "没", "没有", "然后", "现在", "的", "目前", "真是", "真的", "着", "等", "等等", "给", "而", "而且", "能",
	"自己", "虽然", "被", "要", "让", "过", "还", "还是", "还有", "这", "这个", "这些", "这样", "这里", "那", "那个",
	"那些", "那样", "那里", "都", "里", "非常",
};

#define NWORDS (sizeof words / sizeof words[0])
#define TABLE_BITS 10 /* 1,024 cells for the ~380 words: load under 0.4 */
#define MAX_LEN 16

/* cell → 1 + index into words[], 0 = empty; lens[i] = strlen(words[i]) */
static uint16_t table[1u << TABLE_BITS];
static uint8_t lens[NWORDS];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

/* FNV-1a over the bytes, folded to TABLE_BITS. */
static size_t cell_of(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return (h ^ (h >> 16)) & ((1u << TABLE_BITS) - 1);
}

static void build_table(void)
{
	for (size_t i = 0; i < NWORDS; i++) {
		lens[i] = (uint8_t)strlen(words[i]);
		size_t c = cell_of(words[i], lens[i]);
		while (table[c])
			c = (c + 1) & ((1u << TABLE_BITS) - 1);
		table[c] = (uint16_t)(i + 1);
	}
}

int yq_stopword(const char *s, size_t len)
{
	if (len == 0 || len > MAX_LEN)
		return 0;
	pthread_once(&table_once, build_table);
	for (size_t c = cell_of(s, len);; c = (c + 1) & ((1u << TABLE_BITS) - 1)) {
		if (!table[c])
			return 0;
		size_t i = table[c] - 1u;
		if (lens[i] == len && memcmp(words[i], s, len) == 0)
			return 1;
	}
}
