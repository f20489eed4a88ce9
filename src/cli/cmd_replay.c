/*
 * cmd_replay.c — `yuqing replay --db DB FILE…`: the whole pipeline over a
 * recorded stream, in stream time, into SQLite; prints a summary.
 */
#include "base/error.h"
#include "cli/cli.h"
#include "cli/input.h"
#include "cli/pipeline_env.h"
#include "pipeline/pipeline.h"
#include "store/store.h"
#include "text/segment.h"
#include "warn/risk.h"

#include <signal.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
	"--db DB [--schemes F] [--sentiment MODEL | --no-sentiment] [--alerts-out F]\n"
	"       [--signals-out F] [--sensitivity F|none] [--jurisdiction W,…] [--risk-levels A,B,C,D]\n"
	"       [--no-engagement] [--cpu-timers] [--bucket DUR] [--close-after DUR] [--min-count N]\n"
	"       [--threshold X] [--format F] [--map a=b,…] [--tz TZ] [--source S] [--strict] FILE…";

/* rss_kib: a "VmRSS:" or "VmHWM:" figure of /proc/self/status in KiB, 0 if
 * unreadable. */
static long rss_kib(const char *field)
{
	char line[256];
	long v = 0;
	size_t n = strlen(field);
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, field, n) == 0) {
			v = strtol(line + n, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* parse_levels: "A,B,C,D" ascending scores in (0, 100] for IV … I. */
static int parse_levels(const char *v, double th[4])
{
	char *end;
	for (int k = 0; k < 4; k++) {
		th[k] = strtod(v, &end);
		if (end == v || !(th[k] > 0 && th[k] <= 100) || (k && th[k] < th[k - 1]))
			return -1;
		if (k < 3 && *end != ',')
			return -1;
		v = end + 1;
	}
	return *end ? -1 : 0;
}

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct ctx {
	struct yq_pipeline *p;
	struct yq_input *in;
	struct yq_buf err;
};

static int each_post(const struct yq_post *post, void *arg)
{
	struct ctx *c = arg;
	struct yq_post_result res;
	if (stop_requested) {
		c->in->stop = 1;
		return YQ_OK;
	}
	int rc = yq_pipeline_process(c->p, post, &res, &c->err);
	if (rc)
		yq_cli_err("replay", "%s", c->err.len ? c->err.s : yq_strerror(rc));
	return rc;
}

static double per_s(uint64_t n, uint64_t ns)
{
	return ns ? (double)n * 1e9 / (double)ns : 0;
}

int yq_cmd_replay(int argc, char **argv)
{
	struct yq_input in;
	struct yq_pipeline_config cfg;
	const char *signals = NULL, *sens_path = NULL, *places = NULL;
	struct yq_pipeline_env env = {0};
	FILE *sf = NULL;
	long rss_load = 0;
	struct timespec t_start; /* the command's start, for the time no stage saw */
	clock_gettime(CLOCK_MONOTONIC, &t_start);
	const char *db = NULL, *alerts = NULL, *schemes_path = NULL, *model = "sentiment";
	int model_given = 0;
	int status = YQ_EXIT_RUNTIME, rc;
	struct yq_store *st = NULL;
	FILE *af = NULL;
	struct ctx c = {0};
	char **files = calloc((size_t)argc, sizeof(char *));
	int nfiles = 0;

	yq_input_init(&in, "replay");
	yq_pipeline_config_default(&cfg);
	yq_buf_init(&c.err);
	if (!files)
		return YQ_EXIT_RUNTIME;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int k = yq_input_option(&in, argc, argv, &i);
		if (k < 0) {
			status = YQ_EXIT_USAGE;
			goto out;
		}
		if (k)
			continue;
		k = yq_pipeline_option(&cfg, "replay", argc, argv, &i);
		if (k < 0) {
			status = YQ_EXIT_USAGE;
			goto out;
		}
		if (k)
			continue;
		if (strcmp(a, "--no-engagement") == 0) {
			/* engagement's share of heat goes to volume */
			cfg.risk.heat_mix[0] += cfg.risk.heat_mix[2];
			cfg.risk.heat_mix[2] = 0;
			continue;
		}
		if (strcmp(a, "--no-sentiment") == 0) {
			model = NULL;
			continue;
		}
		if (strcmp(a, "--cpu-timers") == 0) {
			cfg.cpu_timers = 1;
			continue;
		}
		if (a[0] == '-' && a[1] && i + 1 >= argc) {
			yq_cli_err("replay", "unknown option or missing value: %s", a);
			status = yq_cli_usage("replay", usage);
			goto out;
		}
		if (strcmp(a, "--db") == 0)
			db = argv[++i];
		else if (strcmp(a, "--alerts-out") == 0)
			alerts = argv[++i];
		else if (strcmp(a, "--schemes") == 0)
			schemes_path = argv[++i];
		else if (strcmp(a, "--signals-out") == 0)
			signals = argv[++i];
		else if (strcmp(a, "--sensitivity") == 0)
			sens_path = argv[++i];
		else if (strcmp(a, "--jurisdiction") == 0)
			places = argv[++i];
		else if (strcmp(a, "--risk-levels") == 0) {
			if (parse_levels(argv[++i], cfg.risk.threshold)) {
				yq_cli_err("replay", "--risk-levels wants 4 ascending scores in (0, 100]");
				status = YQ_EXIT_USAGE;
				goto out;
			}
		} else if (strcmp(a, "--sentiment") == 0) {
			model = argv[++i];
			model_given = 1;
		} else if (strcmp(a, "--no-sentiment") == 0)
			model = NULL;
		else if (a[0] == '-' && a[1]) {
			yq_cli_err("replay", "unknown option %s", a);
			status = yq_cli_usage("replay", usage);
			goto out;
		} else
			files[nfiles++] = argv[i];
	}
	if (!db || nfiles == 0) {
		status = yq_cli_usage("replay", usage);
		goto out;
	}
	if (yq_input_open_tz(&in)) {
		status = YQ_EXIT_USAGE;
		goto out;
	}
	cfg.tz = in.tz;
	if (alerts && !(af = fopen(alerts, "w"))) {
		yq_cli_err("replay", "cannot write %s", alerts);
		goto out;
	}
	cfg.alerts_out = af;
	if (signals && !(sf = fopen(signals, "w"))) {
		yq_cli_err("replay", "cannot write %s", signals);
		goto out;
	}
	cfg.signals_out = sf;
	{
		struct yq_pipeline_env_opts eo = {
			.sensitivity = sens_path, .jurisdiction = places, .schemes = schemes_path,
			.sentiment = model, .sentiment_given = model_given,
		};
		if ((status = yq_pipeline_env_load("replay", &eo, &cfg, &env)))
			goto out;
		status = YQ_EXIT_RUNTIME;
	}
	if ((rc = yq_store_open(db, env.seg, &st, &c.err))) {
		yq_cli_err("replay", "opening %s: %s", db, c.err.s);
		goto out;
	}
	if ((rc = yq_pipeline_new(&cfg, env.seg, st, &c.p, &c.err))) {
		yq_cli_err("replay", "%s", c.err.len ? c.err.s : yq_strerror(rc));
		goto out;
	}
	c.in = &in;
	rss_load = rss_kib("VmRSS:");
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int run = yq_input_run(&in, files, nfiles, each_post, &c);
	yq_buf_reset(&c.err);
	rc = yq_pipeline_finish(c.p, &c.err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc) {
		yq_cli_err("replay", "%s", c.err.len ? c.err.s : yq_strerror(rc));
		goto out;
	}
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	struct yq_pipeline_stats s;
	yq_pipeline_stats(c.p, &s);
	printf("posts read         %llu\n", (unsigned long long)in.read);
	printf("skipped            %llu (empty text %llu, malformed %llu)\n",
	       (unsigned long long)in.bad, (unsigned long long)in.empty,
	       (unsigned long long)(in.bad - in.empty));
	printf("already stored     %llu\n", (unsigned long long)s.existed);
	printf("stored             %llu\n", (unsigned long long)s.posts);
	printf("duplicates         %llu\n", (unsigned long long)s.duplicates);
	printf("no content         %llu\n", (unsigned long long)s.no_content);
	printf("time missing       %llu (placed at stream time)\n",
	       (unsigned long long)s.time_missing);
	printf("invalid UTF-8      %llu sequences repaired\n", (unsigned long long)in.bad_utf8);
	printf("events             %llu\n", (unsigned long long)s.events);
	printf("alerts             %llu\n", (unsigned long long)s.alerts);
	if (env.schemes)
		printf("matched schemes    %llu posts\n", (unsigned long long)s.matched);
	if (env.clf)
		printf("negative           %llu posts (sentiment model %s)\n",
		       (unsigned long long)s.negative, model);
	printf("elapsed            %.2f s, %.0f posts/s\n", secs,
	       secs > 0 ? (double)in.read / secs : 0);
	printf("cpu                %.2f s (user+sys, start-up included), %.0f posts per cpu second\n",
	       cpu, cpu > 0 ? (double)in.read / cpu : 0);
	printf("stages (posts/s)   normalize %.0f, tokenize %.0f, ", per_s(s.posts, s.ns_normalize),
	       per_s(s.posts, s.ns_tokenize));
	if (env.clf)
		printf("sentiment %.0f, ", per_s(s.posts, s.ns_sentiment));
	printf("features %.0f, dedup %.0f, ", per_s(s.posts, s.ns_features),
	       per_s(s.posts, s.ns_dedup));
	if (env.schemes)
		printf("match %.0f, ", per_s(s.posts, s.ns_match));
	printf("cluster %.0f, warn %.0f, store %.0f, batch flush %.0f\n",
	       per_s(s.posts, s.ns_cluster), per_s(s.posts, s.ns_warn), per_s(s.posts, s.ns_store),
	       per_s(s.posts, s.ns_flush));
	{
		/* the same as time per post: every stage, then what no stage
		 * timer saw (start-up: dictionaries and models; reading and
		 * parsing the input) */
		uint64_t staged = s.ns_normalize + s.ns_tokenize + s.ns_sentiment + s.ns_features +
				  s.ns_dedup + s.ns_match + s.ns_cluster + s.ns_warn + s.ns_store +
				  s.ns_flush;
		double per = s.posts ? 1e-3 / (double)s.posts : 0;
		double secs_total = cfg.cpu_timers ? cpu
					       : (double)(t1.tv_sec - t_start.tv_sec) +
							 (double)(t1.tv_nsec - t_start.tv_nsec) / 1e9;
		printf("us per post (%s) normalize %.1f, tokenize %.1f, sentiment %.1f, features "
		       "%.1f, dedup %.1f, match %.1f, cluster %.1f, warn %.1f, store %.1f, "
		       "batch flush %.1f; all stages %.1f; outside them %.1f s\n",
		       cfg.cpu_timers ? "cpu" : "wall", s.ns_normalize * per, s.ns_tokenize * per,
		       s.ns_sentiment * per, s.ns_features * per, s.ns_dedup * per,
		       s.ns_match * per, s.ns_cluster * per, s.ns_warn * per, s.ns_store * per,
		       s.ns_flush * per, staged * per,
		       secs_total - (double)staged / 1e9);
	}
	printf("signals            %llu bursting terms\n", (unsigned long long)s.signals);
	{
		long peak = rss_kib("VmHWM:");
		uint64_t win = s.posts < cfg.dedup.window ? s.posts : cfg.dedup.window;
		printf("memory             rss after load %.1f MiB, peak %.1f MiB, %llu posts in the "
		       "window, %.0f bytes per post (peak - load) / window\n",
		       rss_load / 1024.0, peak / 1024.0, (unsigned long long)win,
		       win ? (double)(peak - rss_load) * 1024.0 / (double)win : 0.0);
	}
	if (stop_requested)
		printf("interrupted: everything read so far is stored\n");
	if (run == YQ_EFORMAT || run == YQ_EIO || run == YQ_EINVAL)
		goto out; /* reported; the summary still stands */
	if (run)
		goto out;
	status = YQ_EXIT_OK;
out:
	yq_pipeline_free(c.p);
	yq_store_close(st);
	yq_pipeline_env_release(&env);
	if (af)
		fclose(af);
	if (sf)
		fclose(sf);
	yq_input_release(&in);
	yq_buf_release(&c.err);
	free(files);
	return status;
}
