/* rnnfx — whether a file libsndfile opened is shorter than its header says.
 *
 * libsndfile quietly shortens info.frames to what a truncated file holds (a WAV whose header
 * promises 2 s and whose data stops after 0.02 s reads as 0.02 s); only its log says so, with a
 * "(should be N)" on the data chunk's line. The runners warn and the trainer refuses on this.
 * Header-only, for the programs that link libsndfile (never dsp/).
 */
#ifndef RFX_SNDFILE_LENGTH_H
#define RFX_SNDFILE_LENGTH_H

#include <sndfile.h>
#include <string.h>

static inline int rfx_sf_truncated(SNDFILE *sf)
{
	char log[4096] = "";
	sf_command(sf, SFC_GET_LOG_INFO, log, sizeof log);
	for (const char *line = log; line && *line; line = strchr(line, '\n'), line += !!line) {
		int data = !strncmp(line, "data", 4) || !strncmp(line, "SSND", 4);
		const char *end = strchr(line, '\n');
		const char *should = strstr(line, "(should be");
		if (data && should && (!end || should < end))
			return 1;
	}
	return 0;
}

#endif
