/* stats_admin.c - the stats page's admin side: `stats admin if|unless COND`, the form POST
 * that acts on servers, and which proxies a stats answer shows (`stats scope`, ?scope=).
 *
 * The conditions are compiled once at startup against their proxy's ACLs and evaluated on
 * the request that asks. A POST carries `s=<server>` (repeated), `action=` and `b=` (a
 * backend by name or "#<iid>"); like HAProxy, the fields are read from the last to the
 * first, so the backend and the action are known when the servers come, and the answer is a
 * 303 to the page with ";st=DONE|PART|NONE|ERRP|DENY".
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runtime/stats_int.h"

struct rt_stats_adm {
	const struct m_stats *st;
	const struct rt_cond *cond;
};

/* ---------------------------------------------------------------- conditions */

static bool add_cond(struct rt *rt, const struct m_stats *st, const struct m_acl *acls,
                     const char *px)
{
	if (!st->admin)
		return true;
	for (int i = 0; i < rt->nstats_adm; i++)
		if (rt->stats_adm[i].st == st)
			return true;
	struct rt_stats_adm *a = realloc(rt->stats_adm, sizeof(*a) * (size_t)(rt->nstats_adm + 1));
	if (!a)
		return false;
	rt->stats_adm = a;
	a = &a[rt->nstats_adm];
	a->st = st;
	if (!rt_cond_compile(rt->stats_cx, st->admin, acls, px, &a->cond))
		return false;
	rt->nstats_adm++;
	return true;
}

bool rt_stats_admin_init(struct rt *rt)
{
	bool any = false;
	for (int i = 0; i < rt->nsvc; i++)
		any |= rt->svc[i].fe && rt->svc[i].fe->stats.admin;
	for (int i = 0; i < rt->npools; i++)
		any |= rt->pools[i].conf->conf && rt->pools[i].conf->conf->stats.admin;
	if (!any)
		return true;
	rt->stats_cx = rt_acl_ctx_new(rt->cfg, rt->pools, rt->npools);
	if (!rt->stats_cx)
		return false;
	for (int i = 0; i < rt->nsvc; i++) {
		const struct rt_service *s = &rt->svc[i];
		if (s->fe && !add_cond(rt, &s->fe->stats, s->conf->acls, s->conf->name))
			return false;
	}
	for (int i = 0; i < rt->npools; i++) {
		const struct m_pool *p = rt->pools[i].conf;
		if (p->conf && !add_cond(rt, &p->conf->stats, p->acls, p->name))
			return false;
	}
	return true;
}

void rt_stats_admin_free(struct rt *rt)
{
	free(rt->stats_adm);
	rt->stats_adm = NULL;
	rt->nstats_adm = 0;
	if (rt->stats_cx)
		rt_acl_ctx_free(rt->stats_cx);
	rt->stats_cx = NULL;
}

bool rt_stats_admin_ok(struct rt_sess *s, const struct m_stats *st, const struct h1_msg *m)
{
	struct rt *rt = s->w->rt;
	for (int i = 0; i < rt->nstats_adm; i++) {
		if (rt->stats_adm[i].st != st)
			continue;
		struct rt_smp x = {.req = m, .src = &s->cli_addr, .dst = &s->dst_addr, .sess = s};
		return rt_cond_eval(rt->stats_adm[i].cond, &x);
	}
	return false;
}

/* ---------------------------------------------------------------- the form */

/* Decodes an application/x-www-form-urlencoded value in place. */
static void url_decode(char *v)
{
	char *o = v;
	for (; *v; v++) {
		if (*v == '+') {
			*o++ = ' ';
		} else if (*v == '%' && isxdigit((unsigned char)v[1]) &&
		           isxdigit((unsigned char)v[2])) {
			char hex[3] = {v[1], v[2], 0};
			*o++ = (char)strtol(hex, NULL, 16);
			v += 2;
		} else {
			*o++ = *v;
		}
	}
	*o = 0;
}

static struct rt_pool *find_backend(struct rt *rt, const char *v)
{
	if (*v == '#') {
		char *end;
		long iid = strtol(v + 1, &end, 10);
		for (int i = 0; !*end && i < rt->npools; i++)
			if (!rt->pools[i].conf->lvs && st_proxy_iid(rt->pools[i].conf->id) == iid)
				return &rt->pools[i];
		return NULL;
	}
	struct rt_pool *p = rt_stats_find_pool(rt, v);
	return p && !p->conf->lvs ? p : NULL;
}

enum act {
	A_NONE,
	A_READY,
	A_DRAIN,
	A_MAINT,
	A_DHLTH,
	A_EHLTH,
	A_HRUNN,
	A_HNOLB,
	A_HDOWN,
	A_DAGENT,
	A_EAGENT,
	A_ARUNN,
	A_ADOWN,
	A_SHUTDOWN,
	A_UNKNOWN
};

