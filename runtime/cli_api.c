/* cli_api.c - the stats socket: HAProxy's runtime API on the global `stats socket` paths.
 *
 * Each unix socket is served by worker 0's loop. A connection reads one line, runs its
 * `;`-separated commands and closes, unless a `prompt` command made it interactive: then
 * every line is answered followed by "> ". Every answer ends with an empty line, as with
 * HAProxy. Commands carry the level they need (user < operator < admin); a connection starts
 * at its socket's `level` (operator when not given, as in 2.6) and `user`/`operator` lower
 * it.
 * Texts (help lines, errors) are HAProxy 2.6.12's, checked against its binary with socat.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "runtime/rt.h"

enum { LVL_USER = 1, LVL_OPER = 2, LVL_ADMIN = 3 };

struct rt_cli_sock {
	ev_io io;
	int fd;
	int level;
	char *path;
	struct rt *rt;
	struct rt_cli_sock *next;
};

struct cli_conn {
	ev_io io;
	ev_timer tmo;
	int fd;
	int level;
	bool prompt, quit;
	struct rt *rt;
	struct ev_loop *loop;
	char in[8192];
	size_t inlen;
	struct rt_sbuf out;
	size_t sent;
};

/* ---------------------------------------------------------------- commands */

struct cli_cmd {
	const char *words[4]; /* the keyword words */
	int level;
	void (*fn)(struct cli_conn *c, char **args, int nargs);
	const char *help; /* HAProxy 2.6.12's help line, or NULL */
};

static void out(struct cli_conn *c, const char *s)
{
	rt_sb_puts(&c->out, s);
}

static const struct cli_cmd *cmds(size_t *n);

static const char *const tail_help =
    "  help [<command>]                        : list matching or all commands\n"
    "  prompt                                  : toggle interactive mode with prompt\n"
    "  quit                                    : disconnect\n";

static void list_cmds(struct cli_conn *c, const struct cli_cmd **sel, size_t nsel)
{
	for (size_t i = 0; i < nsel; i++)
		if (sel[i]->help)
			out(c, sel[i]->help);
	out(c, tail_help);
}

static void all_cmds(struct cli_conn *c, const char *title)
{
	size_t n;
	const struct cli_cmd *t = cmds(&n);
	const struct cli_cmd *sel[32];
	size_t k = 0;
	for (size_t i = 0; i < n && k < 32; i++)
		if (t[i].level <= c->level)
			sel[k++] = &t[i];
	out(c, title);
	list_cmds(c, sel, k);
}

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

/* Unknown command: the five closest commands of this level (same first word first, then
 * by bigram similarity), like HAProxy's suggestions; an empty line gets the whole list. */
static void unknown(struct cli_conn *c, char **args, int nargs)
{
	size_t n;
	const struct cli_cmd *t = cmds(&n);
	if (nargs == 0) {
		all_cmds(c, "Unknown command. Please enter one of the following commands only:\n");
		return;
	}
	char line[256] = "";
	for (int i = 0; i < nargs && i < 4; i++) {
		if (i)
			strncat(line, " ", sizeof(line) - strlen(line) - 1);
		strncat(line, args[i], sizeof(line) - strlen(line) - 1);
	}
	int score[32] = {0};
	for (size_t i = 0; i < n && i < 32; i++) {
		score[i] = -1;
		if (!t[i].help || t[i].level > c->level)
			continue;
		char kw[128] = "";
		for (int w = 0; w < 4 && t[i].words[w]; w++) {
			if (w)
				strcat(kw, " ");
			strcat(kw, t[i].words[w]);
		}
		score[i] = similar(line, kw) + (!strcmp(args[0], t[i].words[0]) ? 1000 : 0);
	}
	const struct cli_cmd *sel[5];
	bool taken[32] = {false};
	size_t k = 0;
	for (; k < 5; k++) { /* the best five, then printed in table order */
		int best = -1;
		for (size_t i = 0; i < n && i < 32; i++)
			if (!taken[i] && score[i] >= 0 && (best < 0 || score[i] > score[best]))
				best = (int)i;
		if (best < 0)
			break;
		taken[best] = true;
	}
	k = 0;
	for (size_t i = 0; i < n && i < 32; i++)
		if (taken[i])
			sel[k++] = &t[i];
	out(c, "Unknown command, but maybe one of the following ones is a better match:\n");
	list_cmds(c, sel, k);
}

