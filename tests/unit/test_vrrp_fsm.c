/* test_vrrp_fsm.c - the VRRP state machine (vrrp/vrrp_fsm.c) driven by tables of events.
 *
 * A scenario is an instance configuration and a list of steps: at time T, an advert arrives
 * (priority, source), the timer is run, or the instance stops; after each step the state,
 * the adverts sent (their priorities, in order) and the next deadline are compared with the
 * row. The clock is injected, so Master_Down and skew are checked to the millisecond
 * (keepalived: prio 50 -> 3805 ms, prio 100 -> 3609 ms with advert_int 1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <arpa/inet.h>

#include "vrrp/vrrp.h"

enum ev { START, RX, TIMER, STOP, FAULT, UNFAULT, SYNC_MASTER, SYNC_BACKUP, END };

struct step {
	enum ev ev;
	int64_t t;
	int prio;            /* RX: advert priority */
	const char *from;    /* RX: source address */
	enum vrrp_state want;
	const char *sent;    /* priorities sent during this step, "100,0", "" none */
	int64_t deadline;    /* -1: not checked */
	const char *logged;  /* substring of the step's log, or NULL */
};

struct scen {
	const char *name;
	int version, prio, preempt;
	int64_t preempt_delay;
	struct step steps[12];
};

#define ME "192.168.88.87"
#define HI "192.168.88.88" /* higher address than ME */
#define LO "192.168.88.86"

