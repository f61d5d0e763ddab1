/* chk_script.c - script probes: keepalived's vrrp_script and MISC_CHECK.
 *
 * Each run forks `/bin/sh -c CMD` in its own process group (as the configured user when
 * running as root), with stdin/stdout/stderr on /dev/null. The parent waits through a pidfd
 * on the engine's loop (no SIGCHLD handler, no interference with other children), or polls
 * with waitpid when pidfd_open is missing. On timeout the whole group is killed, so that a
 * script's own children cannot outlive it. Exit status: 0 passes; MISC_CHECK with
 * misc_dynamic also passes with 2..255 and sets the weight to status - 2 (keepalived).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checks/chk_priv.h"

static const char *script_cmd(const struct chk_item *it, const char **user)
{
	if (it->vs) {
		*user = it->vs->user;
		return it->vs->script;
	}
	*user = it->probe ? it->probe->user : NULL;
	return it->probe ? it->probe->script : NULL;
}

static void child(const char *cmd, const char *user)
{
	setpgid(0, 0);
	int fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (user && geteuid() == 0) {
		struct passwd *pw = getpwnam(user);
		if (!pw || setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 ||
		    setuid(pw->pw_uid) < 0)
			_exit(126);
	}
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

static void reaped(struct chk_item *it, int wstatus)
{
	struct ev_loop *loop = chk_loop(it);
	ev_io_stop(loop, &it->pidio);
	ev_timer_stop(loop, &it->poll);
	if (it->pidfd >= 0)
		close(it->pidfd);
	it->pidfd = -1;
	it->pid = 0;
	char desc[64];
	if (!WIFEXITED(wstatus)) {
		snprintf(desc, sizeof(desc), "killed by signal %d", WTERMSIG(wstatus));
		chk_done(it, false, CHK_ST_PROCERR, -1, desc);
		return;
	}
	int code = WEXITSTATUS(wstatus);
	bool dynamic = !it->vs && it->check && it->check->misc_dynamic == 1;
	bool ok = code == 0 || (dynamic && code >= 2);
	if (dynamic)
		it->st.dyn_weight = code >= 2 ? code - 2 : -1;
	snprintf(desc, sizeof(desc), "exit code %d", code);
	chk_done(it, ok, ok ? CHK_ST_PROCOK : CHK_ST_PROCERR, code, desc);
}

static bool try_reap(struct chk_item *it)
{
	int ws;
	pid_t r = waitpid(it->pid, &ws, WNOHANG);
	if (r == it->pid) {
		reaped(it, ws);
		return true;
	}
	if (r < 0 && errno == ECHILD) { /* reaped elsewhere: the result is lost */
		it->pid = 0;
		reaped(it, 0xff00); /* as exit status 255 */
		return true;
	}
	return false;
}

static void pidfd_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	try_reap(container_of(w, struct chk_item, pidio));
}

static void poll_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)revents;
	try_reap(container_of(t, struct chk_item, poll));
}

static void script_start(struct chk_item *it)
{
	const char *user;
	const char *cmd = script_cmd(it, &user);
	struct ev_loop *loop = chk_loop(it);
	if (!cmd) {
		chk_done(it, false, CHK_ST_PROCERR, -1, "no script");
		return;
	}
	pid_t pid = fork();
	if (pid < 0) {
		chk_done(it, false, CHK_ST_PROCERR, -1, strerror(errno));
		return;
	}
	if (pid == 0)
		child(cmd, user);
	setpgid(pid, pid); /* both sides: whichever runs first wins the race */
	it->pid = pid;
	it->pidfd = -1;
#ifdef SYS_pidfd_open
	it->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
#endif
	if (it->pidfd >= 0) {
		fcntl(it->pidfd, F_SETFD, FD_CLOEXEC);
		ev_io_init(&it->pidio, pidfd_cb, it->pidfd, EV_READ);
		ev_io_start(loop, &it->pidio);
	} else {
		ev_timer_init(&it->poll, poll_cb, 0.02, 0.02);
		ev_timer_start(loop, &it->poll);
	}
}

static void script_cancel(struct chk_item *it)
{
	struct ev_loop *loop = chk_loop(it);
	ev_io_stop(loop, &it->pidio);
	ev_timer_stop(loop, &it->poll);
	if (it->pid > 0) {
		kill(-it->pid, SIGKILL);
		kill(it->pid, SIGKILL);
		while (waitpid(it->pid, NULL, 0) < 0 && errno == EINTR)
			;
		it->pid = 0;
	}
	if (it->pidfd >= 0)
		close(it->pidfd);
	it->pidfd = -1;
}

const struct chk_ops chk_script_ops = {"script", script_start, script_cancel};
