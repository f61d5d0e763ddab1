/* rt_listen.c - the listening sockets of each worker: TCP (one per worker thread, with
 * SO_REUSEPORT so that the kernel spreads connections), unix and abstract sockets and
 * inherited fds (worker 0 only). Each socket gets the key under which a master hands it to
 * the next worker on reload (master.c). Errors are reported the way HAProxy words them.
 * A listener whose frontend (or the process) reaches maxconn is paused, the kernel's backlog
 * holding new connections as in HAProxy, until a session of any worker ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "runtime/master.h"
#include "runtime/rt.h"

static void alert(const char *fmt, const char *a, const char *b, const char *c)
{
	fprintf(stderr, "[ALERT]    (%d) : ", (int)getpid());
	fprintf(stderr, fmt, a, b, c);
	fputc('\n', stderr);
}

/* ---------------------------------------------------------------- listeners */

/* The key under which a master hands a listening socket to the next worker: the address,
 * the options that change the socket, and the thread. */
static void listener_key(const struct sockaddr_storage *ss, const struct m_bind *b, int thread,
                         char *key, size_t size)
{
	char a[INET6_ADDRSTRLEN] = "";
	uint16_t port;
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		port = ntohs(s4->sin_port);
	}
	snprintf(key, size, "tcp%c:[%s]:%u:%d%d#%d", ss->ss_family == AF_INET6 ? '6' : '4', a, port,
	         b->v6only == 1, b->defer_accept == 1, thread);
}

static int open_listener(const struct rt_service *rs, const struct m_bind *b, uint16_t port,
                         int backlog, const char **err, int thread, char *key, size_t ksize)
{
	struct sockaddr_storage ss = b->addr.ss;
	socklen_t len =
	    ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	if (ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
	listener_key(&ss, b, thread, key, ksize);
	int fd = rt_mw_take_listener(key); /* a socket the former worker listened on */
	if (fd >= 0) {
		listen(fd, backlog);
		return fd;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*err = strerror(errno);
		return -1;
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (ss.ss_family == AF_INET6 && b->v6only == 1)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (b->defer_accept == 1)
		setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &one, sizeof(one));
	rt_lvs_listen_opts(fd, rs, ss.ss_family); /* lvs: VIPs bind before VRRP assigns them */
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, backlog) < 0) {
		*err = errno == EADDRINUSE ? "Address already in use" : strerror(errno);
		close(fd);
		return -1;
	}
	return fd;
}

/* unix@PATH (or a plain path) and abns@NAME: one socket for the process, served by thread 0
 * (the kernel spreads nothing over unix sockets). A path is bound under a temporary name
 * and renamed over the old one, so that clients never find it missing during a reload; its
 * `mode`, `uid` and `gid` are applied before the rename. */
static int open_unix_listener(const struct m_bind *b, int backlog, const char **err, char *key,
                              size_t ksize)
{
	bool abns = b->addr.kind == M_ADDR_ABNS;
	const char *path = b->addr.path ? b->addr.path : "";
	snprintf(key, ksize, "%s:%s#0", abns ? "abns" : "unix", path);
	int fd = rt_mw_take_listener(key);
	if (fd >= 0) {
		listen(fd, backlog);
		return fd;
	}
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char tmp[sizeof(sun.sun_path) + 32];
	if (strlen(path) + (abns ? 1 : 0) >= sizeof(sun.sun_path)) {
		*err = "name too long";
		return -1;
	}
	socklen_t len = sizeof(sun);
	if (abns) {
		memcpy(sun.sun_path + 1, path, strlen(path));
		/* HAProxy's abstract names take the whole sun_path, zero-padded */
	} else {
		snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
		if (strlen(tmp) >= sizeof(sun.sun_path)) {
			*err = "name too long";
			return -1;
		}
		memcpy(sun.sun_path, tmp, strlen(tmp) + 1);
		unlink(tmp);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, len) < 0 || listen(fd, backlog) < 0) {
		*err = errno == EADDRINUSE ? "Address already in use" : strerror(errno);
		if (fd >= 0)
			close(fd);
		if (!abns)
			unlink(tmp);
		return -1;
	}
	if (abns)
		return fd;
	if ((b->unix_mode != M_UNSET && chmod(tmp, (mode_t)b->unix_mode) < 0) ||
	    ((b->uid != M_UNSET || b->gid != M_UNSET) &&
	     chown(tmp, b->uid != M_UNSET ? (uid_t)b->uid : (uid_t)-1,
	           b->gid != M_UNSET ? (gid_t)b->gid : (gid_t)-1) < 0) ||
	    rename(tmp, path) < 0) {
		*err = strerror(errno);
		close(fd);
		unlink(tmp);
		return -1;
	}
	return fd;
}

