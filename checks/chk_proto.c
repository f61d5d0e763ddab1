/* chk_proto.c - HAProxy's protocol probes (option ssl-hello-chk, mysql-check, redis-check,
 * smtpchk, pgsql-check, ldap-check) and the agent-check, on the shared chk_conn.
 *
 * Each probe sends the bytes configuration.txt documents for it and judges the reply with
 * HAProxy 2.6's statuses and info texts ("Redis server is ok", "PostgreSQL server is ok",
 * the MySQL version, the SMTP reply text). Multi-step exchanges (mysql with a user, smtp)
 * keep their step in it->phase. The agent-check parses one reply line (chk_agent_parse) and
 * reports health changes as CHK_RES_UP/DOWN; everything else is neutral, as in HAProxy.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "checks/chk_priv.h"

static void p_cancel(struct chk_item *it)
{
	chk_conn_close(&it->conn, chk_loop(it));
}

static void finish(struct chk_item *it, enum chk_res res, enum chk_status st, int code,
                   const char *desc)
{
	p_cancel(it);
	chk_done_ex(it, res, st, code, desc);
}

static void fail(struct chk_item *it, enum chk_status st, int code, const char *desc)
{
	finish(it, CHK_RES_FAIL, st, code, desc);
}

static void pass(struct chk_item *it, enum chk_status st, int code, const char *desc)
{
	finish(it, CHK_RES_PASS, st, code, desc);
}

/* Opens the probe's connection with a copy of req (NULL: wait for the server to speak). */
static void open_with(struct chk_item *it, const void *req, size_t len,
                      void (*ev)(struct chk_item *it))
{
	char *r = NULL;
	if (req) {
		r = malloc(len ? len : 1);
		if (!r) {
			chk_done(it, false, CHK_ST_SOCKERR, -1, "Cannot allocate memory");
			return;
		}
		memcpy(r, req, len);
	}
	chk_conn_open(it, r, len, ev);
}

/* True while the reply is incomplete and more may come. */
static bool want_more(const struct chk_item *it, size_t need)
{
	const struct chk_conn *c = &it->conn;
	return c->len < need && !c->eof && c->len < CHK_BUFSIZE;
}

static void empty_reply(struct chk_item *it, int step)
{
	char d[64];
	snprintf(d, sizeof(d), "TCPCHK got an empty response at step %d", step);
	fail(it, CHK_ST_L7RSP, -1, d);
}

/* The first line of s[0..n) without its CR/LF, into out. */
static const char *first_line(const char *s, size_t n, char *out, size_t cap)
{
	size_t k = 0;
	while (k < n && s[k] != '\r' && s[k] != '\n' && k + 1 < cap) {
		out[k] = s[k];
		k++;
	}
	out[k] = 0;
	return out;
}

/* ---------------------------------------------------------------- ssl-hello-chk */

/* An SSLv3 ClientHello (RFC 6101 5.6.1.2) offering common RSA suites: any SSL/TLS server
 * answers it with a handshake record (0x16) or an alert (0x15). */
static size_t ssl_hello(unsigned char *b)
{
	static const unsigned char suites[] = {0x00, 0x35, 0x00, 0x2f, 0x00, 0x0a, 0x00, 0x05,
	                                       0x00, 0x04, 0x00, 0x09, 0x00, 0x03, 0x00, 0xff};
	size_t n = 0;
	b[n++] = 0x16; /* record: handshake, SSL 3.0 */
	b[n++] = 0x03;
	b[n++] = 0x00;
	n += 2;        /* record length */
	b[n++] = 0x01; /* client_hello */
	n += 3;        /* handshake length */
	b[n++] = 0x03; /* client_version 3.0 */
	b[n++] = 0x00;
	uint32_t t = (uint32_t)time(NULL);
	for (int i = 0; i < 32; i++) /* gmt_unix_time then 28 bytes: need not be secret */
		b[n++] = i < 4 ? (unsigned char)(t >> (24 - 8 * i)) : (unsigned char)(i * 37 + 11);
	b[n++] = 0; /* no session id */
	b[n++] = 0;
	b[n++] = sizeof(suites);
	memcpy(b + n, suites, sizeof(suites));
	n += sizeof(suites);
	b[n++] = 1; /* one compression method: null */
	b[n++] = 0;
	size_t rec = n - 5, hs = n - 9;
	b[3] = (unsigned char)(rec >> 8);
	b[4] = (unsigned char)rec;
	b[6] = 0;
	b[7] = (unsigned char)(hs >> 8);
	b[8] = (unsigned char)hs;
	return n;
}

