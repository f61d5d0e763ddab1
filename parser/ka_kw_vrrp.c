/* ka_kw_vrrp.c - keyword tables of keepalived's VRRP blocks and their handlers.
 *
 * vrrp_script, vrrp_instance (with authentication, virtual_ipaddress, unicast_peer,
 * virtual_routes/rules), vrrp_sync_group, static_ipaddress/routes/rules, garp_group; the
 * track_* lists and the blocks they name are in ka_kw_track.c. Interface existence is checked
 * while binding, as keepalived's VRRP process does, when the options ask for host checks (-t).
 */
#include "ka_bind.h"

#include <pwd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#define A(b) ((b)->cfg->arena)
#define VI(f) offsetof(struct m_vrrp_instance, f)
#define VS(f) offsetof(struct m_vrrp_script, f)
#define SG(f) offsetof(struct m_sync_group, f)

/* ---------------------------------------------------------------- interfaces */

/* Checks an interface named by the config; returns true when it can be used. `what` is
 * keepalived's wording for the owner. */
static bool check_if(struct ka_bctx *b, struct m_origin at, const char *name, const char *what)
{
	bool lo;
	if (!b->o->check_host || ka_if_exists(name, &lo))
		return true;
	ka_err(b, at, 0, "WARNING - interface %s for %s doesn't exist", name, what);
	b->S->bad_interface = true;
	return false;
}

/* ---------------------------------------------------------------- vrrp_script */

static int open_script(struct ka_bctx *c, const struct cfg_stmt *st)
{
	struct m_vrrp_script *s = arena_alloc(A(c), sizeof(*s));
	s->name = arena_strdup(A(c), st->nw > 1 ? st->w[1].s : "");
	s->interval = s->timeout = M_UNSET;
	s->weight = s->rise = s->fall = M_UNSET;
	s->init_fail = s->weight_reverse = M_UNSET;
	s->at = st->at;
	s->end_at = st->at;
	for (const struct cfg_stmt *l = st->child; l; l = l->next)
		s->end_at.line = l->at.line + 1;
	struct m_vrrp_script **pp = &c->cfg->vrrp_scripts;
	while (*pp)
		pp = &(*pp)->next;
	*pp = s;
	c->vs = s;
	c->obj = s;
	return 0;
}

/* A vrrp_script without `script` is dropped when its block closes. */
static void close_script(struct ka_bctx *b)
{
	const struct m_ka_global *g = &b->cfg->ka;
	if (!b->vs->script)
		ka_err(b, b->vs->end_at, 0, "No script set for vrrp_script %s - removing",
		       b->vs->name);
	else if (b->o->check_host && g->enable_script_security == 1 && !g->script_user &&
		 !b->vs->user && !getpwnam("keepalived_script")) {
		/* Scripts then run as keepalived_script, which must exist. */
		if (!b->S->default_user_reported)
			ka_err(b, b->vs->end_at, 0,
			       "Unable to set default user keepalived_script for script");
		b->S->default_user_reported = true;
		ka_err(b, b->vs->end_at, 0, "Unable to set default user for vrrp script %s - "
					    "removing", b->vs->name);
	} else
		return;
	struct m_vrrp_script **pp = &b->cfg->vrrp_scripts;
	while (*pp && *pp != b->vs)
		pp = &(*pp)->next;
	if (*pp)
		*pp = b->vs->next;
}

static int set_script_weight(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw;
	long v;
	if (ka_read_int(b, &st->w[1], -253, 253, &v) < 0)
		return -1;
	b->vs->weight = (int)v;
	b->vs->weight_reverse = st->nw > 2 && !strcmp(st->w[2].s, "reverse");
	return 0;
}

static int set_script_user(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw;
	b->vs->user = arena_strdup(A(b), st->w[1].s);
	if (st->nw > 2)
		b->vs->group = arena_strdup(A(b), st->w[2].s);
	return 0;
}

static const struct ka_kw kw_script[] = {
	{ "script", 1, KA_ANY, 0, ka_set_strs, VS(script), 0, 0, NULL, "command to run" },
	{ "interval", 1, 1, 0, ka_set_time, VS(interval), 0.000001, 0, NULL, "seconds between runs" },
	{ "timeout", 1, 1, 0, ka_set_time, VS(timeout), 0.000001, 0, NULL, "seconds before failure" },
	{ "weight", 1, 2, 0, set_script_weight, 0, 0, 0, NULL, "-253..253 [reverse]" },
	{ "rise", 1, 1, 0, ka_set_int, VS(rise), 1, 2147483647, NULL, "successes to be OK" },
	{ "fall", 1, 1, 0, ka_set_int, VS(fall), 1, 2147483647, NULL, "failures to be KO" },
	{ "user", 1, 2, 0, set_script_user, 0, 0, 0, NULL, "USER [GROUP] to run as" },
	{ "init_fail", 0, 0, 0, ka_set_flag, VS(init_fail), 0, 0, NULL, "start in failed state" },
};
const struct ka_block ka_blk_vrrp_script = { "vrrp_script", kw_script, ARRAY_SIZE(kw_script),
					     KA_VRRP, open_script, close_script, NULL };

