/* hap_server.c - `server`, `default-server` and `bind` lines, and their keyword tables.
 *
 * A server line is a name, an address and keywords; default-server is the same without
 * name and address, filling a template that the merge applies to every server of the pool.
 * Errors use HAProxy's "[file:line] : 'server px/name' : ..." form.
 */
#include "hap_bind.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <grp.h>
#include <pwd.h>

#define SRV(f)   T_SERVER, offsetof(struct m_server, f)
#define CHK(f)   T_CHECK, offsetof(struct m_check, f)
#define RANGE(lo, hi) (((long)(lo) << 32) | (long)(hi))

/* "[f:l] : 'server px/name' : text" - HAProxy's prefix for server keyword errors. */
static struct diag *srv_alert(struct hap_ctx *c, struct cfg_stmt *s, struct m_origin at,
			      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static struct diag *srv_alert(struct hap_ctx *c, struct cfg_stmt *s, struct m_origin at,
			      const char *fmt, ...)
{
	char *text = NULL, *compat = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		abort();
	va_end(ap);
	bool dflt = !strcmp(s->w[0].s, "default-server");
	int r = dflt ? asprintf(&compat, "[%s:%u] : %s", s->at.file, s->at.line, text)
		     : asprintf(&compat, "[%s:%u] : 'server %s/%s' : %s", s->at.file, s->at.line,
				c->px ? c->px->name : "", s->nw > 1 ? s->w[1].s : "", text);
	if (r < 0)
		abort();
	struct diag *d = hap_diag(c, at, DIAG_ERROR, DIAG_ERROR, DIAG_FATAL, compat, "%s", text);
	free(text);
	free(compat);
	return d;
}

static int srv_weight(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	int w = atoi(s->w[i].s);
	if (w < 0 || w > 256) {
		srv_alert(c, s, s->w[i].at, "weight of server %s is not within 0 and 256 (%d)..",
			  s->w[1].s, w);
		return -1;
	}
	c->srv->weight = w;
	return 0;
}

/* Server times: HAProxy's message names the keyword oddly for some of them (it says
 * 'agent-inter' for a bad `inter`); the wording is kept for compatibility. */
static int srv_time(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	m_ms v;
	const char *res = m_parse_time(s->w[i].s, &v, 1);
	const char *label = !strcmp(kw->name, "inter") ? "agent-inter" : kw->name;
	if (res == M_TIME_OVER || res == M_TIME_UNDER) {
		srv_alert(c, s, s->w[i].at, "timer %s in argument <%s> to <%s> of server %s, %s..",
			  res == M_TIME_OVER ? "overflow" : "underflow", s->w[i].s, kw->name,
			  s->w[1].s,
			  res == M_TIME_OVER ? "maximum value is 2147483647 ms (~24.8 days)"
					     : "minimum non-null value is 1 ms");
		return -1;
	}
	if (res) {
		srv_alert(c, s, s->w[i].at, "unexpected character '%c' in '%s' argument of server %s..",
			  *res, label, s->w[1].s);
		return -1;
	}
	if (!v) {
		srv_alert(c, s, s->w[i].at, "invalid value %d for argument '%s' of server %s.", 0,
			  kw->name, s->w[1].s);
		return -1;
	}
	m_ms *f = (m_ms *)((char *)hap_target(c, kw->target) + kw->off);
	*f = v;
	return 0;
}

static int srv_pos_int(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	int v = atoi(s->w[i].s);
	if (v <= 0 && (!strcmp(kw->name, "rise") || !strcmp(kw->name, "fall"))) {
		srv_alert(c, s, s->w[i].at, "'%s' has to be > 0..", kw->name);
		return -1;
	}
	int *f = (int *)((char *)hap_target(c, kw->target) + kw->off);
	*f = v;
	return 0;
}

static int srv_port(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	int v = atoi(s->w[i].s);
	if (v < 0 || v > 65535) {
		srv_alert(c, s, s->w[i].at, "invalid port number '%s'.", s->w[i].s);
		return -1;
	}
	int *f = (int *)((char *)hap_target(c, kw->target) + kw->off);
	*f = v;
	return 0;
}

static int srv_check(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)s;
	(void)i;
	bool on = strncmp(kw->name, "no-", 3) != 0;
	if (strstr(kw->name, "agent"))
		c->srv->agent.enabled = on;
	else
		c->srv->check.enabled = on;
	return 0;
}

