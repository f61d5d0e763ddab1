/* strmap.c - a small open-addressing hash map from strings to pointers, for name look-ups
 * that would otherwise be quadratic on large configurations (10,000 servers, 2,000
 * backends). Keys are not copied: they must outlive the map (arena strings do). */
#include "model.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void grow(struct strmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	struct strmap_ent *nv = calloc(ncap, sizeof(*nv));
	if (!nv)
		abort();
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->v[i].key)
			continue;
		size_t j = hash(m->v[i].key) & (ncap - 1);
		while (nv[j].key)
			j = (j + 1) & (ncap - 1);
		nv[j] = m->v[i];
	}
	free(m->v);
	m->v = nv;
	m->cap = ncap;
}

void *strmap_get(const struct strmap *m, const char *key)
{
	if (!m->cap)
		return NULL;
	for (size_t j = hash(key) & (m->cap - 1); m->v[j].key; j = (j + 1) & (m->cap - 1))
		if (!strcmp(m->v[j].key, key))
			return m->v[j].val;
	return NULL;
}

void *strmap_put(struct strmap *m, const char *key, void *val)
{
	void *old = strmap_get(m, key);
	if (old)
		return old;
	if ((m->n + 1) * 2 > m->cap)
		grow(m);
	size_t j = hash(key) & (m->cap - 1);
	while (m->v[j].key)
		j = (j + 1) & (m->cap - 1);
	m->v[j].key = key;
	m->v[j].val = val;
	m->n++;
	return NULL;
}

void strmap_free(struct strmap *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}
