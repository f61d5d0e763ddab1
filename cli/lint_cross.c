/* lint_cross.c - what vipr lint sees only with several files side by side.
 *
 * Each file given to `vipr lint` is its own model: a keepalived.conf is one node, a haproxy.cfg
 * one proxy. This pass compares them: VRRP peers of one VRID must agree on addresses,
 * authentication, interval and version, and should not tie; haproxy binding a VIP that
 * keepalived moves needs ip_nonlocal_bind. It also reports, per node, the tutorial's mistakes
 * that keepalived and haproxy accept without a word (LABS.md), and gives the front ends'
 * findings about them an origin and a fix. Everything here is lint-only: compat text NULL.
 */
#include "lint_cross.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- helpers */

static struct diag *lint(struct diag_list *dl, struct m_origin at, enum diag_sev sev,
                         const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static struct diag *lint(struct diag_list *dl, struct m_origin at, enum diag_sev sev,
                         const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	struct diag *d = diag_add(dl, at, sev, DIAG_NONE, 0, NULL, msg);
	free(msg);
	return d;
}

int lint_sysctl(const char *name)
{
	char path[256];
	int n = snprintf(path, sizeof(path), "/proc/sys/%s", name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	for (char *p = path + strlen("/proc/sys/"); *p; p++)
		if (*p == '.')
			*p = '/';
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int v = -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int addr_family(const struct m_addr *a)
{
	return a->kind == M_ADDR_INET ? a->ss.ss_family : AF_UNSPEC;
}

static const void *addr_bytes(const struct m_addr *a)
{
	if (addr_family(a) == AF_INET)
		return &((const struct sockaddr_in *)&a->ss)->sin_addr;
	return &((const struct sockaddr_in6 *)&a->ss)->sin6_addr;
}

/* The IP of an address without port, or its text when it is not an IP literal. */
static const char *ip_str(const struct m_addr *a, char *buf, size_t len)
{
	int fam = addr_family(a);
	if ((fam == AF_INET || fam == AF_INET6) && inet_ntop(fam, addr_bytes(a), buf, len))
		return buf;
	snprintf(buf, len, "%s", a->text ? a->text : "?");
	return buf;
}

static bool same_ip(const struct m_addr *a, const struct m_addr *b)
{
	int fam = addr_family(a);
	if ((fam != AF_INET && fam != AF_INET6) || fam != addr_family(b))
		return false;
	return !memcmp(addr_bytes(a), addr_bytes(b), fam == AF_INET ? 4 : 16);
}

static bool is_wildcard(const struct m_addr *a)
{
	static const unsigned char zero[16];
	int fam = addr_family(a);
	return (fam == AF_INET || fam == AF_INET6) &&
	       !memcmp(addr_bytes(a), zero, fam == AF_INET ? 4 : 16);
}

static const char *origin_str(struct m_origin at, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%u", at.file ? at.file : "?", at.line);
	return buf;
}

static const char *ms_str(m_ms ms, char *buf, size_t len)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%llds", (long long)(ms / 1000));
	else
		snprintf(buf, len, "%lldms", (long long)ms);
	return buf;
}

/* ---------------------------------------------------------------- VRRP instance facts */

/* Effective values as keepalived computes them (defaults: version 2, priority 100, 1 s). */
static bool vi_strict(const struct m_config *c, const struct m_vrrp_instance *v)
{
	return c->ka.vrrp_strict == 1 || v->strict == 1;
}

static int vi_version(const struct m_config *c, const struct m_vrrp_instance *v)
{
	return v->version != M_UNSET           ? v->version
	       : c->ka.vrrp_version != M_UNSET ? c->ka.vrrp_version
	                                       : 2;
}

static int vi_prio(const struct m_vrrp_instance *v)
{
	return v->priority != M_UNSET ? v->priority : 100;
}

static m_ms vi_advert(const struct m_vrrp_instance *v)
{
	return v->advert_int != M_UNSET ? v->advert_int : 1000;
}

static const char *vi_ifname(const struct m_config *c, const struct m_vrrp_instance *v)
{
	return v->interface ? v->interface : c->ka.default_interface ? c->ka.default_interface
								      : "eth0";
}

/* The address family of the instance's adverts: that of its first announced VIP. */
static int vi_family(const struct m_vrrp_instance *v)
{
	for (const struct m_vip *a = v->vips; a; a = a->next)
		if (!a->excluded && addr_family(&a->addr) != AF_UNSPEC)
			return addr_family(&a->addr);
	return AF_INET;
}

/* Announced VIPs (not virtual_ipaddress_excluded), comma separated. */
static const char *vip_list(const struct m_vrrp_instance *v, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = 0;
	for (const struct m_vip *a = v->vips; a && o + 1 < len; a = a->next) {
		if (a->excluded)
			continue;
		char ip[INET6_ADDRSTRLEN + 8];
		int n = snprintf(buf + o, len - o, "%s%s", o ? ", " : "",
		                 ip_str(&a->addr, ip, sizeof(ip)));
		if (n < 0)
			break;
		o += (size_t)n;
	}
	if (o >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
	return buf;
}

static const struct m_vip *vip_find(const struct m_vrrp_instance *v, const struct m_addr *a,
                                    bool announced_only)
{
	for (const struct m_vip *x = v->vips; x; x = x->next)
		if ((!announced_only || !x->excluded) && same_ip(&x->addr, a))
			return x;
	return NULL;
}

static bool vip_sets_equal(const struct m_vrrp_instance *a, const struct m_vrrp_instance *b)
{
	for (const struct m_vip *x = a->vips; x; x = x->next)
		if (!x->excluded && !vip_find(b, &x->addr, true))
			return false;
	for (const struct m_vip *x = b->vips; x; x = x->next)
		if (!x->excluded && !vip_find(a, &x->addr, true))
			return false;
	return true;
}

/* ---------------------------------------------------------------- the front ends' findings */

struct known {
	const char *text; /* a substring of the front end's message */
	const char *hint;
	bool replace; /* replace a generic hint ("did you mean") */
};

/* The tutorial's mistakes that the keepalived front end already reports as keepalived does:
 * the fix is added here, the finding is not repeated. */
static const struct known known[] = {
    {"Strict mode does not support authentication",
     "vrrp_strict runs without authentication: delete the authentication block, or remove "
     "vrrp_strict (see the vrrp_strict error)",
     false},
    {"State MASTER must match being address owner",
     "under vrrp_strict only priority 255 may start as MASTER: write `state BACKUP` (the "
     "highest priority still becomes master), or remove vrrp_strict",
     false},
    {"Unknown keyword 'nb_get_retry'",
     "did you mean 'retry'? keepalived 2.x renamed nb_get_retry to retry; with the old name "
     "`keepalived -t` exits 5 and the checker runs with the default retry count",
     true},
    {"iptables not supported, using nftables",
     "this keepalived is built with nftables only: replace `vrrp_iptables` with `nftables`, "
     "or delete it (without vrrp_strict no firewall rules are needed)",
     false},
    {"accept mode for VRRP version 2 does not comply",
     "vrrp_strict refuses accept with VRRPv2: use `vrrp_version 3` with `accept`, or remove "
     "vrrp_strict",
     false},
};

static const struct m_vrrp_instance *find_instance(const struct m_config *c, const char *name,
                                                   size_t len)
{
	for (const struct m_vrrp_instance *v = c->vrrp; v; v = v->next)
		if (v->name && strlen(v->name) == len && !strncmp(v->name, name, len))
			return v;
	return NULL;
}

/* Gives the node's findings without a place the place they are about: "(VI_1) ..." is the
 * instance's line; anything else is at least the node's file. Adds the known fixes. */
static void enrich(const struct lint_node *nd, struct diag_list *dl, bool *vrid_clash)
{
	for (size_t i = nd->diag_lo; i < nd->diag_hi && i < dl->n; i++) {
		struct diag *d = &dl->v[i];
		const char *text = d->compat ? d->compat : d->msg;
		if (!text)
			continue;
		if (!d->at.file) {
			const struct m_vrrp_instance *v = NULL;
			if (text[0] == '(' && strchr(text, ')'))
				v = find_instance(nd->cfg, text + 1, strcspn(text + 1, ")"));
			if (v)
				d->at = v->at;
			else
				d->at.file = nd->path;
		}
		if (strstr(text, "both use VRID"))
			*vrid_clash = true;
		for (size_t k = 0; k < ARRAY_SIZE(known); k++)
			if (strstr(text, known[k].text) && (!d->hint || known[k].replace))
				diag_hint(d, "%s", known[k].hint);
	}
}

/* ---------------------------------------------------------------- one keepalived node */

/* vrrp_strict without an accept that strict mode allows: keepalived installs a drop rule for
 * the VIPs on the master (vrrp.c: accept reset for VRRPv2 unless priority 255). */
static void check_strict_drop(const struct lint_node *nd, struct diag_list *dl)
{
	const struct m_config *c = nd->cfg;
	for (const struct m_vrrp_instance *v = c->vrrp; v; v = v->next) {
		if (!vi_strict(c, v) || !v->vips)
			continue;
		int ver = vi_version(c, v);
		bool refused = v->accept == 1 && ver == 2 && vi_prio(v) != 255;
		if (v->accept == 1 && !refused)
			continue;
		char vips[512];
		vip_list(v, vips, sizeof(vips));
		if (!vips[0])
			continue;
		struct diag *d;
		if (ver == 2 && vi_prio(v) != 255)
			d = lint(
			    dl, v->at, DIAG_ERROR,
			    "vrrp_strict: this node drops all traffic to %s while MASTER (accept "
			    "is refused with VRRPv2), so clients cannot reach services on the VIP; "
			    "remove vrrp_strict, or use vrrp_version 3 with accept",
			    vips);
		else
			d = lint(
			    dl, v->at, DIAG_ERROR,
			    "vrrp_strict: this node drops all traffic to %s while MASTER (accept "
			    "is not set), so clients cannot reach services on the VIP; remove "
			    "vrrp_strict, or add accept",
			    vips);
		diag_hint(d,
		          "delete `%s` (keepalived then runs in accept mode); if strict RFC "
		          "behaviour is required, set `vrrp_version 3` and `accept` in "
		          "vrrp_instance %s on every node",
		          c->ka.vrrp_strict == 1 ? "vrrp_strict` from `global_defs"
		                                 : "strict_mode` from the instance",
		          v->name);
	}
}

/* Two different instances of one node on one VRID and interface: keepalived -t says "A and B
 * both use VRID 51 with IPv4 on interface eth0" (exit 5). */
static void check_local_vrid(const struct lint_node *nd, struct diag_list *dl)
{
	const struct m_config *c = nd->cfg;
	for (const struct m_vrrp_instance *b = c->vrrp; b; b = b->next)
		for (const struct m_vrrp_instance *a = c->vrrp; a != b; a = a->next) {
			if (a->vrid != b->vrid || a->vrid == M_UNSET ||
			    vi_family(a) != vi_family(b) ||
			    strcmp(vi_ifname(c, a), vi_ifname(c, b)))
				continue;
			char o[300];
			struct diag *d =
			    lint(dl, b->at, DIAG_ERROR,
			         "%s and %s (%s) both use VRID %d with IPv%d on "
			         "interface %s",
			         a->name, b->name, origin_str(a->at, o, sizeof(o)), b->vrid,
			         vi_family(b) == AF_INET6 ? 6 : 4, vi_ifname(c, b));
			diag_hint(
			    d, "each virtual router on one interface needs its own "
			       "virtual_router_id (1-255); peers on other nodes use the same one");
			break;
		}
}

/* A script keepalived runs: as root unless script_user or the script's `user` says otherwise,
 * and refused under -t (exit 6) without enable_script_security. */
static void check_script(const struct m_config *c, struct diag_list *dl, struct m_origin at,
                         const char *what, const char *cmd, const char *user)
{
	const char *u = user ? user : c->ka.script_user;
	bool root = !u || !strcmp(u, "root");
	/* `</dev/tcp/host/port` is a redirection keepalived checks itself, not a program. */
	if (cmd[0] == '<' || cmd[0] == '>')
		return;
	if (c->ka.enable_script_security == 1) {
		if (!u) {
			struct diag *d = lint(dl, at, DIAG_NOTE,
			                      "%s runs '%s' as user keepalived_script, which must "
			                      "exist (no script_user)",
			                      what, cmd);
			diag_hint(d, "add `script_user USER` to global_defs with an unprivileged "
			             "user that exists on every node");
		}
		return;
	}
	struct diag *d = lint(dl, at, DIAG_WARNING,
	                      "%s runs '%s' as %s%s, and "
	                      "enable_script_security is not set",
	                      what, cmd, root ? "root" : u, root ? " (no script_user)" : "");
	diag_hint(d, "add `script_user keepalived_script` (an unprivileged user) and "
	             "`enable_script_security` to global_defs, and keep the script and its "
	             "directories writable by root only; `keepalived -t` exits 6 (SECURITY "
	             "VIOLATION) when the script exists");
}

static void check_scripts(const struct lint_node *nd, struct diag_list *dl)
{
	const struct m_config *c = nd->cfg;
	char what[300];
	for (const struct m_vrrp_script *s = c->vrrp_scripts; s; s = s->next)
		if (s->script) {
			snprintf(what, sizeof(what), "vrrp_script %s", s->name);
			check_script(c, dl, s->at, what, s->script, s->user);
		}
	for (const struct m_vrrp_instance *v = c->vrrp; v; v = v->next) {
		const char *n[] = {v->notify, v->notify_master, v->notify_backup, v->notify_fault,
		                   v->notify_stop};
		for (size_t i = 0; i < ARRAY_SIZE(n); i++)
			if (n[i]) {
				snprintf(what, sizeof(what), "notify script of %s", v->name);
				check_script(c, dl, v->at, what, n[i], NULL);
				break;
			}
	}
	for (const struct m_pool *p = c->pools; p; p = p->next)
		for (const struct m_server *s = p->servers; s; s = s->next)
			for (const struct m_check *k = s->checks; k; k = k->next)
				if (k->probe && k->probe->kind == PROBE_SCRIPT && k->probe->script)
					check_script(c, dl, k->at, "MISC_CHECK", k->probe->script,
					             k->probe->user);
}

static bool node_carries(const struct m_config *c, const struct m_addr *a)
{
	for (const struct m_vrrp_instance *v = c->vrrp; v; v = v->next)
		if (vip_find(v, a, false))
			return true;
	for (const struct m_vip *x = c->ka.static_addresses; x; x = x->next)
		if (same_ip(&x->addr, a))
			return true;
	return false;
}

/* A virtual_server whose address no vrrp_instance of the node moves (nor static_ipaddress):
 * the director receives its traffic only if something else configures the address. */
static void check_vs_address(const struct lint_node *nd, struct diag_list *dl)
{
	const struct m_config *c = nd->cfg;
	for (const struct m_service *s = c->services; s; s = s->next) {
		if (s->kind != SVC_VIRTUAL_SERVER || !s->binds)
			continue;
		const struct m_addr *a = &s->binds->addr;
		if (addr_family(a) == AF_UNSPEC || is_wildcard(a) || node_carries(c, a))
			continue;
		char ip[INET6_ADDRSTRLEN + 8];
		ip_str(a, ip, sizeof(ip));
		struct diag *d =
		    lint(dl, s->at, c->vrrp ? DIAG_WARNING : DIAG_NOTE,
		         "virtual_server %s %u: no vrrp_instance of this node carries %s, so "
		         "the service receives traffic only where %s is configured by other means",
		         ip, a->port_lo, ip, ip);
		diag_hint(d,
		          "add %s to the virtual_ipaddress of the vrrp_instance that makes this "
		          "director highly available",
		          ip);
	}
}

/* ---------------------------------------------------------------- one haproxy file */

/* RHEL's stock haproxy.cfg says `ssl-default-bind-ciphers PROFILE=SYSTEM`: a keyword of
 * RHEL's patched OpenSSL (crypto-policies). The model does not keep these lines, so the
 * file is read again for them. */
static void check_profile_system(const struct lint_node *nd, struct diag_list *dl)
{
	FILE *f = fopen(nd->path, "r");
	if (!f)
		return;
	char line[4096];
	uint32_t ln = 0;
	while (fgets(line, sizeof(line), f)) {
		ln++;
		char *p = line + strspn(line, " \t");
		size_t kl = strcspn(p, " \t\r\n");
		if (!(kl == 24 && !strncmp(p, "ssl-default-bind-ciphers", kl)) &&
		    !(kl == 26 && !strncmp(p, "ssl-default-server-ciphers", kl)))
			continue;
		char *arg = p + kl + strspn(p + kl, " \t");
		if (strncmp(arg, "PROFILE=", 8))
			continue;
		size_t al = strcspn(arg, " \t\r\n#");
		struct m_origin at = {nd->path, ln, (uint32_t)(arg - line) + 1};
		struct diag *d =
		    lint(dl, at, DIAG_WARNING,
		         "'%.*s' is RHEL's system-wide crypto policy; OpenSSL elsewhere "
		         "does not know it (Debian's haproxy: \"unable to set SSL cipher "
		         "list\" as soon as a %s uses ssl)",
		         (int)al, arg, kl == 24 ? "bind" : "server");
		diag_hint(d, "off RHEL, delete the line (OpenSSL's defaults apply) or give an "
		             "explicit cipher list such as ECDHE+AESGCM:ECDHE+CHACHA20");
	}
	fclose(f);
}

/* ---------------------------------------------------------------- across nodes */

struct inst {
	const struct lint_node *nd;
	const struct m_vrrp_instance *v;
};

static bool same_router(const struct inst *a, const struct inst *b)
{
	return a->nd != b->nd && a->v->vrid == b->v->vrid && a->v->vrid != M_UNSET &&
	       vi_family(a->v) == vi_family(b->v);
}

static const char *auth_desc(const struct inst *x, char *buf, size_t len)
{
	if (x->v->auth_type)
		snprintf(buf, len, "%s", x->v->auth_type);
	else
		snprintf(buf, len, "none%s",
		         vi_strict(x->nd->cfg, x->v) ? " (vrrp_strict ignores it)" : "");
	return buf;
}

/* keepalived keeps the first 8 characters of auth_pass. */
static bool same_auth(const struct m_vrrp_instance *a, const struct m_vrrp_instance *b)
{
	if (!a->auth_type || !b->auth_type)
		return !a->auth_type && !b->auth_type;
	return !strcmp(a->auth_type, b->auth_type) &&
	       !strncmp(a->auth_pass ? a->auth_pass : "", b->auth_pass ? b->auth_pass : "", 8);
}

/* Compares instance x with ref, an instance of the same VRID on another node. */
static void compare_peer(const struct inst *x, const struct inst *ref, struct diag_list *dl)
{
	const struct m_vrrp_instance *v = x->v, *r = ref->v;
	char o[300], a[512], b[512];
	origin_str(r->at, o, sizeof(o));
	struct diag *d;
	if (!vip_sets_equal(v, r)) {
		d = lint(dl, v->at, DIAG_ERROR,
		         "VRID %d: %s here announces %s, but %s in %s announces %s; peers of one "
		         "virtual router must carry the same addresses",
		         v->vrid, v->name, vip_list(v, a, sizeof(a)), r->name, o,
		         vip_list(r, b, sizeof(b)));
		diag_hint(d, "make the virtual_ipaddress blocks identical, or give different "
		             "virtual routers on one network different virtual_router_id values");
	}
	int vv = vi_version(x->nd->cfg, v), rv = vi_version(ref->nd->cfg, r);
	if (vv != rv) {
		d = lint(dl, v->at, DIAG_ERROR,
		         "VRID %d: %s here speaks VRRPv%d, but %s in %s speaks VRRPv%d; the peers "
		         "drop each other's adverts and both become MASTER",
		         v->vrid, v->name, vv, r->name, o, rv);
		diag_hint(d, "use the same vrrp_version on every node of the virtual router");
	}
	if (vi_advert(v) != vi_advert(r) && vv == 2 && rv == 2) {
		d = lint(dl, v->at, DIAG_ERROR,
		         "VRID %d: advert_int %s here, but %s for %s in %s; VRRPv2 peers drop "
		         "adverts with another interval and both become MASTER",
		         v->vrid, ms_str(vi_advert(v), a, sizeof(a)),
		         ms_str(vi_advert(r), b, sizeof(b)), r->name, o);
		diag_hint(d, "use the same advert_int on every node of the virtual router");
	}
	if (!same_auth(v, r) && vv == 2 && rv == 2) {
		bool types = !v->auth_type || !r->auth_type || strcmp(v->auth_type, r->auth_type);
		if (types)
			d = lint(dl, v->at, DIAG_ERROR,
			         "VRID %d: authentication %s here, but %s for %s in %s; the peers "
			         "drop each other's adverts and both become MASTER",
			         v->vrid, auth_desc(x, a, sizeof(a)), auth_desc(ref, b, sizeof(b)),
			         r->name, o);
		else
			d = lint(dl, v->at, DIAG_ERROR,
			         "VRID %d: auth_pass differs from that of %s in %s; the peers drop "
			         "each other's adverts and both become MASTER",
			         v->vrid, r->name, o);
		diag_hint(d, "use the same authentication block on every node (only the first 8 "
		             "characters of auth_pass count), or none at all");
	}
}

static void check_peers(const struct lint_node *nodes, int n, struct diag_list *dl)
{
	size_t cnt = 0, cap = 0;
	struct inst *all = NULL;
	for (int i = 0; i < n; i++)
		for (const struct m_vrrp_instance *v = nodes[i].cfg->vrrp; v; v = v->next) {
			if (cnt == cap) {
				cap = cap ? cap * 2 : 16;
				all = realloc(all, cap * sizeof(*all));
				if (!all)
					abort();
			}
			all[cnt++] = (struct inst){&nodes[i], v};
		}
	char o[300];
	for (size_t j = 0; j < cnt; j++) {
		const struct inst *x = &all[j], *ref = NULL, *tie = NULL, *master = NULL;
		for (size_t i = 0; i < j; i++) {
			if (!same_router(&all[i], x))
				continue;
			if (!ref)
				ref = &all[i];
			if (!tie && vi_prio(all[i].v) == vi_prio(x->v))
				tie = &all[i];
			if (!master && all[i].v->state == VRRP_STATE_MASTER)
				master = &all[i];
		}
		if (!ref)
			continue;
		compare_peer(x, ref, dl);
		if (tie) {
			struct diag *d =
			    lint(dl, x->v->at, DIAG_WARNING,
			         "VRID %d: priority %d here is the same as that of %s in "
			         "%s; which node is master then depends on their IP "
			         "addresses",
			         x->v->vrid, vi_prio(x->v), tie->v->name,
			         origin_str(tie->v->at, o, sizeof(o)));
			diag_hint(d, "give the intended master the highest priority, each node "
			             "its own");
		}
		if (master && x->v->state == VRRP_STATE_MASTER) {
			struct diag *d = lint(dl, x->v->at, DIAG_WARNING,
			                      "VRID %d: %s here and %s in %s both start as MASTER",
			                      x->v->vrid, x->v->name, master->v->name,
			                      origin_str(master->v->at, o, sizeof(o)));
			diag_hint(d, "write `state MASTER` on one node only (the one with the "
			             "highest priority) and `state BACKUP` on the others");
		}
	}
	free(all);
}

/* A VIP of any keepalived node among the files, and the instance that moves it. */
static const struct m_vrrp_instance *vip_owner(const struct lint_node *nodes, int n,
                                               const struct m_addr *a)
{
	for (int i = 0; i < n; i++)
		if (nodes[i].keepalived)
			for (const struct m_vrrp_instance *v = nodes[i].cfg->vrrp; v; v = v->next)
				if (vip_find(v, a, false))
					return v;
	return NULL;
}

/* haproxy binding a VIP: on the node that does not hold it, bind() fails ("cannot bind
 * socket") unless ip_nonlocal_bind is set. What this host says is only a hint for others. */
static void check_bind_vip(const struct lint_node *nodes, int n, struct diag_list *dl)
{
	for (int i = 0; i < n; i++) {
		if (nodes[i].keepalived)
			continue;
		for (const struct m_service *s = nodes[i].cfg->services; s; s = s->next)
			for (const struct m_bind *b = s->binds; b; b = b->next) {
				const struct m_addr *a = &b->addr;
				int fam = addr_family(a);
				if (fam == AF_UNSPEC || is_wildcard(a) || b->transparent == 1)
					continue;
				const struct m_vrrp_instance *v = vip_owner(nodes, n, a);
				if (!v)
					continue;
				const char *knob = fam == AF_INET6 ? "net.ipv6.ip_nonlocal_bind"
				                                   : "net.ipv4.ip_nonlocal_bind";
				int now = lint_sysctl(knob);
				char ip[INET6_ADDRSTRLEN + 8], o[300], host[64];
				ip_str(a, ip, sizeof(ip));
				if (now < 0)
					snprintf(host, sizeof(host), "%s could not be read here",
					         knob);
				else
					snprintf(host, sizeof(host), "this host has %s=%d", knob,
					         now);
				struct diag *d =
				    lint(dl, b->at, now == 1 ? DIAG_NOTE : DIAG_WARNING,
				         "bind %s:%u: %s is a VIP that keepalived moves (%s in "
				         "%s); haproxy "
				         "cannot bind it on a node that does not hold it unless "
				         "%s=1 (%s)",
				         ip, a->port_lo, ip, v->name,
				         origin_str(v->at, o, sizeof(o)), knob, host);
				diag_hint(d,
				          "set %s=1 on every node (/etc/sysctl.d), or bind a "
				          "wildcard address (%s:%u)",
				          knob, fam == AF_INET6 ? "[::]" : "0.0.0.0", a->port_lo);
			}
	}
}

void lint_cross(struct lint_node *nodes, int n, struct diag_list *dl)
{
	for (int i = 0; i < n; i++) {
		struct lint_node *nd = &nodes[i];
		bool vrid_clash = false;
		enrich(nd, dl, &vrid_clash);
		if (!nd->keepalived) {
			check_profile_system(nd, dl);
			continue;
		}
		check_strict_drop(nd, dl);
		if (!vrid_clash)
			check_local_vrid(nd, dl);
		check_scripts(nd, dl);
		check_vs_address(nd, dl);
	}
	check_peers(nodes, n, dl);
	check_bind_vip(nodes, n, dl);
}
