/* logsrv.c - delivery of traffic log lines to the `log` targets of a proxy and of global.
 *
 * A target is a UDP syslog server, a unix datagram socket (/dev/log style), stdout/stderr or
 * an inherited fd. Each line is framed as HAProxy 2.6 frames it (captured from
 * /usr/sbin/haproxy): rfc3164 `<PRI>Mmm dd hh:mm:ss haproxy[PID]: msg`, rfc5424
 * `<PRI>1 ISO-TIME HOST TAG PID - - msg`, short `<SEV>msg`, raw `msg`, always ending with a
 * newline after truncation to the target's `len` (1024 by default). Sockets
 * are opened on first use and shared by every worker thread (sendto() is thread-safe).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "runtime/rt.h"

#define LOG_DEFAULT_LEN 1024
#define LOG_MAX_LEN     8192

/* syslog facilities in code order (RFC 5424 6.2.1, HAProxy's names) and severities */
static const char *const facilities[] = {
    "kern",   "user",   "mail",   "daemon", "auth",   "syslog", "lpr",    "news",
    "uucp",   "cron",   "auth2",  "ftp",    "ntp",    "audit",  "alert",  "cron2",
    "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"};
static const char *const levels[] = {"emerg",   "alert",  "crit", "err",
                                     "warning", "notice", "info", "debug"};

static int lookup(const char *const *tab, int n, const char *name, int dflt)
{
	for (int i = 0; name && i < n; i++)
		if (!strcmp(tab[i], name))
			return i;
	return dflt;
}

/* ---------------------------------------------------------------- sockets */

struct logsock {
	const struct m_log_target *t;
	int fd;
	struct logsock *next;
};

static pthread_mutex_t socks_lock = PTHREAD_MUTEX_INITIALIZER;
static struct logsock *socks;

/* The datagram socket of a network or unix target, opened once; -1 when it cannot be. */
static int target_fd(const struct m_log_target *t)
{
	pthread_mutex_lock(&socks_lock);
	struct logsock *ls = socks;
	while (ls && ls->t != t)
		ls = ls->next;
	if (!ls && (ls = calloc(1, sizeof(*ls))) != NULL) {
		int family = t->kind == LOG_TARGET_UNIX ? AF_UNIX : t->addr.ss.ss_family;
		ls->t = t;
		ls->fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		ls->next = socks;
		socks = ls;
	}
	pthread_mutex_unlock(&socks_lock);
	return ls ? ls->fd : -1;
}

static void deliver(const struct m_log_target *t, const char *p, size_t n)
{
	int fd;
	switch (t->kind) {
	case LOG_TARGET_STDOUT:
	case LOG_TARGET_STDERR:
	case LOG_TARGET_FD:
		fd = t->kind == LOG_TARGET_STDOUT ? 1 : t->kind == LOG_TARGET_STDERR ? 2 : t->addr.fd;
		/* one write() per line keeps lines of different threads whole */
		if (write(fd, p, n) < 0 && errno != EAGAIN)
			return;
		return;
	case LOG_TARGET_UNIX: {
		struct sockaddr_un un = {.sun_family = AF_UNIX};
		if (!t->addr.path || strlen(t->addr.path) >= sizeof(un.sun_path))
			return;
		strcpy(un.sun_path, t->addr.path);
		if ((fd = target_fd(t)) >= 0)
			(void)sendto(fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&un,
			             sizeof(un));
		return;
	}
	case LOG_TARGET_UDP:
		if ((fd = target_fd(t)) >= 0)
			(void)sendto(fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL,
			             (const struct sockaddr *)&t->addr.ss, t->addr.sslen);
		return;
	}
}

/* ---------------------------------------------------------------- framing */

/* The syslog header of one line for target t (RFC 3164 4.1, RFC 5424 6); returns its length. */
static size_t header(const struct rt *rt, const struct m_log_target *t, int pri, char *buf,
                     size_t len)
{
	const struct m_global *g = &rt->cfg->global;
	const char *tag = g->log_tag ? g->log_tag : "haproxy";
	char host[256] = "";
	if (g->log_send_hostname) {
		if (g->log_send_hostname[0])
			snprintf(host, sizeof(host), "%s", g->log_send_hostname);
		else
			gethostname(host, sizeof(host) - 1);
	}
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	time_t now = tv.tv_sec;
	localtime_r(&now, &tm);
	const char *f = t->format ? t->format : "";
	int n;
	if (!strcmp(f, "raw")) {
		n = 0;
	} else if (!strcmp(f, "short")) {
		n = snprintf(buf, len, "<%d>", pri & 7);
	} else if (!strcmp(f, "rfc5424")) {
		char ts[32];
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		long off = tm.tm_gmtoff / 60;
		n = snprintf(buf, len, "<%d>1 %s.%06ld%c%02ld:%02ld %s %s %d - - ", pri, ts,
		             (long)tv.tv_usec, off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60,
		             host[0] ? host : "-", tag, (int)getpid());
	} else {
		/* Measured on HAProxy 2.6.12: an explicit `format rfc3164` names a host
		 * ("localhost" without log-send-hostname), the default framing does not. */
		if (!host[0] && t->format)
			strcpy(host, "localhost");
		char ts[32];
		strftime(ts, sizeof(ts), "%b %e %H:%M:%S", &tm);
		n = snprintf(buf, len, "<%d>%s %s%s%s[%d]: ", pri, ts, host, host[0] ? " " : "",
		             tag, (int)getpid());
	}
	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

static void send_one(const struct rt *rt, const struct m_log_target *t, int sev,
                     const char *msg, size_t mlen)
{
	int lvl = lookup(levels, 8, t->level, 7), min = lookup(levels, 8, t->minlevel, 0);
	if (sev > lvl) /* less important than the target wants */
		return;
	if (sev < min) /* more severe than minlevel: capped to it */
		sev = min;
	int fac = lookup(facilities, 24, t->facility, 16);
	char buf[LOG_MAX_LEN + 1];
	size_t max = t->maxlen > 0 ? (size_t)t->maxlen : LOG_DEFAULT_LEN;
	if (max > LOG_MAX_LEN)
		max = LOG_MAX_LEN;
	size_t n = header(rt, t, fac * 8 + sev, buf, max);
	size_t room = max - n; /* the newline comes on top of `len` */
	size_t m = mlen < room ? mlen : room;
	memcpy(buf + n, msg, m);
	n += m;
	buf[n++] = '\n';
	deliver(t, buf, n);
}

/* Sends one traffic log line (msg: without newline) at severity sev (LOG_INFO is 6) to the
 * targets of frontend fe: its own `log` lines, then global's when it says `log global`.
 * With no target at all and vipr's --log-stderr, the raw line goes to stderr. */
void rt_logsrv_send(const struct rt *rt, const struct m_proxy_conf *fe, int sev, const char *msg,
                    size_t mlen)
{
	bool any = false;
	for (const struct m_log_target *t = fe ? fe->logs : NULL; t; t = t->next, any = true)
		send_one(rt, t, sev, msg, mlen);
	if (fe && fe->log_global == 1)
		for (const struct m_log_target *t = rt->cfg->global.logs; t; t = t->next, any = true)
			send_one(rt, t, sev, msg, mlen);
	if (!any && rt->o->log_stderr) {
		char buf[LOG_MAX_LEN];
		size_t m = mlen < sizeof(buf) - 1 ? mlen : sizeof(buf) - 1;
		memcpy(buf, msg, m);
		buf[m++] = '\n';
		if (write(2, buf, m) < 0)
			return;
	}
}
