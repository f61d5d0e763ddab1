/* ka_pre.c - keepalived 2.2.7's line preprocessor and ka_read().
 *
 * Physical lines lose their comments (ka_lex_strip); `include*` lines are resolved first
 * (keepalived detects them before conditionals and substitution), then each logical line goes
 * through `@ID`/`@^ID`, `$NAME=VALUE` definitions (multi-line with a trailing `\`), `~SEQ`,
 * `~SEQx` and `~LST` repetition, and `$NAME`/`${NAME}` substitution at use time, before
 * ka_lex_next() turns it into tokens for the block grammar (ka_cfg.y). Every loop is bounded
 * (ka_read.h): include loops, runaway definitions and huge sequences become findings.
 */
#include "ka_pre.h"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


void *ka_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

char *ka_xstrndup(const char *s, size_t n)
{
	char *p = ka_xrealloc(NULL, n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

static struct m_origin at_of(const struct ka_src *src, uint32_t col)
{
	struct m_origin at = { src->file, src->line, col };
	return at;
}

void ka_finding(struct ka_rd *r, const struct ka_src *src, enum diag_sev compat,
		    unsigned flags, const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		abort();
	va_end(ap);
	enum diag_sev sev = compat == DIAG_NONE ? DIAG_ERROR : compat;
	diag_add(r->dl, at_of(src, 0), sev, compat, flags, compat == DIAG_NONE ? NULL : text, text);
	free(text);
}

/* Quoting whole lines in messages: keepalived shows them without leading blanks. Very long
 * lines are cut so that a 10 MB line does not become a 10 MB message. */
const char *ka_skipb(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\v' || *s == '\f')
		s++;
	return s;
}

int ka_quote_len(const char *s)
{
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return n > 4096 ? 4096 : (int)n;
}

/* ---------------------------------------------------------------- tokens */

static struct ka_tok *new_tok(struct ka_rd *r, enum ka_tok_kind kind, const struct ka_src *src,
			      const char *line, const struct ka_lexeme *lx)
{
	if (r->nt == r->capt) {
		r->capt = r->capt ? r->capt * 2 : 256;
		r->t = ka_xrealloc(r->t, r->capt * sizeof(*r->t));
	}
	struct ka_tok *t = &r->t[r->nt++];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->line = line;
	t->off = (uint32_t)(lx->tok - line);
	t->end = (uint32_t)(lx->tok_end - line);
	t->w.at = at_of(src, t->off + 1);
	t->raw = src->raw;
	t->raw_len = src->raw_len;
	return t;
}

/* include_check OPTIONS: none means all; `+x` adds, `-x` removes, plain words set. */
static void include_check(const struct cfg_word *w, int nw, unsigned *check)
{
	static const struct { const char *n; unsigned bit; } opt[] = {
		{ "readable", IC_READABLE }, { "match", IC_MATCH },
		{ "wildcard_match", IC_WILDCARD }, { "brace_match", IC_BRACE },
	};
	if (nw == 1) {
		*check = IC_ALL;
		return;
	}
	bool plain_seen = false;
	for (int i = 1; i < nw; i++) {
		const char *s = w[i].s;
		char op = (*s == '+' || *s == '-') ? *s++ : 0;
		for (size_t k = 0; k < sizeof(opt) / sizeof(opt[0]); k++) {
			if (strcmp(s, opt[k].n))
				continue;
			if (!op && !plain_seen) {
				*check = 0;
				plain_seen = true;
			}
			if (op == '-')
				*check &= ~opt[k].bit;
			else
				*check |= opt[k].bit;
		}
	}
}

static void emit_brace(struct ka_rd *r, enum ka_tok_kind kind, const struct ka_src *src,
		       const char *line, const struct ka_lexeme *lx)
{
	if (kind == KA_T_LBRACE) {
		if (++r->depth > KA_MAX_DEPTH) {
			if (!r->deep_warned)
				ka_finding(r, src, DIAG_NONE, 0,
					"blocks nested deeper than %d levels are flattened",
					KA_MAX_DEPTH);
			r->deep_warned = true;
			return;
		}
	} else if (r->depth > 0 && r->depth-- > KA_MAX_DEPTH) {
		return;
	}
	new_tok(r, kind, src, line, lx);
}

/* Stage 2: one logical line into tokens. */
static void emit_line(struct ka_rd *r, const char *text, struct ka_src *src)
{
	const char *line = arena_strdup(r->a, text), *cur = line;
	struct ka_lexeme lx;
	bool first = true;
	size_t first_tok = r->nt;
	for (;;) {
		enum ka_lexeme_kind k = ka_lex_next(&cur, &lx);
		if (k == KA_LX_END)
			break;
		if (k == KA_LX_UNMATCHED) {
			const char *q = ka_skipb(line);
			ka_finding(r, src, DIAG_ERROR, DIAG_FATAL, "Unmatched quote: '%.*s'",
				ka_quote_len(q), q);
			break;
		}
		if (k == KA_LX_LBRACE || k == KA_LX_RBRACE) {
			emit_brace(r, k == KA_LX_LBRACE ? KA_T_LBRACE : KA_T_RBRACE, src, line, &lx);
			first = true;
			continue;
		}
		struct ka_tok *t = new_tok(r, first ? KA_T_KW : KA_T_ARG, src, line, &lx);
		first = false;
		if (k == KA_LX_QUOTED) {
			t->w.s = arena_strndup(r->a, lx.start, lx.len);
			t->w.len = (uint32_t)lx.len;
			t->w.quoted = 1;
			continue;
		}
		char *w = arena_alloc(r->a, lx.len + 1);
		size_t n = 0;
		for (size_t i = 0; i < lx.len; i++) {
			if (lx.start[i] == '\\' && i + 1 < lx.len &&
			    (lx.start[i + 1] == '#' || lx.start[i + 1] == '!'))
				i++;
			w[n++] = lx.start[i];
		}
		t->w.s = w;
		t->w.len = (uint32_t)n;
	}
	if (r->nt > first_tok && r->t[first_tok].kind == KA_T_KW &&
	    !strcmp(r->t[first_tok].w.s, "include_check")) {
		size_t nw = 1;
		while (first_tok + nw < r->nt && r->t[first_tok + nw].kind == KA_T_ARG)
			nw++;
		struct cfg_word *w = ka_xrealloc(NULL, nw * sizeof(*w));
		for (size_t i = 0; i < nw; i++)
			w[i] = r->t[first_tok + i].w;
		include_check(w, (int)nw, src->check);
		free(w);
	}
}

/* ---------------------------------------------------------------- logical lines */

/* A whole-line use of a multi-line definition: `$NAME` or `${NAME}` alone. */
static const struct ka_var *whole_line_multi(struct ka_rd *r, const char *s)
{
	size_t len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (len < 2 || s[0] != '$')
		return NULL;
	const char *nm = s + 1;
	size_t n = len - 1;
	if (s[1] == '{') {
		if (s[len - 1] != '}')
			return NULL;
		nm = s + 2;
		n = len - 3;
	}
	if (ka_name_len(nm) != n)
		return NULL;
	const struct ka_var *v = ka_var_find(r, nm, n);
	return v && v->multi ? v : NULL;
}

void ka_process_line(struct ka_rd *r, const char *text, struct ka_src *src, int depth)
{
	if (r->stopped)
		return;
	if (++r->lines > KA_MAX_LINES || depth > KA_MAX_EXPAND_DEPTH) {
		ka_finding(r, src, DIAG_NONE, DIAG_ABORT,
			depth > KA_MAX_EXPAND_DEPTH
				? "definitions and ~SEQ/~LST nest more than %u levels; reading stops"
				: "more than %u configuration lines after expansion; reading stops",
			depth > KA_MAX_EXPAND_DEPTH ? KA_MAX_EXPAND_DEPTH : KA_MAX_LINES);
		r->stopped = true;
		return;
	}
	const char *s = ka_skipb(text);
	if (!*s || *s == '\n')
		return;
	if (*s == '@') {
		bool neg = s[1] == '^';
		const char *id = s + 1 + neg, *e = id;
		while (*e && !isspace((unsigned char)*e))
			e++;
		bool match = (size_t)(e - id) == strlen(r->cfgid) && !memcmp(id, r->cfgid, (size_t)(e - id));
		if (match == neg)
			return;
		s = ka_skipb(e);
		if (!*s)
			return;
	}
	if (ka_try_define(r, s) || ka_try_seq(r, s, src, depth))
		return;
	const struct ka_var *mv = whole_line_multi(r, s);
	if (mv) {
		/* a copy: the lines may redefine the variable they come from */
		char *val = ka_xstrndup(mv->val, strlen(mv->val));
		for (char *p = val, *nl; p && !r->stopped; p = nl ? nl + 1 : NULL) {
			nl = strchr(p, '\n');
			if (nl)
				*nl = 0;
			ka_process_line(r, p, src, depth + 1);
		}
		free(val);
		return;
	}
	bool changed;
	char *sub = ka_substitute(r, src, s, &changed);
	if (changed)
		ka_process_line(r, sub, src, depth + 1); /* may now be `@ID ...`, a definition, ... */
	else
		emit_line(r, sub, src);
	free(sub);
}

/* ---------------------------------------------------------------- files and includes */

static void read_file(struct ka_rd *r, const char *open_path, const char *name, unsigned check,
		      const struct ka_src *from);

static bool has_wild(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* csh-style brace expansion of the first top-level {a,b} group, recursively. */
static void brace_expand(const char *p, char ***v, int *n)
{
	const char *open = NULL, *close = NULL;
	int lvl = 0;
	bool comma = false;
	for (const char *q = p; *q && !close; q++) {
		if (*q == '{' && lvl++ == 0)
			open = q, comma = false;
		else if (*q == '}' && lvl > 0 && --lvl == 0 && comma)
			close = q;
		else if (*q == ',' && lvl == 1)
			comma = true;
	}
	if (!close || *n >= 1024) {
		*v = ka_xrealloc(*v, (size_t)(*n + 1) * sizeof(**v));
		(*v)[(*n)++] = ka_xstrndup(p, strlen(p));
		return;
	}
	const char *alt = open + 1;
	lvl = 0;
	for (const char *q = open + 1; q <= close; q++) {
		if (*q == '{')
			lvl++;
		else if (*q == '}' && q != close)
			lvl--;
		if (!(q == close || (*q == ',' && lvl == 0)))
			continue;
		size_t pre = (size_t)(open - p), al = (size_t)(q - alt), post = strlen(close + 1);
		char *s = ka_xrealloc(NULL, pre + al + post + 1);
		memcpy(s, p, pre);
		memcpy(s + pre, alt, al);
		memcpy(s + pre + al, close + 1, post + 1);
		brace_expand(s, v, n);
		free(s);
		alt = q + 1;
	}
}

static void do_include(struct ka_rd *r, struct ka_src *src, const char *kw, const char *pattern)
{
	unsigned check = *src->check;
	if (kw[7] == 'r')
		check |= IC_READABLE;
	else if (kw[7] == 'm')
		check |= IC_MATCH;
	else if (kw[7] == 'w')
		check |= IC_WILDCARD;
	else if (kw[7] == 'b')
		check |= IC_BRACE;
	else if (kw[7] == 'a')
		check = IC_ALL;
	if (r->o && r->o->all_config)
		check = IC_ALL;

	char **alts = NULL;
	int nalt = 0;
	brace_expand(pattern, &alts, &nalt);
	size_t dl = strlen(src->dir);
	bool missing_alt = false;
	glob_t *g = ka_xrealloc(NULL, (size_t)nalt * sizeof(*g));
	size_t total = 0;
	for (int i = 0; i < nalt; i++) {
		char *full = alts[i][0] == '/' ? ka_xstrndup(alts[i], strlen(alts[i]))
					       : ka_xstrndup("", 0);
		if (alts[i][0] != '/') {
			free(full);
			if (asprintf(&full, "%s/%s", src->dir, alts[i]) < 0)
				abort();
		}
		memset(&g[i], 0, sizeof(g[i]));
		if (glob(full, 0, NULL, &g[i]) != 0)
			g[i].gl_pathc = 0;
		if (!g[i].gl_pathc && !has_wild(alts[i]))
			missing_alt = true;
		total += g[i].gl_pathc;
		free(full);
	}
	unsigned sev_bits = check & ~IC_READABLE;
	bool skip = false;
	if (nalt > 1 && missing_alt) {
		bool err = check & IC_BRACE;
		ka_finding(r, src, err ? DIAG_ERROR : DIAG_WARNING, err ? DIAG_MISSING : 0,
			"Some config files missing: \"%s\".", pattern);
		skip = err;
	} else if (!total && !has_wild(pattern)) {
		ka_finding(r, src, sev_bits ? DIAG_ERROR : DIAG_WARNING, sev_bits ? DIAG_MISSING : 0,
			"Config files missing '%s'.", pattern);
	} else if (!total && (check & IC_WILDCARD)) {
		ka_finding(r, src, DIAG_ERROR, DIAG_MISSING, "No config files matched '%s'.", pattern);
	}
	for (int i = 0; i < nalt; i++) {
		for (size_t k = 0; !skip && k < g[i].gl_pathc && !r->stopped; k++) {
			const char *path = g[i].gl_pathv[k];
			/* origins name the file as keepalived does: relative to the including dir */
			const char *name = path;
			if (alts[i][0] != '/' && !strncmp(path, src->dir, dl) && path[dl] == '/')
				name = path + dl + 1;
			read_file(r, path, name, check, src);
		}
		globfree(&g[i]);
		free(alts[i]);
	}
	free(g);
	free(alts);
}

/* An `include*` line (first word exactly include, includer, includem, includew, includeb or
 * includea, followed by a pattern)? */
static bool try_include(struct ka_rd *r, const char *s, struct ka_src *src)
{
	s = ka_skipb(s);
	if (strncmp(s, "include", 7))
		return false;
	size_t kl = 7;
	if (s[7] && strchr("rmwba", s[7]))
		kl = 8;
	if (s[kl] != ' ' && s[kl] != '\t')
		return false;
	const char *p = ka_skipb(s + kl);
	size_t n = strlen(p);
	while (n && isspace((unsigned char)p[n - 1]))
		n--;
	if (!n)
		return false;
	char kw[9] = { 0 }, *pat = ka_xstrndup(p, n);
	memcpy(kw, s, kl);
	do_include(r, src, kw, pat);
	free(pat);
	return true;
}

/* Whether a stripped line starts a multi-line definition: `[@ID ]$NAME=...\`. */
static bool starts_multi(const char *s, size_t n)
{
	if (!n || s[n - 1] != '\\')
		return false;
	s = ka_skipb(s);
	if (*s == '@') {
		while (*s && !isspace((unsigned char)*s))
			s++;
		s = ka_skipb(s);
	}
	size_t nl = *s == '$' ? ka_name_len(s + 1) : 0;
	return nl && s[1 + nl] == '=';
}

static char *dup_dir(const char *path)
{
	const char *sl = strrchr(path, '/');
	if (!sl)
		return ka_xstrndup(".", 1);
	if (sl == path)
		return ka_xstrndup("/", 1);
	return ka_xstrndup(path, (size_t)(sl - path));
}

/* One stripped physical line: [p, p+len) NUL-free; returns it malloc'd, comment removed. */
static char *strip_line(struct ka_rd *r, struct ka_src *src, const char *p, size_t len)
{
	char *s = ka_xstrndup(p, len);
	bool unterminated;
	size_t n = ka_lex_strip(s, &unterminated);
	s[n] = 0;
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
	if (unterminated) {
		const char *q = ka_skipb(s);
		ka_finding(r, src, DIAG_ERROR, DIAG_FATAL, "Unterminated quote '%.*s'", ka_quote_len(q), q);
	}
	return s;
}

static void read_lines(struct ka_rd *r, char *buf, size_t size, struct ka_src *src)
{
	bool nul_warned = false;
	char *p = buf, *end = buf + size;
	while (p < end && !r->stopped) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *le = nl ? nl : end;
		src->line++;
		src->raw = arena_strndup(r->a, p, (size_t)(le - p));
		src->raw_len = (uint32_t)(le - p);
		size_t len = strnlen(p, (size_t)(le - p));
		if (len < (size_t)(le - p) && !nul_warned) {
			ka_finding(r, src, DIAG_NONE, 0, "NUL byte in line: the rest of the line is ignored");
			nul_warned = true;
		}
		char *s = strip_line(r, src, p, len);
		p = nl ? nl + 1 : end;
		if (starts_multi(s, strlen(s))) {
			/* `$NAME= \` then lines ending in `\`: one definition, lines joined by LF */
			size_t sl = strlen(s);
			s[sl - 1] = '\n';
			while (p < end) {
				nl = memchr(p, '\n', (size_t)(end - p));
				le = nl ? nl : end;
				src->line++;
				char *c = strip_line(r, src, p, strnlen(p, (size_t)(le - p)));
				p = nl ? nl + 1 : end;
				size_t cl = strlen(c);
				bool more = cl && c[cl - 1] == '\\';
				if (more)
					c[--cl] = 0;
				s = ka_xrealloc(s, sl + cl + 2);
				memcpy(s + sl, c, cl);
				sl += cl;
				s[sl++] = '\n';
				s[sl] = 0;
				free(c);
				if (!more)
					break;
			}
			if (sl)
				s[sl - 1] = 0;
		}
		if (!try_include(r, s, src))
			ka_process_line(r, s, src, 0);
		free(s);
	}
}

static bool slurp(const char *path, char **buf, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	size_t cap = 0, n = 0;
	char *b = NULL;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			b = ka_xrealloc(b, cap);
		}
		size_t k = fread(b + n, 1, cap - n, f);
		n += k;
		if (k == 0)
			break;
	}
	int err = ferror(f);
	fclose(f);
	if (err) {
		free(b);
		errno = EIO;
		return false;
	}
	*buf = b;
	*size = n;
	return true;
}

