/* test_ipvs_map.c - what runtime/ipvs_kernel.c asks the kernel for, from a keepalived.conf:
 * each virtual_server's IPVS service (family, protocol, address, port or fwmark, scheduler,
 * persistence flag, timeout and netmask, one-packet scheduling) and each real_server's
 * destination (forwarding method from lb_kind, weight, thresholds), as keepalived 2.2.7 sets
 * them; and that the NEW_SERVICE request built from them carries those values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/ip_vs.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "parser/parser.h"
#include "runtime/ipvs.h"

static const char conf[] = "virtual_server 192.168.88.86 80 {\n"
                           "  lb_algo wrr\n  lb_kind DR\n  protocol TCP\n"
                           "  persistence_timeout 60\n  persistence_granularity 255.255.255.0\n"
                           "  real_server 192.168.88.83 80 {\n    weight 1\n  }\n"
                           "  real_server 192.168.88.84 8080 {\n    weight 2\n    uthreshold 100\n"
                           "    lthreshold 10\n  }\n"
                           "}\n"
                           "virtual_server 10.0.0.10 53 {\n"
                           "  lvs_sched sh\n  lb_kind NAT\n  protocol UDP\n  ops\n"
                           "  real_server 192.168.1.4 53 {\n    weight 3\n  }\n"
                           "}\n"
                           "virtual_server fwmark 7 {\n"
                           "  lb_algo lc\n  lb_kind TUN\n"
                           "  real_server 10.0.0.7 80 {\n    weight 1\n  }\n"
                           "}\n"
                           "virtual_server 2001:db8::1 443 {\n"
                           "  lb_algo rr\n  persistence_timeout 300\n  persistence_granularity 64\n"
                           "  real_server 2001:db8::2 443 {\n    weight 1\n  }\n"
                           "}\n";

static struct m_config *load(void)
{
	char path[] = "/tmp/test_ipvs_map.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, conf, sizeof(conf) - 1), (ssize_t)(sizeof(conf) - 1));
	close(fd);
	struct m_config *cfg = m_config_new();
	struct diag_list dl = {0};
	struct ka_opts o = {0};
	assert_int_equal(ka_load(cfg, path, &o, &dl), 0);
	unlink(path);
	diag_list_free(&dl);
	return cfg;
}

static const struct m_pool *nth(const struct m_config *cfg, int n)
{
	for (const struct m_pool *p = cfg->pools; p; p = p->next)
		if (p->lvs && n-- == 0)
			return p;
	fail_msg("no virtual_server %d", n);
	return NULL;
}

static void test_services(void **state)
{
	(void)state;
	struct m_config *cfg = load();
	struct ipvs_svc s;
	uint8_t want[16] = {192, 168, 88, 86};

	assert_true(rt_ipvs_svc_of(nth(cfg, 0), &s));
	assert_int_equal(s.af, AF_INET);
	assert_int_equal(s.protocol, IPPROTO_TCP);
	assert_memory_equal(s.addr, want, 16);
	assert_int_equal(s.port, 80);
	assert_int_equal(s.fwmark, 0);
	assert_string_equal(s.sched, "wrr");
	assert_int_equal(s.flags, IP_VS_SVC_F_PERSISTENT);
	assert_int_equal(s.timeout, 60);
	assert_int_equal(ntohl(s.netmask), 0xffffff00u);

	assert_true(rt_ipvs_svc_of(nth(cfg, 1), &s));
	assert_int_equal(s.protocol, IPPROTO_UDP);
	assert_string_equal(s.sched, "sh");
	assert_int_equal(s.flags, IP_VS_SVC_F_ONEPACKET); /* ops, no persistence */
	assert_int_equal(s.timeout, 0);
	assert_int_equal(s.netmask, 0xffffffffu);

	assert_true(rt_ipvs_svc_of(nth(cfg, 2), &s));
	assert_int_equal(s.af, AF_INET);
	assert_int_equal(s.fwmark, 7);
	assert_int_equal(s.protocol, 0);
	assert_string_equal(s.sched, "lc");

	assert_true(rt_ipvs_svc_of(nth(cfg, 3), &s));
	assert_int_equal(s.af, AF_INET6);
	assert_int_equal(s.port, 443);
	assert_int_equal(s.addr[0], 0x20);
	assert_int_equal(s.addr[15], 1);
	assert_int_equal(s.timeout, 300);
	assert_int_equal(s.netmask, 64); /* a prefix length for IPv6 */

	/* and NEW_SERVICE carries them: the netmask bytes of the first service at the end */
	assert_true(rt_ipvs_svc_of(nth(cfg, 0), &s));
	uint8_t buf[IPVS_NL_BUFSZ];
	size_t n = ipvs_nl_build_svc(buf, sizeof(buf), 0x20, IPVS_CMD_NEW_SERVICE, &s, 1);
	assert_int_equal(n, 104);
	const uint8_t tail[] = {8, 0, IPVS_SVC_ATTR_NETMASK, 0, 255, 255, 255, 0};
	assert_memory_equal(buf + n - 8, tail, 8);
	m_config_free(cfg);
}

static void test_dests(void **state)
{
	(void)state;
	struct m_config *cfg = load();
	const struct m_pool *mp = nth(cfg, 0);
	struct ipvs_dest d;
	const struct m_server *s83 = mp->servers, *s84 = s83->next;
	rt_ipvs_dest_of(mp, s83, 1, &d);
	assert_int_equal(d.af, AF_INET);
	assert_int_equal(d.addr[3], 83);
	assert_int_equal(d.port, 80);
	assert_int_equal(d.fwd, IP_VS_CONN_F_DROUTE);
	assert_int_equal(d.weight, 1);
	assert_int_equal(d.u_thresh, 0);
	rt_ipvs_dest_of(mp, s84, 0, &d); /* weight as the checks decide, here 0 */
	assert_int_equal(d.port, 8080);
	assert_int_equal(d.weight, 0);
	assert_int_equal(d.u_thresh, 100);
	assert_int_equal(d.l_thresh, 10);

	mp = nth(cfg, 1);
	rt_ipvs_dest_of(mp, mp->servers, 3, &d);
	assert_int_equal(d.fwd, IP_VS_CONN_F_MASQ);
	mp = nth(cfg, 2);
	rt_ipvs_dest_of(mp, mp->servers, 1, &d);
	assert_int_equal(d.fwd, IP_VS_CONN_F_TUNNEL);
	assert_int_equal(d.port, 80);
	mp = nth(cfg, 3);
	rt_ipvs_dest_of(mp, mp->servers, 1, &d);
	assert_int_equal(d.af, AF_INET6);
	assert_int_equal(d.fwd, IP_VS_CONN_F_MASQ); /* keepalived's default lb_kind is NAT */
	m_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_services),
	    cmocka_unit_test(test_dests),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
