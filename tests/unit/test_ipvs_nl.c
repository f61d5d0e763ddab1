/* test_ipvs_nl.c - the IPVS generic-netlink requests of runtime/ipvs_nl.c, byte for byte, and
 * the parsing of replies laid out as the kernel's ip_vs_ctl.c sends them.
 *
 * The expected bytes are written out from <linux/netlink.h>, <linux/genetlink.h> and
 * <linux/ip_vs.h>: nlmsghdr (len, type, flags, seq, pid), genlmsghdr (cmd, version 1, 0),
 * then 4-byte aligned attributes (len, type; NLA_F_NESTED 0x8000 on the nests). Host-order
 * fields are little-endian here (x86-64, the project's machines); ports and the IPv4 netmask
 * are network order. On a big-endian host the byte tests are skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "runtime/ipvs_nl.h"

/* clang-format off: the byte tables are laid out as the wire format, one attribute a line */

#define FAM 0x20 /* the family id the kernel gave in IPVS-TESTING.md's run */

/* little-endian 16/32-bit values */
#define L16(v) (uint8_t)((v)&0xff), (uint8_t)(((v) >> 8) & 0xff)
#define L32(v) L16((v)&0xffff), L16(((unsigned)(v) >> 16) & 0xffff)
/* nlmsghdr + genlmsghdr */
#define HDR(len, type, flags, seq, cmd)                                                            \
	L32(len), L16(type), L16(flags), L32(seq), L32(0), cmd, 1, 0, 0
#define NLA(len, type) L16(len), L16(type)

static int little(void)
{
	uint16_t one = 1;
	return *(uint8_t *)&one == 1;
}

static void check(const uint8_t *got, size_t n, const uint8_t *want, size_t wn)
{
	if (n != wn)
		fail_msg("length %zu, want %zu", n, wn);
	for (size_t i = 0; i < n; i++)
		if (got[i] != want[i])
			fail_msg("byte %zu: 0x%02x, want 0x%02x", i, got[i], want[i]);
}

static struct ipvs_svc tcp_svc(void)
{
	struct ipvs_svc s = {.af = AF_INET,
	                     .protocol = IPPROTO_TCP,
	                     .port = 80,
	                     .sched = "wrr",
	                     .flags = IP_VS_SVC_F_PERSISTENT,
	                     .timeout = 60};
	inet_pton(AF_INET, "10.0.0.1", s.addr);
	inet_pton(AF_INET, "255.255.255.255", &s.netmask);
	return s;
}

#define SVC_ID_TCP                                                                                 \
	NLA(6, IPVS_SVC_ATTR_AF), L16(AF_INET), 0, 0, NLA(6, IPVS_SVC_ATTR_PROTOCOL), L16(6), 0,   \
	    0, NLA(20, IPVS_SVC_ATTR_ADDR), 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,       \
	    NLA(6, IPVS_SVC_ATTR_PORT), 0, 80, 0, 0

static void test_getfamily(void **state)
{
	(void)state;
	if (!little())
		skip();
	uint8_t buf[IPVS_NL_BUFSZ];
	size_t n = ipvs_nl_build_getfamily(buf, sizeof(buf), 5);
	const uint8_t want[] = {HDR(32, GENL_ID_CTRL, NLM_F_REQUEST, 5, CTRL_CMD_GETFAMILY),
	                        NLA(9, CTRL_ATTR_FAMILY_NAME),
	                        'I',
	                        'P',
	                        'V',
	                        'S',
	                        0,
	                        0,
	                        0,
	                        0};
	check(buf, n, want, sizeof(want));
	assert_int_equal(ipvs_nl_build_getfamily(buf, 100, 5), 0); /* too small a buffer */
}

