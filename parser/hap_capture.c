/* hap_capture.c - binds `capture request|response header`, `declare capture` and the
 * `capture` action of http-request/http-response rules into the frontend's capture slots.
 *
 * HAProxy numbers request and response slots separately, in declaration order, whatever
 * line declared them; the log line prints them in that order. `capture cookie` is reported
 * (not implemented).
 */
#include <stdlib.h>
#include <string.h>

#include "parser/hap_bind.h"

int hap_set_capture(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i);
int hap_set_declare(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i);
int hap_capture_rule(struct hap_ctx *c, struct cfg_stmt *s, const char *kw, struct m_rule *r);

static void add_slot(struct hap_ctx *c, struct cfg_stmt *s, bool rsp, const char *hdr, int len,
                     const struct m_rule *rule)
{
	struct m_capture *cap = arena_alloc(c->a, sizeof(*cap));
	cap->rsp = rsp;
	cap->hdr = hdr ? arena_strdup(c->a, hdr) : NULL;
	cap->len = len;
	cap->rule = rule;
	cap->at = s->at;
	if (!c->px || !c->px->svc)
		return;
	struct m_capture **pp = &c->px->svc->captures;
	while (*pp)
		pp = &(*pp)->next;
	*pp = cap;
}

int hap_set_capture(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	const char *what = i < s->nw ? s->w[i].s : "";
	if (!strcmp(what, "cookie")) {
		hap_unsupported(c, s, "capture cookie", false);
		return 0;
	}
	if (strcmp(what, "request") && strcmp(what, "response")) {
		hap_alert(c, s,
		          "'capture' expects 'cookie' or 'request header' or 'response "
		          "header'.");
		return -1;
	}
	if (i + 4 >= s->nw || strcmp(s->w[i + 1].s, "header") || strcmp(s->w[i + 3].s, "len")) {
		hap_alert(c, s, "'capture %s' expects 'header' <header_name> 'len' <len>.", what);
		return -1;
	}
	/* HAProxy takes atol() of the length: junk reads as 0, a capture of nothing */
	add_slot(c, s, what[2] == 's', s->w[i + 2].s, atoi(s->w[i + 4].s), NULL);
	return 0;
}

int hap_set_declare(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	if (i >= s->nw || strcmp(s->w[i].s, "capture")) {
		hap_unsupported(c, s, "declare", true);
		return 0;
	}
	const char *dir = i + 1 < s->nw ? s->w[i + 1].s : "";
	if (strcmp(dir, "request") && strcmp(dir, "response")) {
		hap_alert(c, s, "'declare capture' expects 'request' or 'response'.");
		return -1;
	}
	if (i + 3 >= s->nw || strcmp(s->w[i + 2].s, "len")) {
		hap_alert(c, s, "'declare capture' requires a capture length ('len')");
		return -1;
	}
	add_slot(c, s, dir[2] == 's', NULL, atoi(s->w[i + 3].s), NULL);
	return 0;
}

/* http-request capture SAMPLE len N | id N; http-response capture SAMPLE id N */
int hap_capture_rule(struct hap_ctx *c, struct cfg_stmt *s, const char *kw, struct m_rule *r)
{
	bool rsp = !strcmp(kw, "http-response");
	bool ok =
	    r->nargs == 3 && ((!rsp && !strcmp(r->args[1], "len")) || !strcmp(r->args[1], "id"));
	if (!ok) {
		char *compat = NULL;
		const char *type = c->sec == HS_FRONTEND  ? "frontend"
		                   : c->sec == HS_BACKEND ? "backend"
		                                          : "proxy";
		if (asprintf(
		        &compat,
		        "parsing [%s:%u] : error detected in %s '%s' while parsing '%s capture' "
		        "rule : expects <expression> %s.",
		        s->at.file, s->at.line, type, c->px ? c->px->name : "", kw,
		        rsp ? "id <idx>" : "[ 'len' <length> | id <idx> ]") < 0)
			abort();
		hap_diag(c, s->at, DIAG_ERROR, DIAG_ERROR, DIAG_ABORT, compat,
		         "'%s capture': expects an expression then 'len' or 'id'", kw);
		free(compat);
		return -1;
	}
	if (!c->px || !c->px->svc) {
		hap_unsupported(c, s, "capture in a backend", true);
		return 0;
	}
	if (!strcmp(r->args[1], "len"))
		add_slot(c, s, false, NULL, atoi(r->args[2]), r);
	return 0;
}
