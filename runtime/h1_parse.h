/* h1_parse.h - HTTP/1.1 message head and chunk framing parser (RFC 9112), private to runtime/.
 *
 * picohttpparser style: the parser never allocates and never copies; outputs point into the
 * caller's buffer and stay valid as long as that buffer is not moved. Every entry point
 * returns the number of bytes consumed (> 0), H1_ERR (-1) on a malformed message, or
 * H1_MORE (-2) when the input ends before the element does. A caller that gets H1_MORE
 * appends input and calls again with the same buffer start; passing the previous length as
 * `last_len` makes the retry cheap (only new bytes are searched for the end of the head).
 */
#ifndef VIPR_RT_H1_PARSE_H
#define VIPR_RT_H1_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define H1_ERR  (-1)
#define H1_MORE (-2)

/* What HAProxy accepts by default: tune.bufsize 16384 minus tune.maxrewrite 1024. */
#define H1_MAX_HEAD_DEFAULT 15360
#define H1_MAX_METHOD       32
#define H1_MAX_CHUNK_LINE   1024

enum h1_err {
	H1_E_NONE = 0,
	H1_E_SYNTAX,      /* request/status line or header line does not match the grammar */
	H1_E_METHOD,      /* empty, too long or non-token method */
	H1_E_VERSION,     /* not HTTP/1.x */
	H1_E_HDR_CHAR,    /* NUL, bare CR or other control byte in a header */
	H1_E_TOO_MANY,    /* more headers than the caller's array holds */
	H1_E_TOO_BIG,     /* the head exceeds max_head */
	H1_E_CL_BAD,      /* Content-Length is not a number */
	H1_E_CL_CONFLICT, /* several Content-Length values disagree */
	H1_E_CL_TE,       /* both Content-Length and Transfer-Encoding */
	H1_E_TE_BAD,      /* request Transfer-Encoding whose last coding is not chunked */
	H1_E_CHUNK,       /* malformed chunk size line or chunk terminator */
};

/* Flags that the head's framing and connection headers set. */
enum h1_flags {
	H1_F_CL = 1 << 0,         /* Content-Length present (content_length valid) */
	H1_F_TE = 1 << 1,         /* Transfer-Encoding present */
	H1_F_CHUNKED = 1 << 2,    /* the last transfer coding is chunked */
	H1_F_CONN_CLOSE = 1 << 3, /* Connection: close */
	H1_F_CONN_KA = 1 << 4,    /* Connection: keep-alive */
	H1_F_EXPECT_100 = 1 << 5, /* Expect: 100-continue */
	H1_F_UPGRADE = 1 << 6,    /* Connection: upgrade */
};

struct h1_header {
	const char *name;
	size_t name_len;
	const char *value; /* without leading and trailing whitespace */
	size_t value_len;
};

/* A parsed request or response head. Before a call the caller sets `headers` to an array of
 * `max_headers` entries and may set `max_head` (0: H1_MAX_HEAD_DEFAULT); the parser fills
 * the rest. */
struct h1_msg {
	const char *method, *uri, *reason;
	size_t method_len, uri_len, reason_len;
	int minor;  /* HTTP/1.<minor> */
	int status; /* responses */
	struct h1_header *headers;
	size_t nheaders, max_headers;
	size_t max_head;
	int64_t content_length; /* -1 when absent */
	unsigned flags;         /* enum h1_flags */
	enum h1_err err;        /* why H1_ERR was returned */
	size_t head_len;        /* bytes of the head, the final empty line included */
};

/* h1_parse_request() / h1_parse_response(): parse one message head at the start of
 * buf[0..len). last_len is the length passed by the previous call that returned H1_MORE for
 * this message (0 on the first call). Returns the head length (also in m->head_len),
 * H1_MORE, or H1_ERR with m->err set. Headers that the message has beyond m->max_headers are
 * an error, never silently dropped. */
ssize_t h1_parse_request(const char *buf, size_t len, size_t last_len, struct h1_msg *m);
ssize_t h1_parse_response(const char *buf, size_t len, size_t last_len, struct h1_msg *m);

/* h1_parse_chunk_size(): parses a chunk-size line "HEX[;ext]CRLF" at buf. On success stores
 * the size and returns the line length. Returns H1_MORE or H1_ERR (size over 2^60, no digit,
 * control bytes, line longer than H1_MAX_CHUNK_LINE). */
ssize_t h1_parse_chunk_size(const char *buf, size_t len, uint64_t *size);

/* h1_parse_crlf(): the CRLF (or bare LF) that ends a chunk's data. Returns 1 or 2, H1_MORE,
 * or H1_ERR. */
ssize_t h1_parse_crlf(const char *buf, size_t len);

/* h1_parse_trailers(): the trailer section after the last chunk, through its empty line.
 * Returns its length (2 for a bare CRLF), H1_MORE or H1_ERR. */
ssize_t h1_parse_trailers(const char *buf, size_t len);

/* Body framing of a parsed message, RFC 9112 section 6.3. */
enum h1_body {
	H1_BODY_NONE,    /* no body at all */
	H1_BODY_CL,      /* content_length bytes */
	H1_BODY_CHUNKED, /* chunked transfer coding */
	H1_BODY_CLOSE,   /* until the server closes (responses only) */
};

/* h1_req_body() / h1_resp_body(): the framing the message uses. A response's framing
 * depends on the request method (HEAD) and on its status (1xx, 204, 304). */
enum h1_body h1_req_body(const struct h1_msg *req);
enum h1_body h1_resp_body(const struct h1_msg *rsp, int req_is_head);

/* h1_hdr_is(): case-insensitive comparison of a header name with a lower-case literal. */
int h1_hdr_is(const struct h1_header *h, const char *lname);

#endif
