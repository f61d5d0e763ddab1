/* acl.c - ACLs and if/unless conditions, compiled once at startup and evaluated per request.
 *
 * An ACL line `acl NAME CRITERION [flags] PATTERN...` becomes an expression: a sample fetch
 * (what to read from the request), a matching method and a pattern list ready to use (regexes
 * compiled, addresses parsed, -f files read). ACL lines sharing a name are ORed, as HAProxy
 * does. A condition is a disjunction (`||`, `or`) of conjunctions of possibly negated terms;
 * a term names an ACL, a built-in ACL (TRUE, LOCALHOST, METH_GET...), a boolean fetch, or is
 * an anonymous `{ CRITERION ... }`. What is not implemented is refused at startup with an
 * "[ALERT]" naming it, so that a rule never silently matches nothing. Compilation is in acl_compile.c.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dlfcn.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "runtime/acl_int.h"


void rt_acl_alert(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "[ALERT]    (%d) : config : ", (int)getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

struct rt_acl_ctx *rt_acl_ctx_new(const struct m_config *cfg, struct rt_pool *pools, int npools)
{
	struct rt_acl_ctx *cx = calloc(1, sizeof(*cx));
	cx->a = arena_new();
	cx->cfg = cfg;
	cx->pools = pools;
	cx->npools = npools;
	return cx;
}

void rt_acl_ctx_tables(struct rt_acl_ctx *cx, struct rt_stick **t, int n)
{
	cx->tables = t;
	cx->ntables = n;
}

void rt_acl_ctx_free(struct rt_acl_ctx *cx)
{
	if (!cx)
		return;
	for (struct regs *r = cx->regs; r; r = r->next)
		pcre2_code_free(r->re);
	if (cx->crypt_lib)
		dlclose(cx->crypt_lib);
	arena_free(cx->a);
	free(cx);
}

void *rt_acl_alloc(struct rt_acl_ctx *cx, size_t n)
{
	return arena_alloc(cx->a, n);
}

/* ---------------------------------------------------------------- sample fetches */

bool rt_smp_path(const struct h1_msg *m, const char **p, size_t *n)
{
	const char *u = m->uri, *e = m->uri + m->uri_len;
	if (!m->uri_len)
		return false;
	if (*u != '/') { /* absolute-form: skip scheme://authority */
		const char *s = memmem(u, m->uri_len, "://", 3);
		if (!s)
			return false;
		u = memchr(s + 3, '/', (size_t)(e - s - 3));
		if (!u)
			return false;
	}
	const char *q = memchr(u, '?', (size_t)(e - u));
	*p = u;
	*n = (size_t)((q ? q : e) - u);
	return true;
}

bool rt_smp_query(const struct h1_msg *m, const char **p, size_t *n)
{
	const char *q = memchr(m->uri, '?', m->uri_len);
	if (!q)
		return false;
	*p = q + 1;
	*n = m->uri_len - (size_t)(q + 1 - m->uri);
	return true;
}

static bool name_is(const struct h1_header *h, const char *name)
{
	return strlen(name) == h->name_len && !strncasecmp(h->name, name, h->name_len);
}

bool rt_smp_hdr(const struct h1_msg *m, const char *name, int occ, const char **p, size_t *n)
{
	const struct h1_header *last = NULL;
	int k = 0;
	for (size_t i = 0; i < m->nheaders; i++) {
		if (!name_is(&m->headers[i], name))
			continue;
		last = &m->headers[i];
		if (++k == occ || occ == 0)
			break;
	}
	if (!last || (occ > 0 && k != occ))
		return false;
	*p = last->value;
	*n = last->value_len;
	return true;
}

/* Calls cb on every comma-separated value of every occurrence of header `name` (all headers
 * when name is NULL), trimmed; stops when cb returns true. occ selects one value (1 first,
 * -1 last). Returns what the last cb call returned, false when there was none. */
