/* hap_option.c - `option`, `timeout` and `stats` lines of proxy sections: the keywords whose
 * second word selects a sub-keyword, each with its own table or list and HAProxy's wording.
 */
#include "hap_bind.h"

#include <stdlib.h>
#include <string.h>

#define CONF(f) T_CONF, offsetof(struct m_proxy_conf, f)

/* ------------------------------------------------------------------ options */

/* What vipr does with each `option`: supported ones bind into conf->opt (and handlers for
 * those with arguments); the others are recognized and reported. */
static const char *const supported_options[] = {
	"httplog", "tcplog", "dontlognull", "forwardfor", "http-server-close", "httpclose",
	"http-keep-alive", "redispatch", "allbackups", "httpchk", "tcp-check", "ssl-hello-chk",
	"mysql-check", "redis-check", "smtpchk", "pgsql-check", "ldap-check", "log-health-checks",
	"splice-auto", "splice-request", "splice-response", "tcpka", "clitcpka", "srvtcpka",
	"http-buffer-request", "abortonclose", "http-no-delay", "log-separate-errors",
	"dontlog-normal", "nolinger", "contstats", "socket-stats", "tcp-smart-accept",
	"tcp-smart-connect", "http-pretend-keepalive", "prefer-last-server", "persist",
	"independent-streams", "http-ignore-probes", NULL,
};

static bool option_supported(const char *name)
{
	for (const char *const *p = supported_options; *p; p++)
		if (!strcmp(*p, name))
			return true;
	return false;
}

static const struct {
	const char *name;
	unsigned caps;
} option_names[] = {
#define M_OPTION(id, name, caps) {name, caps},
#include "model/options.def"
#undef M_OPTION
};

static int option_index(const char *name)
{
	for (size_t k = 0; k < ARRAY_SIZE(option_names); k++)
		if (!strcmp(option_names[k].name, name))
			return (int)k;
	return -1;
}

static int opt_forwardfor(struct hap_ctx *c, struct cfg_stmt *s, int i, struct m_proxy_conf *pc)
{
	for (; i < s->nw; i++) {
		const char *w = s->w[i].s;
		if (!strcmp(w, "if-none"))
			pc->ff_if_none = 1;
		else if (!strcmp(w, "except") || !strcmp(w, "header")) {
			if (i + 1 >= s->nw || !*s->w[i + 1].s) {
				if (w[0] == 'e')
					hap_alert(c, s, "'option forwardfor except' expects "
							"<address>[/mask] as argument.");
				else
					hap_alert(c, s, "'option forwardfor header' requires a header "
							"name.");
				return -1;
			}
			*(w[0] == 'e' ? &pc->ff_except : &pc->ff_header) =
				arena_strdup(c->a, s->w[++i].s);
		} else {
			hap_alert(c, s, "'option forwardfor' only supports optional values: 'except', "
					"'header' and 'if-none'.");
			return -1;
		}
	}
	return 0;
}

static struct m_probe *pool_probe(struct hap_ctx *c, enum m_probe_kind kind,
				  struct cfg_stmt *s)
{
	struct m_pool *pool = hap_target(c, T_POOL);
	if (!pool->probe) {
		pool->probe = arena_alloc(c->a, sizeof(*pool->probe));
		pool->probe->at = s->at;
	}
	pool->probe->kind = kind;
	return pool->probe;
}

/* option httpchk [<method>] [<uri>] [<version>]; the old form puts headers in the version
 * ("HTTP/1.1\r\nHost:\ www"), which we split into a header list. */
static int opt_httpchk(struct hap_ctx *c, struct cfg_stmt *s, int i)
{
	struct m_probe *p = pool_probe(c, PROBE_HTTP, s);
	int n = s->nw - i;
	if (n > 3) {
		hap_alert(c, s, "'option httpchk' cannot handle unexpected argument '%s'.",
			  s->w[i + 3].s);
		return -1;
	}
	p->meth = p->uri = p->ver = NULL;
	p->headers = NULL;
	if (n == 1)
		p->uri = arena_strdup(c->a, s->w[i].s);
	else if (n >= 2) {
		p->meth = arena_strdup(c->a, s->w[i].s);
		p->uri = arena_strdup(c->a, s->w[i + 1].s);
	}
	if (n == 3) {
		char *ver = arena_strdup(c->a, s->w[i + 2].s);
		char *crlf = strstr(ver, "\r\n");
		if (crlf)
			hap_warn(c, s, ":'option httpchk' : hiding headers or body at the end of the "
				       "version string is deprecated. Please, consider to use "
				       "'http-check send' directive instead.");
		if (crlf) {
			*crlf = 0;
			struct m_header **tail = &p->headers;
			for (char *h = crlf + 2; h && *h;) {
				char *next = strstr(h, "\r\n");
				if (next)
					*next = 0;
				char *colon = strchr(h, ':');
				if (colon) {
					struct m_header *hd = arena_alloc(c->a, sizeof(*hd));
					*colon = 0;
					hd->name = h;
					hd->value = colon + 1;
					while (*hd->value == ' ')
						hd->value++;
					*tail = hd;
					tail = &hd->next;
				}
				h = next ? next + 2 : NULL;
			}
		}
		p->ver = ver;
	}
	return 0;
}

