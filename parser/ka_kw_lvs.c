/* ka_kw_lvs.c - keyword tables of keepalived's LVS blocks and their handlers.
 *
 * A virtual_server becomes an m_service (kind SVC_VIRTUAL_SERVER, one bind with the VIP:port,
 * mode tcp) plus an m_pool carrying the LVS extras (m_lvs); each real_server is an m_server and
 * each checker block an m_check in server->checks with its m_probe; the SSL block fills the
 * global TLS files of SSL_GET. virtual_server_group is recognised but not supported by vipr
 * yet.
 */
#include "ka_bind.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#define A(b) ((b)->cfg->arena)
#define LV(f) offsetof(struct m_lvs, f)
#define RS(f) offsetof(struct m_server, f)
#define CK(f) offsetof(struct m_check, f)

/* ---------------------------------------------------------------- virtual_server */

static int open_vs(struct ka_bctx *c, const struct cfg_stmt *st)
{
	struct arena *a = A(c);
	struct m_service *svc = arena_alloc(a, sizeof(*svc));
	struct m_pool *p = arena_alloc(a, sizeof(*p));
	struct m_lvs *l = arena_alloc(a, sizeof(*l));
	struct m_bind *bd = arena_alloc(a, sizeof(*bd));
	svc->kind = SVC_VIRTUAL_SERVER;
	svc->conf = p->conf = arena_alloc(a, sizeof(*svc->conf));
	m_proxy_conf_init(svc->conf);
	svc->conf->mode = M_MODE_TCP;
	svc->binds = bd;
	svc->default_pool = p;
	svc->at = p->at = bd->at = st->at;
	p->lvs = l;
	p->service = svc;
	p->balance.algo = ALGO_UNSET;
	p->balance.hash_type = HASH_UNSET;
	l->persistence_timeout = l->delay_loop = M_UNSET;
	l->connect_timeout = l->delay_before_retry = l->warmup = M_UNSET;
	l->retry = l->quorum = l->hysteresis = l->fwmark = M_UNSET;
	l->sorry_server_inhibit = l->ha_suspend = l->alpha = l->omega = M_UNSET;
	l->inhibit_on_failure = l->ops = M_UNSET;
	char name[300];
	if (st->nw > 2 && !strcmp(st->w[1].s, "fwmark")) {
		long v;
		if (ka_read_int(c, &st->w[2], 1, 4294967295L, &v) == 0)
			l->fwmark = (int)v;
		snprintf(name, sizeof(name), "FWM %s", st->w[2].s);
	} else if (st->nw > 2 && !strcmp(st->w[1].s, "group")) {
		l->group = arena_strdup(a, st->w[2].s);
		snprintf(name, sizeof(name), "group %s", st->w[2].s);
	} else if (st->nw > 2) {
		if (ka_parse_ip(st->w[1].s, &bd->addr) < 0) {
			ka_err(c, st->at, 0, "Invalid virtual server IP address %s", st->w[1].s);
		}
		long port = 0;
		if (ka_read_int(c, &st->w[2], 0, 65535, &port) == 0)
			bd->addr.port_lo = bd->addr.port_hi = (uint16_t)port;
		bd->addr.text = arena_printf(a, "%s %s", st->w[1].s, st->w[2].s);
		snprintf(name, sizeof(name), "%s:%s", st->w[1].s, st->w[2].s);
	} else {
		ka_err(c, st->at, 0, "Invalid virtual server specification");
		snprintf(name, sizeof(name), "%s", st->nw > 1 ? st->w[1].s : "?");
	}
	svc->name = p->name = arena_strdup(a, name);
	struct m_service **sp = &c->cfg->services;
	while (*sp)
		sp = &(*sp)->next;
	*sp = svc;
	struct m_pool **pp = &c->cfg->pools;
	while (*pp)
		pp = &(*pp)->next;
	*pp = p;
	c->pool = p;
	c->obj = l;
	c->S->vs_seen = true;
	return 0;
}

