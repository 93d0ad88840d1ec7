/* rnnfx — PortAudio devices for the runners (rnnfx-live, rnnfx-capture): listing, finding one by
 * index or name, and a quiet Pa_Initialize. Main thread only. */
#ifndef RFX_PA_DEVICE_H
#define RFX_PA_DEVICE_H

#include <stddef.h>

#include <portaudio.h>

/* "host API: device name" of device d. */
void rfx_pa_device_name(PaDeviceIndex d, char *buf, size_t size);

/* Prints every device with its channels and default rate, marking the defaults. */
void rfx_pa_list_devices(void);

/* The device `spec` names: an index, or the first device whose "host: name" contains it
 * (ignoring case) with at least n_in input and n_out output channels. paNoDevice with `err`
 * filled when there is none. */
PaDeviceIndex rfx_pa_find_device(const char *spec, int n_in, int n_out, char *err, size_t size);

/* Pa_Initialize with stderr hidden unless verbose: ALSA prints its probing of absent cards there.
 * Real failures still come back as PortAudio errors. */
PaError rfx_pa_init_quietly(int verbose);

#endif
