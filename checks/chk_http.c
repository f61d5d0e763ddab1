/* chk_http.c - HTTP probes: HAProxy's `option httpchk` / `http-check` and keepalived's
 * HTTP_GET url blocks, plus the reply parser and expectation rules they share.
 *
 * HAProxy: one request ("OPTIONS / HTTP/1.0" by default, or `http-check send`), the reply
 * read into one bounded buffer, then every `http-check expect` rule in order (status,
 * rstatus, string, rstring, each negatable); without rules a 2xx or 3xx passes. Statuses and
 * descs are HAProxy 2.6's (L7OK, L7STS with the reason phrase, L7RSP "HTTP content check did
 * not match"). keepalived: each url block is fetched in turn on its own connection; the
 * status must be in status_code (default 2xx) and the body's MD5 (streamed through OpenSSL
 * EVP, never buffered whole) must equal digest when one is given.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <openssl/evp.h>
#include <pcre2.h>

#include "checks/chk_priv.h"

/* ---------------------------------------------------------------- reply parsing */

static bool hdr_is(const char *p, size_t n, const char *name)
{
	return strlen(name) == n && !strncasecmp(p, name, n);
}

int chk_http_parse(const char *buf, size_t len, struct chk_http_reply *r)
{
	memset(r, 0, sizeof(*r));
	r->clen = -1;
	/* "HTTP/1.x SSS reason\r\n": reject early what cannot become HTTP/1 */
	static const char proto[] = "HTTP/1.";
	for (size_t i = 0; i < len && i < 7; i++)
		if (buf[i] != proto[i])
			return -1;
	if (len < 13)
		return -2;
	if (!isdigit((unsigned char)buf[7]) || buf[8] != ' ' || !isdigit((unsigned char)buf[9]) ||
	    !isdigit((unsigned char)buf[10]) || !isdigit((unsigned char)buf[11]))
		return -1;
	r->minor = buf[7] - '0';
	r->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	if (r->status < 100)
		return -1;
	size_t i = 12;
	if (buf[i] != ' ' && buf[i] != '\r' && buf[i] != '\n')
		return -1;
	while (i < len && buf[i] == ' ')
		i++;
	r->reason = buf + i;
	while (i < len && buf[i] != '\r' && buf[i] != '\n')
		i++;
	if (i >= len)
		return -2;
	r->reason_len = (size_t)(buf + i - r->reason);
	/* headers: each line up to LF; an empty line ends the head */
	for (;;) {
		if (buf[i] == '\r')
			i++;
		if (i >= len)
			return -2;
		if (buf[i] != '\n')
			return -1;
		i++;
		size_t ls = i;
		while (i < len && buf[i] != '\n')
			i++;
		if (i >= len)
			return -2;
		size_t le = i > ls && buf[i - 1] == '\r' ? i - 1 : i;
		if (le == ls) {
			r->head_len = i + 1;
			return (int)r->head_len;
		}
		const char *colon = memchr(buf + ls, ':', le - ls);
		if (!colon)
			return -1;
		size_t nl = (size_t)(colon - (buf + ls));
		const char *v = colon + 1;
		while (v < buf + le && (*v == ' ' || *v == '\t'))
			v++;
		size_t vl = (size_t)(buf + le - v);
		if (hdr_is(buf + ls, nl, "content-length")) {
			long long cl = 0;
			for (size_t k = 0; k < vl && isdigit((unsigned char)v[k]); k++)
				cl = cl * 10 + (v[k] - '0');
			r->clen = cl;
		} else if (hdr_is(buf + ls, nl, "transfer-encoding")) {
			r->chunked = vl >= 7 && !strncasecmp(v + vl - 7, "chunked", 7);
		}
		i = le; /* back on the CR or LF */
	}
}

