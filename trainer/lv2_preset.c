#include "lv2_preset.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../dsp/model_file.h"
#include "../io/files.h"

/* The plugins' URIs (ttl/rnnfx.ttl.in; they never change). */
#define EFFECT_URI "https://rnnfx.org/plugins/rnnfx#effect"
#define CLASSIFIER_URI "https://rnnfx.org/plugins/rnnfx#classifier"
#define MODEL_PARAM "https://rnnfx.org/plugins/rnnfx#model"

/* Through the one output writer (io/files.h). */
static int write_text(const char *path, const char *text, char *msg, size_t msg_size)
{
	return rfx_out_write_file(path, text, strlen(text), msg, msg_size);
}

/* Bytes in the UTF-8 sequence that starts at s (1..4), or 0 when it is not valid UTF-8
 * (overlong forms, surrogates and code points past U+10FFFF included). */
static int utf8_length(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	int n = s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3
						 : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
	for (int i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return n;
}

/* A Turtle string literal body: quotes and backslashes escaped, control characters dropped, and
 * every byte that is not UTF-8 (a file name in Latin-1) written as U+FFFD, since a manifest that
 * is not UTF-8 is not Turtle. */
static void escape(char *out, size_t size, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = 0;
	while (*s && n + 5 < size) {
		int len = utf8_length(s);
		if (!len) {
			memcpy(out + n, "\xef\xbf\xbd", 3);
			n += 3;
			s++;
			continue;
		}
		if (*s == '"' || *s == '\\')
			out[n++] = '\\';
		if (*s >= 0x20) {
			memcpy(out + n, s, (size_t)len);
			n += (size_t)len;
		}
		s += len;
	}
	out[n] = '\0';
}

/* mkdir -p: ~/.lv2 itself may not exist yet. */
static int make_dirs(const char *dir)
{
	char p[4096];
	if ((size_t)snprintf(p, sizeof p, "%s", dir) >= sizeof p) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			if (mkdir(p, 0755) != 0 && errno != EEXIST)
				return -1;
			*s = '/';
		}
	return mkdir(p, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

int trn_lv2_preset_write(const char *dir, const RfxModel *model, const char *label, char *msg,
			 size_t msg_size)
{
	if (make_dirs(dir) != 0) {
		snprintf(msg, msg_size, "cannot create the folder: %s", strerror(errno));
		return -1;
	}
	char path[4096], detail[256] = "";
	snprintf(path, sizeof path, "%s/model.json", dir);
	RfxStatus st = rfx_model_save_file(model, path, detail, sizeof detail);
	if (st != RFX_OK) {
		snprintf(msg, msg_size, "%s: %s", path, detail[0] ? detail : rfx_strerror(st));
		return -1;
	}
	/* The preset's URI is its file (relative: lilv resolves it against the bundle). */
	const int cls = model->spec.mode == RFX_MODE_CLASSIFIER;
	char name[512], ttl[4096];
	escape(name, sizeof name, label);
	snprintf(ttl, sizeof ttl,
		 "@prefix lv2:   <http://lv2plug.in/ns/lv2core#> .\n"
		 "@prefix pset:  <http://lv2plug.in/ns/ext/presets#> .\n"
		 "@prefix rdfs:  <http://www.w3.org/2000/01/rdf-schema#> .\n\n"
		 "<preset.ttl>\n"
		 "\ta pset:Preset ;\n"
		 "\tlv2:appliesTo <%s> ;\n"
		 "\trdfs:label \"%s\" ;\n"
		 "\trdfs:seeAlso <preset.ttl> .\n",
		 cls ? CLASSIFIER_URI : EFFECT_URI, name);
	snprintf(path, sizeof path, "%s/manifest.ttl", dir);
	if (write_text(path, ttl, msg, msg_size))
		return -1;
	snprintf(ttl, sizeof ttl,
		 "@prefix lv2:   <http://lv2plug.in/ns/lv2core#> .\n"
		 "@prefix pset:  <http://lv2plug.in/ns/ext/presets#> .\n"
		 "@prefix rdfs:  <http://www.w3.org/2000/01/rdf-schema#> .\n"
		 "@prefix state: <http://lv2plug.in/ns/ext/state#> .\n\n"
		 "# Written by rnnfx-train; the model's metadata says how it was trained.\n"
		 "<preset.ttl>\n"
		 "\ta pset:Preset ;\n"
		 "\tlv2:appliesTo <%s> ;\n"
		 "\trdfs:label \"%s\" ;\n"
		 "\tstate:state [\n"
		 "\t\t<%s> <model.json>\n"
		 "\t] .\n",
		 cls ? CLASSIFIER_URI : EFFECT_URI, name, MODEL_PARAM);
	/* A knob model's knobs start at their defaults: knob port i is 0..1 over knob i's range. */
	RfxKnob k[RFX_MAX_KNOBS];
	const int n_knobs = rfx_model_knobs(model, k, RFX_MAX_KNOBS);
	size_t len = strlen(ttl);
	if (n_knobs > 0 && len > 2) {
		len -= 2; /* reopen the statement: " ." and the newline go at the end again */
		for (int i = 0; i < n_knobs && len < sizeof ttl; ++i)
			len += (size_t)snprintf(ttl + len, sizeof ttl - len,
						" ;\n\tlv2:port [ lv2:symbol \"knob%d\" ; pset:value %.9g ]",
						i + 1, (k[i].def - k[i].min) / (k[i].max - k[i].min));
		if (len < sizeof ttl)
			snprintf(ttl + len, sizeof ttl - len, " .\n");
	}
	snprintf(path, sizeof path, "%s/preset.ttl", dir);
	return write_text(path, ttl, msg, msg_size);
}
