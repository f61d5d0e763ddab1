/* hap_check.c - after every file is read: merge defaults into proxies, resolve references
 * and run HAProxy's post-parse checks (unknown backends, duplicate servers, missing
 * timeouts, no listener), then hand the proxies to the model.
 *
 * The merge is one function over the fields of m_proxy_conf: a field still UNSET takes the
 * value of the defaults chain (nginx's ngx_conf_merge_*). HAProxy itself copies defaults at
 * proxy creation; for a proxy that never changes its defaults after creation, both agree.
 */
#include "hap_bind.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MERGE(f)                                                                               \
	do {                                                                                   \
		if (dst->f == M_UNSET)                                                         \
			dst->f = src->f;                                                       \
	} while (0)
#define MERGE_PTR(f)                                                                           \
	do {                                                                                   \
		if (!dst->f)                                                                   \
			dst->f = src->f;                                                       \
	} while (0)

static const unsigned option_caps[] = {
#define M_OPTION(id, name, caps) caps,
#include "model/options.def"
#undef M_OPTION
};

/* Merges the settings of src that apply to a proxy with capabilities `caps` (M_CAP_FE,
 * M_CAP_BE): a backend does not inherit `timeout client`, a frontend not `retries`, so the
 * model holds only what takes effect (and prints back as valid configuration). */
static void merge_conf(struct m_proxy_conf *dst, const struct m_proxy_conf *src, unsigned caps)
{
	bool fe = caps & M_CAP_FE, be = caps & M_CAP_BE;
	/* `option forwardfor` declared in the proxy resets its arguments (HAProxy does not
	 * keep the defaults' `except` or `header` then). */
	bool own_ff = dst->opt[OPT_FORWARDFOR] != M_UNSET;
	/* a proxy that chose its log format (httplog, tcplog or log-format) inherits none */
	int8_t own_httplog = dst->opt[OPT_HTTPLOG], own_tcplog = dst->opt[OPT_TCPLOG];
	if (dst->mode == M_MODE_UNSET)
		dst->mode = src->mode;
	for (int i = 0; i < OPT__COUNT; i++)
		if (option_caps[i] & caps)
			MERGE(opt[i]);
	if (fe && dst->log_fmt_src != M_LOGFMT_NONE) {
		dst->opt[OPT_HTTPLOG] = own_httplog;
		dst->opt[OPT_TCPLOG] = own_tcplog;
	} else if (fe) {
		dst->log_fmt_src = src->log_fmt_src;
		dst->log_format = src->log_format;
		dst->log_format_at = src->log_format_at;
	}
	if (fe) {
		MERGE(timeout_client);
		MERGE(timeout_client_fin);
		MERGE(maxconn);
		MERGE(backlog);
		if (dst->httplog_clf == M_UNSET)
			dst->httplog_clf = src->httplog_clf;
		if (!dst->httplog_at.file)
			dst->httplog_at = src->httplog_at;
	}
	if (be) {
		MERGE(timeout_server);
		MERGE(timeout_connect);
		MERGE(timeout_queue);
		MERGE(timeout_tunnel);
		MERGE(timeout_server_fin);
		MERGE(timeout_check);
		MERGE(retries);
		MERGE(fullconn);
		MERGE(redispatch_interval);
		MERGE_PTR(http_reuse);
	}
	MERGE(timeout_http_request);
	MERGE(timeout_http_keep_alive);
	MERGE(timeout_tarpit);
	if (dst->http_conn == HTTP_CONN_UNSET)
		dst->http_conn = src->http_conn;
	if (!own_ff) {
		MERGE_PTR(ff_except);
		MERGE_PTR(ff_header);
		MERGE(ff_if_none);
	}
	MERGE(log_global);
	MERGE_PTR(logs);
	MERGE_PTR(errorfiles);
	MERGE_PTR(description);
	MERGE(stats.enabled);
	MERGE_PTR(stats.uri);
	MERGE_PTR(stats.realm);
	MERGE(stats.refresh);
	MERGE_PTR(stats.auth);
	MERGE_PTR(stats.admin);
	MERGE(stats.hide_version);
	MERGE(stats.show_legends);
	MERGE(stats.show_node);
	MERGE(stats.show_desc);
	MERGE_PTR(stats.node);
	MERGE_PTR(stats.desc);
	MERGE(disabled);
}

