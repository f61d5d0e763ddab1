/* lvs_udp.c - keepalived `protocol UDP` virtual_servers on a kernel without IPVS.
 *
 * A UDP proxy with IPVS's connection model: a flow is a client address and port; its first
 * datagram is scheduled like a TCP connection (balance.c -> lvs.c: the IPVS scheduler,
 * persistence, weights, the sorry_server), later datagrams follow it, and the real server's
 * answers go back to the client from the VIP socket. A flow expires after IPVS's default UDP
 * timeout (300 s, `ipvsadm --set`'s third value) without a datagram either way. A flow whose
 * real server was removed by its checks is expired when its next datagram arrives, which is
 * then scheduled anew (IPVS with expire_nodest_conn=1; with the default 0 IPVS drops such
 * datagrams until the flow times out). Each flow counts as an inactive connection of its
 * real server while it lives, as IPVS counts UDP (lc/wlc weigh it 1, `vipr ipvs` shows it
 * under InActConn).
 * One thread serves every UDP virtual_server with epoll; it only touches the pools through
 * rt_balance_pick()/rt_balance_release() and the servers' atomic state.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "runtime/ipvs.h"
#include "vrrp/vrrp.h"

#define UDP_TIMEOUT_MS (300 * 1000LL)
#define FLOW_BUCKETS   1024

enum { EP_STOP, EP_VS, EP_FLOW };

struct uvs {
	int kind; /* EP_VS: first, as in every epoll owner */
	int fd;
	struct rt_pool *p;
};

struct uflow {
	int kind; /* EP_FLOW */
	int fd;   /* connected to srv */
	struct uvs *vs;
	struct rt_server *srv;
	struct sockaddr_storage cli;
	socklen_t clen;
	long long last;
	struct uflow *next;
};

