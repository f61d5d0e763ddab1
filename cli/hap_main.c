/* hap_main.c - the `haproxy` personality: HAProxy 2.6's command line, messages and exit
 * codes, so unit files (`haproxy -Ws -f $CONFIG -c -q`), init scripts and CI keep working.
 *
 * -c checks the configuration: 0 valid (warnings allowed), 1 errors, 2 valid but nothing to
 * listen on. Messages go to stderr as "[ALERT]    (PID) : config : text", preceded once by
 * the version notices, exactly as HAProxy prints them.
 */
#include "cli.h"
#include "parser/parser.h"
#include "runtime/runtime.h"

#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <openssl/opensslv.h>
#include <openssl/crypto.h>

struct hap_args {
	char **files;
	int nfiles;
	bool check, quiet, zero_warning, verbose, foreground, daemon, debug, master_worker;
	const char *cond; /* -cc */
	const char *pidfile;
	const char *localpeer;
	int *oldpids;
	int noldpids;
	bool terminate_old; /* -st */
	bool systemd;       /* -Ws */
	const char **mcli;  /* -S */
	int nmcli;
};

static bool g_quiet;
static bool g_version_noticed;
static char g_exe[4096];

static void print_prefix(FILE *f, const char *tag)
{
	fprintf(f, "%-10s (%d) : ", tag, (int)getpid());
}

/* HAProxy prints its version and path once, before the first warning or alert. */
static void version_notice(void)
{
	if (g_version_noticed)
		return;
	g_version_noticed = true;
	print_prefix(stderr, "[NOTICE]");
	fprintf(stderr, "haproxy version is %s\n", VIPR_HAP_VERSION);
	print_prefix(stderr, "[NOTICE]");
	fprintf(stderr, "path to executable is %s\n", g_exe);
}

/* eol false: the text is a message HAProxy cut at a NUL byte (DIAG_CUT), so the next one
 * follows on the same line. */
static void hap_message_eol(enum diag_sev sev, bool config, const char *text, bool eol)
{
	if (g_quiet)
		return;
	if (sev >= DIAG_WARNING)
		version_notice();
	print_prefix(stderr, sev == DIAG_ERROR ? "[ALERT]" : sev == DIAG_WARNING ? "[WARNING]"
										: "[NOTICE]");
	fprintf(stderr, "%s%s%s", config ? "config : " : "", text, eol ? "\n" : "");
}

static void hap_message(enum diag_sev sev, bool config, const char *text)
{
	hap_message_eol(sev, config, text, true);
}

/* Prints findings in HAProxy's form. Returns the OR of the flags of printed errors and sets
 * *warnings when a warning was printed. */
static unsigned print_findings(const struct diag_list *dl, bool *warnings)
{
	unsigned flags = 0;
	for (size_t i = 0; i < dl->n; i++) {
		const struct diag *d = &dl->v[i];
		if (d->compat_sev == DIAG_NONE || !d->compat)
			continue;
		hap_message_eol(d->compat_sev, true, d->compat, !(d->flags & DIAG_CUT));
		if (d->compat_sev == DIAG_ERROR)
			flags |= d->flags ? d->flags : DIAG_FATAL;
		if (d->compat_sev == DIAG_WARNING)
			*warnings = true;
		/* HAProxy stops reading at the first abort, and still closes the file with its
		 * "Error(s) found" line (sorted after the file's findings, at line UINT32_MAX). */
		if (d->compat_sev == DIAG_ERROR && (d->flags & DIAG_ABORT)) {
			for (size_t j = i + 1; j < dl->n; j++)
				if (dl->v[j].at.line == UINT32_MAX && dl->v[j].at.file == d->at.file &&
				    dl->v[j].compat) {
					hap_message(DIAG_ERROR, true, dl->v[j].compat);
					break;
				}
			break;
		}
	}
	return flags;
}

