/* test_rt_cli.c - the runtime API dispatcher (cli_cmds.c) and the stats page's admin form and
 * scopes (stats_admin.c) on a hand-built runtime: one backend of two servers.
 *
 * Cases: commands above the level are refused and change nothing; `help` and unknown
 * commands list what HAProxy 2.6 lists (the commands sharing the longest exact word prefix,
 * else the five closest, then help/prompt/quit); `;` separates answers; `set timeout cli`
 * parses HAProxy's time units; `set server ... state|weight` and `set maxconn server` move
 * the server; the admin POST answers DONE/PART/NONE/ERRP as HAProxy, reading its fields
 * from the last; ?scope= matches a part of a name, case-insensitively, from 2 letters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/rt.h"

struct fixture {
	struct m_config cfg;
	struct m_proxy_conf pc;
	struct m_pool mp;
	struct m_server ms[2];
	struct rt_pool p;
	struct rt_server rs[2];
	struct rt_worker w;
	struct rt rt;
	struct rt_sess s;
};

static struct fixture *build(void)
{
	struct fixture *f = calloc(1, sizeof(*f));
	m_proxy_conf_init(&f->pc);
	f->mp.conf = &f->pc;
	f->mp.name = "be";
	f->mp.id = 2;
	rt_pool_init(&f->p, &f->mp);
	f->p.srv = f->rs;
	f->p.nsrv = 2;
	static char *names[] = {"s1", "s2"};
	for (int i = 0; i < 2; i++) {
		m_server_init(&f->ms[i]);
		f->ms[i].name = names[i];
		f->rs[i].conf = &f->ms[i];
		f->rs[i].pool = &f->p;
		f->rs[i].weight = f->rs[i].iweight = 10;
		f->rs[i].usable = true;
	}
	f->rt.cfg = &f->cfg;
	f->rt.pools = &f->p;
	f->rt.npools = 1;
	f->rt.w = &f->w;
	f->rt.nw = 1;
	f->w.rt = &f->rt;
	f->s.w = &f->w;
	return f;
}

/* Runs one line at a level; the answer, to be freed. */
static char *run(struct fixture *f, int level, const char *line)
{
	struct rt_cli_ctx c = {.rt = &f->rt, .level = level};
	struct rt_sbuf o = {0};
	char *l = strdup(line);
	rt_cli_exec(&c, l, &o);
	free(l);
	return o.d ? o.d : strdup("");
}

static void expect(struct fixture *f, int level, const char *line, const char *want)
{
	char *got = run(f, level, line);
	assert_string_equal(got, want);
	free(got);
}

static void test_levels(void **state)
{
	(void)state;
	struct fixture *f = build();
	expect(f, RT_CLI_OPER, "set server be/s1 state maint", "Permission denied\n\n");
	expect(f, RT_CLI_USER, "clear counters", "Permission denied\n\n");
	expect(f, RT_CLI_OPER, "clear counters all", "Permission denied\n\n");
	expect(f, RT_CLI_OPER, "set maxconn server be/s1 3", "Permission denied\n\n");
	assert_int_equal(atomic_load(&f->rs[0].admin), 0);
	assert_int_equal(rt_srv_maxconn(&f->rs[0]), 0);
	expect(f, RT_CLI_ADMIN, "set server be/s1 state maint", "\n");
	assert_int_equal(atomic_load(&f->rs[0].admin), RT_ADM_MAINT);
	expect(f, RT_CLI_ADMIN, "set server be/s1 state ready; get weight be/s1",
	       "\n10 (initial 10)\n\n");
	assert_int_equal(atomic_load(&f->rs[0].admin), 0);
	expect(f, RT_CLI_ADMIN, "set server be/s2 weight 50%", "\n");
	assert_int_equal(f->rs[1].weight, 5);
	expect(f, RT_CLI_ADMIN, "set maxconn server be/s1 3", "\n");
	assert_int_equal(rt_srv_maxconn(&f->rs[0]), 3);
	expect(f, RT_CLI_ADMIN, "set maxconn server be/s1 3x",
	       "Trailing garbage in maxconn string\n");
	expect(f, RT_CLI_ADMIN, "set server be/zz state ready", "No such server.\n\n");
	expect(f, RT_CLI_ADMIN, "set server zz/s1 state ready", "No such backend.\n\n");
	expect(f, RT_CLI_ADMIN, "set server be/s1 health down", "\n");
	assert_false(f->rs[0].usable);
	expect(f, RT_CLI_ADMIN, "set server be/s1 health up", "\n");
	assert_true(f->rs[0].usable);
	free(f);
}

