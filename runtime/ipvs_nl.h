/* ipvs_nl.h - a client of the kernel's IPVS generic-netlink family ("IPVS", version 1).
 *
 * Message building and parsing are pure functions over caller-owned buffers, so the unit
 * tests can check every byte against <linux/ip_vs.h>; struct ipvs_nl is the socket that
 * sends them (libmnl). Addresses are 16 bytes in network order (IPv4 in the first 4 bytes),
 * ports are host order here and network order on the wire, as the kernel expects.
 * Private to runtime/ (lvs.c and `vipr ipvs`).
 */
#ifndef VIPR_RUNTIME_IPVS_NL_H
#define VIPR_RUNTIME_IPVS_NL_H

#include <stddef.h>
#include <stdint.h>

struct nlmsghdr;

/* A virtual service: (af, protocol, addr, port) or (af, fwmark). */
struct ipvs_svc {
	uint16_t af;       /* AF_INET, AF_INET6 */
	uint16_t protocol; /* IPPROTO_TCP, _UDP, _SCTP; 0 for a fwmark service */
	uint8_t addr[16];
	uint16_t port;    /* host order */
	uint32_t fwmark;  /* 0: an address service */
	char sched[16];   /* "wrr", ... */
	uint32_t flags;   /* IP_VS_SVC_F_* */
	uint32_t timeout; /* persistence, seconds */
	uint32_t netmask; /* IPv4: the mask as 4 bytes in network order; IPv6: a prefix length */
};

struct ipvs_dest {
	uint16_t af;
	uint8_t addr[16];
	uint16_t port; /* host order */
	uint32_t fwd;  /* IP_VS_CONN_F_MASQ, _DROUTE, _TUNNEL */
	int32_t weight;
	uint32_t u_thresh, l_thresh;
	/* from dumps */
	uint32_t active, inactive, persist;
};

/* Builders: write one request into buf (len bytes, at least IPVS_NL_BUFSZ is always
 * enough) and return its length, 0 when it does not fit. seq is the netlink sequence
 * number. `cmd` is IPVS_CMD_*. Service commands carry IPVS_CMD_ATTR_SERVICE: the identity
 * only for DEL/GET, everything for NEW/SET. Destination commands carry the service identity
 * and IPVS_CMD_ATTR_DEST (address and port only for DEL). Dumps set NLM_F_DUMP. */
#define IPVS_NL_BUFSZ 512
size_t ipvs_nl_build_getfamily(void *buf, size_t len, uint32_t seq);
size_t ipvs_nl_build_simple(void *buf, size_t len, uint16_t family, uint8_t cmd, uint32_t seq,
                            int dump);
size_t ipvs_nl_build_svc(void *buf, size_t len, uint16_t family, uint8_t cmd,
                         const struct ipvs_svc *s, uint32_t seq);
size_t ipvs_nl_build_dest(void *buf, size_t len, uint16_t family, uint8_t cmd,
                          const struct ipvs_svc *s, const struct ipvs_dest *d, uint32_t seq);

/* Parsers of one reply message: 0, or -1 when it is not what was asked for. */
int ipvs_nl_parse_family(const struct nlmsghdr *nlh, uint16_t *family);
int ipvs_nl_parse_info(const struct nlmsghdr *nlh, uint32_t *version, uint32_t *tab_size);
int ipvs_nl_parse_svc(const struct nlmsghdr *nlh, struct ipvs_svc *s);
int ipvs_nl_parse_dest(const struct nlmsghdr *nlh, struct ipvs_dest *d);

/* The socket. ipvs_nl_open(): a netlink socket with the IPVS family resolved, or NULL
 * (errno ENOENT when the kernel has no IPVS). The others return 0 or a negative errno
 * (the kernel's answer: -EEXIST, -ESRCH, -ENOENT ...). Dumps call cb for each entry in
 * the kernel's order; cb's return is ignored. */
struct ipvs_nl;
struct ipvs_nl *ipvs_nl_open(void);
void ipvs_nl_close(struct ipvs_nl *h);
int ipvs_nl_info(struct ipvs_nl *h, uint32_t *version, uint32_t *tab_size);
int ipvs_nl_svc(struct ipvs_nl *h, uint8_t cmd, const struct ipvs_svc *s);
int ipvs_nl_dest(struct ipvs_nl *h, uint8_t cmd, const struct ipvs_svc *s,
                 const struct ipvs_dest *d);
int ipvs_nl_flush(struct ipvs_nl *h);
int ipvs_nl_dump_svc(struct ipvs_nl *h, void (*cb)(const struct ipvs_svc *, void *), void *arg);
int ipvs_nl_dump_dest(struct ipvs_nl *h, const struct ipvs_svc *s,
                      void (*cb)(const struct ipvs_dest *, void *), void *arg);

/* Whether this network namespace's kernel has IPVS: /proc/net/ip_vs, else the family
 * resolves (which also loads ip_vs where module autoloading works). */
int ipvs_nl_available(void);

#endif
