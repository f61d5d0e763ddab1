/* dump.c - the model as JSON (`vipr dump --json`, golden files) and as canonical
 * haproxy.cfg (`vipr dump --haproxy`), which re-parses to the same model.
 *
 * UNSET fields are omitted from the JSON so that golden files show what a config says and
 * what the merge gave it, nothing else. Field order is fixed.
 */
#include "model.h"

#include <string.h>

static const char *mode_name(enum m_mode m)
{
	return m == M_MODE_HTTP ? "http" : m == M_MODE_TCP ? "tcp" : m == M_MODE_HEALTH ? "health"
											 : NULL;
}

static const char *const option_names[] = {
#define M_OPTION(id, name, caps) name,
#include "options.def"
#undef M_OPTION
};

static void j_ms(struct json *j, const char *k, m_ms v)
{
	if (v != M_UNSET)
		json_int(j, k, v);
}

static void j_i(struct json *j, const char *k, long long v)
{
	if (v != M_UNSET)
		json_int(j, k, v);
}

static void j_s(struct json *j, const char *k, const char *v)
{
	if (v)
		json_str(j, k, v);
}

static void j_b(struct json *j, const char *k, int v)
{
	if (v != M_UNSET)
		json_bool(j, k, v);
}

static void j_origin(struct json *j, struct m_origin at)
{
	if (at.file)
		json_str(j, "file", at.file);
	if (at.line)
		json_int(j, "line", at.line);
}

static void j_addr(struct json *j, const char *k, const struct m_addr *a)
{
	char buf[256];
	if (a->kind == M_ADDR_NONE)
		return;
	json_str(j, k, m_addr_str(a, buf, sizeof(buf)));
}

static void dump_conf(struct json *j, const struct m_proxy_conf *c)
{
	j_s(j, "mode", mode_name(c->mode));
	json_begin_obj(j, "timeouts");
	j_ms(j, "client", c->timeout_client);
	j_ms(j, "server", c->timeout_server);
	j_ms(j, "connect", c->timeout_connect);
	j_ms(j, "queue", c->timeout_queue);
	j_ms(j, "tunnel", c->timeout_tunnel);
	j_ms(j, "http-request", c->timeout_http_request);
	j_ms(j, "http-keep-alive", c->timeout_http_keep_alive);
	j_ms(j, "client-fin", c->timeout_client_fin);
	j_ms(j, "server-fin", c->timeout_server_fin);
	j_ms(j, "check", c->timeout_check);
	json_end_obj(j);
	json_begin_obj(j, "options");
	for (int i = 0; i < OPT__COUNT; i++)
		j_b(j, option_names[i], c->opt[i]);
	json_end_obj(j);
	j_i(j, "retries", c->retries);
	j_i(j, "maxconn", c->maxconn);
	j_i(j, "fullconn", c->fullconn);
	j_i(j, "backlog", c->backlog);
	static const char *const conn[] = {"keep-alive", "server-close", "close"};
	if (c->http_conn != HTTP_CONN_UNSET)
		json_str(j, "http_connection", conn[c->http_conn]);
	if (c->opt[OPT_FORWARDFOR] == 1) {
		json_begin_obj(j, "forwardfor");
		j_s(j, "except", c->ff_except);
		j_s(j, "header", c->ff_header);
		j_b(j, "if_none", c->ff_if_none);
		json_end_obj(j);
	}
	j_b(j, "log_global", c->log_global);
	j_s(j, "log_format", c->log_format);
	j_s(j, "description", c->description);
	j_s(j, "http_reuse", c->http_reuse);
	if (c->stats.enabled == 1) {
		json_begin_obj(j, "stats");
		j_s(j, "uri", c->stats.uri);
		j_s(j, "realm", c->stats.realm);
		j_ms(j, "refresh", c->stats.refresh);
		json_begin_arr(j, "auth");
		for (const struct m_header *h = c->stats.auth; h; h = h->next)
			json_str(j, NULL, h->name);
		json_end_arr(j);
		j_b(j, "hide_version", c->stats.hide_version);
		json_end_obj(j);
	}
	if (c->errorfiles) {
		json_begin_obj(j, "errorfiles");
		for (const struct m_errorfile *e = c->errorfiles; e; e = e->next) {
			char k[16];
			snprintf(k, sizeof(k), "%d", e->status);
			json_str(j, k, e->path);
		}
		json_end_obj(j);
	}
	j_b(j, "disabled", c->disabled);
}

