-- ardour7-lua session.lua   (env: SESS_DIR SESS_NAME PLUGIN_URI)
-- A session on the hidden "None (Dummy)" backend with one mono track, a recorded take (so the
-- session has a source and a region that import_take.py then replaces with the test signal), and
-- the plugin inserted first on the track. Saved and closed; the model goes into the plugin's
-- state afterwards (check-ardour.sh), because Lua cannot send patch:Set.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "take.lua")
local t, p = dut_session(2.5)
print("PLUGIN " .. p:display_name())
Session:save_state("", false, false, false, false, false)
close_session()
print("SESSION_OK")
