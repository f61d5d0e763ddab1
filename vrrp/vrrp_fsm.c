/* vrrp_fsm.c - the VRRP state machine of RFC 5798 section 6.4 (RFC 3768 section 6.4 for v2)
 * with keepalived 2.2's differences: a non-owner always starts in BACKUP, whatever `state`
 * says; a master hearing a lower priority sends an advert at once; preempt_delay holds off
 * preemption. Pure logic: time comes in as `now` (ms, any monotonic origin), adverts go out
 * and state changes are reported through the ops callbacks, so it is tested with tables.
 */
#include "vrrp.h"

#include <string.h>
#include <arpa/inet.h>

#define IP_FMT(a) ip_str((a), (char[INET6_ADDRSTRLEN]){ 0 })

/* The advert's source as text, either family. */
static const char *ip_str(const struct vrrp_adv *a, char *buf)
{
	if (a->family == AF_INET6)
		return inet_ntop(AF_INET6, a->saddr6, buf, INET6_ADDRSTRLEN);
	return inet_ntop(AF_INET, &a->saddr, buf, INET_ADDRSTRLEN);
}

/* RFC 5798 6.4.3: on equal priorities the higher primary address wins (IPv6: compared as
 * 128-bit unsigned numbers, which memcmp of network order does). */
static bool higher_addr(const struct vrrp_fsm *f, const struct vrrp_adv *a)
{
	if (f->family == AF_INET6)
		return memcmp(a->saddr6, f->primary6, 16) > 0;
	return ntohl(a->saddr) > ntohl(f->primary);
}

static void set_master_addr(struct vrrp_fsm *f, const struct vrrp_adv *a)
{
	f->master_addr = a->saddr;
	memcpy(f->master_addr6, a->saddr6, 16);
}

const char *vrrp_state_str(enum vrrp_state s)
{
	static const char *const n[] = { "INIT", "BACKUP", "MASTER", "FAULT", "STOP" };
	return s <= VRRP_STOP ? n[s] : "?";
}

/* The interval the timers run on: v3 backups use the master's (RFC 5798 6.1), v2 has only
 * its own, which must match the master's anyway. */
static int64_t interval(const struct vrrp_fsm *f)
{
	return f->version == 3 && f->master_adver_ms > 0 ? f->master_adver_ms : f->adver_ms;
}

int64_t vrrp_fsm_skew(const struct vrrp_fsm *f)
{
	return (256 - (int64_t)f->priority) * interval(f) / 256;
}

int64_t vrrp_fsm_master_down(const struct vrrp_fsm *f)
{
	return 3 * interval(f) + vrrp_fsm_skew(f);
}

static void set_state(struct vrrp_fsm *f, enum vrrp_state to)
{
	enum vrrp_state from = f->state;
	f->state = to;
	if (f->ops->state)
		f->ops->state(f, from, to);
}

static void become_backup(struct vrrp_fsm *f, int64_t now, const char *why)
{
	f->ops->log(f, "Entering BACKUP STATE%s", why);
	f->deadline = now + vrrp_fsm_master_down(f);
	set_state(f, VRRP_BACKUP);
}

/* RFC 5798 6.4.1/6.4.2: send an advert, broadcast gratuitous ARP (the state callback does),
 * arm the Adver_Timer. */
static void become_master(struct vrrp_fsm *f, int64_t now)
{
	f->ops->log(f, "Entering MASTER STATE");
	f->deadline = now + f->adver_ms;
	f->master_adver_ms = 0;
	f->ops->send(f, f->priority);
	set_state(f, VRRP_MASTER);
}

void vrrp_fsm_start(struct vrrp_fsm *f, int64_t now)
{
	f->state = VRRP_INIT;
	f->preempt_at = f->preempt_delay_ms > 0 ? now + f->preempt_delay_ms : 0;
	if (f->priority == 255) {
		become_master(f, now);
		return;
	}
	become_backup(f, now, " (init)");
}

