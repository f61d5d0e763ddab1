/* rules_stk.c - the stick tables of a configuration and the counters a session tracks.
 *
 * Every proxy with a `stick-table` line gets one table (stick.c), named after the proxy.
 * `track-scN KEY [table T]` (tcp-request connection/content, http-request) attaches the
 * key's entry to counter N of the session: a connection rule's for the whole session, a
 * rule run per request (http-request, tcp-request content in mode http) for that request.
 * Each request counts on every tracked entry (http_req_cnt/rate), each 4xx response from a
 * server counts as an HTTP error (http_err_cnt/rate), as in HAProxy.
 */
#include <stdlib.h>
#include <string.h>

#include "runtime/rules_int.h"

bool rt_stk_build(struct rt *rt, struct rt_rules_all *all)
{
	all->tables = calloc((size_t)(rt->nsvc + rt->npools + 1), sizeof(*all->tables));
	for (int i = 0; i < rt->nsvc; i++) {
		const struct m_service *s = rt->svc[i].conf;
		if (s->stick)
			all->tables[all->ntables++] = rt_stick_new(s->stick, s->name);
	}
	for (int i = 0; i < rt->npools; i++) {
		const struct m_pool *p = rt->pools[i].conf;
		if (p->stick && !p->service)
			all->tables[all->ntables++] = rt_stick_new(p->stick, p->name);
	}
	rt_acl_ctx_tables(all->cx, all->tables, all->ntables);
	return true;
}

void rt_stk_free(struct rt_rules_all *all)
{
	for (int i = 0; i < all->ntables; i++)
		rt_stick_free(all->tables[i]);
	free(all->tables);
	all->tables = NULL;
	all->ntables = 0;
}

struct rt_stick *rt_stick_find(struct rt *rt, const char *name)
{
	const struct rt_rules_all *all = rt->rules;
	for (int i = 0; all && i < all->ntables; i++)
		if (!strcmp(rt_stick_name(all->tables[i]), name))
			return all->tables[i];
	return NULL;
}

void rt_stick_show_all(struct rt *rt, struct rt_sbuf *out)
{
	const struct rt_rules_all *all = rt->rules;
	for (int i = all ? all->ntables - 1 : -1; i >= 0; i--) /* HAProxy lists the last first */
		rt_stick_head(all->tables[i], out);
}

bool rt_trk_compile(struct bctx *b, const struct m_rule *r, int sc, struct trk *out, bool http,
                    const char *what)
{
	out->sc = sc;
	const char *key = r->nargs ? r->args[0] : "";
	const char *tname = b->px;
	if (r->nargs == 3 && !strcmp(r->args[1], "table"))
		tname = r->args[2];
	else if (r->nargs != 1) {
		rt_acl_alert("proxy '%s': %s: expects a key and optionally 'table <name>'.", b->px,
		             what);
		return false;
	}
	const char *hn = !strncmp(key, "req.hdr(", 8) ? key + 8
	                 : !strncmp(key, "hdr(", 4)   ? key + 4
	                                              : NULL;
	size_t kl = strlen(key);
	if (!strcmp(key, "src")) {
		out->k = K_SRC;
	} else if (!strcmp(key, "dst")) {
		out->k = K_DST;
	} else if (http && hn && key[kl - 1] == ')' && hn[0] != ')' &&
	           !memchr(hn, ',', strlen(hn))) {
		out->k = K_HDR;
		out->hdr = rt_xdup(b, hn, strlen(hn) - 1);
	} else {
		rt_acl_alert(
		    "proxy '%s': %s: tracking key '%s' is not supported by vipr (only src, "
		    "dst%s).",
		    b->px, what, key, http ? ", hdr(NAME)" : "");
		return false;
	}
	out->t = rt_stick_find(b->rt, tname);
	if (!out->t) {
		rt_acl_alert("proxy '%s': %s: unable to find table '%s'.", b->px, what, tname);
		return false;
	}
	return true;
}

