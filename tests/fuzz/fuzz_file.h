/* fuzz_file.h - shared by the config fuzz targets: each input is written to a file in a
 * private temp dir (one per process, removed at exit), so that relative includes and globs
 * only ever see that dir. */
#ifndef VIPR_FUZZ_FILE_H
#define VIPR_FUZZ_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char fuzz_dir[64], fuzz_path[96];

static void fuzz_cleanup(void)
{
	if (fuzz_path[0])
		unlink(fuzz_path);
	if (fuzz_dir[0])
		rmdir(fuzz_dir);
}

/* Writes the input to the per-process file and returns its path, or NULL. */
static const char *fuzz_write(const uint8_t *data, size_t size, const char *name)
{
	if (!fuzz_path[0]) {
		snprintf(fuzz_dir, sizeof(fuzz_dir), "/tmp/vipr_fuzz.XXXXXX");
		if (!mkdtemp(fuzz_dir)) {
			fuzz_dir[0] = 0;
			return NULL;
		}
		snprintf(fuzz_path, sizeof(fuzz_path), "%s/%s", fuzz_dir, name);
		atexit(fuzz_cleanup);
	}
	FILE *f = fopen(fuzz_path, "wb");
	if (!f)
		return NULL;
	size_t w = size ? fwrite(data, 1, size, f) : 0;
	fclose(f);
	return w == size ? fuzz_path : NULL;
}

#endif
