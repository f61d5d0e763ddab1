/* rules.c - http-request / http-response rules and use_backend routing, as HAProxy 2.6 runs
 * them.
 *
 * rt_rules_build() compiles, per proxy, its rule list (conditions through acl.c, log-format
 * arguments into segments, regexes, reply pages with their bytes prepared) and its routes.
 * A request then goes through the frontend's rules, the first matching use_backend (else
 * default_backend), and the chosen backend's rules. Replies that HAProxy generates itself
 * (deny, return, auth, redirect) are byte-for-byte what /usr/sbin/haproxy 2.6 sends.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runtime/rules_int.h"

/* Prepares an error-file style reply (a response as written in a file): its status line and
 * headers as HAProxy re-emits them (names lower-cased, Connection dropped). */
static bool reply_from_file(struct bctx *b, struct reply *r, const char *content, size_t len,
                            const char *what)
{
	struct h1_header hdrs[64];
	struct h1_msg m = {.headers = hdrs, .max_headers = 64};
	ssize_t n = h1_parse_response(content, len, 0, &m);
	if (n < 0 || !(m.flags & H1_F_CL)) {
		rt_acl_alert("proxy '%s': %s: the error file is not an HTTP response with a "
		             "Content-Length, which vipr does not support.",
		             b->px, what);
		return false;
	}
	char *line = NULL, *fixed = NULL;
	size_t ll = 0, fl = 0;
	FILE *f = open_memstream(&line, &ll);
	fprintf(f, "HTTP/1.%d %03d %.*s\r\n", m.minor, m.status, (int)m.reason_len,
	        m.reason ? m.reason : "");
	fclose(f);
	f = open_memstream(&fixed, &fl);
	for (size_t i = 0; i < m.nheaders; i++) {
		if (h1_hdr_is(&hdrs[i], "connection"))
			continue;
		for (size_t k = 0; k < hdrs[i].name_len; k++)
			fputc(tolower((unsigned char)hdrs[i].name[k]), f);
		fprintf(f, ": %.*s\r\n", (int)hdrs[i].value_len, hdrs[i].value);
	}
	fclose(f);
	r->status = m.status;
	r->line = rt_xdup(b, line, ll);
	r->fixed = rt_xdup(b, fixed, fl);
	r->body = rt_xdup(b, content + n, len - (size_t)n);
	r->blen = len - (size_t)n;
	free(line);
	free(fixed);
	return true;
}

/* The page HAProxy sends for `status`: the proxy's errorfile, else the built-in one. */
static bool reply_page(struct bctx *b, struct reply *r, int status, const char *what)
{
	for (int i = 0; i < 2; i++)
		for (const struct m_errorfile *e = b->confs[i] ? b->confs[i]->errorfiles : NULL; e;
		     e = e->next)
			if (e->status == status && e->content)
				return reply_from_file(b, r, e->content, e->len, what);
	const char *rsn, *text = rt_page_text(status, &rsn);
	if (!text) {
		rt_acl_alert("proxy '%s': %s: status code '%d' not handled by default with "
		             "'default-errorfiles' argument.",
		             b->px, what, status);
		return false;
	}
	char body[512], fixed[256], line[96];
	int bl = snprintf(body, sizeof(body), "<html><body><h1>%d %s</h1>\n%s\n</body></html>\n",
	                  status, rsn, text);
	int fl = snprintf(fixed, sizeof(fixed),
	                  "content-length: %d\r\ncache-control: no-cache\r\ncontent-type: "
	                  "text/html\r\n",
	                  bl);
	int ln = snprintf(line, sizeof(line), "HTTP/1.1 %d %s\r\n", status, rsn);
	r->status = status;
	r->line = rt_xdup(b, line, (size_t)ln);
	r->fixed = rt_xdup(b, fixed, (size_t)fl);
	r->body = rt_xdup(b, body, (size_t)bl);
	r->blen = (size_t)bl;
	r->close = status == 400 || status == 408;
	return true;
}

static bool read_file(struct bctx *b, const char *path, char **out, size_t *len, const char *what)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		rt_acl_alert("proxy '%s': %s: error opening file '%s'.", b->px, what, path);
		return false;
	}
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	char tmp[4096];
	size_t k;
	while ((k = fread(tmp, 1, sizeof(tmp), f)) > 0)
		fwrite(tmp, 1, k, m);
	fclose(f);
	fclose(m);
	*out = rt_xdup(b, buf, n);
	*len = n;
	free(buf);
	return true;
}

