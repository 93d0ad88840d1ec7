-- ardour7-lua preset-apply.lua   (env: SESS_DIR SESS_NAME PRESET_LABEL SNAPSHOT)
-- Opens the session, applies the plugin preset named PRESET_LABEL to the first plugin of track
-- "dut" the way Ardour's preset menu does (Plugin:preset_by_label, Plugin:load_preset), prints the
-- output controls after some processing and the preset Ardour records as the last one, and saves
-- the result as the snapshot SNAPSHOT (the session's own snapshot is left as it was).
local dir   = assert(os.getenv("SESS_DIR"))
local name  = assert(os.getenv("SESS_NAME"))
local label = assert(os.getenv("PRESET_LABEL"))
local snap  = assert(os.getenv("SNAPSHOT"))
assert(AudioEngine:set_backend("None (Dummy)", "", ""), "no dummy backend")
assert(load_session(dir, name), "load_session failed")
local r = Session:route_by_name("dut")
assert(not r:isnil(), "track dut missing")
local p = r:nth_plugin(0)
assert(not p:isnil(), "plugin missing")
local plugin = p:to_insert():plugin(0)
local ps = plugin:preset_by_label(label)
assert(ps and ps.valid, "no preset labelled " .. label)
assert(plugin:load_preset(ps), "load_preset failed")
ARDOUR.LuaAPI.usleep(500000)
local names = { "in_gain", "out_gain", "mix", "enabled", "latency", "status", "model_rate" }
for i = 0, 6 do
	print(string.format("APPLIED %s = %g", names[i + 1], ARDOUR.LuaAPI.get_processor_param(p, i, true)))
end
local lp = plugin:last_preset()
print(string.format("LAST_PRESET %s|%s", lp.uri, lp.label))
Session:save_state(snap, false, false, false, false, false)
close_session()
print("APPLY_OK")
