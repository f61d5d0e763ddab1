/* vrrp.h - the one public interface of vrrp/: VRRP instances as keepalived 2.2 runs them.
 *
 * Three layers, each usable alone: the wire format (vrrp_pkt.c: VRRPv2 RFC 3768 and VRRPv3
 * RFC 5798 adverts, built and parsed without allocation), the state machine (vrrp_fsm.c: pure
 * logic over an injected clock and callbacks, so it is unit-tested with tables of events), and
 * the daemon (vrrp_net.c, vrrp_daemon.c: raw protocol-112 sockets, VIPs over rtnetlink,
 * gratuitous ARP, one libev loop) that the keepalived personality runs.
 */
#ifndef VIPR_VRRP_H
#define VIPR_VRRP_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/model.h"

#define VRRP_PROTO      112          /* IANA protocol number, RFC 3768 section 5.2.4 */
/* Default groups of adverts (RFC 5798 sections 5.1.1.2, 5.1.2.2); vrrp_mcast_group4/6 change
 * them for the whole daemon. */
#define VRRP_MCAST_V4   0xe0000012u  /* 224.0.0.18, host order */
#define VRRP_MCAST_V6   "ff02::12"
#define VRRP_TTL        255
#define VRRP_AUTH_LEN   8            /* RFC 3768 section 5.3.10 */
#define VRRP_MAX_ADDRS  255          /* Count IP Addrs is one octet */
#define VRRP_IP_HDR_MAX 60
#define VRRP_PKT_MAX    (VRRP_IP_HDR_MAX + 8 + 16 * VRRP_MAX_ADDRS + VRRP_AUTH_LEN)

/* ---------------------------------------------------------------- wire format */

enum vrrp_auth { VRRP_AUTH_NONE = 0, VRRP_AUTH_PASS = 1, VRRP_AUTH_AH = 2 };

/* Why a received packet was refused; each has a counter in struct vrrp_stats. */
enum vrrp_err {
	VRRP_OK = 0,
	VRRP_E_IPHDR,     /* not an IPv4 header, bad IHL or total length, not protocol 112 */
	VRRP_E_LEN,       /* VRRP message shorter than its header, count or version imply */
	VRRP_E_TTL,       /* TTL is not 255 (RFC 3768 7.1, RFC 5798 7.1) */
	VRRP_E_VERSION,   /* not 2 or 3, or not the instance's version */
	VRRP_E_TYPE,      /* type is not ADVERTISEMENT (1) */
	VRRP_E_CHECKSUM,  /* bad checksum (v3: with the IPv4 pseudo-header) */
	VRRP_E_VRID,      /* not our virtual router */
	VRRP_E_AUTHTYPE,  /* v2 auth type differs from ours */
	VRRP_E_AUTH,      /* v2 PASS: password differs */
	VRRP_E_ADDRCOUNT, /* Count IP Addrs differs from our VIP count */
	VRRP_E_ADDRLIST,  /* an address of ours is missing from the advert */
	VRRP_E_INTERVAL,  /* v2: advert interval differs from ours (RFC 3768 7.1) */
	VRRP_E__COUNT
};

/* A parsed or to-be-built advert. addrs points into the caller's buffer (parse) or the
 * caller's array (build), network byte order, 4 bytes each (16 with family AF_INET6). */
struct vrrp_adv {
	uint8_t family;               /* 0 or AF_INET: IPv4; AF_INET6: VRRPv3 over IPv6 */
	uint8_t version, type, vrid, priority, naddr;
	uint8_t auth_type;            /* v2 only */
	uint16_t interval_cs;         /* v2: seconds x 100; v3: the 12-bit centisecond field */
	uint16_t checksum;            /* as received */
	const uint8_t *addrs;         /* naddr x 4 bytes */
	uint8_t auth[VRRP_AUTH_LEN];  /* v2 authentication data */
	uint8_t ttl;                  /* from the IP header (parse only) */
	uint32_t saddr, daddr;        /* network order, from the IP header (parse only) */
	uint8_t saddr6[16], daddr6[16]; /* AF_INET6: from the socket (parse only) */
};

struct vrrp_stats {
	unsigned long adverts_rcvd, adverts_sent, pri_zero_rcvd, pri_zero_sent;
	unsigned long err[VRRP_E__COUNT];
	unsigned long became_master, released_master;
};

/* vrrp_pkt_build(): writes the VRRP message (no IP header) of `a` into buf. saddr and daddr
 * (network order) feed the v3 pseudo-header checksum; v2 ignores them. Returns the bytes
 * written, or -1 when len is too small or `a` is invalid (version, naddr > 255, v3 interval
 * over 4095 cs). */
int vrrp_pkt_build(uint8_t *buf, size_t len, const struct vrrp_adv *a, uint32_t saddr,
		   uint32_t daddr);

