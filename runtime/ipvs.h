/* ipvs.h - the kernel IPVS data plane of keepalived virtual_servers (ipvs_kernel.c), private to
 * runtime/: lvs.c decides between it and the userspace path, `vipr ipvs` reads the kernel
 * table through it.
 */
#ifndef VIPR_RUNTIME_IPVS_H
#define VIPR_RUNTIME_IPVS_H

#include <stdbool.h>
#include <stdio.h>

#include "runtime/ipvs_nl.h"
#include "runtime/rt.h"

/* Whether this network namespace's kernel has IPVS (decided once per process; the
 * environment variable VIPR_NO_IPVS=1 forces the userspace path, for tests). */
bool rt_ipvs_kernel(void);

/* The IPVS service of a virtual_server (false: it has none vipr can program, e.g. a
 * virtual_server_group) and the destination of one of its real servers. */
bool rt_ipvs_svc_of(const struct m_pool *mp, struct ipvs_svc *s);
/* The same for one address of the virtual server (a virtual_server_group member). */
bool rt_ipvs_svc_at(const struct m_pool *mp, const struct m_bind *b, struct ipvs_svc *s);
void rt_ipvs_dest_of(const struct m_pool *mp, const struct m_server *ms, int weight,
                     struct ipvs_dest *d);

/* In the checker process: rt_ipvs_start() adds every virtual_server of rt to the kernel with
 * the destinations its real servers' states call for, then keeps the kernel in step with
 * them (weights, removal, sorry_server, quorum) from a thread. rt_ipvs_stop() ends that and
 * deletes the services it added. */
void rt_ipvs_start(struct rt *rt);
void rt_ipvs_stop(struct rt *rt);
/* rt_ipvs_quiesce(): stops keeping the kernel in step (a reload handed it to the next
 * checker); rt_ipvs_stop() then leaves the services in place. */
void rt_ipvs_quiesce(void);

/* In the daemon on reload: deletes the kernel services of `old` that `cur` no longer has;
 * rt_ipvs_has_new(): whether `cur` has a service `old` has not, or with other settings. */
void rt_ipvs_remove_gone(const struct m_config *old, const struct m_config *cur);
bool rt_ipvs_has_new(const struct m_config *old, const struct m_config *cur);

/* The kernel's table in `ipvsadm -Ln` layout and order; -1 when there is no IPVS.
 * rt_ipvs_cmp_svc()/_dest(): ipvsadm's sort order (services by fwmark, family, protocol,
 * address, port; destinations by address, port), for qsort-like use. */
int rt_ipvs_print(FILE *out);
int rt_ipvs_cmp_svc(const struct ipvs_svc *a, const struct ipvs_svc *b);
int rt_ipvs_cmp_dest(const struct ipvs_dest *a, const struct ipvs_dest *b);

const char *rt_lvs_sched_name(enum m_algo a);

/* lvs_udp.c, without IPVS: rt_lvs_udp_ok() says whether a virtual_server is one the UDP
 * proxy serves (protocol UDP, by address); rt_lvs_udp_start() binds them all and starts the
 * proxy thread, rt_lvs_udp_stop() ends it and closes every flow. rt_lvs_sorry() (lvs.c): the
 * pool's sorry_server as a runtime server, NULL when it has none or none was needed yet. */
bool rt_lvs_udp_ok(const struct m_pool *mp);
void rt_lvs_udp_start(struct rt *rt);
void rt_lvs_udp_stop(struct rt *rt);
struct rt_server *rt_lvs_sorry(const struct rt_pool *p);

/* lvs.c: whether a real server is in the IPVS service now (up, or kept at weight 0 under
 * inhibit_on_failure); a pool's live persistence affinities, and one restored after a reload
 * (left_ms capped by the new persistence_timeout; none without persistence). Pool lock held. */
bool rt_lvs_present(const struct rt_pool *p, const struct rt_server *s);
void rt_lvs_pers_each(struct rt_pool *p,
                      void (*fn)(void *arg, const uint8_t key[16], int srv, long long left_ms),
                      void *arg);
void rt_lvs_pers_restore(struct rt_pool *p, const uint8_t key[16], int srv, long long left_ms);

/* lvs_show.c: the live table of a running checker in `ipvsadm -Ln` layout. */
void rt_lvs_live_table(struct rt *rt, FILE *out);

/* lvs_sock.c: the checker's socket @vipr-ipvs (the live table, a reload's hand-over).
 * rt_lvs_sock_start() serves it (after_handover: waits for the old checker to close it);
 * rt_lvs_sock_stop() ends that. rt_lvs_take_over(): in a reloaded checker, before its checks
 * and listeners start, takes the state of the running checker of the same daemon (an older
 * generation) and makes it soft-stop; false when none answered. rt_lvs_take_over_free() drops what was kept for the checks. */
void rt_lvs_sock_start(struct rt *rt, bool after_handover);
void rt_lvs_sock_stop(void);
bool rt_lvs_take_over(struct rt *rt);
void rt_lvs_take_over_free(void);
void rt_lvs_set_retiring(void);

/* lvs_child.c: this checker's generation (the daemon counts the checkers it starts; 0: not a
 * keepalived checker); *takeover: it was started by a reload, to replace a running one. */
long rt_lvs_gen(bool *takeover);

#endif
