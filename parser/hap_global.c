/* hap_global.c - the `global` and `userlist` sections, `log` lines (global and proxies),
 * and `http-check` / `tcp-check` rule lines.
 */
#include "hap_bind.h"

#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#define GLB(f) T_GLOBAL, offsetof(struct m_global, f)

static const char *const facilities[] = {
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
	"auth2", "ftp", "ntp", "audit", "alert", "cron2", "local0", "local1", "local2", "local3",
	"local4", "local5", "local6", "local7", NULL,
};
static const char *const levels[] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug", NULL,
};

static bool in_list(const char *const *l, const char *w)
{
	for (; *l; l++)
		if (!strcmp(*l, w))
			return true;
	return false;
}

/* log <target> [len N] [format F] [sample R:S] <facility> [level [minlevel]] | log global */
int hap_parse_log(struct hap_ctx *c, struct cfg_stmt *s, int i, struct m_log_target **head,
		  int8_t *log_global)
{
	if (i < s->nw && !strcmp(s->w[i].s, "global")) {
		if (c->sec == HS_GLOBAL) {
			hap_alert(c, s, "log : expects <address> and <facility>  as arguments");
			return -1;
		}
		*log_global = 1;
		return 0;
	}
	if (s->nw - i < 2) {
		if (c->sec == HS_GLOBAL)
			hap_alert(c, s, "log : expects <address> and <facility>  as arguments");
		else
			hap_alert(c, s, "log : expects <address> and <facility> or global as "
					"arguments");
		return -1;
	}
	struct m_log_target *t = arena_alloc(c->a, sizeof(*t));
	t->at = s->at;
	const char *target = s->w[i++].s;
	while (i + 1 < s->nw && (!strcmp(s->w[i].s, "len") || !strcmp(s->w[i].s, "format") ||
				 !strcmp(s->w[i].s, "sample"))) {
		if (s->w[i].s[0] == 'l')
			t->maxlen = atoi(s->w[i + 1].s);
		else if (s->w[i].s[0] == 'f')
			t->format = arena_strdup(c->a, s->w[i + 1].s);
		else
			hap_unsupported(c, s, "log sample", false);
		i += 2;
	}
	if (i >= s->nw) {
		hap_alert(c, s, "log : expects <address> and <facility> or global as arguments");
		return -1;
	}
	if (!in_list(facilities, s->w[i].s)) {
		hap_alert(c, s, "log : unknown log facility '%s'", s->w[i].s);
		return -1;
	}
	t->facility = arena_strdup(c->a, s->w[i++].s);
	if (i < s->nw) {
		if (!in_list(levels, s->w[i].s)) {
			hap_alert(c, s, "log : unknown optional log level '%s'", s->w[i].s);
			return -1;
		}
		t->level = arena_strdup(c->a, s->w[i++].s);
	}
	if (i < s->nw) {
		if (!in_list(levels, s->w[i].s)) {
			hap_alert(c, s, "log : unknown optional minimum log level '%s'", s->w[i].s);
			return -1;
		}
		t->minlevel = arena_strdup(c->a, s->w[i++].s);
	}
	if (!strcmp(target, "stdout"))
		t->kind = LOG_TARGET_STDOUT;
	else if (!strcmp(target, "stderr"))
		t->kind = LOG_TARGET_STDERR;
	else if (target[0] == '/' || !strncmp(target, "unix@", 5)) {
		t->kind = LOG_TARGET_UNIX;
		t->addr.kind = M_ADDR_UNIX;
		t->addr.path = arena_strdup(c->a, target[0] == '/' ? target : target + 5);
		t->addr.text = arena_strdup(c->a, target);
	} else if (!strncmp(target, "fd@", 3)) {
		t->kind = LOG_TARGET_FD;
		t->addr.kind = M_ADDR_FD;
		t->addr.fd = atoi(target + 3);
	} else {
		char err[256];
		t->kind = LOG_TARGET_UDP;
		if (m_parse_addr(c->a, target, ADDR_SERVER, &t->addr, err, sizeof(err)) < 0 ||
		    (t->addr.kind == M_ADDR_NAME && m_addr_resolve(&t->addr) < 0)) {
			hap_alert(c, s, "log : unknown address '%s'", target);
			return -1;
		}
		if (t->addr.no_port) {
			t->addr.port_lo = t->addr.port_hi = 514;
			m_addr_set_port(&t->addr, 514);
		}
	}
	while (*head)
		head = &(*head)->next;
	*head = t;
	return 0;
}

