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
};

/* The health of one checked thing, kept by the scheduler. */
struct chk_state {
	bool up;             /* current verdict after rise/fall */
	int health;          /* 0..rise+fall-1 as HAProxy counts it */
	enum chk_status status;
	int code;            /* L7 status code, script exit code, or -1 */
	long duration_ms;    /* of the last probe */
	char desc[128];      /* "Connection refused", "HTTP status check returned code <503>" */
	int dyn_weight;      /* MISC_CHECK misc_dynamic / agent weight, -1 when none */
	unsigned long checks, fails, downs; /* counters for stats */
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
			 const struct m_check *check, const struct m_probe *probe,
			 bool initial_up, chk_notify_fn notify, void *owner);
/* chk_add_script(): a vrrp_script / MISC_CHECK: runs `cmd` (as `user` when set) every
 * interval, kills its process group after timeout. */
struct chk_item *chk_add_script(struct chk_engine *e, const struct m_vrrp_script *vs,
				chk_notify_fn notify, void *owner);
void chk_remove(struct chk_item *it);
const struct chk_state *chk_get_state(const struct chk_item *it);
/* Text of a status for stats and logs: "L4CON", "L7OK"... */
const char *chk_status_str(enum chk_status s);
/* HAProxy's long text: "Layer4 connection problem", "Layer7 check passed"... */
const char *chk_status_desc(enum chk_status s);

#endif
