/* cli_cmds.c - the runtime API's command table, dispatcher and read-only commands.
 *
 * rt_cli_exec() runs one line of HAProxy's runtime API for any front end (stats sockets,
 * the master CLI): commands are `;`-separated, each answer ends with an empty line. A
 * command carries the level it needs (user < operator < admin); above it the answer is
 * "Permission denied". `help` and unknown commands list the table as HAProxy 2.6 does: the
 * commands sharing the longest exactly matching prefix of words, else the five closest,
 * whatever the level. Texts are HAProxy 2.6.12's, checked against its binary with socat.
 */
#include <stdlib.h>
#include <string.h>

#include "runtime/cli_int.h"

static const struct cli_cmd *cmds(size_t *n);

static const char *const tail_help =
    "  help [<command>]                        : list matching or all commands\n"
    "  prompt                                  : toggle interactive mode with prompt\n"
    "  quit                                    : disconnect\n";

/* Bigram similarity (Dice) of two strings, 0..100. */
static int similar(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la < 2 || lb < 2)
		return la && lb && a[0] == b[0] ? 50 : 0;
	int common = 0;
	for (size_t i = 0; i + 1 < la; i++)
		for (size_t j = 0; j + 1 < lb; j++)
			if (a[i] == b[j] && a[i + 1] == b[j + 1]) {
				common++;
				break;
			}
	return (int)(200 * common / (int)(la + lb - 2));
}

/* Words of t[i] equal to args[0..], counted from the start. */
static int prefix_len(const struct cli_cmd *t, char **args, int nargs)
{
	int w = 0;
	while (w < 4 && t->words[w] && w < nargs && !strcmp(t->words[w], args[w]))
		w++;
	return w;
}

#define MAX_CMDS 64

/* HAProxy's usage message: with no words, every command; else the commands sharing the
 * longest exact prefix of words with args (the five closest when more), else the five
 * closest of all; listed in table order, then help, prompt and quit. */
static void usage(struct rt_sbuf *o, const char *title, char **args, int nargs)
{
	size_t n;
	const struct cli_cmd *t = cmds(&n);
	rt_sb_puts(o, title);
	int length = 0;
	for (size_t i = 0; i < n; i++)
		if (t[i].help && prefix_len(&t[i], args, nargs) > length)
			length = prefix_len(&t[i], args, nargs);
	char line[256] = "";
	for (int i = 0; i < nargs && i < 4; i++) {
		if (i)
			strncat(line, " ", sizeof(line) - strlen(line) - 1);
		strncat(line, args[i], sizeof(line) - strlen(line) - 1);
	}
	int score[MAX_CMDS];
	for (size_t i = 0; i < n && i < MAX_CMDS; i++) {
		score[i] = -1;
		if (!t[i].help || prefix_len(&t[i], args, nargs) < length)
			continue;
		char kw[128] = "";
		for (int w = 0; w < 4 && t[i].words[w]; w++) {
			if (w)
				strcat(kw, " ");
			strcat(kw, t[i].words[w]);
		}
		score[i] = nargs ? similar(line, kw) : 0;
	}
	bool taken[MAX_CMDS] = {false};
	for (int k = 0; k < (nargs ? 5 : MAX_CMDS); k++) {
		int best = -1;
		for (size_t i = 0; i < n && i < MAX_CMDS; i++)
			if (!taken[i] && score[i] >= 0 && (best < 0 || score[i] > score[best]))
				best = (int)i;
		if (best < 0)
			break;
		taken[best] = true;
	}
	for (size_t i = 0; i < n && i < MAX_CMDS; i++)
		if (taken[i])
			rt_sb_puts(o, t[i].help);
	rt_sb_puts(o, tail_help);
}

static void cmd_help(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	(void)c;
	usage(o, "The following commands are valid at this level:\n", args + 1, nargs - 1);
}

static void cmd_prompt(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	(void)o, (void)args, (void)nargs;
	c->prompt = !c->prompt;
}

static void cmd_quit(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	(void)o, (void)args, (void)nargs;
	c->quit = true;
}

static void cmd_user(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	(void)o, (void)args, (void)nargs;
	c->level = RT_CLI_USER;
}

static void cmd_operator(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	(void)o, (void)args, (void)nargs;
	if (c->level > RT_CLI_OPER)
		c->level = RT_CLI_OPER;
}

static void cmd_level(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	(void)args, (void)nargs;
	rt_sb_puts(o, c->level == RT_CLI_ADMIN  ? "admin\n"
	              : c->level == RT_CLI_OPER ? "operator\n"
	                                        : "user\n");
}

