/* stats_fmt.c - `show stat` and the stats uri's ;csv and ;json: the rows of stats_rows.c
 * walked in HAProxy's order (by proxy id: frontend, servers, backend) and written as CSV,
 * typed lines or typed JSON, with HAProxy 2.6.12's field tags.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/stats_int.h"

static void emit_csv(struct rt_sbuf *out, const struct row *r)
{
	for (int i = 0; i < F_NF; i++) {
		if (r->f[i]) {
			/* HAProxy's CSV escaping: quote fields with commas or quotes */
			const char *v = r->f[i];
			if (strpbrk(v, ",\"")) {
				rt_sb_put(out, "\"", 1);
				for (; *v; v++) {
					if (*v == '"')
						rt_sb_put(out, "\"", 1);
					rt_sb_put(out, v, 1);
				}
				rt_sb_put(out, "\"", 1);
			} else {
				rt_sb_puts(out, v);
			}
		}
		rt_sb_put(out, ",", 1);
	}
	rt_sb_put(out, "\n", 1);
}

/* ---------------------------------------------------------------- walking the proxies */

struct walk_ctx {
	struct rt_sbuf *out;
	unsigned flags;
	bool json, typed;
	bool first;
	rt_stats_row_fn *fn;                /* rt_stats_rows(): rows go to fn instead of out */
	const struct rt_stats_scope *scope; /* NULL: every proxy */
	void *arg;
};

static const char *field_name(int i, char *buf, size_t len)
{
	const char *p = st_csv_names;
	for (int k = 0; k < i; k++)
		p = strchr(p, ',') + 1;
	size_t n = (size_t)(strchr(p, ',') - p);
	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = 0;
	return buf;
}

static void st_json_string(struct rt_sbuf *out, const char *v)
{
	rt_sb_put(out, "\"", 1);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			rt_sb_put(out, "\\", 1);
		rt_sb_put(out, v, 1);
	}
	rt_sb_put(out, "\"", 1);
}

/* HAProxy 2.6.12's tags and types of each field ("<origin><nature><scope>:<type>", as in
 * `show stat typed`). */
static const char stat_tags[] = "KNS:strKNS:strMGP:u32MMP:u32MGP:u32MMP:u32CLP:u32MCP:u64"
                                "MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64"
                                "MCP:u64SGP:strMaP:u32SGP:u32SGP:u32MCP:u64MCP:u64MAP:u32"
                                "MCP:u32CGS:u32KGP:u32KGS:u32KGS:u32MaP:u32MCP:u64CNS:str"
                                "CGS:u32MRP:u32CLP:u32MMP:u32MOP:strMOP:u32MDP:u64MCP:u64"
                                "MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MRP:u32MMP:u32"
                                "MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MAP:s32"
                                "MOP:strMOP:strMaP:u32MaP:u32MaP:u32MaP:u32MOP:strMOP:u32"
                                "MDP:u64MOP:strMOP:strCGS:u32CGS:u32CGS:u32CGS:u32CGS:u32"
                                "CGS:u32CGS:strCNS:strCGS:strCGS:strMRP:u32MMP:u32MCP:u64"
                                "MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64"
                                "MGP:u32CLP:u32MMP:u32MMP:u32MMP:u32MMP:u32MCP:u64MGP:u32"
                                "MGP:u32MGP:u32MGP:u32MaP:u32MGP:u32MGP:u32MGP:u32MCP:u64"
                                "MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64"
                                "MCP:u64MCP:u64MCP:u64MGP:u64MGP:u64MCP:u64MCP:u64MGP:u64"
                                "MGP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64MCP:u64";
/* A field's position: the CSV's "-" column (before the modules' fields) has none. */
static int stat_pos(int i)
{
	return i > F_DASH ? i - 1 : i;
}

static const char *stat_tag(char kind, int i)
{
	/* backends report weight, act and rates as plain gauges */
	if (kind == 'B' && (i == F_ACT || i == F_BCK || i == F_RATE || i == F_RATE_MAX))
		return "MGP:u32";
	return stat_tags + 7 * stat_pos(i);
}

