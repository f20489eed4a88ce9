/* test_deliver.c — alert delivery.
 *
 * Offline: the field cases' signing vectors (webhook-02 DingTalk sign
 * encoded exactly once, webhook-03 Feishu key = timestamp\nsecret over an
 * empty message), the signing time read per message (webhook-01), platform
 * answers with HTTP 200 and errcode ≠ 0 (webhook-04), the security keyword
 * (webhook-05), RFC 2047 headers (email-01, email-03), the YAML config.
 *
 * Loopback: tests/tools/robotserver.py (an independent Python check of the
 * signatures, keyword, sizes) and tests/tools/smtpsink.py (aiosmtpd, with
 * Python's email package decoding the headers): delivery to every channel,
 * one notification per recipient, platform errors recorded as failed and not
 * retried, backoff, escalation and ack, a sender killed mid-send and between
 * attempts (no loss, no duplicate). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "base/error.h"
#include "deliver/channel.h"
#include "deliver/deliver.h"
#include "deliver/mail.h"

static char dir[64];
static int robot_port, smtp_port;
static pid_t robot_pid = -1, smtp_pid = -1;

/* ---- helpers ---- */

/* start_tool: runs tests/tools/<script> with up to four arguments (NULL
 * ends the list early); its first output line is the port. */
static pid_t start_tool(const char *script, const char *a1, const char *a2, const char *a3,
			const char *a4, int *port)
{
	const char *src = getenv("YQ_SRC");
	char path[4096], line[32] = {0};
	int fd[2];
	size_t n = 0;
	snprintf(path, sizeof path, "%s/tests/tools/%s", src ? src : ".", script);
	if (pipe(fd))
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execl("/usr/bin/python3", "python3", path, "--lifetime", "200", a1, a2, a3, a4,
		      (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	while (n < sizeof line - 1) {
		ssize_t r = read(fd[0], line + n, 1);
		if (r <= 0 || line[n] == '\n')
			break;
		n++;
	}
	close(fd[0]);
	*port = atoi(line);
	return *port > 0 ? pid : -1;
}

static int setup_group(void **state)
{
	char sinkdir[128];
	strcpy(dir, "/tmp/yq_test_deliver_XXXXXX");
	if (!mkdtemp(dir) || sodium_init() < 0)
		return -1;
	snprintf(sinkdir, sizeof sinkdir, "%s/mail", dir);
	if (mkdir(sinkdir, 0700))
		return -1;
	robot_pid = start_tool("robotserver.py", "--hook-secret", "hook-secret-1", NULL, NULL,
			       &robot_port);
	smtp_pid = start_tool("smtpsink.py", "--dir", sinkdir, "--fail-first", "1", &smtp_port);
	return robot_pid > 0 && smtp_pid > 0 ? 0 : -1;
}

static int teardown_group(void **state)
{
	char cmd[128];
	if (robot_pid > 0) {
		kill(robot_pid, SIGTERM);
		waitpid(robot_pid, NULL, 0);
	}
	if (smtp_pid > 0) {
		kill(smtp_pid, SIGTERM);
		waitpid(smtp_pid, NULL, 0);
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	yq_buf_add(arg, p, size * n);
	return size * n;
}

/* http_get: GET path on the robot server; the body in b. */
static void http_get(const char *path, struct yq_buf *b)
{
	char url[512];
	CURL *c = curl_easy_init();
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", robot_port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_cleanup(c);
}

static void control(const char *path)
{
	struct yq_buf b = YQ_BUF_INIT;
	http_get(path, &b);
	yq_buf_release(&b);
}

/* server_log: the requests whose query contains tag (new reference). */
static json_t *server_log(const char *tag)
{
	struct yq_buf b = YQ_BUF_INIT;
	http_get("/log", &b);
	json_t *all = json_loads(b.s, 0, NULL), *out = json_array(), *e;
	size_t i;
	assert_non_null(all);
	json_array_foreach(all, i, e) {
		const char *q = json_string_value(json_object_get(e, "query"));
		if (q && strstr(q, tag))
			json_array_append(out, e);
	}
	json_decref(all);
	yq_buf_release(&b);
	return out;
}

static sqlite3 *open_db(const char *name)
{
	char path[160];
	sqlite3 *db;
	snprintf(path, sizeof path, "%s/%s.db", dir, name);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(yq_deliver_init(db), 0);
	return db;
}

/* config: yq_deliver_config_load of text with @P@ replaced by the robot
 * port, @S@ by the SMTP port and @T@ by tag. */
static struct yq_deliver_config *config(const char *text, const char *tag)
{
	char path[160];
	struct yq_buf b = YQ_BUF_INIT, err = YQ_BUF_INIT;
	struct yq_deliver_config *cfg = NULL;
	for (const char *p = text; *p; p++) {
		if (!strncmp(p, "@P@", 3)) {
			yq_buf_printf(&b, "%d", robot_port);
			p += 2;
		} else if (!strncmp(p, "@S@", 3)) {
			yq_buf_printf(&b, "%d", smtp_port);
			p += 2;
		} else if (!strncmp(p, "@T@", 3)) {
			yq_buf_adds(&b, tag);
			p += 2;
		} else {
			yq_buf_addc(&b, *p);
		}
	}
	snprintf(path, sizeof path, "%s/%s.yaml", dir, tag);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(b.s, f);
	fclose(f);
	int rc = yq_deliver_config_load(path, &cfg, &err);
	if (rc)
		fprintf(stderr, "config: %s\n", err.s);
	assert_int_equal(rc, 0);
	yq_buf_release(&b);
	yq_buf_release(&err);
	return cfg;
}

/* row_state: the state of the outbox row of alert for channel (its
 * attempts in *attempts, its last_error copied to err if not NULL). */
static const char *row_state(sqlite3 *db, int64_t alert, const char *channel, int *attempts,
			     char *err, size_t errcap)
{
	static char st[32];
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT state, attempts, last_error FROM deliver_outbox"
					    " WHERE alert_id = ?1 AND channel = ?2",
					    -1, &s, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(s, 1, alert);
	sqlite3_bind_text(s, 2, channel, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_finalize(s);
		return "none";
	}
	snprintf(st, sizeof st, "%s", (const char *)sqlite3_column_text(s, 0));
	if (attempts)
		*attempts = sqlite3_column_int(s, 1);
	if (err) {
		const char *e = (const char *)sqlite3_column_text(s, 2);
		snprintf(err, errcap, "%s", e ? e : "");
	}
	sqlite3_finalize(s);
	return st;
}

static const char ALERT[] =
	"{\"id\":%d,\"event\":42,\"time\":1735689600,\"level\":\"II\","
	"\"title\":\"某区供暖投诉量上升\",\"summary\":\"24小时内供暖投诉帖子增至120条\","
	"\"url\":\"http://127.0.0.1/events/42\"}";

static void enqueue(sqlite3 *db, const struct yq_deliver_config *cfg, int id, int64_t now,
		    int want_queued)
{
	char a[512];
	int q = -1;
	snprintf(a, sizeof a, ALERT, id);
	assert_int_equal(yq_deliver_enqueue(db, cfg, a, NULL, 0, now, &q), 0);
	assert_int_equal(q, want_queued);
}

/* ---- offline ---- */

static void test_sign_vectors(void **state)
{
	char s[YQ_SIGN_B64];
	/* webhook-02 */
	assert_int_equal(yq_channel_dingtalk_sign("SECfieldtest009", 1735689600000LL, s), 0);
	assert_string_equal(s, "ScYrUanYw/9s7KZC6weMK5yUHkdu+vaoYkN/vitC+bI=");
	/* webhook-03: key = timestamp\nsecret, message empty, seconds */
	assert_int_equal(yq_channel_feishu_sign("feishu-test-000", 1735689600, s), 0);
	assert_string_equal(s, "DIWg6yg0oNhPPgcrGNdrM8LdPKfjL1c+rbJQXtM8JNo=");
	assert_string_not_equal(s, "fSCKVv0/h4UuSHwuTGtOxIbCJu1rNwSNFc/B8/sXu+g=");
	struct yq_buf b = YQ_BUF_INIT;
	assert_int_equal(yq_channel_urlencode(&b, "a+b/c=d ~x_y.z-中"), 0);
	assert_string_equal(b.s, "a%2Bb%2Fc%3Dd%20~x_y.z-%E4%B8%AD");
	yq_buf_release(&b);
}

static json_t *alert_json(int id)
{
	char a[512];
	snprintf(a, sizeof a, ALERT, id);
	json_t *j = json_loads(a, 0, NULL);
	assert_non_null(j);
	return j;
}

static struct yq_channel robot(enum yq_channel_kind k, const char *url, const char *secret,
			       const char *keyword)
{
	struct yq_channel c = {0};
	c.name = (char *)"r";
	c.kind = k;
	c.url = (char *)url;
	c.secret = (char *)secret;
	c.keyword = (char *)keyword;
	c.timeout_s = 5;
	return c;
}

/* webhook-01 and -02: the URL carries the send time and the sign encoded once */
static void test_dingtalk_url(void **state)
{
	struct yq_channel c = robot(YQ_CHANNEL_DINGTALK,
				    "https://oapi.dingtalk.com/robot/send?access_token=abc",
				    "SECfieldtest009", NULL);
	json_t *a = alert_json(1);
	struct yq_channel_req r;
	char s2[YQ_SIGN_B64], want[256];

	yq_channel_req_init(&r);
	assert_int_equal(yq_channel_build(&c, a, NULL, 1735689600000LL, NULL, &r), 0);
	assert_string_equal(r.url.s, "https://oapi.dingtalk.com/robot/send?access_token=abc"
				     "&timestamp=1735689600000"
				     "&sign=ScYrUanYw%2F9s7KZC6weMK5yUHkdu%2BvaoYkN%2FvitC%2BbI%3D");
	assert_null(strstr(r.url.s, "%25"));
	yq_channel_req_release(&r);

	/* one hour and a minute later: a new timestamp and a recomputed sign */
	yq_channel_req_init(&r);
	assert_int_equal(yq_channel_build(&c, a, NULL, 1735693260000LL, NULL, &r), 0);
	assert_int_equal(yq_channel_dingtalk_sign("SECfieldtest009", 1735693260000LL, s2), 0);
	struct yq_buf enc = YQ_BUF_INIT;
	yq_channel_urlencode(&enc, s2);
	snprintf(want, sizeof want, "&timestamp=1735693260000&sign=%s", enc.s);
	assert_non_null(strstr(r.url.s, want));
	assert_null(strstr(r.url.s, "1735689600000"));
	yq_buf_release(&enc);
	/* the body is DingTalk markdown with the title in the text */
	json_t *body = json_loads(r.body.s, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(body, "msgtype")), "markdown");
	const char *text = json_string_value(json_object_get(json_object_get(body, "markdown"),
							     "text"));
	assert_non_null(strstr(text, "### 【Ⅱ级(橙色)预警】某区供暖投诉量上升"));
	assert_non_null(strstr(text, "时间：2025-01-01 08:00")); /* Asia/Shanghai */
	json_decref(body);
	yq_channel_req_release(&r);
	json_decref(a);
}

/* webhook-03: timestamp (seconds) and sign in the body, not the URL */
static void test_feishu_body(void **state)
{
	struct yq_channel c = robot(YQ_CHANNEL_FEISHU,
				    "https://open.feishu.cn/open-apis/bot/v2/hook/xyz",
				    "feishu-test-000", NULL);
	json_t *a = alert_json(1);
	struct yq_channel_req r;
	yq_channel_req_init(&r);
	assert_int_equal(yq_channel_build(&c, a, NULL, 1735689600123LL, NULL, &r), 0);
	assert_string_equal(r.url.s, "https://open.feishu.cn/open-apis/bot/v2/hook/xyz");
	json_t *body = json_loads(r.body.s, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(body, "timestamp")), "1735689600");
	assert_string_equal(json_string_value(json_object_get(body, "sign")),
			    "DIWg6yg0oNhPPgcrGNdrM8LdPKfjL1c+rbJQXtM8JNo=");
	assert_string_equal(json_string_value(json_object_get(body, "msg_type")), "text");
	json_decref(body);
	yq_channel_req_release(&r);
	json_decref(a);
}

/* webhook-04: HTTP 200 with a platform error is a failure */
static void test_check_answers(void **state)
{
	struct yq_buf e = YQ_BUF_INIT;
	int perm;
	const char *ding = "{\"errcode\":310000,\"errmsg\":\"keywords not in content\"}";
	const char *wecom = "{\"errcode\":40058,\"errmsg\":\"markdown.content exceed max length 4096\"}";
	const char *feishu = "{\"code\":19021,\"msg\":\"sign match fail or timestamp is not within "
			     "one hour from current time\"}";
	assert_int_equal(yq_channel_check(YQ_CHANNEL_DINGTALK, 200, ding, strlen(ding), &perm, &e),
			 YQ_EIO);
	assert_int_equal(perm, 1);
	assert_string_equal(e.s, "errcode 310000: keywords not in content");
	yq_buf_reset(&e);
	assert_int_equal(yq_channel_check(YQ_CHANNEL_WECOM, 200, wecom, strlen(wecom), &perm, &e),
			 YQ_EIO);
	assert_string_equal(e.s, "errcode 40058: markdown.content exceed max length 4096");
	yq_buf_reset(&e);
	assert_int_equal(yq_channel_check(YQ_CHANNEL_FEISHU, 200, feishu, strlen(feishu), &perm, &e),
			 YQ_EIO);
	assert_int_equal(perm, 1);
	assert_string_equal(e.s, "code 19021: sign match fail or timestamp is not within one hour "
				 "from current time");
	yq_buf_reset(&e);
	/* successes */
	assert_int_equal(yq_channel_check(YQ_CHANNEL_DINGTALK, 200, "{\"errcode\":0}", 13, &perm, &e),
			 0);
	assert_int_equal(yq_channel_check(YQ_CHANNEL_FEISHU, 200, "{\"StatusCode\":0}", 16, &perm,
					  &e),
			 0);
	assert_int_equal(yq_channel_check(YQ_CHANNEL_WEBHOOK, 204, "", 0, &perm, &e), 0);
	/* no code at all, HTML, rate limits, HTTP errors */
	assert_int_equal(yq_channel_check(YQ_CHANNEL_WECOM, 200, "{}", 2, &perm, &e), YQ_EIO);
	assert_int_equal(perm, 0);
	yq_buf_reset(&e);
	assert_int_equal(yq_channel_check(YQ_CHANNEL_DINGTALK, 200, "<html>", 6, &perm, &e), YQ_EIO);
	yq_buf_reset(&e);
	assert_int_equal(yq_channel_check(YQ_CHANNEL_DINGTALK, 200,
					  "{\"errcode\":130101,\"errmsg\":\"send too fast\"}", 43,
					  &perm, &e),
			 YQ_EIO);
	assert_int_equal(perm, 0);
	yq_buf_reset(&e);
	assert_int_equal(yq_channel_check(YQ_CHANNEL_WEBHOOK, 503, "", 0, &perm, &e), YQ_EIO);
	assert_int_equal(perm, 0);
	assert_string_equal(e.s, "HTTP 503");
	yq_buf_reset(&e);
	assert_int_equal(yq_channel_check(YQ_CHANNEL_WEBHOOK, 404, "", 0, &perm, &e), YQ_EIO);
	assert_int_equal(perm, 1);
	yq_buf_reset(&e);
	assert_int_equal(yq_channel_check(YQ_CHANNEL_WEBHOOK, 429, "", 0, &perm, &e), YQ_EIO);
	assert_int_equal(perm, 0);
	yq_buf_release(&e);
}

/* webhook-05: the keyword ends up in what is POSTed */
static void test_keyword(void **state)
{
	struct yq_channel c = robot(YQ_CHANNEL_DINGTALK, "http://x/", NULL, "舆情");
	c.title_tmpl = (char *)"【预警】{{title}}";
	c.body_tmpl = (char *)"{{summary}}";
	json_t *a = alert_json(1);
	struct yq_buf t = YQ_BUF_INIT, x = YQ_BUF_INIT;
	assert_int_equal(yq_channel_render(&c, a, NULL, &t, &x), 0);
	assert_string_equal(t.s, "【舆情】【预警】某区供暖投诉量上升");
	assert_string_equal(x.s, "24小时内供暖投诉帖子增至120条");
	yq_buf_reset(&t);
	yq_buf_reset(&x);
	c.title_tmpl = (char *)"舆情预警：{{title}}";
	assert_int_equal(yq_channel_render(&c, a, NULL, &t, &x), 0);
	assert_string_equal(t.s, "舆情预警：某区供暖投诉量上升");
	yq_buf_release(&t);
	yq_buf_release(&x);
	struct yq_buf e = YQ_BUF_INIT;
	assert_int_equal(yq_channel_template_check("{{title}} {{nope}}", &e), YQ_EFORMAT);
	assert_string_equal(e.s, "unknown placeholder {{nope}}");
	yq_buf_release(&e);
	json_decref(a);
}

/* WeCom's 4096-byte cap: cut on a character boundary */
static void test_wecom_cap(void **state)
{
	struct yq_channel c = robot(YQ_CHANNEL_WECOM, "http://x/", NULL, NULL);
	c.body_tmpl = (char *)"{{summary}}";
	json_t *a = alert_json(1);
	struct yq_buf big = YQ_BUF_INIT;
	for (int i = 0; i < 3000; i++)
		yq_buf_adds(&big, "舆");
	json_object_set_new(a, "summary", json_string(big.s));
	struct yq_channel_req r;
	yq_channel_req_init(&r);
	assert_int_equal(yq_channel_build(&c, a, NULL, 0, NULL, &r), 0);
	json_t *body = json_loads(r.body.s, 0, NULL);
	assert_non_null(body); /* valid JSON: valid UTF-8 */
	const char *content = json_string_value(json_object_get(json_object_get(body, "markdown"),
								"content"));
	assert_true(strlen(content) <= 4096);
	assert_true(strlen(content) > 4090);
	json_decref(body);
	yq_channel_req_release(&r);
	yq_buf_release(&big);
	json_decref(a);
}

/* email-01, email-03 */
static void test_mail_headers(void **state)
{
	struct yq_buf b = YQ_BUF_INIT;
	assert_int_equal(yq_mail_mailbox(&b, "市网信办舆情监测", "alert@example.gov.cn"), 0);
	assert_string_equal(b.s, "=?UTF-8?B?5biC572R5L+h5Yqe6IiG5oOF55uR5rWL?= <alert@example.gov.cn>");
	yq_buf_reset(&b);
	assert_int_equal(yq_mail_encode_words(&b, "舆情预警", strlen("舆情预警")), 0);
	assert_string_equal(b.s, "=?UTF-8?B?6IiG5oOF6aKE6K2m?=");
	yq_buf_reset(&b);
	assert_int_equal(yq_mail_mailbox(&b, "Duty \"A\"", "a@b.cn"), 0);
	assert_string_equal(b.s, "\"Duty \\\"A\\\"\" <a@b.cn>");
	yq_buf_reset(&b);
	assert_int_equal(yq_mail_mailbox(&b, "x\r\nBcc: evil@x.cn", "a@b.cn"), 0);
	assert_null(strchr(b.s, '\r'));
	yq_buf_reset(&b);
	assert_int_equal(yq_mail_mailbox(&b, "张三", "not an address"), YQ_EINVAL);
	assert_int_equal(yq_mail_mailbox(&b, "张三", "张@例子.中国"), YQ_EINVAL);

	/* a long subject: words of whole characters, each ≤ 75 chars */
	const char *subj = "【Ⅱ级(橙色)预警】某区供暖投诉量上升，24小时内供暖投诉帖子增至120条，请立即研判处置";
	yq_buf_reset(&b);
	assert_int_equal(yq_mail_encode_words(&b, subj, strlen(subj)), 0);
	struct yq_buf joined = YQ_BUF_INIT;
	int words = 0;
	for (char *p = b.s; (p = strstr(p, "=?UTF-8?B?"));) {
		char *e = strstr(p + 10, "?=");
		assert_non_null(e);
		assert_true(e + 2 - p <= 75);
		unsigned char bin[64];
		size_t n;
		assert_int_equal(sodium_base642bin(bin, sizeof bin, p + 10, (size_t)(e - p - 10), NULL,
						   &n, NULL, sodium_base64_VARIANT_ORIGINAL),
				 0);
		/* each word alone is whole UTF-8 */
		assert_true(n > 0 && (bin[0] & 0xC0) != 0x80);
		json_t *probe = json_stringn((const char *)bin, n);
		assert_non_null(probe);
		json_decref(probe);
		yq_buf_add(&joined, bin, n);
		words++;
		p = e + 2;
	}
	assert_true(words >= 3);
	assert_string_equal(joined.s, subj);
	yq_buf_release(&joined);

	/* the whole message: 7-bit headers, MIME parts with base64 */
	struct yq_mail m = {"市网信办舆情监测", "alert@example.gov.cn", "张三", "zs@example.gov.cn",
			    "舆情预警", "中文正文", "<p>中文正文</p>", "<x1@example.gov.cn>",
			    1735689600};
	yq_buf_reset(&b);
	assert_int_equal(yq_mail_build(&m, &b), 0);
	for (size_t i = 0; i < b.len; i++)
		assert_true((unsigned char)b.s[i] < 128);
	assert_non_null(strstr(b.s, "Date: Wed, 01 Jan 2025 08:00:00 +0800\r\n"));
	assert_non_null(strstr(b.s, "\r\nFrom: =?UTF-8?B?5biC572R5L+h5Yqe6IiG5oOF55uR5rWL?= "
				    "<alert@example.gov.cn>\r\n"));
	assert_non_null(strstr(b.s, "\r\nTo: =?UTF-8?B?5byg5LiJ?= <zs@example.gov.cn>\r\n"));
	assert_non_null(strstr(b.s, "\r\nSubject: =?UTF-8?B?6IiG5oOF6aKE6K2m?=\r\n"));
	assert_non_null(strstr(b.s, "Content-Type: text/html; charset=UTF-8\r\n"
				    "Content-Transfer-Encoding: base64\r\n"));
	assert_non_null(strstr(b.s, "MIME-Version: 1.0\r\n"));
	yq_buf_release(&b);
}

static void test_config_errors(void **state)
{
	static const struct {
		const char *yaml, *err;
	} bad[] = {
		{"channels:\n  - name: a\n    kind: dingtalk\n    url: http://x/\n    secert: S\n",
		 "line 5: unknown channel key 'secert'"},
		{"channels:\n  - name: a\n    kind: pager\n    url: http://x/\n",
		 "line 3: kind must be webhook, wecom, dingtalk, feishu or email"},
		{"channels:\n  - name: a\n    kind: webhook\n    url: ftp://x/\n",
		 "line 2: channel a: the url must be http:// or https://"},
		{"channels:\n  - {name: m, kind: email, url: 'smtp://127.0.0.1:25'}\n",
		 "line 2: channel m needs a from address (ASCII local@domain)"},
		{"channels:\n  - {name: a, kind: webhook, url: 'http://x/'}\n"
		 "  - {name: a, kind: webhook, url: 'http://y/'}\n",
		 "line 3: two channels are called a"},
		{"channels:\n  - {name: a, kind: webhook, url: 'http://x/', title: '{{titel}}'}\n",
		 "line 2: channel a: unknown placeholder {{titel}}"},
		{"channels:\n  - {name: a, kind: webhook, url: 'http://x/'}\nroster:\n"
		 "  - after_minutes: 0\n    notify: [{channel: b}]\n",
		 "line 5: recipient names no configured channel 'b'"},
		{"channels:\n  - {name: m, kind: email, url: 'smtp://h', from: a@b.cn}\nroster:\n"
		 "  - after_minutes: 0\n    notify: [{channel: m, name: 张三}]\n",
		 "line 5: an e-mail recipient needs an address (ASCII local@domain)"},
		{"channels:\n  - {name: a, kind: webhook, url: 'http://x/'}\nroster:\n"
		 "  - after_minutes: 0\n    notify: [{channel: a}]\n"
		 "  - after_minutes: 0\n    notify: [{channel: a}]\n",
		 "line 6: after_minutes must increase from level to level"},
		{"roster:\n  - after_minutes: 5\n    notify: []\n",
		 "line 2: the first roster level has after_minutes: 0"},
		{"channels:\n  - {name: a, kind: wecom, url: 'http://x/', interrupted: maybe}\n",
		 "line 2: interrupted must be resend or hold"},
	};
	char path[160];
	snprintf(path, sizeof path, "%s/bad.yaml", dir);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct yq_deliver_config *cfg = (void *)1;
		struct yq_buf err = YQ_BUF_INIT;
		FILE *f = fopen(path, "w");
		fputs(bad[i].yaml, f);
		fclose(f);
		assert_int_equal(yq_deliver_config_load(path, &cfg, &err), YQ_EFORMAT);
		assert_null(cfg);
		assert_string_equal(err.s, bad[i].err);
		yq_buf_release(&err);
	}
}

