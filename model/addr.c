/* addr.c - parsing of HAProxy-style socket addresses, shared by the front ends and the
 * runtime API (`set server addr`).
 *
 * Accepted forms: IPv4 and IPv6 literals with optional port or port range, `*` and empty
 * host for "any", `[v6]:port`, `:::port`, host names (resolved later, or now for binds),
 * and the prefixes ipv4@ ipv6@ unix@ abns@ fd@ (plus udp/sockpair forms, recognized only).
 * Error texts are HAProxy's, without the "'bind' : " / "'server x/y' : " prefix.
 */
#include "model.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "addr.h"

static int errf(char *err, size_t len, const char *fmt, const char *a, const char *b)
{
	snprintf(err, len, fmt, a, b);
	return -1;
}

/* Parses a decimal port prefix the way HAProxy does: digits, then anything is ignored
 * ("8x" is 8). Returns -1 when there is no digit or the value is out of 1..65535. */
static long parse_port(const char *s, const char **end)
{
	if (!isdigit((unsigned char)*s))
		return -1;
	long v = 0;
	while (isdigit((unsigned char)*s)) {
		v = v * 10 + (*s++ - '0');
		if (v > 65535)
			v = 65536;
	}
	if (end)
		*end = s;
	return v;
}

static int set_ip(struct m_addr *out, int family, const char *host)
{
	memset(&out->ss, 0, sizeof(out->ss));
	if (family == AF_INET6 || (family == AF_UNSPEC && strchr(host, ':'))) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->ss;
		s6->sin6_family = AF_INET6;
		if (*host && strcmp(host, "*") && strcmp(host, "::") &&
		    inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return -1;
		out->sslen = sizeof(*s6);
		return 0;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)&out->ss;
	s4->sin_family = AF_INET;
	if (*host && strcmp(host, "*") && inet_pton(AF_INET, host, &s4->sin_addr) != 1)
		return -1;
	out->sslen = sizeof(*s4);
	return 0;
}

