/* vrrp_vip.c - a master's addresses and their announcements, as keepalived 2.2.7 makes them.
 *
 * VIPs and E-VIPs (virtual_ipaddress_excluded) through rtnetlink, IPv6 ones with nodad;
 * gratuitous ARPs (IPv4) and unsolicited neighbour adverts (IPv6) on the interface each VIP
 * is on (the vmac with use_vmac): garp_master_repeat at the transition and again after
 * garp_master_delay, garp_master_refresh_repeat every garp_master_refresh, and
 * garp_lower_prio_repeat when a lower priority is heard; vrrp_garp_interval and
 * vrrp_gna_interval space the messages on each interface. Log lines are keepalived's.
 */
#include "vrrp_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <time.h>

const void *vrrp_vip_addr(const struct m_vip *v)
{
	return v->addr.ss.ss_family == AF_INET6
	           ? (const void *)&((const struct sockaddr_in6 *)&v->addr.ss)->sin6_addr
	           : (const void *)&((const struct sockaddr_in *)&v->addr.ss)->sin_addr;
}

int vrrp_vip_ifindex(const struct vrrp_inst *in, const struct m_vip *v)
{
	int idx = v->dev ? (int)if_nametoindex(v->dev) : 0;
	return idx ? idx : in->xi.index;
}

void vrrp_vip_one(struct vrrp_inst *in, const struct m_vip *v, bool add)
{
	int fam = v->addr.ss.ss_family, r;
	if (fam == AF_INET6) {
		r = vrrp_nl_addr6(in->d->nl, add, vrrp_vip_ifindex(in, v), vrrp_vip_addr(v),
		                  v->prefix);
	} else if (fam == AF_INET) {
		uint32_t a = ((const struct sockaddr_in *)&v->addr.ss)->sin_addr.s_addr, brd = 0;
		if (v->brd)
			inet_pton(AF_INET, v->brd, &brd);
		int scope = vrrp_scope_parse(v->scope);
		r = vrrp_nl_addr(in->d->nl, add, vrrp_vip_ifindex(in, v), a, v->prefix, v->label,
		                 brd, scope < 0 ? 0 : scope);
	} else
		return;
	if (r < 0 && r != -EEXIST && r != -EADDRNOTAVAIL) {
		char b[INET6_ADDRSTRLEN];
		vrrp_log("(%s) Netlink: error: %s (%s %s)", in->conf->name, strerror(-r),
		         add ? "adding" : "deleting",
		         inet_ntop(fam, vrrp_vip_addr(v), b, sizeof(b)));
	}
}

/* The VIPs (excluded false) or the E-VIPs of list: keepalived applies them in two passes. */
void vrrp_vips_apply(struct vrrp_inst *in, const struct m_vip *list, bool add, bool excluded)
{
	for (const struct m_vip *v = list; v; v = v->next)
		if (!v->excluded == !excluded)
			vrrp_vip_one(in, v, add);
}

bool vrrp_has_evips(const struct m_vip *list)
{
	for (; list; list = list->next)
		if (list->excluded)
			return true;
	return false;
}

/* The interface with index idx as GARPs need it (index, name, MAC) in *vi. */
static bool garp_if(const struct vrrp_inst *in, int idx, struct vrrp_if *vi)
{
	*vi = in->xi;
	if (idx == in->xi.index)
		return true;
	char name[IF_NAMESIZE];
	if (!if_indextoname((unsigned)idx, name))
		return false;
	vrrp_if_get(name, vi, AF_INET); /* only its index and MAC are needed */
	return vi->index != 0;
}

static void garp_send(struct vrrp_inst *in, const struct vrrp_if *vi, int fam, const void *a)
{
	char b[INET6_ADDRSTRLEN];
	inet_ntop(fam, a, b, sizeof(b));
	if (fam == AF_INET6) {
		vrrp_log("Sending unsolicited Neighbour Advert on %s for %s", vi->name, b);
		vrrp_na_send(in->d->na_fd, vi, a);
	} else {
		vrrp_log("Sending gratuitous ARP on %s for %s", vi->name, b);
		uint32_t a4;
		memcpy(&a4, a, 4);
		vrrp_garp_send(in->d->garp_fd, vi, a4);
	}
}

/* vrrp_garp_interval (IPv4) or vrrp_gna_interval (IPv6) in microseconds, 0: none. */
static int64_t pace_us(const struct vrrp_inst *in, int fam)
{
	int64_t v =
	    fam == AF_INET6 ? in->d->cfg->ka.vrrp_gna_interval : in->d->cfg->ka.vrrp_garp_interval;
	return v > 0 ? v : 0;
}

