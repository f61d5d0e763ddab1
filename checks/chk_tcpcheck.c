/* chk_tcpcheck.c - HAProxy's `option tcp-check` rule lists: send, send-binary and expect
 * (string, rstring, binary, rbinary, negatable), run in order on one connection.
 *
 * An expect looks at what was received since the previous send and waits for more until it
 * matches, the server closes, the bounded buffer is full or the probe times out. Failures
 * are L7RSP "TCPCHK did not match content 'X' at step N" like HAProxy; a probe with no
 * rules is a plain connect (L4OK). The tcp-check `connect port` of the first rule is
 * honoured through the check's port.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "checks/chk_priv.h"

static void tc_cancel(struct chk_item *it)
{
	chk_conn_close(&it->conn, chk_loop(it));
}

static void finish(struct chk_item *it, bool ok, enum chk_status st, const char *desc)
{
	tc_cancel(it);
	chk_done(it, ok, st, -1, desc);
}

static size_t unhex(const char *s, char *out, size_t cap)
{
	size_t n = 0;
	while (s[0] && s[1] && isxdigit((unsigned char)s[0]) && isxdigit((unsigned char)s[1]) &&
	       n < cap) {
		char b[3] = {s[0], s[1], 0};
		out[n++] = (char)strtol(b, NULL, 16);
		s += 2;
	}
	return n;
}

static bool re_match(const char *pat, const char *s, size_t len)
{
	int err;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
	if (!re)
		return false;
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	int rc = md ? pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, md, NULL) : -1;
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	return rc >= 0;
}

static int step_no(const struct chk_item *it, const struct m_check_step *s)
{
	int n = 1;
	for (const struct m_check_step *k = it->probe->steps; k && k != s; k = k->next)
		n++;
	return n;
}

/* Runs rules from it->url on; returns when waiting for data or when the probe ended. */
static void tc_run(struct chk_item *it)
{
	struct chk_conn *c = &it->conn;
	for (const struct m_check_step *s = it->url; s; s = s->next) {
		it->url = s;
		if (s->op == STEP_SEND || s->op == STEP_SEND_BINARY) {
			char bin[1024];
			const char *d = s->arg ? s->arg : "";
			size_t n = strlen(d);
			if (s->op == STEP_SEND_BINARY) {
				n = unhex(d, bin, sizeof(bin));
				d = bin;
			}
			chk_conn_consume(it, c->len); /* an expect sees what came after its send */
			if (!chk_conn_send(it, d, n))
				return;
			continue;
		}
		if (s->op != STEP_EXPECT)
			continue;
		const char *pat = s->arg ? s->arg : "";
		char bin[1024];
		bool m = false;
		switch (s->expect) {
		case EXPECT_STRING:
			m = strlen(pat) <= c->len && memmem(c->buf, c->len, pat, strlen(pat));
			break;
		case EXPECT_BINARY: {
			size_t n = unhex(pat, bin, sizeof(bin));
			m = n <= c->len && memmem(c->buf, c->len, bin, n);
			break;
		}
		case EXPECT_RSTRING:
		case EXPECT_RBINARY:
			m = re_match(pat, c->buf ? c->buf : "", c->len);
			break;
		default:
			m = true;
		}
		bool final = c->eof || c->len >= CHK_BUFSIZE;
		if (m && !s->negate)
			continue;
		if (!m && !final)
			return; /* wait for more */
		if (!m && s->negate)
			continue; /* the unwanted content never came */
		char desc[128];
		snprintf(desc, sizeof(desc), "TCPCHK %s content '%.60s' at step %d",
		         s->negate ? "matched unwanted" : "did not match", pat, step_no(it, s));
		finish(it, false, CHK_ST_L7RSP, desc);
		return;
	}
	finish(it, true, it->probe->steps ? CHK_ST_L7OK : CHK_ST_L4OK, NULL);
}

static void tc_event(struct chk_item *it)
{
	if (!it->conn.buf) { /* just connected */
		it->conn.buf = malloc(CHK_BUFSIZE + 1);
		if (!it->conn.buf) {
			finish(it, false, CHK_ST_SOCKERR, "Cannot allocate memory");
			return;
		}
		it->conn.buf[0] = 0;
		it->url = it->probe->steps;
	}
	tc_run(it);
}

static void tc_start(struct chk_item *it)
{
	chk_conn_open(it, NULL, 0, tc_event);
}

const struct chk_ops chk_tcpcheck_ops = {"tcp-check", tc_start, tc_cancel};