static int g_log(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	int8_t dummy;
	return hap_parse_log(c, s, i, &c->cfg->global.logs, &dummy);
}

static int g_nbthread(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	char *end;
	long n = strtol(s->w[i].s, &end, 10);
	if (!*s->w[i].s || *end) {
		hap_alert(c, s, "'nbthread' passed a missing or unparsable integer value in '%s'",
			  s->w[i].s);
		return -1;
	}
	if (n < 1 || n > 64) {
		hap_alert(c, s, "'nbthread' value must be between 1 and 64 (was %ld)", n);
		return -1;
	}
	c->cfg->global.nbthread = (int)n;
	return 0;
}

/* master-worker [no-exit-on-failure]: 1, or 2 when the master outlives a failed worker */
static int g_master_worker(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	(void)i;
	if (s->nw > 1 && strcmp(s->w[1].s, "no-exit-on-failure")) {
		hap_alert(c, s, "'master-worker' only supports 'no-exit-on-failure' option.");
		return -1;
	}
	c->cfg->global.master_worker = s->nw > 1 ? 2 : 1;
	return 0;
}

static int g_nbproc(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	(void)i;
	hap_alert(c, s, "nbproc is not supported any more since HAProxy 2.5. Threads will "
			"automatically be used on multi-processor machines if available.");
	return -1;
}

static int g_user(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	bool grp = kw->name[0] == 'g';
	const char *v = s->w[i].s;
	if (grp) {
		struct group *g = getgrnam(v);
		if (!g) {
			hap_alert(c, s, "cannot find group id for '%s' (0:Success)", v);
			return -1;
		}
		c->cfg->global.group = arena_strdup(c->a, v);
		c->cfg->global.gid = (int)g->gr_gid;
	} else {
		struct passwd *p = getpwnam(v);
		if (!p) {
			hap_alert(c, s, "cannot find user id for '%s' (0:Success)", v);
			return -1;
		}
		c->cfg->global.user = arena_strdup(c->a, v);
		c->cfg->global.uid = (int)p->pw_uid;
	}
	return 0;
}

static int g_spread(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	int v = atoi(s->w[i].s);
	if (v < 0 || v > 50) {
		hap_alert(c, s, ":'spread-checks' needs a positive value in range 0..50.");
		return -1;
	}
	c->cfg->global.spread_checks = v;
	return 0;
}