long chk_http_dechunk(char *body, size_t len, size_t *out_len)
{
	size_t r = 0, w = 0;
	*out_len = 0;
	for (;;) {
		size_t sz = 0, s0 = r;
		while (r < len && isxdigit((unsigned char)body[r])) {
			int d = isdigit((unsigned char)body[r])
			            ? body[r] - '0'
			            : (tolower((unsigned char)body[r]) - 'a' + 10);
			if (sz > (SIZE_MAX >> 4))
				return -1;
			sz = sz * 16 + (size_t)d;
			r++;
		}
		if (r == len)
			return -2;
		if (r == s0)
			return -1;
		while (r < len && body[r] != '\n') /* chunk extensions, CR */
			r++;
		if (r >= len)
			return -2;
		r++;
		if (sz == 0) {
			*out_len = w;
			return (long)w;
		}
		size_t avail = len - r < sz ? len - r : sz;
		memmove(body + w, body + r, avail);
		w += avail;
		*out_len = w;
		if (avail < sz)
			return -2;
		r += sz;
		if (r < len && body[r] == '\r')
			r++;
		if (r >= len)
			return -2;
		if (body[r] != '\n')
			return -1;
		r++;
	}
}

/* ---------------------------------------------------------------- expectations */

bool chk_status_match(const char *list, int status)
{
	if (!list || !*list)
		return status >= 200 && status <= 299;
	const char *p = list;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		char *end;
		long lo = strtol(p, &end, 10), hi = lo;
		if (end == p)
			return false;
		if (*end == '-') {
			const char *q = end + 1;
			hi = strtol(q, &end, 10);
			if (end == q)
				return false;
		}
		if (status >= lo && status <= hi)
			return true;
		p = end;
	}
	return false;
}

static bool regex_match(const char *pattern, const char *s, size_t len)
{
	int err;
	PCRE2_SIZE off;
	pcre2_code *re =
	    pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
	if (!re)
		return false;
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	int rc = md ? pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, md, NULL) : -1;
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	return rc >= 0;
}

static bool mem_contains(const char *h, size_t hl, const char *n)
{
	size_t nl = strlen(n);
	if (nl == 0)
		return true;
	return nl <= hl && memmem(h, hl, n, nl) != NULL;
}

bool chk_http_needs_body(const struct m_probe *p)
{
	for (const struct m_check_step *s = p ? p->steps : NULL; s; s = s->next)
		if ((s->op == STEP_EXPECT &&
		     (s->expect == EXPECT_STRING || s->expect == EXPECT_RSTRING)) ||
		    (s->op == STEP_URL && s->digest))
			return true;
	return false;
}

static void reason_desc(const struct chk_http_reply *r, char *desc, size_t len)
{
	if (r->reason_len)
		snprintf(desc, len, "%.*s", (int)r->reason_len, r->reason);
	else
		snprintf(desc, len, "HTTP status check returned code <%d>", r->status);
}

bool chk_http_eval(const struct m_probe *p, const struct chk_http_reply *r, const char *body,
                   size_t body_len, enum chk_status *status, int *code, char *desc, size_t desc_len)
{
	bool any = false;
	*code = r->status;
	desc[0] = 0;
	for (const struct m_check_step *s = p ? p->steps : NULL; s; s = s->next) {
		if (s->op != STEP_EXPECT)
			continue;
		any = true;
		const char *arg = s->arg ? s->arg : "";
		bool m;
		char code_s[8];
		switch (s->expect) {
		case EXPECT_STATUS:
			m = chk_status_match(arg, r->status);
			break;
		case EXPECT_RSTATUS:
			snprintf(code_s, sizeof(code_s), "%d", r->status);
			m = regex_match(arg, code_s, strlen(code_s));
			break;
		case EXPECT_STRING:
			m = mem_contains(body, body_len, arg);
			break;
		case EXPECT_RSTRING:
			m = regex_match(arg, body, body_len);
			break;
		default:
			continue; /* binary expectations belong to tcp-check */
		}
		if (m != s->negate)
			continue;
		bool on_status = s->expect == EXPECT_STATUS || s->expect == EXPECT_RSTATUS;
		*status = on_status ? CHK_ST_L7STS : CHK_ST_L7RSP;
		if (on_status)
			reason_desc(r, desc, desc_len);
		else
			snprintf(desc, desc_len, "%s",
			         s->negate ? "HTTP check matched unwanted content"
			                   : "HTTP content check did not match");
		return false;
	}
	if (!any && !(r->status >= 200 && r->status < 400)) {
		*status = CHK_ST_L7STS;
		reason_desc(r, desc, desc_len);
		return false;
	}
	*status = CHK_ST_L7OK;
	reason_desc(r, desc, desc_len);
	return true;
}