static int srv_flag(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)s;
	(void)i;
	int8_t *f = (int8_t *)((char *)hap_target(c, kw->target) + kw->off);
	*f = (int8_t)kw->arg;
	return 0;
}

static int srv_addr(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	char err[256];
	struct m_addr *a = (struct m_addr *)((char *)hap_target(c, kw->target) + kw->off);
	if (m_parse_addr(c->a, s->w[i].s, ADDR_SERVER, a, err, sizeof(err)) < 0) {
		srv_alert(c, s, s->w[i].at, "%s", err);
		return -1;
	}
	return 0;
}

static int srv_str(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	char **f = (char **)((char *)hap_target(c, kw->target) + kw->off);
	*f = arena_strdup(c->a, s->w[i].s);
	return 0;
}

static int srv_id(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	int v = atoi(s->w[i].s);
	if (v <= 0) {
		srv_alert(c, s, s->w[i].at, "custom id has to be > 0.");
		return -1;
	}
	c->srv->id = v;
	return 0;
}

static int srv_verify(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	const char *v = s->w[i].s;
	if (strcmp(v, "none") && strcmp(v, "required")) {
		srv_alert(c, s, s->w[i].at,
			  "'verify' : unknown verify method '%s', only 'none' and 'required' are "
			  "supported\n", v);
		return -1;
	}
	c->srv->check.verify_none = !strcmp(v, "none");
	return 0;
}

/* observe / on-error / error-limit, checked as HAProxy 2.6 checks them. */
static int srv_observe(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	static const char *const obs[] = {"none", "layer4", "layer7", NULL},
				 *const err[] = {"fastinter", "fail-check", "sudden-death",
						 "mark-down", NULL};
	const char *v = s->w[i].s;
	bool on_err = !strcmp(kw->name, "on-error");
	if (!strcmp(kw->name, "error-limit")) {
		if (atoi(v) <= 0) {
			srv_alert(c, s, s->w[i].at, "error-limit has to be > 0..");
			return -1;
		}
		c->srv->error_limit = atoi(v);
		return 0;
	}
	for (const char *const *k = on_err ? err : obs; *k; k++)
		if (!strcmp(*k, v))
			return srv_str(c, kw, s, i);
	if (on_err)
		srv_alert(c, s, s->w[i].at, "'on-error' expects one of 'fastinter', 'fail-check', "
			  "'sudden-death' or 'mark-down' but got '%s'.", v);
	else
		srv_alert(c, s, s->w[i].at,
			  "'observe' expects one of 'none', 'layer4', 'layer7' but got '%s'.", v);
	return -1;
}

/* TLS to servers is not in vipr yet: `ssl` is recorded so that HAProxy's file checks run
 * (hap_check.c) and so that running the configuration is refused. */
static int srv_ssl(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	(void)i;
	c->srv->ssl = 1;
	hap_unsupported(c, s, "server keyword 'ssl'", true);
	return 0;
}

