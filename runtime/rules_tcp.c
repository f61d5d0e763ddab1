/* rules_tcp.c - tcp-request connection and content rules, as HAProxy 2.6 runs them.
 *
 * Connection rules run right after accept, with only the addresses known: `reject` resets
 * the connection and nothing is logged. Content rules run in mode tcp before the server is
 * connected (waiting up to inspect-delay for the client's first bytes when a rule reads
 * them: req.len, req_ssl_hello_type), and in mode http on every request head (HAProxy
 * evaluates them per stream, i.e. per request): `reject` closes the connection without an
 * answer, logged with "PR".
 * The first `accept` or `reject` whose condition matches ends the list; none: accepted.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "runtime/rules_int.h"

static bool compile_tlist(struct bctx *b, const struct m_rule *list, bool l4only, bool payload,
                          struct trule **out, int *n, const char *where)
{
	int cnt = 0;
	for (const struct m_rule *r = list; r; r = r->next)
		cnt++;
	*out = rt_acl_alloc(b->cx, sizeof(**out) * (size_t)(cnt + 1));
	*n = 0;
	for (const struct m_rule *r = list; r; r = r->next) {
		struct trule *t = &(*out)[(*n)++];
		if (!strcmp(r->action, "accept"))
			t->a = T_ACCEPT;
		else if (!strcmp(r->action, "reject"))
			t->a = T_REJECT;
		else if (!strncmp(r->action, "track-sc", 8)) {
			char what[160];
			snprintf(what, sizeof(what), "parsing [%s:%u] : 'tcp-request %s %s'",
			         r->at.file ? r->at.file : "?", r->at.line, where, r->action);
			t->a = T_TRACK;
			if (!rt_trk_compile(b, r, r->action[8] - '0', &t->trk, !l4only, what))
				return false;
		} else if (!strncmp(r->action, "set-var(", 8) ||
		           !strncmp(r->action, "unset-var(", 10)) {
			char what[160];
			snprintf(what, sizeof(what), "parsing [%s:%u] : 'tcp-request %s %s'",
			         r->at.file ? r->at.file : "?", r->at.line, where, r->action);
			t->a = T_SET_VAR;
			if (!rt_setvar_compile(b, r, &t->var, !l4only, what))
				return false;
		} else if (!strncmp(r->action, "sc-inc-gpc0(", 12)) {
			t->a = T_INC_GPC0;
			t->trk.sc = r->action[12] - '0';
		} else {
			rt_acl_alert("proxy '%s': 'tcp-request %s %s' is not supported by vipr.",
			             b->px, where, r->action);
			return false;
		}
		if (!rt_cond_compile(b->cx, r, b->acls, b->px, &t->cond))
			return false;
		/* HAProxy only warns that such a rule never matches; vipr refuses it, since the
		 * rule was evidently meant to act */
		if (l4only && rt_cond_needs_http(t->cond)) {
			rt_acl_alert("proxy '%s': parsing [%s:%u] : 'tcp-request %s %s' rule uses "
			             "HTTP sample fetches, which cannot work there (not supported "
			             "by vipr).",
			             b->px, r->at.file ? r->at.file : "?", r->at.line, where,
			             r->action);
			return false;
		}
		if (!payload && rt_cond_needs_payload(t->cond)) {
			rt_acl_alert("proxy '%s': parsing [%s:%u] : 'tcp-request %s %s' rule reads "
			             "the request's content, which vipr only inspects in mode tcp "
			             "content rules.",
			             b->px, r->at.file ? r->at.file : "?", r->at.line, where,
			             r->action);
			return false;
		}
	}
	return true;
}

bool rt_tcp_compile(struct bctx *b, const struct rt_service *rs, struct rt_rules *set)
{
	const struct m_service *s = rs->conf;
	bool tcp = rs->mode != M_MODE_HTTP;
	return compile_tlist(b, s->tcp_request_conn, true, false, &set->tconn, &set->ntconn,
	                     "connection") &&
	       compile_tlist(b, s->tcp_request_content, tcp, tcp, &set->tcont, &set->ntcont,
	                     "content");
}

enum verdict { V_ACCEPT, V_REJECT, V_WAIT };

/* Runs rules from *next. Trackers started by connection rules, and by content rules in mode
 * tcp, last as long as the session (`sess`); in mode http a content rule tracks for the
 * request. A rule reading the client's bytes that does not match while more bytes could
 * change that waits unless `final`, as HAProxy's inspect-delay does; *next then says where
 * to resume. */
