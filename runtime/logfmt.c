/* logfmt.c - traffic log lines in a frontend's own `log-format`.
 *
 * The string was checked and split by model/logfmt.c when the configuration was read; here
 * each field is printed as HAProxy 2.6 prints it (configuration.txt 8.2.4): numbers as
 * decimals (%{+X}: upper-case hex), absent strings as "-", %{+Q} puts strings in double
 * quotes, %{+E} escapes '"', '\' and ']' in them. Timers are the ones httplog/tcplog use.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runtime/rt.h"

/* %H and %[hostname]: read when the services are built, before any thread logs. A reload
 * builds them in a new worker process, which reads it again. */
static char g_hostname[256];

void rt_logfmt_build(struct rt_service *rs)
{
	const struct m_proxy_conf *fe = rs->fe;
	if (gethostname(g_hostname, sizeof(g_hostname) - 1) < 0)
		g_hostname[0] = 0;
	char err[256];
	rs->logfmt = (struct m_lf){0};
	if (!fe || fe->log_fmt_src != M_LOGFMT_CUSTOM || !fe->log_format)
		return;
	if (m_lf_parse(fe->log_format, rs->mode == M_MODE_HTTP, &rs->logfmt, NULL, NULL, err,
	               sizeof(err)) < 0)
		rs->logfmt = (struct m_lf){0}; /* the parser refused it already */
}

void rt_logfmt_free(struct rt *rt)
{
	for (int i = 0; i < rt->nsvc; i++)
		m_lf_free(&rt->svc[i].logfmt);
}

struct line {
	char b[2048];
	size_t n;
};

static void put(struct line *l, const char *s, size_t n)
{
	if (n > sizeof(l->b) - 1 - l->n)
		n = sizeof(l->b) - 1 - l->n;
	memcpy(l->b + l->n, s, n);
	l->n += n;
}

/* Request line fields are encoded as HAProxy logs them: '"', '#', control characters and
 * bytes above 126 become "#XX". */
#define ENC 0x100u

static void str(struct line *l, unsigned fl, const char *s, size_t n)
{
	if (!s || !n) {
		put(l, fl & MLF_QUOTE ? "\"\"" : "-", fl & MLF_QUOTE ? 2 : 1);
		return;
	}
	if (fl & MLF_QUOTE)
		put(l, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((fl & ENC) && (c < 32 || c > 126 || c == '"' || c == '#')) {
			char b[4];
			snprintf(b, sizeof(b), "#%02X", c);
			put(l, b, 3);
			continue;
		}
		if ((fl & MLF_ESC) && (c == '"' || c == '\\' || c == ']'))
			put(l, "\\", 1);
		put(l, s + i, 1);
	}
	if (fl & MLF_QUOTE)
		put(l, "\"", 1);
}

static void cstr(struct line *l, unsigned fl, const char *s)
{
	str(l, fl, s, s ? strlen(s) : 0);
}

static void num(struct line *l, unsigned fl, long long v)
{
	char b[32];
	int n = fl & MLF_HEX ? snprintf(b, sizeof(b), "%llX", (unsigned long long)v)
	                     : snprintf(b, sizeof(b), "%lld", v);
	put(l, b, (size_t)n);
}

static void ip(struct line *l, unsigned fl, const struct sockaddr_storage *ss, bool port)
{
	char b[INET6_ADDRSTRLEN] = "";
	if (ss->ss_family == AF_INET6) {
		if (port)
			return num(l, fl, ntohs(((const struct sockaddr_in6 *)ss)->sin6_port));
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, b, sizeof(b));
	} else if (ss->ss_family == AF_INET) {
		if (port)
			return num(l, fl, ntohs(((const struct sockaddr_in *)ss)->sin_port));
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, b, sizeof(b));
	}
	cstr(l, fl, b[0] ? b : NULL);
}

