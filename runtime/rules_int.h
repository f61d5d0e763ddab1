/* rules_int.h - private to rules.c, rules_lf.c and rules_exec.c: compiled rule types and the
 * helpers the three share (log-format strings, reply pages, scratch output).
 *
 * rules.c compiles (rt_rules_build), rules_exec.c runs rules on heads, rules_lf.c holds
 * log-format evaluation and HAProxy's status texts.
 */
#ifndef VIPR_RULES_INT_H
#define VIPR_RULES_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "runtime/rt.h"

/* ---------------------------------------------------------------- log-format strings */

enum lf_kind { LF_LIT, LF_SRC, LF_SRC_PORT, LF_DST, LF_DST_PORT, LF_HDR, LF_PATH, LF_URL,
	       LF_QUERY, LF_METHOD, LF_VAR };

struct lf_seg {
	enum lf_kind k;
	const char *s; /* literal text, header or variable name */
	size_t n;      /* LF_VAR: the variable's scope (RT_VS_*) */
};

struct lf {
	struct lf_seg *v;
	int n;
};

enum act { A_ALLOW, A_DENY, A_RETURN, A_AUTH, A_REDIRECT, A_SET_HDR, A_ADD_HDR, A_DEL_HDR,
	   A_REPL_HDR, A_SET_PATH, A_SET_QUERY, A_SET_URI, A_SET_METHOD, A_SERVICE, A_TRACK,
	   A_INC_GPC0, A_SET_VAR, A_UNSET_VAR, A_CAPTURE, A_TARPIT, A_REJECT, A_LOG_LEVEL };

struct xhdr { /* `hdr NAME FMT` of return/deny */
	const char *name;
	struct lf fmt;
};

struct reply {
	int status;
	const char *line;  /* "HTTP/1.1 200 OK\r\n" */
	const char *fixed; /* a page's or errorfile's headers, content-length included, or NULL */
	const char *ctype; /* return: content-type */
	const char *extra; /* auth: www-authenticate line */
	struct xhdr *hdrs;
	int nhdrs;
	const char *body;
	size_t blen;
	struct lf lfbody; /* lf-string */
	bool lf;
	bool close; /* 400 and 408 always close */
};

enum redir_kind { R_LOCATION, R_PREFIX, R_SCHEME };

/* track-scN KEY [table T] and sc-inc-gpc0(N) (rules_stk.c) */
enum trk_key { K_SRC, K_DST, K_HDR };
struct trk {
	int sc;
	struct rt_stick *t;
	enum trk_key k;
	const char *hdr; /* K_HDR: header name */
};

/* set-var(SCOPE.NAME) EXPR / unset-var(SCOPE.NAME) (rules_stk.c, vars.c) */
struct setvar {
	const struct rt_sexpr *e; /* NULL: unset-var */
	int scope;
	const char *name;
};

struct rule {
	enum act a;
	const struct rt_cond *cond;
	const char *name; /* header */
	struct lf fmt;    /* value, path, uri... */
	pcre2_code *re;   /* replace-header */
	struct reply rep;
	enum redir_kind rk;
	int code;
	bool drop_query, append_slash;
	struct trk trk;
	struct setvar var; /* set-var, unset-var; capture: var.e is the sample */
	int cap;           /* capture: the slot */
};

struct route {
	const struct rt_cond *cond;
	struct rt_pool *pool;
};

/* tcp-request rules (rules_tcp.c) */
enum tact { T_ACCEPT, T_REJECT, T_TRACK, T_INC_GPC0, T_SET_VAR };
struct trule {
	enum tact a;
	const struct rt_cond *cond;
	struct trk trk;
	struct setvar var;
};

struct rt_rules {
	struct rule *req, *rsp;
	int nreq, nrsp;
	struct route *routes;
	int nroutes;
	struct trule *tconn, *tcont; /* tcp-request connection / content */
	struct rt_caps *caps; /* capture.c: the frontend's capture slots, NULL: none */
	int ntconn, ntcont;
};

struct rt_rules_all {
	struct rt_acl_ctx *cx;
	struct rt_rules *sets;
	int nsets;
	pcre2_code **regs;
	int nregs;
	struct rt_stick **tables; /* rules_stk.c: every proxy's stick-table */
	int ntables;
};


