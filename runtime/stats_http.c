/* stats_http.c - the stats applet: what a proxy with `stats uri` answers on that uri.
 *
 * The request never reaches a server: without valid `stats auth` credentials the answer is
 * HAProxy 2.6's 401 page (byte for byte, realm from `stats realm`), otherwise the HTML page,
 * or the CSV (`;csv`) or typed JSON (`;json`), chunked like HAProxy's, with a Refresh header
 * from `stats refresh` unless `;norefresh`. The whole answer is built at once and replaces the
 * session's response buffer until it is sent (rt_stats_applet_end gives the buffer back).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runtime/rt.h"

/* ---------------------------------------------------------------- the HTTP applet */

static const char page_401[] =
    "<html><body><h1>401 Unauthorized</h1>\n"
    "You need a valid user and password to access this content.\n</body></html>\n";

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decodes base64 into out (NUL-terminated); false on bad input. */
static bool b64dec(const char *in, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	unsigned acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		if (in[i] == '=')
			break;
		int v = b64val((unsigned char)in[i]);
		if (v < 0)
			return false;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o + 1 >= cap)
				return false;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = 0;
	return true;
}

static bool authorized(const struct m_stats *st, const struct h1_msg *m)
{
	if (!st->auth)
		return true;
	for (size_t i = 0; i < m->nheaders; i++) {
		const struct h1_header *h = &m->headers[i];
		if (!h1_hdr_is(h, "authorization") || h->value_len < 6 ||
		    strncasecmp(h->value, "Basic ", 6))
			continue;
		const char *v = h->value + 6;
		size_t n = h->value_len - 6;
		while (n && *v == ' ')
			v++, n--;
		char cred[512];
		if (!b64dec(v, n, cred, sizeof(cred)))
			return false;
		char *colon = strchr(cred, ':');
		if (!colon)
			return false;
		*colon = 0;
		for (const struct m_header *a = st->auth; a; a = a->next)
			if (a->name && a->value && !strcmp(a->name, cred) &&
			    !strcmp(a->value, colon + 1))
				return true;
		return false;
	}
	return false;
}

/* Stats are a backend feature: the backend use_backend chose, else the proxy's own. */
static const struct m_stats *stats_conf(const struct rt_sess *s)
{
	const struct m_proxy_conf *c[2] = {rt_sess_be(s), s->svc->fe};
	for (int i = 0; i < 2; i++) {
		const struct m_stats *st = c[i] ? &c[i]->stats : NULL;
		if (st && (st->enabled == 1 || st->uri || st->auth))
			return st;
	}
	return NULL;
}

static bool has_opt(const char *rest, size_t n, const char *opt)
{
	size_t k = strlen(opt);
	for (size_t i = 0; i + k <= n; i++)
		if (rest[i] == ';' && !strncmp(rest + i + 1, opt, k) &&
		    (i + 1 + k == n || rest[i + 1 + k] == ';' || rest[i + 1 + k] == '?'))
			return true;
	return false;
}

/* The value of ";st=XXXX" (the answer of a POST shown on the page), NULL when absent. */
static const char *st_code(const char *rest, size_t n, char *buf)
{
	for (size_t i = 0; i + 8 <= n; i++)
		if (!memcmp(rest + i, ";st=", 4)) {
			memcpy(buf, rest + i + 4, 4);
			buf[4] = 0;
			return buf;
		}
	return NULL;
}

/* "?scope=NAME": the name, up to ';', '&' or the end. */
static void uri_scope(const char *rest, size_t n, struct rt_stats_scope *sc)
{
	for (size_t i = 0; i + 7 <= n; i++)
		if (!memcmp(rest + i, "?scope=", 7)) {
			sc->q = rest + i + 7;
			sc->qlen = 0;
			while (i + 7 + sc->qlen < n && !strchr(";&", sc->q[sc->qlen]))
				sc->qlen++;
			return;
		}
}

/* A form POST: applied when `stats admin` allows it, answered by a 303 to the page with
 * its status, as HAProxy. A body still on its way counts as empty (NONE): the applet answers
 * on the request head. */
static void admin_post(struct rt_sess *s, const struct h1_msg *m, const struct rt_stats_page *pg,
                       struct rt_sbuf *ans, bool close)
{
	const char *code = "DENY";
	if (pg->admin) {
		const char *body = s->req.in.d + s->req.in.r + m->head_len;
		size_t have = rt_buf_len(&s->req.in) - m->head_len;
		bool whole = m->content_length >= 0 && (size_t)m->content_length <= have;
		code = whole ? rt_stats_admin_post(s, body, (size_t)m->content_length) : "NONE";
	}
	rt_sb_printf(ans,
	             "HTTP/1.1 303 See Other\r\ncache-control: no-cache\r\n"
	             "content-type: text/plain\r\ncontent-length: 0\r\nlocation: %s;st=%s%s%s",
	             pg->uri, code, (pg->flags & RT_SD_UP) ? ";up" : "",
	             pg->st->refresh > 0 && !pg->refresh ? ";norefresh" : "");
	if (pg->scope.q)
		rt_sb_printf(ans, "?scope=%.*s", (int)pg->scope.qlen, pg->scope.q);
	rt_sb_printf(ans, "\r\n%s\r\n", close ? "connection: close\r\n" : "");
	s->status = 303;
}

