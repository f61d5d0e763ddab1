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
 * Process layout, as keepalived's: the keepalived daemon runs VRRP; rt_lvs_spawn() forks its
 * "checker" child, a whole runtime (rt_run) over the same model, which health-checks the
 * real servers (rt_checks.c) and serves the virtual servers; it gets SIGTERM when the daemon
 * exits (PR_SET_PDEATHSIG). The VIP listener exists in both directors; only the one holding
 * the VIP receives connections. The live `ipvsadm -Ln` table is answered by a thread on the
 * abstract unix socket @vipr-ipvs, which belongs to the network namespace like IPVS itself.
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

static bool present(const struct rt_pool *p, const struct rt_server *s)
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
		d->removed = !present(p, s);
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
	if (!ml || ml->fwmark > 0 || ml->group)
		return false;
	return !ml->protocol || !strcasecmp(ml->protocol, "TCP");
}

bool rt_lvs_bind_ok(const struct rt_service *rs)
{
	if (rs->conf->kind != SVC_VIRTUAL_SERVER)
		return true;
	if (rt_ipvs_kernel())
		return false; /* the kernel serves it (ipvs_kernel.c) */
	const struct m_pool *mp = svc_pool(rs);
	return mp && rt_lvs_bind_ok_pool(mp);
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

static void ipvs_serve(struct rt *rt);

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
		if (mp->lvs->fwmark > 0 || mp->lvs->group) {
			/* a firewall mark selects packets in the kernel; no socket can receive them */
			vrrp_log("IPVS: Can't initialize ipvs: the kernel has no IPVS; VS %s is not "
			         "served: a %s needs the kernel's IPVS",
			         vs, mp->lvs->fwmark > 0 ? "fwmark virtual server" : "virtual_server_group");
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
	ipvs_serve(rt);       /* `vipr ipvs`: the live table */
}

/* ---------------------------------------------------------------- the checker process */

/* keepalived runs its health checkers (and IPVS) in a child process beside the VRRP one;
 * vipr does the same: the child is a whole runtime (rt_run) over the same model, which
 * serves nothing but the virtual servers, and gets SIGTERM when the daemon exits. */
static pid_t checker_pid; /* in the daemon: the checker child, 0: none */

pid_t rt_lvs_spawn(struct m_config *cfg)
{
	bool any = false;
	for (const struct m_pool *p = cfg->pools; p; p = p->next)
		any = any || p->lvs;
	if (!any)
		return 0;
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid != 0) {
		if (pid < 0)
			vrrp_log("Unable to fork the checker process: %s", strerror(errno));
		checker_pid = pid > 0 ? pid : 0;
		return pid;
	}
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(0);
	signal(SIGHUP, SIG_IGN); /* reloads are the daemon's; see rt_lvs_spawn() in runtime.h */
	signal(SIGUSR1, SIG_IGN);
	signal(SIGUSR2, SIG_IGN);
	struct rt_opts o = {.foreground = true};
	_exit(rt_run(cfg, &o));
}

/* Waits up to 5 s for the checker to exit after sig; SIGKILL after that. */
static void end_checker(int sig)
{
	if (checker_pid <= 0)
		return;
	kill(checker_pid, sig);
	for (int i = 0; i < 250; i++) {
		pid_t r = waitpid(checker_pid, NULL, WNOHANG);
		if (r == checker_pid || (r < 0 && errno == ECHILD))
			break;
		if (i == 249) {
			kill(checker_pid, SIGKILL);
			waitpid(checker_pid, NULL, 0);
		}
		nanosleep(&(struct timespec){0, 20 * 1000000L}, NULL);
	}
	checker_pid = 0;
}

void rt_lvs_reload(const struct m_config *old, struct m_config *cur)
{
	/* The checker keeps serving the configuration it started with (a new one would have to
	 * be forked from this process, whose event loop it must not inherit). With IPVS the
	 * services the new configuration dropped are deleted here, and the checker stops
	 * managing them when the kernel says they are gone. */
	if (checker_pid <= 0 || !rt_ipvs_kernel())
		return;
	rt_ipvs_remove_gone(old, cur);
	if (rt_ipvs_has_new(old, cur))
		vrrp_log("IPVS: new or changed virtual_servers take effect when keepalived restarts");
}

void rt_lvs_wait(void)
{
	end_checker(SIGTERM); /* keepalived waits for its checker, which removes the services */
}

/* ---------------------------------------------------------------- ipvsadm -Ln */

static unsigned vs_port(const struct m_pool *mp)
{
	return mp->service && mp->service->binds ? mp->service->binds->addr.port_lo : 0;
}

static void fmt_addr(const struct m_addr *a, unsigned port, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	if (!port)
		port = a->port_lo;
	if (a->ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&a->ss)->sin6_addr, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, port);
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)&a->ss)->sin_addr, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, port);
	}
}

static const char *fwd_name(const char *kind)
{
	if (kind && !strcasecmp(kind, "DR"))
		return "Route";
	if (kind && !strcasecmp(kind, "TUN"))
		return "Tunnel";
	return "Masq";
}

