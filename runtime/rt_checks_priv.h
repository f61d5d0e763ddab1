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
};

struct rt_checks {
	struct rt *rt;
	struct chk_engine *e;
	ev_async obs; /* a worker saw error-limit errors: apply on-error on the checks' loop */
	struct rt_chk *v;
	int n;
};

/* rt_checks.c */
void rtc_set_usable(struct rt_server *rs, bool up);
/* rt_checks_ka.c */
void rtc_ka_log(const struct rt *rt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *rtc_fmt_rs(const struct rt_server *rs, char *buf, size_t len);
const char *rtc_fmt_vs(const struct rt_pool *p, char *buf, size_t len);
/* Runs a notify script detached, through /bin/sh, as keepalived's notify_exec() does. */
void rtc_run_script(const char *cmd);
/* A checker's result on a keepalived real_server: its lines, the server's state and weight. */
void rtc_ka_notify(struct rt_chk *c, const struct chk_state *st, bool changed);

#endif