/* ---------------------------------------------------------------- vrrp_instance */

static int open_instance(struct ka_bctx *c, const struct cfg_stmt *st)
{
	struct m_vrrp_instance *v = arena_alloc(A(c), sizeof(*v));
	v->name = arena_strdup(A(c), st->nw > 1 ? st->w[1].s : "");
	v->state = VRRP_STATE_UNSET;
	v->vrid = v->priority = v->version = M_UNSET;
	v->advert_int = v->preempt_delay = M_UNSET;
	v->nopreempt = v->use_vmac = v->accept = v->dont_track_primary = v->strict = M_UNSET;
	v->garp_master_delay = v->garp_master_refresh = v->garp_lower_prio_delay = M_UNSET;
	v->garp_master_repeat = v->garp_master_refresh_repeat = M_UNSET;
	v->garp_lower_prio_repeat = v->unicast_ttl = v->kernel_rx_buf_size = M_UNSET;
	v->skip_check_adv_addr = v->check_unicast_src = v->promote_secondaries = M_UNSET;
	v->native_ipv6 = v->lower_prio_no_advert = v->higher_prio_send_advert = M_UNSET;
	v->vmac_xmit_base = M_UNSET;
	v->at = st->at;
	struct m_vrrp_instance **pp = &c->cfg->vrrp;
	while (*pp)
		pp = &(*pp)->next;
	*pp = v;
	c->vi = v;
	c->obj = v;
	c->S->vrrp_seen = true;
	return 0;
}

static int set_state(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw;
	if (!strcmp(st->w[1].s, "MASTER"))
		b->vi->state = VRRP_STATE_MASTER;
	else if (!strcmp(st->w[1].s, "BACKUP"))
		b->vi->state = VRRP_STATE_BACKUP;
	else {
		ka_err(b, st->at, 0, "(%s) unknown state '%s', defaulting to BACKUP", b->vi->name,
		       st->w[1].s);
		return -1;
	}
	return 0;
}

static int set_interface(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw;
	const char *name = st->w[1].s;
	bool lo = false;
	if (b->o->check_host && ka_if_exists(name, &lo) && lo) {
		ka_err(b, st->at, 0, "(%s) cannot use a loopback interface (%s) for vrrp - ignoring",
		       b->vi->name, name);
		return -1;
	}
	char what[300];
	snprintf(what, sizeof(what), "vrrp_instance %s", b->vi->name);
	check_if(b, st->at, name, what);
	b->vi->interface = arena_strdup(A(b), name);
	b->vi->interface_at = st->at;
	return 0;
}

static int set_vrid(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw;
	long v;
	if (ka_read_int(b, &st->w[1], 1, 255, &v) < 0) {
		ka_err(b, st->at, 0, "(%s): VRID '%s' not valid - must be between 1 & 255",
		       b->vi->name, st->w[1].s);
		return -1;
	}
	b->vi->vrid = (int)v;
	return 0;
}

static int set_priority(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw;
	long v;
	if (ka_read_int(b, &st->w[1], 1, 255, &v) < 0) {
		ka_err(b, st->at, 0,
		       "(%s) Priority not valid! must be between 1 & 255. Using default 100",
		       b->vi->name);
		b->vi->priority_bad = 1;
		return -1;
	}
	b->vi->priority = (int)v;
	return 0;
}

static int set_advert(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw;
	double v;
	if (ka_read_dec(b, &st->w[1], 0.01, 255, &v) < 0) {
		ka_err(b, st->at, 0, "(%s) Advert interval (%s) not valid! Must be > 0 - ignoring",
		       b->vi->name, st->w[1].s);
		return -1;
	}
	b->vi->advert_int = (m_ms)(v * 1000 + 0.5);
	return 0;
}

static int set_version(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw;
	long v;
	if (ka_read_int(b, &st->w[1], 2, 3, &v) < 0) {
		ka_err(b, st->at, 0, "(%s): Version must be either 2 or 3", b->vi->name);
		return -1;
	}
	b->vi->version = (int)v;
	return 0;
}

