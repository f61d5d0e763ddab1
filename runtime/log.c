/* log.c - traffic log lines in HAProxy's httplog and tcplog formats.
 *
 * The fields and their order follow configuration.txt section 8.2.3 (HTTP log format) and
 * 8.2.2 (TCP log format); timers are in milliseconds relative to the start of the request,
 * -1 when a phase was never reached. logsrv.c frames each line for the frontend's `log`
 * targets (syslog over UDP or unix sockets, stdout/stderr).
 */
#include <arpa/inet.h>
#include <string.h>
#include <time.h>

#include "runtime/rt.h"

static void fmt_client(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "-";
	unsigned port = 0;
	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, ip, sizeof(ip));
		port = ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	} else if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, ip, sizeof(ip));
		port = ntohs(((const struct sockaddr_in *)ss)->sin_port);
	}
	snprintf(buf, len, "%s:%u", ip, port);
}

/* "25/Nov/2026:13:07:42.565": %tr / %t, local time with milliseconds. */
static void fmt_date(const struct timeval *tv, char *buf, size_t len)
{
	struct tm tm;
	time_t t = tv->tv_sec;
	localtime_r(&t, &tm);
	size_t n = strftime(buf, len, "%d/%b/%Y:%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03d", (int)(tv->tv_usec / 1000));
}

static const char *srv_name(const struct rt_sess *s)
{
	const struct rt_server *sv = s->server ? s->server : s->log_srv;
	return sv && sv->conf->name ? sv->conf->name : "<NOSRV>";
}

static const char *be_name(const struct rt_sess *s, bool badreq)
{
	if (badreq) /* no backend was chosen yet: HAProxy names the frontend */
		return s->svc->conf->name;
	return rt_sess_pool(s) && rt_sess_pool(s)->conf->name ? rt_sess_pool(s)->conf->name
	                                                : s->svc->conf->name;
}

/* %bc and %sc: HAProxy logs once the stream has given its server connection back, so the
 * session's own slot is not counted. */
static int be_conns(const struct rt_sess *s)
{
	struct rt_pool *p = rt_sess_pool(s);
	return p ? atomic_load(&p->cur) - (s->srv_counted ? 1 : 0) : 0;
}

static int srv_conns(const struct rt_sess *s)
{
	return s->server ? atomic_load(&s->server->cur) - (s->srv_counted ? 1 : 0) : 0;
}

static long diff(long a, long b)
{
	return (a < 0 || b < 0) ? -1 : a - b;
}

/* %ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc
 * %sq/%bq %{+Q}r (no captures are configured yet, so %hr %hs print nothing). */
void rt_log_http(struct rt_sess *s)
{
	if (s->log_level == 9) /* set-log-level silent (rules_exec.c) */
		return;
	if (s->svc->logfmt.n) { /* the frontend's own log-format (logfmt.c) */
		rt_log_custom(s);
		return;
	}
	char cli[64], date[40];
	fmt_client(&s->cli_addr, cli, sizeof(cli));
	fmt_date(&s->t_req, date, sizeof(date));
	long ta = rt_ms_since(&s->t_req);
	/* %Tc starts when the queue is left (%Tw: the time spent in it) */
	long tc = diff(s->t_conn, s->t_hdr + (s->t_queue > 0 ? s->t_queue : 0));
	long tr = diff(s->t_rsp, s->t_conn);
	bool badreq = !strcmp(s->reqline, "<BADREQ>");
	s->logged = true;
	char line[1024], hr[512], hs[512]; /* captures (capture.c): "{...} " or "" */
	hr[rt_capture_log(s, false, hr, sizeof(hr))] = 0;
	hs[rt_capture_log(s, true, hs, sizeof(hs))] = 0;
	int n = snprintf(line, sizeof(line),
	        "%s [%s] %s %s/%s %ld/%ld/%ld/%ld/%ld %d %llu - - %c%c-- %d/%d/%d/%d/%s%d 0/0 "
	        "%s%s\"%s\"",
	        cli, date, s->svc->conf->name, be_name(s, badreq || s->fe_only), srv_name(s), badreq ? -1L : s->t_hdr,
	        s->t_queue, tc, tr, ta, s->status ? s->status : -1, badreq ? 0ULL : (unsigned long long)s->rsp.bytes,
	        s->term[0], s->term[1], atomic_load(&s->w->rt->actconn), atomic_load(&s->svc->cur),
	        be_conns(s), srv_conns(s), s->redispatched ? "+" : "",
	        s->nretries, hr, hs, s->reqline);
	if (n > 0)
		rt_logsrv_send(s->w->rt, s->svc->fe, s->log_level ? s->log_level - 1 : RT_LOG_INFO, line,
		               (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* %ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq */
void rt_log_tcp(struct rt_sess *s)
{
	if (s->svc->logfmt.n) {
		rt_log_custom(s);
		return;
	}
	char cli[64], date[40];
	fmt_client(&s->cli_addr, cli, sizeof(cli));
	fmt_date(&s->t_accept, date, sizeof(date));
	char line[512];
	int n = snprintf(line, sizeof(line), "%s [%s] %s %s/%s %ld/%ld/%ld %llu %c%c %d/%d/%d/%d/%s%d 0/0",
	        cli, date, s->svc->conf->name, be_name(s, s->fe_only), srv_name(s), s->t_queue, s->t_conn,
	        rt_ms_since(&s->t_accept), (unsigned long long)s->rsp.bytes, s->term[0], s->term[1],
	        atomic_load(&s->w->rt->actconn), atomic_load(&s->svc->cur),
	        be_conns(s), srv_conns(s), s->redispatched ? "+" : "",
	        s->nretries);
	if (n > 0)
		rt_logsrv_send(s->w->rt, s->svc->fe, RT_LOG_INFO, line,
		               (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* A connection that closed without sending anything: logged as HAProxy does ("<BADREQ>"
 * 400 CR in mode http), unless `option dontlognull`. */
void rt_log_null(struct rt_sess *s)
{
	const struct m_proxy_conf *fe = s->svc->fe;
	if (fe && fe->opt[OPT_DONTLOGNULL] == 1)
		return;
	if (s->svc->mode == M_MODE_TCP) {
		rt_log_tcp(s);
		return;
	}
	snprintf(s->reqline, sizeof(s->reqline), "<BADREQ>");
	s->status = 400;
	if (s->term[0] == '-')
		memcpy(s->term, "CR", 2);
	rt_log_http(s);
}
