/* cli_admin.c - runtime API commands that change the running process: maxconn, frontends,
 * server address/health/agent/state/weight, sessions.
 *
 * Listeners and sessions belong to their worker's thread while the CLI runs on worker 0's:
 * work on them is queued to every worker as an rt_cli_task, run from the worker's qwake
 * callback, and waited for (bounded) before answering. Server and frontend settings live in
 * atomics beside the configuration (maxconn_cli, adm, admin) that the data path reads.
 * Answers are HAProxy 2.6.12's texts, checked against its binary with socat.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "runtime/cli_int.h"

/* ---------------------------------------------------------------- effective maxconn */

int rt_svc_maxconn(const struct rt_service *svc)
{
	int v = atomic_load(&((struct rt_service *)svc)->maxconn_cli);
	if (v)
		return v - 1;
	return svc->fe && svc->fe->maxconn > 0 ? svc->fe->maxconn : 0;
}

int rt_srv_maxconn(const struct rt_server *sv)
{
	int v = atomic_load(&((struct rt_server *)sv)->maxconn_cli);
	if (v)
		return v - 1;
	return sv->conf && sv->conf->maxconn > 0 ? sv->conf->maxconn : 0;
}

int rt_global_maxconn(const struct rt *rt)
{
	int v = atomic_load(&((struct rt *)rt)->maxconn_cli);
	if (v)
		return v - 1;
	return rt->cfg->global.maxconn > 0 ? rt->cfg->global.maxconn : 0;
}

/* ---------------------------------------------------------------- work on every worker */

struct rt_cli_task {
	void (*fn)(struct rt_worker *w, void *arg);
	void *arg;
	pthread_mutex_t lock; /* held while fn runs: the caller's arg stays valid meanwhile */
	pthread_cond_t cond;
	int left;
	bool cancelled; /* the caller stopped waiting: arg is gone */
	atomic_int refs;
};

static void task_put(struct rt_cli_task *t)
{
	if (atomic_fetch_sub(&t->refs, 1) == 1) {
		pthread_mutex_destroy(&t->lock);
		pthread_cond_destroy(&t->cond);
		free(t);
	}
}

void rt_cli_worker_run(struct rt_worker *w)
{
	struct rt_cli_task *t = atomic_exchange(&w->cli_task, NULL);
	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	if (!t->cancelled)
		t->fn(w, t->arg);
	t->left--;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	task_put(t);
}

/* Runs fn(w, arg) on every worker's thread: self's (the caller's) now, the others through
 * their qwake, waiting up to 10 s for them (a worker that left its loop never answers). A
 * worker that answers later skips fn (arg is gone): on a loaded machine (make test under
 * ASan) 2 s was seen to lose a `shutdown session`, so the bound is generous. */
static void on_workers_from(struct rt *rt, struct rt_worker *self,
                            void (*fn)(struct rt_worker *, void *), void *arg)
{
	fn(self, arg);
	if (rt->nw < 2)
		return;
	struct rt_cli_task *t = calloc(1, sizeof(*t));
	if (!t)
		return;
	t->fn = fn;
	t->arg = arg;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	atomic_init(&t->refs, 1);
	pthread_mutex_lock(&t->lock);
	for (int i = 0; i < rt->nw; i++) {
		struct rt_worker *w = &rt->w[i];
		if (w == self || !w->loop)
			continue;
		atomic_fetch_add(&t->refs, 1);
		t->left++;
		struct rt_cli_task *old = atomic_exchange(&w->cli_task, t);
		if (old) /* an abandoned task the worker never ran */
			task_put(old);
		ev_async_send(w->loop, &w->qwake);
	}
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 10;
	while (t->left > 0)
		if (pthread_cond_timedwait(&t->cond, &t->lock, &dl) == ETIMEDOUT)
			break;
	t->cancelled = true;
	pthread_mutex_unlock(&t->lock);
	task_put(t);
}

/* The CLI runs on worker 0's thread. */
void cli_on_workers(struct rt *rt, void (*fn)(struct rt_worker *, void *), void *arg)
{
	on_workers_from(rt, &rt->w[0], fn, arg);
}

/* ---------------------------------------------------------------- maxconn */

