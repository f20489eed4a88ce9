/*
 * cap.c — one stored alert → one CAP 1.2 <alert> element; see cap.h for
 * the mapping.  The reason JSON is read with jansson; fields it lacks
 * (an alert stored by an older version) are left out of the description,
 * never invented.
 */
#include "warn/cap.h"
#include "base/error.h"

#include <jansson.h>
#include <string.h>

#define HEADLINE_CHARS 60 /* code points of the event title in the headline */

struct level_map {
	const char *code, *color, *severity, *urgency, *certainty;
};

static const struct level_map levels[] = {
	{"I", "red", "Extreme", "Immediate", "Likely"},
	{"II", "orange", "Severe", "Expected", "Likely"},
	{"III", "yellow", "Moderate", "Expected", "Possible"},
	{"IV", "blue", "Minor", "Future", "Possible"},
};

static const char *cap_category(const char *cat)
{
	static const char *const map[][2] = {
		{"public_safety", "Safety"}, {"disaster", "Geo"},   {"health", "Health"},
		{"food_drug_safety", "Health"}, {"environment", "Env"},
		{"traffic", "Transport"}, {"labor_livelihood", "Infra"},
	};
	for (size_t i = 0; cat && i < sizeof map / sizeof map[0]; i++)
		if (strcmp(cat, map[i][0]) == 0)
			return map[i][1];
	return "Other";
}

/* el: <name>text</name>; returns 0 or -1 */
static int el(xmlTextWriterPtr w, const char *name, const char *text)
{
	return xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST text) < 0 ? -1 : 0;
}

static int param(xmlTextWriterPtr w, const char *name, const char *value)
{
	if (xmlTextWriterStartElement(w, BAD_CAST "parameter") < 0 || el(w, "valueName", name) ||
	    el(w, "value", value) || xmlTextWriterEndElement(w) < 0)
		return -1;
	return 0;
}

/* headline_title: the first HEADLINE_CHARS code points of s. */
static int headline_title(struct yq_buf *b, const char *s)
{
	size_t n = 0, i = 0;
	while (s[i] && n < HEADLINE_CHARS) {
		i++;
		while (((unsigned char)s[i] & 0xC0) == 0x80)
			i++;
		n++;
	}
	int rc = yq_buf_add(b, s, i);
	return !rc && s[i] ? yq_buf_adds(b, "…") : rc;
}