/* Values HAProxy uses when neither the proxy nor its defaults set a field. */
static void apply_builtin(struct m_proxy_conf *c, bool be)
{
	if (c->mode == M_MODE_UNSET)
		c->mode = M_MODE_TCP;
	if (be && c->retries == M_UNSET)
		c->retries = 3;
	if (c->http_conn == HTTP_CONN_UNSET)
		c->http_conn = HTTP_CONN_KAL;
	if (c->log_global == M_UNSET)
		c->log_global = 0;
	if (c->disabled == M_UNSET)
		c->disabled = 0;
	if (c->stats.enabled == M_UNSET)
		c->stats.enabled = 0;
	if (c->stats.enabled && !c->stats.uri)
		c->stats.uri = "/haproxy?stats";
	if (c->stats.enabled && !c->stats.realm)
		c->stats.realm = "HAProxy Statistics";
}

static void merge_check(struct m_check *dst, const struct m_check *src)
{
	MERGE(inter);
	MERGE(fastinter);
	MERGE(downinter);
	MERGE(timeout);
	MERGE(rise);
	MERGE(fall);
	MERGE(port);
	MERGE(ssl);
	MERGE_PTR(sni);
	MERGE(verify_none);
	if (dst->addr.kind == M_ADDR_NONE)
		dst->addr = src->addr;
	if (!dst->enabled)
		dst->enabled = src->enabled;
}

static void merge_server(struct m_server *dst, const struct m_server *src)
{
	MERGE(weight);
	MERGE(backup);
	MERGE(disabled);
	MERGE(ssl);
	MERGE(send_proxy);
	MERGE(maxconn);
	MERGE(minconn);
	MERGE(maxqueue);
	MERGE_PTR(observe);
	MERGE_PTR(on_error);
	if (dst->error_limit <= 0)
		dst->error_limit = src->error_limit;
	MERGE_PTR(ssl_crt);
	MERGE_PTR(ssl_ca_file);
	merge_check(&dst->check, &src->check);
	merge_check(&dst->agent, &src->agent);
}

static void server_builtin(struct m_server *s, const struct m_proxy_conf *conf)
{
	if (s->weight == M_UNSET)
		s->weight = 1;
	if (s->backup == M_UNSET)
		s->backup = 0;
	if (s->disabled == M_UNSET)
		s->disabled = 0;
	struct m_check *k = &s->check;
	if (k->inter == M_UNSET)
		k->inter = 2000;
	if (k->fastinter == M_UNSET)
		k->fastinter = k->inter;
	if (k->downinter == M_UNSET)
		k->downinter = k->inter;
	if (k->rise == M_UNSET)
		k->rise = 2;
	if (k->fall == M_UNSET)
		k->fall = 3;
	/* HAProxy's check timeout: `timeout check` if set, else inter, capped by connect. */
	if (k->timeout == M_UNSET)
		k->timeout = conf->timeout_check;
}

/* Merges a defaults chain (nearest first) into one effective defaults. */
static void merge_defaults_chain(struct hap_defaults *d, int depth)
{
	if (!d || !d->from || depth > 64)
		return;
	merge_defaults_chain(d->from, depth + 1);
	merge_conf(&d->conf, &d->from->conf, M_CAP_FE | M_CAP_BE);
	if (d->pool.balance.algo == ALGO_UNSET)
		d->pool.balance = d->from->pool.balance;
	if (!d->pool.default_server)
		d->pool.default_server = d->from->pool.default_server;
	if (!d->pool.probe)
		d->pool.probe = d->from->pool.probe;
	d->from = NULL; /* merged once */
}

static void post_alert(struct hap_ctx *c, struct m_origin at, const char *compat,
		       const char *lint)
{
	diag_add(c->dl, at, DIAG_ERROR, DIAG_ERROR, DIAG_FATAL | DIAG_POST, compat, lint);
}

static int log_fetch_check(void *arg, const char *expr, size_t len, char *err, size_t errlen)
{
	(void)arg;
	return hap_sample_check_log(expr, len, err, errlen);
}

