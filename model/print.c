/* print.c - the haproxy part of the model as canonical haproxy.cfg.
 *
 * Every setting is written explicitly in each proxy (no defaults section), in a fixed order,
 * so that parsing the output gives the same model as the input: `vipr dump --haproxy a.cfg >
 * b.cfg` then `vipr dump --json` of both compares equal (tests check this on every sample).
 */
#include "model.h"

#include <string.h>

static const char *const option_names[] = {
#define M_OPTION(id, name, caps) name,
#include "options.def"
#undef M_OPTION
};
static const unsigned option_caps[] = {
#define M_OPTION(id, name, caps) caps,
#include "options.def"
#undef M_OPTION
};

/* Quotes a word when it needs it (spaces, '#', quotes, backslashes, empty); control
 * characters need double quotes with HAProxy's escapes. */
static void word(FILE *f, const char *w)
{
	if (*w && !strpbrk(w, " \t#'\"\\$\r\n")) {
		fputs(w, f);
		return;
	}
	if (strpbrk(w, "\r\n\t")) {
		fputc('"', f);
		for (; *w; w++) {
			switch (*w) {
			case '\r': fputs("\\r", f); break;
			case '\n': fputs("\\n", f); break;
			case '\t': fputs("\\t", f); break;
			case '"': case '\\': case '$': case '#': fputc('\\', f); fputc(*w, f); break;
			default: fputc(*w, f);
			}
		}
		fputc('"', f);
		return;
	}
	fputc('\'', f);
	for (; *w; w++) {
		if (*w == '\'')
			fputs("'\\''", f);
		else
			fputc(*w, f);
	}
	fputc('\'', f);
}

/* An address as written, unless it used environment variables: then its value, so that the
 * printed configuration does not depend on the environment. */
static const char *addr_text(const struct m_addr *a)
{
	static char buf[300];
	if (!strchr(a->text, '$'))
		return a->text;
	return m_addr_str(a, buf, sizeof(buf));
}

static void ms(FILE *f, const char *kw, m_ms v)
{
	if (v != M_UNSET)
		fprintf(f, "    %s %lldms\n", kw, (long long)v);
}

static void print_log(FILE *f, const struct m_log_target *t)
{
	char buf[256];
	fputs("    log ", f);
	switch (t->kind) {
	case LOG_TARGET_STDOUT: fputs("stdout", f); break;
	case LOG_TARGET_STDERR: fputs("stderr", f); break;
	case LOG_TARGET_UNIX: word(f, t->addr.path); break;
	case LOG_TARGET_FD: fprintf(f, "fd@%d", t->addr.fd); break;
	default: fputs(m_addr_str(&t->addr, buf, sizeof(buf)), f); break;
	}
	if (t->maxlen)
		fprintf(f, " len %d", t->maxlen);
	if (t->format)
		fprintf(f, " format %s", t->format);
	fprintf(f, " %s", t->facility);
	if (t->level)
		fprintf(f, " %s", t->level);
	if (t->minlevel)
		fprintf(f, " %s", t->minlevel);
	fputc('\n', f);
}

