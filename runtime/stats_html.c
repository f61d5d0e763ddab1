/* stats_html.c - the HTML statistics page, laid out like HAProxy 2.6's.
 *
 * The page has HAProxy's sections: a header with process information, the legend of the
 * state colours and the display options (links relative to the stats uri: ;up, ;norefresh,
 * ;csv, ;json), then one table per proxy with a FRONTEND row, a row per server and a
 * BACKEND row, under the column groups Queue, Session rate, Sessions, Bytes, Denied, Errors,
 * Warnings and Server. Row classes use HAProxy's CSS class names so that the colours match.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checks/checks.h"
#include "runtime/stats_int.h"

static const char css[] =
    "<style type=\"text/css\"><!--\n"
    "body { font-family: arial, helvetica, sans-serif; font-size: 12px; font-weight: normal; "
    "color: black; background: white;}\n"
    "th,td { font-size: 10px;}\n"
    "h1 { font-size: x-large; margin-bottom: 0.5em;}\n"
    "h2 { font-family: helvetica, arial; font-size: x-large; font-weight: bold; font-style: "
    "italic; color: #6020a0; margin-top: 0em; margin-bottom: 0em;}\n"
    "h3 { font-family: helvetica, arial; font-size: 16px; font-weight: bold; color: #b00040; "
    "background: #e8e8d0; margin-top: 0em; margin-bottom: 0em;}\n"
    "li { margin-top: 0.25em; margin-right: 2em;}\n"
    ".hr {margin-top: 0.25em; border-color: black; border-bottom-style: solid;}\n"
    ".titre\t{background: #20D0D0;color: #000000; font-weight: bold; text-align: center;}\n"
    ".total\t{background: #20D0D0;color: #ffff80;}\n"
    ".frontend\t{background: #e8e8d0;}\n"
    ".socket\t{background: #d0d0d0;}\n"
    ".backend\t{background: #e8e8d0;}\n"
    ".active_down\t\t{background: #ff9090;}\n"
    ".active_going_up\t\t{background: #ffd020;}\n"
    ".active_going_down\t{background: #ffffa0;}\n"
    ".active_up\t\t{background: #c0ffc0;}\n"
    ".active_nolb\t\t{background: #20a0ff;}\n"
    ".active_draining\t\t{background: #20a0FF;}\n"
    ".active_no_check\t\t{background: #e0e0e0;}\n"
    ".backup_down\t\t{background: #ff9090;}\n"
    ".backup_going_up\t\t{background: #ff80ff;}\n"
    ".backup_going_down\t{background: #c060ff;}\n"
    ".backup_up\t\t{background: #b0d0ff;}\n"
    ".backup_nolb\t\t{background: #90b0e0;}\n"
    ".backup_draining\t\t{background: #cc9900;}\n"
    ".backup_no_check\t\t{background: #e0e0e0;}\n"
    ".maintain\t{background: #c07820;}\n"
    ".rls      {letter-spacing: 0.2em; margin-right: 1px;}\n"
    "a.px:link {color: #ffff40; text-decoration: none;}"
    "a.px:visited {color: #ffff40; text-decoration: none;}"
    "a.px:hover {color: #ffffff; text-decoration: none;}"
    "a.lfsb:link {color: #000000; text-decoration: none;}"
    "a.lfsb:visited {color: #000000; text-decoration: none;}"
    "a.lfsb:hover {color: #505050; text-decoration: none;}\n"
    "table.tbl { border-collapse: collapse; border-style: none;}\n"
    "table.tbl td { text-align: right; border-width: 1px 1px 1px 1px; border-style: solid "
    "solid solid solid; padding: 2px 3px; border-color: gray; white-space: nowrap;}\n"
    "table.tbl td.ac { text-align: center;}\n"
    "table.tbl th { border-width: 1px; border-style: solid solid solid solid; border-color: "
    "gray;}\n"
    "table.tbl th.pxname { background: #b00040; color: #ffff40; font-weight: bold; "
    "border-style: solid solid none solid; padding: 2px 3px; white-space: nowrap;}\n"
    "table.tbl th.empty { border-style: none; empty-cells: hide; background: white;}\n"
    "table.tbl th.desc { background: white; border-style: solid solid none solid; "
    "text-align: left; padding: 2px 3px;}\n"
    "table.lgd { border-collapse: collapse; border-width: 1px; border-style: none none none "
    "solid; border-color: black;}\n"
    "table.lgd td { border-width: 1px; border-style: solid solid solid solid; border-color: "
    "gray; padding: 2px;}\n"
    "table.lgd td.noborder { border-style: none; padding: 2px; white-space: nowrap;}\n"
    "table.det { border-collapse: collapse; border-style: none; }\n"
    "table.det th { text-align: left; border-width: 0px; padding: 0px 1px 0px 0px; "
    "font-style:normal;font-size:11px;font-weight:bold;font-family: sans-serif;}\n"
    "table.det td { text-align: right; border-width: 0px; padding: 0px 0px 0px 4px; "
    "white-space: nowrap; font-style:normal;font-size:11px;font-weight:normal;}\n"
    "u {text-decoration:none; border-bottom: 1px dotted black;}\n"
    /* the details under a counter stay hidden until the pointer is over it */
    "div.tips {\n display:block;\n visibility:hidden;\n z-index:2147483647;\n"
    " position:absolute;\n padding:2px 4px 3px;\n background:#f0f060; color:#000000;\n"
    " border:1px solid #7040c0;\n white-space:nowrap;\n"
    " font-style:normal;font-size:11px;font-weight:normal;\n"
    " -moz-border-radius:3px;-webkit-border-radius:3px;border-radius:3px;\n"
    " -moz-box-shadow:gray 2px 2px 3px;-webkit-box-shadow:gray 2px 2px 3px;box-shadow:gray "
    "2px 2px 3px;\n}\n"
    "u:hover div.tips {visibility:visible;}\n"
    "-->\n</style>\n";

