/* http.c - mode http: the request and response analyzers of a session.
 *
 * The request analyzer parses the client's head, rewrites it into the server channel's
 * output (header names lower-cased as HAProxy's H1 mux emits them, hop-by-hop Connection
 * headers dropped, X-Forwarded-For added), picks a server and approves body bytes as their
 * framing (Content-Length or chunked) is validated. The response analyzer does the same in
 * the other direction and decides whether the client connection stays alive. Errors that
 * HAProxy answers itself (400, 408, 502, 503, 504) use its exact default pages.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runtime/rt.h"

/* HAProxy 2.6's built-in pages, byte for byte (captured from /usr/sbin/haproxy). The 5xx
 * pages get "connection: close" after content-type when the client will be closed; 400 and
 * 408 always close. */
#define PAGE(code, reason, text)                                                                   \
	"HTTP/1.1 " code " " reason "\r\ncontent-length: %d\r\ncache-control: no-cache\r\n"        \
	"content-type: text/html\r\n%s\r\n"                                                        \
	"<html><body><h1>" code " " reason "</h1>\n" text "\n</body></html>\n"
static const char page_408[] =
    "HTTP/1.1 408 Request Time-out\r\nContent-length: 110\r\nCache-Control: no-cache\r\n"
    "Connection: close\r\nContent-Type: text/html\r\n\r\n"
    "<html><body><h1>408 Request Time-out</h1>\nYour browser didn't send a complete request "
    "in time.\n</body></html>\n";
static const char page_400[] =
    "HTTP/1.1 400 Bad request\r\nContent-length: 90\r\nCache-Control: no-cache\r\n"
    "Connection: close\r\nContent-Type: text/html\r\n\r\n"
    "<html><body><h1>400 Bad request</h1>\nYour browser sent an invalid request.\n"
    "</body></html>\n";

static const char *page_fmt(int status)
{
	switch (status) {
	case 408:
		return PAGE("408", "Request Time-out",
		            "Your browser didn't send a complete request in time.");
	case 502:
		return PAGE("502", "Bad Gateway",
		            "The server returned an invalid or incomplete response.");
	case 504:
		return PAGE("504", "Gateway Time-out", "The server didn't respond in time.");
	default:
		return PAGE("503", "Service Unavailable",
		            "No server is available to handle this request.");
	}
}

/* Queues a canned answer instead of the server's. HAProxy keeps a keep-alive client after
 * the 503 and 504 it generates (a pipelined request is served next) when the request was
 * entirely received; 400, 408 and 502 always close the client. 400 and 408 keep HAProxy's
 * legacy header case. */
static bool emit_errorfile(struct rt_sess *s, int status, bool *keep);

void rt_http_error(struct rt_sess *s, int status)
{
	char buf[512];
	const char *p = page_400;
	size_t n = sizeof(page_400) - 1;
	bool keep =
	    (status == 503 || status == 504) && s->cli_ka && s->rq == RQ_DONE && !s->closing;
	if (status == 408) {
		p = page_408;
		n = sizeof(page_408) - 1;
	} else if (status != 400) {
		const char *fmt = page_fmt(status);
		const char *body = strstr(fmt, "<html>");
		const char *extra = keep || status == 502 ? "" : "connection: close\r\n";
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		n = (size_t)snprintf(buf, sizeof(buf), fmt, (int)strlen(body), extra);
#pragma GCC diagnostic pop
		p = buf;
	}
	rt_stats_http_error(s, status); /* stats */
	s->status = status;
	s->rsp.out.r = s->rsp.out.w = 0;
	s->rsp.in.r = s->rsp.in.w = 0;
	s->rsp.fwd = 0;
	s->rsp.bytes = 0;
	if (!emit_errorfile(s, status, &keep))
		rt_buf_put(&s->rsp.out, p, n);
	s->req.out.r = s->req.out.w = 0;
	s->rs = RS_DONE;
	rt_sess_shut_srv(s);
	s->rsp.src_eof = false;
	if (keep)
		return;
	s->req.in.r = s->req.in.w = 0;
	s->req.fwd = 0;
	s->rq = RQ_CLOSING;
	s->cli_ka = false;
	rt_sess_set_tmo(s, TMO_DATA);
}

