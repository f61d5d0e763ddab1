/* hap_proxy.c - keywords of defaults, frontend, backend and listen sections.
 *
 * The table says which sections accept each keyword and where it writes; handlers exist only
 * for keywords whose syntax is more than one value (balance, option, log, acl, rules...).
 * HAProxy's error wording is kept for haproxy -c; lint adds its own text and hints.
 */
#include "hap_bind.h"

#include <stdlib.h>
#include <string.h>

#define CONF(f) T_CONF, offsetof(struct m_proxy_conf, f)
#define RANGE(lo, hi) (((long)(lo) << 32) | (long)(hi))

/* ------------------------------------------------------------------ mode, balance, hash */

static int set_mode(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	const char *v = i < s->nw ? s->w[i].s : "";
	struct m_proxy_conf *conf = hap_target(c, T_CONF);
	if (!strcmp(v, "http"))
		conf->mode = M_MODE_HTTP;
	else if (!strcmp(v, "tcp"))
		conf->mode = M_MODE_TCP;
	else if (!strcmp(v, "health")) {
		hap_alert(c, s, "'mode health' doesn't exist anymore. Please use 'http-request return "
				"status 200' instead.");
		return -1;
	} else {
		hap_alert(c, s, "unknown proxy mode '%s'.", v);
		return -1;
	}
	return 0;
}

static const struct {
	const char *name;
	enum m_algo algo;
} algos[] = {
	{"roundrobin", ALGO_ROUNDROBIN}, {"static-rr", ALGO_STATIC_RR}, {"leastconn", ALGO_LEASTCONN},
	{"first", ALGO_FIRST},           {"source", ALGO_SOURCE},       {"uri", ALGO_URI},
	{"url_param", ALGO_URL_PARAM},   {"random", ALGO_RANDOM},
};

static int balance_uri(struct hap_ctx *c, struct cfg_stmt *s, int i, struct m_balance *b)
{
	for (; i < s->nw; i++) {
		const char *w = s->w[i].s;
		if (!strcmp(w, "whole"))
			b->uri_whole = 1;
		else if (!strcmp(w, "path-only"))
			b->uri_path_only = 1;
		else if (!strcmp(w, "len") || !strcmp(w, "depth")) {
			const char *a = i + 1 < s->nw ? s->w[i + 1].s : "";
			int v = atoi(a);
			if (v <= 0) {
				hap_alert(c, s, "balance uri : '%s' expects a positive integer (got '%s').",
					  w, a);
				return -1;
			}
			*(w[0] == 'l' ? &b->uri_len : &b->uri_depth) = v;
			i++;
		} else {
			hap_alert(c, s,
				  "balance uri only accepts parameters 'len', 'depth', 'path-only', "
				  "and 'whole' (got '%s').",
				  w);
			return -1;
		}
	}
	return 0;
}