static const char *tag_word(char c, int k)
{
	static const char *const origin[] = {"M", "Metric", "S", "Status",  "K", "Key",
	                                     "C", "Config", "P", "Product", NULL};
	static const char *const nature[] = {
	    "G",    "Gauge", "L",       "Limit",  "m",        "Min", "M",   "Max", "R",
	    "Rate", "C",     "Counter", "D",      "Duration", "A",   "Age", "T",   "Time",
	    "N",    "Name",  "O",       "Output", "a",        "Avg", NULL};
	static const char *const scope[] = {"P",      "Process", "S",       "Service", "s",
	                                    "System", "C",       "Cluster", NULL};
	const char *const *t = k == 0 ? origin : k == 1 ? nature : scope;
	for (int j = 0; t[j]; j += 2)
		if (t[j][0] == c)
			return t[j + 1];
	return "";
}

/* One typed JSON value: its tags (3 letters) and type, then the value. */
void st_json_value(struct rt_sbuf *o, const char *tag, const char *v)
{
	char *end;
	(void)strtoll(v, &end, 10);
	bool num = strncmp(tag + 4, "str", 3) && *v && !*end;
	rt_sb_printf(o,
	             "\"processNum\":1,\"tags\":{\"origin\":\"%s\",\"nature\":\"%s\","
	             "\"scope\":\"%s\"},\"value\":{\"type\":\"%.3s\",\"value\":",
	             tag_word(tag[0], 0), tag_word(tag[1], 1), tag_word(tag[2], 2),
	             num ? tag + 4 : "str");
	if (num)
		rt_sb_puts(o, v);
	else
		st_json_string(o, v);
	rt_sb_puts(o, "}}");
}

/* HAProxy's typed JSON: one object per filled field. */
static void emit_json(struct walk_ctx *w, const struct row *r, const char *type, int iid, int sid)
{
	rt_sb_puts(w->out, w->first ? "[" : ",[");
	w->first = false;
	bool first = true;
	for (int i = 0; i < F_NF; i++) {
		if (!r->f[i] || i == F_DASH) /* the CSV's "-" column is no field */
			continue;
		char name[64];
		rt_sb_printf(w->out,
		             "%s{\"objType\":\"%s\",\"proxyId\":%d,\"id\":%d,\"field\":{\"pos\":%d,"
		             "\"name\":\"%s\"},",
		             first ? "" : ",", type, iid, sid, stat_pos(i),
		             field_name(i, name, sizeof(name)));
		st_json_value(w->out, stat_tag(type[0], i), r->f[i]);
		first = false;
	}
	rt_sb_puts(w->out, "]");
}

/* `show stat typed`: F.<iid>.<sid>.<pos>.<name>.1:<tags>:<type>:<value> per filled field. */
static void emit_typed(struct walk_ctx *w, const struct row *r, const char *type, int iid, int sid)
{
	for (int i = 0; i < F_NF; i++) {
		if (!r->f[i] || i == F_DASH) /* the CSV's "-" column is no field */
			continue;
		char name[64];
		rt_sb_printf(w->out, "%c.%d.%d.%d.%s.1:%.7s:%s\n", type[0], iid, sid, stat_pos(i),
		             field_name(i, name, sizeof(name)), stat_tag(type[0], i), r->f[i]);
	}
}

static void put_row(struct walk_ctx *w, const struct row *r, const char *type, int iid, int sid)
{
	if (w->fn)
		w->fn(w->arg, type[0], (const char *const *)r->f, F_NF);
	else if (w->json)
		emit_json(w, r, type, iid, sid);
	else if (w->typed)
		emit_typed(w, r, type, iid, sid);
	else
		emit_csv(w->out, r);
}

