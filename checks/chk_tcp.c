/* chk_tcp.c - the TCP connect probe (HAProxy's plain `check`, keepalived's TCP_CHECK) and the
 * non-blocking connection that every connection-based probe runs on.
 *
 * A chk_conn connects, sends its request once connected and reads into one bounded buffer
 * (CHK_BUFSIZE): a server that sends without end or never closes costs at most that buffer
 * and the probe's timeout. Results use HAProxy's statuses and its desc texts, which are the
 * system's error strings ("Connection refused", "No route to host").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "checks/chk_priv.h"

const char *chk_errno_desc(int err)
{
	return strerror(err);
}

void chk_conn_close(struct chk_conn *c, struct ev_loop *loop)
{
	chk_tls_close(c);
	if (c->fd >= 0) {
		ev_io_stop(loop, &c->io);
		/* no TIME_WAIT per probe: thousands of servers are checked every few seconds */
		struct linger lg = {.l_onoff = 1, .l_linger = 0};
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(c->fd);
		c->fd = -1;
	}
	free(c->req);
	free(c->buf);
	c->req = c->buf = NULL;
	c->reqlen = c->sent = c->len = 0;
	c->connected = c->eof = false;
}

static void conn_fail(struct chk_item *it, enum chk_status st, int err)
{
	chk_conn_close(&it->conn, chk_loop(it));
	chk_done(it, false, st, -1, chk_errno_desc(err));
}

static void set_events(struct chk_item *it, int ev)
{
	struct chk_conn *c = &it->conn;
	struct ev_loop *loop = chk_loop(it);
	if ((c->io.events & (EV_READ | EV_WRITE)) == ev)
		return;
	ev_io_stop(loop, &c->io);
	ev_io_set(&c->io, c->fd, ev);
	ev_io_start(loop, &c->io);
}

/* Returns false when the probe ended. */
static bool conn_send(struct chk_item *it)
{
	struct chk_conn *c = &it->conn;
	while (c->sent < c->reqlen) {
		ssize_t n = c->ssl
		                ? chk_tls_send(c, c->req + c->sent, c->reqlen - c->sent)
		                : send(c->fd, c->req + c->sent, c->reqlen - c->sent, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return true;
			conn_fail(it, CHK_ST_SOCKERR, errno);
			return false;
		}
		c->sent += (size_t)n;
	}
	set_events(it, EV_READ);
	return true;
}

static void conn_read(struct chk_item *it)
{
	struct chk_conn *c = &it->conn;
	if (!c->buf && !(c->buf = malloc(CHK_BUFSIZE + 1))) {
		conn_fail(it, CHK_ST_SOCKERR, ENOMEM);
		return;
	}
	while (c->len < CHK_BUFSIZE && !c->eof) {
		ssize_t n = c->ssl ? chk_tls_recv(c, c->buf + c->len, CHK_BUFSIZE - c->len)
		                   : recv(c->fd, c->buf + c->len, CHK_BUFSIZE - c->len, 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			/* data already read may still answer the check (a reset after a reply) */
			if (c->len > 0) {
				c->eof = true;
				break;
			}
			conn_fail(it, CHK_ST_SOCKERR, errno);
			return;
		}
		if (n == 0)
			c->eof = true;
		else
			chk_activity(it);
		c->len += (size_t)n;
	}
	c->buf[c->len] = 0;
	if (c->len >= CHK_BUFSIZE)
		ev_io_stop(chk_loop(it), &c->io); /* full: the probe decides with what it has */
	c->on_event(it);
}

/* One step of the TLS handshake; once done, the exchange starts as on a plain connect. */
static void tls_step(struct chk_item *it)
{
	struct chk_conn *c = &it->conn;
	const char *why = NULL;
	int rc = chk_tls_handshake(it, &why);
	if (rc < 0) {
		chk_conn_close(c, chk_loop(it));
		chk_done(it, false, CHK_ST_L6RSP, -1, why);
		return;
	}
	if (rc > 0) {
		chk_activity(it);
		set_events(it, rc);
		return;
	}
	if (!c->req) {
		set_events(it, EV_READ);
		c->on_event(it);
		return;
	}
	set_events(it, EV_READ | EV_WRITE);
	conn_send(it);
}

