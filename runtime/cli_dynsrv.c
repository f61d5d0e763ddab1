/* cli_dynsrv.c - dynamic servers: `add server B/S ADDR[:PORT] [kw...]`, `del server B/S`, and
 * `enable|disable health|agent B/S`, with HAProxy 2.6.12's rules and texts (checked against
 * its binary with socat): a new server starts in maintenance, `default-server` does not
 * apply, its checks are paused until `enable health|agent`, the backend must balance with a
 * dynamic algorithm, and only a server in maintenance with no connection may be deleted.
 *
 * Why slots: sessions, queues, checks and stats readers on every thread hold rt_server
 * pointers, so servers never move. Each backend gets RT_DYN_SPARE spare slots at startup
 * (a documented limit); a new server takes a free slot and is published under the pool's
 * lock (the balancing code reads the list there) by appending its slot to pool.ord and
 * bumping nsrv; `del server` removes it from ord under the lock after every worker dropped
 * the idle connections to it. The slot may then be reused, but the confs of dynamic servers
 * stay allocated (rt.dyn_arena) until exit, so a stale reader never follows a dangling
 * pointer, and retired health-check items are freed after a grace period (rt_checks_dyn.c).
 * Everything here runs on worker 0's thread, like every CLI command.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runtime/cli_int.h"

/* The answer without HAProxy's final empty line: add/del server errors raised before the
 * server line is parsed, and `del server`'s answers, end so in 2.6.12. */
static void bare(struct rt_cli_ctx *c, struct rt_sbuf *o, const char *msg)
{
	rt_sb_puts(o, msg);
	c->no_blank = true;
}

/* "B/S" -> the pool (and the server name), or NULL with the answer given. */
static struct rt_pool *pool_arg(struct rt_cli_ctx *c, struct rt_sbuf *o, const char *arg,
                                const char **srv)
{
	char be[256];
	const char *slash = arg ? strchr(arg, '/') : NULL;
	if (!slash || (size_t)(slash - arg) >= sizeof(be)) {
		bare(c, o, "Require 'backend/server'.\n");
		return NULL;
	}
	memcpy(be, arg, (size_t)(slash - arg));
	be[slash - arg] = 0;
	struct rt_pool *p = rt_stats_find_pool(c->rt, be);
	if (!p || p->conf->lvs) { /* keepalived virtual_servers are not HAProxy backends */
		bare(c, o, "No such backend.\n");
		return NULL;
	}
	*srv = slash + 1;
	return p;
}

static struct rt_server *find_live(struct rt_pool *p, const char *name)
{
	for (int i = 0; i < p->nsrv; i++)
		if (!strcmp(rt_psrv(p, i)->conf->name, name))
			return rt_psrv(p, i);
	return NULL;
}

/* HAProxy 2.6: only the algorithms whose server tree can change at runtime (roundrobin,
 * leastconn, first, random and every hash with `hash-type consistent`). */
static bool dynamic_lb(const struct m_pool *mp)
{
	const struct m_balance *b = &mp->balance;
	switch (b->algo) {
	case ALGO_UNSET:
	case ALGO_ROUNDROBIN:
	case ALGO_LEASTCONN:
	case ALGO_FIRST:
	case ALGO_RANDOM:
		return true;
	case ALGO_STATIC_RR:
		return false;
	default:
		return b->hash_type == HASH_CONSISTENT;
	}
}

/* ---------------------------------------------------------------- the server line */

enum kw_kind { KW_FLAG, KW_INT, KW_TIME, KW_ADDR, KW_REFUSE, KW_VIPR };

struct dyn_kw {
	const char *name;
	enum kw_kind kind;
	size_t off; /* in m_server */
	int val;    /* KW_FLAG: the value stored (int8_t) */
};

