/* vrrp_tfile.c - track_file and vrrp_track_process, as keepalived 2.2.7 uses them.
 *
 * track_file: the integer in a file (0 when missing or not a number), re-read when inotify
 * reports a write, a rename or a removal in its directory; times the weight it moves the
 * priority, below -253 (or non-zero with weight 0) it is a FAULT. init_file writes a value at
 * start. vrrp_track_process: processes are counted by name (/proc/PID/comm, the Name: line
 * keepalived matches), by command line with parameters (all of them, or the first ones
 * with param_match partial/initial) or full_command, polling /proc every
 * 200 ms (keepalived's proc connector is not available in network namespaces); the quorum
 * (quorum..quorum_max) going up or down is believed after fork_delay / terminate_delay.
 */
#include "vrrp_int.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>

#define PROC_POLL_S 0.2

/* ---------------------------------------------------------------- files */

static int read_value(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	char *end;
	long v = strtol(buf, &end, 10);
	if (end == buf || v > 2147483647L || v < -2147483647L)
		return 0;
	return (int)v;
}

static void init_file(const struct m_track_file *c)
{
	if (!c->init_file || (!c->init_overwrite && access(c->file, F_OK) == 0))
		return;
	int fd = open(c->file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		vrrp_log("Unable to initialise track file %s", c->file);
		return;
	}
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", c->init_value);
	if (write(fd, buf, (size_t)n) != n)
		vrrp_log("Unable to initialise track file %s", c->file);
	close(fd);
}

/* A file's effect on one tracker: its contribution to the priority, or a fault. */
static bool file_fault(const struct vrrp_tref *r, int value, int64_t *res)
{
	if (!r->weight) {
		*res = 0;
		return value != 0;
	}
	*res = (int64_t)value * r->weight * (r->reverse ? -1 : 1);
	return *res < -253;
}

bool vrrp_tfile_eval(struct vrrp_tref *r, int *delta)
{
	int64_t res;
	bool fault = file_fault(r, r->f->value, &res);
	if (!fault)
		r->contrib = (int)(res > 253 ? 253 : res);
	/* keepalived leaves the priority alone while the file holds the instance in FAULT */
	*delta += r->contrib;
	return fault;
}

static void file_changed(struct vrrp_daemon *d, struct vrrp_tfile *tf, int value)
{
	int old = tf->value;
	tf->value = value;
	for (struct vrrp_inst *in = d->insts; in; in = in->next) {
		bool hit = false;
		for (int i = 0; i < in->ntrefs; i++) {
			struct vrrp_tref *r = &in->trefs[i];
			if (r->f != tf)
				continue;
			int64_t res;
			bool was = file_fault(r, old, &res), is = file_fault(r, value, &res);
			if (is && !was)
				vrrp_log("(%s): tracked file %s now FAULT state", in->conf->name,
				         tf->conf->name);
			else if (was && !is) {
				vrrp_log("(%s): tracked file %s leaving FAULT state",
				         in->conf->name, tf->conf->name);
				in->prio_set_msg = true;
			}
			hit = true;
		}
		if (hit)
			vrrp_track_update(in);
		in->prio_set_msg = false;
	}
}

static void inotify_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	struct vrrp_daemon *d = container_of(w, struct vrrp_daemon, ino_io);
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;
	bool any = false;
	while ((n = read(d->ino_fd, buf, sizeof(buf))) > 0)
		any = true;
	if (!any)
		return;
	/* events name directories' entries: re-read every file and act on those that moved */
	for (struct vrrp_tfile *tf = d->tfiles; tf; tf = tf->next) {
		int v = read_value(tf->conf->file);
		if (v != tf->value)
			file_changed(d, tf, v);
	}
}

