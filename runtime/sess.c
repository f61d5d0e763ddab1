/* sess.c - sessions: accept, the byte pump between two sockets, connect, retries, timers.
 *
 * A session is a client end, a server end and two channels (client->server, server->client).
 * Every event runs the same pump: read what is readable into the channels, let the HTTP
 * analyzers (http.c) approve or rewrite bytes, write what is approved, propagate half-closes,
 * then recompute which events each socket waits for and which timeout applies. Watchers are
 * level-triggered, so a pump that stops early simply runs again on the next event. In mode
 * tcp both channels are tunnels and the session ends once both directions are shut.
 */
#include <errno.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "runtime/rt.h"

static void pump(struct rt_sess *s);
static void io_cb(struct ev_loop *loop, ev_io *io, int revents);
static void timer_cb(struct ev_loop *loop, ev_timer *t, int revents);
static bool do_write(struct rt_sess *s, struct rt_end *e, struct rt_chan *c);

/* ---------------------------------------------------------------- buffers */

size_t rt_buf_len(const struct rt_buf *b)
{
	return b->w - b->r;
}

void rt_buf_compact(struct rt_buf *b)
{
	if (b->r == 0)
		return;
	memmove(b->d, b->d + b->r, b->w - b->r);
	b->w -= b->r;
	b->r = 0;
}

bool rt_buf_put(struct rt_buf *b, const char *p, size_t n)
{
	if (b->cap - b->w < n)
		rt_buf_compact(b);
	if (b->cap - b->w < n)
		return false;
	memcpy(b->d + b->w, p, n);
	b->w += n;
	return true;
}

long rt_ms_since(const struct timeval *t)
{
	struct timeval now;
	gettimeofday(&now, NULL);
	return (now.tv_sec - t->tv_sec) * 1000L + (now.tv_usec - t->tv_usec) / 1000L;
}

/* ---------------------------------------------------------------- lifecycle */

static struct rt_sess *sess_new(struct rt_worker *w, struct rt_service *svc, int fd)
{
	/* one allocation: the session, then its four buffers */
	size_t in = RT_BUFSIZE, out = RT_BUFSIZE + RT_MAXREWRITE;
	struct rt_sess *s = malloc(sizeof(*s) + 2 * in + 2 * out);
	if (!s)
		return NULL;
	/* the buffers need no zeroing: clearing 66 kB per connection was most of the
	 * instructions of a `Connection: close` request */
	memset(s, 0, sizeof(*s));
	char *p = (char *)(s + 1);
	s->req.in = (struct rt_buf){.d = p, .cap = in};
	s->rsp.in = (struct rt_buf){.d = p + in, .cap = in};
	s->req.out = (struct rt_buf){.d = p + 2 * in, .cap = out};
	s->rsp.out = (struct rt_buf){.d = p + 2 * in + out, .cap = out};
	s->w = w;
	s->svc = svc;
	s->cli.fd = fd;
	s->cli.s = s;
	s->srv.fd = -1;
	s->srv.s = s;
	s->first_req = true;
	s->t_hdr = s->t_queue = s->t_conn = s->t_rsp = -1;
	memcpy(s->term, "--", 3);
	gettimeofday(&s->t_accept, NULL);
	s->t_req = s->t_accept;
	ev_io_init(&s->cli.io, io_cb, fd, 0);
	ev_init(&s->timer, timer_cb);
	s->next = w->sessions;
	if (w->sessions)
		w->sessions->prev = s;
	w->sessions = s;
	w->nsess++;
	atomic_fetch_add(&svc->cur, 1);
	atomic_fetch_add(&w->rt->actconn, 1);
	rt_stats_sess_new(svc); /* stats */
	return s;
}

static void end_close(struct rt_sess *s, struct rt_end *e)
{
	if (e->fd < 0)
		return;
	ev_io_stop(s->w->loop, &e->io);
	close(e->fd);
	e->fd = -1;
	e->events = 0;
	e->connecting = false;
}

void rt_sess_shut_srv(struct rt_sess *s)
{
	end_close(s, &s->srv);
	if (s->srv_counted)
		rt_balance_release(s->server);
	s->server = NULL;
	s->srv_counted = false;
}

