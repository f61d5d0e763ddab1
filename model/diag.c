/* diag.c - diagnostics as data.
 *
 * Front ends, binders and validation never print: they append findings here, each with the
 * lint text and, when the original program reports the same problem, its exact wording and
 * severity. The personalities (cli/) decide what to print and how.
 */
#include "model.h"

#include <stdlib.h>
#include <string.h>

static char *xstrdup(const char *s)
{
	if (!s)
		return NULL;
	char *p = strdup(s);
	if (!p)
		abort();
	return p;
}

static char *vfmt(const char *fmt, va_list ap)
{
	char *p = NULL;
	if (vasprintf(&p, fmt, ap) < 0)
		abort();
	return p;
}

/* Past DIAG_MAX findings (a binary file can make one per line), further ones are counted
 * but not stored, so memory stays bounded; callers still get a valid entry to annotate. */
#define DIAG_MAX 10000
static _Thread_local struct diag scratch;

struct diag *diag_add(struct diag_list *dl, struct m_origin at, enum diag_sev sev,
		      enum diag_sev compat_sev, unsigned flags, const char *compat, const char *msg)
{
	if (dl->n >= DIAG_MAX) {
		free(scratch.msg);
		free(scratch.compat);
		free(scratch.hint);
		memset(&scratch, 0, sizeof(scratch));
		dl->dropped++;
		if (compat && compat_sev == DIAG_ERROR)
			dl->flags_seen |= flags;
		if (sev == DIAG_ERROR)
			dl->errors++;
		else if (sev == DIAG_WARNING)
			dl->warnings++;
		return &scratch;
	}
	if (dl->n == dl->cap) {
		dl->cap = dl->cap ? dl->cap * 2 : 16;
		dl->v = realloc(dl->v, dl->cap * sizeof(*dl->v));
		if (!dl->v)
			abort();
	}
	struct diag *d = &dl->v[dl->n];
	memset(d, 0, sizeof(*d));
	d->at = at;
	d->sev = sev;
	d->compat_sev = compat ? compat_sev : DIAG_NONE;
	d->flags = flags;
	d->compat = xstrdup(compat);
	d->msg = xstrdup(msg ? msg : compat);
	d->seq = (unsigned)dl->n;
	dl->n++;
	if (d->compat_sev == DIAG_ERROR)
		dl->flags_seen |= flags;
	if (sev == DIAG_ERROR)
		dl->errors++;
	else if (sev == DIAG_WARNING)
		dl->warnings++;
	return d;
}

/* The common case: the original reports it with the same severity and the same words. */
struct diag *diag_addf(struct diag_list *dl, struct m_origin at, enum diag_sev sev,
		       unsigned flags, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = vfmt(fmt, ap);
	va_end(ap);
	struct diag *d = diag_add(dl, at, sev, sev, flags, text, NULL);
	free(text);
	return d;
}

void diag_hint(struct diag *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(d->hint);
	d->hint = vfmt(fmt, ap);
	va_end(ap);
}

void diag_list_free(struct diag_list *dl)
{
	for (size_t i = 0; i < dl->n; i++) {
		free(dl->v[i].msg);
		free(dl->v[i].compat);
		free(dl->v[i].hint);
	}
	free(dl->v);
	memset(dl, 0, sizeof(*dl));
}

struct sort_key {
	struct diag d;
	unsigned group; /* seq of the first finding of the same file */
};

static int cmp_diag(const void *a, const void *b)
{
	const struct sort_key *kx = a, *ky = b;
	const struct diag *x = &kx->d, *y = &ky->d;
	int px = (x->flags & DIAG_POST) != 0, py = (y->flags & DIAG_POST) != 0;
	if (px != py)
		return px - py;
	if (!px) {
		if (kx->group != ky->group)
			return kx->group < ky->group ? -1 : 1;
		if (x->at.line != y->at.line)
			return x->at.line < y->at.line ? -1 : 1;
	}
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Parse-phase findings of one file are put in line order (the lexer and the .if evaluation
 * run in two passes, the original reports in one); files keep their order, and findings
 * after parsing keep emission order. */
void diag_sort(struct diag_list *dl)
{
	if (dl->n < 2)
		return;
	struct sort_key *k = calloc(dl->n, sizeof(*k));
	if (!k)
		abort();
	/* Distinct files are few: a linear table of (file, group) is enough. */
	const char *files[64];
	unsigned groups[64];
	size_t nfiles = 0;
	for (size_t i = 0; i < dl->n; i++) {
		const char *f = dl->v[i].at.file;
		k[i].d = dl->v[i];
		k[i].group = dl->v[i].seq;
		size_t j;
		for (j = 0; j < nfiles; j++)
			if (files[j] == f || (f && files[j] && !strcmp(files[j], f)))
				break;
		if (j < nfiles)
			k[i].group = groups[j];
		else if (nfiles < ARRAY_SIZE(files)) {
			files[nfiles] = f;
			groups[nfiles++] = k[i].group;
		}
	}
	qsort(k, dl->n, sizeof(*k), cmp_diag);
	for (size_t i = 0; i < dl->n; i++)
		dl->v[i] = k[i].d;
	free(k);
}
