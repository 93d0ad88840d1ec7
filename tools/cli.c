#include "tools/cli.h"

#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fail(const char *what, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: %s: ", cli_prog, what);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return 1;
}

int cli_parsed(int parse_result, void (*usage)(FILE *))
{
	if (parse_result == 2) {
		usage(stdout);
		return 0;
	}
	if (parse_result) {
		fprintf(stderr, "%s: try '%s --help'\n", cli_prog, cli_prog);
		return 2;
	}
	return -1;
}

void cli_catch_stop(void (*handler)(int), int flags)
{
	struct sigaction sa = { .sa_handler = handler, .sa_flags = flags };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int cli_parse_knob(const char *arg, RfxKnobSetting *out)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg)
		return -1;
	char *end;
	double v = strtod(eq + 1, &end);
	if (end == eq + 1 || *end || !isfinite(v))
		return -1;
	*out = (RfxKnobSetting){arg, (size_t)(eq - arg), v};
	return 0;
}

void cli_warn_clamped(const RfxModel *m, const RfxKnobSetting *set, int n_set, unsigned clamped)
{
	RfxKnob k[RFX_MAX_KNOBS];
	const int n = clamped ? rfx_model_knobs(m, k, RFX_MAX_KNOBS) : 0;
	for (int i = 0; i < n; i++) {
		if (!(clamped & (1u << i)))
			continue;
		double v = k[i].def;
		for (int j = 0; j < n_set; j++)
			if (strlen(k[i].name) == set[j].name_len &&
			    !strncmp(k[i].name, set[j].name, set[j].name_len))
				v = set[j].value;
		fprintf(stderr, "%s: warning: knob %s=%g is outside the trained range %g..%g: clamped to "
			"%g\n", cli_prog, k[i].name, v, k[i].min, k[i].max, v > k[i].max ? k[i].max : k[i].min);
	}
}
