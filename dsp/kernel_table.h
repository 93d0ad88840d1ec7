/* rnnfx — the one table of kernels, for streaming inference and for training, and the one place
 * one is chosen. Private to dsp/.
 *
 * Each row is an instruction set: its name, whether this CPU runs it, and what it has for each
 * use (NULL where it has nothing). Rows are best first; rfx_kernel_pick takes the first row the
 * CPU runs that has the use's functions, unless the use's environment variable names another such
 * row (tests and benchmarks compare kernels; "generic" is the scalar reference):
 *   RFX_KERNEL       streams (stream.c, at rfx_stream_init)
 *   RFX_BPTT_KERNEL  training (bptt.c, at rfx_bptt_create)
 * A name the CPU cannot run, or with nothing for the use, is ignored. Chosen once per object, so
 * an object's results never depend on when it runs.
 */
#ifndef RFX_KERNEL_TABLE_H
#define RFX_KERNEL_TABLE_H

#include "bptt_impl.h"
#include "stream_impl.h"

typedef struct {
	const char *name;
	int (*supported)(void);
	/* Streaming inference: the general per-sample loop (any shape), and optionally a loop
	 * specialised for the stream's shape (`special` returns NULL when it has none) and its
	 * two-stream form (`pair`, only where `special` has one). */
	RfxProcessFn process;
	RfxProcessFn (*special)(const RfxStream *st);
	RfxPairFn (*pair)(const RfxStream *st);
	/* Training: one segment's forward (with caches) and backward. */
	RfxBpForwardFn bp_forward;
	RfxBpBackwardFn bp_backward;
} RfxKernel;

typedef enum { RFX_KERNEL_STREAM, RFX_KERNEL_TRAINING } RfxKernelUse;

/* The row for this use (never NULL: "generic" has every use and runs everywhere). */
const RfxKernel *rfx_kernel_pick(RfxKernelUse use);

#endif
