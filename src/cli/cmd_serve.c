/*
 * cmd_serve.c — `yuqing serve --config C`: the daemon (serve/daemon.h).
 *
 * Loads the configuration and the pipeline's resources exactly as replay
 * does (cli/pipeline_env.h), starts the daemon, then waits for SIGTERM or
 * SIGINT with the signals blocked in every thread (sigtimedwait in this
 * one), so no thread is interrupted mid-write; a signal stops the daemon,
 * which drains the queue and commits before the exit.
 */
#include "base/error.h"
#include "cli/cli.h"
#include "cli/pipeline_env.h"
#include "serve/config.h"
#include "serve/daemon.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

static const char usage[] = "--config FILE";

int yq_cmd_serve(int argc, char **argv)
{
	const char *path = NULL;
	struct yq_serve_config *cfg = NULL;
	struct yq_pipeline_config pcfg;
	struct yq_pipeline_env env = {0};
	struct yq_daemon *d = NULL;
	struct yq_tz *tz = NULL;
	struct yq_buf err = YQ_BUF_INIT;
	int status = YQ_EXIT_RUNTIME;
	sigset_t set;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			path = argv[++i];
		else {
			yq_cli_err("serve", "unexpected argument %s", argv[i]);
			return yq_cli_usage("serve", usage);
		}
	}
	if (!path)
		return yq_cli_usage("serve", usage);
	if (yq_serve_config_load(path, &cfg, &err)) {
		yq_cli_err("serve", "%s", err.s);
		status = YQ_EXIT_USAGE;
		goto out;
	}
	yq_pipeline_config_default(&pcfg);
	if (cfg->bucket)
		pcfg.cluster.bucket = cfg->bucket;
	if (cfg->close_after)
		pcfg.cluster.close_after = cfg->close_after;
	if (cfg->min_count)
		pcfg.cluster.burst.min_count = (uint32_t)cfg->min_count;
	if (cfg->no_engagement) {
		pcfg.risk.heat_mix[0] += pcfg.risk.heat_mix[2];
		pcfg.risk.heat_mix[2] = 0;
	}
	if (yq_tz_open(cfg->tz, &tz)) {
		yq_cli_err("serve", "unknown time zone '%s' (%s)", cfg->tz, path);
		status = YQ_EXIT_USAGE;
		goto out;
	}
	pcfg.tz = tz;
	/* the place names of the segmenter and of the events: the config's
	 * directory wins over the environment's default (text/segment.h) */
	if (cfg->gazetteer && strcmp(cfg->gazetteer, "none")) {
		/* a directory named in the config must be usable: the files the
		 * segmenter and the places read (text/segment.h, detect/places.h) */
		static const char *const need[] = {"provinces.csv", "cities.csv", "areas.csv",
						   "streets.csv"};
		for (size_t i = 0; i < sizeof need / sizeof *need; i++) {
			char f[4200];
			snprintf(f, sizeof f, "%s/%s", cfg->gazetteer, need[i]);
			if (access(f, R_OK)) {
				yq_cli_err("serve", "gazetteer: cannot read %s: %s (%s)", f,
					   strerror(errno), path);
				status = YQ_EXIT_USAGE;
				goto out;
			}
		}
	}
	if (cfg->gazetteer &&
	    setenv("YQ_GAZETTEER", strcmp(cfg->gazetteer, "none") ? cfg->gazetteer : "", 1)) {
		yq_cli_err("serve", "out of memory");
		goto out;
	}
	{
		struct yq_pipeline_env_opts eo = {
			.sensitivity = cfg->sensitivity, .jurisdiction = cfg->jurisdiction,
			.schemes = cfg->schemes, .sentiment = cfg->sentiment,
			.sentiment_given = cfg->sentiment_given,
		};
		if ((status = yq_pipeline_env_load("serve", &eo, &pcfg, &env)))
			goto out;
		status = YQ_EXIT_RUNTIME;
	}
	/* signals: blocked here, inherited by every thread, taken by sigtimedwait */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (yq_daemon_new(cfg, &pcfg, env.seg, &d, &err) || yq_daemon_start(d, &err)) {
		yq_cli_err("serve", "%s", err.s);
		goto out;
	}
	if (cfg->port_file) {
		FILE *f = fopen(cfg->port_file, "w");
		if (!f || fprintf(f, "%d\n", yq_daemon_port(d)) < 0 || fclose(f)) {
			yq_cli_err("serve", "cannot write the port to %s", cfg->port_file);
			goto out;
		}
	}
	fprintf(stderr, "yuqing: serve: listening on http://%s:%d (database %s)\n", cfg->host,
		yq_daemon_port(d), cfg->db);
	for (;;) {
		struct timespec ts = {0, 250 * 1000000L};
		int sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT) {
			fprintf(stderr, "yuqing: serve: %s: draining and checkpointing\n",
				sig == SIGTERM ? "SIGTERM" : "SIGINT");
			break;
		}
		if (yq_daemon_wait_fatal(d, 0))
			break;
	}
	yq_buf_reset(&err);
	if (yq_daemon_stop(d, &err)) {
		yq_cli_err("serve", "stopped on an error: %s", err.s);
		goto out;
	}
	fprintf(stderr, "yuqing: serve: stopped\n");
	status = YQ_EXIT_OK;
out:
	yq_daemon_free(d);
	yq_pipeline_env_release(&env);
	yq_tz_free(tz);
	yq_serve_config_free(cfg);
	yq_buf_release(&err);
	return status;
}