static void cmd_help(struct cli_conn *c, char **args, int nargs)
{
	(void)args;
	(void)nargs;
	all_cmds(c, "The following commands are valid at this level:\n");
}

static void cmd_prompt(struct cli_conn *c, char **args, int nargs)
{
	(void)args;
	(void)nargs;
	c->prompt = !c->prompt;
}

static void cmd_quit(struct cli_conn *c, char **args, int nargs)
{
	(void)args;
	(void)nargs;
	c->quit = true;
}

static void cmd_user(struct cli_conn *c, char **args, int nargs)
{
	(void)args;
	(void)nargs;
	c->level = LVL_USER;
}

static void cmd_operator(struct cli_conn *c, char **args, int nargs)
{
	(void)args;
	(void)nargs;
	if (c->level > LVL_OPER)
		c->level = LVL_OPER;
}

static void cmd_level(struct cli_conn *c, char **args, int nargs)
{
	(void)args;
	(void)nargs;
	out(c, c->level == LVL_ADMIN ? "admin\n" : c->level == LVL_OPER ? "operator\n" : "user\n");
}

static void cmd_info(struct cli_conn *c, char **args, int nargs)
{
	bool json = false, typed = false;
	for (int i = 2; i < nargs; i++) {
		json |= !strcmp(args[i], "json");
		typed |= !strcmp(args[i], "typed");
	}
	if (json || typed)
		rt_stats_info_fmt(c->rt, &c->out, json);
	else
		rt_stats_info(c->rt, &c->out);
}

static void cmd_stat(struct cli_conn *c, char **args, int nargs)
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
		rt_stats_json(c->rt, &c->out, flags);
	else if (typed)
		rt_stats_typed(c->rt, &c->out, flags);
	else
		rt_stats_csv(c->rt, &c->out, flags);
}

static void cmd_version(struct cli_conn *c, char **args, int nargs)
{
	(void)args, (void)nargs;
	out(c, VIPR_HAP_VERSION "\n");
}

extern char **environ;

static void cmd_env(struct cli_conn *c, char **args, int nargs)
{
	size_t n = nargs > 2 ? strlen(args[2]) : 0;
	for (char **e = environ; e && *e; e++) {
		if (nargs > 2 && (strncmp(*e, args[2], n) || (*e)[n] != '='))
			continue;
		out(c, *e);
		out(c, "\n");
		if (nargs > 2)
			return;
	}
	if (nargs > 2)
		out(c, "Variable not found\n");
}

/* Backends (and listen sections) in declaration order. */
static void cmd_backend(struct cli_conn *c, char **args, int nargs)
{
	(void)args, (void)nargs;
	out(c, "# name\n");
	int maxid = 0;
	for (int i = 0; i < c->rt->npools; i++)
		if (c->rt->pools[i].conf->id > maxid)
			maxid = c->rt->pools[i].conf->id;
	for (int id = 0; id <= maxid; id++)
		for (int i = 0; i < c->rt->npools; i++) {
			const struct m_pool *p = c->rt->pools[i].conf;
			if (p->id == id && !p->lvs) {
				out(c, p->name);
				out(c, "\n");
			}
		}
}

static void cmd_clear_counters(struct cli_conn *c, char **args, int nargs)
{
	bool all = nargs > 2 && !strcmp(args[2], "all");
	if (all && c->level < LVL_ADMIN) {
		out(c, "Permission denied\n");
		return;
	}
	rt_stats_clear(c->rt, all);
}

static void cmd_servers_state(struct cli_conn *c, char **args, int nargs)
{
	if (!rt_stats_servers_state(c->rt, &c->out, nargs > 3 ? args[3] : NULL))
		out(c, "Can't find backend.\n");
}

/* "backend/server" -> the server, or an error already written. */
static struct rt_server *server_arg(struct cli_conn *c, const char *arg)
{
	char be[256];
	const char *slash = arg ? strchr(arg, '/') : NULL;
	if (!slash || (size_t)(slash - arg) >= sizeof(be)) {
		out(c, "Require 'backend/server'.\n");
		return NULL;
	}
	memcpy(be, arg, (size_t)(slash - arg));
	be[slash - arg] = 0;
	if (!rt_stats_find_pool(c->rt, be)) {
		out(c, "No such backend.\n");
		return NULL;
	}
	struct rt_server *sv = rt_stats_find_server(c->rt, be, slash + 1);
	if (!sv)
		out(c, "No such server.\n");
	return sv;
}