/* garp_* of an instance: keepalived's own wording, not the generic number messages. */
static int set_garp_time(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	double v;
	if (ka_read_dec(b, &st->w[1], 0, 4294.967295, &v) < 0) {
		ka_err(b, st->at, 0, "(%s): %s '%s' invalid - ignoring", b->vi->name, kw->name,
		       st->w[1].s);
		return -1;
	}
	*(m_ms *)((char *)b->obj + kw->off) = (m_ms)(v * 1000 + 0.5);
	return 0;
}

static int set_garp_repeat(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	char *end;
	long v = strtol(st->w[1].s, &end, 10);
	if (!*st->w[1].s || *end || v > 2147483647L) {
		ka_err(b, st->at, 0, "(%s): %s '%s' invalid - ignoring", b->vi->name, kw->name,
		       st->w[1].s);
		return -1;
	}
	if (v < 1) {
		ka_err(b, st->at, 0, "(%s): %s must be greater than 0, setting to 1", b->vi->name,
		       kw->name);
		v = 1;
	}
	*(int *)((char *)b->obj + kw->off) = (int)v;
	return 0;
}

static int set_nopreempt(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw;
	b->vi->nopreempt = strcmp(st->w[0].s, "preempt") != 0;
	return 0;
}

static int set_noaccept(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw, (void)st;
	b->vi->accept = 0;
	return 0;
}

static int set_use_vmac(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw;
	b->vi->use_vmac = 1;
	if (st->nw > 1)
		b->vi->vmac_name = arena_strdup(A(b), st->w[1].s);
	return 0;
}

static int set_lvs_syncd(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw;
	ka_err(b, st->at, 0, "(%s) Specifying lvs_sync_daemon_interface against a vrrp is "
			     "deprecated.", b->vi->name);
	ka_err(b, st->at, 0, "        Please use global lvs_sync_daemon");
	b->vi->lvs_sync_daemon_interface = arena_strdup(A(b), st->w[1].s);
	return 0;
}

/* authentication { auth_type PASS|AH; auth_pass X } */
static int set_auth_type(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw;
	if (strcmp(st->w[1].s, "PASS") && strcmp(st->w[1].s, "AH")) {
		ka_err(b, st->at, 0, "(%s) unknown authentication type '%s'", b->vi->name,
		       st->w[1].s);
		return -1;
	}
	b->vi->auth_type = arena_strdup(A(b), st->w[1].s);
	return 0;
}

static int set_auth_pass(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw;
	if (st->w[1].len > 8)
		ka_err(b, st->at, 0, "Truncating auth_pass to %d characters", 8);
	b->vi->auth_pass = arena_strndup(A(b), st->w[1].s, 8);
	return 0;
}

static const struct ka_kw kw_auth[] = {
	{ "auth_type", 1, 1, 0, set_auth_type, 0, 0, 0, NULL, "PASS or AH" },
	{ "auth_pass", 1, 1, 0, set_auth_pass, 0, 0, 0, NULL, "password, 8 characters at most" },
};
static const struct ka_block blk_auth = { "authentication", kw_auth, ARRAY_SIZE(kw_auth),
					  KA_VRRP, NULL, NULL, NULL };

/* virtual_ipaddress / _excluded / static_ipaddress lines:
 * ADDR[/len] [brd X] [dev IF] [scope S] [label L] [no_track] ... */
static struct m_vip *parse_vip(struct ka_bctx *b, const struct cfg_stmt *l)
{
	char ip[256];
	const char *s = l->w[0].s, *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	struct m_vip *v = arena_alloc(A(b), sizeof(*v));
	v->prefix = -1;
	if (n >= sizeof(ip) || (memcpy(ip, s, n), ip[n] = 0, ka_parse_ip(ip, &v->addr) < 0)) {
		ka_err(b, l->at, 0, "VRRP parsed invalid IP %s. skipping IP...", s);
		return NULL;
	}
	v->addr.text = arena_strdup(A(b), s);
	if (slash) {
		long max = v->addr.ss.ss_family == AF_INET6 ? 128 : 32, len;
		struct cfg_word w = l->w[0];
		w.s = (char *)slash + 1;
		if (ka_read_int(b, &w, 0, max, &len) == 0)
			v->prefix = (int)len;
		else {
			ka_err(b, l->at, 0, "Invalid address prefix len %s for address %s - using %ld",
			       slash + 1, s, max);
			v->prefix = (int)max;
		}
	}
	v->at = l->at;
	for (int i = 1; i < l->nw; i++) {
		const char *k = l->w[i].s, *val = i + 1 < l->nw ? l->w[i + 1].s : NULL;
		char **dst = !strcmp(k, "dev") ? &v->dev : !strcmp(k, "label") ? &v->label
			     : !strcmp(k, "scope") ? &v->scope : !strcmp(k, "brd") ? &v->brd
			     : NULL;
		if (!strcmp(k, "no_track"))
			v->no_track = 1;
		else if (dst && val) {
			*dst = arena_strdup(A(b), val);
			i++;
		} else if (!strcmp(k, "broadcast") || !strcmp(k, "preferred_lft") ||
			   !strcmp(k, "valid_lft") || !strcmp(k, "peer"))
			i++;
	}
	if (v->dev) {
		char what[300];
		snprintf(what, sizeof(what), "ip address %s", ip);
		check_if(b, l->at, v->dev, what);
	}
	return v;
}