/* return / deny arguments: [status N | deny_status N] [content-type T] [payload] [hdr N V]* */
static bool compile_reply(struct bctx *b, struct rule *ru, const struct m_rule *mr,
                          const char *what)
{
	struct reply *r = &ru->rep;
	int status = ru->a == A_DENY ? 403 : ru->a == A_TARPIT ? 500 : 200;
	const char *ctype = NULL, *payload = NULL, *kind = NULL;
	r->hdrs = rt_acl_alloc(b->cx, sizeof(*r->hdrs) * (size_t)(mr->nargs + 1));
	for (int i = 0; i < mr->nargs; i++) {
		const char *o = mr->args[i], *v = i + 1 < mr->nargs ? mr->args[i + 1] : NULL;
		if ((!strcmp(o, "status") || !strcmp(o, "deny_status")) && v) {
			status = atoi(v);
			i++;
		} else if (!strcmp(o, "content-type") && v) {
			ctype = v;
			i++;
		} else if ((!strcmp(o, "string") || !strcmp(o, "lf-string") || !strcmp(o, "file") ||
		            !strcmp(o, "errorfile")) &&
		           v) {
			kind = o;
			payload = v;
			i++;
		} else if (!strcmp(o, "default-errorfile")) {
			kind = o;
		} else if (!strcmp(o, "hdr") && v && i + 2 < mr->nargs) {
			struct xhdr *h = &r->hdrs[r->nhdrs++];
			h->name = mr->args[i + 1];
			if (!rt_lf_compile(b, mr->args[i + 2], &h->fmt, what))
				return false;
			i += 2;
		} else {
			rt_acl_alert("proxy '%s': %s: argument '%s' is not supported by vipr.", b->px,
			             what, o);
			return false;
		}
	}
	if (!kind && (ru->a == A_DENY || ru->a == A_TARPIT))
		kind = "default-errorfile";
	if (kind && !strcmp(kind, "default-errorfile")) {
		if (!reply_page(b, r, status, what))
			return false;
		return true;
	}
	if (kind && !strcmp(kind, "errorfile")) {
		char *c;
		size_t n;
		return read_file(b, payload, &c, &n, what) && reply_from_file(b, r, c, n, what);
	}
	char line[96];
	int ln = snprintf(line, sizeof(line), "HTTP/1.1 %d %s\r\n", status, rt_reason(status));
	r->status = status;
	r->line = rt_xdup(b, line, (size_t)ln);
	r->close = status == 400 || status == 408;
	if (ctype) {
		char *ct = NULL;
		if (asprintf(&ct, "content-type: %s\r\n", ctype) < 0)
			abort();
		r->ctype = rt_xdup(b, ct, strlen(ct));
		free(ct);
	}
	if (!kind) {
		r->body = "";
		return true;
	}
	if (!strcmp(kind, "string")) {
		r->body = payload;
		r->blen = strlen(payload);
	} else if (!strcmp(kind, "lf-string")) {
		r->lf = true;
		return rt_lf_compile(b, payload, &r->lfbody, what);
	} else {
		char *c;
		return read_file(b, payload, &c, &r->blen, what) && (r->body = c);
	}
	return true;
}

static bool compile_redirect(struct bctx *b, struct rule *ru, const struct m_rule *mr,
                             const char *what)
{
	ru->code = 302;
	if (mr->nargs < 2)
		goto bad;
	ru->rk = !strcmp(mr->args[0], "location") ? R_LOCATION
	         : !strcmp(mr->args[0], "prefix") ? R_PREFIX
	                                          : R_SCHEME;
	if (!rt_lf_compile(b, mr->args[1], &ru->fmt, what))
		return false;
	for (int i = 2; i < mr->nargs; i++) {
		const char *o = mr->args[i];
		if (!strcmp(o, "code") && i + 1 < mr->nargs) {
			ru->code = atoi(mr->args[++i]);
			if (ru->code != 301 && ru->code != 302 && ru->code != 303 && ru->code != 307 &&
			    ru->code != 308)
				goto bad;
		} else if (!strcmp(o, "drop-query")) {
			ru->drop_query = true;
		} else if (!strcmp(o, "append-slash")) {
			ru->append_slash = true;
		} else {
			rt_acl_alert("proxy '%s': %s: option '%s' is not supported by vipr.", b->px,
			             what, o);
			return false;
		}
	}
	return true;
bad:
	rt_acl_alert("proxy '%s': %s: invalid arguments.", b->px, what);
	return false;
}

