/* hap_cond.y - HAProxy 2.6's `.if` expressions: `!`, `&&`, `||`, parentheses, numbers and
 * predicates (defined, feature, streq, strneq, version_*, openssl_version_*,
 * ssllib_name_startswith).
 *
 * The caller joins the words after `.if` with single spaces, as HAProxy does, and hands the
 * text to hapcond_eval(). A small hand-written scanner feeds the grammar; it tracks just
 * enough context (the last tokens, the open parentheses, the first `||`) for the error
 * report to point where HAProxy's recursive-descent parser points, with its exact words.
 * Predicates are evaluated as they are scanned: they have no side effects.
 */
%define api.prefix {hapcond_}
%define api.pure full
%define parse.error custom
%param {struct hapcond_ctx *ctx}

%code requires {
#include <stddef.h>

/* The outcome of one expression. On error, msg is the text HAProxy prints (NULL when it
 * prints nothing, as for an unparsable OpenSSL version) and pos its 1-based position. */
struct hapcond_res {
	int value; /* 1, 0, or -1 on error */
	char msg[512];
	int has_msg;
	int pos;
};
struct hapcond_ctx;
}

%code provides {
/* hapcond_eval(): evaluates the joined expression text (NUL-terminated). An empty text is
 * false, as HAProxy's `.if` with no argument. Fills *r; returns r->value. */
int hapcond_eval(const char *text, struct hapcond_res *r);
}

%code {
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#define HAPCOND_MAX_PAREN 256

enum tk { TK_NONE, TK_NUM, TK_PRED, TK_NOT, TK_LP, TK_RP, TK_AND, TK_OR, TK_JUNK, TK_END };

struct hapcond_ctx {
	const char *text, *p;
	struct hapcond_res *r;
	bool failed;              /* r holds a scanner error (predicate arguments) */
	enum tk cur, prev;        /* the lookahead and the token before it */
	size_t cur_pos, prev_pos;
	size_t term_start;        /* where the term being read began (its first `!`) */
	size_t first_or;          /* first `||` outside parentheses, or SIZE_MAX */
	size_t paren[HAPCOND_MAX_PAREN]; /* term start of each open `(` */
	int depth;
};

static int hapcond_lex(HAPCOND_STYPE *lval, struct hapcond_ctx *ctx);
static void hapcond_error(struct hapcond_ctx *ctx, const char *msg);
}

%union { int b; }
%token <b> NUM PRED
%token NOT LP RP AND OR JUNK
%type <b> expr and term

%%

top: expr { ctx->r->value = $1; } ;

expr: expr OR and { $$ = $1 || $3; }
    | and
    ;

and: and AND term { $$ = $1 && $3; }
   | term
   ;

term: NOT term      { $$ = !$2; }
    | LP expr RP    { $$ = $2; }
    | NUM
    | PRED
    ;

%%

/* ---------------------------------------------------------------- errors */

static void set_err(struct hapcond_ctx *ctx, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(struct hapcond_ctx *ctx, size_t pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ctx->r->msg, sizeof(ctx->r->msg), fmt, ap);
	va_end(ap);
	ctx->r->has_msg = 1;
	ctx->r->pos = (int)pos + 1;
	ctx->r->value = -1;
	ctx->failed = true;
}

static void unparsable(struct hapcond_ctx *ctx, size_t pos)
{
	set_err(ctx, pos, "unparsable conditional expression '%s'", ctx->text + pos);
}

/* Mirrors where HAProxy's parser gives up. A term was wanted when the token before the
 * lookahead is an operator, `(` or nothing; otherwise a complete term was followed by
 * something that is neither an operator nor the end. */
