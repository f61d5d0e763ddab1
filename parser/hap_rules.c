/* hap_rules.c - `acl`, `http-request`/`http-response` rules and `use_backend` lines of a
 * proxy section.
 *
 * Every http-request action of HAProxy 2.6 is recognized (its list and error wording are
 * HAProxy's); the actions the runtime performs have their arguments checked here, the others
 * are reported as unsupported and make `haproxy -f` refuse to run. Conditions are checked
 * after each file (hap_check.c).
 */
#include "hap_bind.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Splits "ACTION args... [if|unless cond...]" into a rule. */
static struct m_rule *make_rule(struct hap_ctx *c, struct cfg_stmt *s, int i)
{
	struct m_rule *r = arena_alloc(c->a, sizeof(*r));
	r->at = s->at;
	int k = i;
	while (k < s->nw && strcmp(s->w[k].s, "if") && strcmp(s->w[k].s, "unless"))
		k++;
	if (i < k)
		r->action = arena_strdup(c->a, s->w[i].s);
	r->args = hap_copy_words(c, s, i + 1, k, &r->nargs);
	if (k < s->nw) {
		r->unless = s->w[k].s[0] == 'u';
		r->cond = hap_join(c, s, k + 1);
		r->cond_words = hap_copy_words(c, s, k + 1, s->nw, &r->ncond_words);
	}
	return r;
}

static void append_rule(struct m_rule **head, struct m_rule *r)
{
	while (*head)
		head = &(*head)->next;
	*head = r;
}

int hap_set_acl(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	const char *name = i < s->nw ? s->w[i].s : "";
	const char *bad = hap_invalid_char(name);
	if (bad && !*bad) {
		hap_alert_nul(c, s, "character '", "'acl' expects an ACL name and a criterion");
		return -1;
	}
	if (bad) {
		hap_alert(c, s, "character '%c' is not permitted in acl name '%s'.", *bad, name);
		return -1;
	}
	if (!strcasecmp(name, "or")) {
		hap_alert(c, s, "acl name '%s' will never match. 'or' is used to express a logical "
				"disjunction within a condition.", name);
		return -1;
	}
	struct m_acl *acl = arena_alloc(c->a, sizeof(*acl));
	acl->name = arena_strdup(c->a, s->w[i].s);
	acl->words = hap_copy_words(c, s, i + 1, s->nw, &acl->nwords);
	acl->at = s->at;
	char where[320];
	snprintf(where, sizeof(where), "ACL '%s'", acl->name);
	if (hap_acl_parse(c, s->at, where, acl->words, acl->nwords, DIAG_FATAL) < 0)
		return -1;
	struct m_acl **head = c->px->svc ? &c->px->svc->acls : &c->px->pool->acls;
	while (*head)
		head = &(*head)->next;
	*head = acl;
	return 0;
}

/* Every http-request action of HAProxy 2.6, in the order its error message lists them. */
static const char *const hap_http_request_actions[] = {
	"wait-for-handshake", "ot-group", "set-log-level", "set-nice", "use-service",
	"sc-inc-gpc(*)", "sc-inc-gpc0(*)", "sc-inc-gpc1(*)", "sc-set-gpt(*)", "sc-set-gpt0(*)",
	"send-spoe-group", "do-resolve(*)", "cache-use", "add-acl(*)", "add-header", "allow",
	"auth", "capture", "del-acl(*)", "del-header", "del-map(*)", "deny", "disable-l7-retry",
	"early-hint", "normalize-uri", "redirect", "reject", "replace-header", "replace-path",
	"replace-pathq", "replace-uri", "replace-value", "return", "set-header", "set-map(*)",
	"set-method", "set-path", "set-pathq", "set-query", "set-uri", "strict-mode", "tarpit",
	"track-sc(*)", "set-timeout", "wait-for-body", "set-var-fmt(*)", "set-var(*)",
	"unset-var(*)", "set-dst", "set-dst-port", "set-mark", "set-src", "set-src-port",
	"set-tos", "silent-drop", "set-priority-class", "set-priority-offset", NULL,
};

