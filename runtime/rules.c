/* rules.c - http-request / http-response rules and use_backend routing, as HAProxy 2.6 runs
 * them.
 *
 * rt_rules_build() compiles, per proxy, its rule list (conditions through acl.c, log-format
 * arguments into segments, regexes, reply pages with their bytes prepared) and its routes.
 * A request then goes through the frontend's rules, the first matching use_backend (else
 * default_backend), and the chosen backend's rules. Replies that HAProxy generates itself
 * (deny, return, auth, redirect) are byte-for-byte what /usr/sbin/haproxy 2.6 sends.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "runtime/rt.h"

/* ---------------------------------------------------------------- log-format strings */

enum lf_kind { LF_LIT, LF_SRC, LF_SRC_PORT, LF_DST, LF_DST_PORT, LF_HDR, LF_PATH, LF_URL,
	       LF_QUERY, LF_METHOD };

struct lf_seg {
	enum lf_kind k;
	const char *s; /* literal text or header name */
	size_t n;
};

struct lf {
	struct lf_seg *v;
	int n;
};

enum act { A_ALLOW, A_DENY, A_RETURN, A_AUTH, A_REDIRECT, A_SET_HDR, A_ADD_HDR, A_DEL_HDR,
	   A_REPL_HDR, A_SET_PATH, A_SET_QUERY, A_SET_URI, A_SET_METHOD, A_SERVICE };

struct xhdr { /* `hdr NAME FMT` of return/deny */
	const char *name;
	struct lf fmt;
};

struct reply {
	int status;
	const char *line;  /* "HTTP/1.1 200 OK\r\n" */
	const char *fixed; /* a page's or errorfile's headers, content-length included, or NULL */
	const char *ctype; /* return: content-type */
	const char *extra; /* auth: www-authenticate line */
	struct xhdr *hdrs;
	int nhdrs;
	const char *body;
	size_t blen;
	struct lf lfbody; /* lf-string */
	bool lf;
	bool close; /* 400 and 408 always close */
};

enum redir_kind { R_LOCATION, R_PREFIX, R_SCHEME };

struct rule {
	enum act a;
	const struct rt_cond *cond;
	const char *name; /* header */
	struct lf fmt;    /* value, path, uri... */
	pcre2_code *re;   /* replace-header */
	struct reply rep;
	enum redir_kind rk;
	int code;
	bool drop_query, append_slash;
};

struct route {
	const struct rt_cond *cond;
	struct rt_pool *pool;
};

struct rt_rules {
	struct rule *req, *rsp;
	int nreq, nrsp;
	struct route *routes;
	int nroutes;
};

struct rt_rules_all {
	struct rt_acl_ctx *cx;
	struct rt_rules *sets;
	int nsets;
	pcre2_code **regs;
	int nregs;
};

static const char *reason(int st)
{
	switch (st) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 203: return "Non-Authoritative Information";
	case 204: return "No Content";
	case 205: return "Reset Content";
	case 206: return "Partial Content";
	case 300: return "Multiple Choices";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 305: return "Use Proxy";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 402: return "Payment Required";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 407: return "Proxy Authentication Required";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Payload Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 416: return "Range Not Satisfiable";
	case 417: return "Expectation Failed";
	case 418: return "I'm a teapot";
	case 421: return "Misdirected Request";
	case 422: return "Unprocessable Entity";
	case 423: return "Locked";
	case 424: return "Failed Dependency";
	case 425: return "Too Early";
	case 426: return "Upgrade Required";
	case 428: return "Precondition Required";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 451: return "Unavailable For Legal Reasons";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	case 506: return "Variant Also Negotiates";
	case 507: return "Insufficient Storage";
	case 508: return "Loop Detected";
	case 510: return "Not Extended";
	case 511: return "Network Authentication Required";
	default: return "Other";
	}
}

/* HAProxy 2.6's built-in error pages (reason as in their h1, text), captured from
 * /usr/sbin/haproxy with `http-request deny deny_status N`. */
