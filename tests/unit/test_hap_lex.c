/* test_hap_lex.c - HAProxy 2.6's line tokenizer (parser/hap_lex.re), as tables of rows.
 *
 * Every row was taken from, and is re-checked against, the real haproxy 2.6.12: a word row
 * says how one line splits into words, an error row gives HAProxy's exact alert text (what
 * follows "config : "). HAProxy shows at most one word per message, so the check below puts
 * filler words in front of the line to push its word k into the 64th slot: when a 65th word
 * begins (the " zz" appended), the "too many words ... <WORD>" alert prints word 64 whole.
 * The last word of a line that ends in a comment is seen with .notice instead. When the
 * line's words fill the slots up to 63, " zz yy" must put zz in slot 64: no word is left
 * over. Rows are line 2 of the file (see test_default_reparse); the environment is the one
 * main() sets. To re-check:
 *
 *   sed -n '/^#!check/,/^#!end/p' tests/unit/test_hap_lex.c | python3 - tests/unit/test_hap_lex.c
 *
#!check
import ast, os, re, subprocess, sys, tempfile
src, d = open(sys.argv[1]).read(), tempfile.mkdtemp()
env = dict(os.environ, FOO='foo', SP='a b', LEAD='  lead', TRAIL='x ', EMPTY='', TABS='t\tu\nv')
env.pop('NOPE', None)
lit = r'((?:\s*"(?:[^"\\]|\\.)*")+)'
c = lambda s: ast.literal_eval(s.strip()).encode('latin1')
def hap(line):
    open(d + '/t.cfg', 'wb').write(b'\n' + line + b'\n')
    return subprocess.run(['/usr/sbin/haproxy', '-c', '-f', 't.cfg'], cwd=d, env=env,
                          capture_output=True).stderr
def notice(line):
    out = hap(b'.notice ' + line)
    m = re.search(rb"(?:: '|Unexpected argument ')(.*)'(?:\.\n| for)", out, re.S)
    return m and m.group(1)
def slot64(fill, line):
    out = hap(b'.notice' + b''.join(b' f%d' % i for i in range(fill)) + b' ' + line)
    m = re.search(rb'too many words, .*?position \d+: <(.*)>\.\n', out, re.S)
    return m and m.group(1)
bad = rows = 0
for row in re.findall(r'\{ IN\(' + lit + r'\),(.*?)\},?\n', src, re.S):
    line, rest, rows = c(row[0]), row[1], rows + 1
    err = re.search(r'ERR\(' + lit + r'\)', rest)
    if err:
        got = re.search(rb'config : (parsing.*?)\n(?=\[)', hap(line), re.S).group(1)
        ok = got == c(err.group(1))
    else:
        ws = [c(w) for w in re.findall(r'[WQ]\(' + lit + ',', rest)]
        n = len(ws)
        ok = (slot64(62 - n, line + b' zz yy') == b'zz' or n < 3 and notice(line) == (
            [b''] + ws)[-1]) and all(w.split(b'\0')[0] in (
            slot64(62 - k, line + b' zz'), slot64(62 - k, line),
            k == len(ws) - 1 < 2 and notice(line)) for k, w in enumerate(ws))
    bad += not ok
    print('ok ' if ok else 'BAD', line)
print(rows, 'rows,', bad, 'bad')
#!end
 *
 * Behaviours that need more than one line (missing LF, NUL bytes, the word limit, CRLF
 * files, the reparse of long lines) have their own tests, with the oracle's output quoted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parser/hap_lex.h"

/* clang-format off */
/* (the tables read best one row a line) */
struct ew {
	const char *s;
	size_t n;
	uint32_t col;
	uint8_t quoted;
};

#define W(lit, c) { lit, sizeof(lit) - 1, c, 0 }
#define Q(lit, c) { lit, sizeof(lit) - 1, c, 1 }
#define IN(lit)   lit
#define ERR(lit)  lit

struct word_row {
	const char *in;
	struct ew w[8]; /* ends at the first NULL s */
};

/* Environment (set in main): FOO=foo SP="a b" LEAD="  lead" TRAIL="x " EMPTY="" TABS="t\tu\nv",
 * NOPE unset. */
