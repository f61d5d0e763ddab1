/* test_hap_cond.c - `.if` expressions, row by row, as `haproxy -cc` 2.6.12 evaluates them.
 *
 * Every row was run against Debian's /usr/sbin/haproxy: exit 0 is true (1), 1 false (0),
 * 2 an error (-1) whose text follows "config : ". Rows whose outcome depends on the real
 * binary's Debian version suffix or on its build are left out; vipr reports 2.6.12.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "parser/parser.h"


static const struct row {
	const char *expr;
	int want;
	const char *err; /* expected error text when want == -1 (NULL: not checked) */
} rows[] = {
	{ "", 0, NULL },
	{ "0", 0, NULL },
	{ "1", 1, NULL },
	{ "2", 1, NULL },
	{ "-1", 1, NULL },
	{ "-0", 0, NULL },
	{ "+1", 1, NULL },
	{ "00", 0, NULL },
	{ "01", 1, NULL },
	{ "0x1", 1, NULL },
	{ "0x0", 0, NULL },
	{ "999999999999999999999", 1, NULL },
	{ " 0", 0, NULL },
	{ "1  ", 1, NULL },
	{ "!0", 1, NULL },
	{ "!1", 0, NULL },
	{ "!!1", 1, NULL },
	{ "! 0", 1, NULL },
	{ "(1)", 1, NULL },
	{ "((0))", 0, NULL },
	{ "( 1 )", 1, NULL },
	{ "1&&0", 0, NULL },
	{ "1||0", 1, NULL },
	{ "0||0", 0, NULL },
	{ "0 && 1 || 1", 1, NULL },
	{ "1 || 1 && 0", 1, NULL },
	{ "!(1 && 0)", 1, NULL },
	{ "1&&(0||1)", 1, NULL },
	{ "\"1\" \"0\"", -1, "Failed to evaluate condition: unexpected character '0' at the end of conditional expression '1 0'" },
	{ "1a", -1, "Failed to evaluate condition: unexpected character 'a' at the end of conditional expression '1a'" },
	{ "08", -1, "Failed to evaluate condition: unexpected character '8' at the end of conditional expression '08'" },
	{ "1.5", -1, "Failed to evaluate condition: unexpected character '.' at the end of conditional expression '1.5'" },
	{ "abc", -1, "Failed to evaluate condition: unparsable conditional expression 'abc'" },
	{ "true", -1, "Failed to evaluate condition: unparsable conditional expression 'true'" },
	{ "\"abc\"", -1, "Failed to evaluate condition: unparsable conditional expression 'abc'" },
	{ " ", -1, "Failed to evaluate condition: unparsable conditional sub-expression ' '" },
	{ "- 1", -1, "Failed to evaluate condition: unparsable conditional expression '- 1'" },
	{ "()", -1, "Failed to evaluate condition: unparsable conditional expression ')'" },
	{ "(1", -1, "Failed to evaluate condition: expected ')' after conditional expression '(1'" },
	{ "((1)", -1, "Failed to evaluate condition: expected ')' after conditional expression '((1)'" },
	{ "(1))", -1, "Failed to evaluate condition: unexpected character ')' at the end of conditional expression '(1))'" },
	{ "(1 (0))", -1, "Failed to evaluate condition: expected ')' after conditional expression '(1 (0))'" },
	{ "!(1 0)", -1, "Failed to evaluate condition: expected ')' after conditional expression '!(1 0)'" },
	{ "!!", -1, "Failed to evaluate condition: unparsable conditional expression '!!'" },
	{ "!)", -1, "Failed to evaluate condition: unparsable conditional expression '!)'" },
	{ "1&&", -1, "Failed to evaluate condition: unparsable conditional expression '&&'" },
	{ "&&1", -1, "Failed to evaluate condition: unparsable conditional expression '&&1'" },
	{ "1||", -1, "Failed to evaluate condition: unparsable conditional expression '1||'" },
	{ "1 || 0 ||", -1, "Failed to evaluate condition: unparsable conditional expression '1 || 0 ||'" },
	{ "0 && (1 ||", -1, "Failed to evaluate condition: unparsable conditional expression '(1 ||'" },
	{ "1||&&", -1, "Failed to evaluate condition: unparsable conditional expression '&&'" },
	{ "((", -1, "Failed to evaluate condition: unparsable conditional expression '('" },
	{ "!!(", -1, "Failed to evaluate condition: unparsable conditional expression '!!('" },
	{ "1 & 0", -1, "Failed to evaluate condition: unexpected character '&' at the end of conditional expression '1 & 0'" },
	{ "1 !0", -1, "Failed to evaluate condition: unexpected character '!' at the end of conditional expression '1 !0'" },
	{ "\"", -1, "Syntax Error in condition: Unmatched quote." },
	{ "defined(HOME)", 1, NULL },
	{ "defined(VIPR_SURELY_UNSET)", 0, NULL },
	{ "defined", 0, NULL },
	{ "defined()", 0, NULL },
	{ "defined( HOME)", 0, NULL },
	{ "defined(\"HOME\")", 1, NULL },
	{ "!defined(HOME)", 0, NULL },
	{ "defined X", -1, "Failed to evaluate condition: unexpected character 'X' at the end of conditional expression 'defined X'" },
	{ "definedx(HOME)", -1, "Failed to evaluate condition: unparsable conditional expression 'definedx(HOME)'" },
	{ "Defined(HOME)", -1, "Failed to evaluate condition: unparsable conditional expression 'Defined(HOME)'" },
	{ "defined(X,Y)", -1, "Failed to evaluate condition: expected ')' before ',Y)' in argument 1 of predicate 'defined' used in conditional expression" },
	{ "defined(X", -1, "Failed to evaluate condition: expected ')' in argument 1 of predicate 'defined' used in conditional expression" },
	{ "feature(OPENSSL)", 1, NULL },
	{ "feature(PCRE2)", 1, NULL },
	{ "feature(openssl)", 0, NULL },
	{ "feature(OPENS)", 0, NULL },
	{ "feature(KQUEUE)", 0, NULL },
	{ "feature()", 1, NULL },
	{ "feature", 1, NULL },
	{ "streq(a,a)", 1, NULL },
	{ "streq(a,b)", 0, NULL },
	{ "streq(,)", 1, NULL },
	{ "streq( a,a)", 0, NULL },
	{ "streq(a\"b\",ab)", 1, NULL },
	{ "strneq(a,b)", 1, NULL },
	{ "strneq(a,a)", 0, NULL },
	{ "streq(a)", -1, "Failed to evaluate condition: missing arguments (got 1/2), type 'string' expected in argument 1 of predicate 'streq' used in conditional expression" },
	{ "streq", -1, "Failed to evaluate condition: missing arguments (got 1/2), type 'string' expected in argument 1 of predicate 'streq' used in conditional expression" },
	{ "streq(a,b,c)", -1, "Failed to evaluate condition: expected ')' before ',c)' in argument 1 of predicate 'streq' used in conditional expression" },
	{ "version_atleast(2.6)", 1, NULL },
	{ "version_atleast(2.6.12)", 1, NULL },
	{ "version_atleast(2.6.13)", 0, NULL },
	{ "version_before(2.6.13)", 1, NULL },
	{ "version_before(2.6.12)", 0, NULL },
	{ "version_before(2.7)", 1, NULL },
	{ "version_atleast(2.6.12-dev)", 1, NULL },
	{ "version_atleast(2.6.12-rc1)", 1, NULL },
	{ "version_atleast(2.6.12.1)", 0, NULL },
	{ "version_atleast(3)", 0, NULL },
	{ "version_atleast(abc)", 1, NULL },
	{ "version_before(abc)", 0, NULL },
	{ "version_atleast", 1, NULL },
	{ "openssl_version_atleast(1.1.1)", 1, NULL },
	{ "openssl_version_atleast(3.0.0)", 1, NULL },
	{ "openssl_version_before(3.0.0)", 0, NULL },
	{ "openssl_version_atleast(3.1.0)", 0, NULL },
	{ "openssl_version_before(3.1)", -1, "" },
	{ "ssllib_name_startswith(Open)", 1, NULL },
	{ "ssllib_name_startswith(open)", 0, NULL },
	{ "ssllib_name_startswith()", 1, NULL },
};

static void test_rows(void **state)
{
	(void)state;
	setenv("HOME", "/root", 0);
	unsetenv("VIPR_SURELY_UNSET");
	int bad = 0;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char err[512] = "";
		int got = hap_eval_cond(rows[i].expr, err, sizeof(err));
		if (got != rows[i].want || (rows[i].err && strcmp(err, rows[i].err))) {
			print_error("row %zu [%s]: got %d '%s', want %d '%s'\n", i, rows[i].expr, got,
				    err, rows[i].want, rows[i].err ? rows[i].err : "");
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_rows) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