#define SF(n, fn, nargs, tgt) {n, 0, nargs, nargs, fn, tgt, 0, 0, NULL}
#define SU(n, nargs) {n, 0, nargs, nargs, NULL, T_NONE, 0, 0, KW_UNSUPPORTED, NULL}
const struct hap_kw hap_server_kw[] = {
	{"addr", 0, 1, 1, srv_addr, CHK(addr), 0, 0, NULL},
	{"agent-check", 0, 0, 0, srv_check, T_NONE, 0, 0, 0, NULL},
	{"agent-inter", 0, 1, 1, srv_time, T_SERVER, offsetof(struct m_server, agent.inter), 0, 0, NULL},
	{"agent-port", 0, 1, 1, srv_port, T_SERVER, offsetof(struct m_server, agent.port), 0, 0, NULL},
	{"agent-addr", 0, 1, 1, srv_addr, T_SERVER, offsetof(struct m_server, agent.addr), 0, 0, NULL},
	{"backup", 0, 0, 0, srv_flag, SRV(backup), 1, 0, NULL},
	{"check", 0, 0, 0, srv_check, T_NONE, 0, 0, 0, NULL},
	{"check-ssl", 0, 0, 0, srv_flag, CHK(ssl), 1, 0, NULL},
	{"check-sni", 0, 1, 1, srv_str, CHK(sni), 0, 0, NULL},
	{"cookie", 0, 1, 1, srv_str, SRV(cookie), 0, 0, NULL},
	{"disabled", 0, 0, 0, srv_flag, SRV(disabled), 1, 0, NULL},
	{"downinter", 0, 1, 1, srv_time, CHK(downinter), 0, 0, NULL},
	{"enabled", 0, 0, 0, srv_flag, SRV(disabled), 0, 0, NULL},
	{"fall", 0, 1, 1, srv_pos_int, CHK(fall), 0, 0, NULL},
	{"fastinter", 0, 1, 1, srv_time, CHK(fastinter), 0, 0, NULL},
	{"id", 0, 1, 1, srv_id, T_NONE, 0, 0, 0, NULL},
	{"inter", 0, 1, 1, srv_time, CHK(inter), 0, 0, NULL},
	{"maxconn", 0, 1, 1, srv_pos_int, SRV(maxconn), 0, 0, NULL},
	{"maxqueue", 0, 1, 1, srv_pos_int, SRV(maxqueue), 0, 0, NULL},
	{"minconn", 0, 1, 1, srv_pos_int, SRV(minconn), 0, 0, NULL},
	{"no-agent-check", 0, 0, 0, srv_check, T_NONE, 0, 0, 0, NULL},
	{"no-backup", 0, 0, 0, srv_flag, SRV(backup), 0, 0, NULL},
	{"no-check", 0, 0, 0, srv_check, T_NONE, 0, 0, 0, NULL},
	{"no-check-ssl", 0, 0, 0, srv_flag, CHK(ssl), 0, 0, NULL},
	{"no-send-proxy", 0, 0, 0, srv_flag, SRV(send_proxy), 0, 0, NULL},
	{"no-ssl", 0, 0, 0, srv_flag, SRV(ssl), 0, 0, NULL},
	{"observe", 0, 1, 1, srv_observe, SRV(observe), 0, 0, NULL},
	{"on-error", 0, 1, 1, srv_observe, SRV(on_error), 0, 0, NULL},
	{"error-limit", 0, 1, 1, srv_observe, T_NONE, 0, 0, 0, NULL},
	{"port", 0, 1, 1, srv_port, CHK(port), 0, 0, NULL},
	{"rise", 0, 1, 1, srv_pos_int, CHK(rise), 0, 0, NULL},
	{"send-proxy", 0, 0, 0, srv_flag, SRV(send_proxy), 1, 0, NULL},
	{"send-proxy-v2", 0, 0, 0, srv_flag, SRV(send_proxy), 2, 0, NULL},
	{"verify", 0, 1, 1, srv_verify, T_NONE, 0, 0, 0, NULL},
	{"weight", 0, 1, 1, srv_weight, T_NONE, 0, 0, 0, NULL},
	{"ssl", 0, 0, 0, srv_ssl, T_NONE, 0, 0, 0, NULL},
	{"crt", 0, 1, 1, srv_str, SRV(ssl_crt), 0, 0, NULL},
	{"ca-file", 0, 1, 1, srv_str, SRV(ssl_ca_file), 0, 0, NULL},
	SU("agent-send", 1), SU("alpn", 1), SU("allow-0rtt", 0), SU("ciphers", 1),
	SU("ciphersuites", 1), SU("check-alpn", 1), SU("check-proto", 1), SU("check-send-proxy", 0),
	SU("check-via-socks4", 0), SU("crl-file", 1),
	SU("force-sslv3", 0), SU("force-tlsv10", 0), SU("force-tlsv11", 0), SU("force-tlsv12", 0),
	SU("force-tlsv13", 0), SU("init-addr", 1), SU("log-proto", 1), SU("max-reuse", 1),
	SU("namespace", 1), SU("no-sslv3", 0), SU("no-tls-tickets", 0), SU("no-tlsv10", 0),
	SU("no-tlsv11", 0), SU("no-tlsv12", 0), SU("no-tlsv13", 0), SU("no-verifyhost", 0),
	SU("npn", 1), SU("on-marked-down", 1), SU("on-marked-up", 1), SU("pool-low-conn", 1),
	SU("pool-max-conn", 1), SU("pool-purge-delay", 1), SU("proto", 1), SU("redir", 1),
	SU("resolve-net", 1), SU("resolve-opts", 1), SU("resolve-prefer", 1), SU("resolvers", 1),
	SU("send-proxy-v2-ssl", 0), SU("send-proxy-v2-ssl-cn", 0), SU("set-proxy-v2-tlv-fmt", 1),
	SU("slowstart", 1), SU("sni", 1), SU("socks4", 1), SU("source", 1), SU("ssl-max-ver", 1),
	SU("ssl-min-ver", 1), SU("ssl-reuse", 0), SU("stick", 0), SU("tcp-ut", 1), SU("tfo", 0),
	SU("tls-tickets", 0), SU("track", 1), SU("usesrc", 1), SU("verifyhost", 1), SU("ws", 1),
	SU("curves", 1), SU("sigalgs", 1), SU("client-sigalgs", 1), SU("no-ssl-reuse", 0),
	SU("shard", 1),
	{NULL, 0, 0, 0, NULL, 0, 0, 0, 0, NULL},
};

