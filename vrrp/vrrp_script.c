/* vrrp_script.c - who runs VRRP's scripts and the notify scripts, as keepalived 2.2.7 does.
 *
 * Script user: `script_user` from global_defs, else the user keepalived_script when it exists,
 * else root ("Script user 'keepalived_script' does not exist"). Scripts running as root
 * without `enable_script_security` are still run, after keepalived's "SECURITY VIOLATION"
 * line; with it, a script that a non-root user could modify is disabled. Notify scripts
 * (notify_master/backup/fault/stop, and `notify` with "INSTANCE|GROUP NAME STATE PRIORITY")
 * run asynchronously: a double fork hands them to init, the loop never waits for them.
 * notify_fifo and vrrp_notify_fifo get one line per change in keepalived's format
 * (`INSTANCE "VI_1" MASTER 100`, `GROUP "G1" BACKUP 0`); the FIFO is opened read-write and
 * non-blocking, so that a missing or slow reader never stalls VRRP.
 */
#include "vrrp_int.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *state_word(enum vrrp_state st)
{
	switch (st) {
	case VRRP_MASTER: return "MASTER";
	case VRRP_BACKUP: return "BACKUP";
	case VRRP_FAULT: return "FAULT";
	case VRRP_STOP: return "STOP";
	default: return "INIT";
	}
}

/* Appends s to buf in single quotes ('\'' for a quote). Returns the new length or -1. */
static int sh_quote(char *buf, size_t len, size_t at, const char *s)
{
	if (at >= len)
		return -1;
	buf[at++] = '\'';
	for (; *s; s++) {
		const char *piece = *s == '\'' ? "'\\''" : NULL;
		size_t n = piece ? 4 : 1;
		if (at + n + 2 > len)
			return -1;
		if (piece)
			memcpy(buf + at, piece, n);
		else
			buf[at] = *s;
		at += n;
	}
	buf[at++] = '\'';
	buf[at] = 0;
	return (int)at;
}

int vrrp_notify_args(char *buf, size_t len, bool group, const char *name, enum vrrp_state st,
		     int prio)
{
	int n = snprintf(buf, len, "%s ", group ? "GROUP" : "INSTANCE");
	if (n < 0 || (size_t)n >= len)
		return -1;
	n = sh_quote(buf, len, (size_t)n, name);
	if (n < 0)
		return -1;
	int m = snprintf(buf + n, len - (size_t)n, " %s %d", state_word(st), prio);
	return m < 0 || (size_t)m >= len - (size_t)n ? -1 : n + m;
}

/* Runs `cmd extra` through /bin/sh as the script user, detached: the intermediate child
 * exits at once and is reaped here, the script is reaped by init. */
static void run_detached(const struct vrrp_daemon *d, const char *cmd, const char *extra)
{
	if (!cmd)
		return;
	char line[2048];
	snprintf(line, sizeof(line), "%s%s%s", cmd, extra ? " " : "", extra ? extra : "");
	const struct passwd *pw = d->script_user ? getpwnam(d->script_user) : NULL;
	pid_t p = fork();
	if (p == 0) {
		if (fork() == 0) {
			setsid();
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
			if (pw && geteuid() == 0 &&
			    (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 ||
			     setuid(pw->pw_uid) < 0))
				_exit(126);
			execl("/bin/sh", "sh", "-c", line, (char *)NULL);
			_exit(127);
		}
		_exit(0);
	}
	if (p > 0)
		while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
			;
}

static const char *state_script(const char *m, const char *b, const char *f, const char *s,
				enum vrrp_state to)
{
	return to == VRRP_MASTER ? m : to == VRRP_BACKUP ? b : to == VRRP_FAULT ? f
	       : to == VRRP_STOP ? s : NULL;
}

/* ---------------------------------------------------------------- FIFOs */

static void fifo_line(struct vrrp_daemon *d, bool group, const char *name, const char *what,
		      int prio)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "%s \"%s\" %s %d\n", group ? "GROUP" : "INSTANCE",
			 name, what, prio);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	for (int i = 0; i < 2; i++)
		if (d->fifo[i].fd >= 0 && write(d->fifo[i].fd, line, (size_t)n) < 0 &&
		    errno != EAGAIN)
			vrrp_log("Error writing to notify FIFO %s: %s", d->fifo[i].path,
				 strerror(errno));
}

static void fifo_write(struct vrrp_daemon *d, bool group, const char *name,
		       enum vrrp_state to, int prio)
{
	fifo_line(d, group, name, state_word(to), prio);
}

/* "PATH [user [group]]": the path is the first word. */
static char *fifo_path(const char *conf)
{
	if (!conf)
		return NULL;
	return strndup(conf, strcspn(conf, " \t"));
}

static void fifo_close_one(struct vrrp_fifo *f)
{
	if (f->fd >= 0)
		close(f->fd);
	if (f->made && f->path)
		unlink(f->path);
	free(f->path);
	*f = (struct vrrp_fifo){ .fd = -1 };
}

void vrrp_fifo_close(struct vrrp_daemon *d)
{
	for (int i = 0; i < 2; i++)
		fifo_close_one(&d->fifo[i]);
}

