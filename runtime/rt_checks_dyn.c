/* rt_checks_dyn.c - health checks changed through the runtime API: the checks of dynamic
 * servers (`add server ... check`, paused until `enable health`, as HAProxy 2.6's), `enable|
 * disable health|agent`, and the address a check probes after `set server addr`.
 *
 * Everything here runs on worker 0's thread, which runs the checks' loop too. A stats reader
 * on another thread may still hold a server's chk_item pointer when the check is paused or
 * its server deleted, so items (and a deleted server's rt_chk) are retired and freed only
 * some seconds later, on the loop (an RCU-like grace period).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <time.h>

#include "checks/checks.h"
#include "runtime/rt.h"
#include "runtime/rt_checks_priv.h"

/* ---------------------------------------------------------------- runtime API */

#define RETIRE_DELAY 5. /* seconds: far beyond any stats reader's time on a pointer */

void rtc_reap_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)revents;
	struct rt_checks *g = container_of(t, struct rt_checks, reap);
	ev_tstamp now = ev_now(loop);
	for (struct rt_retired **pr = &g->retired, *r; (r = *pr);) {
		if (now - r->at < RETIRE_DELAY) {
			pr = &r->next;
			continue;
		}
		*pr = r->next;
		chk_remove(r->it);
		free(r->c);
		free(r);
	}
	if (g->retired) {
		ev_timer_set(t, RETIRE_DELAY, 0.);
		ev_timer_start(loop, t);
	} else {
		ev_ref(loop); /* the timer was unref'd when started */
	}
}

/* Stops using c's item (c too when free_c); both are freed RETIRE_DELAY later. */
static void retire(struct rt_checks *g, struct rt_chk *c, bool free_c)
{
	struct rt_retired *r = calloc(1, sizeof(*r));
	if (c->rs->chk == c->it)
		c->rs->chk = NULL;
	struct chk_item *it = c->it;
	c->it = NULL;
	c->paused = true;
	if (!r) { /* no memory: remove at once rather than leak */
		chk_remove(it);
		if (free_c)
			free(c);
		return;
	}
	r->it = it;
	r->c = free_c ? c : NULL;
	r->at = ev_now(g->rt->w[0].loop);
	r->next = g->retired;
	g->retired = r;
	if (!ev_is_active(&g->reap)) {
		ev_timer_set(&g->reap, RETIRE_DELAY, 0.);
		ev_timer_start(g->rt->w[0].loop, &g->reap);
		ev_unref(g->rt->w[0].loop);
	}
}

int rt_checks_add_dyn(struct rt *rt, struct rt_server *rs)
{
	if (!rs->conf->check.enabled && !rs->conf->agent.enabled)
		return 0;
	struct rt_checks *g = rt->checks ? rt->checks : rtc_checks_new(rt, 0);
	if (!g || rtc_add_hap(g, rs, NULL) < 0) {
		for (int a = 0; a < 2; a++) {
			free(rs->dchk[a]);
			rs->dchk[a] = NULL;
		}
		return -1;
	}
	return 0;
}

void rt_checks_del(struct rt *rt, struct rt_server *rs)
{
	/* a configured server's items stay in g->v (freed with the engine), paused */
	for (int i = 0; rt->checks && i < rt->checks->n; i++) {
		struct rt_chk *c = &rt->checks->v[i];
		if (c->rs != rs || c->dead)
			continue;
		chk_pause(c->it, true);
		c->paused = c->dead = true;
	}
	for (int a = 0; a < 2; a++) {
		struct rt_chk *c = rs->dchk[a];
		rs->dchk[a] = NULL;
		if (!c)
			continue;
		if (c->it)
			retire(rt->checks, c, true);
		else
			free(c);
	}
	rs->chk = NULL;
}

static struct rt_chk *find_chk(struct rt *rt, struct rt_server *rs, bool agent)
{
	if (rs->dchk[agent])
		return rs->dchk[agent];
	for (int i = 0; rt->checks && i < rt->checks->n; i++)
		if (rt->checks->v[i].rs == rs && rt->checks->v[i].agent == agent &&
		    !rt->checks->v[i].dead)
			return &rt->checks->v[i];
	return NULL;
}

