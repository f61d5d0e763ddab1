/* model_ka.h - included by model.h: keepalived's part of the model (VIPs, routes, trackers,
 * vrrp_script, vrrp_instance, sync groups, global_defs), plain data as the rest. LVS virtual
 * servers are pools and services (model.h). */
#ifndef VIPR_MODEL_KA_H
#define VIPR_MODEL_KA_H

struct m_vip {
	struct m_addr addr; /* address only */
	int prefix;         /* -1: host prefix */
	char *dev, *label, *scope, *brd;
	int8_t excluded;
	int8_t no_track;    /* keepalived `no_track` */
	struct m_origin at;
	struct m_vip *next;
};

/* A keepalived static/virtual route or rule, kept as written; dev is the interface named by
 * `dev`, if any (checked to exist under -t). */
struct m_ka_route {
	char **words;
	int nwords;
	char *dev;
	int8_t is_rule;
	struct m_origin at;
	struct m_ka_route *next;
};

struct m_track {
	char *name; /* interface, script, process or file */
	int weight;
	int8_t weight_set, reverse;
	struct m_origin at;
	struct m_track *next;
};

struct m_vrrp_script {
	char *name;
	char *script;
	m_ms interval, timeout;
	int weight;           /* meaningful only when weight_reverse != M_UNSET (-1 is a weight) */
	int8_t weight_reverse; /* M_UNSET: no `weight` line; 0 or 1 (`weight N reverse`) */
	int rise, fall;
	char *user, *group;
	int8_t init_fail;
	struct m_origin at;
	struct m_origin end_at; /* the line of the block's closing brace (best effort) */
	struct m_vrrp_script *next;
};

enum m_vrrp_state { VRRP_STATE_UNSET = -1, VRRP_STATE_BACKUP = 0, VRRP_STATE_MASTER };

struct m_vrrp_instance {
	char *name;
	enum m_vrrp_state state;
	char *interface;
	int vrid, priority, version;
	m_ms advert_int;
	char *auth_type, *auth_pass;
	struct m_vip *vips;
	struct m_track *track_interfaces, *track_scripts, *track_processes, *track_files;
	struct m_addr unicast_src;
	struct m_addr *unicast_peers;
	int nunicast_peers;
	int8_t nopreempt, use_vmac, accept, dont_track_primary, strict;
	m_ms preempt_delay;
	char *notify, *notify_master, *notify_backup, *notify_fault, *notify_stop;
	m_ms garp_master_delay, garp_master_refresh;
	int garp_master_repeat, garp_master_refresh_repeat;
	char *sync_group;
	/* keepalived extras */
	struct m_origin interface_at; /* where `interface` was given */
	struct m_ka_route *vroutes, *vrules;
	struct m_addr mcast_src;
	int8_t skip_check_adv_addr, check_unicast_src, promote_secondaries, native_ipv6;
	int8_t dont_track_primary_set, lower_prio_no_advert, higher_prio_send_advert;
	int unicast_ttl, garp_lower_prio_repeat, kernel_rx_buf_size;
	m_ms garp_lower_prio_delay;
	char *notify_master_rx_lower_pri, *vmac_name, *lvs_sync_daemon_interface, *smtp_alert;
	int8_t priority_bad; /* priority given but out of range: the default is used */
	int8_t vmac_xmit_base; /* use_vmac: adverts go out on the base interface */
	struct m_origin at;
	struct m_vrrp_instance *next;
};

/* A virtual_server_group: its address members (IP[-last] PORT, one bind per address) and
 * how many entries it has in all (fwmark N ones are counted, not served). */
struct m_vs_group {
	char *name;
	struct m_bind *members;
	int nentries;
	struct m_origin at;
	struct m_vs_group *next;
};

struct m_sync_group {
	char *name;
	char **members;
	int nmembers;
	char *notify, *notify_master, *notify_backup, *notify_fault, *notify_stop;
	/* tracked by every member, with the weights given here (or the object's) */
	struct m_track *track_scripts, *track_files, *track_processes, *track_interfaces;
	struct m_origin at;
	struct m_sync_group *next;
};

struct m_ka_global {
	char *router_id;
	int8_t vrrp_strict, vrrp_iptables, vrrp_skip_check_adv_addr, vrrp_check_unicast_src;
	int8_t enable_script_security;
	char *script_user, *script_group;
	char *vrrp_mcast_group4, *vrrp_mcast_group6;
	int vrrp_version;
	int64_t vrrp_garp_interval, vrrp_gna_interval; /* microseconds (keepalived's resolution) */
	m_ms vrrp_garp_master_delay;
	int vrrp_garp_master_repeat;
	int8_t vrrp_min_garp;
	char *notify_fifo;
	/* keepalived extras */
	char *default_interface, *notification_email_from, *smtp_server, *smtp_helo_name;
	char **notification_emails;
	int nnotification_emails;
	m_ms smtp_connect_timeout, vrrp_garp_lower_prio_delay, vrrp_garp_master_refresh;
	int vrrp_garp_master_refresh_repeat, vrrp_garp_lower_prio_repeat;
	int8_t nftables, vrrp_higher_prio_send_advert, vrrp_lower_prio_no_advert;
	int8_t checker_log_all_failures, no_email_faults, dynamic_interfaces, lvs_flush;
	int8_t smtp_alert, smtp_alert_vrrp, smtp_alert_checker;
	char *lvs_sync_daemon;
	char *ssl_ca, *ssl_cert, *ssl_key, *ssl_password; /* the SSL block, for SSL_GET */
	struct m_vip *static_addresses;
	struct m_ka_route *static_routes, *static_rules;
	struct m_origin iptables_at; /* where vrrp_iptables was given */
	char *notify_fifo_script, *vrrp_notify_fifo, *vrrp_notify_fifo_script;
};

/* keepalived `track_file NAME { file PATH; weight N [reverse]; init_file [V] [overwrite] }`:
 * the integer in the file, times the weight, moves the priority of its trackers. */
struct m_track_file {
	char *name, *file;
	int weight;           /* 1 unless given */
	int8_t reverse;
	int8_t init_file;     /* create the file at start */
	int8_t init_overwrite;
	int init_value;
	struct m_origin at;
	struct m_track_file *next;
};

/* How a tracked process's arguments are compared with `process P ARGS` (keepalived's
 * param_match): NONE, no arguments given: any; EXACT: all of them, no more; PARTIAL: the first
 * ones, more may follow; INITIAL: as PARTIAL, the last given one may be a prefix. */
enum m_param_match { M_PM_NONE = 0, M_PM_EXACT, M_PM_PARTIAL, M_PM_INITIAL };

/* keepalived `vrrp_track_process NAME { process P [ARGS]; quorum; quorum_max; weight; delay
 * ...; full_command }`: how many processes named P run moves its trackers. */
struct m_track_process {
	char *name, *process, *params; /* params: the arguments to match, or NULL */
	int weight;
	int8_t weight_set, reverse, full_command;
	int8_t param_match;            /* enum m_param_match */
	int quorum, quorum_max;        /* M_UNSET: 1 and unbounded */
	m_ms fork_delay, terminate_delay;
	struct m_origin at;
	struct m_track_process *next;
};

/* keepalived findings reported by its parent process, printed as "(Line N) text" without the
 * file name (children print "(FILE: Line N) text"). A diag flag outside enum diag_flags. */
#define M_KA_DIAG_PARENT (1u << 8)

#endif
