/* promex.c - `http-request use-service prometheus-exporter`: HAProxy 2.6's Prometheus
 * exporter, in the text exposition format 0.0.4.
 *
 * The metrics are the ones of the stats engine: process metrics come from `show info`,
 * frontend, backend and server metrics from the CSV rows of `show stat` (stats.c), so both
 * always agree. The table (promex_tab.c) holds HAProxy 2.6.12's names, types and HELP
 * texts; each row says which info key or CSV column feeds it. `?scope=` (repeatable) and
 * `no-maint` select what is dumped, as HAProxy's do. The whole answer is built at once, like
 * the stats page.
 */
#include <stdlib.h>
#include <string.h>

#include "runtime/promex_int.h"
#include "runtime/rt.h"

static const char *const srv_states[] = {"DOWN", "UP", "MAINT", "DRAIN", "NOLB", NULL};
static const char *const px_states[] = {"DOWN", "UP", NULL};
static const char *const chk_states[] = {
    "HANA",  "SOCKERR", "L4OK",  "L4TOUT", "L4CON",   "L6OK",     "L6TOUT", "L6RSP", "L7TOUT",
    "L7RSP", "L7OK",    "L7OKC", "L7STS",  "PROCERR", "PROCTOUT", "PROCOK", NULL};

struct pm_row {
	char kind; /* 'F', 'B', 'S' as rt_stats_rows() */
	char **f;
};

struct pm_dump {
	struct rt_sbuf *out;
	struct pm_row *rows;
	int nrows, cap, nf;
	char *info;                  /* `show info`, its lines split at ':' */
	const struct pm_metric *hdr; /* the metric whose HELP and TYPE were printed last */
	int c_px, c_sv, c_status, c_mode, c_chk;
};

static void collect(void *arg, char kind, const char *const *f, int nf)
{
	struct pm_dump *d = arg;
	if (d->nrows == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 16;
		d->rows = realloc(d->rows, sizeof(*d->rows) * (size_t)d->cap);
		if (!d->rows)
			abort();
	}
	struct pm_row *r = &d->rows[d->nrows++];
	r->kind = kind;
	r->f = calloc((size_t)nf, sizeof(*r->f));
	if (!r->f)
		abort();
	for (int i = 0; i < nf; i++)
		if (f[i] && !(r->f[i] = strdup(f[i])))
			abort();
	d->nf = nf;
}

static const char *info_get(const struct pm_dump *d, const char *key)
{
	size_t n = strlen(key);
	for (const char *p = d->info; p && *p;) {
		if (!strncmp(p, key, n) && p[n] == ':' && p[n + 1] == ' ')
			return p + n + 2;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return NULL;
}

static const char *scope_word(int scope)
{
	return scope == PX_GLOBAL ? "process"
	       : scope == PX_FE   ? "frontend"
	       : scope == PX_BE   ? "backend"
	                          : "server";
}

/* Prints HELP and TYPE once per metric name, before its first line. */
static void header(struct pm_dump *d, const struct pm_metric *m)
{
	if (d->hdr && d->hdr->scope == m->scope && !strcmp(d->hdr->name, m->name))
		return; /* the next line of the same metric, or another http_responses_total code */
	d->hdr = m;
	const char *w = scope_word(m->scope);
	rt_sb_printf(d->out, "# HELP haproxy_%s_%s %s\n# TYPE haproxy_%s_%s %s\n", w, m->name,
	             m->help, w, m->name, m->type == PM_COUNTER ? "counter" : "gauge");
}

static void label(struct rt_sbuf *o, const char *k, const char *v, bool first)
{
	rt_sb_printf(o, "%s%s=\"", first ? "" : ",", k);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			rt_sb_put(o, "\\", 1);
		if (*v == '\n')
			rt_sb_puts(o, "\\n");
		else
			rt_sb_put(o, v, 1);
	}
	rt_sb_puts(o, "\"");
}

/* One line: name{proxy=..,server=..,<k>=<v>} value. */
static void line(struct pm_dump *d, const struct pm_metric *m, const struct pm_row *r,
                 const char *k, const char *v, const char *value)
{
	header(d, m);
	rt_sb_printf(d->out, "haproxy_%s_%s", scope_word(m->scope), m->name);
	if (r || k) {
		rt_sb_puts(d->out, "{");
		if (r)
			label(d->out, "proxy", r->f[d->c_px] ? r->f[d->c_px] : "", true);
		if (r && r->kind == 'S')
			label(d->out, "server", r->f[d->c_sv] ? r->f[d->c_sv] : "", false);
		if (k)
			label(d->out, k, v, !r);
		rt_sb_puts(d->out, "}");
	}
	rt_sb_printf(d->out, " %s\n", value);
}

