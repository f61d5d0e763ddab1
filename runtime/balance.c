/* balance.c - server selection over a pool: HAProxy's `balance` algorithms.
 *
 * Every pick takes the pool's mutex, so any worker thread may balance over any pool; the
 * critical sections are a few dozen instructions. Active servers are used while one of them
 * is usable; otherwise the first backup server, or all backups with `option allbackups`
 * (HAProxy's rule). The hashing algorithms (source, uri, url_param, hdr, rdp-cookie) hash
 * their key with sdbm (HAProxy's default hash function) and either index a map of the
 * candidates interleaved by weight (`hash-type map-based`: the key modulo the total weight)
 * or walk a consistent-hash ring with weight-proportional points per server, where a server
 * that goes down only loses its own keys (`hash-type consistent`). A missing key falls back
 * to roundrobin. Servers with `maxconn` are skipped while full; when none can take the
 * request (or a hashed key's server is full) the session waits in a FIFO queue (the pool's
 * or that server's) until a release grants it the freed slot. A keepalived virtual_server's
 * pool is balanced by the IPVS schedulers instead (lvs.c, lvs_sched.c).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runtime/rt.h"

void rt_pool_init(struct rt_pool *p, const struct m_pool *conf)
{
	p->conf = conf;
	pthread_mutex_init(&p->lock, NULL);
	atomic_init(&p->cur, 0);
}

void rt_pool_free(struct rt_pool *p)
{
	free(p->map);
	free(p->ring);
	p->map = NULL;
	p->ring = NULL;
	p->nmap = p->nring = 0;
	rt_lvs_free(p); /* lvs */
}

/* Room for every server the pool may hold: sized before its lock is taken, while an `add
 * server` may add one (pools built by unit tests have no spare slots: cap 0). */
#define NSLOTS(p) ((p)->cap > (p)->nsrv ? (p)->cap : (p)->nsrv > 0 ? (p)->nsrv : 1)

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
		struct rt_server *s = rt_psrv(p, i);
		if (s->usable && !s->backup && s->weight > 0 && s != avoid &&
		    !atomic_load(&s->admin) && /* stats socket: maint/drain */
		    !atomic_load(&s->nolb))
			out[n++] = s;
	}
	if (n)
		return n;
	bool all = p->conf->conf && p->conf->conf->opt[OPT_ALLBACKUPS] == 1;
	for (int i = 0; i < p->nsrv; i++) {
		struct rt_server *s = rt_psrv(p, i);
		if (s->usable && s->backup && s->weight > 0 && s != avoid &&
		    !atomic_load(&s->admin) && !atomic_load(&s->nolb)) { /* maint/drain/nolb */
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
		int max = rt_srv_maxconn(c[i]); /* set maxconn server may change it */
		if (max <= 0 || atomic_load(&c[i]->cur) < max)
			return c[i];
	}
	return c[0];
}

/* A weighted draw: slot h selects among the sum of weights, in contiguous blocks. */
static struct rt_server *pick_slot(struct rt_server **c, int n, uint32_t h)
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

/* ---------------------------------------------------------------- hash keys */

/* sdbm (HAProxy's default `hash-type` function) and djb2; other functions fall back to sdbm */
static uint32_t hash_bytes(const struct rt_pool *p, const char *k, size_t n)
{
	uint32_t h = 0;
	const char *fn = p->conf->balance.hash_fn;
	if (fn && !strncmp(fn, "djb2", 4)) {
		h = 5381;
		for (size_t i = 0; i < n; i++)
			h = h * 33u + (uint8_t)k[i];
		return h;
	}
	for (size_t i = 0; i < n; i++)
		h = (uint8_t)k[i] + (h << 6) + (h << 16) - h;
	return h;
}

