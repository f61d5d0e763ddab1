/* ka_main.c - the keepalived personality: keepalived 2.2.7's command line.
 *
 * Every flag keepalived takes is accepted so that unit files and scripts need no change.
 * `-t/--config-test[=LOGFILE]` loads the configuration with host checks and prints the
 * findings as keepalived does ("(FILE: Line N) text" from its children, "(Line N) text" from
 * its parent) with its exit codes: 0 ok, 4 cannot run, 5 configuration errors, 6 script
 * security or a missing mandatory include. Without -t the VRRP daemon runs (vrrp/): pidfiles
 * with keepalived's "already running" rule, SIGTERM/SIGINT stop, SIGHUP reload, SIGUSR1/
 * SIGUSR2/36 dump files, 63 clears the statistics, and systemd's sd_notify protocol
 * (READY=1, RELOADING=1, STOPPING=1) for Type=notify units.
 */
#include "cli.h"
#include "parser/parser.h"
#include "vrrp/vrrp.h"
#include "runtime/runtime.h" /* lvs: rt_lvs_spawn() */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stddef.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

enum { OPT_ALL = 256, OPT_SIGNUM };
/* keepalived 2.2.7's numbers (--signum JSON and STATS_CLEAR), real-time signals on Linux */
enum { KA_SIG_JSON = 36, KA_SIG_STATS_CLEAR = 63 };