static const struct word_row word_rows[] = {
	/* blanks and comments */
	{ IN(""), { { 0 } } },
	{ IN("   \t  "), { { 0 } } },
	{ IN("# comment"), { { 0 } } },
	{ IN("  \t# indented \"comment"), { { 0 } } },
	{ IN("global"), { W("global", 1) } },
	{ IN("  bind  :80\tssl"), { W("bind", 3), W(":80", 9), W("ssl", 13) } },
	{ IN("a b#c"), { W("a", 1), W("b", 3) } },
	{ IN("e#f"), { W("e", 1) } },
	{ IN("a   # trailing comment"), { W("a", 1) } },
	{ IN("a\fb\vc  "), { W("a", 1), W("b", 3), W("c", 5) } },
	/* escapes outside quotes */
	{ IN("a \\#b"), { W("a", 1), W("#b", 3) } },
	{ IN("a\\ b"), { W("a b", 1) } },
	{ IN("a\\\\b"), { W("a\\b", 1) } },
	{ IN("a\\'b a\\\"b"), { W("a'b", 1), W("a\"b", 6) } },
	{ IN("a\\nb\\rc\\td"), { W("a\nb\rc\td", 1) } },
	{ IN("a\\x41" "b \\x4a\\x4A"), { W("aAb", 1), W("JJ", 8) } },
	{ IN("x a\\x00" "b"), { W("x", 1), W("a\0b", 3) } },
	{ IN("a\\qb \\a\\0\\e a\\$b"), { W("a\\qb", 1), W("\\a\\0\\e", 6), W("a\\$b", 13) } },
	{ IN("a\\ x\\"), { W("a x\\", 1) } },
	{ IN("a\\\tb"), { W("a\\", 1), W("b", 4) } },
	/* quotes */
	{ IN("\"a b\""), { Q("a b", 1) } },
	{ IN("a\"b c\"d"), { Q("ab cd", 1) } },
	{ IN("'a b'  x"), { Q("a b", 1), W("x", 8) } },
	{ IN("'a\\nb' '$FOO' 'a\"b' \"a'b\""),
	  { Q("a\\nb", 1), Q("$FOO", 8), Q("a\"b", 15), Q("a'b", 21) } },
	{ IN("\"a\\nb\" \"a\\$b\" \"a\\qb\""), { Q("a\nb", 1), Q("a$b", 8), Q("a\\qb", 15) } },
	{ IN("\"a\\ b\\#c\\\\d\\'e\\\"f\\tg\\x41" "\""), { Q("a b#c\\d'e\"f\tgA", 1) } },
	{ IN("\"a#b\"c#d"), { Q("a#bc", 1) } },
	{ IN("x \"\" y ''"), { W("x", 1), Q("", 3), W("y", 6), Q("", 8) } },
	/* environment variables, only inside double quotes */
	{ IN("$FOO ${FOO}"), { W("$FOO", 1), W("${FOO}", 6) } },
	{ IN("\"$FOO\" \"${FOO}x\" \"$FOO.x\""), { Q("foo", 1), Q("foox", 8), Q("foo.x", 18) } },
	{ IN("k \"$FOOx\" \"$NOPE\""), { W("k", 1), Q("", 3), Q("", 11) } },
	{ IN("\"${NOPE-dflt}\" \"${FOO-dflt}\" \"${EMPTY-dflt}\""),
	  { Q("dflt", 1), Q("foo", 16), Q("", 30) } },
	{ IN("\"${NOPE-a b}\" \"${NOPE-a\"b}\" \"${NOPE-$FOO\\x}}\""),
	  { Q("a b", 1), Q("a\"b", 15), Q("$FOO\\x}", 29) } },
	{ IN("\"$FOO$FOO\" \"$FOO[*]\" a'$FOO'b\"$FOO\""),
	  { Q("foofoo", 1), Q("foo[*]", 12), Q("a$FOObfoo", 22) } },
	{ IN("\"\\$FOO\" \"\\\\$FOO\""), { Q("$FOO", 1), Q("\\foo", 9) } },
	/* "${VAR[*]}" splits the value at every blank run, leading and trailing ones too */
	{ IN("\"${SP[*]}\""), { Q("a", 1), Q("b", 2) } },
	{ IN("\"x${SP[*]}y\" z"), { Q("xa", 1), Q("by", 3), W("z", 14) } },
	{ IN("k \"${LEAD[*]}\""), { W("k", 1), Q("", 3), Q("lead", 4) } },
	{ IN("\"${TRAIL[*]}\" y"), { Q("x", 1), Q("", 2), W("y", 15) } },
	{ IN("\"${TRAIL[*]}\""), { Q("x", 1) } },
	{ IN("\"${TRAIL[*]}\"y"), { Q("x", 1), Q("y", 2) } },
	{ IN("\"${NOPE[*]-q  r}\" \"${TABS[*]}\""),
	  { Q("q", 1), Q("r", 2), Q("t", 19), Q("u", 20), Q("v", 20) } },
	{ IN("'${SP[*]}' ${SP[*]}"), { Q("${SP[*]}", 1), W("${SP[*]}", 12) } },
	/* CR ends the line, except inside a blank run where it is a blank */
	{ IN("a\rb c"), { W("a", 1) } },
	{ IN("a \rb"), { W("a", 1), W("b", 4) } },
	{ IN("\r\tx\r"), { W("x", 3) } },
	{ IN("a\\\rb"), { W("a\\", 1) } },
	{ IN("\"${NOPE-a\rb}\""), { Q("a\rb", 1) } },
	/* bytes are bytes */
	{ IN("\xc3\xa9t\xc3\xa9 \x01\x7f"), { W("\xc3\xa9t\xc3\xa9", 1), W("\x01\x7f", 7) } },
};

struct err_row {
	const char *in;
	const char *compat;
	uint32_t col;
};

