/* test_ka_pre.c - table tests for ka_read(): blocks, includes, @ID, $NAME, ~SEQ/~LST.
 *
 * Each row writes a main file (and include files) to a temporary directory, reads it with
 * config id "vm", and compares the statement tree (words joined by '|', blocks in { }, ';'
 * after each statement) and the findings ("L<line>:<compat text>", '#' for lint-only ones).
 * Every row was run through Debian's keepalived 2.2.7 (`keepalived -t -f F`, host name vm):
 * the comment says what it printed, usually "Unknown keyword 'X'" for the words we expect.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parser/ka_lex.h"
#include "parser/ka_read.h"

struct row {
	const char *conf, *inc_a, *inc_b; /* inc/a.conf, inc/b.conf */
	bool all_config;
	const char *tree, *diags;
};

static const struct row rows[] = {
	/* 0 (Line 4) Unknown keyword 'bogus1'; `{` on the next line belongs to global_defs */
	{ "global_defs\n{\n  router_id r1 # c\n  bogus1 x ! c\n}\n", 0, 0, 0,
	  "global_defs{router_id|r1;bogus1|x;};", "" },
	/* 1 '}' sharing a line: (Line 3) Extra '}' found, Unknown keyword '}' */
	{ "a {\n b \"x y\" c}\n}\n", 0, 0, 0, "a{b|x y|c;};",
	  "L3:Extra '}' found\nL3:Unknown keyword '}'\n" },
	/* 2 There are 1 missing '}'s or extra '{'s (no line) */
	{ "a {\n b\n", 0, 0, 0, "a{b;};", "L0:There are 1 missing '}'s or extra '{'s\n" },
	/* 3 Unterminated quote + Unmatched quote, the quoted word dropped (routerid missing) */
	{ "g {\n  router_id \"unterminated\n}\n", 0, 0, 0, "g{router_id;};",
	  "L2:Unterminated quote 'router_id \"unterminated'\n"
	  "L2:Unmatched quote: 'router_id \"unterminated'\n" },
	/* 4 x y } z { w : Extra '}', Unexpected '{' ..., 1 missing */
	{ "x y } z { w\n", 0, 0, 0, "x|y;z{w;};",
	  "L1:Extra '}' found\nL1:Unknown keyword '}'\nL0:There are 1 missing '}'s or extra '{'s\n" },
	/* 5 bare { after a closed block: (Line 3) Unexpected '{', (Line 4) Unknown keyword '}' */
	{ "v a {\n}\n{\nk\n}\n", 0, 0, 0, "v|a;k;",
	  "L3:Unexpected '{' - ignoring\nL5:Unknown keyword '}'\n" },
	/* 6 `\#` keeps '#' (the parent process prints Unknown keyword 'a#b') */
	{ "a\\#b c\n", 0, 0, 0, "a#b|c;", "" },
	/* 7 $X substituted: (hello) */
	{ "$X=hello\nv $X {\n}\n", 0, 0, 0, "v|hello;", "" },
	/* 8 followed by ',' : (hello,) */
	{ "$X=hello\nv $X,\n", 0, 0, 0, "v|hello,;", "" },
	/* 9 ${X} anywhere: (ahellob); $Xb not a use: ($Xb) */
	{ "$X=hello\nv a${X}b $Xb\n", 0, 0, 0, "v|ahellob|$Xb;", "" },
	/* 10 undefined ${Y}b stays; its braces are tokens: ($) Unexpected '{', Unknown 'Y' */
	{ "v ${Y}b\n", 0, 0, 0, "v|${Y;};b;", "" },
	/* 11 a value with a keyword and a block: (z) */
	{ "$X=v z {\n$X\n}\n", 0, 0, 0, "v|z;", "" },
	/* 12 `$X =a` is not a definition: Unknown keyword '$X' */
	{ "$X =a\n", 0, 0, 0, "$X|=a;", "" },
	/* 13 recursion at use time (keepalived.conf(5) example) */
	{ "$B=10.2.${S}\n$S=0\n${B}.100\n$S=10\n${B}.100\n", 0, 0, 0, "10.2.0.100;10.2.10.100;", "" },
	/* 14 multi-line definition used on a line of its own: (Line 4) Unknown keyword 'p','r' */
	{ "$X= \\\n p q \\\n r s\n$X\n", 0, 0, 0, "p|q;r|s;", "" },
	/* 15 @ID / @^ID with host vm: Unknown keyword 'a', 'd', 'f' */
	{ "@vm a\n@^vm b\n@other c\n@^other d\n@ e\n@^ f\n", 0, 0, 0, "a;d;f;", "" },
	/* 16 $IF=@vm then $IF k (conditional after substitution) */
	{ "$IF=@vm\n$IF k 1\n$NO=@other\n$NO k 2\n", 0, 0, 0, "k|1;", "" },
	/* 17 ~SEQ(i,1,3): k1 k2 k3 */
	{ "~SEQ(i,1,3) k$i\n", 0, 0, 0, "k1;k2;k3;", "" },
	/* 18 ~SEQ(i,3): k1 k2 k3 */
	{ "~SEQ(j,3) k$j\n", 0, 0, 0, "k1;k2;k3;", "" },
	/* 19 ~SEQ(i,3,1): descending */
	{ "~SEQ(i,3,1) k$i\n", 0, 0, 0, "k3;k2;k1;", "" },
	/* 20 ~SEQ(i,-2): k-1 k-2 */
	{ "~SEQ(i,-2) k$i\n", 0, 0, 0, "k-1;k-2;", "" },
	/* 21 ~SEQx(i,10,3,16): ka kd k10 */
	{ "~SEQx(i,10,3,16) k$i\n", 0, 0, 0, "ka;kd;k10;", "" },
	/* 22 ~LST with groups: k$a2 k$a4 ($a followed by '$' is not a use) */
	{ "~LST({a,b},{1,2},{3,4}) k$a$b\n", 0, 0, 0, "k$a2;k$a4;", "" },
	/* 23 nested: k1x k1y k2x k2y */
	{ "~SEQ(i,1,2) ~LST(j,x,y) k${i}${j}\n", 0, 0, 0, "k1x;k1y;k2x;k2y;", "" },
	/* 24 bad ~SEQ */
	{ "~SEQ(i) k$i\n", 0, 0, 0, "",
	  "L1:Invalid ~SEQ definition '~SEQ(i) k$i'\nL1:Invalid ~SEQ specification '~SEQ(i) k$i'\n" },
	/* 25 step 0 */
	{ "~SEQ(i,1,0,3) k\n", 0, 0, 0, "",
	  "L1:Invalid ~SEQ values '~SEQ(i,1,0,3) k'\nL1:Invalid ~SEQ specification '~SEQ(i,1,0,3) k'\n" },
	/* 26 ~LST with no value */
	{ "~LST(i) k$i\n", 0, 0, 0, "", "L1:Invalid ~LST specification '~LST(i) k$i'\n" },
	/* 27 builtins: ${_RANDOM 5 5} -> k5, ${_INSTANCE} -> vm */
	{ "k${_RANDOM 5 5} ${_INSTANCE}\n", 0, 0, 0, "k5|vm;", "" },
	/* 28 ${_HASH} unquoted starts a comment (Unknown keyword 'a'); quoted it is kept */
	{ "a${_HASH}b\n\"c${_BANG}d\"\n", 0, 0, 0, "a;c!d;", "" },
	/* 29 include relative to the including file; (inc/a.conf: Line 1) Unknown keyword 'inc_a' */
	{ "include inc/a.conf\nx\n", "inc_a\n", 0, 0, "inc_a;x;", "" },
	/* 30 glob in order */
	{ "include inc/*.conf\n", "inc_a\n", "inc_b\n", 0, "inc_a;inc_b;", "" },
	/* 31 include missing: warning (rc 0) */
	{ "include inc/none.conf\n", 0, 0, 0, "", "L1:Config files missing 'inc/none.conf'.\n" },
	/* 32 includea missing: rc 6 */
	{ "includea inc/none.conf\n", 0, 0, 0, "", "L1:Config files missing 'inc/none.conf'.\n" },
	/* 33 includew with no match: No config files matched, rc 6 */
	{ "includew inc/none*.conf\n", 0, 0, 0, "", "L1:No config files matched 'inc/none*.conf'.\n" },
	/* 34 includem with wildcard, no match: silent */
	{ "includem inc/none*.conf\n", 0, 0, 0, "", "" },
	/* 35 include with braces, one missing: warning, a.conf still read */
	{ "include inc/{a,none}.conf\n", "inc_a\n", 0, 0, "inc_a;",
	  "L1:Some config files missing: \"inc/{a,none}.conf\".\n" },
	/* 36 includeb: rc 6 and nothing read */
	{ "includeb inc/{a,none}.conf\n", "inc_a\n", 0, 0, "",
	  "L1:Some config files missing: \"inc/{a,none}.conf\".\n" },
	/* 37 `include` alone is a statement: Unknown keyword 'include' */
	{ "include\n", 0, 0, 0, "include;", "" },
	/* 38 self-include (inc/a.conf includes itself): bounded, open problem */
	{ "include inc/a.conf\n", "include a.conf\nself\n", 0, 0, 0,
	  "L1:Configuration file 'a.conf' open problem (Too many open files) - skipping\n" },
	/* 39 a block opened in one file and closed in the main one */
	{ "v {\ninclude inc/a.conf\n}\n", "k 1\n", 0, 0, "v{k|1;};", "" },
	/* 40 -e: a missing plain include is an error (rc 6) */
	{ "include inc/none.conf\n", 0, 0, 1, "", "L1:Config files missing 'inc/none.conf'.\n" },
	/* 41 $A=$B / $B=$A: keepalived hangs; we stop with a lint finding */
	{ "$A=$B\n$B=$A\n$A\n", 0, 0, 0, 0, "#" },
	/* 42 $a-b=1 is not a definition */
	{ "$a-b=1\n", 0, 0, 0, "$a-b=1;", "" },
	/* 43 quoted text: "k $A" keeps $A ($A followed by '"') */
	{ "$A=x\n\"k $A\"\n", 0, 0, 0, "k $A;", "" },
};

