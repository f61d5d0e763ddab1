/* capture.c - request and response captures printed in the HTTP log line, as HAProxy does.
 *
 * A frontend's slots (model m_capture) are numbered per direction; `capture request|response
 * header` slots are filled from every request/response head, the others by `capture` rule
 * actions (a sample expression, vars.c). Values are kept per session in one block, reset on
 * each request, and printed as "{v1|v2}" with HAProxy's escaping (#XX for '"', '#', '{', '|',
 * '}' and non-printable bytes), truncated to each slot's length.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/rules_int.h"

struct capslot {
	bool rsp;
	const char *hdr; /* capture ... header NAME, else filled by rules */
	int len;
	size_t off; /* in the session's block: [set flag][len bytes][NUL] */
	const struct m_capture *conf;
};

struct rt_caps {
	struct capslot *v;
	int n, nreq, nrsp;
	size_t size;
};

bool rt_cap_build(struct bctx *b, const struct rt_service *rs, struct rt_rules *set)
{
	const struct m_service *s = rs->conf;
	int n = 0;
	for (const struct m_capture *c = s->captures; c; c = c->next)
		n++;
	if (!n)
		return true;
	struct rt_caps *cs = rt_acl_alloc(b->cx, sizeof(*cs));
	cs->v = rt_acl_alloc(b->cx, sizeof(*cs->v) * (size_t)n);
	/* request slots first, then response slots, each in declaration order */
	for (int pass = 0; pass < 2; pass++)
		for (const struct m_capture *c = s->captures; c; c = c->next) {
			if (c->rsp != (pass == 1))
				continue;
			struct capslot *sl = &cs->v[cs->n++];
			*sl =
			    (struct capslot){c->rsp, c->hdr, c->len < 0 ? 0 : c->len, cs->size, c};
			cs->size += (size_t)sl->len + 2;
			if (c->rsp)
				cs->nrsp++;
			else
				cs->nreq++;
		}
	set->caps = cs;
	return true;
}

bool rt_cap_compile_rule(struct bctx *b, const struct m_rule *mr, struct rule *ru, bool rsp,
                         const char *what)
{
	const struct rt_caps *cs = b->caps;
	ru->cap = -1;
	if (!strcmp(mr->args[1], "len")) {
		for (int i = 0; cs && i < cs->n; i++)
			if (cs->v[i].conf->rule == mr)
				ru->cap = i;
	} else {
		int id = atoi(mr->args[2]), base = rsp ? (cs ? cs->nreq : 0) : 0;
		int cnt = cs ? (rsp ? cs->nrsp : cs->nreq) : 0;
		if (id >= 0 && id < cnt)
			ru->cap = base + id;
		else {
			rt_acl_alert("Proxy '%s': unable to find capture id '%s' referenced by "
			             "http-%s capture rule.",
			             b->px, mr->args[2], rsp ? "response" : "request");
			return false;
		}
	}
	if (ru->cap < 0) {
		rt_acl_alert("proxy '%s': %s: capture slot not found.", b->px, what);
		return false;
	}
	ru->var.e = rt_sexpr_compile(b->cx, mr->args[0], true, b->px, what);
	return ru->var.e != NULL;
}

static const struct rt_caps *caps_of(const struct rt_sess *s)
{
	return s->svc->rules ? s->svc->rules->caps : NULL;
}

static void put(struct rt_sess *s, const struct capslot *sl, const char *p, size_t n)
{
	char *d = s->cap + sl->off;
	if (n > (size_t)sl->len)
		n = (size_t)sl->len;
	d[0] = 1;
	memcpy(d + 1, p, n);
	d[1 + n] = 0;
}

/* Resets the slots of one direction (the request's reset both) and fills its header slots. */
void rt_cap_head(struct rt_sess *s, const struct h1_msg *m, bool rsp)
{
	const struct rt_caps *cs = caps_of(s);
	if (!cs)
		return;
	if (!s->cap)
		s->cap = calloc(1, cs->size);
	for (int i = 0; i < cs->n; i++) {
		const struct capslot *sl = &cs->v[i];
		if (sl->rsp != rsp && rsp)
			continue;
		s->cap[sl->off] = 0;
		s->cap[sl->off + 1] = 0;
		const char *p;
		size_t n;
		if (sl->rsp == rsp && sl->hdr && rt_smp_hdr(m, sl->hdr, 0, &p, &n))
			put(s, sl, p, n);
	}
}

void rt_cap_rule(struct rt_sess *s, const struct rule *ru, const struct rt_smp *x)
{
	const struct rt_caps *cs = caps_of(s);
	struct rt_sval v;
	if (!cs || !s->cap || !rt_sexpr_eval(ru->var.e, x, &v))
		return;
	if (v.is_int) {
		snprintf(v.buf, sizeof(v.buf), "%lld", v.i);
		v.s = v.buf, v.n = strlen(v.buf);
	}
	put(s, &cs->v[ru->cap], v.s, v.n);
}

void rt_cap_free(struct rt_sess *s)
{
	free(s->cap);
	s->cap = NULL;
}

size_t rt_capture_log(const struct rt_sess *s, bool rsp, char *buf, size_t len)
{
	const struct rt_caps *cs = caps_of(s);
	size_t o = 0;
	if (!cs || !(rsp ? cs->nrsp : cs->nreq) || len < 4)
		return 0;
	buf[o++] = '{';
	bool first = true;
	for (int i = 0; i < cs->n; i++) {
		const struct capslot *sl = &cs->v[i];
		if (sl->rsp != rsp)
			continue;
		if (!first && o + 1 < len)
			buf[o++] = '|';
		first = false;
		const char *v = s->cap && s->cap[sl->off] ? s->cap + sl->off + 1 : "";
		for (; *v && o + 4 < len; v++) {
			unsigned char ch = (unsigned char)*v;
			if (ch < 32 || ch > 126 || strchr("\"#{|}", ch))
				o += (size_t)snprintf(buf + o, len - o, "#%02X", ch);
			else
				buf[o++] = (char)ch;
		}
	}
	if (o + 2 < len) {
		buf[o++] = '}';
		buf[o++] = ' ';
	}
	buf[o] = 0;
	return o;
}