struct bctx { /* compile context of one proxy */
	struct rt *rt;
	struct rt_acl_ctx *cx;
	const struct m_acl *acls;
	const char *px;
	const struct m_proxy_conf *confs[2]; /* for errorfile look-ups */
	const struct rt_caps *caps;          /* capture slots of the proxy (frontends) */
};

/* rules_lf.c */
const char *rt_reason(int status); /* "Not Found"; "Other" when unknown */
/* HAProxy's built-in error page text for status (its h1 reason in *rsn), NULL: none. */
const char *rt_page_text(int status, const char **rsn);
char *rt_xdup(struct bctx *b, const char *s, size_t n); /* NUL-terminated, in the arena */
/* Compiles a log-format string; false after an "[ALERT]" naming `what`. */
bool rt_lf_compile(struct bctx *b, const char *s, struct lf *out, const char *what);
void rt_ip_str(const struct sockaddr_storage *ss, char *buf, size_t len, bool port);
bool rt_sc_put(struct rt_scratch *sc, const char *p, size_t n); /* false: scratch full */
/* Evaluates a log-format string into the scratch; returns its start (length in *len) or
 * NULL when the scratch is full. `req` may be NULL (response side: request fetches empty). */
const char *rt_lf_eval(const struct lf *f, const struct rt_sess *s, const struct h1_msg *req,
                       struct rt_scratch *sc, size_t *len);

/* rules_tcp.c: compiles the tcp-request rules of a service into set (false after an
 * "[ALERT]"); rt_tcpreq_http() runs the content rules on a request head (mode http): true
 * when the request was rejected and the session is now closing. */
bool rt_tcp_compile(struct bctx *b, const struct rt_service *rs, struct rt_rules *set);
bool rt_tcpreq_http(struct rt_sess *s, const struct h1_msg *m);

/* rules_stk.c: rt_stk_build() creates the stick tables (before any rule is compiled; false
 * after an "[ALERT]"); rt_trk_compile() compiles the key and table of a track-scN action
 * (sc: N; http: HTTP fetches allowed); rt_trk_exec() starts tracking for s (nothing when the
 * counter already tracks), counting the current request when `req`; rt_trk_inc_gpc0() is
 * sc-inc-gpc0(N); rt_trk_new_request() counts a new request on every counter the session
 * tracks, after releasing the previous request's. */
bool rt_stk_build(struct rt *rt, struct rt_rules_all *all);
void rt_stk_free(struct rt_rules_all *all);
bool rt_trk_compile(struct bctx *b, const struct m_rule *r, int sc, struct trk *out, bool http,
                    const char *what);
void rt_trk_exec(struct rt_sess *s, const struct trk *t, const struct h1_msg *m, bool sess,
                 bool req);
void rt_trk_inc_gpc0(struct rt_sess *s, int sc);
void rt_trk_new_request(struct rt_sess *s);
/* rt_setvar_compile(): set-var/unset-var of rule r (false after an "[ALERT]");
 * rt_setvar_exec() runs it against x. */
bool rt_setvar_compile(struct bctx *b, const struct m_rule *r, struct setvar *out, bool http,
                       const char *what);
void rt_setvar_exec(struct rt_sess *s, const struct setvar *v, const struct rt_smp *x);

/* capture.c: rt_cap_build() numbers the capture slots of a frontend into set->caps;
 * rt_cap_compile_rule() compiles a `capture` action (its slot, its sample); rt_cap_head()
 * resets the slots when a request (rsp false: every slot) or a response head arrives and
 * fills the header slots; rt_cap_rule() runs a capture action; rt_cap_free() at session end. */
struct rt_caps;
bool rt_cap_build(struct bctx *b, const struct rt_service *rs, struct rt_rules *set);
bool rt_cap_compile_rule(struct bctx *b, const struct m_rule *mr, struct rule *ru, bool rsp,
                         const char *what);
void rt_cap_head(struct rt_sess *s, const struct h1_msg *m, bool rsp);
void rt_cap_rule(struct rt_sess *s, const struct rule *ru, const struct rt_smp *x);
void rt_cap_free(struct rt_sess *s);

#endif
