/* chk_priv.h - what the files of checks/ share and nothing outside includes.
 *
 * The scheduler (chk_engine.c) owns every chk_item: its timers, its rise/fall health and
 * its notify call. A probe kind (chk_tcp.c, chk_http.c, chk_script.c) fills one ops table;
 * start() begins one probe on the engine's loop and the probe ends, exactly once, with
 * chk_done(). cancel() stops a probe in progress without reporting (removal, shutdown).
 * Connection-based probes share struct chk_conn and its helpers (chk_tcp.c).
 */
#ifndef VIPR_CHK_PRIV_H
#define VIPR_CHK_PRIV_H

#include <sys/types.h>

#include "checks/checks.h"

#define CHK_BUFSIZE 16384 /* HAProxy's tune.bufsize: what a check reply may fill */

struct chk_item;

struct chk_ops {
	const char *name;
	void (*start)(struct chk_item *it);
	void (*cancel)(struct chk_item *it);
};

extern const struct chk_ops chk_tcp_ops, chk_http_ops, chk_tcpcheck_ops, chk_script_ops;
/* chk_proto.c: HAProxy's protocol probes and agent-check */
extern const struct chk_ops chk_ssl_hello_ops, chk_mysql_ops, chk_redis_ops, chk_smtp_ops,
    chk_pgsql_ops, chk_ldap_ops, chk_agent_ops;

/* How a probe's result moves the health (chk_done_ex). */
enum chk_res {
	CHK_RES_FAIL,    /* one failure: health decrements */
	CHK_RES_PASS,    /* one success: health increments */
	CHK_RES_NEUTRAL, /* health unchanged (agent: no health word, agent unreachable) */
	CHK_RES_UP,      /* health to fully up at once (agent "up") */
	CHK_RES_DOWN,    /* health to 0 at once (agent "down") */
};

/* One non-blocking TCP exchange: connect, send req, read into a bounded buffer. */
struct chk_conn {
	ev_io io;
	int fd;
	bool connected;
	char *req; /* owned; NULL: connect only */
	size_t reqlen, sent;
	char *buf; /* owned, CHK_BUFSIZE + 1 */
	size_t len;
	bool eof;
	struct ssl_st *ssl; /* TLS over fd (chk_tls.c), NULL: plain */
	bool handshaking;   /* TCP is up, the TLS handshake is not done */
	/* called on the loop after connect (when req is NULL), after new data or EOF */
	void (*on_event)(struct chk_item *it);
};

struct chk_item {
	struct chk_engine *e;
	const struct chk_ops *ops;
	const struct m_server *srv;
	const struct m_check *check;
	const struct m_probe *probe;
	const struct m_vrrp_script *vs;
	chk_notify_fn notify;
	void *owner;
	struct chk_state st;
	/* schedule, in milliseconds, resolved at chk_add() */
	m_ms inter, fastinter, downinter, timeout, conn_timeout;
	int rise, fall;
	struct sockaddr_storage ss;
	socklen_t sslen;
	ev_timer timer; /* idle: when the next probe starts; running: the probe's timeout */
	ev_tstamp t0;   /* start of the probe in progress */
	bool running;
	bool io_timeout; /* keepalived: the timeout bounds each connect/read, not the probe */
	/* probe-private state */
	struct chk_conn conn;
	const struct m_check_step *url; /* keepalived HTTP_GET: the url being checked */
	void *md;                       /* EVP_MD_CTX of a keepalived digest */
	size_t body_seen;
	pid_t pid; /* script */
	int pidfd; /* -1: poll with waitpid */
	ev_io pidio;
	ev_timer poll;
	bool killed;
	int phase;               /* protocol probes: the step in progress */
	enum chk_status tout;    /* status of a timeout once connected; 0: L7TOUT */
	char info[96];           /* protocol probes: text kept between steps (mysql version) */
	struct chk_tls_ctx *tls; /* every connection of the item runs TLS; owned by the engine */
	char *tls_sni;           /* owned */
	struct chk_item *prev, *nxt;
};

/* chk_done(): ends the probe in progress with a result; the engine applies rise/fall,
 * notifies and schedules the next probe. desc may be NULL. Never call twice per start. */
void chk_done(struct chk_item *it, bool ok, enum chk_status status, int code, const char *desc);
void chk_done_ex(struct chk_item *it, enum chk_res res, enum chk_status status, int code,
                 const char *desc);
/* The probe moved from its connect phase to its exchange: the engine switches the probe
 * timeout to `timeout check` when one is set. */
void chk_connected(struct chk_item *it);
/* chk_tls.c: TLS on a chk_conn. chk_tls_begin() attaches an SSL to the connected fd;
 * chk_tls_handshake() steps the handshake: 0 done, EV_READ/EV_WRITE to wait for, -1 failed
 * (*why: HAProxy's info text). recv/send behave like recv(2)/send(2) (EAGAIN to wait). */
struct chk_tls_ctx;
struct chk_tls_ctx **chk_engine_tls(struct chk_engine *e);
void chk_tls_free_all(struct chk_tls_ctx *list);
int chk_tls_begin(struct chk_item *it);
int chk_tls_handshake(struct chk_item *it, const char **why);
ssize_t chk_tls_recv(struct chk_conn *c, void *buf, size_t len);
ssize_t chk_tls_send(struct chk_conn *c, const void *buf, size_t len);
bool chk_tls_pending(const struct chk_conn *c);
void chk_tls_close(struct chk_conn *c);
/* Bytes arrived for the probe: with io_timeout its timeout starts again. */
void chk_activity(struct chk_item *it);
/* The loop of the item's engine. */
struct ev_loop *chk_loop(const struct chk_item *it);

/* chk_tcp.c: connection helpers for every connection-based probe. chk_conn_open() starts a
 * non-blocking connect to it->ss (port already set); req (owned by the conn afterwards) is
 * sent once connected. On failure it calls chk_done itself and returns -1. */
int chk_conn_open(struct chk_item *it, char *req, size_t reqlen,
                  void (*on_event)(struct chk_item *it));
void chk_conn_close(struct chk_conn *c, struct ev_loop *loop);
/* chk_conn_consume(): drops the first n buffered bytes and reads on (streamed replies). */
void chk_conn_consume(struct chk_item *it, size_t n);
/* chk_conn_send(): queues more bytes to send on a connected conn (tcp-check); copies data.
 * Returns false when the probe ended. */
bool chk_conn_send(struct chk_item *it, const char *data, size_t len);
/* An errno as HAProxy's check desc ("Connection refused"). */
const char *chk_errno_desc(int err);

#endif