/* ---- loopback ---- */

static const char ALL_CHANNELS[] =
	"channels:\n"
	"  - {name: ding, kind: dingtalk, secret: SECfieldtest009, keyword: 舆情,\n"
	"     url: 'http://127.0.0.1:@P@/dingtalk?access_token=@T@',\n"
	"     title: '【预警】{{title}}', body: '{{summary}}'}\n"
	"  - {name: feishu, kind: feishu, secret: feishu-test-000,\n"
	"     url: 'http://127.0.0.1:@P@/feishu?t=@T@'}\n"
	"  - {name: wecom, kind: wecom, url: 'http://127.0.0.1:@P@/wecom?key=@T@'}\n"
	"  - {name: hook, kind: webhook, secret: hook-secret-1,\n"
	"     url: 'http://127.0.0.1:@P@/webhook?t=@T@'}\n"
	"roster:\n"
	"  - after_minutes: 0\n"
	"    notify: [{channel: ding}, {channel: feishu}, {channel: wecom}, {channel: hook}]\n";

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

static void test_deliver_all_channels(void **state)
{
	sqlite3 *db = open_db("all");
	struct yq_deliver_config *cfg = config(ALL_CHANNELS, "all1");
	struct yq_deliver *d;
	struct yq_tick_stats st = {0};
	int64_t t = now_s();

	assert_int_equal(yq_deliver_open(db, cfg, &d), 0);
	enqueue(db, cfg, 1, t, 4);
	enqueue(db, cfg, 1, t, 0); /* the same alert again: nothing new */
	/* a scheme naming a recipient already on the roster: still one message */
	char a[512];
	int q = -1;
	struct yq_recipient extra = {.channel = 3};
	snprintf(a, sizeof a, ALERT, 1);
	assert_int_equal(yq_deliver_enqueue(db, cfg, a, &extra, 1, t, &q), 0);
	assert_int_equal(q, 0);
	assert_int_equal(yq_deliver_tick(d, t, &st), 0);
	assert_int_equal(st.sent, 4);
	assert_int_equal(st.failed, 0);
	const char *names[] = {"ding", "feishu", "wecom", "hook"};
	for (int i = 0; i < 4; i++)
		assert_string_equal(row_state(db, 1, names[i], NULL, NULL, 0), "sent");
	json_t *log = server_log("all1");
	assert_int_equal(json_array_size(log), 4);
	size_t i;
	json_t *e;
	json_array_foreach(log, i, e) {
		assert_int_equal(json_integer_value(json_object_get(e, "status")), 200);
		const char *path = json_string_value(json_object_get(e, "path"));
		const char *ans = json_string_value(json_object_get(e, "answer"));
		if (!strcmp(path, "/webhook")) {
			json_t *h = json_object_get(e, "headers");
			assert_string_equal(json_string_value(json_object_get(h, "idempotency-key")),
					    "yq-alert-1-4");
			json_t *body = json_loads(json_string_value(json_object_get(e, "body")), 0,
						  NULL);
			assert_int_equal(json_integer_value(json_object_get(
						 json_object_get(body, "alert"), "event")),
					 42);
			json_decref(body);
		} else if (!strcmp(path, "/feishu")) {
			assert_non_null(strstr(ans, "\"code\": 0"));
		} else {
			assert_non_null(strstr(ans, "\"errcode\": 0"));
		}
	}
	json_decref(log);
	/* nothing more to send */
	memset(&st, 0, sizeof st);
	assert_int_equal(yq_deliver_tick(d, t + 3600, &st), 0);
	assert_int_equal(st.sent, 0);
	assert_int_equal(yq_deliver_counters(d, 0)->sent, 1);

	/* the "send test message" path renders like real alerts (webhook-05) */
	struct yq_buf err = YQ_BUF_INIT;
	assert_int_equal(yq_deliver_test(d, "ding", NULL, &err), 0);
	log = server_log("all1");
	e = json_array_get(log, json_array_size(log) - 1);
	assert_non_null(strstr(json_string_value(json_object_get(e, "body")), "舆情"));
	assert_non_null(strstr(json_string_value(json_object_get(e, "body")), "测试消息"));
	json_decref(log);
	assert_int_equal(yq_deliver_test(d, "nope", NULL, &err), YQ_ENOTFOUND);
	yq_buf_release(&err);

	struct yq_buf list = YQ_BUF_INIT;
	assert_int_equal(yq_deliver_list_json(db, 1, 10, &list), 0);
	assert_non_null(strstr(list.s, "\"state\":\"sent\""));
	yq_buf_release(&list);
	yq_deliver_free(d);
	yq_deliver_config_free(cfg);
	sqlite3_close(db);
}

