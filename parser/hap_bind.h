/* hap_bind.h - the haproxy.cfg binder's tables and context (private to parser/).
 *
 * Keywords are data: one table per section, a row per keyword (name, sections, argument
 * counts, setter, target struct and offset, flags, help). One dispatcher checks the
 * section and arity for every row; generic setters write through offsetof, so most rows
 * need no code. Lint's "did you mean", docs/keywords.md and the coverage report all read
 * these same tables.
 */
#ifndef VIPR_PARSER_HAP_BIND_H
#define VIPR_PARSER_HAP_BIND_H

#include "ast.h"
#include "parser.h"

enum hap_sec {
	HS_NONE = 0,
	HS_GLOBAL = 1 << 0,
	HS_DEFAULTS = 1 << 1,
	HS_FRONTEND = 1 << 2,
	HS_BACKEND = 1 << 3,
	HS_LISTEN = 1 << 4,
	HS_USERLIST = 1 << 5,
	HS_PEERS = 1 << 6,
	HS_RESOLVERS = 1 << 7,
	HS_HTTP_ERRORS = 1 << 8,
	HS_RING = 1 << 9,
	HS_MAILERS = 1 << 10,
	HS_PROGRAM = 1 << 11,
	HS_CACHE = 1 << 12,
	HS_FCGI_APP = 1 << 13,
	HS_LOG_FORWARD = 1 << 14,
};
#define HS_PROXY (HS_DEFAULTS | HS_FRONTEND | HS_BACKEND | HS_LISTEN)
#define HS_FE    (HS_DEFAULTS | HS_FRONTEND | HS_LISTEN)
#define HS_BE    (HS_DEFAULTS | HS_BACKEND | HS_LISTEN)
#define HS_FE_ONLY (HS_FRONTEND | HS_LISTEN)
#define HS_BE_ONLY (HS_BACKEND | HS_LISTEN)

/* Where a generic setter writes. */
enum hap_target { T_NONE = 0, T_CONF, T_POOL, T_SVC, T_GLOBAL, T_SERVER, T_CHECK, T_BIND };

enum hap_kw_flags {
	KW_UNSUPPORTED = 1 << 0, /* HAProxy has it, vipr does not act on it yet: reported */
	KW_IGNORED = 1 << 1,     /* accepted and deliberately without effect (e.g. nbproc) */
	KW_DEPRECATED = 1 << 2,
	KW_FATAL_UNSUP = 1 << 3, /* unsupported and unsafe to run without: an error */
	KW_NO_PREFIX = 1 << 4,   /* accepts `no` */
	KW_LENIENT = 1 << 5,     /* HAProxy takes any text (atoi): bad numbers are lint-only */
};

struct hap_ctx;
struct hap_kw;

/* A setter gets the statement and the index of its first argument; returns 0, or -1 after
 * adding a finding. */
typedef int (*hap_set_fn)(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s,
			  int arg);

struct hap_kw {
	const char *name;
	unsigned sections;
	int8_t min, max; /* arguments after the keyword; max -1: any */
	hap_set_fn set;
	enum hap_target target;
	size_t off;
	long arg; /* setter parameter: range, unit, enum value */
	unsigned flags;
	const char *help;
};

/* Defaults of a `defaults` section, applied by the merge at the end. */
struct hap_defaults {
	char *name;
	struct m_proxy_conf conf;
	struct m_pool pool; /* balance, default-server, probe */
	struct hap_defaults *from;
	struct m_origin at;
	struct hap_defaults *next;
};

/* One proxy being built: its halves and the defaults it inherits. */
struct hap_proxy {
	char *name;
	enum hap_sec sec;
	struct m_proxy_conf *conf;
	struct m_service *svc;
	struct m_pool *pool;
	struct hap_defaults *def;
	struct m_origin at;
	const char *peers;       /* its stick-table's `peers NAME`, checked after parsing */
	struct m_origin peers_at;
	struct hap_stickref {    /* `stick ... [table NAME]` lines, checked after parsing */
		const char *table;
		bool rsp;        /* store-response: HAProxy checks them after the others */
		struct m_origin at;
		struct hap_stickref *next;
	} *stickrefs;
	struct hap_proxy *next;
};

