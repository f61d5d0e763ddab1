/* promex_int.h - private to runtime/promex*.c: the exporter's metric table.
 *
 * A row names one HAProxy 2.6.12 metric (after haproxy_<scope>_), its type and HELP text,
 * and the `show info` key or CSV column that feeds it (promex_tab.c); promex.c dumps them.
 */
#ifndef VIPR_PROMEX_INT_H
#define VIPR_PROMEX_INT_H

#include <stddef.h>

enum { PX_GLOBAL = 1, PX_FE = 2, PX_BE = 4, PX_SRV = 8, PX_ALL = 15 };
enum { PM_GAUGE, PM_COUNTER };

#define PM_MS       0x01 /* CSV milliseconds, exported as seconds */
#define PM_HTTP     0x02 /* only for proxies in mode http */
#define PM_CODE     0x04 /* http_responses_total: a code label from the hrsp_ column name */
#define PM_STATUS   0x08 /* status: one line per state label */
#define PM_AGG      0x10 /* backend: counts over its servers, per state label */
#define PM_CHECKED  0x20 /* server: only when it is checked */
#define PM_CHKSTATE 0x40 /* server check_status: one line per check state label */

struct pm_metric {
	unsigned char scope;
	const char *name; /* after haproxy_<scope>_ */
	unsigned char type;
	const char *help;
	const char *src; /* show info key or CSV column */
	unsigned flags;
};

extern const struct pm_metric pm_metrics[];
extern const size_t pm_nmetrics;

#endif