static int yyreport_syntax_error(const yypcontext_t *yyctx, struct hapcond_ctx *ctx)
{
	/* Only the scanner's context decides the wording; the expected set is not needed. */
	(void)yypcontext_expected_tokens(yyctx, NULL, 0);
	if (ctx->failed)
		return 0;
	enum tk prev = ctx->prev;
	bool want_term = prev == TK_NONE || prev == TK_NOT || prev == TK_LP || prev == TK_AND ||
			 prev == TK_OR;
	if (!want_term) {
		/* a `(` lookahead has already been pushed: it is not the one left open */
		int d = ctx->depth - (ctx->cur == TK_LP);
		if (d > 0)
			set_err(ctx, ctx->paren[d - 1],
				"expected ')' after conditional expression '%s'",
				ctx->text + ctx->paren[d - 1]);
		else
			set_err(ctx, ctx->cur_pos,
				"unexpected character '%c' at the end of conditional expression '%s'",
				ctx->text[ctx->cur_pos], ctx->text);
		return 0;
	}
	if (prev == TK_NOT) {
		unparsable(ctx, ctx->term_start);
	} else if (ctx->cur != TK_END) {
		unparsable(ctx, ctx->cur_pos);
	} else if (prev == TK_LP) {
		unparsable(ctx, ctx->paren[ctx->depth - 1]);
	} else if (prev == TK_AND) {
		unparsable(ctx, ctx->prev_pos);
	} else if (prev == TK_OR) {
		/* HAProxy quotes the whole (sub-)expression here, and at top level points
		 * at its first `||`. */
		if (ctx->depth > 0)
			unparsable(ctx, ctx->paren[ctx->depth - 1]);
		else
			set_err(ctx, ctx->first_or, "unparsable conditional expression '%s'",
				ctx->text);
	} else {
		set_err(ctx, 0, "unparsable conditional sub-expression '%s'", ctx->text);
	}
	return 0;
}

static void hapcond_error(struct hapcond_ctx *ctx, const char *msg)
{
	if (!ctx->failed)
		set_err(ctx, 0, "%s", msg);
}

/* ---------------------------------------------------------------- predicates */

enum pred_id { P_DEFINED, P_FEATURE, P_STREQ, P_STRNEQ, P_VER_ATLEAST, P_VER_BEFORE,
	       P_SSL_ATLEAST, P_SSL_BEFORE, P_SSLLIB_STARTS };

static const struct pred {
	const char *name;
	enum pred_id id;
	int nargs;
} preds[] = {
	{ "defined", P_DEFINED, 1 },
	{ "feature", P_FEATURE, 1 },
	{ "streq", P_STREQ, 2 },
	{ "strneq", P_STRNEQ, 2 },
	{ "version_atleast", P_VER_ATLEAST, 1 },
	{ "version_before", P_VER_BEFORE, 1 },
	{ "openssl_version_atleast", P_SSL_ATLEAST, 1 },
	{ "openssl_version_before", P_SSL_BEFORE, 1 },
	{ "ssllib_name_startswith", P_SSLLIB_STARTS, 1 },
};

/* The build features vipr really has, as `haproxy -vv` lists them with a '+'. */
static const char *const features[] = {
	"OPENSSL", "PCRE2", "PCRE2_JIT", "LINUX_SPLICE", "EPOLL", "POLL", "THREAD", "ACCEPT4",
	"GETADDRINFO", "TPROXY", "LINUX_TPROXY", "PROMEX", "NS", "RT", "CPU_AFFINITY", "PRCTL",
};

#define HAPCOND_VERSION "2.6.12"

/* HAProxy's version order: X[.Y[.Z[.W]]] then -devN < -preN < -rcN < release (-0) < -N.
 * Returns false when the text is not a version. */
static bool split_version(const char *s, long v[6])
{
	memset(v, 0, 6 * sizeof(*v));
	for (int i = 0; i < 4; i++) {
		if (!isdigit((unsigned char)*s))
			return false;
		v[i] = strtol(s, (char **)&s, 10);
		if (*s != '.')
			break;
		s++;
	}
	v[4] = 3; /* release */
	if (*s == '-') {
		s++;
		static const char *const tags[] = { "dev", "pre", "rc" };
		for (int t = 0; t < 3; t++)
			if (!strncmp(s, tags[t], strlen(tags[t]))) {
				v[4] = t;
				s += strlen(tags[t]);
				break;
			}
		if (isdigit((unsigned char)*s))
			v[5] = strtol(s, (char **)&s, 10);
	}
	return *s == '\0';
}

/* <0, 0, >0 as the running version is older, equal, newer; unparsable counts as newer,
 * which is what makes HAProxy's version_atleast(abc) true. */
static int cmp_running(const char *arg)
{
	long a[6], r[6];
	if (!split_version(arg, a) || !split_version(HAPCOND_VERSION, r))
		return 1;
	for (int i = 0; i < 6; i++)
		if (r[i] != a[i])
			return r[i] < a[i] ? -1 : 1;
	return 0;
}

