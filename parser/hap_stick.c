/* hap_stick.c - checks a `stick-table` line with HAProxy 2.6's wording, then binds it into
 * the proxy's m_stick_table: key type, size, expiry and the data stored per entry. After
 * parsing, the tables that track-sc rules and `peers` name must exist.
 *
 * Data types HAProxy knows but vipr does not keep are reported; any fetch or action that
 * would read them is refused when the runtime compiles the rules, so they cannot silently
 * read as zero.
 */
#include <stdlib.h>
#include <string.h>

#include "parser/hap_bind.h"

int hap_set_stick_table(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i);
int hap_set_stick(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i);
void hap_check_tracks(struct hap_ctx *c, struct hap_proxy *px);

static int stick_table_store(struct hap_ctx *c, struct cfg_stmt *s, int i);

static const struct {
	const char *name;
	int id;    /* enum m_st_data, -1: known to HAProxy, not kept by vipr */
	bool rate; /* takes a period: NAME(PERIOD) */
} data_types[] = {
    {"gpc0", M_SD_GPC0, false},
    {"conn_cnt", M_SD_CONN_CNT, false},
    {"conn_cur", M_SD_CONN_CUR, false},
    {"conn_rate", M_SD_CONN_RATE, true},
    {"http_req_cnt", M_SD_HTTP_REQ_CNT, false},
    {"http_req_rate", M_SD_HTTP_REQ_RATE, true},
    {"http_err_cnt", M_SD_HTTP_ERR_CNT, false},
    {"http_err_rate", M_SD_HTTP_ERR_RATE, true},
    {"bytes_in_cnt", -1, false},
    {"bytes_in_rate", -1, true},
    {"bytes_out_cnt", -1, false},
    {"bytes_out_rate", -1, true},
    {"server_id", -1, false},
    {"gpt0", -1, false},
    {"gpt", -1, false},
    {"gpc", -1, false},
    {"gpc_rate", -1, true},
    {"gpc0_rate", -1, true},
    {"gpc1", -1, false},
    {"gpc1_rate", -1, true},
    {"sess_cnt", -1, false},
    {"sess_rate", -1, true},
    {"http_fail_cnt", -1, false},
    {"http_fail_rate", -1, true},
    {"server_key", -1, false},
    {"server_name", -1, false},
};

/* One comma-separated item of `store`: NAME or NAME(ARG). */
static int store_one(struct hap_ctx *c, struct cfg_stmt *s, struct m_stick_table *t, char *item)
{
	char *arg = strchr(item, '(');
	if (arg) {
		*arg++ = 0;
		char *rp = strchr(arg, ')');
		if (rp)
			*rp = 0;
	}
	for (size_t k = 0; k < ARRAY_SIZE(data_types); k++) {
		if (strcmp(data_types[k].name, item))
			continue;
		if (data_types[k].rate && (!arg || !*arg)) {
			hap_alert(c, s, "stick-table: missing argument to store option '%s'.",
			          item);
			return -1;
		}
		if (data_types[k].id < 0) {
			char what[96];
			snprintf(what, sizeof(what), "stick-table store %.64s", item);
			hap_unsupported(c, s, what, false);
			return 0;
		}
		m_ms p = 0;
		if (data_types[k].rate && m_parse_time(arg, &p, 1)) {
			hap_alert(c, s, "stick-table: invalid period '%s' for store option '%s'.",
			          arg, item);
			return -1;
		}
		t->store |= 1u << data_types[k].id;
		t->period[data_types[k].id] = p;
		return 0;
	}
	hap_alert(c, s, "stick-table: unknown store option '%s'.", item);
	return -1;
}

/* `type T [len N]` at word *i: N only for string and binary keys, and not 0. */
static int check_type(struct hap_ctx *c, struct cfg_stmt *s, int *i)
{
	static const char *const types[] = {"ip", "ipv4", "ipv6", "integer", "string", "binary",
					    NULL};
	const char *v = *i + 1 < s->nw ? s->w[*i + 1].s : "";
	bool ok = false;
	for (const char *const *t = types; *t; t++)
		ok |= !strcmp(*t, v);
	++*i;
	if (ok && (!strcmp(v, "string") || !strcmp(v, "binary")) && *i + 1 < s->nw &&
	    !strcmp(s->w[*i + 1].s, "len")) {
		*i += 2;
		v = *i < s->nw ? s->w[*i].s : "";
		ok = atol(v) != 0; /* HAProxy names the length word when it refuses it */
	}
	if (!ok)
		hap_alert(c, s, "stick-table: unknown type '%s'.", v);
	return ok ? 0 : -1;
}

