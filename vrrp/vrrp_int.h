/* vrrp_int.h - private to vrrp/: the network layer shared by the daemon's files. */
#ifndef VIPR_VRRP_INT_H
#define VIPR_VRRP_INT_H

#include "vrrp.h"

#include <libmnl/libmnl.h>
#include <time.h>

struct chk_engine;
struct chk_item;

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

/* ---------------------------------------------------------------- daemon internals */

struct vrrp_tscript;
struct vrrp_group;

/* One tracked object of an instance: a script (s) or an interface (ifindex), with the
 * weight this instance gives it (0: FAULT while it is down). */
struct vrrp_tref {
	struct vrrp_tscript *s;
	int ifindex;
	char ifname[16];
	int weight;
	bool reverse;
};

struct vrrp_inst {
	struct vrrp_fsm fsm;
	const struct m_vrrp_instance *conf;
	struct vrrp_daemon *d;
	struct vrrp_if vi;
	int fd;
	ev_io io;
	ev_timer tm, garp_tm;
	uint32_t vip[VRRP_MAX_ADDRS];   /* VRRP-advertised VIPs, network order */
	int nvip;
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

/* A vrrp_sync_group (vrrp_sync.c). */
struct vrrp_group {
	const struct m_sync_group *conf;
	struct vrrp_inst **members;
	int nmembers;
	struct vrrp_group *next;
};

struct vrrp_daemon {
	struct ev_loop *loop;
	struct m_config *cfg;
	struct vrrp_daemon_opts o;
	struct mnl_socket *nl;
	int garp_fd;
	struct vrrp_inst *insts;
	/* tracking */
	struct chk_engine *chk;
	struct vrrp_tscript *scripts;
	struct mnl_socket *mon;         /* rtnetlink link/address events */
	ev_io mon_io;
	struct vrrp_group *groups;
	bool syncing;                   /* a sync group is moving its members */
	bool fw_table;                  /* the nftables table exists */
	const char *script_user;        /* NULL: root */
};

int64_t vrrp_now_ms(void);
void vrrp_arm(struct vrrp_inst *in);

/* vrrp_track.c: builds scripts, trefs and the link monitor for every instance (before they
 * start); vrrp_track_update() recomputes an instance's priority and fault and applies them
 * (through sync groups); vrrp_track_free() undoes vrrp_track_setup(). */
int vrrp_track_setup(struct vrrp_daemon *d);
void vrrp_track_update(struct vrrp_inst *in);
void vrrp_track_free(struct vrrp_daemon *d);

/* vrrp_sync.c: groups from the configuration; vrrp_sync_state() is called on every state
 * change of an instance and moves the other members with it; vrrp_sync_fault() is the fault
 * an instance must have given its group. */
void vrrp_sync_setup(struct vrrp_daemon *d);
void vrrp_sync_state(struct vrrp_inst *in, enum vrrp_state from, enum vrrp_state to);
bool vrrp_sync_fault(const struct vrrp_inst *in);
void vrrp_sync_free(struct vrrp_daemon *d);

/* vrrp_script.c: script user, notify scripts. */
void vrrp_script_setup(struct vrrp_daemon *d);
void vrrp_notify(struct vrrp_inst *in, enum vrrp_state to);
void vrrp_notify_group(struct vrrp_group *g, enum vrrp_state to);
/* With enable_script_security, true when cmd would run as root but could be modified by
 * another user (keepalived disables such scripts). */
bool vrrp_script_unsafe(const struct vrrp_daemon *d, const char *cmd, const char *user);

/* vrrp_fw.c: keepalived's nftables drop rule for the VIPs of a non-accept master. */
void vrrp_fw_init(struct vrrp_daemon *d);
void vrrp_fw_set(struct vrrp_inst *in, bool on);
void vrrp_fw_fini(struct vrrp_daemon *d);

#endif