static const struct err_row err_rows[] = {
	{ IN(".notice \"unterminated"),
	  ERR("parsing [t.cfg:2]: unmatched quote at position 9:\n  .notice \"unterminated\n          " "^"), 9 },
	{ IN("  .notice \"unterminated"),
	  ERR("parsing [t.cfg:2]: unmatched quote at position 11:\n  .notice \"unterminated\n          " "^"), 11 },
	{ IN("\t .notice\t\"a"),
	  ERR("parsing [t.cfg:2]: unmatched quote at position 11:\n  .notice \"a\n          ^"), 11 },
	{ IN("'abc"),
	  ERR("parsing [t.cfg:2]: unmatched quote at position 1:\n  'abc\n  ^"), 1 },
	{ IN("a\""),
	  ERR("parsing [t.cfg:2]: unmatched quote at position 2:\n  a\"\n   ^"), 2 },
	{ IN("'a\\'b'"),
	  ERR("parsing [t.cfg:2]: unmatched quote at position 6:\n  'a\\'b'\n       ^"), 6 },
	{ IN("\"a\\"),
	  ERR("parsing [t.cfg:2]: unmatched quote at position 1:\n  \"a\\\n  ^"), 1 },
	{ IN("\"a\rb\""),
	  ERR("parsing [t.cfg:2]: unmatched quote at position 1:\n  \"a b\"\n  ^"), 1 },
	{ IN("'a\rb'"),
	  ERR("parsing [t.cfg:2]: unmatched quote at position 1:\n  'a b'\n  ^"), 1 },
	{ IN("\"a\tb\x01" "c\x7f\xc3\xa9" "d"),
	  ERR("parsing [t.cfg:2]: unmatched quote at position 1:\n  \"a b?c???d\n  ^"), 1 },
	{ IN("a\\x4"),
	  ERR("parsing [t.cfg:2]: truncated or invalid hexadecimal sequence at position 2:\n  a\\x4\n   " "^"), 2 },
	{ IN("a\\xZZb"),
	  ERR("parsing [t.cfg:2]: truncated or invalid hexadecimal sequence at position 2:\n  a\\xZZb\n " "  ^"), 2 },
	{ IN("\"a\\xZ\""),
	  ERR("parsing [t.cfg:2]: truncated or invalid hexadecimal sequence at position 3:\n  " "\"a\\xZ\"\n    ^"), 3 },
	{ IN("a\\xg1 \"b"),
	  ERR("parsing [t.cfg:2]: truncated or invalid hexadecimal sequence at position 2:\n  a\\xg1 " "\"b\n   ^"), 2 },
	{ IN("\"${FOO\""),
	  ERR("parsing [t.cfg:2]: unmatched brace in environment variable name at position 3:\n  " "\"${FOO\"\n    ^"), 3 },
	{ IN("\"${FOO[*]x}\""),
	  ERR("parsing [t.cfg:2]: unmatched brace in environment variable name at position 3:\n  " "\"${FOO[*]x}\"\n    ^"), 3 },
	{ IN("\"${NOPE-abc"),
	  ERR("parsing [t.cfg:2]: unmatched brace in environment variable name at position 3:\n  " "\"${NOPE-abc\n    ^"), 3 },
	{ IN("\"${FOO\r}\""),
	  ERR("parsing [t.cfg:2]: unmatched brace in environment variable name at position 3:\n  " "\"${FOO }\"\n    ^"), 3 },
	{ IN("\"${}\""),
	  ERR("parsing [t.cfg:2]: forbidden first char in environment variable name at position 4:\n  " "\"${}\"\n     ^"), 4 },
	{ IN("\"$\""),
	  ERR("parsing [t.cfg:2]: forbidden first char in environment variable name at position 3:\n  " "\"$\"\n    ^"), 3 },
	{ IN("\"$1\""),
	  ERR("parsing [t.cfg:2]: forbidden first char in environment variable name at position 3:\n  " "\"$1\"\n    ^"), 3 },
	{ IN("\"${-x}\""),
	  ERR("parsing [t.cfg:2]: forbidden first char in environment variable name at position 4:\n  " "\"${-x}\"\n     ^"), 4 },
	{ IN("x \"$ FOO\""),
	  ERR("parsing [t.cfg:2]: forbidden first char in environment variable name at position 5:\n  x " "\"$ FOO\"\n      ^"), 5 },
	{ IN("\"${FOO[*}\""),
	  ERR("parsing [t.cfg:2]: truncated or invalid word expansion sequence at position 7:\n  " "\"${FOO[*}\"\n        ^"), 7 },
	{ IN("\"${FOO[@]}\""),
	  ERR("parsing [t.cfg:2]: truncated or invalid word expansion sequence at position 7:\n  " "\"${FOO[@]}\"\n        ^"), 7 },
	/* HAProxy's first pass turns the `}` of a default into a NUL: the excerpt stops there. */
	{ IN(".notice \"${NOPE-d}\" \"x"),
	  ERR("parsing [t.cfg:2]: unmatched quote at position 21:\n  .notice \"${NOPE-d\n               " "       ^"), 21 },
	{ IN(".notice \"${FOO-d}\" a\\x4"),
	  ERR("parsing [t.cfg:2]: truncated or invalid hexadecimal sequence at position 21:\n  .notice " "\"${FOO-d\n                      ^"), 21 },
	/* ... but a window past column 80 starts after that NUL (found by the differential run). */
	{ IN(".notice \"${NOPE-a b}\"FOO\"'$FOO'\"${TRAIL[*]}\"\"${LEAD[*]}\" \"${TRAIL[*]}\"\"${NOPE-a " "b}\"}4\\ LEAD\\n"),
	  ERR("parsing [t.cfg:2]: unmatched quote at position 83:\n  ...${LEAD[*]}\" " "\"${TRAIL[*]}\"\"${NOPE-a b}\"}4\\ LEAD\\n...\n                                          " "^"), 83 },
	/* The excerpt is at most 80 columns; from column 80 on, a window around the error. */
	{ IN(".notice " "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl" "mnopqrstuv " "\"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB" "BBBBBBBBBBBB"),
	  ERR("parsing [t.cfg:2]: unmatched quote at position 110:\n  " "...mnopqrstuvwxyzabcdefghijklmnopqrstuv \"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB...\n      " "                                    ^"), 110 },
	{ IN(".notice abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqr " "\"BBBBBBBBBB"),
	  ERR("parsing [t.cfg:2]: unmatched quote at position 80:\n  .notice " "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqr \"\n              " "                                                                   ^"), 80 },
	{ IN(".notice abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrs \"BBBBB"),
	  ERR("parsing [t.cfg:2]: unmatched quote at position 81:\n  " "...jklmnopqrstuvwxyzabcdefghijklmnopqrs \"BBBBB...\n                                     " "     ^"), 81 },
	{ IN(".notice abcdefghij " "\"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB" "BBBBBBBBBBBB"),
	  ERR("parsing [t.cfg:2]: unmatched quote at position 20:\n  .notice abcdefghij " "\"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB\n                     ^"), 20 },
};