static bool compile_rule(struct bctx *b, struct rule *ru, const struct m_rule *mr, bool rsp)
{
	static const struct {
		const char *name;
		enum act a;
		int nargs; /* -1: variable; -2: request only and variable */
		bool in_rsp;
	} acts[] = {
	    {"allow", A_ALLOW, 0, true},        {"deny", A_DENY, -2, false},
	    {"return", A_RETURN, -2, false},    {"auth", A_AUTH, -2, false},
	    {"redirect", A_REDIRECT, -2, false}, {"set-header", A_SET_HDR, 2, true},
	    {"add-header", A_ADD_HDR, 2, true}, {"del-header", A_DEL_HDR, 1, true},
	    {"replace-header", A_REPL_HDR, 3, true}, {"set-path", A_SET_PATH, 1, false},
	    {"set-query", A_SET_QUERY, 1, false}, {"set-uri", A_SET_URI, 1, false},
	    {"set-method", A_SET_METHOD, 1, false}, {"use-service", A_SERVICE, 1, false},
	    {"track-sc0", A_TRACK, -2, false},  {"track-sc1", A_TRACK, -2, false},
	    {"track-sc2", A_TRACK, -2, false},  {"sc-inc-gpc0(0)", A_INC_GPC0, 0, true},
	    {"sc-inc-gpc0(1)", A_INC_GPC0, 0, true}, {"sc-inc-gpc0(2)", A_INC_GPC0, 0, true},
	    {"tarpit", A_TARPIT, -2, false},    {"reject", A_REJECT, 0, false},
	    {"set-log-level", A_LOG_LEVEL, 1, true},
	};
	char what[128];
	snprintf(what, sizeof(what), "parsing [%s:%u] : 'http-%s %s'", mr->at.file ? mr->at.file : "?",
	         mr->at.line, rsp ? "response" : "request", mr->action ? mr->action : "");
	if (mr->action && !strcmp(mr->action, "capture")) {
		ru->a = A_CAPTURE;
		return rt_cond_compile(b->cx, mr, b->acls, b->px, &ru->cond) &&
		       rt_cap_compile_rule(b, mr, ru, rsp, what); /* capture.c */
	}
	if (mr->action && (!strncmp(mr->action, "set-var(", 8) ||
	                   !strncmp(mr->action, "unset-var(", 10))) {
		ru->a = mr->action[0] == 's' ? A_SET_VAR : A_UNSET_VAR;
		return rt_cond_compile(b->cx, mr, b->acls, b->px, &ru->cond) &&
		       rt_setvar_compile(b, mr, &ru->var, true, what); /* rules_stk.c */
	}
	int k = -1;
	for (size_t i = 0; i < ARRAY_SIZE(acts) && mr->action; i++)
		if (!strcmp(acts[i].name, mr->action) && (!rsp || acts[i].in_rsp))
			k = (int)i;
	if (k < 0) {
		rt_acl_alert("proxy '%s': %s: action not supported by vipr.", b->px, what);
		return false;
	}
	ru->a = acts[k].a;
	if (acts[k].nargs >= 0 && mr->nargs != acts[k].nargs) {
		rt_acl_alert("proxy '%s': %s: expects %d arguments (del-header -m is not supported "
		             "by vipr).",
		             b->px, what, acts[k].nargs);
		return false;
	}
	if (!rt_cond_compile(b->cx, mr, b->acls, b->px, &ru->cond))
		return false;
	switch (ru->a) {
	case A_ALLOW:
		return true;
	case A_TRACK: /* rules_stk.c */
		return rt_trk_compile(b, mr, mr->action[8] - '0', &ru->trk, true, what);
	case A_INC_GPC0:
		ru->trk.sc = mr->action[12] - '0';
		return true;
	case A_SERVICE: /* promex.c */
		if (strcmp(mr->args[0], "prometheus-exporter")) {
			rt_acl_alert("proxy '%s': %s: unknown service '%s'.", b->px, what, mr->args[0]);
			return false;
		}
		return true;
	case A_DENY:
	case A_RETURN:
	case A_TARPIT:
		return compile_reply(b, ru, mr, what);
	case A_REJECT:
		return true;
	case A_LOG_LEVEL: {
		static const char *const lv[] = {"emerg", "alert",  "crit", "err",   "warning",
		                                 "notice", "info", "debug", "silent"};
		for (size_t i = 0; i < ARRAY_SIZE(lv); i++)
			if (!strcmp(lv[i], mr->args[0]))
				ru->code = (int)i + 1;
		if (!ru->code)
			rt_acl_alert("proxy '%s': %s: unknown log level '%s'.", b->px, what,
			             mr->args[0]);
		return ru->code != 0;
	}
	case A_AUTH: {
		const char *realm = b->px;
		if (mr->nargs == 2 && !strcmp(mr->args[0], "realm"))
			realm = mr->args[1];
		else if (mr->nargs) {
			rt_acl_alert("proxy '%s': %s: unexpected arguments.", b->px, what);
			return false;
		}
		char *x = NULL;
		if (asprintf(&x, "www-authenticate: Basic realm=\"%s\"\r\n", realm) < 0)
			abort();
		ru->rep.extra = rt_xdup(b, x, strlen(x));
		free(x);
		return reply_page(b, &ru->rep, 401, what);
	}
	case A_REDIRECT:
		return compile_redirect(b, ru, mr, what);
	case A_SET_HDR:
	case A_ADD_HDR:
		ru->name = mr->args[0];
		return rt_lf_compile(b, mr->args[1], &ru->fmt, what);
	case A_DEL_HDR:
		ru->name = mr->args[0];
		return true;
	case A_REPL_HDR: {
		int err;
		PCRE2_SIZE off;
		ru->name = mr->args[0];
		ru->re = pcre2_compile((PCRE2_SPTR)mr->args[1], PCRE2_ZERO_TERMINATED, 0, &err, &off,
		                       NULL);
		if (!ru->re) {
			rt_acl_alert("proxy '%s': %s: bad regex '%s'.", b->px, what, mr->args[1]);
			return false;
		}
		struct rt_rules_all *all = b->rt->rules;
		all->regs = realloc(all->regs, sizeof(*all->regs) * (size_t)(all->nregs + 1));
		all->regs[all->nregs++] = ru->re;
		return rt_lf_compile(b, mr->args[2], &ru->fmt, what);
	}
	default:
		return rt_lf_compile(b, mr->args[0], &ru->fmt, what);
	}
}

