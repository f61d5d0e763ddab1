/* rt_main.c - rt_run(): from a model to running worker loops, and back on a signal.
 *
 * Startup resolves the model into runtime objects (services, pools, servers with resolved
 * addresses), binds every listener once per worker thread with SO_REUSEPORT so that the
 * kernel spreads connections over the threads, then daemonizes if asked. Worker 0 runs
 * libev's default loop and is the only one that sees signals; it forwards stop requests to
 * the other workers through their ev_async. Errors are reported the way HAProxy words them.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "runtime/master.h"
#include "runtime/rt.h"

static void alert(const char *fmt, const char *a, const char *b, const char *c)
{
	fprintf(stderr, "[ALERT]    (%d) : ", (int)getpid());
	fprintf(stderr, fmt, a, b, c);
	fputc('\n', stderr);
}

/* ---------------------------------------------------------------- model -> runtime */

static bool resolve_server(struct rt_server *rs, const struct m_server *ms)
{
	const struct m_addr *a = &ms->addr;
	if (a->kind == M_ADDR_INET) {
		memcpy(&rs->ss, &a->ss, sizeof(rs->ss));
		rs->sslen = a->sslen ? a->sslen
		                     : (a->ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
		                                                    : sizeof(struct sockaddr_in));
		return true;
	}
	if (a->kind == M_ADDR_NAME && a->host) {
		struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
		if (getaddrinfo(a->host, NULL, &hints, &res) != 0)
			return false;
		memcpy(&rs->ss, res->ai_addr, res->ai_addrlen);
		rs->sslen = res->ai_addrlen;
		freeaddrinfo(res);
		if (rs->ss.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&rs->ss)->sin6_port = htons(a->port_lo);
		else
			((struct sockaddr_in *)&rs->ss)->sin_port = htons(a->port_lo);
		return true;
	}
	return false; /* unix and other server address kinds come later */
}

static int build_pool(struct rt *rt, struct rt_pool *p, const struct m_pool *mp)
{
	rt_pool_init(p, mp);
	for (const struct m_server *s = mp->servers; s; s = s->next)
		p->nsrv++;
	/* spare slots for `add server` (keepalived virtual_servers take none) */
	p->cap = p->nsrv + (mp->lvs ? 0 : RT_DYN_SPARE);
	p->srv = calloc((size_t)(p->cap ? p->cap : 1), sizeof(*p->srv));
	p->ord = calloc((size_t)(p->cap ? p->cap : 1), sizeof(*p->ord));
	if (!p->srv || !p->ord)
		return -1;
	int i = 0;
	for (const struct m_server *s = mp->servers; s; s = s->next, i++) {
		struct rt_server *rs = &p->srv[i];
		p->ord[i] = i;
		rs->conf = s;
		rs->pool = p;
		rs->live = true;
		rs->puid = s->id > 0 ? s->id : i + 1;
		rs->weight = s->weight == M_UNSET ? 1 : s->weight;
		rs->backup = s->backup == 1;
		rs->usable = s->disabled != 1;
		if (!resolve_server(rs, s)) {
			char buf[32];
			snprintf(buf, sizeof(buf), "%s", s->addr.text ? s->addr.text : "?");
			alert(
			    "config : parsing [%s] : could not resolve address '%s' of server %s.",
			    mp->name, buf, s->name);
			return -1;
		}
	}
	(void)rt;
	return 0;
}

/* "except NET": an address with an optional /prefix, IPv4 or IPv6. */
static bool parse_net(const char *s, struct rt_net *n)
{
	char tmp[64];
	snprintf(tmp, sizeof(tmp), "%s", s);
	char *slash = strchr(tmp, '/');
	int bits = -1;
	if (slash) {
		*slash = 0;
		bits = atoi(slash + 1);
	}
	memset(n, 0, sizeof(*n));
	if (inet_pton(AF_INET, tmp, n->addr) == 1)
		n->family = AF_INET;
	else if (inet_pton(AF_INET6, tmp, n->addr) == 1)
		n->family = AF_INET6;
	else
		return false;
	int max = n->family == AF_INET ? 32 : 128;
	if (bits < 0 || bits > max)
		bits = max;
	for (int i = 0; i < bits; i++)
		n->mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	return true;
}

static struct m_pool *default_pool(const struct m_config *cfg, const struct m_service *s)
{
	if (s->default_pool)
		return s->default_pool;
	if (s->default_pool_name)
		return m_find_pool(cfg, s->default_pool_name);
	for (struct m_pool *p = cfg->pools; p; p = p->next)
		if (p->service == s)
			return p;
	return NULL;
}