static void test_new_service(void **state)
{
	(void)state;
	if (!little())
		skip();
	uint8_t buf[IPVS_NL_BUFSZ];
	struct ipvs_svc s = tcp_svc();
	size_t n = ipvs_nl_build_svc(buf, sizeof(buf), FAM, IPVS_CMD_NEW_SERVICE, &s, 7);
	const uint8_t want[] = {
	    HDR(104, FAM, NLM_F_REQUEST | NLM_F_ACK, 7, IPVS_CMD_NEW_SERVICE),
	    NLA(84, NLA_F_NESTED | IPVS_CMD_ATTR_SERVICE),
	    SVC_ID_TCP,
	    NLA(8, IPVS_SVC_ATTR_SCHED_NAME),
	    'w',
	    'r',
	    'r',
	    0,
	    NLA(12, IPVS_SVC_ATTR_FLAGS),
	    L32(IP_VS_SVC_F_PERSISTENT),
	    L32(0xffffffffu),
	    NLA(8, IPVS_SVC_ATTR_TIMEOUT),
	    L32(60),
	    NLA(8, IPVS_SVC_ATTR_NETMASK),
	    0xff,
	    0xff,
	    0xff,
	    0xff,
	};
	check(buf, n, want, sizeof(want));
	/* SET_SERVICE is the same message with its own command */
	n = ipvs_nl_build_svc(buf, sizeof(buf), FAM, IPVS_CMD_SET_SERVICE, &s, 7);
	assert_int_equal(n, sizeof(want));
	assert_int_equal(buf[16], IPVS_CMD_SET_SERVICE);
	assert_memory_equal(buf + 17, want + 17, sizeof(want) - 17);
}

static void test_del_service_identity_only(void **state)
{
	(void)state;
	if (!little())
		skip();
	uint8_t buf[IPVS_NL_BUFSZ];
	struct ipvs_svc s = tcp_svc();
	size_t n = ipvs_nl_build_svc(buf, sizeof(buf), FAM, IPVS_CMD_DEL_SERVICE, &s, 8);
	const uint8_t want[] = {HDR(68, FAM, NLM_F_REQUEST | NLM_F_ACK, 8, IPVS_CMD_DEL_SERVICE),
	                        NLA(48, NLA_F_NESTED | IPVS_CMD_ATTR_SERVICE), SVC_ID_TCP};
	check(buf, n, want, sizeof(want));
}

static void test_fwmark_v6_service(void **state)
{
	(void)state;
	if (!little())
		skip();
	uint8_t buf[IPVS_NL_BUFSZ];
	/* IPv6 fwmark service, rr, persistence 300 s with a /64 granularity (a prefix length) */
	struct ipvs_svc s = {.af = AF_INET6,
	                     .fwmark = 7,
	                     .sched = "rr",
	                     .flags = IP_VS_SVC_F_PERSISTENT,
	                     .timeout = 300,
	                     .netmask = 64};
	size_t n = ipvs_nl_build_svc(buf, sizeof(buf), FAM, IPVS_CMD_NEW_SERVICE, &s, 9);
	const uint8_t want[] = {
	    HDR(76, FAM, NLM_F_REQUEST | NLM_F_ACK, 9, IPVS_CMD_NEW_SERVICE),
	    NLA(56, NLA_F_NESTED | IPVS_CMD_ATTR_SERVICE),
	    NLA(6, IPVS_SVC_ATTR_AF),
	    L16(AF_INET6),
	    0,
	    0,
	    NLA(8, IPVS_SVC_ATTR_FWMARK),
	    L32(7),
	    NLA(7, IPVS_SVC_ATTR_SCHED_NAME),
	    'r',
	    'r',
	    0,
	    0,
	    NLA(12, IPVS_SVC_ATTR_FLAGS),
	    L32(1),
	    L32(0xffffffffu),
	    NLA(8, IPVS_SVC_ATTR_TIMEOUT),
	    L32(300),
	    NLA(8, IPVS_SVC_ATTR_NETMASK),
	    L32(64),
	};
	check(buf, n, want, sizeof(want));
}