/* clang-format on */

/* ---------------------------------------------------------------- helpers */

struct fx {
	struct arena *a;
	struct diag_list dl;
	struct hap_lexer lx;
};

static void fx_open(struct fx *f, const char *buf, size_t len)
{
	memset(f, 0, sizeof(*f));
	f->a = arena_new();
	hap_lex_init(&f->lx, "t.cfg", buf, len, f->a, &f->dl);
}

static void fx_close(struct fx *f)
{
	diag_list_free(&f->dl);
	arena_free(f->a);
}

/* The line as line 2 (see test_default_reparse for why not 1) with its LF, in a buffer of
 * its own so that ASan sees any read past it. */
static char *with_lf(const char *line, size_t n, size_t *len)
{
	char *b = malloc(n + 2);
	assert_non_null(b);
	b[0] = '\n';
	memcpy(b + 1, line, n);
	b[n + 1] = '\n';
	*len = n + 2;
	return b;
}

static void check_word_row(const struct word_row *r)
{
	size_t len;
	char *b = with_lf(r->in, strlen(r->in), &len);
	struct fx f;
	fx_open(&f, b, len);
	struct cfg_stmt *s;
	int nw = 0;
	while (nw < 8 && r->w[nw].s)
		nw++;
	assert_int_equal(hap_lex_line(&f.lx, &s), 1);
	int rc = hap_lex_line(&f.lx, &s);
	if (rc != 1 || s->nw != nw || f.dl.n)
		fail_msg("row \"%s\": rc %d, %d words, %zu findings", r->in, rc,
		         rc == 1 ? s->nw : -1, f.dl.n);
	for (int i = 0; i < nw; i++) {
		const struct cfg_word *w = &s->w[i];
		const struct ew *e = &r->w[i];
		if (w->len != e->n || memcmp(w->s, e->s, e->n) || w->s[w->len] ||
		    w->at.col != e->col || w->quoted != e->quoted || w->at.line != 2 ||
		    strcmp(w->at.file, "t.cfg"))
			fail_msg("row \"%s\" word %d: got \"%s\" col %u quoted %d", r->in, i, w->s,
			         w->at.col, w->quoted);
	}
	assert_ptr_equal(s->raw, b + 1);
	assert_int_equal(s->raw_len, len - 2);
	assert_int_equal(s->at.col, nw ? r->w[0].col : 0);
	assert_int_equal(hap_lex_line(&f.lx, &s), 0);
	fx_close(&f);
	free(b);
}

static void check_err_row(const struct err_row *r)
{
	size_t len;
	char *b = with_lf(r->in, strlen(r->in), &len);
	struct fx f;
	fx_open(&f, b, len);
	struct cfg_stmt *s;
	assert_int_equal(hap_lex_line(&f.lx, &s), 1);
	assert_int_equal(hap_lex_line(&f.lx, &s), -1);
	assert_null(s);
	assert_int_equal(f.dl.n, 1);
	const struct diag *d = &f.dl.v[0];
	if (strcmp(d->compat, r->compat))
		fail_msg("row \"%s\":\n got: %s\nwant: %s", r->in, d->compat, r->compat);
	assert_int_equal(d->sev, DIAG_ERROR);
	assert_int_equal(d->compat_sev, DIAG_ERROR);
	assert_int_equal(d->flags, DIAG_FATAL);
	assert_int_equal(d->at.line, 2);
	assert_int_equal(d->at.col, r->col);
	assert_true(d->msg && *d->msg && !strchr(d->msg, '\n'));
	assert_int_equal(hap_lex_line(&f.lx, &s), 0);
	fx_close(&f);
	free(b);
}

