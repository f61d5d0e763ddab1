/* stats_rows.c - one CSV row per frontend, server and backend, as HAProxy 2.6.12 fills them.
 *
 * Each object type fills the fields HAProxy fills for it (the shapes below, recorded from
 * 2.6.12's `show stat`); a field vipr has no data for stays "0" like an idle HAProxy's, and
 * a field HAProxy leaves empty in that context (no checks, mode tcp) is cleared.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "runtime/stats_int.h"

const char st_csv_names[] =
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

void st_row_fe(struct rt *rt, struct row *r, struct rt_service *svc)
{
	bool http = svc->mode == M_MODE_HTTP;
	row_init(r, shape_fe);
	r->f[F_PXNAME] = (char *)svc->conf->name;
	r->f[F_SVNAME] = "FRONTEND";
	set_counters(r, &svc->cnt, http);
	clear(r, F_ECON), clear(r, F_ERESP), clear(r, F_WRETR), clear(r, F_WREDIS);
	setn(r, F_SCUR, atomic_load(&svc->cur));
	int slim = rt_svc_maxconn(svc) > 0 ? rt_svc_maxconn(svc) : rt_global_maxconn(rt);
	if (slim <= 0)
		slim = 4096; /* the process maxconn `show info` reports */
	if (slim > 0)
		setn(r, F_SLIM, slim);
	else
		clear(r, F_SLIM);
	setn(r, F_EREQ, atomic_load(&svc->cnt.ereq));
	int adm = atomic_load(&svc->adm);
	r->f[F_STATUS] = atomic_load(&rt->stop) || adm == RT_FE_STOPPED ? "STOP"
	                 : adm == RT_FE_PAUSED                          ? "PAUSED"
	                                                                : "OPEN";
	setn(r, F_PID, 1);
	setn(r, F_IID, st_proxy_iid(svc->conf->id));
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

void st_addr_text(const struct rt_server *sv, char *buf, size_t len)
{
	char host[64] = "";
	const struct sockaddr_storage *ss = &sv->ss;
	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, host,
		          sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, st_srv_port(sv));
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, st_srv_port(sv));
	}
}

/* A check's state as HAProxy shows it; its status codes in `show servers state` follow
 * HAProxy's numbering (L4CON is 8, L7OK 15), recorded from 2.6.12's output. */
int st_check_code(enum chk_status s)
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

bool st_check_ok(enum chk_status s)
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
	if (!st_check_ok(st->status) && st->desc[0])
		setf(r, F_LAST_CHK, "%s", st->desc);
}

void st_row_srv(struct row *r, struct rt_pool *p, struct rt_server *sv, enum m_mode mode,
                unsigned flags)
{
	const struct m_server *ms = sv->conf;
	bool up = st_srv_up(sv);
	row_init(r, shape_srv);
	r->f[F_PXNAME] = p->conf->name;
	r->f[F_SVNAME] = ms->name;
	set_counters(r, &sv->cnt, mode == M_MODE_HTTP);
	setn(r, F_SCUR, atomic_load(&sv->cur));
	if (rt_srv_maxconn(sv) > 0)
		setn(r, F_SLIM, rt_srv_maxconn(sv));
	if (ms->maxqueue > 0)
		setn(r, F_QLIMIT, ms->maxqueue);
	r->f[F_STATUS] = (char *)rt_stats_srv_status(sv);
	setn(r, F_WEIGHT, sv->weight);
	setn(r, F_ACT, sv->backup ? 0 : 1);
	setn(r, F_BCK, sv->backup ? 1 : 0);
	setn(r, F_LASTCHG, st_since(atomic_load(&sv->lastchg)));
	setn(r, F_DOWNTIME, 0);
	setn(r, F_PID, 1);
	setn(r, F_IID, st_proxy_iid(p->conf->id));
	int sid = ms->id > 0 ? ms->id : (int)(sv - p->srv) + 1; /* puid 0: a test's pool */
	setn(r, F_SID, sv->puid > 0 ? sv->puid : sid);
	setn(r, F_LBTOT, atomic_load(&sv->cnt.stot));
	setn(r, F_TYPE, 2);
	long long last = atomic_load(&sv->cnt.last_sess);
	setn(r, F_LASTSESS, last ? st_since(last) : -1);
	r->f[F_MODE] = (char *)mode_name(mode);
	r->f[F_DASH] = "-";
	setn(r, F_NEED_CONN_EST, atomic_load(&sv->cur));
	setn(r, F_UWEIGHT, sv->weight);
	setn(r, F_SRV_ICUR, 0);
	if (flags & RT_SD_LEGENDS) {
		char a[80];
		st_addr_text(sv, a, sizeof(a));
		setf(r, F_ADDR, "%s", a);
	}
	if (ms->cookie)
		r->f[F_COOKIE] = ms->cookie;
	if (st_checked(sv)) {
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

void st_row_be(struct rt *rt, struct row *r, struct rt_pool *p, enum m_mode mode, unsigned flags)
{
	const struct m_proxy_conf *be = p->conf->conf;
	bool http = mode == M_MODE_HTTP;
	int act = 0, bck = 0, w = 0, wb = 0;
	for (int i = 0; i < p->nsrv; i++) {
		struct rt_server *sv = rt_psrv(p, i);
		if (!st_srv_up(sv))
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
	setn(r, F_LASTCHG, st_since(rt->started));
	setn(r, F_PID, 1);
	setn(r, F_IID, st_proxy_iid(p->conf->id));
	setn(r, F_LBTOT, atomic_load(&p->cnt.stot));
	setn(r, F_TYPE, 1);
	long long last = atomic_load(&p->cnt.last_sess);
	setn(r, F_LASTSESS, last ? st_since(last) : -1);
	r->f[F_MODE] = (char *)mode_name(mode);
	if (flags & RT_SD_LEGENDS)
		r->f[F_ALGO] = (char *)m_algo_name(p->conf->balance.algo);
	setn(r, F_UWEIGHT, w);
	r->f[F_DASH] = "-";
	bool checks = false;
	for (int i = 0; i < p->nsrv; i++)
		checks = checks || st_checked(rt_psrv(p, i));
	(void)checks;
	if (!http)
		clear(r, F_CACHE_LOOKUPS), clear(r, F_CACHE_HITS);
	if (!p->nsrv)
		clear(r, F_DOWNTIME);
	else if (!act && !bck)
		setn(r, F_DOWNTIME, st_since(rt->started));
}
