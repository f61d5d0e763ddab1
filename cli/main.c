/* main.c - one binary, three personalities: the name it is started under picks which.
 * `haproxy` and `keepalived` (links to vipr) take those programs' flags, exit codes and
 * outputs; `vipr` has subcommands (run, lint, dump, ...). */
#include "cli.h"

#include <string.h>

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

int main(int argc, char **argv)
{
	const char *name = argc > 0 ? base_name(argv[0]) : "vipr";
	if (!strncmp(name, "haproxy", 7))
		return hap_main(argc, argv);
	if (!strncmp(name, "keepalived", 10))
		return ka_main(argc, argv);
	if (!strcmp(name, "genhash"))
		return genhash_main(argc, argv);
	return vipr_main(argc, argv);
}
