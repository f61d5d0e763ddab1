/* rt.h - private types shared by the files of runtime/ (outside it, only its unit tests).
 *
 * Runtime state lives beside the model, never inside it: an rt_pool points at its m_pool,
 * an rt_server at its m_server. Sessions own their sockets, buffers and their one timer;
 * libev watchers are embedded in their owners and recovered with container_of. Everything a
 * worker thread touches is either its own (loop, listeners, sessions) or shared and guarded
 * (pool balancing state under the pool's mutex, connection counters atomic).
 */
#ifndef VIPR_RT_H
#define VIPR_RT_H

#include <ev.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>

#include "model/model.h"
#include "runtime/h1_parse.h"
#include "runtime/runtime.h"

#define RT_BUFSIZE    16384 /* tune.bufsize */
#define RT_MAXREWRITE 1024  /* tune.maxrewrite: room a rewritten head may grow by */
#define RT_MAX_HDRS   101   /* tune.http.maxhdr */

struct rt;
struct rt_worker;
struct chk_item;
struct rt_chk;
struct rt_rules;
struct rt_rules_all;
struct rt_ring_pt;
struct rt_cli_task;
struct rt_stats_adm;

/* ---- stats: counters (stats.c) -------------------------------------------------- */
/* Events per second: the count of the current second and of the previous one. */
struct rt_rate {
	atomic_llong sec;
	atomic_int cnt, prev, max;
};

/* The counters behind HAProxy's CSV columns, shared by frontends (rt_service), backends
 * (rt_pool) and servers (rt_server). All atomic: any worker thread may bump them. */
struct rt_counters {
	atomic_llong stot, bin, bout, dreq, dresp, ereq, econ, eresp, wretr, wredis;
	atomic_llong req_tot, intercepted, hrsp[6]; /* 1xx..5xx, other */
	atomic_int smax;
	atomic_llong last_sess; /* time() of the last session, 0: never */
	struct rt_rate sess_rate, req_rate;
};

/* rt_server.admin, with HAProxy's values (show servers state's srv_admin_state) */
#define RT_ADM_MAINT  0x01 /* forced maintenance (disable server, state maint) */
#define RT_ADM_CMAINT 0x04 /* `disabled` in the configuration, until enabled */
#define RT_ADM_DRAIN  0x08 /* forced drain (state drain) */
/* ---- end stats: counters -------------------------------------------------------- */

/* ---------------------------------------------------------------- pools and servers */

struct rt_server {
	const struct m_server *conf;
	struct rt_pool *pool;
	struct sockaddr_storage ss; /* resolved at startup */
	socklen_t sslen;
	int weight;          /* effective weight; 0 never takes traffic */
	bool backup, usable; /* usable: not disabled (no checks yet: always up) */
	atomic_int cur;      /* connections in progress, for leastconn and first */
	atomic_long total;   /* connections ever assigned */
	int cw;              /* smooth weighted round-robin state, under pool lock */
	struct rt_sess *qhead, *qtail; /* requests waiting for this server (maxconn), pool lock */
	atomic_int nq;
	/* stats (stats.c, cli_api.c) */
	struct rt_counters cnt;
	atomic_int admin;   /* RT_ADM_* flags set from the stats socket; nonzero: no new traffic */
	int iweight;        /* weight at startup, for `get weight` */
	atomic_llong lastchg; /* time() of the last state change */
	struct chk_item *chk; /* rt_checks.c: the server's check, whose chk_get_state() the
	                       * stats show (check_status, LastChk...); NULL: not checked yet */
	atomic_int maxconn_cli; /* cli_admin.c: `set maxconn server` + 1; 0: the configuration's */
	int puid;              /* HAProxy's server id (show stat sid, show servers state) */
	bool live;             /* the slot holds a server (false: deleted, or never used) */
	bool dyn;              /* added by `add server` (its conf is in rt.dyn_arena) */
	struct rt_chk *dchk[2]; /* rt_checks.c: a dynamic server's check and agent, NULL: none */
	bool chk_paused;       /* rt_checks_dyn.c: `disable health`, or a new dynamic server's */
	bool agent_paused;     /* the same for the agent (`disable agent`) */
	atomic_int nolb;       /* HAProxy's STOPPING (NOLB): up, but no new load-balanced traffic
	                        * (`set server health stopping`, the stats page's hnolb), until
	                        * the next passed check or forced health */
};

