/* lvs_sock.c - the checker's abstract unix socket @vipr-ipvs: the live `ipvsadm -Ln` table for
 * `vipr ipvs`, and the hand-over of a reload.
 *
 * The socket, like the kernel's IPVS table, belongs to the network namespace: `vipr ipvs` in a
 * namespace sees that namespace's director, as `ipvsadm -Ln` would. A thread of the checker
 * answers one request line per connection: "show" (or nothing) for the table, "handover
 * DAEMON-PID GENERATION" for a reload.
 *
 * A reload (lvs_child.c) starts a new checker over the new configuration while the old one
 * still serves; the new one asks for "handover", which only a checker of the same daemon (so
 * that another daemon's in the same namespace is never taken over) and of an older generation
 * (reloads in quick succession pass the state forward, never back) grants. It then stops
 * programming the kernel, passes this listening socket itself (SCM_RIGHTS, so that `vipr
 * ipvs` never finds the name unbound during a reload), answers with the state of its real
 * servers (up or down after the checks, their live weight) and its persistence affinities,
 * closes its copy of the socket and soft-stops
 * itself (SIGUSR1): its listeners close, its sessions finish, its checks stop without a word
 * and, with IPVS, it leaves the services in the kernel for the new checker to take over. The
 * new checker starts its real servers in the states it was given (rt_lvs_inherited_up() for
 * the checks), so an unchanged real server keeps its state, as keepalived keeps it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "runtime/ipvs.h"
#include "runtime/rt.h"
#include "vrrp/vrrp.h"

#define IPVS_SOCK "vipr-ipvs"

static struct {
	atomic_int fd;
	pthread_t th;
	bool on;
	bool bind_later; /* the previous checker still has the name: the thread binds it */
	struct rt *rt;
} srv_state = {.fd = -1};

static atomic_bool retiring; /* this checker handed over (or was told to soft-stop) */

bool rt_lvs_retiring(void)
{
	return atomic_load(&retiring);
}

void rt_lvs_set_retiring(void)
{
	atomic_store(&retiring, true);
}

static socklen_t ipvs_addr(struct sockaddr_un *un)
{
	memset(un, 0, sizeof(*un));
	un->sun_family = AF_UNIX;
	memcpy(un->sun_path + 1, IPVS_SOCK, sizeof(IPVS_SOCK) - 1);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + sizeof(IPVS_SOCK) - 1);
}

static void set_timeout(int fd, int opt, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	(void)setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv));
}