static struct rt_service *find_fe(struct rt_cli_ctx *c, struct rt_sbuf *o, const char *name)
{
	if (!name || !*name) {
		rt_sb_puts(o, "A frontend name is expected.\n");
		return NULL;
	}
	for (int i = 0; i < c->rt->nsvc; i++) {
		struct rt_service *s = &c->rt->svc[i];
		if (s->conf->kind != SVC_VIRTUAL_SERVER && s->conf->binds &&
		    !strcmp(s->conf->name, name))
			return s;
	}
	rt_sb_puts(o, "No such frontend.\n");
	return NULL;
}

/* A raised maxconn lets the listeners paused on the old one accept again, on every worker. */
static void resume_work(struct rt_worker *w, void *arg)
{
	(void)arg;
	if (atomic_load(&w->npaused))
		rt_listeners_resume(w);
}

void cli_set_maxconn_fe(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	struct rt_service *svc = find_fe(c, o, nargs > 3 ? args[3] : NULL);
	if (!svc)
		return;
	if (nargs < 5) {
		rt_sb_puts(o, "Integer value expected.\n");
		return;
	}
	int v = atoi(args[4]);
	if (v < 0) {
		rt_sb_puts(o, "Value out of range.\n");
		return;
	}
	atomic_store(&svc->maxconn_cli, v + 1);
	cli_on_workers(c->rt, resume_work, NULL);
}

void cli_set_maxconn_srv(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	struct rt_server *sv = cli_server_arg(c, o, nargs > 3 ? args[3] : NULL);
	if (!sv)
		return;
	if (nargs < 5) {
		rt_sb_puts(o, "Require <maxconn>.\n");
		return;
	}
	char *end;
	long v = strtol(args[4], &end, 10);
	if (end == args[4])
		rt_sb_puts(o, "maxconn string empty or preceded by garbage");
	else if (*end)
		rt_sb_puts(o, "Trailing garbage in maxconn string");
	else
		atomic_store(&sv->maxconn_cli, v < 0 ? 1 : (int)v + 1);
}

void cli_set_maxconn_global(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	if (nargs < 4) {
		rt_sb_puts(o, "Expects an integer value.\n");
		return;
	}
	int hard = c->rt->cfg->global.maxconn > 0 ? c->rt->cfg->global.maxconn : 4096;
	int v = atoi(args[3]);
	if (v > hard) {
		rt_sb_puts(o, "Value out of range.\n");
		return;
	}
	atomic_store(&c->rt->maxconn_cli, (v <= 0 ? hard : v) + 1);
	cli_on_workers(c->rt, resume_work, NULL);
}

/* ---------------------------------------------------------------- frontends */

/* On each worker: the frontend's listeners follow svc->adm. A paused socket leaves the
 * LISTEN state (shutdown SHUT_RD), so new connections are refused as with HAProxy; listen()
 * takes it back. */
static void fe_apply(struct rt_worker *w, void *arg)
{
	struct rt_service *svc = arg;
	int adm = atomic_load(&svc->adm);
	for (struct rt_listener *l = w->listeners; l; l = l->next) {
		if (l->svc != svc || l->fd < 0)
			continue;
		if (adm == RT_FE_READY) {
			if (listen(l->fd, 1024) == 0 && !l->paused)
				ev_io_start(w->loop, &l->io);
			continue;
		}
		ev_io_stop(w->loop, &l->io);
		if (l->paused) { /* paused on maxconn: not to be resumed by a session's end */
			rt_listener_paused(l, false);
		}
		if (adm == RT_FE_PAUSED) {
			shutdown(l->fd, SHUT_RD);
		} else {
			close(l->fd);
			l->fd = -1;
		}
	}
}

void cli_disable_fe(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	struct rt_service *svc = find_fe(c, o, nargs > 2 ? args[2] : NULL);
	if (!svc)
		return;
	int adm = atomic_load(&svc->adm);
	if (adm == RT_FE_STOPPED)
		rt_sb_puts(o, "Frontend was previously shut down, cannot disable.\n");
	else if (adm == RT_FE_PAUSED)
		rt_sb_puts(o, "All sockets are already disabled.\n");
	else {
		atomic_store(&svc->adm, RT_FE_PAUSED);
		cli_on_workers(c->rt, fe_apply, svc);
	}
}

