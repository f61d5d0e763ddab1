/* rt_checks_priv.h - what rt_checks.c (HAProxy servers, setup, observe) and rt_checks_ka.c
 * (keepalived real_servers: keepalived's checker lines and effects) share; nothing else
 * includes it.
 */
#ifndef VIPR_RT_CHECKS_PRIV_H
#define VIPR_RT_CHECKS_PRIV_H

#include <stdatomic.h>

#include "checks/checks.h"
#include "runtime/rt.h"

struct rt_chk {
	struct rt *rt;
	struct rt_server *rs;
	struct m_check eff; /* the effective schedule (timeouts and keepalived defaults) */
	struct chk_item *it;
	bool up;
	int prev_health; /* of the previous result, for option log-health-checks */
	enum chk_status prev_status;
	struct rt_chk *same;   /* keepalived: the next checker of the same real_server */
	bool agent;            /* haproxy agent-check of rs */
	bool agent_down;       /* the agent's last health word was down/stopped/fail */
	bool has_run;          /* keepalived: a result was seen */
	struct rt_chk *peer;   /* haproxy: the server's other item (check <-> agent) */
	struct m_probe aprobe; /* agent: its probe (agent-send) */
	/* observe layer4|layer7: errors of real traffic, counted on the worker threads */
	int obs; /* 0: none, 4 or 7 */
	enum chk_onerr onerr;
	int limit;              /* error-limit */
	atomic_int obs_errs;    /* consecutive errors */
	atomic_int obs_pending; /* an on-error to apply on the checks' loop: enum obs_kind */
	/* runtime API: `disable health|agent` (or a dynamic server not enabled yet) pauses the
	 * check: its item is retired and results are ignored until `enable` adds a new one */
	bool paused;
	bool dyn;  /* allocated for a dynamic server (rt_server.dchk), freed with it */
	bool dead; /* a configured server deleted by `del server`: paused for good, and no
	            * longer its slot's (which a new server may take) */
};

/* An item no longer used (paused check, deleted server): freed some seconds later, so that
 * a stats reader on another thread that still holds its pointer reads valid memory. */
struct rt_retired {
	struct chk_item *it;
	struct rt_chk *c; /* freed too (a deleted dynamic server's), or NULL */
	ev_tstamp at;
	struct rt_retired *next;
};

/* `enable|disable health|agent` asked from another thread (rt_checks_enable_async()). */
struct rt_chk_req {
	struct rt_server *rs;
	bool agent, on;
	struct rt_chk_req *next;
};

struct rt_checks {
	struct rt *rt;
	struct chk_engine *e;
	ev_async obs; /* a worker saw error-limit errors: apply on-error on the checks' loop */
	struct rt_chk *v;
	int n;
	struct rt_retired *retired;
	ev_timer reap;
	/* enable|disable health|agent from the stats page, on another worker's thread */
	ev_async cmd;
	pthread_mutex_t cmd_lock;
	struct rt_chk_req *cmds;
};

/* rt_checks.c */
void rtc_set_usable(struct rt_server *rs, bool up);
/* rt_checks.c, for rt_checks_dyn.c: the engine (created on first use when the
 * configuration has no check), a HAProxy server's check and agent (k NULL: a dynamic
 * server's, allocated and paused), starting one (-1: it cannot run). */
struct rt_checks *rtc_checks_new(struct rt *rt, int n);
int rtc_add_hap(struct rt_checks *g, struct rt_server *rs, int *k);
int rtc_start_item(struct rt_checks *g, struct rt_chk *c);
/* rt_checks_dyn.c: frees retired items whose grace period is over; points c's item at its
 * target (the server's current address unless the check has its own). */
void rtc_reap_cb(struct ev_loop *loop, ev_timer *t, int revents);
void rtc_retarget(struct rt_chk *c);
void rtc_cmd_cb(struct ev_loop *loop, ev_async *w, int revents);
/* rt_checks_ka.c */
void rtc_ka_log(const struct rt *rt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *rtc_fmt_rs(const struct rt_server *rs, char *buf, size_t len);
const char *rtc_fmt_vs(const struct rt_pool *p, char *buf, size_t len);
/* Runs a notify script detached, through /bin/sh, as keepalived's notify_exec() does. */
void rtc_run_script(const char *cmd);
/* A checker's result on a keepalived real_server: its lines, the server's state and weight. */
void rtc_ka_notify(struct rt_chk *c, const struct chk_state *st, bool changed);

#endif
