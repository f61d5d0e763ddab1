/* stats.c - counters and the machine-readable statistics: CSV, JSON, show info, servers state.
 *
 * Sessions bump atomic counters in the frontend (rt_service), backend (rt_pool) and server
 * (rt_server) they touch; the dumps read them without locks. A CSV row is built as an array
 * of HAProxy 2.6's 128 fields, of which each object type fills the ones HAProxy fills for it
 * (the others stay empty, as in `show stat`), then joined. The HTTP applet that serves the
 * stats uri is in stats_http.c, the HTML page in stats_html.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "checks/checks.h"
#include "runtime/rt.h"

/* ---------------------------------------------------------------- string buffer */

void rt_sb_put(struct rt_sbuf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (b->len + n + 1 > cap)
			cap *= 2;
		char *d = realloc(b->d, cap);
		if (!d)
			return;
		b->d = d;
		b->cap = cap;
	}
	memcpy(b->d + b->len, p, n);
	b->len += n;
	b->d[b->len] = 0;
}

void rt_sb_puts(struct rt_sbuf *b, const char *s)
{
	rt_sb_put(b, s, strlen(s));
}

void rt_sb_printf(struct rt_sbuf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		rt_sb_put(b, tmp, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big)
		return;
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	rt_sb_put(b, big, (size_t)n);
	free(big);
}

/* ---------------------------------------------------------------- counting */

/* Rates are counted per wall-clock second; a reader sees the last complete second, or the
 * current one when it is already higher. Races between threads at a second boundary lose
 * at most a few events, which is acceptable for a rate. */
void rt_rate_add(struct rt_rate *r)
{
	long long now = (long long)time(NULL);
	long long sec = atomic_load(&r->sec);
	if (sec != now && atomic_compare_exchange_strong(&r->sec, &sec, now)) {
		int c = atomic_exchange(&r->cnt, 0);
		atomic_store(&r->prev, sec == now - 1 ? c : 0);
	}
	int c = atomic_fetch_add(&r->cnt, 1) + 1;
	int m = atomic_load(&r->max);
	while (c > m && !atomic_compare_exchange_weak(&r->max, &m, c))
		;
}

unsigned rt_rate_get(struct rt_rate *r)
{
	long long now = (long long)time(NULL), sec = atomic_load(&r->sec);
	int cnt = atomic_load(&r->cnt), prev = atomic_load(&r->prev);
	if (sec == now)
		return (unsigned)(cnt > prev ? cnt : prev);
	return sec == now - 1 ? (unsigned)cnt : 0;
}

static void max_update(atomic_int *m, int v)
{
	int cur = atomic_load(m);
	while (v > cur && !atomic_compare_exchange_weak(m, &cur, v))
		;
}

void rt_stats_sess_new(struct rt_service *svc)
{
	atomic_fetch_add(&svc->cnt.stot, 1);
	atomic_store(&svc->cnt.last_sess, (long long)time(NULL));
	rt_rate_add(&svc->cnt.sess_rate);
	max_update(&svc->cnt.smax, atomic_load(&svc->cur));
}

void rt_stats_picked(struct rt_pool *p, struct rt_server *sv)
{
	long long now = (long long)time(NULL);
	atomic_fetch_add(&sv->cnt.stot, 1);
	atomic_store(&sv->cnt.last_sess, now);
	rt_rate_add(&sv->cnt.sess_rate);
	max_update(&sv->cnt.smax, atomic_load(&sv->cur));
	atomic_fetch_add(&p->cnt.stot, 1);
	atomic_store(&p->cnt.last_sess, now);
	rt_rate_add(&p->cnt.sess_rate);
	max_update(&p->cnt.smax, atomic_load(&p->cur));
}

/* Bytes received: from the client they are "in" for every object on the session's path,
 * from the server "out" (HAProxy counts them as they enter the proxy). */
void rt_stats_bytes(struct rt_sess *s, bool to_server, size_t n)
{
	long long v = (long long)n;
	struct rt_server *sv = s->server;
	struct rt_pool *p = sv ? sv->pool : rt_sess_pool(s);
	if (to_server) {
		atomic_fetch_add(&s->svc->cnt.bin, v);
		if (sv)
			atomic_fetch_add(&sv->cnt.bin, v);
		if (p)
			atomic_fetch_add(&p->cnt.bin, v);
	} else {
		atomic_fetch_add(&s->svc->cnt.bout, v);
		if (sv)
			atomic_fetch_add(&sv->cnt.bout, v);
		if (p)
			atomic_fetch_add(&p->cnt.bout, v);
	}
}

void rt_stats_srv_ev(struct rt_sess *s, enum rt_stat_ev ev)
{
	struct rt_server *sv = s->server;
	struct rt_pool *p = sv ? sv->pool : rt_sess_pool(s);
	struct rt_counters *c[2] = {sv ? &sv->cnt : NULL, p ? &p->cnt : NULL};
	for (int i = 0; i < 2; i++) {
		if (!c[i])
			continue;
		switch (ev) {
		case RT_ST_ECON:
			atomic_fetch_add(&c[i]->econ, 1);
			break;
		case RT_ST_WRETR:
			atomic_fetch_add(&c[i]->wretr, 1);
			break;
		case RT_ST_WREDIS:
			atomic_fetch_add(&c[i]->wredis, 1);
			break;
		case RT_ST_ERESP:
			atomic_fetch_add(&c[i]->eresp, 1);
			break;
		}
	}
}

void rt_stats_denied(struct rt_sess *s, bool response)
{
	struct rt_pool *p = s->server ? s->server->pool : rt_sess_pool(s);
	if (!response) {
		atomic_fetch_add(&s->svc->cnt.dreq, 1);
		if (p)
			atomic_fetch_add(&p->cnt.dreq, 1);
		return;
	}
	atomic_fetch_add(&s->svc->cnt.dresp, 1);
	if (p)
		atomic_fetch_add(&p->cnt.dresp, 1);
	if (s->server)
		atomic_fetch_add(&s->server->cnt.dresp, 1);
}

void rt_stats_http_error(struct rt_sess *s, int status)
{
	if (status == 400 || status == 408)
		atomic_fetch_add(&s->svc->cnt.ereq, 1);
	else if (status == 502)
		rt_stats_srv_ev(s, RT_ST_ERESP);
}

static void count_status(struct rt_counters *c, int status)
{
	int k = status >= 100 && status < 600 ? status / 100 - 1 : 5;
	atomic_fetch_add(&c->hrsp[k], 1);
	atomic_fetch_add(&c->req_tot, 1);
	rt_rate_add(&c->req_rate);
}

