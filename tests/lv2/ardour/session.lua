-- ardour7-lua session.lua   (env: SESS_DIR SESS_NAME PLUGIN_URI)
-- A session on the hidden "None (Dummy)" backend with one mono track, a recorded take (so the
-- session has a source and a region that import_take.py then replaces with the test signal), and
-- the plugin inserted first on the track. Saved and closed; the model goes into the plugin's
-- state afterwards (check-ardour.sh), because Lua cannot send patch:Set.
local dir  = assert(os.getenv("SESS_DIR"))
local name = assert(os.getenv("SESS_NAME"))
local uri  = assert(os.getenv("PLUGIN_URI"))

assert(AudioEngine:set_backend("None (Dummy)", "", ""), "no dummy backend")
local s = create_session(dir, name, 48000)
assert(s, "create_session failed")
local tl = Session:new_audio_track(1, 2, nil, 1, "dut", ARDOUR.PresentationInfo.max_order,
                                   ARDOUR.TrackMode.Normal, true, false)
assert(tl:size() == 1, "track not created")
local t = tl:front()

t:rec_enable_control():set_value(1, PBD.GroupControlDisposition.NoGroup)
Session:maybe_enable_record(false)
Session:request_roll(ARDOUR.TransportRequestSource.TRS_UI)
ARDOUR.LuaAPI.usleep(2500000)
Session:request_stop(false, false, ARDOUR.TransportRequestSource.TRS_UI)
ARDOUR.LuaAPI.usleep(500000)
t:rec_enable_control():set_value(0, PBD.GroupControlDisposition.NoGroup)
Session:disable_record(false, false)
ARDOUR.LuaAPI.usleep(300000)
assert(t:playlist():region_list():size() == 1, "no region recorded")

local p = ARDOUR.LuaAPI.new_plugin(Session, uri, ARDOUR.PluginType.LV2, "")
assert(not p:isnil(), "LV2 plugin not found: " .. uri)
assert(t:add_processor_by_index(p, 0, nil, true), "add_processor_by_index failed")
print("PLUGIN " .. p:display_name())
Session:save_state("", false, false, false, false, false)
close_session()
print("SESSION_OK")