/* ---------------------------------------------------------------- requests */

static bool is_ka(const struct m_probe *p)
{
	return p && p->steps && p->steps->op == STEP_URL;
}

struct sbuf {
	char *d;
	size_t n, cap;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = (b->n + n + 1) * 2;
		char *d = realloc(b->d, cap);
		if (!d)
			abort();
		b->d = d;
		b->cap = cap;
	}
	memcpy(b->d + b->n, s, n);
	b->n += n;
	b->d[b->n] = 0;
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void hap_request(const struct m_probe *p, struct sbuf *b)
{
	const char *meth = p->meth, *uri = p->uri, *ver = p->ver, *body = p->body;
	const struct m_header *hdrs = p->headers, *more = NULL;
	for (const struct m_check_step *s = p->steps; s; s = s->next)
		if (s->op == STEP_SEND) {
			meth = s->meth ? s->meth : meth;
			uri = s->uri ? s->uri : uri;
			ver = s->ver ? s->ver : ver;
			body = s->body ? s->body : body;
			more = s->headers;
			break;
		}
	sb_str(b, meth ? meth : "OPTIONS");
	sb_str(b, " ");
	sb_str(b, uri ? uri : "/");
	sb_str(b, " ");
	sb_str(b, ver ? ver : "HTTP/1.0");
	sb_str(b, "\r\n");
	for (int pass = 0; pass < 2; pass++)
		for (const struct m_header *h = pass ? more : hdrs; h; h = h->next) {
			sb_str(b, h->name);
			sb_str(b, ": ");
			sb_str(b, h->value ? h->value : "");
			sb_str(b, "\r\n");
		}
	if (body && *body) {
		char cl[48];
		snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n", strlen(body));
		sb_str(b, cl);
	}
	sb_str(b, "\r\n");
	if (body)
		sb_str(b, body);
}

static void ka_request(const struct chk_item *it, const struct m_check_step *u, struct sbuf *b)
{
	char host[INET6_ADDRSTRLEN + 16];
	const char *vhost = u->arg ? u->arg : it->check->sni;
	if (vhost)
		snprintf(host, sizeof(host), "%s", vhost);
	else {
		struct m_addr a = {.kind = M_ADDR_INET, .ss = it->ss, .sslen = it->sslen};
		a.port_lo = a.port_hi = ntohs(
		    it->ss.ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)&it->ss)->sin6_port
		                                 : ((const struct sockaddr_in *)&it->ss)->sin_port);
		m_addr_str(&a, host, sizeof(host));
	}
	sb_str(b, "GET ");
	sb_str(b, u->uri ? u->uri : "/");
	sb_str(b, " HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: ");
	sb_str(b, host);
	sb_str(b, "\r\n\r\n");
}

/* ---------------------------------------------------------------- the probe */

static void http_free(struct chk_item *it)
{
	chk_conn_close(&it->conn, chk_loop(it));
	EVP_MD_CTX_free(it->md);
	it->md = NULL;
}

static void finish(struct chk_item *it, bool ok, enum chk_status st, int code, const char *desc)
{
	http_free(it);
	chk_done(it, ok, st, code, desc);
}

