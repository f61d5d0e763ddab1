/* hap_load.c - reading haproxy.cfg files and splitting them into sections.
 *
 * Files (or the *.cfg of a directory, in lexical order) are tokenized and preprocessed by
 * hap_lex/hap_pre; each active line either opens a section (a section keyword in first
 * position, as in HAProxy) or is bound by the current section's keyword table. Defaults are
 * merged and cross-references checked once every file is read (hap_check.c).
 */
#include "hap_bind.h"
#include "hap_lex.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct section_kw {
	const char *name;
	enum hap_sec sec;
	bool supported;
};

static const struct section_kw sections[] = {
	{"global", HS_GLOBAL, true},         {"defaults", HS_DEFAULTS, true},
	{"frontend", HS_FRONTEND, true},     {"backend", HS_BACKEND, true},
	{"listen", HS_LISTEN, true},         {"userlist", HS_USERLIST, true},
	{"peers", HS_PEERS, false},          {"resolvers", HS_RESOLVERS, false},
	{"http-errors", HS_HTTP_ERRORS, false}, {"ring", HS_RING, false},
	{"mailers", HS_MAILERS, false},      {"program", HS_PROGRAM, false},
	{"cache", HS_CACHE, false},          {"fcgi-app", HS_FCGI_APP, false},
	{"log-forward", HS_LOG_FORWARD, false},
	{NULL, HS_NONE, false},
};

static const struct section_kw *find_section(const char *w)
{
	for (const struct section_kw *k = sections; k->name; k++)
		if (!strcmp(k->name, w))
			return k;
	return NULL;
}

static struct hap_defaults *find_defaults(struct hap_ctx *c, const char *name)
{
	for (struct hap_defaults *d = c->defaults; d; d = d->next)
		if (d->name && !strcmp(d->name, name))
			return d;
	return NULL;
}

/* Parses an optional "from <defaults>" at word i of a section line. Returns the defaults
 * it names, or `fallback` when there is no `from`; NULL and an error if the name is unknown. */
static struct hap_defaults *parse_from(struct hap_ctx *c, struct cfg_stmt *s, int i,
				       struct hap_defaults *fallback)
{
	if (i >= s->nw)
		return fallback;
	if (strcmp(s->w[i].s, "from")) {
		hap_lint(c, s->w[i].at, DIAG_WARNING, "unexpected '%s' after the section name",
			 s->w[i].s);
		return fallback;
	}
	if (i + 1 >= s->nw) {
		hap_alert(c, s, "'from' expects a defaults section name.");
		return NULL;
	}
	struct hap_defaults *d = find_defaults(c, s->w[i + 1].s);
	if (!d)
		hap_alert(c, s, "defaults section '%s' not found for %s '%s'.", s->w[i + 1].s,
			  s->w[0].s, s->nw > 1 ? s->w[1].s : "");
	return d;
}

static void open_defaults(struct hap_ctx *c, struct cfg_stmt *s)
{
	struct hap_defaults *d = arena_alloc(c->a, sizeof(*d));
	m_proxy_conf_init(&d->conf);
	d->pool.balance.algo = ALGO_UNSET;
	d->pool.balance.hash_type = HASH_UNSET;
	d->pool.conf = &d->conf;
	d->at = s->at;
	int i = 1;
	if (s->nw > 1 && strcmp(s->w[1].s, "from")) {
		d->name = arena_strdup(c->a, s->w[1].s);
		i = 2;
	}
	/* A defaults section starts afresh unless it names its parent with `from`. */
	d->from = parse_from(c, s, i, NULL);
	d->next = c->defaults;
	c->defaults = d;
	c->def = c->last_def = d;
}

static const char *px_type(enum hap_sec sec)
{
	return sec == HS_FRONTEND ? "frontend" : sec == HS_BACKEND ? "backend" : "proxy";
}