static struct m_server *new_server(struct hap_ctx *c)
{
	struct m_server *srv = arena_alloc(c->a, sizeof(*srv));
	m_server_init(srv);
	return srv;
}

/* Parses the keywords of a server or default-server line from word i. */
static int server_keywords(struct hap_ctx *c, struct cfg_stmt *s, int i)
{
	int rc = 0;
	while (i < s->nw) {
		const char *w = s->w[i].s;
		const struct hap_kw *kw = hap_kw_find(hap_server_kw, w);
		if (!kw) {
			const char *best = hap_kw_suggest(hap_server_kw, 0, w);
			bool dflt = !strcmp(s->w[0].s, "default-server");
			struct diag *d;
			if (best)
				d = srv_alert(c, s, s->w[i].at,
					      "unknown keyword '%s'; did you mean '%s' maybe ?%s", w,
					      best,
					      dflt ? " Hint: no address was expected for this server."
						   : "");
			else
				d = srv_alert(c, s, s->w[i].at, "unknown keyword '%s'.%s", w,
					      dflt ? " Hint: no address was expected for this server."
						   : "");
			if (best)
				diag_hint(d, "did you mean '%s'?", best);
			return -1;
		}
		if (i + kw->min >= s->nw + (kw->min == 0)) {
			srv_alert(c, s, s->w[i].at, "'%s' expects an argument.", w);
			return -1;
		}
		if (kw->flags & (KW_UNSUPPORTED | KW_FATAL_UNSUP)) {
			char what[96];
			snprintf(what, sizeof(what), "server keyword '%s'", w);
			hap_unsupported(c, s, what, kw->flags & KW_FATAL_UNSUP);
		} else if (kw->set(c, kw, s, i + 1) < 0)
			rc = -1;
		i += 1 + kw->min;
	}
	return rc;
}

