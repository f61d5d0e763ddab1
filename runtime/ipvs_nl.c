/* ipvs_nl.c - the kernel's IPVS generic-netlink interface, over libmnl.
 *
 * Requests are laid out as ipvsadm's and keepalived's libipvs lay them out (attribute order,
 * ip_vs_flags with a full mask, 16-byte addresses, ports in network order, the rest host
 * order), so the kernel sees what it sees from them. Builders and parsers touch only the
 * caller's buffers; the socket half sends one request at a time and waits for its answer.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runtime/ipvs_nl.h"

/* ---------------------------------------------------------------- building */

static struct nlmsghdr *start(void *buf, size_t len, uint16_t type, uint16_t flags, uint8_t cmd,
                              uint8_t version, uint32_t seq)
{
	if (len < IPVS_NL_BUFSZ)
		return NULL; /* every request built here fits in IPVS_NL_BUFSZ */
	memset(buf, 0, IPVS_NL_BUFSZ);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

size_t ipvs_nl_build_getfamily(void *buf, size_t len, uint32_t seq)
{
	struct nlmsghdr *nlh =
	    start(buf, len, GENL_ID_CTRL, NLM_F_REQUEST, CTRL_CMD_GETFAMILY, 1, seq);
	if (!nlh)
		return 0;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, IPVS_GENL_NAME);
	return nlh->nlmsg_len;
}

size_t ipvs_nl_build_simple(void *buf, size_t len, uint16_t family, uint8_t cmd, uint32_t seq,
                            int dump)
{
	uint16_t flags =
	    NLM_F_REQUEST | (dump ? NLM_F_DUMP : (cmd == IPVS_CMD_GET_INFO ? 0 : NLM_F_ACK));
	struct nlmsghdr *nlh = start(buf, len, family, flags, cmd, IPVS_GENL_VERSION, seq);
	return nlh ? nlh->nlmsg_len : 0;
}

/* IPVS_CMD_ATTR_SERVICE: the identity, then (full) the settings, in libipvs's order. */
static void put_svc(struct nlmsghdr *nlh, const struct ipvs_svc *s, int full)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, IPVS_CMD_ATTR_SERVICE);
	mnl_attr_put_u16(nlh, IPVS_SVC_ATTR_AF, s->af);
	if (s->fwmark) {
		mnl_attr_put_u32(nlh, IPVS_SVC_ATTR_FWMARK, s->fwmark);
	} else {
		mnl_attr_put_u16(nlh, IPVS_SVC_ATTR_PROTOCOL, s->protocol);
		mnl_attr_put(nlh, IPVS_SVC_ATTR_ADDR, 16, s->addr);
		mnl_attr_put_u16(nlh, IPVS_SVC_ATTR_PORT, htons(s->port));
	}
	if (full) {
		struct ip_vs_flags fl = {.flags = s->flags, .mask = ~0u};
		char sched[IP_VS_SCHEDNAME_MAXLEN];
		snprintf(sched, sizeof(sched), "%.*s", (int)sizeof(sched) - 1, s->sched);
		mnl_attr_put_strz(nlh, IPVS_SVC_ATTR_SCHED_NAME, sched);
		mnl_attr_put(nlh, IPVS_SVC_ATTR_FLAGS, sizeof(fl), &fl);
		mnl_attr_put_u32(nlh, IPVS_SVC_ATTR_TIMEOUT, s->timeout);
		mnl_attr_put_u32(nlh, IPVS_SVC_ATTR_NETMASK, s->netmask);
	}
	mnl_attr_nest_end(nlh, nest);
}

static uint16_t req_flags(uint8_t cmd)
{
	if (cmd == IPVS_CMD_GET_SERVICE || cmd == IPVS_CMD_GET_DEST)
		return NLM_F_REQUEST | NLM_F_DUMP;
	return NLM_F_REQUEST | NLM_F_ACK;
}

size_t ipvs_nl_build_svc(void *buf, size_t len, uint16_t family, uint8_t cmd,
                         const struct ipvs_svc *s, uint32_t seq)
{
	struct nlmsghdr *nlh = start(buf, len, family, req_flags(cmd), cmd, IPVS_GENL_VERSION, seq);
	if (!nlh)
		return 0;
	put_svc(nlh, s, cmd == IPVS_CMD_NEW_SERVICE || cmd == IPVS_CMD_SET_SERVICE);
	return nlh->nlmsg_len;
}

