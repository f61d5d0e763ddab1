/* ipvs_kernel.c - keepalived virtual_servers on a kernel with IPVS: the kernel data plane.
 *
 * The checker process (lvs.c's rt_lvs_spawn) adds each virtual_server as an IPVS service and
 * its real servers as destinations, as keepalived 2.2.7 does: the forwarding method from
 * lb_kind, the weight, uthreshold/lthreshold; a real server whose checks fail is removed, or
 * kept at weight 0 under inhibit_on_failure; when the live weight drops under quorum (with
 * hysteresis) the sorry_server replaces the real servers. The health checks (rt_checks.c)
 * only change rt_server state under the pool's lock; a thread here compares that state with
 * what the kernel was given every 100 ms and sends the differences, so a check result reaches
 * the kernel within a tenth of a second without the checks knowing about IPVS.
 * On exit the services added here are deleted. A service that already exists is taken over
 * (its destinations the configuration does not have are deleted); one deleted behind the
 * checker's back (a reload that dropped it, rt_ipvs_remove_gone) is no longer managed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/ip_vs.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "runtime/ipvs.h"
#include "vrrp/vrrp.h"

/* what the kernel was last given for one destination */
struct kdest {
	bool on;
	int weight;
};

struct kpool {
	struct rt_pool *p;
	struct ipvs_svc svc;
	bool added;      /* the service is in the kernel */
	struct kdest *d; /* per p->srv */
	struct kdest sorry;
	int quorum_up; /* -1: not judged yet */
};

static struct {
	struct ipvs_nl *h;
	struct kpool *kp;
	int n;
	pthread_t th;
	bool th_on;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
} K = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

bool rt_ipvs_kernel(void)
{
	static int known = -1;
	if (known < 0) {
		const char *no = getenv("VIPR_NO_IPVS");
		known = no && *no && strcmp(no, "0") ? 0 : ipvs_nl_available();
	}
	return known == 1;
}

const char *rt_lvs_sched_name(enum m_algo a)
{
	switch (a) {
	case ALGO_LVS_WRR:
		return "wrr";
	case ALGO_LVS_LC:
		return "lc";
	case ALGO_LVS_WLC:
		return "wlc";
	case ALGO_LVS_SH:
		return "sh";
	case ALGO_LVS_DH:
		return "dh";
	case ALGO_LVS_SED:
		return "sed";
	case ALGO_LVS_NQ:
		return "nq";
	case ALGO_LVS_LBLC:
		return "lblc";
	case ALGO_LVS_LBLCR:
		return "lblcr";
	case ALGO_LVS_FO:
		return "fo";
	case ALGO_LVS_OVF:
		return "ovf";
	case ALGO_LVS_MH:
		return "mh";
	default:
		return "rr";
	}
}

static uint32_t fwd_of(const char *kind)
{
	if (kind && !strcmp(kind, "DR"))
		return IP_VS_CONN_F_DROUTE;
	if (kind && !strcmp(kind, "TUN"))
		return IP_VS_CONN_F_TUNNEL;
	return IP_VS_CONN_F_MASQ; /* keepalived's default lb_kind is NAT */
}

/* lvs_sched_flags words (keepalived.conf(5)) */
static uint32_t sched_flags(const char *w)
{
	uint32_t f = 0;
	if (!w)
		return 0;
	if (strstr(w, "flag-1") || strstr(w, "sh-fallback"))
		f |= IP_VS_SVC_F_SCHED1;
	if (strstr(w, "flag-2") || strstr(w, "sh-port"))
		f |= IP_VS_SVC_F_SCHED2;
	if (strstr(w, "flag-3"))
		f |= IP_VS_SVC_F_SCHED3;
	return f;
}

