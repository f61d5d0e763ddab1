/* acl.c - ACLs and if/unless conditions, compiled once at startup and evaluated per request.
 *
 * An ACL line `acl NAME CRITERION [flags] PATTERN...` becomes an expression: a sample fetch
 * (what to read from the request), a matching method and a pattern list ready to use (regexes
 * compiled, addresses parsed, -f files read). ACL lines sharing a name are ORed, as HAProxy
 * does. A condition is a disjunction (`||`, `or`) of conjunctions of possibly negated terms;
 * a term names an ACL, a built-in ACL (TRUE, LOCALHOST, METH_GET...), a boolean fetch, or is
 * an anonymous `{ CRITERION ... }`. What is not implemented is refused at startup with an
 * "[ALERT]" naming it, so that a rule never silently matches nothing.
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
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "runtime/rt.h"

enum fetch {
	F_TRUE, F_FALSE, F_SSL_FC, F_PATH, F_URL, F_QUERY, F_URL_PARAM, F_HDR, F_HDR_CNT,
	F_METHOD, F_SRC, F_SRC_PORT, F_DST, F_DST_PORT, F_HTTP_AUTH, F_NBSRV,
};
enum match { M_BOOL, M_FOUND, M_STR, M_BEG, M_END, M_SUB, M_REG, M_DIR, M_DOM, M_LEN, M_INT,
	     M_IP };

struct pat {
	const char *s;
	size_t len;
	pcre2_code *re;
	int64_t lo, hi;
	struct rt_net net;
};

struct expr {
	enum fetch f;
	const char *arg; /* header or parameter name */
	int occ;         /* header occurrence, 0: all */
	enum match m;
	bool icase;
	struct pat *pats;
	int npats, cap;
	const struct m_userlist *ul;
	const struct rt_pool *pool;
	struct expr *next; /* the next ACL line of the same name: ORed */
};

struct term {
	const struct expr *e;
	bool neg, or_before; /* or_before: starts a new conjunction */
};

struct rt_cond {
	struct term *t;
	int nt;
	bool unless;
};

struct regs {
	pcre2_code *re;
	struct regs *next;
};

struct rt_acl_ctx {
	struct arena *a;
	const struct m_config *cfg;
	struct rt_pool *pools;
	int npools;
	struct regs *regs;
	pcre2_match_data *md; /* compile-time only */
	char *(*crypt_r)(const char *, const char *, void *);
	void *crypt_lib;
};

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

static bool url_param(const struct h1_msg *m, const char *name, const char **p, size_t *n)
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

static char *(*g_crypt_r)(const char *, const char *, void *);

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
	if (!g_crypt_r)
		return false;
	void *data = calloc(1, 32768); /* struct crypt_data, opaque here */
	const char *h = g_crypt_r(colon + 1, u->password, data);
	bool ok = h && h[0] != '*' && !strcmp(h, u->password);
	free(data);
	return ok;
}