static void open_proxy(struct hap_ctx *c, struct cfg_stmt *s, enum hap_sec sec)
{
	/* HAProxy stops reading at a missing name (an empty word is missing too). */
	if (s->nw < 2 || !*s->w[1].s) {
		hap_alert_abort(c, s, "'%s' expects an <id> argument", s->w[0].s);
		return;
	}
	const char *name = s->w[1].s;
	const char *bad = hap_invalid_char(name);
	if (bad) {
		hap_alert(c, s, "character '%c' is not permitted in '%s' name '%s'.", *bad,
			  s->w[0].s, name);
		return;
	}
	/* A frontend and a backend may share a name; proxies whose sides overlap may not. */
	struct hap_proxy *old = NULL;
	if (sec & (HS_FRONTEND | HS_LISTEN))
		old = strmap_get(&c->fe_names, name);
	if (!old && (sec & (HS_BACKEND | HS_LISTEN)))
		old = strmap_get(&c->be_names, name);
	if (old) {
		char *compat = NULL;
		if (asprintf(&compat,
			     "Parsing [%s:%u]: %s '%s' has the same name as %s '%s' declared at %s:%u.",
			     s->at.file, s->at.line, px_type(sec), name, px_type(old->sec), name,
			     old->at.file, old->at.line) < 0)
			abort();
		hap_diag(c, s->at, DIAG_ERROR, DIAG_ERROR, DIAG_FATAL, compat,
			 "%s '%s' has the same name as the one declared at %s:%u", s->w[0].s, name,
			 old->at.file, old->at.line);
		free(compat);
	}
	if (s->nw > 2 && strcmp(s->w[2].s, "from") && (sec & (HS_FRONTEND | HS_LISTEN))) {
		hap_alert(c, s, "please use the 'bind' keyword for listening addresses.");
		return;
	}
	struct hap_defaults *def = parse_from(c, s, 2, c->last_def);

	struct hap_proxy *px = arena_alloc(c->a, sizeof(*px));
	px->name = arena_strdup(c->a, name);
	px->sec = sec;
	px->at = s->at;
	px->def = def;
	px->conf = arena_alloc(c->a, sizeof(*px->conf));
	m_proxy_conf_init(px->conf);
	int id = ++c->next_id;
	if (sec & (HS_FRONTEND | HS_LISTEN)) {
		struct m_service *svc = arena_alloc(c->a, sizeof(*svc));
		svc->name = px->name;
		svc->id = id;
		svc->kind = sec == HS_LISTEN ? SVC_LISTEN : SVC_FRONTEND;
		svc->conf = px->conf;
		svc->at = s->at;
		px->svc = svc;
	}
	if (sec & (HS_BACKEND | HS_LISTEN)) {
		struct m_pool *pool = arena_alloc(c->a, sizeof(*pool));
		pool->name = px->name;
		pool->id = id;
		pool->conf = px->conf;
		pool->balance.algo = ALGO_UNSET;
		pool->balance.hash_type = HASH_UNSET;
		pool->at = s->at;
		pool->service = px->svc;
		px->pool = pool;
		if (px->svc)
			px->svc->default_pool = pool;
	}
	if (sec & (HS_FRONTEND | HS_LISTEN))
		strmap_put(&c->fe_names, px->name, px);
	if (sec & (HS_BACKEND | HS_LISTEN))
		strmap_put(&c->be_names, px->name, px);
	if (c->proxies_tail)
		c->proxies_tail->next = px;
	else
		c->proxies = px;
	c->proxies_tail = px;
	c->px = px;
}

static void open_userlist(struct hap_ctx *c, struct cfg_stmt *s)
{
	if (s->nw < 2 || !*s->w[1].s) {
		hap_alert(c, s, ":'userlist' expects <name> as arguments.");
		return;
	}
	struct m_userlist *ul = arena_alloc(c->a, sizeof(*ul));
	ul->name = arena_strdup(c->a, s->w[1].s);
	ul->at = s->at;
	struct m_userlist **tail = &c->cfg->userlists;
	while (*tail)
		tail = &(*tail)->next;
	*tail = ul;
	c->ul = ul;
}

