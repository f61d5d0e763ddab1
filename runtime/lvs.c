/* lvs.c - keepalived virtual_servers on a kernel without IPVS: the userspace L4 path (with
 * IPVS, ipvs_kernel.c programs the kernel instead, and lvs.c only routes to it).
 *
 * A virtual_server with protocol TCP is an ordinary mode tcp service of the runtime (its VIP
 * listener bound with IP_FREEBIND, so that it exists before VRRP moves the VIP here), whose
 * pool is balanced here instead of by HAProxy's algorithms: balance.c calls
 * rt_lvs_pick_locked() under the pool's lock for every new connection.
 *
 *  - The destinations are the pool's real servers in IPVS list order (reverse config order,
 *    as the kernel lists the ones keepalived added). A server whose checks fail is removed,
 *    or kept with weight 0 under inhibit_on_failure (rt_checks.c sets that state); weight 0
 *    never takes a new connection. The scheduler is lvs_sched.c.
 *  - persistence_timeout: a client (its address under persistence_granularity) goes back to
 *    the server of its previous connection while the affinity has not expired; every new
 *    connection through the affinity extends it by the timeout (IPVS's template is refreshed
 *    while its connections live, then expires after the timeout). A quiescent (weight 0)
 *    server keeps its affinities, as with IPVS's default expire_quiescent_template=0; a
 *    failed or removed one loses them. Affinities live in a chained hash of client keys;
 *    expired ones are freed when a lookup meets them.
 *  - sorry_server takes the connections when no real server can.
 *  - ActiveConn is the server's connections in progress; InActConn stays 0, since a proxy
 *    has no half-closed IPVS entries to count.
 * The forwarding method (lb_kind NAT/DR/TUN) cannot be honoured without IPVS: every kind is
 * proxied, so the real servers see connections from the director's address. That is logged
 * once per virtual_server at startup.
 *
 * Process layout, as keepalived's: the keepalived daemon runs VRRP and a "checker" child
 * (lvs_child.c starts, supervises and reloads it), a whole runtime (rt_run) over the same
 * model, which health-checks the real servers (rt_checks.c) and serves the virtual servers.
 * A VIP port another program already listens on is logged, and that virtual_server alone is
 * not served. The VIP listener exists in both directors; only the one holding the VIP
 * receives connections. lvs_sock.c answers `vipr ipvs` and a reload's hand-over on the
 * abstract unix socket @vipr-ipvs, which belongs to the network namespace like IPVS itself;
 * lvs_show.c prints the tables.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <strings.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/ipvs.h"
#include "runtime/rt.h"
#include "vrrp/vrrp.h"

#define PERS_BUCKETS 1024

/* A persistence affinity (IPVS's template): a client key and its server until `expires`. */
struct lvs_pers {
	uint8_t key[16];
	int srv;             /* index in p->srv */
	long long expires;   /* monotonic ms */
	struct lvs_pers *next;
};