static void dump_check(struct json *j, const char *key, const struct m_check *c)
{
	if (!c->enabled)
		return;
	json_begin_obj(j, key);
	j_ms(j, "inter", c->inter);
	j_ms(j, "fastinter", c->fastinter);
	j_ms(j, "downinter", c->downinter);
	j_ms(j, "timeout", c->timeout);
	j_i(j, "rise", c->rise);
	j_i(j, "fall", c->fall);
	j_i(j, "port", c->port);
	j_addr(j, "addr", &c->addr);
	j_b(j, "ssl", c->ssl);
	j_s(j, "sni", c->sni);
	j_i(j, "retry", c->retry);
	j_ms(j, "connect_timeout", c->connect_timeout);
	j_ms(j, "delay_before_retry", c->delay_before_retry);
	j_ms(j, "delay_loop", c->delay_loop);
	if (c->probe) {
		static const char *const kinds[] = {"none", "tcp", "http", "tcp-check", "ssl-hello",
						    "mysql", "pgsql", "redis", "smtp", "ldap",
						    "agent", "script", "dns", "udp", "ping", "file"};
		json_str(j, "kind", kinds[c->probe->kind]);
		j_s(j, "script", c->probe->script);
	}
	json_end_obj(j);
}

static void dump_server(struct json *j, const struct m_server *s)
{
	json_begin_obj(j, NULL);
	j_s(j, "name", s->name);
	j_i(j, "id", s->id);
	j_addr(j, "addr", &s->addr);
	j_i(j, "weight", s->weight);
	j_b(j, "backup", s->backup);
	j_b(j, "disabled", s->disabled);
	j_i(j, "maxconn", s->maxconn);
	j_i(j, "minconn", s->minconn);
	j_i(j, "maxqueue", s->maxqueue);
	j_s(j, "cookie", s->cookie);
	dump_check(j, "check", &s->check);
	dump_check(j, "agent", &s->agent);
	if (s->checks) {
		json_begin_arr(j, "checkers");
		for (const struct m_check *c = s->checks; c; c = c->next) {
			json_begin_obj(j, NULL);
			struct m_check tmp = *c;
			tmp.enabled = true;
			dump_check(j, "checker", &tmp);
			json_end_obj(j);
		}
		json_end_arr(j);
	}
	j_b(j, "inhibit_on_failure", s->inhibit_on_failure);
	j_origin(j, s->at);
	json_end_obj(j);
}

static void dump_pool(struct json *j, const struct m_pool *p)
{
	json_begin_obj(j, NULL);
	j_s(j, "name", p->name);
	json_int(j, "id", p->id);
	json_begin_obj(j, "balance");
	j_s(j, "algo", m_algo_name(p->balance.algo));
	j_s(j, "arg", p->balance.arg);
	if (p->balance.uri_len)
		json_int(j, "len", p->balance.uri_len);
	if (p->balance.uri_depth)
		json_int(j, "depth", p->balance.uri_depth);
	if (p->balance.uri_whole)
		json_bool(j, "whole", true);
	if (p->balance.uri_path_only)
		json_bool(j, "path_only", true);
	if (p->balance.hash_type != HASH_UNSET)
		json_str(j, "hash_type",
			 p->balance.hash_type == HASH_CONSISTENT ? "consistent" : "map-based");
	json_end_obj(j);
	if (p->probe) {
		json_begin_obj(j, "probe");
		static const char *const kinds[] = {"none", "tcp", "http", "tcp-check", "ssl-hello",
						    "mysql", "pgsql", "redis", "smtp", "ldap",
						    "agent", "script", "dns", "udp", "ping", "file"};
		json_str(j, "kind", kinds[p->probe->kind]);
		j_s(j, "method", p->probe->meth);
		j_s(j, "uri", p->probe->uri);
		j_s(j, "version", p->probe->ver);
		int n = 0;
		for (const struct m_check_step *s = p->probe->steps; s; s = s->next)
			n++;
		if (n)
			json_int(j, "steps", n);
		json_end_obj(j);
	}
	if (p->conf)
		dump_conf(j, p->conf);
	if (p->lvs) {
		json_begin_obj(j, "lvs");
		j_s(j, "lb_kind", p->lvs->lb_kind);
		j_s(j, "protocol", p->lvs->protocol);
		j_ms(j, "persistence_timeout", p->lvs->persistence_timeout);
		j_ms(j, "delay_loop", p->lvs->delay_loop);
		json_end_obj(j);
	}
	json_begin_arr(j, "servers");
	for (const struct m_server *s = p->servers; s; s = s->next)
		dump_server(j, s);
	json_end_arr(j);
	j_origin(j, p->at);
	json_end_obj(j);
}

