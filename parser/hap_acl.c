/* hap_acl.c - ACL expressions as HAProxy 2.6 parses them: `acl NAME CRITERION [flags]
 * [operator] VALUE...` and the anonymous `{ CRITERION ... }` of conditions.
 *
 * The sample fetches usable in ACLs are a table of rows (name, argument spec, output type,
 * derived suffix forms such as path_beg or hdr_sub); matching methods are another. A check
 * refuses what `haproxy -c` refuses with its words: unknown fetch, converter or matching
 * method, bad arguments, patterns that do not parse for the matching method. Userlist and
 * backend arguments are resolved after parsing, as HAProxy does.
 */
#include "hap_bind.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* Sample types, for the casts a matching method needs. */
enum acl_type { AT_ANY, AT_BOOL, AT_INT, AT_IP, AT_STR, AT_BIN, AT_METH };

enum acl_match { PM_FOUND, PM_BOOL, PM_INT, PM_IP, PM_BIN, PM_LEN, PM_STR, PM_BEG, PM_END,
		 PM_SUB, PM_REG, PM_DIR, PM_DOM, PM__COUNT };

static const struct {
	const char *name;
	enum acl_type in; /* what the method compares */
} matches[PM__COUNT] = {
	[PM_FOUND] = {"found", AT_ANY}, [PM_BOOL] = {"bool", AT_INT}, [PM_INT] = {"int", AT_INT},
	[PM_IP] = {"ip", AT_IP},        [PM_BIN] = {"bin", AT_BIN},   [PM_LEN] = {"len", AT_STR},
	[PM_STR] = {"str", AT_STR},     [PM_BEG] = {"beg", AT_STR},   [PM_END] = {"end", AT_STR},
	[PM_SUB] = {"sub", AT_STR},     [PM_REG] = {"reg", AT_STR},   [PM_DIR] = {"dir", AT_STR},
	[PM_DOM] = {"dom", AT_STR},
};

/* Derived keyword forms: NAME_beg... select a matching method. */
#define SX(m) (1u << (m))
#define S_ALL (SX(PM_BEG) | SX(PM_END) | SX(PM_SUB) | SX(PM_REG) | SX(PM_DIR) | SX(PM_DOM) | \
	       SX(PM_LEN))
#define S_ER (SX(PM_END) | SX(PM_REG))

/* A fetch row. args: one letter per argument, upper case mandatory, lower case optional:
 * s string, i integer, u userlist, b backend, f frontend, t table, v variable; "*" takes
 * anything (stick counters). A name ending in '*' is a prefix. */
struct acl_fetch {
	const char *name, *args;
	enum acl_type out;
	unsigned sfx;
};

