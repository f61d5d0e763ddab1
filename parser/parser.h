/* parser.h - the front ends: haproxy.cfg and keepalived.conf into the model.
 *
 * Each loader reads its files, builds the statement tree, binds it into the model through
 * the keyword tables and runs the post-parse checks. Findings go to the diagnostic list;
 * nothing is printed. The model is usable only when no finding has compat_sev == DIAG_ERROR
 * with DIAG_FATAL or DIAG_ABORT.
 */
#ifndef VIPR_PARSER_H
#define VIPR_PARSER_H

#include "model/model.h"

/* ---- haproxy.cfg ---- */

/* hap_load(): reads every path (a file, or a directory whose *.cfg are read in lexical
 * order) into cfg, then merges defaults and validates. Returns -1 when a file cannot be
 * opened (a finding says which), else 0; errors in the files are findings, not return values. */
int hap_load(struct m_config *cfg, char *const *paths, int npaths, struct diag_list *dl);

/* hap_eval_cond(): evaluates a `.if` expression as `haproxy -cc` does.
 * Returns 1 true, 0 false, -1 parse error (*err set to a static or malloc'd text in err_buf). */
int hap_eval_cond(const char *expr, char *err_buf, size_t err_len);

/* Keyword look-up for lint and docs: the closest known keyword of a section to `word`,
 * or NULL when nothing is close enough. */
const char *hap_suggest(const char *section, const char *word);

/* ---- keepalived.conf ---- */

struct ka_opts {
	const char *config_id; /* -i ID, or NULL for the host name up to the first dot */
	bool all_config;       /* -e: missing include files are errors */
	bool check_host;       /* -t: check interfaces exist, script security... on this host */
};

/* ka_load(): reads path and its includes into cfg. Returns -1 when the file cannot be read
 * (a finding says which), else 0. */
int ka_load(struct m_config *cfg, const char *path, const struct ka_opts *o,
	    struct diag_list *dl);
/* Whether an interface exists on this host (and whether it is a loopback): ka_check.c. */
bool ka_if_exists(const char *name, bool *loopback);

/* ---- shared ---- */

/* The keyword reference (docs/keywords.md) as Markdown, from the keyword tables. */
void hap_keywords_markdown(FILE *f);
void ka_keywords_markdown(FILE *f);

/* Levenshtein distance capped at `max`+1: for "did you mean". */
int cfg_distance(const char *a, const char *b, int max);

#endif
