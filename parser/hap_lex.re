/* hap_lex.re - HAProxy 2.6's configuration line tokenizer (re2c).
 *
 * Splits one line of a haproxy.cfg into words exactly as haproxy 2.6.12 does: blanks separate
 * words, an unprotected `#` starts a comment, backslash escapes, weak (double) and strong
 * (single) quotes, environment variables inside double quotes only (`$V`, `${V}`,
 * `${V-default}`, `${V[*]}` which splits the value into words), the word limit, and HAProxy's
 * error wording with its line excerpt and caret. Each rule was found by running haproxy 2.6.12
 * (tests/unit/test_hap_lex.c has the table and how it was checked). A line is scanned twice by
 * the same automaton, once to measure it and find errors and once to write the words into a
 * single arena block, so nothing is allocated outside the arena and nothing grows.
 */
#include "parser/hap_lex.h"

#include <string.h>

extern char **environ;

/* vipr's own bound on one line after variable expansion; HAProxy has none, but a few `"$BIG"`
 * repeated on a 10 MB line must not exhaust memory. */
#define HAP_OUT_MAX ((size_t)64 << 20)
#define NO_OFF ((size_t)-1)

enum lex_err { LX_OK = 0, LX_QUOTE, LX_HEX, LX_BRACE, LX_VARNAME, LX_EXPAND, LX_TOOLONG };
enum lex_mode { M_TOP, M_DQ, M_SQ, M_END };

/* One scan of one line. The line ends at its LF or at its first NUL (HAProxy works on C
 * strings); YYPEEK reads 0 at the end, so re2c never reads past it. */
struct run {
	const unsigned char *ls, *cur, *lim, *mar; /* line start, cursor, end, re2c marker */
	const unsigned char *quote;                /* the quote that opened the current one */
	char *out;           /* NULL while measuring */
	size_t olen, wbeg;   /* bytes emitted so far; where the current word starts */
	struct cfg_word *w;  /* NULL while measuring; else room for HAP_MAX_LINE_ARGS words */
	int nw;              /* words begun, including those past the limit */
	bool in_word;
	bool phantom;        /* the current word was begun by a separator and is still empty */
	enum lex_err err;
	size_t err_off;      /* offset in the line of the first error */
	bool too_many;       /* the word limit was crossed */
	size_t w64_out;      /* where the 64th word starts in the output (HAProxy's "position") */
	size_t dflt_brace;   /* offset of the `{` of the first ${V-default}, or NO_OFF */
	size_t dflt_close;   /* offset of the first default's `}` at or after dflt_min, or NO_OFF */
	size_t dflt_min;
	struct m_origin at;  /* file and line of every word */
};

/*!re2c
	re2c:api = custom;
	re2c:api:style = free-form;
	re2c:define:YYCTYPE = "unsigned char";
	re2c:define:YYPEEK = "(r->cur < r->lim ? *r->cur : 0)";
	re2c:define:YYSKIP = "r->cur += (r->cur < r->lim);";
	re2c:define:YYBACKUP = "r->mar = r->cur;";
	re2c:define:YYRESTORE = "r->cur = r->mar;";
	re2c:yyfill:enable = 0;
	re2c:indent:string = "\t";

	end   = "\x00";
	plain = [^\x00 \t\n\v\f\r#\\"'];
	blank = [ \t\v\f];
	space = [ \t\n\v\f\r];
	hex   = [0-9a-fA-F];
	name  = [A-Za-z_][A-Za-z0-9_]*;
*/