static int set_algo(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw;
	for (int a = ALGO_LVS_RR; a < ALGO__COUNT; a++)
		if (!strcmp(m_algo_name((enum m_algo)a), st->w[1].s)) {
			b->pool->balance.algo = (enum m_algo)a;
			b->pool->lvs->lb_algo_set = 1;
			return 0;
		}
	ka_err(b, st->at, 0, "Invalid lvs_scheduler '%s' - ignoring", st->w[1].s);
	return -1;
}

static int set_kind(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	const char *k = st->w[1].s;
	if (strcmp(k, "NAT") && strcmp(k, "DR") && strcmp(k, "TUN")) {
		ka_err(b, st->at, 0, "PARSER : unknown [%s] routing method for %s.", k,
		       b->rs ? "real server" : "virtual server");
		return -1;
	}
	if (b->rs) { /* real_server lvs_method: this destination's forwarding method */
		b->rs->lvs_method = arena_strdup(A(b), k);
		return 0;
	}
	b->pool->lvs->lb_kind = arena_strdup(A(b), k);
	b->pool->lvs->lb_kind_set = 1;
	(void)kw;
	return 0;
}

static int set_persistence(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	if (ka_set_time(b, kw, st) < 0) {
		ka_err(b, st->at, 0, "persistence_timeout invalid");
		return -1;
	}
	return 0;
}

static int set_rs_weight(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw;
	long v;
	if (ka_read_int(b, &st->w[1], 0, 2147483647L, &v) < 0) {
		ka_err(b, st->at, 0, "Real server weight %s is outside range 0-2147483647",
		       st->w[1].s);
		return -1;
	}
	b->rs->weight = (int)v;
	return 0;
}

static int set_protocol(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw;
	const char *p = st->w[1].s;
	if (strcmp(p, "TCP") && strcmp(p, "UDP") && strcmp(p, "SCTP")) {
		ka_err(b, st->at, 0, "Unknown protocol %s - ignoring", p);
		return -1;
	}
	b->pool->lvs->protocol = arena_strdup(A(b), p);
	b->pool->lvs->protocol_set = 1;
	b->pool->lvs->protocol_at = st->at;
	return 0;
}

/* real_server IP PORT | sorry_server IP PORT */
static struct m_server *new_server(struct ka_bctx *c, const struct cfg_stmt *st)
{
	struct m_server *s = arena_alloc(A(c), sizeof(*s));
	m_server_init(s);
	s->at = st->at;
	if (st->nw < 2 || ka_parse_ip(st->w[1].s, &s->addr) < 0) {
		ka_err(c, st->at, 0, "Invalid real server ip address/port %s",
		       st->nw > 1 ? st->w[1].s : "");
		return s;
	}
	long port = 0;
	if (st->nw > 2 && ka_read_int(c, &st->w[2], 0, 65535, &port) == 0)
		s->addr.port_lo = s->addr.port_hi = (uint16_t)port;
	s->addr.text = arena_strdup(A(c), st->w[1].s);
	s->name = arena_printf(A(c), "%s:%ld", st->w[1].s, port);
	return s;
}

static int open_rs(struct ka_bctx *c, const struct cfg_stmt *st)
{
	struct m_server *s = new_server(c, st);
	struct m_server **pp = &c->pool->servers;
	while (*pp)
		pp = &(*pp)->next;
	*pp = s;
	c->pool->nservers++;
	c->rs = s;
	c->obj = s;
	return 0;
}

static int set_sorry(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw;
	b->pool->lvs->sorry_server = new_server(b, st);
	return 0;
}

/* ---------------------------------------------------------------- checkers */