static const struct option ka_longopts[] = {
	{ "use-file", required_argument, NULL, 'f' },
	{ "vrrp", no_argument, NULL, 'P' },
	{ "check", no_argument, NULL, 'C' },
	{ "no_bfd", no_argument, NULL, 'B' },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "log-console", no_argument, NULL, 'l' },
	{ "log-detail", no_argument, NULL, 'D' },
	{ "log-facility", required_argument, NULL, 'S' },
	{ "no-syslog", no_argument, NULL, 'G' },
	{ "umask", required_argument, NULL, 'u' },
	{ "release-vips", no_argument, NULL, 'X' },
	{ "dont-release-vrrp", no_argument, NULL, 'V' },
	{ "dont-release-ipvs", no_argument, NULL, 'I' },
	{ "dont-respawn", no_argument, NULL, 'R' },
	{ "dont-fork", no_argument, NULL, 'n' },
	{ "dump-conf", no_argument, NULL, 'd' },
	{ "pid", required_argument, NULL, 'p' },
	{ "vrrp_pid", required_argument, NULL, 'r' },
	{ "genhash", no_argument, NULL, 'T' },
	{ "checkers_pid", required_argument, NULL, 'c' },
	{ "address-monitoring", no_argument, NULL, 'a' },
	{ "bfd_pid", required_argument, NULL, 'b' },
	{ "snmp", no_argument, NULL, 'x' },
	{ "snmp-agent-socket", required_argument, NULL, 'A' },
	{ "namespace", required_argument, NULL, 's' },
	{ "core-dump", no_argument, NULL, 'm' },
	{ "core-dump-pattern", optional_argument, NULL, 'M' },
	{ "all-config", no_argument, NULL, 'e' },
	{ "config-id", required_argument, NULL, 'i' },
	{ "signum", required_argument, NULL, OPT_SIGNUM },
	{ "config-test", optional_argument, NULL, 't' },
	{ "version", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void ka_version(FILE *f)
{
	fprintf(f, "Keepalived v%s (01/16,2022), %s %s\n\n", VIPR_KA_VERSION, VIPR_NAME,
		VIPR_VERSION);
	fputs("Copyright(C) 2001-2022 Alexandre Cassen, <acassen@gmail.com>\n", f);
	fprintf(f, "This is %s %s, a reimplementation that takes keepalived %s's configuration "
		   "and command line;\nit is not Keepalived.\n\n", VIPR_NAME, VIPR_VERSION,
		VIPR_KA_VERSION);
	fputs("Config options:  NFTABLES LVS VRRP VRRP_AUTH VRRP_VMAC\n", f);
}

static void ka_usage(FILE *f, const char *prog)
{
	fprintf(f, "Usage: %s [OPTION...]\n", prog);
	fputs("  -f, --use-file=FILE          Use the specified configuration file\n"
	      "                                default '/etc/keepalived/keepalived.conf'\n"
	      "  -P, --vrrp                   Only run with VRRP subsystem\n"
	      "  -C, --check                  Only run with Health-checker subsystem\n"
	      "  -B, --no_bfd                 Don't run BFD subsystem\n"
	      "      --all                    Force all child processes to run, even if have no "
	      "configuration\n"
	      "  -l, --log-console            Log messages to local console\n"
	      "  -D, --log-detail             Detailed log messages\n"
	      "  -S, --log-facility=([0-7]|local[0-7]|user|daemon)\n"
	      "                               Set syslog facility to LOG_LOCAL[0-7], user or "
	      "daemon (default)\n"
	      "  -G, --no-syslog              Don't log via syslog\n"
	      "  -u, --umask=MASK             umask for file creation (in numeric form)\n"
	      "  -X, --release-vips           Drop VIP on transition from signal.\n"
	      "  -V, --dont-release-vrrp      Don't remove VRRP VIPs and VROUTEs on daemon stop\n"
	      "  -I, --dont-release-ipvs      Don't remove IPVS topology on daemon stop\n"
	      "  -R, --dont-respawn           Don't respawn child processes\n"
	      "  -n, --dont-fork              Don't fork the daemon process\n"
	      "  -d, --dump-conf              Dump the configuration data\n"
	      "  -p, --pid=FILE               Use specified pidfile for parent process\n"
	      "  -r, --vrrp_pid=FILE          Use specified pidfile for VRRP child process\n"
	      "  -T, --genhash                Enter into genhash utility mode (this should be "
	      "the first option used).\n"
	      "  -c, --checkers_pid=FILE      Use specified pidfile for checkers child process\n"
	      "  -a, --address-monitoring     Report all address additions/deletions notified "
	      "via netlink\n"
	      "  -b, --bfd_pid=FILE           Use specified pidfile for BFD child process\n"
	      "  -x, --snmp                   Enable SNMP subsystem\n"
	      "  -A, --snmp-agent-socket=FILE Use the specified socket for master agent\n"
	      "  -s, --namespace=NAME         Run in network namespace NAME (overrides config)\n"
	      "  -m, --core-dump              Produce core dump if terminate abnormally\n"
	      "  -M, --core-dump-pattern=PATN Also set /proc/sys/kernel/core_pattern to PATN "
	      "(default 'core')\n"
	      "  -e, --all-config             Error if any configuration file missing (same as "
	      "includet)\n"
	      "  -i, --config-id id           Skip any configuration lines beginning '@' that "
	      "don't match id\n"
	      "                                or any lines beginning @^ that do match.\n"
	      "                                The config-id defaults to the node name if option "
	      "not used\n"
	      "      --signum=SIGFUNC         Return signal number for STOP, RELOAD, DATA, STATS, "
	      "STATS_CLEAR, JSON\n"
	      "  -t, --config-test[=LOG_FILE] Check the configuration for obvious errors, output "
	      "to\n"
	      "                                stderr by default\n"
	      "  -v, --version                Display the version number\n"
	      "  -h, --help                   Display this help message\n",
	      f);
	fprintf(f, "(%s %s: the keepalived personality of vipr)\n", VIPR_NAME, VIPR_VERSION);
}

static int ka_signum(const char *name)
{
	static const struct { const char *n; int v; } t[] = {
		{ "STOP", 15 }, { "RELOAD", 1 }, { "DATA", 10 }, { "STATS", 12 },
		{ "STATS_CLEAR", KA_SIG_STATS_CLEAR }, { "JSON", KA_SIG_JSON },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (!strcmp(name, t[i].n))
			return t[i].v;
	return -1;
}

/* Prints one finding as keepalived's log line. */
/* A finding as keepalived prints it, in -t and in its log: "(FILE: Line N) text". */
static void format_finding(char *buf, size_t len, const struct diag *d)
{
	if (d->at.line && (d->flags & M_KA_DIAG_PARENT))
		snprintf(buf, len, "(Line %u) %s", d->at.line, d->compat);
	else if (d->at.line)
		snprintf(buf, len, "(%s: Line %u) %s", d->at.file ? d->at.file : "", d->at.line,
			 d->compat);
	else
		snprintf(buf, len, "%s", d->compat);
}

static void print_finding(FILE *f, const struct diag *d)
{
	char buf[2048];
	format_finding(buf, sizeof(buf), d);
	fprintf(f, "%s\n", buf);
}

/* keepalived -t: the parent's findings come first, then its children's. Exit 6 for script
 * security or a missing mandatory include, 5 for any other reported error. */
static int config_test(const char *path, const struct ka_opts *o, const char *logfile)
{
	FILE *out = stderr;
	if (logfile) {
		out = fopen(logfile, "w");
		if (!out) {
			fprintf(stderr, "Unable to open config-test log file %s %d - %s\n", logfile,
				errno, strerror(errno));
			return 1;
		}
	}
	struct m_config *cfg = m_config_new();
	struct diag_list dl = { 0 };
	int r = ka_load(cfg, path, o, &dl);
	int rc = 0;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < dl.n; i++) {
			const struct diag *d = &dl.v[i];
			if (!d->compat || ((d->flags & M_KA_DIAG_PARENT) != 0) != (pass == 0))
				continue;
			print_finding(out, d);
			if (d->compat_sev != DIAG_ERROR)
				continue;
			if (d->flags & DIAG_ABORT) /* keepalived stopped reading: exit status 2 */
				rc = 2;
			else if (rc == 2)
				continue;
			else if (d->flags & (DIAG_SECURITY | DIAG_MISSING))
				rc = 6;
			else if (rc < 5)
				rc = 5;
		}
	if (r < 0)
		rc = o->all_config ? 4 : 0;
	if (out != stderr)
		fclose(out);
	diag_list_free(&dl);
	m_config_free(cfg);
	return rc;
}

/* ---------------------------------------------------------------- daemon */

struct ka_daemon {
	const char *conf;
	struct ka_opts o;
	struct vrrp_daemon_opts vo;
	const char *pidfile, *vrrp_pidfile, *checkers_pidfile;
	bool dont_fork, vrrp_only, check_only, dont_respawn;
	struct vrrp_daemon *vd;
	struct m_config *cfg; /* the running configuration */
	int argc;
	char **argv;
};

static int facility(const char *s)
{
	static const int loc[] = { LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3,
				   LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7 };
	if (!strcmp(s, "user"))
		return LOG_USER;
	if (!strncmp(s, "local", 5))
		s += 5;
	if (s[0] >= '0' && s[0] <= '7' && !s[1])
		return loc[s[0] - '0'];
	return LOG_DAEMON;
}

/* keepalived: a second instance with a live pid in the same pidfile logs and exits 0. */
static bool already_running(const char *path)
{
	FILE *f = fopen(path, "r");
	long pid = 0;
	if (!f)
		return false;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	return pid > 0 && pid != getpid() && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

static int write_pid(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		vrrp_log("Unable to write pidfile %s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
	return 0;
}

/* Loads the configuration for the daemon; the findings keepalived would log are logged. */
static struct m_config *load(struct ka_daemon *k, bool *fatal)
{
	struct m_config *cfg = m_config_new();
	struct diag_list dl = { 0 };
	vrrp_log("Opening file '%s'.", k->conf);
	int r = ka_load(cfg, k->conf, &k->o, &dl);
	*fatal = false;
	for (size_t i = 0; i < dl.n; i++) {
		char buf[2048];
		if (dl.v[i].compat) {
			format_finding(buf, sizeof(buf), &dl.v[i]);
			vrrp_log("%s", buf);
		}
		*fatal |= (dl.v[i].flags & DIAG_ABORT) != 0;
	}
	diag_list_free(&dl);
	if (*fatal) { /* keepalived's child exits on it, and the parent stops (status 2) */
		vrrp_log("pid %d exited with permanent error CONFIG. Terminating", (int)getpid());
		r = -1;
	}
	if (r < 0) {
		m_config_free(cfg);
		return NULL;
	}
	vrrp_log("Configuration file %s", k->conf);
	return cfg;
}

/* ---------------------------------------------------------------- systemd */

/* NOTIFY_SOCKET, read once at start and removed from the environment so that notify and
 * track scripts do not talk to systemd in our name. */
static char notify_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

static void notify_init(void)
{
	const char *e = getenv("NOTIFY_SOCKET");
	if (e && (e[0] == '/' || e[0] == '@') && strlen(e) < sizeof(notify_path))
		strcpy(notify_path, e);
	unsetenv("NOTIFY_SOCKET");
}

/* sd_notify(3)'s protocol: one datagram to the unix socket NOTIFY_SOCKET names; a leading
 * '@' names an abstract socket. Failures are ignored: systemd may be gone. */
static void notify(const char *msg)
{
	if (!notify_path[0])
		return;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(notify_path);
	memcpy(sa.sun_path, notify_path, n);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
				    (sa.sun_path[0] ? 1 : 0));
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0)
		vrrp_log("sd_notify %s: %s", msg, strerror(errno));
	close(fd);
}

/* ---------------------------------------------------------------- signals */

static void on_stop(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)revents;
	(void)w;
	notify("STOPPING=1");
	vrrp_log("Stopping");
	ev_break(loop, EVBREAK_ALL);
}

