/* hap_cfg.y - the structure of HAProxy 2.6's conditional blocks: `.if` / `.elif` / `.else` /
 * `.endif`, nestable. Tokens are whole lines pulled from hap_lex_line(): the four block
 * directives are tokens, every other line (keywords and `.notice`-like directives alike) is
 * LINE. Mid-rule actions grow the tree as lines arrive, so that what was read before a fatal
 * structural error is still there for hap_pre.c to evaluate, as HAProxy has already acted on
 * it. Structural errors use HAProxy's exact words and stop the reading, as HAProxy does.
 */
%define api.prefix {hapcfg_}
%define api.pure full
%define parse.error custom
%param {struct hapcfg_ctx *ctx}

%code requires {
#include "parser/hap_lex.h"

/* A line, or a conditional block with its branches in order. */
struct hapcfg_node {
	struct hapcfg_node *next;
	struct cfg_stmt *st;        /* a line; NULL for a block */
	size_t mark;                /* dl->n once this line was read */
	struct hapcfg_branch *br;   /* a block's branches */
};

/* One `.if`, `.elif` or `.else` and the nodes it guards. */
struct hapcfg_branch {
	struct hapcfg_branch *next;
	struct cfg_stmt *st;
	size_t mark;
	bool is_else;
	struct hapcfg_node *head, *tail;
};

struct hapcfg_ctx {
	struct hap_lexer *lx;
	struct hapcfg_node *head, *tail;       /* the top level */
	struct hapcfg_node *open[HAP_MAX_NESTED_IF]; /* blocks not yet closed */
	int depth;                              /* of the grammar, i.e. of `open` */
	int lex_depth;                          /* counted while pulling, for the limit */
	bool aborted;                           /* HAProxy stops reading the file */
	bool eof_check;                         /* after stopping, still say "non-terminated" */
	int last_tok;
	struct cfg_stmt *last_st;
	/* Environment changes (setenv...) must take effect for the lines after them, as
	 * HAProxy reads line by line; so which branches are active is also tracked here. */
	bool active[HAP_MAX_NESTED_IF + 1], taken[HAP_MAX_NESTED_IF + 1];
	bool in_global;
};
}

%code provides {
int hapcfg_parse(struct hapcfg_ctx *ctx);
}

%code {
#include <stdlib.h>
#include <string.h>

static int hapcfg_lex(HAPCFG_STYPE *lval, struct hapcfg_ctx *ctx);
static void hapcfg_error(struct hapcfg_ctx *ctx, const char *msg);

static struct hapcfg_node *new_node(struct hapcfg_ctx *ctx, struct cfg_stmt *st)
{
	struct hapcfg_node *n = arena_alloc(ctx->lx->a, sizeof(*n));
	n->st = st;
	n->mark = ctx->lx->dl->n;
	if (ctx->depth == 0) {
		if (ctx->tail)
			ctx->tail->next = n;
		else
			ctx->head = n;
		ctx->tail = n;
	} else {
		struct hapcfg_branch *b = ctx->open[ctx->depth - 1]->br;
		while (b->next)
			b = b->next;
		if (b->tail)
			b->tail->next = n;
		else
			b->head = n;
		b->tail = n;
	}
	return n;
}

static void add_branch(struct hapcfg_ctx *ctx, struct cfg_stmt *st, bool is_else)
{
	struct hapcfg_node *blk = ctx->open[ctx->depth - 1];
	struct hapcfg_branch *b = arena_alloc(ctx->lx->a, sizeof(*b));
	b->st = st;
	b->is_else = is_else;
	b->mark = ctx->lx->dl->n;
	struct hapcfg_branch **pp = &blk->br;
	while (*pp)
		pp = &(*pp)->next;
	*pp = b;
}

static void open_block(struct hapcfg_ctx *ctx, struct cfg_stmt *st)
{
	struct hapcfg_node *n = new_node(ctx, NULL);
	ctx->open[ctx->depth++] = n;
	add_branch(ctx, st, false);
}
}

%union { struct cfg_stmt *st; }
%token <st> LINE IF ELIF ELSE ENDIF

%%

file: items ;

items: %empty
     | items item
     ;

