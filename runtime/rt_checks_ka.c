/* rt_checks_ka.c - keepalived real_servers under the health-check engine: keepalived 2.2.7's
 * checker lines on stderr with its console timestamp ("TCP connection to [ip]:tcp:80
 * success.", "Removing service ... from VS ..."), weight 0 instead of removal with
 * inhibit_on_failure, notify_up/notify_down, the virtual server's quorum scripts and
 * MISC_CHECK misc_dynamic weights. rt_checks.c adds the checkers and calls rtc_ka_notify().
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

#include "runtime/rt_checks_priv.h"

/* keepalived's log_message() on the console: "Mon Jan  1 00:00:00 2024: text". */
void rtc_ka_log(const struct rt *rt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rtc_ka_log(const struct rt *rt, const char *fmt, ...)
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

const char *rtc_fmt_rs(const struct rt_server *rs, char *buf, size_t len)
{
	const struct m_server *s = rs->conf;
	return ka_fmt(&s->addr, s->addr.port_lo, rs->pool->conf->lvs, buf, len);
}

const char *rtc_fmt_vs(const struct rt_pool *p, char *buf, size_t len)
{
	const struct m_pool *mp = p->conf;
	if (mp->lvs->fwmark > 0) {
		snprintf(buf, len, "FWM %d", mp->lvs->fwmark);
		return buf;
	}
	if (mp->lvs->group) { /* keepalived names a group's virtual server so */
		snprintf(buf, len, "[%s]:0", mp->lvs->group);
		return buf;
	}
	const struct m_bind *b = mp->service ? mp->service->binds : NULL;
	if (!b) {
		snprintf(buf, len, "%s", mp->name);
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
void rtc_run_script(const char *cmd)
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
	bool ok =
	    st->status == CHK_ST_L4OK || st->status == CHK_ST_L7OK || st->status == CHK_ST_PROCOK;
	bool all = c->eff.log_all_failures == 1 || c->rt->cfg->ka.checker_log_all_failures == 1;
	int kind = p ? p->kind : PROBE_TCP;
	if (!ok && was_up && all && kind == PROBE_TCP)
		rtc_ka_log(c->rt, "TCP connection to %s %s.", ck,
		           st->status == CHK_ST_L4TOUT ? "timedout" : "failed");
	if (!ok && was_up && all && kind == PROBE_HTTP) {
		const char *why = st->status == CHK_ST_L4TOUT   ? "Timeout connecting"
		                  : st->status == CHK_ST_L7TOUT ? "Timeout WEB read"
		                  : st->status == CHK_ST_L7STS  ? "HTTP status code error to"
		                  : strstr(st->desc, "MD5")     ? "MD5 digest error to"
		                  : st->status == CHK_ST_L7RSP  ? "Read, no data received from"
		                                                : "Error connecting";
		rtc_ka_log(c->rt, "%s server %s.", why, ck);
	}
	if (!changed && c->has_run)
		return;
	const char *tag =
	    kind == PROBE_HTTP ? (c->eff.ssl == 1 ? "SSL_CHECK" : "HTTP_CHECK") : "TCP_CHECK";
	if (kind == PROBE_SCRIPT) {
		const char *cmd = p && p->script ? p->script : "";
		if (st->up)
			rtc_ka_log(c->rt, "Misc check for [%s] by [%s] succeeded.", ck, cmd);
		else
			rtc_ka_log(c->rt, "Misc check for [%s] by [%s] %s.", ck, cmd,
			           st->status == CHK_ST_PROCTOUT ? "timed out" : "failed");
		return;
	}
	if (!st->up) {
		if (c->eff.retry > 0 && c->has_run)
			rtc_ka_log(c->rt, "%s on service %s failed after %d retries.", tag, ck,
			           c->eff.retry);
		else
			rtc_ka_log(c->rt, "%s on service %s failed.", tag, ck);
		return;
	}
	if (kind == PROBE_TCP) {
		rtc_ka_log(c->rt, "TCP connection to %s success.", ck);
		return;
	}
	for (const struct m_check_step *u = p ? p->steps : NULL; u; u = u->next)
		if (u->op == STEP_URL)
			rtc_ka_log(c->rt, "%s success to %s url(%s)",
			           u->digest ? "MD5 digest" : "HTTP status code", ck,
			           u->uri ? u->uri : "/");
	rtc_ka_log(c->rt, "Remote Web server %s succeed on service.", ck);
}

/* The real_server changed state: keepalived's perform_svr_state() lines and effects. */
static void ka_server_change(struct rt_chk *c, bool up)
{
	struct rt_server *rs = c->rs;
	const struct m_server *s = rs->conf;
	const struct m_lvs *lvs = rs->pool->conf->lvs;
	bool inhibit = s->inhibit_on_failure == 1 || lvs->inhibit_on_failure == 1;
	char r[96], v[96];
	rtc_fmt_rs(rs, r, sizeof(r));
	rtc_fmt_vs(rs->pool, v, sizeof(v));
	long before = live_weight(rs->pool);
	/* inhibit_on_failure keeps the destination with weight 0 instead of removing it;
	 * for the userspace data plane both mean "no new connections" */
	pthread_mutex_lock(&rs->pool->lock);
	rs->weight = up || !inhibit ? (s->weight >= 0 ? s->weight : 1) : 0;
	pthread_mutex_unlock(&rs->pool->lock);
	rtc_set_usable(rs, up);
	rtc_ka_log(c->rt, "%s %sservice %s %s VS %s",
	           up ? (inhibit ? "Enabling" : "Adding") : (inhibit ? "Disabling" : "Removing"),
	           "", r, up ? "to" : "from", v);
	const char *script = up ? s->notify_up : s->notify_down;
	if (script) {
		rtc_ka_log(c->rt, "Executing [%s] for service %s in VS %s", script, r, v);
		rtc_run_script(script);
	}
	/* quorum (default 1, hysteresis 0): the VS's notify scripts */
	long q = lvs->quorum > 0 ? lvs->quorum : 1, h = lvs->hysteresis > 0 ? lvs->hysteresis : 0;
	long after = live_weight(rs->pool);
	if (!up && before >= q - h && (after == 0 || after < q - h)) {
		rtc_ka_log(c->rt, "Lost quorum %ld-%ld=%ld > %ld for VS %s", q, h, q - h, after, v);
		if (lvs->quorum_down) {
			rtc_ka_log(c->rt, "Executing [%s] for VS %s", lvs->quorum_down, v);
			rtc_run_script(lvs->quorum_down);
		}
	} else if (up && (before == 0 || before < q - h) && after >= q + h) {
		rtc_ka_log(c->rt, "Gained quorum %ld+%ld=%ld <= %ld for VS %s", q, h, q + h, after,
		           v);
		if (lvs->quorum_up) {
			rtc_ka_log(c->rt, "Executing [%s] for VS %s", lvs->quorum_up, v);
			rtc_run_script(lvs->quorum_up);
		}
	}
}

/* MISC_CHECK misc_dynamic: an exit status of 2..255 sets the weight to status - 2; 0 keeps
 * the current one (keepalived.conf(5)). */
static void ka_dyn_weight(struct rt_chk *c, const struct chk_state *st)
{
	struct rt_server *rs = c->rs;
	if (st->dyn_weight < 0 || !st->up)
		return;
	pthread_mutex_lock(&rs->pool->lock);
	int old = rs->weight;
	rs->weight = st->dyn_weight;
	pthread_mutex_unlock(&rs->pool->lock);
	if (old == st->dyn_weight)
		return;
	char r[96], v[96];
	rtc_ka_log(c->rt, "Changing weight from %d to %d for %s service %s of VS %s", old,
	           st->dyn_weight, rs->usable ? "active" : "inactive", rtc_fmt_rs(rs, r, sizeof(r)),
	           rtc_fmt_vs(rs->pool, v, sizeof(v)));
}

void rtc_ka_notify(struct rt_chk *c, const struct chk_state *st, bool changed)
{
	ka_checker_lines(c, st, changed);
	c->has_run = true;
	if (changed) {
		c->up = st->up;
		bool up = st->up;
		for (struct rt_chk *o = c->same; o && o != c; o = o->same)
			up = up && o->up; /* keepalived: every checker must pass */
		if (up != c->rs->usable)
			ka_server_change(c, up);
	}
	ka_dyn_weight(c, st);
}