/* Dates: "%d/%b/%Y:%H:%M:%S" plus ".mmm" (ms), " +0000"-style zone (zone) */
static void date(struct line *l, unsigned fl, const struct timeval *tv, bool gmt, bool ms,
                 bool zone)
{
	struct tm tm;
	time_t t = tv->tv_sec;
	if (gmt)
		gmtime_r(&t, &tm);
	else
		localtime_r(&t, &tm);
	char b[64];
	size_t n = strftime(b, sizeof(b), "%d/%b/%Y:%H:%M:%S", &tm);
	if (ms)
		n += (size_t)snprintf(b + n, sizeof(b) - n, ".%03d", (int)(tv->tv_usec / 1000));
	if (zone)
		n += strftime(b + n, sizeof(b) - n, gmt ? " +0000" : " %z", &tm);
	str(l, fl & ~MLF_ESC, b, n);
}

static long diff(long a, long b)
{
	return (a < 0 || b < 0) ? -1 : a - b;
}

/* One word of the request line: 0 method, 1 URI, 2 version. */
static const char *reqword(const char *r, int k, size_t *n)
{
	if (!strcmp(r, "<BADREQ>"))
		k = 0;
	for (int i = 0; i < k && r; i++) {
		r = strchr(r, ' ');
		r = r ? r + 1 : NULL;
	}
	if (r && !strcmp(r, "<BADREQ>")) { /* HAProxy prints it for every part */
		*n = strlen(r);
		return r;
	}
	if (!r || !*r) {
		*n = 0;
		return NULL;
	}
	*n = strcspn(r, " ");
	return r;
}

/* The request line's words for method and capture.req.*; nothing for a bad request. */
static void reqfetch(struct line *l, unsigned fl, const struct rt_sess *s, int k)
{
	size_t n;
	const char *w = strcmp(s->reqline, "<BADREQ>") ? reqword(s->reqline, k, &n) : NULL;
	if (w)
		str(l, fl, w, n);
	else
		cstr(l, fl, NULL);
}

/* A %[...] sample fetch of the table of model/logfmt.c. */
static void fetch(struct line *l, const struct m_lf_node *g, const struct rt_sess *s)
{
	const char *e = g->text;
	unsigned fl = g->flags;
	size_t len = strlen(e);
	char name[128];
	switch (g->fetch) {
	case MLF_F_SRC: return ip(l, fl, &s->cli_addr, false);
	case MLF_F_SRC_PORT: return ip(l, fl, &s->cli_addr, true);
	case MLF_F_DST: return ip(l, fl, &s->dst_addr, false);
	case MLF_F_DST_PORT: return ip(l, fl, &s->dst_addr, true);
	case MLF_F_FE_NAME: return cstr(l, fl, s->svc->conf->name);
	case MLF_F_BE_NAME: {
		if (!strcmp(s->reqline, "<BADREQ>")) /* no backend was chosen */
			return cstr(l, fl, NULL);
		const struct rt_pool *p = rt_sess_pool(s);
		return cstr(l, fl, p ? p->conf->name : NULL);
	}
	case MLF_F_SRV_NAME: return cstr(l, fl, s->server ? s->server->conf->name : NULL);
	case MLF_F_STATUS: return cstr(l, fl, NULL); /* the response is gone when HAProxy logs */
	case MLF_F_METHOD:
	case MLF_F_CAP_METHOD: return reqfetch(l, fl, s, 0);
	case MLF_F_CAP_URI: return reqfetch(l, fl, s, 1);
	case MLF_F_CAP_VER: return reqfetch(l, fl, s, 2);
	case MLF_F_HOSTNAME: return cstr(l, fl, g_hostname);
	case MLF_F_DATE: return num(l, fl, (long long)time(NULL));
	case MLF_F_STR: return str(l, fl, e + 4, len - 5);
	case MLF_F_INT: return num(l, fl, atoll(e + 4));
	case MLF_F_ENV:
		snprintf(name, sizeof(name), "%.*s", (int)(len - 5), e + 4);
		return cstr(l, fl, getenv(name));
	case MLF_F_NONE: break;
	}
	cstr(l, fl, NULL);
}