typedef bool (*val_cb)(const char *p, size_t n, void *arg);
static bool each_hdr_value(const struct h1_msg *m, const char *name, int occ, val_cb cb, void *arg,
                           int *count)
{
	const char *lp = NULL;
	size_t ln = 0;
	int k = 0;
	for (size_t i = 0; i < m->nheaders; i++) {
		const struct h1_header *h = &m->headers[i];
		if (name && !name_is(h, name))
			continue;
		size_t a = 0;
		while (a <= h->value_len) {
			size_t b = a;
			while (b < h->value_len && h->value[b] != ',')
				b++;
			size_t s = a, e = b;
			while (s < e && (h->value[s] == ' ' || h->value[s] == '\t'))
				s++;
			while (e > s && (h->value[e - 1] == ' ' || h->value[e - 1] == '\t'))
				e--;
			k++;
			if (occ == 0 && cb && cb(h->value + s, e - s, arg))
				return true;
			if (occ > 0 && k == occ)
				return cb && cb(h->value + s, e - s, arg);
			lp = h->value + s;
			ln = e - s;
			a = b + 1;
		}
	}
	if (count)
		*count = k;
	if (occ < 0 && lp)
		return cb && cb(lp, ln, arg);
	return false;
}

/* The server name of a TLS ClientHello (RFC 8446 4.1.2, RFC 6066 3) in the first record of
 * p[0..n): false when absent or not complete. */
bool rt_smp_ssl_sni(const unsigned char *p, size_t n, const char **out, size_t *len)
{
	if (n < 5 || p[0] != 0x16 || p[1] != 3)
		return false;
	size_t end = 5 + (size_t)(p[3] << 8 | p[4]);
	if (end > n || end < 9 || p[5] != 1)
		return false;
	size_t o = 9 + 2 + 32; /* handshake header, client version, random */
	if (o + 1 > end)
		return false;
	o += 1 + p[o]; /* session id */
	if (o + 2 > end)
		return false;
	o += 2 + (size_t)(p[o] << 8 | p[o + 1]); /* cipher suites */
	if (o + 1 > end)
		return false;
	o += 1 + p[o]; /* compression methods */
	if (o + 2 > end)
		return false;
	size_t xend = o + 2 + (size_t)(p[o] << 8 | p[o + 1]);
	o += 2;
	if (xend > end)
		return false;
	while (o + 4 <= xend) {
		unsigned type = (unsigned)(p[o] << 8 | p[o + 1]);
		size_t l = (size_t)(p[o + 2] << 8 | p[o + 3]);
		o += 4;
		if (o + l > xend)
			return false;
		/* server_name: list length, then entries of type (0: host_name), length, name */
		if (type == 0 && l >= 5 && p[o + 2] == 0) {
			size_t nl = (size_t)(p[o + 3] << 8 | p[o + 4]);
			if (5 + nl > l)
				return false;
			*out = (const char *)p + o + 5;
			*len = nl;
			return true;
		}
		o += l;
	}
	return false;
}

bool rt_smp_url_param(const struct h1_msg *m, const char *name, const char **p, size_t *n)
{
	const char *q;
	size_t qn, nl = strlen(name);
	if (!rt_smp_query(m, &q, &qn))
		return false;
	size_t i = 0;
	while (i < qn) {
		size_t j = i;
		while (j < qn && q[j] != '&')
			j++;
		if (j - i > nl && !memcmp(q + i, name, nl) && q[i + nl] == '=') {
			*p = q + i + nl + 1;
			*n = j - i - nl - 1;
			return true;
		}
		i = j + 1;
	}
	return false;
}

/* ---------------------------------------------------------------- matching */

static bool word_match(const char *s, size_t n, const struct pat *p, bool icase, char delim)
{
	if (p->len > n)
		return false;
	for (size_t i = 0; i + p->len <= n; i++) {
		if (i > 0 && s[i - 1] != delim && s[i - 1] != '/' && s[i - 1] != '?')
			continue;
		size_t e = i + p->len;
		if (e < n && s[e] != delim && s[e] != '/' && s[e] != '?')
			continue;
		if (icase ? !strncasecmp(s + i, p->s, p->len) : !memcmp(s + i, p->s, p->len))
			return true;
	}
	return false;
}