static void addr_of(const struct sockaddr_storage *ss, uint16_t *af, uint8_t addr[16])
{
	memset(addr, 0, 16);
	*af = ss->ss_family;
	if (ss->ss_family == AF_INET6)
		memcpy(addr, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	else
		memcpy(addr, &((const struct sockaddr_in *)ss)->sin_addr, 4);
}

bool rt_ipvs_svc_of(const struct m_pool *mp, struct ipvs_svc *s)
{
	memset(s, 0, sizeof(*s));
	if (!mp->lvs || mp->lvs->group)
		return false; /* a virtual_server_group is not programmed (lvs.c says so) */
	return rt_ipvs_svc_at(mp, mp->service ? mp->service->binds : NULL, s);
}

bool rt_ipvs_svc_at(const struct m_pool *mp, const struct m_bind *b, struct ipvs_svc *s)
{
	const struct m_lvs *ml = mp->lvs;
	memset(s, 0, sizeof(*s));
	if (!ml)
		return false;
	if (ml->fwmark > 0) {
		s->af = ml->ip_family && !strcasecmp(ml->ip_family, "inet6") ? AF_INET6 : AF_INET;
		s->fwmark = (uint32_t)ml->fwmark;
	} else {
		if (!b || b->addr.kind != M_ADDR_INET)
			return false;
		const struct m_addr *a = &b->addr;
		addr_of(&a->ss, &s->af, s->addr);
		s->port = a->port_lo;
		s->protocol = IPPROTO_TCP;
		if (ml->protocol && !strcasecmp(ml->protocol, "UDP"))
			s->protocol = IPPROTO_UDP;
		else if (ml->protocol && !strcasecmp(ml->protocol, "SCTP"))
			s->protocol = IPPROTO_SCTP;
	}
	snprintf(s->sched, sizeof(s->sched), "%s", rt_lvs_sched_name(mp->balance.algo));
	s->flags = sched_flags(ml->lvs_sched_flags) | (ml->ops == 1 ? IP_VS_SVC_F_ONEPACKET : 0);
	const char *g = ml->persistence_granularity;
	if (s->af == AF_INET6) {
		s->netmask = g && atoi(g) > 0 && atoi(g) <= 128 ? (uint32_t)atoi(g) : 128;
	} else {
		struct in_addr m = {.s_addr = 0xffffffffu};
		if (g && inet_pton(AF_INET, g, &m) != 1)
			m.s_addr = 0xffffffffu;
		s->netmask = m.s_addr;
	}
	if (ml->persistence_timeout > 0) {
		s->flags |= IP_VS_SVC_F_PERSISTENT;
		s->timeout = (uint32_t)((ml->persistence_timeout + 999) / 1000);
	}
	return true;
}

/* The IPVS services of a virtual server: its one service, or one per address member of a
 * virtual_server_group (keepalived programs each member as a service); *n of them, NULL when
 * none. Caller frees. */
static struct ipvs_svc *pool_svcs(const struct m_pool *mp, int *n)
{
	*n = 0;
	if (!mp->lvs)
		return NULL;
	int cap = 1;
	for (const struct m_bind *b = mp->service ? mp->service->binds : NULL;
	     mp->lvs->group && b; b = b->next)
		cap++;
	struct ipvs_svc *v = calloc((size_t)cap, sizeof(*v));
	if (!v)
		return NULL;
	if (!mp->lvs->group)
		*n = rt_ipvs_svc_of(mp, v) ? 1 : 0;
	else
		for (const struct m_bind *b = mp->service ? mp->service->binds : NULL; b; b = b->next)
			if (rt_ipvs_svc_at(mp, b, &v[*n]))
				(*n)++;
	if (!*n) {
		free(v);
		return NULL;
	}
	return v;
}

void rt_ipvs_dest_of(const struct m_pool *mp, const struct m_server *ms, int weight,
                     struct ipvs_dest *d)
{
	memset(d, 0, sizeof(*d));
	addr_of(&ms->addr.ss, &d->af, d->addr);
	d->port = ms->addr.port_lo;
	if (!d->port && mp->service && mp->service->binds)
		d->port = mp->service->binds->addr.port_lo; /* keepalived: the VS's port */
	d->fwd = fwd_of(ms->lvs_method ? ms->lvs_method : mp->lvs->lb_kind);
	d->weight = weight;
	d->u_thresh = ms->maxconn > 0 ? (uint32_t)ms->maxconn : 0;
	d->l_thresh = ms->minconn > 0 ? (uint32_t)ms->minconn : 0;
}

/* ---------------------------------------------------------------- programming */

static const char *cmd_name(uint8_t cmd)
{
	switch (cmd) {
	case IPVS_CMD_NEW_SERVICE:
		return "add service";
	case IPVS_CMD_SET_SERVICE:
		return "edit service";
	case IPVS_CMD_DEL_SERVICE:
		return "delete service";
	case IPVS_CMD_NEW_DEST:
		return "add dest";
	case IPVS_CMD_SET_DEST:
		return "edit dest";
	case IPVS_CMD_DEL_DEST:
		return "delete dest";
	default:
		return "command";
	}
}

static int dest_cmd(struct kpool *k, uint8_t cmd, const struct m_server *ms, int weight)
{
	struct ipvs_dest d;
	rt_ipvs_dest_of(k->p->conf, ms, weight, &d);
	int rc = ipvs_nl_dest(K.h, cmd, &k->svc, &d);
	if (rc == -EEXIST && cmd == IPVS_CMD_NEW_DEST)
		rc = ipvs_nl_dest(K.h, IPVS_CMD_SET_DEST, &k->svc, &d);
	if (rc == -ESRCH) { /* the service was deleted (a reload dropped it): let it go */
		k->added = false;
		return rc;
	}
	if (rc < 0)
		vrrp_log("IPVS (cmd %s, errno %d): %s", cmd_name(cmd), -rc, strerror(-rc));
	return rc;
}

/* Brings one destination to (on, weight). */
static void apply(struct kpool *k, struct kdest *kd, const struct m_server *ms, bool on, int weight)
{
	if (!on) {
		if (kd->on && dest_cmd(k, IPVS_CMD_DEL_DEST, ms, 0) == 0)
			kd->on = false;
		return;
	}
	if (!kd->on) {
		if (dest_cmd(k, IPVS_CMD_NEW_DEST, ms, weight) == 0)
			*kd = (struct kdest){true, weight};
	} else if (kd->weight != weight) {
		if (dest_cmd(k, IPVS_CMD_SET_DEST, ms, weight) == 0)
			kd->weight = weight;
	}
}

static void sync_pool(struct kpool *k)
{
	struct rt_pool *p = k->p;
	const struct m_lvs *ml = p->conf->lvs;
	int n = p->nsrv;
	bool usable[n > 0 ? n : 1], present[n > 0 ? n : 1];
	int weight[n > 0 ? n : 1];
	long live = 0;
	pthread_mutex_lock(&p->lock);
	for (int i = 0; i < n; i++) {
		const struct rt_server *s = &p->srv[i];
		bool inhibit = s->conf->inhibit_on_failure == 1 || ml->inhibit_on_failure == 1;
		usable[i] = s->usable;
		present[i] = s->usable || inhibit;
		weight[i] = s->usable ? s->weight : 0;
		live += weight[i];
	}
	pthread_mutex_unlock(&p->lock);
	/* quorum (default 1) with hysteresis, as the checks judge it for the notify scripts */
	long q = ml->quorum > 0 ? ml->quorum : 1, h = ml->hysteresis > 0 ? ml->hysteresis : 0;
	if (k->quorum_up < 0)
		k->quorum_up = live >= q;
	else if (k->quorum_up && live < q - h)
		k->quorum_up = 0;
	else if (!k->quorum_up && live >= q + h)
		k->quorum_up = 1;
	const struct m_server *sorry = ml->sorry_server;
	bool sorry_serves = sorry && !k->quorum_up;
	/* the sorry server goes in before the real servers leave, and out after they return */
	if (sorry && sorry_serves)
		apply(k, &k->sorry, sorry, true, sorry->weight > 0 ? sorry->weight : 1);
	for (int i = 0; i < n && k->added; i++) /* in config order, as keepalived adds them */
		apply(k, &k->d[i], p->srv[i].conf, present[i] && !(sorry_serves && usable[i]),
		      weight[i]);
	if (sorry && !sorry_serves)
		apply(k, &k->sorry, sorry, ml->sorry_server_inhibit == 1, 0);
}

struct adopt {
	struct kpool *k;
	struct ipvs_dest *gone;
	int ngone, cap;
};

/* A destination found in a service that already existed (a reload): ours is taken over,
 * one the configuration no longer has is deleted. */
static void adopt_dest(const struct ipvs_dest *d, void *arg)
{
	struct adopt *a = arg;
	struct kpool *k = a->k;
	for (int i = 0; i <= k->p->nsrv; i++) {
		const struct m_server *ms =
		    i < k->p->nsrv ? k->p->srv[i].conf : k->p->conf->lvs->sorry_server;
		if (!ms)
			continue;
		struct ipvs_dest want;
		rt_ipvs_dest_of(k->p->conf, ms, 0, &want);
		if (!memcmp(want.addr, d->addr, 16) && want.port == d->port) {
			struct kdest *kd = i < k->p->nsrv ? &k->d[i] : &k->sorry;
			*kd = (struct kdest){true, d->weight};
			return;
		}
	}
	if (a->ngone < a->cap)
		a->gone[a->ngone++] = *d;
}

static void add_service(struct kpool *k)
{
	int rc = ipvs_nl_svc(K.h, IPVS_CMD_NEW_SERVICE, &k->svc);
	if (rc == -EEXIST) {
		rc = ipvs_nl_svc(K.h, IPVS_CMD_SET_SERVICE, &k->svc);
		struct ipvs_dest gone[64];
		struct adopt a = {k, gone, 0, 64};
		if (rc == 0)
			ipvs_nl_dump_dest(K.h, &k->svc, adopt_dest, &a);
		for (int i = 0; i < a.ngone; i++)
			ipvs_nl_dest(K.h, IPVS_CMD_DEL_DEST, &k->svc, &gone[i]);
	}
	if (rc < 0) {
		vrrp_log("IPVS (cmd %s, errno %d): %s", cmd_name(IPVS_CMD_NEW_SERVICE), -rc,
		         strerror(-rc));
		return;
	}
	k->added = true;
}

static void *sync_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&K.mu);
	while (!K.stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&K.cv, &K.mu, &ts);
		if (K.stop)
			break;
		pthread_mutex_unlock(&K.mu);
		for (int i = 0; i < K.n; i++)
			if (K.kp[i].added)
				sync_pool(&K.kp[i]);
		pthread_mutex_lock(&K.mu);
	}
	pthread_mutex_unlock(&K.mu);
	return NULL;
}