#define B AT_BOOL
#define I AT_INT
#define A AT_IP
#define S AT_STR
#define N AT_BIN
static const struct acl_fetch fetches[] = {
	/* internal states */
	{"always_false", "", B, 0}, {"always_true", "", B, 0}, {"avg_queue", "b", I, 0},
	{"be_conn", "b", I, 0}, {"be_conn_free", "b", I, 0}, {"be_id", "", I, 0},
	{"be_name", "", S, 0}, {"be_server_timeout", "", I, 0}, {"be_sess_rate", "b", I, 0},
	{"be_tunnel_timeout", "", I, 0}, {"bin", "S", N, 0}, {"bool", "I", B, 0},
	{"connslots", "b", I, 0}, {"cpu_calls", "", I, 0}, {"cpu_ns_avg", "", I, 0},
	{"cpu_ns_tot", "", I, 0}, {"cur_server_timeout", "", I, 0},
	{"cur_tunnel_timeout", "", I, 0}, {"date", "is", I, 0}, {"date_us", "", I, 0},
	{"env", "S", S, 0}, {"fe_client_timeout", "", I, 0}, {"fe_conn", "f", I, 0},
	{"fe_id", "", I, 0}, {"fe_name", "", S, 0}, {"fe_req_rate", "f", I, 0},
	{"fe_sess_rate", "f", I, 0}, {"hostname", "", S, 0}, {"int", "I", I, 0},
	{"ipv4", "S", A, 0}, {"ipv6", "S", A, 0}, {"last_rule_file", "", S, 0},
	{"last_rule_line", "", I, 0}, {"lat_ns_avg", "", I, 0}, {"lat_ns_tot", "", I, 0},
	{"meth", "S", AT_METH, 0}, {"nbproc", "", I, 0}, {"nbsrv", "b", I, 0},
	{"proc", "", I, 0}, {"queue", "b", I, 0},
	{"rand", "i", I, 0}, {"srv_conn", "S", I, 0}, {"srv_conn_free", "S", I, 0},
	{"srv_is_up", "S", B, 0}, {"srv_iweight", "S", I, 0}, {"srv_queue", "S", I, 0},
	{"srv_sess_rate", "S", I, 0}, {"srv_uweight", "S", I, 0}, {"srv_weight", "S", I, 0},
	{"stopping", "", B, 0}, {"str", "S", S, 0}, {"table_avl", "t", I, 0},
	{"table_cnt", "t", I, 0}, {"thread", "", I, 0}, {"uuid", "i", S, 0},
	{"var", "Vs", AT_ANY, 0},
	/* layer 4 */
	{"bc_dst", "", A, 0}, {"bc_dst_port", "", I, 0}, {"bc_src", "", A, 0},
	{"bc_src_port", "", I, 0}, {"dst", "", A, 0}, {"dst_conn", "", I, 0},
	{"dst_is_local", "", B, 0}, {"dst_port", "", I, 0}, {"fc_dst", "", A, 0},
	{"fc_dst_is_local", "", B, 0}, {"fc_dst_port", "", I, 0}, {"fc_http_major", "", I, 0},
	{"fc_pp_authority", "", S, 0}, {"fc_pp_unique_id", "", S, 0},
	{"fc_rcvd_proxy", "", B, 0}, {"fc_rtt", "s", I, 0}, {"fc_rttvar", "s", I, 0},
	{"fc_src", "", A, 0}, {"fc_src_is_local", "", B, 0}, {"fc_src_port", "", I, 0},
	{"fc_unacked", "", I, 0}, {"fc_sacked", "", I, 0}, {"fc_retrans", "", I, 0},
	{"fc_fackets", "", I, 0}, {"fc_lost", "", I, 0}, {"fc_reordering", "", I, 0},
	{"so_id", "", I, 0}, {"so_name", "", S, 0}, {"src", "", A, 0},
	{"src_is_local", "", B, 0}, {"src_port", "", I, 0}, {"srv_id", "", I, 0},
	{"srv_name", "", S, 0}, {"sc_tracked", "*", B, 0}, {"sc0_tracked", "*", B, 0},
	{"sc1_tracked", "*", B, 0}, {"sc2_tracked", "*", B, 0}, {"sc_*", "*", I, 0},
	{"sc0_*", "*", I, 0},
	{"sc1_*", "*", I, 0}, {"sc2_*", "*", I, 0}, {"src_*", "*", I, 0},
	/* layer 5 */
	{"ssl_bc", "", B, 0}, {"ssl_bc_alg_keysize", "", I, 0}, {"ssl_bc_alpn", "", S, 0},
	{"ssl_bc_cipher", "", S, 0}, {"ssl_bc_client_random", "", N, 0},
	{"ssl_bc_is_resumed", "", B, 0}, {"ssl_bc_npn", "", S, 0}, {"ssl_bc_protocol", "", S, 0},
	{"ssl_bc_server_random", "", N, 0}, {"ssl_bc_session_id", "", N, 0},
	{"ssl_bc_session_key", "", N, 0}, {"ssl_bc_unique_id", "", N, 0},
	{"ssl_bc_use_keysize", "", I, 0}, {"ssl_c_ca_err", "", I, 0},
	{"ssl_c_ca_err_depth", "", I, 0}, {"ssl_c_chain_der", "", N, 0}, {"ssl_c_der", "", N, 0},
	{"ssl_c_err", "", I, 0}, {"ssl_c_i_dn", "sis", S, 0}, {"ssl_c_key_alg", "", S, 0},
	{"ssl_c_notafter", "", S, 0}, {"ssl_c_notbefore", "", S, 0}, {"ssl_c_s_dn", "sis", S, 0}, {"ssl_c_serial", "", N, 0}, {"ssl_c_sha1", "", N, 0},
	{"ssl_c_sig_alg", "", S, 0}, {"ssl_c_used", "", B, 0}, {"ssl_c_verify", "", I, 0},
	{"ssl_c_version", "", I, 0}, {"ssl_f_der", "", N, 0}, {"ssl_f_i_dn", "sis", S, 0},
	{"ssl_f_key_alg", "", S, 0}, {"ssl_f_notafter", "", S, 0}, {"ssl_f_notbefore", "", S, 0},
	{"ssl_f_s_dn", "sis", S, 0}, {"ssl_f_serial", "", N, 0}, {"ssl_f_sha1", "", N, 0},
	{"ssl_f_sig_alg", "", S, 0}, {"ssl_f_version", "", I, 0}, {"ssl_fc", "", B, 0},
	{"ssl_fc_alg_keysize", "", I, 0}, {"ssl_fc_alpn", "", S, 0}, {"ssl_fc_cipher", "", S, 0},
	{"ssl_fc_cipherlist_bin", "i", N, 0}, {"ssl_fc_cipherlist_hex", "i", S, 0},
	{"ssl_fc_cipherlist_str", "i", S, 0}, {"ssl_fc_cipherlist_xxh", "", I, 0},
	{"ssl_fc_client_random", "", N, 0}, {"ssl_fc_has_crt", "", B, 0},
	{"ssl_fc_has_early", "", B, 0}, {"ssl_fc_has_sni", "", B, 0},
	{"ssl_fc_is_resumed", "", B, 0}, {"ssl_fc_npn", "", S, 0}, {"ssl_fc_protocol", "", S, 0},
	{"ssl_fc_server_random", "", N, 0}, {"ssl_fc_session_id", "", N, 0},
	{"ssl_fc_session_key", "", N, 0}, {"ssl_fc_sni", "", S, S_ER},
	{"ssl_fc_unique_id", "", N, 0}, {"ssl_fc_use_keysize", "", I, 0},
	/* layer 6 */
	{"payload", "II", N, 0}, {"payload_lv", "IIs", N, 0}, {"rdp_cookie", "s", S, 0},
	{"rdp_cookie_cnt", "s", I, 0}, {"rep_ssl_hello_type", "", I, 0}, {"req.len", "", I, 0},
	{"req_len", "", I, 0}, {"req.payload", "II", N, 0}, {"req.payload_lv", "IIs", N, 0},
	{"req.proto_http", "", B, 0}, {"req_proto_http", "", B, 0}, {"req.rdp_cookie", "s", S, 0},
	{"req_rdp_cookie", "s", S, 0}, {"req.rdp_cookie_cnt", "s", I, 0},
	{"req_rdp_cookie_cnt", "s", I, 0}, {"req.ssl_alpn", "", S, 0},
	{"req.ssl_ec_ext", "", B, 0}, {"req.ssl_hello_type", "", I, 0},
	{"req_ssl_hello_type", "", I, 0}, {"req.ssl_sni", "", S, 0}, {"req_ssl_sni", "", S, 0},
	{"req.ssl_st_ext", "", I, 0}, {"req.ssl_ver", "", I, 0}, {"req_ssl_ver", "", I, 0},
	{"res.len", "", I, 0}, {"res.payload", "II", N, 0}, {"res.payload_lv", "IIs", N, 0},
	{"res.ssl_hello_type", "", I, 0}, {"wait_end", "", B, 0},
	/* layer 7 */
	{"base", "", S, S_ALL}, {"base32", "", I, 0}, {"base32+src", "", N, 0},
	{"baseq", "", S, 0}, {"capture.req.hdr", "I", S, 0}, {"capture.req.method", "", S, 0},
	{"capture.req.uri", "", S, 0}, {"capture.req.ver", "", S, 0},
	{"capture.res.hdr", "I", S, 0}, {"capture.res.ver", "", S, 0}, {"cook", "s", S, S_ALL},
	{"cook_cnt", "s", I, 0}, {"cook_val", "s", I, 0}, {"cookie", "s", S, 0},
	{"hdr", "si", S, S_ALL}, {"hdr_cnt", "s", I, 0}, {"hdr_ip", "si", A, 0},
	{"hdr_val", "si", I, 0}, {"http_auth", "U", B, 0}, {"http_auth_bearer", "s", S, 0},
	{"http_auth_group", "U", S, 0}, {"http_auth_pass", "", S, 0},
	{"http_auth_type", "", S, 0}, {"http_auth_user", "", S, 0},
	{"http_first_req", "", B, 0}, {"method", "", AT_METH, 0}, {"path", "", S, S_ALL},
	{"pathq", "", S, 0}, {"query", "", S, 0}, {"req.body", "", N, 0},
	{"req.body_len", "", I, 0}, {"req.body_param", "si", S, 0}, {"req.body_size", "", I, 0},
	{"req.cook", "s", S, 0}, {"req.cook_cnt", "s", I, 0}, {"req.cook_val", "s", I, 0},
	{"req.fhdr", "si", S, 0}, {"req.fhdr_cnt", "s", I, 0}, {"req.hdr", "si", S, 0},
	{"req.hdr_cnt", "s", I, 0}, {"req.hdr_ip", "si", A, 0}, {"req.hdr_names", "s", S, 0},
	{"req.hdr_val", "si", I, 0}, {"req.hdrs", "", S, 0}, {"req.hdrs_bin", "", N, 0},
	{"req.ver", "", S, 0}, {"req_ver", "", S, 0}, {"res.body", "", N, 0},
	{"res.body_len", "", I, 0}, {"res.body_size", "", I, 0}, {"res.comp", "", B, 0},
	{"res.comp_algo", "", S, 0}, {"res.cook", "s", S, 0}, {"res.cook_cnt", "s", I, 0},
	{"res.cook_val", "s", I, 0}, {"res.fhdr", "si", S, 0}, {"res.fhdr_cnt", "s", I, 0},
	{"res.hdr", "si", S, 0}, {"res.hdr_cnt", "s", I, 0}, {"res.hdr_ip", "si", A, 0},
	{"res.hdr_names", "s", S, 0}, {"res.hdr_val", "si", I, 0}, {"res.hdrs", "", S, 0},
	{"res.hdrs_bin", "", N, 0}, {"res.ver", "", S, 0}, {"resp_ver", "", S, 0},
	{"scook", "s", S, 0}, {"scook_cnt", "s", I, 0}, {"scook_val", "s", I, 0},
	{"shdr", "si", S, S_ALL}, {"shdr_cnt", "s", I, 0},
	{"shdr_ip", "si", A, 0}, {"shdr_val", "si", I, 0}, {"status", "", I, 0},
	{"unique-id", "", S, 0}, {"url", "", S, S_ALL},
	{"url32", "", I, 0}, {"url32+src", "", N, 0}, {"url_ip", "", A, 0},
	{"url_param", "ss", S, 0}, {"url_port", "", I, 0}, {"urlp", "ss", S, S_ALL},
	{"urlp_val", "ss", I, 0},
	{NULL, NULL, 0, 0},
};
#undef B
#undef I
#undef A
#undef S
#undef N