/* ".notice f1 ... fN" followed by `tail`, in a malloc'd string. */
static char *fillers(int n, const char *tail)
{
	size_t cap = 16 + (size_t)n * 8 + strlen(tail);
	char *b = malloc(cap);
	assert_non_null(b);
	size_t o = (size_t)snprintf(b, cap, ".notice");
	for (int i = 1; i <= n; i++)
		o += (size_t)snprintf(b + o, cap - o, " w%d", i);
	snprintf(b + o, cap - o, "%s\n", tail);
	return b;
}

/* Lexes one line; returns rc and the single finding's compat text (or NULL). */
static int lex_one(const char *buf, size_t len, int *nw, char *compat, size_t csz)
{
	struct fx f;
	fx_open(&f, buf, len);
	struct cfg_stmt *s;
	int rc = hap_lex_line(&f.lx, &s);
	*nw = rc == 1 ? s->nw : -1;
	compat[0] = 0;
	if (f.dl.n)
		snprintf(compat, csz, "%s", f.dl.v[0].compat);
	fx_close(&f);
	return rc;
}

/* ---------------------------------------------------------------- tests */

static void test_word_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(word_rows); i++)
		check_word_row(&word_rows[i]);
}

static void test_err_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(err_rows); i++)
		check_err_row(&err_rows[i]);
}

/* haproxy takes 64 words; a separator after word 64 begins a 65th, which is an error even
 * if it would stay empty (a trailing blank). The alert shows word 64, and where it starts in
 * HAProxy's output buffer; the line is dropped and reading goes on:
 *   parsing [k.cfg:2]: too many words, truncating after word 64, position 248: <w63>. */
static void test_word_limit(void **state)
{
	(void)state;
	char c[512];
	int nw;
	char *b = fillers(63, "");
	assert_int_equal(lex_one(b, strlen(b), &nw, c, sizeof(c)), 1);
	assert_int_equal(nw, 64);
	free(b);
	b = fillers(63, "#c");
	assert_int_equal(lex_one(b, strlen(b), &nw, c, sizeof(c)), 1);
	assert_int_equal(nw, 64);
	free(b);
	b = fillers(63, " ");
	assert_int_equal(lex_one(b, strlen(b), &nw, c, sizeof(c)), -1);
	assert_string_equal(c, "parsing [t.cfg:1]: too many words, truncating after word 64, "
	                       "position 248: <w63>.");
	free(b);

	b = fillers(63, " w64 w65");
	assert_int_equal(lex_one(b, strlen(b), &nw, c, sizeof(c)), -1);
	assert_string_equal(c, "parsing [t.cfg:1]: too many words, truncating after word 64, "
	                       "position 248: <w63>.");
	free(b);

	/* Word 64 is shown after its escapes and quotes; trailing blanks or a comment after
	 * word 63 are not a 64th word. */
	b = fillers(62, " \"q\\x41 r\"  zz yy");
	assert_int_equal(lex_one(b, strlen(b), &nw, c, sizeof(c)), -1);
	assert_string_equal(c, "parsing [t.cfg:1]: too many words, truncating after word 64, "
	                       "position 248: <qA r>.");
	free(b);
	b = fillers(62, " \"\" zz");
	assert_int_equal(lex_one(b, strlen(b), &nw, c, sizeof(c)), -1);
	assert_string_equal(c, "parsing [t.cfg:1]: too many words, truncating after word 64, "
	                       "position 248: <>.");
	free(b);
	b = fillers(62, "   # more");
	assert_int_equal(lex_one(b, strlen(b), &nw, c, sizeof(c)), 1);
	assert_int_equal(nw, 63);
	free(b);
	b = fillers(62, " ab#c d");
	assert_int_equal(lex_one(b, strlen(b), &nw, c, sizeof(c)), 1);
	assert_int_equal(nw, 64);
	free(b);

	/* Words made by a [*] split count the same. */
	b = fillers(61, " \"${SP[*]}\"");
	assert_int_equal(lex_one(b, strlen(b), &nw, c, sizeof(c)), 1);
	assert_int_equal(nw, 64);
	free(b);
	b = fillers(61, " \"${TRAIL[*]}${SP[*]}\"");
	assert_int_equal(lex_one(b, strlen(b), &nw, c, sizeof(c)), -1);
	assert_string_equal(c, "parsing [t.cfg:1]: too many words, truncating after word 64, "
	                       "position 246: <a>.");
	free(b);

	/* The position is where word 64 starts in HAProxy's output (words end with a NUL, quotes
	 * and escapes are gone): here 'a' of the second split, at 243. */
	b = fillers(60, " \"${SP[*]}\" \"${SP[*]}\"");
	assert_int_equal(lex_one(b, strlen(b), &nw, c, sizeof(c)), -1);
	assert_string_equal(c, "parsing [t.cfg:1]: too many words, truncating after word 64, "
	                       "position 244: <a>.");
	free(b);
	b = fillers(61, " \"${SP[*]}\"y");
	assert_int_equal(lex_one(b, strlen(b), &nw, c, sizeof(c)), 1);
	assert_int_equal(nw, 64);
	free(b);

	/* Syntax errors anywhere on the line win over the word limit. */
	b = fillers(62, " x \"unterm");
	assert_int_equal(lex_one(b, strlen(b), &nw, c, sizeof(c)), -1);
	assert_string_equal(c, "parsing [t.cfg:1]: unmatched quote at position 250:\n"
	                       "  ...54 w55 w56 w57 w58 w59 w60 w61 w62 x \"unterm...\n"
	                       "                                          ^");
	free(b);
}