struct hap_ctx {
	struct m_config *cfg;
	struct arena *a;
	struct diag_list *dl;
	enum hap_sec sec;
	const char *sec_name;         /* "listen", "global"... */
	struct hap_proxy *px;         /* current proxy; NULL in other sections */
	struct hap_defaults *def;     /* current defaults section */
	struct hap_defaults *last_def;
	struct hap_defaults *defaults;
	struct hap_proxy *proxies, *proxies_tail;
	struct m_userlist *ul;
	struct m_server *srv; /* server or default-server being parsed */
	struct m_bind *bind;  /* bind being parsed */
	int next_id;
	bool file_error;      /* an error in the current file (for "Error(s) found in ...") */
	bool resolve;         /* post-parse: conditions may resolve userlists and backends */
	struct strmap fe_names, be_names, pools_by_name; /* name look-ups stay linear */
	struct strmap cache_names;                       /* `cache NAME` sections */
	struct strmap peers_names;                       /* `peers NAME` sections */
	struct hap_cacheref { /* cache-use / cache-store NAME, checked after parsing */
		const char *name;
		struct hap_proxy *px;
		struct m_origin at;
		struct hap_cacheref *next;
	} *cacherefs, **cacherefs_tail;
	struct m_pool *tail_pool; /* the pool whose last server is tail_srv */
	struct m_server *tail_srv;
	bool aborted;
};

