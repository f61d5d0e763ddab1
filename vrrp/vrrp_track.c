/* vrrp_track.c - what moves an instance's priority or puts it in FAULT, as keepalived 2.2.7.
 *
 * track_script: every vrrp_script an instance (or its sync group) tracks runs once through
 * the check engine (chk_add_script) on the daemon's loop, whatever the number of trackers.
 * track_interface and the instance's own interface: link state from rtnetlink link events
 * (up = IFF_UP and IFF_RUNNING, keepalived's rule), and the primary address from address
 * events. An unweighted object that is down puts the instance in FAULT; a weighted one moves
 * the priority (vrrp_track_weight). A script that has not reported yet holds its unweighted
 * trackers in FAULT silently, as keepalived does: they enter BACKUP on its first success.
 */
#include "vrrp_int.h"
#include "checks/checks.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/ioctl.h>

int vrrp_track_weight(int weight, bool reverse, bool ok)
{
	int w = reverse ? -weight : weight;
	if (weight > 0)
		return ok ? w : 0;
	return ok ? 0 : w;
}

int vrrp_track_prio(int base, int delta)
{
	if (base >= 255)
		return 255;
	int p = base + delta;
	return p < 1 ? 1 : p > 254 ? 254 : p;
}

/* ---------------------------------------------------------------- watched interfaces */

struct vrrp_watch {
	char name[IFNAMSIZ];
	bool up;
};

static struct vrrp_watch *watches;
static int nwatches;

static bool link_up_now(const char *name)
{
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool up = fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 &&
		  (ifr.ifr_flags & (IFF_UP | IFF_RUNNING)) == (IFF_UP | IFF_RUNNING);
	if (fd >= 0)
		close(fd);
	return up;
}

static struct vrrp_watch *watch_find(const char *name)
{
	for (int i = 0; i < nwatches; i++)
		if (!strcmp(watches[i].name, name))
			return &watches[i];
	return NULL;
}

static void watch_add(const char *name)
{
	if (!name || watch_find(name))
		return;
	struct vrrp_watch *w = realloc(watches, (size_t)(nwatches + 1) * sizeof(*w));
	if (!w)
		return;
	watches = w;
	w = &watches[nwatches++];
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->up = link_up_now(name);
}

static bool watch_up(const char *name)
{
	const struct vrrp_watch *w = watch_find(name);
	return w && w->up;
}

/* ---------------------------------------------------------------- scripts */

static void script_cb(struct chk_item *it, const struct chk_state *st, bool changed, void *owner)
{
	(void)it;
	(void)changed;
	struct vrrp_tscript *ts = owner;
	const char *n = ts->conf.name;
	if (st->code >= 0 && st->code != ts->last_rc) {
		vrrp_log("Script `%s` now returning %d", n, st->code);
		ts->last_rc = st->code;
	}
	int res = st->up ? VRRP_SCR_OK : VRRP_SCR_FAIL;
	if ((int)ts->result == res)
		return;
	ts->result = res;
	if (res == VRRP_SCR_OK)
		vrrp_log("VRRP_Script(%s) succeeded", n);
	else if (st->status == CHK_ST_PROCTOUT)
		vrrp_log("VRRP_Script(%s) timed_out", n);
	else if (st->code >= 0)
		vrrp_log("VRRP_Script(%s) failed (exited with status %d)", n, st->code);
	else
		vrrp_log("VRRP_Script(%s) failed (%s)", n, st->desc);
	for (struct vrrp_inst *in = ts->d->insts; in; in = in->next)
		for (int i = 0; i < in->ntrefs; i++)
			if (in->trefs[i].s == ts) {
				vrrp_track_update(in);
				break;
			}
}

static struct vrrp_tscript *script_get(struct vrrp_daemon *d, const char *name)
{
	for (struct vrrp_tscript *ts = d->scripts; ts; ts = ts->next)
		if (!strcmp(ts->conf.name, name))
			return ts;
	const struct m_vrrp_script *vs = d->cfg->vrrp_scripts;
	while (vs && strcmp(vs->name, name))
		vs = vs->next;
	if (!vs || !vs->script)
		return NULL;
	struct vrrp_tscript *ts = calloc(1, sizeof(*ts));
	if (!ts)
		return NULL;
	ts->conf = *vs;
	if (!ts->conf.user)
		ts->conf.user = (char *)d->script_user;
	ts->d = d;
	ts->result = vs->init_fail == 1 ? VRRP_SCR_FAIL : VRRP_SCR_INIT;
	if (vrrp_script_unsafe(d, vs->script, ts->conf.user)) {
		vrrp_log("Unsafe permissions found for script '%s' - disabling.", vs->script);
		free(ts);
		return NULL;
	}
	ts->it = chk_add_script(d->chk, &ts->conf, script_cb, ts);
	if (!ts->it) {
		free(ts);
		return NULL;
	}
	ts->next = d->scripts;
	d->scripts = ts;
	return ts;
}