static void legend(struct rt_sbuf *o)
{
	static const char *const cells[][2] = {
	    {"active_up", "active UP "},
	    {"backup_up", "backup UP "},
	    {"active_going_down", "active UP, going down "},
	    {"backup_going_down", "backup UP, going down "},
	    {"active_going_up", "active DOWN, going up "},
	    {"backup_going_up", "backup DOWN, going up "},
	    {"active_down", "active or backup DOWN &nbsp;"},
	    {"active_no_check", "not checked "},
	};
	rt_sb_puts(o, "<table class=\"lgd\">");
	for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i += 2)
		rt_sb_printf(o,
		             "<tr><td class=\"%s\">&nbsp;</td><td class=\"noborder\">%s</td>"
		             "<td class=\"%s\">&nbsp;</td><td class=\"noborder\">%s</td></tr>\n",
		             cells[i][0], cells[i][1], cells[i + 1][0], cells[i + 1][1]);
	rt_sb_puts(o, "<tr><td class=\"maintain\"></td><td class=\"noborder\" colspan=\"3\">active "
	              "or backup DOWN for maintenance (MAINT) &nbsp;</td></tr>\n"
	              "<tr><td class=\"active_draining\"></td><td class=\"noborder\" "
	              "colspan=\"3\">active or backup SOFT STOPPED for maintenance &nbsp;</td>"
	              "</tr>\n</table>\n"
	              "Note: \"NOLB\"/\"DRAIN\" = UP with load-balancing disabled.");
}

static void scope_sfx(char *buf, size_t len, const struct rt_stats_page *pg);

/* The box above the proxies telling what the last admin POST did (";st=" in the uri). */
static void status_msg(struct rt_sbuf *o, const struct rt_stats_page *pg)
{
	static const char *const msgs[][3] = {
	    {"DONE", "active_up", "Action processed successfully."},
	    {"NONE", "active_going_down", "Nothing has changed."},
	    {"PART", "active_going_down",
	     "Action partially processed.<br>Some server names are probably unknown or ambiguous "
	     "(duplicated names in the backend)."},
	    {"ERRP", "active_down",
	     "Action not processed because of invalid parameters.<ul><li>The action is maybe "
	     "unknown.</li><li>Invalid key parameter (empty or too long).</li><li>The backend "
	     "name is probably unknown or ambiguous (duplicated names).</li><li>Some server "
	     "names are probably unknown or ambiguous (duplicated names in the backend).</li>"
	     "</ul>"},
	    {"EXCD", "active_down",
	     "<b>Action not processed : the buffer couldn't store all the data.<br>You should "
	     "retry with less servers at a time.</b>"},
	    {"DENY", "active_down", "<b>Action denied.</b>"},
	    {"IVAL", "active_down",
	     "<b>Invalid requests (unsupported method or chunked encoded request).</b>"},
	};
	if (!pg->st_code)
		return;
	const char *cls = "active_no_check", *msg = "Unexpected result.";
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
		if (!strcmp(pg->st_code, msgs[i][0]))
			cls = msgs[i][1], msg = msgs[i][2];
	char sc[40];
	scope_sfx(sc, sizeof(sc), pg);
	rt_sb_printf(o,
	             "<p><div class=%s><a class=lfsb href=\"%s%s%s%s\" title=\"Remove this "
	             "message\">[X]</a> %s</div>\n",
	             cls, pg->uri, (pg->flags & RT_SD_UP) ? ";up" : "",
	             pg->st->refresh > 0 && !pg->refresh ? ";norefresh" : "", sc, msg);
}