static enum m_probe_kind probe_kind(const char *name)
{
	static const struct { const char *n; enum m_probe_kind k; } t[] = {
		{ "TCP_CHECK", PROBE_TCP },   { "HTTP_GET", PROBE_HTTP },
		{ "SSL_GET", PROBE_HTTP },    { "MISC_CHECK", PROBE_SCRIPT },
		{ "SMTP_CHECK", PROBE_SMTP }, { "DNS_CHECK", PROBE_DNS },
		{ "UDP_CHECK", PROBE_UDP },   { "PING_CHECK", PROBE_PING },
		{ "ICMP_CHECK", PROBE_PING }, { "FILE_CHECK", PROBE_FILE },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (!strcmp(t[i].n, name))
			return t[i].k;
	return PROBE_NONE;
}

static int open_check(struct ka_bctx *c, const struct cfg_stmt *st)
{
	struct m_check *k = arena_alloc(A(c), sizeof(*k));
	struct m_probe *p = arena_alloc(A(c), sizeof(*p));
	m_check_init(k);
	k->enabled = true;
	k->fwmark = k->http_protocol_set = k->ka_weight = M_UNSET;
	k->misc_timeout = M_UNSET;
	k->enable_sni = k->require_reply = k->misc_dynamic = k->file_dynamic = M_UNSET;
	k->fast_recovery = M_UNSET;
	p->kind = probe_kind(st->w[0].s);
	p->at = k->at = st->at;
	k->ssl = !strcmp(st->w[0].s, "SSL_GET");
	k->probe = p;
	struct m_check **pp = &c->rs->checks;
	while (*pp)
		pp = &(*pp)->next;
	*pp = k;
	c->chk = k;
	c->obj = k;
	return 0;
}

static int set_misc_path(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw;
	struct m_probe *p = (struct m_probe *)b->chk->probe;
	size_t len = 0;
	for (int i = 1; i < st->nw; i++)
		len += st->w[i].len + 1;
	char *s = arena_alloc(A(b), len + 1);
	for (int i = 1; i < st->nw; i++) {
		if (i > 1)
			strcat(s, " ");
		strcat(s, st->w[i].s);
	}
	p->script = s;
	return 0;
}

/* A MISC_CHECK without misc_path is dropped when its block closes (reported at the closing
 * brace). */
static void close_misc(struct ka_bctx *b)
{
	if (((const struct m_probe *)b->chk->probe)->script)
		return;
	ka_err(b, b->st->end_at, 0, "No script path has been specified for MISC_CHECKER - skipping");
	struct m_check **pp = &b->rs->checks;
	while (*pp && *pp != b->chk)
		pp = &(*pp)->next;
	if (*pp)
		*pp = b->chk->next;
}

static int set_check_user(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw;
	((struct m_probe *)b->chk->probe)->user = arena_strdup(A(b), st->w[1].s);
	return 0;
}

static int open_url(struct ka_bctx *c, const struct cfg_stmt *st)
{
	struct m_check_step *u = arena_alloc(A(c), sizeof(*u));
	u->op = STEP_URL;
	u->port = M_UNSET;
	u->at = st->at;
	struct m_probe *p = (struct m_probe *)c->chk->probe;
	struct m_check_step **pp = &p->steps;
	while (*pp)
		pp = &(*pp)->next;
	*pp = u;
	c->url = u;
	c->obj = u;
	return 0;
}

#define US(f) offsetof(struct m_check_step, f)
static const struct ka_kw kw_url[] = {
	{ "path", 1, 1, 0, ka_set_str, US(uri), 0, 0, NULL, "URL path to get" },
	{ "digest", 1, 1, 0, ka_set_str, US(digest), 0, 0, NULL, "MD5 of the body (genhash)" },
	{ "status_code", 1, KA_ANY, 0, ka_set_strs, US(status_codes), 0, 0, NULL,
	  "expected status codes or ranges" },
	{ "virtualhost", 1, 1, 0, ka_set_str, US(arg), 0, 0, NULL, "Host header" },
	{ "regex", 1, 1, KW_UNSUP, NULL, 0, 0, 0, NULL, "body regex" },
	{ "regex_no_match", 0, 0, KW_UNSUP, NULL, 0, 0, 0, NULL, "fail if regex matches" },
	{ "regex_options", 1, KA_ANY, KW_UNSUP, NULL, 0, 0, 0, NULL, "PCRE2 options" },
	{ "regex_stack", 1, 2, KW_UNSUP, NULL, 0, 0, 0, NULL, "PCRE2 stack" },
	{ "regex_min_offset", 1, 1, KW_UNSUP, NULL, 0, 0, 0, NULL, "regex start offset" },
	{ "regex_max_offset", 1, 1, KW_UNSUP, NULL, 0, 0, 0, NULL, "regex end offset" },
};
static const struct ka_block blk_url = { "url", kw_url, ARRAY_SIZE(kw_url), KA_CHECKER,
					 open_url, NULL, NULL };

/* Rows common to every checker (connection options). */
#define T(nm, f, help) { nm, 1, 1, 0, ka_set_time, CK(f), 0, 0, NULL, help }
#define TR(nm, f, lo, hi, help) { nm, 1, 1, 0, ka_set_time, CK(f), lo, hi, NULL, help }
#define N(nm, f, lo, hi, help) { nm, 1, 1, 0, ka_set_int, CK(f), lo, hi, NULL, help }
#define CONN_ROWS \
	{ "connect_ip", 1, 1, 0, ka_set_addr, CK(addr), 0, 0, NULL, "address to check" }, \
	N("connect_port", port, 0, 65535, "port to check"), \
	{ "bindto", 1, 1, 0, ka_set_str, CK(bindto), 0, 0, NULL, "source address" }, \
	{ "bind_if", 1, 1, 0, ka_set_str, CK(bind_if), 0, 0, NULL, "interface for link-local" }, \
	N("bind_port", bind_port, 0, 65535, "source port"), \
	TR("connect_timeout", connect_timeout, KA_TIME_MIN, 4294.967295, "seconds to connect"), \
	N("fwmark", fwmark, 0, 2147483647, "mark of check packets"), \
	N("retry", retry, 0, 2147483647, "retries before failure"), \
	TR("delay_before_retry", delay_before_retry, 0, KA_TIME_MAX, "seconds between retries"), \
	TR("warmup", warmup, 0, KA_TIME_MAX, "random delay before the first check"), \
	TR("delay_loop", delay_loop, KA_TIME_MIN, KA_TIME_MAX, "seconds between checks"), \
	{ "alpha", 0, 1, 0, ka_set_flag, CK(log_all_failures), 0, 0, NULL, "start down" }, \
	{ "log_all_failures", 0, 1, 0, ka_set_flag, CK(log_all_failures), 0, 0, NULL, \
	  "log every failure" }

static const struct ka_kw kw_tcp[] = { CONN_ROWS };
static const struct ka_kw kw_http[] = {
	CONN_ROWS,
	{ "url", 0, 0, KW_BLOCK, NULL, 0, 0, 0, &blk_url, "path, digest, status_code" },
	{ "http_protocol", 1, 1, 0, ka_set_none, 0, 0, 0, NULL, "1.0, 1.0C, 1.0K or 1.1" },
	{ "virtualhost", 1, 1, 0, ka_set_str, CK(sni), 0, 0, NULL, "Host header" },
	{ "enable_sni", 0, 1, 0, ka_set_flag, CK(enable_sni), 0, 0, NULL, "send SNI" },
	{ "fast_recovery", 0, 1, 0, ka_set_flag, CK(fast_recovery), 0, 0, NULL, "rise after one" },
};
static const struct ka_kw kw_misc[] = {
	{ "misc_path", 1, KA_ANY, 0, set_misc_path, 0, 0, 0, NULL, "script to run" },
	T("misc_timeout", misc_timeout, "seconds before the script is killed"),
	{ "misc_dynamic", 0, 0, 0, ka_set_flag, CK(misc_dynamic), 0, 0, NULL, "exit code = weight" },
	{ "user", 1, 2, 0, set_check_user, 0, 0, 0, NULL, "USER [GROUP] to run as" },
	N("retry", retry, 0, 2147483647, "retries before failure"),
	TR("delay_before_retry", delay_before_retry, 0, KA_TIME_MAX, "seconds between retries"),
	TR("warmup", warmup, 0, KA_TIME_MAX, "random delay before the first check"),
	TR("delay_loop", delay_loop, KA_TIME_MIN, KA_TIME_MAX, "seconds between checks"),
	{ "log_all_failures", 0, 1, 0, ka_set_flag, CK(log_all_failures), 0, 0, NULL, "log all" },
};
static const struct ka_kw kw_smtp[] = {
	CONN_ROWS,
	{ "helo_name", 1, 1, 0, ka_set_str, CK(helo_name), 0, 0, NULL, "HELO argument" },
	{ "host", 0, 0, KW_UNSUP, NULL, 0, 0, 0, NULL, "deprecated host block" },
};
static const struct ka_kw kw_dns[] = {
	CONN_ROWS,
	{ "type", 1, 1, 0, ka_set_str, CK(dns_type), 0, 0, NULL, "query type" },
	{ "name", 1, 1, 0, ka_set_str, CK(dns_name), 0, 0, NULL, "query name" },
};
static const struct ka_kw kw_udp[] = {
	CONN_ROWS,
	{ "payload", 1, 1, 0, ka_set_str, CK(payload), 0, 0, NULL, "hex payload" },
	{ "require_reply", 0, 1, 0, ka_set_flag, CK(require_reply), 0, 0, NULL, "expect a reply" },
	/* min_length and max_length came after 2.2.7: unknown keywords there */
};
static const struct ka_kw kw_file[] = {
	{ "track_file", 1, 1, 0, ka_set_str, CK(track_file), 0, 0, NULL, "track_file name" },
	{ "weight", 1, 2, 0, ka_set_int, CK(ka_weight), -254, 254, NULL, "weight [reverse]" },
	{ "dynamic", 0, 0, 0, ka_set_flag, CK(file_dynamic), 0, 0, NULL, "file value = weight" },
};

#define CHK(id, nm, tbl) \
	static const struct ka_block id = { nm, tbl, ARRAY_SIZE(tbl), KA_CHECKER, open_check, \
					    NULL, NULL }
CHK(blk_tcp, "TCP_CHECK", kw_tcp);
CHK(blk_http, "HTTP_GET", kw_http);
CHK(blk_ssl, "SSL_GET", kw_http);
static const struct ka_block blk_misc = { "MISC_CHECK", kw_misc, ARRAY_SIZE(kw_misc), KA_CHECKER,
					  open_check, close_misc, NULL };
CHK(blk_smtp, "SMTP_CHECK", kw_smtp);
CHK(blk_dns, "DNS_CHECK", kw_dns);
CHK(blk_udp, "UDP_CHECK", kw_udp);
CHK(blk_ping, "PING_CHECK", kw_tcp);
CHK(blk_file, "FILE_CHECK", kw_file);

#undef T
#undef N
#define T(nm, f, help) { nm, 1, 1, 0, ka_set_time, RS(f), 0, 0, NULL, help }
#define BLK(nm, blk, help) { nm, 0, 0, KW_BLOCK, NULL, 0, 0, 0, &blk, help }
#define U(nm, mn, mx, help) { nm, mn, mx, KW_UNSUP, NULL, 0, 0, 0, NULL, help }
#define CHECKERS \
	BLK("TCP_CHECK", blk_tcp, "TCP connect check"), \
	BLK("HTTP_GET", blk_http, "HTTP GET check"), \
	BLK("SSL_GET", blk_ssl, "HTTPS GET check"), \
	BLK("MISC_CHECK", blk_misc, "script check"), \
	BLK("SMTP_CHECK", blk_smtp, "SMTP check"), \
	BLK("DNS_CHECK", blk_dns, "DNS check"), \
	BLK("UDP_CHECK", blk_udp, "UDP check"), \
	BLK("PING_CHECK", blk_ping, "ICMP echo check"), \
	BLK("ICMP_CHECK", blk_ping, "ICMP echo check"), \
	BLK("FILE_CHECK", blk_file, "track_file check"), \
	U("BFD_CHECK", 0, 0, "BFD check")

static const struct ka_kw kw_rs[] = {
	{ "weight", 1, 1, 0, set_rs_weight, 0, 0, 0, NULL, "weight 0-2147483647" },
	{ "lvs_method", 1, KA_ANY, 0, set_kind, 0, 0, 0, NULL, "NAT, DR or TUN" },
	{ "notify_up", 1, KA_ANY, 0, ka_set_strs, RS(notify_up), 0, 0, NULL, "script when up" },
	{ "notify_down", 1, KA_ANY, 0, ka_set_strs, RS(notify_down), 0, 0, NULL, "when down" },
	{ "inhibit_on_failure", 0, 1, 0, ka_set_flag, RS(inhibit_on_failure), 0, 0, NULL,
	  "weight 0 instead of removal" },
	{ "uthreshold", 1, 1, 0, ka_set_int, RS(maxconn), 0, 2147483647.0, NULL, "max connections" },
	{ "lthreshold", 1, 1, 0, ka_set_int, RS(minconn), 0, 2147483647.0, NULL, "min connections" },
	{ "connect_timeout", 1, 1, 0, ka_set_time, RS(check.connect_timeout), KA_TIME_MIN, 4294.967295,
	  NULL, "default" },
	{ "retry", 1, 1, 0, ka_set_int, RS(check.retry), 0, 2147483647.0, NULL, "default retries" },
	{ "delay_before_retry", 1, 1, 0, ka_set_time, RS(check.delay_before_retry), 0, KA_TIME_MAX,
	  NULL, "default" },
	{ "warmup", 1, 1, 0, ka_set_time, RS(check.warmup), 0, KA_TIME_MAX, NULL, "default" },
	{ "delay_loop", 1, 1, 0, ka_set_time, RS(check.delay_loop), KA_TIME_MIN, KA_TIME_MAX, NULL,
	  "default" },
	{ "alpha", 0, 1, 0, ka_set_flag, RS(disabled), 0, 0, NULL, "start down" },
	U("smtp_alert", 0, 1, "email alerts"),
	U("virtualhost", 1, 1, "default Host header"),
	U("snmp_name", 1, 1, "SNMP name"),
	CHECKERS,
};
static const struct ka_block blk_rs = { "real_server", kw_rs, ARRAY_SIZE(kw_rs), KA_CHECKER,
					open_rs, NULL, NULL };

#undef T
#undef TR
#undef N
#define T(nm, f, help) { nm, 1, 1, 0, ka_set_time, LV(f), 0, 0, NULL, help }
#define TR(nm, f, lo, hi, help) { nm, 1, 1, 0, ka_set_time, LV(f), lo, hi, NULL, help }
#define N(nm, f, lo, hi, help) { nm, 1, 1, 0, ka_set_int, LV(f), lo, hi, NULL, help }
#define F(nm, f, help) { nm, 0, 1, 0, ka_set_flag, LV(f), 0, 0, NULL, help }
#define S(nm, f, help) { nm, 1, KA_ANY, 0, ka_set_strs, LV(f), 0, 0, NULL, help }

static const struct ka_kw kw_vs[] = {
	{ "real_server", 2, 2, KW_BLOCK, NULL, 0, 0, 0, &blk_rs, "IP PORT { ... }" },
	{ "lb_algo", 1, 1, 0, set_algo, 0, 0, 0, NULL, "LVS scheduler (rr, wrr, lc, wlc...)" },
	{ "lvs_sched", 1, 1, 0, set_algo, 0, 0, 0, NULL, "LVS scheduler (rr, wrr, lc, wlc...)" },
	{ "lb_kind", 1, 1, 0, set_kind, 0, 0, 0, NULL, "NAT, DR or TUN" },
	{ "lvs_method", 1, KA_ANY, 0, set_kind, 0, 0, 0, NULL, "NAT, DR or TUN" },
	{ "protocol", 1, 1, 0, set_protocol, 0, 0, 0, NULL, "TCP, UDP or SCTP" },
	{ "persistence_timeout", 1, 1, 0, set_persistence, LV(persistence_timeout), 0, 0, NULL,
	  "seconds of client persistence" },
	S("persistence_granularity", persistence_granularity, "netmask of persistence"),
	S("persistence_engine", persistence_engine, "persistence engine (sip)"),
	TR("delay_loop", delay_loop, KA_TIME_MIN, KA_TIME_MAX, "seconds between checks"),
	TR("connect_timeout", connect_timeout, KA_TIME_MIN, 4294.967295, "default checker connect timeout"),
	N("retry", retry, 0, 2147483647, "default checker retries"),
	TR("delay_before_retry", delay_before_retry, 0, KA_TIME_MAX, "default checker retry delay"),
	TR("warmup", warmup, 0, KA_TIME_MAX, "default checker warmup"),
	{ "sorry_server", 2, 2, 0, set_sorry, 0, 0, 0, NULL, "IP PORT when all are down" },
	F("sorry_server_inhibit", sorry_server_inhibit, "weight 0 instead of removal"),
	F("ha_suspend", ha_suspend, "suspend checkers without the VIP"),
	F("alpha", alpha, "start real servers down"),
	F("omega", omega, "run notify_down on removal"),
	F("inhibit_on_failure", inhibit_on_failure, "weight 0 instead of removal"),
	N("quorum", quorum, 1, 2147483647, "total weight needed"),
	N("hysteresis", hysteresis, 0, 2147483647, "quorum hysteresis"),
	S("quorum_up", quorum_up, "script when quorum gained"),
	S("quorum_down", quorum_down, "script when quorum lost"),
	S("virtualhost", virtualhost, "default Host header"),
	S("ip_family", ip_family, "inet or inet6"),
	S("smtp_alert", smtp_alert, "email alerts"),
	F("ops", ops, "one-packet scheduling (UDP)"),
	U("sorry_server_lvs_method", 1, 1, "sorry server forwarding"),
	U("snmp_name", 1, 1, "SNMP name"),
	U("flag-1", 0, 0, "scheduler flag"), U("flag-2", 0, 0, "scheduler flag"),
	U("flag-3", 0, 0, "scheduler flag"), U("sh-port", 0, 0, "sh scheduler: use port"),
	U("sh-fallback", 0, 0, "sh scheduler: fallback"), U("mh-port", 0, 0, "mh: port"),
	U("mh-fallback", 0, 0, "mh: fallback"),
};
const struct ka_block ka_blk_virtual_server = { "virtual_server", kw_vs, ARRAY_SIZE(kw_vs),
						KA_CHECKER, open_vs, NULL, NULL };

/* virtual_server_group NAME { IP[-last] PORT | fwmark N }: the virtual servers naming it
 * are served on each address member (ka_check.c gives them the group's binds); fwmark
 * members are counted, not served. */
static int open_vsg(struct ka_bctx *c, const struct cfg_stmt *st)
{
	struct m_vs_group *g = arena_alloc(A(c), sizeof(*g));
	g->name = arena_strdup(A(c), st->nw > 1 ? st->w[1].s : "");
	g->at = st->at;
	struct m_vs_group **gp = &c->cfg->vs_groups;
	while (*gp)
		gp = &(*gp)->next;
	*gp = g;
	c->obj = g;
	return 0;
}

/* Appends the binds of "IP[-LAST] PORT" (LAST: the last byte of an IPv4 address, the last
 * 16-bit group of an IPv6 one) to g. */
static void vsg_member(struct ka_bctx *b, struct m_vs_group *g, const struct cfg_stmt *l)
{
	char ip[INET6_ADDRSTRLEN + 8];
	snprintf(ip, sizeof(ip), "%s", l->w[0].s);
	char *dash = strchr(ip, '-');
	if (dash)
		*dash++ = 0;
	struct m_addr a;
	long port = -1;
	char *end = NULL;
	if (l->nw >= 2)
		port = strtol(l->w[1].s, &end, 10);
	if (ka_parse_ip(ip, &a) < 0 || l->nw < 2 || *end || port < 0 || port > 65535) {
		ka_lint(b, l->at, DIAG_WARNING, "virtual_server_group %s: '%s' is not IP[-LAST] PORT "
			"or fwmark N; ignored", g->name, l->w[0].s);
		return;
	}
	bool v6 = a.ss.ss_family == AF_INET6;
	uint8_t *last = v6 ? &((struct sockaddr_in6 *)&a.ss)->sin6_addr.s6_addr[14]
			   : (uint8_t *)&((struct sockaddr_in *)&a.ss)->sin_addr + 3;
	unsigned lo = v6 ? (unsigned)(last[0] << 8 | last[1]) : last[0], hi = lo;
	if (dash) {
		unsigned long v = strtoul(dash, &end, v6 ? 16 : 10);
		if (*end || v < lo || v > (v6 ? 0xffffUL : 255UL) || v - lo > 255) {
			ka_lint(b, l->at, DIAG_WARNING, "virtual_server_group %s: bad range '%s'; "
				"ignored", g->name, l->w[0].s);
			return;
		}
		hi = (unsigned)v;
	}
	struct m_bind **tail = &g->members;
	while (*tail)
		tail = &(*tail)->next;
	for (unsigned v = lo; v <= hi; v++) {
		if (v6) {
			last[0] = (uint8_t)(v >> 8);
			last[1] = (uint8_t)v;
		} else {
			last[0] = (uint8_t)v;
		}
		struct m_bind *bd = arena_alloc(A(b), sizeof(*bd));
		bd->addr = a;
		bd->addr.port_lo = bd->addr.port_hi = (uint16_t)port;
		char txt[INET6_ADDRSTRLEN];
		inet_ntop(a.ss.ss_family, v6 ? (void *)&((struct sockaddr_in6 *)&a.ss)->sin6_addr
					     : (void *)&((struct sockaddr_in *)&a.ss)->sin_addr,
			  txt, sizeof(txt));
		bd->addr.text = arena_printf(A(b), "%s %ld", txt, port);
		bd->at = l->at;
		*tail = bd;
		tail = &bd->next;
	}
}

static void vsg_line(struct ka_bctx *b, const struct cfg_stmt *l)
{
	struct m_vs_group *g = b->obj;
	g->nentries++;
	if (l->nw >= 1 && strcmp(l->w[0].s, "fwmark"))
		vsg_member(b, g, l);
}

/* keepalived drops an empty group (and the virtual servers naming it: ka_check.c). */
static void close_vsg(struct ka_bctx *b)
{
	struct m_vs_group *g = b->obj;
	if (g->nentries == 0)
		ka_err(b, b->st->end_at, 0, "virtual server group %s has no entries - removing",
		       g->name);
}
const struct ka_block ka_blk_vs_group = { "virtual_server_group", NULL, 0, KA_CHECKER, open_vsg,
					  close_vsg, vsg_line };

/* SSL { password, ca, certificate, key } for SSL_GET */
static int open_ssl(struct ka_bctx *c, const struct cfg_stmt *st)
{
	(void)st;
	c->obj = &c->cfg->ka;
	return 0;
}
#define KS(f) offsetof(struct m_ka_global, f)
static const struct ka_kw kw_ssl[] = {
	{ "password", 1, 1, 0, ka_set_str, KS(ssl_password), 0, 0, NULL, "key password" },
	{ "ca", 1, 1, 0, ka_set_str, KS(ssl_ca), 0, 0, NULL, "CA file" },
	{ "certificate", 1, 1, 0, ka_set_str, KS(ssl_cert), 0, 0, NULL, "client certificate" },
	{ "key", 1, 1, 0, ka_set_str, KS(ssl_key), 0, 0, NULL, "client key" },
};
const struct ka_block ka_blk_ssl = { "SSL", kw_ssl, ARRAY_SIZE(kw_ssl), KA_CHECKER, open_ssl,
				     NULL, NULL };
