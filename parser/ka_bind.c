/* ka_bind.c - binds keepalived's statement tree into the model.
 *
 * ka_load() reads the files (ka_read), then walks the tree block by block: one dispatcher
 * looks every statement up in its block's keyword table (ka_kw.c), checks arity and flags and
 * calls the row's setter with the block context. The generic setters here write through the
 * row's offset; findings use keepalived's own wording so that `keepalived -t` output can be
 * reproduced, and the post-parse checks (ka_check.c) run last.
 */
#include "ka_bind.h"
#include "ka_lex.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- findings */

static unsigned proc_flags(const struct ka_bctx *b)
{
	return b->proc == KA_PARENT ? M_KA_DIAG_PARENT : 0;
}

struct diag *ka_err(struct ka_bctx *b, struct m_origin at, unsigned flags, const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		abort();
	va_end(ap);
	struct diag *d = diag_add(b->dl, at, DIAG_ERROR, DIAG_ERROR,
				  DIAG_FATAL | flags | proc_flags(b), text, NULL);
	free(text);
	return d;
}

struct diag *ka_lint(struct ka_bctx *b, struct m_origin at, enum diag_sev sev, const char *fmt,
		     ...)
{
	char *text = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		abort();
	va_end(ap);
	struct diag *d = diag_add(b->dl, at, sev, DIAG_NONE, proc_flags(b), NULL, text);
	free(text);
	return d;
}

/* ---------------------------------------------------------------- numbers */