/* fd@N: a listening socket the process inherited (from a supervisor or a former process). */
static int open_fd_listener(const struct m_bind *b, int backlog, const char **err, char *key,
                            size_t ksize)
{
	snprintf(key, ksize, "fd:%d#0", b->addr.fd);
	int fd = rt_mw_take_listener(key);
	if (fd >= 0)
		return fd;
	int type = 0;
	socklen_t tl = sizeof(type);
	if (getsockopt(b->addr.fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 || type != SOCK_STREAM) {
		*err = errno == ENOTSOCK ? "Socket operation on non-socket" : "not a stream socket";
		return -1;
	}
	int acc = 0;
	tl = sizeof(acc);
	getsockopt(b->addr.fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &tl);
	if (!acc && listen(b->addr.fd, backlog) < 0) {
		*err = strerror(errno);
		return -1;
	}
	/* a copy, so that closing the listener (soft stop) leaves the inherited one alone */
	fd = fcntl(b->addr.fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0) {
		*err = strerror(errno);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static bool addr_is_any(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == htonl(INADDR_ANY);
	if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
		return IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_V4MAPPED(a);
	}
	return true; /* unix sockets and others: ask per connection */
}

int rt_bind_worker(struct rt *rt, struct rt_worker *w)
{
	for (int i = 0; i < rt->nsvc; i++) {
		struct rt_service *rs = &rt->svc[i];
		if (!rt_lvs_bind_ok(rs)) /* lvs: UDP/SCTP/fwmark virtual servers are not served */
			continue;
		for (const struct m_bind *b = rs->conf->binds; b; b = b->next) {
			bool local = b->addr.kind == M_ADDR_UNIX || b->addr.kind == M_ADDR_ABNS ||
			             b->addr.kind == M_ADDR_FD;
			if (b->addr.kind != M_ADDR_INET && !local)
				continue; /* names were resolved by the parser; nothing else binds
				           */
			if (local && w->id > 0)
				continue; /* one socket, on thread 0 */
			int backlog = b->backlog > 0                  ? b->backlog
			              : rs->fe && rs->fe->backlog > 0 ? rs->fe->backlog
			              : rs->fe && rs->fe->maxconn > 0 ? rs->fe->maxconn
			                                              : 1024;
			uint16_t hi = b->addr.port_hi ? b->addr.port_hi : b->addr.port_lo;
			if (local)
				hi = b->addr.port_lo; /* one pass */
			for (unsigned port = b->addr.port_lo; port <= hi; port++) {
				const char *err = NULL;
				char key[sizeof(((struct rt_listener *)0)->key)];
				int fd =
				    b->addr.kind == M_ADDR_FD
				        ? open_fd_listener(b, backlog, &err, key, sizeof(key))
				    : local ? open_unix_listener(b, backlog, &err, key, sizeof(key))
				            : open_listener(rs, b, (uint16_t)port, backlog, &err,
				                            w->id, key, sizeof(key));
				if (fd < 0) {
					char abuf[160];
					m_addr_str(&b->addr, abuf, sizeof(abuf));
					if (rt->o->version_notice)
						rt->o->version_notice();
					fprintf(
					    stderr,
					    "[ALERT]    (%d) : Binding [%s:%u] for %s %s: cannot "
					    "bind %s "
					    "(%s) for [%s]\n",
					    (int)getpid(), b->at.file ? b->at.file : "", b->at.line,
					    rs->conf->kind == SVC_LISTEN ? "listen" : "frontend",
					    rs->conf->name,
					    local && b->addr.kind != M_ADDR_FD ? "UNIX socket"
					                                       : "socket",
					    err, abuf);
					alert("[%s.main()] Some protocols failed to start their "
					      "listeners! "
					      "Exiting.",
					      "haproxy", "", "");
					return -1;
				}
				struct rt_listener *l = calloc(1, sizeof(*l));
				l->fd = fd;
				/* perf (sess.c): accepted TCP sockets inherit TCP_NODELAY from
				 * their listener, which saves a setsockopt per connection; unix: no
				 * effect */
				(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1},
				                 sizeof(int));
				memcpy(l->key, key, sizeof(l->key));
				socklen_t ll = sizeof(l->local);
				if (getsockname(fd, (struct sockaddr *)&l->local, &ll) == 0)
					l->local_fixed = !addr_is_any(&l->local);
				l->svc = rs;
				l->w = w;
				l->next = w->listeners;
				w->listeners = l;
			}
		}
	}
	return 0;
}

void rt_close_listeners(struct rt_worker *w)
{
	struct rt_listener *l = w->listeners, *n;
	for (; l; l = n) {
		n = l->next;
		ev_io_stop(w->loop, &l->io);
		close(l->fd);
		free(l);
	}
	w->listeners = NULL;
}

/* ---------------------------------------------------------------- maxconn pauses */

bool rt_listener_over_limit(const struct rt_listener *l)
{
	int fmax = rt_svc_maxconn(l->svc), gmax = rt_global_maxconn(l->w->rt); /* cli may set */
	if (fmax > 0 && atomic_load(&l->svc->cur) >= fmax)
		return true;
	return gmax > 0 && atomic_load(&l->w->rt->actconn) >= gmax;
}

/* Listeners paused on maxconn accept again once there is room; until then the kernel's
 * backlog holds new connections, as in HAProxy. */
void rt_listeners_resume(struct rt_worker *w)
{
	for (struct rt_listener *l = w->listeners; l; l = l->next) {
		if (l->paused && !rt_listener_over_limit(l)) {
			rt_listener_paused(l, false);
			ev_io_start(w->loop, &l->io);
		}
	}
}

void rt_listener_paused(struct rt_listener *l, bool paused)
{
	l->paused = paused;
	atomic_fetch_add(&l->w->npaused, paused ? 1u : -1u);
	atomic_fetch_add(&l->w->rt->npaused, paused ? 1 : -1);
}

/* A session ended: the listeners another worker paused on maxconn may accept again, and
 * only that worker may resume them (they are its own), so it is woken (its qwake runs
 * rt_sess_queue_cb(), which resumes them). */
void rt_listeners_wake(struct rt_worker *self)
{
	struct rt *rt = self->rt;
	for (int i = 0; i < rt->nw; i++) {
		struct rt_worker *o = &rt->w[i];
		if (o != self && o->loop && atomic_load(&o->npaused))
			ev_async_send(o->loop, &o->qwake);
	}
}
