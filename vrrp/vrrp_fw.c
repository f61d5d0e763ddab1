/* vrrp_fw.c - keepalived's firewall drop rule for the VIPs of a master that does not accept
 * packets (vrrp_strict without an accept strict mode allows, or `no_accept`).
 *
 * keepalived 2.2.7 as built by Debian (nftables, no iptables) creates, in the namespace it
 * runs in: table ip keepalived { set vips; chain out (output hook, priority filter - 1)
 * `ip saddr @vips drop`; chain in (input hook, priority filter - 1) `ip daddr @vips drop` }.
 * IPv6 VIPs go to table ip6 keepalived, which lets neighbour discovery through and keeps
 * link-local VIPs in a set of (address, interface) pairs. A master adds its VIPs to the set,
 * leaving MASTER removes them, stopping deletes the tables.
 * vipr produces the same ruleset through the `nft` command (Debian's nftables package); each
 * change is one short synchronous `nft -f -` run, like keepalived's own netlink calls.
 */
#include "vrrp_int.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>

int vrrp_nft_script(char *buf, size_t len, char op, uint32_t addr)
{
	char ip[INET_ADDRSTRLEN] = "";
	inet_ntop(AF_INET, &addr, ip, sizeof(ip));
	int n;
	switch (op) {
	case 'c':
		/* "table" before "delete table": deleting a table that is not there fails */
		n = snprintf(buf, len,
			     "table ip keepalived\n"
			     "delete table ip keepalived\n"
			     "table ip keepalived {\n"
			     "\tset vips {\n\t\ttype ipv4_addr\n\t}\n"
			     "\tchain out {\n"
			     "\t\ttype filter hook output priority filter - 1; policy accept;\n"
			     "\t\tip saddr @vips drop\n\t}\n"
			     "\tchain in {\n"
			     "\t\ttype filter hook input priority filter - 1; policy accept;\n"
			     "\t\tip daddr @vips drop\n\t}\n"
			     "}\n");
		break;
	case 'a':
	case 'd':
		n = snprintf(buf, len, "%s element ip keepalived vips { %s }\n",
			     op == 'a' ? "add" : "delete", ip);
		break;
	case 'x': n = snprintf(buf, len, "delete table ip keepalived\n"); break;
	default: return -1;
	}
	return n < 0 || (size_t)n >= len ? -1 : n;
}

int vrrp_nft_script6(char *buf, size_t len, char op, const uint8_t *addr, const char *ifname)
{
	char ip[INET6_ADDRSTRLEN] = "";
	if (addr)
		inet_ntop(AF_INET6, addr, ip, sizeof(ip));
	bool ll = addr && IN6_IS_ADDR_LINKLOCAL((const struct in6_addr *)addr);
	int n;
	switch (op) {
	case 'c':
		n = snprintf(
		    buf, len,
		    "table ip6 keepalived\n"
		    "delete table ip6 keepalived\n"
		    "table ip6 keepalived {\n"
		    "\tset vips {\n\t\ttype ipv6_addr\n\t}\n"
		    "\tset neighbor-discovery {\n\t\ttype icmpv6_type\n\t\tflags constant\n"
		    "\t\telements = { nd-neighbor-solicit, nd-neighbor-advert }\n\t}\n"
		    "\tset vips_link_local {\n\t\ttype ipv6_addr . iface_index\n\t}\n"
		    "\tchain out {\n"
		    "\t\ttype filter hook output priority filter - 1; policy accept;\n\t}\n"
		    "\tchain in {\n"
		    "\t\ttype filter hook input priority filter - 1; policy accept;\n\t}\n"
		    "\tchain in_link_local {\n\t\tip6 daddr . iif @vips_link_local drop\n\t}\n"
		    "\tchain out_link_local {\n\t\tip6 saddr . oif @vips_link_local drop\n\t}\n"
		    "}\n"
		    /* the rules after the chains they go to, the chains in keepalived's order */
		    "add rule ip6 keepalived out icmpv6 type @neighbor-discovery accept\n"
		    "add rule ip6 keepalived out ip6 saddr fe80::/10 goto out_link_local\n"
		    "add rule ip6 keepalived out ip6 saddr @vips drop\n"
		    "add rule ip6 keepalived in icmpv6 type @neighbor-discovery accept\n"
		    "add rule ip6 keepalived in ip6 daddr fe80::/10 goto in_link_local\n"
		    "add rule ip6 keepalived in ip6 daddr @vips drop\n");
		break;
	case 'a':
	case 'd':
		if (!addr || (ll && (!ifname || !*ifname || strpbrk(ifname, "\" \n"))))
			return -1;
		n = ll ? snprintf(buf, len,
		                  "%s element ip6 keepalived vips_link_local { %s . \"%s\" }\n",
		                  op == 'a' ? "add" : "delete", ip, ifname)
		       : snprintf(buf, len, "%s element ip6 keepalived vips { %s }\n",
		                  op == 'a' ? "add" : "delete", ip);
		break;
	case 'x':
		n = snprintf(buf, len, "delete table ip6 keepalived\n");
		break;
	default:
		return -1;
	}
	return n < 0 || (size_t)n >= len ? -1 : n;
}

