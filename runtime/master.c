/* master.c - HAProxy's master-worker mode (-W, -Ws, `master-worker`): one master process
 * that forks the worker serving the configuration, and reloads by executing itself again.
 *
 * A reload (SIGUSR2, SIGHUP, the master CLI's `reload`) re-executes the same command line in
 * the same process, so the pid systemd knows stays the master's; the workers, their
 * socketpairs and the listening sockets of the newest worker survive the exec, described in
 * the environment (VIPR_MW_*). The new image loads the configuration: when it fails, the
 * master keeps the running workers ("Loading failure!"); otherwise it forks a worker which
 * takes the inherited listening sockets (no connection in a listen queue is lost), and once
 * that worker serves, the former ones get SIGUSR1 (soft stop). Messages are 2.6.12's.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/master.h"
#include "runtime/rt.h"

#define MW_MAX_PROCS 128
#define MW_MAX_LFDS  1024

struct mw_proc {
	pid_t pid;
	int fd;    /* master's end of the socketpair, -1 once closed */
	int birth; /* the master's reload count when it was forked */
	long long start;
	bool current; /* the worker of the current generation: the last one that served */
	bool pending; /* forked by this image, not serving yet */
	bool ready;
	ev_io io;
	mw_out_cb out_cb; /* a forwarded CLI command waiting for its answer */
	void *out_arg;
	/* listeners the worker sent before "R" */
	int nl;
	int lfd[MW_MAX_LFDS];
	char *lkey[MW_MAX_LFDS];
};

struct mw_lfd {
	int fd;
	char *key;
};

static struct {
	const struct rt_opts *o;
	const struct rt_master_opts *mo;
	int reloads, failed;
	long long start;
	struct mw_proc procs[MW_MAX_PROCS];
	int nprocs;
	struct mw_lfd lfds[MW_MAX_LFDS]; /* the newest generation's listening sockets */
	int nlfds;
	bool stopping;
	int exit_code;
	sigset_t blocked;
} mw;

void mw_log(const char *tag, const char *fmt, ...)
{
	if (mw.o && mw.o->quiet)
		return;
	if (strcmp(tag, "[NOTICE]") && mw.mo && mw.mo->version_notice)
		mw.mo->version_notice();
	fprintf(stderr, "%-10s (%d) : ", tag, (int)getpid());
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* systemd's notification protocol: one datagram to $NOTIFY_SOCKET ('@': abstract). */
static void sd_notify_msg(const char *msg)
{
	const char *p = getenv("NOTIFY_SOCKET");
	if (!mw.mo->systemd || !p || !*p)
		return;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t len = strlen(p);
	if (len >= sizeof(sun.sun_path))
		return;
	memcpy(sun.sun_path, p, len);
	if (p[0] == '@')
		sun.sun_path[0] = 0;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sun,
	       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	close(fd);
}

static void notify_ready(void)
{
	char m[64];
	snprintf(m, sizeof(m), "READY=1\nMAINPID=%d", (int)getpid());
	sd_notify_msg(m);
}

/* ---------------------------------------------------------------- state across exec */

static void save_state(void)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%d %d %lld", mw.reloads, mw.failed, mw.start);
	setenv("VIPR_MW_STATE", buf, 1);
	struct rt_sbuf b = {0};
	for (int i = 0; i < mw.nprocs; i++) {
		struct mw_proc *p = &mw.procs[i];
		if (p->fd >= 0)
			fcntl(p->fd, F_SETFD, 0);
		rt_sb_printf(&b, "%d:%d:%d:%lld:%d;", (int)p->pid, p->fd, p->birth, p->start,
		             p->current);
	}
	setenv("VIPR_MW_PROCS", b.d ? b.d : "", 1);
	b.len = 0;
	if (b.d)
		b.d[0] = 0;
	for (int i = 0; i < mw.nlfds; i++) {
		fcntl(mw.lfds[i].fd, F_SETFD, 0);
		rt_sb_printf(&b, "%d=%s;", mw.lfds[i].fd, mw.lfds[i].key);
	}
	setenv("VIPR_MW_LFDS", b.d ? b.d : "", 1);
	free(b.d);
}