/* Detaches the server connection: parked for reuse when the last exchange on it completed
 * cleanly (between: the caller knows no request is in flight on it), closed otherwise. */
void rt_sess_release_srv(struct rt_sess *s, bool between)
{
	if (s->srv.fd >= 0 && !s->srv.connecting && s->srv_reusable && s->server && between &&
	    rt_buf_len(&s->rsp.in) == 0 && !s->rsp.src_eof) {
		ev_io_stop(s->w->loop, &s->srv.io);
		if (rt_idle_park(s->w, s->server, s->srv.fd)) {
			s->srv.fd = -1;
			s->srv.events = 0;
		}
	}
	rt_sess_shut_srv(s);
}

/* Takes over a parked connection to s->server. */
bool rt_sess_attach_srv(struct rt_sess *s, int fd)
{
	s->srv.fd = fd;
	s->srv.events = 0;
	s->srv.connecting = false;
	s->srv.rd = false; /* a parked connection that became readable was dropped */
	s->req.dst_shut = s->rsp.src_eof = false;
	ev_io_init(&s->srv.io, io_cb, fd, 0);
	rt_io_same_fd(&s->srv.io);
	return true;
}

/* A session leaving while queued: out of its queue, or, when a slot was granted meanwhile,
 * off its worker's ready list and the slot given back. */
static void sess_unqueue(struct rt_sess *s)
{
	if (s->qstate == RT_Q_NONE || rt_balance_unqueue(s) || s->qstate != RT_Q_GRANTED)
		return;
	struct rt_worker *w = s->w;
	pthread_mutex_lock(&w->qlock);
	for (struct rt_sess **pp = &w->ready; *pp; pp = &(*pp)->rnext)
		if (*pp == s) {
			*pp = s->rnext;
			break;
		}
	pthread_mutex_unlock(&w->qlock);
	s->qstate = RT_Q_NONE;
	rt_balance_release(s->qgrant);
}

static void sess_free(struct rt_sess *s)
{
	struct rt_worker *w = s->w;
	sess_unqueue(s);
	rt_rules_sess_end(s); /* rules_stk.c: stick counters, variables */
	bool null = s->req.bytes == 0 && s->rsp.bytes == 0 && rt_buf_len(&s->req.in) == 0;
	if (s->nolog)
		; /* rules_tcp.c: rejected by a tcp-request connection rule */
	else if (s->svc->mode == M_MODE_TCP && s->svc->log && null)
		rt_log_null(s);
	else if (s->svc->mode == M_MODE_TCP && s->svc->log)
		rt_log_tcp(s);
	else if (s->svc->log && s->reqline[0] && !s->logged) /* an upgrade, or an abort */
		rt_log_http(s);
	else if (s->svc->log && s->first_req && !s->req_started && !s->status && null)
		rt_log_null(s); /* connected and closed without a request */
	ev_timer_stop(w->loop, &s->timer);
	end_close(s, &s->cli);
	if (s->svc->mode == M_MODE_HTTP)
		rt_sess_release_srv(s, s->rs == RS_IDLE);
	else
		rt_sess_shut_srv(s);
	if (s->prev)
		s->prev->next = s->next;
	else
		w->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	w->nsess--;
	rt_stats_applet_end(s); /* stats */
	rt_splice_release(s);
	atomic_fetch_sub(&s->svc->cur, 1);
	atomic_fetch_sub(&w->rt->actconn, 1);
	free(s);
	if (atomic_load(&w->npaused))
		rt_listeners_resume(w);
	if (atomic_load(&w->rt->npaused) > (int)atomic_load(&w->npaused))
		rt_listeners_wake(w);
	if (w->soft && w->nsess == 0)
		ev_break(w->loop, EVBREAK_ALL);
}

void rt_sess_close_cli(struct rt_sess *s)
{
	if (s->cli.fd >= 0 && !s->rsp.dst_shut)
		shutdown(s->cli.fd, SHUT_WR);
	s->rsp.dst_shut = true;
}

/* cli_admin.c, on s's worker: `shutdown session(s)` ends s now ("K" in the log). */
void rt_sess_shutdown(struct rt_sess *s)
{
	s->term[0] = 'K';
	sess_free(s);
}