struct rt_pool {
	const struct m_pool *conf;
	struct rt_server *srv; /* slots, cap of them: servers never move (sessions, checks and
	                        * stats hold pointers); a dynamic server takes a free slot */
	int nsrv;              /* live servers; the i-th is rt_psrv(p, i) */
	int cap;
	int *ord;     /* slot of the i-th live server (config order, then dynamic servers as
	               * added, as HAProxy lists them); NULL: slot i (pools built by tests) */
	unsigned gen; /* bumped by add/del server: part of the map and ring signatures */
	pthread_mutex_t lock; /* balancing state of every server of the pool */
	unsigned rr;          /* rotation for ties (leastconn, static-rr start) */
	atomic_int cur;       /* beconn */
	struct rt_counters cnt; /* stats (stats.c) */
	const struct rt_rules *rules; /* rules.c: a backend's http rules, NULL: none */
	/* balance.c, under lock: the hash map (map-based) over the current candidates and the
	 * consistent-hash ring over every server, rebuilt when their signature changes */
	uint16_t *map;
	unsigned nmap;
	uint64_t map_sig;
	struct rt_ring_pt *ring;
	unsigned nring;
	uint64_t ring_sig;
	struct rt_sess *qhead, *qtail; /* requests waiting for any server (all at maxconn) */
	atomic_int nq;
	unsigned long qseq; /* queueing order across the pool's and its servers' queues */
	struct rt_lvs *lvs; /* lvs: keepalived virtual_server state (lvs.c), under lock; NULL */
	int fullconn; /* balance.c: fullconn, or HAProxy's default for it (minconn servers) */
};

/* The i-th live server of p (0 <= i < p->nsrv), in HAProxy's order. */
static inline struct rt_server *rt_psrv(const struct rt_pool *p, int i)
{
	return &p->srv[p->ord ? p->ord[i] : i];
}
/* Room for dynamic servers (`add server`) in each backend, allocated at startup: slots are
 * never reallocated (see cli_dynsrv.c). */
#define RT_DYN_SPARE 64

/* balance.c: rt_balance_pick() returns a server for a new connection (its counters already
 * incremented) or NULL when no server is usable; `avoid` is skipped when another server is
 * available (redispatch). rt_balance_release() gives the connection back. */
struct rt_server *rt_balance_pick(struct rt_pool *p, const struct sockaddr_storage *cli,
                                  const struct rt_server *avoid, uint32_t *seed);
/* What the hashing algorithms may hash: the client address, the request head (mode http,
 * NULL otherwise) and the bytes the client sent so far (rdp-cookie in mode tcp). A key that
 * is absent makes the pick fall back to roundrobin, as in HAProxy. */
struct rt_lb_req {
	const struct sockaddr_storage *cli;
	const struct h1_msg *msg;
	const char *raw;
	size_t rawlen;
};
struct rt_server *rt_balance_pick_req(struct rt_pool *p, const struct rt_lb_req *rq,
                                      const struct rt_server *avoid, uint32_t *seed);
void rt_pool_free(struct rt_pool *p); /* the map and ring; not the servers */

/* maxconn queueing. rt_balance_assign() is rt_balance_pick_req() for a session that may
 * wait: servers at their maxconn are skipped, and when the chosen server (a hash) or every
 * server is full the session is queued (RT_QUEUED) on that server or on the pool. A slot
 * freed by rt_balance_release() goes to the oldest waiting session, FIFO across the queues:
 * it is counted on the server, s->qgrant is set, and the session is handed to its worker
 * (rt_sess_dequeued() on that worker's loop). rt_balance_unqueue() takes a session out of
 * its queue: true when it was still waiting, false when a slot was already granted. */
enum rt_assign { RT_ASSIGNED, RT_NOSRV, RT_QUEUED };
enum rt_assign rt_balance_assign(struct rt_pool *p, const struct rt_lb_req *rq,
                                 struct rt_sess *s, uint32_t *seed, struct rt_server **out);
bool rt_balance_unqueue(struct rt_sess *s);
void rt_balance_release(struct rt_server *s);
void rt_pool_init(struct rt_pool *p, const struct m_pool *conf);
/* balance.c: what needs every service and pool: each pool's fullconn (HAProxy's default:
 * 10% of the maxconn of the frontends that may use it). Called once the rules are built. */
void rt_balance_setup(struct rt *rt);

/* ---------------------------------------------------------------- services and listeners */

struct rt_net { /* one `except NET` of option forwardfor */
	int family;
	uint8_t addr[16], mask[16];
};

struct rt_service {
	const struct m_service *conf;
	const struct m_proxy_conf *fe, *be; /* front (client side) and back (server side) */
	struct rt_pool *pool;               /* default pool, may be NULL */
	enum m_mode mode;
	bool ff, ff_if_none, ff_has_except; /* option forwardfor */
	const char *ff_header;
	struct rt_net ff_except;
	bool log;       /* option httplog / tcplog / log-format with somewhere to log */
	struct m_lf logfmt; /* logfmt.c: the frontend's log-format, n == 0: none */
	atomic_int cur; /* feconn */
	struct rt_counters cnt; /* stats (stats.c) */
	const struct rt_rules *rules; /* rules.c: http rules and routes, NULL: none */
	atomic_int maxconn_cli; /* cli_admin.c: `set maxconn frontend` + 1; 0: the configuration's */
	atomic_int adm;         /* cli_admin.c: RT_FE_* (disable/shutdown frontend) */
};

struct rt_listener {
	ev_io io; /* first: the accept watcher */
	int fd;
	struct rt_service *svc;
	struct rt_worker *w;
	bool paused; /* maxconn reached: not accepting until a session of the service ends */
	/* A listener bound to one address gives it to every connection it accepts: no
	 * getsockname() per connection then (wildcard binds still need one). */
	bool local_fixed;
	struct sockaddr_storage local;
	char key[96]; /* master.c: address and thread, to hand the socket to the next worker */
	struct rt_listener *next;
};