static void add_vip(struct ka_bctx *b, const struct cfg_stmt *l, struct m_vip **head, bool excl)
{
	struct m_vip *v = parse_vip(b, l);
	if (!v)
		return;
	v->excluded = excl;
	while (*head)
		head = &(*head)->next;
	*head = v;
}

/* keepalived: the first VIP sets the instance's address family; a VIP of the other family
 * is refused (excluded ones may be of either). */
static void vip_line(struct ka_bctx *b, const struct cfg_stmt *l)
{
	const struct m_vip *first = b->vi->vips;
	while (first && first->excluded)
		first = first->next;
	struct m_addr a;
	char ip[256];
	size_t n = strcspn(l->w[0].s, "/");
	if (first && n < sizeof(ip) && (memcpy(ip, l->w[0].s, n), ip[n] = 0, 1) &&
	    ka_parse_ip(ip, &a) == 0 && a.ss.ss_family != first->addr.ss.ss_family) {
		ka_err(b, l->at, 0, "(%s): address family must match VRRP instance [%s] - ignoring",
		       b->vi->name, l->w[0].s);
		return;
	}
	add_vip(b, l, &b->vi->vips, false);
}
static void vipx_line(struct ka_bctx *b, const struct cfg_stmt *l)
{
	add_vip(b, l, &b->vi->vips, true);
}
static void static_ip_line(struct ka_bctx *b, const struct cfg_stmt *l)
{
	add_vip(b, l, &b->cfg->ka.static_addresses, false);
}

static void peer_line(struct ka_bctx *b, const struct cfg_stmt *l)
{
	struct m_vrrp_instance *v = b->vi;
	struct m_addr a;
	if (ka_parse_ip(l->w[0].s, &a) < 0) {
		ka_err(b, l->at, 0, "Configuration error: VRRP instance[%s] malformed unicast peer "
				    "address[%s]. Skipping...", v->name, l->w[0].s);
		return;
	}
	a.text = arena_strdup(A(b), l->w[0].s);
	struct m_addr *n = arena_alloc(A(b), sizeof(*n) * (size_t)(v->nunicast_peers + 1));
	if (v->nunicast_peers)
		memcpy(n, v->unicast_peers, sizeof(*n) * (size_t)v->nunicast_peers);
	n[v->nunicast_peers++] = a;
	v->unicast_peers = n;
}

/* Routes and rules: kept as words; `dev` checked; keepalived's deprecations reported. */
static struct m_ka_route *add_route(struct ka_bctx *b, const struct cfg_stmt *l,
				    struct m_ka_route **h, bool rule)
{
	struct m_ka_route *r = arena_alloc(A(b), sizeof(*r));
	r->words = arena_alloc(A(b), sizeof(char *) * (size_t)l->nw);
	r->nwords = l->nw;
	r->is_rule = rule;
	r->at = l->at;
	for (int i = 0; i < l->nw; i++) {
		r->words[i] = arena_strdup(A(b), l->w[i].s);
		if (!strcmp(l->w[i].s, "dev") && i + 1 < l->nw && !r->dev)
			r->dev = arena_strdup(A(b), l->w[i + 1].s);
	}
	while (*h)
		h = &(*h)->next;
	*h = r;
	return r;
}