/* The log-format string, as HAProxy reads it once the proxy's mode is known. */
static void check_log_format(struct hap_ctx *c, const struct m_proxy_conf *pc)
{
	char err[1024], buf[1400];
	struct m_lf lf;
	if (m_lf_parse(pc->log_format, pc->mode == M_MODE_HTTP, &lf, log_fetch_check, NULL, err,
		       sizeof(err)) == 0) {
		for (int i = 0; i < lf.n; i++)
			if (lf.v[i].kind == MLF_FETCH && !m_lf_fetch_supported(lf.v[i].text, lf.v[i].len)) {
				snprintf(buf, sizeof(buf), "parsing [%s:%u] : '%%[%s]' in log-format is "
					 "not supported by vipr yet; vipr will refuse to run this "
					 "configuration.", pc->log_format_at.file, pc->log_format_at.line,
					 lf.v[i].text);
				hap_diag(c, pc->log_format_at, DIAG_ERROR, DIAG_NOTE,
					 DIAG_RUN_FATAL | DIAG_POST, buf, "'%%[%s]' in log-format is not "
					 "supported by vipr yet; vipr refuses to run this configuration",
					 lf.v[i].text);
			}
		m_lf_free(&lf);
		return;
	}
	snprintf(buf, sizeof(buf), "Parsing [%s:%u]: failed to parse log-format : %s",
		 pc->log_format_at.file, pc->log_format_at.line, err);
	post_alert(c, pc->log_format_at, buf, buf);
}

static void check_routes(struct hap_ctx *c, struct hap_proxy *px)
{
	struct m_service *svc = px->svc;
	char buf[512];
	if (svc->default_pool_name) {
		struct m_pool *p = strmap_get(&c->pools_by_name, svc->default_pool_name);
		if (!p) {
			snprintf(buf, sizeof(buf),
				 "Proxy '%s': unable to find required default_backend: '%s'.",
				 svc->name, svc->default_pool_name);
			post_alert(c, svc->at, buf, buf);
		} else
			svc->default_pool = p;
	}
	for (struct m_route *r = svc->routes; r; r = r->next) {
		if (strchr(r->pool_name, '%'))
			continue; /* a log-format name, resolved per request */
		r->pool = strmap_get(&c->pools_by_name, r->pool_name);
		if (!r->pool) {
			snprintf(buf, sizeof(buf),
				 "Proxy '%s': unable to find required use_backend: '%s'.", svc->name,
				 r->pool_name);
			post_alert(c, r->cond.at, buf, buf);
		} else if (r->pool->service == svc && svc->kind == SVC_LISTEN) {
			snprintf(buf, sizeof(buf), "Proxy '%s': loop detected for use_backend: '%s'.",
				 svc->name, r->pool_name);
			post_alert(c, r->cond.at, buf, buf);
		}
	}
}

/* HAProxy loads the TLS files of `ssl` servers after parsing; vipr does not do TLS yet but
 * keeps these checks so that `haproxy -c` gives the same verdict. */
static void check_server_tls(struct hap_ctx *c, struct m_pool *pool, struct m_server *s)
{
	char buf[8192], path[4096];
	if (s->ssl != 1 && !(s->check.enabled && s->check.ssl == 1)) /* check-ssl: the same */
		return;
	if (s->ssl_crt) {
		const char *base = c->cfg->global.crt_base;
		if (base && s->ssl_crt[0] != '/')
			snprintf(path, sizeof(path), "%s/%s", base, s->ssl_crt);
		else
			snprintf(path, sizeof(path), "%s", s->ssl_crt);
		struct stat st;
		if (stat(path, &st) < 0) {
			snprintf(buf, sizeof(buf),
				 "[%s:%u] : 'server %s/%s' : unable to stat SSL certificate from file "
				 "'%s' : %s.", s->at.file, s->at.line, pool->name, s->name, path,
				 strerror(errno));
			post_alert(c, s->at, buf, buf);
			return;
		}
	}
	if (s->ssl_ca_file) {
		const char *base = c->cfg->global.ca_base;
		if (base && s->ssl_ca_file[0] != '/')
			snprintf(path, sizeof(path), "%s/%s", base, s->ssl_ca_file);
		else
			snprintf(path, sizeof(path), "%s", s->ssl_ca_file);
		FILE *f = fopen(path, "r");
		if (!f) {
			snprintf(buf, sizeof(buf),
				 "[%s:%u] : 'server %s/%s' : Couldn't open the ca-file '%s' (%s).",
				 s->at.file, s->at.line, pool->name, s->name, path, strerror(errno));
			post_alert(c, s->at, buf, buf);
			snprintf(buf, sizeof(buf), "'ca-file' : unable to load %s.", path);
			diag_add(c->dl, s->at, DIAG_NONE, DIAG_ERROR, DIAG_FATAL | DIAG_POST, buf, NULL);
			return;
		}
		fclose(f);
	} else if (s->check.verify_none != 1) {
		snprintf(buf, sizeof(buf),
			 "[%s:%u] : 'server %s/%s' : verify is enabled by default but no CA file "
			 "specified. If you're running on a LAN where you're certain to trust the "
			 "server's certificate, please set an explicit 'verify none' statement on the "
			 "'server' line, or use 'ssl-server-verify none' in the global section to "
			 "disable server-side verifications by default.",
			 s->at.file, s->at.line, pool->name, s->name);
		post_alert(c, s->at, buf, buf);
	}
}

