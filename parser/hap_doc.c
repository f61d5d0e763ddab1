/* hap_doc.c - the haproxy.cfg half of the keyword reference (docs/keywords.md), generated
 * from the binder's tables so that the docs, lint's "did you mean" and the binder agree. */
#include "hap_bind.h"

static const char *state(unsigned flags)
{
	if (flags & (KW_UNSUPPORTED | KW_FATAL_UNSUP))
		return (flags & KW_FATAL_UNSUP) ? "not supported yet (running is refused)"
						: "not supported yet";
	if (flags & KW_IGNORED)
		return "accepted, no effect";
	if (flags & KW_DEPRECATED)
		return "deprecated";
	return "supported";
}

static void sections(FILE *f, unsigned s)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {{HS_DEFAULTS, "defaults"}, {HS_FRONTEND, "frontend"}, {HS_LISTEN, "listen"},
		     {HS_BACKEND, "backend"}};
	bool first = true;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (s & names[i].bit) {
			fprintf(f, "%s%s", first ? "" : ", ", names[i].name);
			first = false;
		}
}

static void table(FILE *f, const char *title, const struct hap_kw *t, bool with_sections)
{
	fprintf(f, "\n### %s\n\n| keyword | %sstatus |\n|---|%s---|\n", title,
		with_sections ? "sections | " : "", with_sections ? "---|" : "");
	for (; t->name; t++) {
		fprintf(f, "| `%s` | ", t->name);
		if (with_sections) {
			sections(f, t->sections);
			fputs(" | ", f);
		}
		fprintf(f, "%s |\n", state(t->flags));
	}
}

void hap_keywords_markdown(FILE *f)
{
	fputs("\n## haproxy.cfg\n", f);
	table(f, "global", hap_global_kw, false);
	table(f, "proxies (defaults, frontend, listen, backend)", hap_proxy_kw, true);
	table(f, "timeout", hap_timeout_kw, true);
	table(f, "server and default-server", hap_server_kw, false);
	table(f, "bind", hap_bind_kw, false);
}