static int g_stats(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	const char *v = i < s->nw ? s->w[i].s : "";
	struct m_global *g = &c->cfg->global;
	if (!strcmp(v, "socket")) {
		if (i + 1 >= s->nw) {
			hap_alert(c, s, "'stats socket' in global section expects an address or a "
					"path to a UNIX socket");
			return -1;
		}
		struct m_stats_socket *ss = arena_alloc(c->a, sizeof(*ss));
		char err[256];
		const char *a = s->w[i + 1].s;
		ss->at = s->at;
		ss->mode = M_UNSET;
		if (a[0] == '/' || !strncmp(a, "unix@", 5) || !strncmp(a, "ipv4@", 5) ||
		    !strncmp(a, "ipv6@", 5) || strchr(a, ':')) {
			if (m_parse_addr(c->a, a, ADDR_BIND, &ss->addr, err, sizeof(err)) < 0) {
				hap_alert(c, s, "'stats socket' : %s", err);
				return -1;
			}
		}
		for (int k = i + 2; k + 1 < s->nw; k += 2) {
			const char *o = s->w[k].s, *val = s->w[k + 1].s;
			if (!strcmp(o, "mode"))
				ss->mode = (int)strtol(val, NULL, 8);
			else if (!strcmp(o, "level")) {
				if (strcmp(val, "user") && strcmp(val, "operator") &&
				    strcmp(val, "admin")) {
					hap_alert(c, s, "'stats socket' : ''level' only supports 'user', "
							"'operator', and 'admin' (got '%s')'", val);
					return -1;
				}
				ss->level = arena_strdup(c->a, val);
			}
			else if (!strcmp(o, "expose-fd"))
				ss->expose_fd_listeners = !strcmp(val, "listeners");
			else if (strcmp(o, "user") && strcmp(o, "group") && strcmp(o, "uid") &&
				 strcmp(o, "gid") && strcmp(o, "process") && strcmp(o, "thread")) {
				char what[64];
				snprintf(what, sizeof(what), "stats socket option '%s'", o);
				hap_unsupported(c, s, what, false);
			}
		}
		struct m_stats_socket **tail = &g->stats_sockets;
		while (*tail)
			tail = &(*tail)->next;
		*tail = ss;
		return 0;
	}
	if (!strcmp(v, "timeout")) {
		struct hap_kw t = {"stats timeout", HS_GLOBAL, 1, 1, hap_set_time, GLB(stats_timeout),
				   0, 0, NULL};
		return hap_set_time(c, &t, s, i + 1);
	}
	if (!strcmp(v, "maxconn") || !strcmp(v, "bind-process"))
		return 0;
	hap_alert(c, s, "'stats' only supports 'socket', 'maxconn', 'bind-process' and 'timeout' "
			"(got '%s')", v);
	return -1;
}

static int g_hard_stop(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	m_ms v;
	if (i >= s->nw) { /* HAProxy's message ends with an empty line */
		hap_alert(c, s, "'hard-stop-after' expects <time> as argument.\n");
		return -1;
	}
	const char *res = m_parse_time(s->w[i].s, &v, 1);
	if (res) {
		hap_alert(c, s, "unexpected character '%c' in argument to <hard-stop-after>.\n",
			  res == M_TIME_OVER || res == M_TIME_UNDER ? '?' : *res);
		return -1;
	}
	c->cfg->global.hard_stop_after = v;
	return 0;
}

/* tune.bufsize and tune.maxrewrite: HAProxy reads them with atol() and wants > 0. */
static int g_positive(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	long v = atol(s->w[i].s);
	if (v <= 0) {
		hap_alert(c, s, "'%s' expects a positive integer argument.", kw->name);
		return -1;
	}
	if (!strcmp(kw->name, "tune.bufsize"))
		c->cfg->global.tune_bufsize = (int)v;
	else
		c->cfg->global.tune_maxrewrite = (int)v;
	return 0;
}

static int g_maxhdr(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	long v = atol(s->w[i].s);
	if (v < 1 || v > 32767) {
		hap_alert(c, s, "'%s' expects a numeric value between 1 and 32767", kw->name);
		return -1;
	}
	hap_unsupported(c, s, kw->name, false);
	return 0;
}

static int g_dhparam(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	if (atol(s->w[i].s) < 1024) {
		hap_alert(c, s, "'%s' expects a value >= 1024.", kw->name);
		return -1;
	}
	hap_unsupported(c, s, kw->name, false);
	return 0;
}

/* The environment itself is changed while the file is read (hap_cfg.y), so that the next
 * lines see it; here only the arguments are checked, with HAProxy's wording. */
static int g_env(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	int n = s->nw - i;
	if ((!strcmp(kw->name, "setenv") || !strcmp(kw->name, "presetenv")) && n != 2) {
		hap_alert(c, s, ":'%s' expects a name and a value.", kw->name);
		return -1;
	}
	if (!strcmp(kw->name, "unsetenv") && n < 1) {
		hap_alert(c, s, ":'%s' expects at least one variable name.", kw->name);
		return -1;
	}
	return 0;
}