static enum verdict run_tlist(struct rt_sess *s, const struct trule *t, int n,
                              const struct rt_smp *x, bool sess, bool final, int *next)
{
	for (int i = *next; i < n; i++) {
		bool m = rt_cond_eval(t[i].cond, x);
		/* HAProxy: a rule that does not match on partial data is evaluated again when
		 * more comes, and only once the delay is over on what came ("final") */
		bool raw = m != rt_cond_unless(t[i].cond); /* before `unless` */
		if (!final && !raw && rt_cond_may_change(t[i].cond, x)) {
			*next = i;
			return V_WAIT;
		}
		if (!m)
			continue;
		switch (t[i].a) {
		case T_ACCEPT:
			return V_ACCEPT;
		case T_REJECT:
			return V_REJECT;
		case T_TRACK:
			rt_trk_exec(s, &t[i].trk, x->req, sess, !sess);
			break;
		case T_INC_GPC0:
			rt_trk_inc_gpc0(s, t[i].trk.sc);
			break;
		case T_SET_VAR:
			rt_setvar_exec(s, &t[i].var, x);
			break;
		}
	}
	return V_ACCEPT;
}

bool rt_tcpreq_connection(struct rt_sess *s)
{
	const struct rt_rules *set = s->svc->rules;
	if (!set || !set->ntconn)
		return true;
	struct rt_smp x = {.src = &s->cli_addr, .dst = &s->dst_addr, .sess = s};
	int next = 0;
	if (run_tlist(s, set->tconn, set->ntconn, &x, true, true, &next) == V_ACCEPT)
		return true;
	/* HAProxy resets a rejected connection */
	struct linger lg = {1, 0};
	setsockopt(s->cli.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	s->nolog = true;
	return false;
}

/* mode tcp: use_backend, evaluated once the content rules accepted the connection */
static void route(struct rt_sess *s, const struct rt_rules *set, const struct rt_smp *x)
{
	for (int i = 0; i < set->nroutes; i++)
		if (rt_cond_eval(set->routes[i].cond, x)) {
			s->pool = set->routes[i].pool;
			const struct m_proxy_conf *be = s->pool->conf->conf;
			s->retries_left = be && be->retries >= 0 ? be->retries : 3;
			return;
		}
}

static void content_rejected(struct rt_sess *s)
{
	memcpy(s->term, "PR", 2);
	s->fe_only = true;
}

bool rt_tcpreq_content(struct rt_sess *s)
{
	const struct rt_rules *set = s->svc->rules;
	if (!set)
		return true;
	/* no inspect-delay: rules decide on what is there, i.e. nothing yet */
	bool final = s->svc->conf->tcp_inspect_delay <= 0;
	struct rt_smp x = {.src = &s->cli_addr,
	                   .dst = &s->dst_addr,
	                   .sess = s,
	                   .payload = (const unsigned char *)"",
	                   .plen = 0};
	s->tcp_next = 0;
	switch (run_tlist(s, set->tcont, set->ntcont, &x, true, final, &s->tcp_next)) {
	case V_ACCEPT:
		route(s, set, &x);
		return true;
	case V_REJECT:
		content_rejected(s);
		return false;
	case V_WAIT:
		s->tcp_wait = true;
		rt_sess_set_tmo(s, TMO_INSPECT);
		return true;
	}
	return true;
}

void rt_tcpreq_wait(struct rt_sess *s, bool final)
{
	const struct rt_rules *set = s->svc->rules;
	struct rt_smp x = {.src = &s->cli_addr,
	                   .dst = &s->dst_addr,
	                   .sess = s,
	                   .payload = (const unsigned char *)s->req.in.d + s->req.in.r,
	                   .plen = rt_buf_len(&s->req.in)};
	/* a full buffer cannot grow: decide on it */
	final = final || rt_buf_len(&s->req.in) == s->req.in.cap;
	switch (run_tlist(s, set->tcont, set->ntcont, &x, true, final, &s->tcp_next)) {
	case V_WAIT:
		return;
	case V_REJECT:
		s->tcp_wait = false;
		content_rejected(s);
		s->dead = true;
		return;
	case V_ACCEPT:
		s->tcp_wait = false;
		route(s, set, &x);
		if (!rt_sess_connect(s)) {
			memcpy(s->term, "SC", 2);
			s->dead = true;
		}
		return;
	}
}

bool rt_tcpreq_http(struct rt_sess *s, const struct h1_msg *m)
{
	const struct rt_rules *set = s->svc->rules;
	if (!set || !set->ntcont)
		return false;
	struct rt_smp x = {.req = m, .src = &s->cli_addr, .dst = &s->dst_addr, .sess = s};
	int next = 0;
	if (run_tlist(s, set->tcont, set->ntcont, &x, false, true, &next) == V_ACCEPT)
		return false;
	/* as HAProxy logs it: the request was not yet captured when the rule ran */
	memcpy(s->term, "PR", 2);
	snprintf(s->reqline, sizeof(s->reqline), "<BADREQ>");
	s->status = 0;
	s->t_hdr = -1;
	s->dead = true;
	return true;
}
