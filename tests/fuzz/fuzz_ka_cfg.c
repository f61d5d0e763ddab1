/* fuzz_ka_cfg.c - libFuzzer target: one keepalived.conf through ka_load(), fresh model each
 * run. Includes resolve inside the private temp dir, so a self-including input exercises
 * the reader's limits on nesting and on files read. */
#include "fuzz_file.h"
#include "model/model.h"
#include "parser/parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write(data, size, "keepalived.conf");
	if (!path)
		return 0;
	struct m_config *cfg = m_config_new();
	struct diag_list dl = {0};
	struct ka_opts o = {.config_id = "fuzz", .all_config = false, .check_host = false};
	ka_load(cfg, path, &o, &dl);
	diag_sort(&dl);
	diag_list_free(&dl);
	m_config_free(cfg);
	return 0;
}