/* HAProxy runs in the C locale: isspace() is exactly these six. */
static bool is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool is_name_char(unsigned char c)
{
	return c == '_' || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static unsigned hexval(unsigned char c)
{
	return c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

static size_t off(const struct run *r, const unsigned char *p)
{
	return (size_t)(p - r->ls);
}

static void fail(struct run *r, enum lex_err e, const unsigned char *at)
{
	if (!r->err) {
		r->err = e;
		r->err_off = off(r, at);
	}
}

/* Words past the limit are scanned for errors but not kept: the line is dropped anyway and
 * HAProxy only ever shows the 64th word. */
static bool discarding(const struct run *r)
{
	return r->nw > HAP_MAX_LINE_ARGS;
}

static void emit_bytes(struct run *r, const void *p, size_t n)
{
	r->phantom = false;
	if (discarding(r))
		return;
	if (n > HAP_OUT_MAX - r->olen) {
		fail(r, LX_TOOLONG, r->cur);
		return;
	}
	if (r->out)
		memcpy(r->out + r->olen, p, n);
	r->olen += n;
}

static void emit(struct run *r, unsigned char c)
{
	emit_bytes(r, &c, 1);
}

/* Begins a word at p. Like HAProxy, a separator (a blank run, or a blank run in the value of
 * a [*] variable) begins a word at once, before knowing whether anything follows: a 65th word
 * is an error even when it would stay empty and be dropped at the end of the line. */
static void word_begin(struct run *r, const unsigned char *p, bool sep)
{
	if (r->nw >= HAP_MAX_LINE_ARGS)
		r->too_many = true;
	if (r->nw == HAP_MAX_LINE_ARGS - 1)
		r->w64_out = r->olen;
	r->nw++;
	r->in_word = true;
	r->phantom = sep;
	r->wbeg = r->olen;
	if (r->w && !discarding(r)) {
		struct cfg_word *w = &r->w[r->nw - 1];
		w->at = r->at;
		w->at.col = (uint32_t)off(r, p) + 1;
	}
}

static void word_end(struct run *r)
{
	if (!r->in_word)
		return;
	r->in_word = false;
	if (discarding(r))
		return;
	if (r->out) {
		struct cfg_word *w = &r->w[r->nw - 1];
		r->out[r->olen] = 0;
		w->s = r->out + r->wbeg;
		w->len = (uint32_t)(r->olen - r->wbeg);
	}
	r->olen++;
}

static void mark_quoted(struct run *r, const unsigned char *q)
{
	r->quote = q;
	r->phantom = false;
	if (r->w && !discarding(r))
		r->w[r->nw - 1].quoted = 1;
}

/* After an unquoted blank run. */
static enum lex_mode separator(struct run *r)
{
	word_end(r);
	word_begin(r, r->cur, true);
	return r->cur == r->lim || *r->cur == '#' ? M_END : M_TOP;
}

/* First match in environ, as getenv(), without copying the name to terminate it. */
static const char *env_lookup(const unsigned char *name, size_t n)
{
	for (char **e = environ; e && *e; e++)
		if (!strncmp(*e, (const char *)name, n) && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

/* Emits a variable's value; with [*] every blank run in it ends the word and begins a new
 * one, even a leading or trailing run (HAProxy gives `"${V[*]}"` with V=" a" the words "",
 * "a"). */
static void emit_value(struct run *r, const char *v, size_t n, bool split,
		       const unsigned char *dollar)
{
	if (!split) {
		if (n)
			emit_bytes(r, v, n);
		return;
	}
	bool in_run = false;
	for (size_t i = 0; i < n && !r->err; i++) {
		unsigned char c = (unsigned char)v[i];
		if (!is_space(c)) {
			in_run = false;
			emit(r, c);
		} else if (!in_run) {
			in_run = true;
			word_end(r);
			word_begin(r, dollar, true);
			if (r->w && !discarding(r))
				r->w[r->nw - 1].quoted = 1;
		}
	}
}

/* Resolves `${NAME[*]-default}` once re2c has matched it whole; t points at the `{`. */
static void expand_braced(struct run *r, const unsigned char *dollar, const unsigned char *t)
{
	const unsigned char *name = t + 1, *p = name;
	while (is_name_char(*p))
		p++;
	size_t n = (size_t)(p - name);
	bool split = *p == '[';
	if (split)
		p += 3;
	const char *v = env_lookup(name, n);
	size_t vlen = v ? strlen(v) : 0;
	if (*p == '-') {
		if (r->dflt_brace == NO_OFF)
			r->dflt_brace = off(r, t);
		if (r->dflt_close == NO_OFF && off(r, r->cur - 1) >= r->dflt_min)
			r->dflt_close = off(r, r->cur - 1);
		/* The default is taken raw up to the first `}`: no quotes, escapes or variables. */
		if (!v) {
			v = (const char *)p + 1;
			vlen = (size_t)(r->cur - 1 - (p + 1));
		}
	}
	emit_value(r, v, vlen, split, dollar);
}

/* After an unescaped `$` inside double quotes. Returns false on error. */
static bool expand_var(struct run *r, const unsigned char *dollar)
{
	const unsigned char *t = r->cur;
	/*!re2c
	"{" name ("[*]")? ("-" [^}\x00]*)? "}" { expand_braced(r, dollar, t); return !r->err; }
	"{" name "["         { fail(r, LX_EXPAND, r->cur - 1); return false; }
	"{" name "[*]"?      { fail(r, LX_BRACE, t); return false; }
	"{"                  { fail(r, LX_VARNAME, t + 1); return false; }
	name                 {
		const char *v = env_lookup(t, (size_t)(r->cur - t));
		emit_value(r, v, v ? strlen(v) : 0, false, dollar);
		return !r->err;
	}
	end                  { fail(r, LX_VARNAME, t); return false; }
	*                    { fail(r, LX_VARNAME, t); return false; }
	*/
}

/* Outside quotes. `\r` ends the line here (but not inside a blank run, where it is a blank). */
static enum lex_mode scan_top(struct run *r)
{
	for (;;) {
		const unsigned char *t = r->cur;
		/*!re2c
		end | "\r" | "#"     { return M_END; }
		blank space*         { if (separator(r) == M_END) return M_END; continue; }
		"\\" [ #\\'"]        { emit(r, t[1]); continue; }
		"\\n"                { emit(r, '\n'); continue; }
		"\\r"                { emit(r, '\r'); continue; }
		"\\t"                { emit(r, '\t'); continue; }
		"\\x" hex hex        { emit(r, (unsigned char)(hexval(t[2]) << 4 | hexval(t[3]))); continue; }
		"\\x"                { fail(r, LX_HEX, t); return M_END; }
		"\""                 { mark_quoted(r, t); return M_DQ; }
		"'"                  { mark_quoted(r, t); return M_SQ; }
		plain+               { emit_bytes(r, t, (size_t)(r->cur - t)); continue; }
		*                    { emit(r, *t); continue; }
		*/
	}
}

/* Weak quoting: the same escapes plus `\$`, and environment variables. */
static enum lex_mode scan_dq(struct run *r)
{
	for (;;) {
		const unsigned char *t = r->cur;
		/*!re2c
		end | "\r"           { fail(r, LX_QUOTE, r->quote); return M_END; }
		"\""                 { return M_TOP; }
		"\\" [ #\\'"$]       { emit(r, t[1]); continue; }
		"\\n"                { emit(r, '\n'); continue; }
		"\\r"                { emit(r, '\r'); continue; }
		"\\t"                { emit(r, '\t'); continue; }
		"\\x" hex hex        { emit(r, (unsigned char)(hexval(t[2]) << 4 | hexval(t[3]))); continue; }
		"\\x"                { fail(r, LX_HEX, t); return M_END; }
		"$"                  { if (!expand_var(r, t)) return M_END; continue; }
		[^\x00\r"\\$]+       { emit_bytes(r, t, (size_t)(r->cur - t)); continue; }
		*                    { emit(r, *t); continue; }
		*/
	}
}

/* Strong quoting: every byte is itself, a backslash too. */
static enum lex_mode scan_sq(struct run *r)
{
	for (;;) {
		const unsigned char *t = r->cur;
		/*!re2c
		end | "\r"           { fail(r, LX_QUOTE, r->quote); return M_END; }
		"'"                  { return M_TOP; }
		[^\x00\r']+          { emit_bytes(r, t, (size_t)(r->cur - t)); continue; }
		*                    { emit(r, *t); continue; }
		*/
	}
}

static void scan_line(struct run *r)
{
	while (r->cur < r->lim && is_space(*r->cur))
		r->cur++;
	if (r->cur == r->lim || *r->cur == '#')
		return;
	word_begin(r, r->cur, false);
	enum lex_mode m = M_TOP;
	while (m != M_END && !r->err) {
		if (m == M_TOP)
			m = scan_top(r);
		else if (m == M_DQ)
			m = scan_dq(r);
		else
			m = scan_sq(r);
	}
	if (r->err)
		return;
	/* A word begun by a separator and still empty at the end is no word (but counted
	 * towards the limit above, as HAProxy does). */
	word_end(r);
	if (r->phantom)
		r->nw--;
}

static void run_init_at(struct run *r, struct m_origin at, const unsigned char *ls,
			const unsigned char *pe)
{
	memset(r, 0, sizeof(*r));
	r->ls = r->cur = ls;
	r->lim = pe;
	r->dflt_brace = r->dflt_close = NO_OFF;
	r->at = at;
}

static void run_init(struct run *r, const struct hap_lexer *lx, const char *ls, const char *pe)
{
	struct m_origin at = { lx->file, lx->line, 0 };
	run_init_at(r, at, (const unsigned char *)ls, (const unsigned char *)pe);
}

/* Where HAProxy's C string of the line ends when read from `from` on: the first `}` of a
 * ${V-default} its parser went through (it wrote a NUL there), else the line's end. */
static size_t display_end(const struct run *r, size_t from)
{
	struct run s;
	run_init_at(&s, r->at, r->ls, r->lim);
	s.dflt_min = from;
	scan_line(&s);
	return s.dflt_close != NO_OFF ? s.dflt_close : (size_t)(r->lim - r->ls);
}

/* ---------------------------------------------------------------- messages */

/* HAProxy's excerpt of the line at the error `pos`: the line without its leading blanks,
 * blanks shown as spaces and other unprintable bytes as `?`, at most 80 columns; from column
 * 80 on, a window of 37 bytes each side of the error between "...", with the caret under it.
 * Either is printed as a C string, so it also ends where the parser wrote a NUL: at the `}` of
 * a ${V-default} (found by scanning again, which `display_end` does). */
static void excerpt(char *buf, size_t sz, const struct run *r, size_t pos)
{
	const unsigned char *s = r->ls;
	size_t len = (size_t)(r->lim - s), lead = 0;
	while (lead < len && is_space(s[lead]))
		lead++;
	size_t q = pos > lead ? pos - lead : 0, from = lead, caret = q, width = 80;
	bool cut = q >= 80;
	if (cut) {
		from = lead + q - 37;
		caret = 40;
		width = 74;
	}
	size_t stop = display_end(r, from);
	size_t show = from >= stop ? 0 : stop - from < width ? stop - from : width;
	size_t o = (size_t)snprintf(buf, sz, "  %s", cut ? "..." : "");
	for (size_t i = 0; i < show && o + 1 < sz; i++) {
		unsigned char c = s[from + i];
		buf[o++] = is_space(c) ? ' ' : (c < 32 || c >= 127) ? '?' : (char)c;
	}
	snprintf(buf + o, sz - o, "%s\n  %*s", cut ? "..." : "", (int)caret + 1, "^");
}

static const struct {
	const char *compat, *msg;
} lex_errors[] = {
	[LX_QUOTE] = { "unmatched quote", "unterminated quote" },
	[LX_HEX] = { "truncated or invalid hexadecimal sequence", "\\x needs two hex digits" },
	[LX_BRACE] = { "unmatched brace in environment variable name",
		       "unterminated ${...} variable reference" },
	[LX_VARNAME] = { "forbidden first char in environment variable name",
			 "invalid environment variable name" },
	[LX_EXPAND] = { "truncated or invalid word expansion sequence",
			"invalid word expansion, only [*] is supported" },
};

static void report_error(struct hap_lexer *lx, const struct run *r, const char *msg)
{
	struct m_origin at = r->at;
	at.col = (uint32_t)r->err_off + 1;
	if (r->err == LX_TOOLONG) {
		diag_add(lx->dl, at, DIAG_ERROR, DIAG_NONE, DIAG_FATAL, NULL,
			 "line longer than 64 MiB after variable expansion (vipr's limit)");
		return;
	}
	if (!msg && r->err == LX_QUOTE)
		msg = *r->quote == '"' ? "unterminated double quote" : "unterminated single quote";
	char ex[256];
	excerpt(ex, sizeof(ex), r, r->err_off);
	char *compat = arena_printf(lx->a, "parsing [%s:%u]: %s at position %zu:\n%s", lx->file,
				    lx->line, lex_errors[r->err].compat, r->err_off + 1, ex);
	diag_add(lx->dl, at, DIAG_ERROR, DIAG_ERROR, DIAG_FATAL, compat,
		 msg ? msg : lex_errors[r->err].msg);
}

static void report_too_many(struct hap_lexer *lx, const struct run *r)
{
	const struct cfg_word *w64 = &r->w[HAP_MAX_LINE_ARGS - 1];
	char *compat = arena_printf(lx->a,
				    "parsing [%s:%u]: too many words, truncating after word %d, "
				    "position %zu: <%s>.",
				    lx->file, lx->line, HAP_MAX_LINE_ARGS, r->w64_out + 1,
				    w64->s ? w64->s : "");
	diag_add(lx->dl, w64->at, DIAG_ERROR, DIAG_ERROR, DIAG_FATAL, compat,
		 "too many words on one line (HAProxy's limit is 64)");
}

/* ---------------------------------------------------------------- HAProxy's output buffer */

/* HAProxy writes a line's words into an output buffer that starts empty for each file and,
 * when a line does not fit, grows to the next multiple of 1024 bytes; the line is then parsed
 * again, but the first pass has replaced the `}` closing each `${V-default}` by a NUL. So a
 * default on the first line of a file, or on a line needing more room than every line before
 * it, is an "unmatched brace" (haproxy 2.6.12 does this). The size is per-file state that
 * struct hap_lexer has no field for: it is remembered here for the lexer that read the line
 * before, and recomputed from the start of the file in any other case. */
static _Thread_local struct {
	const struct hap_lexer *lx;
	const char *next; /* where that lexer's next line starts */
	size_t size;
} outbuf;

/* The room a line needs in HAProxy's buffer, or 0 when its first pass fails (no growth). */
static size_t line_need(const struct hap_lexer *lx, const char *ls, const char *pe)
{
	struct run r;
	run_init(&r, lx, ls, pe);
	scan_line(&r);
	return r.err ? 0 : r.olen ? r.olen : 1;
}

static size_t grow(size_t size, size_t need)
{
	return need > size ? (need + 1023) & ~(size_t)1023 : size;
}

/* Start of the line after ls; *pe is where HAProxy's C string of the line ends. */
static const char *line_next(const char *ls, const char *end, const char **le, const char **pe)
{
	const char *lf = memchr(ls, '\n', (size_t)(end - ls));
	*le = lf ? lf : end;
	const char *nul = memchr(ls, '\0', (size_t)(*le - ls));
	*pe = nul ? nul : *le;
	return lf ? lf + 1 : end;
}

static size_t outbuf_size(const struct hap_lexer *lx, const char *ls)
{
	if (ls == lx->buf)
		return 0;
	if (outbuf.lx == lx && outbuf.next == ls)
		return outbuf.size;
	size_t size = 0;
	for (const char *p = lx->buf, *le, *pe; p < ls;) {
		const char *next = line_next(p, lx->end, &le, &pe);
		size = grow(size, line_need(lx, p, pe));
		p = next;
	}
	return size;
}

/* Accounts a line that HAProxy parsed whole once; true when it was parsed a second time. */
static bool outbuf_reparsed(const struct hap_lexer *lx, const char *ls, size_t need)
{
	size_t size = outbuf_size(lx, ls);
	outbuf.lx = lx;
	outbuf.next = lx->cur;
	outbuf.size = grow(size, need);
	return need > size;
}

/* ---------------------------------------------------------------- lines */

/* hap_lex_init(): prepares lx to read buf[0, len) as `file`. Nothing is copied: buf, file,
 * the arena (which receives every word and statement) and the diagnostic list are borrowed
 * and must outlive the statements, whose `raw` points into buf. */
void hap_lex_init(struct hap_lexer *lx, const char *file, const char *buf, size_t len,
		  struct arena *a, struct diag_list *dl)
{
	memset(lx, 0, sizeof(*lx));
	lx->file = file;
	lx->buf = lx->cur = buf;
	lx->end = buf + len;
	lx->a = a;
	lx->dl = dl;
}

/* Tokenizes [ls, pe) into a statement; see hap_lex_line() for the contract. */
static int lex_words(struct hap_lexer *lx, const char *ls, const char *pe, struct cfg_stmt **out)
{
	struct run r;
	run_init(&r, lx, ls, pe);
	scan_line(&r);
	if (r.err) {
		outbuf_reparsed(lx, ls, 0);
		report_error(lx, &r, NULL);
		return -1;
	}
	if (outbuf_reparsed(lx, ls, r.olen ? r.olen : 1) && r.dflt_brace != NO_OFF) {
		r.err = LX_BRACE;
		r.err_off = r.dflt_brace;
		report_error(lx, &r, "haproxy 2.6 rejects ${VAR-default} on the first line of a file "
				     "or on a line longer than all before it");
		return -1;
	}
	/* The phantom word dropped at the end still took a slot while scanning. */
	int slots = r.nw + 1 < HAP_MAX_LINE_ARGS ? r.nw + 1 : HAP_MAX_LINE_ARGS;
	size_t olen = r.olen;
	run_init(&r, lx, ls, pe);
	r.out = arena_alloc(lx->a, olen + 1);
	r.w = arena_alloc(lx->a, (size_t)slots * sizeof(*r.w));
	scan_line(&r);
	if (r.too_many) {
		report_too_many(lx, &r);
		return -1;
	}
	struct cfg_stmt *s = arena_alloc(lx->a, sizeof(*s));
	s->w = r.w;
	s->nw = r.nw;
	/* HAProxy skips a line whose first word is empty (`"" global`, `"$UNSET" x`): blank. */
	if (s->nw > 0 && s->w[0].s[0] == '\0')
		s->nw = 0;
	s->at = r.at;
	s->at.col = s->nw > 0 ? s->w[0].at.col : 0;
	s->raw = ls;
	*out = s;
	return 1;
}

/* hap_lex_line(): see hap_lex.h. Details that callers may rely on: every finding has
 * sev DIAG_ERROR and HAProxy's text in compat (except vipr's own 64 MiB bound); a line whose
 * first word is empty is returned with nw == 0, since HAProxy ignores it; a last line without
 * LF is still returned (1) with a "Missing LF" finding; a NUL byte ends the line, which is
 * still returned, and unless it is the last line adds "Stray NUL" with DIAG_ABORT, after
 * which the function returns 0 as HAProxy stops reading there. */
int hap_lex_line(struct hap_lexer *lx, struct cfg_stmt **out)
{
	*out = NULL;
	if (lx->cur >= lx->end)
		return 0;
	const char *ls = lx->cur, *le, *pe;
	lx->cur = line_next(ls, lx->end, &le, &pe);
	lx->line++;

	int rc = lex_words(lx, ls, pe, out);
	if (*out)
		(*out)->raw_len = (uint32_t)(le - ls);

	/* Both are reported after the line has been used, as HAProxy does. HAProxy only sees
	 * that its C string lacks the LF: a NUL on the last line gives the LF message, at the NUL,
	 * even when an LF follows. */
	struct m_origin at = { lx->file, lx->line, (uint32_t)(pe - ls) + 1 };
	if (le == lx->end || (pe != le && lx->cur == lx->end)) {
		char *c = arena_printf(lx->a,
				       "parsing [%s:%u]: Missing LF on last line, file might have "
				       "been truncated at position %u.",
				       lx->file, lx->line, at.col);
		diag_add(lx->dl, at, DIAG_ERROR, DIAG_ERROR, DIAG_FATAL, c,
			 "no newline at end of file");
	} else if (pe != le) {
		char *c = arena_printf(lx->a, "parsing [%s:%u]: Stray NUL character at position %u.",
				       lx->file, lx->line, at.col);
		diag_add(lx->dl, at, DIAG_ERROR, DIAG_ERROR, DIAG_FATAL | DIAG_ABORT, c,
			 "NUL byte in the line; HAProxy stops reading the file here");
		lx->cur = lx->end;
	}
	return rc;
}
