/* vrrp_net.c - VRRP's view of the network: interfaces, raw IP protocol 112 sockets (RFC 5798
 * section 5.1: TTL 255, 224.0.0.18 or ff02::12), virtual addresses through rtnetlink (libmnl),
 * gratuitous ARP and unsolicited neighbour advertisements through packet sockets. Each function is one system interaction with no
 * state of its own; the daemon (vrrp_daemon.c) owns the descriptors.
 */
#include "vrrp_int.h"

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/rtnetlink.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <sys/ioctl.h>

int vrrp_if_get(const char *ifname, struct vrrp_if *vi, int family)
{
	memset(vi, 0, sizeof(*vi));
	if (strlen(ifname) >= sizeof(vi->name)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(vi->name, ifname);
	vi->index = (int)if_nametoindex(ifname);
	if (!vi->index)
		return -1;
	struct ifaddrs *ifa, *p;
	if (getifaddrs(&ifa) < 0)
		return -1;
	/* The first IPv4 address listed for the device is its primary; labelled addresses
	 * ("eth0:1") are secondaries or VIPs and never the primary. */
	for (p = ifa; p; p = p->ifa_next) {
		if (!p->ifa_addr || strcmp(p->ifa_name, ifname))
			continue;
		if (p->ifa_addr->sa_family == AF_INET && !vi->primary)
			vi->primary = ((struct sockaddr_in *)p->ifa_addr)->sin_addr.s_addr;
		const struct in6_addr *a6 = &((struct sockaddr_in6 *)p->ifa_addr)->sin6_addr;
		/* RFC 5798 5.1.2.1: IPv6 adverts come from the link-local address */
		if (p->ifa_addr->sa_family == AF_INET6 && !vi->has_ll6 && IN6_IS_ADDR_LINKLOCAL(a6)) {
			memcpy(vi->ll6, a6, 16);
			vi->has_ll6 = true;
		}
	}
	freeifaddrs(ifa);
	struct ifreq ifr = { 0 };
	strcpy(ifr.ifr_name, ifname);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && ioctl(fd, SIOCGIFHWADDR, &ifr) == 0)
		memcpy(vi->mac, ifr.ifr_hwaddr.sa_data, 6);
	if (fd >= 0)
		close(fd);
	if (family == AF_INET6 ? !vi->has_ll6 : !vi->primary) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	return 0;
}

static int setopt(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v));
}

static int sock_open6(const struct vrrp_if *vi, const uint8_t *group)
{
	int fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, VRRP_PROTO);
	if (fd < 0)
		return -1;
	/* RFC 5798 5.1.2.3 and 7.1: hop limit 255 out, and checked in (so it is reported);
	 * the destination tells multicast from unicast for the pseudo-header. The checksum is
	 * computed here, not by the kernel (IPV6_CHECKSUM), so that bad ones are counted. */
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, vi->name, (socklen_t)strlen(vi->name)) ||
	    setopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, VRRP_TTL) ||
	    setopt(fd, IPPROTO_IPV6, IPV6_TCLASS, IPTOS_PREC_INTERNETCONTROL) ||
	    setopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1) ||
	    setopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1))
		goto fail;
	if (group) {
		struct ipv6_mreq mr = { .ipv6mr_interface = (unsigned)vi->index };
		memcpy(&mr.ipv6mr_multiaddr, group, 16);
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mr, sizeof(mr)) ||
		    setopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, vi->index) ||
		    setopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, VRRP_TTL) ||
		    setopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0))
			goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