static void on_reload(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)loop;
	(void)revents;
	struct ka_daemon *k = w->data;
	notify("RELOADING=1");
	vrrp_log("Reloading ...");
	bool fatal;
	struct m_config *cfg = load(k, &fatal);
	if (!cfg) {
		notify("READY=1");
		return;
	}
	vrrp_log("Reloading");
	if (!k->vrrp_only) /* lvs: a new checker takes over (runtime/lvs_child.c) */
		rt_lvs_reload(k->cfg, cfg);
	if (k->vd)
		m_config_free(vrrp_daemon_reload(k->vd, cfg));
	else
		m_config_free(k->cfg);
	k->cfg = cfg;
	vrrp_log("Reload complete");
	notify("READY=1");
}

/* keepalived's signal files: $TMPDIR (default /tmp)/keepalived.{data,stats,json}, mode
 * 0600 even when the file existed, never through a symlink. */
static void write_dump(struct ka_daemon *k, enum vrrp_dump kind)
{
	static const char *const name[] = { "keepalived.data", "keepalived.stats",
					    "keepalived.json" };
	static const char *const what[] = { "data", "stats", "as json" };
	const char *dir = getenv("TMPDIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/tmp", name[kind]);
	vrrp_log("Printing VRRP %s for process(%d) on signal", what[kind], (int)getpid());
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 && fchmod(fd, 0600) == 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		vrrp_log("Can't open %s (%d: %s)", path, errno, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	vrrp_daemon_dump(k->vd, kind, f);
	fclose(f);
}

static void on_dump(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)loop;
	(void)revents;
	struct ka_daemon *k = w->data;
	switch (w->signum) {
	case SIGUSR1: write_dump(k, VRRP_DUMP_DATA); break;
	case SIGUSR2: write_dump(k, VRRP_DUMP_STATS); break;
	case KA_SIG_JSON: write_dump(k, VRRP_DUMP_JSON); break;
	case KA_SIG_STATS_CLEAR:
		write_dump(k, VRRP_DUMP_STATS);
		vrrp_daemon_stats_clear(k->vd);
		break;
	default: break;
	}
}