void rt_http_no_server(struct rt_sess *s)
{
	memcpy(s->term, s->qfull ? "SQ" : "SC", 2); /* qfull: balance.c, maxqueue */
	rt_http_error(s, 503);
}

void rt_http_connect_failed(struct rt_sess *s)
{
	memcpy(s->term, "SC", 2);
	rt_http_error(s, 503);
}

bool rt_http_on_timeout(struct rt_sess *s)
{
	switch (s->tmo) {
	case TMO_TARPIT: /* rules_exec.c */
		rt_rules_tarpit_end(s);
		return true;
	case TMO_HTTP_REQ:
	case TMO_KEEPALIVE:
		if (s->rq == RQ_HEAD && rt_buf_len(&s->req.in) > 0) {
			memcpy(s->term, "cR", 2);
			rt_http_error(s, 408);
			return true;
		}
		return false;
	case TMO_SERVER:
		if (s->rs == RS_HEAD && s->rsp.bytes == 0 && rt_buf_len(&s->rsp.out) == 0) {
			memcpy(s->term, "sH", 2);
			rt_http_error(s, 504);
			return true;
		}
		memcpy(s->term, "sD", 2);
		return false;
	default:
		return false;
	}
}

/* ---------------------------------------------------------------- heads */

static void put(struct rt_buf *b, const char *p, size_t n, bool *ok)
{
	if (!rt_buf_put(b, p, n))
		*ok = false;
}

/* One reservation per header line, the name lower-cased while it is copied. */
static void put_header(struct rt_buf *b, const struct h1_header *h, bool *ok)
{
	size_t n = h->name_len < 256 ? h->name_len : 256, len = n + h->value_len + 4;
	if (b->cap - b->w < len)
		rt_buf_compact(b);
	if (b->cap - b->w < len) {
		*ok = false;
		return;
	}
	char *d = b->d + b->w;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)h->name[i];
		d[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	d += n;
	*d++ = ':';
	*d++ = ' ';
	memcpy(d, h->value, h->value_len);
	d += h->value_len;
	*d++ = '\r';
	*d = '\n';
	b->w += len;
}

/* Copies a header, except that the Connection header loses its "close" and "keep-alive"
 * tokens (the proxy decides persistence on each side) and disappears when nothing else is
 * left; other tokens and the Keep-Alive header pass, as with HAProxy's H1 mux. */
static void copy_header(struct rt_buf *b, const struct h1_header *h, bool *ok)
{
	if (!h1_hdr_is(h, "connection")) {
		put_header(b, h, ok);
		return;
	}
	char keep[512];
	size_t n = 0, i = 0, len = h->value_len;
	while (i < len) {
		size_t j = i;
		while (j < len && h->value[j] != ',')
			j++;
		size_t a = i, e = j;
		while (a < e && (h->value[a] == ' ' || h->value[a] == '\t'))
			a++;
		while (e > a && (h->value[e - 1] == ' ' || h->value[e - 1] == '\t'))
			e--;
		bool drop = (e - a == 5 && !strncasecmp(h->value + a, "close", 5)) ||
		            (e - a == 10 && !strncasecmp(h->value + a, "keep-alive", 10));
		if (!drop && e > a && n + (e - a) + 2 < sizeof(keep)) {
			if (n) {
				keep[n++] = ',';
				keep[n++] = ' ';
			}
			memcpy(keep + n, h->value + a, e - a);
			n += e - a;
		}
		i = j + 1;
	}
	if (n) {
		struct h1_header c = {
		    .name = h->name, .name_len = h->name_len, .value = keep, .value_len = n};
		put_header(b, &c, ok);
	}
}

static bool net_match(const struct rt_net *n, const struct sockaddr_storage *ss)
{
	const uint8_t *a;
	size_t len;
	if (ss->ss_family != n->family)
		return false;
	if (ss->ss_family == AF_INET) {
		a = (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
		len = 4;
	} else {
		a = (const uint8_t *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
		len = 16;
	}
	for (size_t i = 0; i < len; i++)
		if ((a[i] & n->mask[i]) != (n->addr[i] & n->mask[i]))
			return false;
	return true;
}

static void addr_ip(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, buf,
		          (socklen_t)len);
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, buf,
		          (socklen_t)len);
}

