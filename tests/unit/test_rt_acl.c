/* test_rt_acl.c - runtime/acl.c: ACL expressions and conditions on parsed requests.
 *
 * Each row is an ACL (criterion, flags, patterns as the binder stores its words), a request
 * head, a client address, and whether the ACL matches. Further rows check conditions
 * (negation, ||, implicit AND, unless, anonymous ACLs, built-ins) and that unsupported
 * criteria and flags are refused at compile time rather than silently never matching.
 * Stick counters (stick.c) and variables (vars.c) are read through their fetches.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "runtime/rt.h"

struct row {
	const char *acl; /* words separated by spaces */
	const char *req; /* request head, \r\n added per line */
	const char *src; /* client address */
	int match;       /* 1, 0, or -1: refused at compile time */
};

static const struct row rows[] = {
    {"path /a", "GET /a HTTP/1.1", "10.0.0.1", 1},
    {"path /a", "GET /a?x=1 HTTP/1.1", "10.0.0.1", 1},
    {"path /a", "GET /ab HTTP/1.1", "10.0.0.1", 0},
    {"path /a", "GET http://h.example/a?q HTTP/1.1", "10.0.0.1", 1},
    {"path_beg /api /v2", "GET /v2/x HTTP/1.1", "10.0.0.1", 1},
    {"path_beg /api", "GET /API/x HTTP/1.1", "10.0.0.1", 0},
    {"path_beg -i /api", "GET /API/x HTTP/1.1", "10.0.0.1", 1},
    {"path_end .jpg .png", "GET /i/a.png HTTP/1.1", "10.0.0.1", 1},
    {"path_sub adm", "GET /x/admin/y HTTP/1.1", "10.0.0.1", 1},
    {"path_reg ^/u/[0-9]+$", "GET /u/42 HTTP/1.1", "10.0.0.1", 1},
    {"path_reg ^/u/[0-9]+$", "GET /u/4a HTTP/1.1", "10.0.0.1", 0},
    {"path_dir img", "GET /static/img/a.png HTTP/1.1", "10.0.0.1", 1},
    {"path_dir img", "GET /static/imgs/a.png HTTP/1.1", "10.0.0.1", 0},
    {"path -m beg /st", "GET /static HTTP/1.1", "10.0.0.1", 1},
    {"path -m len 3:5", "GET /abcd HTTP/1.1", "10.0.0.1", 1},
    {"path -m found", "GET / HTTP/1.1", "10.0.0.1", 1},
    {"url /a?b=1", "GET /a?b=1 HTTP/1.1", "10.0.0.1", 1},
    {"url_beg /a?", "GET /a?b=1 HTTP/1.1", "10.0.0.1", 1},
    {"query b=1&c=2", "GET /a?b=1&c=2 HTTP/1.1", "10.0.0.1", 1},
    {"url_param(c) 2", "GET /a?b=1&c=2 HTTP/1.1", "10.0.0.1", 1},
    {"url_param(c) 3", "GET /a?b=1&c=2 HTTP/1.1", "10.0.0.1", 0},
    {"hdr(host) -i www.example.com", "GET / HTTP/1.1\nHost: WWW.Example.com", "10.0.0.1", 1},
    {"hdr(host) www.example.com", "GET / HTTP/1.1\nHost: WWW.Example.com", "10.0.0.1", 0},
    {"req.hdr(x-a) two", "GET / HTTP/1.1\nX-A: one, two", "10.0.0.1", 1},
    {"hdr_beg(host) api.", "GET / HTTP/1.1\nHost: api.example.com", "10.0.0.1", 1},
    {"hdr_end(host) .com", "GET / HTTP/1.1\nHost: api.example.com", "10.0.0.1", 1},
    {"hdr_sub(user-agent) -i bot", "GET / HTTP/1.1\nUser-Agent: GoogleBOT/2", "10.0.0.1", 1},
    {"hdr_dom(host) example", "GET / HTTP/1.1\nHost: api.example.com", "10.0.0.1", 1},
    {"hdr_dom(host) exam", "GET / HTTP/1.1\nHost: api.example.com", "10.0.0.1", 0},
    {"hdr_reg(host) ^a.*m$", "GET / HTTP/1.1\nHost: api.example.com", "10.0.0.1", 1},
    {"hdr_cnt(x-a) 3", "GET / HTTP/1.1\nX-A: 1, 2\nX-A: 3", "10.0.0.1", 1},
    {"hdr_cnt(x-b) eq 0", "GET / HTTP/1.1\nX-A: 1", "10.0.0.1", 1},
    {"hdr(x-b) -m found", "GET / HTTP/1.1\nX-A: 1", "10.0.0.1", 0},
    {"method POST PUT", "PUT / HTTP/1.1", "10.0.0.1", 1},
    {"method POST PUT", "GET / HTTP/1.1", "10.0.0.1", 0},
    {"src 10.0.0.0/8", "GET / HTTP/1.1", "10.1.2.3", 1},
    {"src 10.0.0.0/255.255.0.0", "GET / HTTP/1.1", "10.1.2.3", 0},
    {"src 192.0.2.1 10.1.2.3", "GET / HTTP/1.1", "10.1.2.3", 1},
    {"src 10.0.0.0/8", "GET / HTTP/1.1", "::ffff:10.1.2.3", 1},
    {"src 2001:db8::/32", "GET / HTTP/1.1", "2001:db8:1::5", 1},
    {"src 2001:db8::/32", "GET / HTTP/1.1", "2001:db9::5", 0},
    {"src_port 1000:2000", "GET / HTTP/1.1", "10.0.0.1", 1}, /* port 1234 */
    {"src_port gt 2000", "GET / HTTP/1.1", "10.0.0.1", 0},
    {"dst_port 80", "GET / HTTP/1.1", "10.0.0.1", 1},
    {"dst 127.0.0.1", "GET / HTTP/1.1", "10.0.0.1", 1},
    {"always_true", "GET / HTTP/1.1", "10.0.0.1", 1},
    {"always_false", "GET / HTTP/1.1", "10.0.0.1", 0},
    {"ssl_fc", "GET / HTTP/1.1", "10.0.0.1", 0},
    {"http_auth(ul)", "GET / HTTP/1.1\nAuthorization: Basic Ym9iOnNlY3JldA==", "10.0.0.1", 1},
    {"http_auth(ul)", "GET / HTTP/1.1\nAuthorization: Basic Ym9iOnNlY3JldDI=", "10.0.0.1", 0},
    {"http_auth(ul)", "GET / HTTP/1.1", "10.0.0.1", 0},
    /* refused: never a silent "no match" */
    {"req.cook(a) b", "GET / HTTP/1.1", "10.0.0.1", -1},
    {"path,lower /a", "GET / HTTP/1.1", "10.0.0.1", -1},
    {"path -m bin 41", "GET / HTTP/1.1", "10.0.0.1", -1},
    {"path -M /a", "GET / HTTP/1.1", "10.0.0.1", -1},
    {"src -f /nonexistent/file", "GET / HTTP/1.1", "10.0.0.1", -1},
    {"http_auth(nolist)", "GET / HTTP/1.1", "10.0.0.1", -1},
};

