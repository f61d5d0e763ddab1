/* ka_bind.h - keepalived keyword tables and the binder that walks them (private to parser/).
 *
 * Every keepalived block (the root, global_defs, vrrp_instance, virtual_server, TCP_CHECK...)
 * has one table of rows, as data. One dispatcher (ka_bind_block) looks a statement up in the
 * table of its block, checks arity and flags, and calls the row's setter with the block
 * context. Generic setters write through the row's offset into the block's object.
 */
#ifndef VIPR_PARSER_KA_BIND_H
#define VIPR_PARSER_KA_BIND_H

#include "ast.h"
#include "parser.h"

enum ka_kw_flags {
	KW_DEPRECATED = 1 << 0, /* accepted, with keepalived's deprecation notice */
	KW_IGNORED = 1 << 1,    /* accepted and ignored (no effect in vipr, none needed) */
	KW_UNSUP = 1 << 2,      /* "not supported by vipr yet": a lint-only finding */
	KW_BLOCK = 1 << 3,      /* takes a { } block: `sub` is its table */
	KW_LIST = 1 << 4,       /* its block lines are data (addresses, names), not keywords */
};

enum ka_proc { KA_PARENT = 0, KA_VRRP, KA_CHECKER };

/* What one load keeps across blocks: facts the post-parse checks need. */
struct ka_state {
	bool bad_interface;   /* an interface given does not exist on this host */
	bool vrrp_seen, vs_seen;
	bool default_user_reported;
	int rule_pref;        /* next automatic rule preference (keepalived counts down) */
	bool stopped;         /* a keyword lacked its parameter: keepalived stops reading */
};

/* The block being bound: what its handlers fill. Children inherit the parent's pointers. */
struct ka_bctx {
	struct m_config *cfg;
	struct diag_list *dl;
	const struct ka_opts *o;
	struct ka_state *S;
	const struct ka_block *blk;
	enum ka_proc proc; /* which keepalived process reports findings of this block */
	void *obj;         /* the object the row offsets point into */
	struct m_vrrp_instance *vi;
	struct m_vrrp_script *vs;
	struct m_sync_group *sg;
	struct m_pool *pool;
	struct m_server *rs;
	struct m_check *chk;
	struct m_check_step *url;
	const struct cfg_stmt *st; /* the statement that opened the block */
};

struct ka_kw;
/* A setter: st is the statement (w[0] the keyword); returns 0, or -1 after adding a finding. */
typedef int (*ka_set_fn)(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st);
/* A list block line handler (KW_LIST). */
typedef void (*ka_line_fn)(struct ka_bctx *b, const struct cfg_stmt *line);
/* Opens a block: fills the child context (allocates the object); returns -1 to skip it. */
typedef int (*ka_open_fn)(struct ka_bctx *child, const struct cfg_stmt *st);
typedef void (*ka_close_fn)(struct ka_bctx *b);

struct ka_block {
	const char *name;
	const struct ka_kw *kw;
	size_t nkw;
	enum ka_proc proc;
	ka_open_fn open;
	ka_close_fn close;
	ka_line_fn line; /* KW_LIST blocks: each line */
};

struct ka_kw {
	const char *name;
	uint8_t min, max; /* argument count after the keyword; max KA_ANY: unbounded */
	uint16_t flags;
	ka_set_fn set;
	size_t off;
	double lo, hi;    /* range for numbers and times (seconds) */
	const struct ka_block *sub;
	const char *help;
};
#define KA_ANY 255
/* keepalived's limits for times in seconds with microseconds: 1 us, and ULONG_MAX us less 1 */
#define KA_TIME_MIN 0.000001
#define KA_TIME_MAX 18446744073709.551614

/* Tables (ka_kw.c). */
extern const struct ka_block ka_root_block;
const struct ka_block *const *ka_all_blocks(size_t *n);
const struct ka_kw *ka_kw_find(const struct ka_block *blk, const char *name);
/* The closest keyword of blk to word within distance 2, or NULL. */
const char *ka_kw_suggest(const struct ka_block *blk, const char *word);

/* Dispatcher (ka_bind.c). */
void ka_bind_block(struct ka_bctx *b, const struct cfg_stmt *first);
void ka_bind_stmt(struct ka_bctx *b, const struct cfg_stmt *st);

/* Findings (ka_bind.c): keepalived's wording, at the statement's line, reported by b's
 * process; lint-only findings when compat is NULL. */
struct diag *ka_err(struct ka_bctx *b, struct m_origin at, unsigned flags, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
struct diag *ka_lint(struct ka_bctx *b, struct m_origin at, enum diag_sev sev, const char *fmt,
		     ...) __attribute__((format(printf, 4, 5)));

/* Generic setters (ka_bind.c). */
int ka_set_int(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st);
int ka_set_time(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st);
int ka_set_flag(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st);
int ka_set_str(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st);
int ka_set_strs(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st);
int ka_set_addr(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st);
int ka_set_none(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st);

/* Number parsing as keepalived reports it: 0 ok, -1 after a finding. */
int ka_read_int(struct ka_bctx *b, const struct cfg_word *w, long lo, long hi, long *out);
int ka_read_dec(struct ka_bctx *b, const struct cfg_word *w, double lo, double hi, double *out);
/* Parses "ADDR" into a (port 0); returns 0 or -1 (no finding). */
int ka_parse_ip(const char *s, struct m_addr *a);

/* Post-parse checks as `keepalived -t` does them (ka_check.c). */
void ka_check(struct ka_bctx *root);

#endif