static int nbsrv(const struct rt_pool *p)
{
	int n = 0;
	for (int i = 0; i < p->nsrv; i++)
		if (p->srv[i].usable && p->srv[i].weight > 0)
			n++;
	return n;
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
		have = rq && url_param(rq, e->arg, &p, &n);
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

/* ---------------------------------------------------------------- compilation */

static const struct {
	const char *name;
	enum fetch f;
	enum match m; /* default matching method */
	int arg;      /* 0 none, 1 optional, 2 required */
} fetches[] = {
    {"always_true", F_TRUE, M_BOOL, 0},  {"always_false", F_FALSE, M_BOOL, 0},
    {"ssl_fc", F_SSL_FC, M_BOOL, 0},     {"path", F_PATH, M_STR, 0},
    {"url", F_URL, M_STR, 0},            {"query", F_QUERY, M_STR, 0},
    {"url_param", F_URL_PARAM, M_STR, 2}, {"urlp", F_URL_PARAM, M_STR, 2},
    {"hdr", F_HDR, M_STR, 1},            {"req.hdr", F_HDR, M_STR, 1},
    {"hdr_cnt", F_HDR_CNT, M_INT, 1},    {"req.hdr_cnt", F_HDR_CNT, M_INT, 1},
    {"method", F_METHOD, M_STR, 0},      {"src", F_SRC, M_IP, 0},
    {"src_port", F_SRC_PORT, M_INT, 0},  {"dst", F_DST, M_IP, 0},
    {"dst_port", F_DST_PORT, M_INT, 0},  {"http_auth", F_HTTP_AUTH, M_BOOL, 2},
    {"nbsrv", F_NBSRV, M_INT, 1},
};

static const char *const match_names[] = {
    [M_BOOL] = "bool", [M_FOUND] = "found", [M_STR] = "str", [M_BEG] = "beg",
    [M_END] = "end",   [M_SUB] = "sub",     [M_REG] = "reg", [M_DIR] = "dir",
    [M_DOM] = "dom",   [M_LEN] = "len",     [M_INT] = "int", [M_IP] = "ip",
};

static bool parse_range(const char *s, struct pat *p)
{
	char *end;
	p->lo = INT64_MIN;
	p->hi = INT64_MAX;
	if (*s != ':') {
		p->lo = strtoll(s, &end, 10);
		if (end == s)
			return false;
		s = end;
		if (!*s) {
			p->hi = p->lo;
			return true;
		}
	}
	if (*s != ':')
		return false;
	s++;
	if (!*s)
		return true;
	p->hi = strtoll(s, &end, 10);
	return end != s && !*end;
}

static bool parse_ip(const char *s, struct rt_net *n)
{
	char tmp[80];
	snprintf(tmp, sizeof(tmp), "%s", s);
	char *slash = strchr(tmp, '/');
	if (slash)
		*slash++ = 0;
	memset(n, 0, sizeof(*n));
	if (inet_pton(AF_INET, tmp, n->addr) == 1)
		n->family = AF_INET;
	else if (inet_pton(AF_INET6, tmp, n->addr) == 1)
		n->family = AF_INET6;
	else
		return false;
	int max = n->family == AF_INET ? 32 : 128, bits = max;
	if (slash) {
		struct in_addr m;
		char *end;
		if (n->family == AF_INET && strchr(slash, '.') && inet_pton(AF_INET, slash, &m) == 1) {
			memcpy(n->mask, &m, 4);
			return true;
		}
		bits = (int)strtol(slash, &end, 10);
		if (end == slash || *end || bits < 0 || bits > max)
			return false;
	}
	for (int i = 0; i < bits; i++)
		n->mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	return true;
}

/* Adds one pattern; pending integer operators (eq, ge...) arrive in `op`. */
static bool add_pat(struct rt_acl_ctx *cx, struct expr *e, const char *s, const char *op,
                    const char *px)
{
	if (e->npats == e->cap) {
		int cap = e->cap ? e->cap * 2 : 4;
		struct pat *np = arena_alloc(cx->a, sizeof(*np) * (size_t)cap);
		if (e->npats)
			memcpy(np, e->pats, sizeof(*np) * (size_t)e->npats);
		e->pats = np;
		e->cap = cap;
	}
	struct pat *p = &e->pats[e->npats];
	memset(p, 0, sizeof(*p));
	p->s = arena_strdup(cx->a, s);
	p->len = strlen(s);
	switch (e->m) {
	case M_REG: {
		int err;
		PCRE2_SIZE off;
		p->re = pcre2_compile((PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED,
		                      e->icase ? PCRE2_CASELESS : 0, &err, &off, NULL);
		if (!p->re) {
			rt_acl_alert("proxy '%s': bad regex '%s' in an ACL.", px, s);
			return false;
		}
		struct regs *r = arena_alloc(cx->a, sizeof(*r));
		r->re = p->re;
		r->next = cx->regs;
		cx->regs = r;
		break;
	}
	case M_INT:
	case M_LEN:
	case M_BOOL: {
		char *end;
		if (op) {
			int64_t v = strtoll(s, &end, 10);
			if (end == s || *end)
				goto bad;
			p->lo = INT64_MIN;
			p->hi = INT64_MAX;
			if (!strcmp(op, "eq"))
				p->lo = p->hi = v;
			else if (!strcmp(op, "ge"))
				p->lo = v;
			else if (!strcmp(op, "gt"))
				p->lo = v + 1;
			else if (!strcmp(op, "le"))
				p->hi = v;
			else
				p->hi = v - 1;
		} else if (!parse_range(s, p)) {
			goto bad;
		}
		break;
	}
	case M_IP:
		if (!parse_ip(s, &p->net)) {
			rt_acl_alert("proxy '%s': '%s' is not an IP address or network in an ACL "
			             "(host names are not supported by vipr).",
			             px, s);
			return false;
		}
		break;
	case M_DIR:
	case M_DOM: { /* delimiters around the pattern do not count */
		char d = e->m == M_DIR ? '/' : '.';
		while (p->len && p->s[0] == d)
			p->s++, p->len--;
		while (p->len && p->s[p->len - 1] == d)
			p->len--;
		break;
	}
	default:
		break;
	}
	e->npats++;
	return true;
bad:
	rt_acl_alert("proxy '%s': '%s' is not an integer or range in an ACL.", px, s);
	return false;
}

static bool load_file(struct rt_acl_ctx *cx, struct expr *e, const char *path, const char *px)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		rt_acl_alert("proxy '%s': failed to open pattern file <%s>.", px, path);
		return false;
	}
	char line[4096];
	bool ok = true;
	while (ok && fgets(line, sizeof(line), f)) {
		char *s = line, *end;
		while (*s == ' ' || *s == '\t')
			s++;
		end = s + strlen(s);
		while (end > s && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' ||
		                   end[-1] == '\t'))
			*--end = 0;
		if (!*s || *s == '#')
			continue;
		ok = add_pat(cx, e, s, NULL, px);
	}
	fclose(f);
	return ok;
}