/* "?scope=NAME" for the page's own links when the request had one. */
static void scope_sfx(char *buf, size_t len, const struct rt_stats_page *pg)
{
	buf[0] = 0;
	if (pg->scope.q)
		snprintf(buf, len, "?scope=%.*s", (int)(pg->scope.qlen > 20 ? 20 : pg->scope.qlen),
		         pg->scope.q);
}

static void header(struct rt *rt, struct rt_sbuf *o, const struct rt_stats_page *pg)
{
	const struct m_stats *st = pg->st;
	const char *uri = pg->uri;
	bool refresh = pg->refresh;
	char sc[40];
	scope_sfx(sc, sizeof(sc), pg);
	long long up = (long long)time(NULL) - rt->started;
	int hard = rt->cfg->global.maxconn > 0 ? rt->cfg->global.maxconn : 4096;
	int maxconn = rt_global_maxconn(rt) > 0 ? rt_global_maxconn(rt) : hard;
	rt_sb_puts(o, "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\"\n"
	              "\"http://www.w3.org/TR/html4/loose.dtd\">\n<html><head><title>Statistics "
	              "Report for HAProxy</title>\n<link rel=\"icon\" href=\"data:,\">\n"
	              "<meta http-equiv=\"content-type\" content=\"text/html; "
	              "charset=iso-8859-1\">\n");
	rt_sb_puts(o, css);
	if (st->hide_version == 1)
		rt_sb_puts(o, "</head>\n<body><h1><a href=\"http://www.haproxy.org/\" "
		              "style=\"text-decoration: none;\">HAProxy</a></h1>\n");
	else
		rt_sb_printf(
		    o,
		    "</head>\n<body><h1><a href=\"http://www.haproxy.org/\" "
		    "style=\"text-decoration: none;\">HAProxy version %s, released %s</a></h1>\n",
		    VIPR_HAP_VERSION, VIPR_HAP_DATE);
	rt_sb_printf(
	    o,
	    "<h2>Statistics Report for pid %d</h2>\n<hr width=\"100%%\" class=\"hr\">\n"
	    "<h3>&gt; General process information</h3>\n<table border=0><tr><td "
	    "align=\"left\" nowrap width=\"1%%\"><p>\n<b>pid = </b> %d (process #1, nbproc "
	    "= 1, nbthread = %d)<br>\n<b>uptime = </b> %lldd %lldh%02lldm%02llds<br>\n"
	    "<b>system limits:</b> memmax = unlimited; ulimit-n = %d<br>\n<b>maxsock = "
	    "</b> %d; <b>maxconn = </b> %d; <b>maxpipes = </b> 0<br>\ncurrent conns = %d; "
	    "current pipes = 0/0; conn rate = 0/sec; bit rate = 0.000 kbps<br>\n"
	    "Running tasks: 0/0; idle = 100 %%<br>\n</td><td align=\"center\" nowrap>\n",
	    (int)getpid(), (int)getpid(), rt->nw, up / 86400, up / 3600 % 24, up / 60 % 60, up % 60,
	    2 * hard + 31, 2 * hard + 31, maxconn, atomic_load(&rt->actconn));
	legend(o);
	rt_sb_printf(o,
	             "</td><td align=\"left\" valign=\"top\" nowrap width=\"1%%\">\n"
	             "<b>Display option:</b><ul style=\"margin-top: 0.25em;\">\n"
	             "<li><form method=\"GET\">Scope : <input value=\"%.*s\" name=\"scope\" "
	             "size=\"8\" maxlength=\"20\" tabindex=\"1\"/></form>\n"
	             "<li><a href=\"%s;up%s\">Hide 'DOWN' servers</a><br>\n",
	             pg->scope.q ? (int)(pg->scope.qlen > 20 ? 20 : pg->scope.qlen) : 0,
	             pg->scope.q ? pg->scope.q : "", uri, sc);
	if (refresh)
		rt_sb_printf(o, "<li><a href=\"%s;norefresh%s\">Disable refresh</a><br>\n", uri,
		             sc);
	rt_sb_printf(o,
	             "<li><a href=\"%s%s\">Refresh now</a><br>\n"
	             "<li><a href=\"%s;csv;norefresh%s\">CSV export</a><br>\n"
	             "<li><a href=\"%s;json;norefresh%s\">JSON export</a><br>\n</ul></td>\n"
	             "<td align=\"left\" valign=\"top\" nowrap width=\"1%%\">\n"
	             "<b>External resources:</b><ul style=\"margin-top: 0.25em;\">\n"
	             "<li><a href=\"http://www.haproxy.org/\">Primary site</a><br>\n"
	             "<li><a href=\"http://www.haproxy.org/#down\">Updates (v2.6)</a><br>\n"
	             "<li><a href=\"http://www.haproxy.org/#docs\">Online manual</a><br>\n"
	             "</ul></td></tr></table>\n",
	             uri, sc, uri, sc, uri, sc);
	status_msg(o, pg);
	rt_sb_puts(o, "<p>\n");
}

