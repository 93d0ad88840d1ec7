/* rnnfx-train — a trained model as an LV2 preset bundle the plugin's users can pick in their host.
 *
 * `--lv2-preset DIR.lv2` writes DIR.lv2/manifest.ttl, DIR.lv2/preset.ttl (a pset:Preset for the
 * effect or the classifier plugin, whose state names the model file) and DIR.lv2/model.json.
 * Put DIR.lv2 in ~/.lv2 (or any folder on LV2_PATH) and the preset shows in the host's preset
 * menu for rnnfx. Each file is written to a temporary name and renamed.
 */
#ifndef TRN_LV2_PRESET_H
#define TRN_LV2_PRESET_H

#include <stddef.h>

#include "../dsp/model.h"

/* label: the name the host shows. Returns 0, or -1 with a sentence in msg. */
int trn_lv2_preset_write(const char *dir, const RfxModel *model, const char *label, char *msg,
			 size_t msg_size);

#endif