size_t ipvs_nl_build_dest(void *buf, size_t len, uint16_t family, uint8_t cmd,
                          const struct ipvs_svc *s, const struct ipvs_dest *d, uint32_t seq)
{
	struct nlmsghdr *nlh = start(buf, len, family, req_flags(cmd), cmd, IPVS_GENL_VERSION, seq);
	if (!nlh)
		return 0;
	put_svc(nlh, s, 0);
	if (cmd == IPVS_CMD_GET_DEST)
		return nlh->nlmsg_len; /* a dump of the service's destinations */
	struct nlattr *nest = mnl_attr_nest_start(nlh, IPVS_CMD_ATTR_DEST);
	mnl_attr_put(nlh, IPVS_DEST_ATTR_ADDR, 16, d->addr);
	mnl_attr_put_u16(nlh, IPVS_DEST_ATTR_PORT, htons(d->port));
	/* the destination's own family (kernels since 4.3; a mixed-family NAT needs it) */
	mnl_attr_put_u16(nlh, IPVS_DEST_ATTR_ADDR_FAMILY, d->af);
	if (cmd != IPVS_CMD_DEL_DEST) {
		mnl_attr_put_u32(nlh, IPVS_DEST_ATTR_FWD_METHOD, d->fwd & IP_VS_CONN_F_FWD_MASK);
		mnl_attr_put_u32(nlh, IPVS_DEST_ATTR_WEIGHT, (uint32_t)d->weight);
		mnl_attr_put_u32(nlh, IPVS_DEST_ATTR_U_THRESH, d->u_thresh);
		mnl_attr_put_u32(nlh, IPVS_DEST_ATTR_L_THRESH, d->l_thresh);
	}
	mnl_attr_nest_end(nlh, nest);
	return nlh->nlmsg_len;
}

/* ---------------------------------------------------------------- parsing */

struct attrs {
	const struct nlattr *tb[32];
	int max;
};

static int collect(const struct nlattr *a, void *data)
{
	struct attrs *t = data;
	int type = mnl_attr_get_type(a);
	if (type > 0 && type <= t->max && type < 32)
		t->tb[type] = a;
	return MNL_CB_OK;
}

static int top(const struct nlmsghdr *nlh, struct attrs *t, int max)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct genlmsghdr))
		return -1;
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), collect, t) < 0 ? -1 : 0;
}

static int nested(const struct nlattr *a, struct attrs *t, int max)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
	return a && mnl_attr_parse_nested(a, collect, t) >= 0 ? 0 : -1;
}

static uint32_t u32_or(const struct nlattr *a, uint32_t dflt)
{
	return a && mnl_attr_get_payload_len(a) >= 4 ? mnl_attr_get_u32(a) : dflt;
}

static uint16_t u16_or(const struct nlattr *a, uint16_t dflt)
{
	return a && mnl_attr_get_payload_len(a) >= 2 ? mnl_attr_get_u16(a) : dflt;
}

static void get_addr(const struct nlattr *a, uint8_t out[16])
{
	memset(out, 0, 16);
	if (!a)
		return;
	size_t n = mnl_attr_get_payload_len(a);
	memcpy(out, mnl_attr_get_payload(a), n < 16 ? n : 16);
}

int ipvs_nl_parse_family(const struct nlmsghdr *nlh, uint16_t *family)
{
	struct attrs t;
	if (top(nlh, &t, CTRL_ATTR_MAX) < 0 || !t.tb[CTRL_ATTR_FAMILY_ID])
		return -1;
	*family = mnl_attr_get_u16(t.tb[CTRL_ATTR_FAMILY_ID]);
	return 0;
}

int ipvs_nl_parse_info(const struct nlmsghdr *nlh, uint32_t *version, uint32_t *tab_size)
{
	struct attrs t;
	if (top(nlh, &t, IPVS_INFO_ATTR_MAX) < 0 || !t.tb[IPVS_INFO_ATTR_VERSION])
		return -1;
	*version = u32_or(t.tb[IPVS_INFO_ATTR_VERSION], 0);
	*tab_size = u32_or(t.tb[IPVS_INFO_ATTR_CONN_TAB_SIZE], 0);
	return 0;
}