static const char thead[] =
    "<table class=\"tbl\" width=\"100%\">\n<tr class=\"titre\"><th rowspan=2></th>"
    "<th colspan=3>Queue</th><th colspan=3>Session rate</th><th colspan=6>Sessions</th>"
    "<th colspan=2>Bytes</th><th colspan=2>Denied</th><th colspan=3>Errors</th>"
    "<th colspan=2>Warnings</th><th colspan=9>Server</th></tr>\n"
    "<tr class=\"titre\"><th>Cur</th><th>Max</th><th>Limit</th><th>Cur</th><th>Max</th>"
    "<th>Limit</th><th>Cur</th><th>Max</th><th>Limit</th><th>Total</th><th>LbTot</th>"
    "<th>Last</th><th>In</th><th>Out</th><th>Req</th><th>Resp</th><th>Req</th><th>Conn</th>"
    "<th>Resp</th><th>Retr</th><th>Redis</th><th>Status</th><th>LastChk</th><th>Wght</th>"
    "<th>Act</th><th>Bck</th><th>Chk</th><th>Dwn</th><th>Dwntme</th><th>Thrtle</th></tr>\n";

/* "1h2m" style durations, as HAProxy prints Last and Dwntme. */
static void human(char *buf, size_t len, long long s)
{
	if (s < 0)
		snprintf(buf, len, "never");
	else if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh%lldm", s / 3600, s / 60 % 60);
	else
		snprintf(buf, len, "%lldd%lldh", s / 86400, s / 3600 % 24);
}

static void td_num(struct rt_sbuf *o, long long v)
{
	rt_sb_printf(o, "<td>%lld</td>", v);
}

static void td_txt(struct rt_sbuf *o, const char *v)
{
	rt_sb_printf(o, "<td>%s</td>", v);
}

static void td_common(struct rt_sbuf *o, struct rt_counters *c, long long scur, const char *slim)
{
	td_num(o, rt_rate_get(&c->sess_rate));
	td_num(o, atomic_load(&c->sess_rate.max));
	td_txt(o, "");
	td_num(o, scur);
	td_num(o, atomic_load(&c->smax));
	td_txt(o, slim);
	rt_sb_printf(o,
	             "<td><u>%lld<div class=tips><table class=det><tr><th>Cum. sessions:</th><td>"
	             "%lld</td></tr><tr><th>Cum. HTTP requests:</th><td>%lld</td></tr>"
	             "<tr><th>- HTTP 1xx responses:</th><td>%lld</td></tr>"
	             "<tr><th>- HTTP 2xx responses:</th><td>%lld</td></tr>"
	             "<tr><th>- HTTP 3xx responses:</th><td>%lld</td></tr>"
	             "<tr><th>- HTTP 4xx responses:</th><td>%lld</td></tr>"
	             "<tr><th>- HTTP 5xx responses:</th><td>%lld</td></tr>"
	             "<tr><th>- other responses:</th><td>%lld</td></tr></table></div></u></td>",
	             atomic_load(&c->stot), atomic_load(&c->stot), atomic_load(&c->req_tot),
	             atomic_load(&c->hrsp[0]), atomic_load(&c->hrsp[1]), atomic_load(&c->hrsp[2]),
	             atomic_load(&c->hrsp[3]), atomic_load(&c->hrsp[4]), atomic_load(&c->hrsp[5]));
}

