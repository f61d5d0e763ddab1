/* addr.h - included by model.h: address parsing shared by front ends and the runtime. */
#ifndef VIPR_MODEL_ADDR_H
#define VIPR_MODEL_ADDR_H

enum m_addr_flags {
	ADDR_BIND = 1,   /* a listening address: port required, ranges allowed, names resolved */
	ADDR_SERVER = 2, /* a server: port optional, +N/-N relative ports */
};

/* m_parse_addr(): parses `text` into *out (strings in the arena). Returns 0, or -1 with
 * HAProxy's wording of the problem in err. */
int m_parse_addr(struct arena *ar, const char *text, unsigned flags, struct m_addr *out,
		 char *err, size_t errlen);
/* m_addr_resolve(): resolves out->host (M_ADDR_NAME) into out->ss. Returns 0 or -1. */
int m_addr_resolve(struct m_addr *a);
void m_addr_set_port(struct m_addr *a, uint16_t port);

#endif
