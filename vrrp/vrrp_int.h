/* vrrp_int.h - private to vrrp/: the network layer shared by the daemon's files. */
#ifndef VIPR_VRRP_INT_H
#define VIPR_VRRP_INT_H

#include "vrrp.h"

#include <libmnl/libmnl.h>
#include <time.h>

struct chk_engine;
struct chk_item;

/* An interface as VRRP needs it: index, primary IPv4 address (network order), first
 * link-local IPv6 address, MAC. */
struct vrrp_if {
	char name[16];
	int index;
	uint32_t primary;
	uint8_t ll6[16];
	bool has_ll6;
	uint8_t mac[6];
};

/* vrrp_if_get(): fills *vi for ifname. Returns 0, or -1 when the interface or its address
 * of `family` (AF_INET: an IPv4 address; AF_INET6: a link-local one) is missing (errno
 * set). */
int vrrp_if_get(const char *ifname, struct vrrp_if *vi, int family);

/* vrrp_sock_open(): a raw protocol-112 socket of `family` bound to the interface, TTL (hop
 * limit) 255; joins the multicast group (4 or 16 bytes, network order; NULL: unicast only)
 * on the interface. IPv6 sockets report the hop limit and destination of what they
 * receive. Non-blocking. Returns the fd or -1. */
int vrrp_sock_open(const struct vrrp_if *vi, int family, const void *group);
/* vrrp_sock_send(): sends one VRRP message (no IP header) to dst (network order) from src. */
int vrrp_sock_send(int fd, const struct vrrp_if *vi, const uint8_t *msg, size_t len,
		   uint32_t dst, uint32_t src);
/* vrrp_sock_send6(): the same over IPv6, from src to dst (16 bytes each). */
int vrrp_sock_send6(int fd, const struct vrrp_if *vi, const uint8_t *msg, size_t len,
		    const uint8_t *dst, const uint8_t *src);
/* vrrp_sock_recv6(): one message from an IPv6 socket with its source, destination and hop
 * limit (-1 when not reported). Returns the length or -1. */
ssize_t vrrp_sock_recv6(int fd, uint8_t *buf, size_t len, uint8_t *src, uint8_t *dst,
			int *hoplimit);

/* rtnetlink over libmnl. vrrp_nl_open() returns NULL on failure. vrrp_nl_addr(): adds
 * (add true) or deletes one IPv4 address with prefix, label, broadcast and scope on ifindex,
 * waiting for the kernel's answer. Returns 0, or -errno (EEXIST on add and EADDRNOTAVAIL on
 * delete are reported, the caller decides). */
struct mnl_socket *vrrp_nl_open(void);
int vrrp_nl_addr(struct mnl_socket *nl, bool add, int ifindex, uint32_t addr, int prefix,
		 const char *label, uint32_t brd, int scope);
/* vrrp_nl_addr6(): the same for an IPv6 address, added with IFA_F_NODAD as keepalived does
 * (a VIP must answer at once, and its owner moving is not a duplicate). */
int vrrp_nl_addr6(struct mnl_socket *nl, bool add, int ifindex, const uint8_t *addr,
		  int prefix);
/* Scope names of ip-address(8): host, link, site, global, nowhere, or a number. -1: bad. */
int vrrp_scope_parse(const char *s);

/* use_vmac: a macvlan (mode private) named name on base with the VRRP virtual MAC
 * 00:00:5e:00:01:VRID, or 00:00:5e:00:02:VRID for IPv6 (RFC 5798 7.3), up, with keepalived's
 * ARP sysctls on both; an IPv6 one generates no link-local address. An existing link of that
 * name is taken over. Returns its index, or -errno. vrrp_vmac_ll6() gives an IPv6 vmac the
 * base's link-local address ll6 (nodad, deprecated) as keepalived does; 0 or -errno.
 * vrrp_vmac_del() removes it. */
int vrrp_vmac_add(struct mnl_socket *nl, const char *name, int base, const char *base_name,
		  const uint8_t *mac);
int vrrp_vmac_ll6(struct mnl_socket *nl, int index, const uint8_t *ll6);
int vrrp_vmac_del(struct mnl_socket *nl, int index);

/* Gratuitous ARP (RFC 5227 section 3 "ARP Announcement" form: a request for the address
 * from the address), sent to the broadcast MAC through an AF_PACKET socket. */
int vrrp_garp_open(void);
int vrrp_garp_send(int fd, const struct vrrp_if *vi, uint32_t addr);
/* Unsolicited neighbour advertisement (RFC 4861 7.2.6) for addr, keepalived's form: from
 * the address to ff02::1, hop limit 255, Override set, Router set when the interface
 * forwards IPv6, the target link-layer address option; through an AF_PACKET socket. */
int vrrp_na_open(void);
int vrrp_na_send(int fd, const struct vrrp_if *vi, const uint8_t *addr);

/* ---------------------------------------------------------------- daemon internals */

struct vrrp_tscript;
struct vrrp_group;
struct vrrp_tfile;
struct vrrp_tproc;

