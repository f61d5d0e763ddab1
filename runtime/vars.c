/* vars.c - variables (set-var, unset-var, var()) and the sample expressions that set them.
 *
 * A sample expression is one fetch and a chain of converters (`req.hdr(host),lower`),
 * compiled once. Variables live in their scope as HAProxy defines them: proc (the process,
 * shared by every thread under a mutex), sess (the connection), txn and req (the current
 * request: forgotten when the next one starts) and res (the current response: forgotten when
 * the next response starts). A variable holds an integer or a string, which the expression
 * that set it decided.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/rt.h"

enum sk {
	SK_SRC,
	SK_DST,
	SK_SRC_PORT,
	SK_DST_PORT,
	SK_PATH,
	SK_URL,
	SK_QUERY,
	SK_METHOD,
	SK_HDR,
	SK_RES_HDR,
	SK_URLP,
	SK_INT,
	SK_STR,
	SK_VAR,
	SK_STATUS
};
enum cv { CV_LOWER, CV_UPPER, CV_LENGTH, CV_ADD, CV_SUB };

struct rt_sexpr {
	enum sk k;
	const char *arg; /* header, parameter or variable name; str() text */
	long long iarg;
	int scope; /* SK_VAR */
	struct {
		enum cv c;
		long long n;
	} cv[8];
	int ncv;
};

struct rt_var {
	struct rt_var *next;
	int scope;
	bool is_int;
	long long i;
	size_t n;
	char *s;
	char name[];
};

static pthread_mutex_t proc_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rt_var *proc_vars;

static const char *const scopes[] = {"proc", "sess", "txn", "req", "res"};

bool rt_var_name(const char *full, int *scope, const char **name)
{
	for (int i = 0; i < 5; i++) {
		size_t l = strlen(scopes[i]);
		if (!strncmp(full, scopes[i], l) && full[l] == '.' && full[l + 1]) {
			*scope = i;
			*name = full + l + 1;
			return true;
		}
	}
	return false;
}

/* ---------------------------------------------------------------- compiling */

static const struct {
	const char *name;
	enum sk k;
	int arg; /* 0 none, 1 string argument, 2 integer argument */
	bool http;
} fetches[] = {
    {"src", SK_SRC, 0, false},
    {"dst", SK_DST, 0, false},
    {"src_port", SK_SRC_PORT, 0, false},
    {"dst_port", SK_DST_PORT, 0, false},
    {"path", SK_PATH, 0, true},
    {"url", SK_URL, 0, true},
    {"query", SK_QUERY, 0, true},
    {"method", SK_METHOD, 0, true},
    {"hdr", SK_HDR, 1, true},
    {"req.hdr", SK_HDR, 1, true},
    {"res.hdr", SK_RES_HDR, 1, true},
    {"url_param", SK_URLP, 1, true},
    {"urlp", SK_URLP, 1, true},
    {"int", SK_INT, 2, false},
    {"str", SK_STR, 1, false},
    {"var", SK_VAR, 1, false},
    {"status", SK_STATUS, 0, true},
};

/* "name(arg)" at *p: the name in name[], the argument (without parentheses) in arg[]; *p
 * moves past it. False on unbalanced parentheses. */
static bool word(const char **p, char *name, size_t nl, char *arg, size_t al, bool *has_arg)
{
	const char *s = *p;
	size_t i = 0;
	while (*s && *s != '(' && *s != ',' && i + 1 < nl)
		name[i++] = *s++;
	name[i] = 0;
	*has_arg = false;
	arg[0] = 0;
	if (*s == '(') {
		const char *e = strchr(s, ')');
		if (!e)
			return false;
		snprintf(arg, al, "%.*s", (int)(e - s - 1), s + 1);
		*has_arg = true;
		s = e + 1;
	}
	*p = s;
	return true;
}

