/* vrrp_script.c - who runs VRRP's scripts and the notify scripts, as keepalived 2.2.7 does.
 *
 * Script user: `script_user` from global_defs, else the user keepalived_script when it exists,
 * else root ("Script user 'keepalived_script' does not exist"). Scripts running as root
 * without `enable_script_security` are still run, after keepalived's "SECURITY VIOLATION"
 * line; with it, a script that a non-root user could modify is disabled. Notify scripts
 * (notify_master/backup/fault/stop, and `notify` with "INSTANCE|GROUP NAME STATE PRIORITY")
 * run asynchronously: a double fork hands them to init, the loop never waits for them.
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

void vrrp_notify(struct vrrp_inst *in, enum vrrp_state to)
{
	const struct m_vrrp_instance *c = in->conf;
	run_detached(in->d, state_script(c->notify_master, c->notify_backup, c->notify_fault,
					 c->notify_stop, to), NULL);
	char args[512];
	if (c->notify && vrrp_notify_args(args, sizeof(args), false, c->name, to,
					  in->fsm.priority) > 0)
		run_detached(in->d, c->notify, args);
}

void vrrp_notify_group(struct vrrp_group *g, enum vrrp_state to)
{
	const struct m_sync_group *c = g->conf;
	struct vrrp_daemon *d = g->members[0]->d;
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
