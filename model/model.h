/* model.h - vipr's one intermediate representation, and the utilities every stage shares.
 *
 * Both front ends (haproxy.cfg, keepalived.conf) bind into these types; the runtime, the
 * checks and VRRP only ever read them. The model is plain data allocated in one arena per
 * configuration generation and is immutable once validated. It knows nothing of syntax:
 * every object keeps only its origin (file, line, column) for diagnostics, logs and stats.
 *
 * Also here, because every stage needs them and nothing below the model may depend on the
 * parser: the arena allocator, diagnostics as data, and a small JSON writer.
 */
#ifndef VIPR_MODEL_H
#define VIPR_MODEL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <netinet/in.h>

#define VIPR_NAME "vipr"
#ifndef VIPR_VERSION
#define VIPR_VERSION "0.0.0"
#endif
/* What the haproxy personality reports as its version: the HAProxy branch vipr follows,
 * then vipr's own version, so tools matching "HAProxy version 2.6" keep working. */
#define VIPR_HAP_VERSION "2.6.12-vipr-" VIPR_VERSION
#define VIPR_HAP_DATE    "2026/11/25"
#define VIPR_KA_VERSION  "2.2.7"

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define ARRAY_SIZE(a)                   (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- arena */

/* One arena per configuration generation: everything of a model is freed at once.
 * arena_alloc() returns zeroed memory aligned for any type and never fails (aborts on OOM). */
struct arena;
struct arena *arena_new(void);
void arena_free(struct arena *a);
void *arena_alloc(struct arena *a, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
size_t arena_used(const struct arena *a);

/* ---------------------------------------------------------------- string map */

/* A hash map from strings (not copied) to pointers. strmap_put() returns the value already
 * stored under key (and stores nothing), or NULL after storing val. */
struct strmap_ent {
	const char *key;
	void *val;
};
struct strmap {
	struct strmap_ent *v;
	size_t cap, n;
};
void *strmap_get(const struct strmap *m, const char *key);
void *strmap_put(struct strmap *m, const char *key, void *val);
void strmap_free(struct strmap *m);

/* ---------------------------------------------------------------- origin and diagnostics */

struct m_origin {
	const char *file; /* as given on the command line or by the include; arena-owned */
	uint32_t line;    /* 1-based; 0 when the finding is not tied to a line */
	uint32_t col;     /* 1-based; 0 when unknown */
};

enum diag_sev { DIAG_NONE = 0, DIAG_NOTE, DIAG_WARNING, DIAG_ERROR };

/* What the original program does with the finding, HAProxy's ERR_* codes in spirit. */
enum diag_flags {
	DIAG_FATAL = 1 << 0, /* makes the configuration invalid (haproxy: exit 1; keepalived: 5) */
	DIAG_ABORT = 1 << 1, /* the original stops reading the file here */
	DIAG_POST = 1 << 2,  /* found after parsing (cross-references), printed after file errors */
	DIAG_SECURITY = 1 << 3, /* keepalived: script security, exit 6 */
	DIAG_MISSING = 1 << 4,  /* keepalived: a mandatory include is missing, exit 6 */
	DIAG_RUN_FATAL = 1 << 5, /* accepted by a config check, but vipr cannot run it safely */
	DIAG_NOFATAL = 1 << 6,   /* fatal, but HAProxy reads on and ends without its "Fatal
				  * errors found" line (its ERR_ABORT at the end of reading) */
	DIAG_CUT = 1 << 7,       /* the original's message held a NUL byte (a '%c' of an empty
				  * name): its output stops there, without a newline */
};

struct diag {
	struct m_origin at;
	enum diag_sev sev;        /* vipr lint's severity */
	enum diag_sev compat_sev; /* the original's; DIAG_NONE: the original says nothing */
	unsigned flags;
	char *msg;    /* vipr lint's text, one line */
	char *compat; /* the original's exact wording, without its "[ALERT] (pid) : config : " */
	char *hint;   /* optional: how to fix it, "did you mean" */
	unsigned seq; /* order of emission, to keep the output stable */
};

struct diag_list {
	struct diag *v;
	size_t n, cap;
	unsigned flags_seen; /* OR of flags of every finding with compat_sev == DIAG_ERROR */
	unsigned errors, warnings; /* counted with the lint severity */
	unsigned dropped;          /* findings beyond the stored maximum */
};

/* diag_add(): appends a finding. compat_fmt may be NULL when the original is silent
 * (a lint-only finding); msg_fmt may be NULL to reuse the compat text. The list owns copies.
 * Returns the new entry so that the caller can attach a hint. */
struct diag *diag_add(struct diag_list *dl, struct m_origin at, enum diag_sev sev,
		      enum diag_sev compat_sev, unsigned flags, const char *compat, const char *msg);
struct diag *diag_addf(struct diag_list *dl, struct m_origin at, enum diag_sev sev,
		       unsigned flags, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void diag_hint(struct diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_list_free(struct diag_list *dl);
/* Sorts findings by file order of appearance, then line, keeping emission order otherwise. */
void diag_sort(struct diag_list *dl);

/* ---------------------------------------------------------------- JSON writer */

/* A tiny streaming JSON writer: keys and values are escaped; commas are handled. */
struct json {
	FILE *f;
	int depth;
	bool need_comma[64];
	bool pretty;
};
void json_begin_obj(struct json *j, const char *key);
void json_end_obj(struct json *j);
void json_begin_arr(struct json *j, const char *key);
void json_end_arr(struct json *j);
void json_str(struct json *j, const char *key, const char *v); /* NULL -> null */
void json_int(struct json *j, const char *key, long long v);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
void json_escape(FILE *f, const char *s);

/* ---------------------------------------------------------------- values */

#define M_UNSET (-1) /* every int-like field starts UNSET; merges fill it from defaults */

typedef int64_t m_ms; /* a duration in milliseconds, or M_UNSET */

enum m_mode { M_MODE_UNSET = -1, M_MODE_TCP = 0, M_MODE_HTTP, M_MODE_HEALTH };

enum m_addr_kind {
	M_ADDR_NONE = 0,
	M_ADDR_INET, /* IPv4 or IPv6 literal (family in ss) */
	M_ADDR_NAME, /* a host name, resolved when the runtime starts */
	M_ADDR_UNIX, /* unix@PATH or /PATH */
	M_ADDR_ABNS, /* abns@NAME */
	M_ADDR_FD,   /* fd@N */
};

struct m_addr {
	enum m_addr_kind kind;
	struct sockaddr_storage ss; /* port set to port_lo for INET */
	socklen_t sslen;
	uint16_t port_lo, port_hi; /* a bind range; a server has port_lo == port_hi */
	int8_t port_rel;           /* server "+N"/"-N": port relative to the client's (sign) */
	bool no_port;              /* a server without port: the client's destination port */
	char *host;                /* M_ADDR_NAME */
	char *path;                /* M_ADDR_UNIX / M_ADDR_ABNS */
	int fd;                    /* M_ADDR_FD */
	char *text;                /* as written */
};

#include "addr.h"

/* Formats an address as "1.2.3.4:80", "[::1]:80", "unix@/path". Returns buf. */
char *m_addr_str(const struct m_addr *a, char *buf, size_t len);

/* ---------------------------------------------------------------- health checks */

enum m_probe_kind {
	PROBE_NONE = 0,
	PROBE_TCP,       /* connect only (haproxy default, keepalived TCP_CHECK) */
	PROBE_HTTP,      /* option httpchk / http-check, keepalived HTTP_GET/SSL_GET */
	PROBE_TCPCHECK,  /* option tcp-check with tcp-check rules */
	PROBE_SSL_HELLO, /* option ssl-hello-chk */
	PROBE_MYSQL,
	PROBE_PGSQL,
	PROBE_REDIS,
	PROBE_SMTP,
	PROBE_LDAP,
	PROBE_AGENT,  /* agent-check */
	PROBE_SCRIPT, /* vrrp_script, MISC_CHECK */
	PROBE_DNS,
	PROBE_UDP,
	PROBE_PING,
	PROBE_FILE,
};

struct m_header {
	char *name, *value;
	struct m_header *next;
};

/* One step of an http-check / tcp-check rule list, or one keepalived url block. */
enum m_expect_kind {
	EXPECT_NONE = 0,
	EXPECT_STATUS,   /* status codes or ranges, in `arg` */
	EXPECT_RSTATUS,  /* regex on the status code */
	EXPECT_STRING,   /* body contains */
	EXPECT_RSTRING,  /* body regex */
	EXPECT_DIGEST,   /* keepalived: MD5 of the body */
	EXPECT_BINARY,   /* tcp-check binary */
	EXPECT_RBINARY,
};

struct m_check_step {
	enum { STEP_CONNECT, STEP_SEND, STEP_SEND_BINARY, STEP_EXPECT, STEP_COMMENT, STEP_URL } op;
	enum m_expect_kind expect;
	bool negate;
	char *arg; /* payload, pattern or status list */
	char *meth, *uri, *ver; /* http send / url path */
	struct m_header *headers;
	char *body;
	int port;             /* connect port, or M_UNSET */
	char *digest;         /* keepalived url digest */
	char *status_codes;   /* keepalived url status_code */
	struct m_origin at;
	struct m_check_step *next;
};

/* What to send and expect: a pool's option httpchk/http-check or a keepalived checker. */
struct m_probe {
	enum m_probe_kind kind;
	char *meth, *uri, *ver; /* option httpchk arguments */
	struct m_header *headers;
	char *body;
	struct m_check_step *steps;
	char *script;   /* PROBE_SCRIPT: the command line */
	char *user;     /* script user */
	struct m_origin at;
};

/* When and where to probe: per server (haproxy) or per checker block (keepalived). */
struct m_check {
	bool enabled;
	const struct m_probe *probe; /* NULL: the pool's probe (haproxy), set at finalize */
	m_ms inter, fastinter, downinter, timeout;
	int rise, fall;
	int port;             /* M_UNSET: the server's port */
	struct m_addr addr;   /* kind NONE: the server's address */
	int8_t ssl;           /* check-ssl */
	char *sni;
	int8_t verify_none;
	/* keepalived fields */
	int retry;
	m_ms delay_before_retry, delay_loop, warmup, connect_timeout;
	char *bindto;
	int bind_port;
	int8_t log_all_failures;
	/* keepalived checker extras */
	char *bind_if, *helo_name, *dns_type, *dns_name, *payload, *track_file;
	int fwmark, http_protocol_set, ka_weight;
	int8_t enable_sni, require_reply, misc_dynamic, file_dynamic, fast_recovery;
	m_ms misc_timeout;
	struct m_origin at;
	struct m_check *next;
};

/* ---------------------------------------------------------------- servers and pools */

struct m_server {
	char *name;
	int id;
	struct m_addr addr;
	int weight; /* 0-256; keepalived weights too */
	char *lvs_method; /* keepalived real_server lvs_method (NAT/DR/TUN), NULL: the VS's */
	int8_t backup, disabled, ssl, send_proxy;
	int maxconn, minconn, maxqueue;
	char *cookie;
	char *observe, *on_error;
	int error_limit; /* on-error after this many consecutive errors; 0: HAProxy's 10 */
	char *ssl_crt, *ssl_ca_file; /* TLS to the server: files checked, TLS not done yet */
	struct m_check check;  /* haproxy `check` and its fields */
	struct m_check agent;  /* haproxy agent-check */
	struct m_check *checks; /* keepalived checkers of a real_server */
	/* keepalived real_server */
	int8_t inhibit_on_failure;
	char *notify_up, *notify_down;
	struct m_origin at;
	struct m_server *next;
};

enum m_algo {
	ALGO_UNSET = -1,
	ALGO_ROUNDROBIN = 0,
	ALGO_STATIC_RR,
	ALGO_LEASTCONN,
	ALGO_FIRST,
	ALGO_SOURCE,
	ALGO_URI,
	ALGO_URL_PARAM,
	ALGO_HDR,
	ALGO_RDP_COOKIE,
	ALGO_RANDOM,
	/* LVS schedulers (keepalived lb_algo / lvs_sched) */
	ALGO_LVS_RR,
	ALGO_LVS_WRR,
	ALGO_LVS_LC,
	ALGO_LVS_WLC,
	ALGO_LVS_SH,
	ALGO_LVS_DH,
	ALGO_LVS_SED,
	ALGO_LVS_NQ,
	ALGO_LVS_LBLC,
	ALGO_LVS_LBLCR,
	ALGO_LVS_FO,
	ALGO_LVS_OVF,
	ALGO_LVS_MH,
	ALGO__COUNT
};
const char *m_algo_name(enum m_algo a);

enum m_hash_type { HASH_UNSET = -1, HASH_MAP_BASED = 0, HASH_CONSISTENT };

struct m_balance {
	enum m_algo algo;
	char *arg;       /* url_param / hdr / rdp-cookie name */
	int uri_len, uri_depth;
	int8_t uri_whole, uri_path_only, hdr_use_domain_only;
	int random_draws;
	enum m_hash_type hash_type;
	char *hash_fn;
};

/* Settings of one HAProxy proxy section, shared by its service and pool halves (a listen has
 * both), and the template that a defaults section carries. Fields start UNSET; one merge
 * (driven by the keyword tables) fills them from the defaults. */
enum m_http_conn { HTTP_CONN_UNSET = -1, HTTP_CONN_KAL = 0, HTTP_CONN_SCL, HTTP_CONN_CLO };

struct m_log_target {
	enum { LOG_TARGET_UDP, LOG_TARGET_UNIX, LOG_TARGET_STDOUT, LOG_TARGET_STDERR,
	       LOG_TARGET_FD } kind;
	struct m_addr addr;
	char *facility, *level, *minlevel;
	char *format; /* rfc3164 (default), rfc5424, raw, short... */
	int maxlen;
	struct m_origin at;
	struct m_log_target *next;
};

struct m_rule {
	char *action;  /* "deny", "return", "set-header", ... */
	char **args;   /* action arguments, NULL-terminated */
	int nargs;
	char *cond;    /* "if"/"unless" condition as written, or NULL */
	bool unless;
	char **cond_words; /* the condition's words */
	int ncond_words;
	struct m_origin at;
	struct m_rule *next;
};

struct m_acl {
	char *name;
	char **words; /* criterion, flags and patterns */
	int nwords;
	struct m_origin at;
	struct m_acl *next;
};

struct m_errorfile {
	int status;
	char *path;
	char *content; /* the file's content, loaded at bind time */
	size_t len;
	struct m_errorfile *next;
};

struct m_stats {
	int8_t enabled;
	char *uri, *realm;
	m_ms refresh;
	struct m_header *auth; /* user:password pairs (name, value) */
	struct m_rule *admin;  /* stats admin if/unless */
	int8_t hide_version, show_legends, show_node, show_desc;
	char *node, *desc;
	char **scope;
	int nscope;
};

/* Options of `option NAME`, tri-state (UNSET, 0 via `no option`, 1). */
enum m_option {
#define M_OPTION(id, name, caps) OPT_##id,
#include "options.def"
#undef M_OPTION
	OPT__COUNT
};

struct m_proxy_conf {
	enum m_mode mode;
	int8_t opt[OPT__COUNT];
	m_ms timeout_client, timeout_server, timeout_connect, timeout_queue, timeout_tunnel,
		timeout_http_request, timeout_http_keep_alive, timeout_client_fin,
		timeout_server_fin, timeout_check, timeout_tarpit;
	int retries;
	int maxconn, fullconn, backlog;
	enum m_http_conn http_conn;
	/* option forwardfor [except NET] [header NAME] [if-none] */
	char *ff_except, *ff_header;
	int8_t ff_if_none;
	/* option httplog [clf], option tcplog */
	int8_t httplog_clf;
	struct m_origin httplog_at; /* where `option httplog` was set, for the tcp-mode warning */
	char *log_format;
	struct m_origin log_format_at;
	/* which of `option httplog`, `option tcplog`, `log-format` this section set last (the
	 * last one wins; a section that sets one inherits none of the three) */
	int8_t log_fmt_src; /* enum m_log_fmt */
	int8_t log_global;
	struct m_log_target *logs;
	m_ms redispatch_interval;
	struct m_errorfile *errorfiles;
	char *errorfiles_group; /* errorfiles NAME (http-errors section) */
	struct m_stats stats;
	char *description;
	int8_t disabled;
	char *http_reuse;
	char *cookie_name;        /* `cookie` (persistence not implemented yet) */
	struct m_origin cookie_at;
};

enum m_svc_kind { SVC_FRONTEND, SVC_LISTEN, SVC_VIRTUAL_SERVER, SVC_DEFAULTS };

struct m_bind {
	struct m_addr addr;
	char *name;
	int backlog, maxconn;
	char *interface, *ns;
	int8_t v4v6, v6only, transparent, defer_accept, tfo, ssl, accept_proxy;
	char **crt;
	int ncrt;
	int unix_mode, uid, gid;
	char *alpn, *proto;
	int nice, process_thread;
	struct m_origin at;
	struct m_bind *next;
};

struct m_route {
	char *pool_name;      /* use_backend NAME (may be a log-format expression) */
	struct m_pool *pool;  /* resolved at validation, NULL for dynamic names */
	struct m_rule cond;   /* if/unless condition */
	struct m_route *next;
};

struct m_pool;

/* A proxy's stick-table (parser/hap_stick.c, runtime/stick.c); its name is the proxy's. */
enum m_st_type { M_ST_IP, M_ST_IPV6, M_ST_INT, M_ST_STR };
enum m_st_data {
	M_SD_GPC0, M_SD_CONN_CNT, M_SD_CONN_CUR, M_SD_CONN_RATE, M_SD_HTTP_REQ_CNT,
	M_SD_HTTP_REQ_RATE, M_SD_HTTP_ERR_CNT, M_SD_HTTP_ERR_RATE, M_SD_BYTES_IN_CNT,
	M_SD_BYTES_IN_RATE, M_SD_BYTES_OUT_CNT, M_SD_BYTES_OUT_RATE, M_SD_MAX
};
struct m_stick_table {
	enum m_st_type type;
	int keylen;            /* string keys: bytes kept */
	int64_t size;          /* entries at most */
	m_ms expire;           /* M_UNSET: entries only leave when the table is full */
	unsigned store;        /* 1 << M_SD_* */
	m_ms period[M_SD_MAX]; /* rates: their period */
	struct m_origin at;
};

/* A capture slot of a frontend (parser/hap_capture.c, runtime/capture.c): `capture request|
 * response header NAME len N` (hdr set), `declare capture request|response len N` and
 * `http-request capture SAMPLE len N` (rule set: the rule that fills it). Slots are numbered
 * per direction in the order they are declared, as HAProxy's capture ids. */
struct m_capture {
	bool rsp;
	char *hdr;
	int len;
	const struct m_rule *rule;
	struct m_origin at;
	struct m_capture *next;
};

/* What accepts traffic: a frontend, a listen's front half, or a virtual_server's VIP:port. */
struct m_service {
	char *name;
	int id;
	enum m_svc_kind kind;
	struct m_proxy_conf *conf;
	struct m_bind *binds;
	struct m_acl *acls;
	struct m_rule *http_request, *http_response, *tcp_request_conn, *tcp_request_content;
	struct m_stick_table *stick; /* NULL: none */
	struct m_capture *captures;  /* in declaration order */
	m_ms tcp_inspect_delay;      /* tcp-request inspect-delay; 0: none */
	struct m_route *routes;
	char *default_pool_name;
	struct m_pool *default_pool;
	struct m_origin at;
	struct m_service *next;
};

/* keepalived virtual_server extras that HAProxy pools do not have. */
struct m_lvs {
	char *lb_kind;  /* NAT, DR, TUN */
	char *protocol; /* TCP, UDP, SCTP */
	int fwmark;
	char *group;    /* virtual_server_group name */
	m_ms persistence_timeout;
	char *persistence_granularity;
	m_ms delay_loop;
	struct m_server *sorry_server;
	int8_t sorry_server_inhibit, ha_suspend, alpha, omega, inhibit_on_failure;
	int quorum, hysteresis;
	char *quorum_up, *quorum_down;
	char *virtualhost;
	/* keepalived extras */
	char *ip_family, *persistence_engine, *lvs_sched_flags, *smtp_alert;
	int8_t ops, lb_algo_set, lb_kind_set, protocol_set;
	m_ms connect_timeout, delay_before_retry, warmup; /* defaults for the checkers */
	int retry;
	struct m_origin protocol_at;
};

/* A balancing group: a backend, a listen's back half, or a virtual_server's real servers. */
struct m_pool {
	char *name;
	int id;
	struct m_proxy_conf *conf;
	struct m_balance balance;
	struct m_server *servers;
	int nservers;
	struct m_server *default_server; /* template merged into each server, never served */
	struct m_probe *probe;           /* option httpchk/tcp-check...; NULL: plain connect */
	struct m_lvs *lvs;               /* keepalived virtual_server, else NULL */
	struct m_acl *acls;
	struct m_rule *http_request, *http_response;
	struct m_stick_table *stick; /* NULL: none (a listen's is its service's) */
	struct m_service *service;       /* the listen or virtual_server this pool belongs to */
	struct m_origin at;
	struct m_pool *next;
};

/* ---------------------------------------------------------------- global and other sections */

struct m_stats_socket {
	struct m_addr addr;
	int mode;
	char *level; /* user, operator, admin */
	int8_t expose_fd_listeners;
	struct m_origin at;
	struct m_stats_socket *next;
};

struct m_global {
	int maxconn, nbthread, ulimit_n;
	int8_t daemon, master_worker;
	char *user, *group, *chroot, *pidfile;
	int uid, gid;
	struct m_log_target *logs;
	char *log_tag, *log_send_hostname, *node, *description;
	struct m_stats_socket *stats_sockets;
	m_ms stats_timeout, hard_stop_after;
	int spread_checks, max_spread_checks;
	int tune_bufsize, tune_maxrewrite;
	char *ssl_default_bind_ciphers, *ssl_default_bind_options, *ssl_default_server_ciphers;
	char *ca_base, *crt_base;
	struct m_origin at;
};

struct m_user {
	char *name, *password;
	int8_t insecure; /* insecure-password */
	char **groups;
	int ngroups;
	struct m_user *next;
};

struct m_userlist {
	char *name;
	struct m_user *users;
	struct m_origin at;
	struct m_userlist *next;
};

/* ---------------------------------------------------------------- VRRP */

#include "model_ka.h"

/* ---------------------------------------------------------------- the whole model */

enum m_source { SRC_HAPROXY = 1, SRC_KEEPALIVED = 2 };

struct m_config {
	struct arena *arena;
	unsigned sources; /* OR of m_source */
	char **files;     /* the configuration files read, in order */
	int nfiles;
	struct m_global global;
	struct m_service *services;
	struct m_pool *pools;
	struct m_userlist *userlists;
	struct m_ka_global ka;
	struct m_vrrp_instance *vrrp;
	struct m_vrrp_script *vrrp_scripts;
	struct m_sync_group *sync_groups;
	struct m_vs_group *vs_groups; /* keepalived virtual_server_group blocks */
	struct m_track_file *track_files;
	struct m_track_process *track_processes;
	/* `bind` lines in backends: HAProxy warns that they are ignored, yet still opens them,
	 * so for `haproxy -c` they count as listeners ("no listener" is not reported) */
	int backend_binds;
};

/* m_config_new(): an empty model with every field UNSET, in a fresh arena.
 * m_config_free(): frees the model and its arena. */
struct m_config *m_config_new(void);
void m_config_free(struct m_config *cfg);

void m_proxy_conf_init(struct m_proxy_conf *c);
void m_server_init(struct m_server *s);
void m_check_init(struct m_check *c);
void m_global_init(struct m_global *g);

struct m_pool *m_find_pool(const struct m_config *cfg, const char *name);
struct m_service *m_find_service(const struct m_config *cfg, const char *name);

/* log-format strings (logfmt.c): literal text, %-variables and %[sample expressions]. */
enum m_lf_var {
	MLF_B, MLF_CC, MLF_CS, MLF_H, MLF_HM, MLF_HP, MLF_HPO, MLF_HQ, MLF_HU, MLF_HV, MLF_ID,
	MLF_ST, MLF_T, MLF_Ta, MLF_Tc, MLF_Td, MLF_Th, MLF_Ti, MLF_Tl, MLF_Tq, MLF_TR, MLF_Tr,
	MLF_Ts, MLF_Tt, MLF_Tu, MLF_Tw, MLF_U, MLF_ac, MLF_b, MLF_bc, MLF_bi, MLF_bp, MLF_bq,
	MLF_ci, MLF_cp, MLF_f, MLF_fc, MLF_fi, MLF_fp, MLF_ft, MLF_hr, MLF_hrl, MLF_hs, MLF_hsl,
	MLF_lc, MLF_ms, MLF_o, MLF_pid, MLF_r, MLF_rc, MLF_rt, MLF_s, MLF_sc, MLF_si, MLF_sp,
	MLF_sq, MLF_sslc, MLF_sslv, MLF_t, MLF_tr, MLF_trg, MLF_trl, MLF_ts, MLF_tsc,
	MLF_VAR__COUNT
};
enum m_lf_kind { MLF_LIT, MLF_VAR, MLF_FETCH };
enum m_log_fmt { M_LOGFMT_NONE, M_LOGFMT_HTTPLOG, M_LOGFMT_TCPLOG, M_LOGFMT_CUSTOM };
enum { MLF_QUOTE = 1, MLF_HEX = 2, MLF_ESC = 4 }; /* %{+Q}, %{+X}, %{+E} */
/* The %[...] sample fetches vipr's runtime evaluates in log lines (no converters yet): one
 * table (model/logfmt.c) for the configuration check and the runtime. */
enum m_lf_fetch {
	MLF_F_NONE = 0, /* not evaluated: the configuration is refused before running */
	MLF_F_SRC, MLF_F_DST, MLF_F_SRC_PORT, MLF_F_DST_PORT,
	MLF_F_FE_NAME, MLF_F_BE_NAME, MLF_F_SRV_NAME, MLF_F_STATUS, MLF_F_METHOD,
	MLF_F_HOSTNAME, MLF_F_CAP_METHOD, MLF_F_CAP_URI, MLF_F_CAP_VER, MLF_F_DATE,
	MLF_F_STR, MLF_F_INT, MLF_F_ENV, /* NAME(argument), the argument without a ',' */
};

struct m_lf_node {
	enum m_lf_kind kind;
	enum m_lf_var var;
	enum m_lf_fetch fetch; /* MLF_FETCH: which one */
	unsigned flags;
	char *text; /* MLF_LIT: the text; MLF_FETCH: the expression inside %[...] */
	size_t len;
};
struct m_lf {
	struct m_lf_node *v;
	int n;
};
/* m_lf_parse(): splits fmt (the log-format of a proxy in `mode http` when http). A sample
 * expression is passed to check (when not NULL), which returns -1 with its message in err to
 * refuse it. Returns 0, or -1 with HAProxy's message in err (the text after "failed to parse
 * log-format : "). m_lf_free() frees what a successful parse allocated. */
typedef int (*m_lf_fetch_check)(void *arg, const char *expr, size_t len, char *err, size_t errlen);
int m_lf_parse(const char *fmt, bool http, struct m_lf *out, m_lf_fetch_check check, void *arg,
               char *err, size_t errlen);
void m_lf_free(struct m_lf *lf);
const char *m_lf_var_name(enum m_lf_var v);
/* m_lf_fetch_find(): which fetch the %[...] expression (len bytes) is, MLF_F_NONE when vipr's
 * runtime does not evaluate it. m_lf_fetch_supported(): it is not MLF_F_NONE. */
enum m_lf_fetch m_lf_fetch_find(const char *expr, size_t len);
bool m_lf_fetch_supported(const char *expr, size_t len);

/* m_dump_json(): the model as JSON (vipr dump --json), stable field order. */
void m_dump_json(const struct m_config *cfg, FILE *f);
/* m_print_haproxy(): the haproxy part of the model as canonical haproxy.cfg that re-parses to
 * the same model. */
void m_print_haproxy(const struct m_config *cfg, FILE *f);

/* Value parsers shared by both front ends and the runtime API, with HAProxy's rules.
 * m_parse_time(): digits then an optional unit (us, ms, s, m, h, d; `unit_ms` is the value of
 * a bare number: 1 for milliseconds, 1000 for seconds). Returns NULL on success, M_TIME_OVER
 * (> 2147483647 ms), M_TIME_UNDER (non-zero value rounding to 0 ms), or a pointer to the
 * first unexpected character of s.
 * m_parse_size(): digits then an optional k/m/g (any case). Same return convention. */
extern const char m_time_over[], m_time_under[];
#define M_TIME_OVER  m_time_over
#define M_TIME_UNDER m_time_under
const char *m_parse_time(const char *s, m_ms *out, unsigned unit_ms);
const char *m_parse_size(const char *s, int64_t *out);

#endif