struct vrrp_tfile *vrrp_tfile_get(struct vrrp_daemon *d, const char *name)
{
	for (struct vrrp_tfile *tf = d->tfiles; tf; tf = tf->next)
		if (!strcmp(tf->conf->name, name))
			return tf;
	const struct m_track_file *c = d->cfg->track_files;
	while (c && strcmp(c->name, name))
		c = c->next;
	if (!c || !c->file)
		return NULL;
	struct vrrp_tfile *tf = calloc(1, sizeof(*tf));
	if (!tf)
		return NULL;
	tf->conf = c;
	init_file(c);
	tf->value = read_value(c->file);
	if (d->ino_fd < 0) {
		d->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (d->ino_fd >= 0) {
			ev_io_init(&d->ino_io, inotify_cb, d->ino_fd, EV_READ);
			ev_io_start(d->loop, &d->ino_io);
		}
	}
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", c->file);
	char *slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = 0;
	else
		snprintf(dir, sizeof(dir), ".");
	/* a file is read once written and closed (not while a writer truncated it), renamed in
	 * or out, or removed */
	uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE;
	if (d->ino_fd >= 0 && inotify_add_watch(d->ino_fd, dir, mask) < 0)
		vrrp_log("Unable to watch track file %s: %s", c->file, strerror(errno));
	tf->next = d->tfiles;
	d->tfiles = tf;
	return tf;
}

/* ---------------------------------------------------------------- processes */

/* Reads /proc/PID/NAME into buf (NUL-terminated); returns the length or -1. */
static ssize_t proc_read(const char *pid, const char *name, char *buf, size_t len)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%s/%s", pid, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return n;
}

/* The arguments of a process (space separated) against `process P ARGS` and param_match:
 * all of them (the default, or none with a bare param_match), the first ones (partial), or
 * the first ones with the last given one a prefix of its argument (initial). */
static bool params_match(const struct m_track_process *c, const char *rest)
{
	const char *want = c->params ? c->params : "";
	size_t n = strlen(want);
	switch (c->param_match) {
	case M_PM_PARTIAL: return !strncmp(rest, want, n) && (!n || !rest[n] || rest[n] == ' ');
	case M_PM_INITIAL: return !strncmp(rest, want, n);
	default: return !strcmp(rest, want);
	}
}

static bool proc_match(const struct m_track_process *c, const char *pid)
{
	char buf[4096];
	if (!c->params && !c->full_command && c->param_match == M_PM_NONE) {
		/* the Name: line: the first 15 bytes of the program's name */
		if (proc_read(pid, "comm", buf, sizeof(buf)) < 0)
			return false;
		buf[strcspn(buf, "\n")] = 0;
		return !strncmp(buf, c->process, 15) && strlen(buf) == strnlen(c->process, 15);
	}
	ssize_t n = proc_read(pid, "cmdline", buf, sizeof(buf));
	if (n <= 0)
		return false;
	if (buf[n - 1] == 0)
		n--;
	const char *argv0 = buf, *base = strrchr(argv0, '/');
	size_t l0 = strlen(argv0);
	for (ssize_t i = 0; i < n; i++)
		if (!buf[i])
			buf[i] = ' ';
	if (c->full_command) {
		char want[4096];
		snprintf(want, sizeof(want), "%s%s%s", c->process, c->params ? " " : "",
		         c->params ? c->params : "");
		return !strcmp(buf, want);
	}
	/* process and parameters: argv[0] (or its last component) and the rest exactly */
	const char *rest = buf + l0 + (l0 < (size_t)n ? 1 : 0);
	size_t pl = strlen(c->process);
	bool name_ok = (l0 == pl && !strncmp(argv0, c->process, pl)) ||
	               (base && base < argv0 + l0 && !strncmp(base + 1, c->process, pl) &&
	                (size_t)(argv0 + l0 - base - 1) == pl);
	return name_ok && params_match(c, rest);
}

static void proc_flip(struct vrrp_daemon *d, struct vrrp_tproc *tp)
{
	tp->up = !tp->up;
	vrrp_log("Process %s, number of current processes changed from %u to %u, quorum %s",
	         tp->conf->name, tp->reported, tp->count, tp->up ? "up" : "down");
	tp->reported = tp->count;
	for (struct vrrp_inst *in = d->insts; in; in = in->next)
		for (int i = 0; i < in->ntrefs; i++)
			if (in->trefs[i].p == tp) {
				vrrp_track_update(in);
				break;
			}
}