static int daemonize(void)
{
	pid_t p = fork();
	if (p < 0)
		return -1;
	if (p > 0)
		_exit(0);
	setsid();
	int fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return 0;
}

/* The checker process (runtime/lvs_child.c): the daemon started this program again with its
 * own command line. The daemon already logged the configuration's findings. */
static int ka_checker(struct ka_daemon *k)
{
	const char *name = strrchr(k->argv[0], '/');
	/* ps shows "keepalived", as for keepalived's children, not the executable's "exe" */
	(void)prctl(PR_SET_NAME, name ? name + 1 : k->argv[0]);
	if (!k->dont_fork)
		k->vo.log_console = false;
	vrrp_log_init(&k->vo);
	struct m_config *cfg = m_config_new();
	struct diag_list dl = { 0 };
	int r = ka_load(cfg, k->conf, &k->o, &dl);
	bool fatal = false;
	for (size_t i = 0; i < dl.n; i++)
		fatal |= (dl.v[i].flags & DIAG_ABORT) != 0;
	diag_list_free(&dl);
	int rc = 1;
	if (r < 0 || fatal)
		vrrp_log("Healthcheck child process: cannot load %s", k->conf);
	else
		rc = rt_lvs_checker(cfg);
	m_config_free(cfg);
	return rc;
}

