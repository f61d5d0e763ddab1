/* test_rt_balance_hash.c - the hashing algorithms of runtime/balance.c on hand-built pools.
 *
 * For every key kind (uri and its options, url_param, hdr with use_domain_only, rdp-cookie,
 * source) and both hash types: the same key always lands on the same server, many keys
 * spread in proportion to the weights, a missing key falls back to roundrobin, and with
 * `hash-type consistent` a server that goes down (or leaves the pool) only moves its own
 * keys while map-based hashing reshuffles.
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

#define MAXS 5
#define NKEYS 6000

struct fixture {
	struct m_proxy_conf pc;
	struct m_pool mp;
	struct m_server ms[MAXS];
	struct rt_pool p;
	struct rt_server rs[MAXS];
};

static struct fixture *build(enum m_algo algo, enum m_hash_type ht, const int *weights, int n)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	m_proxy_conf_init(&f->pc);
	f->mp.conf = &f->pc;
	f->mp.balance.algo = algo;
	f->mp.balance.hash_type = ht;
	rt_pool_init(&f->p, &f->mp);
	f->p.srv = f->rs;
	f->p.nsrv = n;
	for (int i = 0; i < n; i++) {
		m_server_init(&f->ms[i]);
		f->ms[i].maxconn = M_UNSET;
		f->rs[i].conf = &f->ms[i];
		f->rs[i].pool = &f->p;
		f->rs[i].weight = weights ? weights[i] : 1;
		f->rs[i].usable = true;
	}
	return f;
}

static void destroy(struct fixture *f)
{
	rt_pool_free(&f->p);
	pthread_mutex_destroy(&f->p.lock);
	free(f);
}

/* A request "GET uri" with up to two headers. */
struct req {
	struct h1_header h[2];
	struct h1_msg m;
};

static const struct h1_msg *mkreq(struct req *r, const char *uri, const char *hname,
                                  const char *hval)
{
	memset(r, 0, sizeof(*r));
	r->m.method = "GET";
	r->m.method_len = 3;
	r->m.uri = uri;
	r->m.uri_len = strlen(uri);
	r->m.minor = 1;
	r->m.headers = r->h;
	r->m.max_headers = 2;
	r->h[0] = (struct h1_header){.name = "Host", .name_len = 4, .value = "x", .value_len = 1};
	r->m.nheaders = 1;
	if (hname) {
		r->h[1] = (struct h1_header){.name = hname,
		                             .name_len = strlen(hname),
		                             .value = hval,
		                             .value_len = strlen(hval)};
		r->m.nheaders = 2;
	}
	return &r->m;
}

static int pick_msg(struct fixture *f, const struct h1_msg *m)
{
	static struct sockaddr_storage any;
	uint32_t seed = 1;
	struct rt_lb_req rq = {.cli = &any, .msg = m};
	struct rt_server *s = rt_balance_pick_req(&f->p, &rq, NULL, &seed);
	if (!s)
		return -1;
	rt_balance_release(s);
	return (int)(s - f->rs);
}

static int pick_uri(struct fixture *f, const char *uri)
{
	struct req r;
	return pick_msg(f, mkreq(&r, uri, NULL, NULL));
}

static int pick_key(struct fixture *f, int k)
{
	char uri[64];
	/* sdbm modulo a small total (map-based) follows the key's last characters, as in
	 * HAProxy: keys that differ all along, like content hashes, spread evenly */
	snprintf(uri, sizeof(uri), "/static/%08x.png", (unsigned)k * 2654435761u);
	return pick_uri(f, uri);
}

/* Every share of NKEYS keys within 20% of its weight's share. */
static void assert_spread(struct fixture *f, const int *w, int n)
{
	int cnt[MAXS] = {0}, tot = 0;
	for (int i = 0; i < n; i++)
		tot += w[i];
	for (int k = 0; k < NKEYS; k++)
		cnt[pick_key(f, k)]++;
	for (int i = 0; i < n; i++) {
		double want = (double)NKEYS * w[i] / tot;
		if (cnt[i] < want * 0.8 || cnt[i] > want * 1.2)
			fail_msg("server %d: %d keys, expected about %.0f", i, cnt[i], want);
	}
}

static void test_uri_stable_and_spread(void **state)
{
	(void)state;
	int w[] = {1, 2, 3, 2};
	for (int ht = HASH_MAP_BASED; ht <= HASH_CONSISTENT; ht++) {
		struct fixture *f = build(ALGO_URI, (enum m_hash_type)ht, w, 4);
		for (int k = 0; k < 200; k++) {
			int first = pick_key(f, k);
			for (int j = 0; j < 3; j++)
				assert_int_equal(pick_key(f, k), first);
		}
		assert_spread(f, w, 4);
		destroy(f);
	}
}

