/* hap_stick.c - binds a `stick-table` line (already checked by hap_proxy.c's handler) into
 * the proxy's m_stick_table: key type, size, expiry and the data stored per entry.
 *
 * Data types HAProxy knows but vipr does not keep are reported; any fetch or action that
 * would read them is refused when the runtime compiles the rules, so they cannot silently
 * read as zero.
 */
#include <stdlib.h>
#include <string.h>

#include "parser/hap_bind.h"

int hap_stick_table_store(struct hap_ctx *c, struct cfg_stmt *s, int i);
void hap_check_tracks(struct hap_ctx *c);

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
			snprintf(what, sizeof(what), "stick-table store %s", item);
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

int hap_stick_table_store(struct hap_ctx *c, struct cfg_stmt *s, int i)
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
			for (char *save = NULL, *it = strtok_r(buf, ",", &save); it;
			     it = strtok_r(NULL, ",", &save))
				if (store_one(c, s, t, it) < 0)
					return -1;
			i++;
		} else if (!strcmp(o, "peers") || !strcmp(o, "srvkey") || !strcmp(o, "write-to")) {
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

/* After parsing: every track-sc names a proxy that has a stick-table (tcp-request rules are
 * reported first, as HAProxy checks them first). */
void hap_check_tracks(struct hap_ctx *c)
{
	for (struct hap_proxy *px = c->proxies; px; px = px->next) {
		if (px->svc) {
			check_list(c, px, px->svc->tcp_request_conn);
			check_list(c, px, px->svc->tcp_request_content);
			check_list(c, px, px->svc->http_request);
		} else if (px->pool) {
			check_list(c, px, px->pool->http_request);
		}
	}
}