/* Rewrites the request head for the server. Returns false when it does not fit. */
static bool emit_request(struct rt_sess *s, const struct h1_msg *m)
{
	struct rt_service *svc = s->svc;
	struct rt_buf *b = &s->req.out;
	bool ok = true, ff_seen = false;
	put(b, m->method, m->method_len, &ok);
	put(b, " ", 1, &ok);
	put(b, m->uri, m->uri_len, &ok);
	put(b, m->minor ? " HTTP/1.1\r\n" : " HTTP/1.0\r\n", 11, &ok);
	for (size_t i = 0; i < m->nheaders; i++) {
		const struct h1_header *h = &m->headers[i];
		if (svc->ff && h1_hdr_is(h, svc->ff_header))
			ff_seen = true;
		copy_header(b, h, &ok);
	}
	/* option forwardfor: skipped for `except` sources and, with if-none, when present */
	if (svc->ff && !(svc->ff_has_except && net_match(&svc->ff_except, &s->cli_addr)) &&
	    !(svc->ff_if_none && ff_seen)) {
		char ip[INET6_ADDRSTRLEN];
		addr_ip(&s->cli_addr, ip, sizeof(ip));
		put(b, svc->ff_header, strlen(svc->ff_header), &ok);
		put(b, ": ", 2, &ok);
		put(b, ip, strlen(ip), &ok);
		put(b, "\r\n", 2, &ok);
	}
	const struct m_proxy_conf *be = rt_sess_be(s);
	if (be && (be->http_conn == HTTP_CONN_SCL || be->http_conn == HTTP_CONN_CLO) && m->minor &&
	    !s->upgrade)
		put(b, "connection: close\r\n", 19, &ok);
	put(b, "\r\n", 2, &ok);
	return ok;
}

static bool emit_response(struct rt_sess *s, const struct h1_msg *m, bool final)
{
	struct rt_buf *b = &s->rsp.out;
	bool ok = true;
	/* "HTTP/1.x NNN " without printf: the parser gives a status of three digits */
	char line[13] = "HTTP/1.0 000 ";
	line[7] = (char)('0' + m->minor % 10);
	line[9] = (char)('0' + m->status / 100 % 10);
	line[10] = (char)('0' + m->status / 10 % 10);
	line[11] = (char)('0' + m->status % 10);
	put(b, line, sizeof(line), &ok);
	put(b, m->reason ? m->reason : "", m->reason_len, &ok);
	put(b, "\r\n", 2, &ok);
	for (size_t i = 0; i < m->nheaders; i++)
		copy_header(b, &m->headers[i], &ok);
	if (final) {
		/* HAProxy announces a close in an HTTP/1.1 response (a 1.0 one implies it), and
		 * keep-alive to HTTP/1.0 clients, and in an HTTP/1.0 response when the client
		 * connection stays open (the status line keeps the server's version) */
		bool cli11 = s->reqline[0] && strstr(s->reqline, "HTTP/1.1");
		if (m->status == 101)
			; /* the Connection: upgrade of the server goes through as it is */
		else if (!s->cli_ka && m->minor == 1)
			put(b, "connection: close\r\n", 19, &ok);
		else if (s->cli_ka && (!cli11 || m->minor == 0))
			put(b, "connection: keep-alive\r\n", 24, &ok);
	}
	put(b, "\r\n", 2, &ok);
	return ok;
}

/* `errorfile` content replaces the built-in page of the errors the stream produces (502,
 * 503, 504; a 400 or 408 from the HTTP parser always gets the built-in page, as in HAProxy).
 * Like HAProxy, the file is parsed as a response and re-emitted: names lower-cased, the
 * Connection header dropped, and without Content-Length the client is closed after it. */
