/* logfmt.c - HAProxy 2.6 log-format strings, split into literal text, %-variables and
 * %[sample expressions], as `log-format` is read: shared by the configuration check (which
 * reports what HAProxy refuses, in its words) and the runtime (which prints the lines).
 *
 * The rules, checked against Debian's haproxy 2.6.12: a variable name is the letters after
 * '%' (so "%ci_x" is %ci then "_x", and "%cix" is an unknown variable); "%{+Q,-E}" modifiers
 * must be followed by a variable or a '[' expression; "%%" is a '%'; runs of spaces print as
 * one; variables marked HTTP are refused outside `mode http`; a sample expression runs to the
 * next ']' and is checked by the caller, which sees the rest of the string as HAProxy prints
 * it in its message.
 */
#include "model/model.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	bool http; /* "reserved for HTTP mode" */
} vars[MLF_VAR__COUNT] = {
    [MLF_B] = {"B", 0},       [MLF_CC] = {"CC", 1},   [MLF_CS] = {"CS", 1},
    [MLF_H] = {"H", 0},       [MLF_HM] = {"HM", 1},   [MLF_HP] = {"HP", 1},
    [MLF_HPO] = {"HPO", 1},   [MLF_HQ] = {"HQ", 1},   [MLF_HU] = {"HU", 1},
    [MLF_HV] = {"HV", 1},     [MLF_ID] = {"ID", 0},   [MLF_ST] = {"ST", 0},
    [MLF_T] = {"T", 0},       [MLF_Ta] = {"Ta", 1},   [MLF_Tc] = {"Tc", 0},
    [MLF_Td] = {"Td", 0},     [MLF_Th] = {"Th", 0},   [MLF_Ti] = {"Ti", 1},
    [MLF_Tl] = {"Tl", 0},     [MLF_Tq] = {"Tq", 1},   [MLF_TR] = {"TR", 1},
    [MLF_Tr] = {"Tr", 1},     [MLF_Ts] = {"Ts", 0},   [MLF_Tt] = {"Tt", 0},
    [MLF_Tu] = {"Tu", 0},     [MLF_Tw] = {"Tw", 0},   [MLF_U] = {"U", 0},
    [MLF_ac] = {"ac", 0},     [MLF_b] = {"b", 0},     [MLF_bc] = {"bc", 0},
    [MLF_bi] = {"bi", 0},     [MLF_bp] = {"bp", 0},   [MLF_bq] = {"bq", 0},
    [MLF_ci] = {"ci", 0},     [MLF_cp] = {"cp", 0},   [MLF_f] = {"f", 0},
    [MLF_fc] = {"fc", 0},     [MLF_fi] = {"fi", 0},   [MLF_fp] = {"fp", 0},
    [MLF_ft] = {"ft", 0},     [MLF_hr] = {"hr", 0},   [MLF_hrl] = {"hrl", 0},
    [MLF_hs] = {"hs", 0},     [MLF_hsl] = {"hsl", 0}, [MLF_lc] = {"lc", 0},
    [MLF_ms] = {"ms", 0},     [MLF_o] = {"o", 0},     [MLF_pid] = {"pid", 0},
    [MLF_r] = {"r", 1},       [MLF_rc] = {"rc", 0},   [MLF_rt] = {"rt", 0},
    [MLF_s] = {"s", 0},       [MLF_sc] = {"sc", 0},   [MLF_si] = {"si", 0},
    [MLF_sp] = {"sp", 0},     [MLF_sq] = {"sq", 0},   [MLF_sslc] = {"sslc", 0},
    [MLF_sslv] = {"sslv", 0}, [MLF_t] = {"t", 0},     [MLF_tr] = {"tr", 1},
    [MLF_trg] = {"trg", 1},   [MLF_trl] = {"trl", 1}, [MLF_ts] = {"ts", 0},
    [MLF_tsc] = {"tsc", 0},
};

const char *m_lf_var_name(enum m_lf_var v)
{
	return v < MLF_VAR__COUNT ? vars[v].name : "";
}

static int fail(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

static struct m_lf_node *push(struct m_lf *lf, enum m_lf_kind k)
{
	struct m_lf_node *v = realloc(lf->v, (size_t)(lf->n + 1) * sizeof(*v));
	if (!v)
		abort();
	lf->v = v;
	v = &v[lf->n++];
	*v = (struct m_lf_node){.kind = k};
	return v;
}

/* Literal text, spaces merged; appended to the previous literal when there is one. */
static void lit(struct m_lf *lf, const char *s, size_t n)
{
	struct m_lf_node *g =
	    lf->n && lf->v[lf->n - 1].kind == MLF_LIT ? &lf->v[lf->n - 1] : push(lf, MLF_LIT);
	char *t = realloc(g->text, g->len + n + 1);
	if (!t)
		abort();
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' || !g->len || t[g->len - 1] != ' ')
			t[g->len++] = s[i];
	t[g->len] = 0;
	g->text = t;
}

/* "{+Q,-E,...}": unknown modifiers are ignored, as HAProxy does. */
static unsigned modifiers(const char *s, size_t n)
{
	unsigned on = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && s[j] != ',')
			j++;
		bool minus = s[i] == '-';
		const char *m = s + i + (s[i] == '+' || s[i] == '-');
		unsigned bit = 0;
		if (j > i)
			bit = *m == 'Q' ? MLF_QUOTE : *m == 'X' ? MLF_HEX : *m == 'E' ? MLF_ESC : 0;
		on = minus ? on & ~bit : on | bit;
		i = j + 1;
	}
	return on;
}