#define G(n, fn, min, max, tgt, flags) {n, HS_GLOBAL, min, max, fn, tgt, 0, 0, flags, NULL}
#define GU(n) {n, HS_GLOBAL, 0, -1, NULL, T_NONE, 0, 0, KW_UNSUPPORTED, NULL}
#define GI(n) {n, HS_GLOBAL, 0, -1, hap_set_ignored, T_NONE, 0, 0, KW_IGNORED, NULL}
const struct hap_kw hap_global_kw[] = {
	{"ca-base", HS_GLOBAL, 1, 1, hap_set_str, GLB(ca_base), 0, 0, "a directory"},
	{"chroot", HS_GLOBAL, 1, 1, hap_set_str, GLB(chroot), 0, 0, "a directory as an argument"},
	{"crt-base", HS_GLOBAL, 1, 1, hap_set_str, GLB(crt_base), 0, 0, "a directory"},
	{"daemon", HS_GLOBAL, 0, 0, hap_set_flag, GLB(daemon), 0, 0, NULL},
	{"description", HS_GLOBAL, 1, -1, hap_set_str, GLB(description), 0, 0, ":a string argument"},
	G("gid", NULL, 1, 1, T_NONE, KW_UNSUPPORTED),
	G("group", g_user, 1, 1, T_NONE, 0),
	G("hard-stop-after", g_hard_stop, 0, 1, T_NONE, 0),
	G("log", g_log, 0, -1, T_NONE, 0),
	{"log-send-hostname", HS_GLOBAL, 0, 1, hap_set_str, GLB(log_send_hostname), 0, 0, NULL},
	{"log-tag", HS_GLOBAL, 1, 1, hap_set_str, GLB(log_tag), 0, 0, "a tag"},
	G("master-worker", g_master_worker, 0, 1, T_NONE, 0),
	{"max-spread-checks", HS_GLOBAL, 1, 1, hap_set_time, GLB(max_spread_checks), 0, 0, NULL},
	{"maxconn", HS_GLOBAL, 1, 1, hap_set_int_lenient, GLB(maxconn), 0, KW_LENIENT, NULL},
	G("nbproc", g_nbproc, 0, -1, T_NONE, 0),
	G("nbthread", g_nbthread, 1, 1, T_NONE, 0),
	{"node", HS_GLOBAL, 1, 1, hap_set_str, GLB(node), 0, 0, "a name"},
	{"pidfile", HS_GLOBAL, 1, 1, hap_set_str, GLB(pidfile), 0, 0, "a file name as an argument"},
	G("spread-checks", g_spread, 1, 1, T_NONE, 0),
	G("stats", g_stats, 0, -1, T_NONE, 0),
	G("tune.bufsize", g_positive, 1, 1, T_NONE, 0),
	G("tune.maxrewrite", g_positive, 1, 1, T_NONE, 0),
	G("tune.http.maxhdr", g_maxhdr, 1, 1, T_NONE, 0),
	G("tune.ssl.default-dh-param", g_dhparam, 1, 1, T_NONE, 0),
	G("uid", NULL, 1, 1, T_NONE, KW_UNSUPPORTED),
	{"ulimit-n", HS_GLOBAL, 1, 1, hap_set_int_lenient, GLB(ulimit_n), 0, KW_LENIENT, NULL},
	G("user", g_user, 1, 1, T_NONE, 0),
	GI("quiet"), GI("debug"), GI("noepoll"), GI("nopoll"), GI("nosplice"), GI("nogetaddrinfo"),
	GI("noreuseport"), GI("zero-warning"), GI("busy-polling"),
	GU("ssl-default-bind-ciphers"), GU("ssl-default-bind-ciphersuites"),
	GU("ssl-default-bind-options"), GU("ssl-default-server-ciphers"),
	GU("ssl-default-server-ciphersuites"), GU("ssl-default-server-options"),
	GU("ssl-default-bind-curves"), GU("ssl-default-bind-sigalgs"), GU("ssl-dh-param-file"),
	GU("ssl-engine"), GU("ssl-mode-async"), GU("ssl-server-verify"), GU("ssl-load-extra-files"),
	GU("ssl-skip-self-issued-ca"), GU("tune.ssl.cachesize"),
	GU("tune.ssl.lifetime"), GU("tune.ssl.maxrecord"), 	GU("tune.maxaccept"), GU("tune.maxpollevents"), GU("tune.recv_enough"),
	GU("tune.rcvbuf.client"), GU("tune.rcvbuf.server"), GU("tune.sndbuf.client"),
	GU("tune.sndbuf.server"), GU("tune.idletimer"), GU("tune.pipesize"),
	GU("tune.h2.max-concurrent-streams"), GU("tune.h2.initial-window-size"),
	GU("tune.comp.maxlevel"), GU("tune.lua.maxmem"), GU("tune.http.cookielen"),
	GU("tune.http.logurilen"), GU("tune.vars.txn-max-size"), GU("tune.zlib.memlevel"),
	GU("tune.zlib.windowsize"), GU("lua-load"), GU("lua-load-per-thread"),
	GU("lua-prepend-path"), GU("server-state-file"), GU("server-state-base"),
	GU("cpu-map"), G("setenv", g_env, 0, -1, T_NONE, 0), G("presetenv", g_env, 0, -1, T_NONE, 0),
	G("unsetenv", g_env, 0, -1, T_NONE, 0), G("resetenv", g_env, 0, -1, T_NONE, 0),
	GU("localpeer"), GU("maxsslconn"), GU("maxsslrate"), GU("maxconnrate"),
	GU("maxsessrate"), GU("maxcomprate"), GU("maxcompcpuusage"), GU("maxpipes"),
	GU("maxzlibmem"), GU("mworker-max-reloads"), GU("h1-case-adjust"),
	GU("h1-case-adjust-file"), GU("external-check"), GU("insecure-fork-wanted"),
	GU("insecure-setuid-wanted"), GU("issuers-chain-path"), GU("set-dumpable"),
	GU("strict-limits"), GU("unix-bind"), GU("expose-experimental-directives"),
	GU("numa-cpu-mapping"), GU("grace"), GU("httpclient.resolvers.disabled"),
	GU("httpclient.ssl.verify"), GU("httpclient.ssl.ca-file"), GU("fd-hard-limit"),
	GU("cluster-secret"), GU("profiling.tasks"), GU("profiling.memory"), GU("pp2-never-send-local"),
	GU("wurfl-data-file"), GU("51degrees-data-file"),
	GU("deviceatlas-json-file"), GU("ssl-propquery"), GU("ssl-provider"),
	{NULL, 0, 0, 0, NULL, 0, 0, 0, 0, NULL},
};