/* Puts the whole answer in place of the session's response buffer. */
static void queue_answer(struct rt_sess *s, struct rt_sbuf *ans)
{
	s->stats_saved = s->rsp.out;
	s->stats_page = ans->d;
	s->rsp.out = (struct rt_buf){.d = ans->d, .r = 0, .w = ans->len, .cap = ans->cap};
}

bool rt_stats_applet(struct rt_sess *s, const struct h1_msg *m)
{
	const struct m_stats *st = stats_conf(s);
	if (!st || s->stats_page)
		return false;
	const char *uri = st->uri ? st->uri : "/haproxy?stats";
	size_t ulen = strlen(uri);
	if (m->uri_len < ulen || memcmp(m->uri, uri, ulen))
		return false;
	const char *rest = m->uri + ulen;
	size_t rlen = m->uri_len - ulen;
	struct rt *rt = s->w->rt;
	bool close = !s->cli_ka || m->minor == 0;
	struct rt_sbuf ans = {0}, body = {0};
	const char *realm = st->realm ? st->realm : "HAProxy Statistics";

	atomic_fetch_add(&s->svc->cnt.intercepted, 1);
	if (!authorized(st, m)) {
		rt_sb_printf(&ans,
		             "HTTP/1.1 401 Unauthorized\r\ncontent-length: %zu\r\n"
		             "cache-control: no-cache\r\ncontent-type: text/html\r\n"
		             "www-authenticate: Basic realm=\"%s\"\r\n%s\r\n%s",
		             sizeof(page_401) - 1, realm, close ? "connection: close\r\n" : "",
		             s->req_head ? "" : page_401);
		s->status = 401;
	} else {
		char code[5];
		struct rt_stats_page pg = {
		    .st = st,
		    .uri = uri,
		    .flags = has_opt(rest, rlen, "up") ? RT_SD_UP : 0,
		    .refresh = st->refresh > 0 && !has_opt(rest, rlen, "norefresh"),
		    .admin = st->admin && rt_stats_admin_ok(s, st, m),
		    .st_code = st_code(rest, rlen, code),
		    .scope = {.st = st, .self = s->svc->conf->name},
		};
		uri_scope(rest, rlen, &pg.scope);
		if (st->show_legends == 1)
			pg.flags |= RT_SD_LEGENDS;
		bool refresh = pg.refresh;
		const char *type = "text/html";
		if (m->method_len == 4 && !memcmp(m->method, "POST", 4)) {
			admin_post(s, m, &pg, &ans, close);
			rt_stats_answer(s, m, &ans, close);
			return true;
		}
		if (has_opt(rest, rlen, "csv")) {
			rt_stats_csv_in(rt, &body, pg.flags, &pg.scope);
			type = "text/plain";
		} else if (has_opt(rest, rlen, "json")) {
			rt_stats_json_in(rt, &body, pg.flags, &pg.scope);
			type = "application/json";
		} else {
			rt_stats_html(rt, &body, &pg);
		}
		rt_sb_printf(&ans,
		             "HTTP/1.1 200 OK\r\ncache-control: no-cache\r\ncontent-type: %s\r\n",
		             type);
		if (refresh)
			rt_sb_printf(&ans, "refresh: %lld\r\n", (long long)(st->refresh / 1000));
		if (s->req_head) {
			rt_sb_puts(&ans, close ? "connection: close\r\n\r\n" : "\r\n");
		} else if (m->minor == 0) {
			rt_sb_puts(&ans, "connection: close\r\n\r\n");
			rt_sb_put(&ans, body.d, body.len);
			close = true;
		} else {
			rt_sb_printf(&ans, "transfer-encoding: chunked\r\n%s\r\n%zx\r\n",
			             close ? "connection: close\r\n" : "", body.len);
			rt_sb_put(&ans, body.d, body.len);
			rt_sb_puts(&ans, "\r\n0\r\n\r\n");
		}
		free(body.d);
		s->status = 200;
	}
	if (!ans.d)
		return false;
	rt_stats_answer(s, m, &ans, close);
	return true;
}

void rt_stats_answer(struct rt_sess *s, const struct h1_msg *m, struct rt_sbuf *ans, bool close)
{
	struct rt_pool *p = rt_sess_pool(s);
	atomic_fetch_add(&s->svc->cnt.bout, (long long)ans->len);
	if (p)
		atomic_fetch_add(&p->cnt.bout, (long long)ans->len);
	queue_answer(s, ans);
	s->req.in.r += m->head_len;
	s->req_last = s->rsp_last = 0;
	s->rs = RS_DONE;
	s->log_srv = NULL;
	s->t_queue = s->t_conn = s->t_rsp = rt_ms_since(&s->t_req);
	if (s->rqb.kind != H1_BODY_NONE || close) {
		/* a body is not read: the connection ends after the answer */
		s->cli_ka = false;
		s->rq = s->rqb.kind != H1_BODY_NONE ? RQ_CLOSING : RQ_DONE;
	} else {
		s->rq = RQ_DONE;
	}
	rt_sess_set_tmo(s, TMO_DATA);
}

void rt_stats_applet_end(struct rt_sess *s)
{
	if (!s->stats_page)
		return;
	free(s->stats_page);
	s->stats_page = NULL;
	s->rsp.out = s->stats_saved;
	s->rsp.out.r = s->rsp.out.w = 0;
}
