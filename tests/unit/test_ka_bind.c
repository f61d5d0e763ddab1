/* test_ka_bind.c - keepalived keyword tables and binder, on statement trees built by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parser/ka_bind.h"

/* Builds one statement from space-separated words, appended under parent (or to *top). */
static struct cfg_stmt *mk(struct arena *a, struct cfg_stmt **top, struct cfg_stmt *parent,
			   unsigned line, const char *text)
{
	struct cfg_stmt *s = arena_alloc(a, sizeof(*s));
	char *dup = arena_strdup(a, text);
	s->w = arena_alloc(a, sizeof(struct cfg_word) * 16);
	for (char *t = strtok(dup, " "); t && s->nw < 16; t = strtok(NULL, " ")) {
		struct cfg_word *w = &s->w[s->nw++];
		w->s = t;
		w->len = (uint32_t)strlen(t);
		w->at = (struct m_origin){ "t.conf", line, 1 };
	}
	s->at = (struct m_origin){ "t.conf", line, 1 };
	s->parent = parent;
	struct cfg_stmt **pp = parent ? &parent->child : top;
	while (*pp)
		pp = &(*pp)->next;
	*pp = s;
	return s;
}

struct fx {
	struct m_config *cfg;
	struct diag_list dl;
	struct ka_state S;
	struct ka_bctx b;
	struct cfg_stmt *top;
};

static void fx_init(struct fx *f, bool host)
{
	static struct ka_opts o_host = { .check_host = true }, o_none;
	memset(f, 0, sizeof(*f));
	f->cfg = m_config_new();
	f->S.rule_pref = 16384;
	f->b = (struct ka_bctx){ .cfg = f->cfg, .dl = &f->dl, .o = host ? &o_host : &o_none,
				 .S = &f->S, .blk = &ka_root_block, .proc = KA_PARENT,
				 .obj = f->cfg };
}

static void fx_run(struct fx *f)
{
	ka_bind_block(&f->b, f->top);
	ka_check(&f->b);
}

static void fx_free(struct fx *f)
{
	diag_list_free(&f->dl);
	m_config_free(f->cfg);
}

/* The index of the first finding whose compat (or, with lint, msg) text is `text`, or -1. */
static int find(const struct fx *f, const char *text, bool lint)
{
	for (size_t i = 0; i < f->dl.n; i++) {
		const char *t = lint ? f->dl.v[i].msg : f->dl.v[i].compat;
		if (t && !strcmp(t, text))
			return (int)i;
	}
	return -1;
}

static void tables_are_consistent(void **state)
{
	(void)state;
	size_t nb, total = 0;
	const struct ka_block *const *all = ka_all_blocks(&nb);
	assert_true(nb >= 30);
	for (size_t i = 0; i < nb; i++) {
		const struct ka_block *b = all[i];
		assert_true(b->nkw > 0 || b->line);
		for (size_t k = 0; k < b->nkw; k++) {
			const struct ka_kw *kw = &b->kw[k];
			total++;
			assert_non_null(kw->name);
			assert_non_null(kw->help);
			assert_true(kw->max == KA_ANY || kw->min <= kw->max);
			if (kw->flags & KW_BLOCK && !(kw->flags & KW_UNSUP))
				assert_non_null(kw->sub);
			else if (!(kw->flags & (KW_UNSUP | KW_BLOCK)))
				assert_non_null(kw->set);
			for (size_t j = k + 1; j < b->nkw; j++)
				assert_string_not_equal(kw->name, b->kw[j].name);
		}
	}
	print_message("%zu blocks, %zu keyword rows\n", nb, total);
	assert_true(total >= 300);
}

static struct cfg_stmt *instance(struct fx *f, const char *prio)
{
	struct arena *a = f->cfg->arena;
	struct cfg_stmt *vi = mk(a, &f->top, NULL, 1, "vrrp_instance VI_1");
	mk(a, NULL, vi, 2, "state BACKUP");
	mk(a, NULL, vi, 3, "virtual_router_id 51");
	mk(a, NULL, vi, 4, prio);
	struct cfg_stmt *v = mk(a, NULL, vi, 5, "virtual_ipaddress");
	mk(a, NULL, v, 6, "10.0.0.1/24 dev eth0 label eth0:1");
	return vi;
}

static void priority_range(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, false);
	instance(&f, "priority 300");
	fx_run(&f);
	int i = find(&f, "number '300' outside range [1, 255]", false);
	assert_true(i >= 0);
	assert_int_equal(f.dl.v[i].at.line, 4);
	assert_true(find(&f, "(VI_1) Priority not valid! must be between 1 & 255. Using default "
			     "100", false) > i);
	assert_int_equal(f.cfg->vrrp->priority, M_UNSET);
	fx_free(&f);
}

static void binds_instance(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, false);
	instance(&f, "priority 150");
	fx_run(&f);
	assert_int_equal(f.dl.n, 0);
	const struct m_vrrp_instance *v = f.cfg->vrrp;
	assert_non_null(v);
	assert_string_equal(v->name, "VI_1");
	assert_int_equal(v->priority, 150);
	assert_int_equal(v->vrid, 51);
	assert_int_equal(v->state, VRRP_STATE_BACKUP);
	assert_non_null(v->vips);
	assert_int_equal(v->vips->prefix, 24);
	assert_string_equal(v->vips->dev, "eth0");
	assert_string_equal(v->vips->label, "eth0:1");
	fx_free(&f);
}