/* webhook-04 end to end: recorded as failed with the platform's code and
 * message, counted, and not retried. */
static void test_platform_errors(void **state)
{
	sqlite3 *db = open_db("errors");
	struct yq_deliver_config *cfg = config(ALL_CHANNELS, "err1");
	struct yq_deliver *d;
	struct yq_tick_stats st = {0};
	char err[256];
	int att;
	int64_t t = now_s();

	control("/mode?path=/dingtalk&body=%7B%22errcode%22%3A310000%2C%22errmsg%22%3A%22keywords%20not%20in%20content%22%7D");
	control("/mode?path=/wecom&body=%7B%22errcode%22%3A40058%2C%22errmsg%22%3A%22markdown.content%20exceed%20max%20length%204096%22%7D");
	control("/mode?path=/feishu&body=%7B%22code%22%3A19021%2C%22msg%22%3A%22sign%20match%20fail%22%7D");
	assert_int_equal(yq_deliver_open(db, cfg, &d), 0);
	enqueue(db, cfg, 7, t, 4);
	assert_int_equal(yq_deliver_tick(d, t, &st), 0);
	assert_int_equal(st.sent, 1); /* the webhook */
	assert_int_equal(st.failed, 3);
	assert_string_equal(row_state(db, 7, "ding", &att, err, sizeof err), "failed");
	assert_string_equal(err, "errcode 310000: keywords not in content");
	assert_string_equal(row_state(db, 7, "wecom", &att, err, sizeof err), "failed");
	assert_string_equal(err, "errcode 40058: markdown.content exceed max length 4096");
	assert_string_equal(row_state(db, 7, "feishu", &att, err, sizeof err), "failed");
	assert_string_equal(err, "code 19021: sign match fail");
	assert_int_equal(att, 1);
	assert_int_equal(yq_deliver_counters(d, 0)->failures, 1);
	assert_int_equal(yq_deliver_counters(d, 1)->failures, 1);
	assert_int_equal(yq_deliver_counters(d, 2)->failures, 1);
	/* later ticks send nothing again */
	memset(&st, 0, sizeof st);
	assert_int_equal(yq_deliver_tick(d, t + 7200, &st), 0);
	assert_int_equal(st.sent + st.failed + st.retry, 0);
	json_t *log = server_log("err1");
	assert_int_equal(json_array_size(log), 4);
	json_decref(log);
	yq_deliver_free(d);
	yq_deliver_config_free(cfg);
	sqlite3_close(db);
}

