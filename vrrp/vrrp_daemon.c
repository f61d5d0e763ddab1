/* vrrp_daemon.c - VRRP instances on a libev loop, as keepalived's VRRP process runs them.
 *
 * Each instance embeds its state machine, its socket watcher and its timers; it turns
 * received packets into vrrp_fsm_rx() after the receive checks, arms one timer on the
 * machine's deadline, and does the side effects of state changes: VIPs through rtnetlink,
 * gratuitous ARP bursts (garp_master_repeat now and again after garp_master_delay), notify
 * scripts. Log lines use keepalived 2.2.7's wording so existing log watchers keep working.
 */
#include "vrrp_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/wait.h>

/* ---------------------------------------------------------------- logging */

static struct vrrp_daemon_opts log_opts;

void vrrp_log_init(const struct vrrp_daemon_opts *o)
{
	log_opts = *o;
	if (!o->no_syslog)
		openlog("Keepalived_vrrp", LOG_PID, o->log_facility ? o->log_facility : LOG_DAEMON);
}

void vrrp_log(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!log_opts.no_syslog)
		syslog(LOG_INFO, "%s", msg);
	if (log_opts.log_console) {
		char ts[64];
		time_t t = time(NULL);
		struct tm tm;
		strftime(ts, sizeof(ts), "%a %b %e %H:%M:%S %Y", localtime_r(&t, &tm));
		fprintf(stderr, "%s: %s\n", ts, msg);
		fflush(stderr);
	}
}

/* ---------------------------------------------------------------- clock and timers */

int64_t vrrp_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void vrrp_arm(struct vrrp_inst *in)
{
	ev_timer_stop(in->d->loop, &in->tm);
	if (in->fsm.deadline == INT64_MAX)
		return;
	int64_t dt = in->fsm.deadline - vrrp_now_ms();
	ev_timer_set(&in->tm, dt > 0 ? (double)dt / 1000.0 : 0.0, 0.0);
	ev_timer_start(in->d->loop, &in->tm);
}

/* ---------------------------------------------------------------- state machine glue */

/* Adverts go out on the vmac (source MAC 00:00:5e:00:01:VRID, RFC 5798 7.3) unless
 * vmac_xmit_base keeps them on the base interface. */
static const struct vrrp_if *tx_if(const struct vrrp_inst *in)
{
	return in->conf->vmac_xmit_base == 1 ? &in->vi : &in->xi;
}

/* RFC 5798 5.1.2: from the link-local address (or unicast_src_ip) to ff02::12 or to each
 * IPv6 unicast peer. */
static void send6(struct vrrp_inst *in, struct vrrp_adv *a)
{
	const struct m_vrrp_instance *c = in->conf;
	const uint8_t *src = in->fsm.primary6;
	uint8_t msg[VRRP_PKT_MAX];
	a->family = AF_INET6;
	a->addrs = in->vip6[0];
	if (!c->nunicast_peers) {
		const uint8_t *dst = in->d->mcast6;
		int n = vrrp_pkt_build6(msg, sizeof(msg), a, src, dst);
		if (n > 0)
			vrrp_sock_send6(in->fd, tx_if(in), msg, (size_t)n, dst, src);
		return;
	}
	for (int i = 0; i < c->nunicast_peers; i++) {
		const struct sockaddr_in6 *p = (const void *)&c->unicast_peers[i].ss;
		if (p->sin6_family != AF_INET6)
			continue;
		const uint8_t *dst = p->sin6_addr.s6_addr;
		int n = vrrp_pkt_build6(msg, sizeof(msg), a, src, dst);
		if (n > 0)
			vrrp_sock_send6(in->fd, tx_if(in), msg, (size_t)n, dst, src);
	}
}