static void print_conf(FILE *f, const struct m_proxy_conf *c, unsigned caps)
{
	if (c->mode != M_MODE_UNSET)
		fprintf(f, "    mode %s\n", c->mode == M_MODE_HTTP ? "http" : c->mode == M_MODE_TCP
								      ? "tcp" : "health");
	if (caps & M_CAP_FE) {
		ms(f, "timeout client", c->timeout_client);
		ms(f, "timeout http-request", c->timeout_http_request);
		ms(f, "timeout client-fin", c->timeout_client_fin);
	}
	ms(f, "timeout http-keep-alive", c->timeout_http_keep_alive);
	if (caps & M_CAP_BE) {
		ms(f, "timeout server", c->timeout_server);
		ms(f, "timeout connect", c->timeout_connect);
		ms(f, "timeout queue", c->timeout_queue);
		ms(f, "timeout tunnel", c->timeout_tunnel);
		ms(f, "timeout check", c->timeout_check);
		ms(f, "timeout server-fin", c->timeout_server_fin);
		if (c->retries != M_UNSET)
			fprintf(f, "    retries %d\n", c->retries);
	}
	if ((caps & M_CAP_FE) && c->maxconn != M_UNSET)
		fprintf(f, "    maxconn %d\n", c->maxconn);
	if ((caps & M_CAP_FE) && c->backlog != M_UNSET)
		fprintf(f, "    backlog %d\n", c->backlog);
	if ((caps & M_CAP_BE) && c->fullconn != M_UNSET)
		fprintf(f, "    fullconn %d\n", c->fullconn);
	for (int i = 0; i < OPT__COUNT; i++) {
		if (c->opt[i] == M_UNSET || !(option_caps[i] & caps))
			continue;
		if (i == OPT_HTTPCHK && c->opt[i] == 1)
			continue; /* printed with the pool's probe */
		fprintf(f, "    %soption %s", c->opt[i] ? "" : "no ", option_names[i]);
		if (i == OPT_FORWARDFOR && c->opt[i]) {
			if (c->ff_except)
				fprintf(f, " except %s", c->ff_except);
			if (c->ff_header)
				fprintf(f, " header %s", c->ff_header);
			if (c->ff_if_none == 1)
				fputs(" if-none", f);
		}
		if (i == OPT_HTTPLOG && c->opt[i] && c->httplog_clf == 1)
			fputs(" clf", f);
		fputc('\n', f);
	}
	if (c->log_global == 1)
		fputs("    log global\n", f);
	for (const struct m_log_target *t = c->logs; t; t = t->next)
		print_log(f, t);
	if (c->log_format) {
		fputs("    log-format ", f);
		word(f, c->log_format);
		fputc('\n', f);
	}
	if (c->description) {
		fputs("    description ", f);
		word(f, c->description);
		fputc('\n', f);
	}
	if (c->http_reuse)
		fprintf(f, "    http-reuse %s\n", c->http_reuse);
	for (const struct m_errorfile *e = c->errorfiles; e; e = e->next) {
		fprintf(f, "    errorfile %d ", e->status);
		word(f, e->path);
		fputc('\n', f);
	}
	if (c->stats.enabled == 1) {
		fputs("    stats enable\n", f);
		if (c->stats.uri)
			fprintf(f, "    stats uri %s\n", c->stats.uri);
		if (c->stats.realm) {
			fputs("    stats realm ", f);
			word(f, c->stats.realm);
			fputc('\n', f);
		}
		if (c->stats.refresh != M_UNSET)
			fprintf(f, "    stats refresh %llds\n", (long long)c->stats.refresh / 1000);
		for (const struct m_header *h = c->stats.auth; h; h = h->next) {
			fputs("    stats auth ", f);
			char buf[512];
			snprintf(buf, sizeof(buf), "%s%s%s", h->name, h->value ? ":" : "",
				 h->value ? h->value : "");
			word(f, buf);
			fputc('\n', f);
		}
		if (c->stats.hide_version == 1)
			fputs("    stats hide-version\n", f);
	}
	if (c->disabled == 1)
		fputs("    disabled\n", f);
}

static void print_check_params(FILE *f, const struct m_check *k)
{
	if (!k->enabled)
		return;
	fputs(" check", f);
	if (k->inter != M_UNSET)
		fprintf(f, " inter %lldms", (long long)k->inter);
	if (k->fastinter != M_UNSET)
		fprintf(f, " fastinter %lldms", (long long)k->fastinter);
	if (k->downinter != M_UNSET)
		fprintf(f, " downinter %lldms", (long long)k->downinter);
	if (k->rise != M_UNSET)
		fprintf(f, " rise %d", k->rise);
	if (k->fall != M_UNSET)
		fprintf(f, " fall %d", k->fall);
	if (k->port != M_UNSET)
		fprintf(f, " port %d", k->port);
	if (k->addr.kind != M_ADDR_NONE)
		fprintf(f, " addr %s", k->addr.text);
}

static void print_server(FILE *f, const struct m_server *s)
{
	fprintf(f, "    server %s %s", s->name, addr_text(&s->addr));
	if (s->weight != M_UNSET)
		fprintf(f, " weight %d", s->weight);
	if (s->backup == 1)
		fputs(" backup", f);
	if (s->disabled == 1)
		fputs(" disabled", f);
	if (s->maxconn != M_UNSET)
		fprintf(f, " maxconn %d", s->maxconn);
	if (s->minconn != M_UNSET)
		fprintf(f, " minconn %d", s->minconn);
	if (s->maxqueue != M_UNSET)
		fprintf(f, " maxqueue %d", s->maxqueue);
	if (s->id != M_UNSET)
		fprintf(f, " id %d", s->id);
	if (s->cookie)
		fprintf(f, " cookie %s", s->cookie);
	print_check_params(f, &s->check);
	fputc('\n', f);
}

