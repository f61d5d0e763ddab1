/* mcli.c - the master CLI (-S <bind>[,<option>...]), served by the master process.
 *
 * The master's own commands (show proc, reload, prompt...) answer here; a line prefixed with
 * @<relative pid> or @!<pid> is run by that worker's runtime API and its answer relayed,
 * and a prefix alone in prompt mode makes that worker the target of the following lines
 * (@master goes back). Texts and layouts are HAProxy 2.6.12's, checked with socat.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>
#include <pwd.h>

#include "runtime/master.h"
#include "runtime/rt.h"

struct mcli_sock {
	ev_io io;
	int fd;
	char *path; /* a unix socket's path, unlinked at exit */
	int level;
	struct mcli_sock *next;
};

struct mcli_conn {
	ev_io io;
	int fd;
	int level;
	bool prompt, quit, eof, waiting;
	pid_t target; /* 0: the master */
	char in[16384];
	size_t inlen;
	struct rt_sbuf out;
	size_t sent;
	struct mcli_conn *next;
};

static struct mcli_sock *socks;
static struct mcli_conn *conns;

static const char help_text[] =
    "The following commands are valid at this level:\n"
    "  @!<pid>                                 : send a command to the <pid> process\n"
    "  @<relative pid>                         : send a command to the <relative pid> "
    "process\n"
    "  @master                                 : send a command to the master process\n"
    "  operator                                : lower the level of the current CLI session "
    "to operator\n"
    "  reload                                  : reload haproxy\n"
    "  show cli level                          : display the level of the current CLI "
    "session\n"
    "  show cli sockets                        : dump list of cli sockets\n"
    "  show proc                               : show processes status\n"
    "  show version                            : show version of the current process\n"
    "  user                                    : lower the level of the current CLI session "
    "to user\n"
    "  help [<command>]                        : list matching or all commands\n"
    "  prompt                                  : toggle interactive mode with prompt\n"
    "  quit                                    : disconnect\n\n";

static const char *const level_names[] = {"", "user", "operator", "admin"};

/* ---------------------------------------------------------------- output */

