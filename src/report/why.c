/*
 * why.c — an alert's reason JSON in words (report/why.h).
 *
 * The reason object is written by pipeline.c (reason_json): kind, level,
 * color, score, factors{heat,negativity,sensitivity,locality,spread:
 * {value, weight, contribution}}, heat{posts, bucket_count, z, …},
 * negativity{share, rated, negative}, spread{sources}, sensitive and place
 * ({category, word} or null), baseline{mean, sd, bucket_seconds, …},
 * thresholds{IV, III, II, I, min_size}, keywords, title, top_posts.  Every
 * field is optional here: an older or foreign reason still gives a
 * sentence, with what it has.
 */
#include "report/why.h"

#include <string.h>

#include "base/error.h"

static const struct {
	const char *code, *name;
} LEVELS[] = {
	{"I", "I级（红色）"},
	{"II", "II级（橙色）"},
	{"III", "III级（黄色）"},
	{"IV", "IV级（蓝色）"},
};

static const struct {
	const char *key, *name;
} FACTORS[] = {
	{"heat", "热度"},     {"negativity", "负面情绪"}, {"sensitivity", "敏感度"},
	{"locality", "属地相关"}, {"spread", "传播范围"},
};

const char *yq_why_level_name(const char *level)
{
	for (size_t i = 0; level && i < sizeof LEVELS / sizeof LEVELS[0]; i++)
		if (!strcmp(level, LEVELS[i].code))
			return LEVELS[i].name;
	return level ? level : "";
}

static double num(const json_t *o, const char *k1, const char *k2, int *ok)
{
	const json_t *v = json_object_get(o, k1);
	if (k2)
		v = json_object_get(v, k2);
	*ok = json_is_number(v);
	return *ok ? json_number_value(v) : 0;
}

int yq_why_text(const json_t *r, struct yq_buf *dst)
{
	struct yq_buf b = YQ_BUF_INIT, *out = &b;
	int ok, rc = 0;
	double v;
	if (!json_is_object(r))
		return yq_buf_adds(dst, "无预警原因记录");
	const char *level = json_string_value(json_object_get(r, "level"));
	if (level)
		rc |= yq_buf_printf(out, "%s预警", yq_why_level_name(level));
	v = num(r, "score", NULL, &ok);
	if (ok) {
		rc |= yq_buf_printf(out, "%s风险分 %.1f", level ? "，" : "", v);
		int tok;
		double t = level ? num(r, "thresholds", level, &tok) : 0;
		if (level && tok)
			rc |= yq_buf_printf(out, "（该级阈值 %.1f）", t);
	}
	v = num(r, "heat", "posts", &ok);
	if (ok)
		rc |= yq_buf_printf(out, "；事件共 %.0f 条帖子", v);
	v = num(r, "heat", "bucket_count", &ok);
	if (ok) {
		int mok, zok;
		double mean = num(r, "baseline", "mean", &mok), z = num(r, "heat", "z", &zok);
		rc |= yq_buf_printf(out, "，当前时段 %.0f 条", v);
		if (mok)
			rc |= yq_buf_printf(out, "，基线均值 %.1f 条", mean);
		if (zok)
			rc |= yq_buf_printf(out, "（z=%.1f）", z);
	}
	v = num(r, "negativity", "share", &ok);
	if (ok)
		rc |= yq_buf_printf(out, "；负面占比 %.0f%%", v * 100);
	const json_t *m = json_object_get(r, "sensitive");
	const char *w = json_string_value(json_object_get(m, "word"));
	if (w) {
		const char *c = json_string_value(json_object_get(m, "category"));
		rc |= yq_buf_printf(out, "；含敏感词“%s”%s%s%s", w, c ? "（" : "", c ? c : "",
				    c ? "）" : "");
	}
	m = json_object_get(r, "place");
	if ((w = json_string_value(json_object_get(m, "word"))))
		rc |= yq_buf_printf(out, "；涉及本地“%s”", w);
	v = num(r, "spread", "sources", &ok);
	if (ok)
		rc |= yq_buf_printf(out, "；来源 %.0f 个", v);
	/* the factor that contributed most */
	const json_t *fs = json_object_get(r, "factors");
	const char *best = NULL;
	double bc = 0;
	for (size_t i = 0; i < sizeof FACTORS / sizeof FACTORS[0]; i++) {
		double c = num(json_object_get(fs, FACTORS[i].key), "contribution", NULL, &ok);
		if (ok && c > bc) {
			bc = c;
			best = FACTORS[i].name;
		}
	}
	if (best)
		rc |= yq_buf_printf(out, "；主要因素：%s（贡献 %.1f 分）", best, bc);
	/* a reason without level and score starts with a separator: drop it */
	size_t skip = !strncmp(b.s, "；", strlen("；")) ? strlen("；") : 0;
	if (!rc && b.len > skip)
		rc = yq_buf_add(dst, b.s + skip, b.len - skip) || yq_buf_adds(dst, "。");
	else if (!rc)
		rc = yq_buf_adds(dst, "无预警原因记录");
	yq_buf_release(&b);
	return rc ? YQ_ENOMEM : 0;
}
