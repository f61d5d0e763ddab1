/* rules_exec.c - running compiled http-request / http-response rules on a parsed head:
 * header and target rewrites, replies HAProxy generates itself (deny, return, auth,
 * redirect), and use_backend routing. Rules are compiled by rules.c.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runtime/rules_int.h"

/* ---------------------------------------------------------------- running: rewrites */

static void hdr_del(struct h1_msg *m, const char *name)
{
	size_t k = 0, nl = strlen(name);
	for (size_t i = 0; i < m->nheaders; i++) {
		const struct h1_header *h = &m->headers[i];
		if (h->name_len == nl && !strncasecmp(h->name, name, nl))
			continue;
		m->headers[k++] = *h;
	}
	m->nheaders = k;
}

static bool hdr_add(struct h1_msg *m, const char *name, const char *v, size_t n)
{
	if (m->nheaders >= m->max_headers)
		return false;
	m->headers[m->nheaders++] =
	    (struct h1_header){.name = name, .name_len = strlen(name), .value = v, .value_len = n};
	return true;
}

/* replace-header: every occurrence whose value the regex matches is replaced by the
 * format, with \0-\9 standing for the captures. */
static bool hdr_replace(const struct rule *ru, const struct rt_sess *s, struct h1_msg *m,
                        struct rt_scratch *sc)
{
	size_t fl;
	const char *fmt = rt_lf_eval(&ru->fmt, s, m, sc, &fl);
	if (!fmt)
		return false;
	pcre2_match_data *md = pcre2_match_data_create(10, NULL);
	bool ok = true;
	for (size_t i = 0; i < m->nheaders && ok; i++) {
		struct h1_header *h = &m->headers[i];
		if (h->name_len != strlen(ru->name) || strncasecmp(h->name, ru->name, h->name_len))
			continue;
		int rc = pcre2_match(ru->re, (PCRE2_SPTR)h->value, h->value_len, 0, 0, md, NULL);
		if (rc < 0)
			continue;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		size_t start = sc->used;
		for (size_t k = 0; k < fl && ok; k++) {
			if (fmt[k] == '\\' && k + 1 < fl && isdigit((unsigned char)fmt[k + 1])) {
				int g = fmt[++k] - '0';
				if (g < rc && ov[2 * g] != PCRE2_UNSET)
					ok = rt_sc_put(sc, h->value + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
			} else {
				ok = rt_sc_put(sc, fmt + k, 1);
			}
		}
		h->value = sc->d + start;
		h->value_len = sc->used - start;
	}
	pcre2_match_data_free(md);
	return ok;
}

/* set-path / set-query / set-uri: rebuilds the request target in the scratch. */
static bool set_target(const struct rule *ru, const struct rt_sess *s, struct h1_msg *m,
                       struct rt_scratch *sc)
{
	size_t vl;
	const char *v = rt_lf_eval(&ru->fmt, s, m, sc, &vl);
	if (!v)
		return false;
	if (ru->a == A_SET_URI) {
		m->uri = v, m->uri_len = vl;
		return true;
	}
	const char *path, *q = NULL;
	size_t pl, ql = 0;
	if (!rt_smp_path(m, &path, &pl))
		path = m->uri, pl = 0;
	bool hasq = rt_smp_query(m, &q, &ql);
	size_t start = sc->used;
	bool ok = rt_sc_put(sc, m->uri, (size_t)(path - m->uri)); /* scheme://authority */
	if (ru->a == A_SET_PATH) {
		ok = ok && rt_sc_put(sc, v, vl);
		if (hasq)
			ok = ok && rt_sc_put(sc, "?", 1) && rt_sc_put(sc, q, ql);
	} else {
		ok = ok && rt_sc_put(sc, path, pl);
		if (vl)
			ok = ok && rt_sc_put(sc, "?", 1) && rt_sc_put(sc, v, vl);
	}
	m->uri = sc->d + start;
	m->uri_len = sc->used - start;
	return ok;
}

/* Applies a header or request-line rewrite; false when it does not fit. */
static bool rewrite(const struct rule *ru, const struct rt_sess *s, struct h1_msg *m,
                    const struct h1_msg *req, struct rt_scratch *sc)
{
	size_t vl;
	const char *v;
	switch (ru->a) {
	case A_SET_HDR:
	case A_ADD_HDR:
		/* the value is computed before the old header goes: it may refer to it */
		v = rt_lf_eval(&ru->fmt, s, req, sc, &vl);
		if (!v)
			return false;
		if (ru->a == A_SET_HDR)
			hdr_del(m, ru->name);
		return hdr_add(m, ru->name, v, vl);
	case A_DEL_HDR:
		hdr_del(m, ru->name);
		return true;
	case A_REPL_HDR:
		return hdr_replace(ru, s, m, sc);
	case A_SET_METHOD:
		v = rt_lf_eval(&ru->fmt, s, m, sc, &vl);
		if (!v)
			return false;
		m->method = v, m->method_len = vl;
		return true;
	default:
		return set_target(ru, s, m, sc);
	}
}

/* ---------------------------------------------------------------- running: replies */

/* Whether the client connection survives a locally generated answer, and how much of the
 * request to consume: the head, plus a body that is already entirely buffered. */
static bool reply_keep(struct rt_sess *s, const struct h1_msg *m, size_t *consume)
{
	*consume = m->head_len;
	if (!s->cli_ka)
		return false;
	if (s->rqb.kind == H1_BODY_NONE)
		return true;
	size_t avail = rt_buf_len(&s->req.in) - m->head_len;
	if (s->rqb.kind == H1_BODY_CL && avail >= s->rqb.left) {
		*consume += (size_t)s->rqb.left;
		return true;
	}
	return false;
}

static void queue_reply(struct rt_sess *s, const struct h1_msg *m, const char *bytes, size_t n,
                        int status, bool keep, size_t consume, const char *term)
{
	s->status = status;
	memcpy(s->term, term, 2);
	s->rsp.out.r = s->rsp.out.w = 0;
	s->rsp.fwd = 0;
	s->rsp.bytes = 0;
	rt_buf_put(&s->rsp.out, bytes, n);
	s->rs = RS_DONE;
	s->req.in.r += consume;
	s->req_last = 0;
	(void)m;
	if (keep) {
		s->rq = RQ_DONE;
		return;
	}
	s->req.in.r = s->req.in.w = 0;
	s->req.fwd = 0;
	s->rq = RQ_CLOSING;
	s->cli_ka = false;
	rt_sess_set_tmo(s, TMO_DATA);
}

static const char *conn_line(const struct h1_msg *m, bool keep)
{
	if (!keep)
		return "connection: close\r\n";
	return m->minor == 0 ? "connection: keep-alive\r\n" : "";
}

/* The bytes of reply r to request m, with connection line conn; *out is malloc'd. */
static void build_reply(struct rt_sess *s, const struct h1_msg *m, const struct reply *r,
                        struct rt_scratch *sc, const char *conn, char **out, size_t *len)
{
	bool head = m->method_len == 4 && !memcmp(m->method, "HEAD", 4);
	FILE *f = open_memstream(out, len);
	fputs(r->line, f);
	const char *body = r->body;
	size_t blen = r->blen;
	if (r->lf) {
		body = rt_lf_eval(&r->lfbody, s, m, sc, &blen);
		if (!body)
			body = "", blen = 0;
	}
	if (!r->fixed) {
		for (int i = 0; i < r->nhdrs; i++) {
			size_t vl;
			const char *v = rt_lf_eval(&r->hdrs[i].fmt, s, m, sc, &vl);
			for (const char *c = r->hdrs[i].name; *c; c++)
				fputc(tolower((unsigned char)*c), f);
			fprintf(f, ": %.*s\r\n", (int)(v ? vl : 0), v ? v : "");
		}
		fprintf(f, "content-length: %zu\r\n", blen);
		if (r->ctype)
			fputs(r->ctype, f);
	} else {
		fputs(r->fixed, f);
		for (int i = 0; i < r->nhdrs; i++) {
			size_t vl;
			const char *v = rt_lf_eval(&r->hdrs[i].fmt, s, m, sc, &vl);
			for (const char *c = r->hdrs[i].name; *c; c++)
				fputc(tolower((unsigned char)*c), f);
			fprintf(f, ": %.*s\r\n", (int)(v ? vl : 0), v ? v : "");
		}
	}
	if (r->extra)
		fputs(r->extra, f);
	fputs(conn, f);
	fputs("\r\n", f);
	if (!head)
		fwrite(body, 1, blen, f);
	fclose(f);
}

static void send_reply(struct rt_sess *s, const struct h1_msg *m, const struct reply *r,
                       struct rt_scratch *sc, const char *term)
{
	size_t consume;
	bool keep = reply_keep(s, m, &consume) && !r->close;
	char *out = NULL;
	size_t len = 0;
	build_reply(s, m, r, sc, conn_line(m, keep), &out, &len);
	queue_reply(s, m, out, len, r->status, keep, consume, term);
	free(out);
}

static void send_redirect(struct rt_sess *s, const struct h1_msg *m, const struct rule *ru,
                          struct rt_scratch *sc)
{
	size_t consume, vl;
	bool keep = reply_keep(s, m, &consume);
	const char *v = rt_lf_eval(&ru->fmt, s, m, sc, &vl);
	char *loc = NULL;
	size_t ll = 0;
	FILE *f = open_memstream(&loc, &ll);
	const char *path = "", *q = NULL, *host = "";
	size_t pl = 0, ql = 0, hl = 0;
	rt_smp_path(m, &path, &pl);
	bool hasq = rt_smp_query(m, &q, &ql) && !ru->drop_query;
	if (ru->rk == R_LOCATION) {
		fwrite(v ? v : "", 1, v ? vl : 0, f);
	} else {
		if (ru->rk == R_SCHEME) {
			rt_smp_hdr(m, "host", 0, &host, &hl);
			fwrite(v ? v : "", 1, v ? vl : 0, f);
			fprintf(f, "://%.*s", (int)hl, host);
		} else if (!(vl == 1 && v && v[0] == '/')) {
			fwrite(v ? v : "", 1, v ? vl : 0, f); /* prefix "/" adds nothing */
		}
		fwrite(path, 1, pl, f);
		if (hasq)
			fprintf(f, "?%.*s", (int)ql, q);
	}
	fflush(f);
	if (ru->append_slash && (ll == 0 || loc[ll - 1] != '/'))
		fputc('/', f);
	fclose(f);
	char *out = NULL;
	size_t len = 0;
	f = open_memstream(&out, &len);
	fprintf(f, "HTTP/1.1 %d %s\r\ncontent-length: 0\r\nlocation: %s\r\n%s%s\r\n", ru->code,
	        rt_reason(ru->code), loc,
	        ru->code == 301 || ru->code == 308 ? "" : "cache-control: no-cache\r\n",
	        conn_line(m, keep));
	fclose(f);
	queue_reply(s, m, out, len, ru->code, keep, consume, "LR");
	free(out);
	free(loc);
}

static void send_500(struct rt_sess *s, const struct h1_msg *m, struct rt_scratch *sc)
{
	static struct reply r;
	static char body[160];
	if (!r.line) { /* the built-in 500 page; first use, values are constant */
		int bl = snprintf(body, sizeof(body),
		                  "<html><body><h1>500 Internal Server Error</h1>\n%s\n</body></html>\n",
		                  "An internal server error occurred.");
		static char fixed[128];
		snprintf(fixed, sizeof(fixed),
		         "content-length: %d\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n",
		         bl);
		r = (struct reply){.status = 500, .line = "HTTP/1.1 500 Internal Server Error\r\n",
		                   .fixed = fixed, .body = body, .blen = (size_t)bl};
	}
	send_reply(s, m, &r, sc, "PR");
}

/* Runs one proxy's http-request rules. Returns 1 when the request was answered, 0 to go on,
 * -1 on allow (go on, skipping the rest of this proxy's rules: same as 0 for the caller). */
/* http-request tarpit: the request is dropped, the client waits for timeout tarpit, then
 * gets the rule's answer (500 by default) and the connection closes (logged "PT"). */
static void tarpit(struct rt_sess *s, const struct h1_msg *m, const struct rule *ru,
                   struct rt_scratch *sc)
{
	rt_stats_denied(s, false);
	memcpy(s->term, "PT", 2);
	s->tarpit_status = ru->rep.status;
	/* the answer is what deny would send, without a connection header (HAProxy's) */
	size_t len = 0;
	free(s->tarpit_reply);
	build_reply(s, m, &ru->rep, sc, "", &s->tarpit_reply, &len);
	s->tarpit_len = len;
	s->req.in.r = s->req.in.w = 0;
	s->req.fwd = 0;
	s->rq = RQ_CLOSING;
	s->cli_ka = false;
	rt_sess_set_tmo(s, TMO_TARPIT);
}

m_ms rt_rules_tarpit_tmo(const struct rt_sess *s)
{
	const struct m_proxy_conf *c = s->fe_only ? s->svc->fe : rt_sess_be(s);
	if (c && c->timeout_tarpit > 0)
		return c->timeout_tarpit;
	if (c && c->timeout_connect > 0)
		return c->timeout_connect;
	return 1; /* no timeout at all: answer at once rather than hold the client forever */
}

void rt_rules_tarpit_end(struct rt_sess *s)
{
	s->status = s->tarpit_status;
	s->rsp.out.r = s->rsp.out.w = 0;
	s->rsp.fwd = 0;
	s->rsp.bytes = 0;
	rt_buf_put(&s->rsp.out, s->tarpit_reply, s->tarpit_len);
	free(s->tarpit_reply);
	s->tarpit_reply = NULL;
	s->rs = RS_DONE;
	rt_sess_set_tmo(s, TMO_DATA);
}

/* http-request reject: the connection closes without an answer. */
static void reject(struct rt_sess *s)
{
	rt_stats_denied(s, false);
	memcpy(s->term, "PR", 2);
	s->dead = true;
}

static bool run_req(struct rt_sess *s, const struct rt_rules *set, struct h1_msg *m,
                    struct rt_scratch *sc, const struct rt_smp *x)
{
	for (int i = 0; i < set->nreq; i++) {
		const struct rule *ru = &set->req[i];
		if (!rt_cond_eval(ru->cond, x))
			continue;
		switch (ru->a) {
		case A_ALLOW:
			return false;
		case A_DENY:
		case A_AUTH:
			send_reply(s, m, &ru->rep, sc, "PR");
			return true;
		case A_RETURN:
			send_reply(s, m, &ru->rep, sc, "LR");
			return true;
		case A_REDIRECT:
			send_redirect(s, m, ru, sc);
			return true;
		case A_SERVICE:
			return rt_promex_applet(s, m);
		case A_TRACK:
			rt_trk_exec(s, &ru->trk, m, false, true);
			break;
		case A_INC_GPC0:
			rt_trk_inc_gpc0(s, ru->trk.sc);
			break;
		case A_SET_VAR:
		case A_UNSET_VAR:
			rt_setvar_exec(s, &ru->var, x);
			break;
		case A_CAPTURE:
			rt_cap_rule(s, ru, x);
			break;
		case A_LOG_LEVEL:
			s->log_level = ru->code;
			break;
		case A_TARPIT:
			tarpit(s, m, ru, sc);
			return true;
		case A_REJECT:
			reject(s);
			return true;
		default:
			if (!rewrite(ru, s, m, m, sc)) {
				send_500(s, m, sc);
				return true;
			}
		}
	}
	return false;
}

bool rt_rules_request(struct rt_sess *s, struct h1_msg *m, struct rt_scratch *sc)
{
	const struct rt_rules *fr = s->svc->rules;
	struct rt_smp x = {.req = m, .src = &s->cli_addr, .dst = &s->dst_addr, .sess = s};
	s->pool = NULL;
	s->fe_only = true; /* until a backend is chosen, logs name the frontend */
	s->log_level = 0;
	rt_trk_new_request(s); /* rules_stk.c */
	rt_cap_head(s, m, false); /* capture.c */
	if (rt_tcpreq_http(s, m))
		return true; /* tcp-request content reject */
	if (fr && run_req(s, fr, m, sc, &x))
		return true;
	for (int i = 0; fr && i < fr->nroutes; i++)
		if (rt_cond_eval(fr->routes[i].cond, &x)) {
			s->pool = fr->routes[i].pool;
			break;
		}
	s->fe_only = false;
	const struct rt_pool *p = rt_sess_pool(s);
	if (p && p->rules && p->rules != fr && run_req(s, p->rules, m, sc, &x))
		return true;
	return false;
}

static void run_rsp(struct rt_sess *s, const struct rt_rules *set, struct h1_msg *m,
                    struct rt_scratch *sc)
{
	struct rt_smp x = {.rsp = m, .src = &s->cli_addr, .dst = &s->dst_addr, .sess = s};
	for (int i = 0; i < set->nrsp; i++) {
		const struct rule *ru = &set->rsp[i];
		if (!rt_cond_eval(ru->cond, &x))
			continue;
		if (ru->a == A_ALLOW)
			return;
		if (ru->a == A_INC_GPC0) {
			rt_trk_inc_gpc0(s, ru->trk.sc);
			continue;
		}
		if (ru->a == A_SET_VAR || ru->a == A_UNSET_VAR) {
			rt_setvar_exec(s, &ru->var, &x);
			continue;
		}
		if (ru->a == A_CAPTURE) {
			rt_cap_rule(s, ru, &x);
			continue;
		}
		if (ru->a == A_LOG_LEVEL) {
			s->log_level = ru->code;
			continue;
		}
		rewrite(ru, s, m, NULL, sc); /* a response rewrite that does not fit is skipped */
	}
}

void rt_rules_response(struct rt_sess *s, struct h1_msg *m, struct rt_scratch *sc)
{
	const struct rt_rules *fr = s->svc->rules;
	const struct rt_pool *p = rt_sess_pool(s);
	rt_trk_http_status(s, m->status); /* rules_stk.c */
	rt_vars_clear(s, 1u << RT_VS_RES);
	rt_cap_head(s, m, true);
	/* the backend's rules first, then the frontend's */
	if (p && p->rules && p->rules != fr)
		run_rsp(s, p->rules, m, sc);
	if (fr)
		run_rsp(s, fr, m, sc);
}