/* ---------------------------------------------------------------- sessions */

struct rt_buf {
	char *d;
	size_t r, w, cap; /* data in d[r..w) */
};

/* One direction of a session: bytes read from its source end, of which the first `fwd` are
 * approved for forwarding as they are, plus generated bytes (rewritten heads, error pages)
 * that go out before them. */
struct rt_chan {
	struct rt_buf in, out;
	size_t fwd;
	bool tunnel;    /* approve everything (mode tcp, after 101 Switching Protocols) */
	bool src_eof;   /* the source end sent its FIN */
	bool dst_shut;  /* we sent FIN to the destination end */
	uint64_t bytes; /* forwarded to the destination */
	/* splice.c: mode tcp moves bytes through a pipe, in the kernel, while in and out are
	 * empty; piped bytes are read from the source and not yet written */
	struct rt_pipe *pipe;
	size_t piped;
	bool nosplice; /* a splice failed (EINVAL...): the buffers carry this channel */
};

struct rt_end {
	ev_io io;
	int fd;
	int events; /* what io is started with */
	bool connecting;
	bool rd; /* may have bytes to read: set by a read event, cleared by a short read (sess.c) */
	struct rt_sess *s;
};

enum rt_req_state { RQ_HEAD, RQ_BODY, RQ_DONE, RQ_CLOSING };
enum rt_rsp_state { RS_IDLE, RS_HEAD, RS_BODY, RS_DONE };
enum rt_chunk_state { CK_SIZE, CK_DATA, CK_CRLF, CK_TRAILERS, CK_END };
enum rt_tmo {
	TMO_NONE,
	TMO_HTTP_REQ,
	TMO_KEEPALIVE,
	TMO_CONNECT,
	TMO_TURNAROUND,
	TMO_SERVER,
	TMO_DATA,
	TMO_LINGER,
	TMO_QUEUE,
	TMO_TUNNEL, /* both channels are tunnels: timeout tunnel, then client-fin/server-fin */
	TMO_TARPIT, /* rules_exec.c: http-request tarpit holds the request */
	TMO_INSPECT /* rules_tcp.c: tcp-request inspect-delay */
};

/* Body framing progress of one HTTP message. */
struct rt_body {
	enum h1_body kind;
	uint64_t left; /* CL bytes, or bytes of the current chunk */
	enum rt_chunk_state ck;
};

struct rt_sess {
	struct rt_worker *w;
	struct rt_service *svc;
	struct rt_end cli, srv;
	struct rt_chan req, rsp; /* req: client -> server, rsp: server -> client */
	ev_timer timer;          /* the one inactivity timer, repeat per phase */
	ev_tstamp deadline;      /* sess.c: when the current phase times out, 0: never */
	ev_tstamp timer_at, tmo_len; /* what timer is set for; the phase's timeout */
	enum rt_tmo tmo;
	struct rt_server *server;
	bool srv_counted;                /* server's connection counters include this session */
	const struct rt_server *log_srv; /* the last server tried, for the log line */
	int retries_left;
	struct sockaddr_storage cli_addr, dst_addr;
	bool closing; /* close the client once the current output is flushed */
	bool dead;
	/* HTTP */
	enum rt_req_state rq;
	enum rt_rsp_state rs;
	struct rt_body rqb, rsb;
	bool req_head, cli_ka, srv_reusable, req_started, first_req;
	bool cli_close; /* the client announced the end of its connection (Connection: close) */
	bool upgrade; /* the request asks for a protocol upgrade (Connection: upgrade + Upgrade) */
	bool logged;  /* the current request's log line went out */
	int status;
	char reqline[256];
	size_t req_last, rsp_last; /* resumption lengths for the head parsers */
	struct h1_header hdrs[RT_MAX_HDRS];
	/* logging: times in ms since accept, -1 when not reached */
	struct timeval t_accept, t_req;
	long t_hdr, t_queue, t_conn, t_rsp;
	char term[3];
	int nretries;
	bool redispatched; /* logged as "+N" retries */
	struct rt_pool *pool; /* rules.c: use_backend's choice for this request, NULL: default */
	bool nolog; /* rules_tcp.c: rejected by tcp-request connection: no log line */
	bool fe_only; /* rules: answered before a backend was chosen (logs name the frontend) */
	struct rt_trk { /* rules_stk.c: track-sc0/1/2 of this session (e NULL: none) */
		struct rt_stick *t;
		struct rt_ste *e;
		bool sess; /* tracked by tcp-request connection: kept for every request */
	} trk[3];
	struct rt_var *vars; /* vars.c: sess, txn, req and res variables */
	char *cap;           /* capture.c: captured values of the current request, or NULL */
	int tarpit_status;   /* rules_exec.c: the answer due when timeout tarpit strikes */
	char *tarpit_reply;
	size_t tarpit_len;
	int log_level;       /* set-log-level: severity + 1 (0: unchanged, 9: silent) */
	bool qfull;          /* balance.c: refused because the server's queue is at maxqueue */
	bool tcp_wait;       /* rules_tcp.c: content rules wait for client data (mode tcp) */
	int tcp_next;        /* rules_tcp.c: the content rule to resume at */
	struct rt_sess *prev, *next;
	/* maxconn queue (balance.c): links and state under the pool's lock; rnext under the
	 * worker's qlock once a slot is granted */
	enum { RT_Q_NONE, RT_Q_WAITING, RT_Q_GRANTED } qstate;
	struct rt_sess *qnext, *qprev, *rnext;
	struct rt_pool *qpool;
	struct rt_server *qsrv;   /* the server queue it waits in, NULL: the pool's */
	struct rt_server *qgrant; /* the server whose slot it was granted */
	unsigned long qseq;
	/* stats applet (stats.c): the page replaces rsp.out until it is sent */
	struct rt_buf stats_saved;
	char *stats_page;
};