static int set_balance(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	struct m_pool *pool = hap_target(c, T_POOL);
	struct m_balance *b = &pool->balance;
	if (i >= s->nw) {
		/* HAProxy accepts a bare `balance` and keeps its previous algorithm. */
		hap_lint(c, s->at, DIAG_WARNING, "'balance' without an algorithm does nothing");
		return 0;
	}
	const char *v = s->w[i].s;
	memset(b, 0, sizeof(*b));
	b->hash_type = pool->balance.hash_type;
	b->algo = ALGO_UNSET;
	for (size_t k = 0; k < ARRAY_SIZE(algos); k++)
		if (!strcmp(v, algos[k].name))
			b->algo = algos[k].algo;
	if (b->algo == ALGO_URI)
		return balance_uri(c, s, i + 1, b);
	if (b->algo == ALGO_URL_PARAM) {
		if (i + 1 >= s->nw) {
			hap_alert(c, s, "balance url_param requires an URL parameter name.");
			return -1;
		}
		b->arg = arena_strdup(c->a, s->w[i + 1].s);
		if (i + 2 < s->nw)
			hap_unsupported(c, s, "balance url_param check_post", false);
		return 0;
	}
	if (b->algo == ALGO_UNSET && !strncmp(v, "random(", 7)) {
		char *end;
		b->algo = ALGO_RANDOM;
		b->random_draws = (int)strtol(v + 7, &end, 10);
		if (*end != ')' || end[1]) {
			hap_alert(c, s, "balance random : unexpected character '%c' after argument.",
				  *end);
			return -1;
		}
		return 0;
	}
	if (b->algo == ALGO_UNSET && (!strncmp(v, "hdr(", 4) || !strncmp(v, "rdp-cookie(", 11))) {
		const char *open = strchr(v, '(');
		const char *close = strrchr(v, ')');
		bool hdr = v[0] == 'h';
		if (!close || close[1] || close == open + 1) {
			if (hdr)
				hap_alert(c, s, "hdr requires an http header field name.");
			else
				hap_alert(c, s, "rdp-cookie : missing cookie name.");
			return -1;
		}
		b->algo = hdr ? ALGO_HDR : ALGO_RDP_COOKIE;
		b->arg = arena_strndup(c->a, open + 1, (size_t)(close - open - 1));
		if (hdr && i + 1 < s->nw && !strcmp(s->w[i + 1].s, "use_domain_only"))
			b->hdr_use_domain_only = 1;
		return 0;
	}
	if (b->algo == ALGO_UNSET && !strcmp(v, "rdp-cookie")) {
		b->algo = ALGO_RDP_COOKIE;
		b->arg = arena_strdup(c->a, "mstshash");
		return 0;
	}
	if (b->algo == ALGO_UNSET) {
		hap_alert(c, s,
			  "balance only supports 'roundrobin', 'static-rr', 'leastconn', 'source', "
			  "'uri', 'url_param', 'hdr(name)' and 'rdp-cookie(name)' options.");
		return -1;
	}
	return 0;
}

static int set_hash_type(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	struct m_pool *pool = hap_target(c, T_POOL);
	const char *v = i < s->nw ? s->w[i].s : "";
	if (!strcmp(v, "consistent"))
		pool->balance.hash_type = HASH_CONSISTENT;
	else if (!strcmp(v, "map-based"))
		pool->balance.hash_type = HASH_MAP_BASED;
	else {
		hap_alert(c, s, "'hash-type' only supports 'consistent' and 'map-based'.");
		return -1;
	}
	if (i + 1 < s->nw)
		pool->balance.hash_fn = arena_strdup(c->a, s->w[i + 1].s);
	return 0;
}

static int set_default_backend(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s,
			       int i)
{
	(void)kw;
	if (i >= s->nw) {
		hap_alert(c, s, "'default_backend' expects a backend name.");
		return -1;
	}
	if (c->px && c->px->svc)
		c->px->svc->default_pool_name = arena_strdup(c->a, s->w[i].s);
	return 0;
}

static int set_errorfile(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	if (i + 1 >= s->nw) {
		hap_alert(c, s, "errorfile : expects <status_code> and <file> as arguments.\n");
		return -1;
	}
	static const int codes[] = {200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 425,
				    429, 500, 501, 502, 503, 504};
	int code = atoi(s->w[i].s);
	bool ok = false;
	for (size_t k = 0; k < ARRAY_SIZE(codes); k++)
		ok |= codes[k] == code;
	if (!ok) {
		hap_alert(c, s, "errorfile : status code '%s' not handled.", s->w[i].s);
		return -1;
	}
	FILE *f = fopen(s->w[i + 1].s, "rb");
	if (!f) {
		hap_alert(c, s, "errorfile : error opening file '%s'.", s->w[i + 1].s);
		return -1;
	}
	struct m_errorfile *ef = arena_alloc(c->a, sizeof(*ef));
	ef->status = code;
	ef->path = arena_strdup(c->a, s->w[i + 1].s);
	char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	ef->content = arena_strndup(c->a, buf, n);
	ef->len = n;
	struct m_proxy_conf *pc = hap_target(c, T_CONF);
	ef->next = pc->errorfiles;
	pc->errorfiles = ef;
	return 0;
}

