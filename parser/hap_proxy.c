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

/* ------------------------------------------------------------------ rules and routing */

/* Splits "ACTION args... [if|unless cond...]" into a rule. */
static struct m_rule *make_rule(struct hap_ctx *c, struct cfg_stmt *s, int i)
{
	struct m_rule *r = arena_alloc(c->a, sizeof(*r));
	r->at = s->at;
	int k = i;
	while (k < s->nw && strcmp(s->w[k].s, "if") && strcmp(s->w[k].s, "unless"))
		k++;
	if (i < k)
		r->action = arena_strdup(c->a, s->w[i].s);
	r->args = hap_copy_words(c, s, i + 1, k, &r->nargs);
	if (k < s->nw) {
		r->unless = s->w[k].s[0] == 'u';
		r->cond = hap_join(c, s, k + 1);
		r->cond_words = hap_copy_words(c, s, k + 1, s->nw, &r->ncond_words);
	}
	return r;
}

static void append_rule(struct m_rule **head, struct m_rule *r)
{
	while (*head)
		head = &(*head)->next;
	*head = r;
}

static int set_acl(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	if (i + 1 >= s->nw) {
		hap_alert(c, s, "'acl' expects an ACL name and a criterion.");
		return -1;
	}
	struct m_acl *acl = arena_alloc(c->a, sizeof(*acl));
	acl->name = arena_strdup(c->a, s->w[i].s);
	acl->words = hap_copy_words(c, s, i + 1, s->nw, &acl->nwords);
	acl->at = s->at;
	char where[320];
	snprintf(where, sizeof(where), "ACL '%s'", acl->name);
	if (hap_acl_parse(c, s->at, where, acl->words, acl->nwords, DIAG_FATAL) < 0)
		return -1;
	struct m_acl **head = c->px->svc ? &c->px->svc->acls : &c->px->pool->acls;
	while (*head)
		head = &(*head)->next;
	*head = acl;
	return 0;
}

/* Every http-request action of HAProxy 2.6, in the order its error message lists them. */
static const char *const hap_http_request_actions[] = {
	"wait-for-handshake", "ot-group", "set-log-level", "set-nice", "use-service",
	"sc-inc-gpc(*)", "sc-inc-gpc0(*)", "sc-inc-gpc1(*)", "sc-set-gpt(*)", "sc-set-gpt0(*)",
	"send-spoe-group", "do-resolve(*)", "cache-use", "add-acl(*)", "add-header", "allow",
	"auth", "capture", "del-acl(*)", "del-header", "del-map(*)", "deny", "disable-l7-retry",
	"early-hint", "normalize-uri", "redirect", "reject", "replace-header", "replace-path",
	"replace-pathq", "replace-uri", "replace-value", "return", "set-header", "set-map(*)",
	"set-method", "set-path", "set-pathq", "set-query", "set-uri", "strict-mode", "tarpit",
	"track-sc(*)", "set-timeout", "wait-for-body", "set-var-fmt(*)", "set-var(*)",
	"unset-var(*)", "set-dst", "set-dst-port", "set-mark", "set-src", "set-src-port",
	"set-tos", "silent-drop", "set-priority-class", "set-priority-offset", NULL,
};

/* Actions written NAME(args) or NAME<digit> match their "NAME(*)" row. */
static bool hap_known_action(const char *a)
{
	for (const char *const *p = hap_http_request_actions; *p; p++) {
		const char *star = strchr(*p, '(');
		size_t n = star ? (size_t)(star - *p) : strlen(*p);
		if (!strncmp(a, *p, n) && (a[n] == 0 || (star && (a[n] == '(' ||
								  (a[n] >= '0' && a[n] <= '9')))))
			return true;
	}
	return false;
}