static void unknown_with_suggestion(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, false);
	struct cfg_stmt *vi = instance(&f, "priority 100");
	mk(f.cfg->arena, NULL, vi, 7, "prioritty 100");
	fx_run(&f);
	int i = find(&f, "Unknown keyword 'prioritty'", false);
	assert_true(i >= 0);
	assert_int_equal(f.dl.v[i].compat_sev, DIAG_ERROR);
	assert_string_equal(f.dl.v[i].hint, "did you mean 'priority'?");
	fx_free(&f);
}

static void nb_get_retry_is_unknown(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, false);
	struct arena *a = f.cfg->arena;
	struct cfg_stmt *vs = mk(a, &f.top, NULL, 1, "virtual_server 10.0.0.1 80");
	mk(a, NULL, vs, 2, "lb_algo wrr");
	mk(a, NULL, vs, 3, "lb_kind DR");
	struct cfg_stmt *rs = mk(a, NULL, vs, 4, "real_server 10.0.0.2 80");
	struct cfg_stmt *tc = mk(a, NULL, rs, 5, "TCP_CHECK");
	mk(a, NULL, tc, 6, "connect_timeout 2");
	mk(a, NULL, tc, 7, "nb_get_retry 3");
	fx_run(&f);
	int i = find(&f, "Unknown keyword 'nb_get_retry'", false);
	assert_true(i >= 0);
	assert_string_equal(f.dl.v[i].hint, "did you mean 'retry'?");
	const struct m_pool *p = f.cfg->pools;
	assert_non_null(p);
	assert_int_equal(p->balance.algo, ALGO_LVS_WRR);
	assert_non_null(p->servers);
	assert_non_null(p->servers->checks);
	assert_int_equal(p->servers->checks->connect_timeout, 2000);
	assert_int_equal(p->servers->checks->probe->kind, PROBE_TCP);
	assert_int_equal(f.cfg->services->kind, SVC_VIRTUAL_SERVER);
	assert_int_equal(f.cfg->services->binds->addr.port_lo, 80);
	fx_free(&f);
}

static void unsupported_is_lint_only(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, false);
	struct cfg_stmt *g = mk(f.cfg->arena, &f.top, NULL, 1, "global_defs");
	mk(f.cfg->arena, NULL, g, 2, "enable_dbus");
	fx_run(&f);
	int i = find(&f, "'enable_dbus' is not supported by vipr yet", true);
	assert_true(i >= 0);
	assert_null(f.dl.v[i].compat);
	assert_int_equal(f.dl.v[i].compat_sev, DIAG_NONE);
	fx_free(&f);
}

static void arity_is_checked(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, false);
	struct cfg_stmt *vi = instance(&f, "priority 100");
	mk(f.cfg->arena, NULL, vi, 8, "advert_int");
	mk(f.cfg->arena, NULL, vi, 9, "garp_master_delay abc");
	fx_run(&f);
	/* keepalived 2.2.7 reports the missing word and stops reading (exit status 2) */
	int i = find(&f, "*** Configuration line starting `advert_int` is missing a parameter "
			 "after keyword `advert_int` at word position 2", false);
	assert_true(i >= 0);
	assert_true(f.dl.v[i].flags & DIAG_ABORT);
	assert_true(find(&f, "invalid number 'abc'", false) < 0); /* not read any more */
	fx_free(&f);
}

static void strict_master_and_auth(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, false);
	struct arena *a = f.cfg->arena;
	struct cfg_stmt *g = mk(a, &f.top, NULL, 1, "global_defs");
	mk(a, NULL, g, 2, "vrrp_strict");
	struct cfg_stmt *vi = instance(&f, "priority 100");
	mk(a, NULL, vi, 9, "state MASTER");
	struct cfg_stmt *au = mk(a, NULL, vi, 10, "authentication");
	mk(a, NULL, au, 11, "auth_type PASS");
	mk(a, NULL, au, 12, "auth_pass test");
	fx_run(&f);
	int i = find(&f, "(VI_1) State MASTER must match being address owner", false);
	int j = find(&f, "(VI_1) Strict mode does not support authentication. Ignoring.", false);
	assert_true(i >= 0 && j > i);
	assert_int_equal(f.cfg->vrrp->state, VRRP_STATE_BACKUP);
	assert_null(f.cfg->vrrp->auth_type);
	fx_free(&f);
}

static void bad_vrid(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, false);
	struct arena *a = f.cfg->arena;
	struct cfg_stmt *vi = mk(a, &f.top, NULL, 1, "vrrp_instance VI_1");
	mk(a, NULL, vi, 2, "virtual_router_id abc");
	fx_run(&f);
	assert_true(find(&f, "invalid number 'abc'", false) >= 0);
	assert_true(find(&f, "(VI_1): VRID 'abc' not valid - must be between 1 & 255", false) >= 0);
	assert_true(find(&f, "(VI_1) the virtual router id must be set", false) >= 0);
	fx_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tables_are_consistent),
		cmocka_unit_test(priority_range),
		cmocka_unit_test(binds_instance),
		cmocka_unit_test(unknown_with_suggestion),
		cmocka_unit_test(nb_get_retry_is_unknown),
		cmocka_unit_test(unsupported_is_lint_only),
		cmocka_unit_test(arity_is_checked),
		cmocka_unit_test(strict_master_and_auth),
		cmocka_unit_test(bad_vrid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