static void test_uri_options(void **state)
{
	(void)state;
	struct fixture *f = build(ALGO_URI, HASH_MAP_BASED, NULL, 5);
	/* the query string is not part of the key unless `whole` */
	for (int k = 0; k < 50; k++) {
		char a[64], b[64];
		snprintf(a, sizeof(a), "/p/%d?x=1", k);
		snprintf(b, sizeof(b), "/p/%d?y=2", k);
		assert_int_equal(pick_uri(f, a), pick_uri(f, b));
	}
	f->mp.balance.uri_whole = 1;
	int differ = 0;
	for (int k = 0; k < 50; k++) {
		char a[64], b[64];
		snprintf(a, sizeof(a), "/p/%d?x=1", k);
		snprintf(b, sizeof(b), "/p/%d?y=2", k);
		differ += pick_uri(f, a) != pick_uri(f, b);
	}
	assert_true(differ > 10);
	/* depth 2: "/a/b" decides, whatever follows */
	f->mp.balance.uri_whole = 0;
	f->mp.balance.uri_depth = 2;
	for (int k = 0; k < 50; k++) {
		char b[64], c[64];
		snprintf(b, sizeof(b), "/dir%d/sub/x", k);
		snprintf(c, sizeof(c), "/dir%d/sub/y/z", k);
		assert_int_equal(pick_uri(f, b), pick_uri(f, c));
	}
	/* len 6: only "/abcde" counts */
	f->mp.balance.uri_depth = 0;
	f->mp.balance.uri_len = 6;
	assert_int_equal(pick_uri(f, "/abcde1"), pick_uri(f, "/abcde2"));
	/* path-only: an absolute URI hashes like its path */
	f->mp.balance.uri_len = 0;
	f->mp.balance.uri_path_only = 1;
	for (int k = 0; k < 20; k++) {
		char a[80], b[80];
		snprintf(a, sizeof(a), "http://h%d.example.com/q/%d", k, k);
		snprintf(b, sizeof(b), "/q/%d", k);
		assert_int_equal(pick_uri(f, a), pick_uri(f, b));
	}
	destroy(f);
}

static void test_url_param(void **state)
{
	(void)state;
	struct fixture *f = build(ALGO_URL_PARAM, HASH_MAP_BASED, NULL, 3);
	f->mp.balance.arg = "user";
	for (int k = 0; k < 50; k++) {
		char a[64], b[64];
		snprintf(a, sizeof(a), "/a?x=1&user=u%d", k);
		snprintf(b, sizeof(b), "/other?user=u%d&y=2", k);
		assert_int_equal(pick_uri(f, a), pick_uri(f, b));
	}
	/* missing parameter (or an empty one): roundrobin */
	int a = pick_uri(f, "/a?x=1"), b = pick_uri(f, "/a?user="), c = pick_uri(f, "/a");
	assert_true(a != b && b != c && a != c);
	destroy(f);
}

static void test_hdr(void **state)
{
	(void)state;
	struct fixture *f = build(ALGO_HDR, HASH_MAP_BASED, NULL, 4);
	f->mp.balance.arg = "x-user";
	struct req r;
	for (int k = 0; k < 50; k++) {
		char v[32];
		snprintf(v, sizeof(v), "user%d", k);
		int first = pick_msg(f, mkreq(&r, "/a", "X-User", v));
		assert_int_equal(pick_msg(f, mkreq(&r, "/b", "x-user", v)), first);
	}
	/* absent: roundrobin over the four */
	int seen[4] = {0};
	for (int k = 0; k < 4; k++)
		seen[pick_msg(f, mkreq(&r, "/a", NULL, NULL))]++;
	for (int i = 0; i < 4; i++)
		assert_int_equal(seen[i], 1);
	/* use_domain_only: the label before the top-level domain decides */
	f->mp.balance.arg = "host2";
	f->mp.balance.hdr_use_domain_only = 1;
	for (int k = 0; k < 30; k++) {
		char a[64], b[64];
		snprintf(a, sizeof(a), "www.site%d.com", k);
		snprintf(b, sizeof(b), "img.site%d.org:8080", k);
		int x = pick_msg(f, mkreq(&r, "/", "Host2", a));
		assert_int_equal(pick_msg(f, mkreq(&r, "/", "Host2", b)), x);
	}
	destroy(f);
}