struct rt_lvs {
	struct rt_lvs_sched sched;
	int *order;                /* p->srv indexes in IPVS list order */
	struct rt_lvs_dest *dests; /* scratch: dests[k] is p->srv[order[k]] */
	struct rt_server *sorry;   /* NULL: no sorry_server */
	long long timeout_ms;      /* persistence_timeout, 0: none */
	uint8_t mask[16];          /* persistence_granularity */
	bool udp;                  /* protocol UDP: IPVS counts its flows as InActConn */
	int bind_state;            /* rt_lvs_bind_ok(): 0 not probed, 1 free, -1 in use */
	struct lvs_pers *pers[PERS_BUCKETS]; /* chained; expired entries dropped when met */
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void parse_granularity(const char *g, int family, uint8_t mask[16])
{
	memset(mask, 0xff, 16);
	if (!g || !*g)
		return;
	struct in_addr a;
	if (family == AF_INET && inet_pton(AF_INET, g, &a) == 1) {
		memcpy(mask, &a, 4);
		return;
	}
	int bits = atoi(g); /* IPv6: a prefix length */
	if (bits <= 0 || bits > 128)
		return;
	memset(mask, 0, 16);
	for (int i = 0; i < bits; i++)
		mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
}

/* A real server's port: its own, else the virtual server's (keepalived's port 0). The binder
 * leaves it out of the sockaddr, so it is set here before the first connection. */
static void set_port(struct rt_server *rs, const struct m_pool *mp)
{
	unsigned port = rs->conf->addr.port_lo;
	if (!port && mp->service && mp->service->binds)
		port = mp->service->binds->addr.port_lo;
	if (rs->ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&rs->ss;
		if (!s6->sin6_port)
			s6->sin6_port = htons((uint16_t)port);
	} else if (rs->ss.ss_family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&rs->ss;
		if (!s4->sin_port)
			s4->sin_port = htons((uint16_t)port);
	}
}

static struct rt_server *make_sorry(struct rt_pool *p, const struct m_server *ms)
{
	if (!ms || ms->addr.kind != M_ADDR_INET)
		return NULL;
	struct rt_server *rs = calloc(1, sizeof(*rs));
	if (!rs)
		return NULL;
	rs->conf = ms;
	rs->pool = p;
	rs->ss = ms->addr.ss;
	rs->sslen = ms->addr.sslen ? ms->addr.sslen
	                           : (ms->addr.ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
	                                                                : sizeof(struct sockaddr_in));
	rs->weight = ms->weight > 0 ? ms->weight : 1;
	rs->iweight = rs->weight;
	rs->usable = true;
	set_port(rs, p->conf);
	return rs;
}

static struct rt_lvs *ensure(struct rt_pool *p)
{
	if (p->lvs)
		return p->lvs;
	const struct m_lvs *ml = p->conf->lvs;
	struct rt_lvs *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	int n = p->nsrv > 0 ? p->nsrv : 1;
	l->order = calloc((size_t)n, sizeof(int));
	l->dests = calloc((size_t)n, sizeof(*l->dests));
	if (!l->order || !l->dests) {
		free(l->order);
		free(l->dests);
		free(l);
		return NULL;
	}
	for (int i = 0; i < p->nsrv; i++) {
		l->order[i] = p->nsrv - 1 - i; /* the kernel's list_add: newest first */
		set_port(&p->srv[i], p->conf);
	}
	rt_lvs_sched_init(&l->sched, p->conf->balance.algo);
	l->timeout_ms = ml->persistence_timeout > 0 ? (long long)ml->persistence_timeout : 0;
	int fam = AF_INET;
	if (p->conf->service && p->conf->service->binds)
		fam = p->conf->service->binds->addr.ss.ss_family;
	parse_granularity(ml->persistence_granularity, fam, l->mask);
	l->sorry = make_sorry(p, ml->sorry_server);
	l->udp = rt_lvs_udp_ok(p->conf);
	p->lvs = l;
	return l;
}

struct rt_server *rt_lvs_sorry(const struct rt_pool *p)
{
	return p->lvs ? p->lvs->sorry : NULL;
}

void rt_lvs_free(struct rt_pool *p)
{
	struct rt_lvs *l = p->lvs;
	if (!l)
		return;
	free(l->order);
	free(l->dests);
	free(l->sorry);
	for (int b = 0; b < PERS_BUCKETS; b++)
		for (struct lvs_pers *e = l->pers[b], *n; e; e = n) {
			n = e->next;
			free(e);
		}
	free(l);
	p->lvs = NULL;
}

/* The address as 16 bytes (IPv4 in the first 4) and its 32-bit fold for sh/dh. */
static void addr_key(const struct sockaddr_storage *ss, uint8_t key[16], uint32_t *fold)
{
	memset(key, 0, 16);
	*fold = 0;
	if (!ss)
		return;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
		memcpy(key, &s4->sin_addr, 4);
		*fold = ntohl(s4->sin_addr.s_addr);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		memcpy(key, &s6->sin6_addr, 16);
		for (int i = 0; i < 16; i += 4) {
			uint32_t w;
			memcpy(&w, key + i, 4);
			*fold ^= ntohl(w);
		}
	}
}

bool rt_lvs_present(const struct rt_pool *p, const struct rt_server *s)
{
	bool inhibit = s->conf->inhibit_on_failure == 1 || p->conf->lvs->inhibit_on_failure == 1;
	return s->usable || inhibit; /* failed: removed, or kept at weight 0 when inhibited */
}