static void print_version(bool verbose)
{
	struct utsname u;
	uname(&u);
	printf("HAProxy version %s %s - https://haproxy.org/\n", VIPR_HAP_VERSION, VIPR_HAP_DATE);
	printf("Status: vipr %s, a drop-in for HAProxy 2.6 and keepalived 2.2.7.\n", VIPR_VERSION);
	printf("Known bugs: http://www.haproxy.org/bugs/bugs-2.6.12.html\n");
	printf("Running on: %s %s %s %s\n", u.sysname, u.release, u.version, u.machine);
	if (!verbose)
		return;
	printf("Build options :\n  TARGET  = linux-glibc\n  CPU     = generic\n  CC      = cc\n"
	       "  CFLAGS  = -O2 -Wall -Wextra -Werror\n"
	       "  OPTIONS = USE_PCRE2=1 USE_OPENSSL=1 USE_PROMEX=1\n  DEBUG   = \n\n");
	printf("Feature list : +ACCEPT4 -BACKTRACE -CLOSEFROM +CPU_AFFINITY -CRYPT_H -DEVICEATLAS "
	       "-DL -ENGINE +EPOLL -EVPORTS +GETADDRINFO -KQUEUE -LIBCRYPT +LINUX_SPLICE "
	       "+LINUX_TPROXY -LUA -MEMORY_PROFILING -NETFILTER +NS -OBSOLETE_LINKER +OPENSSL -OT "
	       "-PCRE +PCRE2 +PCRE2_JIT -PCRE_JIT +POLL +PRCTL -PROCCTL +PROMEX -QUIC +RT -SLZ "
	       "-STATIC_PCRE -STATIC_PCRE2 -SYSTEMD -TFO +THREAD -THREAD_DUMP +TPROXY -WURFL "
	       "-ZLIB\n\n");
	printf("Default settings :\n  bufsize = 16384, maxrewrite = 1024, maxpollevents = 200\n\n");
	printf("Built with multi-threading support (MAX_THREADS=64, default=1).\n");
	printf("Built with OpenSSL version : %s\n", OPENSSL_VERSION_TEXT);
	printf("Running on OpenSSL version : %s\n", OpenSSL_version(OPENSSL_VERSION));
	printf("Built with the Prometheus exporter as a service\n");
	printf("Built with PCRE2 version : 10.42\n\n");
	printf("Available polling systems :\n      epoll : pref=300,  test result OK\n"
	       "Total: 1 (1 usable), will use epoll.\n\n");
	printf("Available multiplexer protocols :\n"
	       "(protocols marked as <default> cannot be specified using 'proto' keyword)\n"
	       "  <default> : mode=HTTP  side=FE|BE  mux=H1    flags=HTX\n"
	       "  <default> : mode=TCP   side=FE|BE  mux=PASS  flags=\n\n");
	printf("Available services : prometheus-exporter\n");
	printf("Available filters : none\n\n");
}

static void usage(void)
{
	fprintf(stderr,
		"HAProxy version %s %s - https://haproxy.org/\n"
		"Usage : haproxy [-f <cfgfile|cfgdir>]* [ -vdVD ] [ -n <maxconn> ] [ -N <maxpconn> ]\n"
		"        [ -p <pidfile> ] [ -m <max megs> ] [ -C <dir> ] [-- <cfgfile>*]\n"
		"        -v displays version ; -vv shows known build options.\n"
		"        -d enters debug mode ; -db only disables background mode.\n"
		"        -V enters verbose mode (disables quiet mode)\n"
		"        -D goes daemon ; -C changes to <dir> before loading files.\n"
		"        -W master-worker mode.\n"
		"        -Ws master-worker mode with systemd notify support.\n"
		"        -q quiet mode : don't display messages\n"
		"        -c check mode : only check config files and exit\n"
		"        -cc check condition : evaluate a condition and exit\n"
		"        -L set local peer name (default to hostname)\n"
		"        -p writes pids of all children to this file\n"
		"        -dW fails if any warning is emitted\n"
		"        -sf/-st [pid ]* finishes/terminates old pids.\n"
		"        -S <bind>[,<bind options>...] new master CLI\n"
		"\n",
		VIPR_HAP_VERSION, VIPR_HAP_DATE);
	exit(1);
}

static void add_file(struct hap_args *a, char *f)
{
	a->files = realloc(a->files, sizeof(char *) * (size_t)(a->nfiles + 1));
	if (!a->files)
		abort();
	a->files[a->nfiles++] = f;
}

