/* test_chk_rules.c - the arithmetic and parsing of checks/, as tables of rows.
 *
 * Rise/fall: sequences of results and the health and verdict HAProxy shows after each (the
 * rows reproduce lines printed by HAProxy 2.6.12 with `option log-health-checks`: a server
 * starts UP at health == rise, so its first failure takes it DOWN, while a fully UP server
 * needs `fall` failures). Intervals: inter when fully up, downinter when fully down,
 * fastinter in between. HTTP replies: the status-line and header parser, chunked bodies,
 * and the http-check expect rules with their statuses and descs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/checks.h"

/* ---------------------------------------------------------------- rise / fall */

struct rf_row {
	int rise, fall;
	bool start_up;
	const char *results; /* '+' success, '-' failure */
	const char *texts;   /* expected chk_health_text after each result, '|' separated */
	const char *changes; /* 'c' where the verdict changed, '.' elsewhere */
};

static const struct rf_row rf_rows[] = {
    /* HAProxy 2.6.12, inter 500 rise 2 fall 3: start, success, three refusals, two 200s */
    {2, 3, true, "+---++", "3/3 UP|2/3 UP|1/3 UP|0/2 DOWN|1/2 DOWN|3/3 UP", "...c.c"},
    /* never fully up: the first failure takes the server down */
    {2, 3, true, "-", "0/2 DOWN", "c"},
    /* rise 1 fall 1 */
    {1, 1, true, "+-+-", "1/1 UP|0/1 DOWN|1/1 UP|0/1 DOWN", ".ccc"},
    /* Lab 1: rise 2 fall 5 */
    {2, 5, true, "+-----", "5/5 UP|4/5 UP|3/5 UP|2/5 UP|1/5 UP|0/2 DOWN", ".....c"},
    /* starting down (keepalived alpha / vrrp_script init_fail): rise successes to go up */
    {3, 2, false, "++-+++", "1/3 DOWN|2/3 DOWN|0/3 DOWN|1/3 DOWN|2/3 DOWN|2/2 UP", ".....c"},
    /* a success in the middle of a fall resets to fully up */
    {2, 3, true, "+--+-", "3/3 UP|2/3 UP|1/3 UP|3/3 UP|2/3 UP", "....."},
};

static void test_rise_fall(void **state)
{
	(void)state;
	for (size_t r = 0; r < sizeof(rf_rows) / sizeof(rf_rows[0]); r++) {
		const struct rf_row *row = &rf_rows[r];
		int health = row->start_up ? row->rise : 0;
		bool up = row->start_up;
		char got[512] = "", changes[32] = "", buf[32];
		for (const char *p = row->results; *p; p++) {
			bool ch = chk_health_apply(&health, &up, row->rise, row->fall, *p == '+');
			if (p != row->results)
				strcat(got, "|");
			strcat(got,
			       chk_health_text(health, up, row->rise, row->fall, buf, sizeof(buf)));
			strcat(changes, ch ? "c" : ".");
		}
		if (strcmp(got, row->texts) || strcmp(changes, row->changes))
			fail_msg("row %zu: got %s %s want %s %s", r, got, changes, row->texts,
			         row->changes);
	}
}

static void test_interval(void **state)
{
	(void)state;
	/* rise 2 fall 3: health 0..4 */
	assert_int_equal(chk_interval(4, true, 2, 3, 2000, 500, 10000), 2000);
	assert_int_equal(chk_interval(3, true, 2, 3, 2000, 500, 10000), 500);
	assert_int_equal(chk_interval(2, true, 2, 3, 2000, 500, 10000), 500); /* at start */
	assert_int_equal(chk_interval(0, false, 2, 3, 2000, 500, 10000), 10000);
	assert_int_equal(chk_interval(1, false, 2, 3, 2000, 500, 10000), 500);
	/* unset fastinter/downinter fall back to inter */
	assert_int_equal(chk_interval(0, false, 2, 3, 2000, 0, 0), 2000);
	assert_int_equal(chk_interval(3, true, 2, 3, 2000, M_UNSET, M_UNSET), 2000);
}