int hap_global_keyword(struct hap_ctx *c, struct cfg_stmt *s)
{
	const struct hap_kw *kw = hap_kw_find(hap_global_kw, s->w[0].s);
	if (!kw) {
		const char *best = hap_kw_suggest(hap_global_kw, 0, s->w[0].s);
		struct diag *d;
		if (best)
			d = hap_alert(c, s, "unknown keyword '%s' in 'global' section; did you mean "
					    "'%s' maybe ?", s->w[0].s, best);
		else
			d = hap_alert(c, s, "unknown keyword '%s' in 'global' section", s->w[0].s);
		if (best)
			diag_hint(d, "did you mean '%s'?", best);
		return -1;
	}
	return hap_kw_dispatch(c, kw, s, 1);
}

/* ------------------------------------------------------------------ userlist */

int hap_userlist_keyword(struct hap_ctx *c, struct cfg_stmt *s)
{
	const char *k = s->w[0].s;
	if (!strcmp(k, "user")) {
		if (s->nw < 2) {
			hap_alert(c, s, "'user' expects <user_name> as arguments.");
			return -1;
		}
		for (struct m_user *o = c->ul->users; o; o = o->next)
			if (!strcmp(o->name, s->w[1].s)) {
				hap_warn(c, s, ":ignoring duplicated user '%s' in userlist '%s'.",
					 s->w[1].s, c->ul->name);
				return 0;
			}
		struct m_user *u = arena_alloc(c->a, sizeof(*u));
		u->name = arena_strdup(c->a, s->w[1].s);
		for (int i = 2; i + 1 < s->nw; i += 2) {
			if (!strcmp(s->w[i].s, "password") || !strcmp(s->w[i].s, "insecure-password")) {
				u->password = arena_strdup(c->a, s->w[i + 1].s);
				u->insecure = s->w[i].s[0] == 'i';
			} else if (!strcmp(s->w[i].s, "groups")) {
				u->groups = arena_alloc(c->a, sizeof(char *));
				u->groups[0] = arena_strdup(c->a, s->w[i + 1].s);
				u->ngroups = 1;
			}
		}
		u->next = c->ul->users;
		c->ul->users = u;
		return 0;
	}
	if (!strcmp(k, "group"))
		return 0; /* groups are names only until ACLs use them */
	hap_alert(c, s, ":unknown keyword '%s' in 'users' section", k);
	return -1;
}

