/* test_rt_proxy.c - the runtime against real components: nginx origins, curl as the client.
 *
 * Builds a model by hand (no parser involved), runs rt_run() in a forked child and checks
 * Lab 1's behaviour and HAProxy's error answers over real sockets: round-robin alternation,
 * request and response bodies (Content-Length and chunked) with checksums, keep-alive,
 * X-Forwarded-For, 400/503/504, mode tcp, and exit 0 on SIGTERM and SIGUSR1. Skips when
 * nginx or curl is missing. Every child process is bounded in time and killed by its pid.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <cmocka.h>

#include "model/model.h"
#include "runtime/runtime.h"

static char dir[256];
static int base;
static pid_t nginx_pid[2], vipr_pid;
static int silent_fd = -1;
static bool ready; /* nginx, its echo module and curl are there, and everything started */

#define REQUIRE_READY()                                                                            \
	do {                                                                                       \
		if (!ready)                                                                        \
			skip();                                                                    \
	} while (0)

enum { P_WEB1, P_WEB2, P_RR, P_EMPTY, P_DEAD, P_SLOW, P_TCP, P_FFX, P_SILENT, P_CLOSED, P_REDISP };
#define PORT(i) (base + (i))

/* ---------------------------------------------------------------- helpers */

static int run(char *out, size_t outlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int run(char *out, size_t outlen, const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	size_t n = 0;
	if (out) {
		n = fread(out, 1, outlen - 1, p);
		out[n] = 0;
	} else {
		char sink[4096];
		while (fread(sink, 1, sizeof(sink), p) > 0)
			;
	}
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static bool port_open(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bool ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

static bool wait_port(int port)
{
	for (int i = 0; i < 100; i++) {
		if (port_open(port))
			return true;
		usleep(50000);
	}
	return false;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static pid_t start_nginx(int idx)
{
	char d[300], conf[320], page[340], text[4096];
	snprintf(d, sizeof(d), "%s/web%d", dir, idx + 1);
	mkdir(d, 0755);
	snprintf(page, sizeof(page), "%s/index.html", d);
	snprintf(text, sizeof(text), "Web%d\n", idx + 1);
	write_file(page, text);
	snprintf(text, sizeof(text),
	         "load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;\n"
	         "daemon off; master_process off; worker_processes 1;\n"
	         "pid %s/nginx.pid; error_log %s/error.log;\n"
	         "events { worker_connections 128; }\n"
	         "http { access_log off; client_body_temp_path %s/tmp;\n"
	         "  proxy_temp_path %s/tmp; fastcgi_temp_path %s/tmp; uwsgi_temp_path %s/tmp;\n"
	         "  scgi_temp_path %s/tmp;\n"
	         "  server { listen 127.0.0.1:%d; root %s;\n"
	         "    location /echo { client_max_body_size 10m; client_body_buffer_size 10m;\n"
	         "      echo_read_request_body; echo_request_body; }\n"
	         "    location /chunked { echo a; echo b; }\n"
	         "    location /xff { return 200 \"[$http_x_forwarded_for]\\n\"; }\n"
	         "  }\n}\n",
	         d, d, d, d, d, d, d, PORT(idx), d);
	snprintf(conf, sizeof(conf), "%s/nginx.conf", d);
	write_file(conf, text);
	pid_t pid = fork();
	if (pid == 0) {
		int nul = open("/dev/null", O_WRONLY);
		dup2(nul, 1);
		dup2(nul, 2);
		execlp("timeout", "timeout", "120", "nginx", "-c", conf, "-p", d, "-e", "/dev/null",
		       (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void stop(pid_t *pid, int sig)
{
	if (*pid > 0) {
		kill(*pid, sig);
		waitpid(*pid, NULL, 0);
		*pid = 0;
	}
}

/* ---------------------------------------------------------------- model by hand */

static struct m_addr addr(int port)
{
	struct m_addr a = {
	    .kind = M_ADDR_INET, .port_lo = (uint16_t)port, .port_hi = (uint16_t)port};
	struct sockaddr_in *sin = (struct sockaddr_in *)&a.ss;
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sslen = sizeof(*sin);
	return a;
}

/* A `listen` section: one service and its pool sharing one proxy conf. */
static struct m_proxy_conf *listen_sec(struct m_config *c, const char *name, int port,
                                       enum m_mode mode, const int *srv_ports, int nsrv)
{
	struct m_proxy_conf *pc = arena_alloc(c->arena, sizeof(*pc));
	m_proxy_conf_init(pc);
	pc->mode = mode;
	pc->timeout_connect = 1000;
	pc->timeout_client = 5000;
	pc->timeout_server = 5000;
	pc->retries = 1;
	pc->opt[OPT_HTTPLOG] = 1;
	struct m_service *s = arena_alloc(c->arena, sizeof(*s));
	struct m_pool *p = arena_alloc(c->arena, sizeof(*p));
	struct m_bind *b = arena_alloc(c->arena, sizeof(*b));
	b->addr = addr(port);
	s->name = p->name = arena_strdup(c->arena, name);
	s->kind = SVC_LISTEN;
	s->conf = p->conf = pc;
	s->binds = b;
	s->default_pool = p;
	p->service = s;
	p->balance.algo = ALGO_ROUNDROBIN;
	struct m_server **tail = &p->servers;
	for (int i = 0; i < nsrv; i++) {
		struct m_server *sv = arena_alloc(c->arena, sizeof(*sv));
		m_server_init(sv);
		sv->name = arena_printf(c->arena, "web%d", i + 1);
		sv->addr = addr(srv_ports[i]);
		*tail = sv;
		tail = &sv->next;
		p->nservers++;
	}
	s->next = c->services;
	c->services = s;
	p->next = c->pools;
	c->pools = p;
	return pc;
}

static struct m_config *build_model(void)
{
	struct m_config *c = m_config_new();
	c->global.nbthread = 2; /* balancing state is shared: alternation must hold anyway */
	int webs[2] = {PORT(P_WEB1), PORT(P_WEB2)};
	struct m_proxy_conf *pc = listen_sec(c, "webservers", PORT(P_RR), M_MODE_HTTP, webs, 2);
	pc->opt[OPT_FORWARDFOR] = 1;
	listen_sec(c, "empty", PORT(P_EMPTY), M_MODE_HTTP, NULL, 0);
	int dead = PORT(P_CLOSED);
	listen_sec(c, "dead", PORT(P_DEAD), M_MODE_HTTP, &dead, 1);
	int silent = PORT(P_SILENT);
	pc = listen_sec(c, "slow", PORT(P_SLOW), M_MODE_HTTP, &silent, 1);
	pc->timeout_server = 500;
	listen_sec(c, "tcp", PORT(P_TCP), M_MODE_TCP, webs, 2);
	pc = listen_sec(c, "ffx", PORT(P_FFX), M_MODE_HTTP, webs, 1);
	pc->opt[OPT_FORWARDFOR] = 1;
	pc->ff_except = arena_strdup(c->arena, "127.0.0.0/8");
	pc->timeout_http_request = 500;
	int half[2] = {PORT(P_CLOSED), PORT(P_WEB2)};
	pc = listen_sec(c, "redisp", PORT(P_REDISP), M_MODE_HTTP, half, 2);
	pc->opt[OPT_REDISPATCH] = 1;
	pc->retries = 3;
	return c;
}

static pid_t start_vipr(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		alarm(120); /* never outlive the test */
		struct m_config *c = build_model();
		struct rt_opts o = {.foreground = true, .log_stderr = getenv("RT_LOG") != NULL};
		int rc = rt_run(c, &o);
		m_config_free(c);
		_exit(rc);
	}
	return pid;
}

/* ---------------------------------------------------------------- setup */

static int setup(void **state)
{
	(void)state;
	if (run(NULL, 0, "command -v nginx >/dev/null && command -v curl >/dev/null") != 0 ||
	    access("/usr/lib/nginx/modules/ngx_http_echo_module.so", R_OK) != 0)
		return 0;
	snprintf(dir, sizeof(dir), "/tmp/vipr-rt-%d", (int)getpid());
	mkdir(dir, 0755);
	base = 10000 + (int)(getpid() % 1400) * 16; /* below the ephemeral range */
	nginx_pid[0] = start_nginx(0);
	nginx_pid[1] = start_nginx(1);
	/* a server that accepts connections (the backlog does) but never answers */
	silent_fd = socket(AF_INET, SOCK_STREAM, 0);
	struct m_addr a = addr(PORT(P_SILENT));
	if (bind(silent_fd, (struct sockaddr *)&a.ss, a.sslen) < 0 || listen(silent_fd, 16) < 0)
		return -1;
	vipr_pid = start_vipr();
	if (!wait_port(PORT(P_WEB1)) || !wait_port(PORT(P_WEB2)) || !wait_port(PORT(P_REDISP)))
		return -1;
	ready = true;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	stop(&vipr_pid, SIGKILL);
	stop(&nginx_pid[0], SIGTERM);
	stop(&nginx_pid[1], SIGTERM);
	if (silent_fd >= 0)
		close(silent_fd);
	run(NULL, 0, "rm -rf %s", dir);
	return 0;
}

/* ---------------------------------------------------------------- tests */

#define CURL "curl -s --max-time 5 "

static void test_roundrobin(void **state)
{
	(void)state;
	REQUIRE_READY();
	char out[256];
	for (int i = 0; i < 6; i++) {
		assert_int_equal(run(out, sizeof(out), CURL "http://127.0.0.1:%d/", PORT(P_RR)), 0);
		assert_string_equal(out, i % 2 ? "Web2\n" : "Web1\n");
	}
}

static void test_keepalive(void **state)
{
	(void)state;
	REQUIRE_READY();
	char out[8192];
	run(out, sizeof(out), CURL "-v http://127.0.0.1:%d/ http://127.0.0.1:%d/ 2>&1", PORT(P_RR),
	    PORT(P_RR));
	assert_non_null(strstr(out, "Re-using existing connection"));
	assert_non_null(strstr(out, "Web1\n"));
	assert_non_null(strstr(out, "Web2\n"));
}

static void body_roundtrip(const char *extra)
{
	char out[512], want[512];
	run(NULL, 0, "head -c 300000 /dev/urandom > %s/body", dir);
	run(want, sizeof(want), "md5sum < %s/body", dir);
	for (int i = 0; i < 2; i++) { /* both servers */
		assert_int_equal(run(out, sizeof(out),
		                     CURL
		                     "%s --data-binary @%s/body http://127.0.0.1:%d/echo | md5sum",
		                     extra, dir, PORT(P_RR)),
		                 0);
		assert_string_equal(out, want);
	}
}

static void test_post_cl(void **state)
{
	(void)state;
	REQUIRE_READY();
	body_roundtrip("");
}

static void test_post_chunked(void **state)
{
	(void)state;
	REQUIRE_READY();
	body_roundtrip("-H 'Transfer-Encoding: chunked'");
}

static void test_chunked_response(void **state)
{
	(void)state;
	REQUIRE_READY();
	char out[4096];
	run(out, sizeof(out), CURL "-i http://127.0.0.1:%d/chunked", PORT(P_RR));
	assert_non_null(strstr(out, "transfer-encoding: chunked"));
	assert_non_null(strstr(out, "\r\n\r\na\nb\n"));
}

static void test_forwardfor(void **state)
{
	(void)state;
	REQUIRE_READY();
	char out[256];
	run(out, sizeof(out), CURL "http://127.0.0.1:%d/xff", PORT(P_RR));
	assert_string_equal(out, "[127.0.0.1]\n");
	run(out, sizeof(out), CURL "http://127.0.0.1:%d/xff", PORT(P_FFX));
	assert_string_equal(out, "[]\n");
}

/* Sends raw bytes, returns everything read until the peer closes (or 3 s). */
static size_t raw(int port, const char *req, char *out, size_t outlen)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct m_addr a = addr(port);
	assert_int_equal(connect(fd, (struct sockaddr *)&a.ss, a.sslen), 0);
	struct timeval tv = {3, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	size_t n = 0;
	ssize_t r;
	while (n < outlen - 1 && (r = recv(fd, out + n, outlen - 1 - n, 0)) > 0)
		n += (size_t)r;
	out[n] = 0;
	close(fd);
	return n;
}

static void test_bad_request(void **state)
{
	(void)state;
	REQUIRE_READY();
	char out[4096];
	raw(PORT(P_RR), "GET / HTTP/1.1\r\nHost: x\r\nBad header\r\n\r\n", out, sizeof(out));
	assert_string_equal(out,
	                    "HTTP/1.1 400 Bad request\r\nContent-length: 90\r\nCache-Control: "
	                    "no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n"
	                    "<html><body><h1>400 Bad request</h1>\nYour browser sent an invalid "
	                    "request.\n</body></html>\n");
	raw(PORT(P_RR), "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", out,
	    sizeof(out));
	assert_non_null(strstr(out, "HTTP/1.1 400 Bad request\r\n"));
}

#define CLOSE_REQ "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
static const char page_503[] =
    "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 107\r\ncache-control: no-cache\r\n"
    "content-type: text/html\r\nconnection: close\r\n\r\n<html><body><h1>503 Service "
    "Unavailable</h1>\nNo server "
    "is available to handle this request.\n</body></html>\n";

static void test_no_server(void **state)
{
	(void)state;
	REQUIRE_READY();
	char out[4096];
	raw(PORT(P_EMPTY), CLOSE_REQ, out, sizeof(out));
	assert_string_equal(out, page_503);
	/* HAProxy keeps a keep-alive client after its own 503: a pipelined request is answered
	 * too, and "connection: close" on the second one ends the connection */
	raw(PORT(P_EMPTY), "GET / HTTP/1.1\r\nHost: x\r\n\r\n" CLOSE_REQ, out, sizeof(out));
	char *second = strstr(out + 1, "HTTP/1.1 503");
	assert_non_null(second);
	assert_string_equal(second, page_503);
	assert_null(
	    strstr(out, "connection: close\r\n\r\n<html><body><h1>503 Service Unavailable</h1>\nNo "
	                "server is available to handle this request.\n</body></html>\nHTTP"));
}

static void test_dead_server(void **state)
{
	(void)state;
	REQUIRE_READY();
	char out[4096];
	struct timeval t0, t1;
	gettimeofday(&t0, NULL);
	raw(PORT(P_DEAD), CLOSE_REQ, out, sizeof(out));
	gettimeofday(&t1, NULL);
	assert_string_equal(out, page_503);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_usec - t0.tv_usec) / 1000;
	assert_true(ms >= 900 && ms < 2500); /* retries 1: one 1 s turn-around */
}

static void test_server_timeout(void **state)
{
	(void)state;
	REQUIRE_READY();
	char out[4096];
	raw(PORT(P_SLOW), CLOSE_REQ, out, sizeof(out));
	assert_string_equal(out, "HTTP/1.1 504 Gateway Time-out\r\ncontent-length: 92\r\n"
	                         "cache-control: no-cache\r\ncontent-type: text/html\r\n"
	                         "connection: close\r\n\r\n"
	                         "<html><body><h1>504 Gateway Time-out</h1>\nThe server didn't "
	                         "respond in time.\n</body></html>\n");
}

/* HAProxy 2.6 moves a refused connection to another server on the first retry, at once */
static void test_redispatch(void **state)
{
	(void)state;
	REQUIRE_READY();
	char out[256];
	struct timeval t0, t1;
	gettimeofday(&t0, NULL);
	for (int i = 0; i < 4; i++) {
		run(out, sizeof(out), CURL "http://127.0.0.1:%d/", PORT(P_REDISP));
		assert_string_equal(out, "Web2\n");
	}
	gettimeofday(&t1, NULL);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_usec - t0.tv_usec) / 1000;
	assert_true(ms < 900);
}

static void test_request_timeout(void **state)
{
	(void)state;
	REQUIRE_READY();
	char out[4096];
	raw(PORT(P_FFX), "GET / HTTP/1.1\r\nHost: x\r\n", out, sizeof(out));
	assert_string_equal(out, "HTTP/1.1 408 Request Time-out\r\nContent-length: 110\r\n"
	                         "Cache-Control: no-cache\r\nConnection: close\r\nContent-Type: "
	                         "text/html\r\n\r\n<html><body><h1>408 Request Time-out</h1>\n"
	                         "Your browser didn't send a complete request in time.\n"
	                         "</body></html>\n");
}

static void test_oversized_head(void **state)
{
	(void)state;
	REQUIRE_READY();
	static char req[20000], out[4096];
	int n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nX-Big: ");
	memset(req + n, 'a', 16000);
	strcpy(req + n + 16000, "\r\n\r\n");
	raw(PORT(P_RR), req, out, sizeof(out));
	assert_non_null(strstr(out, "HTTP/1.1 400 Bad request\r\n"));
}

static void test_tcp_mode(void **state)
{
	(void)state;
	REQUIRE_READY();
	char out[256];
	assert_int_equal(run(out, sizeof(out), CURL "http://127.0.0.1:%d/", PORT(P_TCP)), 0);
	assert_true(!strcmp(out, "Web1\n") || !strcmp(out, "Web2\n"));
	char want[128];
	run(want, sizeof(want), "md5sum < %s/body", dir);
	run(out, sizeof(out), CURL "--data-binary @%s/body http://127.0.0.1:%d/echo | md5sum", dir,
	    PORT(P_TCP));
	assert_string_equal(out, want);
}

static int wait_exit(pid_t pid, int secs)
{
	for (int i = 0; i < secs * 20; i++) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(50000);
	}
	return -1;
}

static void test_signals(void **state)
{
	(void)state;
	REQUIRE_READY();
	kill(vipr_pid, SIGTERM);
	assert_int_equal(wait_exit(vipr_pid, 5), 0);
	vipr_pid = start_vipr();
	assert_true(wait_port(PORT(P_REDISP)));
	/* soft stop while a request is pending on the silent server: exits once it ends */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct m_addr a = addr(PORT(P_SLOW));
	assert_int_equal(connect(fd, (struct sockaddr *)&a.ss, a.sslen), 0);
	const char *req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	usleep(100000);
	kill(vipr_pid, SIGUSR1);
	usleep(100000);
	assert_false(port_open(PORT(P_RR))); /* listeners closed at once */
	char out[1024];
	ssize_t n = recv(fd, out, sizeof(out) - 1, 0); /* the 504 arrives after 500 ms */
	assert_true(n > 0);
	out[n] = 0;
	assert_non_null(strstr(out, "504 Gateway Time-out"));
	close(fd);
	assert_int_equal(wait_exit(vipr_pid, 5), 0);
	vipr_pid = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundrobin),       cmocka_unit_test(test_keepalive),
	    cmocka_unit_test(test_post_cl),          cmocka_unit_test(test_post_chunked),
	    cmocka_unit_test(test_chunked_response), cmocka_unit_test(test_forwardfor),
	    cmocka_unit_test(test_bad_request),      cmocka_unit_test(test_no_server),
	    cmocka_unit_test(test_dead_server),      cmocka_unit_test(test_server_timeout),
	    cmocka_unit_test(test_redispatch),       cmocka_unit_test(test_request_timeout),
	    cmocka_unit_test(test_oversized_head),   cmocka_unit_test(test_tcp_mode),
	    cmocka_unit_test(test_signals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
