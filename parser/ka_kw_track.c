/* ka_kw_track.c - keepalived's tracking keywords: the track_* lists of vrrp_instance and
 * vrrp_sync_group, and the vrrp_track_process and track_file blocks they name.
 *
 * A list line names a tracked object and optionally `weight N [reverse]`; the object must be
 * configured earlier in the file and may be listed once per list (keepalived's "duplicate ...
 * - ignoring"). Sync-group lists apply to every member (vrrp/vrrp_track.c).
 */
#include "ka_bind.h"

#include <stdlib.h>
#include <string.h>

#define A(b) ((b)->cfg->arena)

/* ---------------------------------------------------------------- track_* lists */

/* The name of the instance or sync group whose list is being read. */
static const char *owner(const struct ka_bctx *b)
{
	return b->vi ? b->vi->name : b->sg ? b->sg->name : "";
}

/* Appends NAME [weight N [reverse]] to *h unless the name is there already. */
static void add_track(struct ka_bctx *b, const struct cfg_stmt *l, struct m_track **h)
{
	for (; *h; h = &(*h)->next)
		if (!strcmp((*h)->name, l->w[0].s)) {
			ka_err(b, l->at, 0, "(%s) duplicate %s %s - ignoring", owner(b),
			       b->blk->name, l->w[0].s);
			return;
		}
	struct m_track *t = arena_alloc(A(b), sizeof(*t));
	t->name = arena_strdup(A(b), l->w[0].s);
	t->at = l->at;
	if (l->nw > 2 && !strcmp(l->w[1].s, "weight")) {
		long v;
		if (ka_read_int(b, &l->w[2], -254, 254, &v) == 0) {
			t->weight = (int)v;
			t->weight_set = 1;
		}
		t->reverse = l->nw > 3 && !strcmp(l->w[3].s, "reverse");
	}
	*h = t;
}

static void track_if_line(struct ka_bctx *b, const struct cfg_stmt *l)
{
	bool lo;
	if (b->o->check_host && !ka_if_exists(l->w[0].s, &lo)) {
		ka_err(b, l->at, 0, "(%s) tracked interface %s doesn't exist", owner(b), l->w[0].s);
		b->S->bad_interface = true;
		return;
	}
	add_track(b, l, b->vi ? &b->vi->track_interfaces : &b->sg->track_interfaces);
}

static void track_script_line(struct ka_bctx *b, const struct cfg_stmt *l)
{
	const struct m_vrrp_script *s = b->cfg->vrrp_scripts;
	while (s && strcmp(s->name, l->w[0].s))
		s = s->next;
	if (!s) {
		ka_err(b, l->at, 0, "(%s) track script %s not found, ignoring...", owner(b),
		       l->w[0].s);
		return;
	}
	add_track(b, l, b->vi ? &b->vi->track_scripts : &b->sg->track_scripts);
}

static void track_proc_line(struct ka_bctx *b, const struct cfg_stmt *l)
{
	const struct m_track_process *p = b->cfg->track_processes;
	while (p && strcmp(p->name, l->w[0].s))
		p = p->next;
	if (!p) {
		ka_err(b, l->at, 0, "(%s) track process %s not found, ignoring...", owner(b),
		       l->w[0].s);
		return;
	}
	add_track(b, l, b->vi ? &b->vi->track_processes : &b->sg->track_processes);
}

static void track_file_line(struct ka_bctx *b, const struct cfg_stmt *l)
{
	const struct m_track_file *f = b->cfg->track_files;
	while (f && strcmp(f->name, l->w[0].s))
		f = f->next;
	if (!f) {
		ka_err(b, l->at, 0, "(%s) track file %s not found, ignoring...", owner(b),
		       l->w[0].s);
		return;
	}
	add_track(b, l, b->vi ? &b->vi->track_files : &b->sg->track_files);
}

const struct ka_block ka_blk_list_track_if = {"track_interface", NULL, 0, KA_VRRP, NULL, NULL,
                                              track_if_line};
const struct ka_block ka_blk_list_track_script = {"track_script",   NULL, 0, KA_VRRP, NULL, NULL,
                                                  track_script_line};
const struct ka_block ka_blk_list_track_proc = {"track_process", NULL, 0, KA_VRRP, NULL, NULL,
                                                track_proc_line};
const struct ka_block ka_blk_list_track_file = {"track_file", NULL,           0, KA_VRRP, NULL,
                                                NULL,         track_file_line};

/* ---------------------------------------------------------------- vrrp_track_process */

#define TP(f) offsetof(struct m_track_process, f)
#define TF(f) offsetof(struct m_track_file, f)

static int open_track_process(struct ka_bctx *c, const struct cfg_stmt *st)
{
	struct m_track_process *p = arena_alloc(A(c), sizeof(*p));
	p->name = arena_strdup(A(c), st->nw > 1 ? st->w[1].s : "");
	p->weight = 1;
	p->quorum = p->quorum_max = M_UNSET;
	p->fork_delay = p->terminate_delay = M_UNSET;
	p->at = st->at;
	struct m_track_process **pp = &c->cfg->track_processes;
	while (*pp)
		pp = &(*pp)->next;
	*pp = p;
	c->obj = p;
	return 0;
}

/* keepalived drops a vrrp_track_process without `process` when its block closes, at the
 * line of the closing brace (here: the line after the last statement, best effort). */