/* The other sections' words for a missing (or empty) name; those with DIAG_ABORT make HAProxy
 * stop reading. A leading ':' asks for "parsing [f:l]:" as in hap_alert(). */
static bool other_section_unnamed(struct hap_ctx *c, enum hap_sec sec, struct cfg_stmt *s)
{
	static const struct {
		enum hap_sec sec;
		unsigned flags;
		const char *text;
	} rows[] = {
	    {HS_PEERS, DIAG_ABORT, "missing name for peers section."},
	    {HS_RESOLVERS, DIAG_ABORT, "missing name for resolvers section."},
	    {HS_CACHE, DIAG_ABORT, "'cache' expects a <name> argument"},
	    {HS_RING, DIAG_FATAL, "missing ring name."},
	    {HS_MAILERS, DIAG_ABORT, "missing name for mailers section."},
	    {HS_HTTP_ERRORS, DIAG_ABORT, "missing name for http-errors section."},
	    {HS_PROGRAM, DIAG_ABORT, "'program' expects an <id> argument"},
	    {HS_FCGI_APP, DIAG_FATAL, ":'fcgi-app' expects <name> as argument."},
	    {HS_LOG_FORWARD, DIAG_ABORT, "missing name for ip-forward section."},
	};
	if (s->nw > 1 && *s->w[1].s)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		if (rows[i].sec == sec) {
			const char *t = rows[i].text;
			if (rows[i].flags & DIAG_ABORT)
				hap_alert_abort(c, s, "%s", t);
			else if (*t == ':')
				hap_alert(c, s, ":%s", t + 1);
			else
				hap_alert(c, s, "%s", t);
			return true;
		}
	return false;
}

static void open_section(struct hap_ctx *c, const struct section_kw *k, struct cfg_stmt *s)
{
	c->sec = k->sec;
	c->sec_name = k->name;
	c->px = NULL;
	c->def = NULL;
	c->ul = NULL;
	switch (k->sec) {
	case HS_GLOBAL: break;
	case HS_DEFAULTS: open_defaults(c, s); break;
	case HS_FRONTEND:
	case HS_BACKEND:
	case HS_LISTEN: open_proxy(c, s, k->sec); break;
	case HS_USERLIST: open_userlist(c, s); break;
	case HS_CACHE:
		if (other_section_unnamed(c, k->sec, s))
			break;
		/* still unsupported, but http-request cache-use refers to it by name */
		if (s->nw > 1)
			strmap_put(&c->cache_names, arena_strdup(c->a, s->w[1].s), c);
		hap_unsupported(c, s, k->name, false);
		break;
	default:
		if (other_section_unnamed(c, k->sec, s))
			break;
		if (k->sec == HS_PEERS) /* stick-table ... peers NAME refers to it */
			strmap_put(&c->peers_names, arena_strdup(c->a, s->w[1].s), c);
		hap_unsupported(c, s, k->name, false);
		break;
	}
}

int hap_userlist_keyword(struct hap_ctx *c, struct cfg_stmt *s);

/* Sections vipr does not implement yet still get their keywords checked, so that a typo
 * there fails `haproxy -c` as it does with HAProxy. */