static void dump_global(struct pm_dump *d, const struct pm_metric *m)
{
	const char *v = info_get(d, m->src);
	char buf[64];
	size_t n = v ? strcspn(v, "\n") : 0;
	if (!strcmp(m->name, "build_info")) {
		snprintf(buf, sizeof(buf), "%.*s", (int)n, v ? v : "");
		line(d, m, NULL, "version", buf, "1");
		return;
	}
	snprintf(buf, sizeof(buf), "%.*s", (int)n, v ? v : "");
	line(d, m, NULL, NULL, NULL, v ? buf : "NaN"); /* NaN: no such data in vipr */
}

/* The state label a server row is counted in, as HAProxy's srv_status (admin first). */
static const char *srv_state(const char *status)
{
	if (!status)
		return "DOWN";
	static const char *const prefix[] = {"MAINT", "DRAIN", "NOLB", "DOWN", NULL};
	for (int i = 0; prefix[i]; i++)
		if (!strncmp(status, prefix[i], strlen(prefix[i])))
			return prefix[i];
	return "UP"; /* UP, UP n/m (going down), no check */
}

static const char *chk_state(const char *st)
{
	if (!st)
		return "";
	return !strncmp(st, "* ", 2) ? st + 2 : st;
}

static void dump_states(struct pm_dump *d, const struct pm_metric *m, const struct pm_row *r,
                        const char *const *states, const char *cur)
{
	for (int i = 0; states[i]; i++)
		line(d, m, r, "state", states[i], !strcmp(states[i], cur) ? "1" : "0");
}

/* agg_*: for each state, how many of the backend's servers are in it. */
static void dump_agg(struct pm_dump *d, const struct pm_metric *m, const struct pm_row *be)
{
	bool chk = !strcmp(m->name, "agg_check_status");
	const char *const *states = chk ? chk_states : srv_states;
	for (int i = 0; states[i]; i++) {
		int n = 0;
		for (int k = 0; k < d->nrows; k++) {
			const struct pm_row *r = &d->rows[k];
			if (r->kind != 'S' || !r->f[d->c_px] ||
			    strcmp(r->f[d->c_px], be->f[d->c_px]))
				continue;
			const char *st =
			    chk ? chk_state(r->f[d->c_chk]) : srv_state(r->f[d->c_status]);
			n += !strcmp(st, states[i]);
		}
		char buf[16];
		snprintf(buf, sizeof(buf), "%d", n);
		line(d, m, be, "state", states[i], buf);
	}
}

static void dump_value(struct pm_dump *d, const struct pm_metric *m, const struct pm_row *r,
                       int col)
{
	const char *v = r->f[col];
	char buf[64];
	if (m->flags & PM_CHECKED && !v)
		v = "0"; /* a checked server without code or duration yet */
	if (!v) {
		v = "NaN";
	} else if (m->flags & PM_MS) {
		snprintf(buf, sizeof(buf), "%f", strtod(v, NULL) / 1000.0);
		v = buf;
	}
	if (m->flags & PM_CODE)
		line(d, m, r, "code", m->src + strlen("hrsp_"), v);
	else
		line(d, m, r, NULL, NULL, v);
}

static void dump_rows(struct pm_dump *d, const struct pm_metric *m)
{
	char kind = m->scope == PX_FE ? 'F' : m->scope == PX_BE ? 'B' : 'S';
	int col = rt_stats_field(m->src);
	for (int k = 0; k < d->nrows; k++) {
		const struct pm_row *r = &d->rows[k];
		if (r->kind != kind)
			continue;
		if (m->flags & PM_HTTP && (!r->f[d->c_mode] || strcmp(r->f[d->c_mode], "http")))
			continue;
		if (m->flags & PM_CHECKED && !r->f[d->c_chk])
			continue;
		const char *st = r->f[d->c_status] ? r->f[d->c_status] : "";
		if (m->flags & PM_AGG)
			dump_agg(d, m, r);
		else if (m->flags & PM_CHKSTATE)
			dump_states(d, m, r, chk_states, chk_state(r->f[d->c_chk]));
		else if (m->flags & PM_STATUS && kind == 'S')
			dump_states(d, m, r, srv_states, srv_state(r->f[d->c_status]));
		else if (m->flags & PM_STATUS && kind == 'F')
			dump_states(d, m, r, px_states, strcmp(st, "STOP") ? "UP" : "DOWN");
		else if (m->flags & PM_STATUS)
			dump_states(d, m, r, px_states, strncmp(st, "UP", 2) ? "DOWN" : "UP");
		else if (col >= 0 && col < d->nf)
			dump_value(d, m, r, col);
	}
}

/* Parses the query: scope=global|frontend|backend|server|* (repeatable, an empty one
 * selects nothing) and no-maint. Returns false on an unknown scope (HAProxy's 400). */