static int set_http_reuse(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	const char *v = i < s->nw ? s->w[i].s : "";
	if (strcmp(v, "never") && strcmp(v, "safe") && strcmp(v, "aggressive") &&
	    strcmp(v, "always")) {
		hap_alert(c, s, "'http-reuse' only supports 'never', 'safe', 'aggressive', 'always'.");
		return -1;
	}
	struct m_proxy_conf *pc = hap_target(c, T_CONF);
	pc->http_reuse = arena_strdup(c->a, v);
	return 0;
}

static int set_disabled(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	if (i < s->nw) {
		hap_alert(c, s, "'%s' cannot handle unexpected argument '%s'.", kw->name, s->w[i].s);
		return -1;
	}
	struct m_proxy_conf *pc = hap_target(c, T_CONF);
	pc->disabled = kw->name[0] == 'd';
	return 0;
}

static int set_description(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	struct m_proxy_conf *pc = hap_target(c, T_CONF);
	pc->description = hap_join(c, s, i);
	return 0;
}

void hap_log_fmt_set(struct hap_ctx *c, const struct cfg_stmt *s, struct m_proxy_conf *pc,
                     int src)
{
	static const char *const what[] = {"", "option httplog", "option tcplog", "log-format"};
	if (c->sec == HS_DEFAULTS && pc->log_fmt_src != M_LOGFMT_NONE)
		hap_warn(c, s, ":'%s' overrides previous '%s' in 'defaults' section.", what[src],
			 what[pc->log_fmt_src]);
	pc->log_fmt_src = (int8_t)src;
	if (src != M_LOGFMT_CUSTOM)
		pc->log_format = NULL;
	if (src != M_LOGFMT_HTTPLOG && pc->opt[OPT_HTTPLOG] == 1)
		pc->opt[OPT_HTTPLOG] = M_UNSET;
	if (src != M_LOGFMT_TCPLOG && pc->opt[OPT_TCPLOG] == 1)
		pc->opt[OPT_TCPLOG] = M_UNSET;
}

static int set_log_format(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	if (i >= s->nw) {
		hap_alert(c, s, "log-format expects an argument.");
		return -1;
	}
	if (i + 1 < s->nw) {
		hap_alert(c, s, "log-format expects only one argument, don't forget to escape spaces!");
		return -1;
	}
	struct m_proxy_conf *pc = hap_target(c, T_CONF);
	hap_log_fmt_set(c, s, pc, M_LOGFMT_CUSTOM);
	pc->log_format = hap_join(c, s, i);
	pc->log_format_at = s->at;
	return 0;
}

static int set_id(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	if (i >= s->nw) {
		hap_alert(c, s, ":'id' expects an integer argument.");
		return -1;
	}
	int id = atoi(s->w[i].s);
	if (id <= 0) {
		hap_alert(c, s, ":custom id has to be > 0.");
		return -1;
	}
	if (c->px) {
		if (c->px->svc)
			c->px->svc->id = id;
		if (c->px->pool)
			c->px->pool->id = id;
	}
	return 0;
}

int hap_parse_log(struct hap_ctx *c, struct cfg_stmt *s, int i, struct m_log_target **head,
		  int8_t *log_global);

static int set_log(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	struct m_proxy_conf *pc = hap_target(c, T_CONF);
	if (!strcmp(s->w[0].s, "no")) {
		pc->logs = NULL;
		pc->log_global = 0;
		return 0;
	}
	return hap_parse_log(c, s, i, &pc->logs, &pc->log_global);
}

static int set_server(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)i;
	return hap_server_line(c, s, !strcmp(kw->name, "default-server"));
}

static int set_bind(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	(void)i;
	return hap_bind_line(c, s);
}

int hap_check_rule(struct hap_ctx *c, struct cfg_stmt *s, int i, bool http);
int hap_set_tcp_request(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i);
int hap_set_stick_table(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i);
int hap_set_stick(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i);
int hap_set_capture(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i);
int hap_set_declare(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i);

static int set_check_rule(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	return hap_check_rule(c, s, i, kw->name[0] == 'h');
}