static void table_head(FILE *out)
{
	fprintf(out, "IP Virtual Server version 1.2.1 (size=4096)\n"
	             "Prot LocalAddress:Port Scheduler Flags\n"
	             "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
}

static void vs_line(FILE *out, const struct m_pool *mp)
{
	const struct m_lvs *ml = mp->lvs;
	char vs[80] = "?";
	const char *proto = ml->protocol ? ml->protocol : "TCP";
	if (ml->fwmark > 0) {
		snprintf(vs, sizeof(vs), "%d", ml->fwmark);
		proto = "FWM";
	} else if (mp->service && mp->service->binds) {
		fmt_addr(&mp->service->binds->addr, 0, vs, sizeof(vs));
	}
	fprintf(out, "%s  %s %s", proto, vs, sched_name(mp->balance.algo)); /* ipvsadm: two spaces */
	if (ml->persistence_timeout > 0) {
		fprintf(out, " persistent %lld", (long long)ml->persistence_timeout / 1000);
		if (ml->persistence_granularity)
			fprintf(out, " mask %s", ml->persistence_granularity);
	}
	fputc('\n', out);
}

static void rs_line(FILE *out, const struct m_pool *mp, const struct m_server *s, int weight,
                    int active, int inactive)
{
	if (s->addr.kind != M_ADDR_INET)
		return;
	char ra[80];
	unsigned port = s->addr.port_lo ? s->addr.port_lo : vs_port(mp);
	fmt_addr(&s->addr, port, ra, sizeof(ra));
	fprintf(out, "  -> %-28s %-7s %-6d %-10d %-10d\n", ra,
	        fwd_name(s->lvs_method ? s->lvs_method : mp->lvs->lb_kind), weight,
	        active, inactive);
}

/* `ipvsadm -Ln` sorts services and destinations (not the kernel's list order): so do these */
struct pkey {
	int idx;
	struct ipvs_svc s;
};

struct skey {
	int idx;
	struct ipvs_dest d;
};

static int cmp_pkey(const void *a, const void *b)
{
	return rt_ipvs_cmp_svc(&((const struct pkey *)a)->s, &((const struct pkey *)b)->s);
}

static int cmp_skey(const void *a, const void *b)
{
	return rt_ipvs_cmp_dest(&((const struct skey *)a)->d, &((const struct skey *)b)->d);
}

/* The pools with virtual servers, in ipvsadm's order; *n of them. Caller frees. */
static struct pkey *sorted_pools(const struct m_pool *const *mps, int npools, int *n)
{
	struct pkey *k = calloc((size_t)(npools > 0 ? npools : 1), sizeof(*k));
	*n = 0;
	for (int i = 0; k && i < npools; i++)
		if (mps[i]->lvs) {
			k[*n].idx = i;
			rt_ipvs_svc_of(mps[i], &k[*n].s);
			(*n)++;
		}
	if (k && *n > 1)
		qsort(k, (size_t)*n, sizeof(*k), cmp_pkey);
	return k;
}

static void sort_servers(const struct m_pool *mp, const struct m_server *const *ms, struct skey *k,
                         int n)
{
	for (int i = 0; i < n; i++) {
		k[i].idx = i;
		rt_ipvs_dest_of(mp, ms[i], 0, &k[i].d);
	}
	if (n > 1)
		qsort(k, (size_t)n, sizeof(*k), cmp_skey);
}

void rt_lvs_ipvs_table(const struct m_config *cfg, FILE *out)
{
	table_head(out);
	int np = 0, n = 0;
	for (const struct m_pool *mp = cfg->pools; mp; mp = mp->next)
		np++;
	const struct m_pool **mps = calloc((size_t)(np > 0 ? np : 1), sizeof(*mps));
	if (!mps)
		return;
	np = 0;
	for (const struct m_pool *mp = cfg->pools; mp; mp = mp->next)
		mps[np++] = mp;
	struct pkey *pk = sorted_pools(mps, np, &n);
	for (int i = 0; pk && i < n; i++) {
		const struct m_pool *mp = mps[pk[i].idx];
		vs_line(out, mp);
		int ns = 0;
		for (const struct m_server *s = mp->servers; s; s = s->next)
			ns++;
		const struct m_server **ms = calloc((size_t)(ns > 0 ? ns : 1), sizeof(*ms));
		struct skey *sk = calloc((size_t)(ns > 0 ? ns : 1), sizeof(*sk));
		if (ms && sk) {
			ns = 0;
			for (const struct m_server *s = mp->servers; s; s = s->next)
				ms[ns++] = s;
			sort_servers(mp, ms, sk, ns);
			for (int j = 0; j < ns; j++) {
				const struct m_server *s = ms[sk[j].idx];
				rs_line(out, mp, s, s->weight >= 0 ? s->weight : 1, 0, 0);
			}
		}
		free(ms);
		free(sk);
	}
	free(pk);
	free(mps);
}

/* The live table of a running runtime: present destinations with their current weight and
 * connections, and the sorry_server while it stands in for all of them (as keepalived adds
 * it to the IPVS service then). */
static void live_pool(struct rt_pool *p, FILE *out)
{
	const struct m_pool *mp = p->conf;
	int n = p->nsrv > 0 ? p->nsrv : 1;
	const struct m_server **ms = calloc((size_t)n, sizeof(*ms));
	struct skey *sk = calloc((size_t)n, sizeof(*sk));
	vs_line(out, mp);
	if (!ms || !sk) {
		free(ms);
		free(sk);
		return;
	}
	for (int k = 0; k < p->nsrv; k++)
		ms[k] = p->srv[k].conf;
	sort_servers(mp, ms, sk, p->nsrv);
	bool udp = rt_lvs_udp_ok(mp); /* IPVS counts UDP flows as InActConn */
	pthread_mutex_lock(&p->lock);
	bool any = false;
	for (int j = 0; j < p->nsrv; j++) {
		struct rt_server *s = &p->srv[sk[j].idx];
		if (!present(p, s))
			continue;
		int w = s->usable ? s->weight : 0;
		any = any || w > 0;
		int cur = atomic_load(&s->cur);
		rs_line(out, mp, s->conf, w, udp ? 0 : cur, udp ? cur : 0);
	}
	struct rt_server *sorry = p->lvs ? p->lvs->sorry : NULL;
	int scur = sorry ? atomic_load(&sorry->cur) : 0;
	if (!any && mp->lvs->sorry_server)
		rs_line(out, mp, mp->lvs->sorry_server, 1, udp ? 0 : scur, udp ? scur : 0);
	pthread_mutex_unlock(&p->lock);
	free(ms);
	free(sk);
}

static void live_table(struct rt *rt, FILE *out)
{
	table_head(out);
	const struct m_pool **mps = calloc((size_t)(rt->npools > 0 ? rt->npools : 1), sizeof(*mps));
	if (!mps)
		return;
	for (int i = 0; i < rt->npools; i++)
		mps[i] = rt->pools[i].conf;
	int n = 0;
	struct pkey *pk = sorted_pools(mps, rt->npools, &n);
	for (int i = 0; pk && i < n; i++)
		live_pool(&rt->pools[pk[i].idx], out);
	free(pk);
	free(mps);
}

/* The live table is served on an abstract unix socket, which like the kernel's IPVS table
 * belongs to the network namespace: `vipr ipvs` in a namespace sees that namespace's
 * director, as `ipvsadm -Ln` would. A thread of the runtime answers; one per process. */
#define IPVS_SOCK "vipr-ipvs"

static struct {
	int fd;
	pthread_t th;
	bool on;
	struct rt *rt;
} srv_state = {.fd = -1};

static socklen_t ipvs_addr(struct sockaddr_un *un)
{
	memset(un, 0, sizeof(*un));
	un->sun_family = AF_UNIX;
	memcpy(un->sun_path + 1, IPVS_SOCK, sizeof(IPVS_SOCK) - 1);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + sizeof(IPVS_SOCK) - 1);
}

