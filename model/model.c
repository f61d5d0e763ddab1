/* model.c - constructors, look-ups and small formatters of the model. */
#include "model.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

void m_proxy_conf_init(struct m_proxy_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = M_MODE_UNSET;
	memset(c->opt, M_UNSET, sizeof(c->opt));
	c->timeout_client = c->timeout_server = c->timeout_connect = c->timeout_queue = M_UNSET;
	c->timeout_tunnel = c->timeout_http_request = c->timeout_http_keep_alive = M_UNSET;
	c->timeout_client_fin = c->timeout_server_fin = c->timeout_check = M_UNSET;
	c->timeout_tarpit = M_UNSET;
	c->retries = c->maxconn = c->fullconn = c->backlog = M_UNSET;
	c->http_conn = HTTP_CONN_UNSET;
	c->ff_if_none = c->httplog_clf = c->log_global = M_UNSET;
	c->redispatch_interval = M_UNSET;
	c->stats.enabled = c->stats.hide_version = c->stats.show_legends = M_UNSET;
	c->stats.show_node = c->stats.show_desc = M_UNSET;
	c->stats.refresh = M_UNSET;
	c->disabled = M_UNSET;
}

void m_check_init(struct m_check *c)
{
	memset(c, 0, sizeof(*c));
	c->inter = c->fastinter = c->downinter = c->timeout = M_UNSET;
	c->rise = c->fall = c->port = M_UNSET;
	c->ssl = c->verify_none = c->log_all_failures = M_UNSET;
	c->retry = c->bind_port = M_UNSET;
	c->delay_before_retry = c->delay_loop = c->warmup = c->connect_timeout = M_UNSET;
}

void m_server_init(struct m_server *s)
{
	memset(s, 0, sizeof(*s));
	s->id = M_UNSET;
	s->weight = M_UNSET;
	s->backup = s->disabled = s->ssl = s->send_proxy = M_UNSET;
	s->maxconn = s->minconn = s->maxqueue = M_UNSET;
	s->inhibit_on_failure = M_UNSET;
	m_check_init(&s->check);
	m_check_init(&s->agent);
}

void m_global_init(struct m_global *g)
{
	memset(g, 0, sizeof(*g));
	g->maxconn = g->nbthread = g->ulimit_n = M_UNSET;
	g->daemon = g->master_worker = M_UNSET;
	g->uid = g->gid = M_UNSET;
	g->stats_timeout = g->hard_stop_after = M_UNSET;
	g->spread_checks = g->max_spread_checks = M_UNSET;
	g->tune_bufsize = g->tune_maxrewrite = M_UNSET;
}

static void ka_global_init(struct m_ka_global *k)
{
	memset(k, 0, sizeof(*k));
	k->vrrp_strict = k->vrrp_iptables = k->vrrp_skip_check_adv_addr = M_UNSET;
	k->vrrp_check_unicast_src = k->enable_script_security = M_UNSET;
	k->vrrp_version = M_UNSET;
	k->vrrp_garp_interval = k->vrrp_gna_interval = k->vrrp_garp_master_delay = M_UNSET;
	k->vrrp_garp_master_repeat = M_UNSET;
	k->vrrp_min_garp = M_UNSET;
}

struct m_config *m_config_new(void)
{
	struct arena *a = arena_new();
	struct m_config *cfg = arena_alloc(a, sizeof(*cfg));
	cfg->arena = a;
	m_global_init(&cfg->global);
	ka_global_init(&cfg->ka);
	return cfg;
}

void m_config_free(struct m_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->files); /* grown with realloc while files are read */
	arena_free(cfg->arena);
}

struct m_pool *m_find_pool(const struct m_config *cfg, const char *name)
{
	for (struct m_pool *p = cfg->pools; p; p = p->next)
		if (p->name && !strcmp(p->name, name))
			return p;
	return NULL;
}

struct m_service *m_find_service(const struct m_config *cfg, const char *name)
{
	for (struct m_service *s = cfg->services; s; s = s->next)
		if (s->name && !strcmp(s->name, name))
			return s;
	return NULL;
}

static const char *const algo_names[ALGO__COUNT] = {
	[ALGO_ROUNDROBIN] = "roundrobin", [ALGO_STATIC_RR] = "static-rr",
	[ALGO_LEASTCONN] = "leastconn",   [ALGO_FIRST] = "first",
	[ALGO_SOURCE] = "source",         [ALGO_URI] = "uri",
	[ALGO_URL_PARAM] = "url_param",   [ALGO_HDR] = "hdr",
	[ALGO_RDP_COOKIE] = "rdp-cookie", [ALGO_RANDOM] = "random",
	[ALGO_LVS_RR] = "rr",             [ALGO_LVS_WRR] = "wrr",
	[ALGO_LVS_LC] = "lc",             [ALGO_LVS_WLC] = "wlc",
	[ALGO_LVS_SH] = "sh",             [ALGO_LVS_DH] = "dh",
	[ALGO_LVS_SED] = "sed",           [ALGO_LVS_NQ] = "nq",
	[ALGO_LVS_LBLC] = "lblc",         [ALGO_LVS_LBLCR] = "lblcr",
	[ALGO_LVS_FO] = "fo",             [ALGO_LVS_OVF] = "ovf",
	[ALGO_LVS_MH] = "mh",
};

const char *m_algo_name(enum m_algo a)
{
	return a >= 0 && a < ALGO__COUNT ? algo_names[a] : "unset";
}

char *m_addr_str(const struct m_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "";
	switch (a->kind) {
	case M_ADDR_INET:
		if (a->ss.ss_family == AF_INET6) {
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&a->ss)->sin6_addr, ip,
				  sizeof(ip));
			snprintf(buf, len, "[%s]:%u", ip, a->port_lo);
		} else {
			inet_ntop(AF_INET, &((const struct sockaddr_in *)&a->ss)->sin_addr, ip,
				  sizeof(ip));
			snprintf(buf, len, "%s:%u", ip, a->port_lo);
		}
		if (a->port_hi != a->port_lo)
			snprintf(buf + strlen(buf), len - strlen(buf), "-%u", a->port_hi);
		break;
	case M_ADDR_NAME: snprintf(buf, len, "%s:%u", a->host, a->port_lo); break;
	case M_ADDR_UNIX: snprintf(buf, len, "unix@%s", a->path); break;
	case M_ADDR_ABNS: snprintf(buf, len, "abns@%s", a->path); break;
	case M_ADDR_FD: snprintf(buf, len, "fd@%d", a->fd); break;
	default: snprintf(buf, len, "-"); break;
	}
	return buf;
}
