/* hap_lex.h - HAProxy 2.6's line tokenizer and the .if preprocessor (private to parser/).
 *
 * hap_lex.re splits one line into words exactly as HAProxy's configuration reader does
 * (quotes, escapes, environment variables, comments, the 64-word limit); hap_pre.c feeds the
 * lines to the conditional-block grammar (hap_cfg.y), evaluates `.if` expressions
 * (hap_cond.y) and runs `.diag/.notice/.warning/.alert`, leaving the active statements.
 */
#ifndef VIPR_PARSER_HAP_LEX_H
#define VIPR_PARSER_HAP_LEX_H

#include "ast.h"

#define HAP_MAX_LINE_ARGS 64
#define HAP_MAX_NESTED_IF 100

struct hap_lexer {
	const char *file;      /* arena-owned; goes into every origin */
	const char *buf, *end; /* the whole file */
	const char *cur;       /* start of the next line */
	uint32_t line;         /* number of the line last returned */
	struct arena *a;
	struct diag_list *dl;
};

void hap_lex_init(struct hap_lexer *lx, const char *file, const char *buf, size_t len,
		  struct arena *a, struct diag_list *dl);

/* hap_lex_line(): tokenizes the next line into a new statement in the arena.
 * Returns 1 with *out set (nw == 0 for a blank or comment-only line), 0 at end of input,
 * -1 when the line is in error: a finding was added (HAProxy's wording, e.g. "unmatched
 * quote at position N:" with the line and a caret) and *out is NULL; the caller goes on with
 * the next line, as HAProxy does. Words keep their start column; raw points at the line. */
int hap_lex_line(struct hap_lexer *lx, struct cfg_stmt **out);

/* hap_preprocess(): reads every line of lx, applies .if/.elif/.else/.endif and runs
 * .diag/.notice/.warning/.alert in the active branches. Returns the active statements in
 * order (blank lines dropped), each a line with nw >= 1. *aborted is set when HAProxy would
 * stop reading the file (e.g. more than HAP_MAX_NESTED_IF nested .if). */
struct cfg_stmt *hap_preprocess(struct hap_lexer *lx, bool *aborted);

/* hap_cond_eval_words(): evaluates the words after `.if`/`.elif`. Returns 1, 0, or -1 with a
 * finding added at `at` in HAProxy's wording. */
int hap_cond_eval_words(struct cfg_word *w, int nw, struct m_origin at, struct diag_list *dl);

#endif