static void test_retry_backoff(void **state)
{
	sqlite3 *db = open_db("retry");
	struct yq_deliver_config *cfg = config(
		"channels:\n  - {name: hook, kind: webhook, secret: hook-secret-1,\n"
		"     url: 'http://127.0.0.1:@P@/webhook?t=@T@'}\n"
		"roster:\n  - after_minutes: 0\n    notify: [{channel: hook}]\n",
		"retry1");
	struct yq_deliver *d;
	struct yq_tick_stats st = {0};
	char err[256];
	int att;
	int64_t t = now_s();

	control("/mode?path=/webhook&status=500&times=2");
	assert_int_equal(yq_deliver_open(db, cfg, &d), 0);
	enqueue(db, cfg, 3, t, 1);
	assert_int_equal(yq_deliver_tick(d, t, &st), 0);
	assert_string_equal(row_state(db, 3, "hook", &att, err, sizeof err), "pending");
	assert_string_equal(err, "HTTP 500");
	assert_int_equal(att, 1);
	assert_int_equal(yq_deliver_tick(d, t + 29, &st), 0); /* base 30 s: not yet */
	assert_int_equal(st.retry, 1);
	assert_int_equal(yq_deliver_tick(d, t + 30, &st), 0);
	assert_string_equal(row_state(db, 3, "hook", &att, NULL, 0), "pending");
	assert_int_equal(att, 2);
	assert_int_equal(yq_deliver_tick(d, t + 30 + 59, &st), 0); /* then 60 s */
	assert_string_equal(row_state(db, 3, "hook", &att, NULL, 0), "pending");
	assert_int_equal(att, 2);
	assert_int_equal(yq_deliver_tick(d, t + 30 + 60, &st), 0);
	assert_string_equal(row_state(db, 3, "hook", &att, NULL, 0), "sent");
	assert_int_equal(att, 3);
	assert_int_equal(st.sent, 1);
	assert_int_equal(yq_deliver_counters(d, 0)->retries, 2);
	json_t *log = server_log("retry1");
	assert_int_equal(json_array_size(log), 3);
	json_decref(log);

	/* max_attempts ends it as failed */
	cfg->max_attempts = 2;
	control("/mode?path=/webhook&status=503&times=5");
	enqueue(db, cfg, 4, t, 1);
	assert_int_equal(yq_deliver_tick(d, t, NULL), 0);
	assert_int_equal(yq_deliver_tick(d, t + 30, NULL), 0);
	assert_string_equal(row_state(db, 4, "hook", &att, err, sizeof err), "failed");
	assert_int_equal(att, 2);
	control("/mode?path=/webhook&times=0");
	yq_deliver_free(d);
	yq_deliver_config_free(cfg);
	sqlite3_close(db);
}

