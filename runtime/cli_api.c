/* cli_api.c - the stats socket: HAProxy's runtime API on the global `stats socket` paths.
 *
 * Each unix socket is served by worker 0's loop. A connection reads one line, runs its
 * `;`-separated commands (rt_cli_exec(), cli_cmds.c) and closes, unless a `prompt` command
 * made it interactive: then every line is answered followed by "> ". A connection starts at
 * its socket's `level` (operator when not given, as in 2.6); `user`/`operator` lower it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "runtime/rt.h"

struct rt_cli_sock {
	ev_io io;
	int fd;
	int level;
	char *path;
	struct stat st; /* the path once bound: a reload's new process may bind it again */
	struct rt *rt;
	struct rt_cli_sock *next;
};

struct cli_conn {
	ev_io io;
	ev_timer tmo;
	int fd;
	struct rt_cli_ctx ctx; /* level, prompt mode, quit */
	struct ev_loop *loop;
	char in[RT_BUFSIZE]; /* a longer line closes the connection unanswered, as HAProxy */
	size_t inlen;
	struct rt_sbuf out;
	size_t sent;
};

/* ---------------------------------------------------------------- connections */

static void conn_free(struct cli_conn *c)
{
	ev_io_stop(c->loop, &c->io);
	ev_timer_stop(c->loop, &c->tmo);
	close(c->fd);
	free(c->out.d);
	free(c);
}

/* Runs the complete lines received; false once the connection should end. */
static bool run_lines(struct cli_conn *c)
{
	char *nl;
	while ((nl = memchr(c->in, '\n', c->inlen))) {
		*nl = 0;
		size_t used = (size_t)(nl - c->in) + 1;
		if (nl > c->in && nl[-1] == '\r')
			nl[-1] = 0;
		rt_cli_exec(&c->ctx, c->in, &c->out);
		if (c->ctx.timeout_ms) { /* set timeout cli */
			c->tmo.repeat = (double)c->ctx.timeout_ms / 1000.0;
			ev_timer_again(c->loop, &c->tmo);
			c->ctx.timeout_ms = 0;
		}
		memmove(c->in, c->in + used, c->inlen - used);
		c->inlen -= used;
		if (c->ctx.quit || !c->ctx.prompt)
			return false;
		rt_sb_puts(&c->out, "> ");
	}
	return true;
}

static void conn_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct cli_conn *c = container_of(io, struct cli_conn, io);
	if (revents & EV_READ) {
		ssize_t n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - 1 - c->inlen, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			conn_free(c);
			return;
		}
		if (n > 0) {
			c->inlen += (size_t)n;
			ev_timer_again(loop, &c->tmo);
			if (!run_lines(c))
				c->ctx.quit = true;
			if (c->inlen == sizeof(c->in) - 1)
				c->ctx.quit = true;
		}
	}
	while (c->sent < c->out.len) {
		ssize_t n = send(c->fd, c->out.d + c->sent, c->out.len - c->sent, MSG_NOSIGNAL);
		if (n <= 0) {
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				break;
			conn_free(c);
			return;
		}
		c->sent += (size_t)n;
	}
	if (c->sent == c->out.len) {
		c->sent = c->out.len = 0;
		if (c->ctx.quit) {
			conn_free(c);
			return;
		}
	}
	int ev = c->ctx.quit ? EV_WRITE : (c->out.len ? EV_READ | EV_WRITE : EV_READ);
	ev_io_stop(loop, &c->io);
	ev_io_set(&c->io, c->fd, ev);
	ev_io_start(loop, &c->io);
}

static void conn_tmo_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)revents;
	conn_free(container_of(t, struct cli_conn, tmo));
}

static void accept_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	(void)revents;
	struct rt_cli_sock *ls = container_of(io, struct rt_cli_sock, io);
	for (;;) {
		int fd = accept4(ls->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct cli_conn *c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->ctx.level = ls->level;
		c->ctx.rt = ls->rt;
		c->loop = loop;
		m_ms to = ls->rt->cfg->global.stats_timeout > 0 ? ls->rt->cfg->global.stats_timeout
		                                                : 10000;
		ev_io_init(&c->io, conn_cb, fd, EV_READ);
		ev_io_start(loop, &c->io);
		ev_timer_init(&c->tmo, conn_tmo_cb, 0, (double)to / 1000.0);
		ev_timer_again(loop, &c->tmo);
	}
}

/* ---------------------------------------------------------------- sockets */

static int level_of(const char *s)
{
	if (s && !strcmp(s, "user"))
		return RT_CLI_USER;
	if (s && !strcmp(s, "admin"))
		return RT_CLI_ADMIN;
	return RT_CLI_OPER; /* HAProxy 2.6's default level */
}

int rt_cli_open(struct rt *rt)
{
	rt->started = (long long)time(NULL);
	for (int i = 0; i < rt->npools; i++)
		for (int k = 0; k < rt->pools[i].nsrv; k++) {
			struct rt_server *sv = rt_psrv(&rt->pools[i], k);
			sv->iweight = sv->weight;
			atomic_store(&sv->lastchg, rt->started);
			if (sv->conf->disabled == 1)
				atomic_store(&sv->admin, RT_ADM_MAINT | RT_ADM_CMAINT);
		}
	if (!rt_stats_admin_init(rt)) /* stats admin conditions (stats_admin.c), reported */
		return -1;
	for (const struct m_stats_socket *s = rt->cfg->global.stats_sockets; s; s = s->next) {
		if (s->addr.kind != M_ADDR_UNIX || !s->addr.path)
			continue; /* TCP and abstract stats sockets come later */
		struct sockaddr_un sun = {.sun_family = AF_UNIX};
		if (strlen(s->addr.path) >= sizeof(sun.sun_path))
			continue;
		strcpy(sun.sun_path, s->addr.path);
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		unlink(s->addr.path); /* a stale socket of a previous run */
		if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 16) < 0) {
			fprintf(
			    stderr,
			    "[ALERT]    (%d) : Starting proxy GLOBAL: cannot bind UNIX socket (%s) "
			    "[%s]\n",
			    (int)getpid(), strerror(errno), s->addr.path);
			close(fd);
			return -1;
		}
		if (s->mode > 0)
			chmod(s->addr.path, (mode_t)s->mode);
		struct rt_cli_sock *ls = calloc(1, sizeof(*ls));
		ls->fd = fd;
		ls->level = level_of(s->level);
		ls->path = s->addr.path;
		stat(ls->path, &ls->st);
		ls->rt = rt;
		ls->next = rt->cli;
		rt->cli = ls;
	}
	return 0;
}

void rt_cli_start(struct rt *rt, struct ev_loop *loop)
{
	for (struct rt_cli_sock *ls = rt->cli; ls; ls = ls->next) {
		ev_io_init(&ls->io, accept_cb, ls->fd, EV_READ);
		ev_io_start(loop, &ls->io);
		ev_unref(loop); /* the stats socket alone must not keep the loop alive */
	}
}

void rt_cli_close(struct rt *rt)
{
	struct rt_cli_sock *ls = rt->cli, *n;
	for (; ls; ls = n) {
		n = ls->next;
		if (ev_is_active(&ls->io)) {
			ev_ref(rt->w[0].loop);
			ev_io_stop(rt->w[0].loop, &ls->io);
		}
		close(ls->fd);
		struct stat now; /* leave the socket of the process that replaced this one */
		if (stat(ls->path, &now) == 0 && now.st_ino == ls->st.st_ino &&
		    now.st_dev == ls->st.st_dev)
			unlink(ls->path);
		free(ls);
	}
	rt->cli = NULL;
	rt_stats_admin_free(rt);
}