static void other_section_keyword(struct hap_ctx *c, struct cfg_stmt *s)
{
	static const struct {
		enum hap_sec sec;
		const char *const kw[16];
	} known[] = {
		{HS_PEERS, {"peer", "server", "bind", "default-bind", "default-server", "disabled",
			    "enable", "enabled", "log", "shards", "table"}},
		{HS_RESOLVERS, {"nameserver", "parse-resolv-conf", "accepted_payload_size", "hold",
				"resolve_retries", "timeout"}},
		{HS_CACHE, {"total-max-size", "max-object-size", "max-age", "process-vary",
			    "max-secondary-entries"}},
		{HS_HTTP_ERRORS, {"errorfile"}},
		{HS_RING, {"description", "format", "maxlen", "size", "timeout", "server"}},
		{HS_MAILERS, {"mailer", "timeout"}},
		{HS_PROGRAM, {"command", "user", "group", "option"}},
		{HS_FCGI_APP, {"docroot", "index", "log-stderr", "option", "path-info", "pass-header",
			       "set-param"}},
		{HS_LOG_FORWARD, {"bind", "dgram-bind", "backlog", "maxconn", "timeout", "log"}},
	};
	for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
		if (known[i].sec != c->sec)
			continue;
		for (const char *const *k = known[i].kw; *k; k++)
			if (!strcmp(*k, s->w[0].s))
				return;
		hap_alert(c, s, "unknown keyword '%s' in '%s' section", s->w[0].s, c->sec_name);
		return;
	}
}

static void bind_line(struct hap_ctx *c, struct cfg_stmt *s)
{
	/* HAProxy's keyword parsers stop at the first empty argument ("" or an unset "$VAR"):
	 * what follows it is never read */
	for (int i = 1; i < s->nw; i++)
		if (!s->w[i].len) {
			s->nw = i;
			break;
		}
	const struct section_kw *k = find_section(s->w[0].s);
	if (k) {
		open_section(c, k, s);
		return;
	}
	switch (c->sec) {
	case HS_NONE: {
		char *compat = NULL;
		if (asprintf(&compat, "parsing [%s:%u]: unknown keyword '%s' out of section.",
			     s->at.file, s->at.line, s->w[0].s) < 0)
			abort();
		struct diag *d = hap_diag(c, s->w[0].at, DIAG_ERROR, DIAG_ERROR, DIAG_FATAL, compat,
					  "unknown keyword '%s' out of any section", s->w[0].s);
		free(compat);
		const char *best = NULL;
		int bestd = 3;
		for (const struct section_kw *sk = sections; sk->name; sk++) {
			int dd = cfg_distance(s->w[0].s, sk->name, bestd - 1);
			if (dd < bestd)
				bestd = dd, best = sk->name;
		}
		if (best)
			diag_hint(d, "did you mean '%s'?", best);
		break;
	}
	case HS_GLOBAL: hap_global_keyword(c, s); break;
	case HS_DEFAULTS:
	case HS_FRONTEND:
	case HS_BACKEND:
	case HS_LISTEN:
		if (c->px || c->def)
			hap_proxy_keyword(c, s);
		break;
	case HS_USERLIST:
		if (c->ul)
			hap_userlist_keyword(c, s);
		break;
	default: /* the section was reported as unsupported once; its keywords are checked */
		other_section_keyword(c, s);
		break;
	}
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf)
			abort();
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (n < cap)
			break;
		cap *= 2;
		buf = realloc(buf, cap);
	}
	int err = ferror(f);
	fclose(f);
	if (err) {
		free(buf);
		errno = EIO;
		return NULL;
	}
	*len = n;
	return buf;
}

