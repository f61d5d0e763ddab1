/* checks.h - the one public interface of checks/: one health-check engine for HAProxy
 * server checks, keepalived checkers (TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK...) and
 * vrrp_script.
 *
 * The engine runs on one libev loop. Each check is a plugin (checks/chk_<kind>.c) behind a
 * small ops table; the scheduler owns intervals, timeouts, spreading and rise/fall, and
 * reports every state change through the subscriber's notify callback. Checks never touch
 * pools, servers or VIPs themselves (relayd's hce_notify_done).
 */
#ifndef VIPR_CHECKS_H
#define VIPR_CHECKS_H

#include <ev.h>
#include <stdbool.h>

#include "model/model.h"

/* HAProxy's check status codes, as shown in stats (check_status column). */
enum chk_status {
	CHK_ST_UNKNOWN = 0, /* "" */
	CHK_ST_INI,         /* INI: initializing */
	CHK_ST_SOCKERR,     /* SOCKERR */
	CHK_ST_L4OK,
	CHK_ST_L4TOUT,
	CHK_ST_L4CON,
	CHK_ST_L6OK,
	CHK_ST_L6TOUT,
	CHK_ST_L6RSP,
	CHK_ST_L7OK,
	CHK_ST_L7OKC,
	CHK_ST_L7TOUT,
	CHK_ST_L7RSP,
	CHK_ST_L7STS,
	CHK_ST_PROCERR,
	CHK_ST_PROCTOUT,
	CHK_ST_PROCOK,
	CHK_ST_CHECKED, /* CHECKED: an agent reply without a health word ("No status change") */
	CHK_ST_HANA,    /* HANA: errors of real traffic (observe / on-error), "Health analyze" */
};

/* The health of one checked thing, kept by the scheduler. */
struct chk_state {
	bool up;    /* current verdict after rise/fall */
	int health; /* 0..rise+fall-1 as HAProxy counts it */
	enum chk_status status;
	int code;         /* L7 status code, script exit code, or -1 */
	long duration_ms; /* of the last probe */
	char desc[128];   /* "Connection refused", "HTTP status check returned code <503>" */
	int dyn_weight;   /* MISC_CHECK misc_dynamic / agent weight, -1 when none */
	unsigned long checks, fails, downs; /* counters for stats */
	/* agent-check: what the last reply asked for, reset before every probe */
	int agent_pct;       /* weight in percent ("75%"), -1 when none */
	char agent_admin[8]; /* "ready", "drain", "maint" or "" */
	int agent_maxconn;   /* "maxconn:N": the server's new maxconn, -1 when none */
};

struct chk_engine;
struct chk_item;

/* notify(): called on the engine's loop when item's verdict changes (up <-> down), and with
 * changed == false after every probe so that stats can show the last result. */
typedef void (*chk_notify_fn)(struct chk_item *it, const struct chk_state *st, bool changed,
                              void *owner);

struct chk_engine *chk_engine_new(struct ev_loop *loop);
void chk_engine_free(struct chk_engine *e); /* cancels and frees every item */

/* chk_add(): schedules a check of `srv` (address and port) with schedule `check` and probe
 * `probe` (NULL: plain TCP connect). The model objects must outlive the item. initial_up:
 * the verdict before the first result (HAProxy starts servers UP "going down"). */
struct chk_item *chk_add(struct chk_engine *e, const struct m_server *srv,
                         const struct m_check *check, const struct m_probe *probe, bool initial_up,
                         chk_notify_fn notify, void *owner);
/* chk_add_script(): a vrrp_script / MISC_CHECK: runs `cmd` (as `user` when set) every
 * interval, kills its process group after timeout. */
struct chk_item *chk_add_script(struct chk_engine *e, const struct m_vrrp_script *vs,
                                chk_notify_fn notify, void *owner);
void chk_remove(struct chk_item *it);
/* chk_set_addr(): the address (and port) the next probes of `it` connect to, for a server
 * whose address changed at runtime (HAProxy's `set server addr`). */
