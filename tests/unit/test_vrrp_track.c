/* test_vrrp_track.c - the tracking rules of vrrp/ as tables: keepalived 2.2.7's weight
 * arithmetic for track_script / track_interface (measured: weight -20 failing 100 -> 80,
 * weight -30 override 100 -> 70, interface weight -5 70 -> 65), priority clamping, the
 * arguments of `notify` scripts ("INSTANCE VI_1 MASTER 100", "GROUP G1 FAULT 0") and the
 * nftables input that reproduces keepalived's `table ip keepalived` drop rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <arpa/inet.h>

#include "vrrp/vrrp.h"

static void test_weights(void **state)
{
	(void)state;
	static const struct { int weight, reverse, ok, want; } t[] = {
		{ -20, 0, 1, 0 },  { -20, 0, 0, -20 }, /* negative: applied while failing */
		{ 10, 0, 1, 10 },  { 10, 0, 0, 0 },    /* positive: applied while OK */
		{ 10, 1, 1, -10 }, { 10, 1, 0, 0 },    /* reverse turns the sign */
		{ -20, 1, 0, 20 }, { -20, 1, 1, 0 },
		{ 0, 0, 0, 0 },    { 0, 0, 1, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		assert_int_equal(vrrp_track_weight(t[i].weight, t[i].reverse, t[i].ok), t[i].want);
}

static void test_prio(void **state)
{
	(void)state;
	static const struct { int base, delta, want; } t[] = {
		{ 100, -20, 80 }, { 100, -35, 65 }, { 100, 0, 100 }, { 100, 200, 254 },
		{ 10, -50, 1 },   { 255, -50, 255 }, { 254, 1, 254 },  { 1, 0, 1 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		assert_int_equal(vrrp_track_prio(t[i].base, t[i].delta), t[i].want);
}

static void test_notify_args(void **state)
{
	(void)state;
	char b[128];
	assert_true(vrrp_notify_args(b, sizeof(b), false, "VI_1", VRRP_MASTER, 100) > 0);
	assert_string_equal(b, "INSTANCE 'VI_1' MASTER 100");
	assert_true(vrrp_notify_args(b, sizeof(b), true, "G1", VRRP_FAULT, 0) > 0);
	assert_string_equal(b, "GROUP 'G1' FAULT 0");
	assert_true(vrrp_notify_args(b, sizeof(b), false, "it's", VRRP_STOP, 50) > 0);
	assert_string_equal(b, "INSTANCE 'it'\\''s' STOP 50");
	assert_true(vrrp_notify_args(b, sizeof(b), false, "VI_1", VRRP_BACKUP, 7) > 0);
	assert_string_equal(b, "INSTANCE 'VI_1' BACKUP 7");
	assert_int_equal(vrrp_notify_args(b, 10, false, "VI_1", VRRP_BACKUP, 7), -1);
}

static void test_nft(void **state)
{
	(void)state;
	char b[1024];
	uint32_t a;
	inet_pton(AF_INET, "192.168.88.90", &a);
	assert_true(vrrp_nft_script(b, sizeof(b), 'a', a) > 0);
	assert_string_equal(b, "add element ip keepalived vips { 192.168.88.90 }\n");
	assert_true(vrrp_nft_script(b, sizeof(b), 'd', a) > 0);
	assert_string_equal(b, "delete element ip keepalived vips { 192.168.88.90 }\n");
	assert_true(vrrp_nft_script(b, sizeof(b), 'x', 0) > 0);
	assert_string_equal(b, "delete table ip keepalived\n");
	assert_true(vrrp_nft_script(b, sizeof(b), 'c', 0) > 0);
	/* the names `nft list ruleset` shows for keepalived 2.2.7 */
	assert_non_null(strstr(b, "set vips {\n\t\ttype ipv4_addr\n\t}"));
	assert_non_null(strstr(b, "chain out {\n\t\ttype filter hook output priority filter - 1; "
				  "policy accept;\n\t\tip saddr @vips drop"));
	assert_non_null(strstr(b, "chain in {\n\t\ttype filter hook input priority filter - 1; "
				  "policy accept;\n\t\tip daddr @vips drop"));
	assert_int_equal(vrrp_nft_script(b, 8, 'c', 0), -1);
	assert_int_equal(vrrp_nft_script(b, sizeof(b), '?', 0), -1);
}

static void test_nft6(void **state)
{
	(void)state;
	char b[2048];
	uint8_t g[16], ll[16];
	inet_pton(AF_INET6, "fd00::77", g);
	inet_pton(AF_INET6, "fe80::77", ll);
	assert_true(vrrp_nft_script6(b, sizeof(b), 'a', g, "eth0") > 0);
	assert_string_equal(b, "add element ip6 keepalived vips { fd00::77 }\n");
	/* a link-local VIP: with its interface, never without one or with a quoting name */
	assert_true(vrrp_nft_script6(b, sizeof(b), 'd', ll, "eth0") > 0);
	assert_string_equal(b, "delete element ip6 keepalived vips_link_local { fe80::77 . "
			       "\"eth0\" }\n");
	assert_int_equal(vrrp_nft_script6(b, sizeof(b), 'a', ll, NULL), -1);
	assert_int_equal(vrrp_nft_script6(b, sizeof(b), 'a', ll, "a\"b"), -1);
	assert_int_equal(vrrp_nft_script6(b, sizeof(b), 'a', NULL, "eth0"), -1);
	assert_true(vrrp_nft_script6(b, sizeof(b), 'c', NULL, NULL) > 0);
	assert_non_null(strstr(b, "set vips_link_local {\n\t\ttype ipv6_addr . iface_index"));
	assert_non_null(strstr(b, "add rule ip6 keepalived in ip6 daddr @vips drop\n"));
	assert_int_equal(vrrp_nft_script6(b, 64, 'c', NULL, NULL), -1);
	assert_true(vrrp_nft_script6(b, sizeof(b), 'x', NULL, NULL) > 0);
	assert_string_equal(b, "delete table ip6 keepalived\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_prio),
		cmocka_unit_test(test_notify_args),
		cmocka_unit_test(test_nft),
		cmocka_unit_test(test_nft6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
