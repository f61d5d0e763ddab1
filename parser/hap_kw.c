/* hap_kw.c - the keyword dispatcher, generic setters and finding helpers of the haproxy.cfg
 * binder.
 *
 * A row names its target struct and field offset; generic setters parse the argument with
 * HAProxy's rules (and HAProxy's wording when it refuses), so most rows need no code. A row
 * flagged unsupported is recognized and reported, never silently accepted.
 */
#include "hap_bind.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static struct diag *vdiag(struct hap_ctx *c, struct m_origin at, enum diag_sev sev,
			  enum diag_sev csev, unsigned flags, const char *compat, const char *fmt,
			  va_list ap)
{
	char *msg = NULL;
	if (fmt && vasprintf(&msg, fmt, ap) < 0)
		abort();
	struct diag *d = diag_add(c->dl, at, sev, csev, flags, compat, msg);
	free(msg);
	if (csev == DIAG_ERROR && (flags & (DIAG_FATAL | DIAG_ABORT | DIAG_NOFATAL)) &&
	    !(flags & DIAG_POST))
		c->file_error = true;
	return d;
}

struct diag *hap_diag(struct hap_ctx *c, struct m_origin at, enum diag_sev sev,
		      enum diag_sev compat_sev, unsigned flags, const char *compat, const char *fmt,
		      ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct diag *d = vdiag(c, at, sev, compat_sev, flags, compat, fmt, ap);
	va_end(ap);
	return d;
}

/* HAProxy writes "parsing [f:1] : text" in most places and "parsing [f:1]: text" in some;
 * a format starting with ':' asks for the second form. */
static struct diag *prefixed(struct hap_ctx *c, const struct cfg_stmt *s, enum diag_sev sev,
			     unsigned flags, const char *fmt, va_list ap)
{
	char *text = NULL, *compat = NULL;
	bool tight = *fmt == ':';
	if (vasprintf(&text, fmt + tight, ap) < 0 ||
	    asprintf(&compat, "parsing [%s:%u]%s %s", s->at.file, s->at.line, tight ? ":" : " :",
		     text) < 0)
		abort();
	struct diag *d = diag_add(c->dl, s->at, sev, sev, flags, compat, text);
	if (sev == DIAG_ERROR)
		c->file_error = true;
	free(text);
	free(compat);
	return d;
}

struct diag *hap_alert(struct hap_ctx *c, const struct cfg_stmt *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct diag *d = prefixed(c, s, DIAG_ERROR, DIAG_FATAL, fmt, ap);
	va_end(ap);
	return d;
}

struct diag *hap_alert_nul(struct hap_ctx *c, const struct cfg_stmt *s, const char *head,
			   const char *lint)
{
	bool tight = *head == ':';
	char *compat = NULL;
	if (asprintf(&compat, "parsing [%s:%u]%s %s", s->at.file, s->at.line, tight ? ":" : " :",
		     head + tight) < 0)
		abort();
	struct diag *d = hap_diag(c, s->at, DIAG_ERROR, DIAG_ERROR, DIAG_FATAL | DIAG_CUT, compat,
				  "%s", lint);
	free(compat);
	return d;
}

struct diag *hap_alert_abort(struct hap_ctx *c, const struct cfg_stmt *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct diag *d = prefixed(c, s, DIAG_ERROR, DIAG_ABORT, fmt, ap);
	va_end(ap);
	return d;
}

struct diag *hap_warn(struct hap_ctx *c, const struct cfg_stmt *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct diag *d = prefixed(c, s, DIAG_WARNING, 0, fmt, ap);
	va_end(ap);
	return d;
}

struct diag *hap_lint(struct hap_ctx *c, struct m_origin at, enum diag_sev sev, const char *fmt,
		      ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct diag *d = vdiag(c, at, sev, DIAG_NONE, 0, NULL, fmt, ap);
	va_end(ap);
	return d;
}

/* HAProxy accepts the keyword; vipr recognizes it but does not act on it yet. The haproxy
 * personality says so as a NOTICE (exit status unchanged) unless running without it would
 * be unsafe, in which case it is an error everywhere. */