static const char *route_dest(const struct m_ka_route *r)
{
	static const char *const skip2[] = { "src", "table", "metric", "proto", "scope", "via",
					     "gw", "dev", "or", "nexthop", "mtu", NULL };
	static const char *const types[] = { "blackhole", "unreachable", "prohibit", "throw",
					     "unicast", "local", "broadcast", "anycast",
					     "multicast", "nat", NULL };
	for (int i = 0; i < r->nwords; i++) {
		bool skip = false;
		for (int k = 0; skip2[k]; k++)
			if (!strcmp(r->words[i], skip2[k]))
				skip = true;
		if (skip) {
			i++;
			continue;
		}
		for (int k = 0; types[k]; k++)
			if (!strcmp(r->words[i], types[k]))
				skip = true;
		if (!skip)
			return r->words[i];
	}
	return "";
}

static void route_line_common(struct ka_bctx *b, const struct cfg_stmt *l, struct m_ka_route **h,
			      bool track)
{
	struct m_ka_route *r = add_route(b, l, h, false);
	for (int i = 0; i < r->nwords; i++) {
		if (!strcmp(r->words[i], "or"))
			ka_err(b, l->at, 0, "\"or\" for routes is deprecated. Please use \"nexthop\"");
		else if (!strcmp(r->words[i], "gw"))
			ka_err(b, l->at, 0, "\"gw\" for routes is deprecated. Please use \"via\"");
	}
	if (r->dev)
		check_if(b, l->at, r->dev, "VROUTE nexthop");
	else if (track) {
		const char *d = route_dest(r);
		ka_err(b, l->at, 0,
		       "Warning - cannot track route %s%s with no interface specified, not tracking",
		       d, strchr(d, '/') ? "" : strchr(d, ':') ? "/128" : "/32");
	}
}

static void static_route_line(struct ka_bctx *b, const struct cfg_stmt *l)
{
	route_line_common(b, l, &b->cfg->ka.static_routes, false);
}
static void vroute_line(struct ka_bctx *b, const struct cfg_stmt *l)
{
	route_line_common(b, l, &b->vi->vroutes, true);
}

static void rule_line_common(struct ka_bctx *b, const struct cfg_stmt *l, struct m_ka_route **h)
{
	bool pref = false;
	for (int i = 0; i < l->nw; i++) {
		const char *k = l->w[i].s;
		if (!strcmp(k, "preference") || !strcmp(k, "priority") || !strcmp(k, "pref") ||
		    !strcmp(k, "prio"))
			pref = true;
		if ((!strcmp(k, "from") || !strcmp(k, "to")) && i + 1 < l->nw) {
			char ip[256];
			const char *s = l->w[i + 1].s, *sl = strchr(s, '/');
			size_t n = sl ? (size_t)(sl - s) : strlen(s);
			struct m_addr a;
			if (strcmp(s, "all") &&
			    (n >= sizeof(ip) || (memcpy(ip, s, n), ip[n] = 0, ka_parse_ip(ip, &a) < 0))) {
				ka_err(b, l->at, 0, "VRRP parsed invalid IP %s. skipping IP...", s);
				ka_err(b, l->at, 0, "Invalid rule %s address %s", k, s);
				return;
			}
			i++;
		}
	}
	if (!pref)
		ka_err(b, l->at, 0, "Rule has no preference specified - setting to %d. This is "
				     "probably not what you want.", b->S->rule_pref--);
	add_route(b, l, h, true);
}

static void static_rule_line(struct ka_bctx *b, const struct cfg_stmt *l)
{
	rule_line_common(b, l, &b->cfg->ka.static_rules);
}
static void vrule_line(struct ka_bctx *b, const struct cfg_stmt *l)
{
	rule_line_common(b, l, &b->vi->vrules);
}

/* ka_kw_track.c */
extern const struct ka_block ka_blk_list_track_if, ka_blk_list_track_script,
	ka_blk_list_track_proc, ka_blk_list_track_file;

#define LISTBLK(id, nm, fn) \
	static const struct ka_block id = { nm, NULL, 0, KA_VRRP, NULL, NULL, fn }
LISTBLK(blk_vip, "virtual_ipaddress", vip_line);
LISTBLK(blk_vipx, "virtual_ipaddress_excluded", vipx_line);
LISTBLK(blk_peer, "unicast_peer", peer_line);
LISTBLK(blk_vroutes, "virtual_routes", vroute_line);
LISTBLK(blk_vrules, "virtual_rules", vrule_line);
const struct ka_block ka_blk_static_ip = { "static_ipaddress", NULL, 0, KA_VRRP, NULL, NULL,
					   static_ip_line };
const struct ka_block ka_blk_static_routes = { "static_routes", NULL, 0, KA_VRRP, NULL, NULL,
					       static_route_line };
const struct ka_block ka_blk_static_rules = { "static_rules", NULL, 0, KA_VRRP, NULL, NULL,
					      static_rule_line };