static void row_frontend(struct rt *rt, struct rt_sbuf *o, struct rt_service *svc, bool admin)
{
	struct rt_counters *c = &svc->cnt;
	int lim = rt_svc_maxconn(svc) > 0 ? rt_svc_maxconn(svc) : rt_global_maxconn(rt);
	char slim[16] = "";
	if (lim > 0)
		snprintf(slim, sizeof(slim), "%d", lim);
	rt_sb_printf(o,
	             "<tr class=\"frontend\">%s<td class=ac><a name=\"%s/Frontend\"></a><a "
	             "class=lfsb href=\"#%s/Frontend\">Frontend</a></td><td colspan=3></td>",
	             admin ? "<td></td>" : "", svc->conf->name, svc->conf->name);
	td_common(o, c, atomic_load(&svc->cur), slim);
	rt_sb_puts(o, "<td></td><td></td>");
	td_num(o, atomic_load(&c->bin));
	td_num(o, atomic_load(&c->bout));
	td_num(o, atomic_load(&c->dreq));
	td_num(o, atomic_load(&c->dresp));
	td_num(o, atomic_load(&c->ereq));
	rt_sb_printf(o,
	             "<td></td><td></td><td></td><td></td><td class=ac>%s</td>"
	             "<td colspan=8></td></tr>\n",
	             atomic_load(&rt->stop) || atomic_load(&svc->adm) == RT_FE_STOPPED ? "STOP"
	             : atomic_load(&svc->adm) == RT_FE_PAUSED                          ? "PAUSED"
	                                                                               : "OPEN");
}

static const char *srv_class(const struct rt_server *sv, const char *status)
{
	if (!strcmp(status, "MAINT"))
		return "maintain";
	if (!strcmp(status, "DRAIN"))
		return sv->backup ? "backup_draining" : "active_draining";
	if (!strcmp(status, "DOWN"))
		return sv->backup ? "backup_down" : "active_down";
	if (!strcmp(status, "NOLB"))
		return sv->backup ? "backup_nolb" : "active_nolb";
	if (!strcmp(status, "no check"))
		return sv->backup ? "backup_no_check" : "active_no_check";
	return sv->backup ? "backup_up" : "active_up";
}

