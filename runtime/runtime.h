/* runtime.h - the one public interface of runtime/: serve a validated model until stopped.
 *
 * The runtime reads only model types (model/model.h). rt_run() opens the listeners of every
 * service, runs one libev loop per thread (global nbthread) and proxies traffic to the
 * services' pools in mode tcp or mode http, the way HAProxy 2.6 does. It returns when a
 * signal stops it: SIGINT/SIGTERM stop at once, SIGUSR1 stops accepting and lets the
 * sessions in progress finish (HAProxy's soft stop).
 */
#ifndef VIPR_RUNTIME_H
#define VIPR_RUNTIME_H

#include <stdbool.h>

#include "model/model.h"

struct rt_opts {
	bool foreground;     /* -db / -d: never daemonize even if `daemon` is set */
	const char *pidfile; /* -p FILE; NULL: the global `pidfile`, if any */
	bool quiet;          /* -q: no startup warnings */
	bool log_stderr;     /* print traffic logs on stderr even without a `log` line */
	/* process model (master.c): a worker of a master gets the master's end of its
	 * socketpair (>0; 0: no master), -sf/-st pids are signalled once listening */
	int master_fd;
	const int *oldpids;
	int noldpids;
	bool terminate_old; /* -st: SIGTERM the old pids instead of SIGUSR1 */
	void (*version_notice)(void); /* the haproxy personality's, before a startup alert */
};

/* ---- master-worker (master.c) ----
 * rt_master_run(): HAProxy's master process (-W, -Ws, `master-worker`). cfg is the loaded
 * configuration, or NULL when it failed to load on a reload (the running workers are kept).
 * Forks a worker serving cfg with rt_run(o), writes the pidfile with the master's pid,
 * re-executes argv on SIGUSR2 or the master CLI's `reload`, soft-stops the former workers
 * once the new one is listening, and notifies systemd (NOTIFY_SOCKET) with -Ws. Returns the
 * exit code of the master. rt_master_reexec(): true when this process is a master that
 * re-executed itself for a reload (its state is in the environment). */
struct rt_master_opts {
	char **argv;        /* the command line, executed again on reload */
	const char *pidfile; /* -p, or the global pidfile */
	bool systemd;       /* -Ws */
	bool daemon;        /* -D or `daemon`: the master goes to the background */
	bool no_exit_on_failure;
	const char **cli; /* -S arguments: "<bind>[,<option>...]" */
	int ncli;
	void (*version_notice)(void); /* printed once before the first warning or alert */
};
int rt_master_run(struct m_config *cfg, const struct rt_opts *o, const struct rt_master_opts *mo);
bool rt_master_reexec(void);

/* rt_run(): starts serving cfg (which must stay valid and unmodified until rt_run returns)
 * and blocks until stopped. Returns the process exit code: 0 after SIGINT, SIGTERM or a
 * completed SIGUSR1 soft stop; 1 when startup fails (bind error, unresolvable server), with
 * an HAProxy-style "[ALERT]" line on stderr. When the config says `daemon` and o->foreground
 * is false, the calling process forks: the parent returns 0 once the listeners are bound and
 * the child goes on serving and returns its own exit code when stopped. */
int rt_run(struct m_config *cfg, const struct rt_opts *o);

/* ---- lvs: keepalived virtual_servers (runtime/lvs*.c) ----
 * rt_lvs_spawn(): in the keepalived daemon, once its event loop exists: when cfg has
 * virtual_servers, starts the checker process (this program again, with VIPR_KA_CHECKER=1,
 * which serves them with rt_run: health checks, kernel IPVS or the userspace L4 path) and
 * supervises it on o->loop, restarting it when it dies (unless o->respawn is false: the loop
 * is then broken). Returns 0, or -1 when it could not be started. The daemon keeps cfg.
 * rt_lvs_reload(): on SIGHUP, before `old` is freed: a new checker over `cur` takes over
 * from the running one, which finishes its connections (lvs_child.c).
 * rt_lvs_wait(): on stop, SIGTERMs the checkers and waits (at most 5 s each) until they
 * have removed their services.
 * rt_lvs_is_checker() / rt_lvs_checker(): in the started process, which loads the
 * configuration named by the same command line and serves it; returns the exit code.
 * rt_lvs_ipvs_table(): the virtual servers of cfg in `ipvsadm -Ln` layout.
 * rt_lvs_ipvs_live(): the same table, live (weights after checks, ActiveConn), from the
 * virtual-server process of this network namespace; -1 when there is none. */
#include <stdio.h>
#include <sys/types.h>
struct ev_loop;
struct rt_lvs_opts {
	struct ev_loop *loop;
	char **argv;          /* the daemon's command line, NULL-terminated */
	const char *pidfile;  /* --checkers_pid, NULL: none */
	bool respawn;         /* false: --dont-respawn */
};
int rt_lvs_spawn(const struct m_config *cfg, const struct rt_lvs_opts *o);
void rt_lvs_reload(const struct m_config *old, struct m_config *cur);
void rt_lvs_wait(void);
bool rt_lvs_is_checker(void);
int rt_lvs_checker(struct m_config *cfg);
void rt_lvs_ipvs_table(const struct m_config *cfg, FILE *out);
int rt_lvs_ipvs_live(FILE *out);
/* ---- end lvs ---- */

#endif