/* http-request actions the runtime performs; the others are recognized and reported. */
static const char *const http_actions[] = {
	"allow", "deny", "return", "set-header", "add-header", "del-header", "replace-header",
	"set-path", "set-uri", "set-query", "set-method", "redirect", "auth", "use-service",
	"track-sc0", "track-sc1", "track-sc2", "sc-inc-gpc0(0)", "sc-inc-gpc0(1)", "sc-inc-gpc0(2)",
	"tarpit", "reject", "set-log-level", NULL,
};

/* "error detected in frontend 'fe' while parsing 'http-request return' rule : TEXT" -
 * HAProxy stops reading the file after it. */
static int rule_error(struct hap_ctx *c, struct cfg_stmt *s, const char *kw, const char *action,
		      const char *text)
{
	char *compat = NULL;
	const char *type = c->sec == HS_FRONTEND ? "frontend" : c->sec == HS_BACKEND ? "backend"
										    : "proxy";
	if (asprintf(&compat,
		     "parsing [%s:%u] : error detected in %s '%s' while parsing '%s %s' rule : %s",
		     s->at.file, s->at.line, type, c->px ? c->px->name : "", kw, action, text) < 0)
		abort();
	hap_diag(c, s->at, DIAG_ERROR, DIAG_ERROR, DIAG_ABORT, compat, "'%s %s': %s", kw, action,
		 text);
	free(compat);
	return -1;
}

/* Checks the arguments of the actions vipr performs, with HAProxy's wording. */
static int check_rule_args(struct hap_ctx *c, struct cfg_stmt *s, const char *kw,
			   struct m_rule *r)
{
	if ((!strcmp(r->action, "set-header") || !strcmp(r->action, "add-header")) &&
	    r->nargs != 2)
		return rule_error(c, s, kw, r->action, "expects exactly 2 arguments.");
	if (!strcmp(r->action, "redirect")) {
		const char *t = r->nargs ? r->args[0] : "";
		if (strcmp(t, "prefix") && strcmp(t, "location") && strcmp(t, "scheme"))
			return rule_error(c, s, kw, r->action, "redirection type expected ('prefix', "
								"'location', or 'scheme').");
	}
	if (!strcmp(r->action, "return") || !strcmp(r->action, "deny")) {
		for (int k = 0; k + 1 < r->nargs; k++) {
			const char *o = r->args[k], *v = r->args[k + 1];
			char text[600];
			if (!strcmp(o, "status")) {
				int st = atoi(v);
				if (st < 200 || st > 599) {
					snprintf(text, sizeof(text), "Unexpected status code '%s'.", v);
					return rule_error(c, s, kw, r->action, text);
				}
			} else if (!strcmp(o, "file") || !strcmp(o, "lf-file") ||
				   !strcmp(o, "errorfile")) {
				FILE *f = fopen(v, "rb");
				if (!f) {
					snprintf(text, sizeof(text), "error opening file '%s'.", v);
					return rule_error(c, s, kw, r->action, text);
				}
				fclose(f);
			}
		}
	}
	return 0;
}

int hap_check_var_rule(struct hap_ctx *c, struct cfg_stmt *s, const char *kw,
		       const struct m_rule *r);
int hap_capture_rule(struct hap_ctx *c, struct cfg_stmt *s, const char *kw, struct m_rule *r);

