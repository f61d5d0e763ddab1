/* vipr_main.c - the `vipr` command and its subcommands.
 *
 *   vipr lint [--format text|json] [--strict] FILE...   findings of every file and across the
 *                                                        files (one model each, lint_cross.c)
 *   vipr dump [--json|--haproxy] FILE...                 the model, as JSON or canonical cfg
 *   vipr run FILE...                                     serve haproxy.cfg files
 *   vipr ipvs [FILE]                                     virtual servers, ipvsadm -Ln layout:
 *                                                        live in this netns, or FILE's
 *   vipr version | --version | --help
 * A file is read as keepalived.conf when its name or content says so, else as haproxy.cfg.
 */
#include "cli.h"
#include "lint_cross.h"
#include "parser/parser.h"
#include "runtime/runtime.h" /* lvs: vipr ipvs */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void help(FILE *f)
{
	fprintf(f,
		"vipr %s - one program for haproxy.cfg and keepalived.conf\n"
		"\n"
		"Usage: vipr <command> [options] FILE...\n"
		"\n"
		"Commands:\n"
		"  lint FILE...        report problems in haproxy.cfg and keepalived.conf files\n"
		"                      --format text|json, --strict (exit 2 on warnings)\n"
		"  dump FILE...        print the configuration model: --json (default) or\n"
		"                      --haproxy (canonical haproxy.cfg)\n"
		"  run FILE...         serve haproxy.cfg files (same as `haproxy -db -f FILE`)\n"
		"  ipvs [FILE]         keepalived virtual servers in `ipvsadm -Ln` layout: live\n"
		"                      from this network namespace's keepalived, or FILE's\n"
		"  keywords            print the keyword reference (Markdown)\n"
		"  version             print the version\n"
		"  help                this text\n"
		"\n"
		"Personalities: started as `haproxy` or `keepalived` (symlinks to vipr), it takes\n"
		"those programs' flags, exit codes and outputs (haproxy -c, keepalived -t, ...).\n",
		VIPR_VERSION);
}

/* keepalived.conf or haproxy.cfg? The name first, then the first keywords of the text. */
bool vipr_is_keepalived(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (strstr(base, "keepalived"))
		return true;
	if (strstr(base, "haproxy") || strstr(base, ".cfg"))
		return false;
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	char line[512];
	bool ka = false;
	for (int n = 0; n < 200 && fgets(line, sizeof(line), f); n++) {
		if (strstr(line, "vrrp_instance") || strstr(line, "global_defs") ||
		    strstr(line, "virtual_server") || strstr(line, "vrrp_script")) {
			ka = true;
			break;
		}
		if (strstr(line, "frontend") || strstr(line, "backend") || strstr(line, "listen"))
			break;
	}
	fclose(f);
	return ka;
}

/* Loads every file into one model (vipr dump: several haproxy.cfg files are one proxy). */
static struct m_config *load_all(char **files, int n, struct diag_list *dl)
{
	struct m_config *cfg = m_config_new();
	char **hap = calloc((size_t)n + 1, sizeof(char *));
	int nhap = 0;
	for (int i = 0; i < n; i++) {
		if (vipr_is_keepalived(files[i])) {
			struct ka_opts o = {.check_host = false};
			ka_load(cfg, files[i], &o, dl);
		} else
			hap[nhap++] = files[i];
	}
	if (nhap)
		hap_load(cfg, hap, nhap, dl);
	free(hap);
	diag_sort(dl);
	return cfg;
}

/* Loads each file into its own model (vipr lint: a keepalived.conf is one node, a
 * haproxy.cfg one proxy), notes which findings are whose, then looks across them. */
static struct lint_node *load_nodes(char **files, int n, struct diag_list *dl)
{
	struct lint_node *nodes = calloc((size_t)n, sizeof(*nodes));
	if (!nodes)
		abort();
	for (int i = 0; i < n; i++) {
		struct lint_node *nd = &nodes[i];
		nd->path = files[i];
		nd->cfg = m_config_new();
		nd->keepalived = vipr_is_keepalived(files[i]);
		nd->diag_lo = dl->n;
		if (nd->keepalived) {
			struct ka_opts o = {.check_host = false};
			ka_load(nd->cfg, files[i], &o, dl);
		} else
			hap_load(nd->cfg, &files[i], 1, dl);
		nd->diag_hi = dl->n;
	}
	lint_cross(nodes, n, dl);
	diag_sort(dl);
	return nodes;
}

