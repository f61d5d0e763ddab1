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

static const char *ip4(uint32_t a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
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

/* ---------------------------------------------------------------- side effects */

static int vip_ifindex(struct vrrp_inst *in, const struct m_vip *v)
{
	int idx = v->dev ? (int)if_nametoindex(v->dev) : 0;
	return idx ? idx : in->vi.index;
}

static void vip_one(struct vrrp_inst *in, const struct m_vip *v, bool add)
{
	if (v->addr.ss.ss_family != AF_INET)
		return; /* IPv6 VIPs: not yet */
	uint32_t a = ((const struct sockaddr_in *)&v->addr.ss)->sin_addr.s_addr, brd = 0;
	if (v->brd)
		inet_pton(AF_INET, v->brd, &brd);
	int scope = vrrp_scope_parse(v->scope);
	int r = vrrp_nl_addr(in->d->nl, add, vip_ifindex(in, v), a, v->prefix, v->label, brd,
			     scope < 0 ? 0 : scope);
	if (r < 0 && r != -EEXIST && r != -EADDRNOTAVAIL) {
		char b[INET_ADDRSTRLEN];
		vrrp_log("(%s) Netlink: error: %s (%s %s)", in->conf->name, strerror(-r),
			 add ? "adding" : "deleting", ip4(a, b));
	}
}

static void vips_apply(struct vrrp_inst *in, const struct m_vip *list, bool add)
{
	for (const struct m_vip *v = list; v; v = v->next)
		vip_one(in, v, add);
}

static void garp_burst(struct vrrp_inst *in)
{
	const struct m_vrrp_instance *c = in->conf;
	const struct m_ka_global *g = &in->d->cfg->ka;
	int rep = c->garp_master_repeat != M_UNSET ? c->garp_master_repeat
		  : g->vrrp_garp_master_repeat != M_UNSET ? g->vrrp_garp_master_repeat : 5;
	char b[INET_ADDRSTRLEN];
	for (int i = 0; i < in->nvip; i++) {
		vrrp_log("(%s) Sending/queueing gratuitous ARPs on %s for %s", c->name, in->vi.name,
			 ip4(in->vip[i], b));
		for (int k = 0; k < rep; k++) {
			vrrp_log("Sending gratuitous ARP on %s for %s", in->vi.name, b);
			vrrp_garp_send(in->d->garp_fd, &in->vi, in->vip[i]);
		}
	}
}

static void garp_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct vrrp_inst *in = container_of(w, struct vrrp_inst, garp_tm);
	if (in->fsm.state == VRRP_MASTER)
		garp_burst(in);
}

static void set_vips(struct vrrp_inst *in, bool on)
{
	if (on == in->vips_set && on)
		return;
	/* keepalived's order: the drop rule goes in before the VIPs and out after them */
	if (on)
		vrrp_fw_set(in, true);
	vrrp_log("(%s) %s VIPs.", in->conf->name, on ? "setting" : "removing");
	vips_apply(in, in->conf->vips, on);
	in->vips_set = on;
	if (!on)
		vrrp_fw_set(in, false);
}

/* ---------------------------------------------------------------- state machine glue */

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
	if (c->nunicast_peers) {
		for (int i = 0; i < c->nunicast_peers; i++) {
			const struct sockaddr_in *p = (const void *)&c->unicast_peers[i].ss;
			if (p->sin_family != AF_INET)
				continue;
			int n = vrrp_pkt_build(msg, sizeof(msg), &a, in->vi.primary,
					       p->sin_addr.s_addr);
			if (n > 0)
				vrrp_sock_send(in->fd, &in->vi, msg, (size_t)n, p->sin_addr.s_addr);
		}
	} else {
		uint32_t dst = htonl(VRRP_MCAST_V4);
		int n = vrrp_pkt_build(msg, sizeof(msg), &a, in->vi.primary, dst);
		if (n > 0)
			vrrp_sock_send(in->fd, &in->vi, msg, (size_t)n, dst);
	}
	in->stats.adverts_sent++;
	if (!prio)
		in->stats.pri_zero_sent++;
}

