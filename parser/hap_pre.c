/* hap_pre.c - HAProxy 2.6's configuration preprocessor: conditional blocks and directives.
 *
 * hap_cfg.y turns the lines from hap_lex_line() into a tree of blocks; this file walks it,
 * evaluates `.if`/`.elif` with hap_cond.y only where HAProxy would (active branches, first
 * true branch only), runs `.diag/.notice/.warning/.alert`, and returns the surviving lines.
 * When HAProxy would stop reading the file at a line, findings that the lexer produced for
 * later lines are withdrawn, so the list reads as HAProxy's output would.
 */
#include "hap_lex.h"
#include "parser.h"
#include "hap_cfg.tab.h"
#include "hap_cond.tab.h"

#include <stdlib.h>
#include <string.h>

struct pre {
	struct hap_lexer *lx;
	struct cfg_stmt *head, *tail;
	size_t stop_mark; /* dl->n where an evaluation error stopped the reading, or SIZE_MAX */
};

/* ---------------------------------------------------------------- conditions */

/* Whether whitespace follows the last word on its line: HAProxy then joins an empty last
 * word, so its expression text ends with a space ("1 0 "). */
static bool trailing_space(const struct cfg_stmt *st)
{
	if (!st || !st->raw || st->nw < 2)
		return false;
	const struct cfg_word *w = &st->w[st->nw - 1];
	if (w->at.col == 0 || w->at.col > st->raw_len)
		return false;
	const char *p = st->raw + w->at.col - 1, *end = st->raw + st->raw_len;
	char q = 0;
	for (; p < end; p++) {
		if (q) {
			if (*p == q)
				q = 0;
		} else if (*p == '"' || *p == '\'') {
			q = *p;
		} else if (*p == '\\' && p + 1 < end) {
			p++;
		} else if (*p == ' ' || *p == '\t' || *p == '#') {
			break;
		}
	}
	return p < end && (*p == ' ' || *p == '\t');
}

static char *join_words(const struct cfg_word *w, int nw, bool trail)
{
	size_t len = 2;
	for (int i = 0; i < nw; i++)
		len += w[i].len + 1;
	char *s = malloc(len), *o = s;
	if (!s)
		abort();
	for (int i = 0; i < nw; i++) {
		if (i)
			*o++ = ' ';
		memcpy(o, w[i].s, w[i].len);
		o += w[i].len;
	}
	if (trail && nw)
		*o++ = ' ';
	*o = '\0';
	return s;
}

/* Evaluates the words after kw and reports an error as HAProxy does: the message, the
 * directive, the 1-based position, then the directive re-joined with a caret under it. */
static int eval_words(const char *kw, const struct cfg_word *w, int nw, bool trail,
		      struct m_origin at, struct diag_list *dl)
{
	/* an empty first word makes the whole condition false, as with no word at all */
	if (nw == 0 || w[0].len == 0)
		return 0;
	char *text = join_words(w, nw, trail);
	struct hapcond_res r;
	int v = hapcond_eval(text, &r);
	if (v < 0) {
		char *compat = NULL, *msg = NULL;
		int pos = r.pos > 0 ? r.pos : 1;
		if (r.has_msg) {
			if (asprintf(&compat, "parsing [%s:%u]: %s in '%s' at position %d:\n  %s %s\n  %*s^",
				     at.file ? at.file : "", (unsigned)at.line, r.msg, kw, pos, kw, text,
				     (int)strlen(kw) + pos, "") < 0)
				abort();
			if (asprintf(&msg, "%s condition: %s", kw, r.msg) < 0)
				abort();
		} else if (asprintf(&msg, "%s condition: cannot be evaluated", kw) < 0) {
			abort();
		}
		/* HAProxy crashes on an unparsable OpenSSL version under -c: no wording to copy */
		diag_add(dl, at, DIAG_ERROR, DIAG_ERROR, DIAG_FATAL | DIAG_ABORT,
			 compat ? compat : msg, msg);
		free(compat);
		free(msg);
	}
	free(text);
	return v;
}

int hap_cond_eval_words(struct cfg_word *w, int nw, struct m_origin at, struct diag_list *dl)
{
	return eval_words(".if", w, nw, false, at, dl);
}

/* `haproxy -cc` splits its argument into words like a line (quotes, no variables, no
 * comments) and joins them back with single spaces. */
int hap_eval_cond(const char *expr, char *err_buf, size_t err_len)
{
	size_t n = strlen(expr);
	char *text = malloc(n + 2), *o = text;
	if (!text)
		abort();
	const char *p = expr;
	bool words = false;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p) {
			*o++ = ' ';
			break;
		}
		if (words)
			*o++ = ' ';
		words = true;
		while (*p && *p != ' ' && *p != '\t') {
			if (*p == '"' || *p == '\'') {
				char q = *p++;
				while (*p && *p != q)
					*o++ = *p++;
				if (!*p) {
					free(text);
					snprintf(err_buf, err_len, "Syntax Error in condition: Unmatched quote.");
					return -1;
				}
				p++;
			} else if (*p == '\\' && p[1]) {
				*o++ = p[1];
				p += 2;
			} else {
				*o++ = *p++;
			}
		}
	}
	*o = '\0';
	struct hapcond_res r;
	int v = hapcond_eval(text, &r);
	if (v < 0)
		snprintf(err_buf, err_len, "%s%s", r.has_msg ? "Failed to evaluate condition: " : "",
			 r.has_msg ? r.msg : "");
	free(text);
	return v;
}

