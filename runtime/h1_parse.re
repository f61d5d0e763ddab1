/* h1_parse.re - re2c grammar of HTTP/1.1 message heads and chunk framing (RFC 9112).
 *
 * A head is parsed only once its empty line is in the buffer: a cheap memchr-based search
 * (resumed from the previous length) finds it, then one re2c pass per line validates and
 * slices the head. Every rule ends at the line's LF and no rule can continue past it, so
 * the scanner never reads beyond the head's end and needs no sentinel or refill. Framing
 * headers (Content-Length, Transfer-Encoding, Connection) are interpreted here because
 * request smuggling defences (conflicting lengths, CL with TE) belong to the parser.
 */
#include "runtime/h1_parse.h"

#include <string.h>

/*!re2c
	re2c:define:YYCTYPE = "unsigned char";
	re2c:yyfill:enable = 0;
	re2c:flags:tags = 1;

	tchar = [-!#$%&'*+.^_`|~0-9A-Za-z];
	vchar = [\t\x20-\x7e\x80-\xff];
	target = [\x21-\x7e\x80-\xff];
	eol = "\r"? "\n";
	digit = [0-9];
*/

static int lc(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

int h1_hdr_is(const struct h1_header *h, const char *lname)
{
	/* no strlen(): a name has no NUL, so the terminator of lname mismatches where lname
	 * is shorter; most calls stop at the first character */
	for (size_t i = 0; i < h->name_len; i++)
		if (lc((unsigned char)h->name[i]) != lname[i])
			return 0;
	return lname[h->name_len] == 0;
}

/* Finds the end of the head (just past the empty line), or 0. Both CRLF and bare LF line
 * ends are accepted as RFC 9112 section 2.2 allows. */
static size_t find_head_end(const char *buf, size_t len, size_t last_len)
{
	size_t i = last_len > 3 ? last_len - 3 : 0;
	while (i < len) {
		const char *lf = memchr(buf + i, '\n', len - i);
		if (!lf)
			return 0;
		size_t p = (size_t)(lf - buf) + 1;
		if (p < len && buf[p] == '\n')
			return p + 1;
		if (p + 1 < len && buf[p] == '\r' && buf[p + 1] == '\n')
			return p + 2;
		i = p;
	}
	return 0;
}

/* Compares a token list element-wise, case-insensitively: "close", "keep-alive", ... */
static int tok_eq(const char *s, size_t n, const char *lit)
{
	size_t m = strlen(lit);
	if (n != m)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (lc((unsigned char)s[i]) != lit[i])
			return 0;
	return 1;
}

/* Calls fn on each comma-separated element of a header value, trimmed. */
static int each_token(const char *v, size_t n, int (*fn)(struct h1_msg *, const char *, size_t,
							  int last),
		      struct h1_msg *m)
{
	size_t i = 0;
	while (i <= n) {
		size_t j = i;
		while (j < n && v[j] != ',')
			j++;
		size_t a = i, b = j;
		while (a < b && (v[a] == ' ' || v[a] == '\t'))
			a++;
		while (b > a && (v[b - 1] == ' ' || v[b - 1] == '\t'))
			b--;
		if (fn(m, v + a, b - a, j >= n) < 0)
			return -1;
		i = j + 1;
	}
	return 0;
}

static int cl_token(struct h1_msg *m, const char *s, size_t n, int last)
{
	(void)last;
	int64_t v = 0;
	if (n == 0 || n > 18) {
		m->err = H1_E_CL_BAD;
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			m->err = H1_E_CL_BAD;
			return -1;
		}
		v = v * 10 + (s[i] - '0');
	}
	/* Repeated identical values are tolerated (RFC 9110 section 8.6); any disagreement
	 * is a smuggling attempt. */
	if ((m->flags & H1_F_CL) && m->content_length != v) {
		m->err = H1_E_CL_CONFLICT;
		return -1;
	}
	m->flags |= H1_F_CL;
	m->content_length = v;
	return 0;
}

static int te_token(struct h1_msg *m, const char *s, size_t n, int last)
{
	if (n == 0)
		return 0;
	m->flags |= H1_F_TE;
	/* Only a final "chunked" frames the message; a later header may add codings after it. */
	if (tok_eq(s, n, "chunked"))
		m->flags |= H1_F_CHUNKED;
	else if (last)
		m->flags &= ~(unsigned)H1_F_CHUNKED;
	return 0;
}

static int conn_token(struct h1_msg *m, const char *s, size_t n, int last)
{
	(void)last;
	if (tok_eq(s, n, "close"))
		m->flags |= H1_F_CONN_CLOSE;
	else if (tok_eq(s, n, "keep-alive"))
		m->flags |= H1_F_CONN_KA;
	else if (tok_eq(s, n, "upgrade"))
		m->flags |= H1_F_UPGRADE;
	return 0;
}

