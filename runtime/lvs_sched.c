/* lvs_sched.c - the IPVS schedulers over an array of destinations, reimplemented from the
 * algorithms' published descriptions (LVS documentation, ipvsadm(8)), so that the userspace
 * L4 path hands out a sequence of connections as the kernel would for the same sequence.
 *
 * The array is in IPVS list order: the kernel puts each added destination at the head of the
 * service's list, so keepalived's real_servers (added in config order) appear reversed.
 * A destination with weight 0 or overloaded never takes a new connection.
 *
 *   rr   the next available destination after the last one chosen, circularly.
 *   wrr  the classic LVS weighted round robin: a current weight cw starts at the maximum
 *        weight; the list is walked from the last choice and the first destination whose
 *        weight is >= cw is chosen; each time the walk wraps past the end, cw decreases by
 *        the gcd of the weights and starts again at the maximum when it reaches 0. (The
 *        kernel lowers the starting maximum by gcd-1, which keeps cw on the same steps.)
 *        Any change of the weights restarts the walk from the head.
 *   lc   least overhead, overhead = active*256 + inactive; ties: first in list.
 *   wlc  least overhead/weight (compared by cross-multiplication); ties: first in list.
 *   sed  least (active+1)/weight.
 *   nq   the first destination with no active connection, else as sed.
 *   sh   a 256-bucket table filled in list order, each destination taking `weight`
 *        consecutive buckets (at least one), indexed by the golden-ratio hash of the client
 *        address; an unavailable bucket owner means no destination (no sh-fallback).
 *   dh   the same over the destination (virtual) address, one bucket per destination.
 *   fo   the available destination with the highest weight (first in list on ties).
 *   ovf  the highest-weight destination whose active connections are below its weight.
 *   lblc the destination (virtual) address keeps the destination it was given while that
 *        one is available with a weight and not overloaded (more active connections than
 *        its weight while another has fewer than half its weight); else wlc picks anew.
 *   lblcr the same with a set per address: the least loaded of the set (most recently
 *        added first on ties); when it is overloaded, wlc's pick joins the set. (IPVS drops
 *        the most loaded member after 24 h unchanged; these sets do not age.)
 *   mh behaves as sh.
 */
#include <stdint.h>
#include <string.h>

#include "runtime/rt.h"

#define SH_BUCKETS 256

void rt_lvs_sched_init(struct rt_lvs_sched *st, enum m_algo algo)
{
	memset(st, 0, sizeof(*st));
	st->algo = algo;
	st->last = -1;
}

static bool avail(const struct rt_lvs_dest *d)
{
	return d->weight > 0 && !d->overloaded && !d->removed;
}

static int gcd(int a, int b)
{
	while (b) {
		int t = a % b;
		a = b;
		b = t;
	}
	return a;
}

static uint64_t weights_sig(const struct rt_lvs_dest *d, int n)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)n;
	for (int i = 0; i < n; i++) {
		h ^= (uint64_t)(uint32_t)d[i].weight + 1;
		h *= 1099511628211ull;
	}
	return h;
}

static int sched_rr(struct rt_lvs_sched *st, const struct rt_lvs_dest *d, int n)
{
	for (int k = 1; k <= n; k++) {
		int i = (st->last + k) % n;
		if (i < 0)
			i += n;
		if (avail(&d[i])) {
			st->last = i;
			return i;
		}
	}
	return -1;
}

static void wrr_reset(struct rt_lvs_sched *st, const struct rt_lvs_dest *d, int n)
{
	int mx = 0, g = 0;
	for (int i = 0; i < n; i++) {
		if (d[i].weight > mx)
			mx = d[i].weight;
		if (d[i].weight > 0)
			g = gcd(g, d[i].weight);
	}
	st->di = g > 0 ? g : 1;
	st->mw = mx > 0 ? mx - (st->di - 1) : 0;
	st->cw = st->mw;
	st->last = -1;
	st->sig = weights_sig(d, n);
}

static int sched_wrr(struct rt_lvs_sched *st, const struct rt_lvs_dest *d, int n)
{
	if (st->sig != weights_sig(d, n) || st->mw == 0)
		wrr_reset(st, d, n);
	if (st->mw == 0)
		return -1;
	/* every step either checks one destination or wraps (cw -= di); after mw/di + 1 full
	 * passes every cw level was tried, so no destination qualifies */
	long guard = ((long)st->mw / st->di + 2) * (long)(n + 1);
	int pos = st->last, cw = st->cw;
	for (long step = 0; step < guard; step++) {
		pos++;
		if (pos >= n) {
			pos = -1;
			cw -= st->di;
			if (cw <= 0)
				cw = st->mw;
			continue;
		}
		if (avail(&d[pos]) && d[pos].weight >= cw) {
			st->last = pos;
			st->cw = cw;
			return pos;
		}
	}
	return -1;
}

/* Least overhead per weight; `lc` ignores the weights (but skips weight 0). */
static int sched_least(const struct rt_lvs_dest *d, int n, enum m_algo a)
{
	int best = -1;
	long bo = 0;
	for (int i = 0; i < n; i++) {
		if (!avail(&d[i]))
			continue;
		long oh;
		if (a == ALGO_LVS_SED || a == ALGO_LVS_NQ) {
			if (a == ALGO_LVS_NQ && d[i].active == 0)
				return i;
			oh = (long)d[i].active + 1;
		} else {
			oh = (long)d[i].active * 256 + d[i].inactive;
		}
		if (best < 0) {
			best = i;
			bo = oh;
			continue;
		}
		bool better = a == ALGO_LVS_LC ? oh < bo
		                               : bo * d[i].weight > oh * d[best].weight;
		if (better) {
			best = i;
			bo = oh;
		}
	}
	return best;
}

