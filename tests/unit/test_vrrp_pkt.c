/* test_vrrp_pkt.c - table-driven tests of VRRP advert build, parse and receive checks
 * (vrrp/vrrp_pkt.c).
 *
 * Each row builds an advert, wraps it in an IPv4 header, optionally damages it (a mutation),
 * then parses and checks it against an instance's expectations; the row says which error
 * must result. Packets are copied into exactly-sized heap buffers so that AddressSanitizer
 * catches any read past the end. Golden bytes taken from keepalived 2.2.7 on the wire pin
 * the v2 and v3 formats and checksums.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <arpa/inet.h>

#include "vrrp/vrrp.h"

enum mut {
	M_NONE, M_TTL64, M_VER1, M_TYPE2, M_CKSUM, M_TRUNC1, M_TRUNC_HDR, M_EXTRA, M_PROTO,
	M_IHL, M_TOTLEN, M_VRID, M_AUTHTYPE, M_PASS, M_NADDR_LESS, M_OTHER_ADDR, M_INTERVAL,
	M_PRIO0, M_SADDR, M_V3_RESERVED,
};

struct row {
	const char *name;
	int version;
	enum mut mut;
	int parse_ok;          /* 1: parse returns the length */
	enum vrrp_err err;     /* from parse (when !parse_ok) or check */
	int check_ttl;
};

static const struct row rows[] = {
	{ "v2 ok", 2, M_NONE, 1, VRRP_OK, 1 },
	{ "v3 ok", 3, M_NONE, 1, VRRP_OK, 1 },
	{ "v2 ttl 64", 2, M_TTL64, 1, VRRP_E_TTL, 1 },
	{ "v2 ttl 64 unicast", 2, M_TTL64, 1, VRRP_OK, 0 },
	{ "v3 ttl 64", 3, M_TTL64, 1, VRRP_E_TTL, 1 },
	{ "v2 version 1", 2, M_VER1, 0, VRRP_E_VERSION, 1 },
	{ "v3 type 2", 3, M_TYPE2, 0, VRRP_E_TYPE, 1 },
	{ "v2 bad checksum", 2, M_CKSUM, 0, VRRP_E_CHECKSUM, 1 },
	{ "v3 bad checksum", 3, M_CKSUM, 0, VRRP_E_CHECKSUM, 1 },
	{ "v3 source changed breaks pseudo-header", 3, M_SADDR, 0, VRRP_E_CHECKSUM, 1 },
	{ "v2 source changed ok", 2, M_SADDR, 1, VRRP_OK, 1 },
	{ "v2 truncated by one", 2, M_TRUNC1, 0, VRRP_E_LEN, 1 },
	{ "v3 truncated by one", 3, M_TRUNC1, 0, VRRP_E_LEN, 1 },
	{ "v2 truncated header", 2, M_TRUNC_HDR, 0, VRRP_E_LEN, 1 },
	{ "v2 oversized", 2, M_EXTRA, 0, VRRP_E_LEN, 1 },
	{ "v3 oversized", 3, M_EXTRA, 0, VRRP_E_LEN, 1 },
	{ "not proto 112", 2, M_PROTO, 0, VRRP_E_IPHDR, 1 },
	{ "ihl 4", 2, M_IHL, 0, VRRP_E_IPHDR, 1 },
	{ "total length past buffer", 3, M_TOTLEN, 0, VRRP_E_IPHDR, 1 },
	{ "other vrid", 2, M_VRID, 1, VRRP_E_VRID, 1 },
	{ "v2 auth type none vs pass", 2, M_AUTHTYPE, 1, VRRP_E_AUTHTYPE, 1 },
	{ "v2 wrong password", 2, M_PASS, 1, VRRP_E_AUTH, 1 },
	{ "v2 one address less", 2, M_NADDR_LESS, 1, VRRP_E_ADDRCOUNT, 1 },
	{ "v3 one address less", 3, M_NADDR_LESS, 1, VRRP_E_ADDRCOUNT, 1 },
	{ "v2 other address", 2, M_OTHER_ADDR, 1, VRRP_E_ADDRLIST, 1 },
	{ "v2 interval 2s vs 1s", 2, M_INTERVAL, 1, VRRP_E_INTERVAL, 1 },
	{ "v3 interval differs: adopted", 3, M_INTERVAL, 1, VRRP_OK, 1 },
	{ "v2 priority 0 other address", 2, M_PRIO0, 1, VRRP_OK, 1 },
	{ "v3 reserved bits flipped", 3, M_V3_RESERVED, 0, VRRP_E_CHECKSUM, 1 },
};