void rt_ipvs_start(struct rt *rt)
{
	K.h = ipvs_nl_open();
	if (!K.h) {
		vrrp_log("IPVS: Can't initialize ipvs: %s", strerror(errno));
		return;
	}
	if (rt->cfg->ka.lvs_flush == 1)
		ipvs_nl_flush(K.h);
	int total = 1, n;
	for (int i = 0; i < rt->npools; i++) {
		free(pool_svcs(rt->pools[i].conf, &n));
		total += n;
	}
	K.kp = calloc((size_t)total, sizeof(*K.kp));
	for (int i = 0; K.kp && i < rt->npools; i++) {
		struct rt_pool *p = &rt->pools[i];
		struct ipvs_svc *sv = pool_svcs(p->conf, &n);
		for (int j = 0; j < n && K.n < total; j++) { /* a group: one per member */
			struct kpool *k = &K.kp[K.n];
			k->svc = sv[j];
			k->p = p;
			k->quorum_up = -1;
			k->d = calloc((size_t)(p->nsrv > 0 ? p->nsrv : 1), sizeof(*k->d));
			if (!k->d)
				continue;
			K.n++;
			add_service(k);
			if (k->added)
				sync_pool(k);
		}
		free(sv);
	}
	K.stop = false;
	K.th_on = pthread_create(&K.th, NULL, sync_thread, NULL) == 0;
}

