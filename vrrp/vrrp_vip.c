/* vrrp_vip.c - a master's addresses and their announcements, as keepalived 2.2.7 makes them.
 *
 * VIPs and E-VIPs (virtual_ipaddress_excluded) through rtnetlink, IPv6 ones with nodad;
 * gratuitous ARPs (IPv4) and unsolicited neighbour adverts (IPv6) on the interface each VIP
 * is on (the vmac with use_vmac): garp_master_repeat at the transition and again after
 * garp_master_delay, garp_master_refresh_repeat every garp_master_refresh, and
 * garp_lower_prio_repeat when a lower priority is heard. Log lines are keepalived's.
 */
#include "vrrp_int.h"

#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>

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

/* One gratuitous ARP (IPv4) or unsolicited neighbour advert (IPv6) for v, on the interface
 * the VIP is on; `first` adds keepalived's per-address line. */
static void garp_one(struct vrrp_inst *in, const struct m_vip *v, bool first)
{
	struct vrrp_if vi = in->xi;
	int idx = vrrp_vip_ifindex(in, v), fam = v->addr.ss.ss_family;
	if (idx != in->xi.index) {
		char name[IF_NAMESIZE];
		if (!if_indextoname((unsigned)idx, name))
			return;
		vrrp_if_get(name, &vi, AF_INET); /* only its index and MAC are needed */
		if (!vi.index)
			return;
	}
	char b[INET6_ADDRSTRLEN];
	inet_ntop(fam, vrrp_vip_addr(v), b, sizeof(b));
	if (fam == AF_INET6) {
		if (first)
			vrrp_log("(%s) Sending/queueing Unsolicited Neighbour Adverts on %s for %s",
			         in->conf->name, vi.name, b);
		vrrp_log("Sending unsolicited Neighbour Advert on %s for %s", vi.name, b);
		vrrp_na_send(in->d->na_fd, &vi, vrrp_vip_addr(v));
	} else if (fam == AF_INET) {
		if (first)
			vrrp_log("(%s) Sending/queueing gratuitous ARPs on %s for %s",
			         in->conf->name, vi.name, b);
		vrrp_log("Sending gratuitous ARP on %s for %s", vi.name, b);
		uint32_t a;
		memcpy(&a, vrrp_vip_addr(v), 4);
		vrrp_garp_send(in->d->garp_fd, &vi, a);
	}
}

/* `rep` rounds over every VIP and E-VIP, keepalived's order: the first round says what it
 * queues, address by address. */
static void garp_rounds(struct vrrp_inst *in, int rep)
{
	for (int k = 0; k < rep; k++)
		for (const struct m_vip *v = in->conf->vips; v; v = v->next)
			garp_one(in, v, k == 0);
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
	garp_burst(in);
	m_ms delay = garp_delay(in);
	m_ms refresh =
	    pick(in->conf->garp_master_refresh, in->d->cfg->ka.vrrp_garp_master_refresh, 0);
	vrrp_garp_stop(in);
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
}