/* One HTTP transaction ended with s->status sent to the client. */
void rt_stats_txn_end(struct rt_sess *s)
{
	if (!s->status)
		return;
	count_status(&s->svc->cnt, s->status);
	const struct rt_server *ls = s->log_srv;
	struct rt_server *sv = ls ? &ls->pool->srv[ls - ls->pool->srv] : NULL;
	struct rt_pool *p = sv ? sv->pool : rt_sess_pool(s);
	if (sv)
		count_status(&sv->cnt, s->status);
	if (p)
		count_status(&p->cnt, s->status);
}

/* ---------------------------------------------------------------- look-ups and states */

struct rt_pool *rt_stats_find_pool(struct rt *rt, const char *name)
{
	for (int i = 0; i < rt->npools; i++)
		if (!strcmp(rt->pools[i].conf->name, name))
			return &rt->pools[i];
	return NULL;
}

struct rt_server *rt_stats_find_server(struct rt *rt, const char *be, const char *srv)
{
	struct rt_pool *p = rt_stats_find_pool(rt, be);
	for (int i = 0; p && i < p->nsrv; i++)
		if (!strcmp(p->srv[i].conf->name, srv))
			return &p->srv[i];
	return NULL;
}

static bool checked(const struct rt_server *sv);

void rt_stats_set_admin(struct rt_server *sv, int set, int clear)
{
	int old = atomic_load(&sv->admin);
	int now = (old & ~clear) | set;
	while (!atomic_compare_exchange_weak(&sv->admin, &old, now))
		now = (old & ~clear) | set;
	if (now != old)
		atomic_store(&sv->lastchg, (long long)time(NULL));
	/* a server disabled in the configuration is usable once enabled from the socket
	 * (health checks, when configured, then decide) */
	if (!(now & RT_ADM_MAINT) && sv->conf->disabled == 1 && !checked(sv))
		sv->usable = true;
}

static bool checked(const struct rt_server *sv)
{
	return sv->conf->check.enabled;
}

/* The Status column: MAINT, DRAIN, DOWN, UP or "no check". */
const char *rt_stats_srv_status(const struct rt_server *sv)
{
	int adm = atomic_load(&((struct rt_server *)sv)->admin);
	if (adm & RT_ADM_MAINT)
		return "MAINT";
	if (!sv->usable)
		return "DOWN";
	if (adm & RT_ADM_DRAIN)
		return "DRAIN";
	return checked(sv) ? "UP" : "no check";
}

static bool srv_up(const struct rt_server *sv)
{
	return sv->usable && !(atomic_load(&((struct rt_server *)sv)->admin) & RT_ADM_MAINT);
}

/* ---------------------------------------------------------------- CSV rows */

enum {
	F_PXNAME,
	F_SVNAME,
	F_QCUR,
	F_QMAX,
	F_SCUR,
	F_SMAX,
	F_SLIM,
	F_STOT,
	F_BIN,
	F_BOUT,
	F_DREQ,
	F_DRESP,
	F_EREQ,
	F_ECON,
	F_ERESP,
	F_WRETR,
	F_WREDIS,
	F_STATUS,
	F_WEIGHT,
	F_ACT,
	F_BCK,
	F_CHKFAIL,
	F_CHKDOWN,
	F_LASTCHG,
	F_DOWNTIME,
	F_QLIMIT,
	F_PID,
	F_IID,
	F_SID,
	F_THROTTLE,
	F_LBTOT,
	F_TRACKED,
	F_TYPE,
	F_RATE,
	F_RATE_LIM,
	F_RATE_MAX,
	F_CHECK_STATUS,
	F_CHECK_CODE,
	F_CHECK_DURATION,
	F_HRSP_1XX,
	F_HRSP_OTHER = F_HRSP_1XX + 5,
	F_HANAFAIL,
	F_REQ_RATE,
	F_REQ_RATE_MAX,
	F_REQ_TOT,
	F_CLI_ABRT,
	F_SRV_ABRT,
	F_COMP_IN,
	F_COMP_OUT,
	F_COMP_BYP,
	F_COMP_RSP,
	F_LASTSESS,
	F_LAST_CHK,
	F_LAST_AGT,
	F_QTIME,
	F_CTIME,
	F_RTIME,
	F_TTIME,
	F_AGENT_STATUS,
	F_AGENT_CODE,
	F_AGENT_DURATION,
	F_CHECK_DESC,
	F_AGENT_DESC,
	F_CHECK_RISE,
	F_CHECK_FALL,
	F_CHECK_HEALTH,
	F_AGENT_RISE,
	F_AGENT_FALL,
	F_AGENT_HEALTH,
	F_ADDR,
	F_COOKIE,
	F_MODE,
	F_ALGO,
	F_CONN_RATE,
	F_CONN_RATE_MAX,
	F_CONN_TOT,
	F_INTERCEPTED,
	F_DCON,
	F_DSES,
	F_WREW,
	F_CONNECT,
	F_REUSE,
	F_CACHE_LOOKUPS,
	F_CACHE_HITS,
	F_SRV_ICUR,
	F_SRC_ILIM,
	F_QTIME_MAX,
	F_CTIME_MAX,
	F_RTIME_MAX,
	F_TTIME_MAX,
	F_EINT,
	F_IDLE_CONN_CUR,
	F_SAFE_CONN_CUR,
	F_USED_CONN_CUR,
	F_NEED_CONN_EST,
	F_UWEIGHT,
	F_AGG_SERVER_STATUS,
	F_AGG_SERVER_CHECK_STATUS,
	F_AGG_CHECK_STATUS,
	F_DASH,
	F_SSL_SESS,
	F_H2_FIRST = F_SSL_SESS + 3,
	F_H1_FIRST = F_H2_FIRST + 13,
	F_H1_OPEN_CONN = F_H1_FIRST,
	F_H1_OPEN_STREAMS,
	F_H1_TOTAL_CONN,
	F_H1_TOTAL_STREAMS,
	F_H1_BYTES_IN,
	F_H1_BYTES_OUT,
	F_NF = F_H1_FIRST + 8
};

