/* ka_cfg.y - keepalived.conf's block structure (bison, pure, no globals).
 *
 * Input is the token array ka_pre.c built: KW (the first word of a line, or a word right
 * after a `{` or `}`), ARG (the other words), `{` and `}`. A statement is a KW and its ARGs,
 * followed or not by a `{ ... }` block (a `{` on a later line still belongs to the statement
 * before it when that one has no block yet). Keywords are never tokens here. A `}` at the top
 * level is keepalived's "Extra '}' found"; a `{` with no statement before it is "Unexpected
 * '{' - ignoring" and its contents stay at the current level. Missing `}`s were already
 * added as synthetic tokens by ka_pre.c.
 */
%define api.prefix {kacfg_}
%define api.pure full
%define parse.error verbose
%param {struct ka_parse *p}

%code requires {
#include "parser/ka_read.h"
struct kacfg_list { struct cfg_stmt *head, *tail; };
struct kacfg_words { size_t first; int n; };
}

%code {
#include <string.h>

static int kacfg_lex(KACFG_STYPE *lval, struct ka_parse *p);
static void kacfg_error(struct ka_parse *p, const char *msg);

/* Statements carry where their words came from, for ka_stmt_rest(). */
struct ka_xstmt {
	struct cfg_stmt s;
	const char *span; /* the line from the first word to the end of the last, NUL-terminated */
	uint32_t *off;    /* word i starts at span + off[i] */
};

static struct kacfg_list one(struct cfg_stmt *s)
{
	struct kacfg_list l = { s, s };
	return l;
}

static struct kacfg_list cat(struct kacfg_list a, struct kacfg_list b)
{
	if (!a.head)
		return b;
	if (b.head) {
		a.tail->next = b.head;
		a.tail = b.tail;
	}
	return a;
}

static struct cfg_stmt *mkstmt(struct ka_parse *p, struct kacfg_words w)
{
	struct ka_xstmt *x = arena_alloc(p->a, sizeof(*x));
	const struct ka_tok *t = &p->t[w.first];
	x->s.nw = w.n;
	x->s.w = arena_alloc(p->a, sizeof(*x->s.w) * (size_t)w.n);
	x->off = arena_alloc(p->a, sizeof(*x->off) * (size_t)w.n);
	for (int i = 0; i < w.n; i++) {
		x->s.w[i] = t[i].w;
		x->off[i] = t[i].off;
	}
	for (int i = w.n - 1; i >= 0; i--)
		x->off[i] -= x->off[0];
	x->span = arena_strndup(p->a, t->line + t->off, t[w.n - 1].end - t->off);
	x->s.at = t->w.at;
	x->s.raw = t->raw;
	x->s.raw_len = t->raw_len;
	return &x->s;
}

static void set_parent(struct cfg_stmt *parent, struct cfg_stmt *c)
{
	for (; c; c = c->next)
		c->parent = parent;
}

static void brace_diag(struct ka_parse *p, size_t tok, const char *compat, enum diag_sev sev)
{
	diag_add(p->dl, p->t[tok].w.at, DIAG_ERROR, sev, sev == DIAG_ERROR ? DIAG_FATAL : 0,
		 compat, NULL);
}
}

%union {
	size_t tok;
	struct kacfg_words words;
	struct kacfg_list list;
}

%token <tok> KW ARG LBRACE RBRACE
%type <words> words
%type <list> input list stmt
%precedence NOBLOCK
%precedence LBRACE

%%

top: input { p->top = $1.head; }
;

input: list
     | input RBRACE list {
		brace_diag(p, $2, "Extra '}' found", DIAG_WARNING);
		brace_diag(p, $2, "Unknown keyword '}'", DIAG_ERROR);
		$$ = cat($1, $3);
	}
;

list: %empty { $$.head = $$.tail = NULL; }
    | list stmt { $$ = cat($1, $2); }
;

stmt: words %prec NOBLOCK { $$ = one(mkstmt(p, $1)); }
    | words LBRACE list RBRACE {
		struct cfg_stmt *s = mkstmt(p, $1);
		s->child = $3.head;
		s->end_at = p->t[$4].w.at;
		set_parent(s, s->child);
		$$ = one(s);
	}
    | LBRACE list RBRACE {
		brace_diag(p, $1, "Unexpected '{' - ignoring", DIAG_ERROR);
		if (!p->t[$3].synthetic)
			brace_diag(p, $3, "Unknown keyword '}'", DIAG_ERROR);
		$$ = $2;
	}
;

words: KW { $$.first = $1; $$.n = 1; }
     | words ARG { $$ = $1; $$.n++; }
;

%%

static int kacfg_lex(KACFG_STYPE *lval, struct ka_parse *p)
{
	if (p->pos >= p->n)
		return KACFG_EOF;
	size_t i = p->pos++;
	lval->tok = i;
	switch (p->t[i].kind) {
	case KA_T_KW:
		return KW;
	case KA_T_ARG:
		return ARG;
	case KA_T_LBRACE:
		return LBRACE;
	default:
		return RBRACE;
	}
}

static void kacfg_error(struct ka_parse *p, const char *msg)
{
	struct m_origin at = { 0 };
	if (p->pos > 0 && p->pos <= p->n)
		at = p->t[p->pos - 1].w.at;
	diag_add(p->dl, at, DIAG_ERROR, DIAG_NONE, 0, NULL, msg);
}

int ka_cfg_build(struct ka_parse *p)
{
	p->pos = 0;
	p->top = NULL;
	return kacfg_parse(p) == 0 ? 0 : -1;
}

const char *ka_stmt_rest(const struct cfg_stmt *s, int from_word)
{
	if (!s || from_word < 0 || from_word >= s->nw)
		return "";
	const struct ka_xstmt *x = container_of(s, struct ka_xstmt, s);
	return x->span + x->off[from_word];
}