static bool parse_query(const char *q, size_t n, int *scope, bool *nomaint)
{
	bool seen = false;
	*scope = PX_ALL;
	*nomaint = false;
	while (n) {
		size_t len = 0;
		while (len < n && q[len] != '&')
			len++;
		if (len >= 6 && !memcmp(q, "scope=", 6)) {
			static const struct {
				const char *w;
				int s;
			} words[] = {{"global", PX_GLOBAL},
			             {"frontend", PX_FE},
			             {"backend", PX_BE},
			             {"server", PX_SRV},
			             {"*", PX_ALL}};
			const char *v = q + 6;
			size_t vl = len - 6;
			if (!seen)
				*scope = 0;
			seen = true;
			int s = -1;
			for (size_t i = 0; i < ARRAY_SIZE(words); i++)
				if (strlen(words[i].w) == vl && !memcmp(v, words[i].w, vl))
					s = words[i].s;
			if (vl == 0)
				*scope = 0;
			else if (s < 0)
				return false;
			else
				*scope |= s;
		} else if (len == 8 && !memcmp(q, "no-maint", 8)) {
			*nomaint = true;
		}
		q += len, n -= len;
		if (n)
			q++, n--;
	}
	return true;
}

static void dump_free(struct pm_dump *d)
{
	for (int k = 0; k < d->nrows; k++) {
		for (int i = 0; i < d->nf; i++)
			free(d->rows[k].f[i]);
		free(d->rows[k].f);
	}
	free(d->rows);
	free(d->info);
}

/* Builds the exposition body for the selected scopes. */
static void promex_dump(struct rt *rt, struct rt_sbuf *out, int scope, bool nomaint)
{
	struct pm_dump d = {.out = out};
	struct rt_sbuf info = {0};
	rt_stats_info(rt, &info);
	rt_sb_put(&info, "", 1);
	d.info = info.d;
	if (scope & (PX_FE | PX_BE | PX_SRV))
		rt_stats_rows(rt, nomaint ? RT_SD_NOMAINT : 0, collect, &d);
	d.c_px = rt_stats_field("pxname");
	d.c_sv = rt_stats_field("svname");
	d.c_status = rt_stats_field("status");
	d.c_mode = rt_stats_field("mode");
	d.c_chk = rt_stats_field("check_status");
	for (size_t i = 0; i < pm_nmetrics; i++) {
		const struct pm_metric *m = &pm_metrics[i];
		if (!(scope & m->scope))
			continue;
		if (m->scope == PX_GLOBAL)
			dump_global(&d, m);
		else
			dump_rows(&d, m);
	}
	dump_free(&d);
}

static const char page_400[] = "<html><body><h1>400 Bad request</h1>\n"
                               "Your browser sent an invalid request.\n</body></html>\n";

bool rt_promex_applet(struct rt_sess *s, const struct h1_msg *m)
{
	const char *q = memchr(m->uri, '?', m->uri_len);
	size_t qn = q ? m->uri_len - (size_t)(q + 1 - m->uri) : 0;
	int scope;
	bool nomaint;
	atomic_fetch_add(&s->svc->cnt.intercepted, 1);
	struct rt_sbuf body = {0}, ans = {0};
	if (!parse_query(q ? q + 1 : "", qn, &scope, &nomaint)) {
		/* HAProxy's 400, as its applets send it (lower-case header names) */
		rt_sb_printf(&ans,
		             "HTTP/1.1 400 Bad request\r\ncontent-length: %zu\r\n"
		             "cache-control: no-cache\r\ncontent-type: text/html\r\n"
		             "connection: close\r\n\r\n%s",
		             sizeof(page_400) - 1, s->req_head ? "" : page_400);
		s->status = 400;
		rt_stats_answer(s, m, &ans, true);
		return true;
	}
	promex_dump(s->w->rt, &body, scope, nomaint);
	bool close = !s->cli_ka || m->minor == 0;
	rt_sb_printf(&ans,
	             "HTTP/1.1 200 OK\r\ncache-control: no-cache\r\n"
	             "content-type: text/plain; version=0.0.4\r\n"
	             "transfer-encoding: chunked\r\n%s\r\n",
	             close ? "connection: close\r\n" : "");
	if (!s->req_head) {
		if (body.len) {
			rt_sb_printf(&ans, "%zX\r\n", body.len); /* upper case, as HAProxy */
			rt_sb_put(&ans, body.d, body.len);
			rt_sb_puts(&ans, "\r\n");
		}
		rt_sb_puts(&ans, "0\r\n\r\n");
	}
	free(body.d);
	s->status = 200;
	rt_stats_answer(s, m, &ans, close);
	return true;
}
