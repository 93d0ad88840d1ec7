-- ardour7-lua reload.lua   (env: SESS_DIR SESS_NAME)
-- Opens the session (Ardour restores the plugin's state without a worker), prints the plugin's
-- output controls (status, model_rate) after some processing, saves and closes.
local dir  = assert(os.getenv("SESS_DIR"))
local name = assert(os.getenv("SESS_NAME"))
assert(AudioEngine:set_backend("None (Dummy)", "", ""), "no dummy backend")
local s = load_session(dir, name)
assert(s, "load_session failed")
ARDOUR.LuaAPI.usleep(500000)
local r = Session:route_by_name("dut")
assert(not r:isnil(), "track dut missing")
local p = r:nth_plugin(0)
assert(not p:isnil(), "plugin missing after reload")
-- Parameter indices count every control port: in_gain out_gain mix enabled latency status model_rate
local names = { "in_gain", "out_gain", "mix", "enabled", "latency", "status", "model_rate" }
for i = 0, 6 do
	print(string.format("PARAM %s = %g", names[i + 1], ARDOUR.LuaAPI.get_processor_param(p, i, true)))
end
Session:save_state("", false, false, false, false, false)
close_session()
print("RELOAD_OK")
