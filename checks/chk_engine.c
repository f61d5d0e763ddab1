/* chk_engine.c - the one scheduler behind every health check.
 *
 * Each chk_item carries one timer: while idle it fires when a probe should start, while a
 * probe runs it bounds it. Probes are plugins (chk_ops) that end with chk_done(); the scheduler
 * then applies HAProxy's rise/fall arithmetic, fills the chk_state, calls the owner's notify
 * and arms the timer with inter, fastinter or downinter. First probes are placed at random
 * within the first interval so that a large configuration never fires all at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checks/chk_priv.h"

struct chk_engine {
	struct ev_loop *loop;
	struct chk_item *items;
	unsigned nitems, nrunning;
	int spread; /* percent */
	uint32_t seed;
	struct chk_tls_ctx *tls; /* TLS contexts shared by the items (chk_tls.c) */
};

/* ---------------------------------------------------------------- arithmetic */

bool chk_health_apply(int *health, bool *up, int rise, int fall, bool ok)
{
	bool was = *up;
	if (rise < 1)
		rise = 1;
	if (fall < 1)
		fall = 1;
	int full = rise + fall - 1;
	if (ok) {
		if (*health < full) {
			(*health)++;
			if (*health >= rise)
				*health = full;
		}
		if (*health >= rise)
			*up = true;
	} else {
		if (*health > 0) {
			(*health)--;
			if (*health < rise)
				*health = 0;
		}
		if (*health == 0)
			*up = false;
	}
	return *up != was;
}

m_ms chk_interval(int health, bool up, int rise, int fall, m_ms inter, m_ms fastinter,
                  m_ms downinter)
{
	if (rise < 1)
		rise = 1;
	if (fall < 1)
		fall = 1;
	if (health >= rise + fall - 1)
		return inter;
	if (!up && health == 0)
		return downinter > 0 ? downinter : inter;
	return fastinter > 0 ? fastinter : inter;
}

const char *chk_health_text(int health, bool up, int rise, int fall, char *buf, size_t len)
{
	if (up)
		snprintf(buf, len, "%d/%d UP", health - rise + 1, fall);
	else
		snprintf(buf, len, "%d/%d DOWN", health, rise);
	return buf;
}

static const struct {
	const char *name, *desc;
} statuses[] = {
    [CHK_ST_UNKNOWN] = {"", "Unknown"},
    [CHK_ST_INI] = {"INI", "Initializing"},
    [CHK_ST_SOCKERR] = {"SOCKERR", "Socket error"},
    [CHK_ST_L4OK] = {"L4OK", "Layer4 check passed"},
    [CHK_ST_L4TOUT] = {"L4TOUT", "Layer4 timeout"},
    [CHK_ST_L4CON] = {"L4CON", "Layer4 connection problem"},
    [CHK_ST_L6OK] = {"L6OK", "Layer6 check passed"},
    [CHK_ST_L6TOUT] = {"L6TOUT", "Layer6 timeout"},
    [CHK_ST_L6RSP] = {"L6RSP", "Layer6 invalid response"},
    [CHK_ST_L7OK] = {"L7OK", "Layer7 check passed"},
    [CHK_ST_L7OKC] = {"L7OKC", "Layer7 check conditionally passed"},
    [CHK_ST_L7TOUT] = {"L7TOUT", "Layer7 timeout"},
    [CHK_ST_L7RSP] = {"L7RSP", "Layer7 invalid response"},
    [CHK_ST_L7STS] = {"L7STS", "Layer7 wrong status"},
    [CHK_ST_PROCERR] = {"PROCERR", "External check error"},
    [CHK_ST_PROCTOUT] = {"PROCTOUT", "External check timeout"},
    [CHK_ST_PROCOK] = {"PROCOK", "External check passed"},
    [CHK_ST_CHECKED] = {"CHECKED", "No status change"},
    [CHK_ST_HANA] = {"HANA", "Health analyze"},
};

const char *chk_status_str(enum chk_status s)
{
	return (unsigned)s < ARRAY_SIZE(statuses) ? statuses[s].name : "";
}

const char *chk_status_desc(enum chk_status s)
{
	return (unsigned)s < ARRAY_SIZE(statuses) ? statuses[s].desc : "Unknown";
}