void rt_sess_kill_all(struct rt_worker *w)
{
	while (w->sessions)
		sess_free(w->sessions);
	rt_idle_flush(w);
	rt_splice_flush(w);
}

/* Soft stop: sessions idle between two requests are closed now, the others once their
 * current exchange completes (s->closing makes http.c answer with "connection: close"). */
void rt_sess_close_idle(struct rt_worker *w)
{
	struct rt_sess *s = w->sessions, *n;
	rt_idle_flush(w);
	rt_splice_flush(w);
	for (; s; s = n) {
		n = s->next;
		s->closing = true;
		if (s->svc->mode == M_MODE_HTTP && s->rq == RQ_HEAD && !s->first_req &&
		    rt_buf_len(&s->req.in) == 0)
			sess_free(s);
	}
}

/* ---------------------------------------------------------------- connect */

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)ss)->sin_port = htons(port);
}

static uint16_t get_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

/* Starts a non-blocking connect to a freshly picked server (or the same one on a plain
 * retry). Returns false when no server is usable at all. */
bool rt_sess_connect(struct rt_sess *s)
{
	struct rt_pool *p = rt_sess_pool(s);
	if (!s->server) {
		if (!p)
			return false;
		struct rt_lb_req lq = {.cli = &s->cli_addr,
		                       .raw = s->req.in.d + s->req.in.r,
		                       .rawlen = rt_buf_len(&s->req.in)};
		switch (rt_balance_assign(p, &lq, s, &s->w->seed, &s->server)) {
		case RT_NOSRV:
			return false;
		case RT_QUEUED: /* rt_sess_queue_cb() connects once a slot is granted */
			rt_sess_set_tmo(s, TMO_QUEUE);
			return true;
		case RT_ASSIGNED:
			break;
		}
		s->srv_counted = true;
	}
	s->log_srv = s->server;
	struct sockaddr_storage ss = s->server->ss;
	const struct m_addr *a = &s->server->conf->addr;
	if (a->no_port || a->port_rel)
		set_port(&ss, (uint16_t)(get_port(&s->dst_addr) +
		                         (a->no_port ? 0 : a->port_lo * a->port_rel)));
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	s->srv.fd = fd;
	s->srv.events = 0;
	s->srv.connecting = true;
	s->srv.rd = false;
	ev_io_init(&s->srv.io, io_cb, fd, 0);
	/* An immediate failure (ECONNREFUSED on loopback) leaves the socket writable with
	 * SO_ERROR set, so it is reported through the same write event as a late one. */
	(void)connect(fd, (struct sockaddr *)&ss, s->server->sslen);
	s->req.dst_shut = s->rsp.src_eof = false;
	if (s->t_queue < 0)
		s->t_queue = 0;
	rt_sess_set_tmo(s, TMO_CONNECT);
	return true;
}

/* Whether this retry goes to another server (`option redispatch [interval]`). Measured on
 * HAProxy 2.6.12: with the default interval (-1) the *first* retry already redispatches,
 * so a negative interval N is taken as "on retry number -N", a positive P as "every Pth". */
static bool redispatch_now(const struct rt_sess *s)
{
	const struct m_proxy_conf *be = rt_sess_be(s);
	if (!be || be->opt[OPT_REDISPATCH] != 1 || !rt_sess_pool(s))
		return false;
	m_ms every = be->redispatch_interval;
	if (every > 0)
		return s->nretries % every == 0;
	return s->nretries == (every < 0 ? -every : 1);
}

static void give_up(struct rt_sess *s)
{
	rt_stats_srv_ev(s, RT_ST_ECON); /* stats */
	memcpy(s->term, "SC", 2);
	if (s->svc->mode == M_MODE_HTTP)
		rt_http_connect_failed(s);
	else
		s->dead = true;
}

/* A connect failed or timed out: retry after the turn-around delay (HAProxy waits
 * min(timeout connect, 1 s) before retrying the same server), or at once when the retry is
 * redispatched to another server; give up when the retries are spent. */