static unsigned pers_bucket(const uint8_t key[16])
{
	uint32_t h = 2166136261u;
	for (int i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	return h % PERS_BUCKETS;
}

/* The live affinity of key; expired ones met on the way are freed. */
static struct lvs_pers *pers_find(struct rt_lvs *l, const uint8_t key[16], long long now)
{
	struct lvs_pers **pp = &l->pers[pers_bucket(key)];
	while (*pp) {
		struct lvs_pers *e = *pp;
		if (e->expires <= now) {
			*pp = e->next;
			free(e);
			continue;
		}
		if (!memcmp(e->key, key, 16))
			return e;
		pp = &e->next;
	}
	return NULL;
}

static void pers_add(struct rt_lvs *l, const uint8_t key[16], int srv, long long exp)
{
	struct lvs_pers *e = pers_find(l, key, exp - l->timeout_ms);
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e)
			return;
		unsigned b = pers_bucket(key);
		memcpy(e->key, key, 16);
		e->next = l->pers[b];
		l->pers[b] = e;
	}
	e->srv = srv;
	e->expires = exp;
}

struct rt_server *rt_lvs_pick_locked(struct rt_pool *p, const struct sockaddr_storage *cli,
                                     const struct rt_server *avoid)
{
	struct rt_lvs *l = ensure(p);
	if (!l)
		return NULL;
	uint8_t key[16];
	uint32_t src = 0, dst = 0;
	addr_key(cli, key, &src);
	long long now = now_ms();
	if (l->timeout_ms > 0) {
		for (int i = 0; i < 16; i++)
			key[i] &= l->mask[i];
		struct lvs_pers *e = pers_find(l, key, now);
		if (e) {
			struct rt_server *s = &p->srv[e->srv];
			if (s->usable && s != avoid && !atomic_load(&s->admin)) {
				e->expires = now + l->timeout_ms;
				return s;
			}
			e->expires = 0; /* its server is gone: replaced below */
		}
	}
	if (p->conf->service && p->conf->service->binds) {
		uint8_t dk[16];
		addr_key(&p->conf->service->binds->addr.ss, dk, &dst);
	}
	int n = p->nsrv;
	for (int k = 0; k < n; k++) {
		struct rt_server *s = &p->srv[l->order[k]];
		struct rt_lvs_dest *d = &l->dests[k];
		d->removed = !rt_lvs_present(p, s);
		d->weight = s->usable ? s->weight : 0;
		int cur = atomic_load(&s->cur);
		d->active = l->udp ? 0 : cur;
		d->inactive = l->udp ? cur : 0;
		d->overloaded = s == avoid || atomic_load(&s->admin) != 0 ||
		                (s->conf->maxconn > 0 && d->active >= s->conf->maxconn);
	}
	int i = rt_lvs_schedule(&l->sched, l->dests, n, src, dst);
	if (i < 0)
		return l->sorry; /* may be NULL: the connection is refused */
	struct rt_server *s = &p->srv[l->order[i]];
	if (l->timeout_ms > 0)
		pers_add(l, key, l->order[i], now + l->timeout_ms);
	return s;
}

void rt_lvs_pers_each(struct rt_pool *p,
                      void (*fn)(void *arg, const uint8_t key[16], int srv, long long left_ms),
                      void *arg)
{
	struct rt_lvs *l = p->lvs;
	long long now = now_ms();
	for (int b = 0; l && b < PERS_BUCKETS; b++)
		for (struct lvs_pers *e = l->pers[b]; e; e = e->next)
			if (e->expires > now)
				fn(arg, e->key, e->srv, e->expires - now);
}

void rt_lvs_pers_restore(struct rt_pool *p, const uint8_t key[16], int srv, long long left_ms)
{
	struct rt_lvs *l = ensure(p);
	if (!l || l->timeout_ms <= 0 || srv < 0 || srv >= p->nsrv)
		return; /* the new configuration has no persistence here */
	if (left_ms > l->timeout_ms)
		left_ms = l->timeout_ms;
	pers_add(l, key, srv, now_ms() + left_ms);
}