struct rt_sexpr *rt_sexpr_compile(struct rt_acl_ctx *cx, const char *text, bool http,
                                  const char *px, const char *what)
{
	struct rt_sexpr *e = rt_acl_alloc(cx, sizeof(*e));
	char name[64], arg[256];
	bool has;
	const char *p = text;
	if (!word(&p, name, sizeof(name), arg, sizeof(arg), &has))
		goto bad;
	int k = -1;
	for (size_t i = 0; i < ARRAY_SIZE(fetches) && k < 0; i++)
		if (!strcmp(fetches[i].name, name))
			k = (int)i;
	if (k < 0 || (fetches[k].arg && !has) || (!fetches[k].arg && has && arg[0])) {
		rt_acl_alert("proxy '%s': %s: sample fetch '%s' is not supported by vipr.", px,
		             what, text);
		return NULL;
	}
	if (fetches[k].http && !http) {
		rt_acl_alert("proxy '%s': %s: fetch method '%s' extracts information from HTTP, "
		             "none of which is available here.",
		             px, what, name);
		return NULL;
	}
	e->k = fetches[k].k;
	if (fetches[k].arg == 2)
		e->iarg = strtoll(arg, NULL, 10);
	else if (fetches[k].arg == 1) {
		size_t n = strlen(arg);
		char *d = rt_acl_alloc(cx, n + 1);
		memcpy(d, arg, n);
		e->arg = d;
	}
	if (e->k == SK_HDR && strchr(e->arg, ','))
		goto bad;
	if (e->k == SK_VAR && !rt_var_name(e->arg, &e->scope, &e->arg))
		goto bad;
	while (*p == ',') {
		p++;
		if (e->ncv == (int)ARRAY_SIZE(e->cv) ||
		    !word(&p, name, sizeof(name), arg, sizeof(arg), &has))
			goto bad;
		static const char *const cvs[] = {"lower", "upper", "length", "add", "sub"};
		int c = -1;
		for (int i = 0; i < 5; i++)
			if (!strcmp(cvs[i], name))
				c = i;
		if (c < 0 || (c >= CV_ADD) != has) {
			rt_acl_alert(
			    "proxy '%s': %s: converter '%s' is not supported by vipr (only "
			    "lower, upper, length, add(N), sub(N)).",
			    px, what, name);
			return NULL;
		}
		e->cv[e->ncv].c = (enum cv)c;
		e->cv[e->ncv++].n = strtoll(arg, NULL, 10);
	}
	if (*p)
		goto bad;
	return e;
bad:
	rt_acl_alert("proxy '%s': %s: sample expression '%s' is not supported by vipr.", px, what,
	             text);
	return NULL;
}

/* ---------------------------------------------------------------- variables */

static struct rt_var **list_of(struct rt_sess *s, int scope)
{
	return scope == 0 ? &proc_vars : s ? &s->vars : NULL;
}

static struct rt_var **find(struct rt_var **head, int scope, const char *name)
{
	for (; *head; head = &(*head)->next)
		if ((*head)->scope == scope && !strcmp((*head)->name, name))
			return head;
	return NULL;
}

static void var_free(struct rt_var *v)
{
	free(v->s);
	free(v);
}

static void store(struct rt_sess *s, int scope, const char *name, const struct rt_sval *v)
{
	struct rt_var **head = list_of(s, scope);
	if (!head)
		return;
	if (scope == 0)
		pthread_mutex_lock(&proc_lock);
	struct rt_var **pp = find(head, scope, name), *x;
	if (pp) {
		x = *pp;
	} else {
		x = calloc(1, sizeof(*x) + strlen(name) + 1);
		strcpy(x->name, name);
		x->scope = scope;
		x->next = *head;
		*head = x;
	}
	free(x->s);
	x->s = NULL;
	x->is_int = v->is_int;
	x->i = v->i;
	x->n = v->n;
	if (!v->is_int) {
		x->s = malloc(v->n + 1);
		memcpy(x->s, v->s, v->n);
		x->s[v->n] = 0;
	}
	if (scope == 0)
		pthread_mutex_unlock(&proc_lock);
}

bool rt_var_get(struct rt_sess *s, int scope, const char *name, struct rt_sval *out)
{
	struct rt_var **head = list_of(s, scope);
	if (!head)
		return false;
	if (scope == 0)
		pthread_mutex_lock(&proc_lock);
	struct rt_var **pp = find(head, scope, name);
	if (pp) {
		const struct rt_var *x = *pp;
		out->is_int = x->is_int;
		out->i = x->i;
		if (!x->is_int) {
			/* proc values may change under another thread: copy them */
			out->n = x->n < sizeof(out->buf) ? x->n : sizeof(out->buf);
			memcpy(out->buf, x->s, out->n);
			out->s = scope == 0 ? out->buf : x->s;
			if (scope != 0)
				out->n = x->n;
		}
	}
	if (scope == 0)
		pthread_mutex_unlock(&proc_lock);
	return pp != NULL;
}

void rt_var_unset(struct rt_sess *s, int scope, const char *name)
{
	struct rt_var **head = list_of(s, scope);
	if (!head)
		return;
	if (scope == 0)
		pthread_mutex_lock(&proc_lock);
	struct rt_var **pp = find(head, scope, name);
	if (pp) {
		struct rt_var *x = *pp;
		*pp = x->next;
		var_free(x);
	}
	if (scope == 0)
		pthread_mutex_unlock(&proc_lock);
}

void rt_vars_clear(struct rt_sess *s, unsigned scope_mask)
{
	for (struct rt_var **pp = &s->vars; *pp;) {
		struct rt_var *x = *pp;
		if (scope_mask & (1u << x->scope)) {
			*pp = x->next;
			var_free(x);
		} else {
			pp = &x->next;
		}
	}
}