static void connect_failed(struct rt_sess *s)
{
	rt_checks_observe(s->server, -1); /* observe/on-error (rt_checks.c) */
	end_close(s, &s->srv);
	if (s->retries_left <= 0) {
		give_up(s);
		return;
	}
	s->retries_left--;
	s->nretries++;
	rt_stats_srv_ev(s, RT_ST_WRETR); /* stats */
	if (redispatch_now(s)) {
		struct rt_server *old = s->server;
		s->server = rt_balance_pick(rt_sess_pool(s), &s->cli_addr, old, &s->w->seed);
		if (s->srv_counted)
			rt_balance_release(old);
		s->srv_counted = s->server != NULL;
		s->redispatched = true;
		if (s->server && s->server != old) {
			rt_stats_srv_ev(s, RT_ST_WREDIS); /* stats */
			if (!rt_sess_connect(s))
				give_up(s);
			return;
		}
	}
	rt_sess_set_tmo(s, TMO_TURNAROUND);
}

static void connect_done(struct rt_sess *s)
{
	/* With bytes to send, the first write tells whether the connection is established
	 * (a refused one fails it with ECONNREFUSED): no SO_ERROR query then. */
	bool probe = rt_buf_len(&s->req.out) || s->req.fwd || s->req.piped;
	int err = 0;
	socklen_t len = sizeof(err);
	if (!probe && (getsockopt(s->srv.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err)) {
		connect_failed(s);
		return;
	}
	s->srv.connecting = false;
	if (probe) {
		uint64_t before = s->req.bytes;
		if (!do_write(s, &s->srv, &s->req)) {
			if (s->req.bytes != before) {
				s->dead = true; /* it was established: an error after the first bytes */
				return;
			}
			connect_failed(s);
			return;
		}
	}
	rt_checks_observe(s->server, 0); /* observe/on-error (rt_checks.c) */
	s->t_conn = rt_ms_since(&s->t_req);
	rt_sess_set_tmo(s, s->svc->mode == M_MODE_HTTP ? TMO_SERVER : TMO_TUNNEL);
}

/* ---------------------------------------------------------------- the pump */

/* Reads what the source offers into the channel. Returns false on a fatal error. */
static bool do_read(struct rt_sess *s, struct rt_end *e, struct rt_chan *c)
{
	if (rt_splice_on(s, c))
		return rt_splice_in(s, e, c);
	/* only after a read event, or while the last read filled the buffer: a read that would
	 * fail with EAGAIN costs a system call for nothing (the watchers are level-triggered, so
	 * bytes that arrive later are reported by the next poll) */
	if (e->fd < 0 || e->connecting || c->src_eof || !e->rd)
		return true;
	if (c->in.w == c->in.cap)
		rt_buf_compact(&c->in);
	size_t room = c->in.cap - c->in.w;
	if (room == 0)
		return true;
	ssize_t n = recv(e->fd, c->in.d + c->in.w, room, 0);
	if (n > 0) {
		c->in.w += (size_t)n;
		if ((size_t)n < room)
			e->rd = false; /* the socket's receive queue is empty */
		rt_stats_bytes(s, c == &s->req, (size_t)n); /* stats */
		if (c->tunnel)
			c->fwd = rt_buf_len(&c->in);
		rt_sess_touch(s);
	} else if (n == 0) {
		c->src_eof = true;
	} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
		e->rd = false;
	} else if (errno != EINTR) {
		/* a server resetting an HTTP exchange ends it like a close: the analyzer answers
		 * 502 when no response came yet, as HAProxy does (rules helper, rt_dying.sh) */
		if (e == &s->srv && s->svc->mode == M_MODE_HTTP && !c->tunnel) {
			c->src_eof = true;
			return true;
		}
		return false;
	}
	return true;
}

/* Writes generated bytes first, then approved raw bytes, both with one sendmsg() (a head
 * and its body leave in one segment). A short write means the socket buffer is full: the
 * next write event resumes. Returns false on a fatal error. */
