/* ka_expand.c - keepalived's text substitutions: `$NAME=VALUE` definitions, `$NAME` and
 * `${NAME}` uses (recursive at use time) with the `${_...}` builtins, and the `~SEQ`,
 * `~SEQx` and `~LST` line generators. Bounded in count, size and total work. */
#include "ka_pre.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- variables */

struct ka_var *ka_var_find(struct ka_rd *r, const char *name, size_t n)
{
	for (size_t i = 0; i < r->nv; i++)
		if (strlen(r->v[i].name) == n && !memcmp(r->v[i].name, name, n))
			return &r->v[i];
	return NULL;
}

static void var_set(struct ka_rd *r, const char *name, size_t n, char *val, bool multi)
{
	struct ka_var *v = ka_var_find(r, name, n);
	if (!v) {
		if (r->nv == r->capv) {
			r->capv = r->capv ? r->capv * 2 : 16;
			r->v = ka_xrealloc(r->v, r->capv * sizeof(*r->v));
		}
		v = &r->v[r->nv++];
		v->name = ka_xstrndup(name, n);
	} else {
		free(v->val);
	}
	v->val = val;
	v->multi = multi;
}

/* Length of a parameter name at s ([A-Za-z_][A-Za-z0-9_]*), 0 if none. */
size_t ka_name_len(const char *s)
{
	size_t n = 0;
	if (!isalpha((unsigned char)*s) && *s != '_')
		return 0;
	while (isalnum((unsigned char)s[n]) || s[n] == '_')
		n++;
	return n;
}

/* `$NAME=VALUE`: returns true when the line is a definition (and applies it). */
bool ka_try_define(struct ka_rd *r, const char *s)
{
	if (*s != '$')
		return false;
	size_t n = ka_name_len(s + 1);
	if (!n || s[1 + n] != '=')
		return false;
	const char *val = s + 2 + n;
	bool multi = strchr(val, '\n') != NULL;
	/* multi-line: the first line's text before the `\` is kept when not blank */
	char *copy = ka_xstrndup(val, strlen(val));
	if (multi && *ka_skipb(copy) == '\n')
		memmove(copy, ka_skipb(copy) + 1, strlen(ka_skipb(copy) + 1) + 1);
	size_t len = strlen(copy);
	while (len && isspace((unsigned char)copy[len - 1]))
		copy[--len] = 0;
	var_set(r, s + 1, n, copy, multi);
	return true;
}

/* Value of a builtin `${_NAME [args]}`; NULL when `inner` is not a builtin. */
static char *builtin(const struct ka_rd *r, const struct ka_src *src, const char *inner, size_t n)
{
	char buf[64];
	if (n == 4 && !memcmp(inner, "_PWD", 4))
		return ka_xstrndup(src->pwd, strlen(src->pwd));
	if (n == 9 && !memcmp(inner, "_INSTANCE", 9))
		return ka_xstrndup(r->cfgid, strlen(r->cfgid));
	if (n == 5 && !memcmp(inner, "_HASH", 5))
		return ka_xstrndup("#", 1);
	if (n == 5 && !memcmp(inner, "_BANG", 5))
		return ka_xstrndup("!", 1);
	if (n >= 7 && !memcmp(inner, "_RANDOM", 7) && (n == 7 || inner[7] == ' ' || inner[7] == '\t')) {
		char *args = ka_xstrndup(inner + 7, n - 7), *end;
		long lo = 0, hi = 32767;
		const char *p = args;
		long x = strtol(p, &end, 10);
		if (end != p) {
			lo = x;
			p = end;
			x = strtol(p, &end, 10);
			if (end != p)
				hi = x;
		}
		free(args);
		if (lo < 0 || hi < lo)
			return NULL;
		long v = lo + (long)((unsigned long)random() % ((unsigned long)(hi - lo) + 1));
		snprintf(buf, sizeof(buf), "%ld", v);
		return ka_xstrndup(buf, strlen(buf));
	}
	return NULL;
}

/* Substitutes `$NAME` (followed by a blank, `,`, `)` or the end) and `${NAME}` anywhere,
 * rescanning each replacement (recursive at use time). Undefined names and multi-line values
 * used inside a line stay as written. Returns a malloc'd line; *changed says if anything was
 * replaced. Bounded by KA_MAX_SUBST replacements and KA_MAX_LINE bytes. */