static void fsm_send(struct vrrp_fsm *f, uint8_t prio)
{
	struct vrrp_inst *in = f->owner;
	const struct m_vrrp_instance *c = in->conf;
	struct vrrp_adv a = { .version = f->version, .vrid = f->vrid, .priority = prio,
			      .naddr = (uint8_t)in->nvip, .auth_type = in->expect.auth_type,
			      .interval_cs = (uint16_t)(f->adver_ms / 10),
			      .addrs = (const uint8_t *)in->vip };
	memcpy(a.auth, in->expect.auth, VRRP_AUTH_LEN);
	uint8_t msg[VRRP_PKT_MAX];
	if (in->family == AF_INET6) {
		send6(in, &a);
	} else if (c->nunicast_peers) {
		for (int i = 0; i < c->nunicast_peers; i++) {
			const struct sockaddr_in *p = (const void *)&c->unicast_peers[i].ss;
			if (p->sin_family != AF_INET)
				continue;
			int n = vrrp_pkt_build(msg, sizeof(msg), &a, f->primary,
					       p->sin_addr.s_addr);
			if (n > 0)
				vrrp_sock_send(in->fd, tx_if(in), msg, (size_t)n, p->sin_addr.s_addr,
					       f->primary);
		}
	} else {
		uint32_t dst = in->d->mcast4;
		int n = vrrp_pkt_build(msg, sizeof(msg), &a, f->primary, dst);
		if (n > 0)
			vrrp_sock_send(in->fd, tx_if(in), msg, (size_t)n, dst, f->primary);
	}
	in->stats.adverts_sent++;
	if (!prio)
		in->stats.pri_zero_sent++;
}

static void fsm_state(struct vrrp_fsm *f, enum vrrp_state from, enum vrrp_state to)
{
	struct vrrp_inst *in = f->owner;
	in->init_fault = false;
	clock_gettime(CLOCK_REALTIME, &in->last_transition);
	if (to == VRRP_MASTER) {
		in->stats.became_master++;
		vrrp_vips_set(in, true);
		vrrp_garp_master(in);
	} else if (from == VRRP_MASTER) {
		in->stats.released_master++;
		vrrp_garp_stop(in);
		if (to != VRRP_STOP || !in->d->o.dont_release)
			vrrp_vips_set(in, false);
	}
	/* keepalived tells a sync group's BACKUP at start before its members' */
	if (from == VRRP_INIT && in->group && !in->group->init_told) {
		in->group->init_told = true;
		vrrp_notify_group(in->group, to);
	}
	if (to != VRRP_INIT)
		vrrp_notify(in, to);
	vrrp_sync_state(in, from, to);
}

static void fsm_log(struct vrrp_fsm *f, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vrrp_log("(%s) %s", f->name, msg);
}

static const struct vrrp_fsm_ops fsm_ops = { fsm_send, fsm_state, fsm_log };

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct vrrp_inst *in = container_of(w, struct vrrp_inst, tm);
	vrrp_fsm_timer(&in->fsm, vrrp_now_ms());
	vrrp_arm(in);
}