static int interpret_header(struct h1_msg *m, const struct h1_header *h)
{
	if (h1_hdr_is(h, "content-length"))
		return each_token(h->value, h->value_len, cl_token, m);
	if (h1_hdr_is(h, "transfer-encoding"))
		return each_token(h->value, h->value_len, te_token, m);
	if (h1_hdr_is(h, "connection"))
		return each_token(h->value, h->value_len, conn_token, m);
	if (h1_hdr_is(h, "expect") && tok_eq(h->value, h->value_len, "100-continue"))
		m->flags |= H1_F_EXPECT_100;
	return 0;
}

/* Parses header lines from p up to the empty line. Returns the position after the empty
 * line or NULL with m->err set. store: whether to fill m->headers (trailers are only
 * validated). */
static const unsigned char *parse_headers(const unsigned char *p, struct h1_msg *m, int store)
{
	const unsigned char *YYCURSOR = p, *YYMARKER;
	const unsigned char *n0, *n1, *v0, *v1;
	/*!stags:re2c:hdr format = 'const unsigned char *@@;\n'; */
	for (;;) {
		/*!re2c:hdr
		eol { return YYCURSOR; }
		@n0 tchar+ @n1 ":" [ \t]* @v0 vchar* @v1 eol {
			while (v1 > v0 && (v1[-1] == ' ' || v1[-1] == '\t'))
				v1--;
			if (!store)
				continue;
			if (m->nheaders >= m->max_headers) {
				m->err = H1_E_TOO_MANY;
				return NULL;
			}
			struct h1_header *h = &m->headers[m->nheaders++];
			h->name = (const char *)n0;
			h->name_len = (size_t)(n1 - n0);
			h->value = (const char *)v0;
			h->value_len = (size_t)(v1 - v0);
			if (interpret_header(m, h) < 0)
				return NULL;
			continue;
		}
		tchar+ ":" vchar* [\x00-\x08\x0a-\x1f\x7f] {
			m->err = H1_E_HDR_CHAR;
			return NULL;
		}
		* {
			m->err = H1_E_SYNTAX;
			return NULL;
		}
		*/
	}
}

static void msg_reset(struct h1_msg *m)
{
	m->method = m->uri = m->reason = NULL;
	m->method_len = m->uri_len = m->reason_len = 0;
	m->minor = -1;
	m->status = 0;
	m->nheaders = 0;
	m->content_length = -1;
	m->flags = 0;
	m->err = H1_E_NONE;
	m->head_len = 0;
}

/* Shared tail of both head parsers: the header block and the framing cross-checks. */
static ssize_t finish_head(const unsigned char *start, const unsigned char *p, size_t end,
			   struct h1_msg *m, int is_request)
{
	const unsigned char *q = parse_headers(p, m, 1);
	if (!q)
		return H1_ERR;
	if ((size_t)(q - start) != end) { /* cannot happen: the first empty line ends the head */
		m->err = H1_E_SYNTAX;
		return H1_ERR;
	}
	/* RFC 9112 section 6.1: CL together with TE is a smuggling vector; refuse it. */
	if ((m->flags & H1_F_CL) && (m->flags & H1_F_TE)) {
		m->err = H1_E_CL_TE;
		return H1_ERR;
	}
	/* Section 6.3 rule 4: a request whose last coding is not chunked has no framing. */
	if (is_request && (m->flags & H1_F_TE) && !(m->flags & H1_F_CHUNKED)) {
		m->err = H1_E_TE_BAD;
		return H1_ERR;
	}
	m->head_len = end;
	return (ssize_t)end;
}

/* Locates the head and applies the size limit; 0 means "go on parsing". */
static ssize_t locate(const char *buf, size_t len, size_t last_len, struct h1_msg *m,
		      size_t *end)
{
	size_t max = m->max_head ? m->max_head : H1_MAX_HEAD_DEFAULT;
	msg_reset(m);
	*end = find_head_end(buf, len, last_len);
	if (*end == 0 || *end > max) {
		if (*end > max || len >= max) {
			m->err = H1_E_TOO_BIG;
			return H1_ERR;
		}
		return H1_MORE;
	}
	return 0;
}

ssize_t h1_parse_request(const char *buf, size_t len, size_t last_len, struct h1_msg *m)
{
	size_t end;
	ssize_t r = locate(buf, len, last_len, m, &end);
	if (r)
		return r;
	const unsigned char *start = (const unsigned char *)buf;
	const unsigned char *YYCURSOR = start, *YYMARKER;
	const unsigned char *m0, *m1, *u0, *u1, *v;
	/*!stags:re2c:req format = 'const unsigned char *@@;\n'; */
	/*!re2c:req
	@m0 tchar+ @m1 " " @u0 target+ @u1 " HTTP/1." @v digit eol {
		if (m1 - m0 > H1_MAX_METHOD) {
			m->err = H1_E_METHOD;
			return H1_ERR;
		}
		m->method = (const char *)m0;
		m->method_len = (size_t)(m1 - m0);
		m->uri = (const char *)u0;
		m->uri_len = (size_t)(u1 - u0);
		m->minor = *v - '0';
		return finish_head(start, YYCURSOR, end, m, 1);
	}
	tchar+ " " target+ " HTTP/" digit "." digit eol {
		m->err = H1_E_VERSION;
		return H1_ERR;
	}
	tchar* [^-!#$%&'*+.^_`|~0-9A-Za-z ] {
		m->err = H1_E_METHOD;
		return H1_ERR;
	}
	* {
		m->err = H1_E_SYNTAX;
		return H1_ERR;
	}
	*/
}