static const struct {
	int status;
	const char *reason, *text;
} pages[] = {
    {200, "OK", "Service ready."},
    {400, "Bad request", "Your browser sent an invalid request."},
    {401, "Unauthorized", "You need a valid user and password to access this content."},
    {403, "Forbidden", "Request forbidden by administrative rules."},
    {404, "Not Found", "The resource could not be found."},
    {405, "Method Not Allowed",
     "A request was made of a resource using a request method not supported by that "
     "resource"},
    {407, "Unauthorized", "You need a valid user and password to access this content."},
    {408, "Request Time-out", "Your browser didn't send a complete request in time."},
    {410, "Gone", "The resource is no longer available and will not be available again."},
    {413, "Payload Too Large", "The request entity exceeds the maximum allowed."},
    {425, "Too Early", "Your browser sent early data."},
    {429, "Too Many Requests", "You have sent too many requests in a given amount of time."},
    {500, "Internal Server Error", "An internal server error occurred."},
    {501, "Not Implemented",
     ".The server does not support the functionality required to fulfill the request."},
    {502, "Bad Gateway", "The server returned an invalid or incomplete response."},
    {503, "Service Unavailable", "No server is available to handle this request."},
    {504, "Gateway Time-out", "The server didn't respond in time."},
};

struct bctx { /* compile context of one proxy */
	struct rt *rt;
	struct rt_acl_ctx *cx;
	const struct m_acl *acls;
	const char *px;
	const struct m_proxy_conf *confs[2]; /* for errorfile look-ups */
};

static char *xdup(struct bctx *b, const char *s, size_t n)
{
	char *d = rt_acl_alloc(b->cx, n + 1);
	memcpy(d, s, n);
	return d;
}

static bool lf_compile(struct bctx *b, const char *s, struct lf *out, const char *what)
{
	size_t n = strlen(s);
	out->v = rt_acl_alloc(b->cx, sizeof(*out->v) * (n + 1));
	out->n = 0;
	size_t i = 0;
	while (i < n) {
		struct lf_seg *g = &out->v[out->n];
		if (s[i] != '%') {
			size_t j = i;
			while (j < n && s[j] != '%')
				j++;
			*g = (struct lf_seg){LF_LIT, s + i, j - i};
			out->n++;
			i = j;
			continue;
		}
		if (s[i + 1] == '%') {
			*g = (struct lf_seg){LF_LIT, "%", 1};
			out->n++;
			i += 2;
			continue;
		}
		static const struct {
			const char *tag;
			enum lf_kind k;
		} vars[] = {{"ci", LF_SRC}, {"cp", LF_SRC_PORT}, {"fi", LF_DST}, {"fp", LF_DST_PORT}};
		bool done = false;
		for (size_t k = 0; k < ARRAY_SIZE(vars) && !done; k++)
			if (!strncmp(s + i + 1, vars[k].tag, 2) && !isalnum((unsigned char)s[i + 3])) {
				*g = (struct lf_seg){vars[k].k, NULL, 0};
				out->n++;
				i += 3;
				done = true;
			}
		if (done)
			continue;
		const char *e = s[i + 1] == '[' ? strchr(s + i, ']') : NULL;
		if (!e)
			goto bad;
		char f[128];
		snprintf(f, sizeof(f), "%.*s", (int)(e - s - i - 2), s + i + 2);
		static const struct {
			const char *name;
			enum lf_kind k;
		} fs[] = {{"src", LF_SRC},   {"src_port", LF_SRC_PORT}, {"dst", LF_DST},
		          {"dst_port", LF_DST_PORT}, {"path", LF_PATH}, {"url", LF_URL},
		          {"query", LF_QUERY}, {"method", LF_METHOD}};
		for (size_t k = 0; k < ARRAY_SIZE(fs) && !done; k++)
			if (!strcmp(f, fs[k].name)) {
				*g = (struct lf_seg){fs[k].k, NULL, 0};
				done = true;
			}
		const char *hn = !strncmp(f, "req.hdr(", 8) ? f + 8 : !strncmp(f, "hdr(", 4) ? f + 4
		                                                                           : NULL;
		if (!done && hn && f[strlen(f) - 1] == ')' && !strchr(hn, ',') && hn[0] != ')') {
			*g = (struct lf_seg){LF_HDR, xdup(b, hn, strlen(hn) - 1), strlen(hn) - 1};
			done = true;
		}
		if (!done)
			goto bad;
		out->n++;
		i = (size_t)(e - s) + 1;
	}
	return true;
bad:
	rt_acl_alert("proxy '%s': %s: log-format '%s' is not supported by vipr (only text, %%[src],"
	             " %%[dst], %%[src_port], %%[dst_port], %%[path], %%[url], %%[query], "
	             "%%[method], %%[req.hdr(NAME)], %%ci, %%cp, %%fi, %%fp).",
	             b->px, what, s);
	return false;
}