static void cmd_info(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	bool json = false, typed = false;
	for (int i = 2; i < nargs; i++) {
		json |= !strcmp(args[i], "json");
		typed |= !strcmp(args[i], "typed");
	}
	if (json || typed)
		rt_stats_info_fmt(c->rt, o, json);
	else
		rt_stats_info(c->rt, o);
}

static void cmd_stat(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	unsigned flags = RT_SD_LEGENDS;
	bool json = false, typed = false;
	for (int i = 2; i < nargs; i++) {
		if (!strcmp(args[i], "typed"))
			typed = true;
		else if (!strcmp(args[i], "up"))
			flags |= RT_SD_UP;
		else if (!strcmp(args[i], "no-maint"))
			flags |= RT_SD_NOMAINT;
		else if (!strcmp(args[i], "json"))
			json = true;
	}
	if (json)
		rt_stats_json(c->rt, o, flags);
	else if (typed)
		rt_stats_typed(c->rt, o, flags);
	else
		rt_stats_csv(c->rt, o, flags);
}

static void cmd_version(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	(void)c, (void)args, (void)nargs;
	rt_sb_puts(o, VIPR_HAP_VERSION "\n");
}

extern char **environ;

static void cmd_env(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	(void)c;
	size_t n = nargs > 2 ? strlen(args[2]) : 0;
	for (char **e = environ; e && *e; e++) {
		if (nargs > 2 && (strncmp(*e, args[2], n) || (*e)[n] != '='))
			continue;
		rt_sb_puts(o, *e);
		rt_sb_puts(o, "\n");
		if (nargs > 2)
			return;
	}
	if (nargs > 2)
		rt_sb_puts(o, "Variable not found\n");
}

/* Backends (and listen sections) in declaration order. */
static void cmd_backend(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	(void)args, (void)nargs;
	rt_sb_puts(o, "# name\n");
	int maxid = 0;
	for (int i = 0; i < c->rt->npools; i++)
		if (c->rt->pools[i].conf->id > maxid)
			maxid = c->rt->pools[i].conf->id;
	for (int id = 0; id <= maxid; id++)
		for (int i = 0; i < c->rt->npools; i++) {
			const struct m_pool *p = c->rt->pools[i].conf;
			if (p->id == id && !p->lvs) {
				rt_sb_puts(o, p->name);
				rt_sb_puts(o, "\n");
			}
		}
}

static void cmd_clear_counters(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	bool all = nargs > 2 && !strcmp(args[2], "all");
	if (all && c->level < RT_CLI_ADMIN) {
		rt_sb_puts(o, "Permission denied\n");
		return;
	}
	rt_stats_clear(c->rt, all);
}

static void cmd_servers_state(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	if (!rt_stats_servers_state(c->rt, o, nargs > 3 ? args[3] : NULL))
		rt_sb_puts(o, "Can't find backend.\n");
}

struct rt_server *cli_server_arg(struct rt_cli_ctx *c, struct rt_sbuf *o, const char *arg)
{
	char be[256];
	const char *slash = arg ? strchr(arg, '/') : NULL;
	if (!slash || (size_t)(slash - arg) >= sizeof(be)) {
		rt_sb_puts(o, "Require 'backend/server'.\n");
		return NULL;
	}
	memcpy(be, arg, (size_t)(slash - arg));
	be[slash - arg] = 0;
	if (!rt_stats_find_pool(c->rt, be)) {
		rt_sb_puts(o, "No such backend.\n");
		return NULL;
	}
	struct rt_server *sv = rt_stats_find_server(c->rt, be, slash + 1);
	if (!sv)
		rt_sb_puts(o, "No such server.\n");
	return sv;
}

static void cmd_disable(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	struct rt_server *sv = cli_server_arg(c, o, nargs > 2 ? args[2] : NULL);
	if (sv)
		rt_stats_set_admin(sv, RT_ADM_MAINT, 0);
}

static void cmd_enable(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	struct rt_server *sv = cli_server_arg(c, o, nargs > 2 ? args[2] : NULL);
	if (sv)
		rt_stats_set_admin(sv, 0, RT_ADM_MAINT | RT_ADM_CMAINT);
}

static void cmd_get_weight(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	struct rt_server *sv = cli_server_arg(c, o, nargs > 2 ? args[2] : NULL);
	if (sv)
		rt_sb_printf(o, "%d (initial %d)\n", sv->weight, sv->iweight);
}