int hap_set_option(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	bool neg = !strcmp(s->w[0].s, "no"), dflt = !strcmp(s->w[0].s, "default");
	if (i >= s->nw) { /* HAProxy names the keyword itself after `default` */
		if (dflt)
			hap_alert(c, s, ":negation/default is not supported for option 'option'.");
		else
			hap_alert(c, s, ":'option' expects an option name.");
		return -1;
	}
	const char *name = s->w[i].s;
	int idx = option_index(name);
	struct m_proxy_conf *pc = hap_target(c, T_CONF);
	if (idx < 0) {
		if (neg || dflt) {
			hap_alert(c, s, ":negation/default is not supported for option '%s'.", name);
			return -1;
		}
		const char *best = NULL;
		int bestd = 3;
		for (size_t k = 0; k < ARRAY_SIZE(option_names); k++) {
			int d = cfg_distance(name, option_names[k].name, bestd - 1);
			if (d < bestd)
				bestd = d, best = option_names[k].name;
		}
		struct diag *d;
		if (best)
			d = hap_alert(c, s, "unknown option '%s'; did you mean '%s' maybe ?", name,
				      best);
		else
			d = hap_alert(c, s, "unknown option '%s'.", name);
		if (best)
			diag_hint(d, "did you mean 'option %s'?", best);
		return -1;
	}
	unsigned caps = option_names[idx].caps;
	bool fe = c->sec & (HS_FRONTEND | HS_LISTEN | HS_DEFAULTS);
	bool be = c->sec & (HS_BACKEND | HS_LISTEN | HS_DEFAULTS);
	/* Options with their own syntax take no `no`/`default` prefix in HAProxy. */
	static const char *const no_neg[] = {"httpchk", "httplog", "tcplog", "forwardfor",
					     "originalto", "ssl-hello-chk", "smtpchk", "pgsql-check",
					     "redis-check", "mysql-check", "ldap-check", "spop-check",
					     "tcp-check", "external-check", NULL};
	static const char *const with_args[] = {"httpchk", "httplog", "forwardfor", "originalto",
						"redispatch", "smtpchk", "pgsql-check", "mysql-check",
						"tcp-check", NULL};
	if (neg || dflt)
		for (const char *const *n = no_neg; *n; n++)
			if (!strcmp(*n, name)) {
				hap_alert(c, s, ":negation/default is not supported for option '%s'.",
					  name);
				return -1;
			}
	bool takes_args = false;
	for (const char *const *n = with_args; *n; n++)
		takes_args |= !strcmp(*n, name);
	if (!takes_args && i + 1 < s->nw) {
		hap_alert(c, s, "'option %s' cannot handle unexpected argument '%s'.", name,
			  s->w[i + 1].s);
		return -1;
	}
	/* the arguments are checked first, then the capability, as HAProxy does */
	if (!((caps & M_CAP_FE) && fe) && !((caps & M_CAP_BE) && be)) {
		if (!strcmp(name, "httplog") || !strcmp(name, "tcplog"))
			hap_warn(c, s, "%s '%s' : 'option %s' directive is ignored in backends.",
				 c->sec_name, c->px ? c->px->name : "", name);
		else
			hap_warn(c, s, "'%s' ignored because %s '%s' has no %s capability.", name,
				 c->sec_name, c->px ? c->px->name : "",
				 caps & M_CAP_FE ? "frontend" : "backend");
		return 0;
	}
	if (dflt) {
		pc->opt[idx] = M_UNSET;
		return 0;
	}
	pc->opt[idx] = neg ? 0 : 1;
	if (!option_supported(name) && !neg) {
		char what[96];
		snprintf(what, sizeof(what), "option %s", name);
		hap_unsupported(c, s, what, false);
		return 0;
	}
	if (neg)
		return 0;
	/* HTTP connection modes are one setting with three values. */
	if (!strcmp(name, "http-keep-alive"))
		pc->http_conn = HTTP_CONN_KAL;
	else if (!strcmp(name, "http-server-close"))
		pc->http_conn = HTTP_CONN_SCL;
	else if (!strcmp(name, "httpclose"))
		pc->http_conn = HTTP_CONN_CLO;
	else if (!strcmp(name, "forwardfor"))
		return opt_forwardfor(c, s, i + 1, pc);
	else if (!strcmp(name, "tcplog")) {
		pc->opt[idx] = M_UNSET; /* set again below, after the others are cleared */
		hap_log_fmt_set(c, s, pc, M_LOGFMT_TCPLOG);
		pc->opt[idx] = 1;
	} else if (!strcmp(name, "httplog")) {
		pc->opt[idx] = M_UNSET;
		hap_log_fmt_set(c, s, pc, M_LOGFMT_HTTPLOG);
		pc->opt[idx] = 1;
		pc->httplog_at = s->at;
		if (i + 1 < s->nw && strcmp(s->w[i + 1].s, "clf")) {
			hap_alert(c, s, "keyword 'httplog' only supports option 'clf'.");
			return -1;
		}
		pc->httplog_clf = i + 1 < s->nw;
	} else if (!strcmp(name, "httpchk"))
		return opt_httpchk(c, s, i + 1);
	else if (!strcmp(name, "redispatch") && i + 1 < s->nw)
		pc->redispatch_interval = atoi(s->w[i + 1].s);
	else {
		static const struct {
			const char *name;
			enum m_probe_kind kind;
		} probes[] = {
			{"tcp-check", PROBE_TCPCHECK}, {"ssl-hello-chk", PROBE_SSL_HELLO},
			{"mysql-check", PROBE_MYSQL},  {"redis-check", PROBE_REDIS},
			{"smtpchk", PROBE_SMTP},       {"pgsql-check", PROBE_PGSQL},
			{"ldap-check", PROBE_LDAP},
		};
		for (size_t k = 0; k < ARRAY_SIZE(probes); k++)
			if (!strcmp(name, probes[k].name)) {
				struct m_probe *p = pool_probe(c, probes[k].kind, s);
				if (i + 1 < s->nw)
					p->body = hap_join(c, s, i + 1);
			}
	}
	return 0;
}

