-- ardour7-lua preset-session.lua   (env: SESS_DIR SESS_NAME PLUGIN_URI)
-- A session on the hidden "None (Dummy)" backend with one mono track "dut", a recorded take (which
-- check-presets-ardour.sh swaps for its test signal) and the plugin inserted fresh: no preset, no
-- state. Prints what Ardour shows right after insertion (the output controls: a plugin whose
-- default state Ardour applied reads status 1 and its model's rate) and the plugin's presets as
-- Ardour lists them, then saves and closes.
local dir  = assert(os.getenv("SESS_DIR"))
local name = assert(os.getenv("SESS_NAME"))
local uri  = assert(os.getenv("PLUGIN_URI"))

assert(AudioEngine:set_backend("None (Dummy)", "", ""), "no dummy backend")
assert(create_session(dir, name, 48000), "create_session failed")
local tl = Session:new_audio_track(1, 2, nil, 1, "dut", ARDOUR.PresentationInfo.max_order,
                                   ARDOUR.TrackMode.Normal, true, false)
assert(tl:size() == 1, "track not created")
local t = tl:front()

t:rec_enable_control():set_value(1, PBD.GroupControlDisposition.NoGroup)
Session:maybe_enable_record(false)
Session:request_roll(ARDOUR.TransportRequestSource.TRS_UI)
ARDOUR.LuaAPI.usleep(2000000)
Session:request_stop(false, false, ARDOUR.TransportRequestSource.TRS_UI)
ARDOUR.LuaAPI.usleep(500000)
t:rec_enable_control():set_value(0, PBD.GroupControlDisposition.NoGroup)
Session:disable_record(false, false)
ARDOUR.LuaAPI.usleep(300000)
assert(t:playlist():region_list():size() == 1, "no region recorded")

local p = ARDOUR.LuaAPI.new_plugin(Session, uri, ARDOUR.PluginType.LV2, "")
assert(not p:isnil(), "LV2 plugin not found: " .. uri)
assert(t:add_processor_by_index(p, 0, nil, true), "add_processor_by_index failed")
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