static void load_state(void)
{
	const char *s = getenv("VIPR_MW_STATE");
	mw.start = (long long)time(NULL);
	if (!s)
		return;
	sscanf(s, "%d %d %lld", &mw.reloads, &mw.failed, &mw.start);
	const char *p = getenv("VIPR_MW_PROCS");
	while (p && *p && mw.nprocs < MW_MAX_PROCS) {
		struct mw_proc *w = &mw.procs[mw.nprocs];
		int pid, cur = 0, n = 0;
		if (sscanf(p, "%d:%d:%d:%lld:%d;%n", &pid, &w->fd, &w->birth, &w->start, &cur,
		           &n) != 5 ||
		    !n)
			break;
		w->pid = pid;
		w->current = cur;
		w->ready = true; /* a late "R" of a worker forked by the former image is ignored */
		if (w->fd >= 0)
			fcntl(w->fd, F_SETFD, FD_CLOEXEC);
		mw.nprocs++;
		p += n;
	}
	p = getenv("VIPR_MW_LFDS");
	while (p && *p && mw.nlfds < MW_MAX_LFDS) {
		const char *eq = strchr(p, '='), *end = strchr(p, ';');
		if (!eq || !end || eq > end)
			break;
		mw.lfds[mw.nlfds].fd = atoi(p);
		mw.lfds[mw.nlfds].key = strndup(eq + 1, (size_t)(end - eq - 1));
		fcntl(mw.lfds[mw.nlfds].fd, F_SETFD, FD_CLOEXEC);
		mw.nlfds++;
		p = end + 1;
	}
	unsetenv("VIPR_MW_STATE");
	unsetenv("VIPR_MW_PROCS");
	unsetenv("VIPR_MW_LFDS");
}

bool rt_master_reexec(void)
{
	return getenv("VIPR_MW_STATE") != NULL;
}

/* ---------------------------------------------------------------- worker side */

int rt_mw_take_listener(const char *key)
{
	for (int i = 0; i < mw.nlfds; i++)
		if (mw.lfds[i].fd >= 0 && !strcmp(mw.lfds[i].key, key)) {
			int fd = mw.lfds[i].fd;
			mw.lfds[i].fd = -1;
			return fd;
		}
	return -1;
}

void rt_mw_close_unused(void)
{
	for (int i = 0; i < mw.nlfds; i++) {
		if (mw.lfds[i].fd >= 0)
			close(mw.lfds[i].fd);
		free(mw.lfds[i].key);
	}
	mw.nlfds = 0;
}