static bool need_crypt(struct rt_acl_ctx *cx, const struct m_userlist *ul, const char *px)
{
	for (const struct m_user *u = ul->users; u; u = u->next) {
		if (u->insecure == 1 || !u->password)
			continue;
		if (!cx->crypt_r) {
			/* libcrypt is not linked into vipr: load it when a config needs it */
			cx->crypt_lib = dlopen("libcrypt.so.1", RTLD_NOW | RTLD_LOCAL);
			if (cx->crypt_lib)
				*(void **)&cx->crypt_r = dlsym(cx->crypt_lib, "crypt_r");
		}
		if (!cx->crypt_r) {
			rt_acl_alert("proxy '%s': userlist '%s': encrypted 'password' of user '%s' "
			             "needs crypt(3) (libcrypt.so.1), which is not available; use "
			             "insecure-password.",
			             px, ul->name, u->name);
			return false;
		}
		g_crypt_r = cx->crypt_r;
	}
	return true;
}

/* Splits "name(arg1,arg2)" into name and arguments; false on a converter (`,lower`). */
static bool split_fetch(char *w, char **args, int *nargs)
{
	*nargs = 0;
	char *lp = strchr(w, '(');
	if (!lp)
		return !strchr(w, ',');
	char *rp = strrchr(lp, ')');
	if (!rp || rp[1])
		return false;
	*lp = 0;
	*rp = 0;
	char *a = lp + 1;
	while (*nargs < 2) {
		args[(*nargs)++] = a;
		char *c = strchr(a, ',');
		if (!c)
			break;
		*c = 0;
		a = c + 1;
	}
	return !strchr(a, ',');
}

static const char *const suffixes[] = {"_beg", "_end", "_sub", "_reg", "_dir", "_dom", "_len",
                                       NULL};
static const enum match suffix_m[] = {M_BEG, M_END, M_SUB, M_REG, M_DIR, M_DOM, M_LEN};