static uint32_t ip(const char *s)
{
	uint32_t a;
	inet_pton(AF_INET, s, &a);
	return a;
}

/* Builds an IPv4 packet carrying an advert of version v, mutated by m. Returns its length. */
static size_t make(uint8_t *pkt, size_t cap, int v, enum mut m)
{
	uint32_t addrs[2] = { ip("192.168.88.90"), ip("192.168.88.91") };
	struct vrrp_adv a = { .version = (uint8_t)v, .vrid = 51, .priority = 100, .naddr = 2,
			      .auth_type = v == 2 ? VRRP_AUTH_PASS : 0, .interval_cs = 100,
			      .addrs = (const uint8_t *)addrs };
	memcpy(a.auth, "test\0\0\0\0", 8);
	if (m == M_VRID)
		a.vrid = 52;
	if (m == M_AUTHTYPE)
		a.auth_type = VRRP_AUTH_NONE;
	if (m == M_PASS)
		memcpy(a.auth, "tess\0\0\0\0", 8);
	if (m == M_NADDR_LESS)
		a.naddr = 1;
	if (m == M_OTHER_ADDR)
		addrs[1] = ip("192.168.88.92");
	if (m == M_INTERVAL)
		a.interval_cs = 200;
	if (m == M_PRIO0) {
		a.priority = 0;
		addrs[1] = ip("10.0.0.1");
	}
	uint32_t src = ip("192.168.88.87"), dst = htonl(VRRP_MCAST_V4);
	int n = vrrp_pkt_build(pkt + 20, cap - 20, &a, src, dst);
	assert_true(n > 0);
	uint8_t *h = pkt;
	memset(h, 0, 20);
	h[0] = 0x45;
	h[1] = 0xc0;
	size_t tot = 20 + (size_t)n;
	h[8] = 255;
	h[9] = VRRP_PROTO;
	memcpy(h + 12, &src, 4);
	memcpy(h + 16, &dst, 4);
	uint8_t *vr = pkt + 20;
	switch (m) {
	case M_TTL64: h[8] = 64; break;
	case M_VER1: vr[0] = 0x11; break;
	case M_TYPE2: vr[0] = (uint8_t)(v << 4 | 2); break;
	case M_CKSUM: vr[7] ^= 1; break;
	case M_TRUNC1: tot--; break;
	case M_TRUNC_HDR: tot = 27; break;
	case M_EXTRA: memset(pkt + tot, 0, 4); tot += 4; break;
	case M_PROTO: h[9] = 17; break;
	case M_IHL: h[0] = 0x44; break;
	case M_SADDR: h[15] = 99; break;
	case M_V3_RESERVED: vr[4] |= 0xf0; break;
	default: break;
	}
	h[2] = (uint8_t)(tot >> 8);
	h[3] = (uint8_t)tot;
	if (m == M_TOTLEN) {
		h[2] = 0x10;
		return tot;
	}
	return tot;
}

static void test_rows(void **state)
{
	(void)state;
	uint32_t mine[2] = { ip("192.168.88.90"), ip("192.168.88.91") };
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		const struct row *r = &rows[i];
		uint8_t tmp[VRRP_PKT_MAX + 16];
		size_t n = make(tmp, sizeof(tmp), r->version, r->mut);
		uint8_t *buf = malloc(n);
		memcpy(buf, tmp, n);
		struct vrrp_adv a;
		enum vrrp_err e;
		int got = vrrp_pkt_parse(buf, n, &a, &e);
		if (r->parse_ok) {
			if (got != (int)n)
				fail_msg("%s: parse returned %d (%s), want %zu", r->name, got,
					 vrrp_err_str(e), n);
			struct vrrp_expect x = { .version = (uint8_t)r->version, .vrid = 51,
						 .auth_type = r->version == 2 ? VRRP_AUTH_PASS : 0,
						 .interval_cs = 100, .check_ttl = r->check_ttl,
						 .naddr = 2, .addrs = mine };
			memcpy(x.auth, "test", 4);
			e = vrrp_pkt_check(&a, &x);
		} else if (got != -1) {
			fail_msg("%s: parse returned %d, want -1", r->name, got);
		}
		if (e != r->err)
			fail_msg("%s: error %s, want %s", r->name, vrrp_err_str(e),
				 vrrp_err_str(r->err));
		free(buf);
	}
}

