/* ka_kw.c - keepalived's root and global_defs keyword tables, and table look-ups.
 *
 * The root table names every top-level block; the VRRP and LVS blocks' tables live in
 * ka_kw_vrrp.c and ka_kw_lvs.c. Look-ups, "did you mean" and the list of every block (for
 * docs, coverage and unit tests) are here.
 */
#include "ka_bind.h"

#include <string.h>

#define A(b) ((b)->cfg->arena)
#define KG(f) offsetof(struct m_config, ka.f)

extern const struct ka_block ka_blk_vrrp_script, ka_blk_vrrp_instance, ka_blk_sync_group,
	ka_blk_track_process, ka_blk_track_file, ka_blk_garp_group, ka_blk_static_ip,
	ka_blk_static_routes, ka_blk_static_rules, ka_blk_virtual_server, ka_blk_vs_group,
	ka_blk_ssl;
/* ka_kw_vrrp.c: global_defs rows of VRRP */
int ka_set_mcast_group(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st);
int ka_set_garp_interval(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st);

/* ---------------------------------------------------------------- global_defs handlers */

static int set_iptables(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw;
	/* Debian's 2.2.7 is built with nftables only: it says so and uses nftables. */
	ka_err(b, st->at, 0, "iptables not supported, using nftables instead. Please replace "
			     "'vrrp_iptables and 'vrrp_ipsets' with 'nftables' config option");
	b->cfg->ka.vrrp_iptables = 1;
	b->cfg->ka.iptables_at = st->at;
	return 0;
}

static int set_router_id(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw;
	if (st->nw < 2) {
		ka_err(b, st->at, 0, "routerid name missing - ignoring");
		return -1;
	}
	b->cfg->ka.router_id = arena_strdup(A(b), st->w[1].s);
	return 0;
}

static int set_script_user(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw;
	b->cfg->ka.script_user = arena_strdup(A(b), st->w[1].s);
	if (st->nw > 2)
		b->cfg->ka.script_group = arena_strdup(A(b), st->w[2].s);
	return 0;
}

static int set_vrrp_version(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw;
	long v;
	if (ka_read_int(b, &st->w[1], 2, 3, &v) < 0)
		return -1;
	b->cfg->ka.vrrp_version = (int)v;
	return 0;
}

static void email_line(struct ka_bctx *b, const struct cfg_stmt *l)
{
	struct m_ka_global *g = &b->cfg->ka;
	char **n = arena_alloc(A(b), sizeof(char *) * (size_t)(g->nnotification_emails + 1));
	if (g->nnotification_emails)
		memcpy(n, g->notification_emails, sizeof(char *) * (size_t)g->nnotification_emails);
	n[g->nnotification_emails++] = arena_strdup(A(b), l->w[0].s);
	g->notification_emails = n;
}
static const struct ka_block blk_email = { "notification_email", NULL, 0, KA_PARENT, NULL,
					   NULL, email_line };

#define S(nm, f, help) { nm, 1, KA_ANY, 0, ka_set_strs, KG(f), 0, 0, NULL, help }
#define F(nm, f, help) { nm, 0, 1, 0, ka_set_flag, KG(f), 0, 0, NULL, help }
#define T(nm, f, help) { nm, 1, 1, 0, ka_set_time, KG(f), 0, 0, NULL, help }
#define N(nm, f, lo, hi, help) { nm, 1, 1, 0, ka_set_int, KG(f), lo, hi, NULL, help }
#define U(nm, mn, mx, help) { nm, mn, mx, KW_UNSUP, NULL, 0, 0, 0, NULL, help }
#define I(nm, mn, mx, help) { nm, mn, mx, KW_IGNORED, ka_set_none, 0, 0, 0, NULL, help }