static void conn_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	(void)loop;
	struct chk_conn *c = container_of(io, struct chk_conn, io);
	struct chk_item *it = container_of(c, struct chk_item, conn);
	if (!c->connected) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			conn_fail(it, CHK_ST_L4CON, err);
			return;
		}
		c->connected = true;
		chk_connected(it);
		if (it->tls) {
			if (chk_tls_begin(it) < 0)
				conn_fail(it, CHK_ST_SOCKERR, ENOMEM);
			else
				tls_step(it);
			return;
		}
		if (!c->req) {
			set_events(it, EV_READ); /* rules may wait for a banner */
			c->on_event(it);
			return;
		}
		set_events(it, EV_READ | EV_WRITE);
	}
	if (c->handshaking) {
		tls_step(it);
		return;
	}
	if ((revents & EV_WRITE) && c->sent < c->reqlen && !conn_send(it))
		return;
	if (revents & EV_READ)
		conn_read(it);
}

void chk_conn_consume(struct chk_item *it, size_t n)
{
	struct chk_conn *c = &it->conn;
	if (n > c->len)
		n = c->len;
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
	c->buf[c->len] = 0;
	if (c->fd >= 0 && !c->eof && !ev_is_active(&c->io))
		set_events(it, EV_READ), ev_io_start(chk_loop(it), &c->io);
	/* TLS may hold decrypted bytes that no socket event will announce */
	if (c->fd >= 0 && !c->eof && chk_tls_pending(c))
		ev_feed_event(chk_loop(it), &c->io, EV_READ);
}

bool chk_conn_send(struct chk_item *it, const char *data, size_t len)
{
	struct chk_conn *c = &it->conn;
	char *nr = malloc(c->reqlen - c->sent + len + 1);
	if (!nr) {
		conn_fail(it, CHK_ST_SOCKERR, ENOMEM);
		return false;
	}
	memcpy(nr, c->req ? c->req + c->sent : "", c->reqlen - c->sent);
	memcpy(nr + (c->reqlen - c->sent), data, len);
	c->reqlen = c->reqlen - c->sent + len;
	c->sent = 0;
	free(c->req);
	c->req = nr;
	set_events(it, EV_READ | EV_WRITE);
	return conn_send(it);
}

int chk_conn_open(struct chk_item *it, char *req, size_t reqlen,
                  void (*on_event)(struct chk_item *it))
{
	struct chk_conn *c = &it->conn;
	c->req = req;
	c->reqlen = reqlen;
	c->sent = c->len = 0;
	c->connected = c->eof = false;
	c->on_event = on_event;
	c->fd = socket(it->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		conn_fail(it, CHK_ST_SOCKERR, errno);
		return -1;
	}
	if (connect(c->fd, (struct sockaddr *)&it->ss, it->sslen) < 0 && errno != EINPROGRESS) {
		int err = errno;
		enum chk_status st =
		    err == EMFILE || err == ENFILE || err == ENOBUFS || err == EADDRNOTAVAIL
		        ? CHK_ST_SOCKERR
		        : CHK_ST_L4CON;
		conn_fail(it, st, err);
		return -1;
	}
	ev_io_init(&c->io, conn_cb, c->fd, EV_WRITE);
	ev_io_start(chk_loop(it), &c->io);
	return 0;
}

/* ---------------------------------------------------------------- connect-only probe */

static void tcp_connected(struct chk_item *it)
{
	bool tls = it->conn.ssl != NULL; /* HAProxy: a finished handshake is a layer-6 pass */
	chk_conn_close(&it->conn, chk_loop(it));
	chk_done(it, true, tls ? CHK_ST_L6OK : CHK_ST_L4OK, -1, NULL);
}

static void tcp_start(struct chk_item *it)
{
	chk_conn_open(it, NULL, 0, tcp_connected);
}

static void tcp_cancel(struct chk_item *it)
{
	chk_conn_close(&it->conn, chk_loop(it));
}

const struct chk_ops chk_tcp_ops = {"tcp", tcp_start, tcp_cancel};