int yq_cap_write(xmlTextWriterPtr w, const char *sender, struct yq_tz *tz,
		 const struct yq_cap_alert *a, struct yq_buf *err)
{
	int rc = YQ_OK;
	json_error_t je;
	json_t *r = NULL;
	struct yq_buf t, s;
	yq_buf_init(&t);
	yq_buf_init(&s);
	const struct level_map *lv = NULL;
	for (size_t i = 0; i < 4; i++)
		if (strcmp(a->level, levels[i].code) == 0)
			lv = &levels[i];
	if (!lv) {
		yq_buf_printf(err, "alert %lld: unknown level '%s'", (long long)a->id, a->level);
		rc = YQ_EFORMAT;
		goto out;
	}
	r = json_loads(a->reason, 0, &je);
	if (!json_is_object(r)) {
		yq_buf_printf(err, "alert %lld: reason is not a JSON object", (long long)a->id);
		rc = YQ_EFORMAT;
		goto out;
	}
	const char *title = json_string_value(json_object_get(r, "title"));
	json_t *sens = json_object_get(r, "sensitive");
	const char *cat = json_string_value(json_object_get(sens, "category"));
	json_t *score = json_object_get(r, "score");
	rc = YQ_ENOMEM;
	if (yq_time_format(tz, a->time, &t))
		goto out;
	rc = YQ_EIO;
	if (xmlTextWriterStartElementNS(w, NULL, BAD_CAST "alert", BAD_CAST YQ_CAP_NS) < 0)
		goto out;
	yq_buf_printf(&s, "%s-alert-%lld", sender, (long long)a->id);
	if (el(w, "identifier", s.s) || el(w, "sender", sender) || el(w, "sent", t.s) ||
	    el(w, "status", "Actual") || el(w, "msgType", "Alert") || el(w, "scope", "Public"))
		goto out;
	if (xmlTextWriterStartElement(w, BAD_CAST "info") < 0 || el(w, "language", "zh-CN") ||
	    el(w, "category", cap_category(cat)) ||
	    el(w, "event", cat ? cat : "public opinion event") || el(w, "urgency", lv->urgency) ||
	    el(w, "severity", lv->severity) || el(w, "certainty", lv->certainty) ||
	    el(w, "senderName", "yuqing public-opinion monitoring"))
		goto out;
	yq_buf_reset(&s);
	yq_buf_printf(&s, "[%s %s] ", lv->code, lv->color);
	headline_title(&s, title ? title : "");
	if (el(w, "headline", s.s))
		goto out;
	yq_buf_reset(&s);
	yq_buf_printf(&s, "Event %lld, warning level %s (%s)", (long long)a->event, lv->code,
		      lv->color);
	if (json_is_number(score))
		yq_buf_printf(&s, ", risk score %.1f", json_number_value(score));
	json_t *fs = json_object_get(r, "factors");
	const char *fname;
	json_t *fv;
	if (json_is_object(fs)) {
		yq_buf_adds(&s, ". Contributions:");
		json_object_foreach(fs, fname, fv)
			yq_buf_printf(&s, " %s %.1f (value %.2f);", fname,
				      json_number_value(json_object_get(fv, "contribution")),
				      json_number_value(json_object_get(fv, "value")));
	}
	json_t *kw = json_object_get(r, "keywords"), *x;
	size_t i;
	if (json_array_size(kw)) {
		yq_buf_adds(&s, " Keywords:");
		json_array_foreach(kw, i, x) yq_buf_printf(&s, " %s", json_string_value(x));
		yq_buf_adds(&s, ".");
	}
	json_t *tp = json_object_get(r, "top_posts");
	if (json_array_size(tp)) {
		yq_buf_adds(&s, " Top posts:");
		json_array_foreach(tp, i, x) yq_buf_printf(&s, " %s", json_string_value(x));
		yq_buf_adds(&s, ".");
	}
	json_t *sc = json_object_get(r, "schemes");
	if (json_array_size(sc)) {
		yq_buf_adds(&s, " Schemes:");
		json_array_foreach(sc, i, x) yq_buf_printf(&s, " %s", json_string_value(x));
		yq_buf_adds(&s, ".");
	}
	if (el(w, "description", s.s))
		goto out;
	char num[64];
	snprintf(num, sizeof num, "%lld", (long long)a->event);
	if (param(w, "yuqing:event", num) || param(w, "yuqing:level", lv->code))
		goto out;
	if (json_is_number(score)) {
		snprintf(num, sizeof num, "%.2f", json_number_value(score));
		if (param(w, "yuqing:score", num))
			goto out;
	}
	if (json_is_object(fs))
		json_object_foreach(fs, fname, fv) {
			char name[64];
			snprintf(name, sizeof name, "yuqing:%s", fname);
			snprintf(num, sizeof num, "%.4f", json_number_value(json_object_get(fv, "value")));
			if (param(w, name, num))
				goto out;
		}
	if (xmlTextWriterEndElement(w) < 0 || xmlTextWriterEndElement(w) < 0) /* info, alert */
		goto out;
	rc = YQ_OK;
out:
	if (rc == YQ_EIO)
		yq_buf_printf(err, "alert %lld: writing XML failed", (long long)a->id);
	else if (rc == YQ_ENOMEM)
		yq_buf_printf(err, "out of memory");
	json_decref(r);
	yq_buf_release(&t);
	yq_buf_release(&s);
	return rc;
}