static const struct ka_kw kw_global[] = {
	{ "router_id", 0, 1, 0, set_router_id, 0, 0, 0, NULL, "name of this node" },
	F("vrrp_strict", vrrp_strict, "strict RFC compliance"),
	{ "vrrp_iptables", 0, 2, 0, set_iptables, 0, 0, 0, NULL, "firewall rules by iptables" },
	F("nftables", nftables, "firewall rules by nftables"),
	F("vrrp_skip_check_adv_addr", vrrp_skip_check_adv_addr, "skip checking advert addresses"),
	F("vrrp_check_unicast_src", vrrp_check_unicast_src, "check unicast source is a peer"),
	F("enable_script_security", enable_script_security, "refuse unsafe scripts"),
	{ "script_user", 1, 2, 0, set_script_user, 0, 0, 0, NULL, "USER [GROUP] for scripts" },
	{ "vrrp_mcast_group4", 1, 1, 0, ka_set_mcast_group, KG(vrrp_mcast_group4), 0, 0, NULL,
	  "IPv4 multicast group of adverts" },
	{ "vrrp_mcast_group6", 1, 1, 0, ka_set_mcast_group, KG(vrrp_mcast_group6), 0, 0, NULL,
	  "IPv6 multicast group of adverts" },
	{ "vrrp_version", 1, 1, 0, set_vrrp_version, 0, 0, 0, NULL, "default VRRP version" },
	{ "vrrp_garp_interval", 1, 1, 0, ka_set_garp_interval, KG(vrrp_garp_interval), 0, 0, NULL,
	  "seconds between gratuitous ARPs on an interface" },
	{ "vrrp_gna_interval", 1, 1, 0, ka_set_garp_interval, KG(vrrp_gna_interval), 0, 0, NULL,
	  "seconds between unsolicited NAs on an interface" },
	T("vrrp_garp_master_delay", vrrp_garp_master_delay, "delay of the second burst"),
	N("vrrp_garp_master_repeat", vrrp_garp_master_repeat, 1, 2147483647, "garps per burst"),
	T("vrrp_garp_master_refresh", vrrp_garp_master_refresh, "refresh interval"),
	N("vrrp_garp_master_refresh_repeat", vrrp_garp_master_refresh_repeat, 1, 2147483647,
	  "garps per refresh"),
	T("vrrp_garp_lower_prio_delay", vrrp_garp_lower_prio_delay, "garp delay on lower prio"),
	N("vrrp_garp_lower_prio_repeat", vrrp_garp_lower_prio_repeat, 1, 2147483647, "garps"),
	F("vrrp_min_garp", vrrp_min_garp, "one garp only"),
	F("vrrp_lower_prio_no_advert", vrrp_lower_prio_no_advert, "no advert on lower prio"),
	F("vrrp_higher_prio_send_advert", vrrp_higher_prio_send_advert, "advert on higher prio"),
	S("notify_fifo", notify_fifo, "FIFO for state notifications"),
	S("default_interface", default_interface, "interface for static addresses"),
	S("notification_email_from", notification_email_from, "sender of alerts"),
	{ "notification_email", 0, 0, KW_BLOCK | KW_LIST, NULL, 0, 0, 0, &blk_email,
	  "alert recipients" },
	S("smtp_server", smtp_server, "SMTP server for alerts"),
	S("smtp_helo_name", smtp_helo_name, "HELO name"),
	T("smtp_connect_timeout", smtp_connect_timeout, "SMTP connect timeout"),
	F("smtp_alert", smtp_alert, "send alerts"),
	F("smtp_alert_vrrp", smtp_alert_vrrp, "send VRRP alerts"),
	F("smtp_alert_checker", smtp_alert_checker, "send checker alerts"),
	F("checker_log_all_failures", checker_log_all_failures, "log every failure"),
	F("no_email_faults", no_email_faults, "no alerts for faults"),
	F("dynamic_interfaces", dynamic_interfaces, "allow interfaces missing at start"),
	F("lvs_flush", lvs_flush, "flush LVS at start"),
	S("lvs_sync_daemon", lvs_sync_daemon, "IPVS sync daemon"),
	U("lvs_timeouts", 1, KA_ANY, "IPVS timeouts"),
	U("lvs_flush_on_stop", 0, 1, "flush LVS at stop"),
	U("tmp_config_directory", 1, 1, "temporary config directory"),
	U("config_save_dir", 1, 1, "config save directory"),
	I("process_names", 0, 0, "name child processes"),
	I("process_name", 1, 1, "parent process name"),
	I("vrrp_process_name", 1, 1, "VRRP process name"),
	I("checker_process_name", 1, 1, "checker process name"),
	I("bfd_process_name", 1, 1, "BFD process name"),
	U("startup_script", 1, KA_ANY, "script at start"),
	U("startup_script_timeout", 1, 1, "its timeout"),
	U("shutdown_script", 1, KA_ANY, "script at stop"),
	U("shutdown_script_timeout", 1, 1, "its timeout"),
	U("vrrp_down_timer_adverts", 1, 1, "adverts before down"),
	U("vrrp_garp_extra_if", 0, KA_ANY, "garp on extra interfaces"),
	U("nftables_priority", 1, 1, "nftables chain priority"),
	U("nftables_counters", 0, 0, "nftables counters"),
	U("nftables_ifindex", 0, 1, "nftables ifindex"),
	U("nftables_ipvs", 0, 0, "nftables for IPVS"),
	U("nftables_ipvs_priority", 1, 1, "its priority"),
	U("nftables_ipvs_start_fwmark", 1, 1, "first fwmark"),
	U("vrrp_notify_priority_changes", 0, 1, "notify priority changes"),
	I("max_auto_priority", 0, 1, "real-time priority cap"),
	I("min_auto_priority_delay", 1, 1, "delay before auto priority"),
	I("vrrp_priority", 1, 1, "VRRP process nice"),
	I("checker_priority", 1, 1, "checker process nice"),
	I("bfd_priority", 1, 1, "BFD process nice"),
	I("vrrp_no_swap", 0, 0, "mlock VRRP"), I("checker_no_swap", 0, 0, "mlock checker"),
	I("bfd_no_swap", 0, 0, "mlock BFD"),
	I("vrrp_cpu_affinity", 1, KA_ANY, "CPUs"), I("checker_cpu_affinity", 1, KA_ANY, "CPUs"),
	I("bfd_cpu_affinity", 1, KA_ANY, "CPUs"),
	I("vrrp_rt_priority", 1, 1, "RT priority"), I("checker_rt_priority", 1, 1, "RT priority"),
	I("bfd_rt_priority", 1, 1, "RT priority"),
	I("vrrp_rlimit_rttime", 1, 1, "RT limit"), I("checker_rlimit_rttime", 1, 1, "RT limit"),
	I("bfd_rlimit_rttime", 1, 1, "RT limit"),
	U("snmp_socket", 1, 1, "AgentX socket"),
	U("enable_snmp_vrrp", 0, 0, "SNMP VRRP"), U("enable_snmp_keepalived", 0, 0, "SNMP"),
	U("enable_snmp_checker", 0, 0, "SNMP checker"), U("enable_snmp_rfc", 0, 0, "SNMP RFC"),
	U("enable_snmp_rfcv2", 0, 0, "SNMP RFCv2"), U("enable_snmp_rfcv3", 0, 0, "SNMP RFCv3"),
	U("enable_traps", 0, 0, "SNMP traps"),
	U("enable_dbus", 0, 0, "D-Bus"), U("dbus_service_name", 1, 1, "D-Bus name"),
	S("notify_fifo_script", notify_fifo_script, "script that reads the FIFO"),
	S("vrrp_notify_fifo", vrrp_notify_fifo, "FIFO for VRRP state notifications"),
	S("vrrp_notify_fifo_script", vrrp_notify_fifo_script, "script that reads the VRRP FIFO"),
	U("lvs_notify_fifo", 1, 2, "LVS FIFO"), U("lvs_notify_fifo_script", 1, KA_ANY, "reader"),
	U("fifo_write_vrrp_states_on_reload", 0, 0, "FIFO on reload"),
	I("vrrp_netlink_cmd_rcv_bufs", 1, 1, "buffer"),
	I("vrrp_netlink_cmd_rcv_bufs_force", 0, 1, "buffer"),
	I("vrrp_netlink_monitor_rcv_bufs", 1, 1, "buffer"),
	I("vrrp_netlink_monitor_rcv_bufs_force", 0, 1, "buffer"),
	I("lvs_netlink_cmd_rcv_bufs", 1, 1, "buffer"),
	I("lvs_netlink_cmd_rcv_bufs_force", 0, 1, "buffer"),
	I("lvs_netlink_monitor_rcv_bufs", 1, 1, "buffer"),
	I("lvs_netlink_monitor_rcv_bufs_force", 0, 1, "buffer"),
	I("process_monitor_rcv_bufs", 1, 1, "buffer"),
	I("process_monitor_rcv_bufs_force", 0, 1, "buffer"),
	I("vrrp_rx_bufs_policy", 1, KA_ANY, "buffer"), I("vrrp_rx_bufs_multiplier", 1, 1, "buffer"),
	U("rs_init_notifies", 0, 0, "notify at start"),
	U("no_checker_emails", 0, 0, "no checker mails"),
	U("umask", 1, 1, "file creation mask"),
	U("vrrp_startup_delay", 1, 1, "delay at start"),
	U("log_unknown_vrids", 0, 0, "log unknown VRIDs"),
	U("vmac_prefix", 1, 1, "vmac name prefix"), U("vmac_addr_prefix", 1, 1, "vmac prefix"),
	I("random_seed", 1, 1, "random seed"),
	U("reload_check_config", 0, 1, "check config on reload"),
	U("include_check", 0, 1, "check includes"),
	U("reload_time_file", 1, 1, "scheduled reload"),
	U("reload_repeat", 0, 0, "repeat reload"), U("reload_file", 1, 1, "reload file"),
	U("data_use_instance", 0, 0, "data file names"),
};
static const struct ka_block blk_global = { "global_defs", kw_global, ARRAY_SIZE(kw_global),
					    KA_PARENT, NULL, NULL, NULL };