/* One tracked object of an instance: a script (s), a file (f), a process (p) or an
 * interface (ifindex), with the weight this instance gives it (0: FAULT while it is down). */
struct vrrp_tref {
	struct vrrp_tscript *s;
	struct vrrp_tfile *f;
	struct vrrp_tproc *p;
	int contrib;                    /* file: last priority change it made */
	int ifindex;
	char ifname[16];
	int weight;
	bool reverse;
};

struct vrrp_inst {
	struct vrrp_fsm fsm;
	const struct m_vrrp_instance *conf;
	struct vrrp_daemon *d;
	struct vrrp_if vi;              /* the instance's interface */
	struct vrrp_if xi;              /* where VIPs, GARPs (and adverts) go: vi or the vmac */
	bool vmac;                      /* xi is a vmac this instance made */
	int fd;
	ev_io io;
	ev_timer tm, garp_tm;
	ev_timer refresh_tm;            /* garp_master_refresh */
	ev_timer lower_tm;              /* second burst after a lower-priority advert */
	ev_timer pace_tm;               /* vrrp_garp_interval / vrrp_gna_interval queue */
	struct vrrp_garpq {             /* GARPs / NAs waiting for their interface's turn */
		int family, ifindex;
		uint8_t addr[16];
	} *garpq;
	int garpq_head, garpq_len, garpq_cap;
	uint32_t vip[VRRP_MAX_ADDRS];   /* VRRP-advertised VIPs, network order */
	uint8_t vip6[VRRP_MAX_ADDRS][16]; /* the same for an IPv6 instance */
	int nvip;
	int family;                     /* AF_INET or AF_INET6 (from the first VIP) */
	struct vrrp_expect expect;
	struct vrrp_stats stats;
	struct timespec last_transition; /* wall clock, for the dump files */
	uint8_t master_prio;            /* priority of the last advert accepted */
	bool vips_set, started;
	/* tracking (vrrp_track.c) */
	struct vrrp_tref *trefs;
	int ntrefs;
	int base_prio;                  /* configured priority */
	bool if_up, if_addr;            /* own interface: link up, primary address present */
	bool own_fault;                 /* from its own tracking, before sync groups */
	bool pending;                   /* own_fault only from scripts not reported yet */
	bool init_fault;                /* started in FAULT silently (pending scripts) */
	bool drop_rule;                 /* strict/no_accept: firewall drop while MASTER */
	bool prio_set_msg;              /* a track file left FAULT: keepalived's "Setting" line */
	bool fw_set;
	struct vrrp_group *group;
	struct vrrp_inst *next;
};

/* A tracked vrrp_script, shared by every instance that tracks it. */
struct vrrp_tscript {
	struct m_vrrp_script conf;      /* copy: user resolved to the effective script user */
	struct chk_item *it;
	struct vrrp_daemon *d;
	enum { VRRP_SCR_INIT, VRRP_SCR_OK, VRRP_SCR_FAIL } result;
	int last_rc;
	struct vrrp_tscript *next;
};

/* A track_file and a vrrp_track_process in use (vrrp_tfile.c). */
struct vrrp_tfile {
	const struct m_track_file *conf;
	int value;
	struct vrrp_tfile *next;
};

struct vrrp_tproc {
	const struct m_track_process *conf;
	struct vrrp_daemon *d;
	unsigned count, reported;       /* matching processes now, at the last report */
	bool up, want;                  /* quorum believed; quorum seen, waiting for a delay */
	ev_timer delay_tm;
	struct vrrp_tproc *next;
};

/* A vrrp_sync_group (vrrp_sync.c). */
struct vrrp_group {
	const struct m_sync_group *conf;
	bool init_told;                 /* its BACKUP at start was notified */
	struct vrrp_inst **members;
	int nmembers;
	struct vrrp_group *next;
};

struct vrrp_daemon {
	struct ev_loop *loop;
	struct m_config *cfg;
	struct vrrp_daemon_opts o;
	struct mnl_socket *nl;
	int garp_fd, na_fd;
	struct vrrp_inst *insts;
	uint32_t mcast4;                /* vrrp_mcast_group4, network order */
	uint8_t mcast6[16];             /* vrrp_mcast_group6 */
	/* tracking */
	struct chk_engine *chk;
	struct vrrp_tscript *scripts;
	struct mnl_socket *mon;         /* rtnetlink link/address events */
	ev_io mon_io;
	struct vrrp_group *groups;
	bool syncing;                   /* a sync group is moving its members */
	bool fw_table, fw_table6;       /* the nftables tables (ip, ip6) exist */
	const char *script_user;        /* NULL: root */
	struct vrrp_tfile *tfiles;
	int ino_fd;                     /* inotify for the track files' directories */
	ev_io ino_io;
	struct vrrp_tproc *tprocs;
	ev_timer proc_tm;               /* /proc polling */
	struct vrrp_pace {              /* per interface: earliest next GARP and NA, in us */
		int ifindex;
		int64_t arp_us, na_us;
	} *pace;
	int npace;
	struct vrrp_fifo {              /* notify_fifo, vrrp_notify_fifo */
		char *path;
		int fd;
		bool made;              /* created by us: removed on exit */
	} fifo[2];
};

