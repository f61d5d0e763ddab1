/* ka_lex.re - keepalived 2.2.7's two line scanners (re2c).
 *
 * Stage 1 (ka_lex_strip) finds where a physical line's comment starts and whether it ends
 * inside a quote; a backslash protects the next character there, so `\#`, `\!` and `\"` do
 * not start a comment or a quote. Stage 2 (ka_lex_next) splits a logical line into words,
 * "quoted strings" (no escapes inside: `"a\"b"` is an unmatched quote, as keepalived says),
 * and `{` `}` tokens wherever they stand; single quotes are ordinary characters, a `"` always
 * starts a new word and its closing quote ends it. Both scan NUL-terminated lines.
 */
#include "parser/ka_read.h"

size_t ka_lex_strip(const char *line, bool *unterminated)
{
	const char *YYCURSOR = line, *YYMARKER;
	bool inq = false;
	(void)YYMARKER;
	for (;;) {
		const char *t = YYCURSOR;
		/*!re2c
		re2c:yyfill:enable = 0;
		re2c:define:YYCTYPE = "unsigned char";

		"\x00"         { *unterminated = inq; return (size_t)(t - line); }
		"\\" [^\x00]   { continue; }
		"\""           { inq = !inq; continue; }
		[#!]           { if (!inq) { *unterminated = false; return (size_t)(t - line); } continue; }
		[^]            { continue; }
		*/
	}
}

enum ka_lexeme_kind ka_lex_next(const char **cur, struct ka_lexeme *out)
{
	const char *YYCURSOR = *cur, *YYMARKER;
	(void)YYMARKER;
	for (;;) {
		const char *t = YYCURSOR;
		out->tok = t;
		/*!re2c
		re2c:yyfill:enable = 0;
		re2c:define:YYCTYPE = "unsigned char";

		blank = [ \t\r\n\v\f];
		wchar = [^ \t\r\n\v\f\x00#!{}"\\] | "\\" [#!] | "\\";

		blank+         { continue; }
		"\x00" | [#!]  { *cur = t; out->kind = KA_LX_END; out->start = t; out->len = 0;
				 out->tok_end = t; return KA_LX_END; }
		"{"            { out->kind = KA_LX_LBRACE; goto one; }
		"}"            { out->kind = KA_LX_RBRACE; goto one; }
		"\"" [^"\x00]* "\"" {
				 out->kind = KA_LX_QUOTED; out->start = t + 1;
				 out->len = (size_t)(YYCURSOR - t - 2); goto done; }
		"\""           { while (*YYCURSOR)
					 YYCURSOR++;
				 out->kind = KA_LX_UNMATCHED; out->start = t;
				 out->len = (size_t)(YYCURSOR - t); goto done; }
		wchar+         { out->kind = KA_LX_WORD; out->start = t;
				 out->len = (size_t)(YYCURSOR - t); goto done; }
		*/
	one:
		out->start = t;
		out->len = 1;
	done:
		out->tok_end = YYCURSOR;
		*cur = YYCURSOR;
		return out->kind;
	}
}