void rt_vars_proc_free(void)
{
	pthread_mutex_lock(&proc_lock);
	while (proc_vars) {
		struct rt_var *x = proc_vars;
		proc_vars = x->next;
		var_free(x);
	}
	pthread_mutex_unlock(&proc_lock);
}

/* ---------------------------------------------------------------- evaluation */

static void addr_str(const struct sockaddr_storage *ss, struct rt_sval *v)
{
	if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, v->buf,
		          sizeof(v->buf));
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, v->buf,
		          sizeof(v->buf));
	v->s = v->buf;
	v->n = strlen(v->buf);
}

static int port_of(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? ntohs(((const struct sockaddr_in6 *)ss)->sin6_port)
	                                 : ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static bool fetch(const struct rt_sexpr *e, const struct rt_smp *x, struct rt_sval *v)
{
	const struct h1_msg *rq = x->req;
	v->is_int = false;
	switch (e->k) {
	case SK_SRC:
	case SK_DST: {
		const struct sockaddr_storage *ss = e->k == SK_SRC ? x->src : x->dst;
		if (!ss)
			return false;
		addr_str(ss, v);
		return true;
	}
	case SK_SRC_PORT:
	case SK_DST_PORT: {
		const struct sockaddr_storage *ss = e->k == SK_SRC_PORT ? x->src : x->dst;
		if (!ss)
			return false;
		v->is_int = true;
		v->i = port_of(ss);
		return true;
	}
	case SK_PATH:
		return rq && rt_smp_path(rq, &v->s, &v->n);
	case SK_QUERY:
		return rq && rt_smp_query(rq, &v->s, &v->n);
	case SK_URL:
		if (!rq)
			return false;
		v->s = rq->uri, v->n = rq->uri_len;
		return true;
	case SK_METHOD:
		if (!rq)
			return false;
		v->s = rq->method, v->n = rq->method_len;
		return true;
	case SK_HDR:
		return rq && rt_smp_hdr(rq, e->arg, 0, &v->s, &v->n);
	case SK_RES_HDR:
		return x->rsp && rt_smp_hdr(x->rsp, e->arg, 0, &v->s, &v->n);
	case SK_URLP:
		return rq && rt_smp_url_param(rq, e->arg, &v->s, &v->n);
	case SK_INT:
		v->is_int = true;
		v->i = e->iarg;
		return true;
	case SK_STR:
		v->s = e->arg, v->n = strlen(e->arg);
		return true;
	case SK_VAR:
		return rt_var_get(x->sess, e->scope, e->arg, v);
	case SK_STATUS:
		if (!x->rsp)
			return false;
		v->is_int = true;
		v->i = x->rsp->status;
		return true;
	}
	return false;
}

static long long to_int(const struct rt_sval *v)
{
	if (v->is_int)
		return v->i;
	char buf[32];
	size_t n = v->n < sizeof(buf) - 1 ? v->n : sizeof(buf) - 1;
	memcpy(buf, v->s, n);
	buf[n] = 0;
	return strtoll(buf, NULL, 10);
}

bool rt_sexpr_eval(const struct rt_sexpr *e, const struct rt_smp *x, struct rt_sval *v)
{
	if (!fetch(e, x, v))
		return false;
	for (int i = 0; i < e->ncv; i++) {
		switch (e->cv[i].c) {
		case CV_LOWER:
		case CV_UPPER:
			if (v->is_int) {
				snprintf(v->buf, sizeof(v->buf), "%lld", v->i);
				v->s = v->buf, v->n = strlen(v->buf), v->is_int = false;
			}
			if (v->s != v->buf) {
				v->n = v->n < sizeof(v->buf) ? v->n : sizeof(v->buf);
				memmove(v->buf, v->s, v->n);
				v->s = v->buf;
			}
			for (size_t k = 0; k < v->n; k++)
				v->buf[k] = (char)(e->cv[i].c == CV_LOWER
				                       ? tolower((unsigned char)v->buf[k])
				                       : toupper((unsigned char)v->buf[k]));
			break;
		case CV_LENGTH:
			v->i = v->is_int ? (long long)snprintf(v->buf, sizeof(v->buf), "%lld", v->i)
			                 : (long long)v->n;
			v->is_int = true;
			break;
		case CV_ADD:
		case CV_SUB:
			v->i = to_int(v) + (e->cv[i].c == CV_ADD ? e->cv[i].n : -e->cv[i].n);
			v->is_int = true;
			break;
		}
	}
	return true;
}

void rt_var_set(struct rt_sess *s, int scope, const char *name, const struct rt_sexpr *e,
                const struct rt_smp *x)
{
	struct rt_sval v;
	if (rt_sexpr_eval(e, x, &v))
		store(s, scope, name, &v);
}