/* Joins the sync thread; from the checker's hand-over thread or worker 0
 * (a SIGUSR1 from elsewhere may race a hand-over: `once` orders them). */
void rt_ipvs_quiesce(void)
{
	static pthread_mutex_t once = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&once);
	if (!K.th_on) {
		pthread_mutex_unlock(&once);
		return;
	}
	pthread_mutex_lock(&K.mu);
	K.stop = true;
	pthread_cond_signal(&K.cv);
	pthread_mutex_unlock(&K.mu);
	pthread_join(K.th, NULL);
	K.th_on = false;
	pthread_mutex_unlock(&once);
}

void rt_ipvs_stop(struct rt *rt)
{
	(void)rt;
	rt_ipvs_quiesce();
	bool keep = rt_lvs_retiring(); /* handed over: the next checker manages them */
	for (int i = 0; i < K.n; i++) {
		struct kpool *k = &K.kp[i];
		if (k->added && !keep) {
			int rc = ipvs_nl_svc(K.h, IPVS_CMD_DEL_SERVICE, &k->svc);
			if (rc < 0 && rc != -ESRCH)
				vrrp_log("IPVS (cmd %s, errno %d): %s",
				         cmd_name(IPVS_CMD_DEL_SERVICE), -rc, strerror(-rc));
		}
		free(k->d);
	}
	free(K.kp);
	K.kp = NULL;
	K.n = 0;
	ipvs_nl_close(K.h);
	K.h = NULL;
}

