/* vrrp_sync.c - vrrp_sync_group: the members of a group move together, as keepalived 2.2.7.
 *
 * A member's fault is the group's fault: while any member is faulty (its own tracking), every
 * member is in FAULT, so no member can be MASTER unless all can. When a member enters MASTER
 * or BACKUP, or leaves FAULT, the others follow ("VRRP_Group(G1) Syncing instances to MASTER
 * state"), and the group's own notify scripts run with "GROUP NAME STATE 0". Tracked scripts
 * with weights are ignored in a group (the configuration check logs it; vrrp_track.c skips
 * them).
 */
#include "vrrp_int.h"

#include <stdlib.h>
#include <string.h>

static struct vrrp_inst *find_inst(struct vrrp_daemon *d, const char *name)
{
	for (struct vrrp_inst *in = d->insts; in; in = in->next)
		if (!strcmp(in->conf->name, name))
			return in;
	return NULL;
}

void vrrp_sync_setup(struct vrrp_daemon *d)
{
	for (const struct m_sync_group *c = d->cfg->sync_groups; c; c = c->next) {
		if (c->nmembers < 1)
			continue;
		struct vrrp_group *g = calloc(1, sizeof(*g));
		if (!g)
			return;
		g->members = calloc((size_t)c->nmembers, sizeof(*g->members));
		if (!g->members) {
			free(g);
			return;
		}
		g->conf = c;
		for (int i = 0; i < c->nmembers; i++) {
			struct vrrp_inst *in = find_inst(d, c->members[i]);
			if (in && !in->group) {
				in->group = g;
				g->members[g->nmembers++] = in;
			}
		}
		if (!g->nmembers) {
			free(g->members);
			free(g);
			continue;
		}
		g->next = d->groups;
		d->groups = g;
	}
}

void vrrp_sync_free(struct vrrp_daemon *d)
{
	while (d->groups) {
		struct vrrp_group *g = d->groups;
		d->groups = g->next;
		for (int i = 0; i < g->nmembers; i++)
			g->members[i]->group = NULL;
		free(g->members);
		free(g);
	}
}

bool vrrp_sync_fault(const struct vrrp_inst *in)
{
	if (!in->group)
		return in->own_fault;
	for (int i = 0; i < in->group->nmembers; i++)
		if (in->group->members[i]->own_fault)
			return true;
	return false;
}

/* Moves one other member to `to`; returns true when it moved. */
static bool follow(struct vrrp_inst *m, enum vrrp_state from, enum vrrp_state to, int64_t now)
{
	enum vrrp_state was = m->fsm.state;
	if (was == to || was == VRRP_STOP)
		return false;
	if (to == VRRP_FAULT)
		vrrp_fsm_fault(&m->fsm, now, true);
	else if (was == VRRP_FAULT && from == VRRP_FAULT && !vrrp_sync_fault(m))
		vrrp_fsm_fault(&m->fsm, now, false); /* the group recovers: to BACKUP */
	else if (was != VRRP_FAULT)
		vrrp_fsm_sync(&m->fsm, now, to);
	vrrp_arm(m);
	return m->fsm.state != was;
}

void vrrp_sync_state(struct vrrp_inst *in, enum vrrp_state from, enum vrrp_state to)
{
	struct vrrp_group *g = in->group;
	struct vrrp_daemon *d = in->d;
	if (!g || d->syncing || from == VRRP_INIT || (to != VRRP_MASTER && to != VRRP_BACKUP && to != VRRP_FAULT))
		return;
	bool others = false;
	for (int i = 0; i < g->nmembers; i++)
		if (g->members[i] != in && g->members[i]->fsm.state != to &&
		    g->members[i]->fsm.state != VRRP_STOP)
			others = true;
	if (others)
		vrrp_log("VRRP_Group(%s) Syncing instances to %s state", g->conf->name,
			 vrrp_state_str(to));
	d->syncing = true;
	int64_t now = vrrp_now_ms();
	for (int i = 0; i < g->nmembers; i++)
		if (g->members[i] != in)
			follow(g->members[i], from, to, now);
	d->syncing = false;
	vrrp_notify_group(g, to);
}