static void *ipvs_thread(void *arg)
{
	(void)arg;
	for (;;) {
		int c = accept4(srv_state.fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return NULL; /* shut down by rt_lvs_stop() */
		}
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);
		if (m) {
			live_table(srv_state.rt, m);
			fclose(m);
			for (size_t off = 0; off < len;) {
				ssize_t w = send(c, buf + off, len - off, MSG_NOSIGNAL);
				if (w <= 0)
					break;
				off += (size_t)w;
			}
			free(buf);
		}
		close(c);
	}
}

static void ipvs_serve(struct rt *rt)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	struct sockaddr_un un;
	socklen_t len = ipvs_addr(&un);
	if (bind(fd, (struct sockaddr *)&un, len) < 0 || listen(fd, 16) < 0) {
		vrrp_log("IPVS: cannot serve the live table (%s): another virtual-server process "
		         "in this network namespace?", strerror(errno));
		close(fd);
		return;
	}
	srv_state.fd = fd;
	srv_state.rt = rt;
	srv_state.on = pthread_create(&srv_state.th, NULL, ipvs_thread, NULL) == 0;
	if (!srv_state.on) {
		close(fd);
		srv_state.fd = -1;
	}
}

void rt_lvs_stop(struct rt *rt)
{
	bool any = false;
	for (int i = 0; i < rt->npools; i++)
		any = any || rt->pools[i].conf->lvs;
	if (any && rt_ipvs_kernel())
		rt_ipvs_stop(rt);
	else if (any)
		rt_lvs_udp_stop(rt);
	if (!srv_state.on)
		return;
	shutdown(srv_state.fd, SHUT_RDWR); /* wakes accept() */
	pthread_join(srv_state.th, NULL);
	close(srv_state.fd);
	srv_state.fd = -1;
	srv_state.on = false;
}

int rt_lvs_ipvs_live(FILE *out)
{
	if (rt_ipvs_print(out) == 0)
		return 0; /* the kernel's table, as ipvsadm -Ln reads it */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_un un;
	socklen_t len = ipvs_addr(&un);
	if (connect(fd, (struct sockaddr *)&un, len) < 0) {
		close(fd);
		return -1;
	}
	char buf[4096];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, out);
	close(fd);
	return 0;
}