/* Compiles one ACL body (criterion, flags, patterns) from words[0..nw). */
static struct expr *compile_expr(struct rt_acl_ctx *cx, char **words, int nw, const char *px)
{
	char crit[256];
	char *args[2];
	int nargs;
	if (nw < 1)
		return NULL;
	snprintf(crit, sizeof(crit), "%s", words[0]);
	if (!split_fetch(crit, args, &nargs)) {
		rt_acl_alert("proxy '%s': ACL criterion '%s': converters are not supported by vipr.",
		             px, words[0]);
		return NULL;
	}
	struct expr *e = arena_alloc(cx->a, sizeof(*e));
	int fi = -1;
	int sm = -1;
	for (size_t i = 0; i < ARRAY_SIZE(fetches) && fi < 0; i++)
		if (!strcmp(fetches[i].name, crit))
			fi = (int)i;
	for (int k = 0; fi < 0 && suffixes[k]; k++) {
		size_t l = strlen(crit), sl = strlen(suffixes[k]);
		if (l <= sl || strcmp(crit + l - sl, suffixes[k]))
			continue;
		crit[l - sl] = 0;
		for (size_t i = 0; i < ARRAY_SIZE(fetches) && fi < 0; i++)
			if (!strcmp(fetches[i].name, crit) && fetches[i].m == M_STR)
				fi = (int)i, sm = (int)suffix_m[k];
		crit[l - sl] = suffixes[k][0];
	}
	if (fi < 0) {
		rt_acl_alert("proxy '%s': ACL criterion '%s' is not supported by vipr.", px,
		             words[0]);
		return NULL;
	}
	e->f = fetches[fi].f;
	e->m = sm >= 0 ? (enum match)sm : fetches[fi].m;
	if (fetches[fi].arg == 2 && nargs < 1) {
		rt_acl_alert("proxy '%s': ACL criterion '%s' needs an argument.", px, words[0]);
		return NULL;
	}
	if (fetches[fi].arg == 0 && nargs > 0) {
		rt_acl_alert("proxy '%s': ACL criterion '%s' takes no argument.", px, words[0]);
		return NULL;
	}
	if (nargs >= 1 && args[0][0])
		e->arg = arena_strdup(cx->a, args[0]);
	if (nargs == 2) {
		if (e->f != F_HDR) {
			rt_acl_alert("proxy '%s': ACL criterion '%s': second argument not supported.",
			             px, words[0]);
			return NULL;
		}
		e->occ = atoi(args[1]);
	}
	if (e->f == F_HDR && !e->arg) {
		rt_acl_alert("proxy '%s': ACL criterion '%s' without a header name is not "
		             "supported by vipr.",
		             px, words[0]);
		return NULL;
	}
	if (e->f == F_HTTP_AUTH) {
		for (e->ul = cx->cfg->userlists; e->ul && strcmp(e->ul->name, e->arg);)
			e->ul = e->ul->next;
		if (!e->ul) {
			rt_acl_alert("proxy '%s': http_auth: unable to find userlist '%s'.", px,
			             e->arg);
			return NULL;
		}
		if (!need_crypt(cx, e->ul, px))
			return NULL;
	}
	if (e->f == F_NBSRV) {
		for (int i = 0; i < cx->npools && !e->pool; i++)
			if (e->arg ? !strcmp(cx->pools[i].conf->name, e->arg)
			           : !strcmp(cx->pools[i].conf->name, px))
				e->pool = &cx->pools[i];
		if (!e->pool) {
			rt_acl_alert("proxy '%s': nbsrv: no such backend '%s'.", px,
			             e->arg ? e->arg : px);
			return NULL;
		}
	}
	/* flags */
	int i = 1;
	const char *files[16];
	int nfiles = 0;
	for (; i < nw && words[i][0] == '-'; i++) {
		const char *f = words[i];
		if (!strcmp(f, "--")) {
			i++;
			break;
		} else if (!strcmp(f, "-i")) {
			e->icase = true;
		} else if (!strcmp(f, "-n")) {
			/* no DNS resolution: vipr never resolves patterns */
		} else if (!strcmp(f, "-m") && i + 1 < nw) {
			const char *mn = words[++i];
			int m = -1;
			for (size_t k = 0; k < ARRAY_SIZE(match_names); k++)
				if (!strcmp(match_names[k], mn))
					m = (int)k;
			if (m < 0) {
				rt_acl_alert("proxy '%s': ACL matching method '-m %s' is not supported "
				             "by vipr.",
				             px, mn);
				return NULL;
			}
			if ((e->m == M_IP || e->m == M_INT || e->m == M_BOOL) &&
			    m != (int)e->m && m != M_FOUND && !(e->m == M_INT && m == M_BOOL)) {
				rt_acl_alert("proxy '%s': ACL '%s': matching method '-m %s' is not "
				             "supported by vipr for this fetch.",
				             px, words[0], mn);
				return NULL;
			}
			e->m = (enum match)m;
		} else if (!strcmp(f, "-f") && i + 1 < nw) {
			if (nfiles < 16)
				files[nfiles++] = words[++i];
		} else {
			rt_acl_alert("proxy '%s': ACL flag '%s' is not supported by vipr.", px, f);
			return NULL;
		}
	}
	for (int k = 0; k < nfiles; k++)
		if (!load_file(cx, e, files[k], px))
			return NULL;
	const char *op = NULL;
	for (; i < nw; i++) {
		const char *w = words[i];
		if ((e->m == M_INT || e->m == M_LEN) &&
		    (!strcmp(w, "eq") || !strcmp(w, "ge") || !strcmp(w, "gt") ||
		     !strcmp(w, "le") || !strcmp(w, "lt"))) {
			op = w;
			continue;
		}
		if (!add_pat(cx, e, w, op, px))
			return NULL;
	}
	return e;
}