static void send_all(int c, const char *buf, size_t len)
{
	for (size_t off = 0; off < len;) {
		ssize_t w = send(c, buf + off, len - off, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		off += (size_t)w;
	}
}

/* One request line (at most len-1 bytes); "" when the client sent none within a second. */
static void read_line(int c, char *line, size_t len)
{
	size_t n = 0;
	set_timeout(c, SO_RCVTIMEO, 1000);
	while (n + 1 < len) {
		ssize_t r = recv(c, line + n, 1, 0);
		if (r <= 0 || line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
}

/* ---------------------------------------------------------------- the state, as text */

/* A virtual service's identity, the same in both checkers: its IPVS identity in hex. */
static void vs_key(const struct m_pool *mp, char *buf, size_t len)
{
	struct ipvs_svc s;
	memset(&s, 0, sizeof(s));
	if (!rt_ipvs_svc_of(mp, &s)) {
		snprintf(buf, len, "name:%s", mp->name);
		return;
	}
	size_t n = (size_t)snprintf(buf, len, "%u/%u/%u/%u/", s.af, s.protocol, s.port, s.fwmark);
	for (int i = 0; i < 16 && n + 2 < len; i++, n += 2)
		snprintf(buf + n, len - n, "%02x", s.addr[i]);
}

static void rs_key(const struct m_pool *mp, const struct m_server *ms, char *buf, size_t len)
{
	struct ipvs_dest d;
	memset(&d, 0, sizeof(d));
	rt_ipvs_dest_of(mp, ms, 0, &d);
	size_t n = (size_t)snprintf(buf, len, "%u/%u/", d.af, d.port);
	for (int i = 0; i < 16 && n + 2 < len; i++, n += 2)
		snprintf(buf + n, len - n, "%02x", d.addr[i]);
}

struct pers_out {
	const struct rt_pool *p;
	const char *vk;
	FILE *out;
};

static void pers_line(void *arg, const uint8_t key[16], int srv, long long left_ms)
{
	struct pers_out *po = arg;
	char rk[96], hex[33];
	rs_key(po->p->conf, po->p->srv[srv].conf, rk, sizeof(rk));
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	fprintf(po->out, "P %s %s %s %lld\n", po->vk, rk, hex, left_ms);
}

/* "S VS RS USABLE WEIGHT CONFWEIGHT" per real server, "P VS RS KEY MS" per affinity. */
static void dump_state(struct rt *rt, FILE *out)
{
	for (int i = 0; i < rt->npools; i++) {
		struct rt_pool *p = &rt->pools[i];
		if (!p->conf->lvs)
			continue;
		char vk[96];
		vs_key(p->conf, vk, sizeof(vk));
		pthread_mutex_lock(&p->lock);
		for (int j = 0; j < p->nsrv; j++) {
			const struct rt_server *s = &p->srv[j];
			char rk[96];
			rs_key(p->conf, s->conf, rk, sizeof(rk));
			fprintf(out, "S %s %s %d %d %d\n", vk, rk, s->usable ? 1 : 0, s->weight,
			        s->conf->weight);
		}
		struct pers_out po = {p, vk, out};
		rt_lvs_pers_each(p, pers_line, &po);
		pthread_mutex_unlock(&p->lock);
	}
	fputs(".\n", out);
}

/* The servers given in a hand-over: their state stands for the checks' initial one. */
struct inh {
	const struct rt_server *rs;
	bool up;
};
static struct inh *inh;
static int ninh;

bool rt_lvs_inherited_up(const struct rt_server *rs, bool *up)
{
	for (int i = 0; i < ninh; i++)
		if (inh[i].rs == rs) {
			*up = inh[i].up;
			return true;
		}
	return false;
}

static struct rt_pool *find_pool(struct rt *rt, const char *vk)
{
	for (int i = 0; i < rt->npools; i++) {
		char k[96];
		if (!rt->pools[i].conf->lvs)
			continue;
		vs_key(rt->pools[i].conf, k, sizeof(k));
		if (!strcmp(k, vk))
			return &rt->pools[i];
	}
	return NULL;
}

static int find_srv(const struct rt_pool *p, const char *rk)
{
	for (int j = 0; j < p->nsrv; j++) {
		char k[96];
		rs_key(p->conf, p->srv[j].conf, k, sizeof(k));
		if (!strcmp(k, rk))
			return j;
	}
	return -1;
}

/* One line of the old checker's state, applied before the checks and listeners start. */
static void apply_line(struct rt *rt, const char *line)
{
	char vk[96], rk[96], key[40];
	int usable, weight, confw;
	long long ms;
	if (sscanf(line, "S %95s %95s %d %d %d", vk, rk, &usable, &weight, &confw) == 5) {
		struct rt_pool *p = find_pool(rt, vk);
		int j = p ? find_srv(p, rk) : -1;
		if (j < 0)
			return; /* a real server the new configuration dropped */
		struct rt_server *s = &p->srv[j];
		struct inh *n = realloc(inh, (size_t)(ninh + 1) * sizeof(*inh));
		if (!n)
			return;
		inh = n;
		inh[ninh++] = (struct inh){s, usable != 0};
		s->usable = usable != 0;
		if (confw == s->conf->weight && weight >= 0) /* a changed weight is the new one */
			s->weight = weight;
		return;
	}
	if (sscanf(line, "P %95s %95s %39s %lld", vk, rk, key, &ms) == 4 && strlen(key) == 32) {
		struct rt_pool *p = find_pool(rt, vk);
		int j = p ? find_srv(p, rk) : -1;
		uint8_t k[16];
		for (int i = 0; i < 16; i++) {
			unsigned b;
			if (sscanf(key + 2 * i, "%2x", &b) != 1)
				return;
			k[i] = (uint8_t)b;
		}
		if (j >= 0 && ms > 0)
			rt_lvs_pers_restore(p, k, j, ms);
	}
}

/* ---------------------------------------------------------------- the server */

static int inherited = -1; /* the listening socket a hand-over passed to this checker */

/* One byte 'F' carrying fd (or 'N' without one when fd < 0). */
static void send_fd(int c, int fd)
{
	char b = fd >= 0 ? 'F' : 'N';
	struct iovec iov = {&b, 1};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	while (sendmsg(c, &mh, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

/* The first byte of a hand-over answer: the socket send_fd() passed, or -1. */
static int recv_fd(int c)
{
	char b;
	struct iovec iov = {&b, 1};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	ssize_t n;
	while ((n = recvmsg(c, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (n != 1)
		return -1;
	int fd = -1;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* The old checker's side of a reload; the thread ends after it (the socket is closed, so
 * that the new checker can bind it). */
static void hand_over(int c)
{
	atomic_store(&retiring, true);
	rt_ipvs_quiesce(); /* the kernel is the new checker's from now on */
	send_fd(c, atomic_load(&srv_state.fd));
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (m) {
		dump_state(srv_state.rt, m);
		fclose(m);
		send_all(c, buf, len);
		free(buf);
	}
	int fd = atomic_exchange(&srv_state.fd, -1);
	if (fd >= 0)
		close(fd);
	vrrp_log("IPVS: handed the virtual servers over to the reloaded checker; this one "
	         "finishes its connections");
	kill(getpid(), SIGUSR1); /* the runtime's soft stop, on its signal-handling thread */
}

/* A reloaded checker whose predecessor has not let go of the name yet (reloads in quick
 * succession; a predecessor that did not hand over soft-stops within 5 s): up to 15 s. */
static bool bind_late(void)
{
	struct sockaddr_un un;
	socklen_t len = ipvs_addr(&un);
	for (int i = 0; i < 150; i++) {
		int fd = atomic_load(&srv_state.fd);
		if (fd < 0)
			return false; /* stopped meanwhile */
		if (bind(fd, (struct sockaddr *)&un, len) == 0 && listen(fd, 16) == 0)
			return true;
		nanosleep(&(struct timespec){0, 100 * 1000000L}, NULL);
	}
	vrrp_log("IPVS: cannot serve the live table (%s): another virtual-server process in this "
	         "network namespace?",
	         strerror(EADDRINUSE));
	return false;
}

static void *ipvs_thread(void *arg)
{
	(void)arg;
	if (srv_state.bind_later && !bind_late())
		return NULL;
	for (;;) {
		int lfd = atomic_load(&srv_state.fd);
		int c = lfd >= 0 ? accept4(lfd, NULL, NULL, SOCK_CLOEXEC) : -1;
		if (c < 0) {
			if (lfd >= 0 && (errno == EINTR || errno == ECONNABORTED))
				continue;
			return NULL; /* shut down by rt_lvs_sock_stop() */
		}
		char line[64];
		read_line(c, line, sizeof(line));
		long ppid = 0, gen = 0;
		bool takeover;
		if (sscanf(line, "handover %ld %ld", &ppid, &gen) == 2 && ppid == (long)getppid() &&
		    gen > rt_lvs_gen(&takeover)) {
			hand_over(c);
			close(c);
			return NULL;
		}
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);
		if (m) {
			rt_lvs_live_table(srv_state.rt, m);
			fclose(m);
			send_all(c, buf, len);
			free(buf);
		}
		close(c);
	}
}

void rt_lvs_sock_start(struct rt *rt, bool after_handover)
{
	int fd = inherited, rc = 0;
	bool given = fd >= 0; /* passed by the previous checker: bound and listening */
	inherited = -1;
	if (!given && (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	struct sockaddr_un un;
	socklen_t len = ipvs_addr(&un);
	if (!given)
		rc = bind(fd, (struct sockaddr *)&un, len);
	/* a predecessor that did not hand over keeps the name until it soft-stops */
	srv_state.bind_later = !given && rc < 0 && errno == EADDRINUSE && after_handover;
	if (!given && !srv_state.bind_later && (rc < 0 || listen(fd, 16) < 0)) {
		vrrp_log("IPVS: cannot serve the live table (%s): another virtual-server process "
		         "in this network namespace?",
		         strerror(errno));
		close(fd);
		return;
	}
	atomic_store(&srv_state.fd, fd);
	srv_state.rt = rt;
	srv_state.on = pthread_create(&srv_state.th, NULL, ipvs_thread, NULL) == 0;
	if (!srv_state.on) {
		close(fd);
		atomic_store(&srv_state.fd, -1);
	}
}

void rt_lvs_sock_stop(void)
{
	if (!srv_state.on)
		return;
	int fd = atomic_exchange(&srv_state.fd, -1);
	if (fd >= 0)
		shutdown(fd, SHUT_RDWR); /* wakes accept() */
	pthread_join(srv_state.th, NULL);
	if (fd >= 0)
		close(fd);
	srv_state.on = false;
}

/* ---------------------------------------------------------------- clients */

static int connect_sock(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_un un;
	socklen_t len = ipvs_addr(&un);
	if (connect(fd, (struct sockaddr *)&un, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

bool rt_lvs_take_over(struct rt *rt)
{
	int fd = connect_sock();
	if (fd < 0) {
		vrrp_log(
		    "IPVS: no previous checker to take over from: the real servers start as at "
		    "a restart");
		return false;
	}
	bool takeover;
	char req[64];
	long gen = rt_lvs_gen(&takeover);
	int n = snprintf(req, sizeof(req), "handover %ld %ld\n", (long)getppid(), gen);
	send_all(fd, req, (size_t)n);
	set_timeout(fd, SO_RCVTIMEO, 3000);
	inherited = recv_fd(fd); /* before stdio reads ahead */
	FILE *in = fdopen(fd, "r");
	if (!in) {
		close(fd);
		return false;
	}
	char line[512];
	bool done = false;
	while (!done && fgets(line, sizeof(line), in))
		if (!(done = !strcmp(line, ".\n")))
			apply_line(rt, line);
	fclose(in);
	if (!done)
		vrrp_log("IPVS: the previous checker did not hand over its state: the real servers "
		         "start as at a restart");
	return done;
}

void rt_lvs_take_over_free(void)
{
	free(inh);
	inh = NULL;
	ninh = 0;
}

int rt_lvs_ipvs_live(FILE *out)
{
	if (rt_ipvs_print(out) == 0)
		return 0; /* the kernel's table, as ipvsadm -Ln reads it */
	int fd = connect_sock();
	if (fd < 0)
		return -1;
	send_all(fd, "show\n", 5);
	shutdown(fd, SHUT_WR);
	char buf[4096];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, out);
	close(fd);
	return 0;
}
