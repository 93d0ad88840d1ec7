-- ardour7-lua classifier-session.lua   (env: SESS_DIR SESS_NAME PLUGIN_URI PRESET_LABEL)
-- A session on the hidden "None (Dummy)" backend for check-classifier-ardour.sh: a mono audio
-- track "dut" with a recorded take (import_take.py swaps it for the drum track), strict I/O off
-- (with it on, Ardour trims the chain's outputs to the track's audio inputs and a plugin's MIDI
-- output goes nowhere), the classifier inserted with the preset PRESET_LABEL applied the way
-- Ardour's preset menu does (Plugin:preset_by_label, Plugin:load_preset), and a MIDI track "notes"
-- whose input is fed by every MIDI output of "dut". Prints the plugin's controls after the preset
-- and the ports, then saves and closes.
local dir   = assert(os.getenv("SESS_DIR"))
local name  = assert(os.getenv("SESS_NAME"))
local uri   = assert(os.getenv("PLUGIN_URI"))
local label = assert(os.getenv("PRESET_LABEL"))

assert(AudioEngine:set_backend("None (Dummy)", "", ""), "no dummy backend")
assert(create_session(dir, name, 48000), "create_session failed")
local tl = Session:new_audio_track(1, 2, nil, 1, "dut", ARDOUR.PresentationInfo.max_order,
                                   ARDOUR.TrackMode.Normal, true, false)
assert(tl:size() == 1, "track not created")
local t = tl:front()

-- A take (real time), so the session has a source and a region for import_take.py to replace.
t:rec_enable_control():set_value(1, PBD.GroupControlDisposition.NoGroup)
Session:maybe_enable_record(false)
Session:request_roll(ARDOUR.TransportRequestSource.TRS_UI)
ARDOUR.LuaAPI.usleep(1000000)
Session:request_stop(false, false, ARDOUR.TransportRequestSource.TRS_UI)
ARDOUR.LuaAPI.usleep(500000)
t:rec_enable_control():set_value(0, PBD.GroupControlDisposition.NoGroup)
Session:disable_record(false, false)
ARDOUR.LuaAPI.usleep(300000)
assert(t:playlist():region_list():size() == 1, "no region recorded")

print("STRICT_IO was " .. tostring(t:strict_io()))
t:set_strict_io(false)

local p = ARDOUR.LuaAPI.new_plugin(Session, uri, ARDOUR.PluginType.LV2, "")
assert(not p:isnil(), "LV2 plugin not found: " .. uri)
assert(t:add_processor_by_index(p, 0, nil, true), "add_processor_by_index failed")
local plugin = p:to_insert():plugin(0)
local ps = plugin:preset_by_label(label)
assert(ps and ps.valid, "no preset labelled " .. label)
assert(plugin:load_preset(ps), "load_preset failed")
ARDOUR.LuaAPI.usleep(500000) -- the worker loads the model; the engine runs the plugin meanwhile
-- Control indices count every control port, in port order (ttl/rnnfx.ttl.in, the classifier).
local names = { [1] = "threshold", [6] = "status", [7] = "latency", [8] = "model_rate",
                [17] = "note_length", [18] = "gate" }
for i, n in pairs(names) do
	print(string.format("APPLIED %s = %g", n, ARDOUR.LuaAPI.get_processor_param(p, i, true)))
end
print("LAST_PRESET " .. plugin:last_preset().label)

local out = t:output()
print(string.format("DUT_OUTPUTS audio %d midi %d", out:n_ports():n_audio(), out:n_ports():n_midi()))
assert(out:n_ports():n_midi() >= 1, "the track has no MIDI output")

local ml = Session:new_midi_track(ARDOUR.ChanCount(ARDOUR.DataType("midi"), 1),
	ARDOUR.ChanCount(ARDOUR.DataType("audio"), 2), false, ARDOUR.PluginInfo(), nil, nil, 1, "notes",
	ARDOUR.PresentationInfo.max_order, ARDOUR.TrackMode.Normal, true, false)
assert(ml:size() == 1, "MIDI track not created")
local inp = ml:front():input()
for i = 0, inp:n_ports():n_total() - 1 do
	inp:nth(i):disconnect_all()
end
local min = inp:midi(0)
for i = 0, out:n_ports():n_midi() - 1 do
	local mp = out:midi(i)
	assert(min:connect(mp:name()) == 0, "cannot connect " .. mp:name())
	print("CONNECTED " .. mp:name() .. " -> " .. min:name())
end

Session:save_state("", false, false, false, false, false)
close_session()
print("SESSION_OK")