/* keepalived's log line for a refused advert. */
static void log_refused(struct vrrp_inst *in, const struct vrrp_adv *a, enum vrrp_err e)
{
	const char *n = in->conf->name;
	const struct vrrp_expect *x = &in->expect;
	switch (e) {
	case VRRP_E_TTL:
		vrrp_log("(%s) invalid TTL/HL. Received %u and expect %u", n, a->ttl, VRRP_TTL);
		break;
	case VRRP_E_VERSION:
		vrrp_log("(%s) wrong version. Received %u and expect %u", n, a->version, x->version);
		break;
	case VRRP_E_AUTHTYPE:
		vrrp_log("(%s) received a %u auth, expecting %u!", n, a->auth_type, x->auth_type);
		break;
	case VRRP_E_AUTH: vrrp_log("(%s) received an invalid passwd!", n); break;
	case VRRP_E_ADDRCOUNT:
		vrrp_log("(%s) received an invalid ip number count %u, expected %u!", n, a->naddr,
			 x->naddr);
		break;
	case VRRP_E_ADDRLIST:
		vrrp_log("(%s) ip address associated with VRID %u not present in MASTER advert", n,
			 x->vrid);
		break;
	case VRRP_E_INTERVAL:
		vrrp_log("(%s) advertisement interval mismatch mine=%u sec rcv'd=%u sec", n,
			 x->interval_cs / 100, a->interval_cs / 100);
		break;
	default: vrrp_log("(%s) %s - discarding advert", n, vrrp_err_str(e)); break;
	}
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	struct vrrp_inst *in = container_of(w, struct vrrp_inst, io);
	uint8_t buf[VRRP_PKT_MAX + 64];
	bool v6 = in->family == AF_INET6;
	for (;;) {
		uint8_t src[16], dst[16];
		int hl;
		ssize_t n = v6 ? vrrp_sock_recv6(in->fd, buf, sizeof(buf), src, dst, &hl)
			       : recv(in->fd, buf, sizeof(buf), 0);
		if (n < 0)
			break;
		struct vrrp_adv a;
		enum vrrp_err e;
		int r = v6 ? vrrp_pkt_parse6(buf, (size_t)n, src, dst, hl, &a, &e)
			   : vrrp_pkt_parse(buf, (size_t)n, &a, &e);
		if (r < 0) {
			vrrp_stats_count(&in->stats, e);
			if (log_opts.log_detail)
				vrrp_log("(%s) %s - discarding packet", in->conf->name,
					 vrrp_err_str(e));
			continue;
		}
		/* Our own adverts (unicast peers or looped) and other routers' VRIDs: not ours */
		if (a.vrid != in->expect.vrid ||
		    (v6 ? !memcmp(a.saddr6, in->fsm.primary6, 16) : a.saddr == in->fsm.primary))
			continue;
		e = vrrp_pkt_check(&a, &in->expect);
		if (e != VRRP_OK) {
			vrrp_stats_count(&in->stats, e);
			log_refused(in, &a, e);
			continue;
		}
		in->stats.adverts_rcvd++;
		in->master_prio = a.priority;
		if (!a.priority)
			in->stats.pri_zero_rcvd++;
		bool lower = in->fsm.state == VRRP_MASTER && a.priority &&
			     a.priority < in->fsm.priority;
		vrrp_fsm_rx(&in->fsm, vrrp_now_ms(), &a);
		if (lower && in->fsm.state == VRRP_MASTER)
			vrrp_garp_lower(in);
		vrrp_arm(in);
	}
}

/* ---------------------------------------------------------------- instances */

/* keepalived: the first VIP gives the instance its family (addresses of the other family
 * were refused while parsing); without VIPs, the unicast peers or native_ipv6 do. */
static int inst_family(const struct m_vrrp_instance *c)
{
	for (const struct m_vip *v = c->vips; v; v = v->next)
		if (!v->excluded)
			return v->addr.ss.ss_family == AF_INET6 ? AF_INET6 : AF_INET;
	if (c->nunicast_peers)
		return c->unicast_peers[0].ss.ss_family == AF_INET6 ? AF_INET6 : AF_INET;
	return c->native_ipv6 == 1 ? AF_INET6 : AF_INET;
}

/* VRRPv2 has no IPv6: an IPv6 instance runs v3 whatever `version` says, as keepalived. */
static int inst_version(const struct vrrp_daemon *d, const struct m_vrrp_instance *c)
{
	if (inst_family(c) == AF_INET6)
		return 3;
	return c->version != M_UNSET ? c->version
	       : d->cfg->ka.vrrp_version != M_UNSET ? d->cfg->ka.vrrp_version : 2;
}