/* Converter names (their arguments are not checked); a name ending in '*' is a prefix. */
static const char *const converters[] = {
	"add", "add_item", "aes_gcm_dec", "and", "b64dec", "base64", "be2dec", "be2hex", "bool",
	"bytes", "concat", "cpl", "crc32", "crc32c", "cut_crlf", "debug",
	"digest", "div", "djb2", "even", "field", "fix_*", "hex", "hex2i", "hmac", "host_only",
	"htonl", "http_date", "in_table", "ipmask", "json", "json_query", "jwt_*", "language",
	"length", "lower", "ltime", "ltrim", "map*", "mod", "mqtt_*", "mul", "nbsrv", "neg",
	"not", "odd", "or", "port_only", "protobuf", "regsub", "rtrim", "sdbm",
	"secure_memcmp", "set-var", "sha1", "sha2", "srv_queue", "strcmp", "sub", "table_*",
	"ub64dec", "ub64enc", "ungrpc", "unset-var", "upper", "url_dec", "url_enc", "utime",
	"word", "wt6", "xor", "xxh3", "xxh32", "xxh64", NULL,
};

static bool name_is(const char *pat, const char *name, size_t len)
{
	size_t n = strlen(pat);
	if (n && pat[n - 1] == '*')
		return len >= n - 1 && !strncmp(pat, name, n - 1);
	return n == len && !strncmp(pat, name, len);
}

