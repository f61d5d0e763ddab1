/* values.c - HAProxy's rules for durations and sizes, shared by the front ends and the
 * runtime API. A bare number is in the unit the keyword documents (milliseconds for
 * timeouts); values are checked for overflow at every step. */
#include "model.h"

#include <ctype.h>
#include <limits.h>

const char m_time_over[] = "over", m_time_under[] = "under";

const char *m_parse_time(const char *s, m_ms *out, unsigned unit_ms)
{
	if (!isdigit((unsigned char)*s))
		return s;
	uint64_t v = 0;
	bool big = false;
	while (isdigit((unsigned char)*s)) {
		v = v * 10 + (uint64_t)(*s++ - '0');
		if (v > (uint64_t)INT_MAX * 1000)
			big = true, v = (uint64_t)INT_MAX * 1000;
	}
	/* Scale as a fraction num/den of milliseconds. */
	uint64_t num = unit_ms, den = 1;
	switch (*s) {
	case 0: break;
	case 'u':
		if (s[1] != 's')
			return s + 1;
		num = 1, den = 1000, s += 2;
		break;
	case 'm':
		if (s[1] == 's')
			num = 1, s += 2;
		else
			num = 60000, s += 1;
		break;
	case 's': num = 1000, s++; break;
	case 'h': num = 3600000, s++; break;
	case 'd': num = 86400000, s++; break;
	default: return s;
	}
	if (*s)
		return s;
	uint64_t ms = v * num / den;
	if (big || ms > INT_MAX)
		return M_TIME_OVER;
	if (!ms && v)
		return M_TIME_UNDER;
	*out = (m_ms)ms;
	return NULL;
}

const char *m_parse_size(const char *s, int64_t *out)
{
	if (!isdigit((unsigned char)*s))
		return s;
	uint64_t v = 0;
	while (isdigit((unsigned char)*s)) {
		v = v * 10 + (uint64_t)(*s++ - '0');
		if (v > UINT_MAX)
			return M_TIME_OVER;
	}
	switch (*s) {
	case 0: break;
	case 'k': case 'K': v <<= 10, s++; break;
	case 'm': case 'M': v <<= 20, s++; break;
	case 'g': case 'G': v <<= 30, s++; break;
	default: return s;
	}
	if (*s)
		return s;
	if (v > UINT_MAX)
		return M_TIME_OVER;
	*out = (int64_t)v;
	return NULL;
}