int vrrp_sock_open(const struct vrrp_if *vi, int family, const void *group)
{
	if (family == AF_INET6)
		return sock_open6(vi, group);
	int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, VRRP_PROTO);
	if (fd < 0)
		return -1;
	/* RFC 5798 5.1.1.3: TTL 255, and keepalived's TOS 0xc0 (network control). The socket
	 * is not bound to an address: a bound raw socket only receives packets sent to that
	 * address, not to 224.0.0.18; the source is set per packet (vrrp_sock_send). */
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, vi->name, (socklen_t)strlen(vi->name)) ||
	    setopt(fd, IPPROTO_IP, IP_TTL, VRRP_TTL) ||
	    setopt(fd, IPPROTO_IP, IP_TOS, IPTOS_PREC_INTERNETCONTROL))
		goto fail;
	if (group) {
		struct ip_mreqn mr = { .imr_address.s_addr = vi->primary,
				       .imr_ifindex = vi->index };
		memcpy(&mr.imr_multiaddr.s_addr, group, 4);
		if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)) ||
		    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) ||
		    setopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, VRRP_TTL) ||
		    setopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0))
			goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

int vrrp_sock_send(int fd, const struct vrrp_if *vi, const uint8_t *msg, size_t len,
		   uint32_t dst, uint32_t src)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = dst };
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} ctl = { 0 };
	struct msghdr mh = { .msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov,
			     .msg_iovlen = 1, .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	/* The source must be the primary address: peers check it and v3 sums it. */
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
	struct in_pktinfo pi = { .ipi_ifindex = vi->index, .ipi_spec_dst.s_addr = src };
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	ssize_t n = sendmsg(fd, &mh, 0);
	return n == (ssize_t)len ? 0 : -1;
}

int vrrp_sock_send6(int fd, const struct vrrp_if *vi, const uint8_t *msg, size_t len,
		    const uint8_t *dst, const uint8_t *src)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6 };
	memcpy(&to.sin6_addr, dst, 16);
	if (IN6_IS_ADDR_LINKLOCAL(&to.sin6_addr) || IN6_IS_ADDR_MC_LINKLOCAL(&to.sin6_addr))
		to.sin6_scope_id = (uint32_t)vi->index;
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl = { 0 };
	struct msghdr mh = { .msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov,
			     .msg_iovlen = 1, .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	/* the source enters the peer's pseudo-header checksum: it must be the one we summed */
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = IPPROTO_IPV6;
	cm->cmsg_type = IPV6_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
	struct in6_pktinfo pi = { .ipi6_ifindex = (unsigned)vi->index };
	memcpy(&pi.ipi6_addr, src, 16);
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	ssize_t n = sendmsg(fd, &mh, 0);
	return n == (ssize_t)len ? 0 : -1;
}

ssize_t vrrp_sock_recv6(int fd, uint8_t *buf, size_t len, uint8_t *src, uint8_t *dst,
			int *hoplimit)
{
	struct sockaddr_in6 from;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
			     .msg_iovlen = 1, .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	ssize_t n = recvmsg(fd, &mh, 0);
	if (n < 0)
		return -1;
	*hoplimit = -1;
	memset(dst, 0, 16);
	memcpy(src, &from.sin6_addr, 16);
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != IPPROTO_IPV6)
			continue;
		if (cm->cmsg_type == IPV6_HOPLIMIT)
			memcpy(hoplimit, CMSG_DATA(cm), sizeof(int));
		else if (cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			memcpy(dst, &pi.ipi6_addr, 16);
		}
	}
	return n;
}

struct mnl_socket *vrrp_nl_open(void)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

int vrrp_scope_parse(const char *s)
{
	static const struct { const char *n; int v; } t[] = {
		{ "global", RT_SCOPE_UNIVERSE }, { "site", RT_SCOPE_SITE },
		{ "link", RT_SCOPE_LINK }, { "host", RT_SCOPE_HOST }, { "nowhere", RT_SCOPE_NOWHERE },
	};
	if (!s)
		return RT_SCOPE_UNIVERSE;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (!strcmp(s, t[i].n))
			return t[i].v;
	char *end;
	long v = strtol(s, &end, 0);
	return *s && !*end && v >= 0 && v <= 255 ? (int)v : -1;
}