static const char csv_names[] =
    "pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,"
    "wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,"
    "lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,"
    "hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,"
    "cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,"
    "ctime,rtime,ttime,agent_status,agent_code,agent_duration,check_desc,agent_desc,check_rise,"
    "check_fall,check_health,agent_rise,agent_fall,agent_health,addr,cookie,mode,algo,"
    "conn_rate,conn_rate_max,conn_tot,intercepted,dcon,dses,wrew,connect,reuse,cache_lookups,"
    "cache_hits,srv_icur,src_ilim,qtime_max,ctime_max,rtime_max,ttime_max,eint,idle_conn_cur,"
    "safe_conn_cur,used_conn_cur,need_conn_est,uweight,agg_server_status,"
    "agg_server_check_status,agg_check_status,-,ssl_sess,ssl_reused_sess,ssl_failed_handshake,"
    "h2_headers_rcvd,h2_data_rcvd,h2_settings_rcvd,h2_rst_stream_rcvd,h2_goaway_rcvd,"
    "h2_detected_conn_protocol_errors,h2_detected_strm_protocol_errors,h2_rst_stream_resp,"
    "h2_goaway_resp,h2_open_connections,h2_backend_open_streams,h2_total_connections,"
    "h2_backend_total_streams,h1_open_connections,h1_open_streams,h1_total_connections,"
    "h1_total_streams,h1_bytes_in,h1_bytes_out,h1_spliced_bytes_in,h1_spliced_bytes_out,";

/* Which fields each object type fills, as HAProxy 2.6.12 does ('x'), in field order. */
static const char shape_fe[F_NF + 1] =
    "xx..xxxxxxxxx....x........xxx...xxxx...xxxxxx.xxx..xxxx....................x.xxxxxxx..xx"
    "......x........xxxxxxxxxxxxxxxxxxxxxxxxx";
static const char shape_srv[F_NF + 1] =
    "xxxxxx.xxx.x.xxxxxxxxxxxx.xxx.x.xx.xxxxxxxxxx...xxx....x..xxxx...x.xxx.....x.......xxx.."
    "x.xxxxxxxxxx...xxxx.....................";
static const char shape_be[F_NF + 1] =
    "xxxxxxxxxxxx.xxxxxxxx.xxx.xxx.x.xx.x...xxxxxx...xxxxxxxx..xxxx.............x.......xxxxx"
    "..xxxxx....xxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

struct row {
	char *f[F_NF];
	char mem[3072];
	size_t used;
	const char *shape;
};

static void row_init(struct row *r, const char *shape)
{
	memset(r->f, 0, sizeof(r->f));
	r->used = 0;
	r->shape = shape;
	static char zero[] = "0";
	for (int i = 0; i < F_NF; i++)
		if (shape[i] == 'x')
			r->f[i] = zero;
}

static void setf(struct row *r, int i, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void setf(struct row *r, int i, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = sizeof(r->mem) - r->used;
	int n = vsnprintf(r->mem + r->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		return;
	r->f[i] = r->mem + r->used;
	r->used += (size_t)n + 1;
}

static void setn(struct row *r, int i, long long v)
{
	setf(r, i, "%lld", v);
}

static void clear(struct row *r, int i)
{
	r->f[i] = NULL;
}

static const char *mode_name(enum m_mode m)
{
	return m == M_MODE_HTTP ? "http" : "tcp";
}

static int proxy_iid(int id)
{
	return id + 1; /* HAProxy's own internal proxy takes the first id */
}

static void set_counters(struct row *r, struct rt_counters *c, bool http)
{
	setn(r, F_SMAX, atomic_load(&c->smax));
	setn(r, F_STOT, atomic_load(&c->stot));
	setn(r, F_BIN, atomic_load(&c->bin));
	setn(r, F_BOUT, atomic_load(&c->bout));
	setn(r, F_ECON, atomic_load(&c->econ));
	setn(r, F_ERESP, atomic_load(&c->eresp));
	setn(r, F_WRETR, atomic_load(&c->wretr));
	setn(r, F_WREDIS, atomic_load(&c->wredis));
	setn(r, F_RATE, rt_rate_get(&c->sess_rate));
	setn(r, F_RATE_MAX, atomic_load(&c->sess_rate.max));
	for (int k = 0; k < 6; k++)
		if (http)
			setn(r, F_HRSP_1XX + k, atomic_load(&c->hrsp[k]));
		else
			clear(r, F_HRSP_1XX + k);
	if (http)
		setn(r, F_REQ_TOT, atomic_load(&c->req_tot));
	else
		clear(r, F_REQ_TOT);
}

static long long since(long long t)
{
	long long now = (long long)time(NULL);
	return t && now >= t ? now - t : 0;
}

static void row_fe(struct rt *rt, struct row *r, struct rt_service *svc)
{
	const struct m_proxy_conf *fe = svc->fe;
	bool http = svc->mode == M_MODE_HTTP;
	row_init(r, shape_fe);
	r->f[F_PXNAME] = (char *)svc->conf->name;
	r->f[F_SVNAME] = "FRONTEND";
	set_counters(r, &svc->cnt, http);
	clear(r, F_ECON), clear(r, F_ERESP), clear(r, F_WRETR), clear(r, F_WREDIS);
	setn(r, F_SCUR, atomic_load(&svc->cur));
	int slim = fe && fe->maxconn > 0 ? fe->maxconn : rt->cfg->global.maxconn;
	if (slim <= 0)
		slim = 4096; /* the process maxconn `show info` reports */
	if (slim > 0)
		setn(r, F_SLIM, slim);
	else
		clear(r, F_SLIM);
	setn(r, F_EREQ, atomic_load(&svc->cnt.ereq));
	r->f[F_STATUS] = atomic_load(&rt->stop) ? "STOP" : "OPEN";
	setn(r, F_PID, 1);
	setn(r, F_IID, proxy_iid(svc->conf->id));
	setn(r, F_REQ_RATE, rt_rate_get(&svc->cnt.req_rate));
	setn(r, F_REQ_RATE_MAX, atomic_load(&svc->cnt.req_rate.max));
	setn(r, F_CONN_RATE, rt_rate_get(&svc->cnt.sess_rate));
	setn(r, F_CONN_RATE_MAX, atomic_load(&svc->cnt.sess_rate.max));
	setn(r, F_CONN_TOT, atomic_load(&svc->cnt.stot));
	setn(r, F_INTERCEPTED, atomic_load(&svc->cnt.intercepted));
	r->f[F_MODE] = (char *)mode_name(svc->mode);
	r->f[F_DASH] = "-";
	setn(r, F_H1_OPEN_CONN, atomic_load(&svc->cur));
	setn(r, F_H1_OPEN_STREAMS, atomic_load(&svc->cur));
	setn(r, F_H1_TOTAL_CONN, atomic_load(&svc->cnt.stot));
	setn(r, F_H1_TOTAL_STREAMS, atomic_load(&svc->cnt.req_tot));
	setn(r, F_H1_BYTES_IN, atomic_load(&svc->cnt.bin));
	setn(r, F_H1_BYTES_OUT, atomic_load(&svc->cnt.bout));
	if (!http) {
		setn(r, F_REQ_TOT, atomic_load(&svc->cnt.req_tot));
		clear(r, F_INTERCEPTED), clear(r, F_CACHE_LOOKUPS), clear(r, F_CACHE_HITS);
	}
}

static void addr_text(const struct rt_server *sv, char *buf, size_t len)
{
	char host[64] = "";
	const struct sockaddr_storage *ss = &sv->ss;
	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, host,
		          sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, sv->conf->addr.port_lo);
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, sv->conf->addr.port_lo);
	}
}

