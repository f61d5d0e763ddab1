/* cli.h - the personalities of the one vipr binary (private to cli/). */
#ifndef VIPR_CLI_H
#define VIPR_CLI_H

#include "model/model.h"

int hap_main(int argc, char **argv);     /* started as `haproxy` */
int ka_main(int argc, char **argv);      /* started as `keepalived` */
int genhash_main(int argc, char **argv); /* started as `genhash` */
int vipr_main(int argc, char **argv);    /* started as `vipr` */

/* Subcommands of `vipr`. */
int vipr_lint(int argc, char **argv);
int vipr_dump(int argc, char **argv);

/* Prints findings in vipr's modern form: file:line:col: severity: text, the source line, a
 * caret, and the hint. Returns the number of errors printed. */
int lint_print(const struct diag_list *dl, FILE *f, bool color);
void lint_print_json(const struct diag_list *dl, FILE *f);

#endif
