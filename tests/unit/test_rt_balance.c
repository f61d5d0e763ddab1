/* test_rt_balance.c - the balancing algorithms of runtime/balance.c on hand-built pools.
 *
 * Each case builds a pool from a row of weights and flags, draws a number of picks and
 * compares the sequence or the distribution with what HAProxy does: strict alternation for
 * equal roundrobin weights, proportions for weights, backups only when no active server is
 * usable (all of them with allbackups), leastconn and first following connection counts,
 * source sticking to one server per client address.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "runtime/rt.h"

#define MAXS 6

struct fixture {
	struct m_proxy_conf pc;
	struct m_pool mp;
	struct m_server ms[MAXS];
	struct rt_pool p;
	struct rt_server rs[MAXS];
};

/* spec: one letter per server: a=active, b=backup, d=disabled; weights alongside. */
static void build(struct fixture *f, enum m_algo algo, const char *spec, const int *weights)
{
	memset(f, 0, sizeof(*f));
	m_proxy_conf_init(&f->pc);
	f->mp.conf = &f->pc;
	f->mp.balance.algo = algo;
	rt_pool_init(&f->p, &f->mp);
	f->p.srv = f->rs;
	f->p.nsrv = (int)strlen(spec);
	for (int i = 0; i < f->p.nsrv; i++) {
		m_server_init(&f->ms[i]);
		f->ms[i].maxconn = M_UNSET;
		f->rs[i].conf = &f->ms[i];
		f->rs[i].pool = &f->p;
		f->rs[i].weight = weights ? weights[i] : 1;
		f->rs[i].backup = spec[i] == 'b';
		f->rs[i].usable = spec[i] != 'd';
	}
}

static int pick(struct fixture *f, const struct sockaddr_storage *cli)
{
	static struct sockaddr_storage any;
	uint32_t seed = 12345;
	struct rt_server *s = rt_balance_pick(&f->p, cli ? cli : &any, NULL, &seed);
	if (!s)
		return -1;
	rt_balance_release(s);
	return (int)(s - f->rs);
}

static void test_roundrobin_alternates(void **state)
{
	(void)state;
	struct fixture f;
	build(&f, ALGO_ROUNDROBIN, "aa", NULL);
	for (int i = 0; i < 6; i++)
		assert_int_equal(pick(&f, NULL), i % 2);
}

static void test_roundrobin_weights(void **state)
{
	(void)state;
	struct fixture f;
	int w[] = {1, 2, 3};
	build(&f, ALGO_ROUNDROBIN, "aaa", w);
	int n[3] = {0};
	for (int i = 0; i < 600; i++)
		n[pick(&f, NULL)]++;
	assert_int_equal(n[0], 100);
	assert_int_equal(n[1], 200);
	assert_int_equal(n[2], 300);
	/* smooth: the heavy server never takes more than two turns in a row here */
	build(&f, ALGO_STATIC_RR, "aa", (int[]){1, 2});
	assert_int_equal(pick(&f, NULL), 1);
	assert_int_equal(pick(&f, NULL), 0);
	assert_int_equal(pick(&f, NULL), 1);
}

static void test_weight_zero_and_disabled(void **state)
{
	(void)state;
	struct fixture f;
	build(&f, ALGO_ROUNDROBIN, "ada", (int[]){0, 1, 1});
	for (int i = 0; i < 4; i++)
		assert_int_equal(pick(&f, NULL), 2);
	build(&f, ALGO_ROUNDROBIN, "dd", NULL);
	assert_int_equal(pick(&f, NULL), -1);
	build(&f, ALGO_ROUNDROBIN, "", NULL);
	assert_int_equal(pick(&f, NULL), -1);
}

