/* lint.c - vipr's modern rendering of findings: `file:line:col: severity: text`, the source
 * line with a caret under the column, and the hint; or JSON for machines. */
#include "cli.h"

#include <string.h>

static const char *sev_name(enum diag_sev s)
{
	return s == DIAG_ERROR ? "error" : s == DIAG_WARNING ? "warning" : "note";
}

/* Reads line `n` of `file` into buf (without its LF). Returns false if there is none. */
static bool source_line(const char *file, uint32_t n, char *buf, size_t len)
{
	FILE *f = fopen(file, "r");
	if (!f)
		return false;
	uint32_t cur = 1;
	bool ok = false;
	int ch;
	size_t o = 0;
	while ((ch = fgetc(f)) != EOF) {
		if (cur == n) {
			if (ch == '\n') {
				ok = true;
				break;
			}
			if (o + 1 < len)
				buf[o++] = ch == '\t' ? ' ' : (char)ch;
		} else if (ch == '\n' && ++cur > n)
			break;
	}
	if (cur == n)
		ok = true;
	buf[o] = 0;
	fclose(f);
	return ok && o > 0;
}

int lint_print(const struct diag_list *dl, FILE *f, bool color)
{
	int errors = 0;
	for (size_t i = 0; i < dl->n; i++) {
		const struct diag *d = &dl->v[i];
		if (d->sev == DIAG_NONE || !d->msg)
			continue;
		errors += d->sev == DIAG_ERROR;
		const char *on = "", *off = "";
		if (color) {
			on = d->sev == DIAG_ERROR ? "\033[1;31m" : d->sev == DIAG_WARNING ? "\033[1;35m"
											  : "\033[1;36m";
			off = "\033[0m";
		}
		if (d->at.file && d->at.line)
			fprintf(f, "%s:%u:%u: ", d->at.file, d->at.line, d->at.col ? d->at.col : 1);
		else if (d->at.file)
			fprintf(f, "%s: ", d->at.file);
		fprintf(f, "%s%s%s: %s\n", on, sev_name(d->sev), off, d->msg);
		char line[1024];
		if (d->at.file && d->at.line && source_line(d->at.file, d->at.line, line, sizeof(line))) {
			fprintf(f, "  %s\n", line);
			unsigned col = d->at.col ? d->at.col : 1;
			fprintf(f, "  %*s^\n", (int)(col - 1), "");
		}
		if (d->hint)
			fprintf(f, "  hint: %s\n", d->hint);
	}
	if (dl->errors || dl->warnings)
		fprintf(f, "%u error%s, %u warning%s\n", dl->errors, dl->errors == 1 ? "" : "s",
			dl->warnings, dl->warnings == 1 ? "" : "s");
	return errors;
}

void lint_print_json(const struct diag_list *dl, FILE *f)
{
	struct json j = {.f = f, .pretty = true};
	json_begin_obj(&j, NULL);
	json_begin_arr(&j, "findings");
	for (size_t i = 0; i < dl->n; i++) {
		const struct diag *d = &dl->v[i];
		if (d->sev == DIAG_NONE || !d->msg)
			continue;
		json_begin_obj(&j, NULL);
		json_str(&j, "file", d->at.file);
		json_int(&j, "line", d->at.line);
		json_int(&j, "column", d->at.col);
		json_str(&j, "severity", sev_name(d->sev));
		json_str(&j, "message", d->msg);
		json_str(&j, "hint", d->hint);
		json_end_obj(&j);
	}
	json_end_arr(&j);
	json_int(&j, "errors", dl->errors);
	json_int(&j, "warnings", dl->warnings);
	json_end_obj(&j);
}
