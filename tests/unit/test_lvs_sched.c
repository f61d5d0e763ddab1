/* test_lvs_sched.c - the IPVS schedulers of runtime/lvs_sched.c against sequences computed
 * by hand from the algorithms' descriptions (destinations in IPVS list order), and the
 * virtual_server pool of runtime/lvs.c through balance.c: reverse config order, persistence
 * with granularity, weight 0, failed and inhibited servers, the sorry_server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/rt.h"

#define D(w, a, i) {.weight = (w), .active = (a), .inactive = (i)}

static void run_seq(enum m_algo algo, const struct rt_lvs_dest *d, int n, const int *want,
                    int nwant)
{
	struct rt_lvs_sched st;
	rt_lvs_sched_init(&st, algo);
	for (int k = 0; k < nwant; k++) {
		int got = rt_lvs_schedule(&st, d, n, 0, 0);
		if (got != want[k])
			fail_msg("algo %d pick %d: got %d, want %d", (int)algo, k, got, want[k]);
	}
}

static void test_rr(void **state)
{
	(void)state;
	struct rt_lvs_dest d[] = {D(1, 0, 0), D(1, 0, 0), D(1, 0, 0)};
	run_seq(ALGO_LVS_RR, d, 3, (int[]){0, 1, 2, 0, 1, 2}, 6);
	d[1].weight = 0; /* quiescent: skipped */
	run_seq(ALGO_LVS_RR, d, 3, (int[]){0, 2, 0, 2}, 4);
	struct rt_lvs_dest none[] = {D(0, 0, 0), D(0, 0, 0)};
	run_seq(ALGO_LVS_RR, none, 2, (int[]){-1}, 1);
}

static void test_wrr(void **state)
{
	(void)state;
	/* Lab 2: keepalived adds .83 (w1) then .84 (w2); IPVS lists .84 first.
	 * cw=2: .84; wrap cw=1: .84, .83; wrap cw=2: .84; wrap cw=1: .84, .83 */
	struct rt_lvs_dest lab[] = {D(2, 0, 0), D(1, 0, 0)};
	run_seq(ALGO_LVS_WRR, lab, 2, (int[]){0, 0, 1, 0, 0, 1}, 6);
	/* the LVS documentation's example, weights 4:3:2 -> A A B A B C A B C */
	struct rt_lvs_dest abc[] = {D(4, 0, 0), D(3, 0, 0), D(2, 0, 0)};
	run_seq(ALGO_LVS_WRR, abc, 3, (int[]){0, 0, 1, 0, 1, 2, 0, 1, 2, 0, 0, 1}, 12);
	/* gcd 2: weights 4:2 step cw 3, 1 -> A A B */
	struct rt_lvs_dest g[] = {D(4, 0, 0), D(2, 0, 0)};
	run_seq(ALGO_LVS_WRR, g, 2, (int[]){0, 0, 1, 0, 0, 1}, 6);
	/* weight 0 takes nothing; all 0: no destination */
	struct rt_lvs_dest z[] = {D(0, 0, 0), D(1, 0, 0)};
	run_seq(ALGO_LVS_WRR, z, 2, (int[]){1, 1, 1}, 3);
	struct rt_lvs_dest zz[] = {D(0, 0, 0), D(0, 0, 0)};
	run_seq(ALGO_LVS_WRR, zz, 2, (int[]){-1}, 1);
	/* overloaded destinations are skipped */
	struct rt_lvs_dest ov[] = {D(2, 0, 0), D(1, 0, 0)};
	ov[0].overloaded = true;
	run_seq(ALGO_LVS_WRR, ov, 2, (int[]){1, 1}, 2);
}

static void test_wrr_weight_change_restarts(void **state)
{
	(void)state;
	struct rt_lvs_sched st;
	rt_lvs_sched_init(&st, ALGO_LVS_WRR);
	struct rt_lvs_dest d[] = {D(1, 0, 0), D(1, 0, 0)};
	assert_int_equal(rt_lvs_schedule(&st, d, 2, 0, 0), 0);
	d[1].weight = 3; /* update_service: walk restarts at the head with cw = max */
	assert_int_equal(rt_lvs_schedule(&st, d, 2, 0, 0), 1);
	assert_int_equal(rt_lvs_schedule(&st, d, 2, 0, 0), 1);
	assert_int_equal(rt_lvs_schedule(&st, d, 2, 0, 0), 0);
}