static void test_dest(void **state)
{
	(void)state;
	if (!little())
		skip();
	uint8_t buf[IPVS_NL_BUFSZ];
	struct ipvs_svc s = tcp_svc();
	struct ipvs_dest d = {.af = AF_INET,
	                      .port = 8080,
	                      .fwd = IP_VS_CONN_F_DROUTE,
	                      .weight = 2,
	                      .u_thresh = 100,
	                      .l_thresh = 10};
	inet_pton(AF_INET, "10.0.0.2", d.addr);
	size_t n = ipvs_nl_build_dest(buf, sizeof(buf), FAM, IPVS_CMD_NEW_DEST, &s, &d, 11);
	const uint8_t want[] = {
	    HDR(140, FAM, NLM_F_REQUEST | NLM_F_ACK, 11, IPVS_CMD_NEW_DEST),
	    NLA(48, NLA_F_NESTED | IPVS_CMD_ATTR_SERVICE),
	    SVC_ID_TCP,
	    NLA(72, NLA_F_NESTED | IPVS_CMD_ATTR_DEST),
	    NLA(20, IPVS_DEST_ATTR_ADDR),
	    10,
	    0,
	    0,
	    2,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    NLA(6, IPVS_DEST_ATTR_PORT),
	    0x1f,
	    0x90,
	    0,
	    0,
	    NLA(6, IPVS_DEST_ATTR_ADDR_FAMILY),
	    L16(AF_INET),
	    0,
	    0,
	    NLA(8, IPVS_DEST_ATTR_FWD_METHOD),
	    L32(IP_VS_CONN_F_DROUTE),
	    NLA(8, IPVS_DEST_ATTR_WEIGHT),
	    L32(2),
	    NLA(8, IPVS_DEST_ATTR_U_THRESH),
	    L32(100),
	    NLA(8, IPVS_DEST_ATTR_L_THRESH),
	    L32(10),
	};
	check(buf, n, want, sizeof(want));
	/* DEL_DEST: the destination's address, port and family only */
	n = ipvs_nl_build_dest(buf, sizeof(buf), FAM, IPVS_CMD_DEL_DEST, &s, &d, 12);
	const uint8_t del[] = {
	    HDR(108, FAM, NLM_F_REQUEST | NLM_F_ACK, 12, IPVS_CMD_DEL_DEST),
	    NLA(48, NLA_F_NESTED | IPVS_CMD_ATTR_SERVICE),
	    SVC_ID_TCP,
	    NLA(40, NLA_F_NESTED | IPVS_CMD_ATTR_DEST),
	    NLA(20, IPVS_DEST_ATTR_ADDR),
	    10,
	    0,
	    0,
	    2,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    NLA(6, IPVS_DEST_ATTR_PORT),
	    0x1f,
	    0x90,
	    0,
	    0,
	    NLA(6, IPVS_DEST_ATTR_ADDR_FAMILY),
	    L16(AF_INET),
	    0,
	    0,
	};
	check(buf, n, del, sizeof(del));
	/* GET_DEST: a dump of the service's destinations */
	n = ipvs_nl_build_dest(buf, sizeof(buf), FAM, IPVS_CMD_GET_DEST, &s, NULL, 13);
	const uint8_t get[] = {HDR(68, FAM, NLM_F_REQUEST | NLM_F_DUMP, 13, IPVS_CMD_GET_DEST),
	                       NLA(48, NLA_F_NESTED | IPVS_CMD_ATTR_SERVICE), SVC_ID_TCP};
	check(buf, n, get, sizeof(get));
}

static void test_simple(void **state)
{
	(void)state;
	if (!little())
		skip();
	uint8_t buf[IPVS_NL_BUFSZ];
	size_t n = ipvs_nl_build_simple(buf, sizeof(buf), FAM, IPVS_CMD_FLUSH, 3, 0);
	const uint8_t flush[] = {HDR(20, FAM, NLM_F_REQUEST | NLM_F_ACK, 3, IPVS_CMD_FLUSH)};
	check(buf, n, flush, sizeof(flush));
	n = ipvs_nl_build_simple(buf, sizeof(buf), FAM, IPVS_CMD_GET_INFO, 4, 0);
	const uint8_t info[] = {HDR(20, FAM, NLM_F_REQUEST, 4, IPVS_CMD_GET_INFO)};
	check(buf, n, info, sizeof(info));
	n = ipvs_nl_build_simple(buf, sizeof(buf), FAM, IPVS_CMD_GET_SERVICE, 5, 1);
	const uint8_t dump[] = {HDR(20, FAM, NLM_F_REQUEST | NLM_F_DUMP, 5, IPVS_CMD_GET_SERVICE)};
	check(buf, n, dump, sizeof(dump));
}

