/* lvs_child.c - keepalived's checker process: started, supervised and reloaded by the daemon.
 *
 * As keepalived's, the daemon runs VRRP and a child runs the health checks and the virtual
 * servers (a whole runtime, rt_run, over the keepalived.conf model: kernel IPVS or the
 * userspace path, lvs.c). The child is this program executed again with the same command line
 * and VIPR_KA_CHECKER=1 in its environment (ka_main.c then calls rt_lvs_checker()): a bare
 * fork would inherit the daemon's event loop and signal handlers. It reads the configuration
 * itself, as keepalived's children do, and gets SIGTERM when the daemon dies
 * (PR_SET_PDEATHSIG).
 *
 * Supervision: the daemon watches the child with a pidfd on its own loop (not ev_child: the
 * daemon's loop is not libev's default one, which would reap every child). When the child
 * dies it is started again ("Healthcheck child process(PID) died: Respawning"), at most once a
 * second; with --dont-respawn the daemon stops instead. A child that exits with status 1 (or
 * 127: the exec failed) could not start, its log says why, and is not restarted; the next
 * reload tries again.
 *
 * Reload (SIGHUP): a new child is started over the new configuration with VIPR_KA_CHECKER=2;
 * it takes the running one's state over @vipr-ipvs (lvs_sock.c) and that one soft-stops: its
 * connections finish while the new one takes the new ones. Each child has a generation
 * (VIPR_KA_GEN), so that under reloads in quick succession state only goes to newer ones.
 * If the new one has not taken over within 5 s, the old one is told to soft-stop anyway
 * (SIGUSR1) - unless the new one died, when the old one keeps serving the old configuration.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/ipvs.h"
#include "runtime/runtime.h"
#include "vrrp/vrrp.h"

#define MAX_OLD 8

struct child {
	pid_t pid; /* 0: none */
	int pidfd;
	ev_io w;
	ev_tstamp born;
};

static struct {
	struct rt_lvs_opts o;
	bool want;                 /* the configuration has virtual servers */
	struct child cur;          /* the serving checker */
	struct child old[MAX_OLD]; /* replaced by a reload, finishing their connections */
	ev_timer again;            /* a delayed respawn */
	ev_timer nudge;            /* every 5 s after a reload: soft-stop the old ones that were not */
	bool stopping;
	long gen; /* of the last checker started: a newer one takes over from older ones */
} S;

extern char **environ;

static bool has_vs(const struct m_config *cfg)
{
	for (const struct m_pool *p = cfg->pools; p; p = p->next)
		if (p->lvs)
			return true;
	return false;
}

static void write_pidfile(pid_t pid)
{
	if (!S.o.pidfile)
		return;
	FILE *f = fopen(S.o.pidfile, "w");
	if (!f) {
		vrrp_log("Unable to write pidfile %s: %s", S.o.pidfile, strerror(errno));
		return;
	}
	fprintf(f, "%d\n", (int)pid);
	fclose(f);
}

/* The environment of the child: ours plus the two variables (built before fork: after it,
 * only async-signal-safe calls). NULL when out of memory. */
static char **child_env(char *checker, char *gen)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 3, sizeof(*env));
	if (!env)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "VIPR_KA_CHECKER=", 16) &&
		    strncmp(environ[i], "VIPR_KA_GEN=", 12))
			env[k++] = environ[i];
	env[k++] = checker;
	env[k++] = gen;
	return env;
}

static void on_exit_cb(struct ev_loop *loop, ev_io *w, int revents);
static void end_child(struct child *c);

static void watch(struct child *c, pid_t pid)
{
	c->pid = pid;
	c->born = ev_now(S.o.loop);
	c->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (c->pidfd < 0) {
		vrrp_log("Healthcheck child process(%d) is not supervised: pidfd_open: %s",
		         (int)pid, strerror(errno));
		return;
	}
	ev_io_init(&c->w, on_exit_cb, c->pidfd, EV_READ);
	c->w.data = c;
	ev_io_start(S.o.loop, &c->w);
}

static void unwatch(struct child *c)
{
	if (c->pidfd >= 0 && ev_is_active(&c->w))
		ev_io_stop(S.o.loop, &c->w);
	if (c->pidfd >= 0)
		close(c->pidfd);
	c->pidfd = -1;
	c->pid = 0;
}

/* Starts the checker; takeover: it replaces a running one (VIPR_KA_CHECKER=2). */
static void start(bool takeover)
{
	char checker[] = "VIPR_KA_CHECKER=1", gen[40];
	checker[sizeof(checker) - 2] = takeover ? '2' : '1';
	snprintf(gen, sizeof(gen), "VIPR_KA_GEN=%ld", ++S.gen);
	char **env = child_env(checker, gen);
	if (!env) {
		vrrp_log("Unable to start the checker process: %s", strerror(ENOMEM));
		return;
	}
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(0);
		(void)syscall(SYS_close_range, 3U, ~0U, 0U); /* the daemon's sockets stay its own */
		execve("/proc/self/exe", S.o.argv, env);
		_exit(127);
	}
	free(env);
	if (pid < 0) {
		vrrp_log("Unable to fork the checker process: %s", strerror(errno));
		return;
	}
	watch(&S.cur, pid);
	write_pidfile(pid);
}

static void respawn_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)t;
	(void)revents;
	if (!S.stopping && S.want && !S.cur.pid)
		start(false);
}

