-- ardour7-lua classifier-record.lua   (env: SESS_DIR SESS_NAME ROLL_SECONDS)
-- Opens the session of classifier-session.lua (Ardour restores the plugin's state, the model
-- embedded in it, without a worker), arms the MIDI track "notes" and records from the session
-- start until the transport passes ROLL_SECONDS (real time on the dummy backend) while "dut" plays
-- the drum track through the classifier, then prints every note of the recorded region at its
-- session sample:
--   NOTE <sample> <note> <channel 0-15> <velocity> <length in samples>
-- The session is closed without saving.
local dir  = assert(os.getenv("SESS_DIR"))
local name = assert(os.getenv("SESS_NAME"))
local secs = tonumber(assert(os.getenv("ROLL_SECONDS")))
assert(AudioEngine:set_backend("None (Dummy)", "", ""), "no dummy backend")
assert(load_session(dir, name), "load_session failed")
ARDOUR.LuaAPI.usleep(500000)
local dut = Session:route_by_name("dut")
assert(not dut:isnil(), "track dut missing")
local p = dut:nth_plugin(0)
assert(not p:isnil(), "plugin missing after load")
print(string.format("LOADED status = %g", ARDOUR.LuaAPI.get_processor_param(p, 6, true)))
print(string.format("LOADED latency = %g", ARDOUR.LuaAPI.get_processor_param(p, 7, true)))
print(string.format("LOADED model_rate = %g", ARDOUR.LuaAPI.get_processor_param(p, 8, true)))
print(string.format("ROUTE_LATENCY dut %d", dut:signal_latency()))
local r = Session:route_by_name("notes")
assert(not r:isnil(), "track notes missing")
local notes = r:to_track()

notes:rec_enable_control():set_value(1, PBD.GroupControlDisposition.NoGroup)
Session:goto_start(false)
ARDOUR.LuaAPI.usleep(300000)
Session:maybe_enable_record(false)
Session:request_roll(ARDOUR.TransportRequestSource.TRS_UI)
-- Until the transport has passed ROLL_SECONDS (the engine may run behind the clock under load),
-- at most four times as long.
local target = math.floor(secs * Session:nominal_sample_rate())
for i = 1, math.floor(secs * 40) do
	if Session:transport_sample() >= target then break end
	ARDOUR.LuaAPI.usleep(100000)
end
print(string.format("ROLLED to %d, recording %s", Session:transport_sample(), tostring(Session:actively_recording())))
Session:request_stop(false, false, ARDOUR.TransportRequestSource.TRS_UI)
ARDOUR.LuaAPI.usleep(500000)
notes:rec_enable_control():set_value(0, PBD.GroupControlDisposition.NoGroup)
Session:disable_record(false, false)
ARDOUR.LuaAPI.usleep(300000)

local rl = notes:playlist():region_list()
print(string.format("REGIONS %d", rl:size()))
local tm = Temporal.TempoMap.read()
for reg in rl:iter() do
	local mr = reg:to_midiregion()
	assert(not mr:isnil(), "not a MIDI region")
	-- A note's time counts beats from the source's start: from the region's start to the session.
	local shift = reg:position():beats() - reg:start():beats()
	print(string.format("REGION %s at %d, %d samples", reg:name(), reg:position():samples(), reg:length():samples()))
	for n in ARDOUR.LuaAPI.note_list(mr:model()):iter() do
		local on = tm:sample_at_beats(n:time() + shift)
		local off = tm:sample_at_beats(n:time() + n:length() + shift)
		print(string.format("NOTE %d %d %d %d %d", on, n:note(), n:channel(), n:velocity(), off - on))
	end
end
close_session()
print("RECORD_OK")
