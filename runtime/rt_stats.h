/* rt_stats.h - included by rt.h only (it needs rt.h's types): statistics, the stats page,
 * the stats sockets and the runtime API's commands, error snapshots (`show errors`).
 */
#ifndef VIPR_RT_STATS_H
#define VIPR_RT_STATS_H

/* ---- stats: statistics, stats page and stats socket -------------------------------
 * stats.c: counters, CSV/JSON rows, `show info`, `show servers state`, the HTTP applet;
 * stats_html.c: the HTML page; cli_api.c: the stats sockets (global `stats socket`). */

/* A growable string; functions appending to it keep it NUL-terminated. */
struct rt_sbuf {
	char *d;
	size_t len, cap;
};
void rt_sb_put(struct rt_sbuf *b, const char *p, size_t n);
void rt_sb_puts(struct rt_sbuf *b, const char *s);
void rt_sb_printf(struct rt_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* counting hooks (sess.c, http.c, balance.c) */
enum rt_stat_ev { RT_ST_ECON, RT_ST_WRETR, RT_ST_WREDIS, RT_ST_ERESP };
void rt_rate_add(struct rt_rate *r);
unsigned rt_rate_get(struct rt_rate *r);
void rt_stats_sess_new(struct rt_service *svc);
void rt_stats_bytes(struct rt_sess *s, bool to_server, size_t n);
void rt_stats_srv_ev(struct rt_sess *s, enum rt_stat_ev ev);
void rt_stats_http_error(struct rt_sess *s, int status);
void rt_stats_txn_end(struct rt_sess *s);
void rt_stats_picked(struct rt_pool *p, struct rt_server *sv);
/* A request (response: true, a response) denied by a rule: dreq/dresp (rules.c may call it). */
void rt_stats_denied(struct rt_sess *s, bool response);

/* The HTTP applet: true when the request was for the stats uri of the session's proxy and
 * an answer (page, CSV, JSON or 401) is now queued; rt_stats_applet_end() gives the
 * session its own response buffer back (on the next transaction and on close). */
bool rt_stats_applet(struct rt_sess *s, const struct h1_msg *m);
void rt_stats_applet_end(struct rt_sess *s);

/* Dumps (flags RT_SD_*): the CSV of every proxy, its JSON form, `show info`, `show servers
 * state [backend]` (false: no such backend). */
#define RT_SD_LEGENDS 0x01 /* addresses and algorithms (CLI, stats show-legends) */
#define RT_SD_UP      0x02 /* only servers that are UP */
#define RT_SD_NOMAINT 0x04 /* skip servers in maintenance */
void rt_stats_csv(struct rt *rt, struct rt_sbuf *out, unsigned flags);
void rt_stats_json(struct rt *rt, struct rt_sbuf *out, unsigned flags);
void rt_stats_info(struct rt *rt, struct rt_sbuf *out);
bool rt_stats_servers_state(struct rt *rt, struct rt_sbuf *out, const char *backend);
/* Which proxies a stats answer shows: `stats scope` names (exact) and the uri's ?scope=
 * (case-insensitive part of the name, 2 characters at least, as 2.6 matches it). */
struct rt_stats_scope {
	const struct m_stats *st; /* its scope list, NULL: no limit */
	const char *q;            /* ?scope= value, NULL: none */
	size_t qlen;
	const char *self; /* the proxy serving the stats, for `stats scope .` */
};
bool rt_stats_in_scope(const struct rt_stats_scope *sc, const char *pxname);
void rt_stats_csv_in(struct rt *rt, struct rt_sbuf *out, unsigned flags,
                     const struct rt_stats_scope *sc);
void rt_stats_json_in(struct rt *rt, struct rt_sbuf *out, unsigned flags,
                      const struct rt_stats_scope *sc);
/* stats_html.c: the page; admin: the server check boxes and action forms (stats admin);
 * st_code: the answer of the last POST (";st=DONE"...), NULL: none. */
struct rt_stats_page {
	const struct m_stats *st;
	const char *uri;
	unsigned flags;
	bool refresh, admin;
	const char *st_code;
	struct rt_stats_scope scope;
};
void rt_stats_html(struct rt *rt, struct rt_sbuf *out, const struct rt_stats_page *pg);
/* stats_admin.c: `stats admin if/unless` conditions compiled at startup (false: an
 * unsupported condition, reported), evaluated per request; rt_stats_admin_post() applies a
 * form POST (s=, action=, b=) and returns HAProxy's status code ("DONE", "PART", ...). */
bool rt_stats_admin_init(struct rt *rt);
void rt_stats_admin_free(struct rt *rt);
bool rt_stats_admin_ok(struct rt_sess *s, const struct m_stats *st, const struct h1_msg *m);
const char *rt_stats_admin_post(struct rt_sess *s, const char *body, size_t len);
/* cli_admin.c, also for the stats page: a forced operational state, and ending the
 * sessions of a server on every worker (self: the calling worker, run inline). */
void rt_srv_set_usable(struct rt_server *sv, bool up);
void rt_srv_kill_sessions(struct rt *rt, struct rt_worker *self, struct rt_server *sv);

/* Server look-up and status text shared by the page, the CSV and the CLI. */
struct rt_server *rt_stats_find_server(struct rt *rt, const char *be, const char *srv);
struct rt_pool *rt_stats_find_pool(struct rt *rt, const char *name);
const char *rt_stats_srv_status(const struct rt_server *sv);
void rt_stats_set_admin(struct rt_server *sv, int set, int clear);
/* rt_stats_rows() calls fn with each row `show stat` prints, in its order: kind 'F'rontend,
 * 'S'erver, 'B'ackend; f[nf] are the CSV fields, NULL when empty. rt_stats_field() is the
 * index of a CSV column by name, -1: none. */
typedef void rt_stats_row_fn(void *arg, char kind, const char *const *f, int nf);
void rt_stats_rows(struct rt *rt, unsigned flags, rt_stats_row_fn *fn, void *arg);
int rt_stats_field(const char *name);
/* `show stat typed`, `show info typed` (json false) and `show info json`. */
void rt_stats_typed(struct rt *rt, struct rt_sbuf *out, unsigned flags);
void rt_stats_info_fmt(struct rt *rt, struct rt_sbuf *out, bool json);
/* `clear counters [all]`: the maxima, or every counter. */
void rt_stats_clear(struct rt *rt, bool all);
/* stats_http.c: queues a whole HTTP answer (head and body) in place of the response, the
 * request head consumed; takes ans->d. promex.c: `use-service prometheus-exporter`. */
void rt_stats_answer(struct rt_sess *s, const struct h1_msg *m, struct rt_sbuf *ans, bool close);
bool rt_promex_applet(struct rt_sess *s, const struct h1_msg *m);

/* cli_api.c: binds every global `stats socket` (before daemonizing; -1 after an [ALERT]),
 * serves them on worker 0's loop, closes and unlinks them. */
struct rt_cli_sock;
int rt_cli_open(struct rt *rt);
/* cli_cmds.c: runs one runtime API line (commands separated by ';') at ctx->level and
 * appends the answers to out, each ending with an empty line as HAProxy's; `prompt`,
 * `quit`, `user` and `operator` change ctx. Callable by any front end of the CLI (stats
 * sockets, the master CLI) on worker 0's thread. */
enum { RT_CLI_USER = 1, RT_CLI_OPER = 2, RT_CLI_ADMIN = 3 };
struct rt_cli_ctx {
	struct rt *rt;
	int level;
	bool prompt, quit;
	long timeout_ms; /* `set timeout cli`: the session's new idle timeout, 0: unchanged */
	bool no_blank;   /* the answer ends without the empty line (HAProxy's add/del server) */
};
void rt_cli_exec(struct rt_cli_ctx *ctx, char *line, struct rt_sbuf *out);
/* cli_admin.c: runs the runtime API's work queued for worker w, on its thread (called from
 * its qwake callback); effective maxconn of a frontend, a server, the process (0: none). */
void rt_cli_worker_run(struct rt_worker *w);
#define RT_FE_READY   0
#define RT_FE_PAUSED  1 /* disable frontend: listeners paused, enable frontend resumes */
#define RT_FE_STOPPED 2 /* shutdown frontend: listeners closed for good */
int rt_svc_maxconn(const struct rt_service *svc);
int rt_srv_maxconn(const struct rt_server *sv);
int rt_global_maxconn(const struct rt *rt);
void rt_cli_start(struct rt *rt, struct ev_loop *loop);
void rt_cli_close(struct rt *rt);

/* stats_errors.c: HAProxy's error snapshots. rt_errors_capture() keeps buf[0..len), a head
 * the parser refused (rsp: a server's response, else a client's request), as the last
 * error of the session's frontend or backend (any thread). rt_errors_show() appends
 * `show errors [px] [request|response]`'s answer; rt_errors_free() at exit. */
struct rt_errors;
void rt_errors_capture(struct rt_sess *s, bool rsp, const char *buf, size_t len);
void rt_errors_show(struct rt *rt, struct rt_sbuf *o, const char *px, const char *dir);
void rt_errors_free(struct rt *rt);
/* ---- end stats ------------------------------------------------------------------- */

#endif