/* ---------------------------------------------------------------- effective schedules */

void chk_hap_effective(struct m_check *out, const struct m_check *in, const struct m_proxy_conf *be)
{
	*out = *in;
	m_ms inter = in->inter > 0 ? in->inter : 2000;
	m_ms tc = in->timeout > 0 ? in->timeout : (be ? be->timeout_check : M_UNSET);
	out->inter = inter;
	if (tc > 0) {
		m_ms conn = be && be->timeout_connect > 0 ? be->timeout_connect : inter;
		out->connect_timeout = conn < inter ? conn : inter;
		out->timeout = tc;
	} else {
		out->connect_timeout = inter;
		out->timeout = M_UNSET;
	}
}

static m_ms first_set(m_ms a, m_ms b, m_ms c, m_ms dflt)
{
	return a > 0 ? a : b > 0 ? b : c > 0 ? c : dflt;
}

void chk_ka_effective(struct m_check *out, const struct m_check *in, const struct m_server *rs,
                      const struct m_lvs *lvs)
{
	const struct m_check *r = rs ? &rs->check : NULL;
	bool misc = in->probe && in->probe->kind == PROBE_SCRIPT;
	*out = *in;
	out->enabled = true;
	out->delay_loop =
	    first_set(in->delay_loop, r ? r->delay_loop : 0, lvs ? lvs->delay_loop : 0, 60000);
	out->connect_timeout = first_set(in->connect_timeout, r ? r->connect_timeout : 0,
	                                 lvs ? lvs->connect_timeout : 0, 5000);
	out->delay_before_retry = first_set(in->delay_before_retry, r ? r->delay_before_retry : 0,
	                                    lvs ? lvs->delay_before_retry : 0, 1000);
	int retry = in->retry >= 0           ? in->retry
	            : r && r->retry >= 0     ? r->retry
	            : lvs && lvs->retry >= 0 ? lvs->retry
	            : misc                   ? 0
	                                     : 1;
	out->retry = retry;
	out->inter = out->downinter = out->delay_loop;
	out->fastinter = out->delay_before_retry;
	out->rise = 1;
	out->fall = retry + 1;
	out->timeout = M_UNSET;
	if (misc)
		out->connect_timeout = in->misc_timeout > 0 ? in->misc_timeout : out->delay_loop;
}

/* ---------------------------------------------------------------- scheduling */

struct ev_loop *chk_loop(const struct chk_item *it)
{
	return it->e->loop;
}

struct chk_tls_ctx **chk_engine_tls(struct chk_engine *e)
{
	return &e->tls;
}

static uint32_t rnd(struct chk_engine *e)
{
	/* xorshift32: spreading needs no quality, only no syscalls */
	uint32_t x = e->seed;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return e->seed = x;
}

static m_ms spread(struct chk_engine *e, m_ms ms)
{
	if (e->spread <= 0 || ms <= 0)
		return ms;
	m_ms span = ms * e->spread / 100;
	if (span <= 0)
		return ms;
	return ms - span + (m_ms)(rnd(e) % (uint32_t)(2 * span + 1));
}

/* The item's one timer, re-armed in place: ev_timer_again() on a repeating timer adjusts its
 * heap entry where a stop and a start would remove and insert it (the scheduler's main cost
 * with 10,000 items, measured with callgrind). */
static void arm(struct chk_item *it, m_ms ms)
{
	it->timer.repeat = (double)(ms < 1 ? 1 : ms) / 1000.0;
	ev_timer_again(it->e->loop, &it->timer);
}

/* The probe in progress took too long. */
static void probe_timeout(struct chk_item *it)
{
	enum chk_status st = CHK_ST_L4TOUT;
	if (it->ops == &chk_script_ops)
		st = CHK_ST_PROCTOUT;
	else if (it->conn.handshaking)
		st = CHK_ST_L6TOUT; /* HAProxy: the TLS handshake did not finish */
	else if (it->conn.connected && it->ops != &chk_tcp_ops)
		st = it->tout ? it->tout : CHK_ST_L7TOUT;
	it->ops->cancel(it);
	chk_done(it, false, st, -1, NULL);
}