static void check_servers(struct hap_ctx *c, struct m_pool *pool)
{
	char buf[512];
	struct strmap names = {0};
	for (struct m_server *s = pool->servers; s; s = s->next)
		check_server_tls(c, pool, s);
	for (struct m_server *s = pool->servers; s; s = s->next) {
		struct m_server *o = strmap_put(&names, s->name, s);
		if (!o)
			continue;
		snprintf(buf, sizeof(buf),
			 "parsing [%s:%u] : %s '%s', another server named '%s' was already defined "
			 "at line %u, please use distinct names.",
			 s->at.file, s->at.line, pool->service ? "proxy" : "backend", pool->name,
			 s->name, o->at.line);
		post_alert(c, s->at, buf, NULL);
	}
	strmap_free(&names);
}

/* HAProxy 2.6 takes no bare sample fetch as a condition term (`if ssl_fc` is "no such ACL");
 * a term that names a fetch gets a hint towards the anonymous form `{ ssl_fc }`. */
static bool is_fetch(const char *w)
{
	return hap_acl_fetch_known(w);
}

static const char *px_kind(const struct hap_proxy *px)
{
	return px->sec == HS_FRONTEND ? "frontend" : px->sec == HS_BACKEND ? "backend" : "proxy";
}

/* tcp-request rules word it "'KW' : error detected in frontend 'fe' while parsing 'if'
 * condition : reason" (the reason without its final dot), and their errors are fatal. */
static void cond_error(struct hap_ctx *c, const struct hap_proxy *px, const struct m_rule *r,
		       const char *kw, const char *what, const char *hint_fetch)
{
	char buf[768];
	bool tcp = !strncmp(kw, "tcp-request ", 12);
	if (tcp) {
		int n = (int)strlen(what);
		n -= n > 0 && what[n - 1] == '.';
		snprintf(buf, sizeof(buf),
			 "parsing [%s:%u] : '%s' : error detected in %s '%s' while parsing '%s' "
			 "condition : %.*s", r->at.file, r->at.line, kw, px_kind(px), px->name,
			 r->unless ? "unless" : "if", n, what);
	} else if (!strcmp(kw, "use_backend"))
		snprintf(buf, sizeof(buf),
			 "parsing [%s:%u] : error detected while parsing switching rule : %s",
			 r->at.file, r->at.line, what);
	else
		snprintf(buf, sizeof(buf),
			 "parsing [%s:%u] : error detected while parsing an '%s' condition : %s",
			 r->at.file, r->at.line, kw, what);
	char lint[600];
	snprintf(lint, sizeof(lint), "'%s' condition: %s", kw, what);
	struct diag *d = diag_add(c->dl, r->at, DIAG_ERROR, DIAG_ERROR,
				  tcp ? DIAG_FATAL : DIAG_NOFATAL, buf, tcp ? lint : NULL);
	c->file_error = true;
	if (hint_fetch)
		diag_hint(d, "'%s' is a sample fetch, not an ACL: write '{ %s }'", hint_fetch,
			  hint_fetch);
}

/* An anonymous ACL `{ words }` of a condition. Returns -1 after a finding that stops the
 * condition's checks. */
