/* sess_tmo.c - the one timer of a session: which timeout applies in each phase, and the
 * deadline that activity pushes back.
 *
 * HAProxy's timeouts map to session phases (enum rt_tmo). The libev timer is moved only
 * when a deadline comes earlier than the time it is set for; a deadline pushed back is found
 * when the timer fires, which then sets it again (libev's "be smart about timeouts"), so
 * reads, writes and most phase changes cost no timer-heap operation.
 */
#include "runtime/rt.h"

static m_ms pick(m_ms a, m_ms b)
{
	if (a <= 0)
		return b;
	if (b <= 0)
		return a;
	return a < b ? a : b;
}

/* A tunnel (mode tcp once connected, HTTP after 101) waits `timeout tunnel`, or the
 * smaller of the client and server timeouts without it. Once one direction is shut, the
 * side expected to close too gets `timeout client-fin` / `timeout server-fin` instead. */
static m_ms tunnel_tmo(const struct rt_sess *s, const struct m_proxy_conf *fe,
                       const struct m_proxy_conf *be, m_ms dflt)
{
	if (s->rsp.dst_shut && !s->req.src_eof && fe && fe->timeout_client_fin > 0)
		return fe->timeout_client_fin;
	if (s->req.dst_shut && !s->rsp.src_eof && be && be->timeout_server_fin > 0)
		return be->timeout_server_fin;
	return be && be->timeout_tunnel > 0 ? be->timeout_tunnel : dflt;
}

static m_ms tmo_value(struct rt_sess *s, enum rt_tmo t)
{
	const struct m_proxy_conf *fe = s->svc->fe, *be = rt_sess_be(s);
	m_ms cli = fe ? fe->timeout_client : M_UNSET;
	m_ms srv = be ? be->timeout_server : M_UNSET;
	switch (t) {
	case TMO_HTTP_REQ:
		return fe && fe->timeout_http_request > 0 ? fe->timeout_http_request : cli;
	case TMO_KEEPALIVE:
		if (fe && fe->timeout_http_keep_alive > 0)
			return fe->timeout_http_keep_alive;
		return tmo_value(s, TMO_HTTP_REQ);
	case TMO_CONNECT:
		return be ? be->timeout_connect : M_UNSET;
	case TMO_TURNAROUND: {
		/* HAProxy waits min(timeout connect, 1s) before retrying a failed connect */
		m_ms c = tmo_value(s, TMO_CONNECT);
		return c > 0 && c < 1000 ? c : 1000;
	}
	case TMO_SERVER:
		return srv;
	case TMO_DATA:
		return pick(cli, srv);
	case TMO_LINGER:
		return pick(cli, 1000);
	case TMO_TUNNEL:
		return tunnel_tmo(s, fe, be, pick(cli, srv));
	case TMO_TARPIT:
		return rt_rules_tarpit_tmo(s); /* rules_exec.c */
	case TMO_INSPECT:
		return s->svc->conf->tcp_inspect_delay; /* rules_tcp.c */
	case TMO_QUEUE: /* HAProxy: timeout connect when timeout queue is not set */
		return be && be->timeout_queue > 0 ? be->timeout_queue : tmo_value(s, TMO_CONNECT);
	case TMO_NONE:
		break;
	}
	return M_UNSET;
}

static void arm(struct rt_sess *s, ev_tstamp after)
{
	ev_timer_stop(s->w->loop, &s->timer);
	ev_timer_set(&s->timer, after, 0);
	ev_timer_start(s->w->loop, &s->timer);
	s->timer_at = ev_now(s->w->loop) + after;
}

/* Sets the session's deadline for a new phase; M_UNSET (or 0) means no timeout. The libev
 * timer only moves when the deadline comes earlier than the time it is set for: a later
 * deadline is found by timer_cb, which sets the timer again (libev's "be smart about
 * timeouts"). Phase changes and activity then mostly cost no timer-heap operation. */
void rt_sess_set_tmo(struct rt_sess *s, enum rt_tmo t)
{
	m_ms v = tmo_value(s, t);
	s->tmo = t;
	if (v <= 0) {
		s->deadline = 0; /* a timer still set finds no deadline when it fires */
		return;
	}
	s->tmo_len = (ev_tstamp)v / 1000.0;
	s->deadline = ev_now(s->w->loop) + s->tmo_len;
	if (!ev_is_active(&s->timer) || s->timer_at > s->deadline)
		arm(s, s->tmo_len);
}

/* Activity pushes inactivity timeouts back; the head and turn-around timers are absolute. */
void rt_sess_touch(struct rt_sess *s)
{
	if ((s->tmo == TMO_DATA || s->tmo == TMO_SERVER || s->tmo == TMO_LINGER ||
	     s->tmo == TMO_TUNNEL) &&
	    s->deadline > 0)
		s->deadline = ev_now(s->w->loop) + s->tmo_len;
}

/* timer_cb (sess.c): true when the current phase timed out (the deadline is cleared), false
 * when the timer fired early for a deadline pushed back since (set again) or for none. */
bool rt_sess_tmo_due(struct rt_sess *s)
{
	ev_timer_stop(s->w->loop, &s->timer);
	if (s->deadline <= 0)
		return false;
	ev_tstamp left = s->deadline - ev_now(s->w->loop);
	if (left > 0.0005) { /* bounded by the phase's timeout: the clock may have stepped */
		arm(s, left < s->tmo_len ? left : s->tmo_len);
		return false;
	}
	s->deadline = 0;
	return true;
}