/* IPVS's is_overloaded() of lblc/lblcr */
static bool loc_overloaded(const struct rt_lvs_dest *d, int n, int i)
{
	if (d[i].active <= d[i].weight)
		return false;
	for (int k = 0; k < n; k++)
		if (!d[k].removed && d[k].active * 2 < d[k].weight)
			return true;
	return false;
}

static struct rt_lvs_loc *loc_get(struct rt_lvs_sched *st, uint32_t dst, bool make)
{
	for (int k = 0; k < st->nloc; k++)
		if (st->loc[k].dst == dst)
			return &st->loc[k];
	if (!make)
		return NULL;
	struct rt_lvs_loc *l;
	if (st->nloc < RT_LVS_LOCS) {
		l = &st->loc[st->nloc++];
	} else { /* full: the oldest slot goes */
		l = &st->loc[st->nextloc];
		st->nextloc = (st->nextloc + 1) % RT_LVS_LOCS;
	}
	l->dst = dst;
	l->nset = 0;
	return l;
}

static void loc_add(struct rt_lvs_loc *l, int i, bool replace)
{
	if (replace)
		l->nset = 0;
	for (int k = 0; k < l->nset; k++)
		if (l->set[k] == i)
			return;
	if (l->nset == RT_LVS_LOC_SET)
		l->nset--; /* the oldest member goes */
	memmove(&l->set[1], &l->set[0], (size_t)l->nset * sizeof(l->set[0]));
	l->set[0] = (int16_t)i;
	l->nset++;
}

/* ip_vs_dest_set_min(): the least loaded member of the set (weighted), in set order */
static int loc_min(const struct rt_lvs_loc *l, const struct rt_lvs_dest *d, int n)
{
	int best = -1;
	long bo = 0;
	for (int k = 0; k < l->nset; k++) {
		int i = l->set[k];
		if (i >= n || d[i].overloaded || d[i].removed || (best < 0 && d[i].weight <= 0))
			continue;
		long oh = (long)d[i].active * 256 + d[i].inactive;
		if (best < 0 || bo * d[i].weight > oh * d[best].weight) {
			best = i;
			bo = oh;
		}
	}
	return best;
}

static int sched_lblc(struct rt_lvs_sched *st, const struct rt_lvs_dest *d, int n, uint32_t dst,
		      bool replicated)
{
	struct rt_lvs_loc *l = loc_get(st, dst, false);
	int i = -1;
	if (l && replicated)
		i = loc_min(l, d, n);
	else if (l && l->nset > 0 && l->set[0] < n && avail(&d[l->set[0]]))
		i = l->set[0];
	if (i >= 0 && !loc_overloaded(d, n, i))
		return i;
	i = sched_least(d, n, ALGO_LVS_WLC);
	if (i < 0)
		return -1;
	if (!l)
		l = loc_get(st, dst, true);
	loc_add(l, i, !replicated);
	return i;
}

static unsigned bucket_of(uint32_t key)
{
	return (unsigned)((key * 0x61C88647u) >> 24); /* golden-ratio hash, 8 bits */
}

/* sh/dh: the bucket's owner when buckets are dealt out in list order to the destinations
 * in the list (removed ones are not). */
static int sched_table(const struct rt_lvs_dest *d, int n, uint32_t key, bool weighted)
{
	int first = 0;
	while (first < n && d[first].removed)
		first++;
	if (first >= n)
		return -1;
	unsigned b = bucket_of(key);
	/* owner of bucket b: walk the dealing without building the table */
	int i = first, cnt = 0;
	for (unsigned k = 0; k < b; k++) {
		int share = weighted && d[i].weight > 1 ? d[i].weight : 1;
		if (++cnt >= share) {
			cnt = 0;
			do
				i = (i + 1) % n;
			while (d[i].removed);
		}
	}
	return avail(&d[i]) ? i : -1;
}

static int sched_fo(const struct rt_lvs_dest *d, int n, bool ovf)
{
	int best = -1;
	for (int i = 0; i < n; i++) {
		if (!avail(&d[i]) || (ovf && d[i].active >= d[i].weight))
			continue;
		if (best < 0 || d[i].weight > d[best].weight)
			best = i;
	}
	return best;
}

int rt_lvs_schedule(struct rt_lvs_sched *st, const struct rt_lvs_dest *d, int n, uint32_t src,
                    uint32_t dst)
{
	if (n <= 0)
		return -1;
	switch (st->algo) {
	case ALGO_LVS_WRR:
		return sched_wrr(st, d, n);
	case ALGO_LVS_LC:
	case ALGO_LVS_WLC:
	case ALGO_LVS_SED:
	case ALGO_LVS_NQ:
		return sched_least(d, n, st->algo);
	case ALGO_LVS_LBLC:
	case ALGO_LVS_LBLCR:
		return sched_lblc(st, d, n, dst, st->algo == ALGO_LVS_LBLCR);
	case ALGO_LVS_SH:
	case ALGO_LVS_MH:
		return sched_table(d, n, src, true);
	case ALGO_LVS_DH:
		return sched_table(d, n, dst, false);
	case ALGO_LVS_FO:
		return sched_fo(d, n, false);
	case ALGO_LVS_OVF:
		return sched_fo(d, n, true);
	default: /* rr, and a virtual_server without lb_algo (keepalived's default is rr) */
		return sched_rr(st, d, n);
	}
}