static bool emit_errorfile(struct rt_sess *s, int status, bool *keep)
{
	const struct m_proxy_conf *confs[2] = {rt_sess_be(s), s->svc->fe};
	const struct m_errorfile *ef = NULL;
	if (status != 502 && status != 503 && status != 504)
		return false;
	for (int i = 0; i < 2 && !ef; i++)
		for (const struct m_errorfile *e = confs[i] ? confs[i]->errorfiles : NULL; e;
		     e = e->next)
			if (e->status == status && e->content) {
				ef = e;
				break;
			}
	if (!ef)
		return false;
	struct h1_header hdrs[32];
	struct h1_msg m = {.headers = hdrs, .max_headers = 32};
	ssize_t r = h1_parse_response(ef->content, ef->len, 0, &m);
	struct rt_buf *b = &s->rsp.out;
	bool ok = true;
	if (r < 0) { /* not a valid message: send it as it is and close */
		put(b, ef->content, ef->len, &ok);
		*keep = false;
		return true;
	}
	char line[32];
	int n = snprintf(line, sizeof(line), "HTTP/1.%d %03d ", m.minor, m.status);
	put(b, line, (size_t)n, &ok);
	put(b, m.reason ? m.reason : "", m.reason_len, &ok);
	put(b, "\r\n", 2, &ok);
	for (size_t i = 0; i < m.nheaders; i++)
		copy_header(b, &m.headers[i], &ok);
	if (!(m.flags & H1_F_CL))
		*keep = false;
	else if (!*keep)
		put(b, "connection: close\r\n", 19, &ok);
	put(b, "\r\n", 2, &ok);
	put(b, ef->content + r, ef->len - (size_t)r, &ok);
	return true;
}

/* ---------------------------------------------------------------- body framing */

/* Approves the body bytes now in the channel. Returns 1 when the message is complete, 0
 * when more is expected, -1 on a framing error. */
static int approve(struct rt_chan *c, struct rt_body *b)
{
	for (;;) {
		size_t avail = rt_buf_len(&c->in) - c->fwd;
		const char *p = c->in.d + c->in.r + c->fwd;
		uint64_t sz;
		ssize_t r;
		switch (b->kind) {
		case H1_BODY_NONE:
			return 1;
		case H1_BODY_CLOSE:
			c->fwd += avail;
			return c->src_eof ? 1 : 0;
		case H1_BODY_CL:
			r = (ssize_t)(avail < b->left ? avail : b->left);
			c->fwd += (size_t)r;
			b->left -= (uint64_t)r;
			return b->left == 0;
		case H1_BODY_CHUNKED:
			break;
		}
		switch (b->ck) {
		case CK_SIZE:
			r = h1_parse_chunk_size(p, avail, &sz);
			if (r < 0)
				return r == H1_MORE ? 0 : -1;
			c->fwd += (size_t)r;
			b->left = sz;
			b->ck = sz ? CK_DATA : CK_TRAILERS;
			break;
		case CK_DATA:
			r = (ssize_t)(avail < b->left ? avail : b->left);
			c->fwd += (size_t)r;
			b->left -= (uint64_t)r;
			if (b->left)
				return 0;
			b->ck = CK_CRLF;
			break;
		case CK_CRLF:
			r = h1_parse_crlf(p, avail);
			if (r < 0)
				return r == H1_MORE ? 0 : -1;
			c->fwd += (size_t)r;
			b->ck = CK_SIZE;
			break;
		case CK_TRAILERS:
			r = h1_parse_trailers(p, avail);
			if (r < 0)
				return r == H1_MORE ? 0 : -1;
			c->fwd += (size_t)r;
			b->ck = CK_END;
			return 1;
		case CK_END:
			return 1;
		}
	}
}

/* ---------------------------------------------------------------- request side */