static char tmpl[64];

static void put(const char *name, const char *text)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", tmpl, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void dump(const struct cfg_stmt *s, char *out, size_t n)
{
	for (; s; s = s->next) {
		for (int i = 0; i < s->nw; i++) {
			if (i)
				strncat(out, "|", n - strlen(out) - 1);
			strncat(out, s->w[i].s, n - strlen(out) - 1);
		}
		if (s->child) {
			strncat(out, "{", n - strlen(out) - 1);
			dump(s->child, out, n);
			strncat(out, "}", n - strlen(out) - 1);
			assert_ptr_equal(s->child->parent, s);
		}
		strncat(out, ";", n - strlen(out) - 1);
	}
}

static void run_row(size_t i, const struct row *r)
{
	char cmd[128], path[128];
	strcpy(tmpl, "/tmp/test_ka_pre.XXXXXX");
	assert_non_null(mkdtemp(tmpl));
	snprintf(path, sizeof(path), "%s/inc", tmpl);
	mkdir(path, 0700);
	put("main.conf", r->conf);
	if (r->inc_a)
		put("inc/a.conf", r->inc_a);
	if (r->inc_b)
		put("inc/b.conf", r->inc_b);
	snprintf(path, sizeof(path), "%s/main.conf", tmpl);
	struct ka_opts o = { .config_id = "vm", .all_config = r->all_config };
	struct arena *a = arena_new();
	struct diag_list dl = { 0 };
	bool missing = true;
	struct cfg_stmt *top = ka_read(path, &o, a, &dl, &missing);
	assert_false(missing);
	static char tree[1 << 16], diags[1 << 16];
	tree[0] = diags[0] = 0;
	dump(top, tree, sizeof(tree));
	for (size_t k = 0; k < dl.n; k++) {
		char line[1024];
		if (dl.v[k].compat)
			snprintf(line, sizeof(line), "L%u:%s\n", dl.v[k].at.line, dl.v[k].compat);
		else
			snprintf(line, sizeof(line), "#");
		if (!strstr(diags, line) || dl.v[k].compat) /* lint-only ones once */
			strncat(diags, line, sizeof(diags) - strlen(diags) - 1);
	}
	/* a NULL tree: do not compare (bounded-input rows); otherwise exact */
	if ((r->tree && strcmp(tree, r->tree)) || strcmp(diags, r->diags))
		print_error("row %zu:\n tree  '%s'\n want  '%s'\n diags '%s'\n want  '%s'\n", i,
			    tree, r->tree ? r->tree : "(any)", diags, r->diags);
	if (r->tree)
		assert_string_equal(tree, r->tree);
	if (r->diags[0] == '#')
		assert_non_null(strchr(diags, '#'));
	else
		assert_string_equal(diags, r->diags);
	diag_list_free(&dl);
	arena_free(a);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpl);
	assert_int_equal(system(cmd), 0);
}