static void test_rdp_cookie(void **state)
{
	(void)state;
	struct fixture *f = build(ALGO_RDP_COOKIE, HASH_MAP_BASED, NULL, 3);
	f->mp.balance.arg = "mstshash";
	static struct sockaddr_storage any;
	uint32_t seed = 1;
	for (int k = 0; k < 30; k++) {
		char raw[128];
		int n = snprintf(raw, sizeof(raw), "%c%c%c%c%cCookie: mstshash=user%d\r\n", 3, 0, 0, 0x2a, 0x25, k);
		struct rt_lb_req rq = {.cli = &any, .raw = raw, .rawlen = (size_t)n};
		struct rt_server *a = rt_balance_pick_req(&f->p, &rq, NULL, &seed);
		struct rt_server *b = rt_balance_pick_req(&f->p, &rq, NULL, &seed);
		assert_ptr_equal(a, b);
		rt_balance_release(a);
		rt_balance_release(b);
	}
	destroy(f);
}

static void test_source_hash_types(void **state)
{
	(void)state;
	for (int ht = HASH_MAP_BASED; ht <= HASH_CONSISTENT; ht++) {
		struct fixture *f = build(ALGO_SOURCE, (enum m_hash_type)ht, NULL, 3);
		int seen[3] = {0};
		uint32_t seed = 1;
		for (int ip = 0; ip < 300; ip++) {
			struct sockaddr_storage ss = {0};
			struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
			sin->sin_family = AF_INET;
			sin->sin_addr.s_addr = htonl(0x0a000000u + (uint32_t)ip * 37u);
			struct rt_server *a = rt_balance_pick(&f->p, &ss, NULL, &seed);
			assert_ptr_equal(rt_balance_pick(&f->p, &ss, NULL, &seed), a);
			seen[a - f->rs]++;
		}
		for (int i = 0; i < 3; i++)
			assert_true(seen[i] > 50);
		destroy(f);
	}
}

/* Consistent hashing: taking one server out (down, or weight 0) only moves its keys, and
 * spreads them over the others; map-based hashing moves many more. */
static void test_consistent_minimal_movement(void **state)
{
	(void)state;
	int w[] = {1, 1, 1, 1, 1};
	static int before[NKEYS];
	struct fixture *f = build(ALGO_URI, HASH_CONSISTENT, w, 5);
	for (int k = 0; k < NKEYS; k++)
		before[k] = pick_key(f, k);
	f->rs[2].usable = false; /* health check: DOWN */
	int moved_other = 0, moved_to[5] = {0};
	for (int k = 0; k < NKEYS; k++) {
		int now = pick_key(f, k);
		if (before[k] == 2) {
			assert_int_not_equal(now, 2);
			moved_to[now]++;
		} else if (now != before[k]) {
			moved_other++;
		}
	}
	assert_int_equal(moved_other, 0);
	for (int i = 0; i < 5; i++)
		if (i != 2)
			assert_true(moved_to[i] > 0); /* the orphans spread */
	f->rs[2].usable = true; /* back UP: every key returns */
	for (int k = 0; k < NKEYS; k++)
		assert_int_equal(pick_key(f, k), before[k]);
	f->rs[2].weight = 0; /* set weight 0: same */
	for (int k = 0; k < NKEYS; k++)
		if (before[k] != 2)
			assert_int_equal(pick_key(f, k), before[k]);
	destroy(f);

	f = build(ALGO_URI, HASH_MAP_BASED, w, 5);
	for (int k = 0; k < NKEYS; k++)
		before[k] = pick_key(f, k);
	f->rs[2].usable = false;
	moved_other = 0;
	for (int k = 0; k < NKEYS; k++)
		if (before[k] != 2 && pick_key(f, k) != before[k])
			moved_other++;
	assert_true(moved_other > NKEYS / 4);
	destroy(f);
}

/* HAProxy's map: equal weights interleave in declaration order, so a key's server is its
 * hash modulo the number of servers. */
static void test_map_source_order(void **state)
{
	(void)state;
	struct fixture *f = build(ALGO_SOURCE, HASH_MAP_BASED, NULL, 2);
	uint32_t seed = 1;
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0x7f000001u); /* odd: the second server */
	assert_ptr_equal(rt_balance_pick(&f->p, &ss, NULL, &seed), &f->rs[1]);
	sin->sin_addr.s_addr = htonl(0x7f000002u);
	assert_ptr_equal(rt_balance_pick(&f->p, &ss, NULL, &seed), &f->rs[0]);
	destroy(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_uri_stable_and_spread),
	    cmocka_unit_test(test_uri_options),
	    cmocka_unit_test(test_url_param),
	    cmocka_unit_test(test_hdr),
	    cmocka_unit_test(test_rdp_cookie),
	    cmocka_unit_test(test_source_hash_types),
	    cmocka_unit_test(test_consistent_minimal_movement),
	    cmocka_unit_test(test_map_source_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
