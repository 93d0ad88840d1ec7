/* rnnfx — the capture signal and the measurements made on what comes back from an amp
 * (capture.c).
 *
 * Everything of it is public and declared, with the signal's layout, in rnnfx.h:
 * RfxCaptureLayout, rfx_capture_layout, _render, _sync, _levels. This header stays for the code
 * that includes it by path.
 */
#ifndef RFX_CAPTURE_H
#define RFX_CAPTURE_H

#include <stddef.h>

#include "rnnfx.h"
#include "status.h"

#endif