static bool send_fds(int sock, const char *msg, size_t len, const int *fds, int nfds)
{
	struct iovec iov = {.iov_base = (void *)msg, .iov_len = len};
	union {
		char buf[CMSG_SPACE(sizeof(int) * MW_MAX_FDS_PER_MSG)];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (nfds > 0) {
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) >= 0;
}

bool rt_mw_worker_ready(struct rt *rt, int master_fd)
{
	struct rt_sbuf b = {0};
	int fds[MW_MAX_FDS_PER_MSG], n = 0;
	bool ok = true;
	for (int i = 0; i < rt->nw && ok; i++)
		for (struct rt_listener *l = rt->w[i].listeners; l && ok; l = l->next) {
			if (!n)
				rt_sb_puts(&b, "L");
			rt_sb_printf(&b, "%s\n", l->key);
			fds[n++] = l->fd;
			if (n == MW_MAX_FDS_PER_MSG) {
				ok = send_fds(master_fd, b.d, b.len, fds, n);
				n = 0;
				b.len = 0;
			}
		}
	if (ok && n)
		ok = send_fds(master_fd, b.d, b.len, fds, n);
	free(b.d);
	return ok && send_fds(master_fd, "R", 1, NULL, 0);
}

/* ---------------------------------------------------------------- master side */

static const char *exit_desc(int code)
{
	return code > 128 ? strsignal(code - 128) : "Exit";
}

static struct mw_proc *find_proc(pid_t pid)
{
	for (int i = 0; i < mw.nprocs; i++)
		if (mw.procs[i].pid == pid)
			return &mw.procs[i];
	return NULL;
}

static void proc_close(struct mw_proc *p)
{
	if (p->out_cb) {
		mw_out_cb cb = p->out_cb;
		p->out_cb = NULL;
		cb(p->out_arg, "", 0, true);
	}
	if (ev_is_active(&p->io))
		ev_io_stop(EV_DEFAULT, &p->io);
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	for (int i = 0; i < p->nl; i++) {
		close(p->lfd[i]);
		free(p->lkey[i]);
	}
	p->nl = 0;
}

static void signal_workers(int sig, const struct mw_proc *except)
{
	for (int i = 0; i < mw.nprocs; i++)
		if (&mw.procs[i] != except)
			kill(mw.procs[i].pid, sig);
}

/* The new worker serves: its listeners become the generation handed to the next one, and
 * the former workers stop softly. */
static void worker_ready(struct mw_proc *p)
{
	p->ready = true;
	p->pending = false;
	p->current = true;
	for (int i = 0; i < mw.nlfds; i++) {
		close(mw.lfds[i].fd);
		free(mw.lfds[i].key);
	}
	mw.nlfds = 0;
	for (int i = 0; i < p->nl; i++) {
		mw.lfds[mw.nlfds].fd = p->lfd[i];
		mw.lfds[mw.nlfds++].key = p->lkey[i];
	}
	p->nl = 0;
	mw_log("[NOTICE]", "Loading success.");
	for (int i = 0; i < mw.nprocs; i++)
		if (&mw.procs[i] != p) {
			mw.procs[i].current = false;
			kill(mw.procs[i].pid, SIGUSR1);
		}
	notify_ready();
}

static void proc_msg_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	(void)loop;
	(void)revents;
	struct mw_proc *p = container_of(io, struct mw_proc, io);
	char buf[MW_MAX_FDS_PER_MSG * 160];
	union {
		char c[CMSG_SPACE(sizeof(int) * MW_MAX_FDS_PER_MSG)];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf) - 1};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.c, .msg_controllen = sizeof(u.c)};
	ssize_t n = recvmsg(p->fd, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) { /* the worker is gone; its exit is reported by the SIGCHLD handler */
		proc_close(p);
		return;
	}
	buf[n] = 0;
	int fds[MW_MAX_FDS_PER_MSG], nfds = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(fds + nfds, CMSG_DATA(c), sizeof(int) * (size_t)k);
			nfds += k;
		}
	if (buf[0] == 'L') {
		char *save = NULL, *key = strtok_r(buf + 1, "\n", &save);
		for (int i = 0; i < nfds; i++, key = strtok_r(NULL, "\n", &save)) {
			if (!key || p->nl >= MW_MAX_LFDS) {
				close(fds[i]);
				continue;
			}
			p->lfd[p->nl] = fds[i];
			p->lkey[p->nl++] = strdup(key);
		}
		return;
	}
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	if ((buf[0] == 'O' || buf[0] == 'E') && p->out_cb) {
		mw_out_cb cb = p->out_cb;
		if (buf[0] == 'E')
			p->out_cb = NULL;
		cb(p->out_arg, buf + 1, (size_t)n - 1, buf[0] == 'E');
		return;
	}
	if (buf[0] == 'R' && p->pending && !mw.stopping)
		worker_ready(p);
}

static void proc_watch(struct mw_proc *p)
{
	if (p->fd < 0)
		return;
	ev_io_init(&p->io, proc_msg_cb, p->fd, EV_READ);
	ev_io_start(EV_DEFAULT, &p->io);
}

static void finish_if_alone(void)
{
	if (mw.nprocs > 0 || !mw.stopping)
		return;
	mw_log("[WARNING]", "All workers exited. Exiting... (%d)", mw.exit_code);
	ev_break(EV_DEFAULT, EVBREAK_ALL);
}

static void child_cb(struct ev_loop *loop, ev_child *c, int revents)
{
	(void)loop;
	(void)revents;
	int st = c->rstatus;
	int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	struct mw_proc *p = find_proc(c->rpid);
	if (!p)
		return;
	bool current = p->current, pending = p->pending;
	proc_close(p);
	struct mw_proc *last = &mw.procs[--mw.nprocs];
	if (p != last) { /* move the last one into the hole; its watcher moves with it */
		bool watched = ev_is_active(&last->io);
		if (watched)
			ev_io_stop(EV_DEFAULT, &last->io);
		*p = *last;
		if (watched)
			proc_watch(p);
	}
	if (pending && mw.nprocs == 0 && !mw.reloads) {
		/* the first worker could not start: its alert said why */
		mw.stopping = true;
		mw.exit_code = code;
		ev_break(EV_DEFAULT, EVBREAK_ALL);
		return;
	}
	if (!current && !pending) {
		mw_log("[WARNING]", "Former worker (%d) exited with code %d (%s)", c->rpid, code,
		       exit_desc(code));
	} else if (pending && !mw.stopping && mw.nprocs > 0) {
		/* a reload whose worker could not start (its alert said why: a bind error...):
		 * keep the former ones. 2.6.12 binds in its master and says the same, without
		 * counting it in show proc's [failed: N] (only configurations that did not load).
		 */
		mw_log("[WARNING]", "Loading failure!");
		notify_ready();
	} else {
		mw_log("[ALERT]", "Current worker (%d) exited with code %d (%s)", c->rpid, code,
		       exit_desc(code));
		if (!mw.stopping && !mw.mo->no_exit_on_failure) {
			mw_log("[ALERT]", "exit-on-failure: killing every processes with SIGTERM");
			mw.stopping = true;
			mw.exit_code = code;
			signal_workers(SIGTERM, NULL);
		}
	}
	if (mw.nprocs == 0 && !mw.stopping) {
		mw.stopping = true; /* nothing left to serve: leave as HAProxy does */
		mw.exit_code = code;
	}
	finish_if_alone();
}