static bool do_write(struct rt_sess *s, struct rt_end *e, struct rt_chan *c)
{
	if (c->piped)
		return rt_splice_out(s, e, c);
	if (e->fd < 0 || e->connecting || c->dst_shut)
		return true;
	size_t no = rt_buf_len(&c->out), ni = c->fwd, sent = 0;
	while (no + ni) {
		struct iovec iov[2];
		int k = 0;
		if (no)
			iov[k++] = (struct iovec){c->out.d + c->out.r, no};
		if (ni)
			iov[k++] = (struct iovec){c->in.d + c->in.r, ni};
		struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)k};
		ssize_t n = sendmsg(e->fd, &mh, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			return false;
		}
		size_t a = (size_t)n < no ? (size_t)n : no, b = (size_t)n - a;
		c->out.r += a;
		c->in.r += b;
		c->fwd -= b;
		c->bytes += (uint64_t)n;
		sent += (size_t)n;
		bool full = (size_t)n < no + ni;
		no -= a;
		ni -= b;
		if (full)
			break;
	}
	if (!sent)
		return true;
	rt_sess_touch(s);
	if (c->out.r == c->out.w)
		c->out.r = c->out.w = 0;
	if (c->in.r == c->in.w)
		c->in.r = c->in.w = 0;
	return true;
}

bool rt_chan_flushed(const struct rt_chan *c)
{
	return rt_buf_len(&c->out) == 0 && c->fwd == 0 && c->piped == 0;
}

/* mode tcp: a direction whose source closed and whose bytes are all delivered is shut
 * toward its destination (half-close); the session ends when both directions are. */
static void tcp_halfclose(struct rt_sess *s)
{
	/* the client left before sending anything while the server connect was pending:
	 * HAProxy aborts the connect and logs "CC". A keepalived virtual server does not: IPVS
	 * forwards packets, the real server gets the FIN after the SYN and may still answer. */
	bool lvs = s->svc->pool && s->svc->pool->lvs;
	if (s->req.src_eof && s->srv.connecting && rt_buf_len(&s->req.in) == 0 && !s->req.piped &&
	    !lvs) {
		memcpy(s->term, "CC", 2);
		s->dead = true;
		return;
	}
	struct rt_chan *cs[2] = {&s->req, &s->rsp};
	struct rt_end *dst[2] = {&s->srv, &s->cli};
	for (int i = 0; i < 2; i++) {
		struct rt_chan *c = cs[i];
		if (c->src_eof && !c->dst_shut && rt_chan_flushed(c) && dst[i]->fd >= 0 &&
		    !dst[i]->connecting) {
			shutdown(dst[i]->fd, SHUT_WR);
			c->dst_shut = true;
			rt_sess_set_tmo(s, TMO_TUNNEL); /* client-fin / server-fin may apply now */
		}
	}
	if (s->req.dst_shut && s->rsp.dst_shut)
		s->dead = true;
	/* the server vanished before the client sent anything: nothing left to relay */
	if (s->rsp.src_eof && s->rsp.dst_shut && s->srv.fd < 0)
		s->dead = true;
}

static int wanted(struct rt_sess *s, struct rt_end *e)
{
	if (e->fd < 0)
		return 0;
	if (e->connecting)
		return EV_WRITE;
	bool is_cli = e == &s->cli;
	struct rt_chan *in = is_cli ? &s->req : &s->rsp;
	struct rt_chan *out = is_cli ? &s->rsp : &s->req;
	int ev = 0;
	/* A client whose request is complete is not polled for reading until its response is
	 * out (as HAProxy does): a `Connection: close` exchange then never registers the
	 * client socket with epoll. Once polled, it stays so: no epoll_ctl per request. */
	bool idle_cli = is_cli && !(e->events & EV_READ) && s->rq == RQ_DONE && !in->tunnel &&
	                s->svc->mode == M_MODE_HTTP;
	/* splice.c reads into an empty pipe only; while splicing, the buffer is empty */
	bool room = !in->piped && (in->in.w < in->in.cap || in->in.r > 0);
	if (!in->src_eof && room && !idle_cli)
		ev |= EV_READ;
	if (!out->dst_shut && !rt_chan_flushed(out))
		ev |= EV_WRITE;
	return ev;
}

