-- wrk script: POST a line to /adhesion/lignes as one of several logged-in schools.
-- BENCH_SESSIONS holds "cookie|csrf-token" pairs separated by newlines; each request
-- takes the next pair, so the load spreads over schools as in the busiest week.
-- wrk counts answers of 400 and above as status errors; done() prints one JSON line (prefixed BENCH_JSON) for bench/run.py.

local sessions = {}
for entry in string.gmatch(os.getenv("BENCH_SESSIONS") or "|", "[^\n]+") do
  local cookie, token = string.match(entry, "^(.-)|(.*)$")
  table.insert(sessions, {cookie = cookie, token = token})
end

local counter = 0
local labels = {"CP", "CE1", "CE2", "CM1", "CM2", "GS", "MS", "PS"}

request = function()
  counter = counter + 1
  local s = sessions[(counter % #sessions) + 1]
  local body = "label=" .. labels[(counter % #labels) + 1] ..
               "&person=Mme+Martin&adults=1&pupils=" .. (counter % 30)
  local headers = {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["HX-Request"] = "true",
    ["X-CSRFToken"] = s.token,
    ["Cookie"] = s.cookie,
  }
  return wrk.format("POST", "/adhesion/lignes", headers, body)
end

done = function(summary, latency, requests)
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout))
end