/* ---------------------------------------------------------------- reload */

void mw_reload(void)
{
	mw_log("[NOTICE]", "Reloading HAProxy");
	sd_notify_msg("RELOADING=1");
	mw.reloads++;
	mcli_close(false);
	save_state();
	fflush(stdout);
	fflush(stderr);
	/* signals stay blocked until the new image has its handlers */
	sigprocmask(SIG_BLOCK, &mw.blocked, NULL);
	/* argv[0] first, as HAProxy: an upgraded binary takes over; else the running one */
	execvp(mw.mo->argv[0], mw.mo->argv);
	execv("/proc/self/exe", mw.mo->argv);
	mw_log("[ALERT]", "Cannot re-execute the master process (%s)", strerror(errno));
	sigprocmask(SIG_UNBLOCK, &mw.blocked, NULL);
	mw.reloads--;
	mcli_open(mw.mo->cli, mw.mo->ncli);
	mcli_start();
	for (int i = 0; i < mw.nprocs; i++)
		if (mw.procs[i].fd >= 0)
			fcntl(mw.procs[i].fd, F_SETFD, FD_CLOEXEC);
}

static void sig_cb(struct ev_loop *loop, ev_signal *s, int revents)
{
	(void)loop;
	(void)revents;
	switch (s->signum) {
	case SIGUSR2:
	case SIGHUP:
		if (!mw.stopping)
			mw_reload();
		break;
	case SIGTERM:
	case SIGINT:
		mw_log("[WARNING]", "Exiting Master process...");
		mw.stopping = true;
		signal_workers(s->signum, NULL);
		finish_if_alone();
		break;
	default: /* SIGUSR1 (soft stop), SIGTTOU, SIGTTIN: for the workers */
		if (s->signum == SIGUSR1)
			mw.stopping = true;
		signal_workers(s->signum, NULL);
		finish_if_alone();
		break;
	}
}

/* ---------------------------------------------------------------- forking */

static int fork_worker(struct m_config *cfg, bool *is_child, int *child_rc)
{
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		close(sp[0]);
		close(sp[1]);
		return -1;
	}
	if (pid == 0) {
		close(sp[0]);
		for (int i = 0; i < mw.nprocs; i++)
			if (mw.procs[i].fd >= 0)
				close(mw.procs[i].fd);
		mw.nprocs = 0;
		mcli_close(false);
		sigprocmask(SIG_UNBLOCK, &mw.blocked, NULL);
		struct rt_opts wo = *mw.o;
		wo.master_fd = sp[1];
		wo.foreground = true;
		wo.pidfile = NULL;
		*is_child = true;
		*child_rc = rt_run(cfg, &wo);
		rt_mw_close_unused();
		close(sp[1]);
		return 0;
	}
	close(sp[1]);
	struct mw_proc *p = &mw.procs[mw.nprocs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->fd = sp[0];
	p->birth = mw.reloads;
	p->start = (long long)time(NULL);
	p->pending = true;
	mw_log("[NOTICE]", "New worker (%d) forked", (int)pid);
	return 0;
}

static void write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		mw_log("[ALERT]", "[haproxy.main()] Cannot create pidfile %s", path);
		return;
	}
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
}

static bool daemonize(void)
{
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid > 0)
		_exit(0);
	setsid();
	int fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return true;
}