/* Every prefix of a valid packet is refused without reading past it. */
static void test_truncations(void **state)
{
	(void)state;
	for (int v = 2; v <= 3; v++) {
		uint8_t tmp[VRRP_PKT_MAX];
		size_t n = make(tmp, sizeof(tmp), v, M_NONE);
		for (size_t k = 0; k < n; k++) {
			uint8_t *buf = malloc(k ? k : 1);
			memcpy(buf, tmp, k);
			struct vrrp_adv a;
			enum vrrp_err e;
			assert_int_equal(vrrp_pkt_parse(buf, k, &a, &e), -1);
			assert_int_not_equal(e, VRRP_OK);
			free(buf);
		}
	}
}

/* RFC 3768 5.1 layout: vrid 51 prio 100 PASS "test", 1 s, 192.168.88.90, as keepalived 2.2.7
 * sends it (length 20, authtype simple, intvl 1s in tcpdump). */
static void test_golden_v2(void **state)
{
	(void)state;
	static const uint8_t want[] = { 0x21, 0x33, 0x64, 0x01, 0x01, 0x01, 0x00, 0x00, 192, 168,
					88, 90, 't', 'e', 's', 't', 0, 0, 0, 0 };
	uint32_t vip = ip("192.168.88.90");
	struct vrrp_adv a = { .version = 2, .vrid = 51, .priority = 100, .naddr = 1,
			      .auth_type = VRRP_AUTH_PASS, .interval_cs = 100,
			      .addrs = (const uint8_t *)&vip };
	memcpy(a.auth, "test", 4);
	uint8_t buf[64];
	assert_int_equal(vrrp_pkt_build(buf, sizeof(buf), &a, 0, 0), 20);
	assert_memory_equal(buf, want, 6);
	assert_memory_equal(buf + 8, want + 8, 12);
	/* the checksum over the whole message is then zero */
	assert_int_equal(vrrp_cksum(buf, 20, 0), 0);
	assert_int_equal(vrrp_pkt_build(buf, 19, &a, 0, 0), -1);
}

static void test_build_limits(void **state)
{
	(void)state;
	uint8_t buf[VRRP_PKT_MAX];
	uint32_t addrs[VRRP_MAX_ADDRS] = { 0 };
	struct vrrp_adv a = { .version = 3, .vrid = 1, .priority = 1, .naddr = 255,
			      .interval_cs = 4095, .addrs = (const uint8_t *)addrs };
	assert_int_equal(vrrp_pkt_build(buf, sizeof(buf), &a, 1, 2), 8 + 4 * 255);
	a.interval_cs = 4096;
	assert_int_equal(vrrp_pkt_build(buf, sizeof(buf), &a, 1, 2), -1);
	a.interval_cs = 100;
	a.version = 4;
	assert_int_equal(vrrp_pkt_build(buf, sizeof(buf), &a, 1, 2), -1);
	a.version = 2;
	assert_int_equal(vrrp_pkt_build(buf, sizeof(buf), &a, 1, 2), 8 + 4 * 255 + 8);
}

/* keepalived 2.2.7's VRRPv3 advert over IPv6 as captured on a bridge: VRID 52, priority
 * 100, 1 s, fd00:88::90 and ::91, from fe80::d8ec:e9ff:fe57:9114 to ff02::12. */
static const uint8_t golden_v6[] = {
	0x31, 0x34, 0x64, 0x02, 0x00, 0x64, 0x1d, 0xab, 0xfd, 0x00, 0x00, 0x88, 0, 0, 0, 0,
	0,    0,    0,    0,    0,    0,    0,    0x90, 0xfd, 0x00, 0x00, 0x88, 0, 0, 0, 0,
	0,    0,    0,    0,    0,    0,    0,    0x91,
};