static void cmd_disable(struct cli_conn *c, char **args, int nargs)
{
	struct rt_server *sv = server_arg(c, nargs > 2 ? args[2] : NULL);
	if (sv)
		rt_stats_set_admin(sv, RT_ADM_MAINT, 0);
}

static void cmd_enable(struct cli_conn *c, char **args, int nargs)
{
	struct rt_server *sv = server_arg(c, nargs > 2 ? args[2] : NULL);
	if (sv)
		rt_stats_set_admin(sv, 0, RT_ADM_MAINT | RT_ADM_CMAINT);
}

static void cmd_get_weight(struct cli_conn *c, char **args, int nargs)
{
	struct rt_server *sv = server_arg(c, nargs > 2 ? args[2] : NULL);
	if (sv)
		rt_sb_printf(&c->out, "%d (initial %d)\n", sv->weight, sv->iweight);
}

/* Applies "N" or "N%" (of the initial weight); returns an error text or NULL. */
static const char *set_weight(struct rt_server *sv, const char *arg)
{
	if (!arg || !*arg)
		return "Require <weight> or <weight%>.\n";
	char *end;
	long w = strtol(arg, &end, 10);
	if (end == arg)
		return "Empty weight string empty or preceded by garbage";
	if (*end == '%') {
		if (end[1])
			return "Trailing garbage in weight string";
		if (w < 0)
			return "Relative weight must be positive.\n";
		w = sv->iweight * w / 100;
		if (w > 256)
			w = 256;
	} else if (*end) {
		return "Trailing garbage in weight string";
	} else if (w < 0 || w > 256) {
		return "Absolute weight can only be between 0 and 256 inclusive.\n";
	}
	pthread_mutex_lock(&sv->pool->lock);
	sv->weight = (int)w;
	sv->cw = 0;
	pthread_mutex_unlock(&sv->pool->lock);
	return NULL;
}

static void cmd_set_weight(struct cli_conn *c, char **args, int nargs)
{
	struct rt_server *sv = server_arg(c, nargs > 2 ? args[2] : NULL);
	const char *err = sv ? set_weight(sv, nargs > 3 ? args[3] : NULL) : NULL;
	if (err)
		out(c, err);
}

static void cmd_set_server(struct cli_conn *c, char **args, int nargs)
{
	struct rt_server *sv = server_arg(c, nargs > 2 ? args[2] : NULL);
	if (!sv)
		return;
	const char *what = nargs > 3 ? args[3] : "";
	const char *val = nargs > 4 ? args[4] : NULL;
	if (!strcmp(what, "weight")) {
		const char *err = set_weight(sv, val);
		if (err)
			out(c, err);
	} else if (!strcmp(what, "state")) {
		if (val && !strcmp(val, "ready"))
			rt_stats_set_admin(sv, 0, RT_ADM_MAINT | RT_ADM_CMAINT | RT_ADM_DRAIN);
		else if (val && !strcmp(val, "drain"))
			rt_stats_set_admin(sv, RT_ADM_DRAIN, RT_ADM_MAINT | RT_ADM_CMAINT);
		else if (val && !strcmp(val, "maint"))
			rt_stats_set_admin(sv, RT_ADM_MAINT, 0);
		else
			out(c, "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n");
	} else {
		out(c,
		    "usage: set server <backend>/<server> addr | agent | agent-addr | agent-port "
		    "| agent-send | check-addr | check-port | fqdn | health | ssl | state | "
		    "weight\n");
	}
}