/* A check's state as HAProxy shows it; its status codes in `show servers state` follow
 * HAProxy's numbering (L4CON is 8, L7OK 15), recorded from 2.6.12's output. */
static int hap_check_code(enum chk_status s)
{
	static const int map[] = {
	    [CHK_ST_UNKNOWN] = 0,   [CHK_ST_INI] = 1,     [CHK_ST_SOCKERR] = 5,
	    [CHK_ST_L4OK] = 6,      [CHK_ST_L4TOUT] = 7,  [CHK_ST_L4CON] = 8,
	    [CHK_ST_L6OK] = 9,      [CHK_ST_L6TOUT] = 10, [CHK_ST_L6RSP] = 11,
	    [CHK_ST_L7OK] = 15,     [CHK_ST_L7OKC] = 16,  [CHK_ST_L7TOUT] = 12,
	    [CHK_ST_L7RSP] = 13,    [CHK_ST_L7STS] = 17,  [CHK_ST_PROCERR] = 18,
	    [CHK_ST_PROCTOUT] = 19, [CHK_ST_PROCOK] = 20,
	};
	return (unsigned)s < sizeof(map) / sizeof(map[0]) ? map[s] : 0;
}

static bool check_ok(enum chk_status s)
{
	return s == CHK_ST_L4OK || s == CHK_ST_L6OK || s == CHK_ST_L7OK || s == CHK_ST_L7OKC ||
	       s == CHK_ST_PROCOK;
}

static void check_fields(struct row *r, const struct chk_state *st)
{
	if (st->status == CHK_ST_UNKNOWN)
		return;
	setf(r, F_CHECK_STATUS, "%s", chk_status_str(st->status));
	if (st->code > 0 && st->status >= CHK_ST_L7OK && st->status <= CHK_ST_L7STS)
		setn(r, F_CHECK_CODE, st->code);
	if (st->status != CHK_ST_INI)
		setn(r, F_CHECK_DURATION, st->duration_ms);
	setf(r, F_CHECK_DESC, "%s", chk_status_desc(st->status));
	setn(r, F_CHECK_HEALTH, st->health);
	setn(r, F_CHKFAIL, (long long)st->fails);
	setn(r, F_CHKDOWN, (long long)st->downs);
	if (!check_ok(st->status) && st->desc[0])
		setf(r, F_LAST_CHK, "%s", st->desc);
}

static void row_srv(struct row *r, struct rt_pool *p, struct rt_server *sv, enum m_mode mode,
                    unsigned flags)
{
	const struct m_server *ms = sv->conf;
	bool up = srv_up(sv);
	row_init(r, shape_srv);
	r->f[F_PXNAME] = p->conf->name;
	r->f[F_SVNAME] = ms->name;
	set_counters(r, &sv->cnt, mode == M_MODE_HTTP);
	setn(r, F_SCUR, atomic_load(&sv->cur));
	if (ms->maxconn > 0)
		setn(r, F_SLIM, ms->maxconn);
	if (ms->maxqueue > 0)
		setn(r, F_QLIMIT, ms->maxqueue);
	r->f[F_STATUS] = (char *)rt_stats_srv_status(sv);
	setn(r, F_WEIGHT, sv->weight);
	setn(r, F_ACT, sv->backup ? 0 : 1);
	setn(r, F_BCK, sv->backup ? 1 : 0);
	setn(r, F_LASTCHG, since(atomic_load(&sv->lastchg)));
	setn(r, F_DOWNTIME, 0);
	setn(r, F_PID, 1);
	setn(r, F_IID, proxy_iid(p->conf->id));
	setn(r, F_SID, ms->id > 0 ? ms->id : (int)(sv - p->srv) + 1);
	setn(r, F_LBTOT, atomic_load(&sv->cnt.stot));
	setn(r, F_TYPE, 2);
	long long last = atomic_load(&sv->cnt.last_sess);
	setn(r, F_LASTSESS, last ? since(last) : -1);
	r->f[F_MODE] = (char *)mode_name(mode);
	r->f[F_DASH] = "-";
	setn(r, F_NEED_CONN_EST, atomic_load(&sv->cur));
	setn(r, F_UWEIGHT, sv->weight);
	setn(r, F_SRV_ICUR, 0);
	if (flags & RT_SD_LEGENDS) {
		char a[80];
		addr_text(sv, a, sizeof(a));
		setf(r, F_ADDR, "%s", a);
	}
	if (ms->cookie)
		r->f[F_COOKIE] = ms->cookie;
	if (checked(sv)) {
		int rise = ms->check.rise > 0 ? ms->check.rise : 2;
		int fall = ms->check.fall > 0 ? ms->check.fall : 3;
		clear(r, F_CHECK_STATUS), clear(r, F_CHECK_CODE), clear(r, F_CHECK_DURATION);
		clear(r, F_CHECK_DESC);
		setn(r, F_CHECK_RISE, rise);
		setn(r, F_CHECK_FALL, fall);
		setn(r, F_CHECK_HEALTH, up ? rise + fall - 1 : 0);
		const struct chk_state *st = sv->chk ? chk_get_state(sv->chk) : NULL;
		if (st) /* the last result; read without the engine's loop: a snapshot */
			check_fields(r, st);
	} else {
		clear(r, F_CHKFAIL), clear(r, F_CHKDOWN), clear(r, F_DOWNTIME);
		clear(r, F_CHECK_STATUS), clear(r, F_CHECK_CODE), clear(r, F_CHECK_DURATION);
		clear(r, F_CHECK_DESC), clear(r, F_CHECK_RISE), clear(r, F_CHECK_FALL);
		clear(r, F_CHECK_HEALTH);
	}
}

