/* ka_doc.c - the keepalived.conf half of the keyword reference, from the binder's tables. */
#include "ka_bind.h"

static const char *state(unsigned flags)
{
	if (flags & KW_UNSUP)
		return "not supported yet";
	if (flags & KW_IGNORED)
		return "accepted, no effect";
	if (flags & KW_DEPRECATED)
		return "deprecated";
	return "supported";
}

void ka_keywords_markdown(FILE *f)
{
	fputs("\n## keepalived.conf\n", f);
	size_t n = 0;
	const struct ka_block *const *blocks = ka_all_blocks(&n);
	for (size_t b = 0; b < n; b++) {
		fprintf(f, "\n### %s\n\n| keyword | arguments | status |\n|---|---|---|\n",
			blocks[b]->name);
		for (size_t k = 0; k < blocks[b]->nkw; k++) {
			const struct ka_kw *kw = &blocks[b]->kw[k];
			fprintf(f, "| `%s` | %u", kw->name, kw->min);
			if (kw->max == KA_ANY)
				fputs(" or more", f);
			else if (kw->max != kw->min)
				fprintf(f, " to %u", kw->max);
			fprintf(f, " | %s%s |\n", state(kw->flags),
				(kw->flags & KW_BLOCK) ? ", opens a block" : "");
		}
	}
}
