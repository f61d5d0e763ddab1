/* test_hap_acl.c - ACL expressions, row by row, as `haproxy -c` 2.6.12 takes them.
 *
 * Every row was run against Debian's /usr/sbin/haproxy as `acl a <words>` in an HTTP
 * listen section: 0 accepted, 1 accepted with the "no pattern" warning, -1 refused with
 * the text that follows "error detected while parsing ACL 'a' : ".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "parser/hap_bind.h"

static const struct row {
	const char *words; /* blank-separated */
	int status;
	const char *msg; /* for -1: the reason; for 1: the first line */
} rows[] = {
	{"path_beg -i /api", 0, NULL},
	{"path_end -i .css .js .png", 0, NULL},
	{"src 192.0.2.0/24 198.51.100.7", 0, NULL},
	{"src ::1/64 fe80::/10 10.0.0.1/255.0.0.0", 0, NULL},
	{"hdr(host) -i www.example.com", 0, NULL},
	{"hdr_sub(host) x", 0, NULL},
	{"req.hdr(host),lower foo", 0, NULL},
	{"ssl_fc", 0, NULL},
	{"always_true", 0, NULL},
	{"dst_port lt 1024", 0, NULL},
	{"dst_port 1:1024", 0, NULL},
	{"dst_port ge le 3", 0, NULL},
	{"method GET HEAD", 0, NULL},
	{"http_auth(ul)", 0, NULL},
	{"path -m found", 0, NULL},
	{"path -i", 0, NULL},
	{"path --", 0, NULL},
	{"path_beg -i -- -x", 0, NULL},
	{"path -u 3 -n -M /x", 0, NULL},
	{"ssl_fc -m bin 00", 0, NULL},
	{"src -m bool", 0, NULL},
	{"cook_beg(x) y", 0, NULL},
	{"urlp_beg(x) y", 0, NULL},
	{"ssl_fc_sni_end .example.com", 0, NULL},
	{"sc0_tracked", 0, NULL},
	{"path_beg", 1, "parsing acl keyword 'path_beg' :"},
	{"dst_port", 1, "parsing acl keyword 'dst_port' :"},
	{"pth_beg /api", -1, "unknown fetch method 'pth_beg' in ACL expression 'pth_beg'."},
	{"req.hdr_beg(host) foo", -1,
	 "unknown fetch method 'req.hdr_beg' in ACL expression 'req.hdr_beg(host)'."},
	{"url_param_beg x", -1, "unknown fetch method 'url_param_beg' in ACL expression "
				"'url_param_beg'."},
	{"path -m frob /x", -1, "unknown matching method 'frob' when parsing ACL expression."},
	{"path -m", -1, "unknown matching method '' when parsing ACL expression."},
	{"ssl_fc -m ip 1.2.3.4", -1, "matching method 'ip' cannot be used with fetch keyword "
				     "'ssl_fc'."},
	{"method -m int 3", -1, "matching method 'int' cannot be used with fetch keyword "
				"'method'."},
	{"path -x /x", -1, "'-x' is not a valid ACL option. Please use '--' before any pattern "
			   "beginning with a '-'."},
	{"dst_port -1", -1, "'-1' is not a valid ACL option. Please use '--' before any pattern "
			    "beginning with a '-'."},
	{"path -u x /y", -1, "the argument of -u must be an integer."},
	{"path -f /nonexistent/file", -1, "failed to open pattern file </nonexistent/file>."},
	{"path(foo) /x", -1, "ACL keyword 'path' : expected ')' before 'foo)'."},
	{"hdr(a,1,2) x", -1, "ACL keyword 'hdr' : expected ')' before ',2)'."},
	{"hdr(a,x) x", -1, "ACL keyword 'hdr' : failed to parse 'x' as type 'integer' at "
			   "position 2."},
	{"hdr(host", -1, "ACL keyword 'hdr' : expected ')'."},
	{"path,frob /x", -1, "ACL keyword 'path' : unknown converter 'frob'.."},
	{"req.payload(0) x", -1, "fetch method 'req.payload' : missing arguments (got 1/2), type "
				 "'integer' expected in ACL expression 'req.payload(0)'."},
	{"req.payload x", -1, "fetch method 'req.payload' : expected type 'integer' at position "
			      "1, but got nothing in ACL expression 'req.payload'."},
	{"var", -1, "invalid args in fetch method 'var' : Empty variable name cannot be accepted "
		    "in ACL expression 'var'."},
	{"src 300.1.1.1", -1, "'300.1.1.1' is not a valid IPv4 or IPv6 address."},
	{"src 10.0.0.0/33", -1, "'10.0.0.0/33' is not a valid IPv4 or IPv6 address."},
	{"dst_port abc", -1, "'abc' is not a number."},
	{"dst_port gt 1 abc", -1, "'abc' is neither a number nor a supported operator."},
	{"dst_port 1:x", -1, "'1:x' is not a valid number range."},
	{"path -m len x", -1, "'x' is not a number."},
	{"path_reg (", -1, "regex '(' is invalid (error=missing closing parenthesis, "
			   "erroffset=1)."},
};

static void test_rows(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		const struct row *r = &rows[k];
		char buf[256], *words[16], msg[1024];
		int n = 0;
		snprintf(buf, sizeof(buf), "%s", r->words);
		for (char *t = strtok(buf, " "); t && n < 16; t = strtok(NULL, " "))
			words[n++] = t;
		int got = hap_acl_check(words, n, msg, sizeof(msg));
		if (got != r->status)
			fail_msg("'%s': status %d, expected %d (%s)", r->words, got, r->status, msg);
		if (r->status < 0)
			assert_string_equal(msg, r->msg);
		else if (r->status > 0)
			assert_memory_equal(msg, r->msg, strlen(r->msg));
	}
}

static void test_fetch_known(void **state)
{
	(void)state;
	assert_true(hap_acl_fetch_known("ssl_fc"));
	assert_true(hap_acl_fetch_known("path_beg"));
	assert_true(hap_acl_fetch_known("hdr_sub(host)"));
	assert_false(hap_acl_fetch_known("pth_beg"));
	assert_false(hap_acl_fetch_known("is_api"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_fetch_known),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