/* Finds the fetch of an ACL keyword; *m gets the method a derived form selects. */
static const struct acl_fetch *find_fetch(const char *name, size_t len, int *m)
{
	*m = -1;
	for (const struct acl_fetch *f = fetches; f->name; f++)
		if (name_is(f->name, name, len))
			return f;
	const char *us = NULL;
	for (size_t i = 0; i < len; i++)
		if (name[i] == '_')
			us = name + i;
	if (!us)
		return NULL;
	for (int k = PM_LEN; k < PM__COUNT; k++)
		if ((size_t)(name + len - us - 1) == strlen(matches[k].name) &&
		    !strncmp(us + 1, matches[k].name, strlen(matches[k].name)))
			for (const struct acl_fetch *f = fetches; f->name; f++)
				if ((f->sfx & SX(k)) && strlen(f->name) == (size_t)(us - name) &&
				    !strncmp(f->name, name, (size_t)(us - name))) {
					*m = k;
					return f;
				}
	return NULL;
}

bool hap_acl_fetch_known(const char *word)
{
	int m;
	return find_fetch(word, strcspn(word, "(,"), &m) != NULL;
}

/* Whether a sample of type `from` can be given to a method comparing `to`. */
static bool castable(enum acl_type from, enum acl_type to)
{
	if (to == AT_ANY || from == AT_ANY || from == to || from == AT_STR)
		return true;
	switch (from) {
	case AT_BOOL: return to == AT_INT || to == AT_STR || to == AT_BIN;
	case AT_INT: case AT_IP: return to != AT_METH;
	case AT_BIN: case AT_METH: return to == AT_STR || to == AT_BIN;
	default: return false;
	}
}

