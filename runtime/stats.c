/* stats.c - counters and the machine-readable statistics: CSV, JSON, show info, servers state.
 *
 * Sessions bump atomic counters in the frontend (rt_service), backend (rt_pool) and server
 * (rt_server) they touch; the dumps read them without locks. A CSV row is built as an array
 * of HAProxy 2.6's 128 fields, of which each object type fills the ones HAProxy fills for it
 * (the others stay empty, as in `show stat`), then joined: rows in stats_rows.c, their
 * CSV/JSON/typed forms in stats_fmt.c. The HTTP applet that serves the stats uri is in
 * stats_http.c, the HTML page in stats_html.c.
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
#include "runtime/stats_int.h"

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
		if (!strcmp(rt_psrv(p, i)->conf->name, srv))
			return rt_psrv(p, i);
	return NULL;
}

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
	if (!(now & RT_ADM_MAINT) && sv->conf->disabled == 1 && !st_checked(sv))
		sv->usable = true;
}

/* The Status column: MAINT, DRAIN, DOWN, UP or "no check". */
const char *rt_stats_srv_status(const struct rt_server *sv)
{
	int adm = atomic_load(&((struct rt_server *)sv)->admin);
	if (adm & RT_ADM_MAINT)
		return "MAINT";
	if (!sv->usable)
		return "DOWN";
	if (atomic_load(&((struct rt_server *)sv)->nolb))
		return "NOLB";
	if (adm & RT_ADM_DRAIN)
		return "DRAIN";
	return st_checked(sv) ? "UP" : "no check";
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
	atomic_llong *v[] = {&c->stot,    &c->bin,         &c->bout,     &c->dreq,  &c->dresp,
	                     &c->ereq,    &c->econ,        &c->eresp,    &c->wretr, &c->wredis,
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
			fn(&rt_psrv(&rt->pools[i], k)->cnt);
	}
}

/* ---------------------------------------------------------------- show info */

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
    "SslFrontendMaxKeyRate:36:MMP:u32\nSslFrontendSessionReuse_pct:37:MGP:u32\nSslBackendKeyRate:"
    "38:MRP:u32\n"
    "SslBackendMaxKeyRate:39:MMP:u32\nSslCacheLookups:40:MCP:u32\nSslCacheMisses:41:MCP:u32\n"
    "CompressBpsIn:42:MRP:u32\nCompressBpsOut:43:MRP:u32\nCompressBpsRateLim:44:CLP:u32\n"
    "Tasks:47:MGP:u32\nRun_queue:48:MGP:u32\nIdle_pct:49:MaP:u32\n"
    "node:50:COS:str\nStopping:52:MGP:u32\nJobs:53:MGP:u32\n"
    "Unstoppable Jobs:54:MGP:u32\nListeners:55:MGP:u32\nActivePeers:56:MGP:u32\n"
    "ConnectedPeers:57:MGP:u32\nDroppedLogs:58:MGP:u32\nBusyPolling:59:MGP:u32\n"
    "FailedResolutions:60:MGP:u32\nTotalBytesOut:61:MGP:u64\nTotalSplicdedBytesOut:62:MGP:u64\n"
    "BytesOutRate:63:MRP:u64\nDebugCommandsIssued:64:MGP:u32\nCumRecvLogs:65:MCP:u32\n"
    "Build info:66:POS:str\nMemmax_bytes:67:CLP:u32\nPoolAlloc_bytes:68:MGP:u64\n"
    "PoolUsed_bytes:69:MGP:u64\nStart_time_sec:70:MDP:u32\nTainted:71:SGP:str\n";

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
			rt_sb_printf(o, "%s{\"field\":{\"pos\":%d,\"name\":\"%s\"},",
			             first ? "" : ",", pos, l);
			st_json_value(o, tag, v);
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
	long long up = st_since(rt->started);
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
	int hard = g->maxconn > 0 ? g->maxconn : 4096;
	int maxconn = rt_global_maxconn(rt) > 0 ? rt_global_maxconn(rt) : hard;
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
	             g->ulimit_n > 0 ? g->ulimit_n : 2 * hard + 31,
	             g->ulimit_n > 0 ? g->ulimit_n : 2 * hard + 31, maxconn, hard, cur, cum, req);
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
			struct rt_server *sv = rt_psrv(p, k);
			const struct m_server *ms = sv->conf;
			char a[80], host[80];
			st_addr_text(sv, a, sizeof(a));
			snprintf(host, sizeof(host), "%s", a[0] == '[' ? a + 1 : a);
			char *colon = strrchr(host, a[0] == '[' ? ']' : ':');
			if (colon)
				*colon = 0;
			int admin = atomic_load(&sv->admin);
			bool chk = st_checked(sv), up = st_srv_up(sv);
			int rise = ms->check.rise > 0 ? ms->check.rise : 2;
			int fall = ms->check.fall > 0 ? ms->check.fall : 3;
			/* check status 1 is "initializing", state 6 configured+enabled, 8 paused;
			 * an unchecked server that is up keeps a health of `rise` */
			int cstatus = chk ? 6 : 1, cresult = chk ? (sv->usable ? 3 : 2) : 0;
			int health = !up ? 0 : chk ? rise + fall - 1 : rise;
			const struct chk_state *st = sv->chk ? chk_get_state(sv->chk) : NULL;
			if (st) { /* a paused check shows its last result */
				cstatus = st_check_code(st->status);
				cresult = st->status == CHK_ST_INI  ? 0
				          : st_check_ok(st->status) ? 3
				                                    : 2;
				health = st->health;
			}
			int cstate = chk ? 6 : (admin & RT_ADM_CMAINT) ? 8 : 0;
			if (!chk && ms->check.enabled && ms->disabled != 1)
				cstate |= 2; /* configured, paused (`disable health`, a new dynamic
				              * server): HAProxy's CHK_ST_CONFIGURED alone */
			/* the agent: configured 2, enabled 4 (not after `disable agent`), agent 16;
			 * op state 3: stopping (NOLB) */
			bool agent = ms->agent.enabled && ms->disabled != 1;
			int astate = agent ? 18 | (sv->agent_paused ? 0 : 4) : 0;
			int opst = !up ? 0 : atomic_load(&sv->nolb) ? 3 : 2;
			int sid = sv->puid > 0 ? sv->puid : ms->id > 0 ? ms->id : k + 1;
			rt_sb_printf(
			    o,
			    "%d %s %d %s %s %d %d %d %d %lld %d %d %d %d %d 0 0 - %u - %d %d - - "
			    "%d\n",
			    st_proxy_iid(p->conf->id), p->conf->name, sid, ms->name, host, opst,
			    admin, sv->weight, sv->iweight, st_since(atomic_load(&sv->lastchg)),
			    cstatus, cresult, health, cstate, astate, st_srv_port(sv), ms->ssl == 1,
			    chk && ms->check.port > 0 ? ms->check.port : 0,
			    agent && ms->agent.port > 0 ? ms->agent.port : 0);
		}
	}
	return true;
}