int hap_server_line(struct hap_ctx *c, struct cfg_stmt *s, bool is_default)
{
	struct m_pool *pool = hap_target(c, T_POOL);
	if (is_default) {
		if (!pool->default_server)
			pool->default_server = new_server(c);
		c->srv = pool->default_server;
		int rc = server_keywords(c, s, 1);
		c->srv = NULL;
		return rc;
	}
	if (s->nw < 3) {
		char *compat = NULL;
		if (asprintf(&compat,
			     "[%s:%u] : 'server' expects <name> and <addr>[:<port>] as arguments.",
			     s->at.file, s->at.line) < 0)
			abort();
		hap_diag(c, s->at, DIAG_ERROR, DIAG_ERROR, DIAG_FATAL, compat,
			 "'server' expects a name and an address");
		free(compat);
		return -1;
	}
	struct m_server *srv = new_server(c);
	srv->name = arena_strdup(c->a, s->w[1].s);
	srv->at = s->at;
	char err[256];
	int rc = 0;
	if (m_parse_addr(c->a, s->w[2].s, ADDR_SERVER, &srv->addr, err, sizeof(err)) < 0) {
		srv_alert(c, s, s->w[2].at, "%s", err);
		rc = -1;
	}
	c->srv = srv;
	if (server_keywords(c, s, 3) < 0)
		rc = -1;
	c->srv = NULL;
	/* Appending stays O(1) per server: the context remembers the last one. */
	if (c->tail_pool == pool && c->tail_srv)
		c->tail_srv->next = srv;
	else {
		struct m_server **tail = &pool->servers;
		while (*tail)
			tail = &(*tail)->next;
		*tail = srv;
	}
	c->tail_pool = pool;
	c->tail_srv = srv;
	pool->nservers++;
	return rc;
}

/* ------------------------------------------------------------------ bind */

static int bind_int(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	int *f = (int *)((char *)c->bind + kw->off);
	*f = atoi(s->w[i].s);
	return 0;
}

/* a unix socket's `mode`, octal as chmod(1) writes it (HAProxy reads it with base 8) */
static int bind_octal(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	*(int *)((char *)c->bind + kw->off) = (int)strtol(s->w[i].s, NULL, 8);
	return 0;
}

static int bind_flag(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)s;
	(void)i;
	*(int8_t *)((char *)c->bind + kw->off) = 1;
	return 0;
}

/* a unix socket's `user` / `group`: names resolved now, stored as its uid / gid */
static int bind_owner(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	const char *v = s->w[i].s;
	bool grp = kw->name[0] == 'g';
	struct passwd *pw = grp ? NULL : getpwnam(v);
	struct group *gr = grp ? getgrnam(v) : NULL;
	if (!pw && !gr) {
		hap_alert(c, s, "'bind %s' in section '%s' : '%s' : unknown %s name '%s'", s->w[1].s,
			  c->sec_name, kw->name, kw->name, v);
		return -1;
	}
	*(int *)((char *)c->bind + kw->off) = grp ? (int)gr->gr_gid : (int)pw->pw_uid;
	return 0;
}

static int bind_str(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	*(char **)((char *)c->bind + kw->off) = arena_strdup(c->a, s->w[i].s);
	return 0;
}

/* TLS is not in vipr yet, but HAProxy's checks of the files are kept so that `haproxy -c`
 * gives the same verdict; running such a configuration is refused (hap_unsupported). */
static int bind_ssl(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	(void)i;
	if (!c->bind->ssl)
		hap_unsupported(c, s, "bind keyword 'ssl'", true);
	c->bind->ssl = 1;
	return 0;
}