static void hap_event(struct chk_item *it)
{
	struct chk_conn *c = &it->conn;
	struct chk_http_reply r;
	bool full = c->len >= CHK_BUFSIZE;
	int n = chk_http_parse(c->buf, c->len, &r);
	if (n == -2 && !c->eof && !full)
		return;
	if (n < 0) {
		finish(it, false, CHK_ST_L7RSP, -1,
		       c->len == 0 ? "Empty response" : NULL); /* HAProxy: no info */
		return;
	}
	char *body = c->buf + n;
	size_t blen = c->len - (size_t)n;
	if (chk_http_needs_body(it->probe)) {
		bool done = c->eof || full || (r.clen >= 0 && (long long)blen >= r.clen);
		if (r.chunked && !done) {
			/* complete when the terminal chunk is in: decode a copy to find out */
			char *copy = malloc(blen + 1);
			size_t out;
			if (copy) {
				memcpy(copy, body, blen);
				done = chk_http_dechunk(copy, blen, &out) >= 0;
				free(copy);
			}
		}
		if (!done)
			return;
		if (r.chunked) {
			size_t out;
			chk_http_dechunk(body, blen, &out);
			blen = out;
		} else if (r.clen >= 0 && (long long)blen > r.clen)
			blen = (size_t)r.clen;
	}
	enum chk_status st;
	int code;
	char desc[128];
	bool ok = chk_http_eval(it->probe, &r, body, blen, &st, &code, desc, sizeof(desc));
	/* HAProxy logs no info for a passing httpchk ("code: 200, check duration") */
	finish(it, ok, st, code, ok ? NULL : desc);
}

static void ka_start_url(struct chk_item *it);

static void ka_event(struct chk_item *it)
{
	struct chk_conn *c = &it->conn;
	const struct m_check_step *u = it->url;
	char desc[128];
	if (!it->md) { /* still waiting for the head */
		struct chk_http_reply r;
		int n = chk_http_parse(c->buf, c->len, &r);
		if (n == -2 && !c->eof && c->len < CHK_BUFSIZE)
			return;
		if (n < 0) {
			finish(it, false, CHK_ST_L7RSP, -1,
			       c->len == 0 ? "Empty response" : NULL); /* HAProxy: no info */
			return;
		}
		it->st.code = r.status;
		if (!chk_status_match(u->status_codes, r.status)) {
			snprintf(desc, sizeof(desc),
			         "HTTP status code error, url(%.60s), status_code [%d]",
			         u->uri ? u->uri : "/", r.status);
			finish(it, false, CHK_ST_L7STS, r.status, desc);
			return;
		}
		if (!u->digest) {
			if (u->next && u->next->op == STEP_URL) {
				it->url = u->next;
				chk_conn_close(c, chk_loop(it));
				ka_start_url(it);
				return;
			}
			finish(it, true, CHK_ST_L7OK, r.status, NULL);
			return;
		}
		it->md = EVP_MD_CTX_new();
		if (!it->md || !EVP_DigestInit_ex(it->md, EVP_md5(), NULL)) {
			finish(it, false, CHK_ST_SOCKERR, -1, "MD5 unavailable");
			return;
		}
		chk_conn_consume(it, (size_t)n);
	}
	/* stream the body through MD5: memory stays at one buffer whatever the size */
	EVP_DigestUpdate(it->md, c->buf, c->len);
	chk_conn_consume(it, c->len);
	if (!c->eof)
		return;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	EVP_DigestFinal_ex(it->md, md, &mdlen);
	for (unsigned i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	int code = it->st.code;
	if (strcasecmp(hex, u->digest)) {
		snprintf(desc, sizeof(desc), "MD5 digest error, url(%.60s), MD5SUM [%.32s]",
		         u->uri ? u->uri : "/", hex);
		finish(it, false, CHK_ST_L7RSP, code, desc);
		return;
	}
	if (u->next && u->next->op == STEP_URL) {
		http_free(it);
		it->url = u->next;
		ka_start_url(it);
		return;
	}
	finish(it, true, CHK_ST_L7OK, code, NULL);
}

static void ka_start_url(struct chk_item *it)
{
	struct sbuf b = {0};
	ka_request(it, it->url, &b);
	chk_conn_open(it, b.d, b.n, ka_event);
}

static void http_start(struct chk_item *it)
{
	if (is_ka(it->probe)) {
		it->url = it->probe->steps;
		ka_start_url(it);
		return;
	}
	struct sbuf b = {0};
	hap_request(it->probe, &b);
	chk_conn_open(it, b.d, b.n, hap_event);
}

const struct chk_ops chk_http_ops = {"http", http_start, http_free};
