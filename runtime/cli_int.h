/* cli_int.h - private to runtime/cli_*.c: the runtime API's command table and handlers.
 *
 * cli_cmds.c owns the table, the dispatcher, `help` and the unknown-command answer, and the
 * read-only commands; cli_admin.c the commands that change the running process (maxconn,
 * frontends, servers, sessions) and the queue that runs work on every worker's thread;
 * cli_api.c the stats sockets that feed lines to rt_cli_exec().
 */
#ifndef VIPR_CLI_INT_H
#define VIPR_CLI_INT_H

#include "runtime/rt.h"

/* A handler appends its answer (without the final empty line) to o; args[0..nargs) are the
 * words of the command, keyword words included. */
typedef void cli_fn(struct rt_cli_ctx *c, struct rt_sbuf *o, char **args, int nargs);

struct cli_cmd {
	const char *words[4]; /* the keyword words */
	int level;            /* RT_CLI_*: the least level that may run it */
	cli_fn *fn;
	const char *help; /* HAProxy 2.6.12's help line, or NULL: not listed */
};

/* cli_cmds.c: "backend/server" -> the server, or NULL with HAProxy's error written. */
struct rt_server *cli_server_arg(struct rt_cli_ctx *c, struct rt_sbuf *o, const char *arg);

/* cli_admin.c */
cli_fn cli_set_maxconn_fe, cli_set_maxconn_srv, cli_set_maxconn_global;
cli_fn cli_disable_fe, cli_enable_fe, cli_shutdown_fe;
cli_fn cli_set_server, cli_show_sess, cli_shutdown_sess, cli_shutdown_sessions;
cli_fn cli_show_errors;
/* Runs fn(w, arg) on every worker's thread (the caller's, worker 0's, inline) and waits
 * (bounded) for them. */
void cli_on_workers(struct rt *rt, void (*fn)(struct rt_worker *, void *), void *arg);

/* cli_dynsrv.c: add server, del server, enable|disable health|agent */
cli_fn cli_add_server, cli_del_server, cli_enable_health, cli_disable_health,
    cli_enable_agent, cli_disable_agent;

#endif
