/* fuzz_hap_cfg.c - libFuzzer target: one haproxy.cfg through hap_load().
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
	snprintf(dir, sizeof(dir), "/tmp/fuzz_hap.XXXXXX");
	if (!mkdtemp(dir)) {
		dir[0] = 0;
		return -1;
	}
	snprintf(path, sizeof(path), "%s/in.cfg", dir);
	atexit(cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (setup() < 0)
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
	char *paths[1] = { path };
	hap_load(cfg, paths, 1, &dl);
	diag_sort(&dl);
	diag_list_free(&dl);
	m_config_free(cfg);
	return 0;
}
