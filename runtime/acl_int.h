/* acl_int.h - private to acl.c (evaluation) and acl_compile.c (compilation): the compiled
 * forms of ACL expressions and conditions.
 */
#ifndef VIPR_ACL_INT_H
#define VIPR_ACL_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "runtime/rt.h"

enum fetch {
	F_TRUE, F_FALSE, F_SSL_FC, F_PATH, F_URL, F_QUERY, F_URL_PARAM, F_HDR, F_HDR_CNT,
	F_METHOD, F_SRC, F_SRC_PORT, F_DST, F_DST_PORT, F_HTTP_AUTH, F_NBSRV,
	F_STK, /* sc_*, scN_*, src_*: stick counters */
	F_VAR, /* var(scope.name): sc holds the scope */
	F_STATUS, /* the response status */
	F_REQ_LEN, F_SSL_HELLO, F_SSL_SNI, /* mode tcp payload: length, TLS hello type, SNI */
};
enum match { M_BOOL, M_FOUND, M_STR, M_BEG, M_END, M_SUB, M_REG, M_DIR, M_DOM, M_LEN, M_INT,
	     M_IP };

struct pat {
	const char *s;
	size_t len;
	pcre2_code *re;
	int64_t lo, hi;
	struct rt_net net;
};

struct expr {
	enum fetch f;
	const char *arg; /* header or parameter name */
	int occ;         /* header occurrence, 0: all */
	enum match m;
	bool icase;
	struct pat *pats;
	int npats, cap;
	const struct m_userlist *ul;
	const struct rt_pool *pool;
	/* F_STK: counter sc (-1: look src up in tbl), data M_SD_*, inc: *_inc_gpc0 */
	int sc, data;
	bool inc;
	struct rt_stick *tbl;
	struct expr *next; /* the next ACL line of the same name: ORed */
};

struct term {
	const struct expr *e;
	bool neg, or_before; /* or_before: starts a new conjunction */
};

struct rt_cond {
	struct term *t;
	int nt;
	bool unless;
};

struct regs {
	pcre2_code *re;
	struct regs *next;
};

struct rt_acl_ctx {
	struct arena *a;
	const struct m_config *cfg;
	struct rt_pool *pools;
	int npools;
	struct regs *regs;
	pcre2_match_data *md; /* compile-time only */
	char *(*crypt_r)(const char *, const char *, void *);
	struct rt_stick **tables;
	int ntables;
	void *crypt_lib;
};

/* crypt_r(3), loaded from libcrypt by acl_compile.c when a userlist has encrypted passwords */
extern char *(*rt_acl_crypt_r)(const char *, const char *, void *);

#endif