static void row_server(struct rt_sbuf *o, struct rt_pool *p, struct rt_server *sv, bool admin)
{
	struct rt_counters *c = &sv->cnt;
	const char *status = rt_stats_srv_status(sv);
	const struct m_server *ms = sv->conf;
	char slim[16] = "", last[32] = "", chg[32];
	long long now = (long long)time(NULL), ls = atomic_load(&c->last_sess);
	if (rt_srv_maxconn(sv) > 0)
		snprintf(slim, sizeof(slim), "%d", rt_srv_maxconn(sv));
	human(last, sizeof(last), ls ? now - ls : -1);
	human(chg, sizeof(chg), now - atomic_load(&sv->lastchg));
	rt_sb_printf(o, "<tr class=\"%s\">", srv_class(sv, status));
	if (admin)
		rt_sb_printf(o,
		             "<td><input class='%s-checkbox' type=\"checkbox\" name=\"s\" "
		             "value=\"%s\"></td>",
		             p->conf->name, ms->name);
	rt_sb_printf(o,
	             "<td class=ac><a name=\"%s/%s\"></a><a class=lfsb "
	             "href=\"#%s/%s\">%s</a></td>",
	             p->conf->name, ms->name, p->conf->name, ms->name, ms->name);
	rt_sb_puts(o, "<td>0</td><td>0</td><td>");
	if (ms->maxqueue > 0)
		rt_sb_printf(o, "%d", ms->maxqueue);
	else
		rt_sb_puts(o, "-");
	rt_sb_puts(o, "</td>");
	td_common(o, c, atomic_load(&sv->cur), slim);
	td_num(o, atomic_load(&c->stot));
	td_txt(o, last);
	td_num(o, atomic_load(&c->bin));
	td_num(o, atomic_load(&c->bout));
	rt_sb_puts(o, "<td></td>");
	td_num(o, atomic_load(&c->dresp));
	rt_sb_puts(o, "<td></td>");
	td_num(o, atomic_load(&c->econ));
	td_num(o, atomic_load(&c->eresp));
	td_num(o, atomic_load(&c->wretr));
	td_num(o, atomic_load(&c->wredis));
	bool chk = ms->check.enabled;
	const struct chk_state *st = chk && sv->chk ? chk_get_state(sv->chk) : NULL;
	char lastchk[64] = "";
	if (st && st->status != CHK_ST_UNKNOWN) {
		if (st->code > 0 && st->status >= CHK_ST_L7OK && st->status <= CHK_ST_L7STS)
			snprintf(lastchk, sizeof(lastchk), "%s/%d in %ldms",
			         chk_status_str(st->status), st->code, st->duration_ms);
		else
			snprintf(lastchk, sizeof(lastchk), "%s in %ldms",
			         chk_status_str(st->status), st->duration_ms);
	}
	rt_sb_printf(o, "<td class=ac>%s %s</td><td class=ac>%s</td>", chg, status,
	             lastchk[0] ? lastchk
	             : chk      ? "&nbsp;"
	                        : "");
	rt_sb_printf(o, "<td class=ac>%d/%d</td><td class=ac>%s</td><td class=ac>%s</td>",
	             sv->weight, sv->iweight, sv->backup ? "-" : "Y", sv->backup ? "Y" : "-");
	if (chk)
		rt_sb_printf(o, "<td>%lu</td><td>%lu</td><td>0s</td>", st ? st->fails : 0UL,
		             st ? st->downs : 0UL);
	else
		rt_sb_puts(o, "<td colspan=3></td>");
	rt_sb_puts(o, "<td class=ac>-</td></tr>\n");
}

static void row_backend(struct rt *rt, struct rt_sbuf *o, struct rt_pool *p, bool admin)
{
	struct rt_counters *c = &p->cnt;
	int act = 0, bck = 0, w = 0;
	for (int i = 0; i < p->nsrv; i++) {
		struct rt_server *sv = rt_psrv(p, i);
		if (!sv->usable || (atomic_load(&sv->admin) & RT_ADM_MAINT))
			continue;
		if (sv->backup)
			bck++;
		else
			act++;
		w += sv->weight;
	}
	long long now = (long long)time(NULL), ls = atomic_load(&c->last_sess);
	char last[32], chg[32];
	human(last, sizeof(last), ls ? now - ls : -1);
	human(chg, sizeof(chg), now - rt->started);
	const struct m_proxy_conf *be = p->conf->conf;
	int fe_max = be && be->maxconn > 0 ? be->maxconn : rt->cfg->global.maxconn;
	int lim = be && be->fullconn > 0 ? be->fullconn : (fe_max > 0 ? fe_max / 10 : 1);
	char slim[16];
	snprintf(slim, sizeof(slim), "%d", lim > 0 ? lim : 1);
	rt_sb_printf(
	    o,
	    "<tr class=\"backend\">%s<td class=ac><a name=\"%s/Backend\"></a><a "
	    "class=lfsb href=\"#%s/Backend\">Backend</a></td><td>0</td><td>0</td><td></td>",
	    admin ? "<td></td>" : "", p->conf->name, p->conf->name);
	td_common(o, c, atomic_load(&p->cur), slim);
	td_num(o, atomic_load(&c->stot));
	td_txt(o, last);
	td_num(o, atomic_load(&c->bin));
	td_num(o, atomic_load(&c->bout));
	td_num(o, atomic_load(&c->dreq));
	td_num(o, atomic_load(&c->dresp));
	rt_sb_puts(o, "<td></td>");
	td_num(o, atomic_load(&c->econ));
	td_num(o, atomic_load(&c->eresp));
	td_num(o, atomic_load(&c->wretr));
	td_num(o, atomic_load(&c->wredis));
	bool up = p->nsrv == 0 || act || bck;
	rt_sb_printf(o,
	             "<td class=ac>%s %s</td><td class=ac>&nbsp;</td><td class=ac>%d/%d</td>"
	             "<td class=ac>%d</td><td class=ac>%d</td><td class=ac>&nbsp;</td>"
	             "<td>0</td><td>0s</td><td></td></tr>\n",
	             chg, up ? "UP" : "DOWN", w, w, act, bck);
}