/* keepalived's VRRP process exits at start (permanent error CONFIG) when an instance names an
 * interface that does not exist, without dynamic_interfaces, or a loopback one. */
static bool ifaces_ok(const struct m_config *cfg)
{
	if (cfg->ka.dynamic_interfaces == 1)
		return true;
	for (const struct m_vrrp_instance *v = cfg->vrrp; v; v = v->next) {
		const char *ifn = v->interface ? v->interface : cfg->ka.default_interface;
		const struct m_origin *at = &v->interface_at;
		char where[512] = "";
		bool lo = false;
		if (!ifn)
			continue;
		if (v->interface && at->line)
			snprintf(where, sizeof(where), "(%s: Line %u) ", at->file ? at->file : "",
				 at->line);
		if (!ka_if_exists(ifn, &lo)) {
			vrrp_log("%sWARNING - interface %s for vrrp_instance %s doesn't exist", where,
				 ifn, v->name);
			vrrp_log("Non-existent interface specified in configuration");
			return false;
		}
		if (lo) {
			vrrp_log("%s(%s) cannot use a loopback interface (%s) for vrrp - ignoring",
				 where, v->name, ifn);
			vrrp_log("(%s) Unknown interface!", v->name);
			return false;
		}
	}
	return true;
}

static int run_daemon(struct ka_daemon *k)
{
	if (already_running(k->pidfile) || (!k->check_only && already_running(k->vrrp_pidfile))) {
		vrrp_log_init(&k->vo);
		vrrp_log("daemon is already running");
		return 0;
	}
	notify_init();
	if (!k->dont_fork && daemonize() < 0)
		return 1;
	if (!k->dont_fork)
		k->vo.log_console = false;
	vrrp_log_init(&k->vo);
	vrrp_log("Starting Keepalived v%s (01/16,2022), %s %s", VIPR_KA_VERSION, VIPR_NAME,
		 VIPR_VERSION);
	char cmd[1024] = "";
	for (int i = 0, n = 0; i < k->argc && n < (int)sizeof(cmd) - 1; i++)
		n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, "%s'%s'", i ? " " : "", k->argv[i]);
	vrrp_log("Command line: %s", cmd);
	bool fatal;
	struct m_config *cfg = k->cfg = load(k, &fatal);
	if (!cfg && fatal) {
		vrrp_log("Stopped Keepalived v%s (01/16,2022)", VIPR_KA_VERSION);
		return 2;
	}
	if (!cfg)
		return 1;
	if (!ifaces_ok(cfg)) {
		m_config_free(cfg);
		k->cfg = NULL;
		vrrp_log("Stopped");
		vrrp_log("pid %d exited with permanent error CONFIG. Terminating", (int)getpid());
		vrrp_log("Stopped Keepalived v%s (01/16,2022)", VIPR_KA_VERSION);
		return 2;
	}
	if (write_pid(k->pidfile) < 0 || write_pid(k->vrrp_pidfile) < 0)
		return 1;
	/* Not libev's default loop: that one reaps every child on SIGCHLD (waitpid(-1)), and
	 * would take a vrrp_script's exit status before the checks engine reads it. */
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	if (!loop)
		return 1;
	if (!k->vrrp_only) { /* lvs: virtual_servers + real_server checks in a supervised child */
		struct rt_lvs_opts lo = { .loop = loop, .argv = k->argv,
					  .pidfile = k->checkers_pidfile,
					  .respawn = !k->dont_respawn };
		rt_lvs_spawn(cfg, &lo);
	}
	signal(SIGPIPE, SIG_IGN);
	ev_signal sterm, sint, shup, sdump[4];
	ev_signal_init(&sterm, on_stop, SIGTERM);
	ev_signal_init(&sint, on_stop, SIGINT);
	ev_signal_init(&shup, on_reload, SIGHUP);
	shup.data = k;
	ev_signal_start(loop, &sterm);
	ev_signal_start(loop, &sint);
	ev_signal_start(loop, &shup);
	static const int dump_sigs[] = { SIGUSR1, SIGUSR2, KA_SIG_JSON, KA_SIG_STATS_CLEAR };
	for (size_t i = 0; i < ARRAY_SIZE(dump_sigs); i++) {
		ev_signal_init(&sdump[i], on_dump, dump_sigs[i]);
		sdump[i].data = k;
		ev_signal_start(loop, &sdump[i]);
	}
	if (!k->check_only)
		k->vd = vrrp_daemon_new(loop, cfg, &k->vo);
	vrrp_log("Startup complete");
	notify("READY=1");
	ev_run(loop, 0);
	rt_lvs_wait(); /* lvs: the checker removes its IPVS services before we exit */
	vrrp_daemon_free(k->vd);
	k->vd = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(dump_sigs); i++)
		ev_signal_stop(loop, &sdump[i]);
	ev_signal_stop(loop, &sterm);
	ev_signal_stop(loop, &sint);
	ev_signal_stop(loop, &shup);
	ev_loop_destroy(loop);
	m_config_free(k->cfg);
	unlink(k->vrrp_pidfile);
	unlink(k->pidfile);
	vrrp_log("Stopped Keepalived v%s (01/16,2022)", VIPR_KA_VERSION);
	return 0;
}