void cli_enable_fe(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	struct rt_service *svc = find_fe(c, o, nargs > 2 ? args[2] : NULL);
	if (!svc)
		return;
	int adm = atomic_load(&svc->adm);
	if (adm == RT_FE_STOPPED)
		rt_sb_puts(o, "Frontend was previously shut down, cannot enable.\n");
	else if (adm == RT_FE_READY)
		rt_sb_puts(o, "All sockets are already enabled.\n");
	else {
		atomic_store(&svc->adm, RT_FE_READY);
		cli_on_workers(c->rt, fe_apply, svc);
	}
}

void cli_shutdown_fe(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	struct rt_service *svc = find_fe(c, o, nargs > 2 ? args[2] : NULL);
	if (!svc)
		return;
	if (atomic_load(&svc->adm) == RT_FE_STOPPED) {
		rt_sb_puts(o, "Frontend was already shut down.\n");
		return;
	}
	atomic_store(&svc->adm, RT_FE_STOPPED);
	cli_on_workers(c->rt, fe_apply, svc);
	fprintf(stderr,
	        "[WARNING]  (%d) : Proxy %s stopped (cumulated conns: FE: %lld, BE: %lld).\n",
	        (int)getpid(), svc->conf->name, (long long)atomic_load(&svc->cnt.stot),
	        svc->pool ? (long long)atomic_load(&svc->pool->cnt.stot) : 0LL);
}

/* ---------------------------------------------------------------- set server */

/* Applies "N" or "N%" (of the initial weight); returns an error text or NULL. */
static const char *set_weight(struct rt_server *sv, const char *arg)
{
	if (!arg || !*arg)
		return "Require <weight> or <weight%>.\n";
	char *end;
	long w = strtol(arg, &end, 10);
	if (end == arg)
		return "Empty weight string empty or preceded by garbage";
	if (*end == '%') {
		if (end[1])
			return "Trailing garbage in weight string";
		if (w < 0)
			return "Relative weight must be positive.\n";
		w = sv->iweight * w / 100;
		if (w > 256)
			w = 256;
	} else if (*end) {
		return "Trailing garbage in weight string";
	} else if (w < 0 || w > 256) {
		return "Absolute weight can only be between 0 and 256 inclusive.\n";
	}
	pthread_mutex_lock(&sv->pool->lock);
	sv->weight = (int)w;
	sv->cw = 0;
	pthread_mutex_unlock(&sv->pool->lock);
	return NULL;
}

void rt_srv_set_usable(struct rt_server *sv, bool up)
{
	atomic_store(&sv->nolb, 0); /* a forced state ends NOLB too */
	pthread_mutex_lock(&sv->pool->lock);
	bool was = sv->usable;
	__atomic_store_n(&sv->usable, up, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&sv->pool->lock);
	if (was != up)
		atomic_store(&sv->lastchg, (long long)time(NULL));
}

static void ss_text(const struct sockaddr_storage *ss, char *ip, size_t len, unsigned *port)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, ip, (socklen_t)len);
		*port = ntohs(a->sin6_port);
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &a->sin_addr, ip, (socklen_t)len);
		*port = ntohs(a->sin_port);
	}
}

/* `set server B/S addr IP [port P]`: an IPv4 or IPv6 address, no name (as HAProxy). The
 * new address is used by the next connections, and by the server's health checks unless
 * they have their own `addr` (and `port`). */