static void ssl_event(struct chk_item *it)
{
	struct chk_conn *c = &it->conn;
	if (!c->buf || want_more(it, 5))
		return;
	const unsigned char *u = (const unsigned char *)c->buf;
	if (c->len >= 5 && (u[0] == 0x15 || u[0] == 0x16)) {
		pass(it, CHK_ST_L6OK, -1, NULL);
		return;
	}
	fail(it, CHK_ST_L6RSP, -1, "TCPCHK did not match content (binary regex) at step 2");
}

static void ssl_start(struct chk_item *it)
{
	unsigned char b[128];
	size_t n = ssl_hello(b);
	it->tout = CHK_ST_L6TOUT;
	open_with(it, b, n, ssl_event);
}

const struct chk_ops chk_ssl_hello_ops = {"ssl-hello-chk", ssl_start, p_cancel};

/* ---------------------------------------------------------------- mysql-check */

/* `option mysql-check [user U [post-41|pre-41]]`: the words after the option. */
static void mysql_args(const struct m_probe *p, char *user, size_t cap, bool *post41)
{
	user[0] = 0;
	*post41 = true;
	const char *s = p->body;
	if (!s || strncmp(s, "user ", 5))
		return;
	s += 5;
	size_t k = 0;
	while (*s && *s != ' ' && k + 1 < cap)
		user[k++] = *s++;
	user[k] = 0;
	while (*s == ' ')
		s++;
	if (!strcmp(s, "pre-41"))
		*post41 = false;
}

/* Judges the MySQL packet at off: 1 complete and not an error, 0 an error or a truncated
 * reply (probe ended), -2 incomplete. */
static int mysql_packet(struct chk_item *it, size_t off)
{
	struct chk_conn *c = &it->conn;
	const unsigned char *u = (const unsigned char *)c->buf;
	size_t plen = c->len >= off + 4 ? u[off] | u[off + 1] << 8 | (size_t)u[off + 2] << 16 : 0;
	if (c->len < off + 4 || c->len < off + 4 + plen) {
		if (!c->eof && c->len < CHK_BUFSIZE)
			return -2;
		fail(it, CHK_ST_L7RSP, -1,
		     c->len ? NULL : "TCPCHK got an empty response at step 1");
		return 0;
	}
	if (u[off + 4] == 0xff) { /* ERR packet: code, then "#SQLSTATE" and the message */
		char d[128];
		int code = plen >= 3 ? u[off + 5] | u[off + 6] << 8 : 0;
		size_t mlen = plen > 3 ? plen - 3 : 0;
		snprintf(d, sizeof(d), "%.*s", (int)mlen, (const char *)u + off + 7);
		fail(it, CHK_ST_L7STS, code, d);
		return 0;
	}
	return 1;
}

static void mysql_event(struct chk_item *it)
{
	struct chk_conn *c = &it->conn;
	if (!c->buf)
		return;
	char user[64];
	bool post41;
	mysql_args(it->probe, user, sizeof(user), &post41);
	int r = mysql_packet(it, 0);
	if (r != 1)
		return;
	if (it->phase == 0) {
		/* initial handshake: protocol byte, then the NUL-terminated server version */
		snprintf(it->info, sizeof(it->info), "%.*s", (int)(c->len > 5 ? c->len - 5 : 0),
		         c->buf + 5);
		if (!user[0]) {
			pass(it, CHK_ST_L7OK, -1, it->info);
			return;
		}
		/* Client authentication without password, then COM_QUIT */
		unsigned char b[160];
		size_t n = 4, ul = strlen(user);
		if (post41) {
			uint32_t fl = 0x00000200 | 0x00008000; /* PROTOCOL_41 | SECURE_CONNECTION */
			for (int i = 0; i < 4; i++)
				b[n++] = (unsigned char)(fl >> (8 * i));
			b[n++] = 0, b[n++] = 0, b[n++] = 0, b[n++] = 1; /* max packet 16 MB */
			b[n++] = 0x21;                                  /* utf8_general_ci */
			memset(b + n, 0, 23);
			n += 23;
			memcpy(b + n, user, ul + 1);
			n += ul + 1;
			b[n++] = 0; /* empty auth response */
		} else {
			b[n++] = 0x80, b[n++] = 0;             /* LONG_PASSWORD-less 3.x flags */
			b[n++] = 0, b[n++] = 0, b[n++] = 0x01; /* max packet */
			memcpy(b + n, user, ul + 1);
			n += ul + 1;
		}
		size_t pl = n - 4;
		b[0] = (unsigned char)pl, b[1] = (unsigned char)(pl >> 8), b[2] = 0, b[3] = 1;
		static const unsigned char quit[] = {1, 0, 0, 0, 1};
		memcpy(b + n, quit, sizeof(quit));
		n += sizeof(quit);
		it->phase = 1;
		chk_conn_consume(it, c->len);
		chk_conn_send(it, (const char *)b, n);
		return;
	}
	pass(it, CHK_ST_L7OK, -1, it->info);
}