static void pick_server(struct rt_sess *s, const struct h1_msg *m)
{
	struct rt_pool *p = rt_sess_pool(s);
	struct rt_lb_req lq = {.cli = &s->cli_addr, .msg = m};
	struct rt_server *sv = NULL;
	enum rt_assign a = p ? rt_balance_assign(p, &lq, s, &s->w->seed, &sv) : RT_NOSRV;
	if (a == RT_NOSRV) {
		rt_http_no_server(s);
		return;
	}
	if (a == RT_QUEUED) { /* every slot taken: rt_sess_queue_cb() connects later */
		rt_sess_release_srv(s, true);
		rt_sess_set_tmo(s, TMO_QUEUE);
		return;
	}
	/* keep-alive on the server side: reuse the idle connection if it goes to the same
	 * server, as HAProxy's "http-reuse safe" does within one client session */
	if (s->srv.fd >= 0 && s->server == sv && s->srv_reusable) {
		s->srv_counted = true; /* this pick's count now stands for the reused connection */
		rt_sess_set_tmo(s, TMO_SERVER);
		s->t_queue = 0;
		s->t_conn = s->t_hdr;
		return;
	}
	rt_sess_release_srv(s, true);
	s->server = sv;
	s->log_srv = sv;
	s->srv_counted = true;
	s->t_queue = 0;
	/* http-reuse safe: only a later request of a client connection may take over a
	 * connection that another session parked */
	int fd = s->first_req ? -1 : rt_idle_take(s->w, sv);
	if (fd >= 0 && rt_sess_attach_srv(s, fd)) {
		s->t_conn = s->t_hdr;
		rt_sess_set_tmo(s, TMO_SERVER);
		return;
	}
	if (!rt_sess_connect(s))
		rt_http_no_server(s);
}

/* s->reqline = "METHOD URI HTTP/1.x" for the log (the URI cut at 200 bytes, the whole at
 * the field's size), without printf: this runs for every request. */
static void set_reqline(struct rt_sess *s, const struct h1_msg *m)
{
	char ver[9] = " HTTP/1.0";
	ver[8] = (char)('0' + m->minor % 10);
	const char *part[4] = {m->method, " ", m->uri, ver};
	size_t len[4] = {m->method_len, 1, m->uri_len > 200 ? 200 : m->uri_len, sizeof(ver)};
	size_t w = 0, room = sizeof(s->reqline) - 1;
	for (int i = 0; i < 4; i++) {
		size_t n = len[i] < room - w ? len[i] : room - w;
		memcpy(s->reqline + w, part[i], n);
		w += n;
	}
	s->reqline[w] = 0;
}

static void on_request(struct rt_sess *s, struct h1_msg *m)
{
	set_reqline(s, m);
	s->req_head = m->method_len == 4 && !memcmp(m->method, "HEAD", 4);
	s->upgrade = (m->flags & H1_F_UPGRADE) && rt_smp_hdr(m, "upgrade", 0, &(const char *){0},
	                                                     &(size_t){0});
	s->cli_ka = m->minor ? !(m->flags & H1_F_CONN_CLOSE) : !!(m->flags & H1_F_CONN_KA);
	s->cli_close = !s->cli_ka;
	const struct m_proxy_conf *fe = s->svc->fe;
	if (s->closing || (fe && fe->http_conn == HTTP_CONN_CLO))
		s->cli_ka = false;
	s->rqb = (struct rt_body){.kind = h1_req_body(m), .left = (uint64_t)m->content_length};
	s->rsb = (struct rt_body){0};
	s->t_hdr = rt_ms_since(&s->t_req);
	/* ---- rules.c hook: http-request rules, use_backend; rewrites live in sc */
	struct rt_scratch sc;
	sc.used = 0;
	if (rt_rules_request(s, m, &sc))
		return; /* answered by a rule (deny, return, redirect, auth) */
	const struct m_proxy_conf *rbe = rt_sess_be(s);
	s->retries_left = rbe && rbe->retries >= 0 ? rbe->retries : 3;
	/* ---- end of rules.c hook */
	if (rt_stats_applet(s, m)) /* stats: the stats uri is answered here (stats.c) */
		return;
	if (!emit_request(s, m)) {
		memcpy(s->term, "PR", 2);
		rt_http_error(s, 400);
		return;
	}
	s->req.in.r += m->head_len;
	s->req_last = s->rsp_last = 0;
	s->rq = s->rqb.kind == H1_BODY_NONE ? RQ_DONE : RQ_BODY;
	s->rs = RS_HEAD;
	s->rsp.bytes = 0;
	pick_server(s, m);
}