static int check_anon_acl(struct hap_ctx *c, const struct hap_proxy *px, struct m_rule *r,
			  const char *kw, char *const *words, int n)
{
	char where[160];
	if (strncmp(kw, "tcp-request ", 12)) {
		snprintf(where, sizeof(where), "an '%s' condition", kw);
		return hap_acl_parse(c, r->at, where, words, n, DIAG_NOFATAL) < 0 ? -1 : 0;
	}
	char msg[1024];
	int rc = hap_acl_check(words, n, msg, sizeof(msg));
	if (rc > 0) /* the "no pattern" warning has the same words everywhere */
		return hap_acl_parse(c, r->at, "", words, n, 0);
	if (rc < 0)
		cond_error(c, px, r, kw, msg, NULL);
	return rc;
}

/* Once per proxy: HAProxy ignores http-request rules outside HTTP mode, and resolves the
 * userlist and backend arguments of every named ACL. */
static void check_proxy_acls(struct hap_ctx *c, struct hap_proxy *px)
{
	if (!c->resolve)
		return; /* after every file is read: userlists and backends may come later */
	const struct m_rule *first = px->svc && px->svc->http_request ? px->svc->http_request
				     : px->pool ? px->pool->http_request : NULL;
	if (px->conf->mode == M_MODE_TCP && first) {
		char buf[512];
		snprintf(buf, sizeof(buf),
			 "'http-request' rules ignored for %s '%s' as they require HTTP mode.",
			 px->sec == HS_FRONTEND ? "frontend" : px->sec == HS_BACKEND ? "backend"
										      : "proxy",
			 px->name);
		diag_add(c->dl, first->at, DIAG_WARNING, DIAG_WARNING, DIAG_POST, buf,
			 "http-request rules have no effect in 'mode tcp'");
	}
	struct m_acl *acls = px->svc ? px->svc->acls : NULL;
	for (int pass = 0; pass < 2; pass++) {
		for (struct m_acl *a = acls; a; a = a->next)
			if (a->nwords > 0)
				hap_acl_resolve(c, px, a->at, a->words[0]);
		acls = px->pool && (!px->svc || px->pool->acls != px->svc->acls) ? px->pool->acls
										 : NULL;
	}
}

/* A named ACL must be declared in the proxy before the rule that uses it. */
static bool acl_declared(struct hap_proxy *px, const char *name, const struct m_rule *r)
{
	static const char *const builtin[] = {"TRUE", "FALSE", "HTTP", "HTTP_1.0", "HTTP_1.1",
					      "HTTP_2.0", "HTTP_CONTENT", "HTTP_URL_ABS",
					      "HTTP_URL_SLASH", "HTTP_URL_STAR", "LOCALHOST",
					      "METH_CONNECT", "METH_DELETE", "METH_GET", "METH_HEAD",
					      "METH_OPTIONS", "METH_POST", "METH_PUT", "METH_TRACE",
					      "RDP_COOKIE", "REQ_CONTENT", "WAIT_END", NULL};
	for (const char *const *b = builtin; *b; b++)
		if (!strcmp(*b, name))
			return true;
	struct m_acl *acls = px->svc ? px->svc->acls : NULL;
	for (int pass = 0; pass < 2; pass++) {
		for (struct m_acl *a = acls; a; a = a->next)
			if (!strcmp(a->name, name) && a->at.line < r->at.line)
				return true;
		acls = px->pool ? px->pool->acls : NULL;
	}
	return false;
}

/* Checks the condition of rule r (keyword kw, e.g. "http-request deny") as HAProxy parses
 * it: terms are declared ACL names, `!`, `||`/`or`, and anonymous ACLs `{ fetch ... }`.
 * Userlist and backend arguments that do not resolve are fatal but do not stop the checks.
 * Returns false after a finding that stops HAProxy. */
static bool check_acl_refs(struct hap_ctx *c, struct hap_proxy *px, struct m_rule *r,
			   const char *kw)
{
	for (int i = 0; i < r->ncond_words; i++) {
		const char *w = r->cond_words[i];
		while (*w == '!')
			w++;
		if (!*w || !strcmp(w, "||") || !strcmp(w, "or"))
			continue;
		if (!strcmp(w, "{")) {
			int j = i + 1;
			while (j < r->ncond_words && strcmp(r->cond_words[j], "}"))
				j++;
			if (j == r->ncond_words) {
				cond_error(c, px, r, kw, "missing closing '}' in condition.", NULL);
				return false;
			}
			/* parsed when the file was read; the resolve pass only resolves */
			if (!c->resolve &&
			    check_anon_acl(c, px, r, kw, r->cond_words + i + 1, j - i - 1) < 0)
				return false;
			if (j > i + 1 && c->resolve)
				hap_acl_resolve(c, px, r->at, r->cond_words[i + 1]);
			i = j;
			continue;
		}
		if (!acl_declared(px, w, r)) {
			char what[300];
			snprintf(what, sizeof(what), "no such ACL : '%s'.", w);
			cond_error(c, px, r, kw, what, is_fetch(w) ? w : NULL);
			return false;
		}
	}
	return true;
}