/* Fills what depends on the configuration only: kept across reloads. */
static void inst_configure(struct vrrp_inst *in, const struct m_vrrp_instance *c)
{
	struct vrrp_daemon *d = in->d;
	in->conf = c;
	int ver = inst_version(d, c);
	struct vrrp_fsm *f = &in->fsm;
	f->name = c->name;
	f->version = (uint8_t)ver;
	f->vrid = (uint8_t)c->vrid;
	/* keepalived: an initial MASTER without a priority is the address owner (255) */
	f->priority = (uint8_t)(c->priority_bad ? 100 : c->priority != M_UNSET ? c->priority
				: c->state == VRRP_STATE_MASTER ? 255 : 100);
	f->adver_ms = c->advert_int != M_UNSET ? c->advert_int : 1000;
	if (ver == 2 && f->adver_ms < 1000)
		f->adver_ms = 1000;
	f->preempt = c->nopreempt != 1;
	f->preempt_delay_ms = c->preempt_delay != M_UNSET ? c->preempt_delay : 0;
	/* the source of adverts, which is also the address that breaks priority ties */
	f->family = (uint8_t)in->family;
	f->primary = in->vi.primary;
	memcpy(f->primary6, in->vi.ll6, 16);
	const struct sockaddr_storage *src = c->unicast_src.ss.ss_family ? &c->unicast_src.ss
					     : c->mcast_src.ss.ss_family ? &c->mcast_src.ss : NULL;
	if (src && src->ss_family == AF_INET && in->family == AF_INET)
		f->primary = ((const struct sockaddr_in *)src)->sin_addr.s_addr;
	else if (src && src->ss_family == AF_INET6 && in->family == AF_INET6)
		memcpy(f->primary6, &((const struct sockaddr_in6 *)src)->sin6_addr, 16);
	in->nvip = 0;
	for (const struct m_vip *v = c->vips; v && in->nvip < VRRP_MAX_ADDRS; v = v->next) {
		if (v->excluded || v->addr.ss.ss_family != in->family)
			continue;
		if (in->family == AF_INET6)
			memcpy(in->vip6[in->nvip++], vrrp_vip_addr(v), 16);
		else
			memcpy(&in->vip[in->nvip++], vrrp_vip_addr(v), 4);
	}
	struct vrrp_expect *x = &in->expect;
	memset(x, 0, sizeof(*x));
	x->version = f->version;
	x->vrid = f->vrid;
	bool strict = d->cfg->ka.vrrp_strict == 1 || c->strict == 1;
	if (ver == 2 && !strict && c->auth_type && !strcmp(c->auth_type, "PASS")) {
		x->auth_type = VRRP_AUTH_PASS;
		/* The auth field is 8 bytes, zero-padded, not NUL-terminated (RFC 2338 5.3.10);
		 * x was zeroed above. */
		if (c->auth_pass) {
			size_t n = strlen(c->auth_pass);
			memcpy(x->auth, c->auth_pass, n < VRRP_AUTH_LEN ? n : VRRP_AUTH_LEN);
		}
	}
	/* keepalived: a master that does not accept packets to its VIPs drops them with a
	 * firewall rule; strict mode refuses `accept` with VRRPv2 */
	in->drop_rule = (strict && !(ver == 3 && c->accept == 1)) || c->accept == 0;
	x->interval_cs = (uint16_t)(f->adver_ms / 10);
	x->check_ttl = c->nunicast_peers == 0;
	x->skip_addr_check = c->skip_check_adv_addr == 1 ||
			     (c->skip_check_adv_addr == M_UNSET && d->cfg->ka.vrrp_skip_check_adv_addr == 1);
	x->naddr = (uint8_t)in->nvip;
	x->family = (uint8_t)in->family;
	x->addrs = in->family == AF_INET6 ? (const void *)in->vip6 : (const void *)in->vip;
}

/* The group an instance joins: none with unicast peers. */
static const void *inst_group(const struct vrrp_inst *in)
{
	if (in->conf->nunicast_peers)
		return NULL;
	return in->family == AF_INET6 ? (const void *)in->d->mcast6 : (const void *)&in->d->mcast4;
}

/* vrrp_mcast_group4/6 of d->cfg, else the RFC's groups (the parser kept only valid ones).
 * Returns whether they changed. */
static bool groups_set(struct vrrp_daemon *d)
{
	uint32_t g4 = htonl(VRRP_MCAST_V4);
	uint8_t g6[16];
	const struct m_ka_global *k = &d->cfg->ka;
	if (!k->vrrp_mcast_group4 || inet_pton(AF_INET, k->vrrp_mcast_group4, &g4) != 1)
		g4 = htonl(VRRP_MCAST_V4);
	if (!k->vrrp_mcast_group6 || inet_pton(AF_INET6, k->vrrp_mcast_group6, g6) != 1)
		inet_pton(AF_INET6, VRRP_MCAST_V6, g6);
	bool changed = g4 != d->mcast4 || memcmp(g6, d->mcast6, 16);
	d->mcast4 = g4;
	memcpy(d->mcast6, g6, 16);
	return changed;
}

