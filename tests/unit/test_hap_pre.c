/* test_hap_pre.c - conditional blocks and directives, as HAProxy 2.6.12 applies them.
 *
 * Each row is a small config: the keywords that must survive, in order, and the compat texts
 * of the findings, in order. Expected outputs were taken from `haproxy -c -f` on the same
 * lines (with "global" as line 1, here omitted so line numbers start at 1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "parser/hap_lex.h"
#include "parser/parser.h"


static const struct row {
	const char *cfg;
	const char *kept;     /* first words of the surviving lines, blank-separated */
	const char *findings; /* compat texts joined with '|' */
	bool aborted;
} rows[] = {
	{ ".if 1\na\n.endif\n", "a", "", false },
	{ ".if 0\na\n.else\nb\n.endif\n", "b", "", false },
	{ ".if 0\na\n.elif 1\nb\n.elif 1\nc\n.else\nd\n.endif\n", "b", "", false },
	{ ".if 1\n.notice yes\n.endif\n", "", "parsing [f:2]: 'yes'.", false },
	{ ".if 0\n.alert x\n.warning y\n.diag z\n.foo\n.if 1 0\n.endif\n.elif 1\n.diag d\n.warning w\n.alert al\n.endif\n",
	  "", "parsing [f:9]: 'd'.|parsing [f:10]: 'w'.|parsing [f:11]: 'al'.", false },
	{ ".notice\n.notice a b\n", "",
	  "parsing [f:1]: ''.|parsing [f:2]: Unexpected argument 'b' for '.notice'. Use quotes if the message should contain spaces.", false },
	{ ".elif 1\na\n", "", "parsing [f:1]: lone '.elif' with no matching '.if'.", true },
	{ ".else\na\n", "", "parsing [f:1]: lone '.else' with no matching '.if'.", true },
	{ "a\n.endif\n.notice b\n", "a", "parsing [f:2]: lone '.endif' with no matching '.if'.", true },
	{ ".if 1\n.notice a\n\n# c\n", "", "parsing [f:2]: 'a'.|parsing [f:4]: non-terminated '.if' block.", true },
	{ ".if 1\n.else x\n.endif y\n", "", "parsing [f:2]: Unexpected argument 'x' for '.else'.|parsing [f:2]: non-terminated '.if' block.", true },
	{ ".endif x\n", "", "parsing [f:1]: Unexpected argument 'x' for '.endif'.", true },
	{ ".if 1\n.else\n.else\n.notice next\n.endif\n", "", "parsing [f:3]: '.else' after '.else' is not permitted.", true },
	{ ".if 0\n.else\n.elif 1\n.endif\n", "", "parsing [f:3]: '.elif' after '.else' is not permitted.", true },
	{ ".if 1 0\n.notice next\n.endif\n", "",
	  "parsing [f:1]: unexpected character '0' at the end of conditional expression '1 0' in '.if' at position 3:\n  .if 1 0\n        ^", true },
	{ ".if 0\n.elif 1 0\n.endif\n", "",
	  "parsing [f:2]: unexpected character '0' at the end of conditional expression '1 0' in '.elif' at position 3:\n  .elif 1 0\n          ^", true },
	{ ".if    1     0   # c\n.endif\n", "",
	  "parsing [f:1]: unexpected character '0' at the end of conditional expression '1 0 ' in '.if' at position 3:\n  .if 1 0 \n        ^", true },
	{ ".if 1\n.elif 1 0\n.endif\n.notice n\n", "", "parsing [f:4]: 'n'.", false },
	{ ".foo\n.notice next\n", "", "parsing [f:1]: unknown directive '.foo'.", true },
	{ ".if\na\n.else\nb\n.endif\n", "b", "", false },
	{ "a x y\n.if 1\nb\n.if 0\nc\n.endif\nd\n.endif\ne\n", "a b d e", "", false },
};

static void run_row(const struct row *r, size_t i, int *bad)
{
	struct arena *a = arena_new();
	struct diag_list dl = { 0 };
	struct hap_lexer lx;
	bool aborted = false;
	hap_lex_init(&lx, "f", r->cfg, strlen(r->cfg), a, &dl);
	struct cfg_stmt *st = hap_preprocess(&lx, &aborted);
	char kept[512] = "", found[4096] = "";
	for (; st; st = st->next)
		snprintf(kept + strlen(kept), sizeof(kept) - strlen(kept), "%s%s", *kept ? " " : "",
			 st->w[0].s);
	diag_sort(&dl);
	for (size_t k = 0; k < dl.n; k++)
		snprintf(found + strlen(found), sizeof(found) - strlen(found), "%s%s",
			 k ? "|" : "", dl.v[k].compat ? dl.v[k].compat : "");
	if (strcmp(kept, r->kept) || strcmp(found, r->findings) || aborted != r->aborted) {
		print_error("row %zu: kept '%s' findings '%s' aborted %d\n   want '%s' '%s' %d\n", i,
			    kept, found, aborted, r->kept, r->findings, r->aborted);
		(*bad)++;
	}
	diag_list_free(&dl);
	arena_free(a);
}

static void test_rows(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		run_row(&rows[i], i, &bad);
	assert_int_equal(bad, 0);
}

/* HAProxy says "max is 100" but refuses the 100th nested .if; 99 pass. Skipped branches count. */
static void nest(int levels, bool outer_false, int *bad, bool want_error)
{
	size_t cap = 16 * (size_t)levels + 64;
	char *cfg = malloc(cap), *o = cfg;
	if (outer_false)
		o += sprintf(o, ".if 0\n");
	for (int i = 0; i < levels; i++)
		o += sprintf(o, ".if 1\n");
	o += sprintf(o, ".notice deep\n");
	for (int i = 0; i < levels + outer_false; i++)
		o += sprintf(o, ".endif\n");
	struct arena *a = arena_new();
	struct diag_list dl = { 0 };
	struct hap_lexer lx;
	bool aborted = false;
	hap_lex_init(&lx, "f", cfg, strlen(cfg), a, &dl);
	hap_preprocess(&lx, &aborted);
	bool err = dl.n == 1 && dl.v[0].compat &&
		   !strcmp(dl.v[0].compat, "parsing [f:100]: too many nested '.if', max is 100.");
	if (want_error ? !(err && aborted) : (aborted || dl.n != (outer_false ? 0u : 1u))) {
		print_error("nest %d/%d: n=%zu aborted=%d first=%s\n", levels, outer_false, dl.n,
			    aborted, dl.n ? dl.v[0].compat : "");
		(*bad)++;
	}
	diag_list_free(&dl);
	arena_free(a);
	free(cfg);
}

static void test_nesting(void **state)
{
	(void)state;
	int bad = 0;
	nest(99, false, &bad, false);
	nest(100, false, &bad, true);
	nest(101, false, &bad, true);
	nest(98, true, &bad, false);
	nest(99, true, &bad, true);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_rows),
					    cmocka_unit_test(test_nesting) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