/* ------------------------------------------------------------------ http-check / tcp-check */

/* The directives HAProxy 2.6 knows after http-check / tcp-check (and set-var-fmt(*),
 * set-var(*), unset-var(*)); an unknown one is an error in its words. */
static bool check_op_known(struct hap_ctx *c, struct cfg_stmt *s, const char *op, bool http)
{
	static const char *const http_ops[] = {"disable-on-404", "send-state", "comment", "connect",
					       "send", "expect", NULL};
	static const char *const tcp_ops[] = {"comment", "connect", "send", "send-lf", "send-binary",
					      "send-binary-lf", "expect", NULL};
	for (const char *const *o = http ? http_ops : tcp_ops; *o; o++)
		if (!strcmp(*o, op))
			return true;
	if (!strncmp(op, "set-var-fmt(", 12) || !strncmp(op, "set-var(", 8) ||
	    !strncmp(op, "unset-var(", 10))
		return true;
	if (http)
		hap_alert(c, s, "'http-check' only supports 'disable-on-404', 'send-state', 'comment', "
				"'connect', 'send', 'expect', 'set-var-fmt(*)', 'set-var(*)', "
				"'unset-var(*)'. but got '%s'", op);
	else
		hap_alert(c, s, "'tcp-check' only supports 'comment', 'connect', 'send', "
				"'send-binary', 'expect', 'set-var-fmt(*)', 'set-var(*)', "
				"'unset-var(*)'. but got '%s'", op);
	return false;
}