int ka_read_int(struct ka_bctx *b, const struct cfg_word *w, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(w->s, &end, 10);
	if (!*w->s || *end || errno) {
		ka_err(b, w->at, 0, "invalid number '%s'", w->s);
		return -1;
	}
	if (v < lo || v > hi) {
		ka_err(b, w->at, 0, "number '%s' outside range [%ld, %ld]", w->s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

/* Decimal numbers as keepalived reads them: digits with at most 6 decimals (no sign, hex or
 * exponent; a leading '-' is "negative"). */
int ka_read_dec(struct ka_bctx *b, const struct cfg_word *w, double lo, double hi, double *out)
{
	const char *s = w->s;
	if (*s == '-' && lo >= 0) {
		ka_err(b, w->at, 0, "negative number '%s'", s);
		return -1;
	}
	const char *p = s + (*s == '+' || *s == '-');
	size_t ints = strspn(p, "0123456789"), decs = 0;
	if (p[ints] == '.')
		decs = strspn(p + ints + 1, "0123456789");
	const char *end = p + ints + (p[ints] == '.' ? 1 + decs : 0);
	if ((!ints && p[ints] != '.') || *end) { /* "." alone reads as 0 */
		ka_err(b, w->at, 0, "invalid number '%s'", s);
		return -1;
	}
	if (decs > 6) {
		ka_err(b, w->at, 0, "number '%s' has too many decimal places", s);
		return -1;
	}
	errno = 0;
	double v = ints || decs ? strtod(s, NULL) : 0;
	if (v > KA_TIME_MAX) {
		ka_err(b, w->at, 0, "number '%s' outside unsigned decimal range", s);
		return -1;
	}
	if (errno || !isfinite(v) || v < lo || v > hi) {
		char his[40];
		if (hi >= KA_TIME_MAX) /* a double cannot carry it to the last digit */
			snprintf(his, sizeof(his), "18446744073709.551614");
		else
			snprintf(his, sizeof(his), "%f", hi);
		ka_err(b, w->at, 0, "number '%s' outside range [%f, %s]", s, lo, his);
		return -1;
	}
	*out = v;
	return 0;
}

int ka_parse_ip(const char *s, struct m_addr *a)
{
	memset(a, 0, sizeof(*a));
	struct sockaddr_in *s4 = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->ss;
	if (inet_pton(AF_INET, s, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		a->sslen = sizeof(*s4);
	} else if (inet_pton(AF_INET6, s, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		a->sslen = sizeof(*s6);
	} else
		return -1;
	a->kind = M_ADDR_INET;
	return 0;
}

/* ---------------------------------------------------------------- generic setters */

#define FIELD(b, kw, type) ((type *)((char *)(b)->obj + (kw)->off))

int ka_set_none(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	(void)b, (void)kw, (void)st;
	return 0;
}

int ka_set_int(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	long v;
	if (ka_read_int(b, &st->w[1], (long)kw->lo, (long)kw->hi, &v) < 0)
		return -1;
	*FIELD(b, kw, int) = (int)v;
	return 0;
}

/* Times are seconds with up to microsecond decimals; the model keeps milliseconds. */
int ka_set_time(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	double v;
	double lo = kw->lo, hi = kw->hi ? kw->hi : 4294.967295;
	if (ka_read_dec(b, &st->w[1], lo, hi, &v) < 0)
		return -1;
	*FIELD(b, kw, m_ms) = (m_ms)llround(v * 1000.0);
	return 0;
}

/* A flag takes an optional boolean: on/off, true/false, yes/no. */
int ka_set_flag(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	int8_t v = 1;
	if (st->nw > 1) {
		const char *s = st->w[1].s;
		if (!strcasecmp(s, "on") || !strcasecmp(s, "true") || !strcasecmp(s, "yes"))
			v = 1;
		else if (!strcasecmp(s, "off") || !strcasecmp(s, "false") || !strcasecmp(s, "no"))
			v = 0;
		else {
			ka_err(b, st->w[1].at, 0, "Invalid value '%s' for parameter %s", s,
			       st->w[0].s);
			return -1;
		}
	}
	*FIELD(b, kw, int8_t) = v;
	return 0;
}

int ka_set_str(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	*FIELD(b, kw, char *) = arena_strdup(b->cfg->arena, st->w[1].s);
	return 0;
}

/* The rest of the line as one string (scripts with arguments, notify commands). */
int ka_set_strs(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	size_t len = 0;
	for (int i = 1; i < st->nw; i++)
		len += st->w[i].len + 1;
	char *s = arena_alloc(b->cfg->arena, len + 1), *p = s;
	for (int i = 1; i < st->nw; i++) {
		if (i > 1)
			*p++ = ' ';
		memcpy(p, st->w[i].s, st->w[i].len);
		p += st->w[i].len;
	}
	*p = 0;
	*FIELD(b, kw, char *) = s;
	return 0;
}

int ka_set_addr(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	struct m_addr *a = FIELD(b, kw, struct m_addr);
	if (ka_parse_ip(st->w[1].s, a) < 0) {
		ka_err(b, st->w[1].at, 0, "Invalid %s address '%s'", st->w[0].s, st->w[1].s);
		return -1;
	}
	a->text = arena_strdup(b->cfg->arena, st->w[1].s);
	return 0;
}

/* ---------------------------------------------------------------- dispatcher */

static void unknown_kw(struct ka_bctx *b, const struct cfg_stmt *st)
{
	struct diag *d = ka_err(b, st->at, 0, "Unknown keyword '%s'", st->w[0].s);
	const char *sug = ka_kw_suggest(b->blk, st->w[0].s);
	if (sug)
		diag_hint(d, "did you mean '%s'?", sug);
	if (b->blk != &ka_root_block)
		return;
	/* A top-level word is read again by each child (VRRP, checker, BFD): each says it too,
	 * with the file name. These copies are keepalived's output only, not lint findings. */
	char text[600];
	snprintf(text, sizeof(text), "Unknown keyword '%s'", st->w[0].s);
	for (int i = 0; i < 3; i++)
		diag_add(b->dl, st->at, DIAG_NONE, DIAG_ERROR, DIAG_FATAL, text, NULL);
}

static void open_block(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	struct ka_bctx c = *b;
	c.blk = kw->sub;
	c.st = st;
	if (kw->sub->proc != KA_PARENT || b->blk == &ka_root_block)
		c.proc = kw->sub->proc;
	if (kw->sub->open && kw->sub->open(&c, st) < 0)
		return;
	if (kw->flags & KW_LIST) {
		for (const struct cfg_stmt *l = st->child; l; l = l->next)
			if (l->nw > 0 && kw->sub->line)
				kw->sub->line(&c, l);
	} else
		ka_bind_block(&c, st->child);
	if (kw->sub->close)
		kw->sub->close(&c);
}

/* A keyword written without its parameter. keepalived 2.2.7's generic accessor reports it and
 * stops reading (exit status 2); the handlers below check for it themselves and report it
 * in their own words (a configuration error, exit status 5), or take the empty value
 * silently (NULL message). A row with a block applies in that block only; the first row that
 * matches wins, and GENERIC sends the keyword back to the generic stop. Measured keyword by
 * keyword against Debian's keepalived. */
#define GENERIC ((const char *)1)
static const struct {
	const char *name, *block, *msg; /* msg: "%s" is the instance or tracker's name, if any */
} own_missing[] = {
	{"router_id", NULL, "routerid name missing - ignoring"},
	{"script_user", NULL, "No script username specified"},
	{"notify_fifo", NULL, "No notify_fifo name specified"},
	{"default_interface", NULL, "default_interface requires interface name"},
	{"notification_email_from", NULL, "emailfrom missing - ignoring"},
	{"smtp_helo_name", NULL, NULL},
	{"lvs_sync_daemon", NULL, "lvs_sync_daemon requires interface"},
	{"lvs_timeouts", NULL, "lvs_timeouts requires at least one option"},
	{"tmp_config_directory", NULL, "tmp_config_directory missing directory name"},
	{"startup_script", NULL, "startup script missing"},
	{"startup_script_timeout", NULL, "startup_script_timeout requires value"},
	{"shutdown_script", NULL, "shutdown script missing"},
	{"shutdown_script_timeout", NULL, "shutdown_script_timeout requires value"},
	{"min_auto_priority_delay", NULL, "min_auto_priority_delay requires delay time"},
	{"vrrp_priority", NULL, "No vrrp process priority specified"},
	{"checker_priority", NULL, "No checker process priority specified"},
	{"bfd_priority", NULL, "No bfd process priority specified"},
	{"vrrp_cpu_affinity", NULL, "No vrrp cpu_id set specified"},
	{"checker_cpu_affinity", NULL, "No checker cpu_id set specified"},
	{"bfd_cpu_affinity", NULL, "No bfd cpu_id set specified"},
	{"vrrp_rt_priority", NULL, "No vrrp process real-time priority specified"},
	{"checker_rt_priority", NULL, "No checker process real-time priority specified"},
	{"bfd_rt_priority", NULL, "No bfd process real-time priority specified"},
	{"snmp_socket", NULL, "SNMP error : snmp socket name missing"},
	{"dbus_service_name", NULL, "dbus_service_name missing - ignoring"},
	{"notify_fifo_script", NULL, "No notify_fifo_script specified"},
	{"vrrp_notify_fifo", NULL, "No vrrp_notify_fifo name specified"},
	{"vrrp_notify_fifo_script", NULL, "No vrrp_notify_fifo_script specified"},
	{"lvs_notify_fifo", NULL, "No lvs_notify_fifo name specified"},
	{"lvs_notify_fifo_script", NULL, "No lvs_notify_fifo_script specified"},
	{"vrrp_netlink_cmd_rcv_bufs", NULL, "vrrp_netlink_cmd_rcv_bufs size missing"},
	{"vrrp_netlink_monitor_rcv_bufs", NULL, "vrrp_netlink_monitor_rcv_bufs size missing"},
	{"lvs_netlink_cmd_rcv_bufs", NULL, "lvs_netlink_cmd_rcv_bufs size missing"},
	{"lvs_netlink_monitor_rcv_bufs", NULL, "lvs_netlink_monitor_rcv_bufs size missing"},
	{"process_monitor_rcv_bufs", NULL, "process_monitor_rcv_bufs size missing"},
	{"vrrp_rx_bufs_policy", NULL, "vrrp_rx_bufs_policy missing"},
	{"vrrp_rx_bufs_multiplier", NULL, "Invalid vrrp_rx_bufs_multiplier"},
	{"reload_time_file", NULL, "reload_time_file invalid"},
	{"net_namespace", NULL, "net_namespace name missing - ignoring"},
	{"instance", NULL, "instance name missing - ignoring"},
	{"vrrp_instance", NULL, "vrrp_instance must have a name"},
	{"vrrp_sync_group", NULL, "vrrp_sync_group must have a name - skipping"},
	{"track_group", NULL, "track_group must have a name - skipping"},
	{"kernel_rx_buf_size", NULL, "(%s) invalid kernel_rx_buf_size specified"},
	{"smtp_alert", NULL, NULL},
	{"script", NULL, NULL},
	{"persistence_timeout", NULL, NULL},
	{"virtualhost", "virtual_server", "virtual server virtualhost missing"},
	{"virtualhost", "real_server", "real server virtualhost missing"},
	{"virtualhost", NULL, "HTTP_GET virtualhost name missing"},
	{"snmp_name", "virtual_server", "virtual server snmp_name missing or extra parameters"},
	{"snmp_name", NULL, "real server snmp_name missing or extra parameters"},
	{"http_protocol", NULL, "Missing http_protocol version"},
	{"user", "MISC_CHECK", "No user specified for misc checker script "},
	{"user", NULL, GENERIC}, /* vrrp_script user */
	{"misc_path", NULL, NULL}, /* the block's end reports the missing path */
	{"net_namespace_ipvs", NULL, NULL},
	{"reload_file", NULL, NULL},
	{"param_match", NULL, NULL},
	{"sorry_server_lvs_method", NULL, "sorry_server forwarding used without sorry_server"},
	{"helo_name", NULL, "SMTP_CHECK helo name missing"},
	{"payload", NULL, "UDP_CHECK payload requires a payload"},
	{"weight", "vrrp_track_process", "No weight specified for track process %s - ignoring"},
	{"weight", "FILE_CHECK", "track file weight missing"},
	{"weight", NULL, GENERIC}, /* real_server weight */
};

/* Returns true when kw's own handler deals with a missing parameter (reported here). */
static bool own_missing_check(struct ka_bctx *b, const struct ka_kw *kw, const struct cfg_stmt *st)
{
	const char *blk = b->blk && b->blk->name ? b->blk->name : "";
	size_t i = 0;
	while (i < ARRAY_SIZE(own_missing) &&
	       (strcmp(own_missing[i].name, kw->name) ||
		(own_missing[i].block && strcmp(own_missing[i].block, blk))))
		i++;
	if (i == ARRAY_SIZE(own_missing) || own_missing[i].msg == GENERIC)
		return false;
	const char *msg = own_missing[i].msg;
	if (msg) {
		const char *name = b->vi ? b->vi->name : b->st && b->st->nw > 1 ? b->st->w[1].s : "";
		char text[256];
		snprintf(text, sizeof(text), msg, name);
		ka_err(b, st->at, 0, "%s", text);
	}
	return true;
}

void ka_bind_stmt(struct ka_bctx *b, const struct cfg_stmt *st)
{
	if (b->S->stopped)
		return;
	const struct ka_kw *kw = ka_kw_find(b->blk, st->w[0].s);
	if (!kw) {
		unknown_kw(b, st);
		return;
	}
	int nargs = st->nw - 1;
	if (nargs == 0 && kw->min > 0) {
		/* blocks at the top are read by keepalived's children ("(FILE: Line N)") */
		enum ka_proc proc = b->proc;
		if (b->blk == &ka_root_block && (kw->flags & KW_BLOCK))
			b->proc = KA_VRRP;
		if (!strcmp(kw->name, "lvs_sync_daemon_interface") && b->vi)
			ka_err(b, st->at, 0, "(%s) Specifying lvs_sync_daemon_interface against a vrrp "
					     "is deprecated.", b->vi->name);
		if (!own_missing_check(b, kw, st)) {
			/* keepalived reads the missing word, reports it and exits (status 2) */
			ka_err(b, st->at, DIAG_ABORT, "*** Configuration line starting `%s` is missing "
						      "a parameter after keyword `%s` at word position 2",
			       kw->name, kw->name);
			b->S->stopped = true;
		}
		b->proc = proc;
		return;
	}
	if (kw->flags & KW_UNSUP) {
		ka_lint(b, st->at, DIAG_WARNING, "'%s' is not supported by vipr yet", kw->name);
		return;
	}
	if (nargs < kw->min || (kw->max != KA_ANY && nargs > kw->max)) {
		struct diag *d;
		if (nargs < kw->min)
			d = ka_lint(b, st->at, DIAG_ERROR, "'%s' expects %s%d argument%s, got %d",
				    kw->name, kw->max == kw->min ? "" : "at least ", kw->min,
				    kw->min == 1 ? "" : "s", nargs);
		else
			d = ka_lint(b, st->at, DIAG_WARNING,
				    "'%s' takes at most %d argument%s, extra ones are ignored",
				    kw->name, kw->max, kw->max == 1 ? "" : "s");
		if (kw->help)
			diag_hint(d, "%s: %s", kw->name, kw->help);
		if (nargs < kw->min)
			return;
	}
	if (kw->flags & KW_IGNORED)
		ka_lint(b, st->at, DIAG_NOTE, "'%s' is accepted and has no effect in vipr",
			kw->name);
	if (kw->flags & KW_BLOCK) {
		if (kw->sub)
			open_block(b, kw, st);
		return;
	}
	if (kw->set)
		kw->set(b, kw, st);
}

void ka_bind_block(struct ka_bctx *b, const struct cfg_stmt *first)
{
	for (const struct cfg_stmt *st = first; st && !b->S->stopped; st = st->next)
		if (st->nw > 0)
			ka_bind_stmt(b, st);
}

/* ---------------------------------------------------------------- entry point */

int ka_load(struct m_config *cfg, const char *path, const struct ka_opts *o,
	    struct diag_list *dl)
{
	static const struct ka_opts defaults;
	if (!o)
		o = &defaults;
	cfg->sources |= SRC_KEEPALIVED;
	size_t before = dl->n;
	bool missing = false;
	struct cfg_stmt *root = ka_read(path, o, cfg->arena, dl, &missing);
	/* The reader's findings (includes, braces, quotes) are the parent process's. */
	for (size_t i = before; i < dl->n; i++)
		dl->v[i].flags |= M_KA_DIAG_PARENT;
	/* Each child re-reads the files and reports the reader's findings again (all but
	 * missing includes, which only the parent checks); lint shows them once. */
	size_t nread = dl->n;
	for (int child = 0; child < 3; child++)
		for (size_t i = before; i < nread; i++) {
			struct diag d = dl->v[i];
			if (!d.compat || strstr(d.compat, "Config files missing"))
				continue;
			char *text = strdup(d.compat);
			if (!text)
				abort();
			diag_add(dl, d.at, DIAG_NONE, d.compat_sev, d.flags & ~M_KA_DIAG_PARENT,
				 text, NULL);
			free(text);
		}
	if (missing)
		return -1;
	struct ka_state S = { .rule_pref = 16384 };
	struct ka_bctx b = {
		.cfg = cfg, .dl = dl, .o = o, .S = &S, .blk = &ka_root_block,
		.proc = KA_PARENT, .obj = cfg,
	};
	/* keepalived's parent reads global_defs before its children read the rest: settings
	 * such as enable_script_security apply to blocks written before global_defs. */
	for (const struct cfg_stmt *st = root; st; st = st->next)
		if (st->nw > 0 && !strcmp(st->w[0].s, "global_defs"))
			ka_bind_stmt(&b, st);
	for (const struct cfg_stmt *st = root; st; st = st->next)
		if (st->nw > 0 && strcmp(st->w[0].s, "global_defs"))
			ka_bind_stmt(&b, st);
	if (!S.stopped)
		ka_check(&b);
	return 0;
}