/* The timer bounds the probe in progress, else it starts the next one. */
static void timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)revents;
	struct chk_item *it = container_of(t, struct chk_item, timer);
	if (it->running) {
		probe_timeout(it);
		return;
	}
	it->running = true;
	it->e->nrunning++;
	it->st.checks++;
	it->phase = 0;
	it->tout = CHK_ST_UNKNOWN;
	it->st.agent_pct = -1;
	it->st.agent_maxconn = -1;
	it->st.agent_admin[0] = 0;
	/* the loop's time of this iteration: durations are in milliseconds, no clock call */
	it->t0 = ev_now(loop);
	arm(it, it->conn_timeout > 0 ? it->conn_timeout : it->inter);
	it->ops->start(it);
}

void chk_connected(struct chk_item *it)
{
	if (!it->running || it->timeout <= 0)
		return;
	arm(it, it->timeout);
}

void chk_activity(struct chk_item *it)
{
	if (it->io_timeout && it->running)
		arm(it, it->conn_timeout);
}

void chk_done(struct chk_item *it, bool ok, enum chk_status status, int code, const char *desc)
{
	chk_done_ex(it, ok ? CHK_RES_PASS : CHK_RES_FAIL, status, code, desc);
}

void chk_done_ex(struct chk_item *it, enum chk_res res, enum chk_status status, int code,
                 const char *desc)
{
	struct ev_loop *loop = it->e->loop;
	if (!it->running)
		return;
	it->running = false;
	it->e->nrunning--;
	struct chk_state *st = &it->st;
	st->duration_ms = (long)((ev_now(loop) - it->t0) * 1000.0 + 0.5);
	if (st->duration_ms < 0)
		st->duration_ms = 0;
	st->status = status;
	st->code = code;
	size_t dl = desc ? strnlen(desc, sizeof(st->desc) - 1) : 0; /* once per probe: no printf */
	memcpy(st->desc, desc ? desc : "", dl);
	st->desc[dl] = 0;
	bool changed = false, was = st->up;
	switch (res) {
	case CHK_RES_FAIL:
		st->fails++;
		/* fall through */
	case CHK_RES_PASS:
		changed =
		    chk_health_apply(&st->health, &st->up, it->rise, it->fall, res == CHK_RES_PASS);
		break;
	case CHK_RES_NEUTRAL:
		break;
	case CHK_RES_UP:
	case CHK_RES_DOWN:
		if (res == CHK_RES_DOWN)
			st->fails++;
		st->up = res == CHK_RES_UP;
		st->health = st->up ? it->rise + it->fall - 1 : 0;
		changed = st->up != was;
		break;
	}
	if (changed && !st->up)
		st->downs++;
	arm(it, spread(it->e, chk_interval(st->health, st->up, it->rise, it->fall, it->inter,
	                                   it->fastinter, it->downinter)));
	/* last: notify may remove the item */
	if (it->notify)
		it->notify(it, st, changed, it->owner);
}

void chk_observe_error(struct chk_item *it, enum chk_onerr action, const char *desc)
{
	struct chk_state *st = &it->st;
	bool changed = false;
	if (action != CHK_ONERR_FASTINTER) {
		/* HAProxy's sudden death: from anywhere above rise+1 to rise+1, then the failed
		 * check below takes it to rise: still up, one failure from down */
		if (action == CHK_ONERR_SUDDEN_DEATH && st->health > it->rise)
			st->health = it->rise + 1;
		if (action == CHK_ONERR_MARK_DOWN) {
			changed = st->up;
			st->up = false;
			st->health = 0;
		} else {
			changed = chk_health_apply(&st->health, &st->up, it->rise, it->fall, false);
		}
		st->fails++;
		if (changed && !st->up)
			st->downs++;
		st->status = CHK_ST_HANA;
		st->code = -1;
		st->duration_ms = 0;
		snprintf(st->desc, sizeof(st->desc), "%s", desc ? desc : "");
	}
	/* "forces fastinter": the next probe no later than fastinter from now */
	if (!it->running && ev_timer_remaining(it->e->loop, &it->timer) > it->fastinter / 1000.0)
		arm(it, it->fastinter);
	if (action != CHK_ONERR_FASTINTER && it->notify)
		it->notify(it, st, changed, it->owner);
}

void *chk_item_owner(const struct chk_item *it)
{
	return it ? it->owner : NULL;
}