static void fsm_state(struct vrrp_fsm *f, enum vrrp_state from, enum vrrp_state to)
{
	struct vrrp_inst *in = f->owner;
	const struct m_ka_global *g = &in->d->cfg->ka;
	in->init_fault = false;
	clock_gettime(CLOCK_REALTIME, &in->last_transition);
	if (to == VRRP_MASTER) {
		in->stats.became_master++;
		set_vips(in, true);
		garp_burst(in);
		m_ms delay = in->conf->garp_master_delay != M_UNSET ? in->conf->garp_master_delay
			     : g->vrrp_garp_master_delay != M_UNSET ? g->vrrp_garp_master_delay
								    : 5000;
		ev_timer_stop(in->d->loop, &in->garp_tm);
		if (delay > 0) {
			ev_timer_set(&in->garp_tm, (double)delay / 1000.0, 0.0);
			ev_timer_start(in->d->loop, &in->garp_tm);
		}
	} else if (from == VRRP_MASTER) {
		in->stats.released_master++;
		ev_timer_stop(in->d->loop, &in->garp_tm);
		if (to != VRRP_STOP || !in->d->o.dont_release)
			set_vips(in, false);
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
	for (;;) {
		ssize_t n = recv(in->fd, buf, sizeof(buf), 0);
		if (n < 0)
			break;
		struct vrrp_adv a;
		enum vrrp_err e;
		if (vrrp_pkt_parse(buf, (size_t)n, &a, &e) < 0) {
			vrrp_stats_count(&in->stats, e);
			if (log_opts.log_detail)
				vrrp_log("(%s) %s - discarding packet", in->conf->name,
					 vrrp_err_str(e));
			continue;
		}
		/* Our own adverts (unicast peers or looped) and other routers' VRIDs: not ours */
		if (a.saddr == in->vi.primary || a.vrid != in->expect.vrid)
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
		vrrp_fsm_rx(&in->fsm, vrrp_now_ms(), &a);
		vrrp_arm(in);
	}
}

/* ---------------------------------------------------------------- instances */

static int inst_version(const struct vrrp_daemon *d, const struct m_vrrp_instance *c)
{
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
	f->priority = (uint8_t)(c->priority != M_UNSET && !c->priority_bad ? c->priority : 100);
	f->adver_ms = c->advert_int != M_UNSET ? c->advert_int : 1000;
	if (ver == 2 && f->adver_ms < 1000)
		f->adver_ms = 1000;
	f->preempt = c->nopreempt != 1;
	f->preempt_delay_ms = c->preempt_delay != M_UNSET ? c->preempt_delay : 0;
	f->primary = in->vi.primary;
	in->nvip = 0;
	for (const struct m_vip *v = c->vips; v && in->nvip < VRRP_MAX_ADDRS; v = v->next)
		if (v->addr.ss.ss_family == AF_INET)
			in->vip[in->nvip++] = ((const struct sockaddr_in *)&v->addr.ss)->sin_addr.s_addr;
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
	x->addrs = in->vip;
}

static struct vrrp_inst *inst_new(struct vrrp_daemon *d, const struct m_vrrp_instance *c)
{
	struct vrrp_inst *in = calloc(1, sizeof(*in));
	if (!in)
		return NULL;
	in->d = d;
	in->fd = -1;
	const char *ifn = c->interface ? c->interface : d->cfg->ka.default_interface;
	if (!ifn || vrrp_if_get(ifn, &in->vi) < 0) {
		vrrp_log("(%s) Unknown interface!", c->name);
		free(in);
		return NULL;
	}
	in->fd = vrrp_sock_open(&in->vi, c->nunicast_peers == 0);
	if (in->fd < 0) {
		vrrp_log("(%s) cannot open VRRP socket on %s: %s", c->name, ifn, strerror(errno));
		free(in);
		return NULL;
	}
	inst_configure(in, c);
	in->fsm.ops = &fsm_ops;
	in->fsm.owner = in;
	ev_io_init(&in->io, io_cb, in->fd, EV_READ);
	ev_init(&in->tm, timer_cb);
	ev_init(&in->garp_tm, garp_cb);
	return in;
}

static void inst_start(struct vrrp_inst *in)
{
	/* keepalived clears VIPs a previous run may have left before entering BACKUP */
	in->started = true;
	clock_gettime(CLOCK_REALTIME, &in->last_transition);
	set_vips(in, false);
	ev_io_start(in->d->loop, &in->io);
	if (vrrp_sync_fault(in)) {
		/* keepalived: a faulty instance starts in FAULT; when only scripts that have not
		 * reported yet hold it there, it says nothing until the first result. */
		in->fsm.state = VRRP_FAULT;
		in->fsm.deadline = INT64_MAX;
		in->fsm.preempt_at = 0;
		in->init_fault = true;
		bool pending = true;
		if (in->group)
			for (int i = 0; i < in->group->nmembers; i++)
				pending &= !in->group->members[i]->own_fault ||
					   in->group->members[i]->pending;
		else
			pending = in->pending;
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
	ev_timer_stop(loop, &in->garp_tm);
	if (in->fd >= 0)
		close(in->fd);
	free(in);
}

/* Scripts, sync groups, tracked objects and the firewall table for d->insts and d->cfg. */
static void tracking_start(struct vrrp_daemon *d)
{
	vrrp_script_setup(d);
	vrrp_sync_setup(d);
	if (vrrp_track_setup(d) < 0)
		vrrp_log("Unable to start the script checker: %s", strerror(errno));
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
	d->garp_fd = -1;
	d->nl = vrrp_nl_open();
	d->garp_fd = vrrp_garp_open();
	if (!d->nl || d->garp_fd < 0) {
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
	for (; list; list = list->next)
		if (list->addr.ss.ss_family == v->addr.ss.ss_family &&
		    !memcmp(&((const struct sockaddr_in *)&list->addr.ss)->sin_addr,
			    &((const struct sockaddr_in *)&v->addr.ss)->sin_addr, 4) &&
		    list->prefix == v->prefix)
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
		if (strcmp(o->name, c->name) || o->vrid != c->vrid ||
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
	vrrp_track_free(d);
	vrrp_sync_free(d);
	d->cfg = cfg;
	for (const struct m_vrrp_instance *c = cfg->vrrp; c; c = c->next) {
		struct vrrp_inst *in = take_kept(d, c);
		if (in && in->vips_set) {
			for (const struct m_vip *v = in->conf->vips; v; v = v->next)
				if (!find_vip(c->vips, v))
					vip_one(in, v, false);
			vrrp_log("(%s) setting VIPs.", c->name);
			vips_apply(in, c->vips, true);
		}
		if (in)
			inst_configure(in, c);
		else if (!(in = inst_new(d, c)))
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
	while (d->insts) {
		struct vrrp_inst *in = d->insts;
		d->insts = in->next;
		inst_free(in);
	}
	if (d->nl)
		mnl_socket_close(d->nl);
	if (d->garp_fd >= 0)
		close(d->garp_fd);
	free(d);
}