static void row_be(struct rt *rt, struct row *r, struct rt_pool *p, enum m_mode mode,
                   unsigned flags)
{
	const struct m_proxy_conf *be = p->conf->conf;
	bool http = mode == M_MODE_HTTP;
	int act = 0, bck = 0, w = 0, wb = 0;
	for (int i = 0; i < p->nsrv; i++) {
		struct rt_server *sv = &p->srv[i];
		if (!srv_up(sv))
			continue;
		if (sv->backup)
			bck++, wb += sv->weight;
		else
			act++, w += sv->weight;
	}
	if (!act)
		w = wb;
	row_init(r, shape_be);
	r->f[F_PXNAME] = p->conf->name;
	r->f[F_SVNAME] = "BACKEND";
	set_counters(r, &p->cnt, http);
	setn(r, F_SCUR, atomic_load(&p->cur));
	/* HAProxy's default backend limit: fullconn, else a tenth of the maxconn of the
	 * frontends that use it (global maxconn when none says) */
	int fe_max = be && be->maxconn > 0 ? be->maxconn : rt->cfg->global.maxconn;
	int slim = be && be->fullconn > 0 ? be->fullconn : (fe_max > 0 ? fe_max / 10 : 0);
	setn(r, F_SLIM, slim > 0 ? slim : 1);
	r->f[F_STATUS] = (p->nsrv == 0 || act || bck) ? "UP" : "DOWN";
	setn(r, F_WEIGHT, w);
	setn(r, F_ACT, act);
	setn(r, F_BCK, bck);
	setn(r, F_LASTCHG, since(rt->started));
	setn(r, F_PID, 1);
	setn(r, F_IID, proxy_iid(p->conf->id));
	setn(r, F_LBTOT, atomic_load(&p->cnt.stot));
	setn(r, F_TYPE, 1);
	long long last = atomic_load(&p->cnt.last_sess);
	setn(r, F_LASTSESS, last ? since(last) : -1);
	r->f[F_MODE] = (char *)mode_name(mode);
	if (flags & RT_SD_LEGENDS)
		r->f[F_ALGO] = (char *)m_algo_name(p->conf->balance.algo);
	setn(r, F_UWEIGHT, w);
	r->f[F_DASH] = "-";
	bool checks = false;
	for (int i = 0; i < p->nsrv; i++)
		checks = checks || checked(&p->srv[i]);
	(void)checks;
	if (!http)
		clear(r, F_CACHE_LOOKUPS), clear(r, F_CACHE_HITS);
	if (!p->nsrv)
		clear(r, F_DOWNTIME);
	else if (!act && !bck)
		setn(r, F_DOWNTIME, since(rt->started));
}

static void emit_csv(struct rt_sbuf *out, const struct row *r)
{
	for (int i = 0; i < F_NF; i++) {
		if (r->f[i]) {
			/* HAProxy's CSV escaping: quote fields with commas or quotes */
			const char *v = r->f[i];
			if (strpbrk(v, ",\"")) {
				rt_sb_put(out, "\"", 1);
				for (; *v; v++) {
					if (*v == '"')
						rt_sb_put(out, "\"", 1);
					rt_sb_put(out, v, 1);
				}
				rt_sb_put(out, "\"", 1);
			} else {
				rt_sb_puts(out, v);
			}
		}
		rt_sb_put(out, ",", 1);
	}
	rt_sb_put(out, "\n", 1);
}

/* ---------------------------------------------------------------- walking the proxies */

struct walk_ctx {
	struct rt_sbuf *out;
	unsigned flags;
	bool json, typed;
	bool first;
	rt_stats_row_fn *fn; /* rt_stats_rows(): rows go to fn instead of out */
	void *arg;
};

static const char *field_name(int i, char *buf, size_t len)
{
	const char *p = csv_names;
	for (int k = 0; k < i; k++)
		p = strchr(p, ',') + 1;
	size_t n = (size_t)(strchr(p, ',') - p);
	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = 0;
	return buf;
}

static void st_json_str(struct rt_sbuf *out, const char *v)
{
	rt_sb_put(out, "\"", 1);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			rt_sb_put(out, "\\", 1);
		rt_sb_put(out, v, 1);
	}
	rt_sb_put(out, "\"", 1);
}

/* HAProxy 2.6.12's tags and types of each field ("<origin><nature><scope>:<type>", as in
 * `show stat typed`); `show info` ones by name, with their position. */
static const char stat_tags[] =
    "KNS:strKNS:strMGP:u32MMP:u32MGP:u32MMP:u32CLP:u32MCP:u64"
    "MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64"
    "MCP:u64SGP:strMaP:u32SGP:u32SGP:u32MCP:u64MCP:u64MAP:u32"
    "MCP:u32CGS:u32KGP:u32KGS:u32KGS:u32MaP:u32MCP:u64CNS:str"
    "CGS:u32MRP:u32CLP:u32MMP:u32MOP:strMOP:u32MDP:u64MCP:u64"
    "MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MRP:u32MMP:u32"
    "MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MAP:s32"
    "MOP:strMOP:strMaP:u32MaP:u32MaP:u32MaP:u32MOP:strMOP:u32"
    "MDP:u64MOP:strMOP:strCGS:u32CGS:u32CGS:u32CGS:u32CGS:u32"
    "CGS:u32CGS:strCNS:strCGS:strCGS:strMRP:u32MMP:u32MCP:u64"
    "MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64"
    "MGP:u32CLP:u32MMP:u32MMP:u32MMP:u32MMP:u32MCP:u64MGP:u32"
    "MGP:u32MGP:u32MGP:u32MaP:u32MGP:u32MGP:u32MGP:u32MCP:u64"
    "MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64"
    "MCP:u64MCP:u64MCP:u64MGP:u64MGP:u64MCP:u64MCP:u64MGP:u64"
    "MGP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64"
    ;