/* ---------------------------------------------------------------- per instance */

static bool tref_add(struct vrrp_inst *in, struct vrrp_tref r)
{
	struct vrrp_tref *v = realloc(in->trefs, (size_t)(in->ntrefs + 1) * sizeof(*v));
	if (!v)
		return false;
	in->trefs = v;
	v[in->ntrefs++] = r;
	return true;
}

/* track_file lines of an instance or (group true) of its sync group. keepalived ignores an
 * instance's weighted ones in a sync group; the group's own apply with their weights. */
static void trefs_files(struct vrrp_daemon *d, struct vrrp_inst *in, const struct m_track *t,
                        bool group)
{
	for (; t; t = t->next) {
		struct vrrp_tfile *tf = vrrp_tfile_get(d, t->name);
		if (!tf)
			continue;
		struct vrrp_tref r = {.f = tf,
		                      .weight = t->weight_set ? t->weight : tf->conf->weight,
		                      .reverse =
		                          t->weight_set ? t->reverse == 1 : tf->conf->reverse};
		if (r.weight && in->group && !group)
			continue; /* "ignoring tracked file ... with weight ... due to SYNC group"
			           */
		int64_t res = (int64_t)tf->value * r.weight * (r.reverse ? -1 : 1);
		if ((!r.weight && tf->value) || (r.weight && res < -253))
			vrrp_log("(%s): entering FAULT state (tracked file %s has status %i)",
			         in->conf->name, t->name, -254);
		tref_add(in, r);
	}
}

/* vrrp_track_process lines: keepalived keeps their weights inside a sync group too. */
static void trefs_procs(struct vrrp_inst *in, const struct m_track *t)
{
	for (; t; t = t->next) {
		struct vrrp_tproc *tp = vrrp_tproc_get(in->d, t->name);
		if (!tp)
			continue;
		struct vrrp_tref r = {.p = tp,
		                      .weight = t->weight_set ? t->weight : tp->conf->weight,
		                      .reverse =
		                          t->weight_set ? t->reverse == 1 : tp->conf->reverse};
		tref_add(in, r);
	}
}

static void trefs_ifs(struct vrrp_inst *in, const struct m_track *t)
{
	for (; t; t = t->next) {
		struct vrrp_tref r = {.weight = t->weight_set ? t->weight : 0,
		                      .reverse = t->reverse == 1};
		snprintf(r.ifname, sizeof(r.ifname), "%s", t->name);
		watch_add(r.ifname);
		tref_add(in, r);
	}
}

static void inst_trefs(struct vrrp_daemon *d, struct vrrp_inst *in)
{
	const struct m_vrrp_instance *c = in->conf;
	for (const struct m_track *t = c->track_scripts; t; t = t->next) {
		struct vrrp_tscript *ts = script_get(d, t->name);
		if (!ts)
			continue;
		/* weight_reverse is set exactly when the script's `weight` was given */
		int w = t->weight_set ? t->weight : ts->conf.weight_reverse != M_UNSET ? ts->conf.weight : 0;
		bool rev = t->weight_set ? t->reverse == 1 : ts->conf.weight_reverse == 1;
		if (w && in->group)
			continue; /* "ignoring tracked script ... with weights due to SYNC group" */
		tref_add(in, (struct vrrp_tref){ .s = ts, .weight = w, .reverse = rev });
	}
	if (in->group)
		for (const struct m_track *t = in->group->conf->track_scripts; t; t = t->next) {
			struct vrrp_tscript *ts = script_get(d, t->name);
			if (ts)
				tref_add(in, (struct vrrp_tref){ .s = ts });
		}
	trefs_files(d, in, c->track_files, false);
	trefs_procs(in, c->track_processes);
	trefs_ifs(in, c->track_interfaces);
	if (in->group) {
		const struct m_sync_group *g = in->group->conf;
		trefs_files(d, in, g->track_files, true);
		trefs_procs(in, g->track_processes);
		trefs_ifs(in, g->track_interfaces);
	}
	watch_add(in->vi.name);
	in->if_up = watch_up(in->vi.name);
	in->if_addr = true;
	in->base_prio = in->fsm.priority;
}

/* Own fault and priority from the tracked objects. *init: a fault comes only from scripts
 * that have not reported yet. */