static void test_escalation(void **state)
{
	sqlite3 *db = open_db("esc");
	struct yq_deliver_config *cfg = config(
		"channels:\n"
		"  - {name: hook, kind: webhook, secret: hook-secret-1,\n"
		"     url: 'http://127.0.0.1:@P@/webhook?t=@T@'}\n"
		"  - {name: wecom, kind: wecom, url: 'http://127.0.0.1:@P@/wecom?key=@T@'}\n"
		"  - {name: feishu, kind: feishu, url: 'http://127.0.0.1:@P@/feishu?t=@T@',\n"
		"     secret: feishu-test-000}\n"
		"roster:\n"
		"  - after_minutes: 0\n    notify: [{channel: hook}]\n"
		"  - after_minutes: 15\n    notify: [{channel: wecom}]\n"
		"  - after_minutes: 30\n    notify: [{channel: feishu}]\n",
		"esc1");
	struct yq_deliver *d;
	struct yq_tick_stats st = {0};
	int64_t t = now_s();

	assert_int_equal(yq_deliver_open(db, cfg, &d), 0);
	enqueue(db, cfg, 10, t, 1);
	enqueue(db, cfg, 11, t, 1);
	assert_int_equal(yq_deliver_tick(d, t, &st), 0);
	assert_int_equal(st.sent, 2);
	assert_int_equal(yq_deliver_tick(d, t + 14 * 60 + 59, &st), 0);
	assert_int_equal(st.escalated, 0);
	assert_int_equal(yq_deliver_tick(d, t + 15 * 60, &st), 0);
	assert_int_equal(st.escalated, 2);
	assert_string_equal(row_state(db, 10, "wecom", NULL, NULL, 0), "sent");
	/* alert 10 acknowledged: no level 2 for it */
	assert_int_equal(yq_deliver_ack(db, 10, "duty", t + 20 * 60), 0);
	assert_int_equal(yq_deliver_ack(db, 10, "other", t + 21 * 60), 0);
	assert_int_equal(yq_deliver_ack(db, 99, "duty", t), YQ_ENOTFOUND);
	assert_int_equal(yq_deliver_tick(d, t + 31 * 60, &st), 0);
	assert_int_equal(st.escalated, 3);
	assert_string_equal(row_state(db, 10, "feishu", NULL, NULL, 0), "none");
	assert_string_equal(row_state(db, 11, "feishu", NULL, NULL, 0), "sent");
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT acked_by, acked_at FROM deliver_alerts"
						" WHERE alert_id = 10",
					    -1, &s, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "duty"); /* first ack kept */
	assert_int_equal(sqlite3_column_int64(s, 1), t + 20 * 60);
	sqlite3_finalize(s);
	/* an alert found overdue by a whole hour (process was down) goes up
	 * every due level in one tick */
	enqueue(db, cfg, 12, t, 1);
	memset(&st, 0, sizeof st);
	assert_int_equal(yq_deliver_tick(d, t + 3600, &st), 0);
	assert_int_equal(st.escalated, 2);
	assert_int_equal(st.sent, 3);
	yq_deliver_free(d);
	yq_deliver_config_free(cfg);
	sqlite3_close(db);
}

