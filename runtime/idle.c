/* idle.c - idle server connections kept per worker for reuse (HAProxy's "http-reuse safe").
 *
 * When a session moves to another server, or ends, its keep-alive server connection is
 * parked here instead of being closed; a later request to the same server from another
 * session of the same worker takes it over. As with "safe", the first request of a client
 * connection never takes a parked connection: if the server closes it under that request,
 * the client can still retry on its own. A parked connection that becomes readable (the
 * server closed it or talks out of turn) is closed, and each is purged after 5 s of rest
 * (HAProxy's default pool-purge-delay). Each worker has its own list: no locking.
 */
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/rt.h"

#define RT_IDLE_MAX   256 /* parked connections per worker, all servers together */
#define RT_IDLE_PURGE 5.0 /* seconds */

struct rt_idle {
	ev_io io;
	ev_timer purge;
	int fd;
	struct rt_worker *w;
	const struct rt_server *srv;
	struct rt_idle *prev, *next;
};

static void unlink_idle(struct rt_idle *c)
{
	struct rt_worker *w = c->w;
	ev_io_stop(w->loop, &c->io);
	ev_timer_stop(w->loop, &c->purge);
	if (c->prev)
		c->prev->next = c->next;
	else
		w->idle = c->next;
	if (c->next)
		c->next->prev = c->prev;
	w->nidle--;
}

static void drop(struct rt_idle *c)
{
	unlink_idle(c);
	close(c->fd);
	free(c);
}

static void idle_io_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	(void)loop;
	(void)revents;
	drop(container_of(io, struct rt_idle, io));
}

static void idle_purge_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)revents;
	drop(container_of(t, struct rt_idle, purge));
}

bool rt_idle_park(struct rt_worker *w, const struct rt_server *srv, int fd)
{
	if (w->nidle >= RT_IDLE_MAX || w->soft)
		return false;
	struct rt_idle *c = calloc(1, sizeof(*c));
	if (!c)
		return false;
	c->fd = fd;
	c->w = w;
	c->srv = srv;
	ev_io_init(&c->io, idle_io_cb, fd, EV_READ);
	rt_io_same_fd(&c->io); /* the session's watcher had it: no new epoll registration */
	ev_io_start(w->loop, &c->io);
	ev_timer_init(&c->purge, idle_purge_cb, RT_IDLE_PURGE, 0);
	ev_timer_start(w->loop, &c->purge);
	/* newest first: the most recently used connection is the least likely to be closed */
	c->next = w->idle;
	if (w->idle)
		w->idle->prev = c;
	w->idle = c;
	w->nidle++;
	return true;
}

int rt_idle_take(struct rt_worker *w, const struct rt_server *srv)
{
	for (struct rt_idle *c = w->idle; c; c = c->next) {
		if (c->srv != srv)
			continue;
		/* a FIN (or stray bytes) reported by the last poll whose callback has not run
		 * yet: the connection is of no use, and the request must not go to it */
		if (ev_is_pending(&c->io)) {
			drop(c);
			return rt_idle_take(w, srv);
		}
		int fd = c->fd;
		unlink_idle(c);
		free(c);
		return fd;
	}
	return -1;
}

void rt_idle_flush(struct rt_worker *w)
{
	while (w->idle)
		drop(w->idle);
}
