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
	}
	return "unknown error";
}
