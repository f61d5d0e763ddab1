/* hap_tcpreq.c - binds `tcp-request` lines (connection, content, session, inspect-delay).
 *
 * HAProxy's wording is kept for malformed lines. Rules whose action the runtime performs go
 * to the service's tcp_request_conn / tcp_request_content lists; any other action, and every
 * rule in a backend, makes vipr refuse to run: a `reject` that silently did nothing would
 * let through traffic the configuration meant to stop.
 */
#include <stdlib.h>
#include <string.h>

#include "parser/hap_bind.h"

int hap_check_var_rule(struct hap_ctx *c, struct cfg_stmt *s, const char *kw,
                       const struct m_rule *r);

/* Actions the runtime performs (runtime/rules_tcp.c). */
static const char *const run_actions[] = {"accept",         "reject",         "track-sc0",
                                          "track-sc1",      "track-sc2",      "sc-inc-gpc0(0)",
                                          "sc-inc-gpc0(1)", "sc-inc-gpc0(2)", NULL};

static const char *const conn_list =
    "'accept', 'reject', 'capture', 'expect-proxy', 'expect-netscaler-cip', 'track-sc0' ... "
    "'track-sc2', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', "
    "'sc-set-gpt0(*)', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-dst', "
    "'set-dst-port', 'set-mark', 'set-src', 'set-src-port', 'set-tos', 'silent-drop'";
static const char *const content_list =
    "'accept', 'reject', 'capture', 'expect-proxy', 'expect-netscaler-cip', 'track-sc0' ... "
    "'track-sc2', 'ot-group', 'set-log-level', 'set-nice', 'switch-mode', 'use-service', "
    "'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', "
    "'send-spoe-group', 'do-resolve(*)', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', "
    "'set-src', 'set-src-port', 'set-dst', 'set-dst-port', 'set-mark', 'set-tos', "
    "'silent-drop', 'set-priority-class', 'set-priority-offset'";

/* True when `a` is in HAProxy's list (the quoted names of `list`; "(*)" rows match NAME(...)
 * and NAME<digit>, "track-sc0 ... track-sc2" the three track-sc actions). */
static bool in_list(const char *list, const char *a)
{
	if (!strncmp(a, "track-sc", 8) && a[8] >= '0' && a[8] <= '2' && !a[9])
		return true;
	const char *p = list;
	while ((p = strchr(p, '\'')) != NULL) {
		const char *e = strchr(p + 1, '\'');
		if (!e)
			break;
		size_t n = (size_t)(e - p - 1);
		const char *star = memchr(p + 1, '(', n);
		size_t base = star ? (size_t)(star - p - 1) : n;
		if (!strncmp(a, p + 1, base) &&
		    (a[base] == 0 ||
		     (star && (a[base] == '(' || (a[base] >= '0' && a[base] <= '9')))))
			return true;
		p = e + 1;
	}
	return false;
}

static const char *px_kind(const struct hap_ctx *c)
{
	return c->sec == HS_FRONTEND ? "frontend" : c->sec == HS_BACKEND ? "backend" : "proxy";
}

static int inspect_delay(struct hap_ctx *c, struct cfg_stmt *s, int i)
{
	m_ms t;
	const char *bad = i < s->nw ? m_parse_time(s->w[i].s, &t, 1) : "";
	if (bad) {
		if (bad == M_TIME_OVER || !*bad)
			hap_alert(c, s,
			          "'tcp-request inspect-delay' expects a positive delay in "
			          "milliseconds, in %s '%s'",
			          px_kind(c), c->px->name);
		else
			hap_alert(c, s,
			          "'tcp-request inspect-delay' expects a positive delay in "
			          "milliseconds, in %s '%s' (unexpected character '%c')",
			          px_kind(c), c->px->name, *bad);
		return -1;
	}
	if (c->px->svc)
		c->px->svc->tcp_inspect_delay = t;
	return 0;
}