static void conn_free(struct mcli_conn *c)
{
	mw_cancel_cmd(c);
	ev_io_stop(EV_DEFAULT, &c->io);
	close(c->fd);
	free(c->out.d);
	for (struct mcli_conn **pp = &conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	free(c);
}

static void put_prompt(struct mcli_conn *c)
{
	if (!c->prompt)
		return;
	if (c->target)
		rt_sb_printf(&c->out, "%d> ", (int)c->target);
	else
		rt_sb_puts(&c->out, "master> ");
}

static void uptime(char *b, size_t n, long long since)
{
	long long up = (long long)time(NULL) - since;
	if (up < 0)
		up = 0;
	snprintf(b, n, "%lldd%02lldh%02lldm%02llds", up / 86400, up / 3600 % 24, up / 60 % 60,
	         up % 60);
}

static void show_proc(struct rt_sbuf *o)
{
	struct mw_proc_info p[130];
	int n = mw_procs(p, 130);
	char up[32], rl[48];
	rt_sb_printf(o, "#%-14s %-15s %-15s %-15s %-15s\n", "<PID>", "<type>", "<reloads>",
	             "<uptime>", "<version>");
	uptime(up, sizeof(up), p[0].start);
	snprintf(rl, sizeof(rl), "%d [failed: %d]", p[0].reloads, mw_failed_reloads());
	rt_sb_printf(o, "%-15d %-15s %-15s %-15s %s\n", (int)p[0].pid, "master", rl, up,
	             VIPR_HAP_VERSION);
	/* the current worker, then the former ones still finishing ("# old workers") */
	rt_sb_puts(o, "# workers\n");
	for (int pass = 0; pass < 2; pass++) {
		bool header = pass == 0;
		for (int i = 1; i < n; i++) {
			if (p[i].old != (pass == 1))
				continue;
			if (!header)
				rt_sb_puts(o, "# old workers\n");
			header = true;
			uptime(up, sizeof(up), p[i].start);
			snprintf(rl, sizeof(rl), "%d", p[i].reloads);
			rt_sb_printf(o, "%-15d %-15s %-15s %-15s %s\n", (int)p[i].pid, "worker", rl,
			             up, VIPR_HAP_VERSION);
		}
	}
	rt_sb_puts(o, "# programs\n\n");
}

/* ---------------------------------------------------------------- commands */

static void run_line(struct mcli_conn *c, char *line);

static void worker_out(void *arg, const char *d, size_t n, bool end)
{
	struct mcli_conn *c = arg;
	rt_sb_put(&c->out, d, n);
	if (!end)
		return;
	c->waiting = false;
	put_prompt(c);
	ev_feed_event(EV_DEFAULT, &c->io, EV_CUSTOM); /* go on with the next lines */
}

/* "@1", "@!1234", "@master": *pid is the worker (0: master) or -1 when none matches. */
static pid_t parse_prefix(const char *p, bool *ok)
{
	*ok = true;
	if (!strcmp(p, "@master"))
		return 0;
	struct mw_proc_info info[130];
	int n = mw_procs(info, 130);
	char *end;
	if (p[1] == '!') {
		long v = strtol(p + 2, &end, 10);
		for (int i = 1; i < n && !*end; i++)
			if (info[i].pid == v)
				return (pid_t)v;
	} else {
		/* 2.6 numbers the processes of the current generation only: @1 is its worker */
		long v = strtol(p + 1, &end, 10);
		if (!*end && v == 1 && n > 1)
			return info[1].pid;
	}
	*ok = false;
	return 0;
}

static void forward(struct mcli_conn *c, pid_t pid, const char *cmd)
{
	if (mw_worker_cmd(pid, 0, c->level, cmd, worker_out, c) < 0) {
		rt_sb_printf(&c->out, "Can't connect to the target CLI!\n");
		return;
	}
	c->waiting = true;
}

static bool master_cmd(struct mcli_conn *c, char *cmd)
{
	struct rt_sbuf *o = &c->out;
	char *w[4] = {0};
	int nw = 0;
	for (char *save = NULL, *t = strtok_r(cmd, " \t", &save); t && nw < 4;
	     t = strtok_r(NULL, " \t", &save))
		w[nw++] = t;
	if (!nw)
		return true;
	if (!strcmp(w[0], "help"))
		rt_sb_puts(o, help_text);
	else if (!strcmp(w[0], "prompt"))
		c->prompt = !c->prompt;
	else if (!strcmp(w[0], "quit"))
		c->quit = true;
	else if (!strcmp(w[0], "operator") || !strcmp(w[0], "user")) {
		int l = w[0][0] == 'o' ? 2 : 1;
		if (l < c->level)
			c->level = l;
	} else if (!strcmp(w[0], "reload")) {
		mw_reload(); /* returns only when the exec failed */
	} else if (!strcmp(w[0], "show") && w[1] && !strcmp(w[1], "proc"))
		show_proc(o);
	else if (!strcmp(w[0], "show") && w[1] && !strcmp(w[1], "version"))
		rt_sb_puts(o, VIPR_HAP_VERSION "\n\n");
	else if (!strcmp(w[0], "show") && w[1] && !strcmp(w[1], "cli") && w[2] &&
	         !strcmp(w[2], "level"))
		rt_sb_printf(o, "%s\n\n", level_names[c->level]);
	else if (!strcmp(w[0], "show") && w[1] && !strcmp(w[1], "cli") && w[2] &&
	         !strcmp(w[2], "sockets"))
		rt_sb_puts(o, "\n"); /* 2.6.12's master lists none of its own sockets */
	else {
		rt_sb_puts(o, "Unknown command. Please enter one of the following commands "
		              "only:\n");
		rt_sb_puts(o, strchr(help_text, '\n') + 1);
		rt_sb_puts(o, "\n");
	}
	return true;
}

/* One input line: a prefix picks the target, then the commands, ';'-separated, run on
 * the master or forwarded whole to the worker. */
static void run_line(struct mcli_conn *c, char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	pid_t target = c->target;
	if (!strcmp(line, "quit")) { /* the master's, whatever the target */
		c->quit = true;
		return;
	}
	if (line[0] == '@') {
		char *sp = line + strcspn(line, " \t");
		char save = *sp;
		*sp = 0;
		bool ok;
		pid_t t = parse_prefix(line, &ok);
		if (!ok) {
			rt_sb_printf(&c->out,
			             "Can't find the target PID matching the prefix '%s'\n", line);
			return;
		}
		*sp = save;
		line = sp + strspn(sp, " \t");
		if (!*line) { /* the prefix alone: the target of the following lines */
			if (c->prompt)
				c->target = t;
			return;
		}
		target = t;
	}
	if (target) {
		forward(c, target, line);
		return;
	}
	for (char *save = NULL, *cmd = strtok_r(line, ";", &save); cmd && !c->quit;
	     cmd = strtok_r(NULL, ";", &save))
		master_cmd(c, cmd);
}

/* Runs complete lines until one waits for a worker; then flushes, and closes when done. */
static void process(struct mcli_conn *c)
{
	while (!c->waiting && !c->quit) {
		char *nl = memchr(c->in, '\n', c->inlen);
		if (!nl)
			break;
		*nl = 0;
		if (nl > c->in && nl[-1] == '\r')
			nl[-1] = 0;
		char line[sizeof(c->in)];
		memcpy(line, c->in, (size_t)(nl - c->in) + 1);
		c->inlen -= (size_t)(nl - c->in) + 1;
		memmove(c->in, nl + 1, c->inlen);
		bool was_prompt = c->prompt;
		run_line(c, line);
		if (!c->waiting && (was_prompt || c->prompt)) /* even after quit, as 2.6 */
			put_prompt(c);
	}
}

static bool flush(struct mcli_conn *c)
{
	while (c->sent < c->out.len) {
		ssize_t n = send(c->fd, c->out.d + c->sent, c->out.len - c->sent, MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN;
		c->sent += (size_t)n;
	}
	c->sent = c->out.len = 0;
	return true;
}

static void conn_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct mcli_conn *c = container_of(io, struct mcli_conn, io);
	if (revents & EV_READ && !c->eof) {
		ssize_t n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - 1 - c->inlen, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			c->eof = true;
		else if (n > 0)
			c->inlen += (size_t)n;
		if (c->inlen == sizeof(c->in) - 1) /* a line longer than the buffer */
			c->quit = true;
	}
	if (c->eof && c->inlen && !memchr(c->in, '\n', c->inlen) && c->inlen < sizeof(c->in) - 1)
		c->in[c->inlen++] = '\n'; /* a last line without its newline */
	process(c);
	if (!flush(c)) {
		conn_free(c);
		return;
	}
	bool done = c->quit || (!c->waiting && !memchr(c->in, '\n', c->inlen) &&
	                        (c->eof || (!c->prompt && c->inlen == 0)));
	if (done && c->sent == 0) {
		conn_free(c);
		return;
	}
	int ev = (c->eof ? 0 : EV_READ) | (c->sent < c->out.len ? EV_WRITE : 0);
	if (!ev && !c->waiting) {
		conn_free(c);
		return;
	}
	ev_io_stop(loop, &c->io);
	if (ev) { /* else the worker's answer feeds the watcher */
		ev_io_set(&c->io, c->fd, ev);
		ev_io_start(loop, &c->io);
	}
}

static void accept_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	(void)revents;
	struct mcli_sock *s = container_of(io, struct mcli_sock, io);
	for (;;) {
		int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct mcli_conn *c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->level = s->level;
		c->next = conns;
		conns = c;
		ev_io_init(&c->io, conn_cb, fd, EV_READ);
		ev_io_start(loop, &c->io);
	}
}