static bool str_match(const struct expr *e, const struct pat *p, const char *s, size_t n)
{
	int (*cmp)(const char *, const char *, size_t) = e->icase ? strncasecmp : strncmp;
	switch (e->m) {
	case M_STR:
		return n == p->len && !cmp(s, p->s, n);
	case M_BEG:
		return n >= p->len && !cmp(s, p->s, p->len);
	case M_END:
		return n >= p->len && !cmp(s + n - p->len, p->s, p->len);
	case M_SUB:
		for (size_t i = 0; i + p->len <= n; i++)
			if (!cmp(s + i, p->s, p->len))
				return true;
		return false;
	case M_DIR:
		return word_match(s, n, p, e->icase, '/');
	case M_DOM:
		return word_match(s, n, p, e->icase, '.');
	case M_LEN:
		return (int64_t)n >= p->lo && (int64_t)n <= p->hi;
	case M_REG: {
		pcre2_match_data *md = pcre2_match_data_create(1, NULL);
		int r = pcre2_match(p->re, (PCRE2_SPTR)s, n, 0, 0, md, NULL);
		pcre2_match_data_free(md);
		return r >= 0;
	}
	case M_INT: {
		char buf[32];
		size_t k = n < sizeof(buf) - 1 ? n : sizeof(buf) - 1;
		memcpy(buf, s, k);
		buf[k] = 0;
		char *end;
		long long v = strtoll(buf, &end, 10);
		return end != buf && v >= p->lo && v <= p->hi;
	}
	default:
		return false;
	}
}