struct env {
	struct m_config cfg;
	struct m_userlist ul;
	struct m_user bob;
	struct rt_acl_ctx *cx;
	char buf[1024];
	struct h1_header hdrs[16];
	struct h1_msg m;
	struct sockaddr_storage src, dst;
};

static int split(char *s, char **w, int max)
{
	int n = 0;
	for (char *t = strtok(s, " "); t && n < max; t = strtok(NULL, " "))
		w[n++] = t;
	return n;
}

static void env_init(struct env *e)
{
	memset(e, 0, sizeof(*e));
	e->bob = (struct m_user){.name = "bob", .password = "secret", .insecure = 1};
	e->ul = (struct m_userlist){.name = "ul", .users = &e->bob};
	e->cfg.userlists = &e->ul;
	e->cx = rt_acl_ctx_new(&e->cfg, NULL, 0);
	struct sockaddr_in *d = (struct sockaddr_in *)&e->dst;
	d->sin_family = AF_INET;
	d->sin_port = htons(80);
	inet_pton(AF_INET, "127.0.0.1", &d->sin_addr);
}

static void set_req(struct env *e, const char *head, const char *src)
{
	size_t n = 0;
	for (const char *p = head; *p; p++) {
		if (*p == '\n')
			e->buf[n++] = '\r';
		e->buf[n++] = *p;
	}
	memcpy(e->buf + n, "\r\n\r\n", 4);
	n += 4;
	e->m = (struct h1_msg){.headers = e->hdrs, .max_headers = 16};
	assert_true(h1_parse_request(e->buf, n, 0, &e->m) > 0);
	memset(&e->src, 0, sizeof(e->src));
	if (strchr(src, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&e->src;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(1234);
		assert_int_equal(inet_pton(AF_INET6, src, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&e->src;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(1234);
		assert_int_equal(inet_pton(AF_INET, src, &s4->sin_addr), 1);
	}
}

/* Compiles `cond` (condition words) against acls; -1 when refused, else the match. */
static int eval(struct env *e, struct m_acl *acls, const char *cond, bool unless)
{
	char tmp[512];
	char *w[32];
	snprintf(tmp, sizeof(tmp), "%s", cond);
	struct m_rule r = {.cond_words = w, .ncond_words = split(tmp, w, 32), .unless = unless};
	const struct rt_cond *c;
	if (!rt_cond_compile(e->cx, &r, acls, "test", &c))
		return -1;
	struct rt_smp x = {.req = &e->m, .src = &e->src, .dst = &e->dst};
	return rt_cond_eval(c, &x);
}

static void test_acl_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct env e;
		env_init(&e);
		char words[256];
		char *w[16];
		snprintf(words, sizeof(words), "%s", rows[i].acl);
		struct m_acl acl = {.name = "a", .words = w, .nwords = split(words, w, 16)};
		set_req(&e, rows[i].req, rows[i].src);
		int got = eval(&e, &acl, "a", false);
		if (got != rows[i].match)
			fail_msg("row %zu: acl [%s] on [%s] from %s: got %d want %d", i, rows[i].acl,
			         rows[i].req, rows[i].src, got, rows[i].match);
		rt_acl_ctx_free(e.cx);
	}
}

static const struct {
	const char *cond;
	bool unless;
	int match;
} conds[] = {
    {"api", false, 1},
    {"!api", false, 0},
    {"api local", false, 1},
    {"api !local", false, 0},
    {"!api || local", false, 1},
    {"ko || ko or api", false, 1},
    {"ko || !api", false, 0},
    {"api ko || local api", false, 1},
    {"api", true, 0},
    {"{ path_beg /api } { method GET }", false, 1},
    {"!{ path_beg /api }", false, 0},
    {"twice", false, 1}, /* two ACL lines of one name are ORed */
    {"TRUE !FALSE METH_GET", false, 1},
    {"LOCALHOST", false, 0},
    {"HTTP_URL_SLASH", false, 1},
    {"always_true", false, 1},
    {"no_such_acl", false, -1},
    {"api ||", false, -1},
    {"{ path_beg /api", false, -1},
};

static void test_conditions(void **state)
{
	(void)state;
	char *w_api[] = {"path_beg", "/api"};
	char *w_local[] = {"src", "10.0.0.0/8"};
	char *w_ko[] = {"path", "/nope"};
	char *w_t1[] = {"path", "/nope"};
	char *w_t2[] = {"method", "GET"};
	struct m_acl t2 = {.name = "twice", .words = w_t2, .nwords = 2};
	struct m_acl t1 = {.name = "twice", .words = w_t1, .nwords = 2, .next = &t2};
	struct m_acl ko = {.name = "ko", .words = w_ko, .nwords = 2, .next = &t1};
	struct m_acl local = {.name = "local", .words = w_local, .nwords = 2, .next = &ko};
	struct m_acl api = {.name = "api", .words = w_api, .nwords = 2, .next = &local};
	for (size_t i = 0; i < sizeof(conds) / sizeof(conds[0]); i++) {
		struct env e;
		env_init(&e);
		set_req(&e, "GET /api/x HTTP/1.1\nHost: h", "10.0.0.1");
		int got = eval(&e, &api, conds[i].cond, conds[i].unless);
		if (got != conds[i].match)
			fail_msg("cond %zu [%s%s]: got %d want %d", i, conds[i].unless ? "unless " : "",
			         conds[i].cond, got, conds[i].match);
		rt_acl_ctx_free(e.cx);
	}
}

static void test_no_condition(void **state)
{
	(void)state;
	struct env e;
	env_init(&e);
	const struct rt_cond *c = (const struct rt_cond *)&e; /* must be overwritten */
	struct m_rule r = {0};
	assert_true(rt_cond_compile(e.cx, &r, NULL, "test", &c));
	assert_null(c);
	assert_true(rt_cond_eval(c, NULL));
	rt_acl_ctx_free(e.cx);
}

/* Compiles and evaluates cond against the session's tracked counters and variables. */
static int eval_sess(struct env *e, const char *cond, struct rt_sess *s)
{
	char tmp[256];
	char *w[16];
	snprintf(tmp, sizeof(tmp), "%s", cond);
	struct m_rule r = {.cond_words = w, .ncond_words = split(tmp, w, 16)};
	const struct rt_cond *c;
	if (!rt_cond_compile(e->cx, &r, NULL, "test", &c))
		return -1;
	struct rt_smp x = {.req = &e->m, .src = &e->src, .dst = &e->dst, .sess = s};
	return rt_cond_eval(c, &x);
}

static struct rt_stick_key key_of(struct rt_stick *t, const char *ip)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	s4->sin_family = AF_INET;
	inet_pton(AF_INET, ip, &s4->sin_addr);
	struct rt_stick_smp v = {.ss = &ss};
	struct rt_stick_key k;
	assert_true(rt_stick_key(t, &v, &k));
	return k;
}