static void test_least(void **state)
{
	(void)state;
	struct rt_lvs_sched st;
	/* lc: overhead active*256 + inactive: 512, 261, 259 */
	rt_lvs_sched_init(&st, ALGO_LVS_LC);
	struct rt_lvs_dest lc[] = {D(1, 2, 0), D(1, 1, 5), D(1, 1, 3)};
	assert_int_equal(rt_lvs_schedule(&st, lc, 3, 0, 0), 2);
	lc[2].weight = 0;
	assert_int_equal(rt_lvs_schedule(&st, lc, 3, 0, 0), 1);
	/* wlc: ties go to the first in list; 256/1 vs 256/2 -> the heavier */
	rt_lvs_sched_init(&st, ALGO_LVS_WLC);
	struct rt_lvs_dest w0[] = {D(1, 0, 0), D(2, 0, 0)};
	assert_int_equal(rt_lvs_schedule(&st, w0, 2, 0, 0), 0);
	struct rt_lvs_dest w1[] = {D(1, 1, 0), D(2, 1, 0)};
	assert_int_equal(rt_lvs_schedule(&st, w1, 2, 0, 0), 1);
	struct rt_lvs_dest w2[] = {D(1, 1, 0), D(3, 3, 0)}; /* 256/1 == 768/3: first */
	assert_int_equal(rt_lvs_schedule(&st, w2, 2, 0, 0), 0);
	struct rt_lvs_dest w3[] = {D(1, 1, 0), D(3, 2, 200)}; /* 256 vs 712/3=237 */
	assert_int_equal(rt_lvs_schedule(&st, w3, 2, 0, 0), 1);
	/* sed: (active+1)/weight: 1/1 vs 2/2 -> first; 2/1 vs 3/3 -> second */
	rt_lvs_sched_init(&st, ALGO_LVS_SED);
	struct rt_lvs_dest s0[] = {D(1, 0, 0), D(2, 1, 0)};
	assert_int_equal(rt_lvs_schedule(&st, s0, 2, 0, 0), 0);
	struct rt_lvs_dest s1[] = {D(1, 1, 0), D(3, 2, 0)};
	assert_int_equal(rt_lvs_schedule(&st, s1, 2, 0, 0), 1);
	/* nq: an idle server first, whatever the weights; else as sed */
	rt_lvs_sched_init(&st, ALGO_LVS_NQ);
	struct rt_lvs_dest n0[] = {D(1, 1, 0), D(5, 3, 0), D(1, 0, 0)};
	assert_int_equal(rt_lvs_schedule(&st, n0, 3, 0, 0), 2);
	struct rt_lvs_dest n1[] = {D(1, 1, 0), D(5, 3, 0)}; /* 2/1 vs 4/5 */
	assert_int_equal(rt_lvs_schedule(&st, n1, 2, 0, 0), 1);
}

static void test_fo_ovf(void **state)
{
	(void)state;
	struct rt_lvs_sched st;
	rt_lvs_sched_init(&st, ALGO_LVS_FO);
	struct rt_lvs_dest f[] = {D(1, 0, 0), D(3, 9, 0), D(3, 0, 0), D(0, 0, 0)};
	assert_int_equal(rt_lvs_schedule(&st, f, 4, 0, 0), 1);
	f[1].overloaded = true;
	assert_int_equal(rt_lvs_schedule(&st, f, 4, 0, 0), 2);
	rt_lvs_sched_init(&st, ALGO_LVS_OVF);
	struct rt_lvs_dest o[] = {D(2, 2, 0), D(1, 0, 0), D(3, 3, 0)};
	assert_int_equal(rt_lvs_schedule(&st, o, 3, 0, 0), 1);
	o[2].active = 2;
	assert_int_equal(rt_lvs_schedule(&st, o, 3, 0, 0), 2);
	o[1].active = 1;
	o[2].active = 3;
	assert_int_equal(rt_lvs_schedule(&st, o, 3, 0, 0), -1);
}

/* lblc/lblcr, picks that each stay active: the address keeps its destination until it is
 * overloaded (active > weight while another is under half its weight); lblcr then adds
 * wlc's pick to the address's set and takes the set's least loaded (first added last) */
static void lblc_seq(enum m_algo algo, const uint32_t *dst, const int *want, int n)
{
	struct rt_lvs_dest d[] = {D(2, 0, 0), D(2, 0, 0)};
	struct rt_lvs_sched st;
	rt_lvs_sched_init(&st, algo);
	for (int k = 0; k < n; k++) {
		int got = rt_lvs_schedule(&st, d, 2, 0, dst[k]);
		if (got != want[k])
			fail_msg("algo %d pick %d: got %d, want %d", (int)algo, k, got, want[k]);
		if (got >= 0)
			d[got].active++;
	}
}