static int check_time(struct hap_ctx *c, struct cfg_stmt *s, const char *o, const char *v)
{
	m_ms t;
	const char *bad = *v ? m_parse_time(v, &t, 1) : "";
	if (!bad)
		return 0;
	if (!*v)
		hap_alert(c, s, "stick-table: missing argument after '%s'.", o);
	else if (bad == M_TIME_OVER)
		hap_alert(c, s, ":stick-table: timer overflow in argument <%s> to <%s>, maximum "
				"value is 2147483647 ms (~24.8 days).", v, o);
	else if (bad == M_TIME_UNDER)
		hap_alert(c, s, ":stick-table: timer underflow in argument <%s> to <%s>, minimum "
				"non-null value is 1 ms.", v, o);
	else
		hap_alert(c, s, "stick-table: unexpected character '%c' in argument of '%s'.",
			  *bad, o);
	return -1;
}

/* One option of a stick-table line at word *i (advanced past its value). */
static int check_option(struct hap_ctx *c, struct cfg_stmt *s, int *i)
{
	const char *o = s->w[*i].s, *v = *i + 1 < s->nw ? s->w[*i + 1].s : "";
	if (!strcmp(o, "type"))
		return check_type(c, s, i);
	if (!strcmp(o, "nopurge"))
		return 0;
	if (!strcmp(o, "size")) {
		int64_t sz;
		const char *bad = *v ? m_parse_size(v, &sz) : "";
		if (bad && (bad == M_TIME_OVER || !*bad))
			hap_alert(c, s, "stick-table: missing argument after 'size'.");
		else if (bad)
			hap_alert(c, s, "stick-table: unexpected character '%c' in argument of "
					"'size'.", *bad);
		++*i;
		return bad ? -1 : 0;
	}
	++*i;
	if (!strcmp(o, "expire"))
		return check_time(c, s, o, v);
	if (!strcmp(o, "store"))
		return 0; /* items are checked when they are bound */
	if (!strcmp(o, "peers") && !*v)
		hap_alert(c, s, "stick-table: missing argument after 'peers'.");
	else if (!strcmp(o, "srvkey") && strcmp(v, "name") && strcmp(v, "addr"))
		hap_alert(c, s, "stick-table : unknown server key type '%s'.", v);
	else if (strcmp(o, "peers") && strcmp(o, "srvkey"))
		hap_alert(c, s, "stick-table: unknown argument '%s'.", o);
	else
		return 0;
	return -1;
}

/* stick-table type ip|ipv6|integer|string [len N]|binary [len N] size N [expire T]
 * [nopurge] [peers NAME] [srvkey name|addr] [store ...]. */
int hap_set_stick_table(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	for (int k = i; k < s->nw; k++)
		if (check_option(c, s, &k) < 0)
			return -1;
	return stick_table_store(c, s, i);
}

static int stick_table_store(struct hap_ctx *c, struct cfg_stmt *s, int i)
{
	struct m_stick_table *t = arena_alloc(c->a, sizeof(*t));
	t->expire = M_UNSET;
	t->keylen = 32;
	t->at = s->at;
	bool have_size = false;
	for (; i < s->nw; i++) {
		const char *o = s->w[i].s, *v = i + 1 < s->nw ? s->w[i + 1].s : "";
		if (!strcmp(o, "type")) {
			if (!strcmp(v, "ip") || !strcmp(v, "ipv4"))
				t->type = M_ST_IP;
			else if (!strcmp(v, "ipv6"))
				t->type = M_ST_IPV6;
			else if (!strcmp(v, "integer"))
				t->type = M_ST_INT;
			else if (!strcmp(v, "string"))
				t->type = M_ST_STR;
			else
				hap_unsupported(c, s, "stick-table type binary", true);
			i++;
			if (i + 2 < s->nw && !strcmp(s->w[i + 1].s, "len")) {
				t->keylen = atoi(s->w[i + 2].s);
				i += 2;
			}
		} else if (!strcmp(o, "size")) {
			m_parse_size(v, &t->size);
			have_size = true;
			i++;
		} else if (!strcmp(o, "expire")) {
			m_parse_time(v, &t->expire, 1);
			i++;
		} else if (!strcmp(o, "store")) {
			char buf[512];
			snprintf(buf, sizeof(buf), "%s", v);
			/* HAProxy stops at the end of the word: only a trailing empty item is
			 * accepted */
			for (char *it = buf, *comma; *it; it = comma + 1) {
				comma = strchr(it, ',');
				if (comma)
					*comma = 0;
				if (store_one(c, s, t, it) < 0)
					return -1;
				if (!comma)
					break;
			}
			i++;
		} else if (!strcmp(o, "peers")) {
			c->px->peers = arena_strdup(c->a, v);
			c->px->peers_at = s->at;
			hap_unsupported(c, s, "stick-table peers", false);
			i++;
		} else if (!strcmp(o, "srvkey")) {
			char what[64];
			snprintf(what, sizeof(what), "stick-table %s", o);
			hap_unsupported(c, s, what, false);
			i++;
		} else if (!strcmp(o, "nopurge")) {
			hap_unsupported(c, s, "stick-table nopurge", true);
		}
	}
	if (!have_size) {
		hap_alert(c, s, "stick-table: missing size.");
		return -1;
	}
	if (t->keylen < 1 || t->keylen > 1024)
		t->keylen = 32;
	if (c->px->svc)
		c->px->svc->stick = t;
	else
		c->px->pool->stick = t;
	return 0;
}

