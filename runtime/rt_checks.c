/* rt_checks.c - the runtime's subscription to the health-check engine.
 *
 * rt_checks_start() creates one chk_engine on worker 0's loop and adds every checked server
 * of every pool: HAProxy servers with `check` (their pool's probe, HAProxy's timeout rule),
 * keepalived real_servers with their checkers (UP while every checker is UP). The notify
 * callback flips rt_server.usable under the pool's lock, which is what other worker threads
 * balance under, and prints HAProxy 2.6's lines on stderr ("[WARNING]  (pid) : Server
 * web/web1 is DOWN, reason: ...") and, when the proxy logs, the same text as a raw log line.
 * The checks never touch pools themselves: all of that happens here.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks/checks.h"
#include "runtime/rt.h"

int rt_checks_start(struct rt *rt);
void rt_checks_stop(struct rt *rt);

struct rt_chk {
	struct rt *rt;
	struct rt_server *rs;
	struct m_check eff; /* the effective schedule (timeouts and keepalived defaults) */
	struct chk_item *it;
	bool up;
	int prev_health; /* of the previous result, for option log-health-checks */
	enum chk_status prev_status;
	struct rt_chk *same; /* keepalived: the next checker of the same real_server */
};

struct rt_checks {
	struct rt *rt;
	struct chk_engine *e;
	struct rt_chk *v;
	int n;
};

/* struct rt has no slot for the checks yet: one runtime per process, so one static. */
static struct rt_checks *g_checks;

static bool pool_logs(const struct rt *rt, const struct m_pool *p)
{
	const struct m_proxy_conf *c = p->conf;
	return rt->o->log_stderr || (c && c->logs) ||
	       (c && c->log_global == 1 && rt->cfg->global.logs);
}

/* One line on stderr with HAProxy's prefix, and as a raw log line when the proxy logs. */
static void emit(const struct rt *rt, const struct m_pool *p, bool alert, const char *line,
                 const char *logline)
{
	if (!rt->o->quiet)
		fprintf(stderr, "%s (%d) : %s\n", alert ? "[ALERT]   " : "[WARNING] ",
		        (int)getpid(), line);
	if (pool_logs(rt, p))
		fprintf(stderr, "%s\n", logline ? logline : line);
}

/* ", reason: Layer7 wrong status, code: 500, info: \"Internal Server Error\", check
 * duration: 1ms" as HAProxy words it; info only for failures, code only at layer 7. */
static void reason(char *buf, size_t len, const struct chk_state *st, bool ok)
{
	size_t n = (size_t)snprintf(buf, len, "reason: %s", chk_status_desc(st->status));
	if (n < len && st->code >= 0 &&
	    (st->status == CHK_ST_L7OK || st->status == CHK_ST_L7OKC || st->status == CHK_ST_L7STS))
		n += (size_t)snprintf(buf + n, len - n, ", code: %d", st->code);
	if (n < len && !ok && st->desc[0])
		n += (size_t)snprintf(buf + n, len - n, ", info: \"%s\"", st->desc);
	if (n < len)
		snprintf(buf + n, len - n, ", check duration: %ldms", st->duration_ms);
}

static void count(const struct rt_pool *p, int *act, int *bck)
{
	*act = *bck = 0;
	for (int i = 0; i < p->nsrv; i++)
		if (p->srv[i].usable)
			(*(p->srv[i].backup ? bck : act))++;
}

static void set_usable(struct rt_server *rs, bool up)
{
	pthread_mutex_lock(&rs->pool->lock);
	__atomic_store_n(&rs->usable, up, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&rs->pool->lock);
}

static void log_transition(const struct rt_chk *c, const struct chk_state *st, bool detail)
{
	const struct rt_server *rs = c->rs;
	const struct m_pool *mp = rs->pool->conf;
	char why[256] = "", line[768];
	if (detail) {
		why[0] = ',';
		why[1] = ' ';
		reason(why + 2, sizeof(why) - 2, st, st->up);
	}
	int act, bck;
	pthread_mutex_lock(&rs->pool->lock);
	count(rs->pool, &act, &bck);
	pthread_mutex_unlock(&rs->pool->lock);
	const char *who = rs->backup ? "Backup Server" : "Server";
	if (st->up)
		snprintf(line, sizeof(line),
		         "%s %s/%s is UP%s. %d active and %d backup servers online. %d sessions "
		         "requeued, %d total in queue.",
		         who, mp->name, rs->conf->name, why, act, bck, 0, 0);
	else
		snprintf(line, sizeof(line),
		         "%s %s/%s is DOWN%s. %d active and %d backup servers left. %d sessions "
		         "active, %d requeued, %d remaining in queue.",
		         who, mp->name, rs->conf->name, why, act, bck, atomic_load(&rs->cur), 0, 0);
	emit(c->rt, mp, false, line, NULL);
	if (!st->up && act + bck == 0) {
		const char *kind =
		    mp->service && mp->service->kind == SVC_LISTEN ? "proxy" : "backend";
		char raw[300];
		snprintf(line, sizeof(line), "%s '%s' has no server available!", kind, mp->name);
		snprintf(raw, sizeof(raw), "%s %s has no server available!", kind, mp->name);
		emit(c->rt, mp, true, line, raw);
	}
}