static void walk(struct rt *rt, struct walk_ctx *w)
{
	int maxid = 0;
	for (int i = 0; i < rt->nsvc; i++)
		if (rt->svc[i].conf->id > maxid)
			maxid = rt->svc[i].conf->id;
	for (int i = 0; i < rt->npools; i++)
		if (rt->pools[i].conf->id > maxid)
			maxid = rt->pools[i].conf->id;
	struct row *r = malloc(sizeof(*r));
	if (!r)
		return;
	for (int id = 1; id <= maxid; id++) {
		struct rt_service *svc = NULL;
		struct rt_pool *p = NULL;
		for (int i = 0; i < rt->nsvc; i++)
			if (rt->svc[i].conf->id == id &&
			    rt->svc[i].conf->kind != SVC_VIRTUAL_SERVER)
				svc = &rt->svc[i];
		for (int i = 0; i < rt->npools; i++)
			if (rt->pools[i].conf->id == id && !rt->pools[i].conf->lvs)
				p = &rt->pools[i];
		const char *name = svc ? svc->conf->name : p ? p->conf->name : NULL;
		if (name && !rt_stats_in_scope(w->scope, name))
			continue;
		if (svc) {
			st_row_fe(rt, r, svc);
			put_row(w, r, "Frontend", st_proxy_iid(id), 0);
		}
		if (!p)
			continue;
		const struct m_proxy_conf *pc = p->conf->conf;
		enum m_mode mode = pc && pc->mode == M_MODE_HTTP ? M_MODE_HTTP : M_MODE_TCP;
		for (int i = 0; i < p->nsrv; i++) {
			struct rt_server *sv = rt_psrv(p, i);
			if ((w->flags & RT_SD_UP) && !st_srv_up(sv))
				continue;
			if ((w->flags & RT_SD_NOMAINT) && (atomic_load(&sv->admin) & RT_ADM_MAINT))
				continue;
			st_row_srv(r, p, sv, mode, w->flags);
			put_row(w, r, "Server", st_proxy_iid(id), i + 1);
		}
		st_row_be(rt, r, p, mode, w->flags);
		put_row(w, r, "Backend", st_proxy_iid(id), 0);
	}
	free(r);
}

void rt_stats_csv_in(struct rt *rt, struct rt_sbuf *out, unsigned flags,
                     const struct rt_stats_scope *sc)
{
	rt_sb_puts(out, "# ");
	rt_sb_puts(out, st_csv_names);
	rt_sb_puts(out, "\n");
	struct walk_ctx w = {.out = out, .flags = flags, .scope = sc};
	walk(rt, &w);
}

void rt_stats_csv(struct rt *rt, struct rt_sbuf *out, unsigned flags)
{
	rt_stats_csv_in(rt, out, flags, NULL);
}

void rt_stats_json_in(struct rt *rt, struct rt_sbuf *out, unsigned flags,
                      const struct rt_stats_scope *sc)
{
	struct walk_ctx w = {.out = out, .flags = flags, .json = true, .first = true, .scope = sc};
	rt_sb_puts(out, "[");
	walk(rt, &w);
	rt_sb_puts(out, "]\n");
}

void rt_stats_json(struct rt *rt, struct rt_sbuf *out, unsigned flags)
{
	rt_stats_json_in(rt, out, flags, NULL);
}

void rt_stats_rows(struct rt *rt, unsigned flags, rt_stats_row_fn *fn, void *arg)
{
	struct walk_ctx w = {.flags = flags, .fn = fn, .arg = arg};
	walk(rt, &w);
}

int rt_stats_field(const char *name)
{
	size_t n = strlen(name);
	int i = 0;
	for (const char *p = st_csv_names; *p; i++) {
		const char *e = strchr(p, ',');
		if (!e)
			break;
		if ((size_t)(e - p) == n && !memcmp(p, name, n))
			return i;
		p = e + 1;
	}
	return -1;
}

void rt_stats_typed(struct rt *rt, struct rt_sbuf *out, unsigned flags)
{
	struct walk_ctx w = {.out = out, .flags = flags, .typed = true};
	walk(rt, &w);
}