static int fail(char *msg, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* What a fetch reads that is gone when a log line is written ("HTTP request headers"...):
 * HAProxy refuses these in log-format (use captures instead). */
static const struct {
	const char *name, *needs;
} log_unavailable[] = {
	{"hdr*", "HTTP request headers,HTTP response headers"},
	{"req.hdr*", "HTTP request headers"}, {"req.fhdr*", "HTTP request headers"},
	{"req.cook*", "HTTP request headers"}, {"cook*", "HTTP request headers"},
	{"req.body*", "HTTP request headers"}, {"req.ver", "HTTP request headers"},
	{"req_ver", "HTTP request headers"}, {"base*", "HTTP request headers"},
	{"path*", "HTTP request headers"}, {"query", "HTTP request headers"},
	{"url*", "HTTP request headers"}, {"urlp*", "HTTP request headers"},
	{"http_auth*", "HTTP request headers"}, {"req.uri", "HTTP request headers"},
	{"res.hdr*", "HTTP response headers"}, {"res.fhdr*", "HTTP response headers"},
	{"res.cook*", "HTTP response headers"}, {"scook*", "HTTP response headers"},
	{"shdr*", "HTTP response headers"}, {"res.ver", "HTTP response headers"},
	{"resp_ver", "HTTP response headers"}, {"set-cookie", "HTTP response headers"},
	{"req.len", "request buffer"}, {"req_len", "request buffer"},
	{"req.payload*", "request buffer"}, {"req.rdp_cookie*", "request buffer"},
	{"rdp_cookie*", "request buffer"}, {"req.ssl_*", "request buffer"},
	{"req_ssl_*", "request buffer"}, {"req.proto_http", "request buffer"},
	{"res.len", "response buffer"}, {"res.payload*", "response buffer"},
};

int hap_sample_check_log(const char *expr, size_t len, char *msg, size_t mlen)
{
	size_t n = strcspn(expr, "(,]");
	if (n > len)
		n = len;
	if (!n)
		return fail(msg, mlen, "failed to parse sample expression <%s> : missing fetch method.",
		            expr);
	int m;
	const struct acl_fetch *f = find_fetch(expr, n, &m);
	if (!f || m != -1)
		return fail(msg, mlen, "failed to parse sample expression <%s> : unknown fetch method "
		                       "'%.*s'.", expr, (int)n, expr);
	const char *p = expr + n;
	if (*p == '(') {
		const char *close = memchr(p, ')', len - n);
		p = close ? close + 1 : expr + len;
	}
	while (p < expr + len && *p == ',') {
		const char *c = p + 1;
		size_t cn = strcspn(c, "(,]");
		bool known = false;
		for (const char *const *k = converters; *k && !known; k++)
			known = name_is(*k, c, cn);
		if (!known)
			return fail(msg, mlen, "failed to parse sample expression <%s> : unknown "
			                       "converter '%.*s'.", expr, (int)cn, c);
		p = c + cn;
		if (*p == '(') {
			const char *close = strchr(p, ')');
			p = close ? close + 1 : expr + len;
		}
	}
	for (size_t i = 0; i < sizeof(log_unavailable) / sizeof(log_unavailable[0]); i++)
		if (name_is(log_unavailable[i].name, expr, n))
			return fail(msg, mlen, "sample fetch <%s> may not be reliably used here because "
			                       "it needs '%s' which is not available here.", expr,
			            log_unavailable[i].needs);
	return 0;
}

static bool parse_ll(const char *s, const char *end, long long *v)
{
	if (s == end)
		return false;
	char buf[32];
	if ((size_t)(end - s) >= sizeof(buf))
		return false;
	memcpy(buf, s, (size_t)(end - s));
	buf[end - s] = 0;
	char *e;
	errno = 0;
	*v = strtoll(buf, &e, 10);
	return !*e && errno != ERANGE && (buf[0] == '-' || (buf[0] >= '0' && buf[0] <= '9'));
}

static const char *type_name(char t)
{
	switch (t | 0x20) {
	case 'i': return "integer";
	case 'u': return "user list";
	case 'b': return "backend";
	case 'f': return "frontend";
	case 't': return "table";
	default: return "string";
	}
}

/* Checks "name(args),conv..." against the fetch table. Returns the fetch or NULL with msg. */
static const struct acl_fetch *check_fetch(const char *word, int *m, char *msg, size_t len)
{
	size_t n = strcspn(word, "(,");
	const struct acl_fetch *f = find_fetch(word, n, m);
	if (!f) {
		fail(msg, len, "unknown fetch method '%.*s' in ACL expression '%s'.", (int)n, word,
		     word);
		return NULL;
	}
	const char *p = word + n, *spec = f->args;
	int nargs = 0, mandatory = 0;
	for (const char *t = spec; *t; t++)
		mandatory += *t >= 'A' && *t <= 'Z';
	bool var_empty = !strcmp(f->name, "var");
	if (*p == '(') {
		const char *close = strchr(p, ')');
		if (!close) {
			fail(msg, len, "ACL keyword '%.*s' : expected ')'.", (int)n, word);
			return NULL;
		}
		for (const char *a = p + 1; a < close && strcmp(spec, "*");) {
			const char *e = memchr(a, ',', (size_t)(close - a));
			if (!e)
				e = close;
			if (nargs >= (int)strlen(spec)) {
				fail(msg, len, "ACL keyword '%.*s' : expected ')' before '%s'.", (int)n,
				     word, nargs ? a - 1 : a);
				return NULL;
			}
			long long v;
			if ((spec[nargs] | 0x20) == 'i' && !parse_ll(a, e, &v)) {
				fail(msg, len, "ACL keyword '%.*s' : failed to parse '%.*s' as type "
					       "'integer' at position %d.", (int)n, word, (int)(e - a), a,
				     nargs + 1);
				return NULL;
			}
			if (nargs == 0 && var_empty)
				var_empty = e == a;
			nargs++;
			a = e < close ? e + 1 : close;
		}
		p = close + 1;
	}
	if (var_empty) {
		fail(msg, len, "invalid args in fetch method 'var' : Empty variable name cannot be "
			       "accepted in ACL expression '%s'.", word);
		return NULL;
	}
	/* A missing userlist is reported when references are resolved. */
	if (nargs < mandatory && strcmp(spec, "*") && spec[nargs] != 'U') {
		if (word[n] != '(')
			fail(msg, len, "fetch method '%.*s' : expected type '%s' at position 1, but "
				       "got nothing in ACL expression '%s'.", (int)n, word,
			     type_name(spec[0]), word);
		else
			fail(msg, len, "fetch method '%.*s' : missing arguments (got %d/%d), type "
				       "'%s' expected in ACL expression '%s'.", (int)n, word, nargs,
			     mandatory, type_name(spec[nargs]), word);
		return NULL;
	}
	while (*p == ',') {
		const char *c = p + 1;
		size_t cn = strcspn(c, "(,");
		bool known = false;
		for (const char *const *k = converters; *k && !known; k++)
			known = name_is(*k, c, cn);
		if (!known) {
			fail(msg, len, "ACL keyword '%.*s' : unknown converter '%.*s'..", (int)n, word,
			     (int)cn, c);
			return NULL;
		}
		p = c + cn;
		if (*p == '(') {
			const char *close = strchr(p, ')');
			p = close ? close + 1 : p + strlen(p);
		}
	}
	return f;
}

/* Integer patterns: numbers, ranges "a:b", ":b", "a:", and the operators eq ge gt le lt. */
static int check_int(const char *w, bool *have_op, char *msg, size_t len)
{
	static const char *const ops[] = {"eq", "ge", "gt", "le", "lt", NULL};
	for (const char *const *o = ops; *o; o++)
		if (!strcmp(*o, w)) {
			*have_op = true;
			return 0;
		}
	long long a;
	const char *colon = strchr(w, ':');
	if (colon) {
		const char *end = w + strlen(w);
		if ((colon > w && !parse_ll(w, colon, &a)) ||
		    (colon + 1 < end && !parse_ll(colon + 1, end, &a)))
			return fail(msg, len, "'%s' is not a valid number range.", w);
		return 0;
	}
	if (!parse_ll(w, w + strlen(w), &a)) {
		if (*have_op)
			return fail(msg, len, "'%s' is neither a number nor a supported operator.", w);
		return fail(msg, len, "'%s' is not a number.", w);
	}
	return 0;
}

/* IP patterns: an address with an optional /prefix or /netmask, or a host name that
 * resolves (unless -n). */
static int check_ip(const char *w, bool no_dns, char *msg, size_t len)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", w);
	char *slash = strchr(buf, '/');
	if (slash)
		*slash++ = 0;
	struct in_addr v4;
	struct in6_addr v6;
	bool is4 = inet_aton(buf, &v4), is6 = !is4 && inet_pton(AF_INET6, buf, &v6) == 1;
	bool ok = is4 || is6;
	if (!ok && !slash && !no_dns && strpbrk(buf, "abcdefghijklmnopqrstuvwxyz-")) {
		struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res;
		ok = getaddrinfo(buf, NULL, &hints, &res) == 0;
		if (ok)
			freeaddrinfo(res);
	}
	if (ok && slash) {
		long long bits;
		if (parse_ll(slash, slash + strlen(slash), &bits))
			ok = bits >= 0 && bits <= (is6 ? 128 : 32);
		else
			ok = is4 && inet_aton(slash, &v4);
	}
	return ok ? 0 : fail(msg, len, "'%s' is not a valid IPv4 or IPv6 address.", w);
}