/* A reload that changed the groups: each kept instance leaves the old group by closing its
 * socket and joins the new one. */
static void inst_reopen(struct vrrp_inst *in)
{
	ev_io_stop(in->d->loop, &in->io);
	close(in->fd);
	in->fd = vrrp_sock_open(tx_if(in), in->family, inst_group(in));
	if (in->fd < 0) {
		vrrp_log("(%s) cannot open VRRP socket on %s: %s", in->conf->name, in->vi.name,
		         strerror(errno));
		return;
	}
	ev_io_set(&in->io, in->fd, EV_READ);
	ev_io_start(in->d->loop, &in->io);
}

/* use_vmac: keepalived's default name is vrrp.VRID. */
static void vmac_open(struct vrrp_inst *in)
{
	const struct m_vrrp_instance *c = in->conf;
	bool v6 = in->family == AF_INET6;
	char name[IF_NAMESIZE];
	if (c->vmac_name)
		snprintf(name, sizeof(name), "%s", c->vmac_name);
	else
		snprintf(name, sizeof(name), "vrrp.%d", c->vrid);
	const uint8_t mac[6] = { 0x00, 0x00, 0x5e, 0x00, v6 ? 0x02 : 0x01, (uint8_t)c->vrid };
	int idx = vrrp_vmac_add(in->d->nl, name, in->vi.index, in->vi.name, mac);
	if (idx < 0) {
		vrrp_log("(%s): Failed to create VMAC interface %s: %s", c->name, name,
			 strerror(-idx));
		return;
	}
	vrrp_log("(%s): Success creating VMAC interface %s", c->name, name);
	/* adverts leave the vmac from the base's link-local address, which the vmac carries */
	int r = v6 ? vrrp_vmac_ll6(in->d->nl, idx, in->vi.ll6) : 0;
	if (r < 0)
		vrrp_log("(%s) cannot add the link-local address to %s: %s", c->name, name,
			 strerror(-r));
	snprintf(in->xi.name, sizeof(in->xi.name), "%s", name);
	in->xi.index = idx;
	memcpy(in->xi.mac, mac, 6);
	in->vmac = true;
}

static struct vrrp_inst *inst_new(struct vrrp_daemon *d, const struct m_vrrp_instance *c)
{
	struct vrrp_inst *in = calloc(1, sizeof(*in));
	if (!in)
		return NULL;
	in->d = d;
	in->fd = -1;
	in->conf = c;
	const char *ifn = c->interface ? c->interface : d->cfg->ka.default_interface;
	in->family = inst_family(c);
	if (!ifn || vrrp_if_get(ifn, &in->vi, in->family) < 0) {
		vrrp_log("(%s) Unknown interface!", c->name);
		free(in);
		return NULL;
	}
	if (in->family == AF_INET6)
		for (const struct m_vip *v = c->vips; v; v = v->next)
			if (!v->excluded) {
				if (!IN6_IS_ADDR_LINKLOCAL((const struct in6_addr *)vrrp_vip_addr(v)))
					vrrp_log("(%s) the first IPv6 VIP address should be link "
						 "local", c->name);
				break;
			}
	in->xi = in->vi;
	if (c->use_vmac == 1)
		vmac_open(in);
	in->fd = vrrp_sock_open(tx_if(in), in->family, inst_group(in));
	if (in->fd < 0) {
		vrrp_log("(%s) cannot open VRRP socket on %s: %s", c->name, ifn, strerror(errno));
		if (in->vmac)
			vrrp_vmac_del(d->nl, in->xi.index);
		free(in);
		return NULL;
	}
	inst_configure(in, c);
	in->fsm.ops = &fsm_ops;
	in->fsm.owner = in;
	ev_io_init(&in->io, io_cb, in->fd, EV_READ);
	ev_init(&in->tm, timer_cb);
	vrrp_garp_init(in);
	return in;
}

