/* ka_check.c - keepalived's checks after parsing, as `keepalived -t` reports them.
 *
 * keepalived runs its VRRP and checker processes on the parsed configuration; each completes
 * and checks its part. The VRRP part stops at "Non-existent interface specified in
 * configuration" (nothing after it is checked, not even script security); the checker part
 * fills LVS defaults and checks scripts. Host facts (interfaces, scripts) are only looked at
 * when the options ask for host checks.
 */
#include "ka_bind.h"

#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

bool ka_if_exists(const char *name, bool *loopback)
{
	*loopback = false;
	if (!name || !*name || strlen(name) >= IFNAMSIZ || !if_nametoindex(name))
		return false;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		struct ifreq ifr;
		memset(&ifr, 0, sizeof(ifr));
		memcpy(ifr.ifr_name, name, strlen(name));
		if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0)
			*loopback = (ifr.ifr_flags & IFF_LOOPBACK) != 0;
		close(fd);
	}
	return true;
}

/* Whether the command's program exists and is executable (PATH searched as execvp does).
 * keepalived neither runs nor disables a command that starts with a redirection
 * (`</dev/tcp/host/port`): script_unchecked() says so. */
static bool script_unchecked(const char *cmd)
{
	return cmd && (*cmd == '<' || *cmd == '>');
}

static bool script_usable(const char *cmd)
{
	if (!cmd || script_unchecked(cmd))
		return false;
	char prog[4096];
	size_t n = strcspn(cmd, " \t");
	if (n == 0 || n >= sizeof(prog))
		return false;
	memcpy(prog, cmd, n);
	prog[n] = 0;
	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	char buf[8192];
	for (const char *p = path; *p;) {
		size_t l = strcspn(p, ":");
		if (l && l + n + 2 < sizeof(buf)) {
			memcpy(buf, p, l);
			buf[l] = '/';
			memcpy(buf + l + 1, prog, n + 1);
			struct stat sb;
			if (stat(buf, &sb) == 0 && S_ISREG(sb.st_mode) && access(buf, X_OK) == 0)
				return true;
		}
		p += l;
		if (*p == ':')
			p++;
	}
	return false;
}

static const struct m_origin no_line;

static bool in_sync_group(const struct m_config *cfg, const char *name)
{
	for (const struct m_sync_group *g = cfg->sync_groups; g; g = g->next)
		for (int i = 0; i < g->nmembers; i++)
			if (!strcmp(g->members[i], name))
				return true;
	return false;
}