int ka_main(int argc, char **argv)
{
	const char *conf = "/etc/keepalived/keepalived.conf", *logfile = NULL;
	struct ka_opts o = { 0 };
	struct ka_daemon k = { .pidfile = "/run/keepalived.pid", .vrrp_pidfile = "/run/vrrp.pid",
			       .checkers_pidfile = "/run/checkers.pid", .argc = argc,
			       .argv = argv };
	k.vo.log_facility = LOG_DAEMON;
	bool test = false;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":vhlndu:DRS:f:p:i:mM::r:Tc:a:b:s:xA:GXVIPCBt::e",
				ka_longopts, NULL)) != -1) {
		switch (c) {
		case 'v': ka_version(stderr); return 0;
		case 'h': ka_usage(stderr, argv[0]); return 0;
		case 'f': conf = optarg; break;
		case 'i': o.config_id = optarg; break;
		case 'e': o.all_config = true; break;
		case 't':
			test = true;
			logfile = optarg;
			break;
		case OPT_SIGNUM: {
			int s = ka_signum(optarg);
			if (s < 0) {
				fprintf(stderr, "Unknown sigfunc %s\n", optarg);
				return 1;
			}
			printf("%d\n", s);
			return 0;
		}
		case 'T': return genhash_main(argc - optind + 1, argv + optind - 1);
		case 'n': k.dont_fork = true; break;
		case 'l': k.vo.log_console = true; break;
		case 'D': k.vo.log_detail = true; break;
		case 'G': k.vo.no_syslog = true; break;
		case 'S': k.vo.log_facility = facility(optarg); break;
		case 'V': k.vo.dont_release = true; break;
		case 'p': k.pidfile = optarg; break;
		case 'r': k.vrrp_pidfile = optarg; break;
		case 'c': k.checkers_pidfile = optarg; break;
		case 'R': k.dont_respawn = true; break;
		case 'P': k.vrrp_only = true; break;
		case 'C': k.check_only = true; break;
		case '?':
			if (optopt)
				fprintf(stderr, "Unknown option -%c\n", optopt);
			else
				fprintf(stderr, "Unknown option %s\n", argv[optind - 1]);
			return 1;
		case ':':
			fprintf(stderr, "Missing parameter for option %s\n", argv[optind - 1]);
			return 1;
		default: break; /* accepted: they change how the daemon runs */
		}
	}
	if (optind < argc) {
		fprintf(stderr, "Unrecognised command line option %s\n", argv[optind]);
		return 1;
	}
	if (test) {
		o.check_host = true;
		return config_test(conf, &o, logfile);
	}
	k.conf = conf;
	k.o = o;
	if (rt_lvs_is_checker())
		return ka_checker(&k);
	return run_daemon(&k);
}
