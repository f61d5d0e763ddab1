/* vrrp_fw.c - keepalived's firewall drop rule for the VIPs of a master that does not accept
 * packets (vrrp_strict without an accept strict mode allows, or `no_accept`).
 *
 * keepalived 2.2.7 as built by Debian (nftables, no iptables) creates, in the namespace it
 * runs in: table ip keepalived { set vips; chain out (output hook, priority filter - 1)
 * `ip saddr @vips drop`; chain in (input hook, priority filter - 1) `ip daddr @vips drop` }.
 * A master adds its VIPs to the set, leaving MASTER removes them, stopping deletes the table.
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

static bool any_drop(const struct vrrp_daemon *d)
{
	for (const struct vrrp_inst *in = d->insts; in; in = in->next)
		if (in->drop_rule)
			return true;
	return false;
}

void vrrp_fw_init(struct vrrp_daemon *d)
{
	char buf[1024];
	if (d->fw_table || !any_drop(d))
		return;
	if (vrrp_nft_script(buf, sizeof(buf), 'c', 0) > 0 && nft_run(buf) == 0)
		d->fw_table = true;
}

void vrrp_fw_set(struct vrrp_inst *in, bool on)
{
	/* the ip6 table is not made yet: IPv6 instances get no drop rule (docs/limits.md) */
	if (!in->drop_rule || in->family == AF_INET6 || (on == in->fw_set && on))
		return;
	vrrp_log("(%s) %s firewall drop rule", in->conf->name, on ? "setting" : "removing");
	in->fw_set = on;
	if (!in->d->fw_table)
		vrrp_fw_init(in->d);
	char buf[256];
	for (int i = 0; i < in->nvip; i++)
		if (vrrp_nft_script(buf, sizeof(buf), on ? 'a' : 'd', in->vip[i]) > 0)
			nft_run(buf);
}

void vrrp_fw_fini(struct vrrp_daemon *d)
{
	char buf[64];
	if (d->fw_table && vrrp_nft_script(buf, sizeof(buf), 'x', 0) > 0)
		nft_run(buf);
	d->fw_table = false;
}