int ipvs_nl_parse_svc(const struct nlmsghdr *nlh, struct ipvs_svc *s)
{
	struct attrs t, n;
	if (top(nlh, &t, IPVS_CMD_ATTR_MAX) < 0 ||
	    nested(t.tb[IPVS_CMD_ATTR_SERVICE], &n, IPVS_SVC_ATTR_MAX) < 0)
		return -1;
	memset(s, 0, sizeof(*s));
	s->af = u16_or(n.tb[IPVS_SVC_ATTR_AF], 0);
	s->protocol = u16_or(n.tb[IPVS_SVC_ATTR_PROTOCOL], 0);
	get_addr(n.tb[IPVS_SVC_ATTR_ADDR], s->addr);
	s->port = ntohs(u16_or(n.tb[IPVS_SVC_ATTR_PORT], 0));
	s->fwmark = u32_or(n.tb[IPVS_SVC_ATTR_FWMARK], 0);
	if (n.tb[IPVS_SVC_ATTR_SCHED_NAME]) {
		const char *v = mnl_attr_get_payload(n.tb[IPVS_SVC_ATTR_SCHED_NAME]);
		size_t l = strnlen(v, mnl_attr_get_payload_len(n.tb[IPVS_SVC_ATTR_SCHED_NAME]));
		memcpy(s->sched, v, l < sizeof(s->sched) - 1 ? l : sizeof(s->sched) - 1);
	}
	if (n.tb[IPVS_SVC_ATTR_FLAGS] &&
	    mnl_attr_get_payload_len(n.tb[IPVS_SVC_ATTR_FLAGS]) >= sizeof(struct ip_vs_flags)) {
		struct ip_vs_flags fl;
		memcpy(&fl, mnl_attr_get_payload(n.tb[IPVS_SVC_ATTR_FLAGS]), sizeof(fl));
		s->flags = fl.flags;
	}
	s->timeout = u32_or(n.tb[IPVS_SVC_ATTR_TIMEOUT], 0);
	s->netmask = u32_or(n.tb[IPVS_SVC_ATTR_NETMASK], 0);
	return s->af ? 0 : -1;
}

int ipvs_nl_parse_dest(const struct nlmsghdr *nlh, struct ipvs_dest *d)
{
	struct attrs t, n;
	if (top(nlh, &t, IPVS_CMD_ATTR_MAX) < 0 ||
	    nested(t.tb[IPVS_CMD_ATTR_DEST], &n, IPVS_DEST_ATTR_MAX) < 0)
		return -1;
	memset(d, 0, sizeof(*d));
	get_addr(n.tb[IPVS_DEST_ATTR_ADDR], d->addr);
	d->port = ntohs(u16_or(n.tb[IPVS_DEST_ATTR_PORT], 0));
	d->af = u16_or(n.tb[IPVS_DEST_ATTR_ADDR_FAMILY], 0);
	d->fwd = u32_or(n.tb[IPVS_DEST_ATTR_FWD_METHOD], 0) & IP_VS_CONN_F_FWD_MASK;
	d->weight = (int32_t)u32_or(n.tb[IPVS_DEST_ATTR_WEIGHT], 0);
	d->u_thresh = u32_or(n.tb[IPVS_DEST_ATTR_U_THRESH], 0);
	d->l_thresh = u32_or(n.tb[IPVS_DEST_ATTR_L_THRESH], 0);
	d->active = u32_or(n.tb[IPVS_DEST_ATTR_ACTIVE_CONNS], 0);
	d->inactive = u32_or(n.tb[IPVS_DEST_ATTR_INACT_CONNS], 0);
	d->persist = u32_or(n.tb[IPVS_DEST_ATTR_PERSIST_CONNS], 0);
	return n.tb[IPVS_DEST_ATTR_ADDR] ? 0 : -1;
}

/* ---------------------------------------------------------------- the socket */

struct ipvs_nl {
	struct mnl_socket *nl;
	uint16_t family;
	uint32_t seq, portid;
};

typedef int (*reply_cb)(const struct nlmsghdr *nlh, void *arg);

struct reply {
	reply_cb cb;
	void *arg;
};

static int on_msg(const struct nlmsghdr *nlh, void *data)
{
	struct reply *r = data;
	if (r->cb)
		r->cb(nlh, r->arg);
	return MNL_CB_OK;
}

/* Sends the request in buf and reads answers until the ack, the dump's end or an error. */
static int transact(struct mnl_socket *nl, uint32_t portid, void *buf, size_t len, reply_cb cb,
                    void *arg)
{
	const struct nlmsghdr *req = buf;
	uint32_t seq = req->nlmsg_seq;
	if (mnl_socket_sendto(nl, buf, len) < 0)
		return -errno;
	char rbuf[MNL_SOCKET_BUFFER_SIZE];
	struct reply r = {cb, arg};
	/* GET_INFO and GETFAMILY answer with one message and no ack: stop after it */
	int one = !(req->nlmsg_flags & (NLM_F_ACK | NLM_F_DUMP));
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, rbuf, sizeof(rbuf));
		if (n < 0)
			return errno == EINTR ? -EINTR : -errno;
		int ret = mnl_cb_run(rbuf, (size_t)n, seq, portid, on_msg, &r);
		if (ret < 0)
			return errno ? -errno : -EIO;
		if (ret == MNL_CB_STOP || one)
			return 0;
	}
}

static int family_cb(const struct nlmsghdr *nlh, void *arg)
{
	return ipvs_nl_parse_family(nlh, arg);
}