static void mysql_start(struct chk_item *it)
{
	open_with(it, NULL, 0, mysql_event);
}

const struct chk_ops chk_mysql_ops = {"mysql-check", mysql_start, p_cancel};

/* ---------------------------------------------------------------- redis-check */

static void redis_event(struct chk_item *it)
{
	struct chk_conn *c = &it->conn;
	if (!c->buf || want_more(it, 7))
		return;
	if (c->len == 0) {
		empty_reply(it, 2);
		return;
	}
	if (c->len >= 7 && !memcmp(c->buf, "+PONG\r\n", 7)) {
		pass(it, CHK_ST_L7OK, -1, "Redis server is ok");
		return;
	}
	char d[128];
	fail(it, CHK_ST_L7STS, -1, first_line(c->buf, c->len, d, sizeof(d)));
}

static void redis_start(struct chk_item *it)
{
	static const char ping[] = "*1\r\n$4\r\nPING\r\n";
	open_with(it, ping, sizeof(ping) - 1, redis_event);
}

const struct chk_ops chk_redis_ops = {"redis-check", redis_start, p_cancel};

/* ---------------------------------------------------------------- smtpchk */

/* The last line of a complete SMTP reply ("250-..." lines continue it), or NULL. */
static const char *smtp_reply(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return NULL;
		if (nl - p < 4 || p[3] != '-')
			return p;
		p = nl + 1;
	}
	return NULL;
}

static void smtp_event(struct chk_item *it)
{
	struct chk_conn *c = &it->conn;
	if (!c->buf)
		return;
	const char *l = smtp_reply(c->buf, c->len);
	if (!l && !c->eof && c->len < CHK_BUFSIZE)
		return;
	if (!l && c->len == 0) {
		if (it->phase == 2) /* HAProxy 2.6's ruleset: the QUIT reply is step 7 */
			fail(it, CHK_ST_L7STS, 0, "TCPCHK got an empty response at step 7");
		else
			empty_reply(it, it->phase ? 4 : 1);
		return;
	}
	if (!l)
		l = c->buf;
	char line[128];
	first_line(l, (size_t)(c->buf + c->len - l), line, sizeof(line));
	if (!isdigit((unsigned char)line[0]) || !isdigit((unsigned char)line[1]) ||
	    !isdigit((unsigned char)line[2]) || (line[3] && line[3] != ' ' && line[3] != '-')) {
		fail(it, CHK_ST_L7RSP, -1, line);
		return;
	}
	int code = atoi(line);
	const char *text = line + 3;
	while (*text == ' ' || *text == '-')
		text++;
	if (line[0] != '2') {
		fail(it, CHK_ST_L7STS, code, text);
		return;
	}
	if (it->phase == 2) {
		pass(it, CHK_ST_L7OK, code, text); /* the QUIT reply, "221 bye" */
		return;
	}
	if (it->phase == 1) { /* HELO/EHLO accepted: end politely and judge the 221 */
		it->phase = 2;
		chk_conn_consume(it, c->len);
		chk_conn_send(it, "QUIT\r\n", 6);
		return;
	}
	char cmd[300];
	const char *arg = it->probe->body;
	int n;
	if (arg && (!strncasecmp(arg, "HELO ", 5) || !strncasecmp(arg, "EHLO ", 5)))
		n = snprintf(cmd, sizeof(cmd), "%s\r\n", arg);
	else
		n = snprintf(cmd, sizeof(cmd), "HELO localhost\r\n");
	it->phase = 1;
	chk_conn_consume(it, c->len);
	chk_conn_send(it, cmd, (size_t)n < sizeof(cmd) ? (size_t)n : sizeof(cmd) - 1);
}

