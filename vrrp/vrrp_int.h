/* vrrp_int.h - private to vrrp/: the network layer shared by the daemon's files. */
#ifndef VIPR_VRRP_INT_H
#define VIPR_VRRP_INT_H

#include "vrrp.h"

#include <libmnl/libmnl.h>

/* An interface as VRRP needs it: index, primary IPv4 address (network order), MAC. */
struct vrrp_if {
	char name[16];
	int index;
	uint32_t primary;
	uint8_t mac[6];
};

/* vrrp_if_get(): fills *vi for ifname. Returns 0, or -1 when the interface or its IPv4
 * address is missing (errno set). */
int vrrp_if_get(const char *ifname, struct vrrp_if *vi);

/* vrrp_sock_open(): a raw protocol-112 socket bound to the interface, TTL 255, sending from
 * the primary address; joins 224.0.0.18 on the interface when mcast. Non-blocking.
 * Returns the fd or -1. */
int vrrp_sock_open(const struct vrrp_if *vi, bool mcast);
/* vrrp_sock_send(): sends one VRRP message (no IP header) to dst (network order). */
int vrrp_sock_send(int fd, const struct vrrp_if *vi, const uint8_t *msg, size_t len,
		   uint32_t dst);

/* rtnetlink over libmnl. vrrp_nl_open() returns NULL on failure. vrrp_nl_addr(): adds
 * (add true) or deletes one IPv4 address with prefix, label, broadcast and scope on ifindex,
 * waiting for the kernel's answer. Returns 0, or -errno (EEXIST on add and EADDRNOTAVAIL on
 * delete are reported, the caller decides). */
struct mnl_socket *vrrp_nl_open(void);
int vrrp_nl_addr(struct mnl_socket *nl, bool add, int ifindex, uint32_t addr, int prefix,
		 const char *label, uint32_t brd, int scope);
/* Scope names of ip-address(8): host, link, site, global, nowhere, or a number. -1: bad. */
int vrrp_scope_parse(const char *s);

/* Gratuitous ARP (RFC 5227 section 3 "ARP Announcement" form: a request for the address
 * from the address), sent to the broadcast MAC through an AF_PACKET socket. */
int vrrp_garp_open(void);
int vrrp_garp_send(int fd, const struct vrrp_if *vi, uint32_t addr);

#endif