static void notify(struct chk_item *it, const struct chk_state *st, bool changed, void *owner)
{
	struct rt_chk *c = owner;
	const struct m_pool *mp = c->rs->pool->conf;
	bool hap = mp->lvs == NULL;
	bool loghc = hap && mp->conf && mp->conf->opt[OPT_LOG_HEALTH_CHECKS] == 1;
	(void)it;
	/* option log-health-checks: every change of health or of status */
	if (loghc && (changed || st->status != c->prev_status || st->health != c->prev_health)) {
		char why[256], hl[32], line[512];
		bool ok = st->status == CHK_ST_L4OK || st->status == CHK_ST_L6OK ||
		          st->status == CHK_ST_L7OK || st->status == CHK_ST_L7OKC ||
		          st->status == CHK_ST_PROCOK;
		reason(why, sizeof(why), st, ok);
		snprintf(
		    line, sizeof(line), "Health check for %sserver %s/%s %s, %s, status: %s.",
		    c->rs->backup ? "backup " : "", mp->name, c->rs->conf->name,
		    ok ? "succeeded" : "failed", why,
		    chk_health_text(st->health, st->up, c->eff.rise, c->eff.fall, hl, sizeof(hl)));
		emit(c->rt, mp, false, line, NULL);
	}
	c->prev_status = st->status;
	c->prev_health = st->health;
	if (!changed)
		return;
	c->up = st->up;
	bool up = st->up;
	for (struct rt_chk *o = c->same; o && o != c; o = o->same)
		up = up && o->up; /* keepalived: every checker must pass */
	if (up == c->rs->usable)
		return;
	set_usable(c->rs, up);
	if (hap) /* keepalived words its checker logs differently: not yet */
		log_transition(c, st, !loghc);
}

static int add_server(struct rt_checks *g, struct rt_server *rs, int *k)
{
	const struct m_server *s = rs->conf;
	const struct m_pool *mp = rs->pool->conf;
	if (s->disabled == 1)
		return 0;
	if (!mp->lvs) {
		if (!s->check.enabled)
			return 0;
		struct rt_chk *c = &g->v[(*k)++];
		c->rt = g->rt;
		c->rs = rs;
		c->up = true;
		chk_hap_effective(&c->eff, &s->check, mp->conf);
		c->prev_status = CHK_ST_INI;
		c->prev_health = -1;
		const struct m_probe *p = s->check.probe ? s->check.probe : mp->probe;
		c->it = chk_add(g->e, s, &c->eff, p, true, notify, c);
		return c->it ? 0 : -1;
	}
	struct rt_chk *first = NULL, *prev = NULL;
	for (const struct m_check *kc = s->checks; kc; kc = kc->next) {
		if (!kc->probe || (kc->probe->kind != PROBE_TCP && kc->probe->kind != PROBE_HTTP &&
		                   kc->probe->kind != PROBE_SCRIPT))
			continue; /* SMTP, DNS, UDP, PING, FILE: not yet */
		struct rt_chk *c = &g->v[(*k)++];
		c->rt = g->rt;
		c->rs = rs;
		c->up = true;
		chk_ka_effective(&c->eff, kc, s, mp->lvs);
		c->prev_status = CHK_ST_INI;
		c->prev_health = -1;
		c->it = chk_add(g->e, s, &c->eff, kc->probe, true, notify, c);
		if (!c->it)
			return -1;
		if (prev)
			prev->same = c;
		else
			first = c;
		prev = c;
	}
	if (prev && prev != first)
		prev->same = first; /* a ring of the server's checkers */
	return 0;
}

int rt_checks_start(struct rt *rt)
{
	if (g_checks)
		return 0;
	int n = 0;
	for (int i = 0; i < rt->npools; i++)
		for (int j = 0; j < rt->pools[i].nsrv; j++) {
			const struct m_server *s = rt->pools[i].srv[j].conf;
			n += s->check.enabled ? 1 : 0;
			for (const struct m_check *k = s->checks; k; k = k->next)
				n++;
		}
	if (n == 0)
		return 0;
	struct rt_checks *g = calloc(1, sizeof(*g));
	if (!g)
		return -1;
	g->rt = rt;
	g->e = chk_engine_new(rt->w[0].loop);
	g->v = calloc((size_t)n, sizeof(*g->v));
	if (!g->e || !g->v) {
		chk_engine_free(g->e);
		free(g->v);
		free(g);
		return -1;
	}
	if (rt->cfg->global.spread_checks > 0)
		chk_engine_set_spread(g->e, rt->cfg->global.spread_checks);
	g_checks = g;
	int k = 0;
	for (int i = 0; i < rt->npools; i++)
		for (int j = 0; j < rt->pools[i].nsrv; j++)
			if (add_server(g, &rt->pools[i].srv[j], &k) < 0) {
				rt_checks_stop(rt);
				return -1;
			}
	g->n = k;
	return 0;
}

void rt_checks_stop(struct rt *rt)
{
	struct rt_checks *g = g_checks;
	if (!g || g->rt != rt)
		return;
	chk_engine_free(g->e);
	free(g->v);
	free(g);
	g_checks = NULL;
}