/* webhook-01 on the wire: the server's clock and the sender's both jump by
 * 61 minutes; the second message must carry the new time. */
static int64_t offset_ms;
static int64_t test_clock(void *arg)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + offset_ms;
}

static void test_dingtalk_clock_per_send(void **state)
{
	sqlite3 *db = open_db("clock");
	struct yq_deliver_config *cfg = config(
		"channels:\n  - {name: ding, kind: dingtalk, secret: SECfieldtest009,\n"
		"     url: 'http://127.0.0.1:@P@/dingtalk?access_token=@T@', keyword: 舆情}\n"
		"roster:\n  - after_minutes: 0\n    notify: [{channel: ding}]\n",
		"clock1");
	struct yq_deliver *d;
	struct yq_tick_stats st = {0};
	int64_t t = now_s();

	assert_int_equal(yq_deliver_open(db, cfg, &d), 0);
	offset_ms = 0;
	yq_deliver_set_clock(d, test_clock, NULL);
	enqueue(db, cfg, 20, t, 1);
	assert_int_equal(yq_deliver_tick(d, t, &st), 0);
	offset_ms = 61 * 60 * 1000;
	control("/clock?offset_ms=3660000");
	enqueue(db, cfg, 21, t + 3660, 1);
	assert_int_equal(yq_deliver_tick(d, t + 3660, &st), 0);
	control("/clock?offset_ms=0");
	assert_int_equal(st.sent, 2);
	json_t *log = server_log("clock1");
	assert_int_equal(json_array_size(log), 2);
	const char *q1 = json_string_value(json_object_get(json_array_get(log, 0), "query"));
	const char *q2 = json_string_value(json_object_get(json_array_get(log, 1), "query"));
	long long t1 = atoll(strstr(q1, "timestamp=") + 10), t2 = atoll(strstr(q2, "timestamp=") + 10);
	assert_true(t2 - t1 >= 3660000 && t2 - t1 < 3660000 + 60000);
	json_decref(log);
	yq_deliver_free(d);
	yq_deliver_config_free(cfg);
	sqlite3_close(db);
}

/* email-01, email-03 through a real SMTP server; the sink refuses the
 * first message with 451, so this also covers a temporary SMTP failure. */
