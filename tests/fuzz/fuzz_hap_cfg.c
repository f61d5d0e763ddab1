/* fuzz_hap_cfg.c - libFuzzer target: one haproxy.cfg through hap_load(), fresh model each
 * run. */
#include "fuzz_file.h"
#include "model/model.h"
#include "parser/parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write(data, size, "in.cfg");
	if (!path)
		return 0;
	struct m_config *cfg = m_config_new();
	struct diag_list dl = {0};
	char *paths[1] = {(char *)path};
	hap_load(cfg, paths, 1, &dl);
	diag_sort(&dl);
	diag_list_free(&dl);
	m_config_free(cfg);
	return 0;
}