/* Cookie persistence is not in vipr yet: recorded for HAProxy's mode check and reported. */
static int set_cookie(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	struct m_proxy_conf *pc = hap_target(c, T_CONF);
	pc->cookie_name = arena_strdup(c->a, s->w[i].s);
	pc->cookie_at = s->at;
	hap_unsupported(c, s, "cookie", false);
	return 0;
}

/* ------------------------------------------------------------------ the table */

#define U(n, sec) {n, sec, 0, -1, NULL, T_NONE, 0, 0, KW_UNSUPPORTED, NULL}
#define F(n, sec, fn, min, help) {n, sec, min, -1, fn, T_NONE, 0, 0, 0, help}

const struct hap_kw hap_proxy_kw[] = {
	F("acl", HS_FE_ONLY | HS_BE_ONLY, hap_set_acl, 0, NULL),
	{"backlog", HS_FE, 1, 1, hap_set_int_lenient, CONF(backlog), 0, KW_LENIENT, NULL},
	F("balance", HS_BE, set_balance, 0, NULL),
	F("bind", HS_FE_ONLY, set_bind, 0, NULL),
	F("default_backend", HS_FE, set_default_backend, 0, NULL),
	F("default-server", HS_BE, set_server, 0, NULL),
	F("description", HS_PROXY, set_description, 1, ":a string argument"),
	F("disabled", HS_PROXY, set_disabled, 0, NULL),
	F("enabled", HS_PROXY, set_disabled, 0, NULL),
	F("errorfile", HS_PROXY, set_errorfile, 0, NULL),
	{"fullconn", HS_BE, 1, 1, hap_set_int_lenient, CONF(fullconn), 0, KW_LENIENT, NULL},
	F("hash-type", HS_BE, set_hash_type, 0, NULL),
	F("http-check", HS_BE, set_check_rule, 0, NULL),
	F("http-request", HS_FE_ONLY | HS_BE_ONLY, hap_set_http_rule, 0, NULL),
	F("http-response", HS_FE_ONLY | HS_BE_ONLY, hap_set_http_rule, 0, NULL),
	F("http-reuse", HS_BE, set_http_reuse, 0, NULL),
	F("id", HS_FE_ONLY | HS_BE_ONLY, set_id, 0, NULL),
	F("log", HS_PROXY, set_log, 0, NULL),
	F("log-format", HS_FE, set_log_format, 0, NULL),
	{"maxconn", HS_FE, 1, 1, hap_set_int_lenient, CONF(maxconn), 0, KW_LENIENT, NULL},
	{"mode", HS_PROXY, 0, 1, set_mode, T_NONE, 0, 0, 0, NULL},
	F("option", HS_PROXY, hap_set_option, 0, NULL),
	{"retries", HS_BE, 1, 1, hap_set_int_lenient, CONF(retries), 0, KW_LENIENT,
	 "an integer argument (dispatch counts for one)"},
	F("server", HS_BE_ONLY, set_server, 0, NULL),
	F("stats", HS_PROXY, hap_set_stats, 0, NULL),
	F("tcp-check", HS_BE, set_check_rule, 0, NULL),
	F("timeout", HS_PROXY, hap_set_timeout, 0, NULL),
	F("use_backend", HS_FE_ONLY, hap_set_use_backend, 0, NULL),
	/* Recognized, not implemented by vipr yet. */
	U("bind-process", HS_PROXY), U("compression", HS_PROXY),
	F("capture", HS_FE_ONLY, hap_set_capture, 0, NULL), /* hap_capture.c */
	F("declare", HS_FE_ONLY, hap_set_declare, 0, NULL),
	F("cookie", HS_BE, set_cookie, 1, "<cookie_name> as argument"),
	F("stick-table", HS_FE_ONLY | HS_BE_ONLY, hap_set_stick_table, 0, NULL), U("dispatch", HS_BE_ONLY),
	U("email-alert", HS_PROXY), U("errorfiles", HS_PROXY), U("errorloc", HS_PROXY),
	U("errorloc302", HS_PROXY), U("errorloc303", HS_PROXY),
	U("external-check", HS_BE), U("filter", HS_FE_ONLY | HS_BE_ONLY),
	U("force-persist", HS_FE_ONLY | HS_BE_ONLY), U("http-after-response", HS_FE_ONLY | HS_BE_ONLY),
	U("hash-balance-factor", HS_BE), U("http-send-name-header", HS_BE),
	U("http-error", HS_FE_ONLY | HS_BE_ONLY), U("http-send-name-header", HS_BE),
	U("ignore-persist", HS_FE_ONLY | HS_BE_ONLY), U("load-server-state-from-file", HS_BE),
	U("max-keep-alive-queue", HS_BE), U("max-session-srv-conns", HS_FE),
	U("monitor", HS_FE_ONLY), U("monitor-uri", HS_FE), U("persist", HS_BE),
	U("rate-limit", HS_FE), U("redirect", HS_FE_ONLY | HS_BE_ONLY),
	U("server-state-file-name", HS_BE), U("server-template", HS_BE_ONLY),
	U("source", HS_BE), {"stick", HS_BE_ONLY, 0, -1, hap_set_stick, T_NONE, 0, 0, KW_UNSUPPORTED, NULL},
	F("tcp-request", HS_FE_ONLY | HS_BE_ONLY, hap_set_tcp_request, 0, NULL), /* hap_tcpreq.c */
	{"tcp-response", HS_BE_ONLY, 0, -1, NULL, T_NONE, 0, 0, KW_FATAL_UNSUP, NULL},
	U("unique-id-format", HS_FE), U("unique-id-header", HS_FE), U("use-fcgi-app", HS_BE_ONLY),
	U("use-server", HS_BE_ONLY), U("log-tag", HS_PROXY), U("log-format-sd", HS_FE),
	U("error-log-format", HS_FE), U("clitcpka-cnt", HS_FE), U("clitcpka-idle", HS_FE),
	U("clitcpka-intvl", HS_FE), U("srvtcpka-cnt", HS_BE), U("srvtcpka-idle", HS_BE),
	U("srvtcpka-intvl", HS_BE), U("retry-on", HS_BE), U("http-restrict-req-hdr-names", HS_PROXY),
	{NULL, 0, 0, 0, NULL, 0, 0, 0, 0, NULL},
};