bool hap_check_rule_cond(struct hap_ctx *c, struct hap_proxy *px, struct m_rule *r,
			 const char *kw)
{
	return check_acl_refs(c, px, r, kw);
}

static bool check_rule_list(struct hap_ctx *c, struct hap_proxy *px, const char *kw,
			    struct m_rule *r)
{
	for (; r; r = r->next) {
		char what[96];
		snprintf(what, sizeof(what), "%s %s", kw, r->action ? r->action : "");
		check_acl_refs(c, px, r, what); /* HAProxy reports and reads on */
	}
	return true;
}

/* Every condition of a proxy: http-request/http-response rules of both halves, and the
 * use_backend switching rules. Returns false after a finding that stops HAProxy. */
static bool check_proxy_conditions(struct hap_ctx *c, struct hap_proxy *px)
{
	check_proxy_acls(c, px);
	if (px->svc) {
		if (!check_rule_list(c, px, "http-request", px->svc->http_request) ||
		    !check_rule_list(c, px, "http-response", px->svc->http_response))
			return false;
		for (struct m_route *rt = px->svc->routes; rt; rt = rt->next)
			if (rt->cond.cond_words)
				check_acl_refs(c, px, &rt->cond, "use_backend");
		/* tcp-request conditions were parsed with their line (hap_tcpreq.c) */
		if (c->resolve) {
			check_rule_list(c, px, "tcp-request connection", px->svc->tcp_request_conn);
			check_rule_list(c, px, "tcp-request content", px->svc->tcp_request_content);
		}
	}
	if (px->pool && (!px->svc || px->pool->http_request != px->svc->http_request))
		if (!check_rule_list(c, px, "http-request", px->pool->http_request) ||
		    !check_rule_list(c, px, "http-response", px->pool->http_response))
			return false;
	return true;
}

static void warn_timeouts(struct hap_ctx *c, struct hap_proxy *px)
{
	struct m_proxy_conf *pc = px->conf;
	if (pc->mode == M_MODE_HEALTH || pc->disabled)
		return;
	bool fe = px->svc != NULL, be = px->pool != NULL;
	if (!(fe && pc->timeout_client <= 0) && !(be && pc->timeout_connect <= 0) &&
	    !(be && pc->timeout_server <= 0))
		return;
	char buf[768];
	/* HAProxy lists all three whatever is missing. */
	snprintf(buf, sizeof(buf),
		 "missing timeouts for %s '%s'.\n"
		 "   | While not properly invalid, you will certainly encounter various problems\n"
		 "   | with such a configuration. To fix this, please ensure that all following\n"
		 "   | timeouts are set to a non-zero value: 'client', 'connect', 'server'.",
		 px_kind(px), px->name);
	struct diag *d = diag_add(c->dl, px->at, DIAG_WARNING, DIAG_WARNING, DIAG_POST, buf, NULL);
	free(d->msg);
	char *msg = NULL;
	if (asprintf(&msg, "missing timeouts for '%s': set timeout %s", px->name,
		     fe && be ? "client, connect and server" : fe ? "client" : "connect and server") < 0)
		abort();
	d->msg = msg;
}

/* Which log targets a proxy really has: its own, or global's through `log global`. */
static bool has_log_target(const struct hap_ctx *c, const struct m_proxy_conf *pc)
{
	return pc->logs || (pc->log_global == 1 && c->cfg->global.logs);
}