static int set_http_rule(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	struct m_rule *r = make_rule(c, s, i);
	if (!r->action) {
		hap_alert(c, s, ":'%s' expects an action.", kw->name);
		return -1;
	}
	bool known = false;
	for (const char *const *a = http_actions; *a; a++)
		if (!strcmp(*a, r->action))
			known = true;
	if (!strcmp(r->action, "capture")) {
		if (hap_capture_rule(c, s, kw->name, r) < 0) /* hap_capture.c */
			return -1;
		known = true;
	}
	if (!strncmp(r->action, "set-var(", 8) || !strncmp(r->action, "unset-var(", 10)) {
		if (hap_check_var_rule(c, s, kw->name, r) < 0) /* hap_tcpreq.c */
			return -1;
		known = true;
	}
	if (!known && !strcmp(kw->name, "http-request") && !hap_known_action(r->action)) {
		const char *best = NULL;
		int bestd = 3;
		for (const char *const *a = hap_http_request_actions; *a; a++) {
			char name[64];
			snprintf(name, sizeof(name), "%s", *a);
			char *star = strchr(name, '(');
			if (star)
				*star = 0;
			int d = cfg_distance(r->action, name, bestd - 1);
			if (d < bestd)
				bestd = d, best = *a;
		}
		char *list = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&list, &len);
		for (const char *const *a = hap_http_request_actions; *a; a++)
			fprintf(m, "'%s', ", *a);
		fclose(m);
		struct diag *d;
		if (best)
			d = hap_alert(c, s, ":'http-request' expects %sbut got '%s'. Did you mean '%s' "
					    "maybe ?", list, r->action, best);
		else
			d = hap_alert(c, s, ":'http-request' expects %sbut got '%s'.", list, r->action);
		free(list);
		d->flags |= DIAG_ABORT;
		free(d->msg);
		d->msg = NULL;
		if (asprintf(&d->msg, "unknown http-request action '%s'", r->action) < 0)
			abort();
		if (best)
			diag_hint(d, "did you mean '%s'?", best);
		return -1;
	}
	if (!known) {
		char what[96];
		snprintf(what, sizeof(what), "%s %s", kw->name, r->action);
		hap_unsupported(c, s, what, true);
		if ((!strcmp(r->action, "cache-use") || !strcmp(r->action, "cache-store")) &&
		    r->nargs && c->px) {
			struct hap_cacheref *ref = arena_alloc(c->a, sizeof(*ref));
			*ref = (struct hap_cacheref){r->args[0], c->px, s->at, NULL};
			if (!c->cacherefs_tail)
				c->cacherefs_tail = &c->cacherefs;
			*c->cacherefs_tail = ref;
			c->cacherefs_tail = &ref->next;
		}
		return 0;
	}
	if (check_rule_args(c, s, kw->name, r) < 0)
		return -1;
	bool resp = !strcmp(kw->name, "http-response");
	if (c->px && c->px->svc)
		append_rule(resp ? &c->px->svc->http_response : &c->px->svc->http_request, r);
	else if (c->px && c->px->pool)
		append_rule(resp ? &c->px->pool->http_response : &c->px->pool->http_request, r);
	return 0;
}