int hap_set_tcp_request(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	if (i >= s->nw) {
		hap_alert(c, s, "missing argument for 'tcp-request' in %s '%s'", px_kind(c),
		          c->px->name);
		return -1;
	}
	const char *where = s->w[i].s;
	if (!strcmp(where, "inspect-delay"))
		return inspect_delay(c, s, i + 1);
	bool conn = !strcmp(where, "connection"), content = !strcmp(where, "content");
	bool session = !strcmp(where, "session");
	if (!conn && !content && !session) {
		hap_alert(c, s,
		          "'tcp-request' expects 'inspect-delay', 'connection', or 'content' "
		          "in %s '%s' (got '%s')",
		          px_kind(c), c->px->name, where);
		return -1;
	}
	if ((conn || session) && !c->px->svc) {
		hap_alert(c, s, "tcp-request %s is not allowed because %s %s is not a frontend",
		          where, px_kind(c), c->px->name);
		return -1;
	}
	int k = i + 1;
	const char *a = k < s->nw ? s->w[k].s : "";
	if (!strcmp(a, "if") || !strcmp(a, "unless"))
		a = "";
	if (!in_list(content ? content_list : conn_list, a)) {
		hap_alert(c, s, "'tcp-request %s' expects %s in %s '%s' (got '%s').", where,
		          content ? content_list : conn_list, px_kind(c), c->px->name, a);
		return -1;
	}
	bool run = false, var = !strncmp(a, "set-var(", 8) || !strncmp(a, "unset-var(", 10);
	for (const char *const *r = run_actions; *r; r++)
		run |= !strcmp(*r, a);
	run |= var;
	struct m_rule *r = arena_alloc(c->a, sizeof(*r));
	r->at = s->at;
	r->action = arena_strdup(c->a, a);
	int e = k + 1;
	while (e < s->nw && strcmp(s->w[e].s, "if") && strcmp(s->w[e].s, "unless"))
		e++;
	r->args = hap_copy_words(c, s, k + 1, e, &r->nargs);
	if (e < s->nw) {
		r->unless = s->w[e].s[0] == 'u';
		r->cond = hap_join(c, s, e + 1);
		r->cond_words = hap_copy_words(c, s, e + 1, s->nw, &r->ncond_words);
	}
	if (var && hap_check_var_rule(c, s, "tcp-request", r) < 0)
		return -1;
	if (run && r->nargs && strncmp(a, "track-sc", 8) && !var) {
		hap_alert(c, s,
		          "'tcp-request %s %s' : expects 'if', 'unless' or nothing, but got "
		          "'%s'.",
		          where, a, r->args[0]);
		return -1;
	}
	/* HAProxy parses the condition with the line, after the action */
	char kwa[160];
	snprintf(kwa, sizeof(kwa), "tcp-request %s %s", where, a);
	if (r->cond_words && !hap_check_rule_cond(c, c->px, r, kwa))
		return -1;
	if (!run || session || !c->px->svc) {
		char what[96];
		snprintf(what, sizeof(what), "tcp-request %s %s%s", where, a,
		         c->px->svc ? "" : " (in a backend)");
		hap_unsupported(c, s, what, true);
		return 0;
	}
	if (c->px->svc->http_request)
		hap_warn(c, s,
		         "a 'tcp-request' rule placed after an 'http-request' rule will still "
		         "be processed before.");
	struct m_rule **head =
	    conn ? &c->px->svc->tcp_request_conn : &c->px->svc->tcp_request_content;
	while (*head)
		head = &(*head)->next;
	*head = r;
	return 0;
}

/* set-var(SCOPE.NAME) EXPR / unset-var(SCOPE.NAME) of an http-request, http-response or
 * tcp-request rule: the variable's scope and the presence of an expression, in HAProxy's
 * words ("error detected in frontend 'fe' while parsing 'KW ACTION' rule : ..."). */
int hap_check_var_rule(struct hap_ctx *c, struct cfg_stmt *s, const char *kw,
                       const struct m_rule *r)
{
	const char *lp = strchr(r->action, '(');
	const char *rp = strrchr(r->action, ')');
	int n = lp && rp > lp ? (int)(rp - lp - 1) : 0;
	static const char *const scopes[] = {"proc.", "sess.", "txn.", "req.", "res.", NULL};
	bool scope_ok = false;
	for (const char *const *sc = scopes; *sc; sc++)
		scope_ok |= lp && !strncmp(lp + 1, *sc, strlen(*sc)) && n > (int)strlen(*sc);
	char text[400];
	if (!scope_ok)
		snprintf(
		    text, sizeof(text),
		    "invalid variable name '%.*s'. A variable name must be start by its scope. "
		    "The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'.",
		    n, lp ? lp + 1 : "");
	else if (r->action[0] == 's' && r->nargs == 0)
		snprintf(text, sizeof(text), "missing fetch method.");
	else
		return 0;
	char *compat = NULL;
	if (asprintf(&compat,
	             "parsing [%s:%u] : error detected in %s '%s' while parsing '%s %s' rule : %s",
	             s->at.file, s->at.line, px_kind(c), c->px ? c->px->name : "", kw, r->action,
	             text) < 0)
		abort();
	hap_diag(c, s->at, DIAG_ERROR, DIAG_ERROR, DIAG_ABORT, compat, "'%s %s': %s", kw, r->action,
	         text);
	free(compat);
	return -1;
}