static void read_file(struct ka_rd *r, const char *open_path, const char *name, unsigned check,
		      const struct ka_src *from)
{
	if (r->incl >= KA_MAX_INCLUDE) {
		ka_finding(r, from, DIAG_WARNING, 0,
			"Configuration file '%s' open problem (Too many open files) - skipping", name);
		return;
	}
	/* Two self-including lines double the work at every level: keepalived never ends on
	 * such a file; vipr stops after KA_MAX_FILES reads with a lint finding. */
	if (++r->files_read > KA_MAX_FILES) {
		if (r->files_read == KA_MAX_FILES + 1)
			ka_finding(r, from, DIAG_NONE, 0,
				"more than %u configuration files read: the includes loop; '%s' and "
				"later ones are skipped", KA_MAX_FILES, name);
		return;
	}
	char *buf;
	size_t size;
	if (!slurp(open_path, &buf, &size)) {
		bool err = check & IC_READABLE;
		ka_finding(r, from, err ? DIAG_ERROR : DIAG_WARNING, err ? DIAG_MISSING : 0,
			"Configuration file '%s' open problem (%s) - skipping", name, strerror(errno));
		return;
	}
	char *dir = dup_dir(open_path), real[PATH_MAX];
	struct ka_src src = { 0 };
	src.file = arena_strdup(r->a, name);
	src.dir = arena_strdup(r->a, dir);
	src.pwd = arena_strdup(r->a, realpath(dir, real) ? real : dir);
	src.check = &check; /* restored when the file is closed: a copy per file */
	r->incl++;
	read_lines(r, buf, size, &src);
	r->incl--;
	free(dir);
	free(buf);
}