static void test_lblc(void **state)
{
	(void)state;
	/* 0 until it holds 3 > 2 while 1 is idle; then 1; another address: wlc (1, less loaded) */
	lblc_seq(ALGO_LVS_LBLC, (uint32_t[]){1, 1, 1, 1, 1, 2}, (int[]){0, 0, 0, 1, 1, 1}, 6);
	/* lblcr: the set {0} grows to {1, 0}; then its least loaded, 1 on ties (added last),
	 * and 0 once 1 carries more; never overloaded while nobody is under half load */
	lblc_seq(ALGO_LVS_LBLCR, (uint32_t[]){1, 1, 1, 1, 1, 1, 1, 1},
		 (int[]){0, 0, 0, 1, 1, 1, 1, 0}, 8);
}

static void test_sh_dh(void **state)
{
	(void)state;
	struct rt_lvs_sched st;
	rt_lvs_sched_init(&st, ALGO_LVS_SH);
	/* weights 2:1 deal buckets 0,1 -> d0, 2 -> d1, 3,4 -> d0 ...: owner is (b % 3 == 2).
	 * bucket = (src * 0x61C88647) >> 24: src 1 -> 97 (d0), src 6 -> 74 (d1),
	 * src 8 -> 14 (d1), src 2 -> 195 (d0) */
	struct rt_lvs_dest d[] = {D(2, 0, 0), D(1, 0, 0)};
	assert_int_equal(rt_lvs_schedule(&st, d, 2, 1, 0), 0);
	assert_int_equal(rt_lvs_schedule(&st, d, 2, 6, 0), 1);
	assert_int_equal(rt_lvs_schedule(&st, d, 2, 8, 0), 1);
	assert_int_equal(rt_lvs_schedule(&st, d, 2, 2, 0), 0);
	for (int k = 0; k < 5; k++) /* the same client, the same server */
		assert_int_equal(rt_lvs_schedule(&st, d, 2, 6, 0), 1);
	d[1].weight = 0; /* its owner unavailable: no destination (no sh-fallback) */
	assert_int_equal(rt_lvs_schedule(&st, d, 2, 6, 0), -1);
	/* dh: one bucket per destination, keyed by the destination address: bucket 74 of 2 */
	rt_lvs_sched_init(&st, ALGO_LVS_DH);
	struct rt_lvs_dest e[] = {D(5, 0, 0), D(1, 0, 0)};
	assert_int_equal(rt_lvs_schedule(&st, e, 2, 1, 6), 0);
	assert_int_equal(rt_lvs_schedule(&st, e, 2, 2, 1), 1); /* bucket 97: odd */
}

/* ---------------------------------------------------------------- the pool path */

struct fixture {
	struct m_proxy_conf pc;
	struct m_lvs lvs;
	struct m_pool mp;
	struct m_server ms[4], sorry;
	struct rt_pool p;
	struct rt_server rs[4];
};

static void build(struct fixture *f, enum m_algo algo, int n, const int *weights)
{
	memset(f, 0, sizeof(*f));
	m_proxy_conf_init(&f->pc);
	f->mp.conf = &f->pc;
	f->mp.balance.algo = algo;
	f->mp.lvs = &f->lvs;
	rt_pool_init(&f->p, &f->mp);
	f->p.srv = f->rs;
	f->p.nsrv = n;
	for (int i = 0; i < n; i++) {
		m_server_init(&f->ms[i]);
		f->ms[i].maxconn = M_UNSET;
		f->ms[i].weight = weights[i];
		f->rs[i].conf = &f->ms[i];
		f->rs[i].pool = &f->p;
		f->rs[i].weight = weights[i];
		f->rs[i].usable = true;
	}
}

static void done(struct fixture *f)
{
	rt_pool_free(&f->p);
	pthread_mutex_destroy(&f->p.lock);
}

static struct sockaddr_storage cli4(const char *ip)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	s4->sin_family = AF_INET;
	inet_pton(AF_INET, ip, &s4->sin_addr);
	return ss;
}

/* index in rs[], -1 none, 9 the sorry server */
static int pick(struct fixture *f, const char *ip)
{
	struct sockaddr_storage ss = cli4(ip);
	uint32_t seed = 1;
	struct rt_server *s = rt_balance_pick(&f->p, &ss, NULL, &seed);
	if (!s)
		return -1;
	rt_balance_release(s);
	return s->conf == &f->sorry ? 9 : (int)(s - f->rs);
}

static void test_pool_wrr_lab2(void **state)
{
	(void)state;
	struct fixture f;
	build(&f, ALGO_LVS_WRR, 2, (int[]){1, 2}); /* .83 w1, .84 w2 in config order */
	int want[] = {1, 1, 0, 1, 1, 0};
	for (int k = 0; k < 6; k++)
		assert_int_equal(pick(&f, "192.168.88.85"), want[k]);
	done(&f);
}