/* Whether only scripts that have not reported yet hold in (or its group) in FAULT. */
static bool fault_pending(const struct vrrp_inst *in)
{
	if (!in->group)
		return in->pending;
	bool pending = true;
	for (int i = 0; i < in->group->nmembers; i++)
		pending &= !in->group->members[i]->own_fault || in->group->members[i]->pending;
	return pending;
}

static void inst_start(struct vrrp_inst *in)
{
	in->started = true;
	clock_gettime(CLOCK_REALTIME, &in->last_transition);
	bool fault = vrrp_sync_fault(in), pending = fault && fault_pending(in);
	/* keepalived clears VIPs a previous run may have left before entering BACKUP */
	vrrp_vips_set(in, false);
	ev_io_start(in->d->loop, &in->io);
	if (fault) {
		/* keepalived: a faulty instance starts in FAULT; when only scripts that have not
		 * reported yet hold it there, it says nothing until the first result. */
		in->fsm.state = VRRP_FAULT;
		in->fsm.deadline = INT64_MAX;
		in->fsm.preempt_at = 0;
		in->init_fault = true;
		if (!pending)
			vrrp_track_update(in);
	} else {
		vrrp_fsm_start(&in->fsm, vrrp_now_ms());
	}
	vrrp_arm(in);
}

static void inst_free(struct vrrp_inst *in)
{
	struct ev_loop *loop = in->d->loop;
	if (in->fsm.state != VRRP_STOP)
		vrrp_fsm_stop(&in->fsm, vrrp_now_ms());
	ev_io_stop(loop, &in->io);
	ev_timer_stop(loop, &in->tm);
	vrrp_garp_stop(in);
	if (in->fd >= 0)
		close(in->fd);
	if (in->vmac)
		vrrp_vmac_del(in->d->nl, in->xi.index);
	free(in);
}

/* Scripts, sync groups, tracked objects and the firewall table for d->insts and d->cfg. */
static void tracking_start(struct vrrp_daemon *d)
{
	vrrp_script_setup(d);
	vrrp_fifo_setup(d);
	vrrp_sync_setup(d);
	if (vrrp_track_setup(d) < 0)
		vrrp_log("Unable to start the script checker: %s", strerror(errno));
	/* keepalived says which new instances start in FAULT before any of them starts */
	for (struct vrrp_inst *in = d->insts; in; in = in->next)
		if (!in->started && vrrp_sync_fault(in) && !fault_pending(in))
			vrrp_log("(%s) entering FAULT state", in->conf->name);
	vrrp_fw_init(d);
}

struct vrrp_daemon *vrrp_daemon_new(struct ev_loop *loop, struct m_config *cfg,
				    const struct vrrp_daemon_opts *o)
{
	struct vrrp_daemon *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->loop = loop;
	d->cfg = cfg;
	d->o = *o;
	d->garp_fd = d->na_fd = -1;
	d->fifo[0].fd = d->fifo[1].fd = -1;
	d->ino_fd = -1;
	groups_set(d);
	d->nl = vrrp_nl_open();
	d->garp_fd = vrrp_garp_open();
	d->na_fd = vrrp_na_open();
	if (!d->nl || d->garp_fd < 0 || d->na_fd < 0) {
		vrrp_log("Unable to open netlink/packet sockets: %s", strerror(errno));
		vrrp_daemon_free(d);
		return NULL;
	}
	struct vrrp_inst **tail = &d->insts;
	for (const struct m_vrrp_instance *c = cfg->vrrp; c; c = c->next) {
		struct vrrp_inst *in = inst_new(d, c);
		if (!in)
			continue;
		*tail = in;
		tail = &in->next;
	}
	tracking_start(d);
	for (struct vrrp_inst *in = d->insts; in; in = in->next)
		inst_start(in);
	return d;
}