/* vrrp_pkt_parse(): parses an IPv4 packet as read from a raw socket (IP header included).
 * Structural checks only: IP header, length, version 2/3, type, checksum. Fills *out (addrs
 * points into buf). Returns the bytes consumed (the IP total length) or -1 with *err set.
 * Never allocates, never reads past len. */
int vrrp_pkt_parse(const uint8_t *buf, size_t len, struct vrrp_adv *out, enum vrrp_err *err);

/* IPv6 (RFC 5798 5.1.2, 5.2.8): raw IPv6 sockets give the VRRP message without the IP
 * header. vrrp_pkt_build6() writes it with the checksum over the IPv6 pseudo-header of
 * src and dst (16 bytes each); vrrp_pkt_parse6() checks msg as read, with the source and
 * destination and hop limit the socket reported. Same returns as the IPv4 functions; a
 * version other than 3 is refused (VRRPv2 has no IPv6). */
int vrrp_pkt_build6(uint8_t *buf, size_t len, const struct vrrp_adv *a, const uint8_t *src,
		    const uint8_t *dst);
int vrrp_pkt_parse6(const uint8_t *msg, size_t len, const uint8_t *src, const uint8_t *dst,
		    int hoplimit, struct vrrp_adv *out, enum vrrp_err *err);

/* What an instance expects of an advert (keepalived's receive checks). */
struct vrrp_expect {
	uint8_t version, vrid;
	uint8_t auth_type;            /* v2 */
	uint8_t auth[VRRP_AUTH_LEN];  /* v2 PASS, zero padded */
	uint16_t interval_cs;         /* v2: must match */
	bool check_ttl;               /* false for unicast peers (keepalived checks only mcast) */
	bool skip_addr_check;         /* vrrp_skip_check_adv_addr */
	uint8_t naddr;
	uint8_t family;               /* 0 or AF_INET: 4-byte addresses; AF_INET6: 16 */
	const void *addrs;            /* network order */
};

/* vrrp_pkt_check(): the per-instance checks of a parsed advert, in keepalived's order:
 * TTL, version, VRID, auth type, password, address count and list, v2 interval. Priority 0
 * adverts skip the address checks. Returns VRRP_OK or the failing check. */
enum vrrp_err vrrp_pkt_check(const struct vrrp_adv *a, const struct vrrp_expect *x);

/* Counts err (when not VRRP_OK) in st. */
void vrrp_stats_count(struct vrrp_stats *st, enum vrrp_err err);
const char *vrrp_err_str(enum vrrp_err err);

/* RFC 1071 Internet checksum over buf, folded and complemented. */
uint16_t vrrp_cksum(const void *buf, size_t len, uint32_t sum);

/* ---------------------------------------------------------------- state machine */

enum vrrp_state { VRRP_INIT = 0, VRRP_BACKUP, VRRP_MASTER, VRRP_FAULT, VRRP_STOP };

struct vrrp_fsm;

/* Callbacks: send one advert with `prio` now; a state change; a log line (keepalived's
 * wording, without the instance prefix's parentheses added by the callee). */