static void parse_args(int argc, char **argv, struct hap_args *a)
{
	for (int i = 1; i < argc; i++) {
		char *o = argv[i];
		if (o[0] != '-' || !o[1])
			usage();
		if (!strcmp(o, "--")) {
			while (++i < argc)
				add_file(a, argv[i]);
			break;
		}
		if (!strcmp(o, "-v")) {
			print_version(false);
			exit(0);
		} else if (!strcmp(o, "-vv")) {
			print_version(true);
			exit(0);
		} else if (!strcmp(o, "-f") && i + 1 < argc)
			add_file(a, argv[++i]);
		else if (!strcmp(o, "-c"))
			a->check = true;
		else if (!strcmp(o, "-cc") && i + 1 < argc)
			a->cond = argv[++i];
		else if (!strcmp(o, "-q"))
			a->quiet = true;
		else if (!strcmp(o, "-V"))
			a->verbose = true;
		else if (!strcmp(o, "-dW"))
			a->zero_warning = true;
		else if (!strcmp(o, "-d"))
			a->debug = a->foreground = true;
		else if (!strcmp(o, "-db"))
			a->foreground = true;
		else if (!strcmp(o, "-D"))
			a->daemon = true;
		else if (!strcmp(o, "-W") || !strcmp(o, "-Ws")) {
			a->master_worker = true;
			a->systemd |= o[2] == 's';
		} else if (!strcmp(o, "-S") && i + 1 < argc) {
			a->mcli = realloc(a->mcli, sizeof(char *) * (size_t)(a->nmcli + 1));
			if (!a->mcli)
				abort();
			a->mcli[a->nmcli++] = argv[++i];
		}
		else if (!strcmp(o, "-p") && i + 1 < argc)
			a->pidfile = argv[++i];
		else if (!strcmp(o, "-L") && i + 1 < argc)
			a->localpeer = argv[++i];
		else if ((!strcmp(o, "-C")) && i + 1 < argc) {
			if (chdir(argv[++i]) < 0) {
				hap_message(DIAG_ERROR, false, "Cannot chdir");
				exit(1);
			}
		} else if ((!strcmp(o, "-n") || !strcmp(o, "-N") || !strcmp(o, "-m") ||
			    !strcmp(o, "-x")) && i + 1 < argc)
			i++; /* accepted; the runtime reads them from the config for now */
		else if (!strcmp(o, "-sf") || !strcmp(o, "-st")) {
			a->terminate_old = o[2] == 't';
			while (i + 1 < argc && argv[i + 1][0] != '-') {
				a->oldpids = realloc(a->oldpids, sizeof(int) * (size_t)(a->noldpids + 1));
				if (!a->oldpids)
					abort();
				a->oldpids[a->noldpids++] = atoi(argv[++i]);
			}
		} else if (!strncmp(o, "-d", 2))
			; /* -de -dp -dS -dG -dR -dr -dV -dD -dM...: debugging switches, no effect */
		else
			usage();
	}
}

/* A proxy with a bind, or a stats socket, is something to listen on. */
static bool has_listener(const struct m_config *cfg)
{
	if (cfg->global.stats_sockets || cfg->backend_binds)
		return true;
	for (const struct m_service *s = cfg->services; s; s = s->next)
		if (s->binds && !s->conf->disabled)
			return true;
	return false;
}

/* A config check accepts what HAProxy accepts; running it is refused when vipr would not
 * do something that matters (TLS termination, an unknown rule action...). */
static bool run_refused(const struct diag_list *dl)
{
	bool refused = false;
	for (size_t i = 0; i < dl->n; i++)
		if (dl->v[i].flags & DIAG_RUN_FATAL) {
			char msg[1024];
			snprintf(msg, sizeof(msg), "[%s:%u] : %s", dl->v[i].at.file, dl->v[i].at.line,
				 dl->v[i].msg);
			hap_message(DIAG_ERROR, true, msg);
			refused = true;
		}
	if (refused)
		hap_message(DIAG_ERROR, true, "vipr cannot run this configuration yet.");
	return refused;
}

/* -W, -Ws, `master-worker`: this process becomes the master (runtime/master.c). cfg NULL:
 * the configuration failed to load on a reload. */