static bool same_svc(const struct ipvs_svc *a, const struct ipvs_svc *b)
{
	return a->af == b->af && a->fwmark == b->fwmark && a->protocol == b->protocol &&
	       a->port == b->port && !memcmp(a->addr, b->addr, 16);
}

/* Whether cfg has the service s with the same settings (want_same) or at all. */
static bool has_svc(const struct m_config *cfg, const struct ipvs_svc *s, bool want_same)
{
	for (const struct m_pool *c = cfg->pools; c; c = c->next) {
		int n;
		struct ipvs_svc *sv = pool_svcs(c, &n);
		for (int i = 0; i < n; i++) {
			const struct ipvs_svc *sc = &sv[i];
			if (!same_svc(sc, s))
				continue;
			bool r = !want_same || (!strcmp(sc->sched, s->sched) && sc->flags == s->flags &&
						sc->timeout == s->timeout && sc->netmask == s->netmask);
			free(sv);
			return r;
		}
		free(sv);
	}
	return false;
}

bool rt_ipvs_has_new(const struct m_config *old, const struct m_config *cur)
{
	bool found = false;
	for (const struct m_pool *c = cur->pools; c && !found; c = c->next) {
		int n;
		struct ipvs_svc *sv = pool_svcs(c, &n);
		for (int i = 0; i < n && !found; i++)
			found = !has_svc(old, &sv[i], true);
		free(sv);
	}
	return found;
}

void rt_ipvs_remove_gone(const struct m_config *old, const struct m_config *cur)
{
	struct ipvs_nl *h = NULL;
	for (const struct m_pool *o = old->pools; o; o = o->next) {
		int n;
		struct ipvs_svc *sv = pool_svcs(o, &n);
		for (int i = 0; i < n; i++) {
			if (has_svc(cur, &sv[i], false))
				continue;
			if (!h && !(h = ipvs_nl_open())) {
				free(sv);
				return;
			}
			ipvs_nl_svc(h, IPVS_CMD_DEL_SERVICE, &sv[i]);
		}
		free(sv);
	}
	ipvs_nl_close(h);
}

/* ---------------------------------------------------------------- ipvsadm -Ln */

struct vec {
	void *v;
	size_t n, cap, sz;
};

static void vec_push(struct vec *a, const void *e)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		void *v = realloc(a->v, cap * a->sz);
		if (!v)
			return;
		a->v = v;
		a->cap = cap;
	}
	memcpy((char *)a->v + a->n * a->sz, e, a->sz);
	a->n++;
}

static void push_svc(const struct ipvs_svc *s, void *arg)
{
	vec_push(arg, s);
}

static void push_dest(const struct ipvs_dest *d, void *arg)
{
	vec_push(arg, d);
}

/* ipvsadm's comparisons: differences of host-order words, taken as int */
static int cmp_addr(uint16_t af, const uint8_t *a, const uint8_t *b)
{
	int r = 0;
	for (int i = 0; !r && i < (af == AF_INET6 ? 4 : 1); i++) {
		uint32_t x, y;
		memcpy(&x, a + 4 * i, 4);
		memcpy(&y, b + 4 * i, 4);
		r = (int)(ntohl(x) - ntohl(y));
	}
	return r;
}

int rt_ipvs_cmp_svc(const struct ipvs_svc *a, const struct ipvs_svc *b)
{
	int r = (int)(a->fwmark - b->fwmark);
	if (!r)
		r = a->af - b->af;
	if (!r)
		r = a->protocol - b->protocol;
	if (!r)
		r = cmp_addr(a->af, a->addr, b->addr);
	return r ? r : a->port - b->port;
}