static void test_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		run_row(i, &rows[i]);
}

/* ka_stmt_rest(): the unsplit command of a notify line, quotes kept. */
static void test_rest(void **state)
{
	(void)state;
	static const struct row r = { "notify \"/bin/x 'a b'\" c  d {\n}\n", 0, 0, 0,
				      "notify|/bin/x 'a b'|c|d;", "" };
	run_row(0, &r);
	strcpy(tmpl, "/tmp/test_ka_pre.XXXXXX");
	assert_non_null(mkdtemp(tmpl));
	put("m.conf", "$S=/bin/s\nnotify_master $S arg \"q x\"  # c\n");
	char path[128];
	snprintf(path, sizeof(path), "%s/m.conf", tmpl);
	struct arena *a = arena_new();
	struct diag_list dl = { 0 };
	bool missing;
	struct cfg_stmt *s = ka_read(path, NULL, a, &dl, &missing);
	assert_non_null(s);
	assert_string_equal(ka_stmt_rest(s, 1), "/bin/s arg \"q x\"");
	assert_string_equal(ka_stmt_rest(s, 3), "\"q x\"");
	assert_string_equal(ka_stmt_rest(s, 4), "");
	diag_list_free(&dl);
	arena_free(a);
	unlink(path);
	rmdir(tmpl);
}