static int run_master(const struct hap_args *a, char **argv, struct m_config *cfg)
{
	struct rt_opts o = {.quiet = a->quiet, .oldpids = a->oldpids, .noldpids = a->noldpids,
	                    .terminate_old = a->terminate_old, .version_notice = version_notice};
	bool daemon = a->daemon || (cfg && cfg->global.daemon == 1);
	if (rt_master_reexec())
		o.noldpids = 0; /* -sf/-st were for the first worker, not for every reload's */
	struct rt_master_opts mo = {
	    .argv = argv,
	    .pidfile = a->pidfile ? a->pidfile : cfg ? cfg->global.pidfile : NULL,
	    .systemd = a->systemd,
	    /* -Ws stays in the foreground whatever `daemon` says: systemd watches this pid */
	    .daemon = daemon && !a->foreground && !a->systemd,
	    /* `master-worker no-exit-on-failure` is accepted, but Debian's 2.6.12 master still
	     * exits when its current worker dies (checked with kill -9): so does vipr's */
	    .no_exit_on_failure = false,
	    .cli = a->mcli,
	    .ncli = a->nmcli,
	    .version_notice = version_notice,
	};
	return rt_master_run(cfg, &o, &mo);
}

int hap_main(int argc, char **argv)
{
	struct hap_args a = {0};
	ssize_t n = readlink("/proc/self/exe", g_exe, sizeof(g_exe) - 1);
	g_exe[n > 0 ? n : 0] = 0;
	parse_args(argc, argv, &a);
	g_quiet = a.quiet;

	if (a.cond) {
		char err[512];
		int r = hap_eval_cond(a.cond, err, sizeof(err));
		if (r < 0) {
			char msg[700];
			snprintf(msg, sizeof(msg), "Failed to evaluate condition: %s", err);
			hap_message(DIAG_ERROR, true, msg);
			return 2;
		}
		return r ? 0 : 1;
	}
	if (!a.nfiles) {
		usage();
	}

	struct m_config *cfg = m_config_new();
	struct diag_list dl = {0};
	hap_load(cfg, a.files, a.nfiles, &dl);
	diag_sort(&dl);
	if (!cfg->nfiles && !dl.n)
		usage(); /* only empty directories: HAProxy has no configuration to read */
	bool warnings = false;
	unsigned flags = print_findings(&dl, &warnings);
	int rc = 0;
	if (flags & DIAG_FATAL && !(flags & (DIAG_ABORT | DIAG_NOFATAL))) {
		hap_message(DIAG_ERROR, true, "Fatal errors found in configuration.");
		rc = 1;
	} else if (flags & (DIAG_ABORT | DIAG_FATAL | DIAG_NOFATAL))
		rc = 1;
	else if (warnings && a.zero_warning) {
		hap_message(DIAG_ERROR, true,
			    "Some warnings were found and 'zero-warning' is set. Aborting.");
		rc = 1;
	} else if (!has_listener(cfg)) {
		if (!a.quiet)
			printf("Configuration file has no error but will not start (no listener) "
			       "=> exit(2).\n");
		rc = 2;
	} else if (a.check) {
		if (!a.quiet) {
			if (warnings)
				printf("Warnings were found.\n");
			printf("Configuration file is valid\n");
		}
	} else if (run_refused(&dl)) {
		rc = 1;
	} else if (a.master_worker || cfg->global.master_worker > 0) {
		rc = run_master(&a, argv, cfg);
	} else {
		struct rt_opts o = {
			.foreground = a.foreground,
			.pidfile = a.pidfile,
			.quiet = a.quiet,
		};
		if (a.daemon)
			cfg->global.daemon = 1;
		o.version_notice = version_notice;
		o.oldpids = a.oldpids;
		o.noldpids = a.noldpids;
		o.terminate_old = a.terminate_old;
		rc = rt_run(cfg, &o);
	}
	/* A master re-executed for a reload keeps its workers when the new configuration
	 * cannot be used ("Loading failure!"). */
	if (rc && !a.check && rt_master_reexec())
		rc = run_master(&a, argv, NULL);
	diag_list_free(&dl);
	m_config_free(cfg);
	free(a.files);
	free(a.oldpids);
	free(a.mcli);
	return rc;
}