/* Findings with HAProxy's "parsing [file:line] : " prefix. */
struct diag *hap_alert(struct hap_ctx *c, const struct cfg_stmt *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
struct diag *hap_warn(struct hap_ctx *c, const struct cfg_stmt *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* An alert HAProxy formats with a NUL byte ('%c' of an empty name): its output stops after
 * head (a leading ':' asks for "parsing [f:l]:"), without a newline; lint prints lint. */
struct diag *hap_alert_nul(struct hap_ctx *c, const struct cfg_stmt *s, const char *head,
			   const char *lint);
/* An alert after which HAProxy stops reading (ERR_ABORT): no "Fatal errors" line. */
struct diag *hap_alert_abort(struct hap_ctx *c, const struct cfg_stmt *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A finding with arbitrary compat text (already prefixed) and a lint message. */
struct diag *hap_diag(struct hap_ctx *c, struct m_origin at, enum diag_sev sev,
		      enum diag_sev compat_sev, unsigned flags, const char *compat, const char *fmt,
		      ...) __attribute__((format(printf, 7, 8)));
/* Lint-only finding: HAProxy accepts it silently. */
struct diag *hap_lint(struct hap_ctx *c, struct m_origin at, enum diag_sev sev, const char *fmt,
		      ...) __attribute__((format(printf, 4, 5)));
void hap_unsupported(struct hap_ctx *c, const struct cfg_stmt *s, const char *what, bool fatal);
/* HAProxy's names (proxies, ACLs): letters, digits, '-', '_', '.', ':'. Returns the first bad
 * character, the terminating NUL of an empty name, or NULL when the name is valid. */
const char *hap_invalid_char(const char *name);

/* Tables and dispatch. */
const struct hap_kw *hap_kw_find(const struct hap_kw *t, const char *name);
int hap_kw_dispatch(struct hap_ctx *c, const struct hap_kw *t, struct cfg_stmt *s, int arg);
const char *hap_kw_suggest(const struct hap_kw *t, unsigned sec, const char *word);
void *hap_target(struct hap_ctx *c, enum hap_target t);

extern const struct hap_kw hap_global_kw[];
extern const struct hap_kw hap_proxy_kw[];
extern const struct hap_kw hap_server_kw[];
extern const struct hap_kw hap_bind_kw[];
extern const struct hap_kw hap_timeout_kw[];
extern const struct hap_kw hap_stats_kw[];

/* Generic setters. arg of set_int is the [min,max] packed as min*1e6+max? no: see row. */
int hap_set_int(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int arg);
int hap_set_int_lenient(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int arg);
int hap_set_time(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int arg);
int hap_set_str(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int arg);
int hap_set_flag(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int arg);
int hap_set_size(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int arg);
int hap_set_ignored(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int arg);

/* Words from index i joined by single spaces; words [from, to) copied (both in the arena). */
char *hap_join(struct hap_ctx *c, struct cfg_stmt *s, int i);
char **hap_copy_words(struct hap_ctx *c, struct cfg_stmt *s, int from, int to, int *n);

/* acl, http-request/http-response and use_backend lines (hap_rules.c). */
int hap_set_acl(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int arg);
int hap_set_http_rule(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int arg);
int hap_set_use_backend(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int arg);

/* Sub-keyword lines (hap_option.c). */
int hap_set_option(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int arg);
int hap_set_timeout(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int arg);
int hap_set_stats(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int arg);

/* Sections. */
int hap_proxy_keyword(struct hap_ctx *c, struct cfg_stmt *s);
int hap_global_keyword(struct hap_ctx *c, struct cfg_stmt *s);
int hap_server_line(struct hap_ctx *c, struct cfg_stmt *s, bool is_default);
int hap_bind_line(struct hap_ctx *c, struct cfg_stmt *s);
void hap_finalize(struct hap_ctx *c);
void hap_check_file_conditions(struct hap_ctx *c, const char *file);

/* ACLs (hap_acl.c). hap_acl_check(): checks `CRITERION [flags] [patterns]` (words[0..n)) as
 * HAProxy 2.6 does. Returns 0 accepted, 1 accepted with HAProxy's multi-line "no pattern"
 * warning (its full text in msg), -1 refused (HAProxy's reason in msg). */
int hap_acl_check(char *const *words, int n, char *msg, size_t len);
/* hap_acl_parse(): hap_acl_check() reported as findings: "error detected while parsing
 * WHERE : reason" with the given diag flags, or the warning. Returns hap_acl_check()'s
 * status but 0 for a warning. */
int hap_acl_parse(struct hap_ctx *c, struct m_origin at, const char *where, char *const *words,
		  int n, unsigned flags);
/* hap_acl_resolve(): after parsing, checks the userlist or backend argument of the criterion
 * `word` used in proxy px. Returns 0, or -1 after a fatal post-parse finding. */
int hap_acl_resolve(struct hap_ctx *c, struct hap_proxy *px, struct m_origin at,
		    const char *word);
/* hap_log_fmt_set(): `option httplog|tcplog` or `log-format` (src, enum m_log_fmt) set in the
 * current section: the last one wins, with HAProxy's warning in a defaults section. */
void hap_log_fmt_set(struct hap_ctx *c, const struct cfg_stmt *s, struct m_proxy_conf *pc,
                     int src);
/* hap_sample_check_log(): checks the sample expression of a log-format "%[...]" (len bytes
 * of expr, which runs on to the end of the format string as HAProxy quotes it): unknown
 * fetch or converter, or a fetch that reads what is gone when the line is logged. Returns 0,
 * or -1 with the message in msg. */
int hap_sample_check_log(const char *expr, size_t len, char *msg, size_t mlen);
/* hap_check_rule_cond(): the condition of rule r of proxy px ("KW ACTION" in kw, e.g.
 * "tcp-request connection reject"): declared ACLs and anonymous ACLs, reported in HAProxy's
 * words for that keyword. Returns false after a finding that stops HAProxy. */
bool hap_check_rule_cond(struct hap_ctx *c, struct hap_proxy *px, struct m_rule *r,
			 const char *kw);
/* hap_acl_fetch_known(): whether word (arguments and converters ignored) is an ACL fetch. */
bool hap_acl_fetch_known(const char *word);

#endif