/* HAProxy encodes "X.Y.Z[letter][-status]" in OpenSSL's pre-3.0 layout MNNFFPPS and compares
 * it with OpenSSL_version_num(), which under 3.x puts the patch elsewhere: every 3.0.Z with
 * Z >= 1 therefore reads as newer than any running 3.0.x. Kept for identical `.if` outcomes. */
static bool ssl_version(const char *s, unsigned long *out)
{
	unsigned a, b, c;
	int n = 0;
	while (*s == ' ' || *s == '\t')
		s++;
	if (sscanf(s, "%u.%u.%u%n", &a, &b, &c, &n) != 3)
		return false;
	s += n;
	unsigned long letter = 0;
	if (*s >= 'a' && *s <= 'z')
		letter = (unsigned long)(*s++ - 'a' + 1);
	unsigned long status = 0xf;
	if (*s == '-')
		status = 0;
	*out = ((unsigned long)a << 28) | ((unsigned long)(b & 0xff) << 20) |
	       ((unsigned long)(c & 0xff) << 12) | (letter << 4) | status;
	return true;
}

static int eval_pred(struct hapcond_ctx *ctx, const struct pred *p, char **arg)
{
	const char *a = arg[0];
	unsigned long want;
	switch (p->id) {
	case P_DEFINED:
		return *a && getenv(a) != NULL;
	case P_FEATURE:
		if (!*a)
			return 1; /* HAProxy: feature() is true */
		for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++)
			if (!strcmp(a, features[i]))
				return 1;
		return 0;
	case P_STREQ:
		return strcmp(arg[0], arg[1]) == 0;
	case P_STRNEQ:
		return strcmp(arg[0], arg[1]) != 0;
	case P_VER_ATLEAST:
		return cmp_running(a) >= 0;
	case P_VER_BEFORE:
		return cmp_running(a) < 0;
	case P_SSL_ATLEAST:
	case P_SSL_BEFORE:
		if (!ssl_version(a, &want)) {
			/* HAProxy fails without a message here (and crashes under -c). */
			ctx->r->value = -1;
			ctx->r->has_msg = 0;
			ctx->r->pos = (int)(ctx->cur_pos + 1);
			ctx->failed = true;
			return -1;
		}
		if (p->id == P_SSL_ATLEAST)
			return OpenSSL_version_num() >= want;
		return OpenSSL_version_num() < want;
	case P_SSLLIB_STARTS:
		return strncmp("OpenSSL", a, strlen(a)) == 0;
	}
	return -1;
}

/* Reads `(arg,arg)` after a predicate name, as HAProxy's argument parser does: commas
 * split, quotes group and vanish, spaces are kept. Returns -1 with the error set. */
static int read_args(struct hapcond_ctx *ctx, const struct pred *p, char *buf, char **arg)
{
	const char *s = ctx->p;
	int n = 0;
	char *o = buf;
	arg[0] = arg[1] = o;
	*o = '\0';
	if (*s == '(') {
		s++;
		arg[n++] = o;
		for (;;) {
			if (*s == '\0') {
				set_err(ctx, (size_t)(s - ctx->text),
					"expected ')' in argument 1 of predicate '%s' used in "
					"conditional expression", p->name);
				return -1;
			}
			if (*s == ')')
				break;
			if (*s == ',') {
				if (n == p->nargs) {
					set_err(ctx, (size_t)(s - ctx->text),
						"expected ')' before '%s' in argument 1 of predicate "
						"'%s' used in conditional expression", s, p->name);
					return -1;
				}
				*o++ = '\0';
				arg[n++] = o;
				s++;
				continue;
			}
			if (*s == '"' || *s == '\'') {
				char q = *s++;
				while (*s && *s != q)
					*o++ = *s++;
				if (*s)
					s++;
				continue;
			}
			*o++ = *s++;
		}
		*o = '\0';
	}
	if (p->nargs == 2 && n < 2) {
		set_err(ctx, (size_t)(s - ctx->text),
			"missing arguments (got 1/2), type 'string' expected in argument 1 of "
			"predicate '%s' used in conditional expression", p->name);
		return -1;
	}
	ctx->p = *s == ')' ? s + 1 : s;
	return 0;
}