static bool compute(struct vrrp_inst *in, int *prio, bool *init)
{
	bool fault = false, real = false;
	int delta = 0;
	if (in->conf->dont_track_primary != 1 && (!watch_up(in->vi.name) || !in->if_addr))
		fault = real = true;
	for (int i = 0; i < in->ntrefs; i++) {
		struct vrrp_tref *r = &in->trefs[i];
		if (r->f) {
			if (vrrp_tfile_eval(r, &delta))
				fault = real = true;
			continue;
		}
		bool ok = r->s ? r->s->result != VRRP_SCR_FAIL : r->p ? r->p->up : watch_up(r->ifname);
		bool pending = r->s && r->s->result == VRRP_SCR_INIT;
		/* a process with `weight 0 reverse`: FAULT while its quorum is up */
		bool bad = r->p && r->reverse ? ok : !ok || pending;
		if (r->weight)
			delta += vrrp_track_weight(r->weight, r->reverse, ok);
		else if (bad) {
			fault = true;
			real |= !pending;
		}
	}
	*prio = vrrp_track_prio(in->base_prio, delta);
	*init = fault && !real;
	return fault;
}

static void apply_fault(struct vrrp_inst *in)
{
	bool want = vrrp_sync_fault(in), is = in->fsm.state == VRRP_FAULT;
	if (!in->started || in->fsm.state == VRRP_STOP)
		return;
	if (want && is && in->init_fault && !in->pending) {
		/* the first result was a failure: keepalived notifies without "Entering" */
		in->init_fault = false;
		vrrp_notify(in, VRRP_FAULT);
		if (in->group && !in->d->syncing) {
			vrrp_log("VRRP_Group(%s) Syncing instances to FAULT state",
				 in->group->conf->name);
			vrrp_notify_group(in->group, VRRP_FAULT);
		}
		return;
	}
	if (want == is)
		return;
	in->init_fault = false;
	vrrp_fsm_fault(&in->fsm, vrrp_now_ms(), want);
	vrrp_arm(in);
}

void vrrp_track_update(struct vrrp_inst *in)
{
	int prio;
	bool init;
	in->own_fault = compute(in, &prio, &init);
	in->pending = init;
	if (prio != in->fsm.priority) {
		if (in->prio_set_msg)
			vrrp_log("(%s) Setting effective priority to %d", in->conf->name, prio);
		else
			vrrp_log("(%s) Changing effective priority from %d to %d", in->conf->name,
				 in->fsm.priority, prio);
		in->fsm.priority = (uint8_t)prio;
	}
	apply_fault(in);
	if (in->group)
		for (int i = 0; i < in->group->nmembers; i++)
			if (in->group->members[i] != in)
				apply_fault(in->group->members[i]);
}

/* ---------------------------------------------------------------- rtnetlink events */

static int link_attr(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == IFLA_IFNAME && mnl_attr_validate(a, MNL_TYPE_STRING) >= 0)
		*(const char **)data = mnl_attr_get_str(a);
	return MNL_CB_OK;
}

static void on_link(struct vrrp_daemon *d, const struct nlmsghdr *nlh)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const char *name = NULL;
	mnl_attr_parse(nlh, sizeof(*ifi), link_attr, &name);
	struct vrrp_watch *w = name ? watch_find(name) : NULL;
	if (!w)
		return;
	bool up = nlh->nlmsg_type == RTM_NEWLINK &&
		  (ifi->ifi_flags & (IFF_UP | IFF_RUNNING)) == (IFF_UP | IFF_RUNNING);
	if (up == w->up)
		return;
	w->up = up;
	vrrp_log("Netlink reports %s %s", w->name, up ? "up" : "down");
	for (struct vrrp_inst *in = d->insts; in; in = in->next)
		vrrp_track_update(in);
}

static void on_addr(struct vrrp_daemon *d, const struct nlmsghdr *nlh)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	bool logged = false; /* one line per interface, not per instance */
	for (struct vrrp_inst *in = d->insts; in; in = in->next) {
		if ((int)ifa->ifa_index != in->vi.index || ifa->ifa_family != in->family)
			continue;
		struct vrrp_if vi;
		bool v6 = in->family == AF_INET6;
		bool has = vrrp_if_get(in->vi.name, &vi, in->family) == 0;
		bool same = v6 ? !memcmp(vi.ll6, in->vi.ll6, 16) : vi.primary == in->vi.primary;
		char b[INET6_ADDRSTRLEN];
		if (has == in->if_addr && (!has || same))
			continue;
		const void *a = v6 ? (const void *)(has ? vi.ll6 : in->vi.ll6)
				   : (const void *)(has ? &vi.primary : &in->vi.primary);
		if (!logged)
			vrrp_log(has ? "Assigned address %s for interface %s"
				     : "Deassigned address %s from interface %s",
				 inet_ntop(in->family, a, b, sizeof(b)), in->vi.name);
		/* an explicit source (unicast_src_ip) stays; the interface's own one follows */
		if (has && v6) {
			if (!memcmp(in->fsm.primary6, in->vi.ll6, 16))
				memcpy(in->fsm.primary6, vi.ll6, 16);
			memcpy(in->vi.ll6, vi.ll6, 16);
		} else if (has) {
			if (in->fsm.primary == in->vi.primary)
				in->fsm.primary = vi.primary;
			in->vi.primary = vi.primary;
		}
		logged = true;
		in->if_addr = has;
		vrrp_track_update(in);
	}
}

