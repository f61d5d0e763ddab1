/* ka_lex.h - keepalived 2.2.7's configuration reader (private to parser/).
 *
 * ka_lex.re tokenizes lines as keepalived does (comments `#` and `!`, `{` `}` as tokens
 * anywhere, quoted strings); ka_pre.c resolves includes (include, includer, includem,
 * includew, includeb, includea with globs and {a,b} braces), `@ID`/`@^ID` line prefixes,
 * `$NAME=VALUE` definitions and `$NAME`/`${NAME}` uses, and `~SEQ`/`~SEQx`/`~LST`;
 * ka_cfg.y turns the token stream into blocks. The result is the generic statement tree.
 */
#ifndef VIPR_PARSER_KA_LEX_H
#define VIPR_PARSER_KA_LEX_H

#include "ast.h"
#include "parser.h"

/* ka_read(): reads `path` and everything it includes. Returns the top-level statements; a
 * statement followed by a `{ ... }` block has its block's statements as children (parent set).
 * Words are after variable substitution; each keeps its own file/line/col. Findings (keepalived's
 * wording in compat, e.g. "Extra '}' found", "There are 1 missing '}'s or extra '{'s",
 * "Unterminated quote '...'") go to dl. *missing is set when the top file cannot be read. */
struct cfg_stmt *ka_read(const char *path, const struct ka_opts *o, struct arena *a,
			 struct diag_list *dl, bool *missing);

#endif