struct ipvs_nl *ipvs_nl_open(void)
{
	struct ipvs_nl *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!h->nl || mnl_socket_bind(h->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		ipvs_nl_close(h);
		errno = e;
		return NULL;
	}
	h->portid = mnl_socket_get_portid(h->nl);
	h->seq = (uint32_t)time(NULL);
	char buf[IPVS_NL_BUFSZ];
	size_t len = ipvs_nl_build_getfamily(buf, sizeof(buf), ++h->seq);
	int rc = transact(h->nl, h->portid, buf, len, family_cb, &h->family);
	if (rc < 0 || !h->family) {
		ipvs_nl_close(h);
		errno = rc < 0 ? -rc : ENOENT;
		return NULL;
	}
	return h;
}

void ipvs_nl_close(struct ipvs_nl *h)
{
	if (!h)
		return;
	if (h->nl)
		mnl_socket_close(h->nl);
	free(h);
}

struct info_arg {
	uint32_t *version, *tab;
	int ok;
};

static int info_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct info_arg *a = arg;
	if (ipvs_nl_parse_info(nlh, a->version, a->tab) == 0)
		a->ok = 1;
	return 0;
}

int ipvs_nl_info(struct ipvs_nl *h, uint32_t *version, uint32_t *tab_size)
{
	char buf[IPVS_NL_BUFSZ];
	size_t len =
	    ipvs_nl_build_simple(buf, sizeof(buf), h->family, IPVS_CMD_GET_INFO, ++h->seq, 0);
	struct info_arg a = {version, tab_size, 0};
	int rc = transact(h->nl, h->portid, buf, len, info_cb, &a);
	return rc < 0 ? rc : (a.ok ? 0 : -EPROTO);
}

int ipvs_nl_svc(struct ipvs_nl *h, uint8_t cmd, const struct ipvs_svc *s)
{
	char buf[IPVS_NL_BUFSZ];
	size_t len = ipvs_nl_build_svc(buf, sizeof(buf), h->family, cmd, s, ++h->seq);
	return transact(h->nl, h->portid, buf, len, NULL, NULL);
}

int ipvs_nl_dest(struct ipvs_nl *h, uint8_t cmd, const struct ipvs_svc *s,
                 const struct ipvs_dest *d)
{
	char buf[IPVS_NL_BUFSZ];
	size_t len = ipvs_nl_build_dest(buf, sizeof(buf), h->family, cmd, s, d, ++h->seq);
	return transact(h->nl, h->portid, buf, len, NULL, NULL);
}

int ipvs_nl_flush(struct ipvs_nl *h)
{
	char buf[IPVS_NL_BUFSZ];
	size_t len = ipvs_nl_build_simple(buf, sizeof(buf), h->family, IPVS_CMD_FLUSH, ++h->seq, 0);
	return transact(h->nl, h->portid, buf, len, NULL, NULL);
}

struct dump_arg {
	void (*svc)(const struct ipvs_svc *, void *);
	void (*dest)(const struct ipvs_dest *, void *);
	void *arg;
};

static int dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct dump_arg *a = arg;
	if (a->svc) {
		struct ipvs_svc s;
		if (ipvs_nl_parse_svc(nlh, &s) == 0)
			a->svc(&s, a->arg);
	} else {
		struct ipvs_dest d;
		if (ipvs_nl_parse_dest(nlh, &d) == 0)
			a->dest(&d, a->arg);
	}
	return 0;
}

int ipvs_nl_dump_svc(struct ipvs_nl *h, void (*cb)(const struct ipvs_svc *, void *), void *arg)
{
	char buf[IPVS_NL_BUFSZ];
	size_t len =
	    ipvs_nl_build_simple(buf, sizeof(buf), h->family, IPVS_CMD_GET_SERVICE, ++h->seq, 1);
	struct dump_arg a = {cb, NULL, arg};
	return transact(h->nl, h->portid, buf, len, dump_cb, &a);
}

int ipvs_nl_dump_dest(struct ipvs_nl *h, const struct ipvs_svc *s,
                      void (*cb)(const struct ipvs_dest *, void *), void *arg)
{
	char buf[IPVS_NL_BUFSZ];
	size_t len =
	    ipvs_nl_build_dest(buf, sizeof(buf), h->family, IPVS_CMD_GET_DEST, s, NULL, ++h->seq);
	struct dump_arg a = {NULL, cb, arg};
	return transact(h->nl, h->portid, buf, len, dump_cb, &a);
}

int ipvs_nl_available(void)
{
	if (access("/proc/net/ip_vs", F_OK) == 0)
		return 1;
	struct ipvs_nl *h = ipvs_nl_open();
	int ok = h != NULL;
	ipvs_nl_close(h);
	return ok;
}
