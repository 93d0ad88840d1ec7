/* rnnfx — PortAudio devices for the runners (tools/pa_device.h). */
#include "pa_device.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

void rfx_pa_device_name(PaDeviceIndex d, char *buf, size_t size)
{
	const PaDeviceInfo *di = Pa_GetDeviceInfo(d);
	const PaHostApiInfo *hi = di ? Pa_GetHostApiInfo(di->hostApi) : NULL;
	snprintf(buf, size, "%s: %s", hi ? hi->name : "?", di ? di->name : "?");
}

void rfx_pa_list_devices(void)
{
	PaDeviceIndex din = Pa_GetDefaultInputDevice(), dout = Pa_GetDefaultOutputDevice();
	if (Pa_GetDeviceCount() <= 0)
		printf("no audio devices found (is a sound card or a JACK server there?)\n");
	for (PaDeviceIndex d = 0; d < Pa_GetDeviceCount(); d++) {
		const PaDeviceInfo *di = Pa_GetDeviceInfo(d);
		char name[256];
		rfx_pa_device_name(d, name, sizeof name);
		printf("%3d  %-50s in %2d  out %2d  %6.0f Hz%s%s\n", d, name, di->maxInputChannels,
		       di->maxOutputChannels, di->defaultSampleRate, d == din ? "  [default in]" : "",
		       d == dout ? "  [default out]" : "");
	}
}

/* Case-insensitive strstr (strcasestr is a GNU extension). */
static int contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return 1;
	return n == 0;
}

PaDeviceIndex rfx_pa_find_device(const char *spec, int n_in, int n_out, char *err, size_t size)
{
	char *end;
	long idx = strtol(spec, &end, 10);
	if (*spec && !*end) {
		if (idx < 0 || idx >= Pa_GetDeviceCount()) {
			snprintf(err, size, "no device with that index (see --list-devices)");
			return paNoDevice;
		}
		return (PaDeviceIndex)idx;
	}
	int matched = 0;
	for (PaDeviceIndex d = 0; d < Pa_GetDeviceCount(); d++) {
		const PaDeviceInfo *di = Pa_GetDeviceInfo(d);
		char name[256];
		rfx_pa_device_name(d, name, sizeof name);
		if (!contains_nocase(name, spec))
			continue;
		matched++;
		if (di->maxInputChannels >= n_in && di->maxOutputChannels >= n_out)
			return d;
	}
	if (matched)
		snprintf(err, size, "%d device(s) match, none with %d input and %d output channel(s) "
			 "(see --list-devices)", matched, n_in, n_out);
	else
		snprintf(err, size, "no device name contains this (see --list-devices)");
	return paNoDevice;
}

PaError rfx_pa_init_quietly(int verbose)
{
	if (verbose)
		return Pa_Initialize();
	fflush(stderr);
	int saved = dup(STDERR_FILENO), devnull = open("/dev/null", O_WRONLY);
	if (saved >= 0 && devnull >= 0)
		dup2(devnull, STDERR_FILENO);
	PaError err = Pa_Initialize();
	if (saved >= 0 && devnull >= 0)
		dup2(saved, STDERR_FILENO);
	if (saved >= 0)
		close(saved);
	if (devnull >= 0)
		close(devnull);
	return err;
}