#define OFF(f) offsetof(struct m_server, f)
static const struct dyn_kw kws[] = {
    {"weight", KW_INT, OFF(weight), 0},
    {"maxconn", KW_INT, OFF(maxconn), 0},
    {"minconn", KW_INT, OFF(minconn), 0},
    {"maxqueue", KW_INT, OFF(maxqueue), 0},
    {"id", KW_INT, OFF(id), 0},
    {"backup", KW_FLAG, OFF(backup), 1},
    {"no-backup", KW_FLAG, OFF(backup), 0},
    {"disabled", KW_FLAG, OFF(disabled), 1},
    {"enabled", KW_FLAG, OFF(disabled), 0},
    {"send-proxy", KW_FLAG, OFF(send_proxy), 1},
    {"no-send-proxy", KW_FLAG, OFF(send_proxy), 0},
    {"check", KW_FLAG, OFF(check.enabled), 1},
    {"no-check", KW_FLAG, OFF(check.enabled), 0},
    {"agent-check", KW_FLAG, OFF(agent.enabled), 1},
    {"no-agent-check", KW_FLAG, OFF(agent.enabled), 0},
    {"inter", KW_TIME, OFF(check.inter), 0},
    {"fastinter", KW_TIME, OFF(check.fastinter), 0},
    {"downinter", KW_TIME, OFF(check.downinter), 0},
    {"agent-inter", KW_TIME, OFF(agent.inter), 0},
    {"rise", KW_INT, OFF(check.rise), 0},
    {"fall", KW_INT, OFF(check.fall), 0},
    {"port", KW_INT, OFF(check.port), 0},
    {"agent-port", KW_INT, OFF(agent.port), 0},
    {"addr", KW_ADDR, OFF(check.addr), 0},
    {"agent-addr", KW_ADDR, OFF(agent.addr), 0},
    {"cookie", KW_REFUSE, 0, 0},
    /* HAProxy's, that vipr does not do for dynamic servers: refused, never ignored */
    {"track", KW_VIPR, 0, 0},
    {"observe", KW_VIPR, 0, 0},
    {"on-error", KW_VIPR, 0, 0},
    {"error-limit", KW_VIPR, 0, 0},
    {"ssl", KW_VIPR, 0, 0},
    {"check-ssl", KW_VIPR, 0, 0},
    {"verify", KW_VIPR, 0, 0},
    {"ca-file", KW_VIPR, 0, 0},
    {"crt", KW_VIPR, 0, 0},
    {"sni", KW_VIPR, 0, 0},
    {"check-sni", KW_VIPR, 0, 0},
    {"send-proxy-v2", KW_VIPR, 0, 0},
    {"agent-send", KW_VIPR, 0, 0},
    {"slowstart", KW_VIPR, 0, 0},
    {"resolvers", KW_VIPR, 0, 0},
    {"init-addr", KW_VIPR, 0, 0},
    {"source", KW_VIPR, 0, 0},
    {"proto", KW_VIPR, 0, 0},
    {"alpn", KW_VIPR, 0, 0},
    {"pool-max-conn", KW_VIPR, 0, 0},
    {"tfo", KW_VIPR, 0, 0},
    {"redir", KW_VIPR, 0, 0},
    {"namespace", KW_VIPR, 0, 0},
};
#undef OFF

/* One keyword at args[*i] (its value next); false with the answer written. */
static bool apply_kw(struct rt *rt, struct m_server *s, char **args, int nargs, int *i,
                     struct rt_sbuf *o)
{
	const char *w = args[*i];
	const struct dyn_kw *k = NULL;
	for (size_t j = 0; j < ARRAY_SIZE(kws) && !k; j++)
		if (!strcmp(kws[j].name, w))
			k = &kws[j];
	if (!k) {
		rt_sb_printf(o, "unknown keyword '%s'.\n", w);
		return false;
	}
	void *f = (char *)s + k->off;
	const char *v = *i + 1 < nargs ? args[*i + 1] : NULL;
	switch (k->kind) {
	case KW_FLAG:
		if (k->off == offsetof(struct m_server, check.enabled) ||
		    k->off == offsetof(struct m_server, agent.enabled))
			*(bool *)f = k->val;
		else
			*(int8_t *)f = (int8_t)k->val;
		return true;
	case KW_REFUSE:
		rt_sb_printf(o, "'%s' option is not accepted for dynamic server\n", w);
		return false;
	case KW_VIPR:
		rt_sb_printf(o, "vipr: '%s' is not supported on dynamic servers.\n", w);
		return false;
	case KW_TIME: {
		m_ms ms = 0;
		if (!v || m_parse_time(v, &ms, 1)) {
			rt_sb_printf(o, "'%s' expects a delay as argument..\n", w);
			return false;
		}
		if (ms <= 0) {
			rt_sb_printf(o, "invalid value %s for argument '%s' of server %s..\n", v, w,
			             s->name);
			return false;
		}
		*(m_ms *)f = ms;
		break;
	}
	case KW_ADDR: {
		char err[256];
		if (!v || m_parse_addr(rt->dyn_arena, v, ADDR_SERVER, f, err, sizeof(err)) < 0 ||
		    ((struct m_addr *)f)->kind != M_ADDR_INET) {
			rt_sb_printf(o, "'%s' expects <ipv4|ipv6> as argument.\n", w);
			return false;
		}
		break;
	}
	case KW_INT: {
		char *end;
		long n = v ? strtol(v, &end, 10) : 0;
		if (!v || end == v || *end || n < 0 || n > 2147483647L) {
			rt_sb_printf(o, "vipr: '%s' expects a positive integer.\n", w);
			return false;
		}
		*(int *)f = (int)n;
		break;
	}
	}
	(*i)++;
	return true;
}