/* Sorted like HAProxy's help; NULL help: not listed. */
static const struct cli_cmd table[] = {
    {{"clear", "counters"},
     LVL_OPER,
     cmd_clear_counters,
     "  clear counters [all]                    : clear max statistics counters (or all "
     "counters)\n"},
    {{"disable", "server"},
     LVL_ADMIN,
     cmd_disable,
     "  disable server (DEPRECATED)             : disable a server for maintenance (use 'set "
     "server' instead)\n"},
    {{"enable", "server"},
     LVL_ADMIN,
     cmd_enable,
     "  enable server  (DEPRECATED)             : enable a disabled server (use 'set server' "
     "instead)\n"},
    {{"get", "weight"},
     LVL_USER,
     cmd_get_weight,
     "  get weight <bk>/<srv>                   : report a server's current weight\n"},
    {{"operator"},
     LVL_USER,
     cmd_operator,
     "  operator                                : lower the level of the current CLI session "
     "to operator\n"},
    {{"set", "server"},
     LVL_ADMIN,
     cmd_set_server,
     "  set server <bk>/<srv> [opts]            : change a server's state, weight, address or "
     "ssl\n"},
    {{"set", "weight"},
     LVL_ADMIN,
     cmd_set_weight,
     "  set weight <bk>/<srv>  (DEPRECATED)     : change a server's weight (use 'set server' "
     "instead)\n"},
    {{"show", "backend"},
     LVL_USER,
     cmd_backend,
     "  show backend                            : list backends in the current running "
     "config\n"},
    {{"show", "cli", "level"},
     LVL_USER,
     cmd_level,
     "  show cli level                          : display the level of the current CLI "
     "session\n"},
    {{"show", "env"},
     LVL_USER,
     cmd_env,
     "  show env [var]                          : dump environment variables known to the "
     "process\n"},
    {{"show", "info"},
     LVL_USER,
     cmd_info,
     "  show info [desc|json|typed|float]*      : report information about the running "
     "process\n"},
    {{"show", "servers", "state"},
     LVL_USER,
     cmd_servers_state,
     "  show servers state [<backend>]          : dump volatile server information (all or "
     "for a single backend)\n"},
    {{"show", "stat"},
     LVL_USER,
     cmd_stat,
     "  show stat [desc|json|no-maint|typed|up]*: report counters for each proxy and server\n"},
    {{"show", "version"},
     LVL_USER,
     cmd_version,
     "  show version                            : show version of the current process\n"},
    {{"user"},
     LVL_USER,
     cmd_user,
     "  user                                    : lower the level of the current CLI session "
     "to user\n"},
    {{"help"}, LVL_USER, cmd_help, NULL},
    {{"prompt"}, LVL_USER, cmd_prompt, NULL},
    {{"quit"}, LVL_USER, cmd_quit, NULL},
};

static const struct cli_cmd *cmds(size_t *n)
{
	*n = sizeof(table) / sizeof(table[0]);
	return table;
}

static void run_cmd(struct cli_conn *c, char *line)
{
	char *args[64];
	int nargs = 0;
	for (char *tok = strtok(line, " \t"); tok && nargs < 64; tok = strtok(NULL, " \t"))
		args[nargs++] = tok;
	size_t n;
	const struct cli_cmd *t = cmds(&n);
	for (size_t i = 0; i < n; i++) {
		int w = 0;
		while (w < 4 && t[i].words[w] && w < nargs && !strcmp(t[i].words[w], args[w]))
			w++;
		if (w < 4 && t[i].words[w])
			continue;
		if (t[i].level > c->level)
			out(c, "Permission denied\n");
		else
			t[i].fn(c, args, nargs);
		return;
	}
	unknown(c, args, nargs);
}

/* ---------------------------------------------------------------- connections */

static void conn_free(struct cli_conn *c)
{
	ev_io_stop(c->loop, &c->io);
	ev_timer_stop(c->loop, &c->tmo);
	close(c->fd);
	free(c->out.d);
	free(c);
}

/* Runs the complete lines received; false once the connection should end. */
static bool run_lines(struct cli_conn *c)
{
	char *nl;
	while ((nl = memchr(c->in, '\n', c->inlen))) {
		*nl = 0;
		size_t used = (size_t)(nl - c->in) + 1;
		if (nl > c->in && nl[-1] == '\r')
			nl[-1] = 0;
		/* commands separated by ';' each get their own answer */
		char *save = NULL;
		char *cmd = c->in;
		bool any = false;
		for (char *p = strtok_r(cmd, ";", &save); p; p = strtok_r(NULL, ";", &save)) {
			any = true;
			run_cmd(c, p);
			if (c->quit)
				break;
			out(c, "\n");
		}
		if (!any && !c->quit) {
			char empty[1] = "";
			if (c->prompt)
				out(c, "");
			else
				run_cmd(c, empty);
			out(c, "\n");
		}
		memmove(c->in, c->in + used, c->inlen - used);
		c->inlen -= used;
		if (c->quit || !c->prompt)
			return false;
		out(c, "> ");
	}
	return true;
}

