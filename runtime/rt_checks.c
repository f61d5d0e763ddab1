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
 * the admin state (HAProxy's log lines). keepalived real_servers log keepalived 2.2.7's
 * checker lines ("TCP connection to [ip]:tcp:80 success.", "Removing service ... from VS
 * ...") on stderr with keepalived's console timestamp, keep weight 0 instead of removal
 * with inhibit_on_failure, start down with alpha, and run notify_up/notify_down.
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

struct rt_chk {
	struct rt *rt;
	struct rt_server *rs;
	struct m_check eff; /* the effective schedule (timeouts and keepalived defaults) */
	struct chk_item *it;
	bool up;
	int prev_health; /* of the previous result, for option log-health-checks */
	enum chk_status prev_status;
	struct rt_chk *same; /* keepalived: the next checker of the same real_server */
	bool agent;          /* haproxy agent-check of rs */
	bool agent_down;     /* the agent's last health word was down/stopped/fail */
	bool has_run;        /* keepalived: a result was seen */
	struct rt_chk *peer; /* haproxy: the server's other item (check <-> agent) */
	struct m_probe aprobe; /* agent: its probe (agent-send) */
};

struct rt_checks {
	struct rt *rt;
	struct chk_engine *e;
	struct rt_chk *v;
	int n;
};


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

/* ---------------------------------------------------------------- keepalived lines */

/* keepalived's log_message() on the console: "Mon Jan  1 00:00:00 2024: text". */
static void ka_log(const struct rt *rt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ka_log(const struct rt *rt, const char *fmt, ...)
{
	if (rt->o->quiet)
		return;
	char msg[768], ts[64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	time_t t = time(NULL);
	struct tm tm;
	strftime(ts, sizeof(ts), "%a %b %e %H:%M:%S %Y", localtime_r(&t, &tm));
	fprintf(stderr, "%s: %s\n", ts, msg);
	fflush(stderr);
}

/* keepalived's FMT_RS / FMT_VS / FMT_CHK: "[192.168.88.83]:tcp:80". */
static const char *ka_fmt(const struct m_addr *a, int port, const struct m_lvs *lvs, char *buf,
                          size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	if (a->kind == M_ADDR_INET) {
		if (a->ss.ss_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&a->ss)->sin6_addr, ip,
			          sizeof(ip));
		else
			inet_ntop(AF_INET, &((const struct sockaddr_in *)&a->ss)->sin_addr, ip,
			          sizeof(ip));
	}
	const char *proto = lvs && lvs->protocol ? lvs->protocol : "TCP";
	char pl[8];
	size_t k = 0;
	for (; proto[k] && k + 1 < sizeof(pl); k++)
		pl[k] = (char)(proto[k] >= 'A' && proto[k] <= 'Z' ? proto[k] + 32 : proto[k]);
	pl[k] = 0;
	snprintf(buf, len, "[%s]:%s:%d", ip, pl, port);
	return buf;
}

static const char *fmt_rs(const struct rt_server *rs, char *buf, size_t len)
{
	const struct m_server *s = rs->conf;
	return ka_fmt(&s->addr, s->addr.port_lo, rs->pool->conf->lvs, buf, len);
}

static const char *fmt_vs(const struct rt_pool *p, char *buf, size_t len)
{
	const struct m_pool *mp = p->conf;
	if (mp->lvs->fwmark > 0) {
		snprintf(buf, len, "FWM %d", mp->lvs->fwmark);
		return buf;
	}
	const struct m_bind *b = mp->service ? mp->service->binds : NULL;
	if (!b) {
		snprintf(buf, len, "%s", mp->lvs->group ? mp->lvs->group : mp->name);
		return buf;
	}
	return ka_fmt(&b->addr, b->addr.port_lo, mp->lvs, buf, len);
}

/* The checker's own address: its connect_ip/connect_port when given, else the server's. */
static const char *fmt_chk(const struct rt_chk *c, char *buf, size_t len)
{
	const struct m_server *s = c->rs->conf;
	const struct m_addr *a = c->eff.addr.kind == M_ADDR_INET ? &c->eff.addr : &s->addr;
	int port = c->eff.port > 0 ? c->eff.port : s->addr.port_lo;
	return ka_fmt(a, port, c->rs->pool->conf->lvs, buf, len);
}

/* Runs a notify script detached (double fork: nothing to reap later), as keepalived's
 * notify_exec() does: through /bin/sh, no arguments added. */
static void run_script(const char *cmd)
{
	pid_t pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		if (fork() == 0) {
			setsid();
			signal(SIGPIPE, SIG_DFL);
			execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
			_exit(127);
		}
		_exit(0);
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static long live_weight(const struct rt_pool *p)
{
	long sum = 0;
	for (int i = 0; i < p->nsrv; i++)
		if (p->srv[i].usable)
			sum += p->srv[i].conf->weight > 0 ? p->srv[i].conf->weight : 1;
	return sum;
}

/* One checker result on a keepalived real_server: the checker's own lines. */
static void ka_checker_lines(const struct rt_chk *c, const struct chk_state *st, bool changed)
{
	const struct m_probe *p = c->eff.probe;
	const struct m_lvs *lvs = c->rs->pool->conf->lvs;
	(void)lvs;
	char ck[96];
	fmt_chk(c, ck, sizeof(ck));
	bool was_up = changed ? !st->up : st->up;
	bool ok = st->status == CHK_ST_L4OK || st->status == CHK_ST_L7OK ||
	          st->status == CHK_ST_PROCOK;
	bool all = c->eff.log_all_failures == 1 || c->rt->cfg->ka.checker_log_all_failures == 1;
	int kind = p ? p->kind : PROBE_TCP;
	if (!ok && was_up && all && kind == PROBE_TCP)
		ka_log(c->rt, "TCP connection to %s %s.", ck,
		       st->status == CHK_ST_L4TOUT ? "timedout" : "failed");
	if (!ok && was_up && all && kind == PROBE_HTTP) {
		const char *why = st->status == CHK_ST_L4TOUT   ? "Timeout connecting"
		                  : st->status == CHK_ST_L7TOUT ? "Timeout WEB read"
		                  : st->status == CHK_ST_L7STS  ? "HTTP status code error to"
		                  : strstr(st->desc, "MD5")     ? "MD5 digest error to"
		                  : st->status == CHK_ST_L7RSP  ? "Read, no data received from"
		                                                : "Error connecting";
		ka_log(c->rt, "%s server %s.", why, ck);
	}
	if (!changed && c->has_run)
		return;
	const char *tag = kind == PROBE_HTTP ? (c->eff.ssl == 1 ? "SSL_CHECK" : "HTTP_CHECK")
	                                     : "TCP_CHECK";
	if (kind == PROBE_SCRIPT) {
		const char *cmd = p && p->script ? p->script : "";
		if (st->up)
			ka_log(c->rt, "Misc check for [%s] by [%s] succeeded.", ck, cmd);
		else
			ka_log(c->rt, "Misc check for [%s] by [%s] %s.", ck, cmd,
			       st->status == CHK_ST_PROCTOUT ? "timed out" : "failed");
		return;
	}
	if (!st->up) {
		if (c->eff.retry > 0 && c->has_run)
			ka_log(c->rt, "%s on service %s failed after %d retries.", tag, ck, c->eff.retry);
		else
			ka_log(c->rt, "%s on service %s failed.", tag, ck);
		return;
	}
	if (kind == PROBE_TCP) {
		ka_log(c->rt, "TCP connection to %s success.", ck);
		return;
	}
	for (const struct m_check_step *u = p ? p->steps : NULL; u; u = u->next)
		if (u->op == STEP_URL)
			ka_log(c->rt, "%s success to %s url(%s)", u->digest ? "MD5 digest" : "HTTP status code",
			       ck, u->uri ? u->uri : "/");
	ka_log(c->rt, "Remote Web server %s succeed on service.", ck);
}

/* The real_server changed state: keepalived's perform_svr_state() lines and effects. */
static void ka_server_change(struct rt_chk *c, bool up)
{
	struct rt_server *rs = c->rs;
	const struct m_server *s = rs->conf;
	const struct m_lvs *lvs = rs->pool->conf->lvs;
	bool inhibit = s->inhibit_on_failure == 1 || lvs->inhibit_on_failure == 1;
	char r[96], v[96];
	fmt_rs(rs, r, sizeof(r));
	fmt_vs(rs->pool, v, sizeof(v));
	long before = live_weight(rs->pool);
	/* inhibit_on_failure keeps the destination with weight 0 instead of removing it;
	 * for the userspace data plane both mean "no new connections" */
	pthread_mutex_lock(&rs->pool->lock);
	rs->weight = up || !inhibit ? (s->weight >= 0 ? s->weight : 1) : 0;
	pthread_mutex_unlock(&rs->pool->lock);
	set_usable(rs, up);
	ka_log(c->rt, "%s %sservice %s %s VS %s", up ? (inhibit ? "Enabling" : "Adding")
	                                             : (inhibit ? "Disabling" : "Removing"),
	       "", r, up ? "to" : "from", v);
	const char *script = up ? s->notify_up : s->notify_down;
	if (script) {
		ka_log(c->rt, "Executing [%s] for service %s in VS %s", script, r, v);
		run_script(script);
	}
	/* quorum (default 1, hysteresis 0): the VS's notify scripts */
	long q = lvs->quorum > 0 ? lvs->quorum : 1, h = lvs->hysteresis > 0 ? lvs->hysteresis : 0;
	long after = live_weight(rs->pool);
	if (!up && before >= q - h && (after == 0 || after < q - h)) {
		ka_log(c->rt, "Lost quorum %ld-%ld=%ld > %ld for VS %s", q, h, q - h, after, v);
		if (lvs->quorum_down) {
			ka_log(c->rt, "Executing [%s] for VS %s", lvs->quorum_down, v);
			run_script(lvs->quorum_down);
		}
	} else if (up && (before == 0 || before < q - h) && after >= q + h) {
		ka_log(c->rt, "Gained quorum %ld+%ld=%ld <= %ld for VS %s", q, h, q + h, after, v);
		if (lvs->quorum_up) {
			ka_log(c->rt, "Executing [%s] for VS %s", lvs->quorum_up, v);
			run_script(lvs->quorum_up);
		}
	}
}

static void ka_notify(struct rt_chk *c, const struct chk_state *st, bool changed)
{
	ka_checker_lines(c, st, changed);
	c->has_run = true;
	if (!changed)
		return;
	c->up = st->up;
	bool up = st->up;
	for (struct rt_chk *o = c->same; o && o != c; o = o->same)
		up = up && o->up; /* keepalived: every checker must pass */
	if (up != c->rs->usable)
		ka_server_change(c, up);
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
		         rs->backup ? "Backup Server" : "Server", pn, sn, rs->usable ? "UP" : "DOWN",
		         adm & RT_ADM_MAINT ? "maintenance" : "drain");
	}
}

/* ---------------------------------------------------------------- notify */

static void notify(struct chk_item *it, const struct chk_state *st, bool changed, void *owner)
{
	struct rt_chk *c = owner;
	const struct m_pool *mp = c->rs->pool->conf;
	(void)it;
	if (mp->lvs) {
		ka_notify(c, st, changed);
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
	} else if (changed) {
		c->up = st->up;
	}
	bool up = c->agent ? !c->agent_down && (!c->peer || c->peer->up)
	                   : c->up && (!c->peer || !c->peer->agent_down);
	if (up == c->rs->usable)
		return;
	set_usable(c->rs, up);
	atomic_store(&c->rs->lastchg, (long long)time(NULL));
	log_transition(c, st, !loghc);
}

/* ---------------------------------------------------------------- setup */

/* The first keyword of a server that vipr parses but cannot probe, or NULL. */
static const char *hap_unsupported(const struct m_server *s, const struct m_pool *mp)
{
	const struct m_probe *p = s->check.probe ? s->check.probe : mp->probe;
	if (s->check.enabled && s->check.ssl == 1)
		return "check-ssl";
	if (s->check.enabled && s->check.sni)
		return "check-sni";
	if (s->observe)
		return "observe";
	if (s->on_error)
		return "on-error";
	if (s->check.enabled && p && p->kind == PROBE_PGSQL &&
	    (!p->body || strncmp(p->body, "user ", 5)))
		return "option pgsql-check (without 'user')";
	if (s->agent.enabled && s->agent.port <= 0)
		return "agent-check (without 'agent-port')";
	return NULL;
}

static const char *ka_unsupported(const struct m_check *k)
{
	static const char *names[] = {[PROBE_SMTP] = "SMTP_CHECK", [PROBE_DNS] = "DNS_CHECK",
	                              [PROBE_UDP] = "UDP_CHECK",   [PROBE_PING] = "PING_CHECK",
	                              [PROBE_FILE] = "FILE_CHECK"};
	if (!k->probe)
		return "checker";
	if (k->probe->kind < (int)ARRAY_SIZE(names) && names[k->probe->kind])
		return names[k->probe->kind];
	if (k->probe->kind != PROBE_TCP && k->probe->kind != PROBE_HTTP &&
	    k->probe->kind != PROBE_SCRIPT)
		return "checker";
	if (k->ssl == 1)
		return "SSL_GET";
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

static struct rt_chk *new_chk(struct rt_checks *g, struct rt_server *rs, int *k)
{
	struct rt_chk *c = &g->v[(*k)++];
	c->rt = g->rt;
	c->rs = rs;
	c->up = true;
	c->prev_status = CHK_ST_INI;
	c->prev_health = -1;
	return c;
}

static int add_hap(struct rt_checks *g, struct rt_server *rs, int *k)
{
	const struct m_server *s = rs->conf;
	const struct m_pool *mp = rs->pool->conf;
	struct rt_chk *c = NULL, *a = NULL;
	if (s->check.enabled) {
		c = new_chk(g, rs, k);
		chk_hap_effective(&c->eff, &s->check, mp->conf);
		const struct m_probe *p = s->check.probe ? s->check.probe : mp->probe;
		c->it = chk_add(g->e, s, &c->eff, p, true, notify, c);
		if (!c->it)
			return -1;
		rs->chk = c->it;
	}
	if (s->agent.enabled) {
		a = new_chk(g, rs, k);
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
		a->it = chk_add(g->e, s, &a->eff, &a->aprobe, true, notify, a);
		if (!a->it)
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
	bool alpha = mp->lvs->alpha == 1;
	struct rt_chk *first = NULL, *prev = NULL;
	char r[96], v[96];
	for (const struct m_check *kc = s->checks; kc; kc = kc->next) {
		struct rt_chk *c = new_chk(g, rs, k);
		c->up = !alpha;
		chk_ka_effective(&c->eff, kc, s, mp->lvs);
		c->it = chk_add(g->e, s, &c->eff, kc->probe, !alpha, notify, c);
		if (!c->it)
			return -1;
		if (!rs->chk)
			rs->chk = c->it;
		if (prev)
			prev->same = c;
		else
			first = c;
		prev = c;
		ka_log(g->rt, "Activating healthchecker for service %s for VS %s",
		       fmt_rs(rs, r, sizeof(r)), fmt_vs(rs->pool, v, sizeof(v)));
	}
	if (prev && prev != first)
		prev->same = first; /* a ring of the server's checkers */
	if (alpha && first)
		set_usable(rs, false); /* alpha: added only after a first success */
	return 0;
}

static int add_server(struct rt_checks *g, struct rt_server *rs, int *k)
{
	if (rs->conf->disabled == 1)
		return 0;
	return rs->pool->conf->lvs ? add_ka(g, rs, k) : add_hap(g, rs, k);
}

/* Refuses, with one [ALERT] each, every keyword that has no probe. */
static int check_supported(const struct rt *rt)
{
	int bad = 0;
	for (int i = 0; i < rt->npools; i++)
		for (int j = 0; j < rt->pools[i].nsrv; j++) {
			const struct m_server *s = rt->pools[i].srv[j].conf;
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

int rt_checks_start(struct rt *rt)
{
	if (rt->checks)
		return 0;
	if (check_supported(rt) < 0)
		return -1;
	int n = 0;
	for (int i = 0; i < rt->npools; i++)
		for (int j = 0; j < rt->pools[i].nsrv; j++) {
			const struct m_server *s = rt->pools[i].srv[j].conf;
			n += s->check.enabled ? 1 : 0;
			n += s->agent.enabled ? 1 : 0;
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
	rt->checks = g;
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
	struct rt_checks *g = rt->checks;
	if (!g)
		return;
	/* keepalived: every real_server leaves its VS; omega runs notify_down for live ones */
	for (int i = 0; i < g->n; i++) {
		struct rt_chk *c = &g->v[i];
		c->rs->chk = NULL;
		const struct m_lvs *lvs = c->rs->pool->conf->lvs;
		if (!lvs || (c->same && c->same < c))
			continue; /* one line per real_server: its first checker */
		char r[96], v[96];
		fmt_rs(c->rs, r, sizeof(r));
		fmt_vs(c->rs->pool, v, sizeof(v));
		ka_log(rt, "Shutting down service %s from VS %s", r, v);
		if (lvs->omega == 1 && c->rs->usable && c->rs->conf->notify_down) {
			ka_log(rt, "Executing [%s] for service %s in VS %s", c->rs->conf->notify_down, r,
			       v);
			run_script(c->rs->conf->notify_down);
		}
	}
	chk_engine_free(g->e);
	free(g->v);
	free(g);
	rt->checks = NULL;
}