static void test_backup(void **state)
{
	(void)state;
	struct fixture f;
	build(&f, ALGO_ROUNDROBIN, "abb", NULL);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pick(&f, NULL), 0); /* active first */
	build(&f, ALGO_ROUNDROBIN, "dbb", NULL);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pick(&f, NULL), 1); /* only the first backup */
	build(&f, ALGO_ROUNDROBIN, "dbb", NULL);
	f.pc.opt[OPT_ALLBACKUPS] = 1;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pick(&f, NULL), 1 + i % 2);
}

static void test_leastconn(void **state)
{
	(void)state;
	struct fixture f;
	build(&f, ALGO_LEASTCONN, "aaa", NULL);
	uint32_t seed = 1;
	static struct sockaddr_storage any;
	struct rt_server *a = rt_balance_pick(&f.p, &any, NULL, &seed);
	struct rt_server *b = rt_balance_pick(&f.p, &any, NULL, &seed);
	struct rt_server *c = rt_balance_pick(&f.p, &any, NULL, &seed);
	assert_true(a != b && b != c && a != c); /* spreads while connections are held */
	rt_balance_release(b);
	assert_ptr_equal(rt_balance_pick(&f.p, &any, NULL, &seed), b);
}

static void test_first(void **state)
{
	(void)state;
	struct fixture f;
	build(&f, ALGO_FIRST, "aa", NULL);
	f.ms[0].maxconn = 2;
	uint32_t seed = 1;
	static struct sockaddr_storage any;
	assert_ptr_equal(rt_balance_pick(&f.p, &any, NULL, &seed), &f.rs[0]);
	assert_ptr_equal(rt_balance_pick(&f.p, &any, NULL, &seed), &f.rs[0]);
	assert_ptr_equal(rt_balance_pick(&f.p, &any, NULL, &seed), &f.rs[1]); /* 0 is full */
}

static void test_source(void **state)
{
	(void)state;
	struct fixture f;
	build(&f, ALGO_SOURCE, "aaaa", NULL);
	int seen[4] = {0};
	for (int ip = 1; ip <= 64; ip++) {
		struct sockaddr_storage ss = {0};
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(0xc0a85800u + (uint32_t)ip);
		int first = pick(&f, &ss);
		for (int k = 0; k < 3; k++)
			assert_int_equal(pick(&f, &ss), first); /* sticky */
		seen[first]++;
	}
	for (int i = 0; i < 4; i++)
		assert_true(seen[i] > 0); /* and spread */
	rt_pool_free(&f.p);
}

static void test_random(void **state)
{
	(void)state;
	struct fixture f;
	build(&f, ALGO_RANDOM, "aaa", NULL);
	int n[3] = {0};
	uint32_t seed = 99;
	static struct sockaddr_storage any;
	for (int i = 0; i < 3000; i++) {
		struct rt_server *s = rt_balance_pick(&f.p, &any, NULL, &seed);
		n[s - f.rs]++;
		rt_balance_release(s);
	}
	for (int i = 0; i < 3; i++)
		assert_true(n[i] > 700 && n[i] < 1300);
}

static void test_redispatch_avoid(void **state)
{
	(void)state;
	struct fixture f;
	build(&f, ALGO_ROUNDROBIN, "aa", NULL);
	uint32_t seed = 1;
	static struct sockaddr_storage any;
	for (int i = 0; i < 4; i++)
		assert_ptr_equal(rt_balance_pick(&f.p, &any, &f.rs[0], &seed), &f.rs[1]);
	build(&f, ALGO_ROUNDROBIN, "a", NULL); /* nothing else: the avoided one is still used */
	assert_ptr_equal(rt_balance_pick(&f.p, &any, &f.rs[0], &seed), &f.rs[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundrobin_alternates),
	    cmocka_unit_test(test_roundrobin_weights),
	    cmocka_unit_test(test_weight_zero_and_disabled),
	    cmocka_unit_test(test_backup),
	    cmocka_unit_test(test_leastconn),
	    cmocka_unit_test(test_first),
	    cmocka_unit_test(test_source),
	    cmocka_unit_test(test_random),
	    cmocka_unit_test(test_redispatch_avoid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
