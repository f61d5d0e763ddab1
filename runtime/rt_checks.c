/* rt_checks.c - the runtime's subscription to the health-check engine.
 *
 * rt_checks_start() creates one chk_engine on worker 0's loop and adds every checked server
 * of every pool: HAProxy servers with `check` (their pool's probe, HAProxy's timeout rule),
 * keepalived real_servers with their checkers (UP while every checker is UP). The notify
 * callback flips rt_server.usable under the pool's lock, which is what other worker threads
 * balance under, and prints HAProxy 2.6's lines on stderr ("[WARNING]  (pid) : Server
 * web/web1 is DOWN, reason: ...") and, when the proxy logs, the same text as a raw log line.
 * The checks never touch pools themselves: all of that happens here.
 *
 * A HAProxy server may also have an agent-check: its "down" takes the server down, its "up"
 * brings it back when the regular check agrees, "N%" sets the weight and drain/maint/ready
 * the admin state (HAProxy's log lines); "maxconn:N" the server's maxconn. `check-ssl` and
 * SSL_GET run their probes over TLS (chk_set_tls()). `observe` counts the errors real
 * traffic reports through rt_checks_observe() and applies `on-error` on the checks' loop.
 * keepalived real_servers are handled in rt_checks_ka.c (start down with alpha here).
 * A keyword that is parsed but has no probe here makes rt_checks_start() refuse to start.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "checks/checks.h"
#include "runtime/rt.h"

int rt_checks_start(struct rt *rt);
void rt_checks_stop(struct rt *rt);

#include "runtime/rt_checks_priv.h"

/* HAProxy's texts for the last error of a "Detected N consecutive errors" line. */
enum obs_kind { OBS_NONE, OBS_L4_ERR, OBS_HTTP_STS };
static const char *const obs_text[] = {"", "L4 unsuccessful connection", "Wrong http response"};

/* Set on the thread that runs the checks' loop, the first time it runs a callback here. */
static _Thread_local bool on_checks_thread;

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

/* "reason: Layer7 wrong status, code: 500, info: \"Internal Server Error\", check duration:
 * 1ms" as HAProxy 2.6 words it: the code for every layer-7 verdict (0 when the probe has
 * none), the info whenever the probe left a text (success too: "Redis server is ok"). */
static void reason(char *buf, size_t len, const struct chk_state *st, bool ok)
{
	(void)ok;
	size_t n = (size_t)snprintf(buf, len, "reason: %s", chk_status_desc(st->status));
	if (n < len &&
	    (st->status == CHK_ST_L7OK || st->status == CHK_ST_L7OKC || st->status == CHK_ST_L7STS))
		n += (size_t)snprintf(buf + n, len - n, ", code: %d", st->code >= 0 ? st->code : 0);
	if (n < len && st->desc[0])
		n += (size_t)snprintf(buf + n, len - n, ", info: \"%s\"", st->desc);
	if (n < len && st->status != CHK_ST_HANA) /* HAProxy: no probe, no duration */
		snprintf(buf + n, len - n, ", check duration: %ldms", st->duration_ms);
}

static void count(const struct rt_pool *p, int *act, int *bck)
{
	*act = *bck = 0;
	for (int i = 0; i < p->nsrv; i++)
		if (rt_psrv(p, i)->usable)
			(*(rt_psrv(p, i)->backup ? bck : act))++;
}

void rtc_set_usable(struct rt_server *rs, bool up)
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

/* ---------------------------------------------------------------- haproxy agent */