/* Replies as the kernel builds them (ip_vs_genl_fill_service / _fill_dest / _get_cmd). */
static void test_parse(void **state)
{
	(void)state;
	if (!little())
		skip();
	const uint8_t fam[] = {HDR(40, GENL_ID_CTRL, 0, 5, CTRL_CMD_NEWFAMILY),
	                       NLA(9, CTRL_ATTR_FAMILY_NAME),
	                       'I',
	                       'P',
	                       'V',
	                       'S',
	                       0,
	                       0,
	                       0,
	                       0,
	                       NLA(6, CTRL_ATTR_FAMILY_ID),
	                       L16(0x20),
	                       0,
	                       0};
	uint16_t id = 0;
	assert_int_equal(ipvs_nl_parse_family((const void *)fam, &id), 0);
	assert_int_equal(id, 0x20);

	const uint8_t info[] = {HDR(36, FAM, 0, 4, IPVS_CMD_SET_INFO),
	                        NLA(8, IPVS_INFO_ATTR_VERSION), L32(0x010201),
	                        NLA(8, IPVS_INFO_ATTR_CONN_TAB_SIZE), L32(4096)};
	uint32_t ver = 0, tab = 0;
	assert_int_equal(ipvs_nl_parse_info((const void *)info, &ver, &tab), 0);
	assert_int_equal(ver, 0x010201);
	assert_int_equal(tab, 4096);

	/* a service with a nested stats attribute the parser must step over */
	const uint8_t svc[] = {
	    HDR(124, FAM, NLM_F_MULTI, 5, IPVS_CMD_NEW_SERVICE),
	    NLA(104, NLA_F_NESTED | IPVS_CMD_ATTR_SERVICE),
	    SVC_ID_TCP,
	    NLA(8, IPVS_SVC_ATTR_SCHED_NAME),
	    'w',
	    'r',
	    'r',
	    0,
	    NLA(12, IPVS_SVC_ATTR_FLAGS),
	    L32(IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_HASHED),
	    L32(0xffffffffu),
	    NLA(8, IPVS_SVC_ATTR_TIMEOUT),
	    L32(60),
	    NLA(8, IPVS_SVC_ATTR_NETMASK),
	    255,
	    255,
	    255,
	    0,
	    NLA(20, NLA_F_NESTED | IPVS_SVC_ATTR_STATS),
	    NLA(8, IPVS_STATS_ATTR_CONNS),
	    L32(9),
	    NLA(8, IPVS_STATS_ATTR_INPKTS),
	    L32(99),
	};
	struct ipvs_svc s;
	assert_int_equal(ipvs_nl_parse_svc((const void *)svc, &s), 0);
	assert_int_equal(s.af, AF_INET);
	assert_int_equal(s.protocol, IPPROTO_TCP);
	assert_int_equal(s.port, 80);
	assert_int_equal(s.addr[0], 10);
	assert_int_equal(s.addr[3], 1);
	assert_string_equal(s.sched, "wrr");
	assert_int_equal(s.flags, IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_HASHED);
	assert_int_equal(s.timeout, 60);
	assert_int_equal(ntohl(s.netmask), 0xffffff00u);

	const uint8_t dst[] = {
	    HDR(92, FAM, NLM_F_MULTI, 6, IPVS_CMD_NEW_DEST),
	    NLA(72, NLA_F_NESTED | IPVS_CMD_ATTR_DEST),
	    NLA(20, IPVS_DEST_ATTR_ADDR),
	    10,
	    0,
	    0,
	    3,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    NLA(6, IPVS_DEST_ATTR_PORT),
	    0,
	    80,
	    0,
	    0,
	    NLA(8, IPVS_DEST_ATTR_FWD_METHOD),
	    L32(IP_VS_CONN_F_MASQ),
	    NLA(8, IPVS_DEST_ATTR_WEIGHT),
	    L32(3),
	    NLA(8, IPVS_DEST_ATTR_ACTIVE_CONNS),
	    L32(4),
	    NLA(8, IPVS_DEST_ATTR_INACT_CONNS),
	    L32(5),
	    NLA(6, IPVS_DEST_ATTR_ADDR_FAMILY),
	    L16(AF_INET),
	    0,
	    0,
	};
	struct ipvs_dest d;
	assert_int_equal(ipvs_nl_parse_dest((const void *)dst, &d), 0);
	assert_int_equal(d.addr[3], 3);
	assert_int_equal(d.port, 80);
	assert_int_equal(d.fwd, IP_VS_CONN_F_MASQ);
	assert_int_equal(d.weight, 3);
	assert_int_equal(d.active, 4);
	assert_int_equal(d.inactive, 5);
	assert_int_equal(d.af, AF_INET);
	/* a service message is not a destination, and a truncated one is refused */
	assert_int_equal(ipvs_nl_parse_dest((const void *)svc, &d), -1);
	uint8_t cut[sizeof(svc)];
	memcpy(cut, svc, sizeof(svc));
	cut[0] = 16;
	assert_int_equal(ipvs_nl_parse_svc((const void *)cut, &s), -1);
}

/* clang-format on */

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_getfamily),
	    cmocka_unit_test(test_new_service),
	    cmocka_unit_test(test_del_service_identity_only),
	    cmocka_unit_test(test_fwmark_v6_service),
	    cmocka_unit_test(test_dest),
	    cmocka_unit_test(test_simple),
	    cmocka_unit_test(test_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