/* The earliest next send time of fam on ifindex, shared by every instance on it. */
static int64_t *pace_slot(struct vrrp_daemon *d, int ifindex, int fam)
{
	struct vrrp_pace *p = NULL;
	for (int i = 0; i < d->npace && !p; i++)
		if (d->pace[i].ifindex == ifindex)
			p = &d->pace[i];
	if (!p) {
		struct vrrp_pace *n = realloc(d->pace, (size_t)(d->npace + 1) * sizeof(*n));
		if (!n)
			return NULL;
		d->pace = n;
		p = &n[d->npace++];
		*p = (struct vrrp_pace){.ifindex = ifindex};
	}
	return fam == AF_INET6 ? &p->na_us : &p->arp_us;
}

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Sends the queued GARPs / NAs whose interface's turn has come; arms pace_tm for the next.
 * keepalived's interval is between two messages on one interface, whatever their instance. */
static void pace_run(struct vrrp_inst *in)
{
	ev_timer_stop(in->d->loop, &in->pace_tm);
	while (in->garpq_head < in->garpq_len) {
		const struct vrrp_garpq *e = &in->garpq[in->garpq_head];
		int64_t *next = pace_slot(in->d, e->ifindex, e->family), now = now_us();
		if (next && *next > now) {
			ev_timer_set(&in->pace_tm, (double)(*next - now) / 1e6, 0.0);
			ev_timer_start(in->d->loop, &in->pace_tm);
			return;
		}
		struct vrrp_if vi;
		if (garp_if(in, e->ifindex, &vi))
			garp_send(in, &vi, e->family, e->addr);
		if (next)
			*next = now + pace_us(in, e->family);
		in->garpq_head++;
	}
	in->garpq_head = in->garpq_len = 0;
}

static void pace_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	pace_run(container_of(w, struct vrrp_inst, pace_tm));
}

/* Bounds the queue when bursts come faster than the interval lets them out. */
#define GARPQ_MAX 65536

static void garp_queue(struct vrrp_inst *in, int idx, int fam, const void *addr)
{
	if (in->garpq_len == in->garpq_cap && in->garpq_head) {
		in->garpq_len -= in->garpq_head;
		memmove(in->garpq, in->garpq + in->garpq_head,
		        (size_t)in->garpq_len * sizeof(*in->garpq));
		in->garpq_head = 0;
	}
	if (in->garpq_len == in->garpq_cap) {
		if (in->garpq_cap >= GARPQ_MAX)
			return;
		int cap = in->garpq_cap ? in->garpq_cap * 2 : 16;
		struct vrrp_garpq *q = realloc(in->garpq, (size_t)cap * sizeof(*q));
		if (!q)
			return;
		in->garpq = q;
		in->garpq_cap = cap;
	}
	struct vrrp_garpq *e = &in->garpq[in->garpq_len++];
	*e = (struct vrrp_garpq){.family = fam, .ifindex = idx};
	memcpy(e->addr, addr, fam == AF_INET6 ? 16 : 4);
}

/* One gratuitous ARP (IPv4) or unsolicited neighbour advert (IPv6) for v, on the interface
 * the VIP is on, now or, with an interval configured, in its turn; `first` adds keepalived's
 * per-address line. */
static void garp_one(struct vrrp_inst *in, const struct m_vip *v, bool first)
{
	struct vrrp_if vi;
	int idx = vrrp_vip_ifindex(in, v), fam = v->addr.ss.ss_family;
	if ((fam != AF_INET && fam != AF_INET6) || !garp_if(in, idx, &vi))
		return;
	if (first) {
		char b[INET6_ADDRSTRLEN];
		inet_ntop(fam, vrrp_vip_addr(v), b, sizeof(b));
		vrrp_log(fam == AF_INET6 ? "(%s) Sending/queueing Unsolicited Neighbour Adverts on "
		                           "%s for %s"
		                         : "(%s) Sending/queueing gratuitous ARPs on %s for %s",
		         in->conf->name, vi.name, b);
	}
	if (!pace_us(in, fam)) {
		garp_send(in, &vi, fam, vrrp_vip_addr(v));
		return;
	}
	garp_queue(in, idx, fam, vrrp_vip_addr(v));
}

/* `rep` rounds over every VIP and E-VIP, keepalived's order: the first round says what it
 * queues, address by address. */
static void garp_rounds(struct vrrp_inst *in, int rep)
{
	for (int k = 0; k < rep; k++)
		for (const struct m_vip *v = in->conf->vips; v; v = v->next)
			garp_one(in, v, k == 0);
	if (in->garpq_len && !ev_is_active(&in->pace_tm))
		pace_run(in);
}

/* Instance setting, else global_defs, else keepalived's default. */
static int64_t pick(int64_t inst, int64_t glob, int64_t dflt)
{
	return inst != M_UNSET ? inst : glob != M_UNSET ? glob : dflt;
}

/* vrrp_min_garp: one GARP (NA) at the transition and no second burst, unless set. */
static int garp_repeat(const struct vrrp_inst *in)
{
	bool min = in->d->cfg->ka.vrrp_min_garp == 1;
	return (int)pick(in->conf->garp_master_repeat, in->d->cfg->ka.vrrp_garp_master_repeat,
	                 min ? 1 : 5);
}