int vrrp_nl_addr(struct mnl_socket *nl, bool add, int ifindex, uint32_t addr, int prefix,
		 const char *label, uint32_t brd, int scope)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	nlh->nlmsg_seq = (unsigned)time(NULL);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (uint8_t)(prefix < 0 ? 32 : prefix);
	ifa->ifa_scope = (uint8_t)scope;
	ifa->ifa_index = (unsigned)ifindex;
	mnl_attr_put_u32(nlh, IFA_LOCAL, addr);
	mnl_attr_put_u32(nlh, IFA_ADDRESS, addr);
	if (brd)
		mnl_attr_put_u32(nlh, IFA_BROADCAST, brd);
	if (label && *label)
		mnl_attr_put_strz(nlh, IFA_LABEL, label);
	unsigned seq = nlh->nlmsg_seq, portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	int r = mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL);
	return r < 0 ? -errno : 0;
}

/* deprecated: preferred lifetime 0, so the kernel never picks it as a source on its own
 * (keepalived's copy of the base's link-local address on an IPv6 vmac). */
static int nl_addr6(struct mnl_socket *nl, bool add, int ifindex, const uint8_t *addr,
		    int prefix, bool deprecated)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	nlh->nlmsg_seq = (unsigned)time(NULL);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = (uint8_t)(prefix < 0 ? 128 : prefix);
	ifa->ifa_flags = IFA_F_NODAD;
	ifa->ifa_index = (unsigned)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, 16, addr);
	mnl_attr_put(nlh, IFA_ADDRESS, 16, addr);
	if (deprecated) {
		struct ifa_cacheinfo ci = { .ifa_prefered = 0, .ifa_valid = 0xffffffffu };
		mnl_attr_put(nlh, IFA_CACHEINFO, sizeof(ci), &ci);
	}
	unsigned seq = nlh->nlmsg_seq, portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	int r = mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL);
	return r < 0 ? -errno : 0;
}

int vrrp_nl_addr6(struct mnl_socket *nl, bool add, int ifindex, const uint8_t *addr,
		  int prefix)
{
	return nl_addr6(nl, add, ifindex, addr, prefix, false);
}

/* keepalived's settings: the base answers ARP only for its own addresses on the interface
 * asked (so it never answers for a VIP with its own MAC); the vmac accepts packets from
 * local addresses and skips reverse-path filtering. */
static void sysctl_if(const char *ifname, const char *key, const char *val)
{
	char path[160];
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/%s", ifname, key);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, val, strlen(val)) < 0)
		vrrp_log("Unable to set %s", path);
	close(fd);
}

static int nl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, char *buf, size_t len)
{
	nlh->nlmsg_seq = (unsigned)time(NULL);
	unsigned seq = nlh->nlmsg_seq, portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	ssize_t n = mnl_socket_recvfrom(nl, buf, len);
	if (n < 0)
		return -errno;
	return mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL) < 0 ? -errno : 0;
}

/* An IPv6 vmac makes no link-local address of its own: the one from the virtual MAC would be
 * the same on every router of the VRID. Must come before the link goes up. */
static int vmac_no_addrgen(struct mnl_socket *nl, int idx)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = idx;
	struct nlattr *spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	struct nlattr *in6 = mnl_attr_nest_start(nlh, AF_INET6);
	mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
	mnl_attr_nest_end(nlh, in6);
	mnl_attr_nest_end(nlh, spec);
	return nl_talk(nl, nlh, buf, sizeof(buf));
}

int vrrp_vmac_ll6(struct mnl_socket *nl, int index, const uint8_t *ll6)
{
	int r = nl_addr6(nl, true, index, ll6, 64, true);
	return r == -EEXIST ? 0 : r;
}

int vrrp_vmac_add(struct mnl_socket *nl, const char *name, int base, const char *base_name,
		  const uint8_t *mac)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t)base);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "macvlan");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, MACVLAN_MODE_PRIVATE);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	int r = nl_talk(nl, nlh, buf, sizeof(buf));
	if (r < 0 && r != -EEXIST)
		return r;
	int idx = (int)if_nametoindex(name);
	if (!idx)
		return -ENODEV;
	sysctl_if(base_name, "arp_ignore", "1");
	sysctl_if(base_name, "arp_filter", "1");
	sysctl_if(name, "arp_ignore", "1");
	sysctl_if(name, "accept_local", "1");
	sysctl_if(name, "rp_filter", "0");
	if (mac[4] == 0x02 && (r = vmac_no_addrgen(nl, idx)) < 0)
		return r;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = idx;
	ifi->ifi_flags = ifi->ifi_change = IFF_UP;
	r = nl_talk(nl, nlh, buf, sizeof(buf));
	return r < 0 ? r : idx;
}