/* ---------------------------------------------------------------- items */

struct chk_engine *chk_engine_new(struct ev_loop *loop)
{
	struct chk_engine *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->loop = loop;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	e->seed = (uint32_t)ts.tv_nsec ^ (uint32_t)getpid() ^ 0x9e3779b9u;
	if (!e->seed)
		e->seed = 1;
	return e;
}

void chk_engine_set_spread(struct chk_engine *e, int pct)
{
	e->spread = pct < 0 ? 0 : pct > 50 ? 50 : pct;
}

void chk_engine_counts(const struct chk_engine *e, unsigned *items, unsigned *running)
{
	if (items)
		*items = e->nitems;
	if (running)
		*running = e->nrunning;
}

void chk_engine_free(struct chk_engine *e)
{
	if (!e)
		return;
	while (e->items)
		chk_remove(e->items);
	chk_tls_free_all(e->tls);
	free(e);
}

static struct chk_item *item_new(struct chk_engine *e, chk_notify_fn notify, void *owner)
{
	struct chk_item *it = calloc(1, sizeof(*it));
	if (!it)
		return NULL;
	it->e = e;
	it->notify = notify;
	it->owner = owner;
	it->conn.fd = -1;
	it->pidfd = -1;
	it->st.code = -1;
	it->st.dyn_weight = -1;
	it->st.agent_pct = it->st.agent_maxconn = -1;
	it->st.status = CHK_ST_INI;
	ev_timer_init(&it->timer, timer_cb, 0., 0.);
	return it;
}

/* Links the item and places its first probe at random within its first interval. */
static void item_link(struct chk_item *it, bool initial_up)
{
	struct chk_engine *e = it->e;
	if (it->rise < 1)
		it->rise = 1;
	if (it->fall < 1)
		it->fall = 1;
	/* HAProxy: UP "going down" (health == rise: the first failure takes it down);
	 * DOWN "going up" (health 0). */
	it->st.up = initial_up;
	it->st.health = initial_up ? it->rise : 0;
	it->nxt = e->items;
	if (e->items)
		e->items->prev = it;
	e->items = it;
	e->nitems++;
	ev_now_update(e->loop); /* the loop may have slept long before this add */
	m_ms first = chk_interval(it->st.health, it->st.up, it->rise, it->fall, it->inter,
	                          it->fastinter, it->downinter);
	arm(it, (m_ms)(rnd(e) % (uint32_t)(first > 1 ? first : 1)));
}

static const struct chk_ops *ops_for(const struct m_probe *p)
{
	switch (p ? p->kind : PROBE_TCP) {
	case PROBE_HTTP:
		return &chk_http_ops;
	case PROBE_TCPCHECK:
		return &chk_tcpcheck_ops;
	case PROBE_SCRIPT:
		return &chk_script_ops;
	case PROBE_SSL_HELLO:
		return &chk_ssl_hello_ops;
	case PROBE_MYSQL:
		return &chk_mysql_ops;
	case PROBE_REDIS:
		return &chk_redis_ops;
	case PROBE_SMTP:
		return &chk_smtp_ops;
	case PROBE_PGSQL:
		return &chk_pgsql_ops;
	case PROBE_LDAP:
		return &chk_ldap_ops;
	case PROBE_AGENT:
		return &chk_agent_ops;
	case PROBE_NONE:
	case PROBE_TCP:
		return &chk_tcp_ops;
	default:
		return NULL; /* DNS, UDP, PING, FILE: chk_add() refuses them */
	}
}

/* The address to probe: the check's addr/port when given, else the server's. */
static bool item_addr(struct chk_item *it, const struct m_server *srv, const struct m_check *check)
{
	const struct m_addr *a = check->addr.kind == M_ADDR_INET ? &check->addr : &srv->addr;
	if (a->kind != M_ADDR_INET)
		return false;
	memcpy(&it->ss, &a->ss, sizeof(it->ss));
	int port = check->port > 0 ? check->port : a->port_lo ? a->port_lo : srv->addr.port_lo;
	if (it->ss.ss_family == AF_INET6) {
		((struct sockaddr_in6 *)&it->ss)->sin6_port = htons((uint16_t)port);
		it->sslen = sizeof(struct sockaddr_in6);
	} else {
		((struct sockaddr_in *)&it->ss)->sin_port = htons((uint16_t)port);
		it->sslen = sizeof(struct sockaddr_in);
	}
	return true;
}