static void update_io(struct rt_sess *s, struct rt_end *e)
{
	int ev = wanted(s, e);
	if (ev == e->events)
		return;
	ev_io_stop(s->w->loop, &e->io);
	e->events = ev;
	if (ev) {
		/* not ev_io_set(): that flags the fd as new, which libev pays for with an
		 * EPOLL_CTL_ADD failing with EEXIST before the EPOLL_CTL_MOD */
		ev_io_modify(&e->io, ev);
		ev_io_start(s->w->loop, &e->io);
	}
}

/* After a 101 Switching Protocols both channels carry opaque bytes: what is already
 * buffered past the heads is approved, and the HTTP analyzers step aside for good. */
void rt_sess_tunnel(struct rt_sess *s)
{
	s->req.tunnel = s->rsp.tunnel = true;
	s->req.fwd = rt_buf_len(&s->req.in);
	s->rsp.fwd = rt_buf_len(&s->rsp.in);
	rt_sess_set_tmo(s, TMO_TUNNEL);
}

/* Changes whenever a round of the pump moved bytes or changed an HTTP state. */
static uint64_t progress(const struct rt_sess *s)
{
	return s->req.in.w + s->rsp.in.w + s->req.out.r + s->rsp.out.r + s->req.fwd + s->rsp.fwd +
	       s->req.piped + s->rsp.piped + s->req.bytes + s->rsp.bytes + (uint64_t)s->rq +
	       (uint64_t)s->rs;
}

static void pump(struct rt_sess *s)
{
	bool http = s->svc->mode == M_MODE_HTTP && !s->req.tunnel;
	for (int round = 0; round < 4 && !s->dead; round++) {
		uint64_t before = progress(s);
		if (!do_read(s, &s->cli, &s->req) || !do_read(s, &s->srv, &s->rsp)) {
			memcpy(s->term, s->req.src_eof ? "SD" : "CD", 2);
			s->dead = true;
			break;
		}
		if (s->tcp_wait) /* rules_tcp.c: content rules wait for the client's bytes */
			rt_tcpreq_wait(s, s->req.src_eof);
		if (s->dead)
			break;
		if (http)
			rt_http_analyze(s);
		if (s->dead)
			break;
		http = http && !s->req.tunnel; /* a 101 was just forwarded */
		if (!do_write(s, &s->srv, &s->req) || !do_write(s, &s->cli, &s->rsp)) {
			s->dead = true;
			break;
		}
		if (http)
			rt_http_analyze(s);
		else
			tcp_halfclose(s);
		if (progress(s) == before)
			break;
	}
	if (s->dead) {
		sess_free(s);
		return;
	}
	update_io(s, &s->cli);
	update_io(s, &s->srv);
}

static void io_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	(void)loop;
	struct rt_end *e = container_of(io, struct rt_end, io);
	struct rt_sess *s = e->s;
	if (revents & EV_READ)
		e->rd = true;
	if (e == &s->srv && e->connecting && (revents & EV_WRITE)) {
		connect_done(s);
		if (s->dead) {
			sess_free(s);
			return;
		}
	}
	pump(s);
}

static void timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)revents;
	struct rt_sess *s = container_of(t, struct rt_sess, timer);
	if (!rt_sess_tmo_due(s))
		return;
	switch (s->tmo) {
	case TMO_CONNECT:
		connect_failed(s);
		break;
	case TMO_QUEUE:
		if (rt_balance_unqueue(s)) {
			memcpy(s->term, "sQ", 2);
			s->t_queue = rt_ms_since(&s->t_req) - (s->t_hdr > 0 ? s->t_hdr : 0);
			if (s->svc->mode == M_MODE_HTTP)
				rt_http_error(s, 503);
			else
				s->dead = true;
		}
		break; /* else a slot was just granted: rt_sess_queue_cb() is coming */
	case TMO_INSPECT: /* rules_tcp.c: inspect-delay is over, decide with what came */
		rt_tcpreq_wait(s, true);
		break;
	case TMO_TURNAROUND:
		if (!rt_sess_connect(s)) {
			if (s->svc->mode == M_MODE_HTTP)
				rt_http_no_server(s);
			else
				s->dead = true;
		}
		break;
	default:
		if (s->svc->mode != M_MODE_HTTP || !rt_http_on_timeout(s)) {
			if (s->term[0] == '-')
				memcpy(s->term, s->tmo == TMO_SERVER ? "sD" : "cD", 2);
			s->dead = true;
		}
		break;
	}
	if (s->dead)
		sess_free(s);
	else
		pump(s);
}