static void rx_backup(struct vrrp_fsm *f, int64_t now, const struct vrrp_adv *a)
{
	if (a->priority == 0) {
		/* RFC 5798 6.4.2: the master is leaving, take over after Skew_Time */
		f->ops->log(f, "Backup received priority 0 advertisement");
		f->deadline = now + vrrp_fsm_skew(f);
		return;
	}
	bool lower = a->priority < f->priority;
	/* preempt_delay: while it runs, a lower-priority master is accepted as if it were
	 * higher, so that the Master_Down timer keeps being reset. */
	bool delayed = lower && f->preempt && f->preempt_at && now < f->preempt_at;
	if (!f->preempt || !lower || delayed) {
		if (f->version == 3)
			f->master_adver_ms = (int64_t)a->interval_cs * 10;
		set_master_addr(f, a);
		f->deadline = now + vrrp_fsm_master_down(f);
		return;
	}
	f->ops->log(f, "received lower priority (%u) advert from %s - discarding", a->priority,
		    IP_FMT(a));
}

static void rx_master(struct vrrp_fsm *f, int64_t now, const struct vrrp_adv *a)
{
	if (a->priority == 0) {
		/* RFC 5798 6.4.3: another master left; reassert at once */
		f->ops->send(f, f->priority);
		f->deadline = now + f->adver_ms;
		return;
	}
	bool higher = a->priority > f->priority;
	bool tie_lost = a->priority == f->priority && higher_addr(f, a);
	if (higher || tie_lost) {
		if (higher)
			f->ops->log(f, "Master received advert from %s with higher priority %u, "
				       "ours %u", IP_FMT(a), a->priority, f->priority);
		else
			f->ops->log(f, "Master received advert from %s with same priority %u but "
				       "higher IP address than ours", IP_FMT(a), a->priority);
		if (f->version == 3)
			f->master_adver_ms = (int64_t)a->interval_cs * 10;
		set_master_addr(f, a);
		become_backup(f, now, "");
		return;
	}
	/* keepalived (not the RFC, which discards): answer a lower priority at once so the
	 * other side steps down without waiting for our next advert. */
	f->ops->log(f, "Received advert from %s with lower priority %u, ours %u, forcing new "
		       "election", IP_FMT(a), a->priority, f->priority);
	f->ops->send(f, f->priority);
	f->deadline = now + f->adver_ms;
}

void vrrp_fsm_rx(struct vrrp_fsm *f, int64_t now, const struct vrrp_adv *a)
{
	if (f->state == VRRP_BACKUP)
		rx_backup(f, now, a);
	else if (f->state == VRRP_MASTER)
		rx_master(f, now, a);
}

void vrrp_fsm_timer(struct vrrp_fsm *f, int64_t now)
{
	if (now < f->deadline)
		return;
	if (f->state == VRRP_BACKUP) {
		/* RFC 5798 6.4.2: Master_Down_Timer fired */
		f->ops->log(f, "Receive advertisement timeout");
		become_master(f, now);
	} else if (f->state == VRRP_MASTER) {
		f->ops->send(f, f->priority);
		f->deadline = now + f->adver_ms;
	}
}

void vrrp_fsm_stop(struct vrrp_fsm *f, int64_t now)
{
	(void)now;
	if (f->state == VRRP_MASTER) {
		/* RFC 5798 6.4.3 Shutdown: advert with priority 0 */
		f->ops->send(f, 0);
		f->ops->log(f, "sent 0 priority");
	}
	set_state(f, VRRP_STOP);
	f->deadline = INT64_MAX;
}

void vrrp_fsm_fault(struct vrrp_fsm *f, int64_t now, bool fault)
{
	if (fault && f->state != VRRP_FAULT) {
		f->ops->log(f, "Entering FAULT STATE");
		if (f->state == VRRP_MASTER) {
			/* keepalived: the master steps down at once with a priority-0 advert */
			f->ops->send(f, 0);
			f->ops->log(f, "sent 0 priority");
		}
		f->deadline = INT64_MAX;
		set_state(f, VRRP_FAULT);
	} else if (!fault && f->state == VRRP_FAULT) {
		if (f->priority == 255) {
			become_master(f, now);
			return;
		}
		become_backup(f, now, "");
	}
}

void vrrp_fsm_sync(struct vrrp_fsm *f, int64_t now, enum vrrp_state to)
{
	if (f->state == to || (f->state != VRRP_MASTER && f->state != VRRP_BACKUP))
		return;
	if (to == VRRP_MASTER)
		become_master(f, now);
	else if (to == VRRP_BACKUP)
		become_backup(f, now, "");
}