/* Actions written NAME(args) or NAME<digit> match their "NAME(*)" row. */
static bool hap_known_action(const char *a)
{
	for (const char *const *p = hap_http_request_actions; *p; p++) {
		const char *star = strchr(*p, '(');
		size_t n = star ? (size_t)(star - *p) : strlen(*p);
		if (!strncmp(a, *p, n) && (a[n] == 0 || (star && (a[n] == '(' ||
								  (a[n] >= '0' && a[n] <= '9')))))
			return true;
	}
	return false;
}

/* http-request actions the runtime performs; the others are recognized and reported. */
static const char *const http_actions[] = {
	"allow", "deny", "return", "set-header", "add-header", "del-header", "replace-header",
	"set-path", "set-uri", "set-query", "set-method", "redirect", "auth", "use-service",
	"track-sc0", "track-sc1", "track-sc2", "sc-inc-gpc0(0)", "sc-inc-gpc0(1)", "sc-inc-gpc0(2)",
	"tarpit", "reject", "set-log-level", NULL,
};

/* "error detected in frontend 'fe' while parsing 'http-request return' rule : TEXT" -
 * HAProxy stops reading the file after it. */
static int rule_error(struct hap_ctx *c, struct cfg_stmt *s, const char *kw, const char *action,
		      const char *text)
{
	char *compat = NULL;
	const char *type = c->sec == HS_FRONTEND ? "frontend" : c->sec == HS_BACKEND ? "backend"
										    : "proxy";
	if (asprintf(&compat,
		     "parsing [%s:%u] : error detected in %s '%s' while parsing '%s %s' rule : %s",
		     s->at.file, s->at.line, type, c->px ? c->px->name : "", kw, action, text) < 0)
		abort();
	hap_diag(c, s->at, DIAG_ERROR, DIAG_ERROR, DIAG_ABORT, compat, "'%s %s': %s", kw, action,
		 text);
	free(compat);
	return -1;
}

/* Checks the arguments of the actions vipr performs, with HAProxy's wording. */
static int check_rule_args(struct hap_ctx *c, struct cfg_stmt *s, const char *kw,
			   struct m_rule *r)
{
	/* an empty word ends HAProxy's argument list */
	if ((!strcmp(r->action, "set-header") || !strcmp(r->action, "add-header")) &&
	    (r->nargs != 2 || !*r->args[0] || !*r->args[1]))
		return rule_error(c, s, kw, r->action, "expects exactly 2 arguments.");
	if (!strcmp(r->action, "redirect")) {
		const char *t = r->nargs ? r->args[0] : "";
		if (strcmp(t, "prefix") && strcmp(t, "location") && strcmp(t, "scheme"))
			return rule_error(c, s, kw, r->action, "redirection type expected ('prefix', "
								"'location', or 'scheme').");
	}
	if (!strcmp(r->action, "return") || !strcmp(r->action, "deny")) {
		for (int k = 0; k + 1 < r->nargs; k++) {
			const char *o = r->args[k], *v = r->args[k + 1];
			char text[600];
			if (!strcmp(o, "status")) {
				int st = atoi(v);
				if (st < 200 || st > 599) {
					snprintf(text, sizeof(text), "Unexpected status code '%s'.", v);
					return rule_error(c, s, kw, r->action, text);
				}
			} else if (!strcmp(o, "file") || !strcmp(o, "lf-file") ||
				   !strcmp(o, "errorfile")) {
				FILE *f = fopen(v, "rb");
				if (!f) {
					snprintf(text, sizeof(text), "error opening file '%s'.", v);
					return rule_error(c, s, kw, r->action, text);
				}
				fclose(f);
			}
		}
	}
	return 0;
}

int hap_check_var_rule(struct hap_ctx *c, struct cfg_stmt *s, const char *kw,
		       const struct m_rule *r);
int hap_capture_rule(struct hap_ctx *c, struct cfg_stmt *s, const char *kw, struct m_rule *r);

/* An http-request action HAProxy does not know (NULL: none given): its whole list, and the
 * closest name; HAProxy stops reading the file. */