static void test_effective(void **state)
{
	(void)state;
	struct m_check in, out;
	struct m_proxy_conf pc;
	m_check_init(&in);
	m_proxy_conf_init(&pc);
	in.inter = 500;
	pc.timeout_connect = 5000;
	/* no timeout check: the whole probe within inter */
	chk_hap_effective(&out, &in, &pc);
	assert_int_equal(out.connect_timeout, 500);
	assert_true(out.timeout <= 0);
	/* timeout check 1s: connect within min(connect, inter), then 1 s */
	pc.timeout_check = 1000;
	chk_hap_effective(&out, &in, &pc);
	assert_int_equal(out.connect_timeout, 500);
	assert_int_equal(out.timeout, 1000);
	pc.timeout_connect = 200;
	chk_hap_effective(&out, &in, &pc);
	assert_int_equal(out.connect_timeout, 200);

	/* keepalived: Lab 2's TCP_CHECK under delay_loop 5 */
	struct m_probe p = {.kind = PROBE_TCP};
	struct m_lvs lvs;
	memset(&lvs, 0, sizeof(lvs));
	lvs.delay_loop = 5000;
	lvs.retry = M_UNSET;
	struct m_server rs;
	m_server_init(&rs);
	m_check_init(&in);
	in.probe = &p;
	in.connect_timeout = 2000;
	in.retry = 3;
	in.delay_before_retry = 3000;
	chk_ka_effective(&out, &in, &rs, &lvs);
	assert_int_equal(out.inter, 5000);
	assert_int_equal(out.fastinter, 3000);
	assert_int_equal(out.rise, 1);
	assert_int_equal(out.fall, 4);
	assert_int_equal(out.connect_timeout, 2000);
	/* nothing set anywhere: keepalived's defaults */
	m_check_init(&in);
	in.probe = &p;
	chk_ka_effective(&out, &in, &rs, NULL);
	assert_int_equal(out.inter, 60000);
	assert_int_equal(out.connect_timeout, 5000);
	assert_int_equal(out.fall, 2);
}

/* ---------------------------------------------------------------- HTTP replies */

struct parse_row {
	const char *in;
	int ret; /* -1, -2, or 1 for "head length = index of the body marker '#'" */
	int status;
	const char *reason;
	long long clen;
	bool chunked;
};

static const struct parse_row parse_rows[] = {
    {"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n#OK\n", 1, 200, "OK", 3, false},
    {"HTTP/1.0 503 Service Unavailable\r\n\r\n#", 1, 503, "Service Unavailable", -1, false},
    {"HTTP/1.1 204\r\n\r\n#", 1, 204, "", -1, false},
    {"HTTP/1.1 200 OK\nX: y\n\n#body", 1, 200, "OK", -1, false},
    {"HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n#", 1, 200, "OK", -1, true},
    {"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n", -2, 0, NULL, 0, false},
    {"HTTP/1.1 20", -2, 0, NULL, 0, false},
    {"HTT", -2, 0, NULL, 0, false},
    {"", -2, 0, NULL, 0, false},
    {"SSH-2.0-OpenSSH\r\n", -1, 0, NULL, 0, false},
    {"HTTP/1.1 2x0 OK\r\n\r\n", -1, 0, NULL, 0, false},
    {"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", -1, 0, NULL, 0, false},
    {"HTTP/2 200\r\n\r\n", -1, 0, NULL, 0, false},
};

static void test_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(parse_rows) / sizeof(parse_rows[0]); i++) {
		const struct parse_row *row = &parse_rows[i];
		char buf[256];
		snprintf(buf, sizeof(buf), "%s", row->in);
		char *mark = strchr(buf, '#');
		int want = row->ret;
		if (mark) {
			want = (int)(mark - buf);
			memmove(mark, mark + 1, strlen(mark));
		}
		struct chk_http_reply r;
		int got = chk_http_parse(buf, strlen(buf), &r);
		if (got != want)
			fail_msg("row %zu: returned %d want %d", i, got, want);
		if (got > 0) {
			assert_int_equal(r.status, row->status);
			assert_int_equal((int)r.reason_len, (int)strlen(row->reason));
			assert_memory_equal(r.reason, row->reason, r.reason_len);
			assert_int_equal(r.clen, row->clen);
			assert_int_equal(r.chunked, row->chunked);
		}
	}
}

static void test_dechunk(void **state)
{
	(void)state;
	char a[] = "3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\n\r\n";
	size_t out;
	assert_int_equal(chk_http_dechunk(a, strlen(a), &out), 7);
	assert_memory_equal(a, "abcdefg", 7);
	char b[] = "5\r\nab";
	assert_int_equal(chk_http_dechunk(b, strlen(b), &out), -2);
	assert_int_equal(out, 2);
	char c[] = "zz\r\n";
	assert_int_equal(chk_http_dechunk(c, strlen(c), &out), -1);
}

struct eval_row {
	const char *rules; /* "status 200", "!string WRONG"... space-separated kind and arg */
	const char *reply;
	bool ok;
	enum chk_status st;
	const char *desc;
};