ssize_t h1_parse_response(const char *buf, size_t len, size_t last_len, struct h1_msg *m)
{
	size_t end;
	ssize_t r = locate(buf, len, last_len, m, &end);
	if (r)
		return r;
	const unsigned char *start = (const unsigned char *)buf;
	const unsigned char *YYCURSOR = start, *YYMARKER;
	const unsigned char *v, *s, *r0, *r1;
	/*!stags:re2c:rsp format = 'const unsigned char *@@;\n'; */
	/*!re2c:rsp
	"HTTP/1." @v digit " " @s digit{3} (" " @r0 vchar* @r1)? eol {
		m->minor = *v - '0';
		m->status = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
		if (r0) {
			m->reason = (const char *)r0;
			m->reason_len = (size_t)(r1 - r0);
		}
		return finish_head(start, YYCURSOR, end, m, 0);
	}
	"HTTP/" [02-9] "." digit " " {
		m->err = H1_E_VERSION;
		return H1_ERR;
	}
	* {
		m->err = H1_E_SYNTAX;
		return H1_ERR;
	}
	*/
}

ssize_t h1_parse_chunk_size(const char *buf, size_t len, uint64_t *size)
{
	const char *lf = memchr(buf, '\n', len < H1_MAX_CHUNK_LINE ? len : H1_MAX_CHUNK_LINE);
	if (!lf)
		return len >= H1_MAX_CHUNK_LINE ? H1_ERR : H1_MORE;
	const unsigned char *YYCURSOR = (const unsigned char *)buf, *YYMARKER;
	const unsigned char *h0, *h1;
	/*!stags:re2c:chunk format = 'const unsigned char *@@;\n'; */
	/*!re2c:chunk
	@h0 [0-9a-fA-F]+ @h1 [ \t]* (";" [^\x00-\x08\x0a-\x1f\x7f]*)? eol {
		uint64_t v = 0;
		if (h1 - h0 > 15)
			return H1_ERR;
		for (const unsigned char *p = h0; p < h1; p++)
			v = v * 16 + (uint64_t)(*p <= '9' ? *p - '0' : lc(*p) - 'a' + 10);
		*size = v;
		return (ssize_t)((const char *)YYCURSOR - buf);
	}
	* { return H1_ERR; }
	*/
}

ssize_t h1_parse_crlf(const char *buf, size_t len)
{
	if (len < 1)
		return H1_MORE;
	if (buf[0] == '\n')
		return 1;
	if (buf[0] != '\r')
		return H1_ERR;
	if (len < 2)
		return H1_MORE;
	return buf[1] == '\n' ? 2 : H1_ERR;
}

ssize_t h1_parse_trailers(const char *buf, size_t len)
{
	size_t end;
	if (len >= 1 && buf[0] == '\n')
		return 1;
	if (len >= 2 && buf[0] == '\r' && buf[1] == '\n')
		return 2;
	if (len < 2)
		return H1_MORE;
	end = find_head_end(buf, len, 0);
	if (!end)
		return len >= H1_MAX_HEAD_DEFAULT ? H1_ERR : H1_MORE;
	struct h1_msg m;
	msg_reset(&m);
	m.max_headers = 0;
	const unsigned char *q = parse_headers((const unsigned char *)buf, &m, 0);
	if (!q || (size_t)((const char *)q - buf) != end)
		return H1_ERR;
	return (ssize_t)end;
}

enum h1_body h1_req_body(const struct h1_msg *req)
{
	if (req->flags & H1_F_CHUNKED)
		return H1_BODY_CHUNKED;
	if ((req->flags & H1_F_CL) && req->content_length > 0)
		return H1_BODY_CL;
	return H1_BODY_NONE;
}

enum h1_body h1_resp_body(const struct h1_msg *rsp, int req_is_head)
{
	if (req_is_head || rsp->status < 200 || rsp->status == 204 || rsp->status == 304)
		return H1_BODY_NONE;
	if (rsp->flags & H1_F_CHUNKED)
		return H1_BODY_CHUNKED;
	if (rsp->flags & H1_F_TE)
		return H1_BODY_CLOSE;
	if (rsp->flags & H1_F_CL)
		return rsp->content_length > 0 ? H1_BODY_CL : H1_BODY_NONE;
	return H1_BODY_CLOSE;
}
