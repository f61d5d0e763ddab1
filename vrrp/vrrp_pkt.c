/* vrrp_pkt.c - VRRP advertisements on the wire: VRRPv2 (RFC 3768 section 5) and VRRPv3 for
 * IPv4 and IPv6 (RFC 5798 section 5), built and parsed in the style of picohttpparser: caller-owned
 * buffers, no allocation, -1 on error. Parsing is split in two: vrrp_pkt_parse() checks what
 * any receiver checks (IP header, length, version, type, checksum) and vrrp_pkt_check()
 * what an instance checks (TTL, VRID, authentication, addresses, interval), in keepalived's
 * order, so that every refusal is counted under its own reason.
 */
#include "vrrp.h"

#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#define VRRP_HDR_LEN   8
#define VRRP_TYPE_ADV  1 /* RFC 3768 5.3.2, RFC 5798 5.2.2 */

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

uint16_t vrrp_cksum(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	for (; len > 1; p += 2, len -= 2)
		sum += rd16(p);
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* RFC 5798 5.2.8: the v3 checksum covers an IPv4 pseudo-header (RFC 768 style): source,
 * destination, zero, protocol, VRRP length. Addresses are in network order. */
static uint32_t pseudo_sum(uint32_t saddr, uint32_t daddr, size_t len)
{
	const uint8_t *s = (const uint8_t *)&saddr, *d = (const uint8_t *)&daddr;
	return (uint32_t)rd16(s) + rd16(s + 2) + rd16(d) + rd16(d + 2) + VRRP_PROTO +
	       (uint32_t)len;
}

/* RFC 5798 5.2.8 with RFC 2460 8.1: the IPv6 pseudo-header: source, destination, 32-bit
 * upper-layer length, three zero bytes and the next header (112). */
static uint32_t pseudo_sum6(const uint8_t *src, const uint8_t *dst, size_t len)
{
	uint32_t sum = VRRP_PROTO + (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff);
	for (int i = 0; i < 16; i += 2)
		sum += (uint32_t)rd16(src + i) + rd16(dst + i);
	return sum;
}

static size_t addr_len(uint8_t family)
{
	return family == AF_INET6 ? 16u : 4u;
}

static size_t msg_len(uint8_t version, uint8_t naddr, size_t alen)
{
	return VRRP_HDR_LEN + alen * naddr + (version == 2 ? VRRP_AUTH_LEN : 0);
}

/* The message without its checksum; returns its length or -1. */
static int build_msg(uint8_t *buf, size_t len, const struct vrrp_adv *a)
{
	size_t alen = addr_len(a->family);
	if ((a->version != 2 && a->version != 3) || (a->naddr && !a->addrs) ||
	    (alen == 16 && a->version != 3))
		return -1;
	size_t n = msg_len(a->version, a->naddr, alen);
	if (len < n)
		return -1;
	buf[0] = (uint8_t)(a->version << 4 | VRRP_TYPE_ADV);
	buf[1] = a->vrid;
	buf[2] = a->priority;
	buf[3] = a->naddr;
	if (a->version == 2) {
		/* RFC 3768 5.3.7: Adver Int in whole seconds */
		buf[4] = a->auth_type;
		buf[5] = (uint8_t)(a->interval_cs / 100);
	} else {
		/* RFC 5798 5.2.5/5.2.7: 4 reserved bits, 12 bits of centiseconds */
		if (a->interval_cs > 0x0fff)
			return -1;
		wr16(buf + 4, a->interval_cs);
	}
	wr16(buf + 6, 0);
	if (a->naddr)
		memcpy(buf + VRRP_HDR_LEN, a->addrs, alen * a->naddr);
	if (a->version == 2)
		memcpy(buf + VRRP_HDR_LEN + 4u * a->naddr, a->auth, VRRP_AUTH_LEN);
	return (int)n;
}

int vrrp_pkt_build(uint8_t *buf, size_t len, const struct vrrp_adv *a, uint32_t saddr,
		   uint32_t daddr)
{
	if (a->family == AF_INET6)
		return -1;
	int n = build_msg(buf, len, a);
	if (n < 0)
		return -1;
	uint32_t sum = a->version == 3 ? pseudo_sum(saddr, daddr, (size_t)n) : 0;
	wr16(buf + 6, vrrp_cksum(buf, (size_t)n, sum));
	return n;
}

int vrrp_pkt_build6(uint8_t *buf, size_t len, const struct vrrp_adv *a, const uint8_t *src,
		    const uint8_t *dst)
{
	struct vrrp_adv b = *a;
	b.family = AF_INET6;
	int n = build_msg(buf, len, &b);
	if (n < 0)
		return -1;
	wr16(buf + 6, vrrp_cksum(buf, (size_t)n, pseudo_sum6(src, dst, (size_t)n)));
	return n;
}

static int parse_msg(const uint8_t *v, size_t vlen, struct vrrp_adv *out, enum vrrp_err *err);

static int fail(enum vrrp_err *err, enum vrrp_err e)
{
	*err = e;
	return -1;
}

int vrrp_pkt_parse(const uint8_t *buf, size_t len, struct vrrp_adv *out, enum vrrp_err *err)
{
	*err = VRRP_OK;
	if (len < 20 || (buf[0] >> 4) != 4)
		return fail(err, VRRP_E_IPHDR);
	size_t ihl = (size_t)(buf[0] & 0x0f) * 4, tot = rd16(buf + 2);
	if (ihl < 20 || tot < ihl || tot > len || buf[9] != VRRP_PROTO)
		return fail(err, VRRP_E_IPHDR);
	memset(out, 0, sizeof(*out));
	out->ttl = buf[8];
	memcpy(&out->saddr, buf + 12, 4);
	memcpy(&out->daddr, buf + 16, 4);
	out->family = AF_INET;
	if (parse_msg(buf + ihl, tot - ihl, out, err) < 0)
		return -1;
	return (int)tot;
}

int vrrp_pkt_parse6(const uint8_t *msg, size_t len, const uint8_t *src, const uint8_t *dst,
		    int hoplimit, struct vrrp_adv *out, enum vrrp_err *err)
{
	*err = VRRP_OK;
	memset(out, 0, sizeof(*out));
	out->family = AF_INET6;
	out->ttl = (uint8_t)(hoplimit < 0 ? 0 : hoplimit);
	memcpy(out->saddr6, src, 16);
	memcpy(out->daddr6, dst, 16);
	if (parse_msg(msg, len, out, err) < 0)
		return -1;
	return (int)len;
}

/* The VRRP message v of vlen bytes, for either family (out->family and addresses set). */
static int parse_msg(const uint8_t *v, size_t vlen, struct vrrp_adv *out, enum vrrp_err *err)
{
	bool v6 = out->family == AF_INET6;
	if (vlen < VRRP_HDR_LEN)
		return fail(err, VRRP_E_LEN);
	out->version = v[0] >> 4;
	out->type = v[0] & 0x0f;
	out->vrid = v[1];
	out->priority = v[2];
	out->naddr = v[3];
	out->checksum = rd16(v + 6);
	if ((out->version != 2 && out->version != 3) || (v6 && out->version != 3))
		return fail(err, VRRP_E_VERSION);
	if (out->type != VRRP_TYPE_ADV)
		return fail(err, VRRP_E_TYPE);
	/* RFC 3768 7.1 / RFC 5798 7.1: the length must hold the header and the addresses. Extra
	 * trailing bytes are refused as keepalived does: the length must be exact. */
	size_t alen = addr_len(out->family), need = msg_len(out->version, out->naddr, alen);
	if (vlen != need)
		return fail(err, VRRP_E_LEN);
	if (out->version == 2) {
		out->auth_type = v[4];
		out->interval_cs = (uint16_t)(v[5] * 100);
		memcpy(out->auth, v + VRRP_HDR_LEN + 4u * out->naddr, VRRP_AUTH_LEN);
	} else {
		out->interval_cs = rd16(v + 4) & 0x0fff;
	}
	out->addrs = out->naddr ? v + VRRP_HDR_LEN : NULL;
	uint32_t sum = v6 ? pseudo_sum6(out->saddr6, out->daddr6, vlen)
		       : out->version == 3 ? pseudo_sum(out->saddr, out->daddr, vlen) : 0;
	if (vrrp_cksum(v, vlen, sum) != 0)
		return fail(err, VRRP_E_CHECKSUM);
	return (int)vlen;
}

static bool has_addr(const struct vrrp_adv *a, const uint8_t *addr, size_t alen)
{
	for (unsigned i = 0; i < a->naddr; i++)
		if (!memcmp(a->addrs + alen * i, addr, alen))
			return true;
	return false;
}

enum vrrp_err vrrp_pkt_check(const struct vrrp_adv *a, const struct vrrp_expect *x)
{
	if (x->check_ttl && a->ttl != VRRP_TTL)
		return VRRP_E_TTL;
	if (a->version != x->version)
		return VRRP_E_VERSION;
	if ((a->family == AF_INET6) != (x->family == AF_INET6))
		return VRRP_E_IPHDR;
	if (a->vrid != x->vrid)
		return VRRP_E_VRID;
	if (a->version == 2) {
		/* RFC 3768 5.3.6 and 10: simple text password, 8 octets, zero padded */
		if (a->auth_type != x->auth_type)
			return VRRP_E_AUTHTYPE;
		if (a->auth_type == VRRP_AUTH_PASS && memcmp(a->auth, x->auth, VRRP_AUTH_LEN))
			return VRRP_E_AUTH;
	}
	/* A master that stops sends priority 0 with its addresses; keepalived still takes it,
	 * so the address checks only gate real adverts. */
	if (!x->skip_addr_check && a->priority != 0) {
		if (a->naddr != x->naddr)
			return VRRP_E_ADDRCOUNT;
		size_t alen = addr_len(x->family);
		for (unsigned i = 0; i < x->naddr; i++)
			if (!has_addr(a, (const uint8_t *)x->addrs + alen * i, alen))
				return VRRP_E_ADDRLIST;
	}
	/* RFC 3768 7.1: v2 MUST discard an advert whose interval differs from ours. v3 backups
	 * adopt the master's interval instead (RFC 5798 6.4.2). */
	if (a->version == 2 && a->interval_cs != x->interval_cs)
		return VRRP_E_INTERVAL;
	return VRRP_OK;
}

void vrrp_stats_count(struct vrrp_stats *st, enum vrrp_err err)
{
	if (err > VRRP_OK && err < VRRP_E__COUNT)
		st->err[err]++;
}

const char *vrrp_err_str(enum vrrp_err err)
{
	static const char *const s[VRRP_E__COUNT] = {
		[VRRP_OK] = "ok",
		[VRRP_E_IPHDR] = "bad IP header",
		[VRRP_E_LEN] = "bad packet length",
		[VRRP_E_TTL] = "invalid ttl",
		[VRRP_E_VERSION] = "wrong version",
		[VRRP_E_TYPE] = "invalid type",
		[VRRP_E_CHECKSUM] = "invalid checksum",
		[VRRP_E_VRID] = "wrong vrid",
		[VRRP_E_AUTHTYPE] = "invalid auth_type",
		[VRRP_E_AUTH] = "invalid passwd",
		[VRRP_E_ADDRCOUNT] = "invalid ip number count",
		[VRRP_E_ADDRLIST] = "ip address not present in advert",
		[VRRP_E_INTERVAL] = "advertisement interval mismatch",
	};
	return err >= 0 && err < VRRP_E__COUNT ? s[err] : "?";
}