static void config_id(struct ka_rd *r)
{
	if (r->o && r->o->config_id) {
		snprintf(r->cfgid, sizeof(r->cfgid), "%s", r->o->config_id);
		return;
	}
	if (gethostname(r->cfgid, sizeof(r->cfgid) - 1) != 0)
		r->cfgid[0] = 0;
	r->cfgid[sizeof(r->cfgid) - 1] = 0;
	char *dot = strchr(r->cfgid, '.');
	if (dot)
		*dot = 0;
}

struct cfg_stmt *ka_read(const char *path, const struct ka_opts *o, struct arena *a,
			 struct diag_list *dl, bool *missing)
{
	struct ka_rd r = { .a = a, .dl = dl, .o = o };
	struct ka_src top = { .file = arena_strdup(a, path), .dir = ".", .pwd = "." };
	unsigned check = o && o->all_config ? IC_ALL : 0;
	top.check = &check;
	config_id(&r);
	if (missing)
		*missing = false;
	if (access(path, R_OK) != 0) {
		if (missing)
			*missing = true;
		diag_addf(dl, at_of(&top, 0), DIAG_WARNING, 0, "Config files missing '%s'.", path);
		return NULL;
	}
	read_file(&r, path, path, check, &top);
	if (r.depth > 0) {
		struct ka_lexeme lx = { .tok = "", .tok_end = "" };
		long keep = r.depth > KA_MAX_DEPTH ? KA_MAX_DEPTH : r.depth;
		struct ka_src end = { .file = top.file };
		for (long i = 0; i < keep; i++)
			new_tok(&r, KA_T_RBRACE, &end, lx.tok, &lx)->synthetic = true;
	}
	struct ka_parse p = { .t = r.t, .n = r.nt, .a = a, .dl = dl };
	ka_cfg_build(&p);
	/* keepalived reports the count once the whole configuration is read */
	if (r.depth > 0)
		diag_addf(dl, at_of(&top, 0), DIAG_ERROR, DIAG_FATAL,
			  "There are %ld missing '}'s or extra '{'s", r.depth);
	for (size_t i = 0; i < r.nv; i++) {
		free(r.v[i].name);
		free(r.v[i].val);
	}
	free(r.v);
	free(r.t);
	return p.top;
}