void m_addr_set_port(struct m_addr *a, uint16_t port)
{
	if (a->ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(port);
	else if (a->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
}

/* Resolves a host name with the system resolver, IPv4 first as HAProxy's default
 * `resolve-prefer` does for binds. Returns 0 or -1. */
int m_addr_resolve(struct m_addr *a)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	if (getaddrinfo(a->host, NULL, &hints, &res) != 0 || !res)
		return -1;
	struct addrinfo *pick = res;
	for (struct addrinfo *r = res; r; r = r->ai_next)
		if (r->ai_family == AF_INET) {
			pick = r;
			break;
		}
	memcpy(&a->ss, pick->ai_addr, pick->ai_addrlen);
	a->sslen = pick->ai_addrlen;
	freeaddrinfo(res);
	m_addr_set_port(a, a->port_lo);
	return 0;
}

/* HAProxy expands environment variables inside addresses, Bourne-shell style ($NAME and
 * ${NAME}), even outside quotes. Returns text itself when there is nothing to expand. */
static const char *expand_env(struct arena *ar, const char *text)
{
	if (!strchr(text, '$'))
		return text;
	char out[1024];
	size_t o = 0;
	for (const char *p = text; *p && o + 1 < sizeof(out);) {
		if (*p != '$') {
			out[o++] = *p++;
			continue;
		}
		const char *name = p + 1, *end;
		bool brace = *name == '{';
		if (brace)
			name++;
		for (end = name; isalnum((unsigned char)*end) || *end == '_'; end++)
			;
		if (end == name || (brace && *end != '}')) {
			out[o++] = *p++;
			continue;
		}
		char var[256];
		snprintf(var, sizeof(var), "%.*s", (int)(end - name), name);
		const char *v = getenv(var);
		for (; v && *v && o + 1 < sizeof(out); v++)
			out[o++] = *v;
		p = end + brace;
	}
	out[o] = 0;
	return arena_strdup(ar, out);
}

int m_parse_addr(struct arena *ar, const char *text, unsigned flags, struct m_addr *out,
		 char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	out->text = arena_strdup(ar, text);
	text = expand_env(ar, text);
	const char *s = text;
	int family = AF_UNSPEC;

	if (!strncmp(s, "unix@", 5) || (*s == '/' && (flags & ADDR_BIND))) {
		out->kind = M_ADDR_UNIX;
		out->path = arena_strdup(ar, *s == '/' ? s : s + 5);
		if (strlen(out->path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
			return errf(err, errlen, "socket path '%s' too long (max %s)", out->path,
				    "107");
		return 0;
	}
	if (!strncmp(s, "abns@", 5)) {
		out->kind = M_ADDR_ABNS;
		out->path = arena_strdup(ar, s + 5);
		return 0;
	}
	if (!strncmp(s, "fd@", 3) || !strncmp(s, "sockpair@", 9)) {
		if (!(flags & ADDR_BIND))
			return errf(err, errlen, "a file descriptor is not acceptable here in '%s'",
				    text, NULL);
		out->kind = M_ADDR_FD;
		out->fd = atoi(strchr(s, '@') + 1);
		/* HAProxy checks the inherited descriptor when the configuration is read. */
		int type;
		socklen_t tl = sizeof(type);
		if (getsockopt(out->fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0) {
			char fdtxt[16];
			snprintf(fdtxt, sizeof(fdtxt), "%d", out->fd);
			return errf(err, errlen, "cannot use file descriptor '%s' : %s.", fdtxt,
				    strerror(errno));
		}
		return 0;
	}
	static const struct { const char *pfx; int family; } pfx[] = {
		{"ipv4@", AF_INET}, {"ipv6@", AF_INET6}, {"tcp4@", AF_INET}, {"tcp6@", AF_INET6},
		{"tcp@", AF_UNSPEC}, {"udp4@", AF_INET}, {"udp6@", AF_INET6}, {"udp@", AF_UNSPEC},
	};
	for (size_t i = 0; i < ARRAY_SIZE(pfx); i++)
		if (!strncmp(s, pfx[i].pfx, strlen(pfx[i].pfx))) {
			s += strlen(pfx[i].pfx);
			family = pfx[i].family;
			break;
		}
	if (strchr(s, '@') && !strchr(s, '[')) {
		char h[256];
		const char *c = strrchr(s, ':');
		snprintf(h, sizeof(h), "%.*s", c ? (int)(c - s) : (int)strlen(s), s);
		return errf(err, errlen, "invalid address: '%s' in '%s'", h, text);
	}

	/* Split host and port: "[v6]:p", or the last colon ("::1" alone is a host without
	 * port only when it does not parse as host:port - HAProxy takes the last colon). */
	char host[256];
	const char *port = NULL;
	if (*s == '[') {
		const char *rb = strchr(s, ']');
		if (!rb && (flags & ADDR_SERVER)) {
			/* No closing bracket: HAProxy takes it as a name, which cannot resolve. */
			const char *colon = strrchr(s, ':');
			size_t hl = colon ? (size_t)(colon - s) : strlen(s);
			out->kind = M_ADDR_NAME;
			out->host = arena_strndup(ar, s, hl);
			if (colon)
				out->port_lo = out->port_hi = (uint16_t)atoi(colon + 1);
			return 0;
		}
		if (!rb || (size_t)(rb - s - 1) >= sizeof(host))
			return errf(err, errlen, "invalid address: '%s' in '%s'", s, text);
		memcpy(host, s + 1, (size_t)(rb - s - 1));
		host[rb - s - 1] = 0;
		if (rb[1] == ':')
			port = rb + 2;
		family = AF_INET6;
	} else {
		const char *colon = strrchr(s, ':');
		size_t hl = colon ? (size_t)(colon - s) : strlen(s);
		if (hl >= sizeof(host))
			return errf(err, errlen, "invalid address: '%s' in '%s'", s, text);
		memcpy(host, s, hl);
		host[hl] = 0;
		if (colon)
			port = colon + 1;
	}

	if (port && *port) {
		if ((*port == '+' || *port == '-') && (flags & ADDR_SERVER)) {
			out->port_rel = *port == '+' ? 1 : -1;
			long v = parse_port(port + 1, NULL);
			out->port_lo = out->port_hi = (uint16_t)(v < 0 ? 0 : v);
		} else {
			const char *end;
			if (!isdigit((unsigned char)*port) && (flags & ADDR_SERVER)) {
				snprintf(err, errlen, "invalid character '%c' in port number '%s' in '%s'",
					 *port, port, text);
				return -1;
			}
			long lo = parse_port(port, &end), hi = lo;
			if (lo < ((flags & ADDR_SERVER) ? 0 : 1) || lo > 65535)
				return errf(err, errlen, "invalid port '%s'", port, NULL);
			if (*end == '-') {
				if (!(flags & ADDR_BIND))
					return errf(err, errlen, "port range not permitted here in '%s'",
						    text, NULL);
				hi = parse_port(end + 1, NULL);
				if (hi < lo || hi > 65535)
					return errf(err, errlen, "invalid port range '%s'", port, NULL);
			}
			out->port_lo = (uint16_t)lo;
			out->port_hi = (uint16_t)hi;
		}
	} else if (flags & ADDR_BIND) {
		return errf(err, errlen, "missing port specification in '%s'", text, NULL);
	} else {
		out->no_port = true;
	}

	if (set_ip(out, family, host) == 0) {
		out->kind = M_ADDR_INET;
		m_addr_set_port(out, out->port_lo);
		return 0;
	}
	out->kind = M_ADDR_NAME;
	out->host = arena_strdup(ar, host);
	if (flags & ADDR_BIND) {
		if (m_addr_resolve(out) < 0)
			return errf(err, errlen, "invalid address: '%s' in '%s'", host, text);
		out->kind = M_ADDR_INET;
	}
	return 0;
}