static void smtp_start(struct chk_item *it)
{
	open_with(it, NULL, 0, smtp_event);
}

const struct chk_ops chk_smtp_ops = {"smtpchk", smtp_start, p_cancel};

/* ---------------------------------------------------------------- pgsql-check */

static void pgsql_event(struct chk_item *it)
{
	struct chk_conn *c = &it->conn;
	if (!c->buf || want_more(it, 9))
		return;
	if (c->len == 0) {
		empty_reply(it, 2);
		return;
	}
	if (c->buf[0] == 'R') { /* an authentication request: the server accepts the user */
		pass(it, CHK_ST_L7OK, -1, "PostgreSQL server is ok");
		return;
	}
	/* ErrorResponse: 'E', length, then fields "S<severity>\0 ..." */
	if (c->buf[0] == 'E' && c->len > 6 && c->buf[5] && c->buf[6]) {
		char d[128];
		snprintf(d, sizeof(d), "%s", c->buf + 6);
		fail(it, CHK_ST_L7RSP, -1, d);
		return;
	}
	fail(it, CHK_ST_L7STS, -1, "PostgreSQL unknown error");
}

static void pgsql_start(struct chk_item *it)
{
	/* StartupMessage (protocol 3.0) with only "user": PostgreSQL frontend/backend
	 * protocol, "Message Formats". */
	const char *u =
	    it->probe->body && !strncmp(it->probe->body, "user ", 5) ? it->probe->body + 5 : "";
	size_t ul = strnlen(u, 200);
	unsigned char b[256];
	size_t n = 4;
	b[n++] = 0, b[n++] = 3, b[n++] = 0, b[n++] = 0;
	memcpy(b + n, "user", 5);
	n += 5;
	memcpy(b + n, u, ul);
	n += ul;
	b[n++] = 0;
	b[n++] = 0;
	b[0] = 0, b[1] = 0, b[2] = (unsigned char)(n >> 8), b[3] = (unsigned char)n;
	open_with(it, b, n, pgsql_event);
}

const struct chk_ops chk_pgsql_ops = {"pgsql-check", pgsql_start, p_cancel};

/* ---------------------------------------------------------------- ldap-check */

static void ldap_event(struct chk_item *it)
{
	struct chk_conn *c = &it->conn;
	if (!c->buf)
		return;
	const unsigned char *u = (const unsigned char *)c->buf;
	/* an LDAPMessage SEQUENCE: wait for all of it (short or long form length) */
	size_t need = 14;
	if (c->len >= 2)
		need = 2 + (size_t)(u[1] & 0x80 ? u[1] & 0x7f : u[1]);
	if (need < 14)
		need = 14;
	if (want_more(it, need))
		return;
	if (c->len == 0) {
		empty_reply(it, 2);
		return;
	}
	/* RFC 4511 4.2.2: messageID INTEGER 1, then bindResponse [APPLICATION 1] */
	size_t ml = c->len >= 2 && (u[1] & 0x80) ? (u[1] & 0x7f) : 0;
	if (ml > 2 || c->len < 2 + ml + 4 || memcmp(u + 2 + ml, "\x02\x01\x01\x61", 4)) {
		fail(it, CHK_ST_L7RSP, -1, "Not LDAPv3 protocol");
		return;
	}
	if (c->len > ml + 6 && (u[ml + 6] & 0x80))
		ml += u[ml + 6] & 0x7f;
	/* RFC 4511 4.1.9: LDAPResult starts with resultCode ENUMERATED */
	if (ml > 4 || c->len < ml + 10 || memcmp(u + 7 + ml, "\x0a\x01", 2)) {
		fail(it, CHK_ST_L7RSP, -1, "Not LDAPv3 protocol");
		return;
	}
	int code = u[ml + 9];
	if (code) {
		fail(it, CHK_ST_L7STS, code,
		     "See RFC: http://tools.ietf.org/html/rfc4511#section-4.1.9");
		return;
	}
	pass(it, CHK_ST_L7OK, 0, "Success");
}