/* ---------------------------------------------------------------- maxconn queue */

/* balance.c grants a slot (pool lock held, any thread): the session's own worker goes on. */
void rt_sess_grant(struct rt_sess *s)
{
	struct rt_worker *w = s->w;
	pthread_mutex_lock(&w->qlock);
	struct rt_sess **pp = &w->ready;
	while (*pp)
		pp = &(*pp)->rnext;
	s->rnext = NULL;
	*pp = s;
	pthread_mutex_unlock(&w->qlock);
	ev_async_send(w->loop, &w->qwake);
}

/* Sessions granted a slot connect to their server, in the order they were granted. */
void rt_sess_queue_cb(struct ev_loop *loop, ev_async *a, int revents)
{
	(void)loop;
	(void)revents;
	struct rt_worker *w = container_of(a, struct rt_worker, qwake);
	rt_cli_worker_run(w); /* runtime API work for this thread (cli_admin.c) */
	if (atomic_load(&w->npaused)) /* another worker's session ended (wake_paused()) */
		rt_listeners_resume(w);
	for (;;) {
		pthread_mutex_lock(&w->qlock);
		struct rt_sess *s = w->ready;
		if (s)
			w->ready = s->rnext;
		pthread_mutex_unlock(&w->qlock);
		if (!s)
			return;
		s->qstate = RT_Q_NONE;
		s->server = s->qgrant;
		s->srv_counted = true;
		s->log_srv = s->server;
		s->t_queue = rt_ms_since(&s->t_req) - (s->t_hdr > 0 ? s->t_hdr : 0); /* %Tw */
		if (!rt_sess_connect(s)) {
			memcpy(s->term, "SC", 2);
			if (s->svc->mode == M_MODE_HTTP)
				rt_http_no_server(s);
			else
				s->dead = true;
		}
		if (s->dead)
			sess_free(s);
		else
			pump(s);
	}
}

/* ---------------------------------------------------------------- accept */

void rt_accept_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	(void)loop;
	(void)revents;
	struct rt_listener *l = container_of(io, struct rt_listener, io);
	for (int burst = 0; burst < 64; burst++) {
		if (rt_listener_over_limit(l)) {
			ev_io_stop(l->w->loop, &l->io);
			rt_listener_paused(l, true);
			return;
		}
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		int fd =
		    accept4(l->fd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return; /* EAGAIN, or an error the next readiness will retry */
		/* TCP_NODELAY comes from the listener (rt_main.c): no setsockopt here */
		struct rt_sess *s = sess_new(l->w, l->svc, fd);
		if (!s) {
			close(fd);
			continue;
		}
		s->cli_addr = peer;
		if (l->local_fixed) {
			s->dst_addr = l->local;
		} else {
			socklen_t dlen = sizeof(s->dst_addr);
			getsockname(fd, (struct sockaddr *)&s->dst_addr, &dlen);
		}
		if (!rt_tcpreq_connection(s) || /* rules_tcp.c: tcp-request rules */
		    (l->svc->mode != M_MODE_HTTP && !rt_tcpreq_content(s))) {
			sess_free(s);
			continue;
		}
		s->cli.rd = true; /* the request often arrives with the connection */
		const struct m_proxy_conf *be = rt_sess_be(s); /* mode tcp: use_backend's choice */
		s->retries_left = be && be->retries >= 0 ? be->retries : 3;
		if (l->svc->mode == M_MODE_HTTP) {
			s->rq = RQ_HEAD;
			rt_sess_set_tmo(s, TMO_HTTP_REQ);
		} else {
			s->req.tunnel = s->rsp.tunnel = true;
			if (!s->tcp_wait && !rt_sess_connect(s)) { /* tcp_wait: rules_tcp.c */
				memcpy(s->term, "SC", 2);
				sess_free(s);
				continue;
			}
		}
		pump(s);
	}
}