static struct {
	int ep, stopfd;
	int kind_stop; /* EP_STOP: the epoll owner of stopfd */
	pthread_t th;
	bool on;
	struct uvs *vs;
	int nvs;
	struct uflow *tab[FLOW_BUCKETS];
} U = {.ep = -1, .stopfd = -1};

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned bucket(const struct sockaddr_storage *ss, socklen_t len)
{
	uint32_t h = 2166136261u;
	const uint8_t *b = (const uint8_t *)ss;
	for (socklen_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 16777619u;
	return h % FLOW_BUCKETS;
}

static void flow_free(struct uflow *f)
{
	close(f->fd);
	rt_balance_release(f->srv);
	free(f);
}

/* A real server still takes datagrams of its flows: up, or kept at weight 0 (inhibit). */
static bool available(const struct uflow *f)
{
	const struct rt_server *s = f->srv;
	if (s->pool->lvs && s == rt_lvs_sorry(s->pool))
		return true;
	bool inhibit =
	    s->conf->inhibit_on_failure == 1 || s->pool->conf->lvs->inhibit_on_failure == 1;
	return __atomic_load_n(&s->usable, __ATOMIC_ACQUIRE) || inhibit;
}

static struct uflow *flow_find(struct uvs *vs, const struct sockaddr_storage *cli, socklen_t len)
{
	struct uflow **pp = &U.tab[bucket(cli, len)];
	for (; *pp; pp = &(*pp)->next) {
		struct uflow *f = *pp;
		if (f->vs != vs || f->clen != len || memcmp(&f->cli, cli, len))
			continue;
		if (available(f))
			return f;
		*pp = f->next; /* its real server was removed: expire now, schedule anew */
		flow_free(f);
		return NULL;
	}
	return NULL;
}

static struct uflow *flow_new(struct uvs *vs, const struct sockaddr_storage *cli, socklen_t len)
{
	uint32_t seed = (uint32_t)mono_ms();
	struct rt_server *s = rt_balance_pick(vs->p, cli, NULL, &seed);
	if (!s)
		return NULL; /* no real server and no sorry_server: dropped, as by IPVS */
	int fd = socket(s->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct uflow *f = fd >= 0 ? calloc(1, sizeof(*f)) : NULL;
	if (!f || connect(fd, (const struct sockaddr *)&s->ss, s->sslen) < 0) {
		if (fd >= 0)
			close(fd);
		free(f);
		rt_balance_release(s);
		return NULL;
	}
	*f = (struct uflow){.kind = EP_FLOW, .fd = fd, .vs = vs, .srv = s, .clen = len};
	memcpy(&f->cli, cli, len);
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = f};
	epoll_ctl(U.ep, EPOLL_CTL_ADD, fd, &ev);
	unsigned b = bucket(cli, len);
	f->next = U.tab[b];
	U.tab[b] = f;
	return f;
}

static void from_clients(struct uvs *vs, char *buf, size_t cap)
{
	for (int k = 0; k < 64; k++) { /* then let the other sockets have a turn */
		struct sockaddr_storage cli;
		socklen_t len = sizeof(cli);
		ssize_t n = recvfrom(vs->fd, buf, cap, 0, (struct sockaddr *)&cli, &len);
		if (n < 0)
			return;
		struct uflow *f = flow_find(vs, &cli, len);
		if (!f)
			f = flow_new(vs, &cli, len);
		if (!f)
			continue;
		f->last = mono_ms();
		(void)send(f->fd, buf, (size_t)n, 0); /* a lost datagram is UDP's business */
	}
}

static void from_server(struct uflow *f, char *buf, size_t cap)
{
	for (int k = 0; k < 64; k++) {
		ssize_t n = recv(f->fd, buf, cap, 0);
		if (n < 0)
			return;
		f->last = mono_ms();
		(void)sendto(f->vs->fd, buf, (size_t)n, 0, (const struct sockaddr *)&f->cli,
		             f->clen);
	}
}

static void expire(long long now)
{
	for (int b = 0; b < FLOW_BUCKETS; b++)
		for (struct uflow **pp = &U.tab[b]; *pp;) {
			struct uflow *f = *pp;
			if (now - f->last < UDP_TIMEOUT_MS) {
				pp = &f->next;
				continue;
			}
			*pp = f->next;
			flow_free(f);
		}
}

static void *udp_thread(void *arg)
{
	(void)arg;
	static char buf[65536];
	long long swept = mono_ms();
	for (;;) {
		struct epoll_event ev[32];
		int n = epoll_wait(U.ep, ev, 32, 1000);
		for (int i = 0; i < n; i++) {
			int kind = *(int *)ev[i].data.ptr;
			if (kind == EP_STOP)
				return NULL;
			if (kind == EP_VS)
				from_clients(ev[i].data.ptr, buf, sizeof(buf));
			else
				from_server(ev[i].data.ptr, buf, sizeof(buf));
		}
		long long now = mono_ms();
		if (now - swept >= 1000) {
			expire(now);
			swept = now;
		}
	}
}

static int bind_vs(const struct m_pool *mp)
{
	const struct m_addr *a = &mp->service->binds->addr;
	int fd = socket(a->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	/* the VIP may arrive later with VRRP, as for the TCP listeners (lvs.c) */
	if (a->ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
	else
		(void)setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	/* the binder leaves a virtual_server's port out of the sockaddr */
	struct sockaddr_storage ss = a->ss;
	socklen_t len = sizeof(struct sockaddr_in);
	if (ss.ss_family == AF_INET6) {
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(a->port_lo);
		len = sizeof(struct sockaddr_in6);
	} else {
		((struct sockaddr_in *)&ss)->sin_port = htons(a->port_lo);
	}
	if (bind(fd, (const struct sockaddr *)&ss, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

bool rt_lvs_udp_ok(const struct m_pool *mp)
{
	const struct m_lvs *ml = mp->lvs;
	return ml && ml->fwmark <= 0 && !ml->group && ml->protocol &&
	       !strcasecmp(ml->protocol, "UDP") && mp->service && mp->service->binds &&
	       mp->service->binds->addr.kind == M_ADDR_INET;
}

void rt_lvs_udp_start(struct rt *rt)
{
	int n = 0;
	for (int i = 0; i < rt->npools; i++)
		n += rt_lvs_udp_ok(rt->pools[i].conf);
	if (!n)
		return;
	U.ep = epoll_create1(EPOLL_CLOEXEC);
	U.stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	U.vs = calloc((size_t)n, sizeof(*U.vs));
	if (U.ep < 0 || U.stopfd < 0 || !U.vs) {
		vrrp_log("IPVS: cannot start the userspace UDP proxy: %s", strerror(errno));
		return;
	}
	U.kind_stop = EP_STOP;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &U.kind_stop};
	epoll_ctl(U.ep, EPOLL_CTL_ADD, U.stopfd, &ev);
	for (int i = 0; i < rt->npools; i++) {
		const struct m_pool *mp = rt->pools[i].conf;
		if (!rt_lvs_udp_ok(mp))
			continue;
		int fd = bind_vs(mp);
		if (fd < 0) {
			char a[80];
			vrrp_log("IPVS: cannot bind UDP %s for VS %s: %s",
			         m_addr_str(&mp->service->binds->addr, a, sizeof(a)), mp->name,
			         strerror(errno));
			continue;
		}
		struct uvs *vs = &U.vs[U.nvs++];
		*vs = (struct uvs){.kind = EP_VS, .fd = fd, .p = &rt->pools[i]};
		struct epoll_event e = {.events = EPOLLIN, .data.ptr = vs};
		epoll_ctl(U.ep, EPOLL_CTL_ADD, fd, &e);
	}
	U.on = pthread_create(&U.th, NULL, udp_thread, NULL) == 0;
}

void rt_lvs_udp_stop(struct rt *rt)
{
	(void)rt;
	if (U.on) {
		uint64_t one = 1;
		(void)!write(U.stopfd, &one, sizeof(one));
		pthread_join(U.th, NULL);
		U.on = false;
	}
	for (int b = 0; b < FLOW_BUCKETS; b++)
		while (U.tab[b]) {
			struct uflow *f = U.tab[b];
			U.tab[b] = f->next;
			flow_free(f);
		}
	for (int i = 0; i < U.nvs; i++)
		close(U.vs[i].fd);
	free(U.vs);
	U.vs = NULL;
	U.nvs = 0;
	if (U.ep >= 0)
		close(U.ep);
	if (U.stopfd >= 0)
		close(U.stopfd);
	U.ep = U.stopfd = -1;
}