int m_lf_parse(const char *fmt, bool http, struct m_lf *out, m_lf_fetch_check check, void *arg,
               char *err, size_t errlen)
{
	*out = (struct m_lf){0};
	size_t n = strlen(fmt), i = 0;
	unsigned all = 0; /* %o: options for every following field */
	while (i < n) {
		if (fmt[i] != '%') {
			size_t j = i;
			while (j < n && fmt[j] != '%')
				j++;
			lit(out, fmt + i, j - i);
			i = j;
			continue;
		}
		size_t start = i++;
		if (i >= n) {
			m_lf_free(out);
			return fail(err, errlen, "truncated line after '%%'.");
		}
		if (fmt[i] == '%') {
			lit(out, "%", 1);
			i++;
			continue;
		}
		unsigned flags = all;
		bool had_mod = false;
		if (fmt[i] == '{') {
			const char *close = strchr(fmt + i, '}');
			if (!close) {
				m_lf_free(out);
				return fail(err, errlen, "truncated line after '%s'.", fmt + i + 1);
			}
			flags = modifiers(fmt + i + 1, (size_t)(close - fmt - i - 1));
			had_mod = true;
			i = (size_t)(close - fmt) + 1;
		}
		if (i < n && fmt[i] == '[') {
			/* the expression (up to ']' or a space) is read first, then the ']' */
			const char *expr = fmt + i + 1;
			size_t elen = strcspn(expr, "] ");
			const char *close = expr + elen;
			if (check && check(arg, expr, elen, err, errlen) < 0) {
				m_lf_free(out);
				return -1;
			}
			if (*close != ']') {
				m_lf_free(out);
				if (!*close)
					return fail(err, errlen, "missing ']' after '%s'.", expr);
				return fail(err, errlen,
				            "expected ']' after '%.*s', but found '%c'.", (int)elen,
				            expr, *close);
			}
			struct m_lf_node *g = push(out, MLF_FETCH);
			g->text = strndup(expr, (size_t)(close - expr));
			if (!g->text)
				abort();
			g->len = (size_t)(close - expr);
			g->fetch = m_lf_fetch_find(g->text, g->len);
			g->flags = flags;
			i = (size_t)(close - fmt) + 1;
			continue;
		}
		size_t j = i;
		while (j < n && isalpha((unsigned char)fmt[j]))
			j++;
		if (j == i) {
			m_lf_free(out);
			if (had_mod)
				return fail(err, errlen,
				            "parse argument modifier without variable name near "
				            "'%.*s'.",
				            (int)(i - start), fmt + start);
			if (i >= n)
				return fail(err, errlen, "truncated line after '%%'.");
			return fail(err, errlen,
			            "unexpected variable name near '%c' at position %zu "
			            "line : '%s'. Maybe you want to write a single '%%', use "
			            "the syntax '%%%%'.",
			            fmt[i], i, fmt);
		}
		int v = 0;
		while (v < MLF_VAR__COUNT &&
		       (strlen(vars[v].name) != j - i || strncmp(vars[v].name, fmt + i, j - i)))
			v++;
		if (v == MLF_VAR__COUNT) {
			m_lf_free(out);
			return fail(err, errlen,
			            "no such format variable '%.*s'. If you wanted to emit "
			            "the '%%' character verbatim, you need to use '%%%%'.",
			            (int)(j - i), fmt + i);
		}
		if (vars[v].http && !http) {
			m_lf_free(out);
			return fail(err, errlen, "format variable '%s' is reserved for HTTP mode.",
			            vars[v].name);
		}
		i = j;
		if (v == MLF_o) {
			all = flags;
			continue;
		}
		struct m_lf_node *g = push(out, MLF_VAR);
		g->var = (enum m_lf_var)v;
		g->flags = flags;
	}
	return 0;
}

void m_lf_free(struct m_lf *lf)
{
	for (int i = 0; i < lf->n; i++)
		free(lf->v[i].text);
	free(lf->v);
	*lf = (struct m_lf){0};
}

static const struct {
	const char *name; /* with_arg rows end with '(' */
	enum m_lf_fetch id;
} fetches[] = {
    {"src", MLF_F_SRC},
    {"dst", MLF_F_DST},
    {"src_port", MLF_F_SRC_PORT},
    {"dst_port", MLF_F_DST_PORT},
    {"fe_name", MLF_F_FE_NAME},
    {"be_name", MLF_F_BE_NAME},
    {"srv_name", MLF_F_SRV_NAME},
    {"status", MLF_F_STATUS},
    {"method", MLF_F_METHOD},
    {"hostname", MLF_F_HOSTNAME},
    {"capture.req.method", MLF_F_CAP_METHOD},
    {"capture.req.uri", MLF_F_CAP_URI},
    {"capture.req.ver", MLF_F_CAP_VER},
    {"date", MLF_F_DATE},
    {"str(", MLF_F_STR},
    {"int(", MLF_F_INT},
    {"env(", MLF_F_ENV},
};

enum m_lf_fetch m_lf_fetch_find(const char *expr, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(fetches); i++) {
		size_t k = strlen(fetches[i].name);
		if (fetches[i].name[k - 1] != '(') {
			if (k == len && !strncmp(fetches[i].name, expr, len))
				return fetches[i].id;
		} else if (len > k && !strncmp(fetches[i].name, expr, k) && expr[len - 1] == ')' &&
			   !memchr(expr, ',', len))
			return fetches[i].id;
	}
	return MLF_F_NONE;
}

bool m_lf_fetch_supported(const char *expr, size_t len)
{
	return m_lf_fetch_find(expr, len) != MLF_F_NONE;
}