void vrrp_fifo_setup(struct vrrp_daemon *d)
{
	const struct m_ka_global *g = &d->cfg->ka;
	const char *conf[2] = { g->notify_fifo, g->vrrp_notify_fifo };
	const char *script[2] = { g->notify_fifo_script, g->vrrp_notify_fifo_script };
	for (int i = 0; i < 2; i++) {
		struct vrrp_fifo *f = &d->fifo[i];
		char *path = fifo_path(conf[i]);
		if (i == 1 && path && d->fifo[0].path && !strcmp(path, d->fifo[0].path)) {
			free(path); /* the same FIFO twice: one line each change */
			path = NULL;
		}
		if (f->path && path && !strcmp(f->path, path) && f->fd >= 0) {
			free(path); /* stays open across the reload: the reader sees no EOF */
			continue;
		}
		fifo_close_one(f);
		if (!path)
			continue;
		struct stat sb;
		if (stat(path, &sb) < 0) {
			if (mkfifo(path, 0600) < 0) {
				vrrp_log("Unable to create notify FIFO %s", path);
				free(path);
				continue;
			}
			f->made = true;
			/* the reader runs as the script user, who must be able to open it */
			const struct passwd *pw = d->script_user ? getpwnam(d->script_user) : NULL;
			if (pw && chown(path, pw->pw_uid, pw->pw_gid) < 0)
				vrrp_log("Unable to set owner of notify FIFO %s", path);
		} else if (!S_ISFIFO(sb.st_mode)) {
			vrrp_log("notify FIFO %s exists and is not a FIFO", path);
			free(path);
			continue;
		}
		f->path = path;
		/* the reader is started first: it opens the FIFO by its name */
		if (script[i]) {
			char arg[4200] = "";
			if (sh_quote(arg, sizeof(arg), 0, path) > 0)
				run_detached(d, script[i], arg);
		}
		f->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (f->fd < 0)
			vrrp_log("Unable to open notify FIFO %s: %s", path, strerror(errno));
	}
}

/* ---------------------------------------------------------------- notify */

void vrrp_notify(struct vrrp_inst *in, enum vrrp_state to)
{
	const struct m_vrrp_instance *c = in->conf;
	fifo_write(in->d, false, c->name, to, in->fsm.priority);
	run_detached(in->d, state_script(c->notify_master, c->notify_backup, c->notify_fault,
					 c->notify_stop, to), NULL);
	char args[512];
	if (c->notify && vrrp_notify_args(args, sizeof(args), false, c->name, to,
					  in->fsm.priority) > 0)
		run_detached(in->d, c->notify, args);
}

void vrrp_notify_lower(struct vrrp_inst *in)
{
	fifo_line(in->d, false, in->conf->name, "MASTER_RX_LOWER_PRI", in->fsm.priority);
	run_detached(in->d, in->conf->notify_master_rx_lower_pri, NULL);
}

void vrrp_notify_group(struct vrrp_group *g, enum vrrp_state to)
{
	const struct m_sync_group *c = g->conf;
	struct vrrp_daemon *d = g->members[0]->d;
	fifo_write(d, true, c->name, to, 0);
	run_detached(d, state_script(c->notify_master, c->notify_backup, c->notify_fault,
				     c->notify_stop, to), NULL);
	char args[512];
	/* keepalived passes priority 0 for a group */
	if (c->notify && vrrp_notify_args(args, sizeof(args), true, c->name, to, 0) > 0)
		run_detached(d, c->notify, args);
}

static bool any_script(const struct m_config *cfg)
{
	for (const struct m_vrrp_instance *v = cfg->vrrp; v; v = v->next)
		if (v->track_scripts || v->notify || v->notify_master || v->notify_backup ||
		    v->notify_fault || v->notify_stop)
			return true;
	for (const struct m_sync_group *g = cfg->sync_groups; g; g = g->next)
		if (g->notify || g->notify_master || g->notify_backup || g->notify_fault ||
		    g->notify_stop)
			return true;
	return false;
}

void vrrp_script_setup(struct vrrp_daemon *d)
{
	const struct m_ka_global *g = &d->cfg->ka;
	d->script_user = NULL;
	if (!any_script(d->cfg))
		return;
	if (g->script_user) {
		if (getpwnam(g->script_user))
			d->script_user = g->script_user;
		else
			vrrp_log("Unable to set default user to '%s'", g->script_user);
	} else if (getpwnam("keepalived_script")) {
		d->script_user = "keepalived_script";
	} else {
		vrrp_log("Script user 'keepalived_script' does not exist");
	}
	if (!d->script_user && g->enable_script_security != 1)
		vrrp_log("SECURITY VIOLATION - scripts are being executed but script_security not "
			 "enabled.");
}

/* enable_script_security: the script (its first word) and every directory above it must be
 * writable by root only when the script runs as root. */
bool vrrp_script_unsafe(const struct vrrp_daemon *d, const char *cmd, const char *user)
{
	if (d->cfg->ka.enable_script_security != 1 || (user && strcmp(user, "root")))
		return false;
	char path[PATH_MAX];
	size_t n = strcspn(cmd, " \t");
	if (n == 0 || n >= sizeof(path) || cmd[0] != '/')
		return false;
	memcpy(path, cmd, n);
	path[n] = 0;
	for (;;) {
		struct stat sb;
		if (stat(path, &sb) < 0)
			return false;
		bool shared_dir = S_ISDIR(sb.st_mode) && (sb.st_mode & S_ISVTX);
		if (sb.st_uid != 0 || ((sb.st_mode & (S_IWGRP | S_IWOTH)) && !shared_dir))
			return true;
		if (!strcmp(path, "/"))
			break;
		char *slash = strrchr(path, '/');
		*(slash == path ? slash + 1 : slash) = 0;
	}
	return false;
}