void rt_log_custom(struct rt_sess *s)
{
	const struct rt_service *svc = s->svc;
	bool http = svc->mode == M_MODE_HTTP;
	bool badreq = http && !strcmp(s->reqline, "<BADREQ>");
	const struct rt_pool *pool = rt_sess_pool(s);
	const struct rt_server *sv = s->server ? s->server : s->log_srv;
	const struct timeval *start = http ? &s->t_req : &s->t_accept;
	long tt = rt_ms_since(start);
	long tr_req = badreq ? -1 : s->t_hdr; /* %TR */
	long tc = http ? diff(s->t_conn, s->t_hdr + (s->t_queue > 0 ? s->t_queue : 0)) : s->t_conn;
	long tr = diff(s->t_rsp, s->t_conn);
	long tq = http ? tr_req : 0;
	long td =
	    tq < 0 || s->t_queue < 0 || tc < 0 || tr < 0 ? -1 : tt - (tq + s->t_queue + tc + tr);
	int bconns =
	    pool ? atomic_load(&((struct rt_pool *)pool)->cur) - (s->srv_counted ? 1 : 0) : 0;
	int sconns = s->server ? atomic_load(&s->server->cur) - (s->srv_counted ? 1 : 0) : 0;
	struct line l = {.n = 0};
	size_t n;
	const char *w;
	s->logged = true;
	for (int i = 0; i < svc->logfmt.n; i++) {
		const struct m_lf_node *g = &svc->logfmt.v[i];
		/* %{+X} changes only timestamps and counters of the process */
		unsigned fl = g->flags;
		if (g->kind == MLF_VAR && g->var != MLF_Ts && g->var != MLF_pid &&
		    g->var != MLF_rt && g->var != MLF_lc)
			fl &= ~(unsigned)MLF_HEX;
		if (g->kind == MLF_VAR &&
		    (g->var == MLF_r || g->var == MLF_HM || g->var == MLF_HU || g->var == MLF_HP ||
		     g->var == MLF_HPO || g->var == MLF_HQ || g->var == MLF_HV))
			fl |= ENC;
		if (g->kind == MLF_LIT) {
			put(&l, g->text, g->len);
			continue;
		}
		if (g->kind == MLF_FETCH) {
			fetch(&l, g, s);
			continue;
		}
		switch (g->var) {
		case MLF_B:
			num(&l, fl, badreq ? 0 : (long long)s->rsp.bytes);
			break;
		case MLF_U:
			num(&l, fl, (long long)s->req.bytes);
			break;
		case MLF_CC:
		case MLF_CS:
		case MLF_ID:
		case MLF_sslc:
		case MLF_sslv:
			cstr(&l, fl, NULL);
			break;
		case MLF_hr:
		case MLF_hrl:
		case MLF_hs:
		case MLF_hsl: { /* "{v1|v2}" (capture.c); nothing without captures */
			char b[1024];
			size_t k =
			    rt_capture_log(s, g->var == MLF_hs || g->var == MLF_hsl, b, sizeof(b));
			while (k && b[k - 1] == ' ')
				k--;
			put(&l, b, k);
			break;
		}
		case MLF_H:
			cstr(&l, fl, g_hostname);
			break;
		case MLF_HM:
			w = reqword(s->reqline, 0, &n);
			str(&l, fl, w, n);
			break;
		case MLF_HU:
			w = reqword(s->reqline, 1, &n);
			str(&l, fl, w, n);
			break;
		case MLF_HV:
			w = reqword(s->reqline, 2, &n);
			str(&l, fl, w, n);
			break;
		case MLF_HP:
		case MLF_HPO:
		case MLF_HQ: {
			w = reqword(s->reqline, 1, &n);
			if (badreq) {
				str(&l, fl, w, n);
				break;
			}
			const char *q = w ? memchr(w, '?', n) : NULL;
			if (g->var == MLF_HQ) { /* no query: nothing, not "-" */
				if (q)
					str(&l, fl, q, n - (size_t)(q - w));
				break;
			}
			size_t pn = q ? (size_t)(q - w) : n;
			if (g->var == MLF_HPO && w && pn && w[0] != '/') {
				/* an absolute URI: the path after scheme://authority */
				const char *sl = memchr(w, '/', pn);
				const char *p = sl && sl + 1 < w + pn && sl[1] == '/'
				                    ? memchr(sl + 2, '/', (size_t)(w + pn - sl - 2))
				                    : sl;
				str(&l, fl, p, p ? (size_t)(w + pn - p) : 0);
				break;
			}
			str(&l, fl, w, pn);
			break;
		}
		case MLF_r:
			cstr(&l, fl, badreq ? "<BADREQ>" : s->reqline);
			break;
		case MLF_ST:
			num(&l, fl, s->status ? s->status : -1);
			break;
		case MLF_T:
			date(&l, fl, start, true, false, true);
			break;
		case MLF_Tl:
			date(&l, fl, start, false, false, true);
			break;
		case MLF_Ts:
			num(&l, fl, (long long)start->tv_sec);
			break;
		case MLF_ms: {
			char b[8];
			snprintf(b, sizeof(b), "%03d", (int)(start->tv_usec / 1000));
			put(&l, b, 3);
			break;
		}
		case MLF_t:
			date(&l, fl, &s->t_accept, false, true, false);
			break;
		case MLF_tr:
			date(&l, fl, start, false, true, false);
			break;
		case MLF_trg:
			date(&l, fl, start, true, false, true);
			break;
		case MLF_trl:
			date(&l, fl, start, false, false, true);
			break;
		case MLF_Ta:
			num(&l, fl, tt);
			break;
		case MLF_Tc:
			num(&l, fl, tc);
			break;
		case MLF_Td:
			num(&l, fl, td);
			break;
		case MLF_Th:
		case MLF_Ti:
			num(&l, fl, 0);
			break;
		case MLF_Tq:
		case MLF_TR:
			num(&l, fl, tr_req);
			break;
		case MLF_Tr:
			num(&l, fl, tr);
			break;
		case MLF_Tt:
		case MLF_Tu:
			num(&l, fl, tt);
			break;
		case MLF_Tw:
			num(&l, fl, s->t_queue);
			break;
		case MLF_ac:
			num(&l, fl, atomic_load(&s->w->rt->actconn));
			break;
		case MLF_fc:
			num(&l, fl, atomic_load(&((struct rt_service *)svc)->cur));
			break;
		case MLF_bc:
			num(&l, fl, bconns);
			break;
		case MLF_sc:
			num(&l, fl, sconns);
			break;
		case MLF_rc: {
			char b[24];
			int k =
			    snprintf(b, sizeof(b), "%s%d", s->redispatched ? "+" : "", s->nretries);
			put(&l, b, (size_t)k);
			break;
		}
		case MLF_bq:
		case MLF_sq:
		case MLF_lc:
		case MLF_rt:
			num(&l, fl, 0);
			break;
		case MLF_pid:
			num(&l, fl, getpid());
			break;
		case MLF_b:
			cstr(&l, fl, badreq || !pool ? svc->conf->name : pool->conf->name);
			break;
		case MLF_f:
		case MLF_ft:
			cstr(&l, fl, svc->conf->name);
			break;
		case MLF_s:
			cstr(&l, fl, sv && sv->conf->name ? sv->conf->name : "<NOSRV>");
			break;
		case MLF_ci:
			ip(&l, fl, &s->cli_addr, false);
			break;
		case MLF_cp:
			ip(&l, fl, &s->cli_addr, true);
			break;
		case MLF_fi:
			ip(&l, fl, &s->dst_addr, false);
			break;
		case MLF_fp:
			ip(&l, fl, &s->dst_addr, true);
			break;
		case MLF_bi:
		case MLF_bp:
		case MLF_si:
		case MLF_sp: {
			struct sockaddr_storage ss = {0};
			if (g->var == MLF_si || g->var == MLF_sp) {
				if (sv)
					ss = sv->ss;
			} else if (s->srv.fd >= 0) {
				socklen_t sl = sizeof(ss);
				getsockname(s->srv.fd, (struct sockaddr *)&ss, &sl);
			}
			ip(&l, fl, &ss, g->var == MLF_bp || g->var == MLF_sp);
			break;
		}
		case MLF_ts:
			put(&l, s->term, 2);
			break;
		case MLF_tsc:
			put(&l, s->term, 2), put(&l, "--", 2);
			break;
		case MLF_o:
		case MLF_VAR__COUNT:
			break;
		}
	}
	/* set-log-level (rules_exec.c): level + 1, 0 for the default */
	rt_logsrv_send(s->w->rt, svc->fe, s->log_level ? s->log_level - 1 : RT_LOG_INFO, l.b, l.n);
}