void chk_set_addr(struct chk_item *it, const struct sockaddr_storage *ss, socklen_t len);
/* chk_pause(): stops probing (a probe in progress is cancelled; the last state stays), or
 * starts again one interval later (HAProxy's `disable|enable health`). */
void chk_pause(struct chk_item *it, bool paused);
const struct chk_state *chk_get_state(const struct chk_item *it);
/* chk_agent_parse(): parses one agent-check reply line (up to the first CR or LF) the way
 * HAProxy 2.6 does: words separated by spaces, tabs or commas, "N%" a weight, "maxconn:N"
 * the server's maxconn (st->agent_maxconn), up/down/
 * stopped/fail a health, ready/drain/maint an admin state, "#" starts a description; the last
 * word of each kind wins. Fills st->agent_pct and st->agent_admin, *status (L7OK for up,
 * L7STS for down/stopped/fail, CHECKED without a health word), desc ("via agent : down
 * (disk full)", "agent reports an error : xyz"). Returns 1 for up, 0 for down, -1 when the
 * reply names no health, -2 when line[0..len) holds no complete line. */
int chk_agent_parse(const char *line, size_t len, struct chk_state *st, enum chk_status *status,
                    char *desc, size_t desc_len);

/* TLS under every connection of an item: HAProxy's check-ssl, keepalived's SSL_GET. */
struct chk_tls {
	const char *ca_file;    /* CAs to verify against (HAProxy ca-file, keepalived ca) */
	const char *cert, *key; /* client certificate; key NULL: in cert (HAProxy crt) */
	const char *password;   /* of the key (keepalived password) */
	const char *sni;        /* server name to send; checked against the certificate when
	                         * verifying (HAProxy check-sni, keepalived enable_sni) */
	bool verify;            /* HAProxy verify required */
};
/* chk_set_tls(): makes every probe of `it` run over TLS (a plain TCP check then reports
 * L6OK). Call right after chk_add(), before the loop runs again. The strings are copied.
 * Returns 0, or -1 with err filled ("unable to load CA file '/x' : ..."). */
int chk_set_tls(struct chk_item *it, const struct chk_tls *t, char *err, size_t errlen);

/* HAProxy's on-error actions once `error-limit` consecutive errors of real traffic were
 * observed (configuration.txt, "on-error"). */
enum chk_onerr {
	CHK_ONERR_FASTINTER,    /* only probe again at fastinter */
	CHK_ONERR_FAIL_CHECK,   /* count one failed check */
	CHK_ONERR_SUDDEN_DEATH, /* one failed check that leaves the server one failure from down */
	CHK_ONERR_MARK_DOWN,    /* down at once */
};
/* chk_observe_error(): applies an on-error action to `it` with status HANA and desc (the
 * "Detected N consecutive errors, last one was: ..." text), notifies like a probe result
 * (duration 0) and brings the next probe forward to fastinter. On the engine's loop only. */
void chk_observe_error(struct chk_item *it, enum chk_onerr action, const char *desc);
/* The owner given to chk_add(). */
void *chk_item_owner(const struct chk_item *it);

/* Text of a status for stats and logs: "L4CON", "L7OK"... */
const char *chk_status_str(enum chk_status s);
/* HAProxy's long text: "Layer4 connection problem", "Layer7 check passed"... */
const char *chk_status_desc(enum chk_status s);

/* ---------------------------------------------------------------- additions */

/* HAProxy's `spread-checks PCT` (0..50): every interval is varied randomly by up to PCT
 * percent. The first probe of every item is always placed at random within its first
 * interval, so that thousands of servers never fire at once. */
void chk_engine_set_spread(struct chk_engine *e, int pct);
/* Number of items and of probes in progress (tests, stats). */
void chk_engine_counts(const struct chk_engine *e, unsigned *items, unsigned *running);

