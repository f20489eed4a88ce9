/*
 * stopwords.c — the stop-word lists of stopwords.h, one table sorted
 * byte-wise (strcmp order) so that a binary search finds a word: an
 * edit must keep that order (test_cluster.c looks up words from both lists).
 */
#include "analyze/stopwords.h"

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

int yq_stopword(const char *s, size_t len)
{
	char w[17];
	if (len == 0 || len > 16)
		return 0;
	memcpy(w, s, len);
	w[len] = 0;
	size_t lo = 0, hi = sizeof words / sizeof words[0];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(words[mid], w);
		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}