static void ip_str(const struct sockaddr_storage *ss, char *buf, size_t len, bool port)
{
	if (port) {
		int p = ss->ss_family == AF_INET6 ? ntohs(((const struct sockaddr_in6 *)ss)->sin6_port)
		                                  : ntohs(((const struct sockaddr_in *)ss)->sin_port);
		snprintf(buf, len, "%d", p);
	} else if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, buf, (socklen_t)len);
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, buf, (socklen_t)len);
	}
}

/* Appends to the scratch; false when it is full. */
static bool sc_put(struct rt_scratch *sc, const char *p, size_t n)
{
	if (sc->used + n > sizeof(sc->d))
		return false;
	memcpy(sc->d + sc->used, p, n);
	sc->used += n;
	return true;
}

/* Evaluates a log-format string into the scratch; returns its start (length in *len) or
 * NULL when the scratch is full. `req` may be NULL (response side: request fetches empty). */
static const char *lf_eval(const struct lf *f, const struct rt_sess *s, const struct h1_msg *req,
                           struct rt_scratch *sc, size_t *len)
{
	size_t start = sc->used;
	bool ok = true;
	for (int i = 0; i < f->n && ok; i++) {
		const struct lf_seg *g = &f->v[i];
		char buf[64];
		const char *p = NULL;
		size_t n = 0;
		switch (g->k) {
		case LF_LIT:
			p = g->s, n = g->n;
			break;
		case LF_SRC:
		case LF_SRC_PORT:
		case LF_DST:
		case LF_DST_PORT:
			ip_str(g->k <= LF_SRC_PORT ? &s->cli_addr : &s->dst_addr, buf, sizeof(buf),
			       g->k == LF_SRC_PORT || g->k == LF_DST_PORT);
			p = buf, n = strlen(buf);
			break;
		case LF_HDR:
			if (req && !rt_smp_hdr(req, g->s, 0, &p, &n))
				p = NULL, n = 0;
			break;
		case LF_PATH:
			if (req && !rt_smp_path(req, &p, &n))
				n = 0;
			break;
		case LF_QUERY:
			if (req && !rt_smp_query(req, &p, &n))
				n = 0;
			break;
		case LF_URL:
			if (req)
				p = req->uri, n = req->uri_len;
			break;
		case LF_METHOD:
			if (req)
				p = req->method, n = req->method_len;
			break;
		}
		if (n)
			ok = sc_put(sc, p, n);
	}
	*len = sc->used - start;
	return ok ? sc->d + start : NULL;
}

/* ---------------------------------------------------------------- compiling rules */

static const char *page_text(int status, const char **rsn)
{
	for (size_t i = 0; i < ARRAY_SIZE(pages); i++)
		if (pages[i].status == status) {
			*rsn = pages[i].reason;
			return pages[i].text;
		}
	return NULL;
}

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
	r->line = xdup(b, line, ll);
	r->fixed = xdup(b, fixed, fl);
	r->body = xdup(b, content + n, len - (size_t)n);
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
	const char *rsn, *text = page_text(status, &rsn);
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
	r->line = xdup(b, line, (size_t)ln);
	r->fixed = xdup(b, fixed, (size_t)fl);
	r->body = xdup(b, body, (size_t)bl);
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
	*out = xdup(b, buf, n);
	*len = n;
	free(buf);
	return true;
}