#define L(nm, blk) { nm, 0, KA_ANY, KW_BLOCK | KW_LIST, NULL, 0, 0, 0, &blk, "{ one entry a line }" }
#define U(nm, mn, mx, help) { nm, mn, mx, KW_UNSUP, NULL, 0, 0, 0, NULL, help }
#define I(nm, mn, mx, help) { nm, mn, mx, KW_IGNORED, ka_set_none, 0, 0, 0, NULL, help }
#define S(nm, f, help) { nm, 1, KA_ANY, 0, ka_set_strs, VI(f), 0, 0, NULL, help }
#define F(nm, f, help) { nm, 0, 1, 0, ka_set_flag, VI(f), 0, 0, NULL, help }
#define T(nm, f, lo, help) { nm, 1, 1, 0, ka_set_time, VI(f), lo, 0, NULL, help }
#define N(nm, f, lo, hi, help) { nm, 1, 1, 0, ka_set_int, VI(f), lo, hi, NULL, help }
#define GT(nm, f, help) { nm, 1, 1, 0, set_garp_time, VI(f), 0, 0, NULL, help }
#define GR(nm, f, help) { nm, 1, 1, 0, set_garp_repeat, VI(f), 0, 0, NULL, help }

static const struct ka_kw kw_instance[] = {
	{ "state", 1, 1, 0, set_state, 0, 0, 0, NULL, "MASTER or BACKUP" },
	{ "interface", 1, 1, 0, set_interface, 0, 0, 0, NULL, "interface for adverts" },
	{ "virtual_router_id", 1, 1, 0, set_vrid, 0, 0, 0, NULL, "VRID 1-255" },
	{ "priority", 1, 1, 0, set_priority, 0, 0, 0, NULL, "1-255 (255: address owner)" },
	{ "advert_int", 1, 1, 0, set_advert, 0, 0, 0, NULL, "seconds between adverts" },
	{ "version", 1, 1, 0, set_version, 0, 0, 0, NULL, "VRRP version 2 or 3" },
	{ "authentication", 0, 0, KW_BLOCK, NULL, 0, 0, 0, &blk_auth, "auth_type and auth_pass" },
	L("virtual_ipaddress", blk_vip),
	L("virtual_ipaddress_excluded", blk_vipx),
	L("track_interface", ka_blk_list_track_if),
	L("track_script", ka_blk_list_track_script),
	L("track_process", ka_blk_list_track_proc),
	L("track_file", ka_blk_list_track_file),
	L("unicast_peer", blk_peer),
	L("virtual_routes", blk_vroutes),
	L("virtual_rules", blk_vrules),
	{ "unicast_src_ip", 1, 1, 0, ka_set_addr, VI(unicast_src), 0, 0, NULL, "source address" },
	{ "mcast_src_ip", 1, 1, 0, ka_set_addr, VI(mcast_src), 0, 0, NULL, "source address" },
	{ "nopreempt", 0, 0, 0, set_nopreempt, 0, 0, 0, NULL, "do not take over a lower master" },
	{ "preempt", 0, 0, 0, set_nopreempt, 0, 0, 0, NULL, "take over a lower master (default)" },
	T("preempt_delay", preempt_delay, 0, "seconds before preempting after start"),
	{ "use_vmac", 0, 1, 0, set_use_vmac, 0, 0, 0, NULL, "use a VRRP virtual MAC [name]" },
	F("accept", accept, "accept packets to the VIPs when master"),
	{ "no_accept", 0, 0, 0, set_noaccept, 0, 0, 0, NULL, "drop packets to the VIPs" },
	F("dont_track_primary", dont_track_primary, "ignore faults of the interface"),
	F("skip_check_adv_addr", skip_check_adv_addr, "skip checking advert addresses"),
	F("check_unicast_src", check_unicast_src, "check unicast source is a peer"),
	F("strict_mode", strict, "strict RFC compliance for this instance"),
	F("promote_secondaries", promote_secondaries, "set promote_secondaries on interface"),
	F("native_ipv6", native_ipv6, "force IPv6"),
	F("lower_prio_no_advert", lower_prio_no_advert, "no advert on lower priority"),
	F("higher_prio_send_advert", higher_prio_send_advert, "advert on higher priority"),
	S("notify", notify, "script on every state change"),
	S("notify_master", notify_master, "script on MASTER"),
	S("notify_backup", notify_backup, "script on BACKUP"),
	S("notify_fault", notify_fault, "script on FAULT"),
	S("notify_stop", notify_stop, "script on stop"),
	S("notify_master_rx_lower_pri", notify_master_rx_lower_pri, "script on lower prio advert"),
	GT("garp_master_delay", garp_master_delay, "seconds before the second garp burst"),
	GR("garp_master_repeat", garp_master_repeat, "garps per burst"),
	GT("garp_master_refresh", garp_master_refresh, "seconds between garp refreshes"),
	GR("garp_master_refresh_repeat", garp_master_refresh_repeat, "garps per refresh"),
	GT("garp_lower_prio_delay", garp_lower_prio_delay, "garp delay on lower prio advert"),
	GR("garp_lower_prio_repeat", garp_lower_prio_repeat, "garps on lower prio"),
	N("unicast_ttl", unicast_ttl, 1, 255, "TTL of unicast adverts"),
	N("kernel_rx_buf_size", kernel_rx_buf_size, 0, 2147483647, "socket receive buffer"),
	{ "lvs_sync_daemon_interface", 1, 1, KW_DEPRECATED, set_lvs_syncd, 0, 0, 0, NULL,
	  "deprecated: use global lvs_sync_daemon" },
	S("smtp_alert", smtp_alert, "send email alerts"),
	U("use_vmac_addr", 0, 0, "vmac with the interface's address"),
	F("vmac_xmit_base", vmac_xmit_base, "use_vmac: send adverts on the base interface"),
	U("use_ipvlan", 0, KA_ANY, "use an ipvlan interface"),
	U("vrf", 1, 1, "VRF of the instance"),
	U("track_bfd", 0, KA_ANY, "track BFD instances"),
	U("track_src_ip", 0, 0, "track the source address"),
	U("mcast_dst_ip", 1, 1, "multicast destination"),
	U("unicast_fault_no_peer", 0, 0, "fault without unicast peers"),
	U("old_unicast_checksum", 0, 1, "pre-1.3.6 unicast checksum"),
	U("garp_extra_if", 0, KA_ANY, "garp on extra interfaces"),
	U("down_timer_adverts", 1, 1, "adverts before the down timer"),
	U("notify_priority_changes", 0, 1, "notify on priority changes"),
	U("linkbeat_use_polling", 0, 0, "poll link state"),
	I("debug", 0, 1, "debug level"),
};
const struct ka_block ka_blk_vrrp_instance = { "vrrp_instance", kw_instance,
					       ARRAY_SIZE(kw_instance), KA_VRRP, open_instance,
					       NULL, NULL };