static const struct scen scens[] = {
	{ "backup at init, master after Master_Down", 2, 100, 1, 0, {
		{ START, 0, 0, 0, VRRP_BACKUP, "", 3609, "Entering BACKUP STATE (init)" },
		{ TIMER, 3000, 0, 0, VRRP_BACKUP, "", 3609, NULL },
		{ TIMER, 3609, 0, 0, VRRP_MASTER, "100", 4609, "Entering MASTER STATE" },
		{ TIMER, 4609, 0, 0, VRRP_MASTER, "100", 5609, NULL },
		{ STOP, 5000, 0, 0, VRRP_STOP, "0", -1, "sent 0 priority" },
		{ .ev = END } } },
	{ "prio 50 skew", 2, 50, 1, 0, {
		{ START, 0, 0, 0, VRRP_BACKUP, "", 3804, NULL },
		{ RX, 1000, 100, HI, VRRP_BACKUP, "", 4804, NULL },
		{ RX, 2000, 0, HI, VRRP_BACKUP, "", 2804, "Backup received priority 0" },
		{ TIMER, 2804, 0, 0, VRRP_MASTER, "50", 3804, "Receive advertisement timeout" },
		{ .ev = END } } },
	{ "owner goes straight to master", 2, 255, 1, 0, {
		{ START, 0, 0, 0, VRRP_MASTER, "255", 1000, "Entering MASTER STATE" },
		{ .ev = END } } },
	{ "preempt: lower priority advert discarded", 2, 100, 1, 0, {
		{ START, 0, 0, 0, VRRP_BACKUP, "", 3609, NULL },
		{ RX, 1000, 50, HI, VRRP_BACKUP, "", 3609,
		  "received lower priority (50) advert from 192.168.88.88 - discarding" },
		{ TIMER, 3609, 0, 0, VRRP_MASTER, "100", 4609, NULL },
		{ .ev = END } } },
	{ "nopreempt: lower priority master kept", 2, 100, 0, 0, {
		{ START, 0, 0, 0, VRRP_BACKUP, "", 3609, NULL },
		{ RX, 1000, 50, HI, VRRP_BACKUP, "", 4609, NULL },
		{ RX, 2000, 50, HI, VRRP_BACKUP, "", 5609, NULL },
		{ .ev = END } } },
	{ "preempt_delay holds off preemption", 2, 100, 1, 5000, {
		{ START, 0, 0, 0, VRRP_BACKUP, "", 3609, NULL },
		{ RX, 1000, 50, HI, VRRP_BACKUP, "", 4609, NULL },
		{ RX, 4000, 50, HI, VRRP_BACKUP, "", 7609, NULL },
		{ RX, 5000, 50, HI, VRRP_BACKUP, "", 7609, "discarding" },
		{ TIMER, 7609, 0, 0, VRRP_MASTER, "100", -1, NULL },
		{ .ev = END } } },
	{ "master steps down for higher priority", 2, 100, 1, 0, {
		{ START, 0, 0, 0, VRRP_BACKUP, "", 3609, NULL },
		{ TIMER, 3609, 0, 0, VRRP_MASTER, "100", 4609, NULL },
		{ RX, 4000, 150, LO, VRRP_BACKUP, "", 7609, "with higher priority 150, ours 100" },
		{ .ev = END } } },
	{ "equal priority: higher address wins", 2, 100, 1, 0, {
		{ START, 0, 0, 0, VRRP_BACKUP, "", 3609, NULL },
		{ TIMER, 3609, 0, 0, VRRP_MASTER, "100", 4609, NULL },
		{ RX, 4000, 100, LO, VRRP_MASTER, "100", 5000, "lower priority" },
		{ RX, 4500, 100, HI, VRRP_BACKUP, "", 8109, "higher IP address" },
		{ .ev = END } } },
	{ "master answers lower priority at once", 2, 100, 1, 0, {
		{ START, 0, 0, 0, VRRP_BACKUP, "", -1, NULL },
		{ TIMER, 3609, 0, 0, VRRP_MASTER, "100", 4609, NULL },
		{ RX, 4000, 50, HI, VRRP_MASTER, "100", 5000,
		  "Received advert from 192.168.88.88 with lower priority 50, ours 100" },
		{ RX, 4100, 0, HI, VRRP_MASTER, "100", 5100, NULL },
		{ .ev = END } } },
	{ "v3 backup adopts the master's interval", 3, 100, 1, 0, {
		{ START, 0, 0, 0, VRRP_BACKUP, "", 3609, NULL },
		{ RX, 1000, 200, HI, VRRP_BACKUP, "", 8218, NULL },
		{ .ev = END } } },
	{ "fault releases and returns to backup", 2, 100, 1, 0, {
		{ START, 0, 0, 0, VRRP_BACKUP, "", 3609, NULL },
		{ TIMER, 3609, 0, 0, VRRP_MASTER, "100", 4609, NULL },
		{ FAULT, 4000, 0, 0, VRRP_FAULT, "0", INT64_MAX, "Entering FAULT STATE" },
		{ RX, 4500, 50, HI, VRRP_FAULT, "", INT64_MAX, NULL },
		{ UNFAULT, 5000, 0, 0, VRRP_BACKUP, "", 8609, "Entering BACKUP STATE" },
		{ .ev = END } } },
	{ "fault of a master: priority 0 then keepalived's line", 2, 100, 1, 0, {
		{ START, 0, 0, 0, VRRP_BACKUP, "", 3609, NULL },
		{ TIMER, 3609, 0, 0, VRRP_MASTER, "100", 4609, NULL },
		{ FAULT, 4000, 0, 0, VRRP_FAULT, "0", INT64_MAX, "Entering FAULT STATE\nsent 0 priority" },
		{ FAULT, 4100, 0, 0, VRRP_FAULT, "", INT64_MAX, NULL },
		{ .ev = END } } },
	{ "sync group moves a backup to master and back", 2, 100, 1, 0, {
		{ START, 0, 0, 0, VRRP_BACKUP, "", 3609, NULL },
		{ SYNC_MASTER, 1000, 0, 0, VRRP_MASTER, "100", 2000, "Entering MASTER STATE" },
		{ SYNC_MASTER, 1100, 0, 0, VRRP_MASTER, "", 2000, NULL },
		{ SYNC_BACKUP, 1500, 0, 0, VRRP_BACKUP, "", 5109, "Entering BACKUP STATE" },
		{ .ev = END } } },
	{ "sync does not move an instance out of FAULT", 2, 100, 1, 0, {
		{ START, 0, 0, 0, VRRP_BACKUP, "", 3609, NULL },
		{ FAULT, 100, 0, 0, VRRP_FAULT, "", INT64_MAX, "Entering FAULT STATE" },
		{ SYNC_MASTER, 1000, 0, 0, VRRP_FAULT, "", INT64_MAX, NULL },
		{ SYNC_BACKUP, 1000, 0, 0, VRRP_FAULT, "", INT64_MAX, NULL },
		{ .ev = END } } },
};

struct rec {
	char sent[64];
	char log[512];
};

static void cb_send(struct vrrp_fsm *f, uint8_t prio)
{
	struct rec *r = f->owner;
	size_t n = strlen(r->sent);
	snprintf(r->sent + n, sizeof(r->sent) - n, "%s%u", n ? "," : "", prio);
}

static void cb_state(struct vrrp_fsm *f, enum vrrp_state from, enum vrrp_state to)
{
	(void)f;
	assert_int_not_equal(from, to);
}

static void cb_log(struct vrrp_fsm *f, const char *fmt, ...)
{
	struct rec *r = f->owner;
	size_t n = strlen(r->log);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->log + n, sizeof(r->log) - n, fmt, ap);
	va_end(ap);
	n = strlen(r->log);
	snprintf(r->log + n, sizeof(r->log) - n, "\n");
}

static const struct vrrp_fsm_ops ops = { cb_send, cb_state, cb_log };