/* The serving checker died. */
static void cur_died(struct ev_loop *loop, pid_t pid, int st)
{
	if (S.stopping)
		return;
	if (WIFEXITED(st) && (WEXITSTATUS(st) == 1 || WEXITSTATUS(st) == 127)) {
		vrrp_log("Healthcheck child process(%d) exited with status %d: it could not start "
		         "(see above); not respawning",
		         (int)pid, WEXITSTATUS(st));
		return;
	}
	if (!S.o.respawn) {
		vrrp_log("Healthcheck child process(%d) died: Exiting", (int)pid);
		ev_break(loop, EVBREAK_ALL);
		return;
	}
	vrrp_log("Healthcheck child process(%d) died: Respawning", (int)pid);
	ev_tstamp up = ev_now(loop) - S.cur.born;
	ev_timer_set(&S.again, up < 1.0 ? 1.0 - up : 0.0, 0.0);
	ev_timer_start(loop, &S.again);
}

static void on_exit_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)revents;
	struct child *c = w->data;
	int st = 0;
	pid_t pid = c->pid;
	pid_t r = waitpid(pid, &st, WNOHANG);
	if (r == 0)
		return; /* not yet */
	unwatch(c);
	if (c == &S.cur)
		cur_died(loop, pid, st);
}

/* Repeats while old checkers remain: one still starting when it was replaced ignores SIGUSR1
 * until its runtime runs. */
static void nudge_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)revents;
	bool any = false;
	for (int i = 0; i < MAX_OLD; i++)
		if (S.old[i].pid) {
			any = true;
			if (S.cur.pid) /* else the new checker died: the old ones go on serving */
				kill(S.old[i].pid, SIGUSR1); /* a second soft stop changes nothing */
		}
	if (!any)
		ev_timer_stop(loop, t);
}

int rt_lvs_spawn(const struct m_config *cfg, const struct rt_lvs_opts *o)
{
	S.o = *o;
	S.cur.pidfd = -1;
	for (int i = 0; i < MAX_OLD; i++)
		S.old[i].pidfd = -1;
	ev_timer_init(&S.again, respawn_cb, 0, 0);
	ev_timer_init(&S.nudge, nudge_cb, 0, 0);
	S.want = has_vs(cfg);
	if (S.want)
		start(false);
	return S.cur.pid > 0 ? 0 : (S.want ? -1 : 0);
}

/* Moves the serving checker to the old ones (still watched, never respawned). */
static pid_t retire_cur(void)
{
	pid_t pid = S.cur.pid;
	if (!pid)
		return 0;
	int i = 0;
	while (i < MAX_OLD && S.old[i].pid)
		i++;
	if (i == MAX_OLD) { /* reloads faster than connections end: the oldest must go */
		end_child(&S.old[0]);
		i = 0;
	}
	if (S.cur.pidfd >= 0)
		ev_io_stop(S.o.loop, &S.cur.w);
	S.old[i] = S.cur;
	if (S.old[i].pidfd >= 0) {
		ev_io_init(&S.old[i].w, on_exit_cb, S.old[i].pidfd, EV_READ);
		S.old[i].w.data = &S.old[i];
		ev_io_start(S.o.loop, &S.old[i].w);
	}
	S.cur.pid = 0;
	S.cur.pidfd = -1;
	return pid;
}

void rt_lvs_reload(const struct m_config *old, struct m_config *cur)
{
	if (rt_ipvs_kernel())
		rt_ipvs_remove_gone(old, cur); /* what a new checker would not take over */
	ev_timer_stop(S.o.loop, &S.again);
	S.want = has_vs(cur);
	pid_t prev = retire_cur();
	if (!S.want) { /* no virtual server left: the checker goes, its services with it */
		if (prev)
			kill(prev, SIGTERM);
		return;
	}
	start(prev > 0);
	if (prev) {
		ev_timer_stop(S.o.loop, &S.nudge);
		ev_timer_set(&S.nudge, 5.0, 5.0);
		ev_timer_start(S.o.loop, &S.nudge);
	}
}

/* SIGTERM, then up to 5 s for the exit (the checker removes its IPVS services), then SIGKILL. */
static void end_child(struct child *c)
{
	if (!c->pid)
		return;
	kill(c->pid, SIGTERM);
	for (int i = 0; i < 250; i++) {
		pid_t r = waitpid(c->pid, NULL, WNOHANG);
		if (r == c->pid || (r < 0 && errno == ECHILD))
			break;
		if (i == 249) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, NULL, 0);
		}
		nanosleep(&(struct timespec){0, 20 * 1000000L}, NULL);
	}
	unwatch(c);
}

void rt_lvs_wait(void)
{
	if (!S.o.loop)
		return;
	S.stopping = true;
	ev_timer_stop(S.o.loop, &S.again);
	ev_timer_stop(S.o.loop, &S.nudge);
	for (int i = 0; i < MAX_OLD; i++)
		end_child(&S.old[i]);
	bool had = S.cur.pid > 0;
	end_child(&S.cur);
	if (had && S.o.pidfile)
		unlink(S.o.pidfile);
}

/* ---------------------------------------------------------------- in the child */

static long my_gen;
static bool my_takeover;

long rt_lvs_gen(bool *takeover)
{
	*takeover = my_takeover;
	return my_gen;
}

bool rt_lvs_is_checker(void)
{
	const char *e = getenv("VIPR_KA_CHECKER");
	return e && (!strcmp(e, "1") || !strcmp(e, "2"));
}

int rt_lvs_checker(struct m_config *cfg)
{
	const char *g = getenv("VIPR_KA_GEN"), *c = getenv("VIPR_KA_CHECKER");
	my_gen = g ? atol(g) : 0;
	my_takeover = c && !strcmp(c, "2");
	unsetenv("VIPR_KA_CHECKER"); /* not for the notify scripts */
	unsetenv("VIPR_KA_GEN");
	/* reloads are the daemon's; SIGUSR1 (a soft stop: replaced by a reload) is the runtime's
	 * once it runs, ignored until then */
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGUSR2, SIG_IGN);
	struct rt_opts o = {.foreground = true};
	return rt_run(cfg, &o);
}