static const struct eval_row eval_rows[] = {
    /* no rule: 2xx and 3xx pass */
    {"", "HTTP/1.1 200 OK\r\n\r\nOK", true, CHK_ST_L7OK, "OK"},
    {"", "HTTP/1.1 302 Found\r\n\r\n", true, CHK_ST_L7OK, "Found"},
    {"", "HTTP/1.1 500 Internal Server Error\r\n\r\n", false, CHK_ST_L7STS,
     "Internal Server Error"},
    {"", "HTTP/1.1 404 Not Found\r\n\r\n", false, CHK_ST_L7STS, "Not Found"},
    {"", "HTTP/1.1 503\r\n\r\n", false, CHK_ST_L7STS, "HTTP status check returned code <503>"},
    /* expect status */
    {"status 200", "HTTP/1.1 200 OK\r\n\r\n", true, CHK_ST_L7OK, "OK"},
    {"status 200", "HTTP/1.1 500 Internal Server Error\r\n\r\n", false, CHK_ST_L7STS,
     "Internal Server Error"},
    {"status 200-399,404", "HTTP/1.1 404 Not Found\r\n\r\n", true, CHK_ST_L7OK, "Not Found"},
    {"!status 500", "HTTP/1.1 404 Not Found\r\n\r\n", true, CHK_ST_L7OK, "Not Found"},
    {"!status 500", "HTTP/1.1 500 Boom\r\n\r\n", false, CHK_ST_L7STS, "Boom"},
    {"rstatus ^2", "HTTP/1.1 204 No Content\r\n\r\n", true, CHK_ST_L7OK, "No Content"},
    {"rstatus ^2", "HTTP/1.1 301 Moved\r\n\r\n", false, CHK_ST_L7STS, "Moved"},
    /* body rules: HAProxy's descs */
    {"string OK", "HTTP/1.1 200 OK\r\n\r\nall OK here", true, CHK_ST_L7OK, "OK"},
    {"string OK", "HTTP/1.1 200 OK\r\n\r\nWRONG", false, CHK_ST_L7RSP,
     "HTTP content check did not match"},
    {"!string WRONG", "HTTP/1.1 200 OK\r\n\r\nWRONG", false, CHK_ST_L7RSP,
     "HTTP check matched unwanted content"},
    {"rstring ^O.", "HTTP/1.1 200 OK\r\n\r\nxxxx", false, CHK_ST_L7RSP,
     "HTTP content check did not match"},
    {"rstring ^O.", "HTTP/1.1 200 OK\r\n\r\nOK", true, CHK_ST_L7OK, "OK"},
    /* rules in order: the first failing one decides */
    {"status 200;string OK", "HTTP/1.1 500 Err\r\n\r\nnope", false, CHK_ST_L7STS, "Err"},
    /* with an explicit rule, a 500 with matching body passes (the default applies only
     * without rules) */
    {"string boom", "HTTP/1.1 500 Err\r\n\r\nboom", true, CHK_ST_L7OK, "Err"},
};

static void test_eval(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(eval_rows) / sizeof(eval_rows[0]); i++) {
		const struct eval_row *row = &eval_rows[i];
		struct m_check_step steps[4];
		memset(steps, 0, sizeof(steps));
		struct m_probe p = {.kind = PROBE_HTTP};
		char rules[128];
		snprintf(rules, sizeof(rules), "%s", row->rules);
		int n = 0;
		for (char *save = NULL, *r = strtok_r(rules, ";", &save); r;
		     r = strtok_r(NULL, ";", &save), n++) {
			struct m_check_step *s = &steps[n];
			s->op = STEP_EXPECT;
			if (*r == '!')
				s->negate = true, r++;
			char *sp = strchr(r, ' ');
			*sp = 0;
			s->arg = sp + 1;
			s->expect = !strcmp(r, "status")    ? EXPECT_STATUS
			            : !strcmp(r, "rstatus") ? EXPECT_RSTATUS
			            : !strcmp(r, "string")  ? EXPECT_STRING
			                                    : EXPECT_RSTRING;
			if (n)
				steps[n - 1].next = s;
		}
		p.steps = n ? steps : NULL;
		struct chk_http_reply r;
		int h = chk_http_parse(row->reply, strlen(row->reply), &r);
		assert_true(h > 0);
		enum chk_status st;
		int code;
		char desc[128];
		bool ok = chk_http_eval(&p, &r, row->reply + h, strlen(row->reply) - (size_t)h, &st,
		                        &code, desc, sizeof(desc));
		if (ok != row->ok || st != row->st || strcmp(desc, row->desc))
			fail_msg("row %zu (%s): got %d %s \"%s\" want %d %s \"%s\"", i, row->rules,
			         ok, chk_status_str(st), desc, row->ok, chk_status_str(row->st),
			         row->desc);
		assert_int_equal(code, r.status);
	}
}