static const char info_tags[] =
    "Name:0:POS:str\nVersion:1:POS:str\nRelease_date:2:POS:str\n"
    "Nbthread:3:CGS:u32\nNbproc:4:CGS:u32\nProcess_num:5:KGP:u32\n"
    "Pid:6:SGP:u32\nUptime:7:MDP:str\nUptime_sec:8:MDP:u32\n"
    "Memmax_MB:9:CLP:u32\nPoolAlloc_MB:10:MGP:u32\nPoolUsed_MB:11:MGP:u32\n"
    "PoolFailed:12:MCP:u32\nUlimit-n:13:CLP:u32\nMaxsock:14:CLP:u32\n"
    "Maxconn:15:CLP:u32\nHard_maxconn:16:CLP:u32\nCurrConns:17:MGP:u32\n"
    "CumConns:18:MCP:u32\nCumReq:19:MCP:u32\nMaxSslConns:20:MMP:u32\n"
    "CurrSslConns:21:MGP:u32\nCumSslConns:22:MCP:u32\nMaxpipes:23:CLP:u32\n"
    "PipesUsed:24:MGP:u32\nPipesFree:25:MGP:u32\nConnRate:26:MRP:u32\n"
    "ConnRateLimit:27:CLP:u32\nMaxConnRate:28:MMP:u32\nSessRate:29:MRP:u32\n"
    "SessRateLimit:30:CLP:u32\nMaxSessRate:31:MRP:u32\nSslRate:32:MRP:u32\n"
    "SslRateLimit:33:CLP:u32\nMaxSslRate:34:MMP:u32\nSslFrontendKeyRate:35:MGP:u32\n"
    "SslFrontendMaxKeyRate:36:MMP:u32\nSslFrontendSessionReuse_pct:37:MGP:u32\nSslBackendKeyRate:38:MRP:u32\n"
    "SslBackendMaxKeyRate:39:MMP:u32\nSslCacheLookups:40:MCP:u32\nSslCacheMisses:41:MCP:u32\n"
    "CompressBpsIn:42:MRP:u32\nCompressBpsOut:43:MRP:u32\nCompressBpsRateLim:44:CLP:u32\n"
    "Tasks:47:MGP:u32\nRun_queue:48:MGP:u32\nIdle_pct:49:MaP:u32\n"
    "node:50:COS:str\nStopping:52:MGP:u32\nJobs:53:MGP:u32\n"
    "Unstoppable Jobs:54:MGP:u32\nListeners:55:MGP:u32\nActivePeers:56:MGP:u32\n"
    "ConnectedPeers:57:MGP:u32\nDroppedLogs:58:MGP:u32\nBusyPolling:59:MGP:u32\n"
    "FailedResolutions:60:MGP:u32\nTotalBytesOut:61:MGP:u64\nTotalSplicdedBytesOut:62:MGP:u64\n"
    "BytesOutRate:63:MRP:u64\nDebugCommandsIssued:64:MGP:u32\nCumRecvLogs:65:MCP:u32\n"
    "Build info:66:POS:str\nMemmax_bytes:67:CLP:u32\nPoolAlloc_bytes:68:MGP:u64\n"
    "PoolUsed_bytes:69:MGP:u64\nStart_time_sec:70:MDP:u32\nTainted:71:SGP:str\n"
    ;

/* A field's position: the CSV's "-" column (before the modules' fields) has none. */
static int stat_pos(int i)
{
	return i > F_DASH ? i - 1 : i;
}

static const char *stat_tag(char kind, int i)
{
	/* backends report weight, act and rates as plain gauges */
	if (kind == 'B' && (i == F_ACT || i == F_BCK || i == F_RATE || i == F_RATE_MAX))
		return "MGP:u32";
	return stat_tags + 7 * stat_pos(i);
}

static const char *tag_word(char c, int k)
{
	static const char *const origin[] = {"M", "Metric", "S", "Status", "K", "Key",
	                                     "C", "Config", "P", "Product", NULL};
	static const char *const nature[] = {"G", "Gauge", "L", "Limit",    "m", "Min",
	                                     "M", "Max",   "R", "Rate",     "C", "Counter",
	                                     "D", "Duration", "A", "Age",   "T", "Time",
	                                     "N", "Name",  "O", "Output",   "a", "Avg", NULL};
	static const char *const scope[] = {"P", "Process", "S", "Service", "s", "System",
	                                    "C", "Cluster", NULL};
	const char *const *t = k == 0 ? origin : k == 1 ? nature : scope;
	for (int j = 0; t[j]; j += 2)
		if (t[j][0] == c)
			return t[j + 1];
	return "";
}

/* One typed JSON value: its tags (3 letters) and type, then the value. */
static void json_value(struct rt_sbuf *o, const char *tag, const char *v)
{
	char *end;
	(void)strtoll(v, &end, 10);
	bool num = strncmp(tag + 4, "str", 3) && *v && !*end;
	rt_sb_printf(o,
	             "\"processNum\":1,\"tags\":{\"origin\":\"%s\",\"nature\":\"%s\","
	             "\"scope\":\"%s\"},\"value\":{\"type\":\"%.3s\",\"value\":",
	             tag_word(tag[0], 0), tag_word(tag[1], 1), tag_word(tag[2], 2),
	             num ? tag + 4 : "str");
	if (num)
		rt_sb_puts(o, v);
	else
		st_json_str(o, v);
	rt_sb_puts(o, "}}");
}

/* HAProxy's typed JSON: one object per filled field. */
static void emit_json(struct walk_ctx *w, const struct row *r, const char *type, int iid, int sid)
{
	rt_sb_puts(w->out, w->first ? "[" : ",[");
	w->first = false;
	bool first = true;
	for (int i = 0; i < F_NF; i++) {
		if (!r->f[i] || i == F_DASH) /* the CSV's "-" column is no field */
			continue;
		char name[64];
		rt_sb_printf(w->out,
		             "%s{\"objType\":\"%s\",\"proxyId\":%d,\"id\":%d,\"field\":{\"pos\":%d,"
		             "\"name\":\"%s\"},",
		             first ? "" : ",", type, iid, sid, stat_pos(i),
		             field_name(i, name, sizeof(name)));
		json_value(w->out, stat_tag(type[0], i), r->f[i]);
		first = false;
	}
	rt_sb_puts(w->out, "]");
}

/* `show stat typed`: F.<iid>.<sid>.<pos>.<name>.1:<tags>:<type>:<value> per filled field. */
static void emit_typed(struct walk_ctx *w, const struct row *r, const char *type, int iid,
                       int sid)
{
	for (int i = 0; i < F_NF; i++) {
		if (!r->f[i] || i == F_DASH) /* the CSV's "-" column is no field */
			continue;
		char name[64];
		rt_sb_printf(w->out, "%c.%d.%d.%d.%s.1:%.7s:%s\n", type[0], iid, sid, stat_pos(i),
		             field_name(i, name, sizeof(name)), stat_tag(type[0], i), r->f[i]);
	}
}

static void put_row(struct walk_ctx *w, const struct row *r, const char *type, int iid, int sid)
{
	if (w->fn)
		w->fn(w->arg, type[0], (const char *const *)r->f, F_NF);
	else if (w->json)
		emit_json(w, r, type, iid, sid);
	else if (w->typed)
		emit_typed(w, r, type, iid, sid);
	else
		emit_csv(w->out, r);
}