/* HAProxy's checks of the values, in its words. */
static bool check_values(struct rt_pool *p, const struct m_server *s, struct rt_sbuf *o)
{
	if (s->weight != M_UNSET && s->weight > 256) {
		rt_sb_printf(o, "weight of server %s is not within 0 and 256 (%d)..\n", s->name,
		             s->weight);
		return false;
	}
	if (s->check.rise == 0 || s->check.fall == 0) {
		rt_sb_printf(o, "'%s' has to be > 0..\n", s->check.rise == 0 ? "rise" : "fall");
		return false;
	}
	if (s->id == 0) {
		rt_sb_puts(o, "'id' : custom id has to be > 0.\n");
		return false;
	}
	for (int i = 0; s->id > 0 && i < p->nsrv; i++)
		if (rt_psrv(p, i)->puid == s->id) {
			const struct m_server *u = rt_psrv(p, i)->conf;
			rt_sb_printf(
			    o, "'id' : custom id %d already used at %s:%d ('server %s').\n", s->id,
			    u->at.file ? u->at.file : "(null)", u->at.line, u->name);
			return false;
		}
	if (s->agent.enabled && s->agent.port <= 0) {
		rt_sb_puts(o, "vipr: agent-check without agent-port is not supported.\n");
		return false;
	}
	return true;
}

/* The server's address: an IP literal, or a name resolved now (HAProxy 2.6 keeps the name
 * unresolved until a resolvers section does it; vipr has none). */
static bool server_addr(struct rt *rt, struct m_server *s, const char *text, struct rt_sbuf *o)
{
	char err[256];
	if (m_parse_addr(rt->dyn_arena, text, ADDR_SERVER, &s->addr, err, sizeof(err)) < 0) {
		rt_sb_printf(o, "%s\n", err);
		return false;
	}
	if (s->addr.kind == M_ADDR_NAME && m_addr_resolve(&s->addr) == 0)
		s->addr.kind = M_ADDR_INET;
	if (s->addr.kind != M_ADDR_INET) {
		rt_sb_printf(o, "vipr: could not resolve address '%s' of server %s.\n", text,
		             s->name);
		return false;
	}
	return true;
}

/* The smallest id no server of p has (HAProxy's get_next_id). */
static int next_id(const struct rt_pool *p)
{
	for (int id = 1;; id++) {
		bool used = false;
		for (int i = 0; i < p->nsrv && !used; i++)
			used = rt_psrv(p, i)->puid == id;
		if (!used)
			return id;
	}
}

/* A free slot of p, initialized for s but not published yet; NULL when all are taken. */
static struct rt_server *take_slot(struct rt_pool *p, const struct m_server *s)
{
	struct rt_server *sv = NULL;
	for (int i = 0; i < p->cap && !sv; i++)
		if (!p->srv[i].live)
			sv = &p->srv[i];
	if (!sv)
		return NULL;
	/* field by field, not memset: a stale stats reader may still read this slot, and
	 * must find a valid conf there */
	sv->conf = s;
	sv->pool = p;
	memcpy(&sv->ss, &s->addr.ss, sizeof(sv->ss));
	sv->sslen = s->addr.ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
	                                             : sizeof(struct sockaddr_in);
	sv->weight = sv->iweight = s->weight == M_UNSET ? 1 : s->weight;
	sv->backup = s->backup == 1;
	sv->usable = true;
	atomic_store(&sv->cur, 0);
	atomic_store(&sv->total, 0);
	sv->cw = 0;
	sv->qhead = sv->qtail = NULL;
	atomic_store(&sv->nq, 0);
	memset(&sv->cnt, 0, sizeof(sv->cnt));
	atomic_store(&sv->admin, RT_ADM_MAINT | (s->disabled == 1 ? RT_ADM_CMAINT : 0));
	atomic_store(&sv->lastchg, (long long)time(NULL));
	sv->chk = NULL;
	sv->chk_paused = sv->agent_paused = false;
	atomic_store(&sv->nolb, 0);
	atomic_store(&sv->maxconn_cli, 0);
	sv->puid = s->id > 0 ? s->id : next_id(p);
	sv->dyn = true;
	return sv;
}

