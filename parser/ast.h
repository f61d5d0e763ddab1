/* ast.h - the generic statement tree both front ends produce (private to parser/).
 *
 * A statement is a keyword, its arguments and, for keepalived, its child block. Every word
 * keeps the file, line and column where it started, after quotes, escapes and variables have
 * been resolved by the lexer, so the binders never see raw text.
 */
#ifndef VIPR_PARSER_AST_H
#define VIPR_PARSER_AST_H

#include "model/model.h"

struct cfg_word {
	char *s;            /* NUL-terminated; may contain other NULs only via \x00 (len is exact) */
	uint32_t len;
	struct m_origin at; /* where the word starts in the file */
	uint8_t quoted;     /* 1 if any part of it was quoted */
};

struct cfg_stmt {
	struct cfg_word *w; /* w[0] is the keyword */
	int nw;
	struct m_origin at;       /* the line (and column of the first word) */
	const char *raw;          /* the source line, without its LF (for carets and lint) */
	uint32_t raw_len;
	struct cfg_stmt *child;   /* first statement of the block / section */
	struct m_origin end_at;   /* keepalived: where the block's closing brace is */
	struct cfg_stmt *next;    /* next sibling */
	struct cfg_stmt *parent;
};

/* Appends s to the list (*head, *tail). */
static inline void cfg_stmt_append(struct cfg_stmt **head, struct cfg_stmt **tail,
				   struct cfg_stmt *s)
{
	s->next = NULL;
	if (*tail)
		(*tail)->next = s;
	else
		*head = s;
	*tail = s;
}

#endif
