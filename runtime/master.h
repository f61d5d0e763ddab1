/* master.h - the master-worker process model, private to runtime/ (master.c, mcli.c,
 * rt_main.c).
 *
 * The master keeps, across its re-executions, the list of its workers and the listening
 * sockets of the newest worker generation; a new worker takes the sockets it needs from that
 * table instead of binding again, so no connection waiting in a listen queue is lost on a
 * reload. Worker and master talk over one SOCK_SEQPACKET socketpair per worker.
 */
#ifndef VIPR_MASTER_H
#define VIPR_MASTER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct rt;

/* The worker side (rt_main.c). rt_mw_take_listener(): a listening socket inherited for key
 * (an address and a thread number), its fd, or -1 (bind a new one). rt_mw_close_unused():
 * closes the inherited sockets no listener took. rt_mw_worker_ready(): sends the worker's
 * listeners and its readiness to the master; returns false when the master is gone. */
int rt_mw_take_listener(const char *key);
void rt_mw_close_unused(void);
bool rt_mw_worker_ready(struct rt *rt, int master_fd);

/* Messages on the socketpair, one per datagram: the worker sends "L" followed by
 * newline-terminated keys with as many fds, then "R" when it serves; the master sends "C"
 * with one fd, a stream socket on which the worker serves one CLI session at admin level. */
#define MW_MAX_FDS_PER_MSG 200

/* Master CLI (mcli.c), run by the master's loop. mcli_open() binds every -S argument (an
 * [ALERT] and -1 on failure); mcli_start() serves them on the default loop. */
struct mw_proc_info {
	pid_t pid;
	const char *type; /* "master", "worker" */
	int reloads;
	long long start;
	bool old; /* a former worker, still finishing its sessions */
};
int mcli_open(const char **binds, int n);
void mcli_start(void);
void mcli_close(bool unlink_paths); /* false: the paths stay (a worker, an exec) */

/* Provided by master.c to mcli.c. mw_log(): "[ALERT]"/"[WARNING]"/"[NOTICE]" lines as
 * HAProxy's, the version notice first before a warning or an alert. */
void mw_log(const char *tag, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int mw_procs(struct mw_proc_info *out, int max); /* master first, then newest worker first */
int mw_failed_reloads(void);
void mw_reload(void); /* as SIGUSR2 */
typedef void (*mw_out_cb)(void *arg, const char *d, size_t n, bool end);
/* forwards a command line to a worker at a CLI level; -1: no such worker, or it is busy */
int mw_worker_cmd(pid_t pid, int relative, int level, const char *line, mw_out_cb cb, void *arg);
void mw_cancel_cmd(void *arg); /* the connection waiting with arg goes away */

#endif
