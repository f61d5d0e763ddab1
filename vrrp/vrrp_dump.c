/* vrrp_dump.c - the files keepalived 2.2.7 writes on a signal: keepalived.data (SIGUSR1),
 * keepalived.stats (SIGUSR2) and keepalived.json (signal 36).
 *
 * The layouts (section headers, field names, indentation, JSON keys) are those of keepalived
 * 2.2.7's VRRP process, observed from the real daemon, for the fields vipr has; monitoring
 * that parses those files keeps working. Fields keepalived prints for features vipr does not
 * have (sockpool, interface table, SNMP, process priorities) are left out.
 */
#include "vrrp_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

static const char *ip4(uint32_t a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* "1795617563.691961 (Wed Nov 25 14:39:23.691961 2026)" */
static void print_time(FILE *f, const char *label, const struct timespec *ts)
{
	struct tm tm;
	char a[32], b[16];
	localtime_r(&ts->tv_sec, &tm);
	strftime(a, sizeof(a), "%a %b %e %H:%M:%S", &tm);
	strftime(b, sizeof(b), "%Y", &tm);
	long us = ts->tv_nsec / 1000;
	fprintf(f, "   %s = %ld.%06ld (%s.%06ld %s)\n", label, (long)ts->tv_sec, us, a, us, b);
}

/* The instance's monotonic deadline as wall-clock time. */
static struct timespec deadline_real(int64_t deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	int64_t us =
	    (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000 + (deadline - vrrp_now_ms()) * 1000;
	return (struct timespec){.tv_sec = (time_t)(us / 1000000),
	                         .tv_nsec = (long)(us % 1000000) * 1000};
}

/* keepalived's VIP line: "192.168.88.90/24 dev eth0 scope global label eth0:1 set". */
static void format_vip(char *buf, size_t len, const struct vrrp_inst *in, const struct m_vip *v)
{
	char a[INET6_ADDRSTRLEN] = "?";
	const void *p = v->addr.ss.ss_family == AF_INET
	                    ? (const void *)&((const struct sockaddr_in *)&v->addr.ss)->sin_addr
	                    : (const void *)&((const struct sockaddr_in6 *)&v->addr.ss)->sin6_addr;
	inet_ntop(v->addr.ss.ss_family, p, a, sizeof(a));
	int prefix = v->prefix >= 0 ? v->prefix : v->addr.ss.ss_family == AF_INET ? 32 : 128;
	int n = snprintf(buf, len, "%s/%d dev %s", a, prefix, v->dev ? v->dev : in->vi.name);
	if (v->brd && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " brd %s", v->brd);
	if (n >= 0 && (size_t)n < len)
		n +=
		    snprintf(buf + n, len - (size_t)n, " scope %s", v->scope ? v->scope : "global");
	if (v->label && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " label %s", v->label);
	if (in->vips_set && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " set");
}

static int64_t master_down_us(const struct vrrp_fsm *f)
{
	int64_t adv =
	    (f->version == 3 && f->master_adver_ms > 0 ? f->master_adver_ms : f->adver_ms) * 1000;
	return 3 * adv + (256 - f->priority) * adv / 256;
}

static void print_interval(FILE *f, const char *label, const struct vrrp_fsm *fsm, int64_t ms)
{
	if (fsm->version == 3)
		fprintf(f, "   %s = %lld milli-sec\n", label, (long long)ms);
	else
		fprintf(f, "   %s = %lld sec\n", label, (long long)(ms / 1000));
}

static int garp_delay_s(const struct vrrp_inst *in)
{
	const struct m_ka_global *g = &in->d->cfg->ka;
	m_ms d = in->conf->garp_master_delay != M_UNSET ? in->conf->garp_master_delay
	         : g->vrrp_garp_master_delay != M_UNSET ? g->vrrp_garp_master_delay
	                                                : 5000;
	return (int)(d / 1000);
}

static int garp_repeat(const struct vrrp_inst *in)
{
	const struct m_ka_global *g = &in->d->cfg->ka;
	return in->conf->garp_master_repeat != M_UNSET ? in->conf->garp_master_repeat
	       : g->vrrp_garp_master_repeat != M_UNSET ? g->vrrp_garp_master_repeat
	                                               : 5;
}

static void data_global(FILE *f, const struct vrrp_daemon *d)
{
	const struct m_ka_global *g = &d->cfg->ka;
	char host[256] = "";
	if (!g->router_id)
		gethostname(host, sizeof(host) - 1);
	fputs("------< Global definitions >------\n", f);
	fprintf(f, " Router ID = %s\n", g->router_id ? g->router_id : host);
	if (g->default_interface)
		fprintf(f, " Default interface = %s\n", g->default_interface);
	fprintf(f, " VRRP IPv4 mcast group = %s\n", ip4(d->mcast4, host));
	fprintf(f, " Gratuitous ARP delay = %d\n",
	        g->vrrp_garp_master_delay != M_UNSET ? (int)(g->vrrp_garp_master_delay / 1000) : 5);
	fprintf(f, " Gratuitous ARP repeat = %d\n",
	        g->vrrp_garp_master_repeat != M_UNSET ? g->vrrp_garp_master_repeat : 5);
	fprintf(f, " VRRP default protocol version = %d\n",
	        g->vrrp_version != M_UNSET ? g->vrrp_version : 2);
	fprintf(f, " VRRP skip check advert addresses = %s\n",
	        g->vrrp_skip_check_adv_addr == 1 ? "true" : "false");
	fprintf(f, " VRRP strict mode = %s\n", g->vrrp_strict == 1 ? "true" : "false");
}

static void data_inst(FILE *f, const struct vrrp_inst *in)
{
	const struct vrrp_fsm *fsm = &in->fsm;
	const struct m_vrrp_instance *c = in->conf;
	char b[INET_ADDRSTRLEN], b6[INET6_ADDRSTRLEN];
	fprintf(f, " VRRP Instance = %s\n", c->name);
	fprintf(f, "   VRRP Version = %u\n", fsm->version);
	fprintf(f, "   State = %s\n", vrrp_state_str(fsm->state));
	if (fsm->state == VRRP_BACKUP) {
		if (fsm->family == AF_INET6)
			fprintf(f, "   Master router = %s\n",
			        inet_ntop(AF_INET6, fsm->master_addr6, b6, sizeof(b6)));
		else if (fsm->master_addr)
			fprintf(f, "   Master router = %s\n", ip4(fsm->master_addr, b));
		fprintf(f, "   Master priority = %u\n", in->master_prio);
		int64_t mi = fsm->master_adver_ms > 0 ? fsm->master_adver_ms : fsm->adver_ms;
		fprintf(f, "   Master advert int = %.2f sec\n", (double)mi / 1000.0);
	}
	if (in->last_transition.tv_sec)
		print_time(f, "Last transition", &in->last_transition);
	if (fsm->deadline != INT64_MAX && fsm->deadline > 0) {
		struct timespec rt = deadline_real(fsm->deadline);
		print_time(f, "Read timeout", &rt);
	}
	fprintf(f, "   Master down timer = %lld usecs\n", (long long)master_down_us(fsm));
	fprintf(f, "   Interface = %s\n", in->vi.name);
	if (in->family == AF_INET6)
		fprintf(f, "   Using src_ip = %s\n",
		        inet_ntop(AF_INET6, in->fsm.primary6, b6, sizeof(b6)));
	else
		fprintf(f, "   Using src_ip = %s\n", ip4(in->fsm.primary, b));
	if (c->nunicast_peers) {
		fputs("   Unicast Peer :\n", f);
		for (int i = 0; i < c->nunicast_peers; i++) {
			const struct sockaddr_in *p = (const void *)&c->unicast_peers[i].ss;
			if (p->sin_family == AF_INET)
				fprintf(f, "     %s\n", ip4(p->sin_addr.s_addr, b));
		}
	} else {
		fprintf(f, "   Multicast address %s\n", ip4(in->d->mcast4, b));
	}
	fprintf(f, "   Gratuitous ARP delay = %d\n", garp_delay_s(in));
	fprintf(f, "   Gratuitous ARP repeat = %d\n", garp_repeat(in));
	fprintf(f, "   Virtual Router ID = %u\n", fsm->vrid);
	fprintf(f, "   Priority = %d\n", in->base_prio);
	fprintf(f, "   Effective priority = %u\n", fsm->priority);
	fprintf(f, "   Total priority = %u\n", fsm->priority);
	print_interval(f, "Advert interval", fsm, fsm->adver_ms);
	if (fsm->version == 3 && fsm->state == VRRP_BACKUP)
		print_interval(f, "Master advert interval", fsm,
		               fsm->master_adver_ms > 0 ? fsm->master_adver_ms : fsm->adver_ms);
	fprintf(f, "   Accept = %s\n", in->drop_rule ? "disabled" : "enabled");
	fprintf(f, "   Preempt = %s\n", fsm->preempt ? "enabled" : "disabled");
	if (fsm->preempt_delay_ms)
		fprintf(f, "   Preempt delay = %g secs\n", (double)fsm->preempt_delay_ms / 1000.0);
	if (in->expect.auth_type == VRRP_AUTH_PASS) {
		char pw[VRRP_AUTH_LEN + 1] = "";
		memcpy(pw, in->expect.auth, VRRP_AUTH_LEN);
		fputs("   Authentication type = SIMPLE_PASSWORD\n", f);
		fprintf(f, "   Password = %s\n", pw);
	}
	int n = 0;
	for (const struct m_vip *v = c->vips; v; v = v->next)
		n++;
	fprintf(f, "   Virtual IP (%d):\n", n);
	for (const struct m_vip *v = c->vips; v; v = v->next) {
		char line[256];
		format_vip(line, sizeof(line), in, v);
		fprintf(f, "     %s\n", line);
	}
}

static void dump_data(FILE *f, const struct vrrp_daemon *d)
{
	data_global(f, d);
	fputs("------< VRRP Topology >------\n", f);
	for (const struct vrrp_inst *in = d->insts; in; in = in->next)
		data_inst(f, in);
}

/* keepalived's counters from vipr's refusal reasons. */
static unsigned long err(const struct vrrp_stats *s, enum vrrp_err e)
{
	return s->err[e];
}

static void dump_stats(FILE *f, const struct vrrp_daemon *d)
{
	for (const struct vrrp_inst *in = d->insts; in; in = in->next) {
		const struct vrrp_stats *s = &in->stats;
		fprintf(f, "VRRP Instance: %s\n", in->conf->name);
		fprintf(f, "  Advertisements:\n    Received: %lu\n    Sent: %lu\n", s->adverts_rcvd,
		        s->adverts_sent);
		fprintf(f, "  Became master: %lu\n  Released master: %lu\n", s->became_master,
		        s->released_master);
		fprintf(f,
		        "  Packet Errors:\n    Length: %lu\n    TTL: %lu\n    Invalid Type: %lu\n"
		        "    Advertisement Interval: %lu\n    Address List: %lu\n",
		        err(s, VRRP_E_LEN), err(s, VRRP_E_TTL), err(s, VRRP_E_TYPE),
		        err(s, VRRP_E_INTERVAL),
		        err(s, VRRP_E_ADDRLIST) + err(s, VRRP_E_ADDRCOUNT));
		fprintf(f,
		        "  Authentication Errors:\n    Invalid Type: %lu\n    Type Mismatch: %lu\n"
		        "    Failure: %lu\n",
		        0UL, err(s, VRRP_E_AUTHTYPE), err(s, VRRP_E_AUTH));
		fprintf(f, "  Priority Zero:\n    Received: %lu\n    Sent: %lu\n", s->pri_zero_rcvd,
		        s->pri_zero_sent);
	}
}

/* A JSON string as keepalived's json writer escapes it ('/' included). */
static void jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\' || ch == '/')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void json_inst(FILE *f, const struct vrrp_inst *in)
{
	const struct vrrp_fsm *fsm = &in->fsm;
	const struct m_vrrp_instance *c = in->conf;
	const struct vrrp_stats *s = &in->stats;
	int64_t mi = fsm->master_adver_ms > 0 ? fsm->master_adver_ms : fsm->adver_ms;
	fputs("{\"data\":{\"iname\":", f);
	jstr(f, c->name);
	fprintf(f, ",\"skip_check_adv_addr\":%d,\"strict_mode\":%d,\"ifp_ifname\":",
	        in->expect.skip_addr_check, in->d->cfg->ka.vrrp_strict == 1 || c->strict == 1);
	jstr(f, in->vi.name);
	fprintf(f, ",\"master_priority\":%u,\"last_transition\":%ld.%06ld", in->master_prio,
	        (long)in->last_transition.tv_sec, in->last_transition.tv_nsec / 1000);
	fprintf(f, ",\"garp_delay\":%d,\"garp_rep\":%d", garp_delay_s(in), garp_repeat(in));
	fprintf(f, ",\"vrid\":%u,\"base_priority\":%d,\"effective_priority\":%u", fsm->vrid,
	        in->base_prio, fsm->priority);
	fprintf(f, ",\"vipset\":%s,\"adver_int\":%g,\"master_adver_int\":%g",
	        in->vips_set ? "true" : "false", (double)fsm->adver_ms / 1000.0,
	        (double)mi / 1000.0);
	fprintf(f, ",\"accept\":%d,\"nopreempt\":%s,\"preempt_delay\":%g", !in->drop_rule,
	        fsm->preempt ? "false" : "true", (double)fsm->preempt_delay_ms / 1000.0);
	fprintf(f, ",\"state\":%d,\"version\":%u,\"vips\":[", (int)fsm->state, fsm->version);
	for (const struct m_vip *v = c->vips; v; v = v->next) {
		char line[256];
		format_vip(line, sizeof(line), in, v);
		jstr(f, line);
		if (v->next)
			fputc(',', f);
	}
	fprintf(f, "],\"auth_type\":%u", in->expect.auth_type);
	if (in->expect.auth_type == VRRP_AUTH_PASS) {
		char pw[VRRP_AUTH_LEN + 1] = "";
		memcpy(pw, in->expect.auth, VRRP_AUTH_LEN);
		fputs(",\"auth_data\":", f);
		jstr(f, pw);
	}
	fprintf(f,
	        "},\"stats\":{\"advert_rcvd\":%lu,\"advert_sent\":%lu,\"become_master\":%lu,"
	        "\"release_master\":%lu",
	        s->adverts_rcvd, s->adverts_sent, s->became_master, s->released_master);
	fprintf(f,
	        ",\"packet_len_err\":%lu,\"advert_interval_err\":%lu,\"ip_ttl_err\":%lu"
	        ",\"invalid_type_rcvd\":%lu,\"addr_list_err\":%lu",
	        err(s, VRRP_E_LEN), err(s, VRRP_E_INTERVAL), err(s, VRRP_E_TTL),
	        err(s, VRRP_E_TYPE), err(s, VRRP_E_ADDRLIST) + err(s, VRRP_E_ADDRCOUNT));
	fprintf(f,
	        ",\"invalid_authtype\":0,\"authtype_mismatch\":%lu,\"auth_failure\":%lu"
	        ",\"pri_zero_rcvd\":%lu,\"pri_zero_sent\":%lu}}",
	        err(s, VRRP_E_AUTHTYPE), err(s, VRRP_E_AUTH), s->pri_zero_rcvd, s->pri_zero_sent);
}

static void dump_json(FILE *f, const struct vrrp_daemon *d)
{
	fputc('[', f);
	for (const struct vrrp_inst *in = d->insts; in; in = in->next) {
		json_inst(f, in);
		if (in->next)
			fputc(',', f);
	}
	fputs("]\n", f);
}

void vrrp_daemon_dump(const struct vrrp_daemon *d, enum vrrp_dump kind, FILE *f)
{
	if (!d)
		return;
	switch (kind) {
	case VRRP_DUMP_DATA:
		dump_data(f, d);
		break;
	case VRRP_DUMP_STATS:
		dump_stats(f, d);
		break;
	case VRRP_DUMP_JSON:
		dump_json(f, d);
		break;
	}
}

void vrrp_daemon_stats_clear(struct vrrp_daemon *d)
{
	if (!d)
		return;
	for (struct vrrp_inst *in = d->insts; in; in = in->next)
		memset(&in->stats, 0, sizeof(in->stats));
}