static int8_t opt(const struct m_proxy_conf *fe, const struct m_proxy_conf *be, int o)
{
	if (fe && fe->opt[o] != M_UNSET)
		return fe->opt[o];
	return be ? be->opt[o] : M_UNSET;
}

static void build_service(struct rt *rt, struct rt_service *rs, const struct m_service *s)
{
	struct m_pool *mp = default_pool(rt->cfg, s);
	rs->conf = s;
	for (int i = 0; i < rt->npools; i++)
		if (rt->pools[i].conf == mp)
			rs->pool = &rt->pools[i];
	rs->fe = s->conf;
	rs->be = mp ? mp->conf : NULL;
	rs->mode = rs->fe && rs->fe->mode != M_MODE_UNSET ? rs->fe->mode : M_MODE_TCP;
	rs->ff = opt(rs->fe, rs->be, OPT_FORWARDFOR) == 1;
	/* forwardfor arguments come from whichever side declared the option */
	const struct m_proxy_conf *ffc =
	    (rs->fe && rs->fe->opt[OPT_FORWARDFOR] == 1) ? rs->fe : rs->be;
	if (rs->ff && ffc) {
		rs->ff_header = ffc->ff_header ? ffc->ff_header : "x-forwarded-for";
		rs->ff_if_none = ffc->ff_if_none == 1;
		if (ffc->ff_except)
			rs->ff_has_except = parse_net(ffc->ff_except, &rs->ff_except);
	}
	rt_logfmt_build(rs); /* logfmt.c: the frontend's own log-format */
	bool logfmt = opt(rs->fe, NULL, OPT_HTTPLOG) == 1 || opt(rs->fe, NULL, OPT_TCPLOG) == 1 ||
	              rs->logfmt.n;
	bool target = rt->o->log_stderr || (rs->fe && rs->fe->logs) ||
	              (rs->fe && rs->fe->log_global == 1 && rt->cfg->global.logs);
	rs->log = logfmt && target;
	atomic_init(&rs->cur, 0);
}

static int build(struct rt *rt)
{
	for (struct m_pool *p = rt->cfg->pools; p; p = p->next)
		rt->npools++;
	for (struct m_service *s = rt->cfg->services; s; s = s->next)
		if (s->kind != SVC_DEFAULTS && !(s->conf && s->conf->disabled == 1))
			rt->nsvc++;
	rt->pools = calloc((size_t)rt->npools + 1, sizeof(*rt->pools));
	rt->svc = calloc((size_t)rt->nsvc + 1, sizeof(*rt->svc));
	int i = 0;
	for (struct m_pool *p = rt->cfg->pools; p; p = p->next, i++)
		if (build_pool(rt, &rt->pools[i], p) < 0)
			return -1;
	i = 0;
	for (struct m_service *s = rt->cfg->services; s; s = s->next)
		if (s->kind != SVC_DEFAULTS && !(s->conf && s->conf->disabled == 1))
			build_service(rt, &rt->svc[i++], s);
	return rt_rules_build(rt); /* rules.c: ACLs, http rules, use_backend */
}

/* ---------------------------------------------------------------- workers and signals */

/* HAProxy's lines when a soft stop closes the proxies: those with listeners first, then the
 * backends, each with its cumulated frontend and backend connections. */
static void log_proxies_stopped(const struct rt *rt)
{
	if (rt->o->quiet)
		return;
	for (int i = 0; i < rt->nsvc; i++) {
		const struct rt_service *sv = &rt->svc[i];
		if (sv->conf->kind == SVC_VIRTUAL_SERVER)
			continue;
		long long be = 0;
		for (int k = 0; k < rt->npools; k++)
			if (rt->pools[k].conf->service == sv->conf)
				be = atomic_load(&rt->pools[k].cnt.stot);
		fprintf(stderr,
		        "[WARNING]  (%d) : Proxy %s stopped (cumulated conns: FE: %lld, BE: %lld).\n",
		        (int)getpid(), sv->conf->name, (long long)atomic_load(&sv->cnt.stot), be);
	}
	for (int k = 0; k < rt->npools; k++)
		if (!rt->pools[k].conf->service)
			fprintf(stderr,
			        "[WARNING]  (%d) : Proxy %s stopped (cumulated conns: FE: 0, BE: %lld).\n",
			        (int)getpid(), rt->pools[k].conf->name,
			        (long long)atomic_load(&rt->pools[k].cnt.stot));
}