static bool ip_match(const struct pat *p, const struct sockaddr_storage *ss)
{
	uint8_t a[16];
	int fam = ss->ss_family;
	if (fam == AF_INET) {
		memcpy(a, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	} else if (fam == AF_INET6) {
		memcpy(a, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
		static const uint8_t v4m[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (p->net.family == AF_INET && !memcmp(a, v4m, 12)) {
			memmove(a, a + 12, 4); /* an IPv4-mapped client matches IPv4 patterns */
			fam = AF_INET;
		}
	} else {
		return false;
	}
	if (fam != p->net.family)
		return false;
	for (int i = 0; i < (fam == AF_INET ? 4 : 16); i++)
		if ((a[i] & p->net.mask[i]) != (p->net.addr[i] & p->net.mask[i]))
			return false;
	return true;
}

static bool ip_text_match(const struct pat *p, const char *s, size_t n)
{
	char buf[64];
	struct sockaddr_storage ss = {0};
	if (n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	if (inet_pton(AF_INET, buf, &((struct sockaddr_in *)&ss)->sin_addr) == 1)
		ss.ss_family = AF_INET;
	else if (inet_pton(AF_INET6, buf, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1)
		ss.ss_family = AF_INET6;
	else
		return false;
	return ip_match(p, &ss);
}

struct str_arg {
	const struct expr *e;
};

static bool match_str_any(const char *s, size_t n, void *arg)
{
	const struct expr *e = ((struct str_arg *)arg)->e;
	if (e->m == M_FOUND)
		return true;
	for (int i = 0; i < e->npats; i++)
		if (e->m == M_IP ? ip_text_match(&e->pats[i], s, n) : str_match(e, &e->pats[i], s, n))
			return true;
	return false;
}

static bool match_int(const struct expr *e, int64_t v)
{
	if (e->m == M_BOOL)
		return v != 0;
	if (e->m == M_FOUND)
		return true;
	for (int i = 0; i < e->npats; i++)
		if (v >= e->pats[i].lo && v <= e->pats[i].hi)
			return true;
	return false;
}

static int port_of(const struct sockaddr_storage *ss)
{
	if (!ss)
		return 0;
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static const struct m_user *find_user(const struct m_userlist *ul, const char *name)
{
	for (const struct m_user *u = ul->users; u; u = u->next)
		if (!strcmp(u->name, name))
			return u;
	return NULL;
}

char *(*rt_acl_crypt_r)(const char *, const char *, void *);

/* Basic credentials of the request checked against a userlist (RFC 7617). */
static bool http_auth(const struct m_userlist *ul, const struct h1_msg *m)
{
	const char *v;
	size_t n;
	if (!m || !rt_smp_hdr(m, "authorization", 0, &v, &n) || n < 6 ||
	    strncasecmp(v, "basic ", 6))
		return false;
	v += 6;
	n -= 6;
	while (n && *v == ' ')
		v++, n--;
	unsigned char dec[512];
	if (n == 0 || n > 4 * (sizeof(dec) / 3) - 4 || n % 4)
		return false;
	int len = EVP_DecodeBlock(dec, (const unsigned char *)v, (int)n);
	if (len < 0)
		return false;
	while (len > 0 && n > 0 && v[n - 1] == '=') /* DecodeBlock counts the padding */
		len--, n--;
	dec[len] = 0;
	char *colon = strchr((char *)dec, ':');
	if (!colon || (int)strlen((char *)dec) != len)
		return false;
	*colon = 0;
	const struct m_user *u = find_user(ul, (char *)dec);
	if (!u || !u->password)
		return false;
	if (u->insecure == 1)
		return !strcmp(u->password, colon + 1);
	if (!rt_acl_crypt_r)
		return false;
	void *data = calloc(1, 32768); /* struct crypt_data, opaque here */
	const char *h = rt_acl_crypt_r(colon + 1, u->password, data);
	bool ok = h && h[0] != '*' && !strcmp(h, u->password);
	free(data);
	return ok;
}

static int nbsrv(const struct rt_pool *p)
{
	int n = 0;
	for (int i = 0; i < p->nsrv; i++)
		if (rt_psrv(p, i)->usable && rt_psrv(p, i)->weight > 0)
			n++;
	return n;
}

/* A stick counter's value: false when the fetch finds nothing (the counter tracks nothing,
 * or its table does not keep that data), as in HAProxy; src_* of an absent key is 0. */
static bool stk_value(const struct expr *e, const struct rt_smp *x, long long *v)
{
	if (e->sc >= 0) {
		const struct rt_trk *k = x->sess ? &x->sess->trk[e->sc] : NULL;
		if (!k || !k->e || (e->tbl && e->tbl != k->t) || !rt_stick_stores(k->t, e->data))
			return false;
		*v = rt_stick_get(k->t, k->e, e->data, e->inc);
		return true;
	}
	struct rt_stick_smp sm = {.ss = x->src};
	struct rt_stick_key key;
	if (!x->src || !rt_stick_stores(e->tbl, e->data) || !rt_stick_key(e->tbl, &sm, &key))
		return false;
	if (!rt_stick_lookup(e->tbl, &key, e->data, e->inc, v))
		*v = 0;
	return true;
}

static bool expr_eval(const struct expr *e, const struct rt_smp *x)
{
	const struct h1_msg *rq = x->req, *hm = x->rsp ? x->rsp : x->req;
	struct str_arg sa = {e};
	const char *p = NULL;
	size_t n = 0;
	bool have = false;
	switch (e->f) {
	case F_TRUE:
		return e->m == M_BOOL || e->m == M_FOUND ? true : match_int(e, 1);
	case F_FALSE:
		return e->m == M_FOUND ? true : match_int(e, 0);
	case F_SSL_FC:
		return e->m == M_FOUND ? true : match_int(e, 0);
	case F_HTTP_AUTH:
		return match_int(e, http_auth(e->ul, rq));
	case F_NBSRV:
		return match_int(e, nbsrv(e->pool));
	case F_STK: {
		long long v;
		return stk_value(e, x, &v) && (e->m == M_FOUND || match_int(e, v));
	}
	case F_STATUS:
		return x->rsp && match_int(e, x->rsp->status);
	case F_REQ_LEN:
		return x->payload && match_int(e, (int64_t)x->plen);
	case F_SSL_HELLO: /* a TLS handshake record: its first message's type (1: ClientHello) */
		return x->payload && x->plen >= 6 && x->payload[0] == 0x16 &&
		       x->payload[1] == 3 && match_int(e, x->payload[5]);
	case F_SSL_SNI:
		have = x->payload && rt_smp_ssl_sni(x->payload, x->plen, &p, &n);
		break;
	case F_VAR: {
		struct rt_sval v;
		if (!rt_var_get(x->sess, e->sc, e->arg, &v))
			return false;
		if (e->m == M_FOUND)
			return true;
		if (e->m == M_INT || e->m == M_BOOL) {
			char b[32];
			snprintf(b, sizeof(b), "%.*s", (int)(v.n < 31 ? v.n : 31), v.is_int ? "" : v.s);
			return match_int(e, v.is_int ? v.i : strtoll(b, NULL, 10));
		}
		if (v.is_int) {
			snprintf(v.buf, sizeof(v.buf), "%lld", v.i);
			v.s = v.buf, v.n = strlen(v.buf);
		}
		return match_str_any(v.s, v.n, &sa);
	}
	case F_SRC_PORT:
		return x->src && match_int(e, port_of(x->src));
	case F_DST_PORT:
		return x->dst && match_int(e, port_of(x->dst));
	case F_SRC:
	case F_DST: {
		const struct sockaddr_storage *ss = e->f == F_SRC ? x->src : x->dst;
		if (!ss)
			return false;
		if (e->m == M_FOUND)
			return true;
		for (int i = 0; i < e->npats; i++)
			if (ip_match(&e->pats[i], ss))
				return true;
		return false;
	}
	case F_HDR_CNT: {
		int cnt = 0;
		if (!hm)
			return false;
		each_hdr_value(hm, e->arg, 0, NULL, NULL, &cnt);
		return match_int(e, cnt);
	}
	case F_HDR:
		if (!hm)
			return false;
		return each_hdr_value(hm, e->arg, e->occ, match_str_any, &sa, NULL);
	case F_PATH:
		have = rq && rt_smp_path(rq, &p, &n);
		break;
	case F_URL:
		have = rq != NULL;
		if (have)
			p = rq->uri, n = rq->uri_len;
		break;
	case F_QUERY:
		have = rq && rt_smp_query(rq, &p, &n);
		break;
	case F_URL_PARAM:
		have = rq && rt_smp_url_param(rq, e->arg, &p, &n);
		break;
	case F_METHOD:
		have = rq != NULL;
		if (have)
			p = rq->method, n = rq->method_len;
		break;
	}
	return have && match_str_any(p, n, &sa);
}

bool rt_cond_eval(const struct rt_cond *c, const struct rt_smp *x)
{
	if (!c)
		return true;
	bool any = false, cur = true;
	for (int i = 0; i < c->nt; i++) {
		const struct term *t = &c->t[i];
		if (t->or_before) {
			if (cur)
				break;
			cur = true;
		}
		if (!cur)
			continue; /* this conjunction already failed: skip to the next || */
		bool v = false;
		for (const struct expr *e = t->e; e && !v; e = e->next)
			v = expr_eval(e, x);
		cur = v != t->neg;
	}
	any = cur;
	return any != c->unless;
}

bool rt_cond_needs_http(const struct rt_cond *c)
{
	for (int i = 0; c && i < c->nt; i++)
		for (const struct expr *e = c->t[i].e; e; e = e->next)
			switch (e->f) {
			case F_TRUE:
			case F_FALSE:
			case F_SSL_FC:
			case F_SRC:
			case F_SRC_PORT:
			case F_DST:
			case F_DST_PORT:
			case F_NBSRV:
			case F_STK:
			case F_VAR:
			case F_REQ_LEN:
			case F_SSL_HELLO:
			case F_SSL_SNI:
				break;
			default:
				return true;
			}
	return false;
}

bool rt_cond_needs_payload(const struct rt_cond *c)
{
	for (int i = 0; c && i < c->nt; i++)
		for (const struct expr *e = c->t[i].e; e; e = e->next)
			if (e->f == F_REQ_LEN || e->f == F_SSL_HELLO || e->f == F_SSL_SNI)
				return true;
	return false;
}

/* A TLS handshake record whose end has not arrived yet (or nothing at all). */
static bool tls_record_incomplete(const struct rt_smp *x)
{
	if (!x->plen)
		return true;
	if (x->payload[0] != 0x16)
		return false;
	return x->plen < 5 || x->plen < 5 + (size_t)(x->payload[3] << 8 | x->payload[4]);
}

bool rt_cond_may_change(const struct rt_cond *c, const struct rt_smp *x)
{
	for (int i = 0; c && i < c->nt; i++)
		for (const struct expr *e = c->t[i].e; e; e = e->next)
			if (e->f == F_REQ_LEN ||
			    (e->f == F_SSL_HELLO && x->plen < 6 && (!x->plen || x->payload[0] == 0x16)) ||
			    (e->f == F_SSL_SNI && tls_record_incomplete(x)))
				return true;
	return false;
}

bool rt_cond_unless(const struct rt_cond *c)
{
	return c && c->unless;
}