static void hap_line(const struct rt_chk *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void hap_line(const struct rt_chk *c, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	emit(c->rt, c->rs->pool->conf, false, line, NULL);
}

/* The agent's weight and admin words (HAProxy's srv_adm_set_* and weight change). */
static void agent_apply(struct rt_chk *c, const struct chk_state *st)
{
	struct rt_server *rs = c->rs;
	const char *pn = rs->pool->conf->name, *sn = rs->conf->name;
	if (st->agent_pct >= 0) {
		int w = rs->iweight * st->agent_pct / 100;
		if (w > 256) {
			w = 256;
		}
		pthread_mutex_lock(&rs->pool->lock);
		rs->weight = w;
		pthread_mutex_unlock(&rs->pool->lock);
	}
	if (st->agent_maxconn >= 0) /* as `set maxconn server` does (0: no limit) */
		atomic_store(&rs->maxconn_cli, st->agent_maxconn + 1);
	int adm = atomic_load(&rs->admin);
	if (!strcmp(st->agent_admin, "maint") && !(adm & RT_ADM_MAINT)) {
		atomic_fetch_or(&rs->admin, RT_ADM_MAINT);
		int act, bck;
		pthread_mutex_lock(&rs->pool->lock);
		count(rs->pool, &act, &bck);
		pthread_mutex_unlock(&rs->pool->lock);
		if (rs->usable)
			act -= rs->backup ? 0 : 1, bck -= rs->backup ? 1 : 0;
		hap_line(c,
		         "%s %s/%s is going DOWN for maintenance. %d active and %d backup servers "
		         "left. %d sessions active, %d requeued, %d remaining in queue.",
		         rs->backup ? "Backup Server" : "Server", pn, sn, act, bck,
		         atomic_load(&rs->cur), 0, 0);
	} else if (!strcmp(st->agent_admin, "drain") && !(adm & RT_ADM_DRAIN)) {
		atomic_fetch_or(&rs->admin, RT_ADM_DRAIN);
		hap_line(c, "%s %s/%s enters drain state.", rs->backup ? "Backup Server" : "Server",
		         pn, sn);
	} else if (!strcmp(st->agent_admin, "ready") && (adm & (RT_ADM_MAINT | RT_ADM_DRAIN))) {
		atomic_fetch_and(&rs->admin, ~(RT_ADM_MAINT | RT_ADM_DRAIN));
		hap_line(c, "%s %s/%s is %s/READY (leaving forced %s).",
		         rs->backup ? "Backup Server" : "Server", pn, sn,
		         rs->usable ? "UP" : "DOWN", adm & RT_ADM_MAINT ? "maintenance" : "drain");
	}
}

/* ---------------------------------------------------------------- notify */

static void notify(struct chk_item *it, const struct chk_state *st, bool changed, void *owner)
{
	struct rt_chk *c = owner;
	on_checks_thread = true;
	if (c->paused || it != c->it)
		return; /* a paused check's retired item still probing until it is freed */
	const struct m_pool *mp = c->rs->pool->conf;
	if (mp->lvs) {
		rtc_ka_notify(c, st, changed);
		return;
	}
	bool loghc = mp->conf && mp->conf->opt[OPT_LOG_HEALTH_CHECKS] == 1;
	/* option log-health-checks: every change of health or of status */
	if (loghc && (changed || st->status != c->prev_status || st->health != c->prev_health)) {
		char why[256], hl[32], line[512];
		bool ok = st->status == CHK_ST_L4OK || st->status == CHK_ST_L6OK ||
		          st->status == CHK_ST_L7OK || st->status == CHK_ST_L7OKC ||
		          st->status == CHK_ST_PROCOK || st->status == CHK_ST_CHECKED;
		reason(why, sizeof(why), st, ok);
		snprintf(
		    line, sizeof(line), "%s check for %sserver %s/%s %s, %s, status: %s.",
		    c->agent ? "Agent" : "Health", c->rs->backup ? "backup " : "", mp->name,
		    c->rs->conf->name, ok ? "succeeded" : "failed", why,
		    chk_health_text(st->health, st->up, c->eff.rise, c->eff.fall, hl, sizeof(hl)));
		emit(c->rt, mp, false, line, NULL);
	}
	c->prev_status = st->status;
	c->prev_health = st->health;
	if (c->agent) {
		agent_apply(c, st);
		/* only the agent's own down/up words move the server: an unreachable agent is
		 * not an error (configuration.txt, agent-check) */
		if (st->status == CHK_ST_L7STS)
			c->agent_down = true;
		else if (st->status == CHK_ST_L7OK)
			c->agent_down = false;
	} else {
		if (changed)
			c->up = st->up;
		/* HAProxy: a passed check sets a STOPPING (NOLB) server running again */
		if (st->up && (st->status == CHK_ST_L4OK || st->status == CHK_ST_L6OK ||
		               st->status == CHK_ST_L7OK))
			atomic_store(&c->rs->nolb, 0);
	}
	bool up = c->agent ? !c->agent_down && (!c->peer || c->peer->up)
	                   : c->up && (!c->peer || !c->peer->agent_down);
	if (up == c->rs->usable)
		return;
	rtc_set_usable(c->rs, up);
	atomic_store(&c->rs->lastchg, (long long)time(NULL));
	log_transition(c, st, !loghc);
}

/* ---------------------------------------------------------------- observe */

static void obs_apply(struct rt_chk *c)
{
	int kind = atomic_exchange(&c->obs_pending, 0);
	if (!kind || !c->it || c->paused) /* a paused item must not be re-armed */
		return;
	char desc[128];
	snprintf(desc, sizeof(desc), "Detected %d consecutive errors, last one was: %s", c->limit,
	         obs_text[kind]);
	chk_observe_error(c->it, c->onerr, desc);
}

void rt_checks_observe(struct rt_server *rs, int what)
{
	struct rt_chk *c = rs && rs->chk ? chk_item_owner(rs->chk) : NULL;
	if (!c || !c->obs)
		return;
	enum obs_kind kind = OBS_NONE;
	if (what < 0) {
		kind = OBS_L4_ERR; /* an error in both modes */
	} else if (what == 0) {
		if (c->obs != 4)
			return; /* a connection is a success for layer4 only */
	} else {
		if (c->obs != 7)
			return;
		/* configuration.txt, observe layer7: 100-499, 501 and 505 are fine */
		if (what >= 500 && what != 501 && what != 505)
			kind = OBS_HTTP_STS;
	}
	if (kind == OBS_NONE) {
		if (atomic_load_explicit(&c->obs_errs, memory_order_relaxed))
			atomic_store(&c->obs_errs, 0);
		return;
	}
	if (atomic_fetch_add(&c->obs_errs, 1) + 1 < c->limit)
		return;
	atomic_store(&c->obs_errs, 0);
	atomic_store(&c->obs_pending, (int)kind);
	/* on the checks' own thread at once, as HAProxy does (its log line then still counts
	 * the failing session as active); from another worker through the loop's async */
	if (on_checks_thread)
		obs_apply(c);
	else
		ev_async_send(c->rt->w[0].loop, &c->rt->checks->obs);
}

static void obs_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	(void)loop;
	(void)revents;
	struct rt_checks *g = container_of(w, struct rt_checks, obs);
	on_checks_thread = true;
	for (int i = 0; i < g->n; i++)
		if (g->v[i].obs)
			obs_apply(&g->v[i]);
}