static int check_reg(const char *w, bool icase, char *msg, size_t len)
{
	int err;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)w, PCRE2_ZERO_TERMINATED,
				       icase ? PCRE2_CASELESS : 0, &err, &off, NULL);
	if (re) {
		pcre2_code_free(re);
		return 0;
	}
	PCRE2_UCHAR text[256];
	pcre2_get_error_message(err, text, sizeof(text));
	return fail(msg, len, "regex '%s' is invalid (error=%s, erroffset=%zu).", w,
		    (const char *)text, (size_t)off);
}

int hap_acl_check(char *const *words, int n, char *msg, size_t len)
{
	*msg = 0;
	if (n < 1)
		return fail(msg, len, "missing fetch method in ACL expression ''.");
	int m;
	const struct acl_fetch *f = check_fetch(words[0], &m, msg, len);
	if (!f)
		return -1;
	if (m < 0)
		m = f->out == AT_BOOL ? PM_BOOL : f->out == AT_INT ? PM_INT : f->out == AT_IP ? PM_IP
		  : f->out == AT_BIN ? PM_BIN : PM_STR;
	bool icase = false, no_dns = false;
	int i = 1;
	for (; i < n && words[i][0] == '-'; i++) {
		const char *o = words[i];
		if (!strcmp(o, "--")) {
			i++;
			break;
		}
		if (!strcmp(o, "-i") || !strcmp(o, "-n") || !strcmp(o, "-M")) {
			icase |= o[1] == 'i';
			no_dns |= o[1] == 'n';
		} else if (!strcmp(o, "-m")) {
			const char *meth = i + 1 < n ? words[++i] : "";
			for (m = 0; m < PM__COUNT && strcmp(matches[m].name, meth); m++)
				;
			if (m == PM__COUNT)
				return fail(msg, len, "unknown matching method '%s' when parsing ACL "
						      "expression.", meth);
			if (!castable(f->out, matches[m].in))
				return fail(msg, len, "matching method '%s' cannot be used with fetch "
						      "keyword '%s'.", meth, f->name);
		} else if (!strcmp(o, "-f")) {
			const char *file = i + 1 < n ? words[++i] : "";
			FILE *fp = fopen(file, "r");
			if (!fp)
				return fail(msg, len, "failed to open pattern file <%s>.", file);
			fclose(fp);
		} else if (!strcmp(o, "-u")) {
			long long id;
			const char *v = i + 1 < n ? words[++i] : "";
			if (!parse_ll(v, v + strlen(v), &id))
				return fail(msg, len, "the argument of -u must be an integer.");
		} else
			return fail(msg, len, "'%s' is not a valid ACL option. Please use '--' before "
					      "any pattern beginning with a '-'.", o);
	}
	if (n == 1 && m != PM_BOOL && m != PM_FOUND) {
		snprintf(msg, len,
			 "parsing acl keyword '%s' :\n"
			 "  no pattern to match against were provided, so this ACL will never match.\n"
			 "  If this is what you intended, please add '--' to get rid of this warning.\n"
			 "  If you intended to match only for existence, please use '-m found'.\n"
			 "  If you wanted to force an int to match as a bool, please use '-m bool'.\n",
			 words[0]);
		return 1;
	}
	bool have_op = false;
	for (; i < n; i++) {
		int r = 0;
		if (m == PM_INT || m == PM_LEN)
			r = check_int(words[i], &have_op, msg, len);
		else if (m == PM_IP)
			r = check_ip(words[i], no_dns, msg, len);
		else if (m == PM_REG)
			r = check_reg(words[i], icase, msg, len);
		if (r)
			return r;
	}
	return 0;
}