static void check_modes_and_binds(struct hap_ctx *c, struct hap_proxy *px)
{
	char buf[768];
	struct m_proxy_conf *pc = px->conf;
	if (px->svc && pc->log_fmt_src == M_LOGFMT_CUSTOM && pc->log_format)
		check_log_format(c, pc);
	if (px->svc) {
		for (struct m_bind *b = px->svc->binds; b; b = b->next)
			if (b->ssl && !b->ncrt) {
				snprintf(buf, sizeof(buf),
					 "Proxy '%s': no SSL certificate specified for bind '%s' at "
					 "[%s:%u] (use 'crt').", px->name, b->addr.text, b->at.file,
					 b->at.line);
				post_alert(c, b->at, buf, buf);
			}
		if (pc->mode != M_MODE_HTTP && pc->opt[OPT_HTTPLOG] == 1) {
			snprintf(buf, sizeof(buf),
				 "parsing [%s:%u] : 'option httplog' not usable with proxy '%s' (needs "
				 "'mode http'). Falling back to 'option tcplog'.",
				 pc->httplog_at.file, pc->httplog_at.line, px->name);
			diag_add(c->dl, pc->httplog_at, DIAG_WARNING, DIAG_WARNING, DIAG_POST, buf,
				 NULL);
		}
		if ((pc->opt[OPT_HTTPLOG] == 1 || pc->opt[OPT_TCPLOG] == 1 || pc->log_format) &&
		    !has_log_target(c, pc)) {
			snprintf(buf, sizeof(buf),
				 "log format ignored for %s '%s' since it has no log address.",
				 px->sec == HS_FRONTEND ? "frontend" : "proxy", px->name);
			diag_add(c->dl, px->at, DIAG_WARNING, DIAG_WARNING, DIAG_POST, buf, NULL);
		}
	}
	if (px->pool && pc->cookie_name && pc->mode != M_MODE_HTTP) {
		snprintf(buf, sizeof(buf), "cookie will be ignored for %s '%s' (needs 'mode http').",
			 px->sec == HS_BACKEND ? "backend" : "proxy", px->name);
		diag_add(c->dl, pc->cookie_at, DIAG_WARNING, DIAG_WARNING, DIAG_POST, buf, NULL);
	}
	if (px->pool)
		for (struct m_server *s = px->pool->servers; s; s = s->next)
			if (s->check.enabled && s->addr.no_port && s->check.port == M_UNSET &&
			    s->addr.kind != M_ADDR_UNIX) {
				snprintf(buf, sizeof(buf),
					 "config: %s '%s': server '%s' has neither service port nor "
					 "check port.", px->sec == HS_BACKEND ? "backend" : "proxy",
					 px->name, s->name);
				post_alert(c, s->at, buf, buf);
			}
	if (px->svc && !px->svc->binds && !px->conf->disabled) {
		snprintf(buf, sizeof(buf),
			 "%s '%s' has no 'bind' directive. Please declare it as a backend if this was "
			 "intended.", px->sec == HS_FRONTEND ? "frontend" : "proxy", px->name);
		diag_add(c->dl, px->at, DIAG_WARNING, DIAG_WARNING, DIAG_POST, buf, NULL);
	}
	struct m_service *svc = px->svc;
	if (!svc || svc->conf->mode != M_MODE_HTTP)
		return;
	struct m_pool *p = svc->default_pool;
	if (p && p->conf->mode == M_MODE_TCP && p->service != svc) {
		snprintf(buf, sizeof(buf),
			 "http frontend '%s' (%s:%u) tries to use incompatible tcp backend '%s' "
			 "(%s:%u) as its default backend (see 'mode').",
			 svc->name, svc->at.file, svc->at.line, p->name, p->at.file, p->at.line);
		post_alert(c, svc->at, buf, buf);
	}
}

/* Conditions are checked at the end of each file for its proxies, as HAProxy checks them
 * while reading (before its "Error(s) found in configuration file" line). */
void hap_check_file_conditions(struct hap_ctx *c, const char *file)
{
	for (struct hap_proxy *px = c->proxies; px; px = px->next)
		if (px->at.file == file)
			check_proxy_conditions(c, px);
}

/* `http-request cache-use NAME` / `http-response cache-store NAME` need a `cache NAME`;
 * HAProxy reports the first per proxy. */
static void check_caches(struct hap_ctx *c, struct hap_proxy *px)
{
	for (const struct hap_cacheref *r = c->cacherefs; r; r = r->next) {
		if (r->px != px || strmap_get(&c->cache_names, r->name))
			continue;
		char buf[512];
		snprintf(buf, sizeof(buf), "config: %s '%s': unable to find the cache '%s' "
			 "referenced by the filter 'cache'.", px->sec == HS_FRONTEND ? "frontend" :
			 px->sec == HS_BACKEND ? "backend" : "proxy", px->name, r->name);
		post_alert(c, r->at, buf, buf);
		return;
	}
}