static void obs_setup(struct rt_chk *c, const struct m_server *s)
{
	static const char *const acts[] = {"fastinter", "fail-check", "sudden-death", "mark-down"};
	c->obs = !s->observe                     ? 0
	         : !strcmp(s->observe, "layer4") ? 4
	         : !strcmp(s->observe, "layer7") ? 7
	                                         : 0;
	c->limit = s->error_limit > 0 ? s->error_limit : 10;
	c->onerr = CHK_ONERR_FASTINTER;
	for (size_t i = 0; s->on_error && i < ARRAY_SIZE(acts); i++)
		if (!strcmp(s->on_error, acts[i]))
			c->onerr = (enum chk_onerr)i;
}

/* ---------------------------------------------------------------- setup */

/* The first keyword of a server that vipr parses but cannot probe, or NULL. */
static const char *hap_unsupported(const struct m_server *s, const struct m_pool *mp)
{
	const struct m_probe *p = s->check.probe ? s->check.probe : mp->probe;
	if (s->check.enabled && p && p->kind == PROBE_PGSQL &&
	    (!p->body || strncmp(p->body, "user ", 5)))
		return "option pgsql-check (without 'user')";
	if (s->agent.enabled && s->agent.port <= 0)
		return "agent-check (without 'agent-port')";
	return NULL;
}

static const char *ka_unsupported(const struct m_check *k)
{
	static const char *names[] = {[PROBE_SMTP] = "SMTP_CHECK",
	                              [PROBE_DNS] = "DNS_CHECK",
	                              [PROBE_UDP] = "UDP_CHECK",
	                              [PROBE_PING] = "PING_CHECK",
	                              [PROBE_FILE] = "FILE_CHECK"};
	if (!k->probe)
		return "checker";
	if (k->probe->kind < (int)ARRAY_SIZE(names) && names[k->probe->kind])
		return names[k->probe->kind];
	if (k->probe->kind != PROBE_TCP && k->probe->kind != PROBE_HTTP &&
	    k->probe->kind != PROBE_SCRIPT)
		return "checker";
	if (k->bindto)
		return "bindto";
	if (k->bind_port > 0)
		return "bind_port";
	if (k->bind_if)
		return "bind_if";
	return NULL;
}