int hap_acl_parse(struct hap_ctx *c, struct m_origin at, const char *where, char *const *words,
		  int n, unsigned flags)
{
	char msg[1024], compat[1400];
	int r = hap_acl_check(words, n, msg, sizeof(msg));
	if (r > 0) {
		hap_diag(c, at, DIAG_WARNING, DIAG_WARNING, 0, msg,
			 "'%s' without a pattern never matches: add '--', '-m found' or "
			 "'-m bool' if this is intended", words[0]);
		return 0;
	}
	if (r < 0) {
		snprintf(compat, sizeof(compat), "parsing [%s:%u] : error detected while parsing %s "
			 ": %s", at.file, at.line, where, msg);
		hap_diag(c, at, DIAG_ERROR, DIAG_ERROR, flags, compat, "%s: %s", where, msg);
	}
	return r;
}

/* Post-parse: userlist and backend arguments name something that exists. */
int hap_acl_resolve(struct hap_ctx *c, struct hap_proxy *px, struct m_origin at,
		    const char *word)
{
	int m;
	size_t n = strcspn(word, "(,");
	const struct acl_fetch *f = find_fetch(word, n, &m);
	char t = f ? (char)(f->args[0] | 0x20) : 0;
	if (t != 'u' && t != 'b')
		return 0;
	char arg[256] = "";
	if (word[n] == '(') {
		size_t k = strcspn(word + n + 1, ",)");
		snprintf(arg, sizeof(arg), "%.*s", (int)k, word + n + 1);
	}
	bool user = t == 'u';
	char text[600], compat[700];
	if (user && !*arg)
		snprintf(text, sizeof(text), "missing userlist name in arg 1 of ACL keyword '%.*s' "
			 "in proxy '%s'.", (int)n, word, px->name);
	else if (!*arg)
		return 0; /* the current backend */
	else if (user) {
		for (struct m_userlist *u = c->cfg->userlists; u; u = u->next)
			if (!strcmp(u->name, arg))
				return 0;
		snprintf(text, sizeof(text), "unable to find userlist '%s' referenced in arg 1 of "
			 "ACL keyword '%.*s' in proxy '%s'.", arg, (int)n, word, px->name);
	} else {
		if (strmap_get(&c->pools_by_name, arg))
			return 0;
		snprintf(text, sizeof(text), "unable to find backend '%s' referenced in arg 1 of "
			 "ACL keyword '%.*s' in proxy '%s'.", arg, (int)n, word, px->name);
	}
	snprintf(compat, sizeof(compat), "parsing [%s:%u]: %s", at.file, at.line, text);
	diag_add(c->dl, at, DIAG_ERROR, DIAG_ERROR, DIAG_FATAL | DIAG_POST, compat, text);
	return -1;
}