static void v6_setup(uint8_t src[16], uint8_t dst[16], uint8_t vips[2][16])
{
	inet_pton(AF_INET6, "fe80::d8ec:e9ff:fe57:9114", src);
	inet_pton(AF_INET6, "ff02::12", dst);
	inet_pton(AF_INET6, "fd00:88::90", vips[0]);
	inet_pton(AF_INET6, "fd00:88::91", vips[1]);
}

static void test_golden_v6(void **state)
{
	(void)state;
	uint8_t src[16], dst[16], vips[2][16], buf[256];
	v6_setup(src, dst, vips);
	struct vrrp_adv a = { .version = 3, .vrid = 52, .priority = 100, .naddr = 2,
			      .interval_cs = 100, .addrs = vips[0] };
	int n = vrrp_pkt_build6(buf, sizeof(buf), &a, src, dst);
	assert_int_equal(n, sizeof(golden_v6));
	assert_memory_equal(buf, golden_v6, sizeof(golden_v6));
	struct vrrp_adv out;
	enum vrrp_err e;
	uint8_t *m = malloc(sizeof(golden_v6));
	memcpy(m, golden_v6, sizeof(golden_v6));
	assert_int_equal(vrrp_pkt_parse6(m, sizeof(golden_v6), src, dst, 255, &out, &e),
			 sizeof(golden_v6));
	assert_int_equal(out.family, AF_INET6);
	assert_int_equal(out.vrid, 52);
	assert_int_equal(out.interval_cs, 100);
	assert_memory_equal(out.saddr6, src, 16);
	struct vrrp_expect x = { .version = 3, .vrid = 52, .check_ttl = true, .naddr = 2,
				 .family = AF_INET6, .addrs = vips };
	assert_int_equal(vrrp_pkt_check(&out, &x), VRRP_OK);
	/* hop limit 254 on multicast, a missing VIP, an IPv4 instance */
	out.ttl = 254;
	assert_int_equal(vrrp_pkt_check(&out, &x), VRRP_E_TTL);
	out.ttl = 255;
	vips[1][15] = 0x92;
	assert_int_equal(vrrp_pkt_check(&out, &x), VRRP_E_ADDRLIST);
	x.family = AF_INET;
	x.naddr = 0;
	x.skip_addr_check = true;
	assert_int_not_equal(vrrp_pkt_check(&out, &x), VRRP_OK);
	/* the pseudo-header covers both addresses */
	dst[15] = 0x13;
	assert_int_equal(vrrp_pkt_parse6(m, sizeof(golden_v6), src, dst, 255, &out, &e), -1);
	assert_int_equal(e, VRRP_E_CHECKSUM);
	dst[15] = 0x12;
	/* every truncation and one extra byte are refused, never read past */
	for (size_t len = 0; len < sizeof(golden_v6); len++) {
		uint8_t *t = malloc(len ? len : 1);
		memcpy(t, golden_v6, len);
		assert_int_equal(vrrp_pkt_parse6(t, len, src, dst, 255, &out, &e), -1);
		assert_int_equal(e, VRRP_E_LEN);
		free(t);
	}
	/* VRRPv2 does not exist over IPv6 */
	m[0] = 0x21;
	assert_int_equal(vrrp_pkt_parse6(m, sizeof(golden_v6), src, dst, 255, &out, &e), -1);
	assert_int_equal(e, VRRP_E_VERSION);
	a.version = 2;
	assert_int_equal(vrrp_pkt_build6(buf, sizeof(buf), &a, src, dst), -1);
	free(m);
}

static void test_stats(void **state)
{
	(void)state;
	struct vrrp_stats st = { 0 };
	vrrp_stats_count(&st, VRRP_E_TTL);
	vrrp_stats_count(&st, VRRP_E_TTL);
	vrrp_stats_count(&st, VRRP_OK);
	vrrp_stats_count(&st, VRRP_E__COUNT);
	assert_int_equal(st.err[VRRP_E_TTL], 2);
	assert_int_equal(st.err[VRRP_OK], 0);
	for (int e = 0; e < VRRP_E__COUNT; e++)
		assert_non_null(vrrp_err_str((enum vrrp_err)e));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_golden_v2),
		cmocka_unit_test(test_golden_v6),
		cmocka_unit_test(test_build_limits),
		cmocka_unit_test(test_stats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