static void close_track_process(struct ka_bctx *b)
{
	struct m_track_process *p = b->obj;
	if (p->process)
		return;
	struct m_origin at = b->st->at;
	for (const struct cfg_stmt *l = b->st->child; l; l = l->next)
		at.line = l->at.line + 1;
	if (!b->st->child)
		at.line++;
	ka_err(b, at, 0, "track process '%s' process name not specified", p->name);
	struct m_track_process **pp = &b->cfg->track_processes;
	while (*pp && *pp != p)
		pp = &(*pp)->next;
	if (*pp)
		*pp = p->next;
}

static int set_tp_process(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw;
	struct m_track_process *p = b->obj;
	p->process = arena_strdup(A(b), st->w[1].s);
	size_t len = 0;
	for (int i = 2; i < st->nw; i++)
		len += st->w[i].len + 1;
	if (len) {
		char *q = arena_alloc(A(b), len + 1);
		p->params = q;
		for (int i = 2; i < st->nw; i++) {
			memcpy(q, st->w[i].s, st->w[i].len);
			q += st->w[i].len;
			*q++ = i + 1 < st->nw ? ' ' : 0;
		}
	}
	return 0;
}

static int set_tp_weight(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw;
	struct m_track_process *p = b->obj;
	long v;
	if (ka_read_int(b, &st->w[1], -254, 254, &v) < 0)
		return -1;
	p->weight = (int)v;
	p->weight_set = 1;
	p->reverse = st->nw > 2 && !strcmp(st->w[2].s, "reverse");
	return 0;
}

static int set_tp_delay(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	struct m_track_process *p = b->obj;
	if (ka_set_time(b, kw, st) < 0)
		return -1;
	p->terminate_delay = p->fork_delay;
	return 0;
}

/* param_match [initial|partial]; alone, it asks for a process without arguments when none
 * are given (keepalived reads no further words). */
static int set_tp_param_match(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw;
	struct m_track_process *p = b->obj;
	if (st->nw < 2) {
		p->param_match = M_PM_EXACT;
		return 0;
	}
	if (!strcmp(st->w[1].s, "initial"))
		p->param_match = M_PM_INITIAL;
	else if (!strcmp(st->w[1].s, "partial"))
		p->param_match = M_PM_PARTIAL;
	else {
		ka_err(b, st->at, 0, "Invalid param_match type %s - ignoring", st->w[1].s);
		return -1;
	}
	return 0;
}

static const struct ka_kw kw_track_process[] = {
    {"process", 1, KA_ANY, 0, set_tp_process, 0, 0, 0, NULL, "process name [args]"},
    {"weight", 1, 2, 0, set_tp_weight, 0, 0, 0, NULL, "-254..254 [reverse]"},
    {"quorum", 1, 1, 0, ka_set_int, TP(quorum), 1, 65535, NULL, "processes needed"},
    {"quorum_max", 1, 1, 0, ka_set_int, TP(quorum_max), 0, 65535, NULL, "processes allowed"},
    {"fork_delay", 1, 1, 0, ka_set_time, TP(fork_delay), 0, 0, NULL,
     "seconds a quorum must last to count"},
    {"terminate_delay", 1, 1, 0, ka_set_time, TP(terminate_delay), 0, 0, NULL,
     "seconds a lost quorum must last to count"},
    {"delay", 1, 1, 0, set_tp_delay, TP(fork_delay), 0, 0, NULL, "fork_delay and terminate_delay"},
    {"full_command", 0, 0, 0, ka_set_flag, TP(full_command), 0, 0, NULL,
     "match the full command line"},
    {"param_match", 0, KA_ANY, 0, set_tp_param_match, 0, 0, 0, NULL,
     "[initial|partial]: how the arguments match"},
};
const struct ka_block ka_blk_track_process = {"vrrp_track_process",
                                              kw_track_process,
                                              ARRAY_SIZE(kw_track_process),
                                              KA_VRRP,
                                              open_track_process,
                                              close_track_process,
                                              NULL};

static int open_track_file(struct ka_bctx *c, const struct cfg_stmt *st)
{
	struct m_track_file *f = arena_alloc(A(c), sizeof(*f));
	f->name = arena_strdup(A(c), st->nw > 1 ? st->w[1].s : "");
	f->weight = 1;
	f->at = st->at;
	struct m_track_file **pp = &c->cfg->track_files;
	while (*pp)
		pp = &(*pp)->next;
	*pp = f;
	c->obj = f;
	return 0;
}

static int set_tf_weight(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw;
	struct m_track_file *f = b->obj;
	long v;
	if (ka_read_int(b, &st->w[1], -2147483647L, 2147483647L, &v) < 0)
		return -1;
	f->weight = (int)v;
	f->reverse = st->nw > 2 && !strcmp(st->w[2].s, "reverse");
	return 0;
}

static int set_tf_init(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)kw;
	struct m_track_file *f = b->obj;
	f->init_file = 1;
	for (int i = 1; i < st->nw; i++) {
		long v;
		if (!strcmp(st->w[i].s, "overwrite"))
			f->init_overwrite = 1;
		else if (ka_read_int(b, &st->w[i], -2147483647L, 2147483647L, &v) == 0)
			f->init_value = (int)v;
	}
	return 0;
}

static const struct ka_kw kw_track_file[] = {
    {"file", 1, 1, 0, ka_set_str, TF(file), 0, 0, NULL, "path of the file"},
    {"weight", 1, 2, 0, set_tf_weight, 0, 0, 0, NULL, "weight [reverse]"},
    {"init_file", 0, 2, 0, set_tf_init, 0, 0, 0, NULL, "create the file [VALUE] [overwrite]"},
};
const struct ka_block ka_blk_track_file = {
    "track_file", kw_track_file, ARRAY_SIZE(kw_track_file), KA_VRRP, open_track_file, NULL, NULL};