static bool compile_list(struct bctx *b, const struct m_rule *list, struct rule **out, int *n,
                         bool rsp)
{
	int cnt = 0;
	for (const struct m_rule *r = list; r; r = r->next)
		cnt++;
	*out = rt_acl_alloc(b->cx, sizeof(**out) * (size_t)(cnt + 1));
	*n = 0;
	for (const struct m_rule *r = list; r; r = r->next)
		if (!compile_rule(b, &(*out)[(*n)++], r, rsp))
			return false;
	return true;
}

static struct rt_pool *find_pool(struct rt *rt, const struct m_pool *mp)
{
	for (int i = 0; i < rt->npools; i++)
		if (rt->pools[i].conf == mp)
			return &rt->pools[i];
	return NULL;
}

static enum m_mode pool_mode(const struct m_pool *p)
{
	return p->conf && p->conf->mode != M_MODE_UNSET ? p->conf->mode : M_MODE_TCP;
}

static bool compile_routes(struct bctx *b, struct rt_service *rs, struct rt_rules *set)
{
	const struct m_service *s = rs->conf;
	int cnt = 0;
	for (const struct m_route *r = s->routes; r; r = r->next)
		cnt++;
	set->routes = rt_acl_alloc(b->cx, sizeof(*set->routes) * (size_t)(cnt + 1));
	for (const struct m_route *r = s->routes; r; r = r->next) {
		struct route *ro = &set->routes[set->nroutes++];
		if (!r->pool) {
			rt_acl_alert("Proxy '%s': use_backend '%s': dynamic backend names are not "
			             "supported by vipr.",
			             s->name, r->pool_name);
			return false;
		}
		ro->pool = find_pool(b->rt, r->pool);
		if (!ro->pool)
			return false;
		if (pool_mode(r->pool) != rs->mode) {
			rt_acl_alert("%s frontend '%s' (%s:%u) tries to use incompatible %s backend "
			             "'%s' (%s:%u) in a 'use_backend' rule (see 'mode').",
			             rs->mode == M_MODE_HTTP ? "http" : "tcp", s->name,
			             s->at.file ? s->at.file : "?", s->at.line,
			             pool_mode(r->pool) == M_MODE_HTTP ? "http" : "tcp", r->pool->name,
			             r->pool->at.file ? r->pool->at.file : "?", r->pool->at.line);
			return false;
		}
		if (!rt_cond_compile(b->cx, &r->cond, s->acls, s->name, &ro->cond))
			return false;
		/* mode tcp: chosen once content rules accepted (rules_tcp.c), on addresses and
		 * the client's first bytes */
		if (rs->mode == M_MODE_TCP && rt_cond_needs_http(ro->cond)) {
			rt_acl_alert("Proxy '%s': use_backend in mode tcp on HTTP sample fetches is not "
			             "supported by vipr.",
			             s->name);
			return false;
		}
	}
	return true;
}

