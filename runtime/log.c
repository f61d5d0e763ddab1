/* log.c - traffic log lines in HAProxy's httplog and tcplog formats, on stderr for now.
 *
 * The fields and their order follow configuration.txt section 8.2.3 (HTTP log format) and
 * 8.2.2 (TCP log format); timers are in milliseconds relative to the start of the request,
 * -1 when a phase was never reached. Sending to syslog targets (`log` lines) comes later;
 * until then every line goes to stderr, like `log stderr format raw`.
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

static const char *be_name(const struct rt_sess *s)
{
	return rt_sess_pool(s) && rt_sess_pool(s)->conf->name ? rt_sess_pool(s)->conf->name
	                                                : s->svc->conf->name;
}

static long diff(long a, long b)
{
	return (a < 0 || b < 0) ? -1 : a - b;
}

/* %ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc
 * %sq/%bq %{+Q}r (no captures are configured yet, so %hr %hs print nothing). */
void rt_log_http(struct rt_sess *s)
{
	char cli[64], date[40];
	fmt_client(&s->cli_addr, cli, sizeof(cli));
	fmt_date(&s->t_req, date, sizeof(date));
	long ta = rt_ms_since(&s->t_req);
	/* %Tc starts when the queue is left (%Tw: the time spent in it) */
	long tc = diff(s->t_conn, s->t_hdr + (s->t_queue > 0 ? s->t_queue : 0));
	long tr = diff(s->t_rsp, s->t_conn);
	bool badreq = !strcmp(s->reqline, "<BADREQ>");
	fprintf(stderr,
	        "%s [%s] %s %s/%s %ld/%ld/%ld/%ld/%ld %d %llu - - %c%c-- %d/%d/%d/%d/%s%d 0/0 "
	        "\"%s\"\n",
	        cli, date, s->svc->conf->name, be_name(s), srv_name(s), badreq ? -1L : s->t_hdr,
	        s->t_queue, tc, tr, ta, s->status, badreq ? 0ULL : (unsigned long long)s->rsp.bytes,
	        s->term[0], s->term[1], atomic_load(&s->w->rt->actconn), atomic_load(&s->svc->cur),
	        rt_sess_pool(s) ? atomic_load(&rt_sess_pool(s)->cur) : 0,
	        s->server ? atomic_load(&s->server->cur) : 0, s->redispatched ? "+" : "",
	        s->nretries, s->reqline);
}

/* %ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq */
void rt_log_tcp(struct rt_sess *s)
{
	char cli[64], date[40];
	fmt_client(&s->cli_addr, cli, sizeof(cli));
	fmt_date(&s->t_accept, date, sizeof(date));
	fprintf(stderr, "%s [%s] %s %s/%s %ld/%ld/%ld %llu %c%c %d/%d/%d/%d/%s%d 0/0\n", cli, date,
	        s->svc->conf->name, be_name(s), srv_name(s), s->t_queue, s->t_conn,
	        rt_ms_since(&s->t_accept), (unsigned long long)s->rsp.bytes, s->term[0], s->term[1],
	        atomic_load(&s->w->rt->actconn), atomic_load(&s->svc->cur),
	        rt_sess_pool(s) ? atomic_load(&rt_sess_pool(s)->cur) : 0,
	        s->server ? atomic_load(&s->server->cur) : 0, s->redispatched ? "+" : "",
	        s->nretries);
}