static void dump_service(struct json *j, const struct m_service *s)
{
	static const char *const kinds[] = {"frontend", "listen", "virtual_server", "defaults"};
	json_begin_obj(j, NULL);
	j_s(j, "name", s->name);
	json_str(j, "kind", kinds[s->kind]);
	json_int(j, "id", s->id);
	json_begin_arr(j, "binds");
	for (const struct m_bind *b = s->binds; b; b = b->next) {
		char buf[256];
		json_str(j, NULL, m_addr_str(&b->addr, buf, sizeof(buf)));
	}
	json_end_arr(j);
	if (s->default_pool)
		json_str(j, "default_pool", s->default_pool->name);
	else
		j_s(j, "default_pool", s->default_pool_name);
	if (s->routes) {
		json_begin_arr(j, "routes");
		for (const struct m_route *r = s->routes; r; r = r->next) {
			json_begin_obj(j, NULL);
			json_str(j, "pool", r->pool_name);
			j_s(j, r->cond.unless ? "unless" : "if", r->cond.cond);
			json_end_obj(j);
		}
		json_end_arr(j);
	}
	if (s->acls) {
		json_begin_arr(j, "acls");
		for (const struct m_acl *a = s->acls; a; a = a->next)
			json_str(j, NULL, a->name);
		json_end_arr(j);
	}
	if (s->http_request) {
		json_begin_arr(j, "http_request");
		for (const struct m_rule *r = s->http_request; r; r = r->next)
			json_str(j, NULL, r->action);
		json_end_arr(j);
	}
	if (s->kind != SVC_LISTEN && s->conf)
		dump_conf(j, s->conf);
	j_origin(j, s->at);
	json_end_obj(j);
}

static void dump_vrrp(struct json *j, const struct m_config *cfg)
{
	json_begin_arr(j, "vrrp_instances");
	for (const struct m_vrrp_instance *v = cfg->vrrp; v; v = v->next) {
		json_begin_obj(j, NULL);
		j_s(j, "name", v->name);
		if (v->state != VRRP_STATE_UNSET)
			json_str(j, "state", v->state == VRRP_STATE_MASTER ? "MASTER" : "BACKUP");
		j_s(j, "interface", v->interface);
		j_i(j, "virtual_router_id", v->vrid);
		j_i(j, "priority", v->priority);
		j_i(j, "version", v->version);
		j_ms(j, "advert_int", v->advert_int);
		j_s(j, "auth_type", v->auth_type);
		json_begin_arr(j, "virtual_ipaddress");
		for (const struct m_vip *ip = v->vips; ip; ip = ip->next) {
			char buf[256];
			json_str(j, NULL, m_addr_str(&ip->addr, buf, sizeof(buf)));
		}
		json_end_arr(j);
		json_begin_arr(j, "track_script");
		for (const struct m_track *t = v->track_scripts; t; t = t->next)
			json_str(j, NULL, t->name);
		json_end_arr(j);
		j_b(j, "nopreempt", v->nopreempt);
		j_origin(j, v->at);
		json_end_obj(j);
	}
	json_end_arr(j);
	json_begin_arr(j, "vrrp_scripts");
	for (const struct m_vrrp_script *s = cfg->vrrp_scripts; s; s = s->next) {
		json_begin_obj(j, NULL);
		j_s(j, "name", s->name);
		j_s(j, "script", s->script);
		j_ms(j, "interval", s->interval);
		j_i(j, "weight", s->weight);
		j_i(j, "rise", s->rise);
		j_i(j, "fall", s->fall);
		json_end_obj(j);
	}
	json_end_arr(j);
}

void m_dump_json(const struct m_config *cfg, FILE *f)
{
	struct json j = {.f = f, .pretty = true};
	const struct m_global *g = &cfg->global;
	json_begin_obj(&j, NULL);
	json_begin_obj(&j, "global");
	j_i(&j, "maxconn", g->maxconn);
	j_i(&j, "nbthread", g->nbthread);
	j_i(&j, "ulimit_n", g->ulimit_n);
	j_b(&j, "daemon", g->daemon);
	j_s(&j, "user", g->user);
	j_s(&j, "group", g->group);
	j_s(&j, "chroot", g->chroot);
	j_s(&j, "pidfile", g->pidfile);
	json_begin_arr(&j, "stats_sockets");
	for (const struct m_stats_socket *s = g->stats_sockets; s; s = s->next)
		j_addr(&j, NULL, &s->addr);
	json_end_arr(&j);
	json_int(&j, "log_targets", ({
			 int n = 0;
			 for (const struct m_log_target *t = g->logs; t; t = t->next)
				 n++;
			 n;
		 }));
	json_end_obj(&j);
	json_begin_arr(&j, "services");
	for (const struct m_service *s = cfg->services; s; s = s->next)
		dump_service(&j, s);
	json_end_arr(&j);
	json_begin_arr(&j, "pools");
	for (const struct m_pool *p = cfg->pools; p; p = p->next)
		dump_pool(&j, p);
	json_end_arr(&j);
	if (cfg->sources & SRC_KEEPALIVED)
		dump_vrrp(&j, cfg);
	json_end_obj(&j);
}