static void walk(struct rt *rt, struct walk_ctx *w)
{
	int maxid = 0;
	for (int i = 0; i < rt->nsvc; i++)
		if (rt->svc[i].conf->id > maxid)
			maxid = rt->svc[i].conf->id;
	for (int i = 0; i < rt->npools; i++)
		if (rt->pools[i].conf->id > maxid)
			maxid = rt->pools[i].conf->id;
	struct row *r = malloc(sizeof(*r));
	if (!r)
		return;
	for (int id = 1; id <= maxid; id++) {
		struct rt_service *svc = NULL;
		struct rt_pool *p = NULL;
		for (int i = 0; i < rt->nsvc; i++)
			if (rt->svc[i].conf->id == id &&
			    rt->svc[i].conf->kind != SVC_VIRTUAL_SERVER)
				svc = &rt->svc[i];
		for (int i = 0; i < rt->npools; i++)
			if (rt->pools[i].conf->id == id && !rt->pools[i].conf->lvs)
				p = &rt->pools[i];
		if (svc) {
			row_fe(rt, r, svc);
			put_row(w, r, "Frontend", proxy_iid(id), 0);
		}
		if (!p)
			continue;
		const struct m_proxy_conf *pc = p->conf->conf;
		enum m_mode mode = pc && pc->mode == M_MODE_HTTP ? M_MODE_HTTP : M_MODE_TCP;
		for (int i = 0; i < p->nsrv; i++) {
			struct rt_server *sv = &p->srv[i];
			if ((w->flags & RT_SD_UP) && !srv_up(sv))
				continue;
			if ((w->flags & RT_SD_NOMAINT) && (atomic_load(&sv->admin) & RT_ADM_MAINT))
				continue;
			row_srv(r, p, sv, mode, w->flags);
			put_row(w, r, "Server", proxy_iid(id), i + 1);
		}
		row_be(rt, r, p, mode, w->flags);
		put_row(w, r, "Backend", proxy_iid(id), 0);
	}
	free(r);
}

void rt_stats_csv(struct rt *rt, struct rt_sbuf *out, unsigned flags)
{
	rt_sb_puts(out, "# ");
	rt_sb_puts(out, csv_names);
	rt_sb_puts(out, "\n");
	struct walk_ctx w = {.out = out, .flags = flags};
	walk(rt, &w);
}

void rt_stats_json(struct rt *rt, struct rt_sbuf *out, unsigned flags)
{
	struct walk_ctx w = {.out = out, .flags = flags, .json = true, .first = true};
	rt_sb_puts(out, "[");
	walk(rt, &w);
	rt_sb_puts(out, "]\n");
}

void rt_stats_rows(struct rt *rt, unsigned flags, rt_stats_row_fn *fn, void *arg)
{
	struct walk_ctx w = {.flags = flags, .fn = fn, .arg = arg};
	walk(rt, &w);
}

int rt_stats_field(const char *name)
{
	size_t n = strlen(name);
	int i = 0;
	for (const char *p = csv_names; *p; i++) {
		const char *e = strchr(p, ',');
		if (!e)
			break;
		if ((size_t)(e - p) == n && !memcmp(p, name, n))
			return i;
		p = e + 1;
	}
	return -1;
}

void rt_stats_typed(struct rt *rt, struct rt_sbuf *out, unsigned flags)
{
	struct walk_ctx w = {.out = out, .flags = flags, .typed = true};
	walk(rt, &w);
}

/* ---------------------------------------------------------------- clear counters */

static void clear_max(struct rt_counters *c)
{
	atomic_store(&c->smax, 0);
	atomic_store(&c->sess_rate.max, 0);
	atomic_store(&c->req_rate.max, 0);
}

static void clear_all(struct rt_counters *c)
{
	atomic_llong *v[] = {&c->stot, &c->bin,     &c->bout,    &c->dreq,        &c->dresp,
	                     &c->ereq, &c->econ,    &c->eresp,   &c->wretr,       &c->wredis,
	                     &c->req_tot, &c->intercepted, &c->last_sess};
	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		atomic_store(v[i], 0);
	for (int k = 0; k < 6; k++)
		atomic_store(&c->hrsp[k], 0);
	clear_max(c);
}

void rt_stats_clear(struct rt *rt, bool all)
{
	void (*fn)(struct rt_counters *) = all ? clear_all : clear_max;
	for (int i = 0; i < rt->nsvc; i++)
		fn(&rt->svc[i].cnt);
	for (int i = 0; i < rt->npools; i++) {
		fn(&rt->pools[i].cnt);
		for (int k = 0; k < rt->pools[i].nsrv; k++)
			fn(&rt->pools[i].srv[k].cnt);
	}
}

/* ---------------------------------------------------------------- show info */

static const char *info_tag(const char *key, int *pos)
{
	size_t kn = strlen(key);
	for (const char *t = info_tags; *t; t = strchr(t, '\n') + 1)
		if (!strncmp(t, key, kn) && t[kn] == ':') {
			*pos = atoi(t + kn + 1);
			return strchr(t + kn + 1, ':') + 1;
		}
	return NULL;
}

/* `show info typed` or `json`: the lines of `show info`, each with its tags by name. */
void rt_stats_info_fmt(struct rt *rt, struct rt_sbuf *o, bool json)
{
	struct rt_sbuf txt = {0};
	rt_stats_info(rt, &txt);
	rt_sb_put(&txt, "", 1);
	bool first = true;
	if (json)
		rt_sb_puts(o, "[");
	for (char *l = txt.d, *nl; l && *l; l = nl ? nl + 1 : NULL) {
		nl = strchr(l, '\n');
		if (nl)
			*nl = 0;
		char *colon = strstr(l, ": ");
		if (!colon)
			continue;
		*colon = 0;
		const char *v = colon + 2;
		int pos;
		const char *tag = info_tag(l, &pos);
		if (!tag)
			continue; /* not a HAProxy 2.6.12 field */
		if (json) {
			rt_sb_printf(o, "%s{\"field\":{\"pos\":%d,\"name\":\"%s\"},", first ? "" : ",",
			             pos, l);
			json_value(o, tag, v);
		} else {
			rt_sb_printf(o, "%d.%s.1:%.7s:%s\n", pos, l, tag, v);
		}
		first = false;
	}
	if (json)
		rt_sb_puts(o, "]\n");
	free(txt.d);
}