/* chk_health_apply(): HAProxy's rise/fall counting. health runs 0..rise+fall-1; a server is
 * UP while health >= rise. A failure decrements it and drops to 0 (DOWN) as soon as it falls
 * below rise; a success increments it and jumps to rise+fall-1 (fully UP) as soon as it
 * reaches rise. Returns true when *up changed. */
bool chk_health_apply(int *health, bool *up, int rise, int fall, bool ok);
/* chk_interval(): the delay before the next probe: inter when fully UP, downinter when fully
 * DOWN, fastinter while transitioning (each falls back to inter when <= 0). */
m_ms chk_interval(int health, bool up, int rise, int fall, m_ms inter, m_ms fastinter,
                  m_ms downinter);
/* chk_health_text(): "2/3 UP" or "1/2 DOWN" as HAProxy's logs print the health. */
const char *chk_health_text(int health, bool up, int rise, int fall, char *buf, size_t len);

/* chk_hap_effective(): the schedule of a HAProxy server check with HAProxy's timeout rule
 * (configuration.txt, "timeout check"): when `timeout check` is set, connecting may take
 * min(timeout connect, inter) and the exchange after it `timeout check`; when it is not,
 * the whole probe must finish within inter. Fills out (connect_timeout, timeout) from in and
 * the backend's settings. */
void chk_hap_effective(struct m_check *out, const struct m_check *in,
                       const struct m_proxy_conf *be);
/* chk_ka_effective(): a keepalived checker with its defaults applied: delay_loop,
 * connect_timeout, retry and delay_before_retry from the checker, else the real_server, else
 * the virtual_server (lvs may be NULL), else keepalived's (60 s, 5 s, 1 (MISC_CHECK 0), 1 s).
 * Mapped onto the scheduler: inter = downinter = delay_loop, fastinter = delay_before_retry,
 * rise = 1, fall = retry + 1, the whole probe bounded by connect_timeout (misc_timeout,
 * else delay_loop, for MISC_CHECK). */
void chk_ka_effective(struct m_check *out, const struct m_check *in, const struct m_server *rs,
                      const struct m_lvs *lvs);

/* An HTTP/1 check reply, parsed picohttpparser-style from a caller-owned buffer. */
struct chk_http_reply {
	int minor;          /* HTTP/1.<minor> */
	int status;         /* 100..999 */
	const char *reason; /* into the buffer, not terminated */
	size_t reason_len;
	size_t head_len; /* status line and headers, with the empty line */
	long long clen;  /* Content-Length, -1 when absent */
	bool chunked;    /* Transfer-Encoding: chunked */
};
/* chk_http_parse(): parses the head of buf[0..len). Returns head_len (> 0), -1 when the
 * reply is not HTTP/1, -2 when more input is needed. No allocation. */
int chk_http_parse(const char *buf, size_t len, struct chk_http_reply *r);
/* chk_http_dechunk(): decodes a chunked body in place; returns the decoded length, or -2
 * when incomplete (what was complete is still decoded), -1 on a framing error. */
long chk_http_dechunk(char *body, size_t len, size_t *out_len);
/* chk_http_eval(): applies a HAProxy probe's expectations (http-check expect rules, or the
 * default 2xx/3xx) to a parsed reply and its body. Sets *status (L7OK, L7STS, L7RSP), *code
 * and desc ("Internal Server Error", "HTTP content check did not match"). Returns true when
 * the check passes. */
bool chk_http_eval(const struct m_probe *p, const struct chk_http_reply *r, const char *body,
                   size_t body_len, enum chk_status *status, int *code, char *desc,
                   size_t desc_len);
/* chk_status_match(): keepalived's status_code list ("200 301-302"; NULL or empty: 200-299). */
bool chk_status_match(const char *list, int status);
/* chk_http_needs_body(): true when the probe's expectations look at the body. */
bool chk_http_needs_body(const struct m_probe *p);

#endif
