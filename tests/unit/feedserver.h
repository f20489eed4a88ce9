/*
 * feedserver.h — for the unit tests of the fetcher: starts
 * tests/tools/feedserver.py (fork/exec /usr/bin/python3, 127.0.0.1, a free
 * port read from its first line, --lifetime 120 s as a safety net) as a
 * cmocka group setup, creates a fetcher with short timeouts and a 1 MiB
 * body cap, and kills the server in the group teardown.  Included by one
 * test file each (static functions).
 */
#ifndef YQ_TEST_FEEDSERVER_H
#define YQ_TEST_FEEDSERVER_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collect/fetch.h"

static pid_t server_pid = -1;
static int port;
static struct yq_fetcher *fetcher; /* defaults except short timeouts */
static const int64_t NOW = 1700000000;

static int start_server(void **state)
{
	(void)state;
	const char *src = getenv("YQ_SRC");
	char script[4096];
	int fd[2];
	snprintf(script, sizeof script, "%s/tests/tools/feedserver.py", src ? src : ".");
	if (pipe(fd))
		return -1;
	server_pid = fork();
	if (server_pid < 0)
		return -1;
	if (server_pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execl("/usr/bin/python3", "python3", script, "--lifetime", "120", (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	char line[32] = {0};
	size_t n = 0;
	while (n < sizeof line - 1) {
		ssize_t r = read(fd[0], line + n, 1);
		if (r <= 0 || line[n] == '\n')
			break;
		n++;
	}
	close(fd[0]);
	port = atoi(line);
	if (port <= 0)
		return -1;
	struct yq_fetch_config cfg = {.connect_timeout_ms = 2000, .timeout_ms = 1500,
				      .max_body = 1 << 20, .max_redirects = -1};
	return yq_fetcher_new(&cfg, &fetcher);
}

static int stop_server(void **state)
{
	(void)state;
	yq_fetcher_free(fetcher);
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, NULL, 0);
	}
	return 0;
}

static char *url(const char *path)
{
	static char u[256];
	snprintf(u, sizeof u, "http://127.0.0.1:%d%s", port, path);
	return u;
}

#endif
