/*
 * cap.h — alerts as OASIS Common Alerting Protocol 1.2 (CAP) <alert>
 * elements (OASIS Standard CAP-V1.2, 2010), written with libxml2's
 * xmlTextWriter.
 *
 * Mapping (docs/warning.md):
 *   level     severity  urgency    certainty
 *   I   red   Extreme   Immediate  Likely
 *   II  orange Severe   Expected   Likely
 *   III yellow Moderate Expected   Possible
 *   IV  blue  Minor     Future     Possible
 * status Actual, msgType Alert, scope Public; info/category from the
 * event's sensitive category (public_safety → Safety, disaster → Geo,
 * health and food_drug_safety → Health, environment → Env, traffic →
 * Transport, labor_livelihood → Infra, others → Other); event is that
 * category (or "public opinion event"); headline the level and the event's
 * title; description the score and each factor's contribution, keywords
 * and top posts; parameters carry the score and each factor.
 */
#ifndef YQ_CAP_H
#define YQ_CAP_H

#include <stdint.h>

#include <libxml/xmlwriter.h>

#include "base/buf.h"
#include "collect/ptime.h"

#define YQ_CAP_NS "urn:oasis:names:tc:emergency:cap:1.2"

/* One stored alert (the alerts table of store/store.h); borrowed. */
struct yq_cap_alert {
	int64_t id;          /* alert id */
	int64_t event;       /* event id */
	int64_t time;        /* Unix seconds, when it was raised (stream time) */
	const char *level;   /* "IV" … "I" */
	const char *reason;  /* the alert's reason JSON (pipeline.c) */
};

/*
 * yq_cap_write: writes a as one CAP <alert> element (in the CAP namespace)
 * to w, which the caller has started (xmlTextWriterStartDocument) and
 * ends.  sender names the system (CAP sender), tz gives the times' offset.
 * identifier is "<sender>-alert-<id>".  Errors: YQ_EFORMAT (the level is
 * unknown or the reason is not a JSON object; message in err), YQ_EIO
 * (the writer failed).
 */
int yq_cap_write(xmlTextWriterPtr w, const char *sender, struct yq_tz *tz,
		 const struct yq_cap_alert *a, struct yq_buf *err);

#endif
