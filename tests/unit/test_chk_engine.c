/* test_chk_engine.c - the health-check engine on a real libev loop against a real origin.
 *
 * tests/origin/origin.py runs on a loopback port and is switched between up, refusing,
 * hanging, answering 500, a wrong body and an endless body through its control file. Each
 * case adds checks to an engine and runs the loop until the expected result: statuses and
 * descs (L4CON "Connection refused", L7STS "Internal Server Error", L7TOUT), rise/fall
 * counts and their timing, bounded reads, keepalived url digests, and script checks
 * (exit codes, misc_dynamic weights, the process group killed on timeout). Cases that need
 * the origin are skipped when python3 or SRC is missing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "checks/checks.h"

static pid_t origin_pid;
static int origin_port;
static char ctl_path[256];
static struct ev_loop *loop;

struct obs {
	int results, changes, fails, oks;
	struct chk_state last;
	int fails_at_change; /* failures counted when the verdict last changed */
	int oks_at_change;
	ev_tstamp t_change;
};

static void on_notify(struct chk_item *it, const struct chk_state *st, bool changed, void *owner)
{
	(void)it;
	struct obs *o = owner;
	o->results++;
	o->last = *st;
	bool ok =
	    st->status == CHK_ST_L4OK || st->status == CHK_ST_L7OK || st->status == CHK_ST_PROCOK;
	if (ok)
		o->oks++;
	else
		o->fails++;
	if (changed) {
		o->changes++;
		o->fails_at_change = o->fails;
		o->oks_at_change = o->oks;
		o->t_change = ev_now(loop);
	}
}

static void set_mode(const char *m)
{
	FILE *f = fopen(ctl_path, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", m);
	fclose(f);
	usleep(80 * 1000); /* the origin polls every 20 ms */
}

static void guard_cb(struct ev_loop *l, ev_timer *t, int revents)
{
	(void)t;
	(void)revents;
	ev_break(l, EVBREAK_ONE);
}

/* Runs the loop until *counter >= want or `secs` pass; returns whether it got there. */
static bool run_until(const int *counter, int want, double secs)
{
	ev_now_update(loop);
	ev_tstamp end = ev_now(loop) + secs;
	ev_timer guard;
	ev_timer_init(&guard, guard_cb, 0.01, 0.01);
	ev_timer_start(loop, &guard);
	while (*counter < want && ev_now(loop) < end)
		ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &guard);
	return *counter >= want;
}

static void mk_server(struct m_server *s, int port)
{
	m_server_init(s);
	s->name = "web1";
	s->addr.kind = M_ADDR_INET;
	struct sockaddr_in *sin = (struct sockaddr_in *)&s->addr.ss;
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->addr.sslen = sizeof(*sin);
	s->addr.port_lo = s->addr.port_hi = (uint16_t)port;
}

static void mk_check(struct m_check *k, m_ms inter, int rise, int fall)
{
	m_check_init(k);
	k->enabled = true;
	k->inter = inter;
	k->rise = rise;
	k->fall = fall;
}

static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sin);
	bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	getsockname(fd, (struct sockaddr *)&sin, &len);
	close(fd);
	return ntohs(sin.sin_port);
}

static bool port_open(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET,
	                          .sin_port = htons((uint16_t)port),
	                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	bool ok = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(fd);
	return ok;
}

