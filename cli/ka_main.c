/* ka_main.c - the keepalived personality: keepalived 2.2.7's command line.
 *
 * Every flag keepalived takes is accepted so that unit files and scripts need no change.
 * `-t/--config-test[=LOGFILE]` loads the configuration with host checks and prints the
 * findings as keepalived does ("(FILE: Line N) text" from its children, "(Line N) text" from
 * its parent) with its exit codes: 0 ok, 4 cannot run, 5 configuration errors, 6 script
 * security or a missing mandatory include. The daemon itself is not implemented yet.
 */
#include "cli.h"
#include "parser/parser.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>

enum { OPT_ALL = 256, OPT_SIGNUM };

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
		{ "STATS_CLEAR", 63 }, { "JSON", 36 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (!strcmp(name, t[i].n))
			return t[i].v;
	return -1;
}

/* Prints one finding as keepalived's log line. */
static void print_finding(FILE *f, const struct diag *d)
{
	if (d->at.line && (d->flags & M_KA_DIAG_PARENT))
		fprintf(f, "(Line %u) %s\n", d->at.line, d->compat);
	else if (d->at.line)
		fprintf(f, "(%s: Line %u) %s\n", d->at.file ? d->at.file : "", d->at.line,
			d->compat);
	else
		fprintf(f, "%s\n", d->compat);
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
			if (d->flags & (DIAG_SECURITY | DIAG_MISSING))
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

int ka_main(int argc, char **argv)
{
	const char *conf = "/etc/keepalived/keepalived.conf", *logfile = NULL;
	struct ka_opts o = { 0 };
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
	fputs("keepalived: the VRRP daemon is not implemented by vipr yet\n", stderr);
	return 4;
}

int genhash_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fputs("genhash: not implemented by vipr yet\n", stderr);
	return 1;
}