/* ---------------------------------------------------------------- vrrp_sync_group */

static int open_group(struct ka_bctx *c, const struct cfg_stmt *st)
{
	struct m_sync_group *g = arena_alloc(A(c), sizeof(*g));
	g->name = arena_strdup(A(c), st->nw > 1 ? st->w[1].s : "");
	g->at = st->at;
	struct m_sync_group **pp = &c->cfg->sync_groups;
	while (*pp)
		pp = &(*pp)->next;
	*pp = g;
	c->sg = g;
	c->vi = NULL;
	c->obj = g;
	return 0;
}

static void group_line(struct ka_bctx *b, const struct cfg_stmt *l)
{
	struct m_sync_group *g = b->sg;
	for (int i = 0; i < l->nw; i++) {
		char **n = arena_alloc(A(b), sizeof(char *) * (size_t)(g->nmembers + 1));
		if (g->nmembers)
			memcpy(n, g->members, sizeof(char *) * (size_t)g->nmembers);
		n[g->nmembers++] = arena_strdup(A(b), l->w[i].s);
		g->members = n;
	}
}
LISTBLK(blk_group, "group", group_line);

#undef S
#define S(nm, f, help) { nm, 1, KA_ANY, 0, ka_set_strs, SG(f), 0, 0, NULL, help }
static const struct ka_kw kw_sync[] = {
	L("group", blk_group),
	L("track_script", ka_blk_list_track_script),
	S("notify", notify, "script on every state change"),
	S("notify_master", notify_master, "script on MASTER"),
	S("notify_backup", notify_backup, "script on BACKUP"),
	S("notify_fault", notify_fault, "script on FAULT"),
	S("notify_stop", notify_stop, "script on stop"),
	L("track_interface", ka_blk_list_track_if),
	L("track_process", ka_blk_list_track_proc),
	L("track_file", ka_blk_list_track_file),
	U("track_bfd", 0, 0, "tracked BFD of the group"),
	U("notify_deleted", 0, KA_ANY, "script on delete"),
	U("notify_priority_changes", 0, 1, "notify priority changes"),
	U("smtp_alert", 0, 1, "email alerts"),
	U("global_tracking", 0, 0, "deprecated: track all members"),
	U("sync_group_tracking_weight", 0, 0, "weights in tracking"),
};
const struct ka_block ka_blk_sync_group = { "vrrp_sync_group", kw_sync, ARRAY_SIZE(kw_sync),
					    KA_VRRP, open_group, NULL, NULL };

