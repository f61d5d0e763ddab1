/* splice.c - mode tcp forwarding with splice(2): bytes go from one TCP socket to the other
 * through a pipe, inside the kernel, without being copied into the session's buffers.
 *
 * A channel splices while its buffers are empty (bytes read before the server answered go
 * out through the buffers first, so order is kept), and reads into its pipe only when the
 * pipe is empty: a splice that fails with EAGAIN then always means "the socket has nothing",
 * never "the pipe is full". Pipes come from a per-worker list of spares, so a connection
 * costs no pipe2() once the worker is warm. A splice that the kernel refuses (EINVAL: not a
 * socket that supports it) turns splicing off for the channel, which then uses recv/send.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "runtime/rt.h"

#define RT_PIPE_SPARES 64    /* spare pipes kept per worker */
#define RT_PIPE_CHUNK  65536 /* at most this much per splice: the default pipe size */

struct rt_pipe {
	int r, w;
	struct rt_pipe *next;
};

static struct rt_pipe *pipe_get(struct rt_worker *w)
{
	struct rt_pipe *p = w->pipes;
	if (p) {
		w->pipes = p->next;
		w->npipes--;
		return p;
	}
	int fds[2];
	p = malloc(sizeof(*p));
	if (!p)
		return NULL;
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) {
		free(p);
		return NULL;
	}
	p->r = fds[0];
	p->w = fds[1];
	return p;
}

static void pipe_close(struct rt_pipe *p)
{
	close(p->r);
	close(p->w);
	free(p);
}

/* An empty pipe goes back to the spares; one with bytes left in it is closed. */
static void pipe_put(struct rt_worker *w, struct rt_chan *c)
{
	struct rt_pipe *p = c->pipe;
	c->pipe = NULL;
	if (!p)
		return;
	if (c->piped || w->npipes >= RT_PIPE_SPARES || w->soft) {
		pipe_close(p);
		return;
	}
	p->next = w->pipes;
	w->pipes = p;
	w->npipes++;
}

static bool tcp_family(int family)
{
	return family == AF_INET || family == AF_INET6;
}

bool rt_splice_on(struct rt_sess *s, struct rt_chan *c)
{
	if (c->piped)
		return true;
	if (c->nosplice || !c->tunnel || s->svc->mode != M_MODE_TCP || !s->server ||
	    rt_buf_len(&c->in) || rt_buf_len(&c->out))
		return false;
	return tcp_family(s->cli_addr.ss_family) && tcp_family(s->server->ss.ss_family);
}

static bool refused(struct rt_chan *c)
{
	if (errno != EINVAL && errno != ENOSYS)
		return false;
	c->nosplice = true; /* the buffers take over; the pipe is empty here */
	return true;
}

bool rt_splice_in(struct rt_sess *s, struct rt_end *e, struct rt_chan *c)
{
	if (e->fd < 0 || e->connecting || c->src_eof || !e->rd || c->piped)
		return true;
	if (!c->pipe && !(c->pipe = pipe_get(s->w))) {
		c->nosplice = true;
		return true;
	}
	ssize_t n =
	    splice(e->fd, NULL, c->pipe->w, NULL, RT_PIPE_CHUNK, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (n > 0) {
		c->piped = (size_t)n;
		rt_stats_bytes(s, c == &s->req, (size_t)n); /* stats */
		rt_sess_touch(s);
	} else if (n == 0) {
		c->src_eof = true;
	} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
		e->rd = false;
	} else if (errno != EINTR && !refused(c)) {
		return false;
	}
	return true;
}

bool rt_splice_out(struct rt_sess *s, struct rt_end *e, struct rt_chan *c)
{
	if (e->fd < 0 || e->connecting || c->dst_shut || !c->piped)
		return true;
	ssize_t n =
	    splice(c->pipe->r, NULL, e->fd, NULL, c->piped, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (n > 0) {
		c->piped -= (size_t)n;
		c->bytes += (uint64_t)n;
		rt_sess_touch(s);
	} else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		return false; /* a socket that cannot take a splice took none in, either */
	}
	return true;
}

void rt_splice_release(struct rt_sess *s)
{
	pipe_put(s->w, &s->req);
	pipe_put(s->w, &s->rsp);
}

void rt_splice_flush(struct rt_worker *w)
{
	while (w->pipes) {
		struct rt_pipe *p = w->pipes;
		w->pipes = p->next;
		pipe_close(p);
	}
	w->npipes = 0;
}