static void test_email(void **state)
{
	sqlite3 *db = open_db("mail");
	struct yq_deliver_config *cfg = config(
		"channels:\n  - name: mail\n    kind: email\n    url: 'smtp://127.0.0.1:@S@'\n"
		"    tls: none\n    from: {name: 市网信办舆情监测, address: alert@example.gov.cn}\n"
		"    title: 舆情预警\n    body: '{{title}}：{{summary}}，中文正文'\n"
		"roster:\n  - after_minutes: 0\n    notify:\n"
		"      - {channel: mail, name: 张三, address: ZhangSan@example.gov.cn}\n"
		"      - {channel: mail, name: 张三, address: zhangsan@EXAMPLE.gov.cn}\n",
		"mail1");
	struct yq_deliver *d;
	struct yq_tick_stats st = {0};
	int64_t t = now_s();
	char path[200], err[256];

	assert_int_equal(yq_deliver_open(db, cfg, &d), 0);
	enqueue(db, cfg, 30, t, 1); /* the same address twice: one row */
	assert_int_equal(yq_deliver_tick(d, t, &st), 0);
	assert_int_equal(st.retry, 1);
	assert_string_equal(row_state(db, 30, "mail", NULL, err, sizeof err), "pending");
	assert_non_null(strstr(err, "SMTP 451"));
	assert_int_equal(yq_deliver_tick(d, t + 30, &st), 0);
	assert_int_equal(st.sent, 1);
	snprintf(path, sizeof path, "%s/mail/1.json", dir);
	json_error_t je;
	json_t *m = json_load_file(path, 0, &je);
	assert_non_null(m);
	assert_string_equal(json_string_value(json_object_get(m, "from_raw")),
			    "=?UTF-8?B?5biC572R5L+h5Yqe6IiG5oOF55uR5rWL?= <alert@example.gov.cn>");
	assert_string_equal(json_string_value(json_object_get(m, "from")),
			    "市网信办舆情监测 <alert@example.gov.cn>");
	assert_string_equal(json_string_value(json_object_get(m, "subject_raw")),
			    "=?UTF-8?B?6IiG5oOF6aKE6K2m?=");
	assert_string_equal(json_string_value(json_object_get(m, "subject")), "舆情预警");
	assert_string_equal(json_string_value(json_object_get(m, "to")),
			    "张三 <ZhangSan@example.gov.cn>");
	assert_true(json_is_true(json_object_get(m, "headers_7bit")));
	assert_string_equal(json_string_value(json_array_get(json_object_get(m, "rcpt_tos"), 0)),
			    "ZhangSan@example.gov.cn");
	assert_string_equal(json_string_value(json_object_get(m, "mail_from")),
			    "alert@example.gov.cn");
	assert_string_equal(json_string_value(json_object_get(m, "message_id")),
			    "<yq-alert-30-1@example.gov.cn>");
	json_t *parts = json_object_get(m, "parts");
	assert_int_equal(json_array_size(parts), 2);
	json_t *html = json_array_get(parts, 1);
	assert_string_equal(json_string_value(json_object_get(html, "content_type")),
			    "text/html; charset=UTF-8");
	assert_string_equal(json_string_value(json_object_get(html, "transfer_encoding")), "base64");
	assert_non_null(strstr(json_string_value(json_object_get(html, "text")),
			       "某区供暖投诉量上升：24小时内供暖投诉帖子增至120条，中文正文"));
	json_decref(m);
	yq_deliver_free(d);
	yq_deliver_config_free(cfg);
	sqlite3_close(db);
}

/* query_int: the integer the one-row query sql gives on db. */
static int64_t query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	int64_t v = -1;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* count_log: requests to path among those tagged tag. */
static size_t count_log(const char *tag, const char *path)
{
	json_t *log = server_log(tag), *e;
	size_t i, n = 0;
	json_array_foreach(log, i, e) n += !strcmp(json_string_value(json_object_get(e, "path")),
						   path);
	json_decref(log);
	return n;
}

/* wait_log: waits (up to 20 s) until the server logged n requests to path
 * for tag, then a little longer to see any extra one; returns the count. */
static size_t wait_log(const char *tag, const char *path, size_t n)
{
	for (int i = 0; i < 400 && count_log(tag, path) < n; i++)
		usleep(50 * 1000);
	usleep(300 * 1000);
	return count_log(tag, path);
}

/* The sender is killed (SIGKILL): a child process opens the outbox and
 * ticks once at t; the parent kills it as soon as the query kill_when
 * (on the child's database) gives 1, polling for up to 20 s. */
static void child_tick(sqlite3 *db, const char *name, const char *yaml, const char *tag,
		       int64_t t, const char *kill_when)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sqlite3 *cdb = open_db(name);
		struct yq_deliver_config *cfg = config(yaml, tag);
		struct yq_deliver *d;
		if (yq_deliver_open(cdb, cfg, &d) || yq_deliver_tick(d, t, NULL))
			_exit(1);
		pause(); /* "still running" until killed */
		_exit(0);
	}
	for (int i = 0; i < 400 && query_int(db, kill_when) != 1; i++)
		usleep(50 * 1000);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_int_equal(query_int(db, kill_when), 1);
}

static const char KILL_YAML[] =
	"channels:\n"
	"  - {name: hook, kind: webhook, secret: hook-secret-1,\n"
	"     url: 'http://127.0.0.1:@P@/webhook?t=@T@'}\n"
	"  - {name: ding, kind: dingtalk, url: 'http://127.0.0.1:@P@/dingtalk?access_token=@T@',\n"
	"     keyword: 舆情, secret: SECfieldtest009}\n"
	"roster:\n  - after_minutes: 0\n    notify: [{channel: hook}, {channel: ding}]\n";