static void analyze_req(struct rt_sess *s)
{
	struct rt_chan *c = &s->req;
	switch (s->rq) {
	case RQ_HEAD: {
		size_t len = rt_buf_len(&c->in);
		if (len == 0) {
			if (c->src_eof)
				s->dead = true; /* the client closed between two requests */
			return;
		}
		if (!s->req_started) {
			s->req_started = true;
			if (!s->first_req) {
				/* the idle keep-alive wait is over: the head now has http-request
				 */
				gettimeofday(&s->t_req, NULL);
				rt_sess_set_tmo(s, TMO_HTTP_REQ);
			}
		}
		struct h1_msg m = {.headers = s->hdrs, .max_headers = RT_MAX_HDRS};
		ssize_t r = h1_parse_request(c->in.d + c->in.r, len, s->req_last, &m);
		if (r == H1_MORE) {
			s->req_last = len;
			if (c->src_eof) {
				memcpy(s->term, "CR", 2);
				s->dead = true;
			}
			return;
		}
		if (r == H1_ERR) {
			rt_errors_capture(s, false, c->in.d + c->in.r, len); /* show errors */
			memcpy(s->term, "PR", 2);
			snprintf(s->reqline, sizeof(s->reqline), "<BADREQ>");
			rt_http_error(s, 400);
			return;
		}
		on_request(s, &m);
		return;
	}
	case RQ_BODY: {
		int r = approve(c, &s->rqb);
		if (r < 0) {
			memcpy(s->term, "PR", 2);
			s->dead = true;
		} else if (r == 1) {
			s->rq = RQ_DONE;
		} else if (c->src_eof) {
			memcpy(s->term, "CD", 2);
			s->dead = true;
		}
		return;
	}
	case RQ_DONE:
		return;
	case RQ_CLOSING:
		/* only the error page is still going out: ignore what the client sends */
		c->in.r = c->in.w = 0;
		c->fwd = 0;
		if (c->src_eof && s->rsp.dst_shut)
			s->dead = true;
		return;
	}
}

/* ---------------------------------------------------------------- response side */

static void on_response(struct rt_sess *s, struct h1_msg *m)
{
	bool interim = m->status >= 100 && m->status < 200 && m->status != 101;
	s->rsb = (struct rt_body){.kind = interim ? H1_BODY_NONE : h1_resp_body(m, s->req_head),
	                          .left = (uint64_t)m->content_length};
	if (!interim) {
		s->status = m->status;
		rt_checks_observe(s->server, m->status); /* observe layer7 (rt_checks.c) */
		s->t_rsp = rt_ms_since(&s->t_req);
		const struct m_proxy_conf *be = rt_sess_be(s);
		bool srv_ka =
		    m->minor ? !(m->flags & H1_F_CONN_CLOSE) : !!(m->flags & H1_F_CONN_KA);
		s->srv_reusable = srv_ka && s->rsb.kind != H1_BODY_CLOSE &&
		                  !(be && be->http_conn > HTTP_CONN_KAL);
		/* a close-delimited body can only end by closing the client too */
		if (s->rsb.kind == H1_BODY_CLOSE || m->status == 101)
			s->cli_ka = false;
		if (m->status == 101)
			s->srv_reusable = false;
	}
	/* ---- rules.c hook: http-response rules; rewrites live in sc */
	struct rt_scratch sc;
	sc.used = 0;
	if (!interim)
		rt_rules_response(s, m, &sc);
	/* ---- end of rules.c hook */
	if (!emit_response(s, m, !interim)) {
		memcpy(s->term, "PH", 2);
		rt_http_error(s, 502);
		return;
	}
	s->rsp.in.r += m->head_len;
	s->rsp_last = 0;
	if (interim)
		return;
	if (m->status == 101 && s->upgrade) { /* RFC 7230 6.7: the connection changes protocol */
		s->rs = RS_DONE;
		rt_sess_tunnel(s);
		return;
	}
	s->rs = s->rsb.kind == H1_BODY_NONE ? RS_DONE : RS_BODY;
	rt_sess_set_tmo(s, TMO_DATA);
}