int64_t vrrp_now_ms(void);
void vrrp_arm(struct vrrp_inst *in);

/* vrrp_track.c: builds scripts (keeping those a reload did not change), trefs and the link
 * monitor for every instance (before they start); vrrp_track_update() recomputes an instance's priority and fault and applies them
 * (through sync groups); vrrp_track_free() undoes vrrp_track_setup(). */
int vrrp_track_setup(struct vrrp_daemon *d);
void vrrp_track_update(struct vrrp_inst *in);
void vrrp_track_free(struct vrrp_daemon *d);
/* vrrp_track_release(): a reload's undoing: as vrrp_track_free() but the scripts and their
 * engine stay; the next vrrp_track_setup() keeps those configured the same. */
void vrrp_track_release(struct vrrp_daemon *d);

/* vrrp_tfile.c: vrrp_tfile_get()/vrrp_tproc_get() find or start watching a track_file or
 * vrrp_track_process of d->cfg by name (NULL: not configured); vrrp_tfile_start() takes the
 * processes' first count and starts polling; vrrp_tfile_eval() adds a file's effect on one
 * tracker to *delta and returns whether it is a FAULT; vrrp_tfile_free() stops everything. */
struct vrrp_tfile *vrrp_tfile_get(struct vrrp_daemon *d, const char *name);
struct vrrp_tproc *vrrp_tproc_get(struct vrrp_daemon *d, const char *name);
void vrrp_tfile_start(struct vrrp_daemon *d);
bool vrrp_tfile_eval(struct vrrp_tref *r, int *delta);
void vrrp_tfile_free(struct vrrp_daemon *d);

/* vrrp_sync.c: groups from the configuration; vrrp_sync_state() is called on every state
 * change of an instance and moves the other members with it; vrrp_sync_fault() is the fault
 * an instance must have given its group. */
void vrrp_sync_setup(struct vrrp_daemon *d);
void vrrp_sync_state(struct vrrp_inst *in, enum vrrp_state from, enum vrrp_state to);
bool vrrp_sync_fault(const struct vrrp_inst *in);
void vrrp_sync_free(struct vrrp_daemon *d);

/* vrrp_script.c: script user, notify scripts and FIFOs. vrrp_fifo_setup() opens (creating
 * them when missing) the FIFOs of d->cfg, keeping those that stay across a reload, and
 * starts their reader scripts; vrrp_fifo_close() closes them and removes what it made. */
void vrrp_script_setup(struct vrrp_daemon *d);
void vrrp_fifo_setup(struct vrrp_daemon *d);
void vrrp_fifo_close(struct vrrp_daemon *d);
void vrrp_notify(struct vrrp_inst *in, enum vrrp_state to);
void vrrp_notify_group(struct vrrp_group *g, enum vrrp_state to);
/* A master heard a lower priority: notify_master_rx_lower_pri and the FIFO line. */
void vrrp_notify_lower(struct vrrp_inst *in);
/* With enable_script_security, true when cmd would run as root but could be modified by
 * another user (keepalived disables such scripts). */
bool vrrp_script_unsafe(const struct vrrp_daemon *d, const char *cmd, const char *user);

/* vrrp_vip.c: VIPs and their announcements. vrrp_vip_addr(): the VIP's address bytes;
 * vrrp_vip_ifindex(): the interface it goes on (its `dev`, else the instance's, the vmac
 * with use_vmac); vrrp_vip_one()/vrrp_vips_apply() add or delete one VIP / the VIPs or
 * the E-VIPs of a list; vrrp_vips_set() all of them with keepalived's log lines and the
 * firewall rule; vrrp_garp_master() the bursts and timers of a new master, vrrp_garp_lower()
 * the answer to a lower priority, vrrp_garp_stop() stops the timers that vrrp_garp_init()
 * set up. */
const void *vrrp_vip_addr(const struct m_vip *v);
int vrrp_vip_ifindex(const struct vrrp_inst *in, const struct m_vip *v);
void vrrp_vip_one(struct vrrp_inst *in, const struct m_vip *v, bool add);
void vrrp_vips_apply(struct vrrp_inst *in, const struct m_vip *list, bool add, bool excluded);
bool vrrp_has_evips(const struct m_vip *list);
void vrrp_vips_set(struct vrrp_inst *in, bool on);
void vrrp_garp_master(struct vrrp_inst *in);
void vrrp_garp_lower(struct vrrp_inst *in);
void vrrp_garp_stop(struct vrrp_inst *in);
void vrrp_garp_init(struct vrrp_inst *in);

/* vrrp_fw.c: keepalived's nftables drop rule for the VIPs of a non-accept master. */
void vrrp_fw_init(struct vrrp_daemon *d);
void vrrp_fw_set(struct vrrp_inst *in, bool on);
void vrrp_fw_fini(struct vrrp_daemon *d);

#endif