static const char actions[] =
    "Choose the action to perform on the checked servers : <select name=action><option "
    "value=\"\"></option><option value=\"ready\">Set state to READY</option><option "
    "value=\"drain\">Set state to DRAIN</option><option value=\"maint\">Set state to "
    "MAINT</option><option value=\"dhlth\">Health: disable checks</option><option "
    "value=\"ehlth\">Health: enable checks</option><option value=\"hrunn\">Health: force "
    "UP</option><option value=\"hnolb\">Health: force NOLB</option><option "
    "value=\"hdown\">Health: force DOWN</option><option value=\"dagent\">Agent: disable "
    "checks</option><option value=\"eagent\">Agent: enable checks</option><option "
    "value=\"arunn\">Agent: force UP</option><option value=\"adown\">Agent: force "
    "DOWN</option><option value=\"shutdown\">Kill Sessions</option></select>";

/* One proxy's tables; with admin rights a backend's is a form whose check boxes pick the
 * servers the chosen action applies to. */
static void proxy(struct rt *rt, struct rt_sbuf *o, const struct rt_stats_page *pg,
                  struct rt_service *svc, struct rt_pool *p)
{
	const char *name = svc ? svc->conf->name : p->conf->name;
	bool form = pg->admin && p && p->nsrv > 0; /* HAProxy: a backend with servers */
	rt_sb_printf(o,
	             "%s<table class=\"tbl\" width=\"100%%\">\n<tr class=\"titre\"><th "
	             "class=\"pxname\" width=\"10%%\"><a name=\"%s\"></a><a class=px "
	             "href=\"#%s\">%s</a></th><th class=\"empty\" width=\"90%%\"></th></tr>\n"
	             "</table>\n",
	             form ? "<form method=\"post\">" : "", name, name, name);
	const char *first = "<tr class=\"titre\"><th rowspan=2></th>";
	if (!pg->admin) {
		rt_sb_puts(o, thead);
	} else {
		rt_sb_puts(o, "<table class=\"tbl\" width=\"100%\">\n");
		if (form)
			rt_sb_printf(
			    o,
			    "<tr class=\"titre\"><th rowspan=2 width=1><input type=\"checkbox\" "
			    "onclick=\"for(c in document.getElementsByClassName('%s-checkbox')) "
			    "document.getElementsByClassName('%s-checkbox').item(c).checked = "
			    "this.checked\"></th><th rowspan=2></th>",
			    p->conf->name, p->conf->name);
		else
			rt_sb_puts(o, "<tr class=\"titre\"><th rowspan=2></th><th rowspan=2></th>");
		rt_sb_puts(o, strstr(thead, first) + strlen(first));
	}
	if (svc)
		row_frontend(rt, o, svc, pg->admin);
	for (int i = 0; p && i < p->nsrv; i++) {
		struct rt_server *sv = rt_psrv(p, i);
		bool down = !sv->usable || (atomic_load(&sv->admin) & RT_ADM_MAINT);
		if ((pg->flags & RT_SD_UP) && down)
			continue;
		row_server(o, p, sv, pg->admin);
	}
	if (p)
		row_backend(rt, o, p, pg->admin);
	if (form)
		rt_sb_printf(
		    o,
		    "</table>%s<input type=\"hidden\" name=\"b\" value=\"#%d\">&nbsp;<input "
		    "type=\"submit\" value=\"Apply\"></form><p>\n",
		    actions, st_proxy_iid(p->conf->id));
	else
		rt_sb_puts(o, "</table><p>\n");
}

void rt_stats_html(struct rt *rt, struct rt_sbuf *o, const struct rt_stats_page *pg)
{
	header(rt, o, pg);
	int maxid = 0;
	for (int i = 0; i < rt->nsvc; i++)
		maxid = rt->svc[i].conf->id > maxid ? rt->svc[i].conf->id : maxid;
	for (int i = 0; i < rt->npools; i++)
		maxid = rt->pools[i].conf->id > maxid ? rt->pools[i].conf->id : maxid;
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
		if ((svc || p) &&
		    rt_stats_in_scope(&pg->scope, svc ? svc->conf->name : p->conf->name))
			proxy(rt, o, pg, svc, p);
	}
	rt_sb_puts(o, "</body></html>\n");
}