static const struct m_vrrp_script *find_script(const struct m_config *cfg, const char *name)
{
	for (const struct m_vrrp_script *s = cfg->vrrp_scripts; s; s = s->next)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

/* nopreempt and preempt_delay against the initial state: keepalived drops the option. */
static void check_preempt(struct ka_bctx *b, struct m_vrrp_instance *v, int prio)
{
	if (v->nopreempt == 1 && prio == 255) {
		ka_err(b, no_line, 0, "(%s) nopreempt is incompatible with priority 255. resetting "
				      "nopreempt", v->name);
		v->nopreempt = 0;
	}
	if (v->nopreempt == 1 && v->state == VRRP_STATE_MASTER) {
		ka_err(b, no_line, 0, "(%s) Warning - nopreempt will not work with initial state "
				      "MASTER - clearing", v->name);
		v->nopreempt = 0;
	}
	if (v->preempt_delay == M_UNSET)
		return;
	if (v->nopreempt == 1)
		ka_err(b, no_line, 0, "(%s) preempt_delay is incompatible with nopreempt mode - "
				      "resetting", v->name);
	else if (v->state == VRRP_STATE_MASTER)
		ka_err(b, no_line, 0, "(%s) Warning - preempt delay will not work with initial "
				      "state MASTER - clearing", v->name);
	else
		return;
	v->preempt_delay = M_UNSET;
}

static bool has_vip(const struct m_vrrp_instance *v)
{
	for (const struct m_vip *a = v->vips; a; a = a->next)
		if (!a->excluded)
			return true;
	return false;
}

/* What keepalived checks of every instance before anything else: the first instance without
 * a virtual_router_id (or, with host checks, an interface) stops the VRRP checks. */
static bool check_instances_usable(struct ka_bctx *b)
{
	for (const struct m_vrrp_instance *v = b->cfg->vrrp; v; v = v->next) {
		if (v->vrid == M_UNSET) {
			ka_err(b, no_line, 0, "(%s) the virtual router id must be set", v->name);
			return false;
		}
		if (!v->interface && b->o->check_host) {
			ka_err(b, no_line, 0, "(%s) Unknown interface!", v->name);
			return false;
		}
	}
	return true;
}

/* One instance's consistency checks, in keepalived's order; fixes the model as it does.
 * Returns false when keepalived stops checking (a VRRPv3 or strict instance without VIP). */
static bool check_instance(struct ka_bctx *b, struct m_vrrp_instance *v)
{
	struct m_config *cfg = b->cfg;
	bool strict = cfg->ka.vrrp_strict == 1 || v->strict == 1;
	int version = v->version != M_UNSET ? v->version
		      : cfg->ka.vrrp_version != M_UNSET ? cfg->ka.vrrp_version : 2;
	/* an initial MASTER without a priority is the address owner */
	int prio = v->priority != M_UNSET ? v->priority
		   : v->state == VRRP_STATE_MASTER ? 255 : 100;
	bool vip = has_vip(v);
	if (!vip && (strict || version == 3)) {
		ka_err(b, no_line, 0, "(%s) No VIP specified; at least one is required", v->name);
		return false;
	}
	/* keepalived says it twice, before and after the preemption checks */
	if (!vip)
		ka_err(b, no_line, 0, "(%s) No VIP specified; at least one is sensible", v->name);
	if (strict && v->state == VRRP_STATE_MASTER && prio != 255) {
		ka_err(b, no_line, 0, "(%s) State MASTER must match being address owner", v->name);
		v->state = VRRP_STATE_BACKUP;
	}
	if (v->auth_type && strict) {
		ka_err(b, no_line, 0, "(%s) Strict mode does not support authentication. Ignoring.",
		       v->name);
		v->auth_type = v->auth_pass = NULL;
	}
	if (v->auth_type && version == 3) {
		ka_err(b, no_line, 0, "(%s) VRRP version 3 does not support authentication. "
				      "Ignoring.", v->name);
		v->auth_type = v->auth_pass = NULL;
	}
	if (v->auth_type && !strcmp(v->auth_type, "AH") && v->state == VRRP_STATE_MASTER &&
	    prio != 255) {
		ka_err(b, no_line, 0, "(%s) Initial state master is incompatible with AH "
				      "authentication - clearing", v->name);
		v->state = VRRP_STATE_BACKUP;
	}
	check_preempt(b, v, prio);
	if (!vip) { /* the second time is keepalived's output only, not a lint finding */
		char text[300];
		snprintf(text, sizeof(text), "(%s) No VIP specified; at least one is sensible",
			 v->name);
		diag_add(b->dl, no_line, DIAG_NONE, DIAG_ERROR, DIAG_FATAL, text, NULL);
	}
	if (in_sync_group(cfg, v->name))
		for (struct m_track *t = v->track_scripts; t; t = t->next) {
			const struct m_vrrp_script *s = find_script(cfg, t->name);
			if (t->weight_set ? t->weight : (s && s->weight != M_UNSET ? s->weight : 0))
				ka_err(b, no_line, 0, "(%s) ignoring tracked script %s with weights "
						    "due to SYNC group", v->name, t->name);
		}
	if (in_sync_group(cfg, v->name))
		for (struct m_track *t = v->track_files; t; t = t->next) {
			const struct m_track_file *f = cfg->track_files;
			while (f && strcmp(f->name, t->name))
				f = f->next;
			int w = t->weight_set ? t->weight : f ? f->weight : 0;
			if (w)
				ka_err(b, no_line, 0, "(%s) ignoring tracked file %s with weight %d due "
						    "to SYNC group", v->name, t->name, w);
		}
	return true;
}

static bool notify_usable(const struct m_vrrp_instance *v)
{
	return script_usable(v->notify) || script_usable(v->notify_master) ||
	       script_usable(v->notify_backup) || script_usable(v->notify_fault) ||
	       script_usable(v->notify_stop);
}

static bool instance_exists(const struct m_config *cfg, const char *name)
{
	for (const struct m_vrrp_instance *v = cfg->vrrp; v; v = v->next)
		if (!strcmp(v->name, name))
			return true;
	return false;
}

/* Members are taken group by group, as keepalived links them: an instance already in a
 * group (this one or an earlier one) or one that does not exist is dropped from the group,
 * each with keepalived's line. */
static void link_sync_groups(struct ka_bctx *b)
{
	struct m_config *cfg = b->cfg;
	for (struct m_sync_group *g = cfg->sync_groups; g; g = g->next) {
		int kept = 0;
		for (int i = 0; i < g->nmembers; i++) {
			const char *m = g->members[i];
			bool taken = false;
			for (const struct m_sync_group *h = cfg->sync_groups; h != g->next && !taken;
			     h = h->next)
				for (int k = 0; k < (h == g ? kept : h->nmembers) && !taken; k++)
					taken = !strcmp(h->members[k], m);
			if (taken)
				ka_err(b, no_line, 0, "Virtual router %s cannot exist in more than one sync "
						      "group; ignoring %s", m, g->name);
			else if (!instance_exists(cfg, m))
				ka_err(b, no_line, 0, "Virtual router %s specified in sync group %s doesn't "
						      "exist - ignoring", m, g->name);
			else
				g->members[kept++] = g->members[i];
		}
		g->nmembers = kept;
	}
}

/* vrrp_scripts that cannot run are disabled and dropped from the instances tracking them.
 * Returns whether scripts (tracking or notify) will be run. */
static bool disable_scripts(struct ka_bctx *b)
{
	struct m_config *cfg = b->cfg;
	bool scripts = false;
	struct m_vrrp_script **pp = &cfg->vrrp_scripts;
	while (*pp) {
		struct m_vrrp_script *s = *pp;
		if (b->o->check_host && script_unchecked(s->script)) {
			pp = &s->next;
			continue;
		}
		if (b->o->check_host && !script_usable(s->script)) {
			ka_err(b, no_line, 0, "Disabling track script %s since not found/accessible",
			       s->name);
			*pp = s->next;
			continue;
		}
		scripts = true;
		pp = &s->next;
	}
	for (struct m_vrrp_instance *v = cfg->vrrp; v; v = v->next) {
		struct m_track **tp = &v->track_scripts;
		while (*tp)
			if (!find_script(cfg, (*tp)->name))
				*tp = (*tp)->next;
			else
				tp = &(*tp)->next;
		if (b->o->check_host && notify_usable(v))
			scripts = true;
	}
	return scripts;
}

/* In keepalived's order: scripts and their security, then what every instance needs, sync
 * groups, and each instance's own checks. */
static void check_vrrp(struct ka_bctx *b)
{
	struct m_config *cfg = b->cfg;
	b->proc = KA_VRRP;
	if (b->o->check_host && b->S->bad_interface) {
		ka_err(b, no_line, 0, "Non-existent interface specified in configuration");
		return;
	}
	if (disable_scripts(b) && b->o->check_host && cfg->ka.enable_script_security != 1)
		ka_err(b, no_line, DIAG_SECURITY, "SECURITY VIOLATION - scripts are being executed "
						  "but script_security not enabled.");
	if (!check_instances_usable(b))
		return;
	link_sync_groups(b);
	for (const struct m_sync_group *g = cfg->sync_groups; g; g = g->next)
		if (g->nmembers == 0)
			ka_err(b, no_line, 0, "Sync group %s has no virtual router(s). removing",
			       g->name);
		else if (g->nmembers == 1)
			ka_err(b, no_line, 0, "Sync group %s has only %d virtual router(s) - this "
					      "probably isn't what you want", g->name, g->nmembers);
	for (struct m_vrrp_instance *v = cfg->vrrp; v; v = v->next)
		if (!check_instance(b, v))
			return;
}

/* A virtual_server_group that exists and has entries, or NULL. */
static const struct m_vs_group *vs_group_usable(const struct m_config *cfg, const char *name)
{
	for (const struct m_vs_group *g = cfg->vs_groups; g; g = g->next)
		if (!strcmp(g->name, name))
			return g->nentries > 0 ? g : NULL;
	return NULL;
}

/* A virtual server of a group listens on each of the group's address members: its service
 * gets a copy of their binds (a group may serve several virtual servers). */
static void vs_group_binds(struct ka_bctx *b, struct m_pool *p, const struct m_vs_group *g)
{
	struct m_bind **tail = &p->service->binds;
	*tail = NULL;
	for (const struct m_bind *m = g->members; m; m = m->next) {
		struct m_bind *bd = arena_alloc(b->cfg->arena, sizeof(*bd));
		*bd = *m;
		bd->next = NULL;
		*tail = bd;
		tail = &bd->next;
	}
	if (!p->service->binds) /* fwmark members only: an address-less bind, as before */
		p->service->binds = arena_alloc(b->cfg->arena, sizeof(struct m_bind));
}

static void check_lvs(struct ka_bctx *b)
{
	struct m_config *cfg = b->cfg;
	b->proc = KA_CHECKER;
	bool scripts = false;
	for (struct m_pool *p = cfg->pools; p; p = p->next) {
		struct m_lvs *l = p->lvs;
		if (!l)
			continue;
		char name[300];
		const struct m_vs_group *grp = l->group ? vs_group_usable(cfg, l->group) : NULL;
		if (l->group && !grp)
			continue; /* keepalived drops it without a word */
		if (grp)
			vs_group_binds(b, p, grp);
		if (l->group)
			snprintf(name, sizeof(name), "[%s]:0", l->group);
		else if (l->fwmark != M_UNSET)
			snprintf(name, sizeof(name), "FWM %d", l->fwmark);
		else {
			char ip[INET6_ADDRSTRLEN + 2] = "";
			const struct m_addr *a = &p->service->binds->addr;
			snprintf(ip, sizeof(ip), "%s", a->text ? a->text : "");
			ip[strcspn(ip, " ")] = 0;
			if (!l->protocol) {
				ka_err(b, no_line, 0, "Virtual server [%s]:none:%u: no protocol set - "
						      "defaulting to UDP", ip, a->port_lo);
				l->protocol = "UDP";
			}
			snprintf(name, sizeof(name), "[%s]:%s:%u", ip,
				 !strcmp(l->protocol, "UDP") ? "udp"
				 : !strcmp(l->protocol, "SCTP") ? "sctp" : "tcp", a->port_lo);
		}
		if (l->fwmark != M_UNSET && l->protocol_set)
			ka_err(b, no_line, 0, "Warning: Virtual server %s: protocol specified for "
					      "fwmark - protocol will be ignored", name);
		if (!l->lb_algo_set) {
			ka_err(b, no_line, 0, "Virtual server %s: no scheduler set, setting default "
					      "'wlc'", name);
			p->balance.algo = ALGO_LVS_WLC;
		}
		if (!l->lb_kind_set) {
			ka_err(b, no_line, 0, "Virtual server %s: no forwarding method set, setting "
					      "default NAT", name);
			l->lb_kind = "NAT";
		}
		/* quorum (default 1) against the real servers' weights, then hysteresis; keepalived
		 * keeps them unsigned, so a quorum of 0 makes hysteresis 4294967295 */
		unsigned long total = 0, quorum = l->quorum == M_UNSET ? 1 : (unsigned long)l->quorum;
		unsigned long hyst = l->hysteresis == M_UNSET ? 0 : (unsigned long)l->hysteresis;
		for (const struct m_server *s = p->servers; s; s = s->next)
			total += s->weight == M_UNSET ? 1 : (unsigned long)s->weight;
		if (quorum > total) {
			ka_err(b, no_line, 0, "Warning - quorum %lu for %s exceeds total weight of real "
					      "servers %lu, reducing quorum to %lu", quorum, name, total,
			       total);
			quorum = total;
			l->quorum = (int)total;
		}
		if (hyst >= quorum) {
			unsigned h = (unsigned)quorum - 1u;
			ka_err(b, no_line, 0, "Virtual server %s: hysteresis %lu >= quorum %lu; setting "
					      "hysteresis to %u", name, hyst, quorum, h);
			l->hysteresis = quorum ? (int)h : 0;
		}
		for (struct m_server *s = p->servers; s; s = s->next)
			for (struct m_check *c = s->checks; c; c = c->next)
				if (c->probe && c->probe->kind == PROBE_SCRIPT && b->o->check_host &&
				    script_usable(c->probe->script))
					scripts = true;
	}
	if (scripts && cfg->ka.enable_script_security != 1)
		ka_err(b, no_line, DIAG_SECURITY, "SECURITY VIOLATION - check scripts are being "
						  "executed but script_security not enabled.");
}

void ka_check(struct ka_bctx *root)
{
	struct ka_bctx b = *root;
	if (b.S->vrrp_seen || b.cfg->vrrp_scripts)
		check_vrrp(&b);
	b = *root;
	if (b.S->vs_seen)
		check_lvs(&b);
}