int rt_master_run(struct m_config *cfg, const struct rt_opts *o, const struct rt_master_opts *mo)
{
	bool reexec = rt_master_reexec();
	mw.o = o;
	mw.mo = mo;
	sigemptyset(&mw.blocked);
	int sigs[] = {SIGUSR1, SIGUSR2, SIGHUP, SIGTERM, SIGINT, SIGTTOU, SIGTTIN, SIGCHLD};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&mw.blocked, sigs[i]);
	sigprocmask(SIG_BLOCK, &mw.blocked, NULL);
	signal(SIGPIPE, SIG_IGN);
	load_state();
	if (!reexec && mo->daemon && !daemonize())
		return 1;
	if (mo->pidfile)
		write_pidfile(mo->pidfile);
	if (mcli_open(mo->cli, mo->ncli) < 0) {
		if (!reexec)
			return 1;
	}
	if (!cfg) {
		mw_log("[WARNING]", "Loading failure!");
		mw.failed++;
		notify_ready();
	} else {
		bool child = false;
		int crc = 0;
		if (fork_worker(cfg, &child, &crc) < 0) {
			mw_log("[ALERT]", "[haproxy.main()] Cannot fork.");
			if (!reexec)
				return 1;
		}
		if (child)
			return crc;
	}
	/* The loop exists only now: a worker forked above must not inherit its watchers. */
	struct ev_loop *loop = ev_default_loop(EVFLAG_AUTO);
	ev_child chw;
	ev_child_init(&chw, child_cb, 0, 0);
	ev_child_start(loop, &chw);
	ev_signal sw[7];
	for (int i = 0; i < 7; i++) {
		ev_signal_init(&sw[i], sig_cb, sigs[i]);
		ev_signal_start(loop, &sw[i]);
	}
	for (int i = 0; i < mw.nprocs; i++)
		proc_watch(&mw.procs[i]);
	mcli_start();
	sigprocmask(SIG_UNBLOCK, &mw.blocked, NULL);
	if (mw.nprocs == 0) { /* a reload found no worker left: nothing to wait for */
		mw.stopping = true;
		finish_if_alone();
	} else {
		ev_run(loop, 0);
	}
	for (int i = 0; i < 7; i++)
		ev_signal_stop(loop, &sw[i]);
	ev_child_stop(loop, &chw);
	for (int i = 0; i < mw.nprocs; i++)
		proc_close(&mw.procs[i]);
	mcli_close(true);
	rt_mw_close_unused();
	if (mo->pidfile)
		unlink(mo->pidfile);
	return mw.exit_code;
}

/* ---------------------------------------------------------------- for the master CLI */

int mw_procs(struct mw_proc_info *out, int max)
{
	int n = 0;
	if (max < 1)
		return 0;
	out[n++] = (struct mw_proc_info){getpid(), "master", mw.reloads, mw.start, false};
	for (int i = 0; i < mw.nprocs && n < max; i++)
		out[n++] = (struct mw_proc_info){mw.procs[i].pid, "worker",
		                                 mw.reloads - mw.procs[i].birth, mw.procs[i].start,
		                                 !mw.procs[i].current && !mw.procs[i].pending};
	/* newest first (fewest reloads; the procs array is not kept in order) */
	for (int i = 2; i < n; i++)
		for (int k = i; k > 1 && out[k].reloads < out[k - 1].reloads; k--) {
			struct mw_proc_info t = out[k];
			out[k] = out[k - 1];
			out[k - 1] = t;
		}
	return n;
}

int mw_failed_reloads(void)
{
	return mw.failed;
}

/* Forwards one command line to a worker (relative: 1 the newest, 2 the one before...; 0:
 * by pid); cb gets its answer in pieces, then end=true (also when the worker dies). */
int mw_worker_cmd(pid_t pid, int relative, int level, const char *line, mw_out_cb cb, void *arg)
{
	struct mw_proc_info info[MW_MAX_PROCS + 1];
	int n = mw_procs(info, MW_MAX_PROCS + 1);
	if (relative > 0)
		pid = relative < n ? info[relative].pid : 0;
	struct mw_proc *p = pid ? find_proc(pid) : NULL;
	if (!p || p->fd < 0 || p->out_cb)
		return -1;
	char buf[8192];
	int len = snprintf(buf, sizeof(buf), "C%d%s", level, line);
	if (len < 0 || (size_t)len >= sizeof(buf) ||
	    send(p->fd, buf, (size_t)len, MSG_NOSIGNAL) < 0)
		return -1;
	p->out_cb = cb;
	p->out_arg = arg;
	return 0;
}

void mw_cancel_cmd(void *arg)
{
	for (int i = 0; i < mw.nprocs; i++)
		if (mw.procs[i].out_arg == arg)
			mw.procs[i].out_cb = NULL, mw.procs[i].out_arg = NULL;
}