static void ldap_start(struct chk_item *it)
{
	/* RFC 4511 4.2: BindRequest, messageID 1, version 3, empty name, simple "" */
	static const unsigned char bind[] = {0x30, 0x0c, 0x02, 0x01, 0x01, 0x60, 0x07,
	                                     0x02, 0x01, 0x03, 0x04, 0x00, 0x80, 0x00};
	open_with(it, bind, sizeof(bind), ldap_event);
}

const struct chk_ops chk_ldap_ops = {"ldap-check", ldap_start, p_cancel};

/* ---------------------------------------------------------------- agent-check */

int chk_agent_parse(const char *line, size_t len, struct chk_state *st, enum chk_status *status,
                    char *desc, size_t desc_len)
{
	char buf[512];
	size_t n = 0;
	while (n < len && line[n] != '\r' && line[n] != '\n')
		n++;
	if (n == len)
		return -2;
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, line, n);
	buf[n] = 0;
	const char *hs = NULL, *err = NULL;
	char *p = buf, *about = buf + n;
	int health = -1;
	st->agent_pct = -1;
	st->agent_maxconn = -1;
	st->agent_admin[0] = 0;
	*status = CHK_ST_CHECKED;
	while (*p) {
		if (*p == ' ' || *p == '\t' || *p == ',') {
			p++;
			continue;
		}
		if (*p == '#') { /* a description of the state change */
			about = p + 1;
			while (*about == ' ' || *about == '\t')
				about++;
			break;
		}
		char *w = p;
		while (*p && *p != ' ' && *p != '\t' && *p != ',')
			p++;
		if (*p)
			*p++ = 0;
		if (!strcasecmp(w, "up")) {
			hs = w, health = 1, *status = CHK_ST_L7OK;
		} else if (!strcasecmp(w, "down") || !strcasecmp(w, "stopped") ||
		           !strcasecmp(w, "fail")) {
			hs = w, health = 0, *status = CHK_ST_L7STS;
		} else if (!strcasecmp(w, "ready") || !strcasecmp(w, "drain") ||
		           !strcasecmp(w, "maint")) {
			size_t k = 0;
			for (; w[k] && k + 1 < sizeof(st->agent_admin); k++)
				st->agent_admin[k] = (char)tolower((unsigned char)w[k]);
			st->agent_admin[k] = 0;
		} else if (isdigit((unsigned char)*w) && strchr(w, '%')) {
			st->agent_pct = atoi(w);
		} else if (!strncasecmp(w, "maxconn:", 8) && isdigit((unsigned char)w[8]) &&
		           strspn(w + 8, "0123456789") == strlen(w + 8)) {
			long v = strtol(w + 8, NULL, 10);
			st->agent_maxconn = v > 1000000 ? 1000000 : (int)v;
		} else if (!err) {
			err = w;
		}
	}
	if (hs) {
		const char *msg = about;
		if ((!*msg || health == 1) && err)
			msg = err;
		snprintf(desc, desc_len, "via agent : %s%s%s%s", hs, *msg ? " (" : "", msg,
		         *msg ? ")" : "");
	} else if (err) {
		snprintf(desc, desc_len, "agent reports an error : %s", err);
	} else if (desc_len) {
		desc[0] = 0;
	}
	return health;
}

static void agent_event(struct chk_item *it)
{
	struct chk_conn *c = &it->conn;
	if (!c->buf)
		return;
	char desc[128];
	enum chk_status st;
	int h = chk_agent_parse(c->buf, c->len, &it->st, &st, desc, sizeof(desc));
	if (h == -2) {
		if (!c->eof && c->len < CHK_BUFSIZE)
			return;
		finish(it, CHK_RES_NEUTRAL, it->st.status, it->st.code,
		       "Ignoring incomplete line from agent");
		return;
	}
	finish(it, h == 1 ? CHK_RES_UP : h == 0 ? CHK_RES_DOWN : CHK_RES_NEUTRAL, st, 0, desc);
}

static void agent_start(struct chk_item *it)
{
	const char *s = it->probe ? it->probe->body : NULL;
	if (s && *s)
		open_with(it, s, strlen(s), agent_event);
	else
		open_with(it, NULL, 0, agent_event);
}

const struct chk_ops chk_agent_ops = {"agent-check", agent_start, p_cancel};
