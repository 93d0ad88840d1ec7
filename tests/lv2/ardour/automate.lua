-- ardour7-lua automate.lua   (env: SESS_DIR SESS_NAME PARAM_INDEX PORT_INDEX T_SWITCH)
-- Automates a control of the plugin on track "dut": 0 from the start to T_SWITCH seconds, then 1
-- 10 ms later, in Play mode, as a user draws it in the editor. (The session's automation lists
-- keep time in beats, 1920 ticks a beat: two points one sample apart would land on one tick.) Saves and closes. The
-- control has two numbers: PARAM_INDEX counts the control ports (LuaAPI.plugin_automation; knob1
-- is the eighth, 7), PORT_INDEX is its LV2 port index (the automation control's parameter; 11).
local dir  = assert(os.getenv("SESS_DIR"))
local name = assert(os.getenv("SESS_NAME"))
local idx = tonumber(assert(os.getenv("PARAM_INDEX")))
local port = tonumber(assert(os.getenv("PORT_INDEX")))
local tsw = tonumber(assert(os.getenv("T_SWITCH")))
assert(AudioEngine:set_backend("None (Dummy)", "", ""), "no dummy backend")
local s = load_session(dir, name)
assert(s, "load_session failed")
local r = Session:route_by_name("dut")
assert(not r:isnil(), "track dut missing")
local p = r:nth_plugin(0)
assert(not p:isnil(), "plugin missing")
local al, cl, pd = ARDOUR.LuaAPI.plugin_automation(p, idx)
assert(not al:isnil(), "no automation list for parameter " .. idx)
print(string.format("AUTOMATE '%s' range %g..%g", pd.label, pd.lower, pd.upper))
local k = math.floor(tsw * Session:nominal_sample_rate())
cl:add(Temporal.timepos_t(0), 0, false, false)
cl:add(Temporal.timepos_t(k), 0, false, false)
cl:add(Temporal.timepos_t(k + math.floor(0.01 * Session:nominal_sample_rate())), 1, false, false)
local ac = p:to_automatable():automation_control(
	Evoral.Parameter(ARDOUR.AutomationType.PluginAutomation, 0, port), false)
assert(not ac:isnil(), "no automation control for port " .. port)
ac:set_automation_state(ARDOUR.AutoState.Play)
Session:save_state("", false, false, false, false, false)
close_session()
print("AUTOMATE_OK")