static void test_pool_persistence(void **state)
{
	(void)state;
	struct fixture f;
	build(&f, ALGO_LVS_WRR, 2, (int[]){1, 2});
	f.lvs.persistence_timeout = 60000;
	for (int k = 0; k < 6; k++)
		assert_int_equal(pick(&f, "192.168.88.85"), 1);
	/* another client is scheduled: wrr went on after the first pick */
	assert_int_equal(pick(&f, "192.168.88.99"), 1);
	assert_int_equal(pick(&f, "192.168.88.98"), 0);
	assert_int_equal(pick(&f, "192.168.88.98"), 0);
	/* a failed server loses its clients */
	f.rs[0].usable = false;
	assert_int_equal(pick(&f, "192.168.88.98"), 1);
	f.rs[0].usable = true;
	assert_int_equal(pick(&f, "192.168.88.98"), 1);
	/* quiescent (weight 0): existing affinities stay, as with IPVS */
	f.rs[1].weight = 0;
	assert_int_equal(pick(&f, "192.168.88.85"), 1);
	assert_int_equal(pick(&f, "192.168.88.50"), 0);
	done(&f);
}

static void test_pool_expiry(void **state)
{
	(void)state;
	struct fixture f;
	build(&f, ALGO_LVS_RR, 2, (int[]){1, 1}); /* IPVS order rs1, rs0 */
	f.lvs.persistence_timeout = 40;
	assert_int_equal(pick(&f, "10.1.1.1"), 1);
	assert_int_equal(pick(&f, "10.1.1.1"), 1); /* refreshed: 40 ms from now */
	usleep(60 * 1000);
	assert_int_equal(pick(&f, "10.1.1.1"), 0); /* expired: rr goes on */
	for (int k = 0; k < 50; k++) { /* many clients, chained buckets */
		char ip[32];
		snprintf(ip, sizeof(ip), "10.2.%d.%d", k / 7, k);
		int first = pick(&f, ip);
		assert_int_equal(pick(&f, ip), first);
	}
	done(&f);
}

static void test_pool_granularity(void **state)
{
	(void)state;
	struct fixture f;
	build(&f, ALGO_LVS_RR, 2, (int[]){1, 1});
	f.lvs.persistence_timeout = 60000;
	f.lvs.persistence_granularity = "255.255.255.0";
	int first = pick(&f, "10.0.0.1");
	for (int k = 2; k < 8; k++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "10.0.0.%d", k);
		assert_int_equal(pick(&f, ip), first);
	}
	assert_int_not_equal(pick(&f, "10.0.1.1"), first);
	done(&f);
}

static void test_pool_failed_inhibit_sorry(void **state)
{
	(void)state;
	struct fixture f;
	build(&f, ALGO_LVS_RR, 3, (int[]){1, 1, 1});
	/* IPVS order: rs2, rs1, rs0 */
	assert_int_equal(pick(&f, "1.1.1.1"), 2);
	assert_int_equal(pick(&f, "1.1.1.1"), 1);
	assert_int_equal(pick(&f, "1.1.1.1"), 0);
	f.rs[1].usable = false; /* removed */
	assert_int_equal(pick(&f, "1.1.1.1"), 2);
	assert_int_equal(pick(&f, "1.1.1.1"), 0);
	f.lvs.inhibit_on_failure = 1; /* kept in the list with weight 0: still skipped */
	f.rs[1].weight = 0;
	assert_int_equal(pick(&f, "1.1.1.1"), 2);
	assert_int_equal(pick(&f, "1.1.1.1"), 0);
	f.rs[0].usable = f.rs[2].usable = false;
	assert_int_equal(pick(&f, "1.1.1.1"), -1); /* nothing, no sorry_server */
	done(&f);

	build(&f, ALGO_LVS_WRR, 2, (int[]){1, 2});
	m_server_init(&f.sorry);
	f.sorry.addr.kind = M_ADDR_INET;
	f.sorry.addr.ss = cli4("127.0.0.1");
	f.lvs.sorry_server = &f.sorry;
	f.rs[0].usable = f.rs[1].usable = false;
	assert_int_equal(pick(&f, "1.1.1.1"), 9);
	f.rs[0].usable = true;
	assert_int_equal(pick(&f, "1.1.1.1"), 0);
	done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rr),
	    cmocka_unit_test(test_wrr),
	    cmocka_unit_test(test_wrr_weight_change_restarts),
	    cmocka_unit_test(test_least),
	    cmocka_unit_test(test_fo_ovf),
	    cmocka_unit_test(test_lblc),
	    cmocka_unit_test(test_sh_dh),
	    cmocka_unit_test(test_pool_wrr_lab2),
	    cmocka_unit_test(test_pool_persistence),
	    cmocka_unit_test(test_pool_expiry),
	    cmocka_unit_test(test_pool_granularity),
	    cmocka_unit_test(test_pool_failed_inhibit_sorry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