void rt_stats_info(struct rt *rt, struct rt_sbuf *o)
{
	const struct m_global *g = &rt->cfg->global;
	long long up = since(rt->started);
	long long cum = 0, req = 0, bout = 0;
	unsigned rate = 0;
	int maxrate = 0;
	for (int i = 0; i < rt->nsvc; i++) {
		struct rt_counters *c = &rt->svc[i].cnt;
		cum += atomic_load(&c->stot);
		req += atomic_load(&c->req_tot);
		bout += atomic_load(&c->bout);
		rate += rt_rate_get(&c->sess_rate);
		maxrate += atomic_load(&c->sess_rate.max);
	}
	for (int i = 0; i < rt->npools; i++)
		bout += atomic_load(&rt->pools[i].cnt.bin);
	char host[256] = "";
	gethostname(host, sizeof(host) - 1);
	int maxconn = g->maxconn > 0 ? g->maxconn : 4096;
	int nlisteners = 0;
	for (int i = 0; i < rt->nsvc; i++)
		for (const struct m_bind *b = rt->svc[i].conf->binds; b; b = b->next)
			nlisteners++;
	for (const struct m_stats_socket *s = g->stats_sockets; s; s = s->next)
		nlisteners++;
	int cur = atomic_load(&rt->actconn);
	rt_sb_printf(o,
	             "Name: HAProxy\nVersion: " VIPR_HAP_VERSION "\nRelease_date: " VIPR_HAP_DATE
	             "\n"
	             "Nbthread: %d\nNbproc: 1\nProcess_num: 1\nPid: %d\n"
	             "Uptime: %lldd %lldh%02lldm%02llds\nUptime_sec: %lld\n",
	             rt->nw, (int)getpid(), up / 86400, up / 3600 % 24, up / 60 % 60, up % 60, up);
	rt_sb_printf(o,
	             "Memmax_MB: 0\nPoolAlloc_MB: 0\nPoolUsed_MB: 0\nPoolFailed: 0\n"
	             "Ulimit-n: %d\nMaxsock: %d\nMaxconn: %d\nHard_maxconn: %d\nCurrConns: %d\n"
	             "CumConns: %lld\nCumReq: %lld\n",
	             g->ulimit_n > 0 ? g->ulimit_n : 2 * maxconn + 31,
	             g->ulimit_n > 0 ? g->ulimit_n : 2 * maxconn + 31, maxconn, maxconn, cur, cum,
	             req);
	rt_sb_printf(o,
	             "MaxSslConns: 0\nCurrSslConns: 0\nCumSslConns: 0\nMaxpipes: 0\nPipesUsed: 0\n"
	             "PipesFree: 0\nConnRate: %u\nConnRateLimit: 0\nMaxConnRate: %d\nSessRate: %u\n"
	             "SessRateLimit: 0\nMaxSessRate: %d\nSslRate: 0\nSslRateLimit: 0\n"
	             "MaxSslRate: 0\nSslFrontendKeyRate: 0\nSslFrontendMaxKeyRate: 0\n"
	             "SslFrontendSessionReuse_pct: 0\nSslBackendKeyRate: 0\n"
	             "SslBackendMaxKeyRate: 0\nSslCacheLookups: 0\nSslCacheMisses: 0\n"
	             "CompressBpsIn: 0\nCompressBpsOut: 0\nCompressBpsRateLim: 0\n",
	             rate, maxrate, rate, maxrate);
	rt_sb_printf(o,
	             "Tasks: %d\nRun_queue: 0\nIdle_pct: 100\nnode: %s\nStopping: %d\nJobs: %d\n"
	             "Unstoppable Jobs: 0\nListeners: %d\nActivePeers: 0\nConnectedPeers: 0\n"
	             "DroppedLogs: 0\nBusyPolling: 0\nFailedResolutions: 0\nTotalBytesOut: %lld\n"
	             "TotalSplicdedBytesOut: 0\nBytesOutRate: 0\nDebugCommandsIssued: 0\n"
	             "CumRecvLogs: 0\nBuild info: " VIPR_HAP_VERSION "\nMemmax_bytes: 0\n"
	             "PoolAlloc_bytes: 0\nPoolUsed_bytes: 0\nStart_time_sec: %lld\nTainted: 0\n",
	             cur + nlisteners, g->node ? g->node : host, atomic_load(&rt->stop) ? 1 : 0,
	             cur + nlisteners, nlisteners, bout, rt->started);
}

/* ---------------------------------------------------------------- show servers state */

bool rt_stats_servers_state(struct rt *rt, struct rt_sbuf *o, const char *backend)
{
	struct rt_pool *only = NULL;
	if (backend && *backend && !(only = rt_stats_find_pool(rt, backend)))
		return false;
	rt_sb_puts(o, "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state "
	              "srv_uweight srv_iweight srv_time_since_last_change srv_check_status "
	              "srv_check_result srv_check_health srv_check_state srv_agent_state "
	              "bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl "
	              "srv_check_port srv_check_addr srv_agent_addr srv_agent_port\n");
	for (int i = 0; i < rt->npools; i++) {
		struct rt_pool *p = &rt->pools[i];
		if ((only && p != only) || p->conf->lvs)
			continue;
		for (int k = 0; k < p->nsrv; k++) {
			struct rt_server *sv = &p->srv[k];
			const struct m_server *ms = sv->conf;
			char a[80], host[80];
			addr_text(sv, a, sizeof(a));
			snprintf(host, sizeof(host), "%s", a[0] == '[' ? a + 1 : a);
			char *colon = strrchr(host, a[0] == '[' ? ']' : ':');
			if (colon)
				*colon = 0;
			int admin = atomic_load(&sv->admin);
			bool chk = checked(sv), up = srv_up(sv);
			int rise = ms->check.rise > 0 ? ms->check.rise : 2;
			int fall = ms->check.fall > 0 ? ms->check.fall : 3;
			/* check status 1 is "initializing", state 6 configured+enabled, 8 paused;
			 * an unchecked server that is up keeps a health of `rise` */
			int cstatus = chk ? 6 : 1, cresult = chk ? (sv->usable ? 3 : 2) : 0;
			int health = !up ? 0 : chk ? rise + fall - 1 : rise;
			const struct chk_state *st = sv->chk ? chk_get_state(sv->chk) : NULL;
			if (chk && st) {
				cstatus = hap_check_code(st->status);
				cresult = st->status == CHK_ST_INI ? 0
				          : check_ok(st->status)   ? 3
				                                   : 2;
				health = st->health;
			}
			int cstate = chk ? 6 : (admin & RT_ADM_CMAINT) ? 8 : 0;
			rt_sb_printf(
			    o,
			    "%d %s %d %s %s %d %d %d %d %lld %d %d %d %d 0 0 0 - %u - %d %d - - "
			    "0\n",
			    proxy_iid(p->conf->id), p->conf->name, ms->id > 0 ? ms->id : k + 1,
			    ms->name, host, up ? 2 : 0, admin, sv->weight, sv->iweight,
			    since(atomic_load(&sv->lastchg)), cstatus, cresult, health, cstate,
			    ms->addr.port_lo, ms->ssl == 1,
			    chk && ms->check.port > 0 ? ms->check.port : 0);
		}
	}
	return true;
}