/* ---------------------------------------------------------------- garp_group */

static const struct ka_kw kw_garp[] = {
	U("garp_interval", 1, 1, "seconds between garps"),
	U("gna_interval", 1, 1, "seconds between NAs"),
	U("interface", 1, 1, "interface of the group"),
	U("interfaces", 0, 0, "interfaces of the group"),
};
const struct ka_block ka_blk_garp_group = { "garp_group", kw_garp, ARRAY_SIZE(kw_garp),
					    KA_VRRP, NULL, NULL, NULL };

/* ---------------------------------------------------------------- global_defs VRRP rows */

/* vrrp_mcast_group4 / vrrp_mcast_group6 ADDR (rows of ka_kw.c): a multicast address of the
 * keyword's family; anything else is skipped with keepalived's line. A "/len" suffix is
 * accepted and dropped, as keepalived's address reader does. */
int ka_set_mcast_group(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	const char *s = st->w[1].s;
	bool v6 = kw->name[strlen(kw->name) - 1] == '6';
	char ip[INET6_ADDRSTRLEN + 1];
	size_t n = strcspn(s, "/");
	struct m_addr a;
	if (n >= sizeof(ip) || (memcpy(ip, s, n), ip[n] = 0, ka_parse_ip(ip, &a) < 0)) {
		ka_err(b, st->at, 0, "Can't parse %s [%s]. Skipping", kw->name, s);
		return -1;
	}
	int fam = a.ss.ss_family;
	if (fam != (v6 ? AF_INET6 : AF_INET)) {
		ka_err(b, st->at, 0, "%s [%s] is not %s. Skipping", kw->name, s,
		       v6 ? "IPv6" : "IPv4");
		return -1;
	}
	bool mc = v6 ? IN6_IS_ADDR_MULTICAST(&((struct sockaddr_in6 *)&a.ss)->sin6_addr)
	             : IN_MULTICAST(ntohl(((struct sockaddr_in *)&a.ss)->sin_addr.s_addr));
	if (!mc) {
		ka_err(b, st->at, 0, "%s [%s] is not multicast. Skipping", kw->name, s);
		return -1;
	}
	*(char **)((char *)b->obj + kw->off) = arena_strdup(A(b), ip);
	return 0;
}

/* vrrp_garp_interval / vrrp_gna_interval SECONDS: microseconds into an int64_t, read as
 * keepalived 2.2.7 does: digits after the sixth decimal are reported and dropped; a number
 * followed by junk is reported and its number taken; no number at all, a negative one or one
 * out of range is reported with the keyword and ignored. */
int ka_set_garp_interval(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	const char *s = st->w[1].s;
	if (!*s || !strchr("0123456789.", *s)) {
		/* no leading digit: keepalived's generic reader says why ("negative number",
		 * "invalid number"), or takes it ("+1") */
		double v;
		if (ka_read_dec(b, &st->w[1], KA_TIME_MIN, 4294.967295, &v) < 0) {
			ka_err(b, st->at, 0, "%s '%s' is invalid", kw->name, s);
			return -1;
		}
		*(int64_t *)((char *)b->obj + kw->off) = (int64_t)(v * 1e6 + 0.5);
		return 0;
	}
	size_t ints = strspn(s, "0123456789"), decs = 0;
	if (s[ints] == '.')
		decs = strspn(s + ints + 1, "0123456789");
	size_t len = ints + (s[ints] == '.' ? 1 + decs : 0);
	if (s[len])
		ka_err(b, st->at, 0, "invalid number '%s'", s);
	else if (decs > 6)
		ka_err(b, st->at, 0, "number '%s' has too many decimal places", s);
	char num[64];
	snprintf(num, sizeof(num), "%.*s", (int)(decs > 6 ? len - (decs - 6) : len), s);
	double v = strtod(num, NULL);
	if (v < KA_TIME_MIN || v > 4294.967295) {
		ka_err(b, st->at, 0, "number '%s' outside range [%f, %f]", s, KA_TIME_MIN,
		       4294.967295);
		ka_err(b, st->at, 0, "%s '%s' is invalid", kw->name, s);
		return -1;
	}
	*(int64_t *)((char *)b->obj + kw->off) = (int64_t)(v * 1e6 + 0.5);
	return 0;
}
