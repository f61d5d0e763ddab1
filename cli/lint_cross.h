/* lint_cross.h - vipr lint's analysis across files (private to cli/).
 *
 * `vipr lint` loads every file into its own model (one node per keepalived.conf, one proxy per
 * haproxy.cfg), then lint_cross() looks at them side by side: VRRP peers that must agree, a
 * VIP that haproxy binds, and the tutorial's mistakes that the front ends accept silently.
 */
#ifndef VIPR_CLI_LINT_CROSS_H
#define VIPR_CLI_LINT_CROSS_H

#include "model/model.h"

struct lint_node {
	const char *path;        /* as given on the command line; outlives the findings */
	struct m_config *cfg;    /* this file's own model */
	bool keepalived;         /* keepalived.conf, else haproxy.cfg */
	size_t diag_lo, diag_hi; /* this file's findings in the shared list: [lo, hi) */
};

/* lint_cross(): appends lint-only findings (compat NULL) about the n nodes to dl, and gives
 * the front ends' findings of each node an origin and a fix where they lack one. Every
 * finding that involves two files points at a line of one and names the other. The models
 * must live as long as dl is printed (findings point into their arenas). */
void lint_cross(struct lint_node *nodes, int n, struct diag_list *dl);

/* lint_sysctl(): the integer in /proc/sys/<name with dots as slashes>, or -1 if unreadable. */
int lint_sysctl(const char *name);

#endif
