/* stick.c - stick tables: per-key counters shared by every worker thread, as HAProxy keeps
 * them for `track-sc0/1/2` and the sc_* / src_* fetches.
 *
 * A table is a hash of entries under one mutex, with an LRU list. Memory is bounded by the
 * configured size: a new key when the table is full replaces the least recently used entry
 * that no session tracks (none: the key is not tracked, as HAProxy does). Entries expire
 * `expire` after their last update unless tracked; expired ones are dropped when met or
 * when a new entry needs room. Rates are HAProxy's sliding-window counters: the events of
 * the current period plus the previous period's, weighted by what is left of the window.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime/rt.h"

struct frq {
	long long start; /* ms, start of the current period */
	unsigned curr, prev;
};

struct rt_ste {
	struct rt_ste *hnext, *lprev, *lnext;
	uint64_t hash;
	long long exp; /* ms; 0: no expiry */
	int ref;       /* trackers */
	long long d[M_SD_MAX];
	struct frq f[M_SD_MAX];
	size_t klen;
	char key[];
};

struct rt_stick {
	const struct m_stick_table *conf;
	const char *name;
	pthread_mutex_t lock;
	struct rt_ste **b;
	size_t nb;
	struct rt_ste *mru, *lru; /* LRU list: mru most recently used */
	long long count;
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t hash(const void *k, size_t n)
{
	const unsigned char *p = k;
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

/* ---------------------------------------------------------------- rates */

static void frq_rotate(struct frq *f, long long period, long long now)
{
	if (period <= 0)
		period = 1;
	if (now - f->start < period)
		return;
	long long n = (now - f->start) / period;
	f->prev = n == 1 ? f->curr : 0;
	f->curr = 0;
	f->start += n * period;
}

static void frq_add(struct frq *f, long long period, long long now, unsigned v)
{
	if (!f->start)
		f->start = now;
	frq_rotate(f, period, now);
	f->curr += v;
}

static unsigned frq_read(struct frq *f, long long period, long long now)
{
	if (!f->start)
		return 0;
	frq_rotate(f, period, now);
	if (period <= 0)
		return f->curr;
	long long left = f->start + period - now;
	return f->curr + (unsigned)((long long)f->prev * left / period);
}

/* ---------------------------------------------------------------- tables */

struct rt_stick *rt_stick_new(const struct m_stick_table *conf, const char *name)
{
	struct rt_stick *t = calloc(1, sizeof(*t));
	t->conf = conf;
	t->name = name;
	pthread_mutex_init(&t->lock, NULL);
	size_t nb = 64;
	while (nb < (size_t)conf->size && nb < ((size_t)1 << 20))
		nb <<= 1;
	t->nb = nb;
	t->b = calloc(nb, sizeof(*t->b));
	return t;
}

void rt_stick_free(struct rt_stick *t)
{
	if (!t)
		return;
	for (struct rt_ste *e = t->mru, *n; e; e = n) {
		n = e->lnext;
		free(e);
	}
	free(t->b);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

const char *rt_stick_name(const struct rt_stick *t)
{
	return t->name;
}

static void lru_unlink(struct rt_stick *t, struct rt_ste *e)
{
	if (e->lprev)
		e->lprev->lnext = e->lnext;
	else
		t->mru = e->lnext;
	if (e->lnext)
		e->lnext->lprev = e->lprev;
	else
		t->lru = e->lprev;
	e->lprev = e->lnext = NULL;
}

static void lru_front(struct rt_stick *t, struct rt_ste *e)
{
	e->lnext = t->mru;
	e->lprev = NULL;
	if (t->mru)
		t->mru->lprev = e;
	t->mru = e;
	if (!t->lru)
		t->lru = e;
}

static void drop(struct rt_stick *t, struct rt_ste *e)
{
	struct rt_ste **pp = &t->b[e->hash & (t->nb - 1)];
	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	lru_unlink(t, e);
	t->count--;
	free(e);
}

static bool expired(const struct rt_ste *e, long long now)
{
	return !e->ref && e->exp && e->exp <= now;
}

static void touch(struct rt_stick *t, struct rt_ste *e, long long now)
{
	if (t->conf->expire != M_UNSET)
		e->exp = now + t->conf->expire;
	if (t->mru != e) {
		lru_unlink(t, e);
		lru_front(t, e);
	}
}

/* The entry for key, created when `create` (NULL: absent, or the table is full of tracked
 * entries). Lock held. */
static struct rt_ste *get(struct rt_stick *t, const void *key, size_t klen, bool create,
                          long long now)
{
	uint64_t h = hash(key, klen);
	for (struct rt_ste *e = t->b[h & (t->nb - 1)]; e; e = e->hnext)
		if (e->hash == h && e->klen == klen && !memcmp(e->key, key, klen)) {
			if (expired(e, now)) {
				drop(t, e);
				break;
			}
			return e;
		}
	if (!create)
		return NULL;
	/* room: expired entries first, then the least recently used untracked one */
	while (t->lru && expired(t->lru, now))
		drop(t, t->lru);
	if (t->count >= t->conf->size) {
		struct rt_ste *v = t->lru;
		while (v && v->ref)
			v = v->lprev;
		if (!v)
			return NULL;
		drop(t, v);
	}
	struct rt_ste *e = calloc(1, sizeof(*e) + klen);
	e->hash = h;
	e->klen = klen;
	memcpy(e->key, key, klen);
	e->hnext = t->b[h & (t->nb - 1)];
	t->b[h & (t->nb - 1)] = e;
	lru_front(t, e);
	t->count++;
	return e;
}

bool rt_stick_key(const struct rt_stick *t, const struct rt_stick_smp *v, struct rt_stick_key *k)
{
	const struct m_stick_table *c = t->conf;
	if (v->ss) {
		const struct sockaddr_storage *ss = v->ss;
		if (c->type == M_ST_IP && ss->ss_family == AF_INET) {
			memcpy(k->b, &((const struct sockaddr_in *)ss)->sin_addr, 4);
			k->len = 4;
		} else if (c->type == M_ST_IP) {
			const uint8_t *a = ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;
			static const uint8_t v4m[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
			if (memcmp(a, v4m, 12))
				return false; /* an IPv6 address has no IPv4 key */
			memcpy(k->b, a + 12, 4);
			k->len = 4;
		} else if (c->type == M_ST_IPV6) {
			if (ss->ss_family == AF_INET6) {
				memcpy(k->b, ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr,
				       16);
			} else {
				memset(k->b, 0, 10);
				k->b[10] = k->b[11] = 0xff;
				memcpy(k->b + 12, &((const struct sockaddr_in *)ss)->sin_addr, 4);
			}
			k->len = 16;
		} else {
			char buf[64];
			if (ss->ss_family == AF_INET6)
				inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr,
				          buf, sizeof(buf));
			else
				inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, buf,
				          sizeof(buf));
			if (c->type == M_ST_INT)
				return false;
			k->len = strlen(buf) < (size_t)c->keylen ? strlen(buf) : (size_t)c->keylen;
			memcpy(k->b, buf, k->len);
		}
		return true;
	}
	if (!v->s)
		return false;
	if (c->type == M_ST_STR) {
		k->len = v->n < (size_t)c->keylen ? v->n : (size_t)c->keylen;
		if (k->len > sizeof(k->b))
			k->len = sizeof(k->b);
		memcpy(k->b, v->s, k->len);
		return true;
	}
	char buf[64];
	size_t n = v->n < sizeof(buf) - 1 ? v->n : sizeof(buf) - 1;
	memcpy(buf, v->s, n);
	buf[n] = 0;
	if (c->type == M_ST_INT) {
		char *end;
		long long x = strtoll(buf, &end, 10);
		if (end == buf || *end)
			return false;
		memcpy(k->b, &x, sizeof(x));
		k->len = sizeof(x);
		return true;
	}
	struct sockaddr_storage ss = {0};
	if (inet_pton(AF_INET, buf, &((struct sockaddr_in *)&ss)->sin_addr) == 1)
		ss.ss_family = AF_INET;
	else if (inet_pton(AF_INET6, buf, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1)
		ss.ss_family = AF_INET6;
	else
		return false;
	struct rt_stick_smp a = {.ss = &ss};
	return rt_stick_key(t, &a, k);
}

/* Counts one more connection on an entry that starts being tracked. Lock held. */
static void start_tracking(struct rt_stick *t, struct rt_ste *e, long long now)
{
	const struct m_stick_table *c = t->conf;
	e->ref++;
	e->d[M_SD_CONN_CUR]++;
	e->d[M_SD_CONN_CNT]++;
	frq_add(&e->f[M_SD_CONN_RATE], c->period[M_SD_CONN_RATE], now, 1);
	touch(t, e, now);
}

struct rt_ste *rt_stick_track(struct rt_stick *t, const struct rt_stick_key *k)
{
	long long now = now_ms();
	pthread_mutex_lock(&t->lock);
	struct rt_ste *e = get(t, k->b, k->len, true, now);
	if (e)
		start_tracking(t, e, now);
	pthread_mutex_unlock(&t->lock);
	return e;
}

void rt_stick_untrack(struct rt_stick *t, struct rt_ste *e)
{
	long long now = now_ms();
	pthread_mutex_lock(&t->lock);
	e->ref--;
	if (e->d[M_SD_CONN_CUR] > 0)
		e->d[M_SD_CONN_CUR]--;
	touch(t, e, now);
	pthread_mutex_unlock(&t->lock);
}

void rt_stick_event(struct rt_stick *t, struct rt_ste *e, enum rt_stick_ev ev)
{
	const struct m_stick_table *c = t->conf;
	long long now = now_ms();
	pthread_mutex_lock(&t->lock);
	switch (ev) {
	case RT_STK_HTTP_REQ:
		e->d[M_SD_HTTP_REQ_CNT]++;
		frq_add(&e->f[M_SD_HTTP_REQ_RATE], c->period[M_SD_HTTP_REQ_RATE], now, 1);
		break;
	case RT_STK_HTTP_ERR:
		e->d[M_SD_HTTP_ERR_CNT]++;
		frq_add(&e->f[M_SD_HTTP_ERR_RATE], c->period[M_SD_HTTP_ERR_RATE], now, 1);
		break;
	case RT_STK_INC_GPC0:
		e->d[M_SD_GPC0]++;
		break;
	}
	touch(t, e, now);
	pthread_mutex_unlock(&t->lock);
}

static long long value(struct rt_stick *t, struct rt_ste *e, int data, long long now)
{
	switch (data) {
	case M_SD_CONN_RATE:
	case M_SD_HTTP_REQ_RATE:
	case M_SD_HTTP_ERR_RATE:
		return frq_read(&e->f[data], t->conf->period[data], now);
	default:
		return e->d[data];
	}
}

long long rt_stick_get(struct rt_stick *t, struct rt_ste *e, int data, bool inc_gpc0)
{
	long long now = now_ms();
	pthread_mutex_lock(&t->lock);
	if (inc_gpc0) {
		e->d[M_SD_GPC0]++;
		touch(t, e, now);
	}
	long long v = value(t, e, data, now);
	pthread_mutex_unlock(&t->lock);
	return v;
}

bool rt_stick_lookup(struct rt_stick *t, const struct rt_stick_key *k, int data, bool inc_gpc0,
                     long long *out)
{
	long long now = now_ms();
	pthread_mutex_lock(&t->lock);
	/* src_inc_gpc0 creates the entry, as in HAProxy; the other src_* fetches only read */
	struct rt_ste *e = get(t, k->b, k->len, inc_gpc0, now);
	if (e && inc_gpc0) {
		e->d[M_SD_GPC0]++;
		touch(t, e, now);
	}
	if (e)
		*out = value(t, e, data, now);
	pthread_mutex_unlock(&t->lock);
	return e != NULL;
}

/* For `show table` (cli_api.c): one line per entry in HAProxy's format. */
static void key_str(const struct rt_stick *t, const struct rt_ste *e, char *buf, size_t len)
{
	switch (t->conf->type) {
	case M_ST_IP:
		inet_ntop(AF_INET, e->key, buf, (socklen_t)len);
		break;
	case M_ST_IPV6:
		inet_ntop(AF_INET6, e->key, buf, (socklen_t)len);
		break;
	case M_ST_INT: {
		long long x;
		memcpy(&x, e->key, sizeof(x));
		snprintf(buf, len, "%lld", x);
		break;
	}
	case M_ST_STR:
		snprintf(buf, len, "%.*s", (int)e->klen, e->key);
		break;
	}
}

static const char *const data_names[M_SD_MAX] = {
    [M_SD_GPC0] = "gpc0",
    [M_SD_CONN_CNT] = "conn_cnt",
    [M_SD_CONN_CUR] = "conn_cur",
    [M_SD_CONN_RATE] = "conn_rate",
    [M_SD_HTTP_REQ_CNT] = "http_req_cnt",
    [M_SD_HTTP_REQ_RATE] = "http_req_rate",
    [M_SD_HTTP_ERR_CNT] = "http_err_cnt",
    [M_SD_HTTP_ERR_RATE] = "http_err_rate",
};

static void head(struct rt_stick *t, struct rt_sbuf *out, long long now)
{
	static const char *const types[] = {"ip", "ipv6", "integer", "string"};
	while (t->lru && expired(t->lru, now))
		drop(t, t->lru);
	rt_sb_printf(out, "# table: %s, type: %s, size:%lld, used:%lld\n", t->name,
	             types[t->conf->type], (long long)t->conf->size, t->count);
}

void rt_stick_head(struct rt_stick *t, struct rt_sbuf *out)
{
	pthread_mutex_lock(&t->lock);
	head(t, out, now_ms());
	pthread_mutex_unlock(&t->lock);
}

bool rt_stick_stores(const struct rt_stick *t, int data)
{
	return t->conf->store & (1u << data);
}

void rt_stick_show(struct rt_stick *t, struct rt_sbuf *out)
{
	long long now = now_ms();
	pthread_mutex_lock(&t->lock);
	head(t, out, now);
	for (struct rt_ste *e = t->mru; e; e = e->lnext) {
		char k[300];
		key_str(t, e, k, sizeof(k));
		rt_sb_printf(out, "%p: key=%s use=%d exp=%lld", (void *)e, k, e->ref,
		             e->exp ? (e->exp > now ? e->exp - now : 0) : 0);
		/* HAProxy's order of data types, not ours */
		static const int order[] = {
		    M_SD_GPC0,         M_SD_CONN_CNT,      M_SD_CONN_RATE,    M_SD_CONN_CUR,
		    M_SD_HTTP_REQ_CNT, M_SD_HTTP_REQ_RATE, M_SD_HTTP_ERR_CNT, M_SD_HTTP_ERR_RATE};
		for (size_t j = 0; j < ARRAY_SIZE(order); j++) {
			int d = order[j];
			if (!(t->conf->store & (1u << d)))
				continue;
			if (t->conf->period[d])
				rt_sb_printf(out, " %s(%lld)=%lld", data_names[d],
				             (long long)t->conf->period[d], value(t, e, d, now));
			else
				rt_sb_printf(out, " %s=%lld", data_names[d], value(t, e, d, now));
		}
		rt_sb_puts(out, "\n");
	}
	pthread_mutex_unlock(&t->lock);
}

long long rt_stick_clear(struct rt_stick *t)
{
	long long n = 0;
	pthread_mutex_lock(&t->lock);
	for (struct rt_ste *e = t->lru, *p; e; e = p) {
		p = e->lprev;
		if (!e->ref) {
			drop(t, e);
			n++;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return n;
}