static void refuse(const struct rt *rt, const struct m_pool *mp, const struct m_server *s,
                   const char *kw)
{
	(void)rt;
	fprintf(stderr,
	        "[ALERT]    (%d) : config : %s '%s', server '%s' (%s:%d): health-check keyword "
	        "'%s' is not implemented by vipr; refusing to start rather than checking "
	        "something else.\n",
	        (int)getpid(), mp->lvs ? "virtual_server" : "proxy", mp->name, s->name,
	        s->at.file ? s->at.file : "?", s->at.line, kw);
}

/* The next of g->v, or (k NULL: a dynamic server's) a new one. */
static struct rt_chk *new_chk(struct rt_checks *g, struct rt_server *rs, int *k)
{
	struct rt_chk *c = k ? &g->v[(*k)++] : calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->dyn = !k;
	c->rt = g->rt;
	c->rs = rs;
	c->up = true;
	c->prev_status = CHK_ST_INI;
	c->prev_health = -1;
	return c;
}

/* A file named relative to HAProxy's ca-base / crt-base. */
static const char *based(const char *base, const char *f, char *buf, size_t len)
{
	if (!f || !base || f[0] == '/')
		return f;
	snprintf(buf, len, "%s/%s", base, f);
	return buf;
}

static int tls_refused(const struct rt_chk *c, const char *err)
{
	const struct m_server *s = c->rs->conf;
	const struct m_pool *mp = c->rs->pool->conf;
	fprintf(stderr,
	        "[ALERT]    (%d) : config : %s '%s', server '%s' (%s:%d): TLS for checks: %s.\n",
	        (int)getpid(), mp->lvs ? "virtual_server" : "proxy", mp->name, s->name,
	        s->at.file ? s->at.file : "?", s->at.line, err);
	return -1;
}

/* HAProxy: check-ssl, or `ssl` on the server unless no-check-ssl; verify required unless
 * `verify none`; the server's ca-file and crt; check-sni. */
static int hap_tls(struct rt_checks *g, struct rt_chk *c)
{
	const struct m_server *s = c->rs->conf;
	if (!(s->check.ssl == 1 || (s->ssl == 1 && s->check.ssl != 0)))
		return 0;
	char ca[4096], crt[4096], err[512];
	const struct m_global *gl = &g->rt->cfg->global;
	struct chk_tls t = {
	    .ca_file = based(gl->ca_base, s->ssl_ca_file, ca, sizeof(ca)),
	    .cert = based(gl->crt_base, s->ssl_crt, crt, sizeof(crt)),
	    .sni = s->check.sni,
	    .verify = s->check.verify_none != 1,
	};
	return chk_set_tls(c->it, &t, err, sizeof(err)) < 0 ? tls_refused(c, err) : 0;
}

/* keepalived SSL_GET: the global SSL block's files; keepalived does not fail a check on the
 * server's certificate; enable_sni sends the checker's (else the VS's) virtualhost. */
static int ka_tls(struct rt_checks *g, struct rt_chk *c, const struct m_check *kc)
{
	if (kc->ssl != 1)
		return 0;
	const struct m_ka_global *ka = &g->rt->cfg->ka;
	const struct m_lvs *lvs = c->rs->pool->conf->lvs;
	char err[512];
	struct chk_tls t = {
	    .ca_file = ka->ssl_ca,
	    .cert = ka->ssl_cert,
	    .key = ka->ssl_key,
	    .password = ka->ssl_password,
	    .sni = kc->enable_sni == 1 ? (kc->sni ? kc->sni : lvs->virtualhost) : NULL,
	};
	return chk_set_tls(c->it, &t, err, sizeof(err)) < 0 ? tls_refused(c, err) : 0;
}

/* Starts c's probes (a new item); -1 when the check cannot run. */
int rtc_start_item(struct rt_checks *g, struct rt_chk *c)
{
	const struct m_server *s = c->rs->conf;
	const struct m_pool *mp = c->rs->pool->conf;
	if (c->agent) {
		c->it = chk_add(g->e, s, &c->eff, &c->aprobe, true, notify, c);
		return c->it ? 0 : -1;
	}
	const struct m_probe *p = s->check.probe ? s->check.probe : mp->probe;
	c->it = chk_add(g->e, s, &c->eff, p, true, notify, c);
	if (!c->it || hap_tls(g, c) < 0)
		return -1;
	rtc_retarget(c); /* the server's address may have been changed since */
	c->rs->chk = c->it;
	return 0;
}

