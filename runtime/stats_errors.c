/* stats_errors.c - `show errors`: the last invalid request each frontend received and the
 * last invalid response each backend got, as HAProxy 2.6's error snapshots.
 *
 * http.c hands over the bytes of a head its parser refused (on the session's worker); one
 * snapshot per proxy and direction is kept under a lock, with a process-wide event number.
 * The answer has HAProxy's layout: the "Total events captured" line, then per snapshot the
 * date, proxy, peer, event, buffer and error position lines and the escaped dump of the
 * bytes, cut like HAProxy's into lines of at most 80 columns. HAProxy's H1 multiplexer
 * lines (its internal connection, stream and parser state flags) are not printed: vipr has
 * no such state. The error position follows HAProxy's parser on the request line and header
 * grammar (the first byte that breaks it; a bad or conflicting Content-Length: its value).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include "runtime/stats_int.h"

struct rt_errsnap {
	bool set;
	struct timeval when;
	unsigned ev;
	char src[INET6_ADDRSTRLEN + 8];
	const char *other, *srv; /* request: the backend and server (NULL: <NONE>); response:
	                          * the frontend and server */
	int other_id, srv_id;
	size_t len, pos;
	char *buf;
};

struct rt_errors {
	pthread_mutex_t lock;
	struct rt_errsnap *fe, *be; /* per service, per pool */
	unsigned total;
};

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;

static struct rt_errors *errors(struct rt *rt)
{
	struct rt_errors *e = __atomic_load_n(&rt->errors, __ATOMIC_ACQUIRE);
	if (e)
		return e;
	pthread_mutex_lock(&init_lock);
	if (!(e = rt->errors)) {
		e = calloc(1, sizeof(*e));
		if (e) {
			e->fe = calloc((size_t)rt->nsvc + 1, sizeof(*e->fe));
			e->be = calloc((size_t)rt->npools + 1, sizeof(*e->be));
			if (!e->fe || !e->be) {
				free(e->fe);
				free(e->be);
				free(e);
				e = NULL;
			} else {
				pthread_mutex_init(&e->lock, NULL);
				__atomic_store_n(&rt->errors, e, __ATOMIC_RELEASE);
			}
		}
	}
	pthread_mutex_unlock(&init_lock);
	return e;
}

void rt_errors_free(struct rt *rt)
{
	struct rt_errors *e = rt->errors;
	if (!e)
		return;
	for (int i = 0; i < rt->nsvc; i++)
		free(e->fe[i].buf);
	for (int i = 0; i < rt->npools; i++)
		free(e->be[i].buf);
	free(e->fe);
	free(e->be);
	pthread_mutex_destroy(&e->lock);
	free(e);
	rt->errors = NULL;
}

/* ---------------------------------------------------------------- error position */