int rt_ipvs_cmp_dest(const struct ipvs_dest *a, const struct ipvs_dest *b)
{
	int r = cmp_addr(a->af ? a->af : AF_INET, a->addr, b->addr);
	return r ? r : a->port - b->port;
}

static int cmp_svc(const void *a, const void *b)
{
	return rt_ipvs_cmp_svc(a, b);
}

static int cmp_dest(const void *a, const void *b)
{
	return rt_ipvs_cmp_dest(a, b);
}

static void addr_port(uint16_t af, const uint8_t *addr, unsigned port, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	inet_ntop(af, addr, ip, sizeof(ip));
	snprintf(buf, len, af == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, port);
}

static const char *proto_name(uint16_t p)
{
	return p == IPPROTO_UDP ? "UDP" : p == IPPROTO_SCTP ? "SCTP" : "TCP";
}

static const char *fwd_name(uint32_t fwd)
{
	switch (fwd & IP_VS_CONN_F_FWD_MASK) {
	case IP_VS_CONN_F_DROUTE:
		return "Route";
	case IP_VS_CONN_F_TUNNEL:
		return "Tunnel";
	case IP_VS_CONN_F_LOCALNODE:
		return "Local";
	default:
		return "Masq";
	}
}

static void print_svc(FILE *out, struct ipvs_nl *h, const struct ipvs_svc *s)
{
	char name[96], a[80];
	if (s->fwmark) {
		snprintf(name, sizeof(name), s->af == AF_INET6 ? "FWM  %u IPv6" : "FWM  %u",
		         s->fwmark);
	} else {
		addr_port(s->af, s->addr, s->port, a, sizeof(a));
		snprintf(name, sizeof(name), "%s  %s", proto_name(s->protocol), a);
		if (s->af != AF_INET6)
			name[33] = '\0';
	}
	fprintf(out, "%s %s", name, s->sched);
	if (s->flags & IP_VS_SVC_F_PERSISTENT) {
		fprintf(out, " persistent %u", s->timeout);
		if (s->af == AF_INET && s->netmask != 0xffffffffu) {
			struct in_addr m = {.s_addr = s->netmask};
			fprintf(out, " mask %s", inet_ntoa(m));
		}
		if (s->af == AF_INET6 && s->netmask != 128)
			fprintf(out, " mask %u", s->netmask);
		if (s->flags & IP_VS_SVC_F_ONEPACKET)
			fprintf(out, " ops");
	}
	fputc('\n', out);
	struct vec d = {.sz = sizeof(struct ipvs_dest)};
	ipvs_nl_dump_dest(h, s, push_dest, &d);
	if (d.n)
		qsort(d.v, d.n, d.sz, cmp_dest);
	for (size_t i = 0; i < d.n; i++) {
		const struct ipvs_dest *e = (const struct ipvs_dest *)d.v + i;
		addr_port(e->af ? e->af : s->af, e->addr, e->port, a, sizeof(a));
		if (s->af != AF_INET6)
			a[28] = '\0';
		fprintf(out, "  -> %-28s %-7s %-6d %-10u %-10u\n", a, fwd_name(e->fwd), e->weight,
		        e->active, e->inactive);
	}
	free(d.v);
}

int rt_ipvs_print(FILE *out)
{
	if (!rt_ipvs_kernel())
		return -1;
	struct ipvs_nl *h = ipvs_nl_open();
	if (!h)
		return -1;
	uint32_t ver = 0, size = 0;
	ipvs_nl_info(h, &ver, &size);
	fprintf(out, "IP Virtual Server version %u.%u.%u (size=%u)\n", (ver >> 16) & 0xff,
	        (ver >> 8) & 0xff, ver & 0xff, size);
	fprintf(out, "Prot LocalAddress:Port Scheduler Flags\n"
	             "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
	struct vec v = {.sz = sizeof(struct ipvs_svc)};
	ipvs_nl_dump_svc(h, push_svc, &v);
	if (v.n)
		qsort(v.v, v.n, v.sz, cmp_svc);
	for (size_t i = 0; i < v.n; i++)
		print_svc(out, h, (const struct ipvs_svc *)v.v + i);
	free(v.v);
	ipvs_nl_close(h);
	return 0;
}