void rt_trk_exec(struct rt_sess *s, const struct trk *t, const struct h1_msg *m, bool sess,
                 bool req)
{
	struct rt_trk *k = &s->trk[t->sc];
	if (k->e)
		return; /* the counter already tracks something: HAProxy keeps it */
	struct rt_stick_smp v = {0};
	switch (t->k) {
	case K_SRC:
		v.ss = &s->cli_addr;
		break;
	case K_DST:
		v.ss = &s->dst_addr;
		break;
	case K_HDR:
		if (!m || !rt_smp_hdr(m, t->hdr, 0, &v.s, &v.n))
			return;
		break;
	}
	struct rt_stick_key key;
	if (!rt_stick_key(t->t, &v, &key))
		return;
	struct rt_ste *e = rt_stick_track(t->t, &key);
	if (!e)
		return;
	*k = (struct rt_trk){t->t, e, sess};
	if (req)
		rt_stick_event(t->t, e, RT_STK_HTTP_REQ);
}

void rt_trk_inc_gpc0(struct rt_sess *s, int sc)
{
	if (s->trk[sc].e)
		rt_stick_event(s->trk[sc].t, s->trk[sc].e, RT_STK_INC_GPC0);
}

void rt_trk_release(struct rt_sess *s, bool all)
{
	for (int i = 0; i < 3; i++) {
		struct rt_trk *k = &s->trk[i];
		if (k->e && (all || !k->sess)) {
			rt_stick_untrack(k->t, k->e);
			*k = (struct rt_trk){0};
		}
	}
}

void rt_trk_new_request(struct rt_sess *s)
{
	rt_trk_release(s, false);
	rt_vars_clear(s, 1u << RT_VS_TXN | 1u << RT_VS_REQ | 1u << RT_VS_RES);
	for (int i = 0; i < 3; i++)
		if (s->trk[i].e)
			rt_stick_event(s->trk[i].t, s->trk[i].e, RT_STK_HTTP_REQ);
}

void rt_trk_http_status(struct rt_sess *s, int status)
{
	if (status < 400 || status > 499)
		return;
	for (int i = 0; i < 3; i++)
		if (s->trk[i].e)
			rt_stick_event(s->trk[i].t, s->trk[i].e, RT_STK_HTTP_ERR);
}

void rt_rules_sess_end(struct rt_sess *s)
{
	rt_trk_release(s, true);
	rt_vars_clear(s, ~0u);
	rt_cap_free(s);
	free(s->tarpit_reply); /* rules_exec.c: a tarpit the client left */
	s->tarpit_reply = NULL;
}

bool rt_setvar_compile(struct bctx *b, const struct m_rule *r, struct setvar *out, bool http,
                       const char *what)
{
	bool set = r->action[0] == 's';
	const char *lp = strchr(r->action, '(');
	size_t n = strlen(lp + 1);
	char *full = rt_xdup(b, lp + 1, n && lp[n] == ')' ? n - 1 : n);
	if (!rt_var_name(full, &out->scope, &out->name)) {
		rt_acl_alert("proxy '%s': %s: invalid variable name '%s'. A variable name must be "
		             "start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', "
		             "'res' or 'check'.",
		             b->px, what, full);
		return false;
	}
	if (!set) {
		if (r->nargs) {
			rt_acl_alert(
			    "proxy '%s': %s: expects either 'if' or 'unless' followed by a "
			    "condition but found '%s'.",
			    b->px, what, r->args[0]);
			return false;
		}
		return true;
	}
	if (r->nargs != 1) {
		rt_acl_alert("proxy '%s': %s: %s.", b->px, what,
		             r->nargs ? "only one sample expression is supported by vipr"
		                      : "missing fetch method");
		return false;
	}
	out->e = rt_sexpr_compile(b->cx, r->args[0], http, b->px, what);
	return out->e != NULL;
}

void rt_setvar_exec(struct rt_sess *s, const struct setvar *v, const struct rt_smp *x)
{
	if (v->e)
		rt_var_set(s, v->scope, v->name, v->e, x);
	else
		rt_var_unset(s, v->scope, v->name);
}
