/* vrrp_net.c - VRRP's view of the network: interfaces, raw IP protocol 112 sockets (RFC 5798
 * section 5.1: TTL 255, 224.0.0.18), virtual addresses through rtnetlink (libmnl) and
 * gratuitous ARP through a packet socket. Each function is one system interaction with no
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
#include <linux/if_packet.h>
#include <linux/rtnetlink.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <sys/ioctl.h>

int vrrp_if_get(const char *ifname, struct vrrp_if *vi)
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
	for (p = ifa; p; p = p->ifa_next)
		if (p->ifa_addr && p->ifa_addr->sa_family == AF_INET && !strcmp(p->ifa_name, ifname)) {
			vi->primary = ((struct sockaddr_in *)p->ifa_addr)->sin_addr.s_addr;
			break;
		}
	freeifaddrs(ifa);
	struct ifreq ifr = { 0 };
	strcpy(ifr.ifr_name, ifname);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && ioctl(fd, SIOCGIFHWADDR, &ifr) == 0)
		memcpy(vi->mac, ifr.ifr_hwaddr.sa_data, 6);
	if (fd >= 0)
		close(fd);
	if (!vi->primary) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	return 0;
}

static int setopt(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v));
}

int vrrp_sock_open(const struct vrrp_if *vi, bool mcast)
{
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
	if (mcast) {
		struct ip_mreqn mr = { .imr_multiaddr.s_addr = htonl(VRRP_MCAST_V4),
				       .imr_address.s_addr = vi->primary,
				       .imr_ifindex = vi->index };
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
		   uint32_t dst)
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
	struct in_pktinfo pi = { .ipi_ifindex = vi->index, .ipi_spec_dst.s_addr = vi->primary };
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	ssize_t n = sendmsg(fd, &mh, 0);
	return n == (ssize_t)len ? 0 : -1;
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
