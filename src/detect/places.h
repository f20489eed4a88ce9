/*
 * places.h — Chinese administrative places (province, city, county) named
 * in a post, with their statistical division codes, for events' "places".
 *
 * Source: the gazetteer CSVs in ../shared/data/gazetteer_cn (National
 * Bureau of Statistics division codes, via modood/Administrative-divisions-
 * of-China): provinces.csv (code,name), cities.csv (code,name,provinceCode),
 * areas.csv (code,name,cityCode,provinceCode).  Each place is known by its
 * full name (杭州市) and, for provinces and cities, by its short name (a
 * county's short form is often a common word: 平安区 → 平安): the name without its
 * administrative suffix (省 市 区 县 自治区 自治州 地区 盟 旗 …, and the
 * ethnic part of an autonomous region: 广西壮族自治区 → 广西), kept only
 * when at least two code points remain.  A name shared by several places
 * goes to the highest level (province, then city, then county), and among
 * places of one level to the first in the file.  Placeholders (市辖区, 县,
 * 省直辖县级行政区划) are skipped.
 *
 * Matching is on whole analysis tokens (text/tokenize.h): a token equal to
 * a name.  Memory: about 9,000 names in one string map; read-only after
 * loading, so one table may be shared by threads.
 */
#ifndef YQ_PLACES_H
#define YQ_PLACES_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

enum yq_place_level { YQ_PLACE_PROVINCE, YQ_PLACE_CITY, YQ_PLACE_COUNTY };

struct yq_place {
	char code[16];   /* the division code as written: 33, 3301, 330102 */
	char *name;      /* the full name */
	uint8_t level;   /* enum yq_place_level */
};

struct yq_places;

/* yq_places_load: reads the three CSVs under dir.  Rows with a bad code or
 * name are skipped; at most 20,000 places.  Errors: YQ_EIO (err names the
 * file), YQ_ENOMEM. */
int yq_places_load(const char *dir, struct yq_places **out, struct yq_buf *err);
void yq_places_free(struct yq_places *pl);

/* yq_places_find: the index of the place named s[0..n), or -1. */
int32_t yq_places_find(const struct yq_places *pl, const char *s, size_t n);

/* yq_places_get: place i (0 <= i < yq_places_count), borrowed. */
const struct yq_place *yq_places_get(const struct yq_places *pl, uint32_t i);
size_t yq_places_count(const struct yq_places *pl);

/* yq_place_level_name: "province", "city", "county". */
const char *yq_place_level_name(unsigned level);

#endif