static void test_killed_mid_send(void **state)
{
	sqlite3 *db = open_db("kill1");
	struct yq_deliver_config *cfg = config(KILL_YAML, "kill1");
	struct yq_deliver *d;
	struct yq_tick_stats st = {0};
	int64_t t = now_s();
	int att;

	assert_int_equal(cfg->channels[0].resend_interrupted, 1); /* webhook default */
	assert_int_equal(cfg->channels[1].resend_interrupted, 0); /* robot default */
	enqueue(db, cfg, 40, t, 2);
	/* the webhook (row 1) answers after 3 s: the child dies inside the request */
	control("/mode?path=/webhook&delay=3");
	child_tick(db, "kill1", KILL_YAML, "kill1", t,
		   "SELECT state = 'sending' FROM deliver_outbox WHERE alert_id = 40 AND channel = 'hook'");
	assert_string_equal(row_state(db, 40, "hook", &att, NULL, 0), "sending");
	assert_string_equal(row_state(db, 40, "ding", NULL, NULL, 0), "pending");
	assert_int_equal(wait_log("kill1", "/webhook", 1), 1); /* the server got the first one */
	assert_int_equal(yq_deliver_open(db, cfg, &d), 0);
	assert_string_equal(row_state(db, 40, "hook", NULL, NULL, 0), "pending");
	assert_int_equal(yq_deliver_tick(d, t, &st), 0);
	assert_int_equal(st.sent, 2);
	assert_string_equal(row_state(db, 40, "hook", &att, NULL, 0), "sent");
	assert_int_equal(att, 2);
	/* the receiver saw the webhook twice, with one Idempotency-Key */
	assert_int_equal(wait_log("kill1", "/webhook", 2), 2);
	json_t *log = server_log("kill1"), *e;
	size_t i, hooks = 0, dings = 0;
	json_array_foreach(log, i, e) {
		const char *p = json_string_value(json_object_get(e, "path"));
		if (!strcmp(p, "/webhook")) {
			hooks++;
			assert_string_equal(json_string_value(json_object_get(
						    json_object_get(e, "headers"), "idempotency-key")),
					    "yq-alert-40-1");
		} else {
			dings++;
		}
	}
	assert_int_equal(hooks, 2);
	assert_int_equal(dings, 1);
	json_decref(log);
	yq_deliver_free(d);

	/* a robot killed mid-send: never sent twice, left for a manual check */
	enqueue(db, cfg, 41, t, 2);
	assert_int_equal(sqlite3_exec(db, "UPDATE deliver_outbox SET next_attempt = next_attempt + 1000"
					  " WHERE alert_id = 41 AND channel = 'hook'",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	control("/mode?path=/dingtalk&delay=3");
	child_tick(db, "kill1", KILL_YAML, "kill1", t,
		   "SELECT state = 'sending' FROM deliver_outbox WHERE alert_id = 41 AND channel = 'ding'");
	assert_string_equal(row_state(db, 41, "ding", NULL, NULL, 0), "sending");
	assert_int_equal(wait_log("kill1", "/dingtalk", 2), 2);
	assert_int_equal(yq_deliver_open(db, cfg, &d), 0);
	char err[256];
	assert_string_equal(row_state(db, 41, "ding", NULL, err, sizeof err), "unknown");
	assert_non_null(strstr(err, "check by hand"));
	assert_int_equal(yq_deliver_counters(d, 1)->unknown, 1);
	memset(&st, 0, sizeof st);
	assert_int_equal(yq_deliver_tick(d, t + 10, &st), 0);
	assert_int_equal(st.sent, 0);
	assert_int_equal(wait_log("kill1", "/dingtalk", 2), 2); /* alert 40 once, 41 once */
	yq_deliver_free(d);
	yq_deliver_config_free(cfg);
	sqlite3_close(db);
}

/* a robot channel configured with `interrupted: resend` prefers a possible
 * duplicate to a possible loss */
static void test_killed_resend_option(void **state)
{
	static const char yaml[] =
		"channels:\n"
		"  - {name: ding, kind: dingtalk, url: 'http://127.0.0.1:@P@/dingtalk?access_token=@T@',\n"
		"     keyword: 舆情, secret: SECfieldtest009, interrupted: resend}\n"
		"roster:\n  - after_minutes: 0\n    notify: [{channel: ding}]\n";
	sqlite3 *db = open_db("kill3");
	struct yq_deliver_config *cfg = config(yaml, "kill3");
	struct yq_deliver *d;
	struct yq_tick_stats st = {0};
	int64_t t = now_s();

	assert_int_equal(cfg->channels[0].resend_interrupted, 1);
	enqueue(db, cfg, 60, t, 1);
	control("/mode?path=/dingtalk&delay=3");
	child_tick(db, "kill3", yaml, "kill3", t,
		   "SELECT state = 'sending' FROM deliver_outbox WHERE alert_id = 60");
	assert_string_equal(row_state(db, 60, "ding", NULL, NULL, 0), "sending");
	assert_int_equal(wait_log("kill3", "/dingtalk", 1), 1);
	assert_int_equal(yq_deliver_open(db, cfg, &d), 0);
	assert_string_equal(row_state(db, 60, "ding", NULL, NULL, 0), "pending");
	assert_int_equal(yq_deliver_tick(d, t, &st), 0);
	assert_int_equal(st.sent, 1);
	assert_int_equal(wait_log("kill3", "/dingtalk", 2), 2); /* a duplicate, by choice */
	yq_deliver_free(d);
	yq_deliver_config_free(cfg);
	sqlite3_close(db);
}

static void test_killed_between_attempts(void **state)
{
	sqlite3 *db = open_db("kill2");
	struct yq_deliver_config *cfg = config(KILL_YAML, "kill2");
	struct yq_deliver *d;
	struct yq_tick_stats st = {0};
	int64_t t = now_s();
	int att;

	enqueue(db, cfg, 50, t, 2);
	control("/mode?path=/webhook&status=502");
	/* hook fails (502), ding is delivered, then the child is killed */
	child_tick(db, "kill2", KILL_YAML, "kill2", t,
		   "SELECT (SELECT state FROM deliver_outbox WHERE alert_id = 50 AND channel = 'hook')"
		   " = 'pending' AND (SELECT state FROM deliver_outbox WHERE alert_id = 50"
		   " AND channel = 'ding') = 'sent'");
	assert_string_equal(row_state(db, 50, "hook", &att, NULL, 0), "pending");
	assert_int_equal(att, 1);
	assert_string_equal(row_state(db, 50, "ding", NULL, NULL, 0), "sent");
	assert_int_equal(yq_deliver_open(db, cfg, &d), 0);
	assert_int_equal(yq_deliver_tick(d, t + 30, &st), 0);
	assert_int_equal(st.sent, 1);
	assert_int_equal(yq_deliver_tick(d, t + 3600, &st), 0);
	assert_int_equal(st.sent, 1);
	assert_int_equal(wait_log("kill2", "/webhook", 2), 2);
	json_t *log = server_log("kill2"), *e;
	size_t i, ok_hooks = 0, dings = 0;
	json_array_foreach(log, i, e) {
		const char *p = json_string_value(json_object_get(e, "path"));
		if (!strcmp(p, "/dingtalk"))
			dings++;
		else if (json_integer_value(json_object_get(e, "status")) == 200)
			ok_hooks++;
	}
	assert_int_equal(dings, 1);    /* delivered before the kill: not again */
	assert_int_equal(ok_hooks, 1); /* retried after the restart: once */
	json_decref(log);
	yq_deliver_free(d);
	yq_deliver_config_free(cfg);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_vectors),
		cmocka_unit_test(test_dingtalk_url),
		cmocka_unit_test(test_feishu_body),
		cmocka_unit_test(test_check_answers),
		cmocka_unit_test(test_keyword),
		cmocka_unit_test(test_wecom_cap),
		cmocka_unit_test(test_mail_headers),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_deliver_all_channels),
		cmocka_unit_test(test_platform_errors),
		cmocka_unit_test(test_retry_backoff),
		cmocka_unit_test(test_escalation),
		cmocka_unit_test(test_dingtalk_clock_per_send),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_killed_mid_send),
		cmocka_unit_test(test_killed_resend_option),
		cmocka_unit_test(test_killed_between_attempts),
	};
	return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
