-- dofile()d by the session scripts: what every Ardour test session starts with. On the hidden
-- "None (Dummy)" backend, a session SESS_DIR/SESS_NAME at 48 kHz with one mono track "dut" holding
-- a take recorded in real time for `seconds` (so the session has a source and a region, which
-- import_take.py then replaces with the test signal), and the LV2 plugin PLUGIN_URI inserted first
-- on the track. With `strict_io` false, the track's strict I/O is turned off before the insertion
-- (with it on, Ardour trims the chain's outputs to the track's audio inputs, and a plugin's MIDI
-- output goes nowhere). Returns the track and the plugin's processor.
function dut_session(seconds, strict_io)
	local dir = assert(os.getenv("SESS_DIR"))
	local name = assert(os.getenv("SESS_NAME"))
	local uri = assert(os.getenv("PLUGIN_URI"))
	assert(AudioEngine:set_backend("None (Dummy)", "", ""), "no dummy backend")
	assert(create_session(dir, name, 48000), "create_session failed")
	local tl = Session:new_audio_track(1, 2, nil, 1, "dut", ARDOUR.PresentationInfo.max_order,
	                                   ARDOUR.TrackMode.Normal, true, false)
	assert(tl:size() == 1, "track not created")
	local t = tl:front()

	t:rec_enable_control():set_value(1, PBD.GroupControlDisposition.NoGroup)
	Session:maybe_enable_record(false)
	Session:request_roll(ARDOUR.TransportRequestSource.TRS_UI)
	ARDOUR.LuaAPI.usleep(math.floor(seconds * 1000000))
	Session:request_stop(false, false, ARDOUR.TransportRequestSource.TRS_UI)
	ARDOUR.LuaAPI.usleep(500000)
	t:rec_enable_control():set_value(0, PBD.GroupControlDisposition.NoGroup)
	Session:disable_record(false, false)
	ARDOUR.LuaAPI.usleep(300000)
	assert(t:playlist():region_list():size() == 1, "no region recorded")

	if strict_io ~= nil then
		print("STRICT_IO was " .. tostring(t:strict_io()))
		t:set_strict_io(strict_io)
	end
	local p = ARDOUR.LuaAPI.new_plugin(Session, uri, ARDOUR.PluginType.LV2, "")
	assert(not p:isnil(), "LV2 plugin not found: " .. uri)
	assert(t:add_processor_by_index(p, 0, nil, true), "add_processor_by_index failed")
	return t, p
end