/* stick on|match|store-request|store-response PATTERN [table NAME] [if|unless COND]: not
 * performed by vipr (noted), but its table must exist as in HAProxy. The condition is not
 * checked yet. */
int hap_set_stick(struct hap_ctx *c, const struct hap_kw *kw, struct cfg_stmt *s, int i)
{
	(void)kw;
	static const char *const kinds[] = {"on", "match", "store-request", "store-response",
					    NULL};
	const char *k = i < s->nw ? s->w[i].s : "";
	bool known = false;
	for (const char *const *p = kinds; *p; p++)
		known |= !strcmp(*p, k);
	if (!known) {
		hap_alert(c, s, "'stick' expects 'on', 'match', or 'store'.");
		return -1;
	}
	if (i + 1 >= s->nw || !*s->w[i + 1].s) {
		hap_alert(c, s, "'stick' expects a fetch method.");
		return -1;
	}
	struct hap_stickref *r = arena_alloc(c->a, sizeof(*r));
	r->table = c->px->name;
	r->rsp = !strcmp(k, "store-response");
	r->at = s->at;
	for (int j = i + 2; j < s->nw && strcmp(s->w[j].s, "if") && strcmp(s->w[j].s, "unless");
	     j++)
		if (!strcmp(s->w[j].s, "table"))
			r->table = j + 1 < s->nw ? s->w[j + 1].s : "";
	r->table = arena_strdup(c->a, r->table);
	struct hap_stickref **tail = &c->px->stickrefs;
	while (*tail)
		tail = &(*tail)->next;
	*tail = r;
	hap_unsupported(c, s, "stick", false);
	return 0;
}

static bool has_table(struct hap_ctx *c, const char *name)
{
	for (struct hap_proxy *px = c->proxies; px; px = px->next)
		if (!strcmp(px->name, name) &&
		    ((px->svc && px->svc->stick) || (px->pool && px->pool->stick)))
			return true;
	return false;
}

static void check_list(struct hap_ctx *c, struct hap_proxy *px, const struct m_rule *r)
{
	for (; r; r = r->next) {
		if (!r->action || strncmp(r->action, "track-sc", 8) || r->nargs < 1)
			continue;
		const char *t =
		    r->nargs >= 3 && !strcmp(r->args[1], "table") ? r->args[2] : px->name;
		if (has_table(c, t))
			continue;
		char buf[512];
		snprintf(buf, sizeof(buf),
		         "Proxy '%s': unable to find table '%s' referenced by %s.", px->name, t,
		         r->action);
		diag_add(c->dl, r->at, DIAG_ERROR, DIAG_ERROR, DIAG_FATAL | DIAG_POST, buf, buf);
	}
}

/* After parsing, per proxy: every `stick` rule's table exists, every track-sc names a proxy
 * that has a stick-table (tcp-request rules are reported first, as HAProxy checks them
 * first), then its table's `peers` names a peers section. */
void hap_check_tracks(struct hap_ctx *c, struct hap_proxy *px)
{
	for (int rsp = 0; rsp < 2; rsp++)
		for (const struct hap_stickref *r = px->stickrefs; r; r = r->next) {
			if (r->rsp != rsp || has_table(c, r->table))
				continue;
			char buf[512];
			snprintf(buf, sizeof(buf), "Proxy '%s': unable to find stick-table '%s'.",
			         px->name, r->table);
			diag_add(c->dl, r->at, DIAG_ERROR, DIAG_ERROR, DIAG_FATAL | DIAG_POST, buf,
			         buf);
		}
	if (px->svc) {
		check_list(c, px, px->svc->tcp_request_conn);
		check_list(c, px, px->svc->tcp_request_content);
		check_list(c, px, px->svc->http_request);
	} else if (px->pool) {
		check_list(c, px, px->pool->http_request);
	}
	if (px->peers && !strmap_get(&c->peers_names, px->peers)) {
		char buf[512];
		snprintf(buf, sizeof(buf), "Proxy '%s': unable to find sync peers '%s'.", px->name,
		         px->peers);
		diag_add(c->dl, px->peers_at, DIAG_ERROR, DIAG_ERROR, DIAG_FATAL | DIAG_POST, buf,
		         buf);
	}
}