/* ---------------------------------------------------------------- root */

static void ignore_line(struct ka_bctx *b, const struct cfg_stmt *l)
{
	(void)b, (void)l;
}
static const struct ka_block blk_linkbeat = { "linkbeat_interfaces", NULL, 0, KA_VRRP, NULL,
					      NULL, ignore_line };
static const struct ka_block blk_track_group = { "track_group", NULL, 0, KA_VRRP, NULL, NULL,
						 ignore_line };
static const struct ka_block blk_bfd = { "bfd_instance", NULL, 0, KA_VRRP, NULL, NULL,
					 ignore_line };

#define B(nm, mn, mx, blk, help) { nm, mn, mx, KW_BLOCK, NULL, 0, 0, 0, &blk, help }
#define UB(nm, mn, mx, help) { nm, mn, mx, KW_UNSUP | KW_BLOCK, NULL, 0, 0, 0, NULL, help }

static const struct ka_kw kw_root[] = {
	B("global_defs", 0, 0, blk_global, "global settings"),
	B("vrrp_script", 1, 1, ka_blk_vrrp_script, "NAME { script ... }"),
	B("vrrp_instance", 1, 1, ka_blk_vrrp_instance, "NAME { ... }: one VRRP router"),
	B("vrrp_sync_group", 1, 1, ka_blk_sync_group, "NAME { group { ... } }"),
	B("vrrp_track_process", 1, 1, ka_blk_track_process, "NAME { process ... }"),
	B("track_file", 1, 1, ka_blk_track_file, "NAME { file ... }"),
	B("vrrp_track_file", 1, 1, ka_blk_track_file, "NAME { file ... } (old name)"),
	B("garp_group", 0, 0, ka_blk_garp_group, "{ garp_interval ... }"),
	B("virtual_server", 1, 2, ka_blk_virtual_server, "IP PORT | fwmark N | group NAME { ... }"),
	{ "virtual_server_group", 1, 1, KW_BLOCK | KW_LIST, NULL, 0, 0, 0,
	  &ka_blk_vs_group, "NAME { IP PORT ... }" },
	{ "static_ipaddress", 0, 0, KW_BLOCK | KW_LIST, NULL, 0, 0, 0, &ka_blk_static_ip,
	  "{ ADDR[/len] dev IF ... }" },
	{ "static_routes", 0, 0, KW_BLOCK | KW_LIST, NULL, 0, 0, 0, &ka_blk_static_routes,
	  "{ DEST via GW dev IF ... }" },
	{ "static_rules", 0, 0, KW_BLOCK | KW_LIST, NULL, 0, 0, 0, &ka_blk_static_rules,
	  "{ from ADDR table N ... }" },
	{ "linkbeat_interfaces", 0, 0, KW_BLOCK | KW_LIST | KW_UNSUP, NULL, 0, 0, 0,
	  &blk_linkbeat, "{ IF ... }" },
	{ "track_group", 1, 1, KW_BLOCK | KW_LIST | KW_UNSUP, NULL, 0, 0, 0, &blk_track_group,
	  "NAME { group { ... } }" },
	{ "bfd_instance", 1, 1, KW_BLOCK | KW_LIST | KW_UNSUP, NULL, 0, 0, 0, &blk_bfd,
	  "NAME { neighbor_ip ... }" },
	B("SSL", 0, 0, ka_blk_ssl, "client certificate for SSL_GET"),
	U("net_namespace", 1, 1, "network namespace"),
	U("net_namespace_ipvs", 1, 1, "IPVS namespace"),
	U("namespace_with_ipsets", 0, 0, "ipsets in namespace"),
	U("instance", 1, 1, "instance name"),
	U("use_pid_dir", 0, 0, "pid directory"),
	U("linkbeat_use_polling", 0, 0, "poll link state"),
	U("child_wait_time", 1, 1, "child wait"),
};
const struct ka_block ka_root_block = { "keepalived.conf", kw_root, ARRAY_SIZE(kw_root),
					KA_PARENT, NULL, NULL, NULL };