static void print_steps(FILE *f, const char *kw, const struct m_check_step *st)
{
	static const char *const expects[] = {"", "status", "rstatus", "string", "rstring", "",
					      "binary", "rbinary"};
	for (; st; st = st->next) {
		fprintf(f, "    %s ", kw);
		switch (st->op) {
		case STEP_CONNECT:
			fputs("connect", f);
			if (st->port != M_UNSET)
				fprintf(f, " port %d", st->port);
			break;
		case STEP_SEND:
			fputs("send", f);
			if (st->meth)
				fprintf(f, " meth %s", st->meth);
			if (st->uri) {
				fputs(" uri ", f);
				word(f, st->uri);
			}
			if (st->ver)
				fprintf(f, " ver %s", st->ver);
			for (const struct m_header *h = st->headers; h; h = h->next) {
				fputs(" hdr ", f);
				word(f, h->name);
				fputc(' ', f);
				word(f, h->value);
			}
			if (st->body) {
				fputs(" body ", f);
				word(f, st->body);
			}
			if (st->arg && !st->meth && !st->uri) {
				fputc(' ', f);
				word(f, st->arg);
			}
			break;
		case STEP_SEND_BINARY:
			fprintf(f, "send-binary %s", st->arg ? st->arg : "");
			break;
		case STEP_EXPECT:
			fprintf(f, "expect %s%s ", st->negate ? "! " : "", expects[st->expect]);
			word(f, st->arg ? st->arg : "");
			break;
		default: fputs("comment x", f); break;
		}
		fputc('\n', f);
	}
}

static void print_pool(FILE *f, const struct m_pool *p)
{
	const struct m_balance *b = &p->balance;
	if (b->algo != ALGO_UNSET && b->algo < ALGO_LVS_RR) {
		fputs("    balance ", f);
		if (b->algo == ALGO_HDR || b->algo == ALGO_RDP_COOKIE)
			fprintf(f, "%s(%s)", m_algo_name(b->algo), b->arg);
		else if (b->algo == ALGO_RANDOM && b->random_draws)
			fprintf(f, "random(%d)", b->random_draws);
		else
			fputs(m_algo_name(b->algo), f);
		if (b->algo == ALGO_URL_PARAM)
			fprintf(f, " %s", b->arg);
		if (b->uri_len)
			fprintf(f, " len %d", b->uri_len);
		if (b->uri_depth)
			fprintf(f, " depth %d", b->uri_depth);
		if (b->uri_whole)
			fputs(" whole", f);
		if (b->uri_path_only)
			fputs(" path-only", f);
		fputc('\n', f);
	}
	if (b->hash_type != HASH_UNSET)
		fprintf(f, "    hash-type %s\n",
			b->hash_type == HASH_CONSISTENT ? "consistent" : "map-based");
	if (p->probe && p->probe->kind == PROBE_HTTP) {
		fputs("    option httpchk", f);
		if (p->probe->meth)
			fprintf(f, " %s", p->probe->meth);
		if (p->probe->uri) {
			fputc(' ', f);
			word(f, p->probe->uri);
		}
		if (p->probe->ver) {
			fputc(' ', f);
			word(f, p->probe->ver);
		}
		fputc('\n', f);
	}
	if (p->probe && p->probe->kind == PROBE_TCPCHECK)
		fputs("    option tcp-check\n", f);
	if (p->probe)
		print_steps(f, p->probe->kind == PROBE_HTTP ? "http-check" : "tcp-check",
			    p->probe->steps);
	for (const struct m_server *s = p->servers; s; s = s->next)
		print_server(f, s);
}

static void print_words(FILE *f, char **w, int n)
{
	for (int i = 0; i < n; i++) {
		fputc(' ', f);
		word(f, w[i]);
	}
}

static void print_rules(FILE *f, const char *kw, const struct m_rule *r)
{
	for (; r; r = r->next) {
		fprintf(f, "    %s %s", kw, r->action);
		print_words(f, r->args, r->nargs);
		if (r->cond_words) {
			fputs(r->unless ? " unless" : " if", f);
			print_words(f, r->cond_words, r->ncond_words);
		}
		fputc('\n', f);
	}
}