static void analyze_rsp(struct rt_sess *s)
{
	struct rt_chan *c = &s->rsp;
	switch (s->rs) {
	case RS_IDLE:
		/* an idle server connection that talks or closes is of no further use */
		if (s->srv.fd >= 0 && (c->src_eof || rt_buf_len(&c->in))) {
			rt_sess_shut_srv(s);
			c->in.r = c->in.w = 0;
			c->src_eof = false;
		}
		return;
	case RS_HEAD:
		while (s->rs == RS_HEAD && s->srv.fd >= 0) {
			size_t len = rt_buf_len(&c->in);
			struct h1_msg m = {.headers = s->hdrs, .max_headers = RT_MAX_HDRS};
			ssize_t r = len ? h1_parse_response(c->in.d + c->in.r, len, s->rsp_last, &m)
			                : H1_MORE;
			if (r == H1_MORE) {
				s->rsp_last = len;
				if (c->src_eof) {
					memcpy(s->term, "SH", 2);
					rt_http_error(s, 502);
				}
				return;
			}
			if (r == H1_ERR) {
				rt_errors_capture(s, true, c->in.d + c->in.r, len); /* show errors */
				memcpy(s->term, "PH", 2);
				rt_http_error(s, 502);
				return;
			}
			on_response(s, &m);
		}
		return;
	case RS_BODY: {
		int r = approve(c, &s->rsb);
		if (r < 0) {
			memcpy(s->term, "SD", 2);
			s->dead = true;
		} else if (r == 1) {
			s->rs = RS_DONE;
		} else if (c->src_eof && s->rsb.kind != H1_BODY_CLOSE) {
			memcpy(s->term, "SD", 2);
			s->dead = true;
		}
		return;
	}
	case RS_DONE:
		return;
	}
}

/* ---------------------------------------------------------------- transaction end */

static void next_transaction(struct rt_sess *s)
{
	const struct m_proxy_conf *be = rt_sess_be(s);
	rt_stats_applet_end(s); /* stats */
	if (!s->srv_reusable || rt_buf_len(&s->rsp.in) || s->rsp.src_eof)
		rt_sess_shut_srv(s);
	if (s->srv.fd >= 0 && s->srv_counted) {
		rt_balance_release(s->server); /* idle: no longer counts for leastconn */
		s->srv_counted = false;
	}
	s->rq = RQ_HEAD;
	s->rs = RS_IDLE;
	s->req_started = s->first_req = false;
	s->status = 0;
	s->t_hdr = s->t_queue = s->t_conn = s->t_rsp = -1;
	memcpy(s->term, "--", 3);
	s->nretries = 0;
	s->redispatched = false;
	s->retries_left = be && be->retries >= 0 ? be->retries : 3;
	s->reqline[0] = 0;
	s->logged = false;
	s->log_srv = NULL;
	s->rsp.bytes = 0;
	rt_sess_set_tmo(s, TMO_KEEPALIVE);
}

static void check_end(struct rt_sess *s)
{
	if (s->rs != RS_DONE || !rt_chan_flushed(&s->rsp) || s->rsp.dst_shut)
		return;
	rt_stats_txn_end(s); /* stats */
	if (s->svc->log && s->status)
		rt_log_http(s);
	if (s->rq == RQ_CLOSING || s->rq != RQ_DONE || !s->cli_ka || s->closing) {
		/* close: FIN to the client, then drain what it still sends so that the kernel
		 * does not answer unread data with a reset that could destroy our response */
		rt_sess_shut_srv(s);
		/* the client said it sends nothing more and nothing is waiting unread: close at
		 * once, as HAProxy does (the lingering drain below is for clients that may still
		 * be sending, whose unread bytes would make the kernel reset the connection) */
		if (s->cli_close && s->rq == RQ_DONE && rt_buf_len(&s->req.in) == 0 &&
		    !s->cli.rd) {
			s->dead = true;
			return;
		}
		s->rq = RQ_CLOSING;
		rt_sess_close_cli(s);
		rt_sess_set_tmo(s, TMO_LINGER);
		s->req.in.r = s->req.in.w = 0;
		if (s->req.src_eof)
			s->dead = true;
		return;
	}
	next_transaction(s);
}

void rt_http_analyze(struct rt_sess *s)
{
	for (int i = 0; i < 4 && !s->dead; i++) {
		enum rt_req_state rq = s->rq;
		enum rt_rsp_state rs = s->rs;
		analyze_req(s);
		if (s->dead)
			return;
		analyze_rsp(s);
		if (s->dead)
			return;
		check_end(s);
		if (s->rq == rq && s->rs == rs)
			return;
	}
}