/* A HAProxy server's check and agent; a dynamic server's (k NULL) are paused until
 * `enable health|agent`, as HAProxy's. */
int rtc_add_hap(struct rt_checks *g, struct rt_server *rs, int *k)
{
	const struct m_server *s = rs->conf;
	const struct m_pool *mp = rs->pool->conf;
	struct rt_chk *c = NULL, *a = NULL;
	if (!k && hap_unsupported(s, mp))
		return -1; /* what startup refuses (check_supported()) */
	if (s->check.enabled) {
		if (!(c = new_chk(g, rs, k)))
			return -1;
		chk_hap_effective(&c->eff, &s->check, mp->conf);
		obs_setup(c, s);
		rs->dchk[0] = k ? NULL : c;
		c->paused = rs->chk_paused = !k;
		if (k && rtc_start_item(g, c) < 0)
			return -1;
	}
	if (s->agent.enabled) {
		if (!(a = new_chk(g, rs, k)))
			return -1;
		a->agent = true;
		a->aprobe.kind = PROBE_AGENT;
		/* HAProxy: agent-inter, else 2 s */
		m_check_init(&a->eff);
		a->eff.enabled = true;
		a->eff.addr = s->agent.addr;
		a->eff.port = s->agent.port;
		a->eff.inter = s->agent.inter > 0 ? s->agent.inter : 2000;
		a->eff.rise = a->eff.fall = 1; /* HAProxy: "0/1 DOWN", "1/1 UP" */
		struct m_check tmp = a->eff;
		chk_hap_effective(&a->eff, &tmp, mp->conf);
		rs->dchk[1] = k ? NULL : a;
		a->paused = rs->agent_paused = !k;
		if (k && rtc_start_item(g, a) < 0)
			return -1;
	}
	if (c && a)
		c->peer = a, a->peer = c;
	return 0;
}

static int add_ka(struct rt_checks *g, struct rt_server *rs, int *k)
{
	const struct m_server *s = rs->conf;
	const struct m_pool *mp = rs->pool->conf;
	bool up0 = mp->lvs->alpha != 1; /* alpha: down until a first success */
	(void)rt_lvs_inherited_up(rs, &up0); /* lvs: a reload keeps a real server's state */
	struct rt_chk *first = NULL, *prev = NULL;
	char r[96], v[96];
	for (const struct m_check *kc = s->checks; kc; kc = kc->next) {
		struct rt_chk *c = new_chk(g, rs, k);
		c->up = up0;
		chk_ka_effective(&c->eff, kc, s, mp->lvs);
		c->it = chk_add(g->e, s, &c->eff, kc->probe, up0, notify, c);
		if (!c->it || ka_tls(g, c, kc) < 0)
			return -1;
		if (!rs->chk)
			rs->chk = c->it;
		if (prev)
			prev->same = c;
		else
			first = c;
		prev = c;
		rtc_ka_log(g->rt, "Activating healthchecker for service %s for VS %s",
		           rtc_fmt_rs(rs, r, sizeof(r)), rtc_fmt_vs(rs->pool, v, sizeof(v)));
	}
	if (prev && prev != first)
		prev->same = first; /* a ring of the server's checkers */
	if (!up0 && first)
		rtc_set_usable(rs, false); /* added only after a first success */
	return 0;
}

static int add_server(struct rt_checks *g, struct rt_server *rs, int *k)
{
	if (rs->conf->disabled == 1)
		return 0;
	return rs->pool->conf->lvs ? add_ka(g, rs, k) : rtc_add_hap(g, rs, k);
}

/* Refuses, with one [ALERT] each, every keyword that has no probe. */
static int check_supported(const struct rt *rt)
{
	int bad = 0;
	for (int i = 0; i < rt->npools; i++)
		for (int j = 0; j < rt->pools[i].nsrv; j++) {
			const struct m_server *s = rt_psrv(&rt->pools[i], j)->conf;
			const struct m_pool *mp = rt->pools[i].conf;
			const char *kw = NULL;
			if (!mp->lvs) {
				kw = hap_unsupported(s, mp);
			} else {
				for (const struct m_check *k = s->checks; k && !kw; k = k->next)
					kw = ka_unsupported(k);
			}
			if (kw) {
				refuse(rt, mp, s, kw);
				bad++;
			}
		}
	return bad ? -1 : 0;
}