/* ---------------------------------------------------------------- binding */

static int bind_alert(const char *what, const char *addr)
{
	mw_log("[ALERT]", "Binding [master-socket:0] for proxy MASTER: cannot bind %s (%s) [%s]",
	       what, strerror(errno), addr);
	mw_log("[ALERT]", "[haproxy.main()] Some protocols failed to start their listeners! "
	                  "Exiting.");
	return -2;
}

/* One -S argument: "<addr>[,mode,<octal>][,uid|gid|user|group|level,<v>]..." */
static int open_one(const char *arg)
{
	char *dup = strdup(arg), *save = NULL;
	char *addr = strtok_r(dup, ",", &save);
	int mode = -1, level = 3;
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	for (char *k = strtok_r(NULL, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
		char *v = strtok_r(NULL, ",", &save);
		if (!v)
			break;
		if (!strcmp(k, "mode"))
			mode = (int)strtol(v, NULL, 8);
		else if (!strcmp(k, "uid"))
			uid = (uid_t)atoi(v);
		else if (!strcmp(k, "gid"))
			gid = (gid_t)atoi(v);
		else if (!strcmp(k, "user")) {
			struct passwd *pw = getpwnam(v);
			if (pw)
				uid = pw->pw_uid;
		} else if (!strcmp(k, "group")) {
			struct group *gr = getgrnam(v);
			if (gr)
				gid = gr->gr_gid;
		} else if (!strcmp(k, "level"))
			level = !strcmp(v, "user") ? 1 : !strcmp(v, "operator") ? 2 : 3;
	}
	int rc = -1;
	struct mcli_sock *s = calloc(1, sizeof(*s));
	if (!addr)
		goto out;
	s->level = level;
	if (!strncmp(addr, "ipv4@", 5) || !strncmp(addr, "ipv6@", 5) ||
	    (addr[0] != '/' && strncmp(addr, "unix@", 5) && strchr(addr, ':'))) {
		char *a = strchr(addr, '@') ? strchr(addr, '@') + 1 : addr;
		char *colon = strrchr(a, ':');
		if (!colon)
			goto out;
		*colon = 0;
		if (a[0] == '[')
			a++, a[strlen(a) - 1] = 0;
		struct sockaddr_storage ss = {0};
		socklen_t len;
		if (inet_pton(AF_INET, a, &((struct sockaddr_in *)&ss)->sin_addr) == 1 || !*a) {
			ss.ss_family = AF_INET;
			((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)atoi(colon + 1));
			len = sizeof(struct sockaddr_in);
		} else if (inet_pton(AF_INET6, a, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
			ss.ss_family = AF_INET6;
			((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)atoi(colon + 1));
			len = sizeof(struct sockaddr_in6);
		} else
			goto out;
		s->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		int one = 1;
		setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(s->fd, (struct sockaddr *)&ss, len) < 0 || listen(s->fd, 16) < 0) {
			rc = bind_alert("socket", arg);
			close(s->fd);
			goto out;
		}
	} else {
		const char *path = !strncmp(addr, "unix@", 5) ? addr + 5 : addr;
		struct sockaddr_un sun = {.sun_family = AF_UNIX};
		if (strlen(path) >= sizeof(sun.sun_path))
			goto out;
		strcpy(sun.sun_path, path);
		s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		unlink(path); /* a former master's socket */
		if (bind(s->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
		    listen(s->fd, 16) < 0) {
			rc = bind_alert("UNIX socket", path);
			close(s->fd);
			goto out;
		}
		if (mode >= 0)
			chmod(path, (mode_t)mode);
		if (uid != (uid_t)-1 || gid != (gid_t)-1)
			if (chown(path, uid, gid) < 0)
				(void)0; /* HAProxy goes on with the socket's current owner too */
		s->path = strdup(path);
	}
	s->next = socks;
	socks = s;
	s = NULL;
	rc = 0;
out:
	if (rc == -1)
		mw_log("[ALERT]", "-S : cannot parse '%s'.", arg);
	free(s);
	free(dup);
	return rc;
}

int mcli_open(const char **binds, int n)
{
	for (int i = 0; i < n; i++)
		if (open_one(binds[i]) < 0)
			return -1;
	return 0;
}

void mcli_start(void)
{
	for (struct mcli_sock *s = socks; s; s = s->next) {
		ev_io_init(&s->io, accept_cb, s->fd, EV_READ);
		ev_io_start(EV_DEFAULT, &s->io);
	}
}

void mcli_close(bool unlink_paths)
{
	while (conns) {
		conn_free(conns);
	}
	for (struct mcli_sock *s = socks, *n; s; s = n) {
		n = s->next;
		if (ev_is_active(&s->io))
			ev_io_stop(EV_DEFAULT, &s->io);
		close(s->fd);
		if (s->path && unlink_paths)
			unlink(s->path);
		free(s->path);
		free(s);
	}
	socks = NULL;
}