void hap_unsupported(struct hap_ctx *c, const struct cfg_stmt *s, const char *what, bool fatal)
{
	char *compat = NULL;
	if (asprintf(&compat, "parsing [%s:%u] : '%s' is not supported by vipr yet%s", s->at.file,
		     s->at.line, what, fatal ? "; vipr will refuse to run this configuration." :
					       "; ignored.") < 0)
		abort();
	hap_diag(c, s->at, fatal ? DIAG_ERROR : DIAG_WARNING, DIAG_NOTE,
		 fatal ? DIAG_RUN_FATAL : 0, compat, "'%s' is not supported by vipr yet%s", what,
		 fatal ? "; vipr refuses to run this configuration" : "; it is ignored");
	free(compat);
}

const char *hap_invalid_char(const char *name)
{
	if (!*name)
		return name;
	for (; *name; name++)
		if (!(isalnum((unsigned char)*name) || strchr("-_.:", *name)))
			return name;
	return NULL;
}

const struct hap_kw *hap_kw_find(const struct hap_kw *t, const char *name)
{
	for (; t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

const char *hap_kw_suggest(const struct hap_kw *t, unsigned sec, const char *word)
{
	const char *best = NULL;
	int bestd = 3;
	for (; t->name; t++) {
		if (sec && !(t->sections & sec))
			continue;
		int d = cfg_distance(word, t->name, bestd - 1);
		if (d < bestd) {
			bestd = d;
			best = t->name;
		}
	}
	return best;
}

void *hap_target(struct hap_ctx *c, enum hap_target t)
{
	switch (t) {
	case T_CONF: return c->px ? (void *)c->px->conf : c->def ? (void *)&c->def->conf : NULL;
	case T_POOL: return c->px ? (void *)c->px->pool : c->def ? (void *)&c->def->pool : NULL;
	case T_SVC: return c->px ? (void *)c->px->svc : NULL;
	case T_GLOBAL: return &c->cfg->global;
	case T_SERVER: return c->srv;
	case T_CHECK: return c->srv ? &c->srv->check : NULL;
	default: return NULL;
	}
}

/* Checks arity, then calls the row's setter. arg is the index of the first argument. */
int hap_kw_dispatch(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int arg)
{
	int nargs = s->nw - arg;
	/* an unsupported row with a setter checks the line as HAProxy does and reports itself */
	if ((kw->flags & (KW_UNSUPPORTED | KW_FATAL_UNSUP)) && !kw->set) {
		hap_unsupported(c, s, kw->name, kw->flags & KW_FATAL_UNSUP);
		return 0;
	}
	if (kw->min > 0 && nargs < kw->min && kw->set != hap_set_int_lenient) {
		/* a help starting with ':' asks for HAProxy's "parsing [f:l]:" form */
		const char *help = kw->help ? kw->help : "an argument";
		if (*help == ':')
			hap_alert(c, s, ":'%s' expects %s.", kw->name, help + 1);
		else
			hap_alert(c, s, "'%s' expects %s.", kw->name, help);
		return -1;
	}
	if (kw->max >= 0 && nargs > kw->max) {
		hap_alert(c, s, "'%s' cannot handle unexpected argument '%s'.", kw->name,
			  s->w[arg + kw->max].s)->at = s->w[arg + kw->max].at;
		return -1;
	}
	if (kw->flags & KW_DEPRECATED)
		hap_lint(c, s->at, DIAG_WARNING, "'%s' is deprecated", kw->name);
	return kw->set ? kw->set(c, kw, s, arg) : 0;
}

static void *field(struct hap_ctx *c, const struct hap_kw *kw)
{
	char *base = hap_target(c, kw->target);
	return base ? base + kw->off : NULL;
}

/* kw->arg packs the accepted range as (min << 32) | max, both as unsigned 32-bit. */
#define RANGE_MIN(r) ((long)((unsigned long)(r) >> 32))
#define RANGE_MAX(r) ((long)((unsigned long)(r)&0xffffffffUL))

int hap_set_int(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int arg)
{
	int *f = field(c, kw);
	const char *v = arg < s->nw ? s->w[arg].s : "";
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (!*v || *end || errno) {
		hap_alert(c, s, "'%s' expects an integer argument.", kw->name);
		return -1;
	}
	if (kw->arg && (n < RANGE_MIN(kw->arg) || n > RANGE_MAX(kw->arg))) {
		hap_alert(c, s, "'%s' expects a value between %ld and %ld (got %ld).", kw->name,
			  RANGE_MIN(kw->arg), RANGE_MAX(kw->arg), n);
		return -1;
	}
	if (f)
		*f = (int)n;
	return 0;
}

/* HAProxy reads some numbers with atol(): "abc" is 0 and "12x" is 12, without complaint.
 * haproxy -c keeps that verdict; lint reports the surprise. */
int hap_set_int_lenient(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int arg)
{
	int *f = field(c, kw);
	if (arg >= s->nw) {
		hap_alert(c, s, "'%s' expects %s.", kw->name,
			  kw->help ? kw->help : "an integer argument");
		return -1;
	}
	const char *v = s->w[arg].s;
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (*end || end == v || errno || n < INT_MIN || n > INT_MAX) {
		struct diag *d = hap_lint(c, s->w[arg].at, DIAG_ERROR,
					  "'%s' expects an integer, got '%s' (HAProxy reads it as %ld)",
					  kw->name, v, end == v ? 0L : n);
		diag_hint(d, "write a plain decimal number");
	}
	if (f)
		*f = end == v ? 0 : (int)n;
	return 0;
}

int hap_set_time(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int arg)
{
	m_ms *f = field(c, kw);
	if (arg >= s->nw || !*s->w[arg].s) {
		hap_alert(c, s, "'%s' expects an integer value (in milliseconds)", kw->name);
		return -1;
	}
	const char *v = s->w[arg].s;
	m_ms val;
	const char *res = m_parse_time(v, &val, kw->arg ? (unsigned)kw->arg : 1);
	if (res == M_TIME_OVER) {
		hap_alert(c, s,
			  "timer overflow in argument '%s' to '%s' (maximum value is 2147483647 ms or "
			  "~24.8 days)",
			  v, kw->name);
		return -1;
	}
	if (res == M_TIME_UNDER) {
		hap_alert(c, s,
			  "timer underflow in argument '%s' to '%s' (minimum non-null value is 1 ms)",
			  v, kw->name);
		return -1;
	}
	if (res) {
		hap_alert(c, s, "unexpected character '%c' in '%s'", *res, kw->name);
		return -1;
	}
	if (f)
		*f = val;
	return 0;
}

int hap_set_size(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int arg)
{
	int *f = field(c, kw);
	int64_t val;
	const char *v = arg < s->nw ? s->w[arg].s : "";
	const char *res = m_parse_size(v, &val);
	if (res) {
		hap_alert(c, s, "'%s' expects a size value (got '%s').", kw->name, v);
		return -1;
	}
	if (f)
		*f = (int)val;
	return 0;
}

int hap_set_str(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int arg)
{
	char **f = field(c, kw);
	if (f)
		*f = arg < s->nw ? arena_strdup(c->a, s->w[arg].s) : NULL;
	return 0;
}

int hap_set_flag(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int arg)
{
	(void)s;
	(void)arg;
	int8_t *f = field(c, kw);
	if (f)
		*f = (int8_t)(kw->arg ? kw->arg : 1);
	return 0;
}

/* Deliberately without effect in vipr (e.g. nbproc, which HAProxy 2.6 itself refuses to
 * honour beyond 1): lint says so, haproxy -c stays silent like HAProxy. */
int hap_set_ignored(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int arg)
{
	(void)arg;
	hap_lint(c, s->at, DIAG_NOTE, "'%s' has no effect in vipr", kw->name);
	return 0;
}

/* Returns the words from index i as one string joined by spaces (arena). */
char *hap_join(struct hap_ctx *c, struct cfg_stmt *s, int i)
{
	size_t len = 1;
	for (int k = i; k < s->nw; k++)
		len += s->w[k].len + 1;
	char *p = arena_alloc(c->a, len), *o = p;
	for (int k = i; k < s->nw; k++) {
		if (k > i)
			*o++ = ' ';
		memcpy(o, s->w[k].s, s->w[k].len);
		o += s->w[k].len;
	}
	*o = 0;
	return p;
}

char **hap_copy_words(struct hap_ctx *c, struct cfg_stmt *s, int from, int to, int *n)
{
	*n = to > from ? to - from : 0;
	char **v = arena_alloc(c->a, sizeof(char *) * (size_t)(*n + 1));
	for (int k = 0; k < *n; k++)
		v[k] = arena_strdup(c->a, s->w[from + k].s);
	return v;
}