/* return / deny arguments: [status N | deny_status N] [content-type T] [payload] [hdr N V]* */
static bool compile_reply(struct bctx *b, struct rule *ru, const struct m_rule *mr,
                          const char *what)
{
	struct reply *r = &ru->rep;
	int status = ru->a == A_DENY ? 403 : 200;
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
			if (!lf_compile(b, mr->args[i + 2], &h->fmt, what))
				return false;
			i += 2;
		} else {
			rt_acl_alert("proxy '%s': %s: argument '%s' is not supported by vipr.", b->px,
			             what, o);
			return false;
		}
	}
	if (!kind && ru->a == A_DENY)
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
	int ln = snprintf(line, sizeof(line), "HTTP/1.1 %d %s\r\n", status, reason(status));
	r->status = status;
	r->line = xdup(b, line, (size_t)ln);
	r->close = status == 400 || status == 408;
	if (ctype) {
		char *ct = NULL;
		if (asprintf(&ct, "content-type: %s\r\n", ctype) < 0)
			abort();
		r->ctype = xdup(b, ct, strlen(ct));
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
		return lf_compile(b, payload, &r->lfbody, what);
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
	if (!lf_compile(b, mr->args[1], &ru->fmt, what))
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
	};
	char what[128];
	snprintf(what, sizeof(what), "parsing [%s:%u] : 'http-%s %s'", mr->at.file ? mr->at.file : "?",
	         mr->at.line, rsp ? "response" : "request", mr->action ? mr->action : "");
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
	case A_SERVICE: /* promex.c */
		if (strcmp(mr->args[0], "prometheus-exporter")) {
			rt_acl_alert("proxy '%s': %s: unknown service '%s'.", b->px, what, mr->args[0]);
			return false;
		}
		return true;
	case A_DENY:
	case A_RETURN:
		return compile_reply(b, ru, mr, what);
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
		ru->rep.extra = xdup(b, x, strlen(x));
		free(x);
		return reply_page(b, &ru->rep, 401, what);
	}
	case A_REDIRECT:
		return compile_redirect(b, ru, mr, what);
	case A_SET_HDR:
	case A_ADD_HDR:
		ru->name = mr->args[0];
		return lf_compile(b, mr->args[1], &ru->fmt, what);
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
		return lf_compile(b, mr->args[2], &ru->fmt, what);
	}
	default:
		return lf_compile(b, mr->args[0], &ru->fmt, what);
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
		if (rs->mode == M_MODE_TCP) {
			rt_acl_alert("Proxy '%s': use_backend in mode tcp is not supported by vipr.",
			             s->name);
			return false;
		}
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
	}
	return true;
}