static void test_status_match(void **state)
{
	(void)state;
	assert_true(chk_status_match(NULL, 200));
	assert_true(chk_status_match("", 299));
	assert_false(chk_status_match(NULL, 301));
	assert_true(chk_status_match("200-299 404", 404));
	assert_false(chk_status_match("200-299 404", 403));
	assert_true(chk_status_match("200,301-302", 302));
	assert_false(chk_status_match("abc", 200));
}

static void test_status_text(void **state)
{
	(void)state;
	assert_string_equal(chk_status_str(CHK_ST_L4CON), "L4CON");
	assert_string_equal(chk_status_desc(CHK_ST_L4CON), "Layer4 connection problem");
	assert_string_equal(chk_status_desc(CHK_ST_L4OK), "Layer4 check passed");
	assert_string_equal(chk_status_desc(CHK_ST_L7OK), "Layer7 check passed");
	assert_string_equal(chk_status_desc(CHK_ST_L7STS), "Layer7 wrong status");
	assert_string_equal(chk_status_desc(CHK_ST_L7RSP), "Layer7 invalid response");
	assert_string_equal(chk_status_desc(CHK_ST_L7TOUT), "Layer7 timeout");
	assert_string_equal(chk_status_desc(CHK_ST_L4TOUT), "Layer4 timeout");
	assert_string_equal(chk_status_desc(CHK_ST_SOCKERR), "Socket error");
}

/* agent-check replies as HAProxy 2.6 reads them */
static void test_agent(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int health, pct;
		const char *admin, *desc;
		enum chk_status st;
	} rows[] = {
	    {"75%\n", -1, 75, "", "", CHK_ST_CHECKED},
	    {"up\n", 1, -1, "", "via agent : up", CHK_ST_L7OK},
	    {"down # disk full\r\n", 0, -1, "", "via agent : down (disk full)", CHK_ST_L7STS},
	    {"stopped,50%\n", 0, 50, "", "via agent : stopped", CHK_ST_L7STS},
	    {"DRAIN\n", -1, -1, "drain", "", CHK_ST_CHECKED},
	    {"maint 10%\n", -1, 10, "maint", "", CHK_ST_CHECKED},
	    {"ready up\n", 1, -1, "ready", "via agent : up", CHK_ST_L7OK},
	    {"bogus\n", -1, -1, "", "agent reports an error : bogus", CHK_ST_CHECKED},
	    {"up bogus\n", 1, -1, "", "via agent : up (bogus)", CHK_ST_L7OK},
	    {"up", -2, -1, "", "", CHK_ST_CHECKED},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct chk_state st = {0};
		enum chk_status s = CHK_ST_UNKNOWN;
		char desc[128] = "";
		int h =
		    chk_agent_parse(rows[i].in, strlen(rows[i].in), &st, &s, desc, sizeof(desc));
		assert_int_equal(h, rows[i].health);
		if (h == -2)
			continue;
		assert_int_equal(st.agent_pct, rows[i].pct);
		assert_string_equal(st.agent_admin, rows[i].admin);
		assert_string_equal(desc, rows[i].desc);
		assert_int_equal(s, rows[i].st);
	}
}

/* agent-check "maxconn:N" (HAProxy 2.6: the server's maxconn, as `set maxconn server`) */
static void test_agent_maxconn(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int health, maxconn, pct;
	} rows[] = {
	    {"maxconn:30\n", -1, 30, -1},
	    {"up maxconn:5 50%\n", 1, 5, 50},
	    {"maxconn:0,drain\n", -1, 0, -1},
	    {"maxconn:10 maxconn:20\n", -1, 20, -1}, /* the last word wins */
	    {"up\n", 1, -1, -1},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct chk_state st = {0};
		enum chk_status s;
		char desc[128];
		assert_int_equal(
		    chk_agent_parse(rows[i].in, strlen(rows[i].in), &st, &s, desc, sizeof(desc)),
		    rows[i].health);
		assert_int_equal(st.agent_maxconn, rows[i].maxconn);
		assert_int_equal(st.agent_pct, rows[i].pct);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rise_fall),    cmocka_unit_test(test_interval),
	    cmocka_unit_test(test_effective),    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_dechunk),      cmocka_unit_test(test_eval),
	    cmocka_unit_test(test_status_match), cmocka_unit_test(test_status_text),
	    cmocka_unit_test(test_agent),        cmocka_unit_test(test_agent_maxconn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