int hap_check_rule(struct hap_ctx *c, struct cfg_stmt *s, int i, bool http)
{
	struct m_pool *pool = hap_target(c, T_POOL);
	const char *op = i < s->nw ? s->w[i].s : "";
	if (!check_op_known(c, s, op, http))
		return -1;
	if (!pool->probe) {
		pool->probe = arena_alloc(c->a, sizeof(*pool->probe));
		pool->probe->kind = http ? PROBE_HTTP : PROBE_TCPCHECK;
		pool->probe->at = s->at;
	}
	struct m_check_step *st = arena_alloc(c->a, sizeof(*st));
	st->at = s->at;
	st->port = M_UNSET;
	if (!strcmp(op, "send") || !strcmp(op, "send-lf")) {
		st->op = STEP_SEND;
		for (int k = i + 1; k + 1 < s->nw; k += 2) {
			const char *o = s->w[k].s, *v = s->w[k + 1].s;
			if (!strcmp(o, "meth"))
				st->meth = arena_strdup(c->a, v);
			else if (!strcmp(o, "uri"))
				st->uri = arena_strdup(c->a, v);
			else if (!strcmp(o, "ver"))
				st->ver = arena_strdup(c->a, v);
			else if (!strcmp(o, "body"))
				st->body = arena_strdup(c->a, v);
			else if (!strcmp(o, "hdr") && k + 2 < s->nw) {
				struct m_header *h = arena_alloc(c->a, sizeof(*h));
				h->name = arena_strdup(c->a, v);
				h->value = arena_strdup(c->a, s->w[k + 2].s);
				h->next = st->headers;
				st->headers = h;
				k++;
			} else if (!http) {
				st->arg = arena_strdup(c->a, o);
				k--;
			}
		}
		if (!http && i + 1 < s->nw)
			st->arg = arena_strdup(c->a, s->w[i + 1].s);
	} else if (!strcmp(op, "send-binary")) {
		st->op = STEP_SEND_BINARY;
		st->arg = i + 1 < s->nw ? arena_strdup(c->a, s->w[i + 1].s) : NULL;
	} else if (!strcmp(op, "expect")) {
		int k = i + 1;
		st->op = STEP_EXPECT;
		while (k < s->nw && (!strcmp(s->w[k].s, "min-recv") || !strcmp(s->w[k].s, "comment") ||
				     !strcmp(s->w[k].s, "ok-status") || !strcmp(s->w[k].s, "error-status") ||
				     !strcmp(s->w[k].s, "tout-status") || !strcmp(s->w[k].s, "on-success") ||
				     !strcmp(s->w[k].s, "on-error") || !strcmp(s->w[k].s, "status-code")))
			k += 2;
		if (k < s->nw && !strcmp(s->w[k].s, "!"))
			st->negate = true, k++;
		static const struct {
			const char *w;
			enum m_expect_kind e;
		} ex[] = {{"status", EXPECT_STATUS},   {"rstatus", EXPECT_RSTATUS},
			  {"string", EXPECT_STRING},   {"rstring", EXPECT_RSTRING},
			  {"binary", EXPECT_BINARY},   {"rbinary", EXPECT_RBINARY}};
		const char *w = k < s->nw ? s->w[k].s : "";
		for (size_t n = 0; n < ARRAY_SIZE(ex); n++)
			if (!strcmp(w, ex[n].w))
				st->expect = ex[n].e;
		if (i + 1 >= s->nw) {
			hap_alert(c, s, "'%s expect' : expects at least a matching pattern as "
					"arguments.", http ? "http-check" : "tcp-check");
			return -1;
		}
		if (st->expect == EXPECT_NONE) {
			if (http)
				hap_alert(c, s, "'http-check expect' : 'only supports min-recv, "
						"[!]string', '[!]rstring', '[!]string-lf', '[!]status', "
						"'[!]rstatus', [!]hdr, [!]fhdr or comment but got '%s' as "
						"argument..", w);
			else
				hap_alert(c, s, "'tcp-check expect' : 'only supports min-recv, "
						"'[!]binary', '[!]string', '[!]rstring', "
						"'[!]string-lf''[!]rbinary', '[!]binary-lf' or comment but "
						"got '%s' as argument..", w);
			return -1;
		}
		if (k + 1 >= s->nw) {
			hap_alert(c, s, "'%s expect %s' expects <pattern> as an argument.",
				  http ? "http-check" : "tcp-check", w);
			return -1;
		}
		st->arg = arena_strdup(c->a, s->w[k + 1].s);
	} else if (!strcmp(op, "connect")) {
		st->op = STEP_CONNECT;
		for (int k = i + 1; k + 1 < s->nw; k++)
			if (!strcmp(s->w[k].s, "port"))
				st->port = atoi(s->w[k + 1].s);
	} else if (!strcmp(op, "comment")) {
		st->op = STEP_COMMENT;
	} else if (http && (!strcmp(op, "disable-on-404") || !strcmp(op, "send-state"))) {
		char what[64];
		snprintf(what, sizeof(what), "http-check %s", op);
		hap_unsupported(c, s, what, false);
		return 0;
	} else {
		char what[64];
		snprintf(what, sizeof(what), "%s %s", http ? "http-check" : "tcp-check", op);
		hap_unsupported(c, s, what, false);
		return 0;
	}
	struct m_check_step **tail = &pool->probe->steps;
	while (*tail)
		tail = &(*tail)->next;
	*tail = st;
	return 0;
}
