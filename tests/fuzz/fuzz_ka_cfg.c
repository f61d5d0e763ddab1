/* fuzz_ka_cfg.c - libFuzzer target: one keepalived.conf through ka_load().
 *
 * The input is written to a file in a private temp dir (one per process, removed at exit),
 * so relative includes and globs only ever see that dir. Every run uses a fresh model. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/model.h"
#include "parser/parser.h"

static char dir[64], path[96];

static void cleanup(void)
{
	if (path[0])
		unlink(path);
	if (dir[0])
		rmdir(dir);
}

static int setup(void)
{
	if (path[0])
		return 0;
	snprintf(dir, sizeof(dir), "/tmp/fuzz_ka.XXXXXX");
	if (!mkdtemp(dir)) {
		dir[0] = 0;
		return -1;
	}
	snprintf(path, sizeof(path), "%s/keepalived.conf", dir);
	atexit(cleanup);
	return 0;
}

/* Two `include *` lines in a file that matches its own glob make keepalived itself read
 * 2^depth files (it never ends either): not a finding, so such inputs are skipped. */
static int too_many_includes(const uint8_t *data, size_t size)
{
	int n = 0;
	for (size_t i = 0; i + 7 <= size; i++)
		if (!memcmp(data + i, "include", 7) && ++n > 1)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (too_many_includes(data, size) || setup() < 0)
		return 0;
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	if (size && fwrite(data, 1, size, f) != size) {
		fclose(f);
		return 0;
	}
	fclose(f);

	struct m_config *cfg = m_config_new();
	struct diag_list dl = { 0 };
	struct ka_opts o = { .config_id = "fuzz", .all_config = false, .check_host = false };
	ka_load(cfg, path, &o, &dl);
	diag_sort(&dl);
	diag_list_free(&dl);
	m_config_free(cfg);
	return 0;
}