static int setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	loop = ev_loop_new(0);
	const char *src = getenv("SRC");
	if (!src || system("command -v python3 >/dev/null 2>&1") != 0)
		return 0;
	char script[512];
	snprintf(script, sizeof(script), "%s/tests/origin/origin.py", src);
	if (access(script, R_OK) != 0)
		return 0;
	snprintf(ctl_path, sizeof(ctl_path), "/tmp/vipr-chk-engine.%d", (int)getpid());
	unlink(ctl_path);
	origin_port = free_port();
	char port[16];
	snprintf(port, sizeof(port), "%d", origin_port);
	origin_pid = fork();
	if (origin_pid == 0) {
		execlp("python3", "python3", script, port, ctl_path, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200 && !port_open(origin_port); i++)
		usleep(20 * 1000);
	if (!port_open(origin_port)) {
		kill(origin_pid, SIGKILL);
		origin_pid = 0;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (origin_pid > 0) {
		kill(origin_pid, SIGTERM);
		waitpid(origin_pid, NULL, 0);
	}
	char log[300];
	snprintf(log, sizeof(log), "%s.log", ctl_path);
	unlink(ctl_path);
	unlink(log);
	return 0;
}

#define NEED_ORIGIN()                                                                              \
	do {                                                                                       \
		if (origin_pid <= 0)                                                               \
			skip();                                                                    \
	} while (0)

/* HAProxy's default `option httpchk`: one OPTIONS request, 200 -> L7OK. Then the origin
 * refuses: a fully UP server goes DOWN after exactly `fall` failures, fastinter apart, with
 * L4CON "Connection refused"; back up after exactly `rise` successes. */
static void test_http_rise_fall(void **state)
{
	(void)state;
	NEED_ORIGIN();
	set_mode("up");
	struct chk_engine *e = chk_engine_new(loop);
	struct m_server s;
	struct m_check k;
	struct m_probe p = {.kind = PROBE_HTTP};
	mk_server(&s, origin_port);
	mk_check(&k, 100, 2, 3);
	struct obs o = {0};
	struct chk_item *it = chk_add(e, &s, &k, &p, true, on_notify, &o);
	assert_non_null(it);
	assert_true(run_until(&o.results, 1, 2.0));
	assert_int_equal(o.last.status, CHK_ST_L7OK);
	assert_int_equal(o.last.code, 200);
	assert_true(o.last.up);
	assert_int_equal(o.last.health, 4); /* fully up after one success */
	assert_int_equal(o.changes, 0);

	set_mode("refuse");
	ev_now_update(loop);
	int fails0 = o.fails;
	assert_true(run_until(&o.changes, 1, 3.0));
	assert_false(o.last.up);
	assert_int_equal(o.fails_at_change - fails0, 3);
	assert_int_equal(o.last.status, CHK_ST_L4CON);
	assert_string_equal(o.last.desc, "Connection refused");
	assert_int_equal(o.last.downs, 1);

	set_mode("up");
	int oks0 = o.oks;
	assert_true(run_until(&o.changes, 2, 3.0));
	assert_true(o.last.up);
	assert_int_equal(o.oks_at_change - oks0, 2);
	assert_int_equal(o.last.status, CHK_ST_L7OK);
	chk_engine_free(e);
}

/* A server that is not fully up yet (HAProxy's start state) goes down at the first
 * failure; the timing follows fastinter (transitioning) then downinter (down). */
static void test_start_state_and_intervals(void **state)
{
	(void)state;
	NEED_ORIGIN();
	set_mode("refuse");
	struct chk_engine *e = chk_engine_new(loop);
	struct m_server s;
	struct m_check k;
	mk_server(&s, origin_port);
	mk_check(&k, 2000, 2, 3);
	k.fastinter = 50;
	k.downinter = 400;
	struct obs o = {0};
	chk_add(e, &s, &k, NULL, true, on_notify, &o); /* plain TCP connect */
	assert_true(run_until(&o.results, 1, 1.0));    /* first probe within fastinter */
	assert_int_equal(o.changes, 1);
	assert_false(o.last.up);
	assert_int_equal(o.last.status, CHK_ST_L4CON);
	ev_now_update(loop);
	ev_tstamp t0 = ev_now(loop);
	assert_true(run_until(&o.results, 3, 2.0));
	ev_now_update(loop);
	double dt = ev_now(loop) - t0;
	assert_true(dt > 0.6 && dt < 1.5); /* two downinter periods */
	chk_engine_free(e);
}

static void test_http_500_and_timeout(void **state)
{
	(void)state;
	NEED_ORIGIN();
	set_mode("500");
	struct chk_engine *e = chk_engine_new(loop);
	struct m_server s;
	struct m_check k;
	struct m_probe p = {.kind = PROBE_HTTP, .meth = "GET", .uri = "/health"};
	mk_server(&s, origin_port);
	mk_check(&k, 300, 1, 1);
	struct obs o = {0};
	chk_add(e, &s, &k, &p, true, on_notify, &o);
	assert_true(run_until(&o.results, 1, 2.0));
	assert_int_equal(o.last.status, CHK_ST_L7STS);
	assert_int_equal(o.last.code, 500);
	assert_string_equal(o.last.desc, "Internal Server Error");
	assert_false(o.last.up);

	set_mode("hang"); /* no timeout check: the whole probe is bounded by inter */
	int n = o.results;
	assert_true(run_until(&o.results, n + 2, 3.0));
	assert_int_equal(o.last.status, CHK_ST_L7TOUT);
	assert_true(o.last.duration_ms >= 290 && o.last.duration_ms < 450);
	chk_engine_free(e);
	set_mode("up");
}

/* `timeout check`: connect within min(timeout connect, inter), then the read timeout. */
static void test_timeout_check(void **state)
{
	(void)state;
	NEED_ORIGIN();
	set_mode("hang");
	struct chk_engine *e = chk_engine_new(loop);
	struct m_server s;
	struct m_check k, eff;
	struct m_proxy_conf pc;
	struct m_probe p = {.kind = PROBE_HTTP};
	m_proxy_conf_init(&pc);
	pc.timeout_connect = 5000;
	pc.timeout_check = 150;
	mk_server(&s, origin_port);
	mk_check(&k, 1000, 2, 3);
	chk_hap_effective(&eff, &k, &pc);
	struct obs o = {0};
	chk_add(e, &s, &eff, &p, true, on_notify, &o);
	assert_true(run_until(&o.results, 1, 3.0));
	assert_int_equal(o.last.status, CHK_ST_L7TOUT);
	assert_true(o.last.duration_ms >= 140 && o.last.duration_ms < 300);
	chk_engine_free(e);
	set_mode("up");
}

/* An endless body costs one bounded buffer: the check decides when it is full. */
static void test_bounded_read(void **state)
{
	(void)state;
	NEED_ORIGIN();
	set_mode("big");
	struct chk_engine *e = chk_engine_new(loop);
	struct m_server s;
	struct m_check k;
	struct m_check_step ex = {.op = STEP_EXPECT, .expect = EXPECT_STRING, .arg = "OK"};
	struct m_probe p = {.kind = PROBE_HTTP, .steps = &ex};
	mk_server(&s, origin_port);
	mk_check(&k, 2000, 1, 1);
	struct obs o = {0};
	chk_add(e, &s, &k, &p, true, on_notify, &o);
	assert_true(run_until(&o.results, 1, 3.0));
	assert_int_equal(o.last.status, CHK_ST_L7RSP);
	assert_string_equal(o.last.desc, "HTTP content check did not match");
	assert_true(o.last.duration_ms < 1000); /* not the timeout */
	chk_engine_free(e);
	set_mode("up");
}

/* keepalived HTTP_GET: status_code and the MD5 digest of the body. */
static void test_ka_url(void **state)
{
	(void)state;
	NEED_ORIGIN();
	set_mode("up");
	struct chk_engine *e = chk_engine_new(loop);
	struct m_server s;
	struct m_check k, eff;
	struct m_check_step u2 = {.op = STEP_URL,
	                          .uri = "/b",
	                          .status_codes = "200",
	                          .digest = "D36F8F9425C4A8000AD9C4A97185ACA5"};
	struct m_check_step u1 = {.op = STEP_URL, .uri = "/a", .next = &u2};
	struct m_probe p = {.kind = PROBE_HTTP, .steps = &u1};
	mk_server(&s, origin_port);
	m_check_init(&k);
	k.probe = &p;
	k.delay_loop = 200;
	k.connect_timeout = 1000;
	k.retry = 0;
	chk_ka_effective(&eff, &k, &s, NULL);
	struct obs o = {0};
	chk_add(e, &s, &eff, &p, true, on_notify, &o);
	assert_true(run_until(&o.results, 1, 2.0));
	assert_int_equal(o.last.status, CHK_ST_L7OK);
	assert_true(o.last.up);
	set_mode("wrongbody");
	assert_true(run_until(&o.changes, 1, 2.0));
	assert_int_equal(o.last.status, CHK_ST_L7RSP);
	assert_non_null(strstr(o.last.desc, "MD5SUM [ade3741576f627c7815f8d479a575eae]"));
	set_mode("404");
	int n = o.results;
	assert_true(run_until(&o.results, n + 1, 2.0));
	assert_int_equal(o.last.status, CHK_ST_L7STS);
	assert_int_equal(o.last.code, 404);
	chk_engine_free(e);
	set_mode("up");
}

/* vrrp_script: exit 0 passes, anything else fails; rise/fall apply. */
static void test_vrrp_script(void **state)
{
	(void)state;
	struct chk_engine *e = chk_engine_new(loop);
	struct m_vrrp_script ok = {.name = "ok",
	                           .script = "exit 0",
	                           .interval = 100,
	                           .timeout = M_UNSET,
	                           .rise = M_UNSET,
	                           .fall = M_UNSET};
	struct m_vrrp_script bad = ok;
	bad.script = "exit 3";
	bad.fall = 2;
	struct obs o1 = {0}, o2 = {0};
	chk_add_script(e, &ok, on_notify, &o1);
	chk_add_script(e, &bad, on_notify, &o2);
	assert_true(run_until(&o2.changes, 1, 6.0));
	assert_true(run_until(&o1.results, 2, 6.0));
	assert_int_equal(o1.last.status, CHK_ST_PROCOK);
	assert_true(o1.last.up);
	assert_int_equal(o1.changes, 0);
	assert_int_equal(o2.last.status, CHK_ST_PROCERR);
	assert_int_equal(o2.last.code, 3);
	assert_false(o2.last.up);
	chk_engine_free(e);
}

/* A script that outlives its timeout is killed with its whole process group. */
static void test_script_timeout_kills_group(void **state)
{
	(void)state;
	char pidfile[128], cmd[256];
	snprintf(pidfile, sizeof(pidfile), "/tmp/vipr-chk-grp.%d", (int)getpid());
	unlink(pidfile);
	snprintf(cmd, sizeof(cmd), "sleep 30 & echo $! > %s; wait", pidfile);
	struct chk_engine *e = chk_engine_new(loop);
	struct m_vrrp_script vs = {
	    .name = "slow", .script = cmd, .interval = 1000, .timeout = 200, .rise = 1, .fall = 1};
	struct obs o = {0};
	chk_add_script(e, &vs, on_notify, &o);
	assert_true(run_until(&o.results, 1, 7.0));
	assert_int_equal(o.last.status, CHK_ST_PROCTOUT);
	assert_false(o.last.up);
	FILE *f = fopen(pidfile, "r");
	assert_non_null(f);
	int gpid = 0;
	assert_int_equal(fscanf(f, "%d", &gpid), 1);
	fclose(f);
	unlink(pidfile);
	usleep(100 * 1000);
	/* the grandchild is gone (reaped by init) or at least dying */
	char path[64], st = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", gpid);
	f = fopen(path, "r");
	if (f) {
		int r = fscanf(f, "%*d %*s %c", &st);
		fclose(f);
		assert_int_equal(r, 1);
		assert_true(st == 'Z' || st == 'X');
	}
	chk_engine_free(e);
}

/* MISC_CHECK misc_dynamic: exit 2..255 passes with weight = code - 2; 1 fails. */
static void test_misc_dynamic(void **state)
{
	(void)state;
	struct chk_engine *e = chk_engine_new(loop);
	struct m_server s;
	struct m_check k, eff;
	struct m_probe p = {.kind = PROBE_SCRIPT, .script = "exit 7"};
	mk_server(&s, 1);
	m_check_init(&k);
	k.probe = &p;
	k.misc_dynamic = 1;
	k.delay_loop = 100;
	chk_ka_effective(&eff, &k, &s, NULL);
	struct obs o = {0};
	chk_add(e, &s, &eff, &p, true, on_notify, &o);
	assert_true(run_until(&o.results, 1, 6.0));
	assert_int_equal(o.last.status, CHK_ST_PROCOK);
	assert_int_equal(o.last.code, 7);
	assert_int_equal(o.last.dyn_weight, 5);
	assert_true(o.last.up);
	chk_engine_free(e);
}

/* 400 servers with inter 1 s: the first probes are spread over the first interval. */
static void test_spread(void **state)
{
	(void)state;
	int port = free_port(); /* nothing listens: every probe is a quick refusal */
	struct chk_engine *e = chk_engine_new(loop);
	enum { N = 400 };
	static struct m_server s[N];
	static struct m_check k[N];
	static struct obs o[N];
	int fired = 0;
	for (int i = 0; i < N; i++) {
		mk_server(&s[i], port);
		mk_check(&k[i], 1000, 2, 3);
		memset(&o[i], 0, sizeof(o[i]));
		assert_non_null(chk_add(e, &s[i], &k[i], NULL, true, on_notify, &o[i]));
	}
	unsigned items;
	chk_engine_counts(e, &items, NULL);
	assert_int_equal(items, N);
	int never = 0; /* never reaches 1: run for the whole time */
	run_until(&never, 1, 0.3);
	for (int i = 0; i < N; i++)
		fired += o[i].results > 0;
	/* about 30 % after 0.3 s; never all at once */
	if (!(fired > N / 10 && fired < N * 6 / 10))
		print_error("fired %d of %d after 0.3 s\n", fired, N);
	assert_true(fired > N / 10 && fired < N * 6 / 10);
	run_until(&never, 1, 0.8);
	fired = 0;
	for (int i = 0; i < N; i++)
		fired += o[i].results > 0;
	assert_int_equal(fired, N);
	chk_engine_free(e);
}

/* observe / on-error: the actions move the health as HAProxy's fail-check, sudden-death and
 * mark-down do, with status HANA and the "Detected ..." text; fastinter notifies nothing. */
static void test_observe_actions(void **state)
{
	(void)state;
	NEED_ORIGIN();
	set_mode("up");
	struct chk_engine *e = chk_engine_new(loop);
	struct m_server s;
	struct m_check k;
	mk_server(&s, origin_port);
	mk_check(&k, 100, 2, 3); /* health 0..4, up from 2 */
	struct obs o = {0};
	struct chk_item *it = chk_add(e, &s, &k, NULL, true, on_notify, &o);
	assert_true(run_until(&o.results, 1, 2.0)); /* one success: fully up */
	assert_int_equal(chk_get_state(it)->health, 4);
	const char *why = "Detected 10 consecutive errors, last one was: L4 unsuccessful connection";
	/* no loop run between the calls: no probe interferes */
	chk_observe_error(it, CHK_ONERR_FASTINTER, why);
	assert_int_equal(o.results, 1);
	chk_observe_error(it, CHK_ONERR_FAIL_CHECK, why);
	assert_int_equal(o.results, 2);
	assert_int_equal(o.last.status, CHK_ST_HANA);
	assert_string_equal(o.last.desc, why);
	assert_string_equal(chk_status_desc(CHK_ST_HANA), "Health analyze");
	assert_int_equal(o.last.health, 3);
	assert_true(o.last.up);
	chk_observe_error(it, CHK_ONERR_SUDDEN_DEATH, why); /* to rise: one failure from down */
	assert_int_equal(o.last.health, 2);
	assert_true(o.last.up);
	assert_int_equal(o.changes, 0);
	chk_observe_error(it, CHK_ONERR_SUDDEN_DEATH, why); /* already pre-fatal: down */
	assert_false(o.last.up);
	assert_int_equal(o.changes, 1);
	assert_int_equal(o.last.health, 0);
	assert_true(run_until(&o.changes, 2, 3.0)); /* the checks bring it back */
	assert_true(o.last.up);
	chk_observe_error(it, CHK_ONERR_MARK_DOWN, why);
	assert_false(o.last.up);
	assert_int_equal(o.last.health, 0);
	assert_int_equal(o.changes, 3);
	assert_ptr_equal(chk_item_owner(it), &o);
	chk_engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_http_rise_fall),
	    cmocka_unit_test(test_start_state_and_intervals),
	    cmocka_unit_test(test_http_500_and_timeout),
	    cmocka_unit_test(test_timeout_check),
	    cmocka_unit_test(test_bounded_read),
	    cmocka_unit_test(test_ka_url),
	    cmocka_unit_test(test_vrrp_script),
	    cmocka_unit_test(test_script_timeout_kills_group),
	    cmocka_unit_test(test_misc_dynamic),
	    cmocka_unit_test(test_spread),
	    cmocka_unit_test(test_observe_actions),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