static void conn_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct cli_conn *c = container_of(io, struct cli_conn, io);
	if (revents & EV_READ) {
		ssize_t n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - 1 - c->inlen, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			conn_free(c);
			return;
		}
		if (n > 0) {
			c->inlen += (size_t)n;
			ev_timer_again(loop, &c->tmo);
			if (!run_lines(c))
				c->quit = true;
			if (c->inlen == sizeof(c->in) - 1)
				c->quit = true;
		}
	}
	while (c->sent < c->out.len) {
		ssize_t n = send(c->fd, c->out.d + c->sent, c->out.len - c->sent, MSG_NOSIGNAL);
		if (n <= 0) {
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				break;
			conn_free(c);
			return;
		}
		c->sent += (size_t)n;
	}
	if (c->sent == c->out.len) {
		c->sent = c->out.len = 0;
		if (c->quit) {
			conn_free(c);
			return;
		}
	}
	int ev = c->quit ? EV_WRITE : (c->out.len ? EV_READ | EV_WRITE : EV_READ);
	ev_io_stop(loop, &c->io);
	ev_io_set(&c->io, c->fd, ev);
	ev_io_start(loop, &c->io);
}

static void conn_tmo_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)revents;
	conn_free(container_of(t, struct cli_conn, tmo));
}

static void accept_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	(void)revents;
	struct rt_cli_sock *ls = container_of(io, struct rt_cli_sock, io);
	for (;;) {
		int fd = accept4(ls->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct cli_conn *c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->level = ls->level;
		c->rt = ls->rt;
		c->loop = loop;
		m_ms to = ls->rt->cfg->global.stats_timeout > 0 ? ls->rt->cfg->global.stats_timeout
		                                                : 10000;
		ev_io_init(&c->io, conn_cb, fd, EV_READ);
		ev_io_start(loop, &c->io);
		ev_timer_init(&c->tmo, conn_tmo_cb, 0, (double)to / 1000.0);
		ev_timer_again(loop, &c->tmo);
	}
}

/* ---------------------------------------------------------------- sockets */

static int level_of(const char *s)
{
	if (s && !strcmp(s, "user"))
		return LVL_USER;
	if (s && !strcmp(s, "admin"))
		return LVL_ADMIN;
	return LVL_OPER; /* HAProxy 2.6's default level */
}

int rt_cli_open(struct rt *rt)
{
	rt->started = (long long)time(NULL);
	for (int i = 0; i < rt->npools; i++)
		for (int k = 0; k < rt->pools[i].nsrv; k++) {
			struct rt_server *sv = &rt->pools[i].srv[k];
			sv->iweight = sv->weight;
			atomic_store(&sv->lastchg, rt->started);
			if (sv->conf->disabled == 1)
				atomic_store(&sv->admin, RT_ADM_MAINT | RT_ADM_CMAINT);
		}
	for (const struct m_stats_socket *s = rt->cfg->global.stats_sockets; s; s = s->next) {
		if (s->addr.kind != M_ADDR_UNIX || !s->addr.path)
			continue; /* TCP and abstract stats sockets come later */
		struct sockaddr_un sun = {.sun_family = AF_UNIX};
		if (strlen(s->addr.path) >= sizeof(sun.sun_path))
			continue;
		strcpy(sun.sun_path, s->addr.path);
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		unlink(s->addr.path); /* a stale socket of a previous run */
		if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 16) < 0) {
			fprintf(
			    stderr,
			    "[ALERT]    (%d) : Starting proxy GLOBAL: cannot bind UNIX socket (%s) "
			    "[%s]\n",
			    (int)getpid(), strerror(errno), s->addr.path);
			close(fd);
			return -1;
		}
		if (s->mode > 0)
			chmod(s->addr.path, (mode_t)s->mode);
		struct rt_cli_sock *ls = calloc(1, sizeof(*ls));
		ls->fd = fd;
		ls->level = level_of(s->level);
		ls->path = s->addr.path;
		ls->rt = rt;
		ls->next = rt->cli;
		rt->cli = ls;
	}
	return 0;
}

void rt_cli_start(struct rt *rt, struct ev_loop *loop)
{
	for (struct rt_cli_sock *ls = rt->cli; ls; ls = ls->next) {
		ev_io_init(&ls->io, accept_cb, ls->fd, EV_READ);
		ev_io_start(loop, &ls->io);
		ev_unref(loop); /* the stats socket alone must not keep the loop alive */
	}
}

void rt_cli_close(struct rt *rt)
{
	struct rt_cli_sock *ls = rt->cli, *n;
	for (; ls; ls = n) {
		n = ls->next;
		if (ev_is_active(&ls->io)) {
			ev_ref(rt->w[0].loop);
			ev_io_stop(rt->w[0].loop, &ls->io);
		}
		close(ls->fd);
		unlink(ls->path);
		free(ls);
	}
	rt->cli = NULL;
}