static void cmd_set_weight(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	/* `set weight B/S W` is `set server B/S weight W` */
	char *a[5] = {"set", "server", nargs > 2 ? args[2] : NULL, "weight",
	              nargs > 3 ? args[3] : ""};
	cli_set_server(c, o, a, nargs > 2 ? 5 : 2);
}

/* `set timeout cli <delay>`: HAProxy's time syntax, seconds by default. */
static void cmd_set_timeout(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs)
{
	if (nargs < 3 || strcmp(args[2], "cli")) {
		rt_sb_puts(o, "'set timeout' only supports 'cli'.\n");
		return;
	}
	if (nargs < 4) {
		rt_sb_puts(o, "Expects an integer value.\n");
		return;
	}
	static const struct {
		const char *unit;
		double ms;
	} units[] = {{"", 1000},   {"us", 0.001},  {"ms", 1},        {"s", 1000},
	             {"m", 60000}, {"h", 3600000}, {"d", 86400000.0}};
	char *end;
	unsigned long v = strtoul(args[3], &end, 10);
	for (size_t i = 0; end != args[3] && i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].unit)) {
			double ms = (double)v * units[i].ms;
			c->timeout_ms = ms < 1 ? 1 : ms > 2147483647.0 ? 2147483647L : (long)ms;
			return;
		}
	rt_sb_puts(o, "Invalid timeout value.\n");
}

#define H(s) "  " s "\n"
/* Sorted like HAProxy's help; NULL help: not listed. */
static const struct cli_cmd table[] = {
    {{"add", "server"},
     RT_CLI_ADMIN,
     cli_add_server,
     H("add server <bk>/<srv>                   : create a new server")},
    {{"clear", "counters"},
     RT_CLI_OPER,
     cmd_clear_counters,
     H("clear counters [all]                    : clear max statistics counters (or all "
       "counters)")},
    {{"del", "server"},
     RT_CLI_ADMIN,
     cli_del_server,
     H("del server <bk>/<srv>                   : remove a dynamically added server")},
    {{"disable", "agent"},
     RT_CLI_ADMIN,
     cli_disable_agent,
     H("disable agent                           : disable agent checks")},
    {{"disable", "frontend"},
     RT_CLI_ADMIN,
     cli_disable_fe,
     H("disable frontend <frontend>             : temporarily disable specific frontend")},
    {{"disable", "health"},
     RT_CLI_ADMIN,
     cli_disable_health,
     H("disable health                          : disable health checks")},
    {{"disable", "server"},
     RT_CLI_ADMIN,
     cmd_disable,
     H("disable server (DEPRECATED)             : disable a server for maintenance (use 'set "
       "server' instead)")},
    {{"enable", "agent"},
     RT_CLI_ADMIN,
     cli_enable_agent,
     H("enable agent                            : enable agent checks")},
    {{"enable", "frontend"},
     RT_CLI_ADMIN,
     cli_enable_fe,
     H("enable frontend <frontend>              : re-enable specific frontend")},
    {{"enable", "health"},
     RT_CLI_ADMIN,
     cli_enable_health,
     H("enable health                           : enable health checks")},
    {{"enable", "server"},
     RT_CLI_ADMIN,
     cmd_enable,
     H("enable server  (DEPRECATED)             : enable a disabled server (use 'set server' "
       "instead)")},
    {{"get", "weight"},
     RT_CLI_USER,
     cmd_get_weight,
     H("get weight <bk>/<srv>                   : report a server's current weight")},
    {{"operator"},
     RT_CLI_USER,
     cmd_operator,
     H("operator                                : lower the level of the current CLI session "
       "to operator")},
    {{"set", "maxconn", "frontend"},
     RT_CLI_ADMIN,
     cli_set_maxconn_fe,
     H("set maxconn frontend <frontend> <value> : change a frontend's maxconn setting")},
    {{"set", "maxconn", "global"},
     RT_CLI_ADMIN,
     cli_set_maxconn_global,
     H("set maxconn global <value>              : change the per-process maxconn setting")},
    {{"set", "maxconn", "server"},
     RT_CLI_ADMIN,
     cli_set_maxconn_srv,
     H("set maxconn server <bk>/<srv>           : change a server's maxconn setting")},
    {{"set", "server"},
     RT_CLI_ADMIN,
     cli_set_server,
     H("set server <bk>/<srv> [opts]            : change a server's state, weight, address or "
       "ssl")},
    {{"set", "timeout"},
     RT_CLI_USER,
     cmd_set_timeout,
     H("set timeout [cli] <delay>               : change a timeout setting")},
    {{"set", "weight"},
     RT_CLI_ADMIN,
     cmd_set_weight,
     H("set weight <bk>/<srv>  (DEPRECATED)     : change a server's weight (use 'set server' "
       "instead)")},
    {{"show", "backend"},
     RT_CLI_USER,
     cmd_backend,
     H("show backend                            : list backends in the current running "
       "config")},
    {{"show", "cli", "level"},
     RT_CLI_USER,
     cmd_level,
     H("show cli level                          : display the level of the current CLI "
       "session")},
    {{"show", "env"},
     RT_CLI_USER,
     cmd_env,
     H("show env [var]                          : dump environment variables known to the "
       "process")},
    {{"show", "errors"},
     RT_CLI_OPER,
     cli_show_errors,
     H("show errors [<px>] [request|response]   : report last request and/or response errors "
       "for each proxy")},
    {{"show", "info"},
     RT_CLI_USER,
     cmd_info,
     H("show info [desc|json|typed|float]*      : report information about the running "
       "process")},
    {{"show", "servers", "state"},
     RT_CLI_USER,
     cmd_servers_state,
     H("show servers state [<backend>]          : dump volatile server information (all or "
       "for a single backend)")},
    {{"show", "sess"},
     RT_CLI_OPER,
     cli_show_sess,
     H("show sess [id]                          : report the list of current sessions or "
       "dump this exact session")},
    {{"show", "stat"},
     RT_CLI_USER,
     cmd_stat,
     H("show stat [desc|json|no-maint|typed|up]*: report counters for each proxy and server")},
    {{"show", "version"},
     RT_CLI_USER,
     cmd_version,
     H("show version                            : show version of the current process")},
    {{"shutdown", "frontend"},
     RT_CLI_ADMIN,
     cli_shutdown_fe,
     H("shutdown frontend <frontend>            : stop a specific frontend")},
    {{"shutdown", "session"},
     RT_CLI_ADMIN,
     cli_shutdown_sess,
     H("shutdown session [id]                   : kill a specific session")},
    {{"shutdown", "sessions", "server"},
     RT_CLI_ADMIN,
     cli_shutdown_sessions,
     H("shutdown sessions server <bk>/<srv>     : kill sessions on a server")},
    {{"user"},
     RT_CLI_USER,
     cmd_user,
     H("user                                    : lower the level of the current CLI session "
       "to user")},
    {{"help"}, RT_CLI_USER, cmd_help, NULL},
    {{"prompt"}, RT_CLI_USER, cmd_prompt, NULL},
    {{"quit"}, RT_CLI_USER, cmd_quit, NULL},
};
#undef H