static bool tchar(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* The request line: method, target, version. Returns the offset of the first byte that
 * breaks it, or (size_t)-1 with *eol the offset past its line feed. */
static size_t reqline_pos(const char *b, size_t n, size_t *eol)
{
	size_t i = 0;
	while (i < n && tchar((unsigned char)b[i]))
		i++;
	if (i == 0 || i >= n || b[i] != ' ')
		return i;
	while (i < n && b[i] == ' ')
		i++;
	size_t t = i;
	while (i < n && (unsigned char)b[i] > 0x20 && b[i] != 0x7f)
		i++;
	if (i == t || i >= n || b[i] != ' ')
		return i;
	while (i < n && b[i] == ' ')
		i++;
	if (n - i < 8 || memcmp(b + i, "HTTP/", 5) || !isdigit((unsigned char)b[i + 5]) ||
	    b[i + 6] != '.' || !isdigit((unsigned char)b[i + 7]))
		return i;
	i += 8;
	if (i < n && b[i] == '\r')
		i++;
	if (i >= n || b[i] != '\n')
		return i;
	*eol = i + 1;
	return (size_t)-1;
}

/* Where HAProxy's parser stops on the head b[0..n) (0 when vipr cannot tell). */
static size_t error_pos(const char *b, size_t n, bool rsp)
{
	size_t i = 0, p;
	if (!rsp && (p = reqline_pos(b, n, &i)) != (size_t)-1)
		return p;
	if (rsp) { /* the status line: its own grammar is not followed here */
		const char *lf = memchr(b, '\n', n);
		if (!lf)
			return 0;
		i = (size_t)(lf - b) + 1;
	}
	const char *cl = NULL;
	size_t cl_len = 0;
	while (i < n && b[i] != '\r' && b[i] != '\n') {
		size_t name = i;
		while (i < n && tchar((unsigned char)b[i]))
			i++;
		if (i == name || i >= n || b[i] != ':')
			return i;
		size_t v = ++i;
		while (v < n && (b[v] == ' ' || b[v] == '\t'))
			v++;
		const char *lf = memchr(b + v, '\n', n - v);
		if (!lf)
			return 0;
		size_t ve = (size_t)(lf - b);
		while (ve > v && (b[ve - 1] == '\r' || b[ve - 1] == ' ' || b[ve - 1] == '\t'))
			ve--;
		if (i - name == 15 && !strncasecmp(b + name, "content-length:", 15)) {
			size_t d = v;
			while (d < ve && isdigit((unsigned char)b[d]))
				d++;
			if (d == v || d != ve)
				return v;
			if (cl && (cl_len != ve - v || memcmp(cl, b + v, cl_len)))
				return v;
			cl = b + v;
			cl_len = ve - v;
		}
		i = (size_t)(lf - b) + 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- capture */

static void addr_text(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "";
	unsigned port = 0;
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
		port = ntohs(a->sin6_port);
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		port = ntohs(a->sin_port);
	}
	snprintf(buf, len, "%s:%u", ip, port);
}

void rt_errors_capture(struct rt_sess *s, bool rsp, const char *buf, size_t len)
{
	struct rt *rt = s->w->rt;
	struct rt_errors *e = errors(rt);
	struct rt_pool *p = rsp && s->server ? s->server->pool : rsp ? rt_sess_pool(s) : NULL;
	if (!e || (rsp && !p))
		return;
	if (len > RT_BUFSIZE)
		len = RT_BUFSIZE;
	char *copy = malloc(len ? len : 1);
	if (!copy)
		return;
	memcpy(copy, buf, len);
	struct rt_errsnap n = {
	    .set = true, .len = len, .buf = copy, .pos = error_pos(buf, len, rsp)};
	gettimeofday(&n.when, NULL);
	addr_text(&s->cli_addr, n.src, sizeof(n.src));
	if (rsp) {
		n.other = s->svc->conf->name;
		n.other_id = st_proxy_iid(s->svc->conf->id);
	}
	if (rsp && s->server) {
		n.srv = s->server->conf->name;
		n.srv_id = s->server->puid;
	}
	struct rt_errsnap *slot = rsp ? &e->be[p - rt->pools] : &e->fe[s->svc - rt->svc];
	pthread_mutex_lock(&e->lock);
	n.ev = e->total++;
	char *old = slot->buf;
	*slot = n;
	pthread_mutex_unlock(&e->lock);
	free(old);
}

/* ---------------------------------------------------------------- show errors */

/* One line of the dump from b[ptr]: up to and including a line feed, at most 80 columns
 * (HAProxy's dump_text_line); '+' marks a line continued from the previous one. */
static size_t dump_line(struct rt_sbuf *o, const char *b, size_t len, size_t ptr, size_t *line)
{
	char out[96];
	int w = snprintf(out, sizeof(out), "  %05zu%c ", ptr, ptr == *line ? ' ' : '+');
	const int end = 80;
	while (ptr < len) {
		unsigned char c = (unsigned char)b[ptr];
		if (isprint(c) && isascii(c) && c != '\\') {
			if (w > end - 2)
				break;
			out[w++] = (char)c;
		} else if (c == '\t' || c == '\n' || c == '\r' || c == 0x1b || c == '\\') {
			if (w > end - 3)
				break;
			out[w++] = '\\';
			out[w++] = c == '\t'   ? 't'
			           : c == '\n' ? 'n'
			           : c == '\r' ? 'r'
			           : c == 0x1b ? 'e'
			                       : '\\';
		} else {
			if (w > end - 5)
				break;
			w += snprintf(out + w, sizeof(out) - (size_t)w, "\\x%02X", c);
		}
		if (b[ptr++] == '\n') {
			*line = ptr;
			break;
		}
	}
	out[w++] = '\n';
	rt_sb_put(o, out, (size_t)w);
	return ptr;
}

static void fmt_date(const struct timeval *tv, char *buf, size_t len)
{
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;
	time_t t = tv->tv_sec;
	localtime_r(&t, &tm);
	snprintf(buf, len, "%02d/%s/%04d:%02d:%02d:%02d.%03d", tm.tm_mday, mon[tm.tm_mon],
	         tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(tv->tv_usec / 1000));
}

static void show_snap(struct rt_sbuf *o, const struct rt_errsnap *e, const char *kind,
                      const char *name, int id, bool rsp)
{
	char date[40];
	fmt_date(&e->when, date, sizeof(date));
	rt_sb_printf(o, " \n[%s] %s %s (#%d): invalid %s\n", date, kind, name, id,
	             rsp ? "response" : "request");
	rt_sb_printf(o, "  %s %s (#%d), server %s (#%d), event #%u, src %s\n",
	             rsp ? "frontend" : "backend", e->other ? e->other : "<NONE>",
	             e->other ? e->other_id : -1, e->srv ? e->srv : "<NONE>",
	             e->srv ? e->srv_id : -1, e->ev, e->src);
	rt_sb_printf(o,
	             "  buffer starts at 0 (including 0 out), %zu free,\n"
	             "  len %zu, wraps at %d, error at position %zu\n  \n",
	             (size_t)RT_BUFSIZE - e->len, e->len, RT_BUFSIZE - 48, e->pos);
	size_t line = 0;
	for (size_t ptr = 0; ptr < e->len;)
		ptr = dump_line(o, e->buf, e->len, ptr, &line);
}

/* A proxy with a front end (a frontend, a listen) is named "frontend", else "backend". */
static const char *kind_of(const struct m_pool *p)
{
	return p && p->service && p->service->kind == SVC_LISTEN ? "frontend" : "backend";
}

/* HAProxy's filter: the snapshot's proxy or the one at the other end of the exchange. */
static bool match(const char *px, int id, const char *name, int iid, const struct rt_errsnap *e)
{
	return !px || !strcmp(name, px) || iid == id ||
	       (e->other && (!strcmp(e->other, px) || e->other_id == id));
}

void rt_errors_show(struct rt *rt, struct rt_sbuf *o, const char *px, const char *dir)
{
	int want = !dir ? 3 : !strcmp(dir, "request") ? 1 : !strcmp(dir, "response") ? 2 : 3;
	int id = px && px[0] == '#' ? atoi(px + 1) : 0;
	bool found = !px;
	for (int i = 0; px && i < rt->nsvc; i++)
		found = found || !strcmp(rt->svc[i].conf->name, px) ||
		        st_proxy_iid(rt->svc[i].conf->id) == id;
	for (int i = 0; px && i < rt->npools; i++)
		found = found || !strcmp(rt->pools[i].conf->name, px) ||
		        st_proxy_iid(rt->pools[i].conf->id) == id;
	if (!found) {
		rt_sb_puts(o, "No such proxy.\n");
		return;
	}
	struct rt_errors *e = errors(rt);
	char date[40];
	struct timeval now;
	gettimeofday(&now, NULL);
	fmt_date(&now, date, sizeof(date));
	if (!e) {
		rt_sb_printf(o, "Total events captured on [%s] : 0\n", date);
		return;
	}
	pthread_mutex_lock(&e->lock);
	rt_sb_printf(o, "Total events captured on [%s] : %u\n", date, e->total);
	/* in the proxies' order (their ids), a listen's request before its response */
	int max = 0;
	for (int i = 0; i < rt->nsvc; i++)
		max = st_proxy_iid(rt->svc[i].conf->id) > max ? st_proxy_iid(rt->svc[i].conf->id)
		                                              : max;
	for (int i = 0; i < rt->npools; i++)
		max = st_proxy_iid(rt->pools[i].conf->id) > max
		          ? st_proxy_iid(rt->pools[i].conf->id)
		          : max;
	for (int iid = 0; iid <= max; iid++) {
		for (int i = 0; i < rt->nsvc && (want & 1); i++) {
			const struct m_service *c = rt->svc[i].conf;
			if (st_proxy_iid(c->id) == iid && e->fe[i].set &&
			    match(px, id, c->name, iid, &e->fe[i]))
				show_snap(o, &e->fe[i], "frontend", c->name, iid, false);
		}
		for (int i = 0; i < rt->npools && (want & 2); i++) {
			const struct m_pool *c = rt->pools[i].conf;
			if (st_proxy_iid(c->id) == iid && e->be[i].set &&
			    match(px, id, c->name, iid, &e->be[i]))
				show_snap(o, &e->be[i], kind_of(c), c->name, iid, true);
		}
	}
	pthread_mutex_unlock(&e->lock);
}