static void run(const struct scen *s)
{
	struct rec rec;
	struct vrrp_fsm f = { .name = "VI_1", .version = (uint8_t)s->version, .vrid = 51,
			      .priority = (uint8_t)s->prio, .adver_ms = 1000,
			      .preempt = s->preempt, .preempt_delay_ms = s->preempt_delay,
			      .ops = &ops, .owner = &rec };
	inet_pton(AF_INET, ME, &f.primary);
	for (const struct step *st = s->steps; st->ev != END; st++) {
		memset(&rec, 0, sizeof(rec));
		struct vrrp_adv a = { .version = (uint8_t)s->version, .vrid = 51,
				      .priority = (uint8_t)st->prio, .interval_cs = 200 };
		switch (st->ev) {
		case START: vrrp_fsm_start(&f, st->t); break;
		case TIMER: vrrp_fsm_timer(&f, st->t); break;
		case STOP: vrrp_fsm_stop(&f, st->t); break;
		case FAULT: vrrp_fsm_fault(&f, st->t, true); break;
		case UNFAULT: vrrp_fsm_fault(&f, st->t, false); break;
		case SYNC_MASTER: vrrp_fsm_sync(&f, st->t, VRRP_MASTER); break;
		case SYNC_BACKUP: vrrp_fsm_sync(&f, st->t, VRRP_BACKUP); break;
		case RX:
			inet_pton(AF_INET, st->from, &a.saddr);
			vrrp_fsm_rx(&f, st->t, &a);
			break;
		case END: break;
		}
		int i = (int)(st - s->steps);
		if (f.state != st->want)
			fail_msg("%s step %d: state %s, want %s", s->name, i,
				 vrrp_state_str(f.state), vrrp_state_str(st->want));
		if (strcmp(rec.sent, st->sent))
			fail_msg("%s step %d: sent [%s], want [%s]", s->name, i, rec.sent,
				 st->sent);
		if (st->deadline >= 0 && f.deadline != st->deadline)
			fail_msg("%s step %d: deadline %lld, want %lld", s->name, i,
				 (long long)f.deadline, (long long)st->deadline);
		if (st->logged && !strstr(rec.log, st->logged))
			fail_msg("%s step %d: log [%s] lacks [%s]", s->name, i, rec.log,
				 st->logged);
	}
}

static void test_scenarios(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(scens); i++)
		run(&scens[i]);
}

/* IPv6 (RFC 5798 6.4.3): a master hearing its own priority from a higher link-local address
 * steps down, from a lower one answers; the log names the IPv6 source. */
static void test_ipv6_tie(void **state)
{
	(void)state;
	static const struct { const char *from; enum vrrp_state want; const char *log; } t[] = {
		{ "fe80::200", VRRP_BACKUP, "from fe80::200 with same priority 100 but higher IP" },
		{ "fe80::1:0", VRRP_BACKUP, "from fe80::1:0 with same" },
		{ "fe80::0:ff", VRRP_MASTER, "from fe80::ff with lower priority" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct rec rec;
		struct vrrp_fsm f = { .name = "VI_6", .version = 3, .vrid = 61, .priority = 100,
				      .adver_ms = 1000, .preempt = true, .family = AF_INET6,
				      .ops = &ops, .owner = &rec };
		inet_pton(AF_INET6, "fe80::100", f.primary6);
		memset(&rec, 0, sizeof(rec));
		f.priority = 255; /* owner: straight to MASTER */
		vrrp_fsm_start(&f, 0);
		f.priority = 100;
		struct vrrp_adv a = { .family = AF_INET6, .version = 3, .vrid = 61,
				      .priority = (uint8_t)(t[i].want == VRRP_MASTER ? 90 : 100),
				      .interval_cs = 100 };
		inet_pton(AF_INET6, t[i].from, a.saddr6);
		memset(&rec, 0, sizeof(rec));
		vrrp_fsm_rx(&f, 10, &a);
		assert_int_equal(f.state, t[i].want);
		if (!strstr(rec.log, t[i].log))
			fail_msg("%s: log [%s] lacks [%s]", t[i].from, rec.log, t[i].log);
		if (t[i].want == VRRP_BACKUP)
			assert_memory_equal(f.master_addr6, a.saddr6, 16);
	}
}

static void test_timers(void **state)
{
	(void)state;
	struct vrrp_fsm f = { .version = 2, .adver_ms = 1000 };
	static const struct { int prio; int64_t skew, down; } t[] = {
		{ 50, 804, 3804 }, { 100, 609, 3609 }, { 254, 7, 3007 }, { 1, 996, 3996 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		f.priority = (uint8_t)t[i].prio;
		assert_int_equal(vrrp_fsm_skew(&f), t[i].skew);
		assert_int_equal(vrrp_fsm_master_down(&f), t[i].down);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenarios),
		cmocka_unit_test(test_timers),
		cmocka_unit_test(test_ipv6_tie),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
