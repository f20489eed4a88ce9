/*
 * places.c — the gazetteer of places.h: three small CSVs read once into a
 * string map name → place.  Names are interned in level order (provinces,
 * cities, counties), and a name already present keeps its place, which
 * gives the precedence places.h documents.
 *
 * Speed: most tokens a post offers to yq_places_find name no place; a
 * filter of FILTER_BITS bits, one per name, set at a hash of the name's
 * length and its first and last two bytes, turns them away before the
 * map's full hash and probe (a name always finds its bit set, so the
 * answers are the map's).
 */
#include "detect/places.h"
#include "base/error.h"
#include "base/strmap.h"
#include "base/utf8.h"
#include "collect/lines.h"

#include <stdlib.h>
#include <string.h>

#define MAX_PLACES 20000
#define FILTER_LOG2 16
#define FILTER_BITS (1u << FILTER_LOG2)

struct yq_places {
	struct yq_place *v;
	size_t n;
	struct yq_strmap *names;
	int32_t *of;  /* name id → place index */
	uint64_t filter[FILTER_BITS / 64]; /* bit filter_bit(name) set for every name */
};

/* filter_bit: the filter's bit for s[0..n), n >= 2. */
static uint32_t filter_bit(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	uint64_t x = (uint64_t)n | (uint64_t)u[0] << 16 | (uint64_t)u[1] << 24 |
		     (uint64_t)u[n - 2] << 32 | (uint64_t)u[n - 1] << 40;
	return (uint32_t)((x * 0x9E3779B97F4A7C15ULL) >> (64 - FILTER_LOG2));
}

static const char *const level_names[] = {"province", "city", "county"};

const char *yq_place_level_name(unsigned level)
{
	return level < 3 ? level_names[level] : "place";
}

/* Suffixes stripped for the short name, longest first. */
static const char *const suffixes[] = {
	"维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "自治州", "自治县",
	"自治旗", "林区", "地区", "新区", "省", "市", "区", "县", "盟", "旗",
};

static int add_name(struct yq_places *pl, const char *s, size_t n, int32_t place)
{
	if (yq_utf8_count(s, n) < 2)
		return YQ_OK;
	uint32_t b = filter_bit(s, n);
	pl->filter[b / 64] |= 1ULL << (b % 64);
	int added = 0;
	int64_t id = yq_strmap_intern(pl->names, s, n, &added);
	if (id < 0)
		return YQ_ENOMEM;
	if (added)
		pl->of[id] = place;
	return YQ_OK;
}

/* parse: "code,\"name\",…" → code and name (borrowed from line, modified). */
static int parse(char *line, char **code, char **name)
{
	char *c = strchr(line, ',');
	if (!c || c == line || c - line >= 16)
		return -1;
	*c = 0;
	for (char *d = line; *d; d++)
		if (*d < '0' || *d > '9')
			return -1;
	char *nm = c + 1;
	if (*nm == '"') {
		nm++;
		char *e = strchr(nm, '"');
		if (!e)
			return -1;
		*e = 0;
	} else {
		char *e = strchr(nm, ',');
		if (e)
			*e = 0;
	}
	if (!*nm)
		return -1;
	*code = line;
	*name = nm;
	return 0;
}

static int load_file(struct yq_places *pl, const char *dir, const char *file, unsigned level,
		     struct yq_buf *err)
{
	struct yq_buf path = YQ_BUF_INIT, line = YQ_BUF_INIT;
	struct yq_lines *in = NULL;
	size_t lineno;
	int rc = yq_buf_printf(&path, "%s/%s", dir, file);
	if (rc)
		goto out;
	if ((rc = yq_lines_open(path.s, &in))) {
		if (rc == YQ_EIO)
			yq_buf_printf(err, "cannot read %s", path.s);
		goto out;
	}
	while ((rc = yq_lines_next(in, &line, &lineno)) != YQ_EEOF) {
		char *code, *name;
		if (rc == YQ_ETOOBIG)
			continue;
		if (rc)
			goto out;
		if (lineno == 1 || parse(line.s, &code, &name))
			continue; /* the header, or a row we cannot read */
		if (!strcmp(name, "市辖区") || !strcmp(name, "县") || strstr(name, "直辖"))
			continue;
		if (pl->n == MAX_PLACES)
			break;
		struct yq_place *p = &pl->v[pl->n];
		p->name = strdup(name);
		if (!p->name) {
			rc = YQ_ENOMEM;
			goto out;
		}
		memcpy(p->code, code, strlen(code) + 1);
		p->level = (uint8_t)level;
		int32_t idx = (int32_t)pl->n++;
		size_t n = strlen(name);
		if ((rc = add_name(pl, name, n, idx)))
			goto out;
		/* counties by their full name only: their short forms are often
		 * common words (平安区 → 平安) */
		for (size_t i = 0; level < YQ_PLACE_COUNTY && i < sizeof suffixes / sizeof suffixes[0]; i++) {
			size_t sl = strlen(suffixes[i]);
			if (n > sl && !memcmp(name + n - sl, suffixes[i], sl)) {
				if ((rc = add_name(pl, name, n - sl, idx)))
					goto out;
				break;
			}
		}
	}
	rc = YQ_OK;
out:
	yq_lines_close(in);
	yq_buf_release(&path);
	yq_buf_release(&line);
	return rc;
}

int yq_places_load(const char *dir, struct yq_places **out, struct yq_buf *err)
{
	int rc = YQ_ENOMEM;
	struct yq_places *pl = calloc(1, sizeof(*pl));
	if (!pl)
		return YQ_ENOMEM;
	pl->v = calloc(MAX_PLACES, sizeof(*pl->v));
	pl->of = malloc(3 * MAX_PLACES * sizeof(*pl->of));
	if (!pl->v || !pl->of || yq_strmap_new(3 * MAX_PLACES, &pl->names))
		goto fail;
	static const char *const files[] = {"provinces.csv", "cities.csv", "areas.csv"};
	for (unsigned l = 0; l < 3; l++)
		if ((rc = load_file(pl, dir, files[l], l, err)))
			goto fail;
	*out = pl;
	return YQ_OK;
fail:
	yq_places_free(pl);
	return rc;
}

void yq_places_free(struct yq_places *pl)
{
	if (!pl)
		return;
	for (size_t i = 0; i < pl->n; i++)
		free(pl->v[i].name);
	free(pl->v);
	free(pl->of);
	yq_strmap_free(pl->names);
	free(pl);
}

int32_t yq_places_find(const struct yq_places *pl, const char *s, size_t n)
{
	if (n < 2) /* a name has two characters or more */
		return -1;
	uint32_t b = filter_bit(s, n);
	if (!((pl->filter[b / 64] >> (b % 64)) & 1))
		return -1;
	int64_t id = yq_strmap_find(pl->names, s, n);
	return id < 0 ? -1 : pl->of[id];
}

const struct yq_place *yq_places_get(const struct yq_places *pl, uint32_t i)
{
	return &pl->v[i];
}

size_t yq_places_count(const struct yq_places *pl)
{
	return pl->n;
}