/* Applies the process-wide stop state to one worker, on its own thread. */
static void worker_check_stop(struct rt_worker *w)
{
	int st = atomic_load(&w->rt->stop);
	if (st == 2) {
		rt_close_listeners(w);
		rt_sess_kill_all(w);
		ev_break(w->loop, EVBREAK_ALL);
	} else if (st == 1) {
		if (!w->soft) {
			w->soft = true;
			if (w->id == 0)
				rt_lvs_soft_stop(w->rt); /* lvs: a replaced checker's checks stop */
			/* Without a master to hand the sockets over (-sf), take what already waits
			 * in the listen queues: closing them would reset those connections. */
			if (!w->rt->o->master_fd)
				for (struct rt_listener *l = w->listeners; l; l = l->next)
					if (!l->paused)
						rt_accept_cb(w->loop, &l->io, EV_READ);
			/* hard-stop-after bounds how long sessions may keep a soft stop waiting */
			m_ms hsa = w->rt->cfg->global.hard_stop_after;
			if (w->id == 0 && hsa > 0) {
				ev_timer_set(&w->rt->hard, (double)hsa / 1000.0, 0);
				ev_timer_start(w->loop, &w->rt->hard);
			}
			rt_close_listeners(w);
			rt_sess_close_idle(w);
			if (w->id == 0)
				log_proxies_stopped(w->rt);
		}
		if (w->nsess == 0)
			ev_break(w->loop, EVBREAK_ALL);
	}
}

static void wake_cb(struct ev_loop *loop, ev_async *a, int revents)
{
	(void)loop;
	(void)revents;
	worker_check_stop(container_of(a, struct rt_worker, wake));
}

static void stop_all(struct rt *rt, int how)
{
	int cur = atomic_load(&rt->stop);
	if (how > cur)
		atomic_store(&rt->stop, how);
	for (int i = 0; i < rt->nw; i++)
		ev_async_send(rt->w[i].loop, &rt->w[i].wake);
}

struct sigw {
	ev_signal sig;
	struct rt *rt;
};

static void signal_cb(struct ev_loop *loop, ev_signal *sw, int revents)
{
	(void)loop;
	(void)revents;
	struct sigw *s = container_of(sw, struct sigw, sig);
	if (sw->signum != SIGUSR1)
		s->rt->stop_sig = sw->signum;
	stop_all(s->rt, sw->signum == SIGUSR1 ? 1 : 2);
}

static void hard_stop_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)revents;
	stop_all(t->data, 2);
}

/* A worker of a master: the master's end closing means the master is gone, so the worker
 * stops too. "C" + a level digit + a command line is a master CLI command forwarded to this
 * worker (@1, @!PID): the answer goes back in "O" datagrams, then "E". */
static void master_msg_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	(void)revents;
	struct rt *rt = container_of(io, struct rt, mw_io);
	char buf[8192];
	ssize_t n = recv(io->fd, buf, sizeof(buf) - 1, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		ev_io_stop(loop, io);
		rt->stop_sig = SIGTERM;
		stop_all(rt, 2);
		return;
	}
	buf[n] = 0;
	if (buf[0] != 'C' || n < 2)
		return;
	struct rt_cli_ctx ctx = {.rt = rt, .level = buf[1] - '0'};
	struct rt_sbuf out = {0};
	rt_cli_exec(&ctx, buf + 2, &out);
	for (size_t off = 0; off < out.len;) {
		char chunk[16384];
		size_t k = out.len - off < sizeof(chunk) - 1 ? out.len - off : sizeof(chunk) - 1;
		chunk[0] = 'O';
		memcpy(chunk + 1, out.d + off, k);
		if (send(io->fd, chunk, k + 1, MSG_NOSIGNAL) < 0)
			break;
		off += k;
	}
	send(io->fd, "E", 1, MSG_NOSIGNAL);
	free(out.d);
}

/* Once listening: tell the master (master-worker), or stop the old pids (-sf/-st). */
static void announce(struct rt *rt)
{
	const struct rt_opts *o = rt->o;
	if (o->master_fd > 0) {
		ev_io_init(&rt->mw_io, master_msg_cb, o->master_fd, EV_READ);
		ev_io_start(rt->w[0].loop, &rt->mw_io);
		ev_unref(rt->w[0].loop); /* the master's channel alone must not keep it alive */
		if (!rt_mw_worker_ready(rt, o->master_fd))
			stop_all(rt, 2);
	}
	for (int i = 0; i < o->noldpids; i++)
		if (o->oldpids[i] > 0)
			kill(o->oldpids[i], o->terminate_old ? SIGTERM : SIGUSR1);
}