/* ---------------------------------------------------------------- look-ups */

const struct ka_kw *ka_kw_find(const struct ka_block *blk, const char *name)
{
	for (size_t i = 0; i < blk->nkw; i++)
		if (!strcmp(blk->kw[i].name, name))
			return &blk->kw[i];
	return NULL;
}

const char *ka_kw_suggest(const struct ka_block *blk, const char *word)
{
	const char *best = NULL;
	int bd = 3;
	for (size_t i = 0; i < blk->nkw; i++) {
		int d = cfg_distance(word, blk->kw[i].name, 2);
		if (d < bd) {
			bd = d;
			best = blk->kw[i].name;
		}
	}
	/* A known renaming is a better suggestion than spelling. */
	if (!strcmp(word, "nb_get_retry") && ka_kw_find(blk, "retry"))
		return "retry";
	return best;
}

const struct ka_block *const *ka_all_blocks(size_t *n)
{
	static const struct ka_block *all[64];
	static size_t cnt;
	if (!cnt) {
		/* Every block reachable from the root, breadth first, without repeats. */
		all[cnt++] = &ka_root_block;
		for (size_t i = 0; i < cnt; i++)
			for (size_t k = 0; k < all[i]->nkw; k++) {
				const struct ka_block *s = all[i]->kw[k].sub;
				bool seen = !s;
				for (size_t j = 0; j < cnt && !seen; j++)
					seen = all[j] == s;
				if (!seen && cnt < ARRAY_SIZE(all))
					all[cnt++] = s;
			}
	}
	*n = cnt;
	return all;
}