/* A line inside defaults/frontend/backend/listen. `no X` and `default X` prefixes apply to
 * options and logs, as in HAProxy. */
/* A keyword a frontend or backend has no capability for: HAProxy warns that it is ignored,
 * yet still parses its arguments and refuses bad ones. They are read here into scratch
 * copies (a pool for a frontend, a service for a backend) that are then thrown away. */
static int parse_ignored(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int arg)
{
	struct hap_proxy *px = c->px;
	struct m_proxy_conf saved = *px->conf;
	struct m_service *svc = px->svc;
	struct m_pool *pool = px->pool;
	if (!px->svc) {
		px->svc = arena_alloc(c->a, sizeof(*px->svc));
		px->svc->name = px->name;
		px->svc->conf = px->conf;
		px->svc->at = s->at;
	}
	if (!px->pool) {
		px->pool = arena_alloc(c->a, sizeof(*px->pool));
		px->pool->name = px->name;
		px->pool->conf = px->conf;
		px->pool->balance.algo = ALGO_UNSET;
		px->pool->balance.hash_type = HASH_UNSET;
		px->pool->at = s->at;
	}
	int rc = hap_kw_dispatch(c, kw, s, arg);
	*px->conf = saved;
	px->svc = svc;
	px->pool = pool;
	return rc < 0 ? rc : 0;
}