/* ---------------------------------------------------------------- startup */

static const struct m_pool *svc_pool(const struct rt_service *rs)
{
	if (rs->pool)
		return rs->pool->conf;
	return rs->conf->default_pool;
}

/* Whether the userspace path can serve the virtual_server: TCP by address (UDP: see udp). */
static bool rt_lvs_bind_ok_pool(const struct m_pool *mp)
{
	const struct m_lvs *ml = mp->lvs;
	if (!ml || ml->fwmark > 0 || !mp->service || !mp->service->binds ||
	    mp->service->binds->addr.kind != M_ADDR_INET)
		return false; /* a virtual_server_group of fwmarks only, too */
	return !ml->protocol || !strcasecmp(ml->protocol, "TCP");
}

static void fmt_vs(const struct m_pool *mp, char *buf, size_t len);
static int probe_addr(const struct m_addr *a);

/* Whether VIP:port can be bound beside our own listeners (SO_REUSEPORT, as the runtime binds
 * them, so a retiring checker's listener does not count): another program's listener makes
 * the runtime's bind fail, which would stop the whole checker. */
static int probe_bind(const struct m_pool *mp)
{
	for (const struct m_bind *b = mp->service->binds; b; b = b->next) {
		int rc = probe_addr(&b->addr);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int probe_addr(const struct m_addr *a)
{
	struct sockaddr_storage ss = a->ss;
	socklen_t len = ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
	                                         : sizeof(struct sockaddr_in);
	if (ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)a->port_lo);
	else
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)a->port_lo);
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	int one = 1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
	else
		(void)setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	int rc = bind(fd, (struct sockaddr *)&ss, len) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

bool rt_lvs_bind_ok(const struct rt_service *rs)
{
	if (rs->conf->kind != SVC_VIRTUAL_SERVER)
		return true;
	if (rt_ipvs_kernel())
		return false; /* the kernel serves it (ipvs_kernel.c) */
	const struct m_pool *mp = svc_pool(rs);
	if (!mp || !rt_lvs_bind_ok_pool(mp) || !mp->service || !mp->service->binds)
		return false;
	struct rt_lvs *l = rs->pool ? ensure(rs->pool) : NULL;
	if (!l)
		return true; /* no state to remember the probe in: the bind itself decides */
	if (!l->bind_state) {
		int rc = probe_bind(mp);
		l->bind_state = rc == -EADDRINUSE ? -1 : 1;
		if (rc == -EADDRINUSE) {
			char vs[96];
			fmt_vs(mp, vs, sizeof(vs));
			vrrp_log("IPVS: VS %s is not served: %s (another program listens on it); "
			         "the other virtual servers are", vs, strerror(EADDRINUSE));
		}
	}
	return l->bind_state > 0;
}

void rt_lvs_listen_opts(int fd, const struct rt_service *rs, int family)
{
	if (rs->conf->kind != SVC_VIRTUAL_SERVER)
		return;
	int one = 1;
	/* errors ignored: FREEBIND needs no privilege, TRANSPARENT needs CAP_NET_ADMIN and is
	 * only a second way to the same end */
	if (family == AF_INET6) {
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_TRANSPARENT, &one, sizeof(one));
	} else {
		(void)setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
		(void)setsockopt(fd, IPPROTO_IP, IP_TRANSPARENT, &one, sizeof(one));
	}
}

#define sched_name rt_lvs_sched_name /* ipvs_kernel.c */

/* keepalived's FMT_VS: "[192.168.88.86]:tcp:80" */
static void fmt_vs(const struct m_pool *mp, char *buf, size_t len)
{
	const struct m_service *sv = mp->service;
	const struct m_lvs *ml = mp->lvs;
	if (ml->fwmark > 0) {
		snprintf(buf, len, "FWM %d", ml->fwmark);
		return;
	}
	if (ml->group) { /* keepalived's name for it */
		snprintf(buf, len, "[%s]:0", ml->group);
		return;
	}
	if (!sv || !sv->binds) {
		snprintf(buf, len, "%s", mp->name);
		return;
	}
	const struct m_addr *a = &sv->binds->addr;
	char ip[INET6_ADDRSTRLEN] = "?";
	if (a->ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&a->ss)->sin6_addr, ip, sizeof(ip));
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)&a->ss)->sin_addr, ip, sizeof(ip));
	char proto[8] = "tcp";
	if (ml->protocol) {
		snprintf(proto, sizeof(proto), "%s", ml->protocol);
		for (char *c = proto; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
	}
	snprintf(buf, len, "[%s]:%s:%d", ip, proto, a->port_lo);
}

