/* test_ka_lex.c - table tests for keepalived's two line scanners (parser/ka_lex.re).
 *
 * Each row is one line and the words keepalived 2.2.7 makes of it. Rows were checked with
 * Debian's /usr/sbin/keepalived 2.2.7: `keepalived -t -f F` with the line as the first line
 * of F prints "Unknown keyword 'W0'" (first word) and, with `vrrp_instance LINE {`, "(NAME)
 * the virtual router id must be set" (second word); the comment of a row says which.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "parser/ka_read.h"

/* Words as "w1|w2|{|}", quoted words in <>, an unmatched quote as !UNMATCHED. */
static void words(const char *line, char *out, size_t n)
{
	const char *cur = line;
	struct ka_lexeme lx;
	out[0] = 0;
	for (;;) {
		enum ka_lexeme_kind k = ka_lex_next(&cur, &lx);
		if (k == KA_LX_END)
			break;
		if (out[0])
			strncat(out, "|", n - strlen(out) - 1);
		if (k == KA_LX_UNMATCHED) {
			strncat(out, "!UNMATCHED", n - strlen(out) - 1);
			break;
		}
		char w[256];
		snprintf(w, sizeof(w), k == KA_LX_QUOTED ? "<%.*s>" : "%.*s", (int)lx.len, lx.start);
		strncat(out, w, n - strlen(out) - 1);
	}
}

static const struct { const char *line, *want; } rows[] = {
	{ "router_id r1 # comment", "router_id|r1" },         /* Unknown keyword / ok */
	{ "bogus1 x ! c", "bogus1|x" },                        /* '!' comment */
	{ "a!b", "a" },                                        /* name 'a' */
	{ "a#b", "a" },                                        /* name 'a' */
	{ "\"a#b\"", "<a#b>" },                                /* name 'a#b' */
	{ "\"a b\"c", "<a b>|c" },                             /* Unknown keyword 'a b' */
	{ "a\"b c\"d", "a|<b c>|d" },                          /* Unknown keyword 'a' */
	{ "'a b'", "'a|b'" },                                  /* Unknown keyword ''a' */
	{ "\"a\\\"b\" c", "<a\\>|b|!UNMATCHED" },              /* 'a\' + Unmatched quote */
	{ "a\\\"b {", "a\\|!UNMATCHED" },                      /* name 'a\' */
	{ "\"a\\\\b\"", "<a\\\\b>" },                          /* name 'a\\b': no escapes */
	{ "a\\\\b", "a\\\\b" },                                /* Unknown keyword 'a\\b' */
	{ "a\\tb", "a\\tb" },                                  /* name 'a\tb' */
	{ "\"\\#a\"", "<\\#a>" },                              /* Unknown keyword '\#a' */
	{ "a\\#b", "a\\#b" },                                  /* parent: 'a#b' (unescaped later) */
	{ "x y } z { w", "x|y|}|z|{|w" },                      /* Extra '}', Unexpected '{' */
	{ "a{b} {", "a|{|b|}|{" },                             /* Unexpected '{', Unknown 'b' */
	{ "\"a{b}\" {", "<a{b}>|{" },                          /* name 'a{b}' */
	{ "vrrp_instance a {}", "vrrp_instance|a|{|}" },       /* name 'a' */
	{ "\"ab\"", "<ab>" },                                  /* Unknown keyword 'ab' */
	{ "x \"a\" y \"b", "x|<a>|y|!UNMATCHED" },            /* Unmatched quote */
	{ "\"\"", "<>" },
	{ "   \t ", "" },
	{ "a\r", "a" },                                        /* CRLF files */
	{ "\\", "\\" },
};

static void test_words(void **state)
{
	(void)state;
	char got[1024];
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		words(rows[i].line, got, sizeof(got));
		if (strcmp(got, rows[i].want))
			print_error("row %zu: '%s' -> '%s', want '%s'\n", i, rows[i].line, got,
				    rows[i].want);
		assert_string_equal(got, rows[i].want);
	}
}

/* Stage 1: where the comment starts, whether a quote is left open. */
static const struct { const char *line; size_t len; bool unterminated; } strips[] = {
	{ "router_id \"unterminated", 23, true },   /* Unterminated quote 'router_id "unterm...' */
	{ "\"a\\\"b\" {", 8, false },               /* no Unterminated: \" escaped in stage 1 */
	{ "a\\#b", 4, false },                      /* parent keeps 'a#b' */
	{ "a # b", 2, false },
	{ "\"a # b\" ! c", 8, false },
	{ "\"a", 2, true },
	{ "x\\", 2, false },
	{ "", 0, false },
};

static void test_strip(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(strips) / sizeof(strips[0]); i++) {
		bool u = !strips[i].unterminated;
		size_t n = ka_lex_strip(strips[i].line, &u);
		if (n != strips[i].len || u != strips[i].unterminated)
			print_error("row %zu: '%s' -> %zu %d\n", i, strips[i].line, n, u);
		assert_int_equal(n, strips[i].len);
		assert_int_equal(u, strips[i].unterminated);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_strip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