/* haproxy uses the last line even without LF, then:
 *   parsing [k.cfg:2]: Missing LF on last line, file might have been truncated at position 13. */
static void test_missing_lf(void **state)
{
	(void)state;
	static const char buf[] = "global\n.notice last";
	struct fx f;
	fx_open(&f, buf, sizeof(buf) - 1);
	struct cfg_stmt *s;
	assert_int_equal(hap_lex_line(&f.lx, &s), 1);
	assert_int_equal(s->nw, 1);
	assert_int_equal(hap_lex_line(&f.lx, &s), 1);
	assert_int_equal(s->nw, 2);
	assert_string_equal(s->w[1].s, "last");
	assert_int_equal(s->raw_len, 12);
	assert_int_equal(f.dl.n, 1);
	assert_string_equal(f.dl.v[0].compat, "parsing [t.cfg:2]: Missing LF on last line, file "
	                                      "might have been truncated at position 13.");
	assert_int_equal(f.dl.v[0].flags, DIAG_FATAL);
	assert_int_equal(f.dl.v[0].at.line, 2);
	assert_int_equal(hap_lex_line(&f.lx, &s), 0);
	fx_close(&f);

	/* An error on that line comes first; blanks and comments count too. */
	static const char q[] = "\"x";
	fx_open(&f, q, sizeof(q) - 1);
	assert_int_equal(hap_lex_line(&f.lx, &s), -1);
	assert_int_equal(f.dl.n, 2);
	assert_string_equal(f.dl.v[1].compat, "parsing [t.cfg:1]: Missing LF on last line, file "
	                                      "might have been truncated at position 3.");
	fx_close(&f);
	static const char c[] = "  #c";
	fx_open(&f, c, sizeof(c) - 1);
	assert_int_equal(hap_lex_line(&f.lx, &s), 1);
	assert_int_equal(s->nw, 0);
	assert_string_equal(f.dl.v[0].compat, "parsing [t.cfg:1]: Missing LF on last line, file "
	                                      "might have been truncated at position 5.");
	fx_close(&f);
}

/* haproxy reads lines as C strings: a NUL ends the line, the part before it is used, then
 *   parsing [k.cfg:2]: Stray NUL character at position 12.
 * and the rest of the file is not read. On the last line, LF or not, it is the LF message,
 * at the NUL ("Missing LF ... at position 10" for ".notice a\0b"). */
static void test_nul(void **state)
{
	(void)state;
	static const char buf[] = "global\n.notice a b\0c\n.notice \"x\n";
	struct fx f;
	fx_open(&f, buf, sizeof(buf) - 1);
	struct cfg_stmt *s;
	assert_int_equal(hap_lex_line(&f.lx, &s), 1);
	assert_int_equal(hap_lex_line(&f.lx, &s), 1);
	assert_int_equal(s->nw, 3);
	assert_string_equal(s->w[2].s, "b");
	assert_int_equal(s->raw_len, 13);
	assert_int_equal(f.dl.n, 1);
	assert_string_equal(f.dl.v[0].compat,
	                    "parsing [t.cfg:2]: Stray NUL character at position 12.");
	assert_int_equal(f.dl.v[0].flags, DIAG_FATAL | DIAG_ABORT);
	assert_int_equal(hap_lex_line(&f.lx, &s), 0);
	assert_int_equal(f.dl.n, 1);
	fx_close(&f);

	static const char q[] = ".notice \"a\0b\"\n\n";
	fx_open(&f, q, sizeof(q) - 1);
	assert_int_equal(hap_lex_line(&f.lx, &s), -1);
	assert_int_equal(f.dl.n, 2);
	assert_string_equal(f.dl.v[0].compat, "parsing [t.cfg:1]: unmatched quote at position 9:\n"
	                                      "  .notice \"a\n          ^");
	assert_string_equal(f.dl.v[1].compat,
	                    "parsing [t.cfg:1]: Stray NUL character at position 11.");
	fx_close(&f);

	static const char l[] = ".notice a\0b";
	fx_open(&f, l, sizeof(l) - 1);
	assert_int_equal(hap_lex_line(&f.lx, &s), 1);
	assert_int_equal(f.dl.n, 1);
	assert_string_equal(f.dl.v[0].compat, "parsing [t.cfg:1]: Missing LF on last line, file "
	                                      "might have been truncated at position 10.");
	assert_int_equal(f.dl.v[0].flags, DIAG_FATAL);
	fx_close(&f);
	/* haproxy only sees that the C string lacks its LF: the same with an LF at the end. */
	static const char l2[] = ".notice a\0b\n";
	fx_open(&f, l2, sizeof(l2) - 1);
	assert_int_equal(hap_lex_line(&f.lx, &s), 1);
	assert_int_equal(f.dl.n, 1);
	assert_string_equal(f.dl.v[0].compat, "parsing [t.cfg:1]: Missing LF on last line, file "
	                                      "might have been truncated at position 10.");
	assert_int_equal(hap_lex_line(&f.lx, &s), 0);
	fx_close(&f);
}