/* ---------------------------------------------------------------- directives */

static void directive(struct pre *pp, struct cfg_stmt *st, size_t mark)
{
	static const struct {
		const char *name;
		enum diag_sev sev, compat_sev;
		unsigned flags;
	} dirs[] = {
		/* .diag prints only under -dD: the original is silent by default */
		{ ".diag", DIAG_NOTE, DIAG_NONE, 0 },
		{ ".notice", DIAG_NOTE, DIAG_NOTE, 0 },
		{ ".warning", DIAG_WARNING, DIAG_WARNING, 0 },
		{ ".alert", DIAG_ERROR, DIAG_ERROR, DIAG_FATAL },
	};
	struct diag_list *dl = pp->lx->dl;
	const char *file = st->at.file ? st->at.file : "";
	char *text = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		if (strcmp(st->w[0].s, dirs[i].name))
			continue;
		if (st->nw > 2) {
			if (asprintf(&text, "parsing [%s:%u]: Unexpected argument '%s' for '%s'. Use quotes "
				     "if the message should contain spaces.", file, (unsigned)st->at.line,
				     st->w[2].s, dirs[i].name) < 0)
				abort();
			diag_add(dl, st->w[2].at, DIAG_ERROR, DIAG_ERROR, DIAG_FATAL, text,
				 "too many words: quote the message");
		} else {
			const char *m = st->nw > 1 ? st->w[1].s : "";
			if (asprintf(&text, "parsing [%s:%u]: '%s'.", file, (unsigned)st->at.line, m) < 0)
				abort();
			/* with DIAG_NONE the wording is still kept, for -dD */
			diag_add(dl, st->at, dirs[i].sev, dirs[i].compat_sev, dirs[i].flags, text, m);
		}
		free(text);
		return;
	}
	if (asprintf(&text, "parsing [%s:%u]: unknown directive '%s'.", file, (unsigned)st->at.line,
		     st->w[0].s) < 0)
		abort();
	diag_add(dl, st->at, DIAG_ERROR, DIAG_ERROR, DIAG_FATAL | DIAG_ABORT, text,
		 "unknown directive");
	free(text);
	pp->stop_mark = mark;
}

/* ---------------------------------------------------------------- tree walk */

static bool walk(struct pre *pp, struct hapcfg_node *n);

/* A block: the first branch whose condition holds runs; later ones are not evaluated. */
static bool walk_block(struct pre *pp, struct hapcfg_node *blk)
{
	for (struct hapcfg_branch *b = blk->br; b; b = b->next) {
		int v = 1;
		if (!b->is_else) {
			struct cfg_stmt *st = b->st;
			v = eval_words(st->w[0].s, st->w + 1, st->nw - 1, trailing_space(st), st->at,
				       pp->lx->dl);
			if (v < 0) {
				pp->stop_mark = b->mark;
				return false;
			}
		}
		if (v)
			return walk(pp, b->head);
	}
	return true;
}

/* Returns false once HAProxy would have stopped reading. */
static bool walk(struct pre *pp, struct hapcfg_node *n)
{
	for (; n; n = n->next) {
		if (!n->st) {
			if (!walk_block(pp, n))
				return false;
		} else if (n->st->w[0].s[0] == '.') {
			directive(pp, n->st, n->mark);
			if (pp->stop_mark != (size_t)-1)
				return false;
		} else {
			cfg_stmt_append(&pp->head, &pp->tail, n->st);
		}
	}
	return true;
}

/* Withdraws the findings in [from, to): those of lines HAProxy would never have read. */
static void drop_findings(struct diag_list *dl, size_t from, size_t to)
{
	if (from >= to)
		return;
	for (size_t i = from; i < to; i++) {
		struct diag *d = &dl->v[i];
		if (d->sev == DIAG_ERROR)
			dl->errors--;
		else if (d->sev == DIAG_WARNING)
			dl->warnings--;
		free(d->msg);
		free(d->compat);
		free(d->hint);
	}
	memmove(&dl->v[from], &dl->v[to], (dl->n - to) * sizeof(*dl->v));
	dl->n -= to - from;
	dl->flags_seen = 0;
	for (size_t i = 0; i < dl->n; i++) {
		dl->v[i].seq = (unsigned)i;
		if (dl->v[i].compat_sev == DIAG_ERROR)
			dl->flags_seen |= dl->v[i].flags;
	}
}

struct cfg_stmt *hap_preprocess(struct hap_lexer *lx, bool *aborted)
{
	struct hapcfg_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.lx = lx;
	hapcfg_parse(&ctx);
	size_t parse_end = lx->dl->n;

	struct pre pp = { .lx = lx, .stop_mark = (size_t)-1 };
	walk(&pp, ctx.head);
	if (pp.stop_mark != (size_t)-1)
		drop_findings(lx->dl, pp.stop_mark, parse_end);
	if (aborted)
		*aborted = ctx.aborted || pp.stop_mark != (size_t)-1;
	return pp.head;
}