static int bind_crt(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	char path[4096];
	const char *v = s->w[i].s;
	const char *base = c->cfg->global.crt_base;
	if (base && v[0] != '/')
		snprintf(path, sizeof(path), "%s/%s", base, v);
	else
		snprintf(path, sizeof(path), "%s", v);
	struct stat st;
	if (stat(path, &st) < 0) {
		hap_alert(c, s, "'bind %s' in section '%s' : unable to stat SSL certificate from "
				"file '%s' : %s.", s->w[1].s, c->sec_name, path, strerror(errno));
		return -1;
	}
	char **crt = arena_alloc(c->a, sizeof(char *) * (size_t)(c->bind->ncrt + 1));
	if (c->bind->ncrt)
		memcpy(crt, c->bind->crt, sizeof(char *) * (size_t)c->bind->ncrt);
	crt[c->bind->ncrt++] = arena_strdup(c->a, path);
	c->bind->crt = crt;
	return 0;
}

/* `process` on bind lines is a no-op in 2.6 (one process) and deprecated. */
static int bind_process(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	if (c->bind->next)
		return 0; /* once per line, not per address */
	hap_warn(c, s, "'bind %s' in section '%s' : 'process %s' on 'bind' lines is deprecated and "
		       "will be removed in 2.7. Please use 'thread %s' instead.",
		 s->w[1].s, c->sec_name, s->w[i].s,
		 strchr(s->w[i].s, '/') ? strchr(s->w[i].s, '/') + 1 : s->w[i].s);
	return 0;
}

#define BND(f) T_BIND, offsetof(struct m_bind, f)
#define BU(n, nargs) {n, 0, nargs, nargs, NULL, T_NONE, 0, 0, KW_UNSUPPORTED, NULL}
#define BX(n, nargs) {n, 0, nargs, nargs, NULL, T_NONE, 0, 0, KW_FATAL_UNSUP, NULL}
const struct hap_kw hap_bind_kw[] = {
	{"accept-proxy", 0, 0, 0, bind_flag, BND(accept_proxy), 0, 0, NULL},
	{"backlog", 0, 1, 1, bind_int, BND(backlog), 0, 0, NULL},
	{"defer-accept", 0, 0, 0, bind_flag, BND(defer_accept), 0, 0, NULL},
	{"interface", 0, 1, 1, bind_str, BND(interface), 0, 0, NULL},
	{"maxconn", 0, 1, 1, bind_int, BND(maxconn), 0, 0, NULL},
	{"name", 0, 1, 1, bind_str, BND(name), 0, 0, NULL},
	{"tfo", 0, 0, 0, bind_flag, BND(tfo), 0, 0, NULL},
	{"transparent", 0, 0, 0, bind_flag, BND(transparent), 0, 0, NULL},
	{"v4v6", 0, 0, 0, bind_flag, BND(v4v6), 0, 0, NULL},
	{"v6only", 0, 0, 0, bind_flag, BND(v6only), 0, 0, NULL},
	{"mode", 0, 1, 1, bind_octal, BND(unix_mode), 0, 0, NULL},
	{"uid", 0, 1, 1, bind_int, BND(uid), 0, 0, NULL},
	{"gid", 0, 1, 1, bind_int, BND(gid), 0, 0, NULL},
	{"nice", 0, 1, 1, bind_int, BND(nice), 0, 0, NULL},
	BU("id", 1),
	{"ssl", 0, 0, 0, bind_ssl, T_NONE, 0, 0, 0, NULL},
	{"crt", 0, 1, 1, bind_crt, T_NONE, 0, 0, 0, NULL},
	BX("crt-list", 1), BX("ca-file", 1), BX("verify", 1),
	BU("alpn", 1), BU("npn", 1), BU("accept-netscaler-cip", 1), BU("allow-0rtt", 0),
	BU("ca-ignore-err", 1), BU("ca-sign-file", 1), BU("ca-sign-pass", 1), BU("ca-verify-file", 1),
	BU("ciphers", 1), BU("ciphersuites", 1), BU("crl-file", 1), BU("crt-ignore-err", 1),
	BU("curves", 1), BU("ecdhe", 1), BU("expose-fd", 1), BU("force-sslv3", 0),
	BU("force-tlsv10", 0), BU("force-tlsv11", 0), BU("force-tlsv12", 0), BU("force-tlsv13", 0),
	{"user", 0, 1, 1, bind_owner, BND(uid), 0, 0, NULL},
	{"group", 0, 1, 1, bind_owner, BND(gid), 0, 0, NULL},
	BU("generate-certificates", 0), BU("level", 1), BU("mss", 1),
	BU("namespace", 1), BU("no-ca-names", 0), BU("no-sslv3", 0), BU("no-tls-tickets", 0),
	BU("no-tlsv10", 0), BU("no-tlsv11", 0), BU("no-tlsv12", 0), BU("no-tlsv13", 0),
	BU("prefer-client-ciphers", 0), {"process", 0, 1, 1, bind_process, T_NONE, 0, 0, 0, NULL}, BU("proto", 1), BU("severity-output", 1),
	BU("ssl-max-ver", 1), BU("ssl-min-ver", 1), BU("strict-sni", 0), BU("tcp-ut", 1),
	BU("thread", 1), BU("tls-ticket-keys", 1), BU("sigalgs", 1),
	BU("client-sigalgs", 1), BU("quic-cc-algo", 1), BU("quic-force-retry", 0), BU("shards", 1),
	{NULL, 0, 0, 0, NULL, 0, 0, 0, 0, NULL},
};