item: LINE { new_node(ctx, $1); }
    | IF { open_block(ctx, $1); } items elifs else ENDIF { ctx->depth--; }
    ;

elifs: %empty
     | elifs ELIF { add_branch(ctx, $2, false); } items
     ;

else: %empty
    | ELSE { add_branch(ctx, $1, true); } items
    ;

%%

static struct m_origin line_at(struct hapcfg_ctx *ctx)
{
	struct m_origin at = { ctx->lx->file, ctx->lx->line, 1 };
	if (ctx->last_st)
		at = ctx->last_st->at;
	return at;
}

static void fail(struct hapcfg_ctx *ctx, struct m_origin at, const char *msg, const char *fmt,
		 const char *arg)
{
	char text[512];
	char compat[640];
	snprintf(text, sizeof(text), fmt, arg);
	snprintf(compat, sizeof(compat), "parsing [%s:%u]: %s", at.file ? at.file : "",
		 (unsigned)at.line, text);
	diag_add(ctx->lx->dl, at, DIAG_ERROR, DIAG_ERROR, DIAG_FATAL | DIAG_ABORT, compat, msg);
}

/* A syntax error can only be a block directive out of place, or the end of the file inside a
 * block: the lookahead says which. */
static int yyreport_syntax_error(const yypcontext_t *yyctx, struct hapcfg_ctx *ctx)
{
	(void)yypcontext_expected_tokens(yyctx, NULL, 0);
	if (ctx->aborted && ctx->last_tok != HAPCFG_EOF)
		return 0; /* the scanner stopped and already said why */
	ctx->aborted = true;
	if (ctx->last_tok == HAPCFG_EOF) {
		struct m_origin at = { ctx->lx->file, ctx->lx->line, 0 };
		fail(ctx, at, "'.if' block not closed by '.endif'", "non-terminated '.if' block.%s",
		     "");
		return 0;
	}
	const char *kw = ctx->last_tok == ELIF ? ".elif" : ctx->last_tok == ELSE ? ".else" : ".endif";
	char msg[64];
	if (ctx->depth == 0) {
		snprintf(msg, sizeof(msg), "'%s' without '.if'", kw);
		fail(ctx, line_at(ctx), msg, "lone '%s' with no matching '.if'.", kw);
	} else {
		snprintf(msg, sizeof(msg), "'%s' after '.else'", kw);
		fail(ctx, line_at(ctx), msg, "'%s' after '.else' is not permitted.", kw);
	}
	return 0;
}

static void hapcfg_error(struct hapcfg_ctx *ctx, const char *msg)
{
	fail(ctx, line_at(ctx), msg, "%s", msg);
	ctx->aborted = true;
}

/* Pulls the next non-blank line and classifies it. The nesting limit and the arguments of
 * `.else`/`.endif` are checked here, before the grammar sees the line: HAProxy checks them
 * even in branches it skips. */
/* A condition evaluated quietly: the tree walk evaluates it again and reports errors. */
static bool quiet_cond(struct cfg_stmt *st)
{
	struct diag_list dl = {0};
	int v = hap_cond_eval_words(st->w + 1, st->nw - 1, st->at, &dl);
	diag_list_free(&dl);
	return v > 0;
}

/* global's setenv, presetenv, unsetenv and resetenv change the environment that the lexer
 * expands "$VAR" from, starting with the next line. Arity errors are the binder's. */
static void apply_env(struct cfg_stmt *st)
{
	const char *k = st->w[0].s;
	if (!strcmp(k, "setenv") && st->nw == 3)
		setenv(st->w[1].s, st->w[2].s, 1);
	else if (!strcmp(k, "presetenv") && st->nw == 3)
		setenv(st->w[1].s, st->w[2].s, 0);
	else if (!strcmp(k, "unsetenv"))
		for (int i = 1; i < st->nw; i++)
			unsetenv(st->w[i].s);
	else if (!strcmp(k, "resetenv")) {
		extern char **environ;
		/* keep the listed names: collect the others first, then remove them */
		size_t n = 0;
		while (environ[n])
			n++;
		char **drop = calloc(n + 1, sizeof(char *));
		size_t nd = 0;
		for (size_t i = 0; i < n && drop; i++) {
			const char *eq = strchr(environ[i], '=');
			size_t len = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
			bool keep = false;
			for (int j = 1; j < st->nw && !keep; j++)
				keep = strlen(st->w[j].s) == len && !strncmp(st->w[j].s, environ[i], len);
			if (!keep)
				drop[nd++] = strndup(environ[i], len);
		}
		for (size_t i = 0; i < nd; i++) {
			unsetenv(drop[i]);
			free(drop[i]);
		}
		free(drop);
	}
}

