/* test_h1_parse.c - table-driven tests of the HTTP/1 head and chunk parser (runtime/h1_parse).
 *
 * Each row is an input, the parser to run and what it must return and fill. Inputs are
 * copied into exactly-sized heap buffers so that AddressSanitizer catches any read past the
 * end. A second pass feeds every complete request and response byte by byte to check that
 * the parser is resumable and agrees with the one-shot result.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/h1_parse.h"

enum kind { REQ, RSP, CHUNK, CRLF, TRAILER };

struct row {
	const char *name;
	enum kind kind;
	const char *in;
	ssize_t ret; /* > 0: the whole input length is expected when set to ALL */
	enum h1_err err;
	const char *method, *uri;
	int minor, status;
	int nheaders;   /* -1: not checked */
	int64_t cl;     /* -2: not checked */
	unsigned flags; /* must all be set */
	uint64_t chunk; /* CHUNK rows */
};

#define ALL 1000000
#define N   (-1)

static const struct row rows[] = {
    /* request lines */
    {"get", REQ, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", ALL, 0, "GET", "/", 1, 0, 1, -1, 0, 0},
    {"http10", REQ, "GET /x HTTP/1.0\r\n\r\n", ALL, 0, "GET", "/x", 0, 0, 0, -1, 0, 0},
    {"bare lf", REQ, "GET / HTTP/1.1\nHost: a\n\n", ALL, 0, "GET", "/", 1, 0, 1, -1, 0, 0},
    {"abs uri", REQ, "GET http://a/b?c=d HTTP/1.1\r\n\r\n", ALL, 0, "GET", "http://a/b?c=d", 1, 0,
     0, -1, 0, 0},
    {"custom method", REQ, "PURGE /p HTTP/1.1\r\n\r\n", ALL, 0, "PURGE", "/p", 1, 0, 0, -1, 0, 0},
    {"partial line", REQ, "GET / HTTP/1.1\r\nHo", H1_MORE, 0, NULL, NULL, 0, 0, N, -2, 0, 0},
    {"partial end", REQ, "GET / HTTP/1.1\r\nHost: a\r\n\r", H1_MORE, 0, NULL, NULL, 0, 0, N, -2, 0,
     0},
    {"empty", REQ, "", H1_MORE, 0, NULL, NULL, 0, 0, N, -2, 0, 0},
    {"lower method", REQ, "get / HTTP/1.1\r\n\r\n", ALL, 0, "get", "/", 1, 0, 0, -1, 0, 0},
    {"bad method char", REQ, "GE(T / HTTP/1.1\r\n\r\n", H1_ERR, H1_E_METHOD, 0, 0, 0, 0, N, -2, 0,
     0},
    {"method too long", REQ, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA / HTTP/1.1\r\n\r\n", H1_ERR,
     H1_E_METHOD, 0, 0, 0, 0, N, -2, 0, 0},
    {"no method", REQ, " / HTTP/1.1\r\n\r\n", H1_ERR, H1_E_SYNTAX, 0, 0, 0, 0, N, -2, 0, 0},
    {"double space", REQ, "GET  / HTTP/1.1\r\n\r\n", H1_ERR, H1_E_SYNTAX, 0, 0, 0, 0, N, -2, 0, 0},
    {"http2 version", REQ, "GET / HTTP/2.0\r\n\r\n", H1_ERR, H1_E_VERSION, 0, 0, 0, 0, N, -2, 0, 0},
    {"no version", REQ, "GET /\r\n\r\n", H1_ERR, H1_E_SYNTAX, 0, 0, 0, 0, N, -2, 0, 0},
    {"ctl in uri", REQ, "GET /\x01 HTTP/1.1\r\n\r\n", H1_ERR, H1_E_SYNTAX, 0, 0, 0, 0, N, -2, 0, 0},
    /* headers */
    {"ows trimmed", REQ, "GET / HTTP/1.1\r\nX:  v v \t\r\n\r\n", ALL, 0, "GET", "/", 1, 0, 1, -1, 0,
     0},
    {"empty value", REQ, "GET / HTTP/1.1\r\nX:\r\n\r\n", ALL, 0, "GET", "/", 1, 0, 1, -1, 0, 0},
    {"nul in value", REQ, "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", H1_ERR, H1_E_HDR_CHAR, 0, 0, 0, 0, N,
     -2, 0, 0},
    {"bare cr in value", REQ, "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", H1_ERR, H1_E_HDR_CHAR, 0, 0, 0,
     0, N, -2, 0, 0},
    {"cr cr lf", REQ, "GET / HTTP/1.1\r\nX: a\r\r\n\r\n", H1_ERR, H1_E_HDR_CHAR, 0, 0, 0, 0, N, -2,
     0, 0},
    {"space before colon", REQ, "GET / HTTP/1.1\r\nX : a\r\n\r\n", H1_ERR, H1_E_SYNTAX, 0, 0, 0, 0,
     N, -2, 0, 0},
    {"no colon", REQ, "GET / HTTP/1.1\r\nBad header\r\n\r\n", H1_ERR, H1_E_SYNTAX, 0, 0, 0, 0, N,
     -2, 0, 0},
    {"obs fold", REQ, "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", H1_ERR, H1_E_SYNTAX, 0, 0, 0, 0, N,
     -2, 0, 0},
    {"nul in name", REQ, "GET / HTTP/1.1\r\nX\0: a\r\n\r\n", H1_ERR, H1_E_SYNTAX, 0, 0, 0, 0, N, -2,
     0, 0},
    {"utf8 value", REQ, "GET / HTTP/1.1\r\nX: \xc3\xa9t\xc3\xa9\r\n\r\n", ALL, 0, "GET", "/", 1, 0,
     1, -1, 0, 0},
    /* framing */
    {"cl", REQ, "POST / HTTP/1.1\r\nContent-Length: 42\r\n\r\n", ALL, 0, "POST", "/", 1, 0, 1, 42,
     H1_F_CL, 0},
    {"cl same twice", REQ, "POST / HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n", ALL,
     0, "POST", "/", 1, 0, 2, 5, H1_F_CL, 0},
    {"cl list same", REQ, "POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n", ALL, 0, "POST", "/", 1,
     0, 1, 5, H1_F_CL, 0},
    {"cl conflict", REQ, "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
     H1_ERR, H1_E_CL_CONFLICT, 0, 0, 0, 0, N, -2, 0, 0},
    {"cl list conflict", REQ, "POST / HTTP/1.1\r\nContent-Length: 1,2\r\n\r\n", H1_ERR,
     H1_E_CL_CONFLICT, 0, 0, 0, 0, N, -2, 0, 0},
    {"cl not number", REQ, "POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", H1_ERR, H1_E_CL_BAD, 0,
     0, 0, 0, N, -2, 0, 0},
    {"cl negative", REQ, "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", H1_ERR, H1_E_CL_BAD, 0, 0,
     0, 0, N, -2, 0, 0},
    {"cl huge", REQ, "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", H1_ERR,
     H1_E_CL_BAD, 0, 0, 0, 0, N, -2, 0, 0},
    {"chunked", REQ, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", ALL, 0, "POST", "/",
     1, 0, 1, -1, H1_F_TE | H1_F_CHUNKED, 0},
    {"chunked mixed case", REQ, "POST / HTTP/1.1\r\ntransfer-encoding: gzip, Chunked\r\n\r\n", ALL,
     0, "POST", "/", 1, 0, 1, -1, H1_F_CHUNKED, 0},
    {"te not chunked last", REQ, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
     H1_ERR, H1_E_TE_BAD, 0, 0, 0, 0, N, -2, 0, 0},
    {"cl and te", REQ, "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
     H1_ERR, H1_E_CL_TE, 0, 0, 0, 0, N, -2, 0, 0},
    {"conn close", REQ, "GET / HTTP/1.1\r\nConnection: Close\r\n\r\n", ALL, 0, "GET", "/", 1, 0, 1,
     -1, H1_F_CONN_CLOSE, 0},
    {"conn ka list", REQ, "GET / HTTP/1.0\r\nConnection: foo, keep-alive\r\n\r\n", ALL, 0, "GET",
     "/", 0, 0, 1, -1, H1_F_CONN_KA, 0},
    {"expect", REQ, "PUT / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n", ALL, 0,
     "PUT", "/", 1, 0, 2, 1, H1_F_EXPECT_100 | H1_F_CL, 0},
    /* responses */
    {"200", RSP, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n", ALL, 0, NULL, NULL, 1, 200, 1, 4,
     H1_F_CL, 0},
    {"no reason", RSP, "HTTP/1.1 204\r\n\r\n", ALL, 0, NULL, NULL, 1, 204, 0, -1, 0, 0},
    {"empty reason", RSP, "HTTP/1.0 404 \r\n\r\n", ALL, 0, NULL, NULL, 0, 404, 0, -1, 0, 0},
    {"100 continue", RSP, "HTTP/1.1 100 Continue\r\n\r\n", ALL, 0, NULL, NULL, 1, 100, 0, -1, 0, 0},
    {"rsp chunked", RSP, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", ALL, 0, NULL,
     NULL, 1, 200, 1, -1, H1_F_CHUNKED, 0},
    {"rsp te gzip ok", RSP, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", ALL, 0, NULL,
     NULL, 1, 200, 1, -1, H1_F_TE, 0},
    {"rsp two digits", RSP, "HTTP/1.1 20 OK\r\n\r\n", H1_ERR, H1_E_SYNTAX, 0, 0, 0, 0, N, -2, 0, 0},
    {"rsp http2", RSP, "HTTP/2.0 200 OK\r\n\r\n", H1_ERR, H1_E_VERSION, 0, 0, 0, 0, N, -2, 0, 0},
    {"rsp cl conflict", RSP, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 3\r\n\r\n",
     H1_ERR, H1_E_CL_CONFLICT, 0, 0, 0, 0, N, -2, 0, 0},
    {"rsp partial", RSP, "HTTP/1.1 200 OK\r\n", H1_MORE, 0, 0, 0, 0, 0, N, -2, 0, 0},
    {"rsp garbage", RSP, "<html>\r\n\r\n", H1_ERR, H1_E_SYNTAX, 0, 0, 0, 0, N, -2, 0, 0},
    /* chunk framing */
    {"chunk hex", CHUNK, "1a\r\n", ALL, 0, 0, 0, 0, 0, N, -2, 0, 26},
    {"chunk upper ext", CHUNK, "FF;name=val\r\n", ALL, 0, 0, 0, 0, 0, N, -2, 0, 255},
    {"chunk zero", CHUNK, "0\r\n", ALL, 0, 0, 0, 0, 0, N, -2, 0, 0},
    {"chunk bare lf", CHUNK, "10\n", ALL, 0, 0, 0, 0, 0, N, -2, 0, 16},
    {"chunk partial", CHUNK, "1a", H1_MORE, 0, 0, 0, 0, 0, N, -2, 0, 0},
    {"chunk no digits", CHUNK, ";x\r\n", H1_ERR, 0, 0, 0, 0, 0, N, -2, 0, 0},
    {"chunk bad char", CHUNK, "1g\r\n", H1_ERR, 0, 0, 0, 0, 0, N, -2, 0, 0},
    {"chunk overflow", CHUNK, "10000000000000000\r\n", H1_ERR, 0, 0, 0, 0, 0, N, -2, 0, 0},
    {"crlf", CRLF, "\r\n", 2, 0, 0, 0, 0, 0, N, -2, 0, 0},
    {"crlf bad", CRLF, "x\r\n", H1_ERR, 0, 0, 0, 0, 0, N, -2, 0, 0},
    {"trailer none", TRAILER, "\r\n", 2, 0, 0, 0, 0, 0, N, -2, 0, 0},
    {"trailer one", TRAILER, "X-Sum: 12\r\n\r\n", ALL, 0, 0, 0, 0, 0, N, -2, 0, 0},
    {"trailer partial", TRAILER, "X-Sum: 12\r\n", H1_MORE, 0, 0, 0, 0, 0, N, -2, 0, 0},
    {"trailer bad", TRAILER, "X-Sum 12\r\n\r\n", H1_ERR, 0, 0, 0, 0, 0, N, -2, 0, 0},
};

static size_t in_len(const struct row *r)
{
	/* rows with an embedded NUL spell out their length through the final empty line */
	const char *s = r->in;
	size_t n = strlen(s);
	if (strstr(r->name, "nul"))
		n = strlen(s) + 1 + strlen(s + strlen(s) + 1);
	return n;
}

static ssize_t run(const struct row *r, const char *buf, size_t len, size_t last, struct h1_msg *m,
                   uint64_t *chunk)
{
	switch (r->kind) {
	case REQ:
		return h1_parse_request(buf, len, last, m);
	case RSP:
		return h1_parse_response(buf, len, last, m);
	case CHUNK:
		return h1_parse_chunk_size(buf, len, chunk);
	case CRLF:
		return h1_parse_crlf(buf, len);
	case TRAILER:
		return h1_parse_trailers(buf, len);
	}
	return 0;
}

static void check_row(const struct row *r)
{
	size_t len = in_len(r);
	char *buf = malloc(len ? len : 1);
	memcpy(buf, r->in, len);
	struct h1_header hdrs[8];
	struct h1_msg m = {.headers = hdrs, .max_headers = 8};
	uint64_t chunk = 0;
	ssize_t ret = run(r, buf, len, 0, &m, &chunk);
	ssize_t want = r->ret == ALL ? (ssize_t)len : r->ret;
	print_message("row %s\n", r->name);
	assert_int_equal(ret, want);
	if ((r->kind == REQ || r->kind == RSP) && ret == H1_ERR)
		assert_int_equal(m.err, r->err);
	if (ret > 0 && (r->kind == REQ || r->kind == RSP)) {
		if (r->method) {
			assert_int_equal(m.method_len, strlen(r->method));
			assert_memory_equal(m.method, r->method, m.method_len);
			assert_int_equal(m.uri_len, strlen(r->uri));
			assert_memory_equal(m.uri, r->uri, m.uri_len);
		}
		assert_int_equal(m.minor, r->minor);
		assert_int_equal(m.status, r->status);
		if (r->nheaders >= 0)
			assert_int_equal(m.nheaders, r->nheaders);
		if (r->cl != -2)
			assert_int_equal(m.content_length, r->cl);
		assert_int_equal(m.flags & r->flags, r->flags);
	}
	if (ret > 0 && r->kind == CHUNK)
		assert_int_equal(chunk, r->chunk);
	free(buf);
}

static void test_rows(void **state)
{
	(void)state;
	assert_true((sizeof(rows) / sizeof(rows[0])) >= 40);
	for (size_t i = 0; i < (sizeof(rows) / sizeof(rows[0])); i++)
		check_row(&rows[i]);
}

/* Feeding a complete head one byte at a time must give H1_MORE until the last byte, then
 * the same result as the one-shot parse. */
static void test_resumable(void **state)
{
	(void)state;
	for (size_t i = 0; i < (sizeof(rows) / sizeof(rows[0])); i++) {
		const struct row *r = &rows[i];
		if ((r->kind != REQ && r->kind != RSP) || r->ret != ALL)
			continue;
		size_t len = in_len(r), last = 0;
		for (size_t n = 1; n <= len; n++) {
			char *buf = malloc(n);
			memcpy(buf, r->in, n);
			struct h1_header hdrs[8];
			struct h1_msg m = {.headers = hdrs, .max_headers = 8};
			ssize_t ret = run(r, buf, n, last, &m, NULL);
			free(buf);
			if (n < len) {
				assert_int_equal(ret, H1_MORE);
				last = n;
			} else {
				assert_int_equal(ret, (ssize_t)len);
			}
		}
	}
}

static void test_limits(void **state)
{
	(void)state;
	/* more headers than the caller can hold: an error, never a silent drop */
	char big[4096];
	size_t n = (size_t)snprintf(big, sizeof(big), "GET / HTTP/1.1\r\n");
	for (int i = 0; i < 9; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "X%d: v\r\n", i);
	n += (size_t)snprintf(big + n, sizeof(big) - n, "\r\n");
	struct h1_header hdrs[8];
	struct h1_msg m = {.headers = hdrs, .max_headers = 8};
	assert_int_equal(h1_parse_request(big, n, 0, &m), H1_ERR);
	assert_int_equal(m.err, H1_E_TOO_MANY);

	/* a head that outgrows max_head without its empty line */
	m.max_head = 64;
	memset(big, 'a', 100);
	memcpy(big, "GET /", 5);
	assert_int_equal(h1_parse_request(big, 100, 0, &m), H1_ERR);
	assert_int_equal(m.err, H1_E_TOO_BIG);
	/* and one that is complete but too large */
	const char *r =
	    "GET / HTTP/1.1\r\nX-Long: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
	assert_int_equal(h1_parse_request(r, strlen(r), 0, &m), H1_ERR);
	assert_int_equal(m.err, H1_E_TOO_BIG);
	m.max_head = 0;
	assert_int_equal(h1_parse_request(r, strlen(r), 0, &m), (ssize_t)strlen(r));
}

static void test_body_kind(void **state)
{
	(void)state;
	struct h1_header hdrs[8];
	struct h1_msg m = {.headers = hdrs, .max_headers = 8};
	const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
	assert_true(h1_parse_response(r, strlen(r), 0, &m) > 0);
	assert_int_equal(h1_resp_body(&m, 0), H1_BODY_CL);
	assert_int_equal(h1_resp_body(&m, 1), H1_BODY_NONE); /* HEAD */
	r = "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n";
	assert_true(h1_parse_response(r, strlen(r), 0, &m) > 0);
	assert_int_equal(h1_resp_body(&m, 0), H1_BODY_NONE);
	r = "HTTP/1.0 200 OK\r\n\r\n";
	assert_true(h1_parse_response(r, strlen(r), 0, &m) > 0);
	assert_int_equal(h1_resp_body(&m, 0), H1_BODY_CLOSE);
	r = "GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n";
	assert_true(h1_parse_request(r, strlen(r), 0, &m) > 0);
	assert_int_equal(h1_req_body(&m), H1_BODY_NONE);
	r = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
	assert_true(h1_parse_request(r, strlen(r), 0, &m) > 0);
	assert_int_equal(h1_req_body(&m), H1_BODY_CHUNKED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rows),
	    cmocka_unit_test(test_resumable),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_body_kind),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