static void delay_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct vrrp_tproc *tp = container_of(w, struct vrrp_tproc, delay_tm);
	if (tp->want != tp->up)
		proc_flip(tp->d, tp);
}

static bool quorum(const struct vrrp_tproc *tp)
{
	const struct m_track_process *c = tp->conf;
	unsigned lo = c->quorum != M_UNSET ? (unsigned)c->quorum : 1;
	return tp->count >= lo &&
	       (c->quorum_max == M_UNSET || tp->count <= (unsigned)c->quorum_max);
}

static void proc_count(struct vrrp_daemon *d)
{
	for (struct vrrp_tproc *tp = d->tprocs; tp; tp = tp->next)
		tp->count = 0;
	DIR *dir = opendir("/proc");
	if (!dir)
		return;
	const struct dirent *e;
	while ((e = readdir(dir)))
		if (isdigit((unsigned char)e->d_name[0]))
			for (struct vrrp_tproc *tp = d->tprocs; tp; tp = tp->next)
				if (proc_match(tp->conf, e->d_name))
					tp->count++;
	closedir(dir);
}

static void proc_scan(struct vrrp_daemon *d)
{
	proc_count(d);
	for (struct vrrp_tproc *tp = d->tprocs; tp; tp = tp->next) {
		bool q = quorum(tp);
		if (q == tp->up) {
			tp->want = q;
			ev_timer_stop(d->loop, &tp->delay_tm);
			continue;
		}
		if (tp->want == q && ev_is_active(&tp->delay_tm))
			continue;
		tp->want = q;
		m_ms delay = q ? tp->conf->fork_delay : tp->conf->terminate_delay;
		if (delay == M_UNSET || delay <= 0) {
			proc_flip(d, tp);
			continue;
		}
		ev_timer_stop(d->loop, &tp->delay_tm);
		ev_timer_set(&tp->delay_tm, (double)delay / 1000.0, 0.0);
		ev_timer_start(d->loop, &tp->delay_tm);
	}
}

static void poll_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	proc_scan(container_of(w, struct vrrp_daemon, proc_tm));
}

struct vrrp_tproc *vrrp_tproc_get(struct vrrp_daemon *d, const char *name)
{
	for (struct vrrp_tproc *tp = d->tprocs; tp; tp = tp->next)
		if (!strcmp(tp->conf->name, name))
			return tp;
	const struct m_track_process *c = d->cfg->track_processes;
	while (c && strcmp(c->name, name))
		c = c->next;
	if (!c || !c->process)
		return NULL;
	struct vrrp_tproc *tp = calloc(1, sizeof(*tp));
	if (!tp)
		return NULL;
	tp->conf = c;
	tp->d = d;
	ev_init(&tp->delay_tm, delay_cb);
	tp->next = d->tprocs;
	d->tprocs = tp;
	return tp;
}

void vrrp_tfile_start(struct vrrp_daemon *d)
{
	if (!d->tprocs)
		return;
	/* the state at start is believed at once, as keepalived's initial scan */
	proc_count(d);
	for (struct vrrp_tproc *tp = d->tprocs; tp; tp = tp->next) {
		ev_timer_stop(d->loop, &tp->delay_tm);
		tp->up = tp->want = quorum(tp);
		tp->reported = tp->count;
	}
	ev_timer_init(&d->proc_tm, poll_cb, PROC_POLL_S, PROC_POLL_S);
	ev_timer_start(d->loop, &d->proc_tm);
}

void vrrp_tfile_free(struct vrrp_daemon *d)
{
	if (d->ino_fd >= 0) {
		ev_io_stop(d->loop, &d->ino_io);
		close(d->ino_fd);
		d->ino_fd = -1;
	}
	while (d->tfiles) {
		struct vrrp_tfile *tf = d->tfiles;
		d->tfiles = tf->next;
		free(tf);
	}
	ev_timer_stop(d->loop, &d->proc_tm);
	while (d->tprocs) {
		struct vrrp_tproc *tp = d->tprocs;
		d->tprocs = tp->next;
		ev_timer_stop(d->loop, &tp->delay_tm);
		free(tp);
	}
}
