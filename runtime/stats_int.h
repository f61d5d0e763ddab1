/* stats_int.h - private to runtime/stats*.c: the CSV row being built and the helpers the
 * row builders (stats_rows.c), the output formats (stats_fmt.c) and the counters, `show
 * info` and `show servers state` (stats.c) share.
 *
 * A row is an array of HAProxy 2.6's CSV fields, in order, each a string or NULL (empty);
 * row_init() fills with "0" the fields the object type has in HAProxy, so a builder only
 * sets what it knows and clears what HAProxy leaves empty in that context.
 */
#ifndef VIPR_STATS_INT_H
#define VIPR_STATS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "checks/checks.h"
#include "runtime/rt.h"

/* ---------------------------------------------------------------- CSV fields */

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

/* HAProxy 2.6's CSV header names, comma-separated, in field order (stats_rows.c). */
extern const char st_csv_names[];

struct row {
	char *f[F_NF];
	char mem[3072];
	size_t used;
	const char *shape;
};

/* stats_rows.c: one row per object, as `show stat` prints it; flags are RT_SD_*. */
void st_row_fe(struct rt *rt, struct row *r, struct rt_service *svc);
void st_row_srv(struct row *r, struct rt_pool *p, struct rt_server *sv, enum m_mode mode,
                unsigned flags);
void st_row_be(struct rt *rt, struct row *r, struct rt_pool *p, enum m_mode mode, unsigned flags);

/* ---------------------------------------------------------------- shared helpers */

static inline bool st_checked(const struct rt_server *sv)
{
	return sv->conf->check.enabled && !sv->chk_paused;
}

/* Up for traffic and for the stats: usable and not in maintenance. */
static inline bool st_srv_up(const struct rt_server *sv)
{
	return sv->usable && !(atomic_load(&((struct rt_server *)sv)->admin) & RT_ADM_MAINT);
}

/* Seconds since time() t, 0 for never. */
static inline long long st_since(long long t)
{
	long long now = (long long)time(NULL);
	return t && now >= t ? now - t : 0;
}

/* The server's port now (`set server addr ... port` may change it). */
static inline unsigned st_srv_port(const struct rt_server *sv)
{
	const struct sockaddr_storage *ss = &sv->ss;
	return ss->ss_family == AF_INET6 ? ntohs(((const struct sockaddr_in6 *)ss)->sin6_port)
	                                 : ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static inline int st_proxy_iid(int id)
{
	return id + 1; /* HAProxy's own internal proxy takes the first id */
}

/* stats_rows.c: "ip:port" or "[ip6]:port"; HAProxy's check status numbers and success. */
void st_addr_text(const struct rt_server *sv, char *buf, size_t len);
int st_check_code(enum chk_status s);
bool st_check_ok(enum chk_status s);

/* stats_fmt.c: one typed JSON value (tags "<origin><nature><scope>:<type>") of text v. */
void st_json_value(struct rt_sbuf *o, const char *tag, const char *v);

#endif