int vipr_lint(int argc, char **argv)
{
	bool json = false, strict = false;
	char **files = calloc((size_t)argc + 1, sizeof(char *));
	int n = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--format") && i + 1 < argc)
			json = !strcmp(argv[++i], "json");
		else if (!strcmp(argv[i], "--format=json"))
			json = true;
		else if (!strcmp(argv[i], "--strict"))
			strict = true;
		else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "vipr lint: unknown option '%s'\n", argv[i]);
			free(files);
			return 1;
		} else
			files[n++] = argv[i];
	}
	if (!n) {
		fputs("usage: vipr lint [--format text|json] [--strict] FILE...\n", stderr);
		free(files);
		return 1;
	}
	struct diag_list dl = {0};
	struct lint_node *nodes = load_nodes(files, n, &dl);
	if (json)
		lint_print_json(&dl, stdout);
	else
		lint_print(&dl, stdout, isatty(1));
	int rc = dl.errors ? 1 : (strict && dl.warnings) ? 2 : 0;
	diag_list_free(&dl);
	for (int i = 0; i < n; i++)
		m_config_free(nodes[i].cfg);
	free(nodes);
	free(files);
	return rc;
}

int vipr_dump(int argc, char **argv)
{
	bool haproxy = false;
	char **files = calloc((size_t)argc + 1, sizeof(char *));
	int n = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			haproxy = false;
		else if (!strcmp(argv[i], "--haproxy"))
			haproxy = true;
		else
			files[n++] = argv[i];
	}
	if (!n) {
		fputs("usage: vipr dump [--json|--haproxy] FILE...\n", stderr);
		free(files);
		return 1;
	}
	struct diag_list dl = {0};
	struct m_config *cfg = load_all(files, n, &dl);
	/* The model is usable unless the original program would refuse the configuration;
	 * lint-only findings are shown but do not fail the dump. */
	int rc = (dl.flags_seen & (DIAG_FATAL | DIAG_ABORT | DIAG_NOFATAL)) ? 1 : 0;
	if (dl.errors)
		lint_print(&dl, stderr, false);
	if (haproxy)
		m_print_haproxy(cfg, stdout);
	else
		m_dump_json(cfg, stdout);
	diag_list_free(&dl);
	m_config_free(cfg);
	free(files);
	return rc;
}

/* lvs: `vipr ipvs [FILE]`: keepalived virtual servers in `ipvsadm -Ln` layout (runtime/lvs.c).
 * Without FILE, the live table of this network namespace's keepalived (weights after the
 * checks, active connections); with FILE, what that keepalived.conf declares. */
static int vipr_ipvs(int argc, char **argv)
{
	if (argc < 2) {
		if (rt_lvs_ipvs_live(stdout) == 0)
			return 0;
		fputs("vipr ipvs: no keepalived virtual servers are served in this network "
		      "namespace (give a keepalived.conf to see its table)\n", stderr);
		return 1;
	}
	struct diag_list dl = {0};
	struct m_config *cfg = load_all(argv + 1, 1, &dl);
	/* keepalived runs despite most findings (see `vipr lint`); only an unreadable file stops */
	int rc = (dl.flags_seen & DIAG_ABORT) ? 1 : 0;
	if (rc)
		lint_print(&dl, stderr, false);
	else
		rt_lvs_ipvs_table(cfg, stdout);
	diag_list_free(&dl);
	m_config_free(cfg);
	return rc;
}

int vipr_main(int argc, char **argv)
{
	if (argc < 2) {
		help(stderr);
		return 1;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		help(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("vipr %s (HAProxy %s and keepalived %s compatible)\n", VIPR_VERSION,
		       "2.6.12", VIPR_KA_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "keywords")) {
		printf("# Keyword reference\n\n"
		       "Generated by `vipr keywords` from the binders' keyword tables (`make docs`\n"
		       "rewrites this file; a test checks that it is current). \"not supported yet\":\n"
		       "vipr recognizes the keyword, `haproxy -c` / `keepalived -t` keep the original's\n"
		       "verdict and say so, `vipr lint` reports it, and it has no effect.\n");
		hap_keywords_markdown(stdout);
		ka_keywords_markdown(stdout);
		return 0;
	}
	if (!strcmp(cmd, "lint"))
		return vipr_lint(argc - 1, argv + 1);
	if (!strcmp(cmd, "dump"))
		return vipr_dump(argc - 1, argv + 1);
	if (!strcmp(cmd, "ipvs")) /* lvs: virtual servers in ipvsadm -Ln layout */
		return vipr_ipvs(argc - 1, argv + 1);
	if (!strcmp(cmd, "run")) {
		char **args = calloc((size_t)argc * 2 + 2, sizeof(char *));
		int n = 0;
		args[n++] = "haproxy";
		args[n++] = "-db";
		for (int i = 2; i < argc; i++) {
			args[n++] = "-f";
			args[n++] = argv[i];
		}
		int rc = hap_main(n, args);
		free(args);
		return rc;
	}
	fprintf(stderr, "vipr: unknown command '%s' (see vipr --help)\n", cmd);
	return 1;
}