static int mon_msg(const struct nlmsghdr *nlh, void *data)
{
	struct vrrp_daemon *d = data;
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK: on_link(d, nlh); break;
	case RTM_NEWADDR:
	case RTM_DELADDR: on_addr(d, nlh); break;
	default: break;
	}
	return MNL_CB_OK;
}

static void mon_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	struct vrrp_daemon *d = container_of(w, struct vrrp_daemon, mon_io);
	char buf[MNL_SOCKET_BUFFER_SIZE];
	for (;;) {
		ssize_t n = recv(mnl_socket_get_fd(d->mon), buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0)
			break;
		mnl_cb_run(buf, (size_t)n, 0, 0, mon_msg, d);
	}
}

static void mon_open(struct vrrp_daemon *d)
{
	d->mon = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (d->mon && mnl_socket_bind(d->mon, RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
				      MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(d->mon);
		d->mon = NULL;
	}
	if (!d->mon) {
		vrrp_log("Unable to open netlink monitor: %s", strerror(errno));
		return;
	}
	ev_io_init(&d->mon_io, mon_cb, mnl_socket_get_fd(d->mon), EV_READ);
	ev_io_start(d->loop, &d->mon_io);
}

/* ---------------------------------------------------------------- setup */

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* A reload keeps a script that is configured the same (its result and rise/fall counts go
 * on), pointing it at the new model; others are stopped. */
static void scripts_keep(struct vrrp_daemon *d)
{
	struct vrrp_tscript **pp = &d->scripts;
	while (*pp) {
		struct vrrp_tscript *ts = *pp;
		const struct m_vrrp_script *vs = d->cfg->vrrp_scripts;
		while (vs && strcmp(vs->name, ts->conf.name))
			vs = vs->next;
		const char *user = vs && vs->user ? vs->user : d->script_user;
		if (vs && same_str(vs->script, ts->conf.script) && vs->interval == ts->conf.interval &&
		    vs->timeout == ts->conf.timeout && vs->rise == ts->conf.rise &&
		    vs->fall == ts->conf.fall && same_str(user, ts->conf.user) &&
		    same_str(vs->group, ts->conf.group) &&
		    !vrrp_script_unsafe(d, vs->script, user)) {
			ts->conf = *vs;
			ts->conf.user = (char *)user;
			pp = &ts->next;
			continue;
		}
		chk_remove(ts->it);
		*pp = ts->next;
		free(ts);
	}
}

int vrrp_track_setup(struct vrrp_daemon *d)
{
	if (d->chk)
		scripts_keep(d);
	else
		d->chk = chk_engine_new(d->loop);
	if (!d->chk)
		return -1;
	for (struct vrrp_inst *in = d->insts; in; in = in->next)
		inst_trefs(d, in);
	vrrp_tfile_start(d);
	mon_open(d);
	for (struct vrrp_inst *in = d->insts; in; in = in->next) {
		int prio;
		bool init;
		in->own_fault = compute(in, &prio, &init);
		in->pending = init;
		if (!in->started && prio != in->fsm.priority)
			vrrp_log("(%s) Changing effective priority from %d to %d", in->conf->name,
				 in->fsm.priority, prio);
		in->fsm.priority = (uint8_t)prio;
	}
	return 0;
}

void vrrp_track_release(struct vrrp_daemon *d)
{
	if (d->mon) {
		ev_io_stop(d->loop, &d->mon_io);
		mnl_socket_close(d->mon);
		d->mon = NULL;
	}
	vrrp_tfile_free(d);
	for (struct vrrp_inst *in = d->insts; in; in = in->next) {
		free(in->trefs);
		in->trefs = NULL;
		in->ntrefs = 0;
	}
	free(watches);
	watches = NULL;
	nwatches = 0;
}

void vrrp_track_free(struct vrrp_daemon *d)
{
	vrrp_track_release(d);
	chk_engine_free(d->chk); /* cancels every script */
	d->chk = NULL;
	while (d->scripts) {
		struct vrrp_tscript *ts = d->scripts;
		d->scripts = ts->next;
		free(ts);
	}
}
