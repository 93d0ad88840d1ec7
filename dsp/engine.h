/* rnnfx — an engine: one model run on C channels at a host's sample rate, and the cross-faded
 * swap from one engine to the next (engine.c). The part of a host that is not the host: the LV2
 * plugins (plugin/), rnnfx-live (tools/live_engine.c) and rnnfx-run (tools/rnnfx-run.c) all run
 * models through it, so they cannot drift apart.
 *
 * Everything of it is public and declared, with its contract (threads, NaN guard, the swap), in
 * rnnfx.h: RfxEngine, RfxEngineSwap, rfx_engine_*. This header stays for the code that includes it
 * by path, and brings in model.h and rate.h (one rate stream per channel), on which engine.c
 * builds.
 */
#ifndef RFX_ENGINE_H
#define RFX_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "rate.h"
#include "rnnfx.h"

#endif