/* As HAProxy 2.6: a paused check stops probing and its server keeps its state (a DOWN
 * server stays DOWN); the last result stays on show. */
bool rt_checks_enable(struct rt *rt, struct rt_server *rs, bool agent, bool on)
{
	struct rt_chk *c = find_chk(rt, rs, agent);
	if (!c || rs->pool->conf->lvs)
		return false;
	if (on == !c->paused)
		return true;
	c->paused = !on;
	*(agent ? &rs->agent_paused : &rs->chk_paused) = !on;
	if (!c->it) { /* a dynamic server's first `enable` */
		if (on && rtc_start_item(rt->checks, c) < 0)
			c->paused = *(agent ? &rs->agent_paused : &rs->chk_paused) = true;
		return true;
	}
	chk_pause(c->it, !on);
	return true;
}

/* The address a check probes: its own addr when set, else the server's (as changed by `set
 * server addr`); its own port when set, else the server's. */
static void chk_target(const struct rt_chk *c, struct sockaddr_storage *ss, socklen_t *len)
{
	const struct rt_server *rs = c->rs;
	const struct m_check *k = &c->eff;
	*ss = k->addr.kind == M_ADDR_INET ? k->addr.ss : rs->ss;
	uint16_t sport =
	    ntohs(rs->ss.ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)&rs->ss)->sin6_port
	                                       : ((const struct sockaddr_in *)&rs->ss)->sin_port);
	int port = k->port > 0                                      ? k->port
	           : k->addr.kind == M_ADDR_INET && k->addr.port_lo ? k->addr.port_lo
	                                                            : sport;
	if (ss->ss_family == AF_INET6) {
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
		*len = sizeof(struct sockaddr_in6);
	} else {
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
		*len = sizeof(struct sockaddr_in);
	}
}

void rtc_retarget(struct rt_chk *c)
{
	struct sockaddr_storage ss;
	socklen_t len;
	if (!c->it || !c->rs->ss.ss_family)
		return;
	chk_target(c, &ss, &len);
	chk_set_addr(c->it, &ss, len);
}

void rt_checks_addr(struct rt *rt, struct rt_server *rs)
{
	for (int a = 0; a < 2; a++) {
		struct rt_chk *c = find_chk(rt, rs, a);
		if (c)
			rtc_retarget(c);
	}
}

/* ---------------------------------------------------------------- from other threads */

/* On the checks' loop: the requests rt_checks_enable_async() queued, in order. */
void rtc_cmd_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	(void)loop;
	(void)revents;
	struct rt_checks *g = container_of(w, struct rt_checks, cmd);
	pthread_mutex_lock(&g->cmd_lock);
	struct rt_chk_req *r = g->cmds;
	g->cmds = NULL;
	pthread_mutex_unlock(&g->cmd_lock);
	/* the queue was pushed at its head: reverse it to apply in arrival order */
	struct rt_chk_req *rev = NULL;
	while (r) {
		struct rt_chk_req *n = r->next;
		r->next = rev;
		rev = r;
		r = n;
	}
	for (; rev; rev = r) {
		r = rev->next;
		if (rev->rs->live)
			rt_checks_enable(g->rt, rev->rs, rev->agent, rev->on);
		free(rev);
	}
}

bool rt_checks_enable_async(struct rt *rt, struct rt_server *rs, bool agent, bool on)
{
	const struct m_check *k = agent ? &rs->conf->agent : &rs->conf->check;
	struct rt_checks *g = rt->checks;
	if (!k->enabled || !g || rs->pool->conf->lvs)
		return false;
	struct rt_chk_req *r = calloc(1, sizeof(*r));
	if (!r)
		return false;
	*r = (struct rt_chk_req){.rs = rs, .agent = agent, .on = on};
	pthread_mutex_lock(&g->cmd_lock);
	r->next = g->cmds;
	g->cmds = r;
	pthread_mutex_unlock(&g->cmd_lock);
	ev_async_send(rt->w[0].loop, &g->cmd);
	return true;
}