/* Bad input: never a crash or a hang. */
static void test_bad_input(void **state)
{
	(void)state;
	strcpy(tmpl, "/tmp/test_ka_pre.XXXXXX");
	assert_non_null(mkdtemp(tmpl));
	char path[128];
	snprintf(path, sizeof(path), "%s/bad.conf", tmpl);
	FILE *f = fopen(path, "w");
	for (int i = 0; i < 100000; i++)
		fputc('{', f);
	fputs("\n\"unterminated\n", f);
	fwrite("a\0b\xff\xfe c\n", 1, 8, f);
	for (int i = 0; i < 10 * 1024 * 1024; i++)
		fputc('x', f);
	fputs("\n~SEQ(i,1,100000000) k$i\n}}}}\n", f);
	fclose(f);
	struct arena *a = arena_new();
	struct diag_list dl = { 0 };
	bool missing;
	ka_read(path, NULL, a, &dl, &missing);
	assert_true(dl.n > 0);
	bool seen = false;
	for (size_t k = 0; k < dl.n; k++)
		if (dl.v[k].compat && strstr(dl.v[k].compat, "There are 100000 missing"))
			seen = true;
	assert_true(seen);
	diag_list_free(&dl);
	arena_free(a);
	unlink(path);
	rmdir(tmpl);

	a = arena_new();
	ka_read("/nonexistent/keepalived.conf", NULL, a, &dl, &missing);
	assert_true(missing);
	assert_string_equal(dl.v[0].compat, "Config files missing '/nonexistent/keepalived.conf'.");
	diag_list_free(&dl);
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_rest),
		cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