void cli_add_server(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	const char *name;
	struct rt_pool *p = pool_arg(c, o, nargs > 2 ? args[2] : NULL, &name);
	if (!p)
		return;
	if (!dynamic_lb(p->conf)) {
		bare(c, o,
		     "Backend must use a dynamic load balancing to support dynamic servers.\n");
		return;
	}
	if (nargs < 4 || !*name) {
		rt_sb_puts(o, "'server' expects <name> and <addr>[:<port>] as arguments.\n");
		return;
	}
	if (!c->rt->dyn_arena)
		c->rt->dyn_arena = arena_new();
	struct m_server *s = arena_alloc(c->rt->dyn_arena, sizeof(*s));
	m_server_init(s); /* default-server does not apply to dynamic servers (HAProxy 2.6) */
	s->name = arena_strdup(c->rt->dyn_arena, name);
	if (!server_addr(c->rt, s, args[3], o))
		return;
	for (int i = 4; i < nargs; i++)
		if (!apply_kw(c->rt, s, args, nargs, &i, o))
			return;
	if (!check_values(p, s, o))
		return;
	if (find_live(p, name)) {
		rt_sb_puts(o, "Already exists a server with the same name in backend.\n");
		return;
	}
	struct rt_server *sv = take_slot(p, s);
	if (!sv) {
		rt_sb_printf(o, "vipr: backend '%s' has no room for another dynamic server (%d).\n",
		             p->conf->name, RT_DYN_SPARE);
		return;
	}
	if (rt_checks_add_dyn(c->rt, sv) < 0) {
		rt_sb_puts(o, "vipr: this backend's health checks cannot run on a dynamic server.\n");
		return;
	}
	pthread_mutex_lock(&p->lock);
	p->ord[p->nsrv] = (int)(sv - p->srv);
	sv->live = true;
	__atomic_store_n(&p->nsrv, p->nsrv + 1, __ATOMIC_RELEASE);
	p->gen++;
	pthread_mutex_unlock(&p->lock);
	rt_sb_puts(o, "New server registered.\n");
}

/* ---------------------------------------------------------------- del server */

/* On each worker: the connections kept to sv for reuse go (parked ones, and those that
 * idle sessions hold between two requests), so that nothing reaches a reused slot. */
static void drop_conns(struct rt_worker *w, void *arg)
{
	const struct rt_server *sv = arg;
	int fd;
	while ((fd = rt_idle_take(w, sv)) >= 0)
		close(fd);
	for (struct rt_sess *s = w->sessions; s; s = s->next)
		if (s->server == sv && !s->srv_counted)
			rt_sess_shut_srv(s);
}

void cli_del_server(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	const char *name;
	struct rt_pool *p = pool_arg(c, o, nargs > 2 ? args[2] : NULL, &name);
	if (!p)
		return;
	struct rt_server *sv = find_live(p, name);
	if (!sv) {
		bare(c, o, "No such server.\n");
		return;
	}
	if (!(atomic_load(&sv->admin) & RT_ADM_MAINT)) {
		bare(c, o, "Only servers in maintenance mode can be deleted.\n");
		return;
	}
	cli_on_workers(c->rt, drop_conns, sv);
	pthread_mutex_lock(&p->lock);
	if (atomic_load(&sv->cur) || atomic_load(&sv->nq) || sv->qhead) {
		pthread_mutex_unlock(&p->lock);
		bare(c, o, "Server still has connections attached to it, cannot remove it.\n");
		return;
	}
	int slot = (int)(sv - p->srv), i = 0;
	while (i < p->nsrv && p->ord[i] != slot)
		i++;
	memmove(&p->ord[i], &p->ord[i + 1], (size_t)(p->nsrv - i - 1) * sizeof(*p->ord));
	__atomic_store_n(&p->nsrv, p->nsrv - 1, __ATOMIC_RELEASE);
	sv->live = false;
	p->gen++;
	pthread_mutex_unlock(&p->lock);
	rt_checks_del(c->rt, sv);
	bare(c, o, "Server deleted.\n");
}

/* ---------------------------------------------------------------- enable|disable health */

static void health(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs, bool agent,
                   bool on)
{
	struct rt_server *sv = cli_server_arg(c, o, nargs > 2 ? args[2] : NULL);
	if (!sv)
		return;
	if (!rt_checks_enable(c->rt, sv, agent, on) && on)
		rt_sb_puts(o, agent ? "Agent was not configured on this server, cannot enable.\n"
		                    : "Health check was not configured on this server, cannot "
		                      "enable.\n");
}

void cli_enable_health(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	health(c, o, args, nargs, false, true);
}

void cli_disable_health(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	health(c, o, args, nargs, false, false);
}

void cli_enable_agent(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	health(c, o, args, nargs, true, true);
}

void cli_disable_agent(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	health(c, o, args, nargs, true, false);
}