struct chk_item *chk_add(struct chk_engine *e, const struct m_server *srv,
                         const struct m_check *check, const struct m_probe *probe, bool initial_up,
                         chk_notify_fn notify, void *owner)
{
	if (!e || !srv || !check)
		return NULL;
	struct chk_item *it = item_new(e, notify, owner);
	if (!it)
		return NULL;
	it->srv = srv;
	it->check = check;
	it->probe = probe;
	it->ops = ops_for(probe);
	if (!it->ops) {
		/* a kind without a probe must never run as something else */
		free(it);
		errno = ENOTSUP;
		return NULL;
	}
	if (it->ops != &chk_script_ops && !item_addr(it, srv, check)) {
		free(it);
		errno = EAFNOSUPPORT;
		return NULL;
	}
	it->inter = check->inter > 0 ? check->inter : 2000;
	it->fastinter = check->fastinter > 0 ? check->fastinter : it->inter;
	it->downinter = check->downinter > 0 ? check->downinter : it->inter;
	it->rise = check->rise > 0 ? check->rise : 2;
	it->fall = check->fall > 0 ? check->fall : 3;
	it->timeout = check->timeout;
	it->conn_timeout = check->connect_timeout > 0 ? check->connect_timeout : it->inter;
	/* keepalived checkers (chk_ka_effective() sets delay_loop): connect_timeout bounds the
	 * connect and then each read, as keepalived's per-operation timeouts do, so a large
	 * page is not cut at connect_timeout */
	it->io_timeout = check->delay_loop > 0 && probe && probe->kind != PROBE_SCRIPT;
	item_link(it, initial_up);
	if (check->warmup > 0) /* keepalived warmup: the first probe within 0..warmup */
		arm(it, (m_ms)(rnd(e) % (uint32_t)check->warmup));
	return it;
}

struct chk_item *chk_add_script(struct chk_engine *e, const struct m_vrrp_script *vs,
                                chk_notify_fn notify, void *owner)
{
	if (!e || !vs || !vs->script)
		return NULL;
	struct chk_item *it = item_new(e, notify, owner);
	if (!it)
		return NULL;
	it->vs = vs;
	it->ops = &chk_script_ops;
	/* keepalived's vrrp_script defaults: interval 1 s, timeout = interval, rise and fall 1 */
	it->inter = vs->interval > 0 ? vs->interval : 1000;
	it->fastinter = it->downinter = it->inter;
	it->conn_timeout = vs->timeout > 0 ? vs->timeout : it->inter;
	it->timeout = M_UNSET;
	it->rise = vs->rise > 0 ? vs->rise : 1;
	it->fall = vs->fall > 0 ? vs->fall : 1;
	item_link(it, vs->init_fail != 1);
	return it;
}

void chk_remove(struct chk_item *it)
{
	if (!it)
		return;
	struct chk_engine *e = it->e;
	if (it->running) {
		it->ops->cancel(it);
		it->running = false;
		e->nrunning--;
	}
	ev_timer_stop(e->loop, &it->timer);
	if (it->prev)
		it->prev->nxt = it->nxt;
	else
		e->items = it->nxt;
	if (it->nxt)
		it->nxt->prev = it->prev;
	e->nitems--;
	free(it->tls_sni);
	free(it);
}

void chk_pause(struct chk_item *it, bool paused)
{
	if (!it)
		return;
	struct chk_engine *e = it->e;
	if (paused) {
		if (it->running) {
			it->ops->cancel(it);
			it->running = false;
			e->nrunning--;
		}
		ev_timer_stop(e->loop, &it->timer);
	} else if (!it->running && !ev_is_active(&it->timer)) {
		arm(it, it->inter);
	}
}

void chk_set_addr(struct chk_item *it, const struct sockaddr_storage *ss, socklen_t len)
{
	if (!it || it->ops == &chk_script_ops)
		return;
	memcpy(&it->ss, ss, sizeof(it->ss));
	it->sslen = len;
}

const struct chk_state *chk_get_state(const struct chk_item *it)
{
	return it ? &it->st : NULL;
}