/* ------------------------------------------------------------------ timeouts and stats */

#define TMO(n, f, sec) {n, sec, 1, 1, hap_set_time, CONF(f), 0, 0, NULL}
const struct hap_kw hap_timeout_kw[] = {
	TMO("client", timeout_client, HS_FE),
	TMO("server", timeout_server, HS_BE),
	TMO("connect", timeout_connect, HS_BE),
	TMO("check", timeout_check, HS_BE),
	TMO("queue", timeout_queue, HS_BE),
	TMO("http-keep-alive", timeout_http_keep_alive, HS_PROXY),
	TMO("http-request", timeout_http_request, HS_PROXY),
	TMO("tunnel", timeout_tunnel, HS_BE),
	TMO("tarpit", timeout_tarpit, HS_PROXY),
	TMO("client-fin", timeout_client_fin, HS_FE),
	TMO("server-fin", timeout_server_fin, HS_BE),
	{NULL, 0, 0, 0, NULL, 0, 0, 0, 0, NULL},
};

int hap_set_timeout(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	const char *v = i < s->nw ? s->w[i].s : "";
	const struct hap_kw *t = hap_kw_find(hap_timeout_kw, v);
	if (!t) {
		hap_alert(c, s,
			  "'timeout' supports 'client', 'server', 'connect', 'check', 'queue', "
			  "'http-keep-alive', 'http-request', 'tunnel', 'tarpit', 'client-fin' and "
			  "'server-fin' (got '%s')",
			  v);
		return -1;
	}
	/* Messages name the keyword as "timeout client". */
	struct hap_kw named = *t;
	char name[48];
	snprintf(name, sizeof(name), "timeout %s", t->name);
	named.name = name;
	if (!(t->sections & c->sec)) {
		/* HAProxy still reads the value: a bad one is an error, a good one is ignored */
		struct m_proxy_conf *pc = hap_target(c, T_CONF), saved = *pc;
		int rc = hap_set_time(c, &named, s, i + 1);
		*pc = saved;
		if (rc < 0)
			return rc;
		hap_warn(c, s, "'timeout %s' ignored because %s '%s' has no %s capability.", v,
			 c->sec_name, c->px ? c->px->name : "",
			 t->sections & HS_FRONTEND ? "frontend" : "backend");
		return 0;
	}
	return hap_set_time(c, &named, s, i + 1);
}

