#include "outputs.h"

#include <stdio.h>
#include <string.h>


int trn_outputs_check(const char *const *paths, int n, TrnError *err)
{
	for (int i = 0; i < n; i++) {
		if (!paths[i] || !*paths[i])
			continue;
		for (int j = 0; j < i; j++)
			if (paths[j] && !strcmp(paths[i], paths[j]))
				return trn_error_set(err, paths[i], "named for two outputs of this run");
		if (rfx_out_check(paths[i], err->msg, sizeof err->msg) != 0) {
			snprintf(err->file, sizeof err->file, "%s", paths[i]);
			return -1;
		}
	}
	return 0;
}

FILE *trn_output_begin(RfxOutFile *out, const char *path, TrnError *err)
{
	FILE *f = rfx_out_begin(out, path, err->msg, sizeof err->msg) == 0 ? rfx_out_stream(out) : NULL;
	if (!f) {
		rfx_out_abort(out);
		snprintf(err->file, sizeof err->file, "%s", path);
	}
	return f;
}

int trn_output_commit(RfxOutFile *out, const char *path, TrnError *err)
{
	if (rfx_out_commit(out, err->msg, sizeof err->msg) == 0)
		return 0;
	snprintf(err->file, sizeof err->file, "%s", path);
	return -1;
}