/* The client address folded into 32 bits (IPv6: its four words xored). */
static bool hash_addr(const struct sockaddr_storage *ss, uint32_t *h)
{
	const uint8_t *b;
	size_t n;
	if (!ss)
		return false;
	if (ss->ss_family == AF_INET6) {
		b = (const uint8_t *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
		n = 16;
	} else if (ss->ss_family == AF_INET) {
		b = (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
		n = 4;
	} else {
		return false;
	}
	uint32_t x = 0;
	for (size_t i = 0; i < n; i += 4)
		x ^= (uint32_t)b[i] << 24 | (uint32_t)b[i + 1] << 16 | (uint32_t)b[i + 2] << 8 | b[i + 3];
	*h = x;
	return true;
}

/* balance uri: the target up to '?' (all of it with `whole`), from the path with
 * `path-only`, cut at `len` characters and at the slash that exceeds `depth`. */
static bool key_uri(const struct m_balance *b, const struct h1_msg *m, const char **k, size_t *n)
{
	const char *u = m->uri, *e = m->uri + m->uri_len;
	if (!m->uri_len)
		return false;
	if (b->uri_path_only && *u != '/') {
		const char *s = memmem(u, m->uri_len, "://", 3);
		u = s ? memchr(s + 3, '/', (size_t)(e - s - 3)) : NULL;
		if (!u)
			return false;
	}
	if (!b->uri_whole) {
		const char *q = memchr(u, '?', (size_t)(e - u));
		if (q)
			e = q;
	}
	if (b->uri_len > 0 && e - u > b->uri_len)
		e = u + b->uri_len;
	if (b->uri_depth > 0) {
		int depth = b->uri_depth;
		for (const char *c = u; c < e; c++)
			if (*c == '/' && depth-- == 0) {
				e = c;
				break;
			}
	}
	*k = u;
	*n = (size_t)(e - u);
	return true;
}

/* balance url_param NAME: the value of the first NAME= in the query string. */
static bool key_param(const char *name, const struct h1_msg *m, const char **k, size_t *n)
{
	const char *q;
	size_t qn, nl = strlen(name);
	if (!rt_smp_query(m, &q, &qn))
		return false;
	for (size_t i = 0; i < qn;) {
		size_t j = i;
		while (j < qn && q[j] != '&' && q[j] != '#')
			j++;
		if (j - i > nl && !memcmp(q + i, name, nl) && q[i + nl] == '=') {
			*k = q + i + nl + 1;
			*n = j - i - nl - 1;
			return *n > 0;
		}
		if (j < qn && q[j] == '#')
			break;
		i = j + 1;
	}
	return false;
}

/* hdr(NAME) use_domain_only: the label left of the last dot ("1wt" of "haproxy.1wt.eu"),
 * the whole name when it has no dot, any ":port" ignored. */
static void domain_only(const char **k, size_t *n)
{
	const char *s = *k, *e = *k + *n;
	const char *colon = memchr(s, ':', *n);
	if (colon)
		e = colon;
	const char *last = NULL, *prev = NULL;
	for (const char *c = s; c < e; c++)
		if (*c == '.') {
			prev = last;
			last = c;
		}
	if (!last)
		return;
	const char *a = prev ? prev + 1 : s;
	*k = a;
	*n = (size_t)(last - a);
}

/* rdp-cookie(NAME): "Cookie: NAME=VALUE\r\n" in the bytes the client sent (an RDP
 * connection request), or NAME among the cookies of an HTTP request. */
static bool key_rdp(const char *name, const struct rt_lb_req *rq, const char **k, size_t *n)
{
	size_t nl = strlen(name);
	if (rq->raw && rq->rawlen > 8 + nl) {
		const char *r = rq->raw, *e = r + rq->rawlen;
		for (const char *c = r; c + 8 + nl < e; c++) {
			if (strncasecmp(c, "Cookie: ", 8) || memcmp(c + 8, name, nl) || c[8 + nl] != '=')
				continue;
			const char *v = c + 9 + nl, *ve = v;
			while (ve < e && *ve != '\r' && *ve != '\n')
				ve++;
			if (ve == e || ve == v)
				return false;
			*k = v;
			*n = (size_t)(ve - v);
			return true;
		}
	}
	const char *ck;
	size_t cn;
	if (!rq->msg || !rt_smp_hdr(rq->msg, "cookie", 0, &ck, &cn))
		return false;
	for (size_t i = 0; i < cn;) {
		while (i < cn && (ck[i] == ' ' || ck[i] == ';'))
			i++;
		size_t j = i;
		while (j < cn && ck[j] != ';')
			j++;
		if (j - i > nl && !memcmp(ck + i, name, nl) && ck[i + nl] == '=') {
			*k = ck + i + nl + 1;
			*n = j - i - nl - 1;
			return *n > 0;
		}
		i = j;
	}
	return false;
}

/* The key of a hashing algorithm for this request; false: absent (roundrobin then). */
static bool request_hash(const struct rt_pool *p, const struct rt_lb_req *rq, uint32_t *h)
{
	const struct m_balance *b = &p->conf->balance;
	const char *k = NULL;
	size_t n = 0;
	bool ok = false;
	switch (b->algo) {
	case ALGO_SOURCE:
	case ALGO_LVS_SH:
		return hash_addr(rq->cli, h);
	case ALGO_URI:
		ok = rq->msg && key_uri(b, rq->msg, &k, &n);
		break;
	case ALGO_URL_PARAM:
		ok = rq->msg && b->arg && key_param(b->arg, rq->msg, &k, &n);
		break;
	case ALGO_HDR:
		ok = rq->msg && b->arg && rt_smp_hdr(rq->msg, b->arg, 0, &k, &n) && n > 0;
		if (ok && b->hdr_use_domain_only)
			domain_only(&k, &n);
		break;
	case ALGO_RDP_COOKIE:
		ok = b->arg && key_rdp(b->arg, rq, &k, &n);
		break;
	default:
		return false;
	}
	if (ok)
		*h = hash_bytes(p, k, n);
	return ok;
}

/* ---------------------------------------------------------------- map-based */

static uint64_t sig_add(uint64_t sig, uint64_t v)
{
	return (sig ^ v) * 1099511628211ull;
}

/* HAProxy's map: the candidates interleaved by weight over one cycle, indexed by the hash
 * modulo the total weight. Rebuilt only when the candidates or their weights change. */
static struct rt_server *pick_map(struct rt_pool *p, struct rt_server **c, int n, uint32_t h)
{
	uint64_t sig = 14695981039346656037ull;
	unsigned total = 0;
	for (int i = 0; i < n; i++) {
		sig = sig_add(sig, (uint64_t)(c[i] - p->srv) << 32 | (unsigned)c[i]->weight);
		total += (unsigned)c[i]->weight;
	}
	sig = sig_add(sig, p->gen); /* add/del server: a slot may hold another server */
	if (!p->map || sig != p->map_sig || total != p->nmap) {
		uint16_t *m = realloc(p->map, total * sizeof(*m));
		int *cw = calloc((size_t)n, sizeof(*cw));
		if (!m || !cw) {
			free(cw);
			if (m)
				p->map = m;
			p->map_sig = 0;
			return pick_slot(c, n, h);
		}
		for (unsigned o = 0; o < total; o++) {
			/* scores compare in units of the total weight, the first server winning
			 * ties: the order HAProxy's map has (checked key by key against it) */
			int best = -1, max = 0;
			for (int i = 0; i < n; i++) {
				cw[i] += c[i]->weight;
				int v = (cw[i] + (int)total) / (int)total;
				if (best < 0 || v > max) {
					best = i;
					max = v;
				}
			}
			cw[best] -= (int)total;
			m[o] = (uint16_t)(c[best] - p->srv);
		}
		free(cw);
		p->map = m;
		p->nmap = total;
		p->map_sig = sig;
	}
	return &p->srv[p->map[h % total]];
}

/* ---------------------------------------------------------------- consistent */

struct rt_ring_pt {
	uint32_t h;
	uint16_t srv;
};

#define RING_PTS_PER_WEIGHT 64u
#define RING_MAX_PTS        (1u << 18)

static uint64_t mix64(uint64_t x)
{ /* splitmix64's finalizer */
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint32_t mix32(uint64_t x)
{
	return (uint32_t)(mix64(x) >> 16);
}

static int ring_cmp(const void *a, const void *b)
{
	const struct rt_ring_pt *x = a, *y = b;
	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return (int)x->srv - (int)y->srv;
}

/* A server's points depend only on its identity (its name, else its position) and its
 * weight, so adding, removing or failing one server never moves another's points. */
static uint64_t srv_ident(const struct rt_pool *p, int i)
{
	const char *name = p->srv[i].conf ? p->srv[i].conf->name : NULL; /* i: a slot */
	uint64_t x = 14695981039346656037ull;
	if (!name)
		return sig_add(x, (uint64_t)i);
	for (; *name; name++)
		x = sig_add(x, (uint8_t)*name);
	return x;
}

static bool ring_build(struct rt_pool *p)
{
	uint64_t sig = 14695981039346656037ull;
	unsigned total = 0;
	for (int i = 0; i < p->nsrv; i++) {
		sig = sig_add(sig, (unsigned)rt_psrv(p, i)->weight);
		total += (unsigned)(rt_psrv(p, i)->weight > 0 ? rt_psrv(p, i)->weight : 0);
	}
	sig = sig_add(sig, p->gen); /* add/del server */
	if (p->ring && sig == p->ring_sig)
		return true;
	unsigned per = RING_PTS_PER_WEIGHT;
	while (per > 1 && (uint64_t)total * per > RING_MAX_PTS)
		per /= 2;
	struct rt_ring_pt *r = malloc(((size_t)total * per + 1) * sizeof(*r));
	if (!r)
		return false;
	unsigned k = 0;
	for (int i = 0; i < p->nsrv; i++) {
		int slot = (int)(rt_psrv(p, i) - p->srv);
		uint64_t id = mix64(srv_ident(p, slot)); /* mixed: ids must not be a step apart */
		unsigned pts = (unsigned)(p->srv[slot].weight > 0 ? p->srv[slot].weight : 0) * per;
		for (unsigned j = 0; j < pts; j++)
			r[k++] = (struct rt_ring_pt){.h = mix32(id + j * 0x100000001b3ull),
			                             .srv = (uint16_t)slot};
	}
	qsort(r, k, sizeof(*r), ring_cmp);
	free(p->ring);
	p->ring = r;
	p->nring = k;
	p->ring_sig = sig;
	return true;
}

/* The first point clockwise from the key's position whose server is a candidate. */
static struct rt_server *pick_ring(struct rt_pool *p, struct rt_server **c, int n, uint32_t h)
{
	if (!ring_build(p) || p->nring == 0)
		return pick_slot(c, n, h);
	bool cand[NSLOTS(p)];
	memset(cand, 0, sizeof(cand));
	for (int i = 0; i < n; i++)
		cand[c[i] - p->srv] = true;
	uint32_t key = mix32(h);
	unsigned lo = 0, hi = p->nring;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (p->ring[mid].h < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (unsigned k = 0; k < p->nring; k++) {
		const struct rt_ring_pt *pt = &p->ring[(lo + k) % p->nring];
		if (cand[pt->srv])
			return &p->srv[pt->srv];
	}
	return pick_slot(c, n, h); /* candidates without points (weight changed under us) */
}

static bool is_hash_algo(enum m_algo a)
{
	return a == ALGO_SOURCE || a == ALGO_LVS_SH || a == ALGO_URI || a == ALGO_URL_PARAM ||
	       a == ALGO_HDR || a == ALGO_RDP_COOKIE;
}
/* random(N): N weighted draws, keep the least loaded ("power of two choices"). */
static struct rt_server *pick_random(struct rt_pool *p, struct rt_server **c, int n, uint32_t *seed)
{
	int draws = p->conf->balance.random_draws > 0 ? p->conf->balance.random_draws : 2;
	struct rt_server *best = NULL;
	for (int d = 0; d < draws; d++) {
		struct rt_server *s = pick_slot(c, n, xorshift(seed));
		if (!best || atomic_load(&s->cur) < atomic_load(&best->cur))
			best = s;
	}
	return best;
}

/* The algorithm's choice among n candidates; pool lock held. */
static struct rt_server *choose(struct rt_pool *p, struct rt_server **cand, int n, bool hashed,
                                uint32_t h, uint32_t *seed)
{
	switch (p->conf->balance.algo) {
	case ALGO_LEASTCONN:
	case ALGO_LVS_LC:
	case ALGO_LVS_WLC:
	case ALGO_LVS_SED:
	case ALGO_LVS_NQ:
		return pick_leastconn(p, cand, n);
	case ALGO_FIRST:
	case ALGO_LVS_FO:
		return pick_first(cand, n);
	case ALGO_RANDOM:
		return pick_random(p, cand, n, seed);
	default: /* roundrobin, static-rr, LVS rr/wrr, and hashes without their key */
		if (!hashed)
			return pick_wrr(cand, n);
		if (p->conf->balance.hash_type == HASH_CONSISTENT)
			return pick_ring(p, cand, n, h);
		return pick_map(p, cand, n, h);
	}
}

static void count_pick(struct rt_pool *p, struct rt_server *s)
{
	atomic_fetch_add(&s->cur, 1);
	atomic_fetch_add(&s->total, 1);
	atomic_fetch_add(&p->cur, 1);
	rt_stats_picked(p, s); /* stats */
}

struct rt_server *rt_balance_pick_req(struct rt_pool *p, const struct rt_lb_req *rq,
                                      const struct rt_server *avoid, uint32_t *seed)
{
	struct rt_server *cand[NSLOTS(p)];
	struct rt_server *s = NULL;
	uint32_t h = 0;
	if (p->conf->lvs) { /* lvs: keepalived virtual_server, IPVS schedulers (lvs.c) */
		pthread_mutex_lock(&p->lock);
		s = rt_lvs_pick_locked(p, rq ? rq->cli : NULL, avoid);
		if (s)
			count_pick(p, s);
		pthread_mutex_unlock(&p->lock);
		return s;
	}
	/* the key is read outside the lock: it only depends on the request */
	bool hashed = is_hash_algo(p->conf->balance.algo) && request_hash(p, rq, &h);

	pthread_mutex_lock(&p->lock);
	int n = eligible(p, cand, avoid);
	if (n == 0 && avoid)
		n = eligible(p, cand, NULL);
	if (n > 0)
		s = choose(p, cand, n, hashed, h, seed);
	if (s)
		count_pick(p, s);
	pthread_mutex_unlock(&p->lock);
	return s;
}

/* ---------------------------------------------------------------- maxconn queues */

/* HAProxy's dynamic maxconn: a server with minconn below its maxconn accepts
 * max(minconn, maxconn * beconn / fullconn) connections while its backend carries fewer than
 * fullconn (beconn counts the backend's connections and its waiting requests). */
static int dyn_maxconn(const struct rt_server *s)
{
	int max = rt_srv_maxconn(s), min = s->conf->minconn;
	const struct rt_pool *p = s->pool;
	if (max <= 0 || min <= 0 || min >= max || p->fullconn <= 0)
		return max;
	long long be = atomic_load(&p->cur) + atomic_load(&p->nq);
	for (int i = 0; i < p->nsrv; i++)
		be += atomic_load(&rt_psrv(p, i)->nq);
	if (be >= p->fullconn)
		return max;
	long long v = (long long)max * be / p->fullconn;
	return v > min ? (int)v : min;
}

static bool srv_full(const struct rt_server *s)
{
	int max = s->conf ? dyn_maxconn(s) : 0;
	return max > 0 && atomic_load(&s->cur) >= max;
}

void rt_balance_setup(struct rt *rt)
{
	for (int i = 0; i < rt->npools; i++) {
		struct rt_pool *p = &rt->pools[i];
		long long sum = 0;
		p->fullconn = p->conf->conf ? p->conf->conf->fullconn : 0;
		if (p->fullconn > 0)
			continue;
		for (int k = 0; k < rt->nsvc; k++) {
			const struct m_service *s = rt->svc[k].conf;
			bool uses = rt->svc[k].pool == p;
			for (const struct m_route *r = s->routes; r && !uses; r = r->next)
				uses = r->pool == p->conf;
			if (uses)
				sum += rt_svc_maxconn(&rt->svc[k]);
		}
		p->fullconn = sum / 10 > 0 ? (int)(sum / 10) : 1;
	}
}

static void q_push(struct rt_sess **head, struct rt_sess **tail, atomic_int *nq, struct rt_sess *s)
{
	s->qnext = NULL;
	s->qprev = *tail;
	if (*tail)
		(*tail)->qnext = s;
	else
		*head = s;
	*tail = s;
	atomic_fetch_add(nq, 1);
}

static void q_unlink(struct rt_sess *s)
{
	struct rt_pool *p = s->qpool;
	struct rt_sess **head = s->qsrv ? &s->qsrv->qhead : &p->qhead;
	struct rt_sess **tail = s->qsrv ? &s->qsrv->qtail : &p->qtail;
	if (s->qprev)
		s->qprev->qnext = s->qnext;
	else
		*head = s->qnext;
	if (s->qnext)
		s->qnext->qprev = s->qprev;
	else
		*tail = s->qprev;
	atomic_fetch_sub(s->qsrv ? &s->qsrv->nq : &p->nq, 1);
	s->qnext = s->qprev = NULL;
}

enum rt_assign rt_balance_assign(struct rt_pool *p, const struct rt_lb_req *rq,
                                 struct rt_sess *sess, uint32_t *seed, struct rt_server **out)
{
	struct rt_server *cand[NSLOTS(p)];
	struct rt_server *s = NULL, *wait_on = NULL;
	uint32_t h = 0;
	bool hashed = is_hash_algo(p->conf->balance.algo) && request_hash(p, rq, &h);
	enum rt_assign r = RT_NOSRV;

	if (p->conf->lvs) { /* lvs: keepalived virtual_server, IPVS schedulers (lvs.c) */
		(void)sess;
		pthread_mutex_lock(&p->lock);
		s = rt_lvs_pick_locked(p, rq ? rq->cli : NULL, NULL);
		if (s) {
			count_pick(p, s);
			*out = s;
			r = RT_ASSIGNED;
		}
		pthread_mutex_unlock(&p->lock);
		return r;
	}
	sess->qfull = false;
	pthread_mutex_lock(&p->lock);
	int n = eligible(p, cand, NULL);
	if (n > 0 && hashed) {
		/* a key belongs to its server: wait for that one when it is full */
		s = choose(p, cand, n, hashed, h, seed);
		if (srv_full(s) || s->nq) {
			/* HAProxy refuses at once (503, "sQ") when that queue is at maxqueue */
			int mq = s->conf ? s->conf->maxqueue : 0;
			if (mq > 0 && atomic_load(&s->nq) >= mq) {
				sess->qfull = true;
				sess->log_srv = s;
				pthread_mutex_unlock(&p->lock);
				return RT_NOSRV;
			}
			wait_on = s;
			s = NULL;
		}
	} else if (n > 0) {
		int k = 0;
		for (int i = 0; i < n; i++)
			if (!srv_full(cand[i]))
				cand[k++] = cand[i];
		/* earlier arrivals waiting for any server go first */
		if (k > 0 && !atomic_load(&p->nq))
			s = choose(p, cand, k, false, 0, seed);
	}
	if (s) {
		count_pick(p, s);
		*out = s;
		r = RT_ASSIGNED;
	} else if (n > 0) {
		sess->qpool = p;
		sess->qsrv = wait_on;
		sess->qseq = p->qseq++;
		sess->qstate = RT_Q_WAITING;
		if (wait_on)
			q_push(&wait_on->qhead, &wait_on->qtail, &wait_on->nq, sess);
		else
			q_push(&p->qhead, &p->qtail, &p->nq, sess);
		r = RT_QUEUED;
	}
	pthread_mutex_unlock(&p->lock);
	return r;
}

bool rt_balance_unqueue(struct rt_sess *s)
{
	struct rt_pool *p = s->qpool;
	if (!p)
		return false;
	pthread_mutex_lock(&p->lock);
	bool waiting = s->qstate == RT_Q_WAITING;
	if (waiting) {
		q_unlink(s);
		s->qstate = RT_Q_NONE;
	}
	pthread_mutex_unlock(&p->lock);
	return waiting;
}

/* A slot of sv is free: the oldest session waiting for sv or for any server gets it. */
static void serve_queues(struct rt_pool *p, struct rt_server *sv)
{
	pthread_mutex_lock(&p->lock);
	while ((sv->qhead || p->qhead) && !srv_full(sv) && sv->usable && sv->weight > 0 &&
	       !atomic_load(&sv->admin)) {
		struct rt_sess *s = sv->qhead;
		if (!s || (p->qhead && p->qhead->qseq < s->qseq))
			s = p->qhead;
		q_unlink(s);
		s->qstate = RT_Q_GRANTED;
		s->qgrant = sv;
		count_pick(p, sv);
		rt_sess_grant(s);
	}
	pthread_mutex_unlock(&p->lock);
}

struct rt_server *rt_balance_pick(struct rt_pool *p, const struct sockaddr_storage *cli,
                                  const struct rt_server *avoid, uint32_t *seed)
{
	struct rt_lb_req rq = {.cli = cli};
	return rt_balance_pick_req(p, &rq, avoid, seed);
}

void rt_balance_release(struct rt_server *s)
{
	if (!s)
		return;
	atomic_fetch_sub(&s->cur, 1);
	atomic_fetch_sub(&s->pool->cur, 1);
	/* under the lock even when the queues look empty: a session queueing now has seen
	 * the server full before this release, and must not be missed */
	if (s->conf && rt_srv_maxconn(s) > 0)
		serve_queues(s->pool, s);
}