static int load_file(struct hap_ctx *c, const char *path)
{
	size_t len = 0;
	char *buf = read_file(path, &len);
	if (!buf) {
		char *compat = NULL;
		int e = errno;
		if (asprintf(&compat, "Could not open configuration file %s : %s", path,
			     strerror(e)) < 0)
			abort();
		hap_diag(c, (struct m_origin){arena_strdup(c->a, path), 0, 0}, DIAG_ERROR,
			 DIAG_ERROR, DIAG_FATAL | DIAG_ABORT, compat, "cannot open %s: %s", path,
			 strerror(e));
		free(compat);
		return -1;
	}
	const char *file = arena_strdup(c->a, path);
	c->cfg->files = realloc(c->cfg->files, sizeof(char *) * (size_t)(c->cfg->nfiles + 1));
	c->cfg->files[c->cfg->nfiles++] = (char *)file;
	/* The model keeps pointers into the text (raw lines), so it lives in the arena. */
	char *text = arena_alloc(c->a, len + 1);
	memcpy(text, buf, len);
	free(buf);

	struct hap_lexer lx;
	hap_lex_init(&lx, file, text, len, c->a, c->dl);
	c->sec = HS_NONE;
	c->px = NULL;
	c->def = NULL;
	c->file_error = false;
	bool aborted = false;
	unsigned before = c->dl->flags_seen;
	c->dl->flags_seen = 0;
	struct cfg_stmt *s = hap_preprocess(&lx, &aborted);
	for (; s && !c->aborted; s = s->next)
		bind_line(c, s);
	if (!aborted && !(c->dl->flags_seen & DIAG_ABORT))
		hap_check_file_conditions(c, file);
	if (c->dl->flags_seen & (DIAG_FATAL | DIAG_ABORT | DIAG_NOFATAL))
		c->file_error = true;
	if (c->file_error) {
		char *compat = NULL;
		if (asprintf(&compat, "Error(s) found in configuration file : %s", file) < 0)
			abort();
		/* Sorted after every finding of the file (line "infinity"), never shown by lint. */
		diag_add(c->dl, (struct m_origin){file, UINT32_MAX, 0}, DIAG_NONE, DIAG_ERROR, 0,
			 compat, NULL);
		free(compat);
	}
	c->dl->flags_seen |= before;
	if (aborted || (c->dl->flags_seen & DIAG_ABORT))
		c->aborted = true;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory contributes its *.cfg files in lexical order, as HAProxy reads them. */
static int load_path(struct hap_ctx *c, const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		if (!d)
			return load_file(c, path);
		char **names = NULL;
		size_t n = 0;
		for (struct dirent *e; (e = readdir(d));) {
			size_t l = strlen(e->d_name);
			if (l < 5 || strcmp(e->d_name + l - 4, ".cfg"))
				continue;
			names = realloc(names, sizeof(char *) * (n + 1));
			if (asprintf(&names[n++], "%s/%s", path, e->d_name) < 0)
				abort();
		}
		closedir(d);
		if (n)
			qsort(names, n, sizeof(char *), cmp_str);
		int rc = 0;
		for (size_t i = 0; i < n; i++) {
			struct stat fst;
			if (stat(names[i], &fst) == 0 && S_ISREG(fst.st_mode) && !c->aborted)
				rc |= load_file(c, names[i]);
			free(names[i]);
		}
		free(names);
		return rc;
	}
	if (stat(path, &st) != 0) {
		char *compat = NULL;
		int e = errno;
		if (asprintf(&compat, "Cannot open configuration file/directory %s : %s", path,
			     strerror(e)) < 0)
			abort();
		hap_diag(c, (struct m_origin){arena_strdup(c->a, path), 0, 0}, DIAG_ERROR,
			 DIAG_ERROR, DIAG_FATAL | DIAG_ABORT, compat, "cannot open %s: %s", path,
			 strerror(e));
		free(compat);
		return -1;
	}
	return load_file(c, path);
}

int hap_load(struct m_config *cfg, char *const *paths, int npaths, struct diag_list *dl)
{
	struct hap_ctx c = {.cfg = cfg, .a = cfg->arena, .dl = dl};
	cfg->sources |= SRC_HAPROXY;
	int rc = 0;
	for (int i = 0; i < npaths && !c.aborted; i++)
		if (load_path(&c, paths[i]) < 0)
			rc = -1;
	if (rc == 0 && !c.aborted)
		hap_finalize(&c);
	strmap_free(&c.fe_names);
	strmap_free(&c.be_names);
	strmap_free(&c.pools_by_name);
	strmap_free(&c.cache_names);
	strmap_free(&c.peers_names);
	return rc;
}
