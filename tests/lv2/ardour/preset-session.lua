-- ardour7-lua preset-session.lua   (env: SESS_DIR SESS_NAME PLUGIN_URI)
-- A session on the hidden "None (Dummy)" backend with one mono track "dut", a recorded take (which
-- check-presets-ardour.sh swaps for its test signal) and the plugin inserted fresh: no preset, no
-- state. Prints what Ardour shows right after insertion (the output controls: a plugin whose
-- default state Ardour applied reads status 1 and its model's rate) and the plugin's presets as
-- Ardour lists them, then saves and closes.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "take.lua")
local t, p = dut_session(2.0)
ARDOUR.LuaAPI.usleep(500000) -- the engine runs the plugin meanwhile (transport stopped)
-- Control indices count every control port: in_gain out_gain mix enabled latency status model_rate
local names = { "in_gain", "out_gain", "mix", "enabled", "latency", "status", "model_rate" }
for i = 0, 6 do
	print(string.format("INSERTED %s = %g", names[i + 1], ARDOUR.LuaAPI.get_processor_param(p, i, true)))
end
local plugin = p:to_insert():plugin(0)
for r in plugin:get_info():get_presets(false):iter() do
	print(string.format("PRESET %s|%s", r.uri, r.label))
end
Session:save_state("", false, false, false, false, false)
close_session()
print("SESSION_OK")
