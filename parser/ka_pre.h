/* ka_pre.h - the keepalived reader's internals shared by ka_pre.c (lines, files, includes,
 * tokens) and ka_expand.c (variables, substitution, ~SEQ/~LST) (private to parser/). */
#ifndef VIPR_PARSER_KA_PRE_H
#define VIPR_PARSER_KA_PRE_H

#include "ka_lex.h"
#include "ka_read.h"

/* include_check bits, keepalived.conf(5) */
enum { IC_READABLE = 1, IC_MATCH = 2, IC_WILDCARD = 4, IC_BRACE = 8, IC_ALL = 15 };

struct ka_var {
	char *name, *val; /* val: lines separated by '\n' when multi */
	bool multi;
};

struct ka_src {
	const char *file; /* name as written (arena) */
	const char *dir;  /* directory used to resolve relative includes */
	const char *pwd;  /* absolute directory, for ${_PWD} */
	unsigned *check;  /* include_check level of the file being read */
	uint32_t line;
	const char *raw;
	uint32_t raw_len;
};

struct ka_rd {
	struct arena *a;
	struct diag_list *dl;
	const struct ka_opts *o;
	char cfgid[256];
	struct ka_var *v;
	size_t nv, capv;
	struct ka_tok *t;
	size_t nt, capt;
	long depth;        /* open `{` */
	unsigned incl;     /* nested include files */
	unsigned files_read;
	unsigned long lines;
	bool stopped, deep_warned;
};


bool ka_try_define(struct ka_rd *r, const char *s);
bool ka_try_seq(struct ka_rd *r, const char *text, struct ka_src *src, int depth);
char *ka_substitute(struct ka_rd *r, const struct ka_src *src, const char *in, bool *changed);
char *ka_xstrndup(const char *s, size_t n);
const char *ka_skipb(const char *s);
int ka_quote_len(const char *s);
size_t ka_name_len(const char *s);
struct ka_var *ka_var_find(struct ka_rd *r, const char *name, size_t n);
void *ka_xrealloc(void *p, size_t n);
void ka_process_line(struct ka_rd *r, const char *text, struct ka_src *src, int depth);
/* A finding worded as keepalived words it, on the current line. */
void ka_finding(struct ka_rd *r, const struct ka_src *src, enum diag_sev compat,
		    unsigned flags, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
