/* rnnfx-convert — converts models between rnnfx and the formats of other programs.
 *
 *   rnnfx-convert IN OUT              IN: rnnfx, AIDA-X (.json/.aidax), NAM LSTM (.nam) or
 *                                     GuitarML/Proteus JSON; OUT: an rnnfx model file
 *   rnnfx-convert --to aidax IN OUT   OUT: AIDA-X Keras JSON (1-layer GRU/LSTM effects)
 *
 * The format of IN is recognised from its content (dsp/import.h), never from its name. All the
 * checking and converting is in the library, so the plugin and the runners read the same files the
 * same way; this program only reads, writes and reports. docs/formats.md has the details.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsp/rnnfx.h"
#include "io/files.h"

#define PROG "rnnfx-convert"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--to rnnfx|aidax] IN OUT\n"
		"\n"
		"Reads a model (rnnfx, AIDA-X/RTNeural Keras JSON, NAM LSTM .nam, or GuitarML/Proteus\n"
		"state_dict JSON; told apart by content) and writes it as an rnnfx model file (default)\n"
		"or as AIDA-X JSON (--to aidax: a 1-layer GRU or LSTM effect with 1 to 3 inputs).\n"
		"The rnnfx file's metadata records the source format and file name.\n"
		"\n"
		"  --to FORMAT   rnnfx (default) or aidax\n"
		"  -h, --help    this text\n"
		"  --version     the rnnfx version\n", PROG);
}

/* Returns 0 to run, 1 for a usage error, 2 when help or the version was asked for. */
static int parse_args(int argc, char **argv, const char **to, const char **in, const char **out)
{
	int files = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 2;
		} else if (strcmp(a, "--version") == 0) {
			printf("%s %s\n", PROG, RFX_VERSION);
			return 2;
		} else if (strcmp(a, "--to") == 0 || strncmp(a, "--to=", 5) == 0) {
			const char *v = a[4] == '=' ? a + 5 : (i + 1 < argc ? argv[++i] : NULL);
			if (!v || (strcmp(v, "rnnfx") != 0 && strcmp(v, "aidax") != 0)) {
				fprintf(stderr, "%s: --to '%s': expected rnnfx or aidax\n", PROG,
					v ? v : "");
				return 1;
			}
			*to = v;
		} else if (a[0] == '-' && a[1] != '\0' && strcmp(a, "--") != 0) {
			fprintf(stderr, "%s: unknown option '%s' (see --help)\n", PROG, a);
			return 1;
		} else {
			if (strcmp(a, "--") == 0 && ++i >= argc)
				break;
			if (files == 2) {
				fprintf(stderr, "%s: too many files: '%s'\n", PROG, argv[i]);
				return 1;
			}
			*(files++ ? out : in) = argv[i];
		}
	}
	if (files != 2) {
		fprintf(stderr, "%s: need an input and an output file (see --help)\n", PROG);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *to = "rnnfx", *in = NULL, *out = NULL;
	int p = parse_args(argc, argv, &to, &in, &out);
	if (p)
		return p == 2 ? 0 : 2;

	char detail[512];
	RfxModel *m = NULL;
	RfxImportFormat fmt = RFX_IMPORT_NONE;
	RfxStatus st = rfx_model_import_file(in, &m, &fmt, detail, sizeof detail);
	if (st != RFX_OK) {
		/* rfx_strerror's sentences speak of rnnfx model files; for a foreign file the
		 * importer's detail is the whole story */
		static const char *const names[RFX_IMPORT_COUNT] = { NULL, NULL, "AIDA-X", "NAM",
								       "GuitarML" };
		if (names[fmt] && detail[0])
			fprintf(stderr, "%s: %s: cannot import this %s model: %s\n", PROG, in,
				names[fmt], detail);
		else if (st == RFX_ERR_FORMAT && detail[0])
			fprintf(stderr, "%s: %s: %s\n", PROG, in, detail);
		else
			fprintf(stderr, "%s: %s: %s%s%s\n", PROG, in, rfx_strerror(st),
				detail[0] ? ": " : "", detail);
		return 1;
	}
	if (detail[0])
		fprintf(stderr, "%s: %s: warning: %s\n", PROG, in, detail);

	int rc = 0;
	if (strcmp(to, "aidax") == 0) {
		char *text = rfx_model_export_aidax(m, detail, sizeof detail);
		if (!text) {
			fprintf(stderr, "%s: %s: %s\n", PROG, in, detail);
			rc = 1;
		} else {
			RfxOutFile o;
			char err[512];
			FILE *f = rfx_out_begin(&o, out, err, sizeof err) == 0 ? rfx_out_stream(&o) : NULL;
			if (f && (fputs(text, f) < 0 || fputc('\n', f) == EOF))
				snprintf(err, sizeof err, "cannot write '%s': %s", out, strerror(errno));
			if (!f || ferror(f) || rfx_out_commit(&o, err, sizeof err) != 0) {
				rfx_out_abort(&o);
				fprintf(stderr, "%s: %s\n", PROG, err);
				rc = 1;
			}
		}
		free(text);
	} else if ((st = rfx_model_save_file(m, out, detail, sizeof detail)) != RFX_OK) {
		fprintf(stderr, "%s: %s: %s%s%s\n", PROG, out, rfx_strerror(st), detail[0] ? ": " : "",
			detail);
		rc = 1;
	}
	if (rc == 0)
		printf("%s: %s (%s %s, %d layer%s, hidden %d, %d input%s%s, %g Hz) -> %s (%s)\n", PROG,
		       in, rfx_import_format_name(fmt), rfx_cell_name(rfx_model_cell(m)),
		       rfx_model_n_layers(m), rfx_model_n_layers(m) == 1 ? "" : "s",
		       rfx_model_hidden(m), rfx_model_n_inputs(m), rfx_model_n_inputs(m) == 1 ? "" : "s",
		       rfx_model_skip(m) ? ", skip" : "", rfx_model_sample_rate(m), out, to);
	rfx_model_free(m);
	return rc;
}