void hap_check_tracks(struct hap_ctx *c, struct hap_proxy *px);

void hap_finalize(struct hap_ctx *c)
{
	for (struct hap_defaults *d = c->defaults; d; d = d->next)
		merge_defaults_chain(d, 0);

	/* Hand proxies to the model in file order, merged. */
	struct m_service **svc_tail = &c->cfg->services;
	struct m_pool **pool_tail = &c->cfg->pools;
	for (struct hap_proxy *px = c->proxies; px; px = px->next) {
		if (px->def)
			merge_conf(px->conf, &px->def->conf,
				   (px->svc ? M_CAP_FE : 0) | (px->pool ? M_CAP_BE : 0));
		apply_builtin(px->conf, px->pool != NULL);
		if (px->svc) {
			*svc_tail = px->svc;
			svc_tail = &px->svc->next;
		}
		if (px->pool) {
			struct m_pool *pool = px->pool;
			const struct m_pool *dp = px->def ? &px->def->pool : NULL;
			if (pool->balance.algo == ALGO_UNSET && dp)
				pool->balance = dp->balance;
			if (pool->balance.algo == ALGO_UNSET)
				pool->balance.algo = ALGO_ROUNDROBIN;
			if (pool->balance.hash_type == HASH_UNSET)
				pool->balance.hash_type = dp && dp->balance.hash_type != HASH_UNSET
								  ? dp->balance.hash_type
								  : HASH_MAP_BASED;
			if (!pool->probe && dp)
				pool->probe = dp->probe;
			int id = 0;
			for (struct m_server *s = pool->servers; s; s = s->next) {
				if (pool->default_server)
					merge_server(s, pool->default_server);
				if (dp && dp->default_server)
					merge_server(s, dp->default_server);
				server_builtin(s, pool->conf);
				if (s->id == M_UNSET)
					s->id = ++id;
				else
					id = s->id;
				if (s->check.enabled)
					s->check.probe = pool->probe;
			}
			*pool_tail = pool;
			pool_tail = &pool->next;
			strmap_put(&c->pools_by_name, pool->name, pool);
		}
	}

	/* Post-parse checks run only on a configuration without fatal errors, as HAProxy. */
	if (c->dl->flags_seen & (DIAG_FATAL | DIAG_ABORT | DIAG_NOFATAL))
		return;
	/* The conditions parsed cleanly file by file; now resolve what they refer to. */
	c->resolve = true;
	for (struct hap_proxy *px = c->proxies; px; px = px->next)
		check_proxy_conditions(c, px);
	for (struct hap_proxy *px = c->proxies; px; px = px->next)
		if (px->svc)
			check_routes(c, px);
	for (struct hap_proxy *px = c->proxies; px; px = px->next)
		check_modes_and_binds(c, px);
	for (struct hap_proxy *px = c->proxies; px; px = px->next)
		if (px->pool)
			check_servers(c, px->pool);
	/* HAProxy checks the tables a proxy refers to, then warns about its timeouts */
	for (struct hap_proxy *px = c->proxies; px; px = px->next) {
		hap_check_tracks(c, px); /* hap_stick.c */
		warn_timeouts(c, px);
	}
	for (struct hap_proxy *px = c->proxies; px; px = px->next)
		check_caches(c, px);
	/* Server names are resolved at start-up, which a fatal error above never reaches; an
	 * unknown name stops it. */
	if (c->dl->flags_seen & DIAG_FATAL)
		return;
	bool failed = false;
	for (struct m_pool *p = c->cfg->pools; p; p = p->next)
		for (struct m_server *s = p->servers; s; s = s->next)
			if (s->addr.kind == M_ADDR_NAME && m_addr_resolve(&s->addr) < 0) {
				char buf[512];
				snprintf(buf, sizeof(buf),
					 "[%s:%u] : 'server %s/%s' : could not resolve address '%s'.",
					 s->at.file, s->at.line, p->name, s->name, s->addr.host);
				post_alert(c, s->at, buf, buf);
				failed = true;
			}
	if (failed)
		diag_add(c->dl, (struct m_origin){0}, DIAG_NONE, DIAG_ERROR, DIAG_FATAL | DIAG_ABORT |
			 DIAG_POST, "Failed to initialize server(s) addr.", NULL);
}