static void test_usage(void **state)
{
	(void)state;
	struct fixture *f = build();
	const char *tail =
	    "  help [<command>]                        : list matching or all commands\n"
	    "  prompt                                  : toggle interactive mode with "
	    "prompt\n"
	    "  quit                                    : disconnect\n\n";
	char *a = run(f, RT_CLI_USER, "set maxconn foo");
	/* the three `set maxconn` commands share the longest prefix: only they are listed */
	const char *head =
	    "Unknown command, but maybe one of the following ones is a better match:\n"
	    "  set maxconn frontend <frontend> <value> : change a frontend's maxconn "
	    "setting\n"
	    "  set maxconn global <value>              : change the per-process maxconn "
	    "setting\n"
	    "  set maxconn server <bk>/<srv>           : change a server's maxconn "
	    "setting\n";
	assert_int_equal(strncmp(a, head, strlen(head)), 0);
	assert_string_equal(a + strlen(head), tail);
	free(a);
	a = run(f, RT_CLI_USER, "help shutdown");
	assert_non_null(strstr(a, "The following commands are valid at this level:\n"));
	assert_non_null(strstr(a, "shutdown sessions server"));
	assert_null(strstr(a, "show stat"));
	free(a);
	/* no prefix in common: the five closest, whatever the level */
	a = run(f, RT_CLI_USER, "xyzzy");
	int n = 0;
	for (char *p = a; (p = strstr(p, "\n  ")); p++)
		n++;
	assert_int_equal(n, 5 + 3); /* five commands, then help, prompt and quit */
	free(a);
	/* help lists the admin commands at user level too, as HAProxy 2.6 */
	a = run(f, RT_CLI_USER, "help");
	assert_non_null(strstr(a, "  set maxconn global <value>"));
	free(a);
	free(f);
}

static void test_timeout(void **state)
{
	(void)state;
	struct fixture *f = build();
	struct rt_cli_ctx c = {.rt = &f->rt, .level = RT_CLI_USER};
	struct rt_sbuf o = {0};
	const struct {
		const char *line;
		long ms;
		const char *ans;
	} rows[] = {
	    {"set timeout cli 5", 5000, "\n"},
	    {"set timeout cli 250ms", 250, "\n"},
	    {"set timeout cli 2m", 120000, "\n"},
	    {"set timeout cli x", 0, "Invalid timeout value.\n\n"},
	    {"set timeout cli 5q", 0, "Invalid timeout value.\n\n"},
	    {"set timeout cli", 0, "Expects an integer value.\n\n"},
	    {"set timeout foo 3", 0, "'set timeout' only supports 'cli'.\n\n"},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *l = strdup(rows[i].line);
		c.timeout_ms = 0;
		o.len = 0;
		rt_cli_exec(&c, l, &o);
		assert_string_equal(o.d, rows[i].ans);
		assert_int_equal(c.timeout_ms, rows[i].ms);
		free(l);
	}
	free(o.d);
	free(f);
}

static void test_admin_post(void **state)
{
	(void)state;
	struct fixture *f = build();
	const struct {
		const char *body, *code;
		int admin0, admin1;
	} rows[] = {
	    {"s=s1&action=maint&b=be", "DONE", RT_ADM_MAINT, 0},
	    {"s=s1&action=ready&b=%233", "DONE", 0, 0},
	    {"s=s1&s=s2&action=drain&b=be", "DONE", RT_ADM_DRAIN, RT_ADM_DRAIN},
	    {"s=s1&s=zz&action=ready&b=be", "PART", 0, RT_ADM_DRAIN},
	    {"s=zz&action=ready&b=be", "ERRP", 0, RT_ADM_DRAIN},
	    {"s=s2&action=foo&b=be", "ERRP", 0, RT_ADM_DRAIN},
	    {"s=s2&action=ready&b=nope", "ERRP", 0, RT_ADM_DRAIN},
	    {"s=s2&action=ready", "NONE", 0, RT_ADM_DRAIN},
	    {"action=ready&b=be", "NONE", 0, RT_ADM_DRAIN},
	    {"", "NONE", 0, RT_ADM_DRAIN},
	    {"s=s2&action=dhlth&b=be", "NONE", 0, RT_ADM_DRAIN}, /* not checked: not applicable */
	    {"s=s2&action=ready&b=be", "DONE", 0, 0},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *code = rt_stats_admin_post(&f->s, rows[i].body, strlen(rows[i].body));
		assert_string_equal(code, rows[i].code);
		assert_int_equal(atomic_load(&f->rs[0].admin), rows[i].admin0);
		assert_int_equal(atomic_load(&f->rs[1].admin), rows[i].admin1);
	}
	assert_string_equal(rt_stats_admin_post(&f->s, "s=s1&action=hdown&b=be", 22), "DONE");
	assert_false(f->rs[0].usable);
	free(f);
}

static void test_scope(void **state)
{
	(void)state;
	struct rt_stats_scope sc = {.q = "BE", .qlen = 2};
	assert_true(rt_stats_in_scope(&sc, "be"));
	assert_true(rt_stats_in_scope(&sc, "webservers-be2"));
	assert_false(rt_stats_in_scope(&sc, "fe"));
	sc.q = "b", sc.qlen = 1; /* one letter: no filtering, as 2.6 */
	assert_true(rt_stats_in_scope(&sc, "fe"));
	char *names[] = {"be", "."};
	struct m_stats st = {.scope = names, .nscope = 2};
	struct rt_stats_scope cfg = {.st = &st, .self = "stats"};
	assert_true(rt_stats_in_scope(&cfg, "be"));
	assert_true(rt_stats_in_scope(&cfg, "stats"));
	assert_false(rt_stats_in_scope(&cfg, "bee"));
	assert_true(rt_stats_in_scope(NULL, "anything"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_levels),  cmocka_unit_test(test_usage),
	    cmocka_unit_test(test_timeout), cmocka_unit_test(test_admin_post),
	    cmocka_unit_test(test_scope),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