int rt_rules_build(struct rt *rt)
{
	struct rt_rules_all *all = calloc(1, sizeof(*all));
	rt->rules = all;
	all->cx = rt_acl_ctx_new(rt->cfg, rt->pools, rt->npools);
	all->sets = calloc((size_t)(rt->nsvc + rt->npools + 1), sizeof(*all->sets));
	for (int i = 0; i < rt->nsvc; i++) {
		struct rt_service *rs = &rt->svc[i];
		const struct m_service *s = rs->conf;
		if (!s->http_request && !s->http_response && !s->routes && !s->acls)
			continue;
		struct rt_rules *set = &all->sets[all->nsets++];
		struct bctx b = {rt, all->cx, s->acls, s->name, {rs->fe, rs->be}};
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
		if (!compile_routes(&b, rs, set))
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
			struct bctx b = {rt, all->cx, acls, mp->name, {mp->conf, NULL}};
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
	free(all->sets);
	free(all);
	rt->rules = NULL;
}

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
	const char *fmt = lf_eval(&ru->fmt, s, m, sc, &fl);
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
					ok = sc_put(sc, h->value + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
			} else {
				ok = sc_put(sc, fmt + k, 1);
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
	const char *v = lf_eval(&ru->fmt, s, m, sc, &vl);
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
	bool ok = sc_put(sc, m->uri, (size_t)(path - m->uri)); /* scheme://authority */
	if (ru->a == A_SET_PATH) {
		ok = ok && sc_put(sc, v, vl);
		if (hasq)
			ok = ok && sc_put(sc, "?", 1) && sc_put(sc, q, ql);
	} else {
		ok = ok && sc_put(sc, path, pl);
		if (vl)
			ok = ok && sc_put(sc, "?", 1) && sc_put(sc, v, vl);
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
		v = lf_eval(&ru->fmt, s, req, sc, &vl);
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
		v = lf_eval(&ru->fmt, s, m, sc, &vl);
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

static void send_reply(struct rt_sess *s, const struct h1_msg *m, const struct reply *r,
                       struct rt_scratch *sc, const char *term)
{
	size_t consume;
	bool keep = reply_keep(s, m, &consume) && !r->close;
	bool head = m->method_len == 4 && !memcmp(m->method, "HEAD", 4);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	fputs(r->line, f);
	const char *body = r->body;
	size_t blen = r->blen;
	if (r->lf) {
		body = lf_eval(&r->lfbody, s, m, sc, &blen);
		if (!body)
			body = "", blen = 0;
	}
	if (!r->fixed) {
		for (int i = 0; i < r->nhdrs; i++) {
			size_t vl;
			const char *v = lf_eval(&r->hdrs[i].fmt, s, m, sc, &vl);
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
			const char *v = lf_eval(&r->hdrs[i].fmt, s, m, sc, &vl);
			for (const char *c = r->hdrs[i].name; *c; c++)
				fputc(tolower((unsigned char)*c), f);
			fprintf(f, ": %.*s\r\n", (int)(v ? vl : 0), v ? v : "");
		}
	}
	if (r->extra)
		fputs(r->extra, f);
	fputs(conn_line(m, keep), f);
	fputs("\r\n", f);
	if (!head)
		fwrite(body, 1, blen, f);
	fclose(f);
	queue_reply(s, m, out, len, r->status, keep, consume, term);
	free(out);
}

static void send_redirect(struct rt_sess *s, const struct h1_msg *m, const struct rule *ru,
                          struct rt_scratch *sc)
{
	size_t consume, vl;
	bool keep = reply_keep(s, m, &consume);
	const char *v = lf_eval(&ru->fmt, s, m, sc, &vl);
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
	        reason(ru->code), loc,
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
	struct rt_smp x = {.req = m, .src = &s->cli_addr, .dst = &s->dst_addr};
	s->pool = NULL;
	if (fr && run_req(s, fr, m, sc, &x))
		return true;
	for (int i = 0; fr && i < fr->nroutes; i++)
		if (rt_cond_eval(fr->routes[i].cond, &x)) {
			s->pool = fr->routes[i].pool;
			break;
		}
	const struct rt_pool *p = rt_sess_pool(s);
	if (p && p->rules && p->rules != fr && run_req(s, p->rules, m, sc, &x))
		return true;
	return false;
}

static void run_rsp(struct rt_sess *s, const struct rt_rules *set, struct h1_msg *m,
                    struct rt_scratch *sc)
{
	struct rt_smp x = {.rsp = m, .src = &s->cli_addr, .dst = &s->dst_addr};
	for (int i = 0; i < set->nrsp; i++) {
		const struct rule *ru = &set->rsp[i];
		if (!rt_cond_eval(ru->cond, &x))
			continue;
		if (ru->a == A_ALLOW)
			return;
		rewrite(ru, s, m, NULL, sc); /* a response rewrite that does not fit is skipped */
	}
}

void rt_rules_response(struct rt_sess *s, struct h1_msg *m, struct rt_scratch *sc)
{
	const struct rt_rules *fr = s->svc->rules;
	const struct rt_pool *p = rt_sess_pool(s);
	/* the backend's rules first, then the frontend's */
	if (p && p->rules && p->rules != fr)
		run_rsp(s, p->rules, m, sc);
	if (fr)
		run_rsp(s, fr, m, sc);
}