static void worker_start(struct rt_worker *w)
{
	for (struct rt_listener *l = w->listeners; l; l = l->next) {
		ev_io_init(&l->io, rt_accept_cb, l->fd, EV_READ);
		ev_io_start(w->loop, &l->io);
	}
	ev_async_init(&w->wake, wake_cb);
	ev_async_start(w->loop, &w->wake);
	pthread_mutex_init(&w->qlock, NULL);
	ev_async_init(&w->qwake, rt_sess_queue_cb);
	ev_async_start(w->loop, &w->qwake);
}

static void *worker_main(void *arg)
{
	struct rt_worker *w = arg;
	ev_run(w->loop, 0);
	return NULL;
}

static void write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		alert("[%s.main()] Cannot create pidfile %s%s", "haproxy", path, "");
		return;
	}
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
}

/* Forks; the parent reports success and returns, the child carries on serving. */
static int daemonize(const char *pidfile, bool *parent)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		*parent = true;
		return 0;
	}
	setsid();
	int fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		if (fd > 2)
			close(fd);
	}
	if (pidfile)
		write_pidfile(pidfile);
	return 0;
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VIPR_LSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define VIPR_LSAN 1
#endif
#ifdef VIPR_LSAN
#include <sanitizer/lsan_interface.h>
#endif

/* global chroot, group and user: applied once every socket is bound and the pidfile written,
 * before any thread starts, as HAProxy does (in master-worker mode, by the worker only). */
static int drop_privileges(const struct m_global *g)
{
	char buf[64];
#ifdef VIPR_LSAN
	/* LeakSanitizer needs /proc at exit, which a chroot lacks: look for leaks now instead */
	if (g->chroot)
		__lsan_do_leak_check();
#endif
	if (g->chroot && (chroot(g->chroot) < 0 || chdir("/") < 0)) {
		alert("[%s.main()] Cannot chroot(%s).", "haproxy", g->chroot, "");
		return -1;
	}
	if (g->gid != M_UNSET && g->gid > 0) {
		gid_t gid = (gid_t)g->gid;
		if (setgroups(1, &gid) < 0 || setgid(gid) < 0) {
			snprintf(buf, sizeof(buf), "%d", g->gid);
			alert("[%s.main()] Cannot set gid %s.", "haproxy", buf, "");
			return -1;
		}
	}
	if (g->uid != M_UNSET && g->uid > 0) {
		if (g->user && g->gid != M_UNSET && g->gid > 0)
			initgroups(g->user, (gid_t)g->gid); /* the user's supplementary groups */
		if (setuid((uid_t)g->uid) < 0) {
			snprintf(buf, sizeof(buf), "%d", g->uid);
			alert("[%s.main()] Cannot set uid %s.", "haproxy", buf, "");
			return -1;
		}
	}
	return 0;
}

static void teardown(struct rt *rt)
{
	rt_rules_free(rt); /* rules.c */
	rt_logfmt_free(rt);
	rt_cli_close(rt); /* stats sockets */
	for (int i = 0; i < rt->nw; i++) {
		struct rt_worker *w = &rt->w[i];
		rt_close_listeners(w);
		rt_sess_kill_all(w);
		if (w->loop)
			ev_loop_destroy(w->loop);
	}
	for (int i = 0; i < rt->npools; i++) {
		pthread_mutex_destroy(&rt->pools[i].lock);
		rt_pool_free(&rt->pools[i]);
		free(rt->pools[i].srv);
		free(rt->pools[i].ord);
	}
	free(rt->pools);
	rt_errors_free(rt);
	if (rt->dyn_arena)
		arena_free(rt->dyn_arena);
	free(rt->svc);
	free(rt->w);
}