char *ka_substitute(struct ka_rd *r, const struct ka_src *src, const char *in, bool *changed)
{
	size_t len = strlen(in), i = 0, count = 0, work = 0, cap = len + 1;
	char *s = ka_xstrndup(in, len);
	*changed = false;
	while (i < len) {
		if (s[i] != '$') {
			i++;
			continue;
		}
		size_t span = 0;
		char *val = NULL;
		if (s[i + 1] == '{') {
			char *close = strchr(s + i + 2, '}');
			if (close) {
				size_t n = (size_t)(close - (s + i + 2));
				span = n + 3;
				val = builtin(r, src, s + i + 2, n);
				if (!val) {
					struct ka_var *v = ka_var_find(r, s + i + 2, n);
					if (v && !v->multi && ka_name_len(s + i + 2) == n)
						val = ka_xstrndup(v->val, strlen(v->val));
				}
			}
		} else {
			size_t n = ka_name_len(s + i + 1);
			char f = s[i + 1 + n];
			if (n && (f == 0 || f == ' ' || f == '\t' || f == ',' || f == ')' || f == '\r')) {
				struct ka_var *v = ka_var_find(r, s + i + 1, n);
				if (v && !v->multi)
					val = ka_xstrndup(v->val, strlen(v->val));
				span = n + 1;
			}
		}
		if (!val) {
			i++;
			continue;
		}
		size_t vl = strlen(val);
		/* Each replacement copies the line: bound the total work, not only the count, or
		 * a value that re-expands itself makes this quadratic in the line length. */
		work += len - span + vl;
		if (++count > KA_MAX_SUBST || len - span + vl > KA_MAX_LINE ||
		    work > KA_MAX_SUBST_WORK) {
			free(val);
			ka_finding(r, src, DIAG_NONE, 0,
				"variable substitution does not terminate (more than %d replacements "
				"or a line over %u bytes); the line is used as it stands",
				KA_MAX_SUBST, KA_MAX_LINE);
			break;
		}
		/* Replace in place in a buffer grown by doubling: one allocation per doubling,
		 * not one per replacement. */
		size_t nlen = len - span + vl;
		if (nlen + 1 > cap) {
			while (cap < nlen + 1)
				cap *= 2;
			s = ka_xrealloc(s, cap);
		}
		memmove(s + i + vl, s + i + span, len - i - span + 1);
		memcpy(s + i, val, vl);
		free(val);
		len = nlen;
		*changed = true;
	}
	return s;
}

/* ---------------------------------------------------------------- ~SEQ and ~LST */

/* Splits "a, b, {c,d}" at top-level commas into trimmed malloc'd pieces. */
static int split_args(const char *s, size_t n, char ***out)
{
	int cnt = 0, lvl = 0;
	char **v = NULL;
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] == '{')
			lvl++;
		else if (i < n && s[i] == '}')
			lvl--;
		if (i < n && (s[i] != ',' || lvl > 0))
			continue;
		const char *b = s + start, *e = s + i;
		while (b < e && isspace((unsigned char)*b))
			b++;
		while (e > b && isspace((unsigned char)e[-1]))
			e--;
		v = ka_xrealloc(v, (size_t)(cnt + 1) * sizeof(*v));
		v[cnt++] = ka_xstrndup(b, (size_t)(e - b));
		start = i + 1;
	}
	*out = v;
	return cnt;
}