static void set_addr(struct rt *rt, struct rt_server *sv, struct rt_sbuf *o, char **args,
                     int nargs)
{
	if (nargs < 5) {
		rt_sb_puts(o,
		           "set server <b>/<s> addr requires an address and optionally a port.\n");
		return;
	}
	struct sockaddr_storage ss = sv->ss;
	char oldip[INET6_ADDRSTRLEN] = "", newip[INET6_ADDRSTRLEN];
	unsigned oldport;
	ss_text(&sv->ss, oldip, sizeof(oldip), &oldport);
	struct in6_addr a6;
	struct in_addr a4;
	if (inet_pton(AF_INET, args[4], &a4) == 1) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;
		memset(&ss, 0, sizeof(ss));
		s->sin_family = AF_INET;
		s->sin_addr = a4;
		s->sin_port = htons((uint16_t)oldport);
	} else if (inet_pton(AF_INET6, args[4], &a6) == 1) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
		memset(&ss, 0, sizeof(ss));
		s->sin6_family = AF_INET6;
		s->sin6_addr = a6;
		s->sin6_port = htons((uint16_t)oldport);
	} else {
		rt_sb_printf(o, "Invalid addr '%s' by 'stats socket command'\n", args[4]);
		return;
	}
	unsigned tmp;
	ss_text(&ss, newip, sizeof(newip), &tmp);
	if (strcmp(oldip, newip))
		rt_sb_printf(o, "IP changed from '%s' to '%s'", oldip, newip);
	else
		rt_sb_puts(o, "no need to change the addr");
	if (nargs > 5 && !strcmp(args[5], "port")) {
		const char *p = nargs > 6 ? args[6] : "";
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p || *end || *p == '+' || *p == '-') {
			rt_sb_printf(o, ", problem converting port '%s' to an int", p);
		} else if ((uint16_t)v == oldport) {
			rt_sb_puts(o, ", no need to change the port");
		} else {
			rt_sb_printf(o, ", port changed from '%u' to '%u'", oldport,
			             (unsigned)(uint16_t)v);
			if (ss.ss_family == AF_INET6)
				((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)v);
			else
				((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)v);
		}
	}
	rt_sb_puts(o, " by 'stats socket command'\n");
	pthread_mutex_lock(&sv->pool->lock);
	sv->ss = ss;
	sv->sslen =
	    ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	pthread_mutex_unlock(&sv->pool->lock);
	rt_checks_addr(rt, sv); /* the checks run on this thread (worker 0's loop) */
}

static void set_state(struct rt_server *sv, struct rt_sbuf *o, const char *val)
{
	if (val && !strcmp(val, "ready"))
		rt_stats_set_admin(sv, 0, RT_ADM_MAINT | RT_ADM_CMAINT | RT_ADM_DRAIN);
	else if (val && !strcmp(val, "drain"))
		rt_stats_set_admin(sv, RT_ADM_DRAIN, RT_ADM_MAINT | RT_ADM_CMAINT);
	else if (val && !strcmp(val, "maint"))
		rt_stats_set_admin(sv, RT_ADM_MAINT, 0);
	else
		rt_sb_puts(o, "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n");
}

/* `health up|down|stopping` forces the operational state as HAProxy's: a checked server's
 * next check result then decides again (HAProxy needs `rise` successes after a forced down,
 * vipr's next probe suffices). Stopping is NOLB: up, but no new load-balanced traffic. */
static void set_health(struct rt_server *sv, struct rt_sbuf *o, const char *val, bool agent)
{
	if (agent && !sv->conf->agent.enabled) {
		rt_sb_puts(o, "agent checks are not enabled on this server.\n");
		return;
	}
	if (val && !strcmp(val, "up"))
		rt_srv_set_usable(sv, true);
	else if (val && !strcmp(val, "down"))
		rt_srv_set_usable(sv, false);
	else if (!agent && val && !strcmp(val, "stopping")) {
		rt_srv_set_usable(sv, true);
		atomic_store(&sv->nolb, 1);
	} else if (agent)
		rt_sb_puts(o, "'set server <srv> agent' expects 'up' or 'down'.\n");
	else
		rt_sb_puts(o, "'set server <srv> health' expects 'up', 'stopping', or 'down'.\n");
}

void cli_set_server(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	struct rt_server *sv = cli_server_arg(c, o, nargs > 2 ? args[2] : NULL);
	if (!sv)
		return;
	const char *what = nargs > 3 ? args[3] : "";
	const char *val = nargs > 4 ? args[4] : NULL;
	static const char *const unsupported[] = {
	    "agent-addr", "agent-port", "agent-send", "check-addr", "check-port", "fqdn", "ssl"};
	if (!strcmp(what, "weight")) {
		const char *err = set_weight(sv, val);
		if (err)
			rt_sb_puts(o, err);
	} else if (!strcmp(what, "state")) {
		set_state(sv, o, val);
	} else if (!strcmp(what, "addr")) {
		set_addr(c->rt, sv, o, args, nargs);
	} else if (!strcmp(what, "health") || !strcmp(what, "agent")) {
		set_health(sv, o, val, what[0] == 'a');
	} else {
		for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
			if (!strcmp(what, unsupported[i])) {
				rt_sb_printf(o, "vipr: 'set server <srv> %s' is not supported.\n",
				             what);
				return;
			}
		rt_sb_puts(o, "usage: set server <backend>/<server> addr | agent | agent-addr | "
		              "agent-port | agent-send | check-addr | check-port | fqdn | health | "
		              "ssl | state | weight\n");
	}
}