/* Stick counters through the fetches (sc_*, scN_*, src_*), and the table's bound: a full
 * table evicts its least recently used untracked entry, never a tracked one. */
static void test_stick(void **state)
{
	(void)state;
	struct env e;
	env_init(&e);
	set_req(&e, "GET / HTTP/1.1", "10.0.0.1");
	struct m_stick_table conf = {.type = M_ST_IP, .size = 2, .expire = M_UNSET,
	                             .store = 1u << M_SD_HTTP_REQ_RATE | 1u << M_SD_GPC0 |
	                                      1u << M_SD_CONN_CUR};
	conf.period[M_SD_HTTP_REQ_RATE] = 60000;
	struct rt_stick *t = rt_stick_new(&conf, "test");
	rt_acl_ctx_tables(e.cx, &t, 1);
	struct rt_sess *s = calloc(1, sizeof(*s));
	struct rt_stick_key ka = key_of(t, "10.0.0.1");
	struct rt_ste *a = rt_stick_track(t, &ka);
	assert_non_null(a);
	s->trk[0] = (struct rt_trk){t, a, false};
	rt_stick_event(t, a, RT_STK_HTTP_REQ);
	rt_stick_event(t, a, RT_STK_HTTP_REQ);
	static const struct {
		const char *cond;
		int match;
	} c[] = {
	    {"{ sc_http_req_rate(0) gt 1 }", 1},  {"{ sc_http_req_rate(0) gt 2 }", 0},
	    {"{ sc0_http_req_rate eq 2 }", 1},    {"{ sc0_conn_cur eq 1 }", 1},
	    {"{ src_http_req_rate ge 2 }", 1},   {"{ src_http_req_rate(test) ge 2 }", 1},
	    {"{ sc1_http_req_rate ge 0 }", 0},   /* counter 1 tracks nothing */
	    {"{ sc_conn_rate(0) ge 0 }", 0},     /* not stored in the table */
	    {"{ sc0_get_gpc0 eq 0 }", 1},        {"{ sc0_inc_gpc0 eq 1 }", 1},
	    {"{ sc0_gpc0 eq 1 }", 1},            {"{ src_port ge 0 }", 1},
	    {"{ sc_foo(0) gt 1 }", -1},          {"{ src_http_req_rate(nosuch) gt 1 }", -1},
	    {"{ sc_http_req_rate(5) gt 1 }", -1},
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (eval_sess(&e, c[i].cond, s) != c[i].match)
			fail_msg("stick cond [%s]: want %d", c[i].cond, c[i].match);
	/* size 2: b is dropped for c (a is tracked); with a and c tracked, d finds no room */
	struct rt_stick_key kb = key_of(t, "10.0.0.2"), kc = key_of(t, "10.0.0.3"),
	                    kd = key_of(t, "10.0.0.4");
	struct rt_ste *b = rt_stick_track(t, &kb);
	assert_non_null(b);
	rt_stick_event(t, b, RT_STK_HTTP_REQ);
	rt_stick_untrack(t, b);
	long long v = -1;
	assert_true(rt_stick_lookup(t, &kb, M_SD_HTTP_REQ_RATE, false, &v));
	assert_int_equal(v, 1);
	struct rt_ste *cc = rt_stick_track(t, &kc);
	assert_non_null(cc);
	assert_false(rt_stick_lookup(t, &kb, M_SD_HTTP_REQ_RATE, false, &v));
	assert_null(rt_stick_track(t, &kd));
	rt_stick_untrack(t, cc);
	rt_stick_untrack(t, a);
	assert_int_equal(rt_stick_clear(t), 2);
	free(s);
	rt_stick_free(t);
	rt_acl_ctx_free(e.cx);
}

/* var() reads the session's variables, -m str / -m int / -m found. */
static void test_vars(void **state)
{
	(void)state;
	struct env e;
	env_init(&e);
	set_req(&e, "GET /p HTTP/1.1\nHost: Example.COM", "10.0.0.1");
	struct rt_sess *s = calloc(1, sizeof(*s));
	const struct rt_sexpr *host = rt_sexpr_compile(e.cx, "req.hdr(host),lower", true, "t", "t");
	const struct rt_sexpr *n = rt_sexpr_compile(e.cx, "path,length,add(40)", true, "t", "t");
	assert_non_null(host);
	assert_non_null(n);
	assert_null(rt_sexpr_compile(e.cx, "path,nosuch", true, "t", "t"));
	assert_null(rt_sexpr_compile(e.cx, "path", false, "t", "t")); /* HTTP in tcp rules */
	struct rt_smp x = {.req = &e.m, .src = &e.src, .dst = &e.dst, .sess = s};
	rt_var_set(s, RT_VS_TXN, "host", host, &x);
	rt_var_set(s, RT_VS_SESS, "n", n, &x);
	assert_int_equal(eval_sess(&e, "{ var(txn.host) -m str example.com }", s), 1);
	assert_int_equal(eval_sess(&e, "{ var(txn.host) -m beg ex }", s), 1);
	assert_int_equal(eval_sess(&e, "{ var(sess.n) -m int 42 }", s), 1);
	assert_int_equal(eval_sess(&e, "{ var(sess.n) -m int gt 42 }", s), 0);
	assert_int_equal(eval_sess(&e, "{ var(txn.none) -m found }", s), 0);
	assert_int_equal(eval_sess(&e, "{ var(bad) -m found }", s), -1);
	rt_vars_clear(s, 1u << RT_VS_TXN);
	assert_int_equal(eval_sess(&e, "{ var(txn.host) -m found }", s), 0);
	assert_int_equal(eval_sess(&e, "{ var(sess.n) -m found }", s), 1);
	rt_vars_clear(s, ~0u);
	free(s);
	rt_acl_ctx_free(e.cx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_acl_rows),
	    cmocka_unit_test(test_conditions),
	    cmocka_unit_test(test_no_condition),
	    cmocka_unit_test(test_stick),
	    cmocka_unit_test(test_vars),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
