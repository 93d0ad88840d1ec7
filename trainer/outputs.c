#include "outputs.h"

#include <stdio.h>
#include <string.h>

#include "../io/files.h"

int trn_outputs_check(const char *const *paths, int n, TrnError *err)
{
	for (int i = 0; i < n; i++) {
		if (!paths[i] || !*paths[i])
			continue;
		for (int j = 0; j < i; j++)
			if (paths[j] && !strcmp(paths[i], paths[j])) {
				snprintf(err->file, sizeof err->file, "%s", paths[i]);
				snprintf(err->msg, sizeof err->msg, "named for two outputs of this run");
				return -1;
			}
		if (rfx_out_check(paths[i], err->msg, sizeof err->msg) != 0) {
			snprintf(err->file, sizeof err->file, "%s", paths[i]);
			return -1;
		}
	}
	return 0;
}