static const struct cli_cmd *cmds(size_t *n)
{
	*n = sizeof(table) / sizeof(table[0]);
	return table;
}

/* One command: its words (split on blanks), then the first row whose keyword words all
 * match, else HAProxy's unknown-command answer. */
static void run_cmd(struct rt_cli_ctx *c, struct rt_sbuf *o, char *line)
{
	char *args[64], *save = NULL;
	int nargs = 0;
	for (char *tok = strtok_r(line, " \t", &save); tok && nargs < 64;
	     tok = strtok_r(NULL, " \t", &save))
		args[nargs++] = tok;
	size_t n;
	const struct cli_cmd *t = cmds(&n);
	for (size_t i = 0; i < n; i++) {
		int w = prefix_len(&t[i], args, nargs);
		if (w < 4 && t[i].words[w])
			continue;
		if (t[i].level > c->level)
			rt_sb_puts(o, "Permission denied\n");
		else
			t[i].fn(c, o, args, nargs);
		return;
	}
	usage(o,
	      nargs ? "Unknown command, but maybe one of the following ones is a better match:\n"
	            : "Unknown command. Please enter one of the following commands only:\n",
	      args, nargs);
}

void rt_cli_exec(struct rt_cli_ctx *c, char *line, struct rt_sbuf *o)
{
	/* commands separated by ';' each get their own answer */
	char *save = NULL;
	bool any = false;
	for (char *p = strtok_r(line, ";", &save); p; p = strtok_r(NULL, ";", &save)) {
		any = true;
		c->no_blank = false;
		run_cmd(c, o, p);
		if (c->quit)
			return;
		if (!c->no_blank)
			rt_sb_puts(o, "\n");
		c->no_blank = false;
	}
	if (!any) {
		char empty[1] = "";
		if (!c->prompt)
			run_cmd(c, o, empty);
		rt_sb_puts(o, "\n");
	}
}