static void free_args(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static bool parse_long(const char *s, long *out)
{
	char *end;
	errno = 0;
	if (!*s)
		return false;
	*out = strtol(s, &end, 0);
	return !*end && !errno;
}

static bool valid_name(const char *s)
{
	size_t n = ka_name_len(s);
	return n && !s[n];
}

static void run_rest(struct ka_rd *r, const char *rest, struct ka_src *src, int depth)
{
	if (*rest && !r->stopped)
		ka_process_line(r, rest, src, depth + 1);
}

static void do_seq(struct ka_rd *r, const char *text, bool hex, size_t plen, const char *close,
		   struct ka_src *src, int depth)
{
	char **a;
	int n = split_args(text + plen, (size_t)(close - text - plen), &a);
	long v[3];
	int nnum = n - 1;
	bool ok = n >= 2 && n <= 4 && valid_name(a[0]);
	for (int i = 0; ok && i < nnum; i++)
		ok = parse_long(a[i + 1], &v[i]);
	int q = ka_quote_len(text);
	if (!ok) {
		ka_finding(r, src, DIAG_ERROR, DIAG_FATAL, "Invalid ~SEQ definition '%.*s'", q, text);
		ka_finding(r, src, DIAG_ERROR, DIAG_FATAL, "Invalid ~SEQ specification '%.*s'", q, text);
		free_args(a, n);
		return;
	}
	long start, step, end = v[nnum - 1];
	if (nnum == 1)
		start = end < 0 ? -1 : 1;
	else
		start = v[0];
	step = nnum == 3 ? v[1] : (end >= start ? 1 : -1);
	if (step == 0) {
		ka_finding(r, src, DIAG_ERROR, DIAG_FATAL, "Invalid ~SEQ values '%.*s'", q, text);
		ka_finding(r, src, DIAG_ERROR, DIAG_FATAL, "Invalid ~SEQ specification '%.*s'", q, text);
		free_args(a, n);
		return;
	}
	const char *rest = ka_skipb(close + 1);
	for (long x = start; !r->stopped && (step > 0 ? x <= end : x >= end); x += step) {
		char buf[32];
		if (hex)
			snprintf(buf, sizeof(buf), x < 0 ? "-%lx" : "%lx",
				 x < 0 ? (unsigned long)-x : (unsigned long)x);
		else
			snprintf(buf, sizeof(buf), "%ld", x);
		var_set(r, a[0], strlen(a[0]), ka_xstrndup(buf, strlen(buf)), false);
		run_rest(r, rest, src, depth);
		if ((step > 0 && x > LONG_MAX - step) || (step < 0 && x < LONG_MIN - step))
			break;
	}
	free_args(a, n);
}

/* `{a, b}` -> pieces; a plain value is one piece. */
static int group(const char *s, char ***out)
{
	size_t n = strlen(s);
	if (n >= 2 && s[0] == '{' && s[n - 1] == '}')
		return split_args(s + 1, n - 2, out);
	return split_args(s, n, out);
}

static void do_lst(struct ka_rd *r, const char *text, const char *close, struct ka_src *src,
		   int depth)
{
	char **a, **names;
	int n = split_args(text + 5, (size_t)(close - text - 5), &a);
	int nn = n > 0 ? group(a[0], &names) : 0;
	bool ok = n >= 2 && nn >= 1;
	for (int i = 0; ok && i < nn; i++)
		ok = valid_name(names[i]);
	for (int i = 1; ok && i < n; i++) {
		char **g;
		int ng = group(a[i], &g);
		ok = ng == nn;
		free_args(g, ng);
	}
	if (!ok) {
		ka_finding(r, src, DIAG_ERROR, DIAG_FATAL, "Invalid ~LST specification '%.*s'",
			ka_quote_len(text), text);
	} else {
		const char *rest = ka_skipb(close + 1);
		for (int i = 1; i < n && !r->stopped; i++) {
			char **g;
			int ng = group(a[i], &g);
			for (int k = 0; k < ng; k++)
				var_set(r, names[k], strlen(names[k]), ka_xstrndup(g[k], strlen(g[k])),
					false);
			free_args(g, ng);
			run_rest(r, rest, src, depth);
		}
	}
	if (n > 0)
		free_args(names, nn);
	free_args(a, n);
}

/* Returns true when text (at its first non-blank) is a ~SEQ/~SEQx/~LST line. */
bool ka_try_seq(struct ka_rd *r, const char *text, struct ka_src *src, int depth)
{
	size_t plen;
	bool hex = false, lst = false;
	if (!strncmp(text, "~SEQx(", 6)) {
		plen = 6;
		hex = true;
	} else if (!strncmp(text, "~SEQ(", 5)) {
		plen = 5;
	} else if (!strncmp(text, "~LST(", 5)) {
		plen = 5;
		lst = true;
	} else {
		return false;
	}
	int lvl = 0;
	const char *close = NULL;
	for (const char *p = text + plen; *p && !close; p++) {
		if (*p == '{')
			lvl++;
		else if (*p == '}')
			lvl--;
		else if (*p == ')' && lvl <= 0)
			close = p;
	}
	if (!close) {
		ka_finding(r, src, DIAG_ERROR, DIAG_FATAL, "Invalid %s specification '%.*s'",
			lst ? "~LST" : "~SEQ", ka_quote_len(text), text);
		return true;
	}
	if (lst)
		do_lst(r, text, close, src, depth);
	else
		do_seq(r, text, hex, plen, close, src, depth);
	return true;
}