static int stats_auth(struct hap_ctx *c, struct m_stats *st, struct cfg_stmt *s, int i)
{
	if (i >= s->nw) {
		hap_alert(c, s, "'auth' needs a user:password account.");
		return -1;
	}
	const char *v = s->w[i].s;
	const char *colon = strchr(v, ':');
	struct m_header *h = arena_alloc(c->a, sizeof(*h));
	if (!colon) {
		hap_lint(c, s->w[i].at, DIAG_ERROR,
			 "'stats auth %s' has no ':': no password can ever match", v);
		h->name = arena_strdup(c->a, v);
		h->value = NULL;
	} else {
		h->name = arena_strndup(c->a, v, (size_t)(colon - v));
		h->value = arena_strdup(c->a, colon + 1);
	}
	struct m_header **tail = &st->auth;
	while (*tail)
		tail = &(*tail)->next;
	*tail = h;
	st->enabled = 1;
	return 0;
}

int hap_set_stats(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	struct m_proxy_conf *pc = hap_target(c, T_CONF);
	struct m_stats *st = &pc->stats;
	const char *v = i < s->nw ? s->w[i].s : "";
	const char *a = i + 1 < s->nw ? s->w[i + 1].s : NULL;
	if (!strcmp(v, "enable"))
		st->enabled = 1;
	else if (!strcmp(v, "uri")) {
		if (!a) {
			hap_alert(c, s, "'uri' needs an URI prefix.");
			return -1;
		}
		st->uri = arena_strdup(c->a, a);
		st->enabled = 1;
	} else if (!strcmp(v, "realm")) {
		if (!a) {
			hap_alert(c, s, "'realm' needs an realm name.");
			return -1;
		}
		st->realm = hap_join(c, s, i + 1);
		st->enabled = 1;
	} else if (!strcmp(v, "auth"))
		return stats_auth(c, st, s, i + 1);
	else if (!strcmp(v, "refresh")) {
		m_ms t;
		const char *res = a ? m_parse_time(a, &t, 1000) : "";
		if (res) {
			if (!a)
				hap_alert_nul(c, s, ":unexpected character '",
					      "'stats refresh' expects an interval");
			else if (res == M_TIME_OVER || res == M_TIME_UNDER)
				hap_alert(c, s, "'refresh' needs a positive interval in seconds.");
			else
				hap_alert(c, s, ":unexpected character '%c' in argument to stats "
						"refresh interval.", *res);
			return -1;
		}
		st->refresh = t;
		st->enabled = 1;
	} else if (!strcmp(v, "hide-version"))
		st->hide_version = st->enabled = 1;
	else if (!strcmp(v, "show-legends"))
		st->show_legends = st->enabled = 1;
	else if (!strcmp(v, "show-node")) {
		st->show_node = st->enabled = 1;
		if (a)
			st->node = arena_strdup(c->a, a);
	} else if (!strcmp(v, "show-desc")) {
		st->show_desc = st->enabled = 1;
		if (a)
			st->desc = hap_join(c, s, i + 1);
	} else if (!strcmp(v, "scope")) {
		int n;
		char **w = hap_copy_words(c, s, i + 1, i + 2, &n);
		/* `stats scope` lines add up (one proxy name each) */
		char **all = arena_alloc(c->a, sizeof(*all) * (size_t)(st->nscope + n + 1));
		for (int k = 0; k < st->nscope; k++)
			all[k] = st->scope[k];
		for (int k = 0; k < n; k++)
			all[st->nscope + k] = w[k];
		st->scope = all;
		st->nscope += n;
	} else if (!strcmp(v, "admin")) {
		struct m_rule *r = arena_alloc(c->a, sizeof(*r));
		r->cond_words = hap_copy_words(c, s, i + 2, s->nw, &r->ncond_words);
		r->unless = a && !strcmp(a, "unless");
		r->at = s->at;
		st->admin = r;
	} else if (!strcmp(v, "http-request") || !strcmp(v, "bind-process")) {
		char what[64];
		snprintf(what, sizeof(what), "stats %s", v);
		hap_unsupported(c, s, what, false);
	} else {
		if (*v)
			hap_alert(c, s, ":unknown stats parameter '%s', expects 'admin', 'uri', "
					"'realm', 'auth', 'scope', 'enable', 'hide-version', 'show-node', "
					"'show-desc' or 'show-legends'.", v);
		else
			hap_alert(c, s, ":missing keyword in 'stats', expects 'admin', 'uri', "
					"'realm', 'auth', 'scope', 'enable', 'hide-version', 'show-node', "
					"'show-desc' or 'show-legends'.");
		return -1;
	}
	return 0;
}