/* The checks' engine on worker 0's loop, with room for n checks of the configuration. */
struct rt_checks *rtc_checks_new(struct rt *rt, int n)
{
	struct rt_checks *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->rt = rt;
	g->e = chk_engine_new(rt->w[0].loop);
	g->v = calloc((size_t)(n > 0 ? n : 1), sizeof(*g->v));
	if (!g->e || !g->v) {
		chk_engine_free(g->e);
		free(g->v);
		free(g);
		return NULL;
	}
	if (rt->cfg->global.spread_checks > 0)
		chk_engine_set_spread(g->e, rt->cfg->global.spread_checks);
	rt->checks = g;
	ev_async_init(&g->obs, obs_cb);
	ev_async_start(rt->w[0].loop, &g->obs);
	ev_unref(rt->w[0].loop); /* only the checks' own watchers keep the loop alive */
	ev_timer_init(&g->reap, rtc_reap_cb, 0., 0.);
	ev_async_init(&g->cmd, rtc_cmd_cb);
	ev_async_start(rt->w[0].loop, &g->cmd);
	ev_unref(rt->w[0].loop);
	pthread_mutex_init(&g->cmd_lock, NULL);
	return g;
}

int rt_checks_start(struct rt *rt)
{
	if (rt->checks)
		return 0;
	if (check_supported(rt) < 0)
		return -1;
	int n = 0;
	for (int i = 0; i < rt->npools; i++)
		for (int j = 0; j < rt->pools[i].nsrv; j++) {
			const struct m_server *s = rt_psrv(&rt->pools[i], j)->conf;
			n += s->check.enabled ? 1 : 0;
			n += s->agent.enabled ? 1 : 0;
			for (const struct m_check *k = s->checks; k; k = k->next)
				n++;
		}
	if (n == 0)
		return 0;
	struct rt_checks *g = rtc_checks_new(rt, n);
	if (!g)
		return -1;
	int k = 0;
	for (int i = 0; i < rt->npools; i++)
		for (int j = 0; j < rt->pools[i].nsrv; j++)
			if (add_server(g, rt_psrv(&rt->pools[i], j), &k) < 0) {
				rt_checks_stop(rt);
				return -1;
			}
	g->n = k;
	return 0;
}

void rt_checks_stop(struct rt *rt)
{
	struct rt_checks *g = rt->checks;
	if (!g)
		return;
	/* keepalived: every real_server leaves its VS; omega runs notify_down for live ones */
	for (int i = 0; i < g->n; i++) {
		struct rt_chk *c = &g->v[i];
		c->rs->chk = NULL;
		const struct m_lvs *lvs = c->rs->pool->conf->lvs;
		if (!lvs || (c->same && c->same < c) || rt_lvs_retiring())
			continue; /* one line per real_server (its first checker); none on a reload */
		char r[96], v[96];
		rtc_fmt_rs(c->rs, r, sizeof(r));
		rtc_fmt_vs(c->rs->pool, v, sizeof(v));
		rtc_ka_log(rt, "Shutting down service %s from VS %s", r, v);
		if (lvs->omega == 1 && c->rs->usable && c->rs->conf->notify_down) {
			rtc_ka_log(rt, "Executing [%s] for service %s in VS %s",
			           c->rs->conf->notify_down, r, v);
			rtc_run_script(c->rs->conf->notify_down);
		}
	}
	ev_ref(rt->w[0].loop);
	ev_async_stop(rt->w[0].loop, &g->obs);
	ev_ref(rt->w[0].loop);
	ev_async_stop(rt->w[0].loop, &g->cmd);
	for (struct rt_chk_req *r = g->cmds, *n; r; r = n) {
		n = r->next;
		free(r);
	}
	pthread_mutex_destroy(&g->cmd_lock);
	if (ev_is_active(&g->reap)) {
		ev_ref(rt->w[0].loop);
		ev_timer_stop(rt->w[0].loop, &g->reap);
	}
	chk_engine_free(g->e); /* every item, the retired ones too */
	for (struct rt_retired *r = g->retired, *n; r; r = n) {
		n = r->next;
		free(r->c);
		free(r);
	}
	for (int i = 0; i < rt->npools; i++)
		for (int j = 0; j < rt->pools[i].cap; j++)
			for (int a = 0; a < 2; a++) {
				free(rt->pools[i].srv[j].dchk[a]);
				rt->pools[i].srv[j].dchk[a] = NULL;
			}
	free(g->v);
	free(g);
	rt->checks = NULL;
}
