/* error.c — names of the YQ_E* codes (see error.h). */
#include "base/error.h"

const char *yq_strerror(int code)
{
	switch (code) {
	case YQ_OK: return "success";
	case YQ_ENOMEM: return "out of memory";
	case YQ_EIO: return "input/output error";
	case YQ_EINVAL: return "invalid argument";
	case YQ_EFORMAT: return "malformed input";
	case YQ_ENOTFOUND: return "not found";
	case YQ_EDB: return "database error";
	case YQ_ETOOBIG: return "input too large";
	case YQ_EEOF: return "end of input";
	case YQ_ECALENDAR: return "no working-day schedule loaded for that year";
	case YQ_EFORBIDDEN: return "not permitted for this role";
	case YQ_ESTATE: return "not allowed in the current state";
	}
	return "unknown error";
}
