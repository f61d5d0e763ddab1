/* rules_lf.c - log-format strings of http rules (compiled into segments, evaluated into a
 * per-request scratch) and HAProxy's status reasons and built-in error page texts, shared
 * by rule compilation (rules.c) and execution (rules_exec.c).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "runtime/rules_int.h"

const char *rt_reason(int st)
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

const char *rt_page_text(int status, const char **rsn)
{
	for (size_t i = 0; i < ARRAY_SIZE(pages); i++)
		if (pages[i].status == status) {
			*rsn = pages[i].reason;
			return pages[i].text;
		}
	return NULL;
}


char *rt_xdup(struct bctx *b, const char *s, size_t n)
{
	char *d = rt_acl_alloc(b->cx, n + 1);
	memcpy(d, s, n);
	return d;
}

bool rt_lf_compile(struct bctx *b, const char *s, struct lf *out, const char *what)
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
		int vs;
		const char *vn;
		if (!done && !strncmp(f, "var(", 4) && f[strlen(f) - 1] == ')') {
			f[strlen(f) - 1] = 0;
			if (!rt_var_name(f + 4, &vs, &vn))
				goto bad;
			*g = (struct lf_seg){LF_VAR, rt_xdup(b, vn, strlen(vn)), (size_t)vs};
			done = true;
		}
		if (!done && hn && f[strlen(f) - 1] == ')' && !strchr(hn, ',') && hn[0] != ')') {
			*g = (struct lf_seg){LF_HDR, rt_xdup(b, hn, strlen(hn) - 1), strlen(hn) - 1};
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
	             "%%[method], %%[req.hdr(NAME)], %%[var(NAME)], %%ci, %%cp, %%fi, %%fp).",
	             b->px, what, s);
	return false;
}

void rt_ip_str(const struct sockaddr_storage *ss, char *buf, size_t len, bool port)
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

bool rt_sc_put(struct rt_scratch *sc, const char *p, size_t n)
{
	if (sc->used + n > sizeof(sc->d))
		return false;
	memcpy(sc->d + sc->used, p, n);
	sc->used += n;
	return true;
}

const char *rt_lf_eval(const struct lf *f, const struct rt_sess *s, const struct h1_msg *req,
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
			rt_ip_str(g->k <= LF_SRC_PORT ? &s->cli_addr : &s->dst_addr, buf, sizeof(buf),
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
		case LF_VAR: {
			struct rt_sval v;
			if (!rt_var_get((struct rt_sess *)s, (int)g->n, g->s, &v))
				break;
			if (v.is_int)
				snprintf(buf, sizeof(buf), "%lld", v.i);
			p = v.is_int ? buf : v.s;
			n = v.is_int ? strlen(buf) : v.n;
			if (n)
				ok = rt_sc_put(sc, p, n);
			n = 0;
			break;
		}
		}
		if (n)
			ok = rt_sc_put(sc, p, n);
	}
	*len = sc->used - start;
	return ok ? sc->d + start : NULL;
}

/* ---------------------------------------------------------------- compiling rules */