/* ---------------------------------------------------------------- workers */

struct rt_worker {
	struct rt *rt;
	int id;
	struct ev_loop *loop;
	pthread_t th;
	ev_async wake; /* another thread asks for a stop or a soft stop */
	struct rt_listener *listeners;
	struct rt_sess *sessions;
	unsigned nsess;
	atomic_uint npaused;  /* listeners paused on maxconn (read by other workers) */
	struct rt_idle *idle; /* parked server connections (idle.c) */
	unsigned nidle;
	uint32_t seed;
	bool soft;
	/* sessions granted a server slot by another thread (or this one), run by qwake */
	pthread_mutex_t qlock;
	struct rt_sess *ready;
	ev_async qwake;
	struct rt_pipe *pipes; /* splice.c: spare pipes */
	unsigned npipes;
	_Atomic(struct rt_cli_task *) cli_task; /* cli_admin.c: work for this worker's thread */
};

struct rt_checks;

struct rt {
	struct rt_checks *checks; /* health checks (rt_checks.c), NULL when there are none */
	struct m_config *cfg;
	const struct rt_opts *o;
	struct rt_service *svc;
	int nsvc;
	struct rt_pool *pools;
	int npools;
	struct rt_worker *w;
	int nw;
	atomic_int stop; /* 0 running, 1 soft stop, 2 hard stop */
	atomic_int actconn;
	atomic_int npaused; /* sess.c: listeners paused on maxconn, on every worker */
	ev_timer hard; /* hard-stop-after, on worker 0 */
	/* stats (stats.c, cli_api.c) */
	long long started;        /* time() at startup */
	struct rt_cli_sock *cli;  /* stats sockets, served by worker 0 */
	struct rt_rules_all *rules; /* rules.c: everything compiled at startup */
	int stop_sig; /* the signal that stopped the process (a worker's exit code, master.c) */
	ev_io mw_io;  /* master.c: a worker's socketpair with its master */
	atomic_int maxconn_cli;     /* cli_admin.c: `set maxconn global` + 1; 0: configured */
	struct rt_stats_adm *stats_adm; /* stats_admin.c: compiled `stats admin` conditions */
	int nstats_adm;
	struct rt_acl_ctx *stats_cx;
	/* cli_dynsrv.c: the confs of dynamic servers, kept until exit even once deleted (a
	 * session's log line or a stats reader may still name them): ~1 kB per `add server` */
	struct arena *dyn_arena;
	struct rt_errors *errors; /* stats_errors.c: error snapshots, NULL until the first */
};

/* Points io at an fd that the loop already watches through another watcher (a server
 * connection moving between a session and the idle list): without libev's "new fd" flag,
 * starting it costs no EPOLL_CTL_ADD that the kernel refuses with EEXIST. */
static inline void rt_io_same_fd(ev_io *io)
{
	io->events &= ~EV__IOFDSET;
}

/* idle.c: rt_idle_park() takes ownership of a reusable server connection's fd (false: the
 * caller must close it); rt_idle_take() returns a parked fd to srv, or -1. */
struct rt_idle;
bool rt_idle_park(struct rt_worker *w, const struct rt_server *srv, int fd);
int rt_idle_take(struct rt_worker *w, const struct rt_server *srv);
void rt_idle_flush(struct rt_worker *w);

/* splice.c: mode tcp forwarding with splice(2) between two TCP sockets, through a pipe
 * per channel taken from the worker's spares. rt_splice_on(): whether channel c moves its
 * bytes by splicing now (mode tcp, TCP at both ends, buffers empty, splicing works).
 * rt_splice_in() / rt_splice_out() return false on a fatal error, like the buffer paths;
 * rt_splice_in() reads only into an empty pipe. rt_splice_release() gives the pipes back at
 * the end of a session; rt_splice_flush() closes the spares. */
struct rt_pipe;
bool rt_splice_on(struct rt_sess *s, struct rt_chan *c);
bool rt_splice_in(struct rt_sess *s, struct rt_end *e, struct rt_chan *c);
bool rt_splice_out(struct rt_sess *s, struct rt_end *e, struct rt_chan *c);
void rt_splice_release(struct rt_sess *s);
void rt_splice_flush(struct rt_worker *w);

/* rt_listen.c: opens worker w's listening sockets (-1 after an [ALERT]); closes them. */
int rt_bind_worker(struct rt *rt, struct rt_worker *w);
void rt_close_listeners(struct rt_worker *w);
/* Listeners paused on maxconn (rt_listener_paused(): the workers' counts follow). Whether l's
 * frontend or the process is at its maxconn; resuming worker w's own paused listeners that
 * have room again; waking the other workers that have paused ones, when a session ended
 * (each resumes its own from its qwake callback). */