static const char *nft_path(void)
{
	static const char *const paths[] = { "/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft" };
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

/* Feeds text to `nft -f -`. Returns nft's exit status, or -1. */
static int nft_run(const char *text)
{
	const char *nft = nft_path();
	if (!nft) {
		static bool told;
		if (!told)
			vrrp_log("nftables: the nft command is missing - cannot set firewall drop rules");
		told = true;
		return -1;
	}
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[0], 0);
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(nft, "nft", "-f", "-", (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		return -1;
	}
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t w = write(p[1], text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(p[1]);
	int ws;
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

/* Creates the table of each family some instance needs (once). */
void vrrp_fw_init(struct vrrp_daemon *d)
{
	/* in the order of the instances, as keepalived (nft lists tables as they were made) */
	for (const struct vrrp_inst *in = d->insts; in; in = in->next) {
		char buf[2048];
		if (!in->drop_rule)
			continue;
		if (in->family == AF_INET6 && !d->fw_table6 &&
		    vrrp_nft_script6(buf, sizeof(buf), 'c', NULL, NULL) > 0 && nft_run(buf) == 0)
			d->fw_table6 = true;
		if (in->family != AF_INET6 && !d->fw_table &&
		    vrrp_nft_script(buf, sizeof(buf), 'c', 0) > 0 && nft_run(buf) == 0)
			d->fw_table = true;
	}
}

void vrrp_fw_set(struct vrrp_inst *in, bool on)
{
	if (!in->drop_rule || (on == in->fw_set && on))
		return;
	vrrp_log("(%s) %s firewall drop rule", in->conf->name, on ? "setting" : "removing");
	in->fw_set = on;
	vrrp_fw_init(in->d);
	char buf[256];
	if (in->family != AF_INET6) {
		for (int i = 0; i < in->nvip; i++)
			if (vrrp_nft_script(buf, sizeof(buf), on ? 'a' : 'd', in->vip[i]) > 0)
				nft_run(buf);
		return;
	}
	/* a link-local VIP is dropped on its own interface only */
	for (const struct m_vip *v = in->conf->vips; v; v = v->next) {
		char ifn[IF_NAMESIZE] = "";
		if (v->excluded || v->addr.ss.ss_family != AF_INET6)
			continue;
		if_indextoname((unsigned)vrrp_vip_ifindex(in, v), ifn);
		if (vrrp_nft_script6(buf, sizeof(buf), on ? 'a' : 'd', vrrp_vip_addr(v), ifn) > 0)
			nft_run(buf);
	}
}

void vrrp_fw_fini(struct vrrp_daemon *d)
{
	char buf[64];
	if (d->fw_table && vrrp_nft_script(buf, sizeof(buf), 'x', 0) > 0)
		nft_run(buf);
	if (d->fw_table6 && vrrp_nft_script6(buf, sizeof(buf), 'x', NULL, NULL) > 0)
		nft_run(buf);
	d->fw_table = d->fw_table6 = false;
}