int rt_rules_build(struct rt *rt)
{
	struct rt_rules_all *all = calloc(1, sizeof(*all));
	rt->rules = all;
	all->cx = rt_acl_ctx_new(rt->cfg, rt->pools, rt->npools);
	if (!rt_stk_build(rt, all))
		return -1;
	rt_balance_setup(rt); /* balance.c: fullconn */
	all->sets = calloc((size_t)(rt->nsvc + rt->npools + 1), sizeof(*all->sets));
	for (int i = 0; i < rt->nsvc; i++) {
		struct rt_service *rs = &rt->svc[i];
		const struct m_service *s = rs->conf;
		if (!s->http_request && !s->http_response && !s->routes && !s->acls &&
		    !s->tcp_request_conn && !s->tcp_request_content && !s->captures)
			continue;
		struct rt_rules *set = &all->sets[all->nsets++];
		struct bctx b = {rt, all->cx, s->acls, s->name, {rs->fe, rs->be}, NULL};
		if (!rt_cap_build(&b, rs, set)) /* capture.c */
			return -1;
		b.caps = set->caps;
		if (rs->mode == M_MODE_HTTP &&
		    (!compile_list(&b, s->http_request, &set->req, &set->nreq, false) ||
		     !compile_list(&b, s->http_response, &set->rsp, &set->nrsp, true)))
			return -1;
		/* ACLs that no rule uses are still checked: an unsupported one is refused */
		for (const struct m_acl *a = s->acls; a; a = a->next) {
			struct m_rule r = {.cond_words = (char **)&a->name, .ncond_words = 1};
			const struct rt_cond *c;
			if (!rt_cond_compile(all->cx, &r, s->acls, s->name, &c))
				return -1;
		}
		if (!compile_routes(&b, rs, set) || !rt_tcp_compile(&b, rs, set))
			return -1;
		rs->rules = set;
	}
	for (int i = 0; i < rt->npools; i++) {
		struct rt_pool *p = &rt->pools[i];
		const struct m_pool *mp = p->conf;
		/* a listen's rules are its service's, run once when its own half serves */
		const struct m_service *own = mp->service;
		const struct m_rule *rq = own ? own->http_request : mp->http_request;
		const struct m_rule *rp = own ? own->http_response : mp->http_response;
		const struct m_acl *acls = own ? own->acls : mp->acls;
		if ((!rq && !rp && !acls) || pool_mode(mp) != M_MODE_HTTP)
			continue;
		struct rt_rules *set = NULL;
		for (int k = 0; own && k < rt->nsvc; k++)
			if (rt->svc[k].conf == own)
				set = (struct rt_rules *)rt->svc[k].rules;
		if (!set) {
			set = &all->sets[all->nsets++];
			struct bctx b = {rt, all->cx, acls, mp->name, {mp->conf, NULL}, NULL};
			if (!compile_list(&b, rq, &set->req, &set->nreq, false) ||
			    !compile_list(&b, rp, &set->rsp, &set->nrsp, true))
				return -1;
			for (const struct m_acl *a = acls; a; a = a->next) {
				struct m_rule r = {.cond_words = (char **)&a->name, .ncond_words = 1};
				const struct rt_cond *c;
				if (!rt_cond_compile(all->cx, &r, acls, mp->name, &c))
					return -1;
			}
		}
		p->rules = set;
	}
	return 0;
}

void rt_rules_free(struct rt *rt)
{
	struct rt_rules_all *all = rt->rules;
	if (!all)
		return;
	for (int i = 0; i < all->nregs; i++)
		pcre2_code_free(all->regs[i]);
	free(all->regs);
	rt_acl_ctx_free(all->cx);
	rt_stk_free(all);
	rt_vars_proc_free();
	free(all->sets);
	free(all);
	rt->rules = NULL;
}