static const struct m_vip *find_vip(const struct m_vip *list, const struct m_vip *v)
{
	size_t alen = v->addr.ss.ss_family == AF_INET6 ? 16 : 4;
	for (; list; list = list->next)
		if (list->addr.ss.ss_family == v->addr.ss.ss_family &&
		    !memcmp(vrrp_vip_addr(list), vrrp_vip_addr(v), alen) && list->prefix == v->prefix)
			return list;
	return NULL;
}

/* A reload keeps an instance when its name, interface and VRID stay: its state carries
 * over; as master it drops the VIPs that went and adds those that came. */
static struct vrrp_inst *take_kept(struct vrrp_daemon *d, const struct m_vrrp_instance *c)
{
	for (struct vrrp_inst **pp = &d->insts; *pp; pp = &(*pp)->next) {
		struct vrrp_inst *in = *pp;
		const struct m_vrrp_instance *o = in->conf;
		if (strcmp(o->name, c->name) || o->vrid != c->vrid || in->family != inst_family(c) ||
		    strcmp(o->interface ? o->interface : "", c->interface ? c->interface : ""))
			continue;
		*pp = in->next;
		in->next = NULL;
		return in;
	}
	return NULL;
}

struct m_config *vrrp_daemon_reload(struct vrrp_daemon *d, struct m_config *cfg)
{
	struct m_config *old = d->cfg;
	struct vrrp_inst *list = NULL, **tail = &list;
	vrrp_track_release(d);
	vrrp_sync_free(d);
	d->cfg = cfg;
	bool regroup = groups_set(d);
	for (const struct m_vrrp_instance *c = cfg->vrrp; c; c = c->next) {
		struct vrrp_inst *in = take_kept(d, c);
		if (in && in->vips_set) {
			for (const struct m_vip *v = in->conf->vips; v; v = v->next)
				if (!find_vip(c->vips, v))
					vrrp_vip_one(in, v, false);
			vrrp_log("(%s) setting VIPs.", c->name);
			vrrp_vips_apply(in, c->vips, true, false);
			if (vrrp_has_evips(c->vips)) {
				vrrp_log("(%s) setting E-VIPs.", c->name);
				vrrp_vips_apply(in, c->vips, true, true);
			}
		}
		if (in) {
			bool was_mcast = !in->conf->nunicast_peers;
			inst_configure(in, c);
			if (regroup || was_mcast != !c->nunicast_peers)
				inst_reopen(in);
		} else if (!(in = inst_new(d, c)))
			continue;
		*tail = in;
		tail = &in->next;
	}
	/* What is left was removed from the configuration; its model is still `old`. */
	while (d->insts) {
		struct vrrp_inst *in = d->insts;
		d->insts = in->next;
		inst_free(in);
	}
	d->insts = list;
	tracking_start(d);
	for (struct vrrp_inst *in = list; in; in = in->next)
		if (!in->started)
			inst_start(in);
		else if (!in->pending)
			vrrp_track_update(in); /* scripts that restart keep the state until they report */
	return old;
}

void vrrp_daemon_free(struct vrrp_daemon *d)
{
	if (!d)
		return;
	/* Stop every instance first (priority 0, VIPs, notify_stop), then the groups. */
	for (struct vrrp_inst *in = d->insts; in; in = in->next)
		if (in->started && in->fsm.state != VRRP_STOP)
			vrrp_fsm_stop(&in->fsm, vrrp_now_ms());
	for (struct vrrp_group *g = d->groups; g; g = g->next)
		vrrp_notify_group(g, VRRP_STOP);
	vrrp_track_free(d);
	vrrp_sync_free(d);
	vrrp_fw_fini(d);
	vrrp_fifo_close(d);
	while (d->insts) {
		struct vrrp_inst *in = d->insts;
		d->insts = in->next;
		inst_free(in);
	}
	if (d->nl)
		mnl_socket_close(d->nl);
	if (d->garp_fd >= 0)
		close(d->garp_fd);
	if (d->na_fd >= 0)
		close(d->na_fd);
	free(d->pace);
	free(d);
}