static void track_line(struct hapcfg_ctx *ctx, struct cfg_stmt *st)
{
	if (!ctx->active[ctx->lex_depth])
		return;
	static const char *const sections[] = {"global", "defaults", "frontend", "backend",
					       "listen", "userlist", "peers", "resolvers",
					       "http-errors", "ring", "mailers", "program", "cache",
					       "fcgi-app", "log-forward", NULL};
	for (const char *const *s = sections; *s; s++)
		if (!strcmp(*s, st->w[0].s)) {
			ctx->in_global = !strcmp(*s, "global");
			return;
		}
	if (ctx->in_global)
		apply_env(st);
}

static int next_token(HAPCFG_STYPE *lval, struct hapcfg_ctx *ctx)
{
	struct cfg_stmt *st;
	int rc;
	if (ctx->aborted)
		return ctx->eof_check ? HAPCFG_EOF : HAPCFG_UNDEF;
	do {
		rc = hap_lex_line(ctx->lx, &st);
	} while (rc < 0 || (rc > 0 && st->nw == 0));
	if (rc == 0)
		return HAPCFG_EOF;
	ctx->last_st = st;
	lval->st = st;
	const char *w0 = st->w[0].s;
	if (ctx->lex_depth == 0 && !ctx->taken[0])
		ctx->active[0] = ctx->taken[0] = true; /* the file's top level */
	if (w0[0] != '.') {
		track_line(ctx, st);
		return LINE;
	}
	if (!strcmp(w0, ".if")) {
		if (ctx->lex_depth + 1 >= HAP_MAX_NESTED_IF) {
			char num[16];
			snprintf(num, sizeof(num), "%d", HAP_MAX_NESTED_IF);
			fail(ctx, st->at, "too many nested '.if'", "too many nested '.if', max is %s.",
			     num);
			ctx->aborted = true;
			return HAPCFG_UNDEF;
		}
		bool parent = ctx->active[ctx->lex_depth];
		ctx->lex_depth++;
		bool v = parent && quiet_cond(st);
		ctx->active[ctx->lex_depth] = v;
		ctx->taken[ctx->lex_depth] = v;
		return IF;
	}
	if (!strcmp(w0, ".elif")) {
		int d = ctx->lex_depth;
		if (d > 0) {
			bool v = !ctx->taken[d] && ctx->active[d - 1] && quiet_cond(st);
			ctx->active[d] = v;
			ctx->taken[d] |= v;
		}
		return ELIF;
	}
	bool is_else = !strcmp(w0, ".else");
	if (is_else || !strcmp(w0, ".endif")) {
		if (st->nw > 1) {
			char text[256];
			snprintf(text, sizeof(text), "Unexpected argument '%s' for '%s'.", st->w[1].s,
				 w0);
			fail(ctx, st->at, "unexpected argument", "%s", text);
			ctx->aborted = true;
			ctx->eof_check = ctx->depth > 0;
			return ctx->eof_check ? HAPCFG_EOF : HAPCFG_UNDEF;
		}
		if (is_else && ctx->lex_depth > 0) {
			int d = ctx->lex_depth;
			ctx->active[d] = ctx->active[d - 1] && !ctx->taken[d];
			ctx->taken[d] = true;
		}
		if (!is_else && ctx->lex_depth > 0)
			ctx->lex_depth--;
		return is_else ? ELSE : ENDIF;
	}
	return LINE;
}

static int hapcfg_lex(HAPCFG_STYPE *lval, struct hapcfg_ctx *ctx)
{
	ctx->last_tok = next_token(lval, ctx);
	return ctx->last_tok;
}
