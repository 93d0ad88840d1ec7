-- ardour7-lua classifier-session.lua   (env: SESS_DIR SESS_NAME PLUGIN_URI PRESET_LABEL)
-- A session for check-classifier-ardour.sh (take.lua: a mono audio track "dut" with a recorded
-- take, which import_take.py swaps for the drum track, strict I/O off), the classifier inserted
-- with the preset PRESET_LABEL applied the way Ardour's preset menu does
-- (Plugin:preset_by_label, Plugin:load_preset), and a MIDI track "notes"
-- whose input is fed by every MIDI output of "dut". Prints the plugin's controls after the preset
-- and the ports, then saves and closes.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "take.lua")
local label = assert(os.getenv("PRESET_LABEL"))
local t, p = dut_session(1.0, false)
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
