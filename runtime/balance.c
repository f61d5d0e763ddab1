/* balance.c - server selection over a pool: HAProxy's `balance` algorithms.
 *
 * Every pick takes the pool's mutex, so any worker thread may balance over any pool; the
 * critical sections are a few dozen instructions. Active servers are used while one of them
 * is usable; otherwise the first backup server, or all backups with `option allbackups`
 * (HAProxy's rule). Algorithms that hash a request part (uri, url_param, hdr, rdp-cookie)
 * are not implemented yet and fall back to roundrobin; LVS schedulers map to their closest
 * HAProxy counterpart for the userspace L4 path.
 */
#include <stdlib.h>
#include <string.h>

#include "runtime/rt.h"

void rt_pool_init(struct rt_pool *p, const struct m_pool *conf)
{
	p->conf = conf;
	pthread_mutex_init(&p->lock, NULL);
	atomic_init(&p->cur, 0);
}

static uint32_t xorshift(uint32_t *s)
{
	uint32_t x = *s ? *s : 2463534242u;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/* Which servers take traffic now: the active ones, else the backups (first or all). */
static int eligible(struct rt_pool *p, struct rt_server **out, const struct rt_server *avoid)
{
	int n = 0;
	for (int i = 0; i < p->nsrv; i++) {
		struct rt_server *s = &p->srv[i];
		if (s->usable && !s->backup && s->weight > 0 && s != avoid &&
		    !atomic_load(&s->admin)) /* stats socket: maint/drain */
			out[n++] = s;
	}
	if (n)
		return n;
	bool all = p->conf->conf && p->conf->conf->opt[OPT_ALLBACKUPS] == 1;
	for (int i = 0; i < p->nsrv; i++) {
		struct rt_server *s = &p->srv[i];
		if (s->usable && s->backup && s->weight > 0 && s != avoid &&
		    !atomic_load(&s->admin)) { /* stats socket: maint/drain */
			out[n++] = s;
			if (!all)
				break;
		}
	}
	return n;
}

/* Smooth weighted round-robin (every server is visited in proportion to its weight, and
 * equal weights alternate strictly in declaration order as HAProxy does). */
static struct rt_server *pick_wrr(struct rt_server **c, int n)
{
	int total = 0;
	struct rt_server *best = NULL;
	for (int i = 0; i < n; i++) {
		c[i]->cw += c[i]->weight;
		total += c[i]->weight;
		if (!best || c[i]->cw > best->cw)
			best = c[i];
	}
	best->cw -= total;
	return best;
}

/* Fewest connections relative to weight; ties rotate so that idle servers share the load. */
static struct rt_server *pick_leastconn(struct rt_pool *p, struct rt_server **c, int n)
{
	struct rt_server *best = NULL;
	long bscore = 0;
	unsigned start = p->rr++;
	for (int k = 0; k < n; k++) {
		struct rt_server *s = c[(start + (unsigned)k) % (unsigned)n];
		long score = (long)(atomic_load(&s->cur) + 1) * 256 / s->weight;
		if (!best || score < bscore) {
			best = s;
			bscore = score;
		}
	}
	return best;
}

/* The first server, in declaration order, that is below its maxconn. */
static struct rt_server *pick_first(struct rt_server **c, int n)
{
	for (int i = 0; i < n; i++) {
		int max = c[i]->conf->maxconn;
		if (max <= 0 || atomic_load(&c[i]->cur) < max)
			return c[i];
	}
	return c[0];
}

static uint32_t hash_addr(const struct sockaddr_storage *ss)
{
	const uint8_t *b;
	size_t n;
	if (ss->ss_family == AF_INET6) {
		b = (const uint8_t *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
		n = 16;
	} else {
		b = (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
		n = 4;
	}
	uint32_t h = 2166136261u; /* FNV-1a: stable across restarts, well spread */
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

/* map-based hashing: the hash selects a slot among the sum of weights. */
static struct rt_server *pick_hash(struct rt_server **c, int n, uint32_t h)
{
	unsigned total = 0;
	for (int i = 0; i < n; i++)
		total += (unsigned)c[i]->weight;
	unsigned slot = h % total;
	for (int i = 0; i < n; i++) {
		if (slot < (unsigned)c[i]->weight)
			return c[i];
		slot -= (unsigned)c[i]->weight;
	}
	return c[n - 1];
}

/* random(N): N weighted draws, keep the least loaded ("power of two choices"). */
static struct rt_server *pick_random(struct rt_pool *p, struct rt_server **c, int n, uint32_t *seed)
{
	int draws = p->conf->balance.random_draws > 0 ? p->conf->balance.random_draws : 2;
	struct rt_server *best = NULL;
	for (int d = 0; d < draws; d++) {
		struct rt_server *s = pick_hash(c, n, xorshift(seed));
		if (!best || atomic_load(&s->cur) < atomic_load(&best->cur))
			best = s;
	}
	return best;
}

struct rt_server *rt_balance_pick(struct rt_pool *p, const struct sockaddr_storage *cli,
                                  const struct rt_server *avoid, uint32_t *seed)
{
	struct rt_server *cand[p->nsrv > 0 ? p->nsrv : 1];
	struct rt_server *s = NULL;

	pthread_mutex_lock(&p->lock);
	int n = eligible(p, cand, avoid);
	if (n == 0 && avoid)
		n = eligible(p, cand, NULL);
	if (n > 0) {
		switch (p->conf->balance.algo) {
		case ALGO_LEASTCONN:
		case ALGO_LVS_LC:
		case ALGO_LVS_WLC:
		case ALGO_LVS_SED:
		case ALGO_LVS_NQ:
			s = pick_leastconn(p, cand, n);
			break;
		case ALGO_FIRST:
		case ALGO_LVS_FO:
			s = pick_first(cand, n);
			break;
		case ALGO_SOURCE:
		case ALGO_LVS_SH:
			s = pick_hash(cand, n, hash_addr(cli));
			break;
		case ALGO_RANDOM:
			s = pick_random(p, cand, n, seed);
			break;
		default: /* roundrobin, static-rr, not yet implemented hashes, LVS rr/wrr */
			s = pick_wrr(cand, n);
			break;
		}
	}
	if (s) {
		atomic_fetch_add(&s->cur, 1);
		atomic_fetch_add(&s->total, 1);
		atomic_fetch_add(&p->cur, 1);
		rt_stats_picked(p, s); /* stats */
	}
	pthread_mutex_unlock(&p->lock);
	return s;
}

void rt_balance_release(struct rt_server *s)
{
	if (!s)
		return;
	atomic_fetch_sub(&s->cur, 1);
	atomic_fetch_sub(&s->pool->cur, 1);
}