bool rt_listener_over_limit(const struct rt_listener *l);
void rt_listener_paused(struct rt_listener *l, bool paused);
void rt_listeners_resume(struct rt_worker *w);
void rt_listeners_wake(struct rt_worker *self);

/* sess.c */
void rt_accept_cb(struct ev_loop *loop, ev_io *io, int revents);
void rt_sess_close_idle(struct rt_worker *w);
void rt_sess_queue_cb(struct ev_loop *loop, ev_async *a, int revents);
void rt_sess_grant(struct rt_sess *s); /* balance.c, pool lock held: hand to its worker */
void rt_sess_kill_all(struct rt_worker *w);

void rt_sess_shutdown(struct rt_sess *s); /* on its worker: end it now (cli) */

/* sess.c, used by http.c: buffers and session plumbing */
size_t rt_buf_len(const struct rt_buf *b);
bool rt_buf_put(struct rt_buf *b, const char *p, size_t n);
void rt_buf_compact(struct rt_buf *b);
bool rt_sess_connect(struct rt_sess *s);
void rt_sess_set_tmo(struct rt_sess *s, enum rt_tmo t);
void rt_sess_shut_srv(struct rt_sess *s);
void rt_sess_release_srv(struct rt_sess *s, bool between);
bool rt_sess_attach_srv(struct rt_sess *s, int fd);
long rt_ms_since(const struct timeval *t);
bool rt_chan_flushed(const struct rt_chan *c);
void rt_sess_close_cli(struct rt_sess *s);
void rt_sess_tunnel(struct rt_sess *s); /* both channels become tunnels (after a 101) */
void rt_sess_touch(struct rt_sess *s);  /* activity: pushes the inactivity timeout back */
bool rt_sess_tmo_due(struct rt_sess *s); /* sess_tmo.c, see there */

/* http.c */
void rt_http_analyze(struct rt_sess *s);
bool rt_http_on_timeout(struct rt_sess *s);
void rt_http_connect_failed(struct rt_sess *s);
void rt_http_error(struct rt_sess *s, int status);
void rt_http_no_server(struct rt_sess *s);

/* rt_checks.c: health checks of every server with `check` (and keepalived real servers),
 * on worker 0's loop. */
int rt_checks_start(struct rt *rt);
void rt_checks_stop(struct rt *rt);
/* observe layer4|layer7 (rt_checks.c): what real traffic to rs did: -1 a failed connect,
 * 0 a connect, >= 100 an HTTP status. Any thread. */
void rt_checks_observe(struct rt_server *rs, int what);
/* Runtime API, on worker 0's thread. rt_checks_add_dyn(): schedules the check and agent of
 * a dynamic server (paused, as HAProxy's: `enable health|agent` starts them; -1 on error).
 * rt_checks_del(): `del server` ends the server's checks (a dynamic server's are freed after
 * a grace period, a configured one's paused for good). rt_checks_enable():
 * `enable|disable health|agent` (agent true: the agent); false when the server has none.
 * rt_checks_addr(): the server's address changed: checks without their own addr/port
 * follow. */
int rt_checks_add_dyn(struct rt *rt, struct rt_server *rs);
void rt_checks_del(struct rt *rt, struct rt_server *rs);
bool rt_checks_enable(struct rt *rt, struct rt_server *rs, bool agent, bool on);
void rt_checks_addr(struct rt *rt, struct rt_server *rs);
/* The same from any thread (the stats page's actions): done on the checks' loop soon after;
 * false when the server has no such check (configured). */
bool rt_checks_enable_async(struct rt *rt, struct rt_server *rs, bool agent, bool on);

/* log.c */
void rt_log_http(struct rt_sess *s);
void rt_log_tcp(struct rt_sess *s);
void rt_log_null(struct rt_sess *s); /* nothing was received: subject to dontlognull */
/* logfmt.c: rt_logfmt_build() compiles the service's `log-format` (checked by the parser);
 * rt_log_custom() writes a session's line in it; rt_logfmt_free() frees every service's. */
void rt_logfmt_build(struct rt_service *rs);
void rt_log_custom(struct rt_sess *s);
void rt_logfmt_free(struct rt *rt);

/* logsrv.c: sends one log line (without newline) at syslog severity sev to the `log`
 * targets of frontend fe and, with `log global`, of the global section. */
#define RT_LOG_INFO 6
void rt_logsrv_send(const struct rt *rt, const struct m_proxy_conf *fe, int sev, const char *msg,
                    size_t mlen);

/* Statistics, the stats page, the stats sockets (runtime API) and error snapshots: in their
 * own header for size, needing every type above. */
#include "runtime/rt_stats.h"

/* ================================================================ ACLs and http rules
 * (acl.c, rules.c). Everything is compiled once by rt_rules_build() at startup; a request
 * only evaluates. */

/* The backend that serves the session's current request: use_backend's choice, else the
 * service's default. */