static m_ms garp_delay(const struct vrrp_inst *in)
{
	bool min = in->d->cfg->ka.vrrp_min_garp == 1;
	return pick(in->conf->garp_master_delay, in->d->cfg->ka.vrrp_garp_master_delay,
	            min ? 0 : 5000);
}

static void garp_burst(struct vrrp_inst *in)
{
	garp_rounds(in, garp_repeat(in));
}

static void garp_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct vrrp_inst *in = container_of(w, struct vrrp_inst, garp_tm);
	if (in->fsm.state == VRRP_MASTER)
		garp_burst(in);
}

/* garp_master_refresh: while MASTER, garp_master_refresh_repeat rounds (default 1) every
 * garp_master_refresh seconds, counted from the transition. */
static void refresh_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct vrrp_inst *in = container_of(w, struct vrrp_inst, refresh_tm);
	if (in->fsm.state == VRRP_MASTER)
		garp_rounds(in, (int)pick(in->conf->garp_master_refresh_repeat,
		                          in->d->cfg->ka.vrrp_garp_master_refresh_repeat, 1));
}

static int lower_repeat(const struct vrrp_inst *in)
{
	return (int)pick(in->conf->garp_lower_prio_repeat,
	                 in->d->cfg->ka.vrrp_garp_lower_prio_repeat, garp_repeat(in));
}

static void lower_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct vrrp_inst *in = container_of(w, struct vrrp_inst, lower_tm);
	if (in->fsm.state == VRRP_MASTER)
		garp_rounds(in, lower_repeat(in));
}

/* keepalived: a master hearing a lower priority may have shared the segment with another
 * master, whose GARPs were the last ones seen: garp_lower_prio_repeat rounds now and again
 * after garp_lower_prio_delay (defaults: the garp_master_* values). */
void vrrp_garp_lower(struct vrrp_inst *in)
{
	vrrp_notify_lower(in);
	garp_rounds(in, lower_repeat(in));
	m_ms delay = pick(in->conf->garp_lower_prio_delay,
	                  in->d->cfg->ka.vrrp_garp_lower_prio_delay, garp_delay(in));
	ev_timer_stop(in->d->loop, &in->lower_tm);
	if (delay > 0) {
		ev_timer_set(&in->lower_tm, (double)delay / 1000.0, 0.0);
		ev_timer_start(in->d->loop, &in->lower_tm);
	}
}

void vrrp_garp_stop(struct vrrp_inst *in)
{
	ev_timer_stop(in->d->loop, &in->garp_tm);
	ev_timer_stop(in->d->loop, &in->refresh_tm);
	ev_timer_stop(in->d->loop, &in->lower_tm);
	ev_timer_stop(in->d->loop, &in->pace_tm);
	free(in->garpq);
	in->garpq = NULL;
	in->garpq_head = in->garpq_len = in->garpq_cap = 0;
}

void vrrp_vips_set(struct vrrp_inst *in, bool on)
{
	if (on == in->vips_set && on)
		return;
	/* keepalived's order: the drop rule goes in before the VIPs and out after them */
	if (on)
		vrrp_fw_set(in, true);
	vrrp_log("(%s) %s VIPs.", in->conf->name, on ? "setting" : "removing");
	vrrp_vips_apply(in, in->conf->vips, on, false);
	if (vrrp_has_evips(in->conf->vips)) {
		vrrp_log("(%s) %s E-VIPs.", in->conf->name, on ? "setting" : "removing");
		vrrp_vips_apply(in, in->conf->vips, on, true);
	}
	in->vips_set = on;
	if (!on)
		vrrp_fw_set(in, false);
}

/* The transition to MASTER: the first burst now, the second after garp_master_delay, the
 * refresh timer. */
void vrrp_garp_master(struct vrrp_inst *in)
{
	vrrp_garp_stop(in);
	garp_burst(in);
	m_ms delay = garp_delay(in);
	m_ms refresh =
	    pick(in->conf->garp_master_refresh, in->d->cfg->ka.vrrp_garp_master_refresh, 0);
	if (delay > 0) {
		ev_timer_set(&in->garp_tm, (double)delay / 1000.0, 0.0);
		ev_timer_start(in->d->loop, &in->garp_tm);
	}
	if (refresh > 0) {
		ev_timer_set(&in->refresh_tm, (double)refresh / 1000.0, (double)refresh / 1000.0);
		ev_timer_start(in->d->loop, &in->refresh_tm);
	}
}

void vrrp_garp_init(struct vrrp_inst *in)
{
	ev_init(&in->garp_tm, garp_cb);
	ev_init(&in->refresh_tm, refresh_cb);
	ev_init(&in->lower_tm, lower_cb);
	ev_init(&in->pace_tm, pace_cb);
}