static void print_acls(FILE *f, const struct m_acl *a)
{
	for (; a; a = a->next) {
		fprintf(f, "    acl %s", a->name);
		print_words(f, a->words, a->nwords);
		fputc('\n', f);
	}
}

/* Position of an origin in the configuration: files in order, then lines. */
static long long order_of(const struct m_config *cfg, struct m_origin at)
{
	long long fi = 0;
	for (int i = 0; i < cfg->nfiles; i++)
		if (cfg->files[i] == at.file || (at.file && !strcmp(cfg->files[i], at.file)))
			fi = i;
	return fi << 32 | at.line;
}

static void print_service(FILE *f, const struct m_service *s)
{
	bool listen = s->kind == SVC_LISTEN;
	fprintf(f, "\n%s %s\n", listen ? "listen" : "frontend", s->name);
	for (const struct m_bind *b = s->binds; b; b = b->next)
		fprintf(f, "    bind %s\n", addr_text(&b->addr));
	print_conf(f, s->conf, listen ? M_CAP_FE | M_CAP_BE : M_CAP_FE);
	print_acls(f, s->acls);
	print_rules(f, "http-request", s->http_request);
	print_rules(f, "http-response", s->http_response);
	for (const struct m_route *r = s->routes; r; r = r->next) {
		fprintf(f, "    use_backend %s", r->pool_name);
		if (r->cond.cond_words) {
			fputs(r->cond.unless ? " unless" : " if", f);
			print_words(f, r->cond.cond_words, r->cond.ncond_words);
		}
		fputc('\n', f);
	}
	if (s->default_pool_name)
		fprintf(f, "    default_backend %s\n", s->default_pool_name);
	if (listen && s->default_pool)
		print_pool(f, s->default_pool);
}

static void print_backend(FILE *f, const struct m_pool *p)
{
	fprintf(f, "\nbackend %s\n", p->name);
	print_conf(f, p->conf, M_CAP_BE);
	print_acls(f, p->acls);
	print_rules(f, "http-request", p->http_request);
	print_rules(f, "http-response", p->http_response);
	print_pool(f, p);
}

void m_print_haproxy(const struct m_config *cfg, FILE *f)
{
	const struct m_global *g = &cfg->global;
	fputs("global\n", f);
	if (g->maxconn != M_UNSET)
		fprintf(f, "    maxconn %d\n", g->maxconn);
	if (g->nbthread != M_UNSET)
		fprintf(f, "    nbthread %d\n", g->nbthread);
	if (g->ulimit_n != M_UNSET)
		fprintf(f, "    ulimit-n %d\n", g->ulimit_n);
	if (g->daemon == 1)
		fputs("    daemon\n", f);
	if (g->user)
		fprintf(f, "    user %s\n", g->user);
	if (g->group)
		fprintf(f, "    group %s\n", g->group);
	if (g->chroot)
		fprintf(f, "    chroot %s\n", g->chroot);
	if (g->pidfile)
		fprintf(f, "    pidfile %s\n", g->pidfile);
	for (const struct m_log_target *t = g->logs; t; t = t->next)
		print_log(f, t);
	for (const struct m_stats_socket *s = g->stats_sockets; s; s = s->next) {
		char buf[256];
		fprintf(f, "    stats socket %s", s->addr.kind == M_ADDR_UNIX ? s->addr.path
								   : m_addr_str(&s->addr, buf, sizeof(buf)));
		if (s->mode != M_UNSET)
			fprintf(f, " mode %o", s->mode);
		if (s->level)
			fprintf(f, " level %s", s->level);
		fputc('\n', f);
	}
	/* Proxies in the order the configuration declared them. */
	const struct m_service *s = cfg->services;
	const struct m_pool *p = cfg->pools;
	for (;;) {
		while (s && s->kind != SVC_FRONTEND && s->kind != SVC_LISTEN)
			s = s->next;
		while (p && (p->service || p->lvs))
			p = p->next;
		if (!s && !p)
			break;
		if (s && (!p || order_of(cfg, s->at) <= order_of(cfg, p->at))) {
			print_service(f, s);
			s = s->next;
		} else {
			print_backend(f, p);
			p = p->next;
		}
	}
}