/* Line numbers, raw lines, CRLF files, and haproxy going on after a bad line. */
static void test_lines(void **state)
{
	(void)state;
	static const char buf[] = "global\r\n\r\n  bind :80\r\n\"x\r\n# c\r\n\"\" .notice x\n"
	                          "\"$NOPE\" y\n";
	struct fx f;
	fx_open(&f, buf, sizeof(buf) - 1);
	struct cfg_stmt *s;
	assert_int_equal(hap_lex_line(&f.lx, &s), 1);
	assert_int_equal(s->nw, 1);
	assert_int_equal(s->w[0].len, 6);
	assert_int_equal(s->raw_len, 7);
	assert_int_equal(hap_lex_line(&f.lx, &s), 1);
	assert_int_equal(s->nw, 0);
	assert_int_equal(s->at.line, 2);
	assert_int_equal(hap_lex_line(&f.lx, &s), 1);
	assert_int_equal(s->nw, 2);
	assert_int_equal(s->at.line, 3);
	assert_int_equal(s->at.col, 3);
	assert_string_equal(s->w[1].s, ":80");
	assert_ptr_equal(s->raw, buf + 10);
	assert_int_equal(hap_lex_line(&f.lx, &s), -1);
	assert_string_equal(f.dl.v[0].compat,
	                    "parsing [t.cfg:4]: unmatched quote at position 1:\n  \"x \n  ^");
	assert_int_equal(hap_lex_line(&f.lx, &s), 1);
	assert_int_equal(s->nw, 0);
	/* haproxy skips a line whose first word is empty, whatever follows (checked: neither
	 * line prints anything). */
	assert_int_equal(hap_lex_line(&f.lx, &s), 1);
	assert_int_equal(s->nw, 0);
	assert_int_equal(hap_lex_line(&f.lx, &s), 1);
	assert_int_equal(s->nw, 0);
	assert_int_equal(s->at.line, 7);
	assert_int_equal(hap_lex_line(&f.lx, &s), 0);
	assert_int_equal(hap_lex_line(&f.lx, &s), 0);
	assert_int_equal(f.dl.n, 1);
	fx_close(&f);

	fx_open(&f, "", 0);
	assert_int_equal(hap_lex_line(&f.lx, &s), 0);
	assert_int_equal(f.dl.n, 0);
	fx_close(&f);
}

/* haproxy parses a line into a buffer that starts empty for each file and grows to the next
 * multiple of 1024 bytes when a line needs more; the line is then parsed again, but the first
 * pass has turned the `}` of each ${V-default} into a NUL. Checked with this file (FOO=foo):
 *   .notice "${FOO-d}"                    -> unmatched brace, position 11 (first line)
 *   .notice <1014 x a> "${NOPE-d}"         -> unmatched brace, position 1026 (needs 1025 > 1024)
 *   the same line again                   -> fine (the buffer is 2048 now)
 * and after an empty first line, .notice <1013 x a> "${NOPE-d}" (1024 bytes) is fine. */
static void test_default_reparse(void **state)
{
	(void)state;
	char line[1100], buf[4400];
	snprintf(line, sizeof(line), ".notice %01014d \"${NOPE-d}\"\n", 0);
	memset(line + 8, 'a', 1014);
	int n = snprintf(buf, sizeof(buf), ".notice \"${FOO-d}\"\n%s%s\n%s", line, line, line);
	buf[n - 1027] = ' '; /* the last line needs 1024 bytes: ".notice  aaa" */
	struct fx f, g;
	fx_open(&f, buf, (size_t)n);
	struct cfg_stmt *s;
	assert_int_equal(hap_lex_line(&f.lx, &s), -1);
	assert_string_equal(f.dl.v[0].compat, "parsing [t.cfg:1]: unmatched brace in environment "
	                                      "variable name at position 11:\n  .notice \"${FOO-d\n"
	                                      "            ^");
	assert_int_equal(hap_lex_line(&f.lx, &s), -1);
	char want[300];
	snprintf(want, sizeof(want),
	         "parsing [t.cfg:2]: unmatched brace in environment variable "
	         "name at position 1026:\n  ...%.34s \"${NOPE-d...\n  %41s",
	         line + 8, "^");
	assert_string_equal(f.dl.v[1].compat, want);

	/* Another lexer in between: the size is recomputed from the start of the file. */
	static const char other[] = "\"${FOO-x}\"\n";
	fx_open(&g, other, sizeof(other) - 1);
	assert_int_equal(hap_lex_line(&g.lx, &s), -1);
	fx_close(&g);

	assert_int_equal(hap_lex_line(&f.lx, &s), 1);
	assert_string_equal(s->w[2].s, "d");
	fx_close(&f);

	/* After any first line the buffer holds 1024 bytes, which a line may fill exactly. */
	fx_open(&f, buf + n - 1036, 1036);
	assert_int_equal(hap_lex_line(&f.lx, &s), 1);
	assert_int_equal(s->nw, 0);
	assert_int_equal(hap_lex_line(&f.lx, &s), 1);
	assert_int_equal(s->nw, 3);
	assert_int_equal(s->w[1].len, 1013);
	assert_int_equal(f.dl.n, 0);
	fx_close(&f);
}