static inline struct rt_pool *rt_sess_pool(const struct rt_sess *s)
{
	return s->pool ? s->pool : s->svc->pool;
}
static inline const struct m_proxy_conf *rt_sess_be(const struct rt_sess *s)
{
	return s->pool ? s->pool->conf->conf : s->svc->be;
}

/* What a condition is evaluated against: a request head (possibly rewritten by earlier
 * rules), or a response head when `rsp` is set (hdr() then reads the response). */
struct rt_smp {
	const struct h1_msg *req, *rsp;
	const struct sockaddr_storage *src, *dst;
	struct rt_sess *sess; /* sc_* fetches: its tracked counters; NULL: none */
	const unsigned char *payload; /* mode tcp content rules: the client's bytes so far */
	size_t plen;
};

struct rt_cond;     /* a compiled if/unless condition */
struct rt_acl_ctx;  /* compile-time state: userlists, pools, the arena */

/* acl.c: rt_acl_ctx_new() prepares compilation for cfg/pools (pools[i].conf are the model
 * pools, used by nbsrv()). rt_cond_compile() compiles the condition of r against the named
 * ACLs `acls` (the declaring proxy's, which `px` names in messages); a rule without a
 * condition compiles to NULL, which always matches. Returns false after printing an
 * "[ALERT]" line naming what is not supported. rt_cond_eval() only reads (regex match data
 * aside).
 * rt_acl_ctx_free() releases every compiled object. */
struct rt_acl_ctx *rt_acl_ctx_new(const struct m_config *cfg, struct rt_pool *pools, int npools);
void rt_acl_ctx_free(struct rt_acl_ctx *cx);
bool rt_cond_compile(struct rt_acl_ctx *cx, const struct m_rule *r, const struct m_acl *acls,
                     const char *px, const struct rt_cond **out);
bool rt_cond_eval(const struct rt_cond *c, const struct rt_smp *x);
/* True when c reads the HTTP request or response (it cannot decide on a connection alone). */
bool rt_cond_needs_http(const struct rt_cond *c);
/* True when c reads the client's payload (req.len, req_ssl_hello_type...); rt_cond_unless()
 * says whether it is an `unless` condition. */
bool rt_cond_needs_payload(const struct rt_cond *c);
bool rt_cond_unless(const struct rt_cond *c);
/* True when more client bytes could change what c's payload fetches read (req.len always;
 * req_ssl_hello_type while a TLS record header is incomplete). */
bool rt_cond_may_change(const struct rt_cond *c, const struct rt_smp *x);
void *rt_acl_alloc(struct rt_acl_ctx *cx, size_t n); /* zeroed, freed with the context */
/* The stick tables that sc_* / src_* fetches may name (rules_stk.c sets them before any
 * condition is compiled; the fetches of a proxy default to the table named after it). */