int hap_proxy_keyword(struct hap_ctx *c, struct cfg_stmt *s)
{
	int i = 0;
	if ((!strcmp(s->w[0].s, "no") || !strcmp(s->w[0].s, "default")) && s->nw > 1)
		i = 1;
	const char *name = s->w[i].s;
	const struct hap_kw *kw = hap_kw_find(hap_proxy_kw, name);
	static const struct {
		const char *old, *text;
	} removed[] = {
		{"contimeout", "the 'contimeout' directive is not supported anymore since HAProxy 2.1. "
			       "Use 'timeout connect'."},
		{"clitimeout", "the 'clitimeout' directive is not supported anymore since HAProxy 2.1. "
			       "Use 'timeout client'."},
		{"srvtimeout", "the 'srvtimeout' directive is not supported anymore since HAProxy 2.1. "
			       "Use 'timeout server'."},
		{"reqadd", "The 'reqadd' directive is not supported anymore since HAProxy 2.1. Use "
			   "'http-request add-header' instead."},
		{"rspadd", "The 'rspadd' directive is not supported anymore since HAProxy 2.1. Use "
			   "'http-response add-header' instead."},
		{"redisp", "the 'redisp' directive is not supported anymore since HAProxy 2.1. Use "
			   "'option redispatch'."},
		{"redispatch", "the 'redispatch' directive is not supported anymore since HAProxy "
			       "2.1. Use 'option redispatch'."},
	};
	for (size_t k = 0; !kw && k < ARRAY_SIZE(removed); k++)
		if (!strcmp(removed[k].old, name)) {
			hap_alert(c, s, "%s", removed[k].text);
			return -1;
		}
	if (!kw) {
		const char *best = hap_kw_suggest(hap_proxy_kw, c->sec, name);
		static const char *const secs[] = {"global", "defaults", "frontend", "backend",
						   "listen", "userlist", "peers", "resolvers",
						   "http-errors", "ring", "mailers", "program", "cache",
						   "fcgi-app", "log-forward", NULL};
		int bestd = best ? cfg_distance(name, best, 2) : 3;
		for (const char *const *sn = secs; *sn; sn++) {
			int d = cfg_distance(name, *sn, bestd - 1);
			if (d < bestd)
				bestd = d, best = *sn;
		}
		struct diag *d;
		if (best)
			d = hap_alert(c, s, "unknown keyword '%s' in '%s' section; did you mean '%s' "
					    "maybe ?", name, c->sec_name, best);
		else
			d = hap_alert(c, s, "unknown keyword '%s' in '%s' section", name,
				      c->sec_name);
		d->at = s->w[i].at;
		if (best)
			diag_hint(d, "did you mean '%s'?", best);
		return -1;
	}
	if (i == 1 && strcmp(name, "option") && strcmp(name, "log")) {
		hap_alert(c, s, "'%s %s' is not supported.", s->w[0].s, name);
		return -1;
	}
	if (!(kw->sections & c->sec)) {
		if ((!strcmp(name, "server") || !strcmp(name, "default-server")) &&
		    c->sec == HS_FRONTEND) {
			char *compat = NULL;
			if (asprintf(&compat, "[%s:%u] : parsing [%s:%u] : '%s' not allowed because "
					      "frontend '%s' has no backend capability.", s->at.file,
				     s->at.line, s->at.file, s->at.line, name, c->px->name) < 0)
				abort();
			hap_diag(c, s->at, DIAG_ERROR, DIAG_ERROR, DIAG_FATAL, compat,
				 "'%s' is not allowed in a frontend", name);
			free(compat);
			return -1;
		}
		if (c->sec == HS_DEFAULTS && (kw->sections & (HS_FRONTEND | HS_BACKEND | HS_LISTEN)))
			hap_alert(c, s, "'%s' not allowed in 'defaults' section.", name);
		else
			hap_warn(c, s, "'%s' ignored because %s '%s' has no %s capability.", name,
				 c->sec_name, c->px ? c->px->name : "",
				 kw->sections & HS_FRONTEND ? "frontend" : "backend");
		if (c->sec == HS_BACKEND && !strcmp(name, "bind"))
			c->cfg->backend_binds++;
		if (c->sec == HS_DEFAULTS || !c->px)
			return c->sec == HS_DEFAULTS ? -1 : 0;
		return parse_ignored(c, kw, s, i + 1);
	}
	return hap_kw_dispatch(c, kw, s, i + 1);
}