/* Built-in ACLs, as the ACL lines they stand for. */
static const struct {
	const char *name;
	const char *words[5];
} builtins[] = {
    {"TRUE", {"always_true"}},
    {"FALSE", {"always_false"}},
    {"HTTP", {"always_true"}},
    {"LOCALHOST", {"src", "127.0.0.1/8", "::1"}},
    {"METH_CONNECT", {"method", "CONNECT"}},
    {"METH_DELETE", {"method", "DELETE"}},
    {"METH_GET", {"method", "GET", "HEAD"}},
    {"METH_HEAD", {"method", "HEAD"}},
    {"METH_OPTIONS", {"method", "OPTIONS"}},
    {"METH_POST", {"method", "POST"}},
    {"METH_PUT", {"method", "PUT"}},
    {"METH_TRACE", {"method", "TRACE"}},
    {"HTTP_URL_ABS", {"url_reg", "^[^/:]*://"}},
    {"HTTP_URL_SLASH", {"url_beg", "/"}},
    {"HTTP_URL_STAR", {"url", "*"}},
};

static const struct expr *lookup_acl(struct rt_acl_ctx *cx, const char *name,
                                     const struct m_acl *acls, const char *px)
{
	struct expr *head = NULL, **tail = &head;
	for (const struct m_acl *a = acls; a; a = a->next) {
		if (strcmp(a->name, name))
			continue;
		struct expr *e = compile_expr(cx, a->words, a->nwords, px);
		if (!e)
			return NULL;
		*tail = e;
		tail = &e->next;
	}
	if (head)
		return head;
	for (size_t i = 0; i < ARRAY_SIZE(builtins); i++) {
		if (strcmp(builtins[i].name, name))
			continue;
		char *w[5];
		int n = 0;
		while (n < 5 && builtins[i].words[n])
			w[n] = (char *)builtins[i].words[n], n++;
		return compile_expr(cx, w, n, px);
	}
	/* a boolean fetch used as a term: `if ssl_fc`, `if always_true` */
	char *w[1] = {(char *)name};
	for (size_t i = 0; i < ARRAY_SIZE(fetches); i++)
		if (fetches[i].m == M_BOOL && !strncmp(fetches[i].name, name, strlen(fetches[i].name)))
			return compile_expr(cx, w, 1, px);
	rt_acl_alert("proxy '%s': ACL '%s' is not supported by vipr (or does not exist).", px,
	             name);
	return NULL;
}

bool rt_cond_compile(struct rt_acl_ctx *cx, const struct m_rule *r, const struct m_acl *acls,
                     const char *px, const struct rt_cond **out)
{
	*out = NULL;
	if (!r || r->ncond_words == 0)
		return true;
	struct rt_cond *c = arena_alloc(cx->a, sizeof(*c));
	c->unless = r->unless;
	c->t = arena_alloc(cx->a, sizeof(*c->t) * (size_t)r->ncond_words);
	bool neg = false, or_next = false;
	for (int i = 0; i < r->ncond_words; i++) {
		const char *w = r->cond_words[i];
		if (!strcmp(w, "||") || !strcmp(w, "or")) {
			if (c->nt == 0 || or_next)
				goto syntax;
			or_next = true;
			continue;
		}
		while (*w == '!')
			neg = !neg, w++;
		if (!*w)
			continue;
		const struct expr *e;
		if (!strcmp(w, "{")) {
			int j = i + 1;
			while (j < r->ncond_words && strcmp(r->cond_words[j], "}"))
				j++;
			if (j >= r->ncond_words || j == i + 1)
				goto syntax;
			e = compile_expr(cx, r->cond_words + i + 1, j - i - 1, px);
			i = j;
		} else {
			e = lookup_acl(cx, w, acls, px);
		}
		if (!e)
			return false;
		c->t[c->nt++] = (struct term){.e = e, .neg = neg, .or_before = or_next};
		neg = or_next = false;
	}
	if (c->nt == 0 || or_next || neg)
		goto syntax;
	*out = c;
	return true;
syntax:
	rt_acl_alert("proxy '%s': parsing [%s:%u] : invalid condition '%s'.", px,
	             r->at.file ? r->at.file : "?", r->at.line, r->cond ? r->cond : "");
	return false;
}