struct rt_stick;
void rt_acl_ctx_tables(struct rt_acl_ctx *cx, struct rt_stick **t, int n);
void rt_acl_alert(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* acl.c, also used by rules.c: sample fetches on a head. rt_smp_path() and friends return
 * the part of the request target, with its length; false when absent. */
bool rt_smp_path(const struct h1_msg *m, const char **p, size_t *n);
bool rt_smp_query(const struct h1_msg *m, const char **p, size_t *n);
/* The whole value of header `name`: occurrence occ (1 the first, 0 the first too). */
bool rt_smp_hdr(const struct h1_msg *m, const char *name, int occ, const char **p, size_t *n);
bool rt_smp_url_param(const struct h1_msg *m, const char *name, const char **p, size_t *n);
/* The SNI of the TLS ClientHello that starts p[0..n) (mode tcp content inspection). */
bool rt_smp_ssl_sni(const unsigned char *p, size_t n, const char **out, size_t *len);

/* rules.c: rt_rules_build() compiles the rules, ACLs and routes of every service and pool
 * (-1 after an "[ALERT]" line: rt_run refuses to start); rt_rules_free() undoes it.
 * rt_rules_request() runs on a parsed request head before it is forwarded: frontend rules,
 * use_backend, backend rules. It may rewrite *m (new strings go to scratch, which must live
 * until the head is emitted) and returns true when it answered the request itself (the
 * head is then consumed and the answer queued). rt_rules_response() applies http-response
 * rules to a final response head. */
struct rt_scratch {
	char d[8192];
	size_t used;
};
int rt_rules_build(struct rt *rt);
void rt_rules_free(struct rt *rt);
bool rt_rules_request(struct rt_sess *s, struct h1_msg *m, struct rt_scratch *sc);
void rt_rules_response(struct rt_sess *s, struct h1_msg *m, struct rt_scratch *sc);
/* rules_exec.c: http-request tarpit. rt_rules_tarpit_tmo() is the delay (timeout tarpit,
 * else timeout connect, of the proxy whose rule tarpitted); rt_rules_tarpit_end() sends the
 * answer when it is over. */
m_ms rt_rules_tarpit_tmo(const struct rt_sess *s);
void rt_rules_tarpit_end(struct rt_sess *s);
/* rules_tcp.c: tcp-request rules of the session's frontend. rt_tcpreq_connection() runs the
 * connection rules on a just-accepted session: false when it must be closed at once (reset,
 * not logged: s->nolog is set). rt_tcpreq_content() runs the content rules of a mode tcp
 * session before it connects: false when rejected (the caller closes it, logged "PR"). In
 * mode http, content rules run per request inside rt_rules_request(). */
bool rt_tcpreq_connection(struct rt_sess *s);
bool rt_tcpreq_content(struct rt_sess *s);
/* When a content rule reads the client's first bytes (req.len, req_ssl_hello_type) and
 * cannot decide yet, rt_tcpreq_content() sets s->tcp_wait and arms TMO_INSPECT instead of
 * letting the session connect; sess.c then calls rt_tcpreq_wait() after each read (final:
 * the delay is over or the client closed): it connects the session once the rules accept,
 * marks it dead when they reject, or leaves it waiting. */
void rt_tcpreq_wait(struct rt_sess *s, bool final);

/* stick.c: stick tables. rt_stick_key() makes a key of the table's type from an address
 * (ss) or a string sample (s, n); false when it cannot (an IPv6 address in an ip table...).
 * rt_stick_track() returns the key's entry (created; NULL when the table is full of
 * tracked entries) with conn_cur/conn_cnt/conn_rate counted, which rt_stick_untrack() gives
 * back. rt_stick_get() reads data M_SD_* of a tracked entry (after incrementing gpc0 when
 * asked); rt_stick_lookup() does so for a key (false: no entry). All calls lock the table. */
struct rt_stick;
struct rt_ste;
struct rt_stick_key {
	size_t len;
	uint8_t b[1024];
};
struct rt_stick_smp {
	const struct sockaddr_storage *ss;
	const char *s;
	size_t n;
};
enum rt_stick_ev { RT_STK_HTTP_REQ, RT_STK_HTTP_ERR, RT_STK_INC_GPC0 };
struct rt_stick *rt_stick_new(const struct m_stick_table *conf, const char *name);
void rt_stick_free(struct rt_stick *t);
const char *rt_stick_name(const struct rt_stick *t);
bool rt_stick_key(const struct rt_stick *t, const struct rt_stick_smp *v, struct rt_stick_key *k);
struct rt_ste *rt_stick_track(struct rt_stick *t, const struct rt_stick_key *k);
void rt_stick_untrack(struct rt_stick *t, struct rt_ste *e);
void rt_stick_event(struct rt_stick *t, struct rt_ste *e, enum rt_stick_ev ev);
long long rt_stick_get(struct rt_stick *t, struct rt_ste *e, int data, bool inc_gpc0);
bool rt_stick_lookup(struct rt_stick *t, const struct rt_stick_key *k, int data, bool inc_gpc0,
                     long long *out);
bool rt_stick_stores(const struct rt_stick *t, int data); /* the table keeps data M_SD_* */

/* For the runtime API (cli_api.c): `show table` and `clear table`. rt_stick_find() returns
 * the table of proxy `name` (NULL: none); rt_stick_show() appends HAProxy's header line
 * "# table: NAME, type: T, size:N, used:N" and one line per entry ("0x..: key=K use=N
 * exp=MS gpc0=N conn_rate(P)=N ..." in HAProxy's data order); rt_stick_show_all() appends
 * only the header lines of every table, last declared first, as `show table` without a name
 * does (HAProxy then ends the answer with an empty line, as every answer); rt_stick_clear()
 * removes every entry no session tracks and returns how many. Thread-safe. */
struct rt_stick *rt_stick_find(struct rt *rt, const char *name);
void rt_stick_show(struct rt_stick *t, struct rt_sbuf *out);
void rt_stick_head(struct rt_stick *t, struct rt_sbuf *out); /* the header line only */
void rt_stick_show_all(struct rt *rt, struct rt_sbuf *out);
long long rt_stick_clear(struct rt_stick *t);

/* rules_stk.c: a session's tracked counters. rt_trk_release() gives back those of the last
 * request (all: every one, when the session ends); rt_trk_http_status() counts an HTTP error
 * (4xx) response on each tracked counter. */
void rt_trk_release(struct rt_sess *s, bool all);
void rt_trk_http_status(struct rt_sess *s, int status);

/* vars.c: sample expressions (one fetch, converters) and variables. rt_sexpr_compile()
 * returns NULL after an "[ALERT]" (`http`: HTTP fetches allowed). rt_var_name() splits
 * "txn.name" into a scope (0 proc, 1 sess, 2 txn, 3 req, 4 res) and the name. A value is
 * an integer or a string (s, n: valid until the variable changes; proc copies into buf). */
struct rt_sexpr;
struct rt_var;
struct rt_sval {
	bool is_int;
	long long i;
	const char *s;
	size_t n;
	char buf[256];
};
#define RT_VS_PROC 0
#define RT_VS_SESS 1
#define RT_VS_TXN  2
#define RT_VS_REQ  3
#define RT_VS_RES  4
struct rt_sexpr *rt_sexpr_compile(struct rt_acl_ctx *cx, const char *text, bool http,
                                  const char *px, const char *what);
bool rt_sexpr_eval(const struct rt_sexpr *e, const struct rt_smp *x, struct rt_sval *v);
bool rt_var_name(const char *full, int *scope, const char **name);
void rt_var_set(struct rt_sess *s, int scope, const char *name, const struct rt_sexpr *e,
                const struct rt_smp *x);
void rt_var_unset(struct rt_sess *s, int scope, const char *name);
bool rt_var_get(struct rt_sess *s, int scope, const char *name, struct rt_sval *out);
void rt_vars_clear(struct rt_sess *s, unsigned scope_mask); /* 1 << RT_VS_* */
void rt_vars_proc_free(void);
/* capture.c, for the log line (log.c): the captures of one direction of the session's current
 * request as HAProxy's %hr / %hs print them, "{v1|v2} " (trailing space included), into buf;
 * returns the length, 0 when the frontend declares no capture in that direction. */
size_t rt_capture_log(const struct rt_sess *s, bool rsp, char *buf, size_t len);
/* rules_stk.c: everything rules attached to a session ends with it (counters, variables). */
void rt_rules_sess_end(struct rt_sess *s);

/* ================================================================ end of ACLs and rules */

/* ================================================================ lvs: virtual_servers
 * (lvs_sched.c, lvs.c). The host kernel has no IPVS: a keepalived virtual_server with
 * protocol TCP is served by the userspace L4 path of mode tcp, its real servers picked by
 * the IPVS schedulers reimplemented here from their published descriptions. */

/* One destination as an IPVS scheduler sees it, in IPVS list order (the kernel inserts each
 * new destination at the head of the list, so keepalived's config order comes out reversed). */
struct rt_lvs_dest {
	int weight;           /* 0: quiescent (or removed): no new connections */
	int active, inactive; /* ActiveConn, InActConn */
	bool overloaded;      /* skipped like IPVS's OVERLOAD flag */
	bool removed;         /* not in the IPVS list (failed, no inhibit_on_failure): takes
	                       * nothing and owns no sh/dh bucket; kept in the array so that
	                       * the rr/wrr position stays put */
};
/* A scheduler's state across picks (rr/wrr position and wrr's current weight). */
#define RT_LVS_LOCS 8
#define RT_LVS_LOC_SET 16
struct rt_lvs_sched {
	enum m_algo algo;
	int last;       /* index of the last choice, -1: the list head */
	int cw, mw, di; /* wrr: current weight, max weight (gcd-adjusted), gcd of weights */
	uint64_t sig;   /* the weights the wrr state was computed for (reset on change) */
	/* lblc/lblcr: the destination (set) of each locality (destination address), as IPVS
	 * keeps them; a few localities (a virtual server has one per address) */
	struct rt_lvs_loc {
		uint32_t dst;
		int nset;          /* lblc: 1; lblcr: the set, most recently added first */
		int16_t set[RT_LVS_LOC_SET];
	} loc[RT_LVS_LOCS];
	int nloc, nextloc;
};
void rt_lvs_sched_init(struct rt_lvs_sched *st, enum m_algo algo);
/* The index in d[0..n) of the destination for a new connection from src to dst (IPv4 in
 * host order, IPv6 folded), or -1 when IPVS would find none. */
int rt_lvs_schedule(struct rt_lvs_sched *st, const struct rt_lvs_dest *d, int n, uint32_t src,
                    uint32_t dst);

/* lvs.c. rt_lvs_start(): the once-per-virtual_server startup line (no kernel IPVS, DR/TUN
 * emulated by proxying) and the live `ipvsadm -Ln` table served to `vipr ipvs` on the
 * abstract unix socket @vipr-ipvs of the network namespace. rt_lvs_bind_ok(): whether the service gets a userspace listener
 * (TCP virtual servers with an address, and no kernel IPVS; lvs_udp.c serves UDP ones, the
 * kernel fwmark ones: ipvs_kernel.c). rt_lvs_listen_opts():
 * IP_FREEBIND + IP_TRANSPARENT on a virtual_server's listener, so that it binds before VRRP
 * assigns the VIP. rt_lvs_pick_locked(): balance.c, pool lock held: persistence, the
 * scheduler, the sorry_server; NULL when nothing can take the connection. */
void rt_lvs_start(struct rt *rt);
bool rt_lvs_bind_ok(const struct rt_service *rs);
void rt_lvs_listen_opts(int fd, const struct rt_service *rs, int family);
struct rt_server *rt_lvs_pick_locked(struct rt_pool *p, const struct sockaddr_storage *cli,
                                     const struct rt_server *avoid);
void rt_lvs_free(struct rt_pool *p);
/* rt_lvs_stop(): before teardown, ends what rt_lvs_start() started (the live-table thread).
 * rt_lvs_soft_stop(): on worker 0 when a soft stop begins (a keepalived checker replaced by a
 * reload): its checks stop quietly. rt_lvs_retiring(): whether this checker was replaced, so
 * says nothing of its real servers any more. rt_lvs_inherited_up(): the state a reload gave a
 * real server (false: none, the checks start as configured). */
void rt_lvs_stop(struct rt *rt);
void rt_lvs_soft_stop(struct rt *rt);
bool rt_lvs_retiring(void);
bool rt_lvs_inherited_up(const struct rt_server *rs, bool *up);
/* ================================================================ end of lvs */

#endif
