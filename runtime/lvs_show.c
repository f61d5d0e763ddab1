/* lvs_show.c - keepalived virtual_servers in `ipvsadm -Ln` layout: the table a keepalived.conf
 * declares (`vipr ipvs FILE`) and the live one of a running checker (weights after the checks,
 * connections), which lvs_sock.c serves to `vipr ipvs`. ipvsadm sorts services and
 * destinations rather than listing them in the kernel's order; so do these printers.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runtime/ipvs.h"
#include "runtime/rt.h"

#define sched_name rt_lvs_sched_name /* ipvs_kernel.c */

static const struct m_bind *binds_of(const struct m_pool *mp)
{
	return mp->service ? mp->service->binds : NULL;
}

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
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&a->ss)->sin6_addr, ip,
		          sizeof(ip));
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

/* b: the service's address (a virtual_server_group has one service per member) */
static void vs_line(FILE *out, const struct m_pool *mp, const struct m_bind *b)
{
	const struct m_lvs *ml = mp->lvs;
	char vs[80] = "?";
	const char *proto = ml->protocol ? ml->protocol : "TCP";
	if (ml->fwmark > 0) {
		snprintf(vs, sizeof(vs), "%d", ml->fwmark);
		proto = "FWM";
	} else if (b) {
		fmt_addr(&b->addr, 0, vs, sizeof(vs));
	}
	fprintf(out, "%s  %s %s", proto, vs,
	        sched_name(mp->balance.algo)); /* ipvsadm: two spaces */
	if (ml->persistence_timeout > 0) {
		fprintf(out, " persistent %lld", (long long)ml->persistence_timeout / 1000);
		if (ml->persistence_granularity)
			fprintf(out, " mask %s", ml->persistence_granularity);
	}
	fputc('\n', out);
}

static void rs_line(FILE *out, const struct m_pool *mp, const struct m_bind *b,
                    const struct m_server *s, int weight, int active, int inactive)
{
	if (s->addr.kind != M_ADDR_INET)
		return;
	char ra[80];
	unsigned port = s->addr.port_lo ? s->addr.port_lo : b ? b->addr.port_lo : vs_port(mp);
	fmt_addr(&s->addr, port, ra, sizeof(ra));
	fprintf(out, "  -> %-28s %-7s %-6d %-10d %-10d\n", ra,
	        fwd_name(s->lvs_method ? s->lvs_method : mp->lvs->lb_kind), weight, active,
	        inactive);
}

/* `ipvsadm -Ln` sorts services and destinations (not the kernel's list order): so do these */
struct pkey {
	int idx;
	const struct m_bind *b; /* the service's address */
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

/* The services of the pools with virtual servers (one per virtual_server, one per member
 * address of a virtual_server_group), in ipvsadm's order; *n of them. Caller frees. */
static struct pkey *sorted_pools(const struct m_pool *const *mps, int npools, int *n)
{
	int cap = 1;
	for (int i = 0; i < npools; i++)
		if (mps[i]->lvs) {
			cap++;
			for (const struct m_bind *b = binds_of(mps[i]); b && mps[i]->lvs->group;
			     b = b->next)
				cap++;
		}
	struct pkey *k = calloc((size_t)cap, sizeof(*k));
	*n = 0;
	for (int i = 0; k && i < npools; i++) {
		const struct m_pool *mp = mps[i];
		if (!mp->lvs)
			continue;
		const struct m_bind *b = binds_of(mp);
		if (mp->lvs->group && (!b || b->addr.kind != M_ADDR_INET))
			continue; /* a group without an address member: nothing served */
		do {
			k[*n].idx = i;
			k[*n].b = b;
			rt_ipvs_svc_at(mp, b, &k[*n].s);
			(*n)++;
		} while (mp->lvs->group && b && (b = b->next));
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
		vs_line(out, mp, pk[i].b);
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
				rs_line(out, mp, pk[i].b, s, s->weight >= 0 ? s->weight : 1, 0, 0);
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
static void live_pool(struct rt_pool *p, const struct m_bind *b, FILE *out)
{
	const struct m_pool *mp = p->conf;
	int n = p->nsrv > 0 ? p->nsrv : 1;
	const struct m_server **ms = calloc((size_t)n, sizeof(*ms));
	struct skey *sk = calloc((size_t)n, sizeof(*sk));
	vs_line(out, mp, b);
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
		if (!rt_lvs_present(p, s))
			continue;
		int w = s->usable ? s->weight : 0;
		any = any || w > 0;
		int cur = atomic_load(&s->cur);
		rs_line(out, mp, b, s->conf, w, udp ? 0 : cur, udp ? cur : 0);
	}
	struct rt_server *sorry = rt_lvs_sorry(p);
	int scur = sorry ? atomic_load(&sorry->cur) : 0;
	if (!any && mp->lvs->sorry_server)
		rs_line(out, mp, b, mp->lvs->sorry_server, 1, udp ? 0 : scur, udp ? scur : 0);
	pthread_mutex_unlock(&p->lock);
	free(ms);
	free(sk);
}

void rt_lvs_live_table(struct rt *rt, FILE *out)
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
		live_pool(&rt->pools[pk[i].idx], pk[i].b, out);
	free(pk);
	free(mps);
}
