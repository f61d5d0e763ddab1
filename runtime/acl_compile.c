/* acl_compile.c - compiles ACL lines and if/unless conditions (acl.c evaluates them).
 *
 * Fetch names, matching methods (-m, _beg/_sub... suffixes), flags and patterns are checked
 * once here; anything vipr cannot evaluate is refused with an "[ALERT]" naming it.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/acl_int.h"

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
    {"var", F_VAR, M_STR, 2},          {"status", F_STATUS, M_INT, 0},
    {"req.len", F_REQ_LEN, M_INT, 0},  {"req_len", F_REQ_LEN, M_INT, 0},
    {"req_ssl_hello_type", F_SSL_HELLO, M_INT, 0},
    {"req.ssl_hello_type", F_SSL_HELLO, M_INT, 0},
    {"req_ssl_sni", F_SSL_SNI, M_STR, 0},   {"req.ssl_sni", F_SSL_SNI, M_STR, 0},
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
		rt_acl_crypt_r = cx->crypt_r;
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

static struct rt_stick *find_table(struct rt_acl_ctx *cx, const char *name)
{
	for (int i = 0; i < cx->ntables; i++)
		if (!strcmp(rt_stick_name(cx->tables[i]), name))
			return cx->tables[i];
	return NULL;
}

/* sc_DATA(N[,table]), scN_DATA([table]), src_DATA([table]): 1 when crit is one (e filled),
 * 0 when it is not, -1 after an alert. */
static int stk_fetch(struct rt_acl_ctx *cx, struct expr *e, const char *crit, char **args,
                     int nargs, const char *px)
{
	static const struct {
		const char *name;
		int data;
		bool inc;
	} data[] = {
	    {"gpc0", M_SD_GPC0, false},         {"get_gpc0", M_SD_GPC0, false},
	    {"inc_gpc0", M_SD_GPC0, true},      {"conn_cnt", M_SD_CONN_CNT, false},
	    {"conn_cur", M_SD_CONN_CUR, false}, {"conn_rate", M_SD_CONN_RATE, false},
	    {"http_req_cnt", M_SD_HTTP_REQ_CNT, false},
	    {"http_req_rate", M_SD_HTTP_REQ_RATE, false},
	    {"http_err_cnt", M_SD_HTTP_ERR_CNT, false},
	    {"http_err_rate", M_SD_HTTP_ERR_RATE, false},
	};
	const char *d;
	int ti = 0; /* index of the table argument */
	if (!strncmp(crit, "sc_", 3)) {
		d = crit + 3;
		ti = 1;
	} else if (!strncmp(crit, "src_", 4)) {
		d = crit + 4;
		e->sc = -1;
	} else if (!strncmp(crit, "sc", 2) && crit[2] >= '0' && crit[2] <= '2' && crit[3] == '_') {
		d = crit + 4;
		e->sc = crit[2] - '0';
	} else {
		return 0;
	}
	int k = -1;
	for (size_t i = 0; i < ARRAY_SIZE(data) && k < 0; i++)
		if (!strcmp(data[i].name, d))
			k = (int)i;
	if (k < 0) {
		if (e->sc == -1 && !strcmp(d, "port"))
			return 0; /* src_port */
		rt_acl_alert("proxy '%s': ACL criterion '%s' is not supported by vipr.", px, crit);
		return -1;
	}
	if (ti == 1) {
		if (nargs < 1 || atoi(args[0]) < 0 || atoi(args[0]) > 2 || !*args[0]) {
			rt_acl_alert("proxy '%s': ACL criterion '%s' needs a counter number (0-2).",
			             px, crit);
			return -1;
		}
		e->sc = atoi(args[0]);
	}
	e->f = F_STK;
	e->m = M_INT;
	e->data = data[k].data;
	e->inc = data[k].inc;
	const char *tname = nargs > ti ? args[ti] : NULL;
	if (tname || e->sc < 0) {
		e->tbl = find_table(cx, tname ? tname : px);
		if (!e->tbl) {
			rt_acl_alert("proxy '%s': ACL criterion '%s': unable to find table '%s'.", px,
			             crit, tname ? tname : px);
			return -1;
		}
	}
	return 1;
}

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
	int st = stk_fetch(cx, e, crit, args, nargs, px);
	if (st < 0)
		return NULL;
	if (st > 0)
		goto flags;
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
	if (e->f == F_VAR && (!e->arg || !rt_var_name(e->arg, &e->sc, &e->arg))) {
		rt_acl_alert("proxy '%s': ACL criterion '%s': invalid variable name.", px, words[0]);
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
flags:; /* -i, -m, -f... */
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
