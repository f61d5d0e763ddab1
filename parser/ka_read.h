/* ka_read.h - internals of keepalived's configuration reader (private to parser/).
 *
 * ka_read() (ka_lex.h) runs in three stages: ka_pre.c reads physical lines, resolves
 * includes, `@ID` prefixes, `$NAME=` definitions, substitutions and `~SEQ`/`~LST`; the two
 * re2c scanners of ka_lex.re strip comments and split logical lines into tokens; the bison
 * grammar ka_cfg.y builds the `{ }` block tree from the token array. Binders only need
 * ka_stmt_rest(); the rest of this header is the contract between the three files.
 */
#ifndef VIPR_PARSER_KA_READ_H
#define VIPR_PARSER_KA_READ_H

#include "ast.h"

/* ka_stmt_rest(): the unsplit text of a statement's line from word `from_word` to the end
 * of its last word, quotes and backslashes kept as written (after variable substitution and
 * comment removal). This is what script, notify and misc_path values need: keepalived splits
 * those again, shell-like, when it runs them. Returns "" when from_word >= s->nw. Valid only
 * for statements returned by ka_read(); the string is arena-owned. */
const char *ka_stmt_rest(const struct cfg_stmt *s, int from_word);

/* ---- limits: bad input becomes a finding, never a crash or a hang ---- */
#define KA_MAX_DEPTH 256         /* nested `{` kept in the tree; deeper ones are flattened */
#define KA_MAX_INCLUDE 32        /* nested include files */
#define KA_MAX_FILES 1000u       /* files read in all, includes included */
#define KA_MAX_SUBST 10000       /* substitutions in one logical line */
#define KA_MAX_SUBST_WORK (16u << 20) /* bytes copied by the substitutions of one line */
#define KA_MAX_LINE (16u << 20)  /* bytes of one logical line after substitution */
#define KA_MAX_LINES 200000u     /* logical lines produced by one read (~SEQ, definitions) */
#define KA_MAX_EXPAND_DEPTH 64   /* nested ~SEQ/~LST and multi-line definition uses */

/* ---- ka_lex.re ---- */

/* ka_lex_strip(): stage 1 on one NUL-terminated physical line, as keepalived's line reader
 * does: returns the length of the text before the comment (`#` or `!` outside "..."; a
 * backslash protects the next character, quotes included). *unterminated is set when the
 * line ends inside a quote. */
size_t ka_lex_strip(const char *line, bool *unterminated);

enum ka_lexeme_kind {
	KA_LX_END = 0,    /* end of line or comment */
	KA_LX_WORD,       /* unquoted word: [start, start+len) as written, `\#` `\!` to unescape */
	KA_LX_QUOTED,     /* "..." : [start, start+len) is the text between the quotes */
	KA_LX_LBRACE,
	KA_LX_RBRACE,
	KA_LX_UNMATCHED,  /* a `"` with no closing quote: the rest of the line is dropped */
};

struct ka_lexeme {
	enum ka_lexeme_kind kind;
	const char *start; /* content (without quotes) */
	size_t len;
	const char *tok;   /* where the token starts in the line, quotes included */
	const char *tok_end;
};

/* ka_lex_next(): stage 2, the next token of a NUL-terminated logical line from *cur
 * (advanced past it). Never reads past the NUL. */
enum ka_lexeme_kind ka_lex_next(const char **cur, struct ka_lexeme *out);

/* ---- the token array ka_pre.c builds and ka_cfg.y parses ---- */

enum ka_tok_kind { KA_T_KW, KA_T_ARG, KA_T_LBRACE, KA_T_RBRACE };

struct ka_tok {
	enum ka_tok_kind kind;
	bool synthetic;         /* a `}` added at end of input for a missing one */
	struct cfg_word w;      /* words only; braces keep w.at */
	const char *line;       /* the logical line (arena), for ka_stmt_rest() */
	uint32_t off, end;      /* the token's span in `line` */
	const char *raw;        /* the physical source line */
	uint32_t raw_len;
};

struct ka_parse {
	struct ka_tok *t;
	size_t n, pos;
	struct arena *a;
	struct diag_list *dl;
	struct cfg_stmt *top;
};

/* ka_cfg_build(): runs the grammar over p->t[0..n) and sets p->top. Returns 0, or -1 on an
 * internal parser failure (a finding was added). */
int ka_cfg_build(struct ka_parse *p);

#endif