/* haproxy takes 10 MB lines whole. */
static void test_huge_lines(void **state)
{
	(void)state;
	size_t n = 10u << 20;
	char *b = malloc(n + 1);
	assert_non_null(b);
	memset(b, 'a', n);
	b[n] = '\n';
	int nw;
	char c[512];
	assert_int_equal(lex_one(b, n + 1, &nw, c, sizeof(c)), 1);
	assert_int_equal(nw, 1);

	for (size_t i = 1; i < n; i += 2)
		b[i] = ' ';
	assert_int_equal(lex_one(b, n + 1, &nw, c, sizeof(c)), -1);
	assert_string_equal(c, "parsing [t.cfg:1]: too many words, truncating after word 64, "
	                       "position 127: <a>.");

	memset(b, 'a', n);
	b[5] = '"';
	assert_int_equal(lex_one(b, n + 1, &nw, c, sizeof(c)), -1);
	assert_non_null(strstr(c, "unmatched quote at position 6:\n  aaaaa\"aaaa"));

	/* A variable every 4 bytes of a 1 MB line. */
	size_t m = 1u << 20;
	for (size_t i = 0; i + 4 <= m; i += 4)
		memcpy(b + i, "$FOO", 4);
	b[0] = '"';
	b[m - 1] = '"';
	b[m] = '\n';
	assert_int_equal(lex_one(b, m + 1, &nw, c, sizeof(c)), 1);
	assert_int_equal(nw, 1);

	/* vipr's own bound: 64 MiB of words after expansion; a finding haproxy has no text for. */
	size_t big = 1u << 20;
	char *v = malloc(big + 1);
	assert_non_null(v);
	memset(v, 'v', big);
	v[big] = 0;
	setenv("BIG", v, 1);
	free(v);
	int len = snprintf(b, n, "\"");
	for (int i = 0; i < 70; i++)
		len += snprintf(b + len, n - (size_t)len, "$BIG");
	len += snprintf(b + len, n - (size_t)len, "\"\n");
	struct fx f;
	fx_open(&f, b, (size_t)len);
	struct cfg_stmt *s;
	assert_int_equal(hap_lex_line(&f.lx, &s), -1);
	assert_int_equal(f.dl.n, 1);
	assert_null(f.dl.v[0].compat);
	assert_int_equal(f.dl.v[0].sev, DIAG_ERROR);
	assert_int_equal(f.dl.v[0].flags, DIAG_FATAL);
	fx_close(&f);
	unsetenv("BIG");
	free(b);
}

/* Random bytes biased towards the tokenizer's special characters: never a crash, never a
 * read outside the buffer (ASan), and every result consistent. */
static void test_garbage(void **state)
{
	(void)state;
	static const char alphabet[] = " \t\r\n\"'\\#${}[*]-x4ZaA_\0\x01\xff";
	uint32_t seed = 12345;
	for (int round = 0; round < 300; round++) {
		size_t n = 1 + round * 7 % 600;
		char *b = malloc(n);
		assert_non_null(b);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			b[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		struct fx f;
		fx_open(&f, b, n);
		struct cfg_stmt *s;
		int rc, lines = 0;
		while ((rc = hap_lex_line(&f.lx, &s)) != 0) {
			assert_true(rc == 1 || rc == -1);
			assert_true(++lines <= (int)n);
			if (rc == -1) {
				assert_null(s);
				continue;
			}
			assert_true(s->nw >= 0 && s->nw <= HAP_MAX_LINE_ARGS);
			assert_true(s->raw >= b && s->raw + s->raw_len <= b + n);
			for (int i = 0; i < s->nw; i++) {
				assert_int_equal(s->w[i].s[s->w[i].len], 0);
				assert_true(s->w[i].at.col >= 1 && s->w[i].at.col <= s->raw_len);
			}
		}
		for (size_t i = 0; i < f.dl.n; i++)
			assert_true(f.dl.v[i].compat && f.dl.v[i].msg);
		fx_close(&f);
		free(b);
	}
}

int main(void)
{
	setenv("FOO", "foo", 1);
	setenv("SP", "a b", 1);
	setenv("LEAD", "  lead", 1);
	setenv("TRAIL", "x ", 1);
	setenv("EMPTY", "", 1);
	setenv("TABS", "t\tu\nv", 1);
	unsetenv("NOPE");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_word_rows),
	    cmocka_unit_test(test_err_rows),
	    cmocka_unit_test(test_word_limit),
	    cmocka_unit_test(test_missing_lf),
	    cmocka_unit_test(test_nul),
	    cmocka_unit_test(test_lines),
	    cmocka_unit_test(test_default_reparse),
	    cmocka_unit_test(test_huge_lines),
	    cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