static int unknown_action(struct hap_ctx *c, struct cfg_stmt *s, const char *action)
{
	const char *best = NULL;
	int bestd = 3;
	for (const char *const *a = hap_http_request_actions; *a && action; a++) {
		char name[64];
		snprintf(name, sizeof(name), "%s", *a);
		char *star = strchr(name, '(');
		if (star)
			*star = 0;
		int d = cfg_distance(action, name, bestd - 1);
		if (d < bestd)
			bestd = d, best = *a;
	}
	char *list = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&list, &len);
	for (const char *const *a = hap_http_request_actions; *a; a++)
		fprintf(m, "'%s', ", *a);
	fclose(m);
	struct diag *d;
	if (!action)
		d = hap_alert(c, s, ":'http-request' expects %sbut got '' (missing argument).", list);
	else if (best)
		d = hap_alert(c, s, ":'http-request' expects %sbut got '%s'. Did you mean '%s' "
				    "maybe ?", list, action, best);
	else
		d = hap_alert(c, s, ":'http-request' expects %sbut got '%s'.", list, action);
	free(list);
	d->flags |= DIAG_ABORT;
	free(d->msg);
	d->msg = NULL;
	if (asprintf(&d->msg, "%s%s%s", action ? "unknown http-request action '" :
		     "'http-request' expects an action", action ? action : "", action ? "'" : "") < 0)
		abort();
	if (best)
		diag_hint(d, "did you mean '%s'?", best);
	return -1;
}

int hap_set_http_rule(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	struct m_rule *r = make_rule(c, s, i);
	if (!r->action && !strcmp(kw->name, "http-request"))
		return unknown_action(c, s, NULL);
	if (!r->action) {
		hap_alert(c, s, ":'%s' expects an action.", kw->name);
		return -1;
	}
	bool known = false;
	for (const char *const *a = http_actions; *a; a++)
		if (!strcmp(*a, r->action))
			known = true;
	if (!strcmp(r->action, "capture")) {
		if (hap_capture_rule(c, s, kw->name, r) < 0) /* hap_capture.c */
			return -1;
		known = true;
	}
	if (!strncmp(r->action, "set-var(", 8) || !strncmp(r->action, "unset-var(", 10)) {
		if (hap_check_var_rule(c, s, kw->name, r) < 0) /* hap_tcpreq.c */
			return -1;
		known = true;
	}
	if (!known && !strcmp(kw->name, "http-request") && !hap_known_action(r->action))
		return unknown_action(c, s, r->action);
	if (!known) {
		char what[96];
		snprintf(what, sizeof(what), "%s %s", kw->name, r->action);
		hap_unsupported(c, s, what, true);
		if ((!strcmp(r->action, "cache-use") || !strcmp(r->action, "cache-store")) &&
		    r->nargs && c->px) {
			struct hap_cacheref *ref = arena_alloc(c->a, sizeof(*ref));
			*ref = (struct hap_cacheref){r->args[0], c->px, s->at, NULL};
			if (!c->cacherefs_tail)
				c->cacherefs_tail = &c->cacherefs;
			*c->cacherefs_tail = ref;
			c->cacherefs_tail = &ref->next;
		}
		return 0;
	}
	if (check_rule_args(c, s, kw->name, r) < 0)
		return -1;
	bool resp = !strcmp(kw->name, "http-response");
	if (c->px && c->px->svc)
		append_rule(resp ? &c->px->svc->http_response : &c->px->svc->http_request, r);
	else if (c->px && c->px->pool)
		append_rule(resp ? &c->px->pool->http_response : &c->px->pool->http_request, r);
	return 0;
}

int hap_set_use_backend(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	if (i >= s->nw || !strcmp(s->w[i].s, "if") || !strcmp(s->w[i].s, "unless")) {
		hap_alert(c, s, "'use_backend' expects a backend name.");
		return -1;
	}
	struct m_route *rt = arena_alloc(c->a, sizeof(*rt));
	struct m_rule *r = make_rule(c, s, i);
	rt->pool_name = r->action;
	rt->cond = *r;
	rt->cond.at = s->at;
	struct m_route **head = &c->px->svc->routes;
	while (*head)
		head = &(*head)->next;
	*head = rt;
	return 0;
}