/* ---------------------------------------------------------------- sessions */

struct sess_job {
	uintptr_t id;               /* show/shutdown one session: its address; 0: every one */
	const struct rt_server *sv; /* shutdown sessions server */
	bool kill;
	atomic_int found;
	struct rt_sbuf *out; /* per worker */
};

static void sess_line(struct rt_sbuf *o, const struct rt_sess *s)
{
	char ip[INET6_ADDRSTRLEN] = "";
	unsigned port = 0;
	ss_text(&s->cli_addr, ip, sizeof(ip), &port);
	struct timeval now;
	gettimeofday(&now, NULL);
	const struct rt_pool *p = s->server ? s->server->pool : s->pool ? s->pool : s->svc->pool;
	bool v6 = s->cli_addr.ss_family == AF_INET6;
	rt_sb_printf(o, "%p: proto=%s src=%s:%u fe=%s be=%s srv=%s age=%lds cfd=%d sfd=%d\n",
	             (const void *)s, v6 ? "tcpv6" : "tcpv4", ip, port, s->svc->conf->name,
	             p ? p->conf->name : "<NONE>", s->server ? s->server->conf->name : "<none>",
	             (long)(now.tv_sec - s->t_accept.tv_sec), s->cli.fd, s->srv.fd);
}

static void sess_work(struct rt_worker *w, void *arg)
{
	struct sess_job *j = arg;
	struct rt_sess *s = w->sessions, *n;
	for (; s; s = n) {
		n = s->next;
		bool match = j->sv ? s->server == j->sv : !j->id || (uintptr_t)s == j->id;
		if (!match)
			continue;
		atomic_fetch_add(&j->found, 1);
		if (j->kill)
			rt_sess_shutdown(s);
		else
			sess_line(&j->out[w->id], s);
	}
}

static void sess_run(struct rt *rt, struct sess_job *j, struct rt_sbuf *o)
{
	j->out = calloc((size_t)rt->nw, sizeof(*j->out));
	if (!j->out)
		return;
	cli_on_workers(rt, sess_work, j);
	for (int i = 0; i < rt->nw; i++) {
		if (j->out[i].len)
			rt_sb_put(o, j->out[i].d, j->out[i].len);
		free(j->out[i].d);
	}
	free(j->out);
}

/* vipr's line per session: HAProxy's first fields (address, proto, src, fe, be, srv, age),
 * then the two sockets; the stream internals HAProxy adds are not vipr's to show. */
void cli_show_sess(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	struct sess_job j = {.id = nargs > 2 ? (uintptr_t)strtoull(args[2], NULL, 0) : 0};
	if (nargs > 2 && !strcmp(args[2], "all"))
		j.id = 0;
	sess_run(c->rt, &j, o);
	if (j.id && !atomic_load(&j.found))
		rt_sb_puts(o, "Session not found.\n");
}

void cli_shutdown_sess(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	struct sess_job j = {.id = nargs > 2 ? (uintptr_t)strtoull(args[2], NULL, 0) : 0,
	                     .kill = true};
	if (!j.id) {
		rt_sb_puts(o, "Session pointer expected (use 'show sess').\n");
		return;
	}
	sess_run(c->rt, &j, o);
	if (!atomic_load(&j.found))
		rt_sb_puts(o, "No such session (use 'show sess').\n");
}

void cli_shutdown_sessions(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	struct rt_server *sv = cli_server_arg(c, o, nargs > 3 ? args[3] : NULL);
	if (sv)
		rt_srv_kill_sessions(c->rt, &c->rt->w[0], sv);
}

void rt_srv_kill_sessions(struct rt *rt, struct rt_worker *self, struct rt_server *sv)
{
	struct sess_job j = {.sv = sv, .kill = true};
	on_workers_from(rt, self, sess_work, &j);
}

/* ---------------------------------------------------------------- show errors */

/* `show errors [<px>|-1] [request|response]` (stats_errors.c) */
void cli_show_errors(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	const char *px = nargs > 2 && strcmp(args[2], "-1") ? args[2] : NULL;
	rt_errors_show(c->rt, o, px, nargs > 3 ? args[3] : NULL);
}