static enum act action_of(const char *v)
{
	static const char *const names[] = {"",       "ready", "drain", "maint",   "dhlth",
	                                    "ehlth",  "hrunn", "hnolb", "hdown",   "dagent",
	                                    "eagent", "arunn", "adown", "shutdown"};
	for (size_t i = 1; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(v, names[i]))
			return (enum act)i;
	return A_UNKNOWN;
}

/* One server: 1 when the action changed it, 0 when it does not apply (HAProxy counts
 * neither), -1 when it applies but vipr cannot do it (counted, not altered). */
static int apply(struct rt_sess *s, struct rt_server *sv, enum act a)
{
	struct rt *rt = s->w->rt;
	bool agent = sv->conf->agent.enabled;
	switch (a) {
	case A_READY:
		rt_stats_set_admin(sv, 0, RT_ADM_MAINT | RT_ADM_CMAINT | RT_ADM_DRAIN);
		return 1;
	case A_DRAIN:
		rt_stats_set_admin(sv, RT_ADM_DRAIN, RT_ADM_MAINT | RT_ADM_CMAINT);
		return 1;
	case A_MAINT:
		rt_stats_set_admin(sv, RT_ADM_MAINT, 0);
		return 1;
	case A_HRUNN:
	case A_HDOWN:
		rt_srv_set_usable(sv, a == A_HRUNN);
		return 1;
	case A_ARUNN:
	case A_ADOWN:
		if (!agent)
			return 0;
		rt_srv_set_usable(sv, a == A_ARUNN);
		return 1;
	case A_DHLTH:
	case A_EHLTH: /* on the checks' loop (worker 0), a moment later */
		return rt_checks_enable_async(rt, sv, false, a == A_EHLTH) ? 1 : 0;
	case A_DAGENT:
	case A_EAGENT:
		return rt_checks_enable_async(rt, sv, true, a == A_EAGENT) ? 1 : 0;
	case A_HNOLB: /* "set state to NOLB", checked or not (HAProxy 2.6) */
		rt_srv_set_usable(sv, true);
		atomic_store(&sv->nolb, 1);
		return 1;
	case A_SHUTDOWN:
		rt_srv_kill_sessions(s->w->rt, s->w, sv);
		return 1;
	default:
		return 0;
	}
}

const char *rt_stats_admin_post(struct rt_sess *s, const char *body, size_t len)
{
	char *buf = malloc(len + 1);
	if (!buf)
		return "ERRP";
	memcpy(buf, body, len);
	buf[len] = 0;
	struct rt_pool *p = NULL;
	enum act a = A_NONE;
	int total = 0, altered = 0;
	const char *code = NULL;
	/* from the last field to the first: HAProxy's form puts b and action last */
	for (char *f = buf + len; !code && f >= buf; f--) {
		if (f > buf && f[-1] != '&')
			continue;
		char *eq = strchr(f, '=');
		char *amp = strchr(f, '&');
		if (amp)
			*amp = 0;
		if (!eq || (amp && eq > amp))
			continue;
		*eq = 0;
		char *v = eq + 1;
		url_decode(v);
		if (!strcmp(f, "b") && !p) {
			if (!(p = find_backend(s->w->rt, v)))
				code = "ERRP";
		} else if (!strcmp(f, "action") && a == A_NONE) {
			if ((a = action_of(v)) == A_UNKNOWN)
				code = "ERRP";
		} else if (!strcmp(f, "s") && p && a != A_NONE) {
			struct rt_server *sv = rt_stats_find_server(s->w->rt, p->conf->name, v);
			int r = sv ? apply(s, sv, a) : -1;
			total += r != 0;
			altered += r > 0;
		}
	}
	free(buf);
	if (code)
		return code;
	return !total ? "NONE" : !altered ? "ERRP" : altered == total ? "DONE" : "PART";
}

/* ---------------------------------------------------------------- scope */

bool rt_stats_in_scope(const struct rt_stats_scope *sc, const char *name)
{
	if (!sc)
		return true;
	if (sc->st && sc->st->nscope > 0) {
		bool in = false;
		for (int i = 0; i < sc->st->nscope && !in; i++) /* ".": the stats proxy itself */
			in =
			    !strcmp(sc->st->scope[i], name) ||
			    (!strcmp(sc->st->scope[i], ".") && sc->self && !strcmp(sc->self, name));
		if (!in)
			return false;
	}
	if (!sc->q || sc->qlen < 2) /* 2.6 ignores a one-letter ?scope= */
		return true;
	for (const char *h = name; strlen(h) >= sc->qlen; h++)
		if (!strncasecmp(h, sc->q, sc->qlen))
			return true;
	return false;
}