int hap_bind_line(struct hap_ctx *c, struct cfg_stmt *s)
{
	if (s->nw < 2 || !*s->w[1].s) {
		hap_alert(c, s, "'bind' expects {<path>|[addr1]:port1[-end1]}{,[addr]:port[-end]}... "
				"as arguments.");
		return -1;
	}
	struct m_service *svc = c->px->svc;
	struct m_bind *first = NULL, **tail = &svc->binds;
	while (*tail)
		tail = &(*tail)->next;
	/* One bind line may list several addresses separated by commas. */
	char *list = arena_strdup(c->a, s->w[1].s);
	int rc = 0;
	for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		struct m_bind *b = arena_alloc(c->a, sizeof(*b));
		char err[256];
		b->at = s->w[1].at;
		b->unix_mode = b->uid = b->gid = M_UNSET;
		if (m_parse_addr(c->a, tok, ADDR_BIND, &b->addr, err, sizeof(err)) < 0) {
			hap_alert(c, s, "'bind' : %s", err)->at = s->w[1].at;
			rc = -1;
			continue;
		}
		*tail = b;
		tail = &b->next;
		if (!first)
			first = b;
	}
	for (int i = 2; i < s->nw;) {
		const char *w = s->w[i].s;
		const struct hap_kw *kw = hap_kw_find(hap_bind_kw, w);
		if (!kw) {
			const char *best = hap_kw_suggest(hap_bind_kw, 0, w);
			char sugg[128] = "";
			if (best)
				snprintf(sugg, sizeof(sugg), "; did you mean '%s' maybe ?", best);
			struct diag *d = hap_alert(c, s, "'bind %s' in section '%s': unknown keyword "
						      "'%s'%s", s->w[1].s, c->sec_name, w, sugg);
			d->at = s->w[i].at;
			if (best)
				diag_hint(d, "did you mean '%s'?", best);
			return -1;
		}
		if (i + kw->min >= s->nw + (kw->min == 0)) {
			hap_alert(c, s, "'bind %s' : missing value for '%s' option.", s->w[1].s, w);
			return -1;
		}
		if (kw->flags & (KW_UNSUPPORTED | KW_FATAL_UNSUP)) {
			char what[96];
			snprintf(what, sizeof(what), "bind keyword '%s'", w);
			hap_unsupported(c, s, what, kw->flags & KW_FATAL_UNSUP);
		} else {
			/* Every address of the line gets the option. */
			for (struct m_bind *b = first; b; b = b->next) {
				c->bind = b;
				kw->set(c, kw, s, i + 1);
			}
			c->bind = NULL;
		}
		i += 1 + kw->min;
	}
	return rc;
}