static int set_use_backend(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	if (i >= s->nw || !strcmp(s->w[i].s, "if") || !strcmp(s->w[i].s, "unless")) {
		hap_alert(c, s, "'use_backend' expects a backend name.");
		return -1;
	}
	struct m_route *rt = arena_alloc(c->a, sizeof(*rt));
	struct m_rule *r = make_rule(c, s, i);
	rt->pool_name = r->action;
	rt->cond = *r;
	rt->cond.at = s->at;
	struct m_route **head = &c->px->svc->routes;
	while (*head)
		head = &(*head)->next;
	*head = rt;
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
		hap_alert(c, s, "errorfile : <code> and <file> arguments expected.");
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
	int id = i < s->nw ? atoi(s->w[i].s) : 0;
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
int hap_stick_table_store(struct hap_ctx *c, struct cfg_stmt *s, int i);
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

/* stick-table type ip|ipv6|integer|string [len N]|binary [len N] size N [expire T]
 * [nopurge] [peers NAME] [srvkey KEY] [store ...]: checked with HAProxy's wording, then
 * bound by hap_stick.c. */
static int set_stick_table(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	int first = i;
	static const char *const types[] = {"ip", "ipv4", "ipv6", "integer", "string", "binary",
					    NULL};
	for (; i < s->nw; i++) {
		const char *o = s->w[i].s, *v = i + 1 < s->nw ? s->w[i + 1].s : NULL;
		if (!strcmp(o, "type")) {
			bool ok = false;
			for (const char *const *t = types; v && *t; t++)
				ok |= !strcmp(*t, v);
			if (!ok) {
				hap_alert(c, s, "stick-table: unknown type '%s'.", v ? v : "");
				return -1;
			}
			i++;
			if (i + 2 < s->nw && !strcmp(s->w[i + 1].s, "len"))
				i += 2;
		} else if (!strcmp(o, "size")) {
			int64_t sz;
			const char *bad = v ? m_parse_size(v, &sz) : "";
			if (bad) {
				if (bad == M_TIME_OVER || !*bad)
					hap_alert(c, s, "stick-table: missing argument after 'size'.");
				else
					hap_alert(c, s, "stick-table: unexpected character '%c' in "
							"argument of 'size'.", *bad);
				return -1;
			}
			i++;
		} else if (!strcmp(o, "expire")) {
			m_ms t;
			const char *bad = v ? m_parse_time(v, &t, 1) : "";
			if (bad) {
				hap_alert(c, s, "stick-table: unexpected character '%c' in argument of "
						"'expire'.", bad == M_TIME_OVER || bad == M_TIME_UNDER
								     ? '?' : *bad);
				return -1;
			}
			i++;
		} else if (!strcmp(o, "peers") || !strcmp(o, "srvkey") || !strcmp(o, "store") ||
			   !strcmp(o, "write-to")) {
			i++;
		}
	}
	return hap_stick_table_store(c, s, first); /* hap_stick.c */
}

/* ------------------------------------------------------------------ the table */

#define U(n, sec) {n, sec, 0, -1, NULL, T_NONE, 0, 0, KW_UNSUPPORTED, NULL}
#define F(n, sec, fn, min, help) {n, sec, min, -1, fn, T_NONE, 0, 0, 0, help}

const struct hap_kw hap_proxy_kw[] = {
	F("acl", HS_FE_ONLY | HS_BE_ONLY, set_acl, 0, NULL),
	{"backlog", HS_FE, 1, 1, hap_set_int_lenient, CONF(backlog), 0, KW_LENIENT, NULL},
	F("balance", HS_BE, set_balance, 0, NULL),
	F("bind", HS_FE_ONLY, set_bind, 0, NULL),
	F("default_backend", HS_FE, set_default_backend, 0, NULL),
	F("default-server", HS_BE, set_server, 0, NULL),
	F("description", HS_PROXY, set_description, 1, "a string argument"),
	F("disabled", HS_PROXY, set_disabled, 0, NULL),
	F("enabled", HS_PROXY, set_disabled, 0, NULL),
	F("errorfile", HS_PROXY, set_errorfile, 0, NULL),
	{"fullconn", HS_BE, 1, 1, hap_set_int_lenient, CONF(fullconn), 0, KW_LENIENT, NULL},
	F("hash-type", HS_BE, set_hash_type, 0, NULL),
	F("http-check", HS_BE, set_check_rule, 0, NULL),
	F("http-request", HS_FE_ONLY | HS_BE_ONLY, set_http_rule, 0, NULL),
	F("http-response", HS_FE_ONLY | HS_BE_ONLY, set_http_rule, 0, NULL),
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
	F("use_backend", HS_FE_ONLY, set_use_backend, 0, NULL),
	/* Recognized, not implemented by vipr yet. */
	U("bind-process", HS_PROXY), U("compression", HS_PROXY),
	F("capture", HS_FE_ONLY, hap_set_capture, 0, NULL), /* hap_capture.c */
	F("declare", HS_FE_ONLY, hap_set_declare, 0, NULL),
	F("cookie", HS_BE, set_cookie, 1, "<cookie_name> as argument"),
	F("stick-table", HS_FE_ONLY | HS_BE_ONLY, set_stick_table, 0, NULL), U("dispatch", HS_BE_ONLY),
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
	U("source", HS_BE), U("stick", HS_BE_ONLY),
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