struct vrrp_fsm_ops {
	void (*send)(struct vrrp_fsm *f, uint8_t prio);
	void (*state)(struct vrrp_fsm *f, enum vrrp_state from, enum vrrp_state to);
	void (*log)(struct vrrp_fsm *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
};

struct vrrp_fsm {
	/* configuration */
	const char *name;
	uint8_t version, vrid, priority; /* priority: effective; 255 = address owner */
	int64_t adver_ms;                /* Advertisement_Interval */
	bool preempt;
	int64_t preempt_delay_ms;
	uint32_t primary;                /* our primary IPv4 address, network order */
	uint8_t family;                  /* 0 or AF_INET; AF_INET6: primary6 and master_addr6 */
	uint8_t primary6[16];            /* IPv6: our link-local source */
	const struct vrrp_fsm_ops *ops;
	void *owner;
	/* state */
	enum vrrp_state state;
	int64_t master_adver_ms;         /* v3: learned from the master (RFC 5798 6.1) */
	int64_t deadline;                /* adver timer (MASTER) or Master_Down timer (BACKUP) */
	int64_t preempt_at;              /* preempt_delay: no preemption before this, 0: unset */
	uint32_t master_addr;            /* last master heard, network order */
	uint8_t master_addr6[16];
};

/* vrrp_fsm_skew(): Skew_Time in ms, (256 - priority) x interval / 256 (RFC 5798 6.1). */
int64_t vrrp_fsm_skew(const struct vrrp_fsm *f);
/* vrrp_fsm_master_down(): Master_Down_Interval, 3 x interval + skew. */
int64_t vrrp_fsm_master_down(const struct vrrp_fsm *f);

/* vrrp_fsm_start(): leaves INIT at `now` (RFC 5798 6.4.1; keepalived: BACKUP unless owner). */
void vrrp_fsm_start(struct vrrp_fsm *f, int64_t now);
/* vrrp_fsm_rx(): an advert that passed vrrp_pkt_check(), from saddr (network order). */
void vrrp_fsm_rx(struct vrrp_fsm *f, int64_t now, const struct vrrp_adv *a);
/* vrrp_fsm_timer(): call when now >= f->deadline. */
void vrrp_fsm_timer(struct vrrp_fsm *f, int64_t now);
/* vrrp_fsm_stop(): shutdown: a master sends a priority-0 advert (RFC 5798 6.4.3). */
void vrrp_fsm_stop(struct vrrp_fsm *f, int64_t now);
/* vrrp_fsm_fault(): enter (true) or leave (false) FAULT, e.g. from track_script. */
void vrrp_fsm_fault(struct vrrp_fsm *f, int64_t now, bool fault);
/* vrrp_fsm_sync(): a sync group moves this instance to `to` (MASTER or BACKUP) because a
 * member went there (keepalived's "Syncing instances to ... state"); no-op from FAULT/STOP or
 * when already there. */
void vrrp_fsm_sync(struct vrrp_fsm *f, int64_t now, enum vrrp_state to);
const char *vrrp_state_str(enum vrrp_state s);

/* ---------------------------------------------------------------- tracking rules */

/* vrrp_track_weight(): what one weighted tracked object adds to the priority (keepalived
 * 2.2): a positive weight is added while the object is OK, a negative one while it fails;
 * `reverse` turns the sign of the change. */
int vrrp_track_weight(int weight, bool reverse, bool ok);
/* vrrp_track_prio(): the effective priority of base + delta: an address owner (255) keeps
 * 255; others are clamped to 1..254. */
int vrrp_track_prio(int base, int delta);

/* vrrp_notify_args(): the arguments keepalived appends to a `notify` script, shell-quoted:
 * INSTANCE|GROUP NAME STATE PRIORITY. Returns the length or -1 when it does not fit. */
int vrrp_notify_args(char *buf, size_t len, bool group, const char *name, enum vrrp_state st,
		     int prio);

/* vrrp_nft_script(): the `nft -f -` input for keepalived 2.2.7's drop rule (table ip
 * keepalived, set vips, chains in and out at filter - 1): op 'c' creates the table (after
 * removing an old one), 'a'/'d' add/delete addr in the set, 'x' deletes the table. Returns
 * the length or -1. */
int vrrp_nft_script(char *buf, size_t len, char op, uint32_t addr);
/* vrrp_nft_script6(): the same for table ip6 keepalived (set vips, neighbour discovery let
 * through, set vips_link_local of address . interface): 'a'/'d' take addr (16 bytes) and,
 * for a link-local address, the name of its interface (-1 without one). */
int vrrp_nft_script6(char *buf, size_t len, char op, const uint8_t *addr, const char *ifname);

/* ---------------------------------------------------------------- daemon */

struct vrrp_daemon;

struct vrrp_daemon_opts {
	bool log_console;   /* -l */
	bool log_detail;    /* -D */
	bool no_syslog;     /* -G */
	int log_facility;   /* LOG_DAEMON unless -S */
	bool dont_release;  /* -V: keep VIPs on stop */
};

/* vrrp_log(): keepalived's log line: syslog (ident Keepalived_vrrp) and, with -l, the
 * console as "Www Mmm dd hh:mm:ss yyyy: text". */
void vrrp_log_init(const struct vrrp_daemon_opts *o);
void vrrp_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* vrrp_daemon_new(): opens sockets and starts every instance of cfg on loop. The model must
 * outlive the daemon (or be swapped by vrrp_daemon_reload). Returns NULL with a logged
 * reason when nothing can run. */
struct vrrp_daemon *vrrp_daemon_new(struct ev_loop *loop, struct m_config *cfg,
				    const struct vrrp_daemon_opts *o);
/* vrrp_daemon_reload(): carries state of instances that stay (same name) to cfg, keeps VIPs
 * that stay, removes those that go, starts new instances. Takes cfg; the old model is
 * returned for the caller to free. */
struct m_config *vrrp_daemon_reload(struct vrrp_daemon *d, struct m_config *cfg);
/* vrrp_daemon_dump(): writes keepalived 2.2.7's keepalived.data (DATA), keepalived.stats
 * (STATS) or keepalived.json (JSON) layout of every instance to f; the caller opens and
 * closes f. vrrp_daemon_stats_clear(): zeroes every instance's counters (STATS_CLEAR). */
enum vrrp_dump { VRRP_DUMP_DATA, VRRP_DUMP_STATS, VRRP_DUMP_JSON };
void vrrp_daemon_dump(const struct vrrp_daemon *d, enum vrrp_dump kind, FILE *f);
void vrrp_daemon_stats_clear(struct vrrp_daemon *d);
/* vrrp_daemon_free(): priority-0 adverts from masters, VIPs removed, sockets closed. */
void vrrp_daemon_free(struct vrrp_daemon *d);

#endif