int rt_run(struct m_config *cfg, const struct rt_opts *o)
{
	static const struct rt_opts defaults;
	struct rt rt = {.cfg = cfg, .o = o ? o : &defaults};
	int rc = 0;

	signal(SIGPIPE, SIG_IGN);
	/* Session buffers come and go with every connection: keep freed memory in the heap
	 * instead of returning it with brk() after each close (glibc trims at 128 kB). */
	mallopt(M_TRIM_THRESHOLD, 32 << 20);
	mallopt(M_TOP_PAD, 4 << 20);
	rt.nw = cfg->global.nbthread > 0 ? cfg->global.nbthread : 1;
	rt.w = calloc((size_t)rt.nw, sizeof(*rt.w));
	if (build(&rt) < 0) {
		teardown(&rt);
		return 1;
	}
	rt_lvs_start(&rt); /* lvs: a line per virtual_server, the live ipvs table */
	for (int i = 0; i < rt.nw; i++) {
		rt.w[i].rt = &rt;
		rt.w[i].id = i;
		rt.w[i].seed = (uint32_t)getpid() * 2654435761u + (uint32_t)i;
		if (rt_bind_worker(&rt, &rt.w[i]) < 0) {
			teardown(&rt);
			return 1;
		}
	}
	rt_mw_close_unused(); /* sockets of binds the new configuration no longer has */
	if (rt_cli_open(&rt) < 0) { /* stats sockets (cli_api.c) */
		teardown(&rt);
		return 1;
	}
	const char *pidfile = rt.o->pidfile ? rt.o->pidfile : cfg->global.pidfile;
	if (!rt.o->foreground && cfg->global.daemon == 1) {
		bool parent = false;
		if (daemonize(pidfile, &parent) < 0) {
			teardown(&rt);
			return 1;
		}
		if (parent) {
			/* the child owns the sockets now; the parent only drops its copies */
			for (int i = 0; i < rt.nw; i++)
				for (struct rt_listener *l = rt.w[i].listeners; l; l = l->next)
					close(l->fd), l->fd = -1;
			/* Leave as HAProxy's parent does, at once: the child serves the model and
			 * the stats sockets, which a teardown here would unlink. */
			fflush(NULL);
			_exit(0);
		}
	}
	if (drop_privileges(&cfg->global) < 0) {
		teardown(&rt);
		return 1;
	}
	/* HAProxy writes the pidfile only when it daemonizes: a foreground (-db) run or a
	 * systemd unit's -Ws leaves it alone. */

	/* No libev default loop: it reaps every child on SIGCHLD, before the checks engine
	 * reads a MISC_CHECK's or external check's exit status through its pidfd. */
	for (int i = 0; i < rt.nw; i++)
		if (!(rt.w[i].loop = ev_loop_new(EVFLAG_AUTO))) {
			teardown(&rt);
			return 1;
		}
	for (int i = 0; i < rt.nw; i++)
		worker_start(&rt.w[i]);
	/* Health checks run on worker 0's loop and flip servers' `usable` under pool locks.
	 * A refusal (a probe vipr does not have) was reported by rt_checks_start(). */
	if (rt_checks_start(&rt) < 0) {
		teardown(&rt);
		return 1;
	}
	rt_cli_start(&rt, rt.w[0].loop); /* stats sockets */

	struct sigw sigs[3];
	int signums[3] = {SIGINT, SIGTERM, SIGUSR1};
	for (int i = 0; i < 3; i++) {
		sigs[i].rt = &rt;
		ev_signal_init(&sigs[i].sig, signal_cb, signums[i]);
		ev_signal_start(rt.w[0].loop, &sigs[i].sig);
		ev_unref(rt.w[0].loop); /* signal watchers alone must not keep the loop alive */
	}
	ev_timer_init(&rt.hard, hard_stop_cb, 0, 0);
	rt.hard.data = &rt;

	/* Only worker 0 may receive signals: libev hands each signal to one loop, worker 0. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (int i = 1; i < rt.nw; i++)
		pthread_create(&rt.w[i].th, NULL, worker_main, &rt.w[i]);
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	announce(&rt);
	ev_run(rt.w[0].loop, 0);
	/* worker 0 broke out; wait for the others (a soft stop lets their sessions end) */
	for (int i = 1; i < rt.nw; i++)
		pthread_join(rt.w[i].th, NULL);
	ev_timer_stop(rt.w[0].loop, &rt.hard);
	for (int i = 0; i < 3; i++) {
		ev_ref(rt.w[0].loop);
		ev_signal_stop(rt.w[0].loop, &sigs[i].sig);
	}
	ev_async_stop(rt.w[0].loop, &rt.w[0].wake);
	if (o && o->master_fd > 0) {
		if (ev_is_active(&rt.mw_io)) {
			ev_ref(rt.w[0].loop);
			ev_io_stop(rt.w[0].loop, &rt.mw_io);
		}
		/* the master reports how the worker ended: "exited with code 143 (Terminated)" */
		if (rt.stop_sig)
			rc = 128 + rt.stop_sig;
	}
	rt_checks_stop(&rt); /* before teardown frees the pools the checks point at */
	rt_lvs_stop(&rt); /* lvs: the live-table thread reads the pools too */
	teardown(&rt);
	return rc;
}