/* ---------------------------------------------------------------- scanner */

static int scan_term(HAPCOND_STYPE *lval, struct hapcond_ctx *ctx)
{
	const char *s = ctx->p;
	if (isdigit((unsigned char)*s) || *s == '-' || *s == '+') {
		char *end;
		long v = strtol(s, &end, 0);
		if (end != s) {
			ctx->p = end;
			lval->b = v != 0;
			return TK_NUM;
		}
		return TK_JUNK;
	}
	size_t n = 0;
	while (isalnum((unsigned char)s[n]) || s[n] == '_')
		n++;
	for (size_t i = 0; n && i < sizeof(preds) / sizeof(preds[0]); i++) {
		if (strlen(preds[i].name) != n || strncmp(s, preds[i].name, n))
			continue;
		char *buf = malloc(strlen(s) + 2);
		char *arg[2];
		if (!buf)
			abort();
		ctx->p = s + n;
		int rc = read_args(ctx, &preds[i], buf, arg);
		if (rc == 0)
			rc = eval_pred(ctx, &preds[i], arg);
		free(buf);
		if (rc < 0)
			return TK_JUNK;
		lval->b = rc;
		return TK_PRED;
	}
	return TK_JUNK;
}

static int classify(HAPCOND_STYPE *lval, struct hapcond_ctx *ctx)
{
	const char *s = ctx->p;
	bool want_term = ctx->cur == TK_NONE || ctx->cur == TK_NOT || ctx->cur == TK_LP ||
			 ctx->cur == TK_AND || ctx->cur == TK_OR;
	if (*s == '\0')
		return TK_END;
	if (s[0] == '&' && s[1] == '&') {
		ctx->p += 2;
		return TK_AND;
	}
	if (s[0] == '|' && s[1] == '|') {
		ctx->p += 2;
		return TK_OR;
	}
	if (*s == '!' || *s == '(' || *s == ')') {
		ctx->p++;
		return *s == '!' ? TK_NOT : *s == '(' ? TK_LP : TK_RP;
	}
	return want_term ? scan_term(lval, ctx) : TK_JUNK;
}

static int hapcond_lex(HAPCOND_STYPE *lval, struct hapcond_ctx *ctx)
{
	while (*ctx->p == ' ' || *ctx->p == '\t')
		ctx->p++;
	if (ctx->failed)
		return HAPCOND_UNDEF;
	size_t pos = (size_t)(ctx->p - ctx->text);
	enum tk before = ctx->cur;
	enum tk t = (enum tk)classify(lval, ctx);
	ctx->prev = before;
	ctx->prev_pos = ctx->cur_pos;
	ctx->cur = t;
	ctx->cur_pos = pos;
	if (before != TK_NOT && (t == TK_NOT || t == TK_LP))
		ctx->term_start = pos;
	switch (t) {
	case TK_NUM: return NUM;
	case TK_PRED: return PRED;
	case TK_NOT: return NOT;
	case TK_LP:
		if (ctx->depth == HAPCOND_MAX_PAREN) {
			set_err(ctx, pos, "too many nested parentheses in conditional expression");
			return HAPCOND_UNDEF;
		}
		ctx->paren[ctx->depth++] = ctx->term_start;
		return LP;
	case TK_RP:
		if (ctx->depth > 0 && before != TK_LP && before != TK_AND && before != TK_OR &&
		    before != TK_NOT && before != TK_NONE)
			ctx->depth--;
		return RP;
	case TK_AND: return AND;
	case TK_OR:
		if (ctx->depth == 0 && ctx->first_or == (size_t)-1)
			ctx->first_or = pos;
		return OR;
	case TK_JUNK: return JUNK;
	case TK_END:
	case TK_NONE: break;
	}
	return HAPCOND_EOF;
}

int hapcond_eval(const char *text, struct hapcond_res *r)
{
	memset(r, 0, sizeof(*r));
	if (!*text)
		return r->value = 0;
	struct hapcond_ctx ctx = { .text = text, .p = text, .r = r, .first_or = (size_t)-1 };
	if (hapcond_parse(&ctx) != 0 && !ctx.failed)
		set_err(&ctx, 0, "unparsable conditional expression '%s'", text);
	return r->value;
}