int vrrp_vmac_del(struct mnl_socket *nl, int index)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_DELLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	return nl_talk(nl, nlh, buf, sizeof(buf));
}

int vrrp_garp_open(void)
{
	return socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ARP));
}

int vrrp_garp_send(int fd, const struct vrrp_if *vi, uint32_t addr)
{
	uint8_t f[42];
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	memcpy(f, bcast, 6);
	memcpy(f + 6, vi->mac, 6);
	f[12] = 0x08, f[13] = 0x06;                 /* ethertype ARP */
	f[14] = 0, f[15] = 1;                       /* htype Ethernet */
	f[16] = 0x08, f[17] = 0x00;                 /* ptype IPv4 */
	f[18] = 6, f[19] = 4, f[20] = 0, f[21] = 1; /* hlen, plen, op request */
	memcpy(f + 22, vi->mac, 6);                 /* sender MAC */
	memcpy(f + 28, &addr, 4);                   /* sender IP: the VIP */
	memcpy(f + 32, bcast, 6);                   /* target MAC, as keepalived sends it */
	memcpy(f + 38, &addr, 4);                   /* target IP: the VIP */
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP),
				  .sll_ifindex = vi->index, .sll_halen = 6 };
	memcpy(ll.sll_addr, bcast, 6);
	return sendto(fd, f, sizeof(f), 0, (struct sockaddr *)&ll, sizeof(ll)) == sizeof(f) ? 0
											     : -1;
}

int vrrp_na_open(void)
{
	return socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_IPV6));
}

/* Whether the interface forwards IPv6: then it is a router and says so in its adverts. */
static bool if_forwards6(const char *ifname)
{
	char path[128], c = '0';
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/forwarding", ifname);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, &c, 1) != 1)
			c = '0';
		close(fd);
	}
	return c == '1';
}

int vrrp_na_send(int fd, const struct vrrp_if *vi, const uint8_t *addr)
{
	/* Ethernet (14), IPv6 (40), NA (24) and the target link-layer option (8) */
	uint8_t f[14 + 40 + 32] = { 0 };
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	static const uint8_t mc_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	memcpy(f, mc_mac, 6);
	memcpy(f + 6, vi->mac, 6);
	f[12] = 0x86, f[13] = 0xdd;
	uint8_t *ip = f + 14, *na = ip + 40;
	ip[0] = 0x60;
	ip[5] = 32;   /* payload length */
	ip[6] = 58;   /* ICMPv6 */
	ip[7] = 255;  /* RFC 4861 7.1.2: hop limit 255 */
	memcpy(ip + 8, addr, 16);
	memcpy(ip + 24, all_nodes, 16);
	na[0] = 136;  /* Neighbor Advertisement */
	na[4] = (uint8_t)(0x20 | (if_forwards6(vi->name) ? 0x80 : 0)); /* Override, Router */
	memcpy(na + 8, addr, 16);
	na[24] = 2;   /* Target Link-Layer Address */
	na[25] = 1;   /* in units of 8 bytes */
	memcpy(na + 26, vi->mac, 6);
	uint32_t sum = 58 + 32;
	for (int i = 0; i < 32; i += 2)
		sum += (uint32_t)(ip[8 + i] << 8 | ip[9 + i]);
	uint16_t ck = vrrp_cksum(na, 32, sum);
	na[2] = (uint8_t)(ck >> 8), na[3] = (uint8_t)ck;
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IPV6),
				  .sll_ifindex = vi->index, .sll_halen = 6 };
	memcpy(ll.sll_addr, mc_mac, 6);
	return sendto(fd, f, sizeof(f), 0, (struct sockaddr *)&ll, sizeof(ll)) == sizeof(f) ? 0
											     : -1;
}