void rt_lvs_start(struct rt *rt)
{
	bool any = false;
	for (int i = 0; i < rt->npools; i++)
		any = any || rt->pools[i].conf->lvs;
	if (!any)
		return;
	bool takeover;
	(void)rt_lvs_gen(&takeover);
	if (takeover) /* a reload: the previous checker's state first (lvs_sock.c) */
		rt_lvs_take_over(rt);
	rt_lvs_sock_start(rt, takeover); /* `vipr ipvs`, and the next reload's hand-over */
	if (rt_ipvs_kernel()) {
		rt_ipvs_start(rt); /* the kernel data plane */
		return;
	}
	for (int i = 0; i < rt->npools; i++) {
		const struct m_pool *mp = rt->pools[i].conf;
		if (!mp->lvs)
			continue;
		char vs[96];
		fmt_vs(mp, vs, sizeof(vs));
		const char *kind = mp->lvs->lb_kind ? mp->lvs->lb_kind : "NAT";
		if (mp->lvs->group && !rt_lvs_bind_ok_pool(mp)) {
			vrrp_log("IPVS: VS %s is not served: virtual_server_group %s has no address "
				 "member vipr serves (it is unknown or empty, has fwmark members only, or "
				 "the protocol is not TCP)", vs, mp->lvs->group);
			continue;
		}
		if (mp->lvs->fwmark > 0) {
			/* a firewall mark selects packets in the kernel; no socket can receive them */
			vrrp_log("IPVS: Can't initialize ipvs: the kernel has no IPVS; VS %s is not "
			         "served: a fwmark virtual server needs the kernel's IPVS", vs);
			continue;
		}
		if (!rt_lvs_bind_ok_pool(mp) && !rt_lvs_udp_ok(mp)) {
			vrrp_log("IPVS: the kernel has no IPVS; VS %s is not served: protocol %s needs "
			         "the kernel's IPVS", vs, mp->lvs->protocol);
			continue;
		}
		vrrp_log("IPVS: the kernel has no IPVS; VS %s (%s, lb_kind %s) is served by vipr's "
		         "userspace %s proxy%s",
		         vs, sched_name(mp->balance.algo), kind, rt_lvs_udp_ok(mp) ? "UDP" : "TCP",
		         !strcasecmp(kind, "NAT")
		             ? ""
		             : ": DR/TUN forwarding is emulated by proxying, real servers see "
		               "connections from this director's address, not the client's");
	}
	rt_lvs_udp_start(rt); /* protocol UDP (lvs_udp.c) */
}


static bool has_lvs(const struct rt *rt)
{
	for (int i = 0; i < rt->npools; i++)
		if (rt->pools[i].conf->lvs)
			return true;
	return false;
}

/* Called by the runtime when a soft stop begins (the checker's SIGUSR1: a reload handed its
 * virtual servers over). The checks stop now, quietly, so that the new checker alone reports
 * and runs notify scripts; the kernel services stay for the new checker. */
void rt_lvs_soft_stop(struct rt *rt)
{
	if (!has_lvs(rt))
		return;
	rt_lvs_set_retiring();
	rt_checks_stop(rt);
	rt_ipvs_quiesce();
	rt_lvs_udp_stop(rt);
	rt_lvs_sock_stop();
}

void rt_lvs_stop(struct rt *rt)
{
	if (!has_lvs(rt))
		return;
	if (rt_ipvs_kernel())
		rt_ipvs_stop(rt); /* deletes the services, unless handed over */
	else
		rt_lvs_udp_stop(rt);
	rt_lvs_sock_stop();
	rt_lvs_take_over_free();
}
